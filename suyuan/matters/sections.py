"""Sections that other apps add to a matter's page, without the matters app importing them.

The matter page belongs to the matters app, but much of what it shows comes from apps above it in the
dependency order (mediation sessions and agreements, respondents' replies, supervision orders, later the
court). Each such app registers its sections once, in its ``AppConfig.ready()``; the matter page renders
every registered section whose context function returns something, in order. A section reads its data
through its own app's selectors, so access rules stay where they belong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from suyuan.matters.models import Matter

Audience = Literal["portal", "staff"]
Place = Literal["main", "side"]
# Return the template's context, or None when the section has nothing to show to this viewer.
ContextFunction = Callable[[HttpRequest, Matter], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    key: str
    audience: Audience
    template: str
    context: ContextFunction
    order: int = 100
    place: Place = "main"


_REGISTRY: dict[tuple[Audience, str], Section] = {}


def register(section: Section) -> None:
    """Add ``section`` to the matter pages of its audience (registering a key again replaces it)."""
    _REGISTRY[(section.audience, section.key)] = section


def registered(audience: Audience) -> list[Section]:
    return sorted((s for (a, _), s in _REGISTRY.items() if a == audience), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class Rendered:
    key: str
    place: Place
    html: SafeString


def render_sections(request: HttpRequest, matter: Matter, audience: Audience) -> list[Rendered]:
    """Return the HTML of every section that has something to show on ``matter``'s page."""
    out = []
    for section in registered(audience):
        context = section.context(request, matter)
        if context is None:
            continue
        context = {"matter": matter, **context}
        html = render_to_string(section.template, context, request=request)
        out.append(Rendered(section.key, section.place, mark_safe(html)))  # noqa: S308 (rendered template)
    return out


def by_place(rendered: list[Rendered]) -> dict[str, list[Rendered]]:
    return {
        "main": [r for r in rendered if r.place == "main"],
        "side": [r for r in rendered if r.place == "side"],
    }
