"""Documents of a matter and the applicant's rating: the services that write them and the reads with rules.

Who may add a document: the parties of the matter (the applicant, and a respondent with an account) while
the matter is not finished, and staff who work on it (the same people who read its internal notes). Only
staff may add a document for staff only. Parties read the documents for parties; staff on the matter read
all of them. Nothing is deleted: a corrected file is a new document that replaces the old one.

Files and transactions. A file is written to storage before its row is inserted, in the same
``transaction.atomic`` block, and the row is what makes a document exist. A transaction that fails
therefore leaves no document, only perhaps a file no row points at; ``stored_files_guard`` deletes the
files written inside it when an exception leaves it (the services use it, and so do views that file a
matter and its attachments in one step), and ``documents_sweep_orphans`` removes what a crash left behind.
Writing the file after the commit instead (``on_commit``) would acknowledge a document whose file could
still fail to be written, which is worse than an orphan file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.access import scope_for
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access
from suyuan.matters.choices import (
    FINAL_STATUSES,
    RATING_STATUSES,
    DocumentKind,
    DocumentSource,
    EventKind,
    Visibility,
)
from suyuan.matters.models import Document, Matter, MatterRating, Party, document_upload_to
from suyuan.matters.services import matter_event_record, matter_lock
from suyuan.matters.uploads import CleanFile, clean_upload

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor
    from suyuan.accounts.models import User

MAX_COMMENT = 2000
STORAGE_PREFIX = "documents/"

# --- Files written inside a transaction -------------------------------------------------------------------

_written: ContextVar[list[str] | None] = ContextVar("suyuan_documents_written", default=None)


@contextmanager
def stored_files_guard() -> Iterator[None]:
    """Delete the files stored inside this block if an exception leaves it (the rows are rolled back).

    Put it outside the ``transaction.atomic`` block it protects, so that a failed commit is covered too.
    Guards nest: files of an inner block that succeeded are the outer block's to delete if it fails.
    """
    parent = _written.get()
    names: list[str] = []
    token = _written.set(names)
    try:
        yield
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if parent is not None:
        parent.extend(names)


def _store(clean: CleanFile) -> str:
    name = default_storage.save(
        document_upload_to(None, f"upload.{clean.extension}"), ContentFile(clean.content)
    )
    written = _written.get()
    if written is not None:
        written.append(name)
    return name


def documents_sweep_orphans(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[str]:
    """Delete stored files that no document points at and that are older than ``older_than``.

    Such files are left by a process that died between writing a file and committing its row. Young
    files are spared: their transaction may still be running.
    """
    cutoff = timezone.now() - older_than
    removed = []
    for name in _stored_names(STORAGE_PREFIX.rstrip("/")):
        if default_storage.get_modified_time(name) >= cutoff:
            continue
        if not Document.objects.filter(file=name).exists():
            default_storage.delete(name)
            removed.append(name)
    return removed


def _stored_names(folder: str) -> Iterator[str]:
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for file in files:
        yield f"{folder}/{file}"
    for sub in folders:
        yield from _stored_names(f"{folder}/{sub}")


# --- Who may do what --------------------------------------------------------------------------------------


def works_on(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor is staff working on the matter (and so reads its internal documents)."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    if not scope.is_staff:
        return False
    return access.may_act(
        actor, matter, access.REGION_ROLES | access.HANDLING_ROLES
    ) or access.shared_with_staff(actor, matter)


def is_party(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor brought the matter or is a party to it: with their own account, or (a
    citizen) with the mobile number they signed in with, verified by a texted code (as matters.access
    lets them see the matter)."""
    scope = scope_for(actor)
    if scope.user_id is None:
        return False
    if (
        matter.owner_id == scope.user_id
        or Party.objects.filter(matter=matter, user_id=scope.user_id).exists()
    ):
        return True
    phone_hash = getattr(actor, "phone_hash", None)
    return (
        not scope.is_staff
        and bool(phone_hash)
        and Party.objects.filter(matter=matter, phone_hash=phone_hash).exists()
    )


def may_add_document(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor may add a document to a matter they can see."""
    if works_on(actor, matter):
        return True
    return matter.status not in FINAL_STATUSES and is_party(actor, matter)


# --- Documents --------------------------------------------------------------------------------------------


def document_add(
    *,
    matter: Matter,
    actor: User,
    upload: Any,
    kind: str,
    visibility: str = Visibility.PUBLIC,
    source: str | None = None,
    replaces: Document | None = None,
) -> Document:
    """Check, store and record one file of a matter; write the ``document_added`` event.

    ``upload`` is an uploaded file (checked here) or a ``CleanFile`` already checked by a form.
    Staff-only documents get an internal event, so parties do not learn of them from the timeline.
    """
    errors: dict[str, Any] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = _("Choose what kind of document this is.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Choose who may see the document.")
    clean = upload if isinstance(upload, CleanFile) else None
    if clean is None:
        try:
            clean = clean_upload(upload)
        except ValidationError as exc:
            errors["file"] = exc.messages
    if errors or clean is None:
        raise ValidationError(errors)

    with stored_files_guard(), transaction.atomic():
        matter = matter_lock(actor=actor, matter=matter)
        staff = works_on(actor, matter)
        if not staff:
            if not is_party(actor, matter):
                raise Forbidden(_("Only the parties and the staff handling the matter may add documents."))
            if matter.status in FINAL_STATUSES:
                raise ValidationError(
                    {"file": _("This matter is finished; documents can no longer be added.")}
                )
            if visibility != Visibility.PUBLIC:
                raise ValidationError({"visibility": _("Only staff may add documents for staff only.")})
        if replaces is not None and replaces.matter_id != matter.pk:
            raise ValidationError({"replaces": _("The document replaced must belong to the same matter.")})
        if Document.objects.filter(matter=matter).count() >= settings.DOCUMENT_MAX_PER_MATTER:
            raise ValidationError(
                {
                    "file": _("This matter already has %(max)s documents, the most it can hold.")
                    % {"max": settings.DOCUMENT_MAX_PER_MATTER}
                }
            )
        document = Document.objects.create(
            matter=matter,
            kind=kind,
            visibility=visibility,
            source=source or (DocumentSource.STAFF_UPLOAD if staff else DocumentSource.PARTY_UPLOAD),
            file=_store(clean),
            original_name=clean.original_name,
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            pages=clean.pages,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            replaces=replaces,
        )
        matter_event_record(
            matter=matter,
            kind=EventKind.DOCUMENT_ADDED,
            actor=actor,
            text=clean.original_name,
            data={"document_id": document.pk, "kind": kind, "replaces": replaces.pk if replaces else None},
            visibility=visibility,
        )
    return document


def documents_add(
    *,
    matter: Matter,
    actor: User,
    uploads: list[Any],
    kind: str,
    visibility: str = Visibility.PUBLIC,
) -> list[Document]:
    """Add several files to a matter at once: all of them, or none (one event each)."""
    with stored_files_guard(), transaction.atomic():
        return [
            document_add(matter=matter, actor=actor, upload=upload, kind=kind, visibility=visibility)
            for upload in uploads
        ]


def documents_visible_to(actor: Actor, matter: Matter) -> QuerySet[Document]:
    """Return the matter's documents the actor may read (the matter must come from ``matters.access``).

    Each document carries ``is_replaced``: whether a newer version of it exists.
    """
    documents = (
        Document.objects.filter(matter=matter)
        .select_related("uploaded_by")
        .annotate(is_replaced=Exists(Document.objects.filter(replaces=OuterRef("pk"))))
        .order_by("created_at", "id")
    )
    if works_on(actor, matter):
        return documents
    return documents.filter(visibility=Visibility.PUBLIC)


def document_for_download(actor: Actor, matter: Matter, document_id: Any) -> Document:
    """Return the document if the actor may read it, else raise ``NotFound`` (missing and hidden alike)."""
    try:
        return documents_visible_to(actor, matter).get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def download_response(document: Document) -> HttpResponse:
    """Return the stored file as an attachment: its stored content type, never sniffed, never shown inline."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise NotFound from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # streamed; callers only pass it on


# --- Rating -----------------------------------------------------------------------------------------------


class RatingClosed(Exception):
    """Raised when the matter cannot be rated now: not finished yet, or rated already."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


NOT_FINISHED = gettext_lazy("You can rate the handling once the matter is finished.")
ALREADY_RATED = gettext_lazy("You have already rated the handling of this matter.")


def may_rate(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor may rate the matter now: its applicant, once it is finished, not yet rated."""
    scope = scope_for(actor)
    return (
        scope.user_id is not None
        and matter.status in RATING_STATUSES
        and access.is_owner(actor, matter)
        and not MatterRating.objects.filter(matter=matter, user_id=scope.user_id).exists()
    )


def matter_rate(*, matter: Matter, actor: User, score: int, comment: str = "") -> MatterRating:
    """Record the applicant's rating of the handling (1–5 and a comment), once, when the matter is finished.

    Only the applicant rates it: the citizen who filed it, or the applicant of a matter staff entered
    once they sign in with the phone number they gave. The ``rated`` event is public and carries the score;
    the comment stays with the rating, which staff read, and is not put on the timeline the other side
    reads too.
    """
    errors: dict[str, Any] = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("Choose from 1 to 5 stars.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Enter at most %(max_length)s characters.") % {"max_length": MAX_COMMENT}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        matter = matter_lock(actor=actor, matter=matter)
        if not access.is_owner(actor, matter):
            raise Forbidden(_("Only the person who brought the matter may rate its handling."))
        if matter.status not in RATING_STATUSES:
            raise RatingClosed(NOT_FINISHED)
        if MatterRating.objects.filter(matter=matter, user=actor).exists():
            raise RatingClosed(ALREADY_RATED)
        try:
            with transaction.atomic():
                rating = MatterRating.objects.create(matter=matter, user=actor, score=score, comment=comment)
        except IntegrityError:
            raise RatingClosed(ALREADY_RATED) from None
        matter_event_record(
            matter=matter,
            kind=EventKind.RATED,
            actor=actor,
            data={"score": score},
            visibility=Visibility.PUBLIC,
        )
    return rating


def ratings_visible_to(actor: Actor, matter: Matter) -> QuerySet[MatterRating]:
    """Return the matter's ratings the actor may read: staff on the matter all, a citizen their own."""
    ratings = MatterRating.objects.filter(matter=matter).select_related("user").order_by("created_at")
    if works_on(actor, matter):
        return ratings
    scope = scope_for(actor)
    return ratings.filter(user_id=scope.user_id) if scope.user_id is not None else ratings.none()
