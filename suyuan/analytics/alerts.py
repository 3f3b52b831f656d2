"""Early warning: finding alerts (a daily job) and what the command room does with them.

Four kinds, each about a place and counted in matters, never a person:

* **rise**: a category's matters received in a township or county over the last 14 days, against its
  own seasonal baseline (``warning.scan`` on the daily counts: same weeks of earlier years by calendar
  and by the Spring Festival, or the weeks before when there is no year of history);
* **group**: a group dispute linked by triage (one counterparty, or one place and topic) with open matters;
* **violence**: an open matter with an open flag of threatened violence or an extreme act;
* **overdue**: a township with at least ``OVERDUE_CLUSTER`` open matters past their deadline.

Detection keeps one live alert per subject: a new finding updates it, a subject no longer found is
closed ("no longer holds"), and a dismissed one is not raised again for the same episode (a rise or an
overdue pile within ``SUPPRESS`` of the dismissal; a group or a matter unless new matters joined).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from suyuan.accounts.access import code_prefix_q, organizations_visible_to, scope_for
from suyuan.accounts.models import Organization, User
from suyuan.analytics import facts, warning
from suyuan.analytics.choices import LIVE_ALERT_STATUSES, AlertKind, AlertStatus
from suyuan.analytics.models import Alert, DailyCount, MatterFact
from suyuan.analytics.selectors import DRILL_ROLES, FIGURE_ROLES
from suyuan.core.exceptions import Forbidden
from suyuan.matters.choices import OPEN_STATUSES
from suyuan.matters.models import Category, Matter
from suyuan.regions.models import Region
from suyuan.supervision import services as supervision
from suyuan.supervision.choices import PENDING_STATUSES, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.triage.choices import RiskKind
from suyuan.triage.models import GroupMember, RiskFlag

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

HISTORY = dt.timedelta(days=3 * 365 + 120)
WINDOW_DAYS = 14
MIN_IN_WINDOW = 5  # a series with fewer matters in its last window is not even tested
OVERDUE_CLUSTER = 5
GROUP_RECENT = dt.timedelta(days=30)
SUPPRESS = dt.timedelta(days=14)
MAX_MATTERS = 500
VIOLENT_KINDS = (RiskKind.VIOLENCE, RiskKind.EXTREME_ACT)
# Alerts are seen by whoever sees the figures, and acted on by those who may open the matters behind them.
ALERT_ROLES = FIGURE_ROLES
ACT_ROLES = DRILL_ROLES


@dataclass
class Finding:
    kind: str
    subject: str
    region: str
    category_id: int | None = None
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    matter_ids: list[int] = field(default_factory=list)


def _rises(today: dt.date) -> list[Finding]:
    since = today - HISTORY
    series: dict[tuple[str, int], dict[dt.date, int]] = defaultdict(dict)
    for day, region, category, count in DailyCount.objects.filter(day__gte=since, day__lte=today).values_list(
        "day", "region", "category_id", "count"
    ):
        series[(region, category)][day] = count
    window_start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    busy = {
        key: counts
        for key, counts in series.items()
        if sum(n for day, n in counts.items() if day >= window_start) >= MIN_IN_WINDOW
    }
    found = []
    for (region, category), rise in warning.scan(busy, today=today, window_days=WINDOW_DAYS):
        matters = MatterFact.objects.filter(
            code_prefix_q("region", region),
            received_on__gte=rise.window_start,
            received_on__lte=rise.window_end,
        )
        matters = (
            matters.filter(category_id=category) if category else matters.filter(category_id__isnull=True)
        )
        found.append(
            Finding(
                kind=AlertKind.RISE,
                subject=f"rise:{region}:{category}",
                region=region,
                category_id=category or None,
                window_start=rise.window_start,
                window_end=rise.window_end,
                numbers={
                    "observed": rise.observed,
                    "expected": round(rise.expected, 2),
                    "ratio": round(rise.ratio, 2),
                    "p_value": rise.p_value,
                    "method": rise.method,
                    "alignment": rise.alignment,
                    "baseline": [
                        {
                            "start": p.start.isoformat(),
                            "end": p.end.isoformat(),
                            "count": p.count,
                            "scale": round(p.scale, 3),
                        }
                        for p in rise.baseline
                    ],
                },
                matter_ids=list(
                    matters.order_by("-received_on").values_list("matter_id", flat=True)[:MAX_MATTERS]
                ),
            )
        )
    return found


def _groups(now: dt.datetime) -> list[Finding]:
    rows = (
        GroupMember.objects.filter(
            group__updated_at__gte=now - GROUP_RECENT, matter__status__in=OPEN_STATUSES
        )
        .order_by("group_id", "matter_id")
        .values_list("group_id", "group__region_id", "group__kind", "matter_id")
    )
    members: dict[int, list[int]] = defaultdict(list)
    regions: dict[int, tuple[str, str]] = {}
    for group_id, region, kind, matter_id in rows:
        members[group_id].append(matter_id)
        regions[group_id] = (region, kind)
    return [
        Finding(
            kind=AlertKind.GROUP,
            subject=f"group:{group_id}",
            region=regions[group_id][0],
            numbers={"group": group_id, "group_kind": regions[group_id][1], "matters": len(ids)},
            matter_ids=ids[:MAX_MATTERS],
        )
        for group_id, ids in members.items()
        if len(ids) >= 3
    ]


def _violence() -> list[Finding]:
    kinds: dict[int, set[str]] = defaultdict(set)
    places: dict[int, str] = {}
    for matter_id, kind, region in RiskFlag.objects.filter(
        kind__in=VIOLENT_KINDS, cleared_at__isnull=True, matter__status__in=OPEN_STATUSES
    ).values_list("matter_id", "kind", "matter__region_id"):
        kinds[matter_id].add(kind)
        places[matter_id] = region
    return [
        Finding(
            kind=AlertKind.VIOLENCE,
            subject=f"violence:{matter_id}",
            region=places[matter_id],
            numbers={"flags": sorted(found)},
            matter_ids=[matter_id],
        )
        for matter_id, found in kinds.items()
    ]


def _overdue(now: dt.datetime) -> list[Finding]:
    rows = (
        Matter.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .annotate(township=Substr("region_id", 1, facts.TOWNSHIP))
        .order_by()
        .values("township")
        .annotate(n=Count("pk"))
        .filter(n__gte=OVERDUE_CLUSTER)
        .values_list("township", "n")
    )
    found = []
    for township, n in rows:
        if len(township) < facts.TOWNSHIP:
            continue  # matters placed only at county level have no township to pile up in
        ids = list(
            Matter.objects.filter(
                code_prefix_q("region_id", township), status__in=OPEN_STATUSES, due_at__lt=now
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:MAX_MATTERS]
        )
        found.append(
            Finding(
                kind=AlertKind.OVERDUE,
                subject=f"overdue:{township}",
                region=township,
                numbers={"overdue": n, "threshold": OVERDUE_CLUSTER},
                matter_ids=ids,
            )
        )
    return found


def _suppressed(finding: Finding, dismissed: Alert | None, now: dt.datetime) -> bool:
    if dismissed is None or dismissed.dismissed_at is None:
        return False
    if finding.kind in (AlertKind.RISE, AlertKind.OVERDUE):
        return dismissed.dismissed_at >= now - SUPPRESS
    return set(finding.matter_ids) <= set(dismissed.matter_ids)  # nothing new joined since


@dataclass(frozen=True)
class DetectReport:
    raised: int
    updated: int
    closed: int


def alerts_detect(*, today: dt.date | None = None) -> DetectReport:
    """Find the alerts of today and keep the live ones in step (the daily job; safe to run again)."""
    now = timezone.now()
    today = today or timezone.localdate()
    findings = [*_rises(today), *_groups(now), *_violence(), *_overdue(now)]
    raised = updated = 0
    with transaction.atomic():
        live = {
            a.subject: a for a in Alert.objects.select_for_update().filter(status__in=LIVE_ALERT_STATUSES)
        }
        subjects = {f.subject for f in findings}
        dismissed: dict[str, Alert] = {}
        for old in Alert.objects.filter(subject__in=subjects, status=AlertStatus.DISMISSED).order_by(
            "dismissed_at"
        ):
            dismissed[old.subject] = old  # the latest dismissal wins
        for finding in findings:
            alert = live.get(finding.subject)
            if alert is not None:
                alert.numbers, alert.matter_ids = finding.numbers, finding.matter_ids
                alert.window_start, alert.window_end = finding.window_start, finding.window_end
                alert.save(
                    update_fields=["numbers", "matter_ids", "window_start", "window_end", "updated_at"]
                )
                updated += 1
            elif not _suppressed(finding, dismissed.get(finding.subject), now):
                Alert.objects.create(
                    kind=finding.kind,
                    subject=finding.subject,
                    region=finding.region,
                    category_id=finding.category_id,
                    window_start=finding.window_start,
                    window_end=finding.window_end,
                    numbers=finding.numbers,
                    matter_ids=finding.matter_ids,
                    detected_at=now,
                )
                raised += 1
        stale = [a.pk for subject, a in live.items() if subject not in subjects]
        closed = Alert.objects.filter(pk__in=stale).update(status=AlertStatus.CLOSED, closed_at=now)
    return DetectReport(raised, updated, closed)


# --- Who sees and acts ----------------------------------------------------------------------------------


def _regions(actor: Actor, roles: frozenset[str]) -> tuple[str, ...] | None:
    """Region code prefixes the actor holds ``roles`` in (None: everywhere)."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return None
    return scope_for(actor, roles=roles).region_codes


def alerts_visible_to(actor: Actor) -> Any:
    regions = _regions(actor, ALERT_ROLES)
    alerts = Alert.objects.all()
    if regions is None:
        return alerts
    if not regions:
        return alerts.none()
    query = Q()
    for prefix in regions:
        query |= code_prefix_q("region", prefix)
        if len(prefix) > facts.COUNTY:  # a county's alert (its rise) is seen by the rooms below it too
            query |= Q(region=prefix[: facts.COUNTY])
    return alerts.filter(query)


def may_act(actor: Actor, alert: Alert) -> bool:
    regions = _regions(actor, ACT_ROLES)
    return regions is None or any(alert.region.startswith(prefix) for prefix in regions)


def _locked(actor: Actor, alert: Alert) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if not may_act(actor, locked):
        raise Forbidden(_("You may not act on alerts of this place."))
    if locked.status not in LIVE_ALERT_STATUSES:
        raise ValidationError({"alert": _("This alert is no longer open.")})
    return locked


def assignable_organizations(actor: Actor, alert: Alert) -> QuerySet[Organization]:
    """The active organisations of the alert's county that the actor's scope reaches."""
    return (
        organizations_visible_to(actor)
        .filter(is_active=True)
        .filter(code_prefix_q("region_id", alert.region[: facts.COUNTY]))
        .order_by("region_id", "name")
    )


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User) -> Alert:
    alert = _locked(actor, alert)
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
    return alert


@transaction.atomic
def alert_assign(*, alert: Alert, actor: User, organization: Organization) -> Alert:
    """Hand the alert to an organisation of its place (acknowledging it)."""
    alert = _locked(actor, alert)
    region = organization.region_id or ""
    if not organization.is_active or not (region.startswith(alert.region) or alert.region.startswith(region)):
        raise ValidationError({"organization": _("Choose an active organisation of the alert's place.")})
    alert.assigned_to = organization
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
    alert.save(update_fields=["assigned_to", "status", "acknowledged_by", "acknowledged_at", "updated_at"])
    return alert


@transaction.atomic
def alert_dismiss(*, alert: Alert, actor: User, reason: str) -> Alert:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why the alert needs no action (at least 4 characters).")})
    alert = _locked(actor, alert)
    alert.status = AlertStatus.DISMISSED
    alert.dismissed_by, alert.dismissed_at, alert.dismiss_reason = actor, timezone.now(), reason[:2000]
    alert.save(update_fields=["status", "dismissed_by", "dismissed_at", "dismiss_reason", "updated_at"])
    return alert


# --- Supervision orders on alerts ----------------------------------------------------------------------


def alert_title(alert: Alert) -> str:
    """A short description of the alert for lists of supervision orders: its kind, place and category."""
    place = Region.objects.filter(pk=alert.region).values_list("name", flat=True).first() or alert.region
    parts = [str(alert.get_kind_display()), place]
    if alert.category_id:
        category = Category.objects.filter(pk=alert.category_id).values_list("name", flat=True).first()
        if category:
            parts.append(category)
    return " · ".join(parts)


def _pending_order(alert: Alert) -> SupervisionOrder | None:
    """The newest order of the alert's chain if it still waits for an answer or for clearing."""
    if alert.supervision_order_id is None:
        return None
    current = SupervisionOrder.objects.get(pk=alert.supervision_order_id)
    for _step in range(20):
        following = SupervisionOrder.objects.filter(previous=current).first()
        if following is None:
            break
        current = following
    return current if current.status in PENDING_STATUSES else None


@transaction.atomic
def alert_supervise(
    *,
    alert: Alert,
    actor: User,
    responding_organization: Organization,
    reason: str,
    deadline_days: int | None,
) -> SupervisionOrder:
    """Issue a supervision order (督办) on a live alert to an organisation below the supervisor's own.

    Whoever may act on the alert's place and is a supervisor there; the supervision service applies the
    level rule (strictly below, same county) and the place rule (in the alert's place or above it). The
    alert keeps the first order of the chain (``supervision_order``; escalations follow from it), is
    assigned to the organisation that must answer and, if still open, acknowledged. An alert whose order
    still waits (open or answered) gets no second one.
    """
    alert = _locked(actor, alert)
    if _pending_order(alert) is not None:
        raise ValidationError({"alert": _("This alert already has a supervision order in progress.")})
    region = Region.objects.filter(pk=alert.region).first()
    if region is None:
        raise ValidationError({"alert": _("The alert's place is unknown.")})
    order = supervision.order_issue_area(
        subject=OrderSubject.ALERT,
        actor=actor,
        responding_organization=responding_organization,
        reason=reason,
        deadline_days=deadline_days,
        region=region,
        title=alert_title(alert),
    )
    alert.supervision_order = order
    alert.assigned_to = responding_organization
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
    alert.save(
        update_fields=[
            "supervision_order",
            "assigned_to",
            "status",
            "acknowledged_by",
            "acknowledged_at",
            "updated_at",
        ]
    )
    return order
