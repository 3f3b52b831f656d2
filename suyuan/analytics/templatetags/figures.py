"""``{% figure_cell cell query may_open %}``: a table cell of the figures, its counts linked to the matters
they count when the viewer may open matters (analysts see the numbers only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from suyuan.analytics.tables import Count, Parts

register = template.Library()


def _count(count: Count, query: dict[str, str], may_open: bool) -> SafeString:
    if not may_open or not int(count):
        return conditional_escape(str(int(count)))
    href = f"{reverse('analytics:matters')}?{urlencode({**query, **count.drill})}"
    return format_html('<a href="{}" data-testid="drill">{}</a>', href, int(count))


@register.simple_tag
def figure_cell(cell: Any, query: dict[str, str], may_open: bool) -> SafeString:
    if isinstance(cell, Count):
        return _count(cell, query, may_open)
    if isinstance(cell, Parts):
        return mark_safe(  # noqa: S308 - every part is escaped or built by format_html
            "".join(
                _count(part, query, may_open) if isinstance(part, Count) else conditional_escape(part)
                for part in cell.parts
            )
        )
    return conditional_escape(cell)
