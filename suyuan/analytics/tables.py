"""The figures as named tables (header + rows), shared by the page, the CSV and the XLSX exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.analytics.selectors import Figures, Place, Share


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


def _shares(key: str, title: Promise, label: Promise, shares: list[Share]) -> Table:
    return Table(
        key,
        str(title),
        [str(label), _("Matters"), _("Share")],
        [[s.label, s.count, _percent(s.share)] for s in shares],
    )


def summary(f: Figures) -> Table:
    rows: list[list[Any]] = [
        [_("Matters received"), f.received, ""],
        [_("Matters concluded"), f.concluded, ""],
        [_("Mediation success rate"), _percent(f.mediation_rate), f"{f.mediation_succeeded} / {f.mediation_succeeded + f.mediation_failed}"],
        [_("Days to conclusion, median"), "" if f.days_median is None else f.days_median, f.days_counted],
        [_("Days to conclusion, 90th percentile"), "" if f.days_p90 is None else f.days_p90, f.days_counted],
        [_("Overdue rate"), _percent(f.overdue_rate), f"{f.overdue} / {f.concluded}"],
        [_("Agreements honoured"), _percent(f.honoured_rate), f"{f.honoured} / {f.honoured + f.broken}"],
        [_("Came back within 180 days"), _percent(f.returned_rate), f"{f.returned} / {f.received}"],
        [_("Petitions received"), f.petitions, ""],
        [_("Court filings"), f.court_filed, _("a year earlier: %(n)d") % {"n": f.court_filed_last_year}],
        [_("Court filings, change on a year earlier"), _percent(f.court_change), ""],
        [_("Court filings per 10,000 residents"), _number(f.court_per_10k, 2), _number(f.court_per_10k_last_year, 2)],
        [_("Satisfaction (1–5)"), _number(f.satisfaction, 2), f.ratings],
    ]  # fmt: skip
    return Table("summary", _("Summary"), [_("Figure"), _("Value"), _("Basis")], rows)


def places_table(places: list[Place]) -> Table:
    return Table(
        "places",
        _("Places"),
        [_("Code"), _("Place"), _("Matters received"), _("Per 10,000 residents a year")],
        [[p.code, p.name, p.received, _number(p.per_10k, 2)] for p in places],
    )


TABLES: dict[str, Callable[[Figures, list[Place]], Table]] = {
    "summary": lambda f, _p: summary(f),
    "channel": lambda f, _p: _shares("channel", gettext_lazy("By channel"), gettext_lazy("Channel"), f.by_channel),
    "kind": lambda f, _p: _shares("kind", gettext_lazy("By kind"), gettext_lazy("Kind"), f.by_kind),
    "category": lambda f, _p: _shares("category", gettext_lazy("By category"), gettext_lazy("Category"), f.by_category),
    "funnel": lambda f, _p: _shares("funnel", gettext_lazy("Where matters ended"), gettext_lazy("Stage"), f.funnel),
    "places": lambda _f, p: places_table(p),
}  # fmt: skip


def all_tables(figures: Figures, places: list[Place]) -> list[Table]:
    return [build(figures, places) for build in TABLES.values()]
