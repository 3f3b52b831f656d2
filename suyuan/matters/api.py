"""The JSON API of matters: create with an idempotency key, read, list, and every command.

Thin, like every router: schemas check the shape, ``matters.access`` finds the matter (404 alike for a
missing and a hidden one), a service changes it and a selector reads lists. A command the matter's status
does not allow, or a stale ``expected_version``, answers 409; a right the caller lacks on a matter they can
see answers 403; bad input answers 422 naming the field as the client sent it.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.params.functions import Header as header_param

from suyuan.accounts import access as accounts_access
from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import User
from suyuan.core import identifiers
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, codes, documents, imports, respondents, routing, selectors, services
from suyuan.matters.choices import Channel, DocumentKind, EventKind, ImportIssueLevel, Visibility
from suyuan.matters.models import (
    Category,
    Document,
    FieldTask,
    ImportBatch,
    Matter,
    MatterEvent,
    RespondentInvitation,
)
from suyuan.matters.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    AcceptIn,
    AssignIn,
    CategoryOut,
    ConflictOut,
    DocumentOut,
    EventOut,
    FailureIn,
    FieldErrorsOut,
    FieldTaskCompleteIn,
    FieldTaskOut,
    ImportBatchOut,
    ImportIn,
    ImportIssueFilters,
    ImportIssueOut,
    InvitationOut,
    InvitationPublicOut,
    InviteIn,
    LookupIn,
    LookupOut,
    MatterFilters,
    MatterIn,
    MatterOut,
    MatterSummaryOut,
    MediatorSuggestionOut,
    MergeIn,
    MessageOut,
    RatingIn,
    RatingOut,
    ReasonIn,
    RespondIn,
    TextIn,
    VersionIn,
    WithdrawIn,
)
from suyuan.matters.services import PartyInput
from suyuan.matters.transitions import Command, allowed_commands
from suyuan.regions import selectors as region_selectors

router = Router(tags=["matters"])
# Mounted at /api/categories: the taxonomy is public, a citizen's form needs it before signing in.
categories_router = Router(tags=["matters"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# Anonymous status checks: per address, and per code whatever the address (a phone number is guessable).
LOOKUP_RATE_PER_IP = "10/m"
LOOKUP_RATE_PER_CODE = "5/m"

# Refusals, documented: the API's exception handlers answer them in these shapes.
REFUSALS: dict[int, Any] = {401: MessageOut, 403: MessageOut, 404: MessageOut, 422: FieldErrorsOut}
COMMAND_RESPONSES: dict[int, Any] = {200: MatterOut, **REFUSALS, 409: ConflictOut}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _find(request: HttpRequest, code: str) -> Matter:
    """Return the matter of a tracking code as typed, if the caller may see it; else raise ``NotFound``."""
    return access.matter_for_code(request.user, code)


@contextmanager
def _fields_as_sent(names: dict[str, str]) -> Iterator[None]:
    """Rename the fields of a service's ValidationError to the names the client sent."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


def _allowed_commands(actor: User, matter: Matter) -> list[str]:
    """Return the commands the matter's status allows and the actor may give (as the services decide)."""
    possible = allowed_commands(matter.status)
    answers: dict[str, bool] = {}

    def once(name: str, check: Callable[[], bool]) -> bool:
        if name not in answers:
            answers[name] = check()
        return answers[name]

    def intake() -> bool:
        return once("intake", lambda: access.may_act(actor, matter, access.INTAKE_ROLES))

    def mediation() -> bool:
        return once("mediation", lambda: access.may_act(actor, matter, access.MEDIATION_ROLES))

    def owner() -> bool:
        return once("owner", lambda: access.is_owner(actor, matter))

    rights: dict[str, Callable[[], bool]] = {
        Command.ACCEPT: intake,
        Command.DECLINE: intake,
        Command.MERGE: intake,
        Command.ASSIGN: intake,
        Command.ESCALATE: lambda: (
            (matter.mediator_id is not None and matter.mediator_id == actor.pk) or intake()
        ),
        Command.START_MEDIATION: mediation,
        Command.RECORD_AGREEMENT: mediation,
        Command.RECORD_FAILURE: mediation,
        Command.CLOSE: mediation,
        Command.WITHDRAW: lambda: owner() or intake(),
    }
    # The court commands (refer_to_court, court_concluded, …) are given by the court app, not here.
    return [str(command) for command in possible if command in rights and rights[command]()]


def _detail(request: HttpRequest, matter: Matter) -> Matter:
    matter.allowed_commands = _allowed_commands(_actor(request), matter)  # type: ignore[attr-defined]
    return matter


# --- Intake and reads ------------------------------------------------------------------------------------


@router.post(
    "",
    response={200: MatterOut, 201: MatterOut, **REFUSALS},
    summary="File a matter (201; 200 when an Idempotency-Key is repeated)",
)
def matter_create(
    request: HttpRequest,
    payload: MatterIn,
    idempotency_key: str | None = header_param(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="1–64 letters, digits, `_` or `-`. Sending the same key again returns the matter "
        "filed the first time (200) instead of filing it twice.",
    ),
) -> Status[Matter]:
    """File a matter through the front door.

    A citizen files for themselves (channel `portal`, or `api` through a token). Staff file on a
    citizen's behalf: they name the channel and record how the citizen consented (`agent_consent`).
    """
    actor = _actor(request)
    scope = scope_for(actor)
    via_token = bool(getattr(request, "auth_via_token", False))
    errors: dict[str, str] = {}

    if scope.is_staff or scope.is_platform_operator:
        owner = None
        channel = payload.channel or (Channel.API if via_token else "")
        if not channel:
            errors["channel"] = _("This field is required.")
        elif channel == Channel.PORTAL:
            errors["channel"] = _("Choose a valid channel.")
    else:
        owner = actor
        channel = Channel.API if via_token else Channel.PORTAL

    region = None
    try:
        region = region_selectors.region_get(code=payload.region_code.strip())
    except (NotFound, ValidationError):
        errors["region_code"] = _("Choose a place that exists.")
    category = None
    if payload.category_code:
        category = selectors.category_by_code(payload.category_code)
        if category is None:
            errors["category_code"] = _("Choose a valid category.")
    if errors or region is None:
        raise ValidationError(errors)

    started = timezone.now()
    with _fields_as_sent({"region": "region_code", "category": "category_code"}):
        matter = services.matter_receive(
            kind=payload.kind,
            channel=channel,
            title=payload.title,
            description=payload.description,
            desired_outcome=payload.desired_outcome,
            occurred_on=payload.occurred_on,
            region=region,
            address_text=payload.address_text,
            category=category,
            parties=[PartyInput(**party.model_dump()) for party in payload.parties],
            privacy_consent=payload.privacy_consent,
            agent_consent=payload.agent_consent,
            owner=owner,
            actor=actor,
            idempotency_key=idempotency_key or "",
        )
    repeated = bool(idempotency_key) and matter.created_at < started
    return Status(200 if repeated else 201, _detail(request, matter))


@router.get(
    "",
    response={200: list[MatterSummaryOut], 401: MessageOut, 422: FieldErrorsOut},
    summary="Matters I may see, by queue and filters",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def matter_list(request: HttpRequest, filters: Query[MatterFilters]) -> Any:
    return selectors.matter_list(
        actor=request.user,
        queue=filters.queue,
        status=filters.status or "",
        kind=filters.kind or "",
        category=filters.category or "",
        region=filters.region or "",
        organization=filters.organization,
        q=filters.q or "",
    )


# Declared before "/{code}" so that "lookup" is not read as a tracking code.
@router.post(
    "/lookup",
    response={200: LookupOut, 404: MessageOut, 422: FieldErrorsOut, 429: MessageOut},
    auth=None,
    summary="Check a matter's status with its tracking code and the applicant's phone (no sign-in)",
)
def matter_lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    """Return the status and public timeline of a matter to whoever knows its code and the applicant's phone.

    Every miss (a malformed code, a wrong phone number, no such matter) answers the same 404, and the
    endpoint is rate-limited per address and per code (429), so codes and numbers cannot be enumerated.
    """
    if is_ratelimited(
        request, group="matters.lookup.ip", key="ip", rate=LOOKUP_RATE_PER_IP, method="POST", increment=True
    ):
        raise HttpError(429, _("Too many requests. Please wait a moment."))
    try:
        compact = codes.normalize(payload.code)
    except ValidationError:
        compact = "".join(payload.code.split()).upper()[:40]
    if is_ratelimited(
        request,
        group="matters.lookup.code",
        key=lambda _group, _request: compact,
        rate=LOOKUP_RATE_PER_CODE,
        method="POST",
        increment=True,
    ):
        raise HttpError(429, _("Too many requests. Please wait a moment."))
    try:
        codes.normalize(compact)
        phone = identifiers.normalize_mobile(payload.phone)
    except ValidationError:
        raise NotFound from None
    matter = selectors.matter_lookup_by_code_and_phone(
        tracking_code=compact, phone_hash=identifiers.hash_identifier(identifiers.PHONE, phone)
    )
    if matter is None:
        raise NotFound
    # The timeline anyone holding the code and phone may read: public events, as nobody in particular.
    events = access.events_visible_to(None, matter)
    return {
        "display_code": matter.display_code,
        "status": matter.status,
        "status_label": str(matter.get_status_display()),
        "merged_into": matter.merged_into.display_code if matter.merged_into else None,
        "timeline": [
            {
                "kind": event.kind,
                "kind_label": str(event.get_kind_display()),
                "actor_label": event.actor_label,
                "text": _lookup_text(event),
                "created_at": event.created_at,
            }
            for event in events
        ],
    }


def _lookup_text(event: MatterEvent) -> str:
    if event.kind == EventKind.DECLINED:
        return event.text
    if event.kind == EventKind.MERGED:
        return str(event.data.get("into", ""))
    return ""


@router.get("/{code}", response={200: MatterOut, **REFUSALS}, summary="One matter, by its tracking code")
def matter_detail(request: HttpRequest, code: str) -> Matter:
    return _detail(request, _find(request, code))


@router.get(
    "/{code}/events", response=list[EventOut], summary="The matter's timeline, as far as I may read it"
)
def matter_events(request: HttpRequest, code: str) -> Any:
    matter = _find(request, code)
    return access.events_visible_to(request.user, matter)


@router.get(
    "/{code}/mediator-suggestions",
    response={200: list[MediatorSuggestionOut], **REFUSALS},
    summary="Mediators who could take the matter, best first (intake staff)",
)
def matter_mediator_suggestions(
    request: HttpRequest, code: str, organization_id: int | None = None
) -> list[dict[str, Any]]:
    """Rank the mediators of the matter's handling organisation (or of ``organization_id``)."""
    matter = _find(request, code)
    if not access.may_act(request.user, matter, access.INTAKE_ROLES):
        raise Forbidden
    organization = matter.organization
    if organization_id is not None:
        try:
            organization = accounts_access.access_organization(request.user, organization_id)
        except NotFound:
            raise ValidationError({"organization_id": _("Choose an organisation in your area.")}) from None
    if organization is None:
        return []
    return [
        {
            "id": suggestion.user.pk,
            "full_name": suggestion.user.full_name,
            "score": suggestion.score,
            "open_matters": suggestion.open_matters,
            "reasons": [str(reason) for reason in suggestion.reasons],
        }
        for suggestion in routing.suggest_mediators(matter, organization)
    ]


# --- Commands ---------------------------------------------------------------------------------------------


@router.post("/{code}/accept", response=COMMAND_RESPONSES, summary="Accept (受理) a submitted matter")
def matter_accept(request: HttpRequest, code: str, payload: AcceptIn) -> Matter:
    matter = services.matter_accept(
        matter=_find(request, code),
        actor=_actor(request),
        expected_version=payload.expected_version,
        note=payload.note,
    )
    return _detail(request, matter)


@router.post("/{code}/decline", response=COMMAND_RESPONSES, summary="Decline (不予受理), with a reason")
def matter_decline(request: HttpRequest, code: str, payload: ReasonIn) -> Matter:
    matter = services.matter_decline(
        matter=_find(request, code),
        actor=_actor(request),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _detail(request, matter)


@router.post(
    "/{code}/merge", response=COMMAND_RESPONSES, summary="Merge a duplicate into the matter it repeats"
)
def matter_merge(request: HttpRequest, code: str, payload: MergeIn) -> Matter:
    matter = _find(request, code)
    # Refuse someone without the right before telling them anything about the code they named.
    access.require_act(request.user, matter, access.INTAKE_ROLES)
    try:
        into = _find(request, payload.into_code)
    except NotFound:
        raise ValidationError(
            {"into_code": _("There is no matter with this code that you may merge into.")}
        ) from None
    with _fields_as_sent({"into": "into_code"}):
        matter = services.matter_merge(
            matter=matter,
            into=into,
            actor=_actor(request),
            reason=payload.reason,
            expected_version=payload.expected_version,
        )
    return _detail(request, matter)


@router.post(
    "/{code}/assign", response=COMMAND_RESPONSES, summary="Name the handling organisation and mediator"
)
def matter_assign(request: HttpRequest, code: str, payload: AssignIn) -> Matter:
    matter = _find(request, code)
    # Refuse someone without the right before telling them which organisations and people they can see.
    access.require_act(request.user, matter, access.INTAKE_ROLES)
    errors: dict[str, str] = {}
    organization = mediator = None
    try:
        organization = accounts_access.access_organization(request.user, payload.organization_id)
    except NotFound:
        errors["organization_id"] = _("Choose an organisation in your area.")
    if payload.mediator_id is not None:
        try:
            mediator = accounts_access.access_user(request.user, payload.mediator_id)
        except NotFound:
            errors["mediator_id"] = _("This person is not a mediator of that organisation.")
    if errors or organization is None:
        raise ValidationError(errors)
    with _fields_as_sent({"organization": "organization_id", "mediator": "mediator_id"}):
        matter = services.matter_assign(
            matter=matter,
            actor=_actor(request),
            organization=organization,
            mediator=mediator,
            expected_version=payload.expected_version,
        )
    return _detail(request, matter)


@router.post("/{code}/escalate", response=COMMAND_RESPONSES, summary="Hand the matter up to the level above")
def matter_escalate(request: HttpRequest, code: str, payload: ReasonIn) -> Matter:
    matter = services.matter_escalate(
        matter=_find(request, code),
        actor=_actor(request),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _detail(request, matter)


@router.post("/{code}/start-mediation", response=COMMAND_RESPONSES, summary="Start mediation")
def matter_start_mediation(request: HttpRequest, code: str, payload: VersionIn) -> Matter:
    matter = services.matter_start_mediation(
        matter=_find(request, code), actor=_actor(request), expected_version=payload.expected_version
    )
    return _detail(request, matter)


@router.post(
    "/{code}/record-failure",
    response=COMMAND_RESPONSES,
    summary="Record that mediation failed, and the next route",
)
def matter_record_failure(request: HttpRequest, code: str, payload: FailureIn) -> Matter:
    matter = services.matter_record_failure(
        matter=_find(request, code),
        actor=_actor(request),
        reason=payload.reason,
        route=payload.route,
        expected_version=payload.expected_version,
    )
    return _detail(request, matter)


@router.post(
    "/{code}/withdraw",
    response=COMMAND_RESPONSES,
    summary="Withdraw the matter (its applicant, or intake staff)",
)
def matter_withdraw(request: HttpRequest, code: str, payload: WithdrawIn) -> Matter:
    matter = services.matter_withdraw(
        matter=_find(request, code),
        actor=_actor(request),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _detail(request, matter)


@router.post("/{code}/close", response=COMMAND_RESPONSES, summary="Close a resolved or unresolved matter")
def matter_close(request: HttpRequest, code: str, payload: VersionIn) -> Matter:
    matter = services.matter_close(
        matter=_find(request, code), actor=_actor(request), expected_version=payload.expected_version
    )
    return _detail(request, matter)


@router.post(
    "/{code}/notes",
    response={201: EventOut},
    summary="Add an internal note (staff only, never shown to parties)",
)
def matter_add_note(request: HttpRequest, code: str, payload: TextIn) -> Status[MatterEvent]:
    return Status(
        201, services.matter_add_note(matter=_find(request, code), actor=_actor(request), text=payload.text)
    )


@router.post(
    "/{code}/messages",
    response={201: EventOut, **REFUSALS},
    summary="Post a message between the parties and the handler",
)
def matter_post_message(request: HttpRequest, code: str, payload: TextIn) -> Status[MatterEvent]:
    return Status(
        201,
        services.matter_post_message(matter=_find(request, code), actor=_actor(request), text=payload.text),
    )


# --- Categories -------------------------------------------------------------------------------------------


@categories_router.get("", response=list[CategoryOut], auth=None, summary="The active categories of matters")
def category_list(request: HttpRequest) -> Any:
    return Category.objects.filter(is_active=True).order_by("sort_order", "code")


# --- Batch import -----------------------------------------------------------------------------------------
# Under "/imports/…" with two segments at least, so that no path is read as a tracking code.


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    if not imports.may_import(request.user):
        raise Forbidden(_("Your role does not import matters."))
    return imports.access_import_batch(request.user, batch_id)


@router.post(
    "/imports/batches",
    response={201: ImportBatchOut, **REFUSALS},
    summary="Upload a CSV or XLSX file of matters and run its dry run (nothing is imported yet)",
)
def import_upload(
    request: HttpRequest, file: File[UploadedFile], details: Form[ImportIn]
) -> Status[ImportBatch]:
    """Store the file and check every row. Small files come back checked (`status` `checked`); long ones
    are checked by the task worker (`uploaded`): poll the batch until it is `checked`, then read its report."""
    actor = _actor(request)
    if not imports.may_import(actor):
        raise Forbidden(_("Your role does not import matters."))
    organization = imports.import_organizations_for(actor).filter(pk=details.organization).first()
    if organization is None:
        raise ValidationError({"organization": _("Choose an organisation you import matters for.")})
    batch = imports.import_batch_upload(
        actor=actor,
        organization=organization,
        file_name=file.name or "",
        data=file.read(settings.IMPORT_MAX_BYTES + 1),
        channel=details.channel,
        kind=details.kind,
        agent_consent=details.agent_consent,
        same_file_confirmed=details.same_file_confirmed,
    )
    return Status(201, batch)


@router.get(
    "/imports/{batch_id}",
    response={200: ImportBatchOut, **REFUSALS},
    summary="One import batch and its progress",
)
def import_detail(request: HttpRequest, batch_id: int) -> ImportBatch:
    return _batch(request, batch_id)


@router.get(
    "/imports/{batch_id}/report",
    response={200: list[ImportIssueOut], **REFUSALS},
    summary="The dry run's errors and warnings, row by row",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def import_report(request: HttpRequest, batch_id: int, filters: Query[ImportIssueFilters]) -> Any:
    level = filters.level or ""
    if level and level not in ImportIssueLevel.values:
        raise ValidationError({"level": _("Choose error or warning.")})
    return imports.report_filter(_batch(request, batch_id), level)


@router.post(
    "/imports/{batch_id}/start",
    response={202: ImportBatchOut, **REFUSALS},
    summary="Import the valid rows of a checked batch in the background",
)
def import_start(request: HttpRequest, batch_id: int) -> Status[ImportBatch]:
    """Answer 202 at once; follow `GET /imports/{batch_id}` until `status` is `done`. A repeat does nothing."""
    batch = imports.import_batch_start(batch=_batch(request, batch_id), actor=_actor(request))
    return Status(202, batch)


# --- Documents and the rating ----------------------------------------------------------------------------


@router.get(
    "/{code}/documents",
    response={200: list[DocumentOut], **REFUSALS},
    summary="The matter's documents I may read (staff on the matter also see staff-only ones)",
)
def document_list(request: HttpRequest, code: str) -> Any:
    return documents.documents_visible_to(request.user, _find(request, code))


@router.post(
    "/{code}/documents",
    response={201: DocumentOut, **REFUSALS},
    summary="Add a photo (JPEG, PNG, WebP) or a PDF to the matter (multipart/form-data)",
)
def document_upload(
    request: HttpRequest,
    code: str,
    file: File[UploadedFile],
    kind: Form[str] = DocumentKind.EVIDENCE,
    visibility: Form[str] = Visibility.PUBLIC,
) -> Status[Document]:
    """Add one file. Its type is read from its content, not its name; images are encoded afresh without
    their metadata (no GPS position); encrypted PDFs and PDFs with scripts or attached files are refused.
    Parties add documents while the matter is open; only staff add `internal` (staff-only) documents."""
    matter = _find(request, code)
    document = documents.document_add(
        matter=matter, actor=_actor(request), upload=file, kind=kind, visibility=visibility
    )
    return Status(201, document)


@router.get(
    "/{code}/documents/{document_id}",
    response={200: None, **REFUSALS},
    summary="Download one document (the stored file, as an attachment)",
)
def document_download(request: HttpRequest, code: str, document_id: int) -> Any:
    matter = _find(request, code)
    return documents.download_response(documents.document_for_download(request.user, matter, document_id))


@router.post(
    "/{code}/rating",
    response={201: RatingOut, **REFUSALS, 409: ConflictOut},
    summary="Rate the handling of a finished matter (its applicant, once)",
)
def matter_rate(request: HttpRequest, code: str, payload: RatingIn) -> Any:
    """Rate 1–5 with an optional comment. 409 (`rating_closed`) while the matter is still open or once it
    has been rated; 403 for anyone but the applicant."""
    matter = _find(request, code)
    try:
        rating = documents.matter_rate(
            matter=matter, actor=_actor(request), score=payload.score, comment=payload.comment
        )
    except documents.RatingClosed as exc:
        return Status(409, {"detail": exc.message, "code": "rating_closed"})
    return Status(201, rating)


# --- The other side: invitations, answers by link, the grid workers' tasks --------------------------------

# Answers through an invitation link: per address, and per link (each answer texts the handler).
RESPOND_RATE_PER_IP = "30/m"
RESPOND_RATE_PER_LINK = "10/h"


@router.get(
    "/field-tasks/mine",
    response={200: list[FieldTaskOut], **REFUSALS},
    summary="Open tasks of my organisations as a grid worker (visits to make)",
)
def field_task_list(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not (scope.is_platform_operator or Role.GRID_WORKER in scope.roles):
        raise Forbidden(_("The task list is for grid workers."))
    return respondents.field_tasks_for_worker(request.user).filter(status="open").order_by("due_at", "pk")


@router.post(
    "/field-tasks/{task_id}/complete",
    response={200: FieldTaskOut, **REFUSALS},
    summary="Report a visit's outcome (the respondent's answer is recorded when they agreed or declined)",
)
def field_task_complete(request: HttpRequest, task_id: int, payload: FieldTaskCompleteIn) -> FieldTask:
    task = respondents.access_field_task(request.user, task_id)
    return respondents.field_task_complete(
        task=task, actor=_actor(request), outcome=payload.outcome, note=payload.note
    )


def _public_invitation(invitation: RespondentInvitation) -> dict[str, Any]:
    matter = invitation.matter
    return {
        "display_code": matter.display_code,
        "title": matter.title,
        "description": matter.description,
        "desired_outcome": matter.desired_outcome,
        "organization": matter.organization.name if matter.organization else "",
        "mediator": matter.mediator.full_name if matter.mediator else "",
        "status": invitation.status,
        "status_label": str(invitation.get_status_display()),
        "responded_at": invitation.responded_at,
        "proposed_times": invitation.proposed_times,
    }


def _respond_limits(request: HttpRequest, token: str) -> None:
    if is_ratelimited(
        request,
        group="matters.respond.api.ip",
        key="ip",
        rate=RESPOND_RATE_PER_IP,
        method=ALL,
        increment=True,
    ):
        raise HttpError(429, _("Too many requests. Please wait a moment."))


@router.get(
    "/respond/{token}",
    response={200: InvitationPublicOut, 404: MessageOut, 429: MessageOut},
    auth=None,
    summary="Read an invitation of the other side by its link's token (no sign-in)",
)
def invitation_read(request: HttpRequest, token: str) -> dict[str, Any]:
    """Every wrong, expired or replaced token answers the same 404; the endpoint is rate-limited."""
    _respond_limits(request, token)
    return _public_invitation(respondents.invitation_for_token(token))


@router.post(
    "/respond/{token}",
    response={200: InvitationPublicOut, 404: MessageOut, 422: FieldErrorsOut, 429: MessageOut},
    auth=None,
    summary="Answer an invitation by its link's token: agree or decline once, reply any time (no sign-in)",
)
def invitation_respond(request: HttpRequest, token: str, payload: RespondIn) -> dict[str, Any]:
    _respond_limits(request, token)
    invitation = respondents.invitation_for_token(token)
    if is_ratelimited(
        request,
        group="matters.respond.api.link",
        key=lambda _group, _request: invitation.token_hash,
        rate=RESPOND_RATE_PER_LINK,
        method=ALL,
        increment=True,
    ):
        raise HttpError(429, _("Too many requests. Please wait a moment."))
    if payload.accept is None:
        respondents.invitation_reply(token=token, text=payload.reply)
    else:
        respondents.invitation_respond(
            token=token,
            accept=payload.accept,
            proposed_times=[t.model_dump() for t in payload.proposed_times],
            reply=payload.reply,
            reason=payload.reason,
        )
    return _public_invitation(respondents.invitation_for_token(token))


@router.get(
    "/{code}/invitations",
    response={200: list[InvitationOut], **REFUSALS},
    summary="The invitations of the other side and their answers (staff)",
)
def matter_invitations(request: HttpRequest, code: str) -> Any:
    matter = _find(request, code)
    if not access.works_with_matters(request.user):
        raise Forbidden
    return respondents.invitations_of_matter(request.user, matter)


@router.post(
    "/{code}/invitations",
    response={201: InvitationOut, **REFUSALS},
    summary="Invite a respondent by text message (again, to replace an unanswered invitation)",
)
def matter_invite(request: HttpRequest, code: str, payload: InviteIn) -> Status[RespondentInvitation]:
    matter = _find(request, code)
    access.require_act(request.user, matter, respondents.INVITE_ROLES)
    party = next((p for p in matter.parties.all() if p.pk == payload.party_id), None)
    if party is None:
        raise ValidationError({"party_id": _("Choose a respondent of this matter.")})
    with _fields_as_sent({"party": "party_id"}):
        invitation = respondents.respondent_invite(matter=matter, party=party, actor=_actor(request))
    return Status(201, invitation)
