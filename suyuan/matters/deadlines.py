"""How long each stage of a matter may take, from the administrators' rules or the defaults in force.

Defaults:
* petitions (信访工作条例, 2022): decide on acceptance within 15 days, handle within 60 days of acceptance;
* disputes: accept within 3 working days; mediate within 30 days (people's mediation practice; extendable
  once with both parties' consent);
* requests and consultations: accept within 5 and 2 working days.
Assignment and first contact take 2 and 3 working days. A missing rule means no deadline for that stage.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from suyuan.core.memo import Memo
from suyuan.matters.choices import MatterKind as K
from suyuan.matters.choices import MatterStatus as S
from suyuan.workdays.services import deadline_at


class Rule(NamedTuple):
    days: int
    working_days: bool
    basis: str


DEFAULT_RULES: dict[tuple[str, str], Rule] = {
    (K.PETITION, S.SUBMITTED): Rule(15, False, "信访工作条例 第三十一条"),
    (K.PETITION, S.ACCEPTED): Rule(60, False, "信访工作条例 第三十五条"),
    (K.PETITION, S.ASSIGNED): Rule(60, False, "信访工作条例 第三十五条"),
    (K.DISPUTE, S.SUBMITTED): Rule(3, True, ""),
    (K.DISPUTE, S.ACCEPTED): Rule(2, True, ""),
    (K.DISPUTE, S.ASSIGNED): Rule(3, True, ""),
    (K.DISPUTE, S.IN_MEDIATION): Rule(30, False, "人民调解工作若干规定"),
    (K.REQUEST, S.SUBMITTED): Rule(5, True, ""),
    (K.REQUEST, S.ACCEPTED): Rule(2, True, ""),
    (K.REQUEST, S.ASSIGNED): Rule(15, True, ""),
    (K.CONSULTATION, S.SUBMITTED): Rule(2, True, ""),
}


def _load_rules() -> dict[tuple[str, str], Rule]:
    from suyuan.matters.models import DeadlineRule

    rows = DeadlineRule.objects.values_list("kind", "status", "days", "working_days", "basis")
    return {(kind, status): Rule(days, working, basis) for kind, status, days, working, basis in rows}


# The administrators' rules, read once a minute per process (cleared on a write: see MattersConfig).
RULES: Memo[dict[tuple[str, str], Rule]] = Memo(_load_rules, ttl=60)


def rule_for(*, kind: str, status: str) -> Rule | None:
    rule = RULES.get().get((kind, status))
    if rule is not None:
        return rule
    return DEFAULT_RULES.get((kind, status))


def stage_deadline(*, kind: str, status: str, start: dt.datetime) -> dt.datetime | None:
    """Return when the stage ``status`` of a matter of ``kind`` that began at ``start`` is due."""
    rule = rule_for(kind=kind, status=status)
    if rule is None:
        return None
    if rule.working_days:
        return deadline_at(start, rule.days)
    zone = ZoneInfo(settings.TIME_ZONE)
    last_day = start.astimezone(zone).date() + dt.timedelta(days=rule.days)
    return dt.datetime.combine(last_day, dt.time.max, tzinfo=zone)
