"""The monthly report of the figures as a PDF: key figures against last month and the same month a year
earlier, and charts (each with its numbers as a table), for a place, a complete month and optionally a
category.

``report_data`` reads (through ``selectors``, the same figures as the page); ``render`` draws with fpdf2's
vector primitives and the embedded subset Chinese font of ``suyuan.core.pdf``, in the active language.
Like the page, the report counts matters and never names, ranks or scores a person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf.enums import Align, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from suyuan.accounts.access import code_prefix_q
from suyuan.analytics import facts, selectors
from suyuan.analytics.choices import Measure
from suyuan.analytics.models import MatterFact, MonthlyCount
from suyuan.core.pdf import FONT, Document, plain
from suyuan.matters.models import Category

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

TREND_MONTHS = 12
CHART_PLACES = 15  # the chart ranks this many places; the table under it lists them all
BAR = (47, 110, 186)
GRID = (205, 210, 218)
HEADING_FILL = (232, 238, 247)
TEXT = (33, 37, 41)
MUTED = (100, 106, 115)


# --- the month asked for ----------------------------------------------------------------------------------


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_complete_month(today: dt.date | None = None) -> dt.date:
    """The first day of the latest month that is over (Beijing time)."""
    today = today or timezone.localdate()
    return _add_months(today.replace(day=1), -1)


def default_month(end: str = "", today: dt.date | None = None) -> str:
    """The month the report form offers: ``end`` (YYYY-MM, the figures' last month) when that month is
    complete, else the last complete month."""
    latest = last_complete_month(today)
    try:
        year, month = (int(part) for part in end.strip().split("-"))
        wanted = dt.date(year, month, 1)
    except (ValueError, TypeError):
        wanted = latest
    return f"{min(wanted, latest):%Y-%m}"


def parse_report_filters(
    actor: Actor, data: Mapping[str, Any], today: dt.date | None = None
) -> selectors.Filters:
    """The filters of a report request: place and category as the figures page reads them, and one
    complete month (``month``, YYYY-MM; the last complete month when empty) within the last
    ``selectors.MAX_MONTHS`` months. ``ValidationError`` per field (translated) otherwise."""
    today = today or timezone.localdate()
    latest = last_complete_month(today)
    earliest = _add_months(today.replace(day=1), -selectors.MAX_MONTHS)
    errors: dict[str, str] = {}
    text = str(data.get("month") or "").strip() or f"{latest:%Y-%m}"
    month: dt.date | None = None
    try:
        year, number = (int(part) for part in text.split("-"))
        month = dt.date(year, number, 1)
    except (ValueError, TypeError):
        errors["month"] = _("Give a month as YYYY-MM, e.g. 2026-03.")
    if month is not None and month > latest:
        errors["month"] = _("Choose a month that is over: the report of %(month)s is not complete yet.") % {
            "month": f"{month:%Y-%m}"
        }
    elif month is not None and month < earliest:
        errors["month"] = _("Choose a month within the last %(months)d months.") % {
            "months": selectors.MAX_MONTHS
        }
    asked = month if month is not None and "month" not in errors else latest
    query = {"region": data.get("region") or "", "start": f"{asked:%Y-%m}", "end": f"{asked:%Y-%m}"}
    if data.get("category"):
        query["category"] = data["category"]
    try:
        filters = selectors.parse_filters(actor, query)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault("month" if key in ("start", "end") else key, messages[0])
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    return filters


def filename(filters: selectors.Filters) -> str:
    """E.g. figures-report-330881-2026-10.pdf (with the category's code when there is one)."""
    category = f"-{filters.category.code}" if filters.category is not None else ""
    return f"figures-report-{filters.region.code}-{filters.start:%Y-%m}{category}.pdf"


# --- what the report shows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyReport:
    filters: selectors.Filters  # one month
    figures: selectors.Figures
    last_month: selectors.Figures
    last_year: selectors.Figures  # the same month a year earlier
    trend: list[tuple[dt.date, int]]  # matters received in each of the 12 months up to this one
    places: list[selectors.Place]  # one level down, most matters first
    categories: dict[str, str]  # category code -> its name in the active language


def _month_filters(filters: selectors.Filters, months: int) -> selectors.Filters:
    month = _add_months(filters.start, months)
    return selectors.Filters(filters.region, month, month, filters.category)


def received_by_month(filters: selectors.Filters) -> list[tuple[dt.date, int]]:
    """Matters received in each month of ``filters`` (oldest first, months without any as 0), counted as
    the figures count them: counties and above from the county rows, a township or village from its
    matters' facts."""
    code = filters.region.code
    counts: Counter[dt.date] = Counter()
    if len(code) <= facts.COUNTY:
        rows = MonthlyCount.objects.annotate(length=Length("region")).filter(
            code_prefix_q("region", code),
            length=facts.COUNTY,
            measure=Measure.RECEIVED,
            month__gte=filters.start,
            month__lte=filters.end,
        )
        if filters.category is not None:
            rows = rows.filter(category_id=filters.category.pk)
        for month, n in rows.values("month").annotate(n=Sum("count")).values_list("month", "n"):
            counts[month] += n
    else:
        matters = MatterFact.objects.filter(
            code_prefix_q("region", code),
            received_on__gte=filters.start,
            received_on__lt=_add_months(filters.end, 1),
        )
        if filters.category is not None:
            matters = matters.filter(category_id=filters.category.pk)
        for day, n in matters.values("received_on").annotate(n=Count("pk")).values_list("received_on", "n"):
            counts[day.replace(day=1)] += n
    return [
        (_add_months(filters.start, i), counts[_add_months(filters.start, i)]) for i in range(filters.months)
    ]


def report_data(filters: selectors.Filters) -> MonthlyReport:
    """Everything the report of ``filters``' (first) month shows."""
    month = _month_filters(filters, 0)
    trend = selectors.Filters(
        month.region, _add_months(month.start, 1 - TREND_MONTHS), month.end, month.category
    )
    language = get_language()
    return MonthlyReport(
        filters=month,
        figures=selectors.figures(month),
        last_month=selectors.figures(_month_filters(month, -1)),
        last_year=selectors.figures(month.shifted(-1)),
        trend=received_by_month(trend),
        places=selectors.places(month),
        categories={c.code: c.label(language) for c in Category.objects.all()},
    )


# --- numbers as the report writes them --------------------------------------------------------------------

NONE = "—"


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def _ratio(value: float | None, part: int, whole: int) -> str:
    return NONE if value is None else f"{value * 100:.1f}% ({part}/{whole})"


def _number(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def _whole(value: int | None) -> str:
    return NONE if value is None else str(value)


def _key_rows(f: selectors.Figures) -> list[str]:
    """One column of the key figures, in the order of ``KEY_FIGURES``."""
    return [
        str(f.received),
        str(f.concluded),
        *(f"{s.count} ({_percent(s.share)})" for s in f.funnel),
        _ratio(f.mediation_rate, f.mediation_succeeded, f.mediation_succeeded + f.mediation_failed),
        _whole(f.days_median),
        _whole(f.days_p90),
        _ratio(f.overdue_rate, f.overdue, f.concluded),
        _ratio(f.honoured_rate, f.honoured, f.honoured + f.broken),
        _ratio(f.returned_rate, f.returned, f.received),
        str(f.petitions),
        str(f.court_filed),
        _number(f.court_per_10k),
        NONE if f.satisfaction is None else f"{f.satisfaction:.2f} ({f.ratings})",
        f"{_whole(f.mediators_active)} ({f.mediators_registered})",
        _whole(f.citizens_active),
    ]


def _key_names(f: selectors.Figures) -> list[str]:
    return [
        _("Matters received"),
        _("Matters concluded"),
        *(_("Ended at: %(stage)s") % {"stage": s.label} for s in f.funnel),
        _("Mediation success rate"),
        _("Days to conclusion, median"),
        _("Days to conclusion, 90th percentile"),
        _("Overdue rate"),
        _("Agreements honoured"),
        _("Came back within 180 days"),
        _("Petitions received"),
        _("Court filings"),
        _("Court filings per 10,000 residents"),
        _("Satisfaction (1–5)"),
        _("Active mediators (registered)"),
        _("Citizens who used their account"),
    ]


def _month_name(month: dt.date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


# --- drawing ----------------------------------------------------------------------------------------------


class _Report(Document):
    """A4 with "Page N of M" in the active language at the foot of every page."""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(
            0, 10, _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align=Align.C
        )
        self.set_text_color(*TEXT)


def _room(pdf: Document, height: float) -> None:
    """Start a new page unless ``height`` mm still fit on this one."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _heading(pdf: Document, text: str, size: int = 13) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FONT, size=9)


def _fit(pdf: Document, text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _table(
    pdf: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric_from: int = 1,
) -> None:
    """A table with a heading row (repeated on a new page); columns from ``numeric_from`` on align right."""
    pdf.set_font(FONT, size=8.5)
    pdf.set_fill_color(255, 255, 255)  # the charts leave the bars' colour as the current fill
    align = tuple(Align.L if i < numeric_from else Align.R for i in range(len(header)))
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align=Align.L,
        text_align=align,
        headings_style=FontFace(emphasis="", fill_color=HEADING_FILL),
        line_height=5,
        padding=(0.8, 1.5),
        wrapmode=WrapMode.WORD,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for cells in [list(header), *(list(r) for r in rows)]:
            row = table.row()
            for cell in cells:
                row.cell(plain(str(cell)))
    pdf.ln(2)


def _ticks(peak: int) -> list[int]:
    """Whole-number grid values from 0 to at least ``peak``, in steps of 1, 2 or 5 × 10ⁿ (about four)."""
    step = 1
    while step * 4 < peak:
        for factor in (2, 5 / 2, 2):  # 1 → 2 → 5 → 10 → 20 → …
            step = int(step * factor)
            if step * 4 >= peak:
                break
    top = max(step, math.ceil(peak / step) * step)
    return list(range(0, top + 1, step))


def _columns(
    pdf: Document, items: Sequence[tuple[str, int]], *, height: float = 48, line: bool = False
) -> None:
    """A vertical bar chart of ``items`` (label, count), with a light grid; ``line`` joins the bars' tops."""
    axis = 12.0
    label_height = 9.0
    _room(pdf, height + label_height + 10)
    left = pdf.l_margin + axis
    width = pdf.epw - axis
    top = pdf.get_y() + 4
    base = top + height
    ticks = _ticks(max((n for _label, n in items), default=0))
    peak = ticks[-1]
    pdf.set_font(FONT, size=7)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    for tick in ticks:
        y = base - height * tick / peak
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.set_text_color(*MUTED)
        pdf.cell(axis - 1.5, 4, str(tick), align=Align.R)
    slot = width / max(len(items), 1)
    bar = slot * 0.6
    tops: list[tuple[float, float]] = []
    pdf.set_fill_color(*BAR)
    for i, (label, n) in enumerate(items):
        x = left + i * slot + (slot - bar) / 2
        h = height * n / peak
        if h > 0:
            pdf.rect(x, base - h, bar, h, style="F")
        tops.append((x + bar / 2, base - h))
        pdf.set_text_color(*TEXT)
        pdf.set_xy(left + i * slot, base - h - 4)
        pdf.cell(slot, 4, str(n), align=Align.C)
        pdf.set_xy(left + i * slot, base + 0.8)
        pdf.multi_cell(slot, 3.2, _fit(pdf, label, slot * 2 - 2), align=Align.C, max_line_height=3.2)
    if line and len(tops) > 1:
        pdf.set_draw_color(*TEXT)
        pdf.set_line_width(0.35)
        pdf.polyline(tops)
    pdf.set_draw_color(*TEXT)
    pdf.set_line_width(0.3)
    pdf.line(left, base, left + width, base)
    pdf.set_text_color(*TEXT)
    pdf.set_y(base + label_height + 2)


def _bars(pdf: Document, items: Sequence[tuple[str, int]]) -> None:
    """A horizontal bar chart of ``items`` (label, count), in the order given."""
    label_width, value_width, bar_height, gap = 42.0, 14.0, 4.6, 1.4
    _room(pdf, len(items) * (bar_height + gap) + 8)
    left = pdf.l_margin + label_width
    width = pdf.epw - label_width - value_width
    peak = max((n for _label, n in items), default=0) or 1
    y = first = pdf.get_y() + 1
    pdf.set_font(FONT, size=8)
    pdf.set_fill_color(*BAR)
    for label, n in items:
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_width - 2, bar_height, _fit(pdf, label, label_width - 3), align=Align.R)
        w = width * n / peak
        if w > 0:
            pdf.rect(left, y, w, bar_height, style="F")
        pdf.set_xy(left + w + 1, y)
        pdf.cell(value_width, bar_height, str(n))
        y += bar_height + gap
    pdf.set_draw_color(*TEXT)
    pdf.set_line_width(0.3)
    pdf.line(left, first - gap / 2, left, y - gap / 2)
    pdf.set_y(y + 2)


def render(
    report: MonthlyReport, *, definitions_url: str = "", generated_at: dt.datetime | None = None
) -> bytes:
    """The report as PDF bytes, in the active language."""
    f, filters = report.figures, report.filters
    generated_at = timezone.localtime(generated_at or timezone.now())
    month = _month_name(filters.start)
    place = plain(filters.region.full_name or filters.region.name)
    title = _("Monthly report of the figures: %(place)s, %(month)s") % {"place": place, "month": month}
    pdf = _Report(title=title)
    pdf.set_producer("Suyuan")
    pdf.set_creation_date(generated_at)
    pdf.set_subject(_("Figures of the matters received and handled"))
    pdf.set_lang(get_language() or "zh-Hans")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_text_color(*TEXT)
    pdf.add_page()

    # The header.
    pdf.set_font(FONT, size=18)
    pdf.multi_cell(0, 9, _("Monthly report of the figures"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=12)
    pdf.multi_cell(0, 7, f"{place} · {month}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FONT, size=9)
    category = (
        report.categories.get(filters.category.code, filters.category.name)
        if filters.category
        else _("All categories")
    )
    for line in (
        _("Place: %(place)s (%(code)s)") % {"place": place, "code": filters.region.code},
        _("Month: %(month)s (%(start)s to %(end)s)")
        % {
            "month": month,
            "start": f"{filters.start:%Y-%m-%d}",
            "end": f"{_add_months(filters.start, 1) - dt.timedelta(days=1):%Y-%m-%d}",
        },
        _("Category: %(category)s") % {"category": plain(category)},
        _("Generated at: %(moment)s (Beijing time)") % {"moment": f"{generated_at:%Y-%m-%d %H:%M}"},
    ):
        pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        4.6,
        _(
            "Every number follows the published definitions of the figures. Figures count matters, never "
            "people: nothing here names, ranks or scores a person."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if definitions_url:
        pdf.set_text_color(*BAR)
        pdf.multi_cell(0, 4.6, definitions_url, link=definitions_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*TEXT)

    # Key figures against last month and the same month a year earlier.
    _heading(pdf, _("Key figures"))
    columns = (report.figures, report.last_month, report.last_year)
    values = [_key_rows(c) for c in columns]
    rows = [[name, *(v[i] for v in values)] for i, name in enumerate(_key_names(f))]
    _table(
        pdf,
        [
            _("Figure"),
            month,
            _month_name(report.last_month.filters.start),
            _month_name(report.last_year.filters.start),
        ],
        rows,
        (66, 34, 34, 40),
    )
    if f.residents is not None:
        note = _("Per 10,000 residents: %(residents)d residents (%(year)d).") % {
            "residents": f.residents,
            "year": f.residents_year,
        }
    else:
        note = _("Per 10,000 residents: no population is entered for this place.")
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        4.2,
        _("Percentages show the part and the whole in brackets; satisfaction shows how many rated.")
        + " "
        + note,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*TEXT)

    # Where matters ended.
    _room(pdf, 90)
    _heading(pdf, _("Where matters ended"))
    _columns(pdf, [(s.label, s.count) for s in f.funnel])
    _table(
        pdf,
        [_("Stage"), _("Matters"), _("Share")],
        [[s.label, str(s.count), _percent(s.share)] for s in f.funnel],
        (90, 40, 40),
    )

    # Matters received per month.
    _room(pdf, 100)
    _heading(pdf, _("Matters received per month, last %(months)d months") % {"months": TREND_MONTHS})
    _columns(pdf, [(f"{m:%Y-%m}", n) for m, n in report.trend], line=True)
    half = (len(report.trend) + 1) // 2
    pairs = list(zip(report.trend[:half], report.trend[half:], strict=False))
    _table(
        pdf,
        [_("Month"), _("Matters received"), _("Month"), _("Matters received")],
        [[f"{a:%Y-%m}", str(na), f"{b:%Y-%m}", str(nb)] for (a, na), (b, nb) in pairs],
        (40, 45, 40, 45),
        numeric_from=1,
    )

    # The places one level down.
    if report.places:
        _room(pdf, 60)
        _heading(pdf, _("Places one level down, by matters received"))
        shown = report.places[:CHART_PLACES]
        if len(report.places) > len(shown):
            pdf.set_font(FONT, size=8)
            pdf.multi_cell(
                0,
                4.2,
                _("The chart shows the %(n)d places with the most matters; the table lists all %(all)d.")
                % {"n": len(shown), "all": len(report.places)},
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        _bars(pdf, [(plain(p.name), p.received) for p in shown])
        _table(
            pdf,
            [_("Code"), _("Place"), _("Matters received"), _("Per 10,000 residents a year")],
            [[p.code, plain(p.name), str(p.received), _number(p.per_10k)] for p in report.places],
            (30, 62, 38, 44),
            numeric_from=2,
        )

    # Categories.
    _room(pdf, 50)
    _heading(pdf, _("Matters received by category"))
    if f.by_category:
        labelled = [(plain(report.categories.get(s.key, s.label)), s) for s in f.by_category]
        _bars(pdf, [(label, s.count) for label, s in labelled])
        _table(
            pdf,
            [_("Category"), _("Matters"), _("Share")],
            [[label, str(s.count), _percent(s.share)] for label, s in labelled],
            (90, 40, 40),
        )
    else:
        pdf.multi_cell(0, 5, _("Nothing in this period."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    return bytes(pdf.output())


def monthly_report_pdf(
    filters_or_report: selectors.Filters | MonthlyReport,
    *,
    definitions_url: str = "",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The monthly report of a place (of ``filters``' first month, or of a report already read) as PDF
    bytes, in the active language."""
    report = (
        filters_or_report if isinstance(filters_or_report, MonthlyReport) else report_data(filters_or_report)
    )
    return render(report, definitions_url=definitions_url, generated_at=generated_at)
