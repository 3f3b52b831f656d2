"""``{% report_month end %}``: the month the figures page offers for the monthly report."""

from __future__ import annotations

from django import template

from suyuan.analytics import report

register = template.Library()


@register.simple_tag
def report_month(end: str = "") -> str:
    """The figures' last month (YYYY-MM) when it is over, else the last complete month."""
    return report.default_month(str(end or ""))


@register.simple_tag
def latest_report_month() -> str:
    return f"{report.last_complete_month():%Y-%m}"
