"""The figures, computed from the read models for a place, a span of months and optionally a category.

Who may see them: supervisors, analysts, administrators and dispatchers, for the places of their
organisations and below (a township its township, a county its county); platform operators everywhere.
Figures are counts and rates: no name, no identifier, no score of anyone. Counties and above read the
monthly rows; a township or a village is small enough to be summed from its matters' facts with the very
same ``facts.contributions``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from suyuan.accounts.access import code_prefix_q, scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.analytics import facts
from suyuan.analytics.choices import Measure, Stage
from suyuan.analytics.models import MatterFact, MonthlyActivity, MonthlyCount, RegionPopulation
from suyuan.matters.access import matters_visible_to
from suyuan.matters.choices import Channel, MatterKind
from suyuan.matters.models import Category, Matter
from suyuan.regions.models import Region

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

FIGURE_ROLES = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR, Role.DISPATCHER})
# Staff who may open the matters behind a number (analysts see aggregates only).
DRILL_ROLES = FIGURE_ROLES - {Role.ANALYST}
MAX_MONTHS = 60
PROVINCE = "33"

# A row of figures: (month, category id, kind, channel, measure, stage, value) -> count.
Row = tuple[dt.date, int, str, str, str, str, int]


def may_view(actor: Actor) -> bool:
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*FIGURE_ROLES)


def may_open_matters(actor: Actor) -> bool:
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*DRILL_ROLES)


def home_regions(actor: Actor) -> tuple[str, ...]:
    """The places the actor's figures start from (their organisations' regions)."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return (PROVINCE,)
    return scope_for(actor, roles=FIGURE_ROLES).region_codes


def covers(actor: Actor, code: str) -> bool:
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    return any(code.startswith(root) for root in scope_for(actor, roles=FIGURE_ROLES).region_codes)


@dataclass(frozen=True)
class Filters:
    region: Region
    start: dt.date  # first day of the first month
    end: dt.date  # first day of the last month (inclusive)
    category: Category | None = None

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def shifted(self, years: int) -> Filters:
        return Filters(
            self.region,
            self.start.replace(year=self.start.year + years),
            self.end.replace(year=self.end.year + years),
            self.category,
        )

    def query(self) -> dict[str, str]:
        found = {"region": self.region.code, "start": f"{self.start:%Y-%m}", "end": f"{self.end:%Y-%m}"}
        if self.category is not None:
            found["category"] = self.category.code
        return found


def _month(text: str, field_name: str, errors: dict[str, str]) -> dt.date | None:
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        errors[field_name] = _("Give a month as YYYY-MM, e.g. 2026-03.")
        return None


def region_for(actor: Actor, code: str) -> Region:
    """The region a figures or board request asks for (the actor's home place when ``code`` is empty);
    ``ValidationError`` on ``region`` for an unknown code or a place outside what the actor may see."""
    code = (code or "").strip() or next(iter(home_regions(actor)), "")
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise ValidationError({"region": _("There is no such region.")})
    if not covers(actor, region.code):
        raise ValidationError({"region": _("This region is outside the places you may see.")})
    return region


def parse_filters(actor: Actor, data: Mapping[str, Any]) -> Filters:
    """Read the filters of a figures request; raise ``ValidationError`` (per field, translated) for
    anything that makes no sense or lies outside what the actor may see."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    this_month = today.replace(day=1)
    region: Region | None = None
    try:
        region = region_for(actor, str(data.get("region") or ""))
    except ValidationError as exc:
        errors.update({key: messages[0] for key, messages in exc.message_dict.items()})
    default_start = this_month.replace(year=this_month.year - 1)
    start = _month(str(data.get("start") or f"{default_start:%Y-%m}"), "start", errors)
    end = _month(str(data.get("end") or f"{this_month:%Y-%m}"), "end", errors)
    if start and end:
        if end < start:
            errors["end"] = _("The end month is before the start month.")
        elif (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
            errors["start"] = _("Choose at most %(months)d months.") % {"months": MAX_MONTHS}
    category = None
    if data.get("category"):
        category = Category.objects.filter(code=str(data["category"])).first()
        if category is None:
            errors["category"] = _("There is no such category.")
    if errors or region is None or start is None or end is None:
        raise ValidationError(errors)
    return Filters(region, start, end, category)


def _rows(filters: Filters, measures: tuple[str, ...] = ()) -> Counter[Row]:
    """The counts of every measure (or of ``measures``) in the months and place (and category) of
    ``filters``."""
    code = filters.region.code
    found: Counter[Row] = Counter()
    if len(code) <= facts.COUNTY:
        rows = MonthlyCount.objects.annotate(length=Length("region")).filter(
            code_prefix_q("region", code),
            length=facts.COUNTY,
            month__gte=filters.start,
            month__lte=filters.end,
        )
        if filters.category is not None:
            rows = rows.filter(category_id=filters.category.pk)
        if measures:
            rows = rows.filter(measure__in=measures)
        for month, category, kind, channel, measure, stage, value, count in rows.values_list(
            "month", "category_id", "kind", "channel", "measure", "stage", "value", "count"
        ):
            found[(month, category, kind, channel, measure, stage, value)] += count
        return found
    # A township or a village: its matters' facts, counted by the database in one grouped pass. Each group
    # says which of the fact's dates fall in the period; the rows it adds are those ``facts.contributions``
    # adds at the county (a test holds both ways to the same numbers). Figures sum over the months, so
    # these rows carry the period's first month.
    last_day = _last_day(filters.end)
    flags = {
        "in_received": "received_on",
        "in_concluded": "concluded_on",
        "in_mediation": "mediation_on",
        "in_agreement": "agreement_on",
        "in_court": "court_filed_on",
        "in_rated": "rated_on",
    }
    when = Q()
    for name in flags.values():
        when |= Q(**{f"{name}__gte": filters.start, f"{name}__lte": last_day})
    matters = MatterFact.objects.filter(code_prefix_q("region", code)).filter(when)
    if filters.category is not None:
        matters = matters.filter(category_id=filters.category.pk)
    inside = {
        flag: Case(
            When(**{f"{name}__gte": filters.start, f"{name}__lte": last_day}, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        for flag, name in flags.items()
    }
    dims = ("category_id", "kind", "channel", "stage", "days", "mediation", "overdue", "agreement", "rating",
            "returned")  # fmt: skip
    grouped = matters.annotate(**inside).values(*dims, *inside).annotate(n=Count("pk")).order_by()
    month = filters.start

    def add(measure: str, n: int, category: int, kind: str = "", channel: str = "", stage: str = "",
            value: int = 0) -> None:  # fmt: skip
        if not measures or measure in measures:
            found[(month, category, kind, channel, measure, stage, value)] += n

    for g in grouped:
        n, category = g["n"], g["category_id"] or 0
        if g["in_received"]:
            add(Measure.RECEIVED, n, category, g["kind"], g["channel"])
            if g["returned"]:
                add(Measure.RETURNED, n, category)
        if g["in_concluded"]:
            add(Measure.CONCLUDED, n, category, stage=g["stage"], value=g["days"] or 0)
            if g["overdue"]:
                add(Measure.OVERDUE, n, category)
        if g["in_mediation"]:
            succeeded = g["mediation"] == "succeeded"
            add(Measure.MEDIATION_SUCCEEDED if succeeded else Measure.MEDIATION_FAILED, n, category)
        if g["in_agreement"]:
            honoured = g["agreement"] == "honoured"
            add(Measure.AGREEMENT_HONOURED if honoured else Measure.AGREEMENT_BROKEN, n, category)
        if g["in_court"]:
            add(Measure.COURT_FILED, n, category)
        if g["in_rated"] and g["rating"] is not None:
            add(Measure.RATED, n, category, value=g["rating"])
    return found


def _last_day(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _percentile(histogram: Counter[int], q: float) -> int | None:
    """The q-th quantile (nearest rank) of whole days counted in ``histogram``."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    share: float | None


@dataclass
class Figures:
    filters: Filters
    received: int = 0
    by_channel: list[Share] = field(default_factory=list)
    by_kind: list[Share] = field(default_factory=list)
    by_category: list[Share] = field(default_factory=list)
    concluded: int = 0
    funnel: list[Share] = field(default_factory=list)
    mediation_succeeded: int = 0
    mediation_failed: int = 0
    mediation_rate: float | None = None
    days_counted: int = 0
    days_median: int | None = None
    days_p90: int | None = None
    overdue: int = 0
    overdue_rate: float | None = None
    honoured: int = 0
    broken: int = 0
    honoured_rate: float | None = None
    returned: int = 0
    returned_rate: float | None = None
    petitions: int = 0
    court_filed: int = 0
    court_filed_last_year: int = 0
    court_change: float | None = None
    residents: int | None = None
    residents_year: int | None = None
    court_per_10k: float | None = None
    court_per_10k_last_year: float | None = None
    received_per_10k: float | None = None
    ratings: int = 0
    satisfaction: float | None = None
    mediators_registered: int = 0
    mediators_active: int | None = None  # None for a village: activity is kept by county and township
    citizens_active: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["filters"] = self.filters.query()
        return data


def _shares(counter: Counter[str], labels: Mapping[str, str], total: int) -> list[Share]:
    return [
        Share(key, labels.get(key, key) or _("none"), n, _rate(n, total))
        for key, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        if n
    ]


def population(region: Region, year: int) -> tuple[int, int] | None:
    """(residents, year) of the latest entry at or before ``year`` for the region, else None."""
    row = (
        RegionPopulation.objects.filter(region=region, year__lte=year)
        .order_by("-year")
        .values_list("residents", "year")
        .first()
    )
    return (row[0], row[1]) if row else None


def figures(filters: Filters) -> Figures:
    rows = _rows(filters)
    result = Figures(filters=filters)
    channel: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    category: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    days: Counter[int] = Counter()
    scores: Counter[int] = Counter()
    categories = dict(Category.objects.values_list("pk", "code"))
    for (_month, category_id, matter_kind, matter_channel, measure, stage, value), n in rows.items():
        if measure == Measure.RECEIVED:
            result.received += n
            channel[matter_channel] += n
            kind[matter_kind] += n
            category[categories.get(category_id, "")] += n
        elif measure == Measure.CONCLUDED:
            result.concluded += n
            stages[stage] += n
            if stage != Stage.OTHER:
                days[value] += n
        elif measure == Measure.MEDIATION_SUCCEEDED:
            result.mediation_succeeded += n
        elif measure == Measure.MEDIATION_FAILED:
            result.mediation_failed += n
        elif measure == Measure.OVERDUE:
            result.overdue += n
        elif measure == Measure.AGREEMENT_HONOURED:
            result.honoured += n
        elif measure == Measure.AGREEMENT_BROKEN:
            result.broken += n
        elif measure == Measure.RETURNED:
            result.returned += n
        elif measure == Measure.COURT_FILED:
            result.court_filed += n
        elif measure == Measure.RATED:
            scores[value] += n
    category_labels = {c.code: c.name for c in Category.objects.all()}
    result.by_channel = _shares(channel, {c.value: str(c.label) for c in Channel}, result.received)
    result.by_kind = _shares(kind, {k.value: str(k.label) for k in MatterKind}, result.received)
    result.by_category = _shares(category, category_labels, result.received)
    result.funnel = [
        Share(
            stage.value, str(stage.label), stages[stage.value], _rate(stages[stage.value], result.concluded)
        )
        for stage in Stage
    ]
    result.petitions = kind[MatterKind.PETITION]
    result.mediation_rate = _rate(
        result.mediation_succeeded, result.mediation_succeeded + result.mediation_failed
    )
    result.days_counted = sum(days.values())
    result.days_median = _percentile(days, 0.5)
    result.days_p90 = _percentile(days, 0.9)
    result.overdue_rate = _rate(result.overdue, result.concluded)
    result.honoured_rate = _rate(result.honoured, result.honoured + result.broken)
    result.returned_rate = _rate(result.returned, result.received)
    result.ratings = sum(scores.values())
    result.satisfaction = (
        sum(score * n for score, n in scores.items()) / result.ratings if result.ratings else None
    )
    last_year = _rows(filters.shifted(-1), (Measure.COURT_FILED,))
    result.court_filed_last_year = sum(
        n for (_m, _c, _k, _ch, measure, _s, _v), n in last_year.items() if measure == Measure.COURT_FILED
    )
    if result.court_filed_last_year:
        result.court_change = (
            result.court_filed - result.court_filed_last_year
        ) / result.court_filed_last_year
    result.mediators_registered = mediators_registered(filters.region)
    active = activity(filters)
    if active is not None:
        result.mediators_active = active.get(facts.MEDIATOR, 0)
        result.citizens_active = active.get(facts.CITIZEN, 0)
    people = population(filters.region, filters.end.year)
    if people is not None:
        result.residents, result.residents_year = people
        years = filters.months / 12
        result.court_per_10k = result.court_filed * 10_000 / people[0]
        result.court_per_10k_last_year = result.court_filed_last_year * 10_000 / people[0]
        result.received_per_10k = result.received * 10_000 / people[0] / years if years else None
    return result


def mediators_registered(region: Region) -> int:
    """People holding an active mediator role in an active organisation of the place (or below)."""
    return (
        Membership.objects.filter(
            code_prefix_q("organization__region", region.code),
            role=Role.MEDIATOR,
            is_active=True,
            organization__is_active=True,
            user__is_active=True,
        )
        .values("user_id")
        .distinct()
        .count()
    )


def activity(filters: Filters) -> dict[str, int] | None:
    """Distinct people active in the place and months, by role (``facts.activity``); None for a village
    (kept by county and township only)."""
    code = filters.region.code
    if len(code) > facts.TOWNSHIP:
        return None
    rows = MonthlyActivity.objects.filter(month__gte=filters.start, month__lte=filters.end)
    if len(code) <= facts.COUNTY:
        rows = rows.annotate(length=Length("region")).filter(
            code_prefix_q("region", code), length=facts.COUNTY
        )
    else:
        rows = rows.filter(region=code)
    counted = rows.values("role").annotate(n=Count("user_id", distinct=True)).values_list("role", "n")
    return dict(counted)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    received: int
    per_10k: float | None  # per 10,000 residents and year, where the population is entered


def places(filters: Filters) -> list[Place]:
    """The places one level down (counties of a city or the province, townships of a county, villages of
    a township) with the matters received in the period, most first: the ranked list and the map."""
    code = filters.region.code
    children = dict(Region.objects.filter(parent_id=code).values_list("code", "name"))
    if len(code) < facts.COUNTY:
        # Counties of a province or city: their rows, whatever the level in between.
        children = dict(
            Region.objects.filter(code_prefix_q("code", code)).annotate(length=Length("code"))
            .filter(length=facts.COUNTY)
            .values_list("code", "name")
        )  # fmt: skip
    counts: Counter[str] = Counter()
    if len(code) <= facts.COUNTY:
        level = facts.COUNTY if len(code) < facts.COUNTY else facts.TOWNSHIP
        rows = MonthlyCount.objects.annotate(length=Length("region")).filter(
            code_prefix_q("region", code),
            length=level,
            measure=Measure.RECEIVED,
            month__gte=filters.start,
            month__lte=filters.end,
        )
        if filters.category is not None:
            rows = rows.filter(category_id=filters.category.pk)
        for region, n in rows.values("region").annotate(n=Sum("count")).values_list("region", "n"):
            counts[region] += n
    else:
        matters = MatterFact.objects.filter(
            code_prefix_q("region", code),
            received_on__gte=filters.start,
            received_on__lte=_last_day(filters.end),
        )
        if filters.category is not None:
            matters = matters.filter(category_id=filters.category.pk)
        for region, n in (
            matters.values("region").annotate(n=Count("pk")).order_by().values_list("region", "n")
        ):
            for child in children:
                if region.startswith(child):
                    counts[child] += n
                    break
    years = filters.months / 12
    residents = dict(
        RegionPopulation.objects.filter(region_id__in=list(children), year__lte=filters.end.year)
        .order_by("region_id", "year")
        .values_list("region_id", "residents")
    )  # the latest year wins
    found = [
        Place(
            child,
            name,
            counts[child],
            counts[child] * 10_000 / residents[child] / years if child in residents and years else None,
        )
        for child, name in children.items()
    ]
    found.sort(key=lambda p: (-p.received, p.code))
    return found


# --- The matters behind a number ------------------------------------------------------------------------

# Each countable figure: the fact's date that puts a matter in a month, and what else the fact must say.
# They mirror ``facts.contributions`` (a test holds every number of the page to the length of its list).
DRILL_MEASURES: dict[str, tuple[str, Q]] = {
    "received": ("received_on", Q()),
    "returned": ("received_on", Q(returned=True)),
    "concluded": ("concluded_on", Q()),
    "timed": ("concluded_on", ~Q(stage=Stage.OTHER)),  # the conclusions whose days are counted
    "overdue": ("concluded_on", Q(overdue=True)),
    "mediation_succeeded": ("mediation_on", Q(mediation="succeeded")),
    "mediation_failed": ("mediation_on", Q(mediation="failed")),
    "mediation_ended": ("mediation_on", Q()),
    "agreement_honoured": ("agreement_on", Q(agreement="honoured")),
    "agreement_broken": ("agreement_on", Q(agreement="broken")),
    "agreement_known": ("agreement_on", Q()),
    "court_filed": ("court_filed_on", Q()),
    "rated": ("rated_on", Q(rating__isnull=False)),
}
DRILL_LABELS = {
    "received": _lazy("Matters received"),
    "returned": _lazy("Came back within 180 days"),
    "concluded": _lazy("Matters concluded"),
    "timed": _lazy("Matters concluded whose days are counted"),
    "overdue": _lazy("Matters concluded after a missed deadline"),
    "mediation_succeeded": _lazy("Mediations that ended in an agreement"),
    "mediation_failed": _lazy("Mediations that failed"),
    "mediation_ended": _lazy("Mediations that ended"),
    "agreement_honoured": _lazy("Agreements honoured"),
    "agreement_broken": _lazy("Agreements broken"),
    "agreement_known": _lazy("Agreements whose performance is known"),
    "court_filed": _lazy("Court filings"),
    "rated": _lazy("Ratings"),
}
# Only receipts break down by channel and kind (the rows of the other measures do not carry them).
BY_CHANNEL_AND_KIND = frozenset({"received", "returned"})


@dataclass(frozen=True)
class Drill:
    """The matters one number of the figures counts: a measure in the place, months and category of
    ``filters``, narrowed as the number was (a stage of the funnel, a channel, a kind, no category)."""

    filters: Filters
    measure: str
    stage: str = ""
    channel: str = ""
    kind: str = ""
    uncategorised: bool = False

    def query(self) -> dict[str, str]:
        found = {**self.filters.query(), "measure": self.measure}
        for name in ("stage", "channel", "kind"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        if self.uncategorised:
            found["uncategorised"] = "1"
        return found

    def describe(self) -> str:
        """What is counted, in words: the figure, then each narrowing."""
        parts = [str(DRILL_LABELS[self.measure])]
        if self.stage:
            parts.append(str(Stage(self.stage).label))
        if self.channel:
            parts.append(str(Channel(self.channel).label))
        if self.kind:
            parts.append(str(MatterKind(self.kind).label))
        if self.filters.category is not None:
            parts.append(self.filters.category.name)
        elif self.uncategorised:
            parts.append(_("no category"))
        return " · ".join(parts)


def parse_drill(actor: Actor, data: Mapping[str, Any]) -> Drill:
    """Read a request for the matters behind a number; ``ValidationError`` per field for anything that
    makes no sense (the filters' errors included)."""
    errors: dict[str, str] = {}
    try:
        filters: Filters | None = parse_filters(actor, data)
    except ValidationError as exc:
        filters = None
        errors.update({key: messages[0] for key, messages in exc.message_dict.items()})
    measure = str(data.get("measure") or "")
    stage, channel, kind = (str(data.get(name) or "") for name in ("stage", "channel", "kind"))
    uncategorised = str(data.get("uncategorised") or "") == "1"
    if measure not in DRILL_MEASURES:
        errors["measure"] = _("There is no such figure.")
    if stage and (stage not in Stage.values or measure != "concluded"):
        errors["stage"] = _("A stage narrows the matters concluded only, and must be one of the funnel's.")
    for name, value, choices in (("channel", channel, Channel.values), ("kind", kind, MatterKind.values)):
        if value and (value not in choices or measure not in BY_CHANNEL_AND_KIND):
            errors[name] = _("Only the matters received break down by channel and kind.")
    if uncategorised and filters is not None and filters.category is not None:
        errors["category"] = _("Choose a category or no category, not both.")
    if errors or filters is None:
        raise ValidationError(errors)
    return Drill(filters, measure, stage, channel, kind, uncategorised)


def drill_facts(drill: Drill) -> QuerySet[MatterFact]:
    """The facts of the matters the number counts (every one, whoever asks: the number is the count)."""
    date_field, condition = DRILL_MEASURES[drill.measure]
    filters = drill.filters
    found = MatterFact.objects.filter(
        code_prefix_q("region", filters.region.code),
        **{f"{date_field}__gte": filters.start, f"{date_field}__lte": _last_day(filters.end)},
    ).filter(condition)
    if filters.category is not None:
        found = found.filter(category_id=filters.category.pk)
    elif drill.uncategorised:
        found = found.filter(category_id__isnull=True)
    if drill.stage:
        found = found.filter(stage=drill.stage)
    if drill.channel:
        found = found.filter(channel=drill.channel)
    if drill.kind:
        found = found.filter(kind=drill.kind)
    return found


def drill_matters(actor: Actor, drill: Drill) -> QuerySet[Matter]:
    """The counted matters the actor may open, newest first (an unlimited query: page or stream it), each
    with ``counted_on``, the day that put it in the count (received, concluded, …)."""
    date_field, _condition = DRILL_MEASURES[drill.measure]
    return (
        matters_visible_to(actor)
        .filter(pk__in=drill_facts(drill).values("matter_id"))
        .annotate(
            counted_on=Subquery(MatterFact.objects.filter(matter_id=OuterRef("pk")).values(date_field)[:1])
        )
        .select_related("region", "category")
        .order_by("-id")
    )
