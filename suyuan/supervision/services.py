"""Every change to supervision orders: raise, issue, answer, clear, escalate; atomic, with the matter's event.

The two sweeps (``orders_raise_overdue`` and ``orders_escalate_due``) run every few minutes from the
clock (see ``apps.py``). Both find their work in one query and touch only the rows that need something,
so they cost little however many matters are open, and both are safe to run twice or concurrently: a
matter is locked and checked again before an order is raised, and the database refuses a second open
automatic order for one matter and stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.core.exceptions import Forbidden
from suyuan.matters.choices import FINAL_STATUSES as MATTER_FINAL_STATUSES
from suyuan.matters.choices import OPEN_STATUSES, EventKind, MatterStatus, Visibility
from suyuan.matters.models import Matter
from suyuan.matters.services import matter_event_record, matter_lock
from suyuan.notifications.services import notify
from suyuan.regions.models import Region
from suyuan.supervision import access
from suyuan.supervision.choices import OrderOrigin, OrderStatus, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.triage.models import GroupMember, MatterGroup
from suyuan.workdays.selectors import china_date
from suyuan.workdays.services import deadline_at, working_days_between

MAX_TEXT = 5000
MIN_REASON = 4
MAX_DEADLINE_DAYS = 30
MAX_TITLE = 200
COUNTY_CODE = 6  # a county's region code has six digits; an order never leaves the issuer's county
BATCH = 100  # matters (or orders) per transaction in the sweeps
CENTRE_TYPES = (OrganizationType.TOWNSHIP_CENTRE, OrganizationType.COUNTY_CENTRE)
# Staff of the responding organisation who are told of a new order (besides the matter's mediator).
TOLD_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MEDIATOR)


class OrderStateError(Exception):
    """Raised when an order's status does not allow the command (answering a cleared order, …)."""

    def __init__(self, order: SupervisionOrder, command: str) -> None:
        self.order = order
        self.command = command
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(
            _("A supervision order that is “%(status)s” cannot be %(command)s.")
            % {"status": OrderStatus(self.order.status).label, "command": COMMAND_LABELS[self.command]}
        )


COMMAND_LABELS = {
    "answer": gettext_lazy("answered"),
    "clear": gettext_lazy("cleared"),
    "escalate": gettext_lazy("escalated"),
}


def answer_days() -> int:
    return int(settings.SUPERVISION_ANSWER_WORKING_DAYS)


# --- Levels --------------------------------------------------------------------------------------------


def _enclosing_codes(region_code: str) -> list[str]:
    return [region_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region_code)]


@dataclass
class Levels:
    """Find responding and issuing organisations for many matters with a few queries.

    ``prepare`` loads, in one query each, the centres that enclose the matters' places and the
    organisations one level up; the lookups afterwards are in memory.
    """

    orgs: dict[int, Organization] = field(default_factory=dict)
    centres: dict[str, list[Organization]] = field(default_factory=dict)  # region code -> centres there

    def prepare(self, matters: Iterable[Matter]) -> None:
        matters = list(matters)
        for matter in matters:
            if matter.organization is not None:
                self.orgs[matter.organization.pk] = matter.organization
        codes = {code for m in matters for code in _enclosing_codes(m.region_id)}
        codes |= {code for org in list(self.orgs.values()) for code in _enclosing_codes(org.region_id)}
        self._load_centres(codes)
        self.load_parents()

    def _load_centres(self, codes: set[str]) -> None:
        missing = codes - set(self.centres)
        for code in missing:
            self.centres[code] = []
        if not missing:
            return
        for org in Organization.objects.filter(
            region_id__in=sorted(missing), type__in=CENTRE_TYPES, is_active=True
        ).order_by("id"):
            self.centres[org.region_id].append(org)
            self.orgs.setdefault(org.pk, org)

    def load_parents(self) -> None:
        wanted = {o.parent_id for o in self.orgs.values() if o.parent_id and o.parent_id not in self.orgs}
        while wanted:
            found = list(Organization.objects.filter(pk__in=sorted(wanted)))
            for org in found:
                self.orgs[org.pk] = org
            wanted = {o.parent_id for o in found if o.parent_id and o.parent_id not in self.orgs}

    def _nearest_centre(self, region_code: str, *, county_only: bool = False) -> Organization | None:
        for code in reversed(_enclosing_codes(region_code)):
            if code not in self.centres:
                self._load_centres({code})
            for org in self.centres[code]:
                if not county_only or org.type == OrganizationType.COUNTY_CENTRE:
                    return org
        return None

    def responding(self, matter: Matter) -> Organization | None:
        """Return who must answer for ``matter``: its handling organisation, or the centre that accepts it."""
        org = matter.organization
        if org is not None and (matter.status != MatterStatus.SUBMITTED or org.type in CENTRE_TYPES):
            return org
        # Not accepted yet: the routing's suggestion (a committee) does not accept; the nearest centre does.
        return self._nearest_centre(org.region_id if org is not None else matter.region_id) or org

    def up(self, org: Organization) -> Organization | None:
        """Return the organisation one level above ``org``; None at the top (the county centre)."""
        if org.type == OrganizationType.COUNTY_CENTRE:
            return None
        if org.parent_id:
            parent = self.orgs.get(org.parent_id)
            if parent is None:
                self._load_parents_of(org)
                parent = self.orgs.get(org.parent_id)
            if parent is not None and parent.is_active:
                return parent
        county = self._nearest_centre(org.region_id, county_only=True)
        return county if county is not None and county.pk != org.pk else None

    def _load_parents_of(self, org: Organization) -> None:
        self.orgs[org.pk] = org
        self.load_parents()

    def issuing(self, responding: Organization) -> Organization:
        """Return the organisation that supervises ``responding``: one level up, itself at the top."""
        return self.up(responding) or responding


# --- Notifications -------------------------------------------------------------------------------------


@dataclass
class _Recipient:
    user: User
    to_answer: list[SupervisionOrder] = field(default_factory=list)
    to_watch: list[SupervisionOrder] = field(default_factory=list)


def _notify(orders: list[SupervisionOrder], *, author: User | None = None) -> int:
    """Tell the responding organisations' staff and the issuing organisations' supervisors, once each.

    One short notification per person however many orders concern them, in the workbench and by text
    message when their phone number is known; the ``author`` who issued them by hand is not told.
    Return how many text messages were queued.
    """
    if not orders:
        return 0
    org_ids = {o.responding_organization_id for o in orders} | {o.issuing_organization_id for o in orders}
    memberships = Membership.objects.filter(
        organization_id__in=sorted(org_ids), is_active=True, user__is_active=True, role__in=TOLD_ROLES
    ).select_related("user")
    by_org: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_org.setdefault(membership.organization_id, []).append(membership)
    mediator_ids = {o.matter.mediator_id for o in orders if o.matter is not None and o.matter.mediator_id}
    mediators = {u.pk: u for u in User.objects.filter(pk__in=sorted(mediator_ids), is_active=True)}
    recipients: dict[int, _Recipient] = {}

    def add(user: User, order: SupervisionOrder, *, answer: bool) -> None:
        entry = recipients.setdefault(user.pk, _Recipient(user))
        target = entry.to_answer if answer else entry.to_watch
        if order not in target:
            target.append(order)

    for order in orders:
        for membership in by_org.get(order.responding_organization_id, []):
            add(membership.user, order, answer=True)
        for membership in by_org.get(order.issuing_organization_id, []):
            if membership.role == Role.SUPERVISOR:
                add(membership.user, order, answer=False)
        if order.matter is not None and order.matter.mediator_id in mediators:
            add(mediators[order.matter.mediator_id], order, answer=True)
    sent = 0
    for entry in recipients.values():
        phone = entry.user.phone
        if author is not None and entry.user.pk == author.pk:
            continue
        if entry.to_answer:
            due = min(o.due_at for o in entry.to_answer)
            body = ngettext(
                "【诉源】A supervision order needs your organisation's answer by %(due)s.",
                "【诉源】%(count)d supervision orders need your organisation's answer by %(due)s.",
                len(entry.to_answer),
            ) % {"count": len(entry.to_answer), "due": f"{china_date(due):%m-%d}"}
        else:
            body = ngettext(
                "【诉源】A supervision order was issued in your area.",
                "【诉源】%(count)d supervision orders were issued in your area.",
                len(entry.to_watch),
            ) % {"count": len(entry.to_watch)}
        # In the workbench for everyone told; by text message to those with a known phone number.
        notify(
            user=entry.user,
            title=body.removeprefix("【诉源】")[:200],
            body=body,
            link=reverse("supervision:list"),
            purpose="supervision_order",
            email=False,
        )
        sent += 1 if phone else 0
    return sent


# --- Helpers -------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field_name: str, required: bool, minimum: int = 1) -> str:
    text = (value or "").strip()
    if required and len(text) < minimum:
        if minimum > 1:
            raise ValidationError(
                {field_name: _("Enter at least %(min_length)s characters.") % {"min_length": minimum}}
            )
        raise ValidationError({field_name: _("This field is required.")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {field_name: _("Enter at most %(max_length)s characters.") % {"max_length": MAX_TEXT}}
        )
    return text


def _event_data(order: SupervisionOrder, **extra: Any) -> dict[str, Any]:
    return {
        "order": order.pk,
        "origin": order.origin,
        "level": order.level,
        "issuing_organization": order.issuing_organization.name,
        "responding_organization": order.responding_organization.name,
        "due_at": order.due_at.isoformat(),
        **({"stage": order.stage} if order.stage else {}),
        **extra,
    }


def _lock_matter(matter_id: int) -> Matter:
    return Matter.objects.select_for_update().get(pk=matter_id)


def _open_members(group_id: int) -> list[int]:
    return sorted(
        GroupMember.objects.filter(group_id=group_id, matter__status__in=OPEN_STATUSES).values_list(
            "matter_id", flat=True
        )
    )


def _lock_subject_matters(order: SupervisionOrder) -> list[Matter]:
    """Lock and return the matters whose history records the order's steps.

    A matter order: its matter. A group order: the group's matters still open (a finished matter's
    history is not reopened by an order on its group), locked in the order of their ids so two
    transactions never wait for each other. An alert order: none (an alert is about a place).
    """
    if order.matter_id:
        return [_lock_matter(order.matter_id)]
    if order.group_id:
        ids = _open_members(order.group_id)
        return list(Matter.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    return []


# --- The sweep: overdue matters ------------------------------------------------------------------------


def _needs_order_q() -> Q:
    """Return the filter of matters that have no automatic order yet for their current stage's deadline.

    An open automatic order for the stage blocks a new one (the database allows one); so does any order
    already raised for this very deadline, answered or cleared: a cleared order is not raised again until
    the matter's deadline changes (a new stage, or a new deadline after an escalation of the matter).
    """
    raised = SupervisionOrder.objects.filter(
        matter=OuterRef("pk"), origin=OrderOrigin.AUTOMATIC, stage=OuterRef("status")
    ).filter(Q(status=OrderStatus.OPEN) | Q(stage_due_at=OuterRef("due_at")))
    return ~Q(Exists(raised))


def _raise_one(
    candidate: Matter, *, levels: Levels, now: dt.datetime, due: dt.datetime
) -> SupervisionOrder | None:
    """Raise the automatic order of one overdue matter in a savepoint; None if nothing is to be raised."""
    responding = levels.responding(candidate)
    if responding is None:
        return None  # nobody to answer (a place without any centre): nothing sensible to raise
    issuing = levels.issuing(responding)
    stage_due = cast(dt.datetime, candidate.due_at)  # the query wants due_at < now, so it is set
    try:
        with transaction.atomic():
            matter = (
                Matter.objects.select_for_update()
                .filter(pk=candidate.pk, status=candidate.status, due_at=candidate.due_at)
                .first()
            )
            if matter is None:
                return None  # it moved on since the candidates were read
            order = SupervisionOrder.objects.create(
                subject=OrderSubject.MATTER,
                matter=matter,
                origin=OrderOrigin.AUTOMATIC,
                stage=matter.status,
                stage_due_at=stage_due,
                late_working_days=max(0, working_days_between(stage_due, now)),
                issuing_organization=issuing,
                responding_organization=responding,
                level=1,
                due_at=due,
                created_at=now,
            )
            matter_event_record(
                matter=matter,
                kind=EventKind.SUPERVISION_ORDERED,
                actor=None,
                data=_event_data(order, stage_due_at=stage_due.isoformat()),
                visibility=Visibility.INTERNAL,
            )
    except IntegrityError:
        return None  # another run raised it a moment ago
    order.matter = candidate  # keeps the mediator for the notices without another query
    return order


def orders_raise_overdue(*, now: dt.datetime | None = None) -> list[SupervisionOrder]:
    """Raise an automatic order for every open matter whose stage deadline has passed (periodic).

    A matter is overdue when ``now`` is after its ``due_at`` (the end of the deadline day, Beijing time).
    Return the orders raised by this run.
    """
    now = now or timezone.now()
    # Only open matters have a deadline (it is cleared at the outcome), so the query asks for passed
    # deadlines alone and the status is checked here: SQLite, offered "status IN (…)", reads every open
    # matter through the status index instead of the few overdue ones through the deadline index.
    candidates = [
        matter
        for matter in Matter.objects.filter(due_at__lt=now)
        .filter(_needs_order_q())
        .select_related("organization")
        .order_by("due_at", "pk")
        if matter.status in OPEN_STATUSES
    ]
    if not candidates:
        return []
    levels = Levels()
    levels.prepare(candidates)
    days = answer_days()
    due = deadline_at(now, days)
    raised: list[SupervisionOrder] = []
    # A few transactions of up to BATCH matters, a savepoint each: a commit per order would cost more than
    # the order itself, and one matter's conflict must not undo the others. The notices of a batch are
    # written to the outbox in its transaction.
    for start in range(0, len(candidates), BATCH):
        with transaction.atomic():
            batch = [
                _raise_one(c, levels=levels, now=now, due=due) for c in candidates[start : start + BATCH]
            ]
            orders = [order for order in batch if order is not None]
            _notify(orders)
        raised.extend(orders)
    return raised


# --- By hand ---------------------------------------------------------------------------------------------


def _issuing_for(actor: User, responding: Organization, matter: Matter, levels: Levels) -> Organization:
    """Return which of the supervisor's organisations issues: the nearest one above ``responding``."""
    own = access.supervisor_organization_ids(actor)
    org: Organization | None = responding
    while org is not None:
        if org.pk in own:
            return org
        org = levels.up(org)
    # A supervisor who sees the matter by region (a court's matter in their county): their deepest centre.
    mine = sorted(
        (o for o in Organization.objects.filter(pk__in=sorted(own))),
        key=lambda o: (-len(o.region_id), o.pk),
    )
    covering = [o for o in mine if matter.region_id.startswith(o.region_id)]
    if covering:
        return covering[0]
    if mine:
        return mine[0]
    return levels.issuing(responding)  # a platform operator: the level above, as the sweep would


def order_issue(
    *, matter: Matter, actor: User, reason: str, deadline_days: int | None = None
) -> SupervisionOrder:
    """Issue a supervision order by hand on a matter in the supervisor's scope."""
    reason = _clean_text(reason, field_name="reason", required=True, minimum=MIN_REASON)
    days = answer_days() if deadline_days is None else deadline_days
    if not 1 <= days <= MAX_DEADLINE_DAYS:
        raise ValidationError(
            {
                "deadline_days": _("Give between 1 and %(max)d working days to answer.")
                % {"max": MAX_DEADLINE_DAYS}
            }
        )
    now = timezone.now()
    with transaction.atomic():
        matter = matter_lock(actor=actor, matter=matter)
        if not access.may_issue(actor, matter):
            raise Forbidden(_("Only supervisors issue supervision orders."))
        if matter.status in MATTER_FINAL_STATUSES:
            raise ValidationError({"matter": _("This matter is finished; there is nothing to supervise.")})
        matter = Matter.objects.select_related("organization").get(pk=matter.pk)
        levels = Levels()
        levels.prepare([matter])
        responding = levels.responding(matter)
        if responding is None:
            raise ValidationError({"matter": _("No organisation handles this matter yet.")})
        order = SupervisionOrder.objects.create(
            subject=OrderSubject.MATTER,
            matter=matter,
            origin=OrderOrigin.ISSUED,
            reason=reason,
            issuing_organization=_issuing_for(actor, responding, matter, levels),
            responding_organization=responding,
            issued_by=actor,
            level=1,
            due_at=deadline_at(now, days),
            created_at=now,
        )
        matter_event_record(
            matter=matter,
            kind=EventKind.SUPERVISION_ORDERED,
            actor=actor,
            data=_event_data(order),
            text=reason,
            visibility=Visibility.INTERNAL,
        )
        _notify([order], author=actor)
    return order


# --- By hand, on a group of matters or an alert ------------------------------------------------------------


BELOW_YOURS = gettext_lazy("An order can only be addressed to a level below yours.")


def issuing_above(actor: User, responding: Organization, levels: Levels) -> Organization | None:
    """Return the supervisor's organisation that issues an order to ``responding``, or None.

    The nearest of the actor's own organisations (where they are a supervisor) strictly above
    ``responding``, going up the organisation tree as escalation does (village committee → township
    centre → county centre; an organisation without a parent → its county centre), and in the same
    county. A platform operator issues from the level just above ``responding``. None when ``responding``
    is not below any of them: the same organisation, one beside or above it, another county.
    """
    if not responding.is_active:
        return None
    if access.is_platform_operator(actor):
        issuing = levels.up(responding)
    else:
        own = access.supervisor_organization_ids(actor)
        issuing = None
        org = levels.up(responding)
        seen: set[int] = set()
        while org is not None and org.pk not in seen:
            if org.pk in own:
                issuing = org
                break
            seen.add(org.pk)
            org = levels.up(org)
    if issuing is None or issuing.pk == responding.pk:
        return None
    if not responding.region_id.startswith(issuing.region_id[:COUNTY_CODE]):
        return None
    return issuing


def _check_place(*, responding: Organization, group: MatterGroup | None, region: Region | None) -> list[int]:
    """Check that ``responding`` answers for the group's or the alert's place; return the group's open matters."""
    place = responding.region_id
    if group is not None:
        open_ids = _open_members(group.pk)
        if not open_ids:
            raise ValidationError(
                {"group": _("Every matter of this group is finished; there is nothing to supervise.")}
            )
        regions = set(Matter.objects.filter(pk__in=open_ids).values_list("region_id", flat=True))
        if not all(code.startswith(place) for code in regions):
            raise ValidationError(
                {
                    "responding_organization": _(
                        "Choose an organisation whose area includes every open matter of the group."
                    )
                }
            )
        return open_ids
    if region is None or not (place.startswith(region.code) or region.code.startswith(place)):
        raise ValidationError(
            {"responding_organization": _("Choose an organisation of the alert's place or one above it.")}
        )
    return []


def order_issue_area(
    *,
    subject: str,
    actor: User,
    responding_organization: Organization,
    reason: str,
    deadline_days: int | None = None,
    group: MatterGroup | None = None,
    region: Region | None = None,
    title: str = "",
) -> SupervisionOrder:
    """Issue an order by hand on a group dispute or an early-warning alert, to an organisation below.

    The supervisor picks the responding organisation; it must be strictly below the supervisor's own
    organisation in the same county (``issuing_above``) and answer for the subject's place: for a group,
    its area includes every open matter of the group; for an alert, it lies in the alert's place or above
    it. A group order records an internal ``supervision_ordered`` event on each open matter of the group.
    Refusals are ValidationErrors naming the field; nothing is written.
    """
    if subject not in (OrderSubject.GROUP, OrderSubject.ALERT):
        raise ValidationError({"subject": _("Choose a group of matters or an alert.")})
    if subject == OrderSubject.GROUP and group is None:
        raise ValidationError({"group": _("Choose the group of matters the order is about.")})
    if subject == OrderSubject.ALERT and region is None:
        raise ValidationError({"region": _("Choose the place the alert is about.")})
    if not access.may_supervise(actor):
        raise Forbidden(_("Only supervisors issue supervision orders."))
    if subject == OrderSubject.ALERT and region is not None and not access.may_issue_area(actor, region.pk):
        raise Forbidden(_("You may not issue orders on alerts of this place."))
    reason = _clean_text(reason, field_name="reason", required=True, minimum=MIN_REASON)
    days = answer_days() if deadline_days is None else deadline_days
    if not 1 <= days <= MAX_DEADLINE_DAYS:
        raise ValidationError(
            {
                "deadline_days": _("Give between 1 and %(max)d working days to answer.")
                % {"max": MAX_DEADLINE_DAYS}
            }
        )
    levels = Levels()
    levels.orgs[responding_organization.pk] = responding_organization
    levels.load_parents()
    issuing = issuing_above(actor, responding_organization, levels)
    if issuing is None:
        raise ValidationError({"responding_organization": str(BELOW_YOURS)})
    if group is not None:
        title = title or group.title
        region = region or Region.objects.get(pk=group.region_id)
    title = " ".join((title or "").split())[:MAX_TITLE]
    now = timezone.now()
    with transaction.atomic():
        open_ids = _check_place(
            responding=responding_organization,
            group=group if subject == OrderSubject.GROUP else None,
            region=region,
        )
        members = list(Matter.objects.select_for_update().filter(pk__in=open_ids).order_by("pk"))
        order = SupervisionOrder.objects.create(
            subject=subject,
            group=group if subject == OrderSubject.GROUP else None,
            region=region,
            title=title,
            origin=OrderOrigin.ISSUED,
            reason=reason,
            issuing_organization=issuing,
            responding_organization=responding_organization,
            issued_by=actor,
            level=1,
            due_at=deadline_at(now, days),
            created_at=now,
        )
        for matter in members:
            matter_event_record(
                matter=matter,
                kind=EventKind.SUPERVISION_ORDERED,
                actor=actor,
                data=_event_data(order, group=order.group_id),
                text=reason,
                visibility=Visibility.INTERNAL,
            )
        _notify([order], author=actor)
    return order


def order_answer(*, order: SupervisionOrder, actor: User, response: str) -> SupervisionOrder:
    """Answer an open order for the responding organisation."""
    response = _clean_text(response, field_name="response", required=True, minimum=MIN_REASON)
    with transaction.atomic():
        order = access.access_order(actor, order.pk, for_update=True)
        if not access.may_answer(actor, order):
            raise Forbidden(_("Only staff of the organisation it is addressed to answer this order."))
        if order.status != OrderStatus.OPEN:
            raise OrderStateError(order, "answer")
        matters = _lock_subject_matters(order)
        order.status = OrderStatus.ANSWERED
        order.response = response
        order.answered_at = timezone.now()
        order.answered_by = actor
        order.save(update_fields=["status", "response", "answered_at", "answered_by"])
        for matter in matters:
            matter_event_record(
                matter=matter,
                kind=EventKind.SUPERVISION_ANSWERED,
                actor=actor,
                data={"order": order.pk, "level": order.level},
                text=response,
                visibility=Visibility.INTERNAL,
            )
    return order


def order_clear(*, order: SupervisionOrder, actor: User, note: str = "") -> SupervisionOrder:
    """Clear an order (answered, or still open when there is no longer a reason for it) as its supervisor."""
    note = _clean_text(note, field_name="note", required=False)
    with transaction.atomic():
        order = access.access_order(actor, order.pk, for_update=True)
        if not access.may_clear(actor, order):
            raise Forbidden(_("Only a supervisor of the issuing level or above clears this order."))
        if order.status not in (OrderStatus.OPEN, OrderStatus.ANSWERED):
            raise OrderStateError(order, "clear")
        matters = _lock_subject_matters(order)
        order.status = OrderStatus.CLEARED
        order.clear_note = note
        order.cleared_at = timezone.now()
        order.cleared_by = actor
        order.save(update_fields=["status", "clear_note", "cleared_at", "cleared_by"])
        for matter in matters:
            matter_event_record(
                matter=matter,
                kind=EventKind.SUPERVISION_CLEARED,
                actor=actor,
                data={"order": order.pk, "level": order.level},
                text=note,
                visibility=Visibility.INTERNAL,
            )
    return order


# --- The sweep: unanswered orders ------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationResult:
    escalated: list[SupervisionOrder]  # the new orders, one level up
    flagged: list[SupervisionOrder]  # orders at the top that stay open, flagged


def _escalate_one(
    candidate: SupervisionOrder, *, levels: Levels, now: dt.datetime, due: dt.datetime
) -> SupervisionOrder | None:
    """Escalate one order: return the new order, ``candidate`` itself when flagged at the top, or None."""
    old = (
        SupervisionOrder.objects.select_for_update()
        .filter(pk=candidate.pk, status=OrderStatus.OPEN, flagged_at__isnull=True)
        .first()
    )
    if old is None:
        return None  # answered, cleared or escalated meanwhile
    matters = _lock_subject_matters(old)
    next_level = levels.up(candidate.issuing_organization)
    if next_level is None:
        old.flagged_at = now
        old.save(update_fields=["flagged_at"])
        for matter in matters:
            matter_event_record(
                matter=matter,
                kind=EventKind.SUPERVISION_ESCALATED,
                actor=None,
                data={"order": old.pk, "level": old.level, "top": True},
                visibility=Visibility.INTERNAL,
            )
        candidate.flagged_at = now
        return candidate
    old.status = OrderStatus.ESCALATED
    old.escalated_at = now
    old.save(update_fields=["status", "escalated_at"])
    new = SupervisionOrder.objects.create(
        subject=old.subject,
        matter_id=old.matter_id,
        group_id=old.group_id,
        region_id=old.region_id,
        title=old.title,
        origin=old.origin,
        stage=old.stage,
        stage_due_at=old.stage_due_at,
        late_working_days=old.late_working_days,
        reason=old.reason,
        issuing_organization=next_level,
        responding_organization=candidate.responding_organization,
        issued_by=None,
        level=old.level + 1,
        previous=old,
        due_at=due,
        created_at=now,
    )
    for matter in matters:
        matter_event_record(
            matter=matter,
            kind=EventKind.SUPERVISION_ESCALATED,
            actor=None,
            data=_event_data(new, previous=old.pk, **{"from": candidate.issuing_organization.name}),
            visibility=Visibility.INTERNAL,
        )
    new.matter = candidate.matter
    return new


def orders_escalate_due(*, now: dt.datetime | None = None) -> EscalationResult:
    """Escalate every open order whose answer is overdue to the next level up (periodic).

    The old order is marked escalated and linked from the new one, issued by the level above the old
    issuer to the same responding organisation. At the top (the county centre) the order stays open and
    is flagged once.
    """
    now = now or timezone.now()
    candidates = list(
        SupervisionOrder.objects.filter(status=OrderStatus.OPEN, due_at__lt=now, flagged_at__isnull=True)
        .select_related("matter", "issuing_organization", "responding_organization")
        .order_by("due_at", "pk")
    )
    if not candidates:
        return EscalationResult([], [])
    levels = Levels()
    for order in candidates:
        levels.orgs[order.issuing_organization.pk] = order.issuing_organization
    levels.load_parents()
    due = deadline_at(now, answer_days())
    escalated: list[SupervisionOrder] = []
    flagged: list[SupervisionOrder] = []
    for start in range(0, len(candidates), BATCH):
        with transaction.atomic():
            new_orders: list[SupervisionOrder] = []
            for candidate in candidates[start : start + BATCH]:
                with transaction.atomic():
                    outcome = _escalate_one(candidate, levels=levels, now=now, due=due)
                if outcome is None:
                    continue
                if outcome is candidate:
                    flagged.append(candidate)
                else:
                    new_orders.append(outcome)
            _notify(new_orders)
        escalated.extend(new_orders)
    return EscalationResult(escalated, flagged)
