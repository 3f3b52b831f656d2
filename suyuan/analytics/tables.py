"""The figures as named tables (header + rows), shared by the page, the CSV and the XLSX exports.

A count in a table is a ``Count``: an ``int`` (so exports and comparisons see a number) that also knows
which matters it counts (``drill``: the measure and narrowing, added to the page's filters), so the page
links it to them. A cell made of several counts ("3 / 5") is a ``Parts``: a ``str`` that keeps its parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.analytics.selectors import Figures, Place, Share
from suyuan.matters.choices import MatterKind


class Count(int):
    """A number of matters, with what it counts (``drill``: query parameters of the matters page)."""

    drill: dict[str, str]

    def __new__(cls, value: int, **drill: str) -> Count:
        made = super().__new__(cls, value)
        made.drill = drill
        return made


class Parts(str):
    """A cell of text and counts ("3 / 5", "a year earlier: 4"); ``parts`` keeps them apart for links."""

    parts: tuple[str | Count, ...]

    def __new__(cls, *parts: str | Count) -> Parts:
        made = super().__new__(cls, "".join(str(p) for p in parts))
        made.parts = parts
        return made


def _ratio(part: Count, whole: Count) -> Parts:
    return Parts(part, " / ", whole)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _shares(
    key: str, title: Promise, label: Promise, shares: list[Share], drill: Callable[[str], dict[str, str]]
) -> Table:
    return Table(
        key,
        str(title),
        [str(label), _("Matters"), _("Share")],
        [[s.label, Count(s.count, **drill(s.key)), _percent(s.share)] for s in shares],
    )


def _category(code: str) -> dict[str, str]:
    return (
        {"measure": "received", "category": code} if code else {"measure": "received", "uncategorised": "1"}
    )


def summary(f: Figures) -> Table:
    received = Count(f.received, measure="received")
    concluded = Count(f.concluded, measure="concluded")
    mediated = Count(f.mediation_succeeded + f.mediation_failed, measure="mediation_ended")
    timed = Count(f.days_counted, measure="timed")
    year_earlier = {
        "measure": "court_filed",
        "start": f"{f.filters.start.replace(year=f.filters.start.year - 1):%Y-%m}",
        "end": f"{f.filters.end.replace(year=f.filters.end.year - 1):%Y-%m}",
    }
    rows: list[list[Any]] = [
        [_("Matters received"), received, ""],
        [_("Matters concluded"), concluded, ""],
        [_("Mediation success rate"), _percent(f.mediation_rate), _ratio(Count(f.mediation_succeeded, measure="mediation_succeeded"), mediated)],
        [_("Days to conclusion, median"), "" if f.days_median is None else f.days_median, timed],
        [_("Days to conclusion, 90th percentile"), "" if f.days_p90 is None else f.days_p90, timed],
        [_("Overdue rate"), _percent(f.overdue_rate), _ratio(Count(f.overdue, measure="overdue"), concluded)],
        [_("Agreements honoured"), _percent(f.honoured_rate), _ratio(Count(f.honoured, measure="agreement_honoured"), Count(f.honoured + f.broken, measure="agreement_known"))],
        [_("Came back within 180 days"), _percent(f.returned_rate), _ratio(Count(f.returned, measure="returned"), received)],
        [_("Petitions received"), Count(f.petitions, measure="received", kind=MatterKind.PETITION), ""],
        [_("Court filings"), Count(f.court_filed, measure="court_filed"), Parts(_("a year earlier"), ": ", Count(f.court_filed_last_year, **year_earlier))],
        [_("Court filings, change on a year earlier"), _percent(f.court_change), ""],
        [_("Court filings per 10,000 residents"), _number(f.court_per_10k, 2), _number(f.court_per_10k_last_year, 2)],
        [_("Satisfaction (1–5)"), _number(f.satisfaction, 2), Count(f.ratings, measure="rated")],
        [_("Active mediators"), "" if f.mediators_active is None else f.mediators_active, _("registered: %(n)d") % {"n": f.mediators_registered}],
        [_("Citizens who used their account"), "" if f.citizens_active is None else f.citizens_active, ""],
    ]  # fmt: skip
    return Table("summary", _("Summary"), [_("Figure"), _("Value"), _("Basis")], rows)


def places_table(places: list[Place]) -> Table:
    return Table(
        "places",
        _("Places"),
        [_("Code"), _("Place"), _("Matters received"), _("Per 10,000 residents a year")],
        [
            [p.code, p.name, Count(p.received, measure="received", region=p.code), _number(p.per_10k, 2)]
            for p in places
        ],
    )


TABLES: dict[str, Callable[[Figures, list[Place]], Table]] = {
    "summary": lambda f, _p: summary(f),
    "channel": lambda f, _p: _shares("channel", gettext_lazy("By channel"), gettext_lazy("Channel"), f.by_channel, lambda k: {"measure": "received", "channel": k}),
    "kind": lambda f, _p: _shares("kind", gettext_lazy("By kind"), gettext_lazy("Kind"), f.by_kind, lambda k: {"measure": "received", "kind": k}),
    "category": lambda f, _p: _shares("category", gettext_lazy("By category"), gettext_lazy("Category"), f.by_category, _category),
    "funnel": lambda f, _p: _shares("funnel", gettext_lazy("Where matters ended"), gettext_lazy("Stage"), f.funnel, lambda k: {"measure": "concluded", "stage": k}),
    "places": lambda _f, p: places_table(p),
}  # fmt: skip


def all_tables(figures: Figures, places: list[Place]) -> list[Table]:
    return [build(figures, places) for build in TABLES.values()]
