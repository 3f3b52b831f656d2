"""Forms for documents and ratings: attachments on the filing forms, an upload on a matter's page, a rating.

The attachments field checks every file by its content (``matters.uploads``) while the form is validated,
so a bad file is an error on the form before anything is stored, and the view hands the checked files
(``CleanFile``) to the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from suyuan.matters.choices import DocumentKind, Visibility
from suyuan.matters.documents import MAX_COMMENT
from suyuan.matters.uploads import CleanFile, clean_upload

# Phones offer the camera, the gallery and files for this; ``capture`` is left out on purpose, since it
# would hide the gallery and PDFs and allow only a new photo.
ACCEPT = "image/*,application/pdf"
# What a citizen may call their document (records of sessions are made by staff).
PARTY_KINDS = (
    DocumentKind.EVIDENCE,
    DocumentKind.APPLICATION,
    DocumentKind.IDENTITY,
    DocumentKind.AGREEMENT,
    DocumentKind.NOTICE,
    DocumentKind.OTHER,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to ``max_files`` photos or PDFs, each checked by content; cleans to a list of ``CleanFile``."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int | None = None, testid: str = "attachments", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "data-testid": testid}))
        super().__init__(**kwargs)
        self.max_files = max_files

    def clean(self, data: Any, initial: Any = None) -> list[CleanFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(_("Choose a file."), code="required")
            return []
        max_files = self.max_files or settings.DOCUMENT_MAX_PER_FILING
        if len(files) > max_files:
            raise ValidationError(
                ngettext(
                    "Send at most %(max)d file at a time.", "Send at most %(max)d files at a time.", max_files
                )
                % {"max": max_files},
                code="too_many_files",
            )
        cleaned: list[CleanFile] = []
        errors: list[ValidationError] = []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _attachments_help() -> str:
    return gettext(
        "Optional. Photos (JPEG, PNG, WebP) or PDFs, up to %(count)s files of at most %(size)s MB each."
    ) % {"count": settings.DOCUMENT_MAX_PER_FILING, "size": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}


def attachments_field(**kwargs: Any) -> AttachmentsField:
    """Return the optional attachments field of the filing forms (its help is read in the reader's language)."""
    return AttachmentsField(
        label=_("Photos and documents"), help_text=lazy(_attachments_help, str)(), **kwargs
    )


class DocumentUploadForm(forms.Form):
    """Add documents on a matter's page; staff also choose who may see them."""

    kind = forms.ChoiceField(
        label=_("What is it?"),
        initial=DocumentKind.EVIDENCE,
        widget=forms.Select(attrs={"data-testid": "document-kind"}),
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        required=False,
        widget=forms.RadioSelect(attrs={"data-testid": "document-visibility"}),
    )
    attachments = AttachmentsField(label=_("Files"), required=True, testid="document-files")

    def __init__(self, *args: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.choices = DocumentKind.choices if staff else [(k.value, k.label) for k in PARTY_KINDS]
        if not staff:
            del self.fields["visibility"]
        self.fields["attachments"].help_text = _(
            "Photos (JPEG, PNG, WebP) or PDFs, at most %(size)s MB each."
        ) % {"size": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}

    def clean_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or Visibility.PUBLIC


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How well was your matter handled?"),
        help_text=_("1 is very poor, 5 is very good."),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"data-testid": "rating-score"}),
        error_messages={
            "required": _("Choose from 1 to 5 stars."),
            "invalid_choice": _("Choose from 1 to 5 stars."),
        },
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "rating-comment"}),
    )


def as_attachment_errors(exc: ValidationError) -> ValidationError:
    """Return a service's ValidationError with its ``file`` errors put on the forms' ``attachments`` field."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {("attachments" if key == "file" else key): errors for key, errors in exc.error_dict.items()}
    )
