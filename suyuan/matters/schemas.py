"""Schemas of the matters API: what clients send (``...In``) and what they get back (``...Out``).

Values that a service checks (kinds, roles, lengths, identifiers) are plain strings here, so one request
gets every refusal at once, named as the client wrote it (``parties[0].phone``), rather than the first
schema error only. Personal identifiers go out masked, never in clear.
"""

# No "from __future__ import annotations": django-ninja and pydantic read these annotations at runtime.
import datetime as dt
from typing import Any

from ninja import Field, Schema

from suyuan.accounts.access import scope_for
from suyuan.matters.choices import DayPart, FailureRoute, FieldTaskOutcome, MatterKind, PartyKind, PartyRole

MAX_PARTIES = 50
MAX_INPUT = 10_000  # generous: the services enforce the real limits with their own messages
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _choices(choices: Any) -> str:
    return ", ".join(f"`{value}`" for value in choices.values)


# --- Input schemas -------------------------------------------------------------------------------------


class PartyIn(Schema):
    role: str = Field(description=f"One of {_choices(PartyRole)}; exactly one applicant.")
    kind: str = Field(PartyKind.PERSON, description=f"One of {_choices(PartyKind)}.")
    name: str = Field(max_length=MAX_INPUT)
    phone: str = Field("", max_length=64, description="Mainland mobile number; required for the applicant.")
    id_number: str = Field("", max_length=64, description="Resident ID number (18 characters), optional.")
    credit_code: str = Field("", max_length=64, description="Unified social credit code of an organisation.")
    address: str = Field("", max_length=MAX_INPUT)


class MatterIn(Schema):
    kind: str = Field(description=f"One of {_choices(MatterKind)}.")
    channel: str | None = Field(
        None,
        description="How the matter came in. Staff choose it (`walk_in`, `hotline`, `petition_letter`, "
        "`field_visit`, `court_window`, …; token clients default to `api`); a citizen's own filing is "
        "always `portal` (or `api` through a token) whatever is sent.",
    )
    title: str = Field(max_length=MAX_INPUT)
    description: str = Field(max_length=MAX_INPUT)
    desired_outcome: str = Field("", max_length=MAX_INPUT)
    occurred_on: dt.date | None = Field(None, description="The day it happened (not in the future).")
    region_code: str = Field(
        max_length=12, description="Code of the county, township or village where it happened."
    )
    address_text: str = Field("", max_length=MAX_INPUT)
    category_code: str | None = Field(
        None, max_length=40, description="An active category (see /categories)."
    )
    parties: list[PartyIn] = Field(max_length=MAX_PARTIES)
    privacy_consent: bool = Field(
        False, description="Must be true: the applicant accepted the privacy notice."
    )
    agent_consent: str = Field(
        "",
        max_length=200,
        description="Staff filing for a citizen: how the citizen agreed (signed form, recorded call, …).",
    )


class MatterFilters(Schema):
    queue: str = Field(
        "open", description="`new`, `mine`, `due_soon`, `overdue`, `waiting`, `open` (default) or `all`."
    )
    status: str | None = Field(None, description="A status, e.g. `accepted`.")
    kind: str | None = Field(None, description=f"One of {_choices(MatterKind)}.")
    category: str | None = Field(None, description="A category code.")
    region: str | None = Field(None, description="A region code; matters in it and below it.")
    organization: int | None = Field(None, description="Id of the handling organisation.")
    q: str | None = Field(None, max_length=100, description="A tracking code, or words of the title.")


class VersionIn(Schema):
    expected_version: int | None = Field(
        None,
        ge=1,
        description="The version the client last saw; if the matter changed since, the answer is 409.",
    )


class AcceptIn(VersionIn):
    note: str = Field("", max_length=MAX_INPUT, description="Optional remark on the timeline.")


class ReasonIn(VersionIn):
    reason: str = Field(max_length=MAX_INPUT, description="Shown to the citizen (at least 4 characters).")


class MergeIn(VersionIn):
    into_code: str = Field(max_length=40, description="Tracking code of the matter this one repeats.")
    reason: str = Field("", max_length=MAX_INPUT)


class AssignIn(VersionIn):
    organization_id: int
    mediator_id: int | None = Field(None, description="A mediator of that organisation; empty for none yet.")


class FailureIn(VersionIn):
    reason: str = Field(max_length=MAX_INPUT)
    route: str = Field(description=f"The next route: one of {_choices(FailureRoute)}.")


class WithdrawIn(VersionIn):
    reason: str = Field("", max_length=MAX_INPUT)


class TextIn(Schema):
    text: str = Field(max_length=MAX_INPUT)


class LookupIn(Schema):
    code: str = Field(max_length=40, description="The tracking code, e.g. `7K3M-9QXW-2RTK`.")
    phone: str = Field(max_length=40, description="The applicant's mobile number.")


# --- Output schemas ------------------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str


class RegionRefOut(Schema):
    code: str
    full_name: str


class OrganizationRefOut(Schema):
    id: int
    name: str


class PersonRefOut(Schema):
    id: int
    full_name: str


class PartyOut(Schema):
    role: str
    role_label: str
    kind: str
    name: str
    phone_masked: str = Field(description="Masked, e.g. `139****1111`; never the clear number.")
    id_number_masked: str

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())


def _staff_reads(context: Any) -> bool:
    """Whether the caller is staff (who only ever get matters they may handle or oversee): the priority
    says what triage's risk flags found, which is not for the parties' eyes."""
    request = (context or {}).get("request")
    if request is None:
        return False
    scope = scope_for(request.user)
    return scope.is_staff or scope.is_platform_operator


class MatterSummaryOut(Schema):
    code: str = Field(description="The tracking code in compact form; use it in URLs.")
    display_code: str = Field(description="The tracking code as people read it, e.g. `7K3M-9QXW-2RTK`.")
    kind: str
    kind_label: str
    channel: str
    status: str
    status_label: str
    category: CategoryOut | None
    title: str
    region: RegionRefOut
    organization: OrganizationRefOut | None
    mediator: PersonRefOut | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    version: int
    priority: int | None = Field(
        description="0 normal, 1 high, 2 urgent (raised by triage's risk flags or by staff); staff only, "
        "null for citizens."
    )
    priority_label: str | None

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.tracking_code)

    @staticmethod
    def resolve_priority(obj: Any, context: Any) -> int | None:
        return int(obj.priority) if _staff_reads(context) else None

    @staticmethod
    def resolve_priority_label(obj: Any, context: Any) -> str | None:
        return str(obj.get_priority_display()) if _staff_reads(context) else None

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class MatterOut(MatterSummaryOut):
    channel_label: str
    description: str
    desired_outcome: str
    occurred_on: dt.date | None
    address_text: str
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    merged_into: str | None = Field(description="Display code of the matter this one was merged into.")
    decline_reason: str
    failure_route: str
    outcome_summary: str
    parties: list[PartyOut]
    allowed_commands: list[str] = Field(
        description="The commands this matter's status allows and the caller may give, e.g. `accept`. "
        "`record_agreement` is given through `POST /api/mediation/matters/{code}/agreement`, with the "
        "agreement's obligations."
    )

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_merged_into(obj: Any) -> str | None:
        return obj.merged_into.display_code if obj.merged_into_id else None

    @staticmethod
    def resolve_parties(obj: Any) -> list[Any]:
        return list(obj.parties.all())


class EventOut(Schema):
    seq: int
    kind: str
    kind_label: str
    actor_label: str
    from_status: str
    to_status: str
    data: dict[str, Any]
    text: str
    created_at: dt.datetime
    visibility: str = Field(description="`public` (on the parties' timeline) or `internal` (staff only).")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class MediatorSuggestionOut(Schema):
    id: int
    full_name: str
    score: float
    open_matters: int
    reasons: list[str]


class LookupEventOut(Schema):
    kind: str
    kind_label: str
    actor_label: str
    text: str = Field(description="The reason of a decline; the code merged into for a merge; else empty.")
    created_at: dt.datetime


class LookupOut(Schema):
    display_code: str
    status: str
    status_label: str
    merged_into: str | None
    timeline: list[LookupEventOut]


class MessageOut(Schema):
    detail: str = Field(description="What went wrong, in the caller's language.")


class ConflictOut(MessageOut):
    code: str = Field(description="`illegal_transition` or `stale`.")


class FieldErrorOut(Schema):
    field: str | None = Field(description="The field as the client sent it, e.g. `parties[0].phone`.")
    location: str | None = Field(
        description="`body`, `query`, `header`, `path`, or empty for a service's check."
    )
    code: str
    message: str


class FieldErrorsOut(Schema):
    detail: list[FieldErrorOut]


# --- Batch import ---------------------------------------------------------------------------------------


class ImportIn(Schema):
    organization: int = Field(description="Id of the organisation the matters are imported for.")
    channel: str = Field("hotline", description="`hotline`, `petition_letter`, `import` or `field_visit`.")
    kind: str = Field(
        "request", description=f"Kind of the rows that do not say: one of {_choices(MatterKind)}."
    )
    agent_consent: str = Field(max_length=MAX_INPUT, description="How the citizens agreed to be filed for.")
    same_file_confirmed: bool = Field(
        False, description="Upload the very same file again (refused otherwise)."
    )


class ImportIssueOut(Schema):
    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1).")
    column: str = Field(description="The column's header as in the file; empty for the whole row.")
    level: str = Field(description="`error` (the row is not imported) or `warning`.")
    message: str


class ImportIssueFilters(Schema):
    level: str | None = Field(None, description="`error` or `warning`; both when empty.")


class ImportBatchOut(Schema):
    id: int
    organization_id: int
    original_name: str
    sha256: str
    file_format: str
    channel: str
    kind: str
    status: str = Field(description="`uploaded`, `checked`, `importing`, `done` or `failed`.")
    row_count: int
    valid_count: int
    warning_count: int
    imported_count: int
    skipped_count: int
    processed_count: int
    progress_percent: int
    error: str
    created_at: dt.datetime
    checked_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


# --- Documents and the rating -------------------------------------------------------------------------


class DocumentOut(Schema):
    id: int
    kind: str = Field(
        description="What the document is: `application`, `identity`, `evidence`, … (see `kind_label`)."
    )
    kind_label: str
    visibility: str = Field(description="`public` (parties and staff) or `internal` (staff only).")
    source: str = Field(description="`party_upload`, `staff_upload` or `generated`.")
    original_name: str = Field(
        description="The file's name as uploaded (cleaned; the extension is the content's)."
    )
    content_type: str = Field(description="`image/jpeg`, `image/png`, `image/webp` or `application/pdf`.")
    size: int = Field(description="Bytes, as stored (images are encoded afresh, without their metadata).")
    sha256: str
    pages: int
    replaces_id: int | None = Field(description="The document this one is a new version of.")
    replaced: bool = Field(description="Whether a newer version of this document exists.")
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_replaced(obj: Any) -> bool:
        return bool(getattr(obj, "is_replaced", False))


class RatingIn(Schema):
    score: int = Field(ge=1, le=5, description="1 (very poor) to 5 (very good).")
    comment: str = Field("", max_length=MAX_INPUT, description="Optional, at most 2000 characters.")


class RatingOut(Schema):
    score: int
    comment: str
    created_at: dt.datetime


# --- The other side: invitations and the grid workers' tasks ----------------------------------------------


class InviteIn(Schema):
    party_id: int = Field(description="Id of a respondent of the matter (see `parties`).")


class ProposedTimeIn(Schema):
    date: dt.date = Field(description="A day from today to 90 days ahead.")
    part: str = Field(description=f"One of {_choices(DayPart)}.")


class RespondIn(Schema):
    accept: bool | None = Field(
        None,
        description="`true` to agree to mediation, `false` to decline (with a `reason`); leave it out "
        "(or `null`) to send only a `reply`, e.g. after answering.",
    )
    reason: str = Field("", max_length=MAX_INPUT)
    proposed_times: list[ProposedTimeIn] = Field(default_factory=list, max_length=10)
    reply: str = Field("", max_length=MAX_INPUT)


class ProposedTimeOut(Schema):
    date: str
    part: str


class InvitationOut(Schema):
    id: int
    party_id: int
    party_name: str
    status: str
    status_label: str
    sent_at: dt.datetime
    expires_at: dt.datetime
    responded_at: dt.datetime | None
    recorded_by_grid_worker: bool
    decline_reason: str
    reply: str
    proposed_times: list[ProposedTimeOut]
    reminders_sent: int
    next_reminder_at: dt.datetime | None

    @staticmethod
    def resolve_party_name(obj: Any) -> str:
        return str(obj.party.name)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_recorded_by_grid_worker(obj: Any) -> bool:
        return obj.recorded_by_id is not None


class InvitationPublicOut(Schema):
    """What the holder of an invitation link reads: the claim and their own answer, no personal data."""

    display_code: str
    title: str
    description: str
    desired_outcome: str
    organization: str
    mediator: str
    status: str
    status_label: str
    responded_at: dt.datetime | None
    proposed_times: list[ProposedTimeOut]


class FieldTaskOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    matter_code: str
    party_name: str
    address: str
    organization: OrganizationRefOut
    instructions: str
    due_at: dt.datetime | None
    outcome: str
    note: str
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_matter_code(obj: Any) -> str:
        return str(obj.matter.display_code)

    @staticmethod
    def resolve_party_name(obj: Any) -> str:
        return obj.party.name if obj.party else ""

    @staticmethod
    def resolve_address(obj: Any) -> str:
        return obj.party.address if obj.party else ""


class FieldTaskCompleteIn(Schema):
    outcome: str = Field(description=f"One of {_choices(FieldTaskOutcome)}.")
    note: str = Field("", max_length=MAX_INPUT)
