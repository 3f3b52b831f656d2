"""Schemas of the supervision API: what clients send (``...In``) and what they get back (``...Out``)."""

# No "from __future__ import annotations": django-ninja and pydantic read these annotations at runtime.
import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from suyuan.supervision.choices import Box, Filter

MAX_INPUT = 10_000  # generous: the services enforce the real limits with their own messages


class OrderFilters(Schema):
    box: str = Field(
        Box.ALL,
        description=f"`{Box.TO_ANSWER}` (addressed to my organisations), `{Box.ISSUED}` (issued by them) "
        f"or `{Box.ALL}`.",
    )
    status: str = Field(
        Filter.OPEN,
        description="`open`, `overdue` (open, answer past due), `answered`, `cleared`, `escalated` or `all`.",
    )


class OrderIssueIn(Schema):
    matter_code: str = Field(max_length=64, description="The matter's tracking code, as shown.")
    reason: str = Field(max_length=MAX_INPUT)
    deadline_days: int | None = Field(
        None, description="Working days to answer (1–30); the configured default when left out."
    )


class AnswerIn(Schema):
    response: str = Field(max_length=MAX_INPUT)


class ClearIn(Schema):
    note: str = Field("", max_length=MAX_INPUT)


class OrganizationRefOut(Schema):
    id: int
    name: str


class OrderOut(Schema):
    id: int
    subject: str = Field(
        description="`matter`, `group` (a group dispute) or `alert` (an early-warning alert)."
    )
    title: str = Field(description="A short description of the group or the alert the order concerns.")
    matter_code: str | None = Field(description="The tracking code of the matter the order concerns.")
    group_id: int | None = Field(description="For a group order: the group dispute's id.")
    region_code: str | None = Field(description="For a group or an alert order: the place's region code.")
    origin: str = Field(description="`automatic` (a stage overdue) or `issued` (by a supervisor).")
    stage: str = Field(description="For automatic orders: the matter's status whose deadline passed.")
    stage_due_at: dt.datetime | None
    late_working_days: int
    reason: str
    issuing_organization: OrganizationRefOut
    responding_organization: OrganizationRefOut
    level: int = Field(description="1 for the first order; one more for each escalation.")
    previous_id: int | None = Field(description="The order this one replaced when it was escalated.")
    status: str
    status_label: str
    overdue: bool
    flagged_at: dt.datetime | None = Field(description="Set when unanswered at the top level.")
    due_at: dt.datetime
    response: str
    answered_at: dt.datetime | None
    cleared_at: dt.datetime | None
    clear_note: str
    escalated_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_matter_code(obj: Any) -> str | None:
        return obj.matter.display_code if obj.matter is not None else None

    @staticmethod
    def resolve_region_code(obj: Any) -> str | None:
        return obj.region_id or None

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.is_overdue(timezone.now()))


class OrderCountsOut(Schema):
    to_answer: int
    to_answer_overdue: int
    to_clear: int
    open: int
    overdue: int


class MessageOut(Schema):
    detail: str


class ConflictOut(MessageOut):
    code: str = Field(description="`order_state`: the order's status does not allow this.")
