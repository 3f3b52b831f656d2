"""Check an uploaded file by its content and make it safe to keep: photos (JPEG, PNG, WebP) and PDFs only.

The type is decided from the bytes, never from the file's name or the content type the browser sent.
Images are decoded fully (with a guard against decompression bombs), turned upright from their EXIF
orientation, scaled down when huge and encoded again: what is stored holds the pixels and nothing else
(no EXIF, no GPS position, nothing hidden after the image). PDFs are parsed and refused when they are
encrypted or carry active content (JavaScript, launch actions, embedded files, forms that submit); they are
stored as they came, since rewriting a PDF could change what a signed document shows.

Every refusal is a ``ValidationError`` whose message names the file, in the user's language.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf"}
# Phones save some photos as MPO (a JPEG with extra frames): its first frame is the photo.
PIL_FORMATS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",), WEBP: ("WEBP",)}
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"

MAX_NAME = 120
# Names that make a PDF do something by itself: run code, start a program, carry files, send a form.
PDF_ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA", "/AA"}
)
PDF_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute", "/Rendition"}
)
PDF_MAX_OBJECTS = 200_000  # a walk over more objects than this is refused rather than run forever


@dataclass(frozen=True)
class CleanFile:
    """A checked file, ready to store: its (re-encoded) bytes and what is known about them."""

    content: bytes
    content_type: str
    original_name: str
    pages: int

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _refuse(message: str, name: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message % {"name": name, **params}, code=code)


def sanitize_name(raw: str | None, content_type: str | None = None) -> str:
    """Return a file name safe to show and to offer for download: no folders, no control characters.

    With ``content_type``, the extension is the one of the actual content (a PNG called ``scan.pdf``
    becomes ``scan.png``), so that the download opens in the right program.
    """
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name)
    name = re.sub(r"\s+", " ", name).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = re.sub(r"[^0-9A-Za-z]", "", extension)[:8].lower()
    if content_type is not None:
        extension = EXTENSIONS[content_type]
    stem = stem[: MAX_NAME - len(extension) - 1].strip(" .") or "file"
    return f"{stem}.{extension}" if extension else stem


def sniff(head: bytes) -> str | None:
    """Return the content type of a file from its first bytes, if it is one of those accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if re.match(rb"%PDF-[12]\.\d", head):
        return PDF
    return None


def read_limited(upload: IO[bytes] | Any, name: str) -> bytes:
    """Return the file's bytes, refusing it as soon as it is larger than the cap (never reading more)."""
    limit = settings.DOCUMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    too_large = _("“%(name)s” is larger than %(limit)s. Send a smaller file (a photo of each page will do).")
    if size is not None and size > limit:
        raise _refuse(too_large, name, "too_large", limit=filesizeformat(limit))
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _refuse(too_large, name, "too_large", limit=filesizeformat(limit))
    if not content:
        raise _refuse(_("“%(name)s” is empty."), name, "empty")
    return bytes(content)


def clean_upload(upload: Any, *, name: str | None = None) -> CleanFile:
    """Return the uploaded file checked and made safe, or raise ``ValidationError`` naming the file."""
    shown = sanitize_name(name if name is not None else getattr(upload, "name", ""))
    content = read_limited(upload, shown)
    content_type = sniff(content[:16])
    if content_type is None:
        raise _refuse(
            _("“%(name)s” is not a photo (JPEG, PNG or WebP) or a PDF. Only these can be sent."),
            shown,
            "unsupported_type",
        )
    original_name = sanitize_name(name if name is not None else getattr(upload, "name", ""), content_type)
    if content_type == PDF:
        pages = _check_pdf(content, shown)
        return CleanFile(content=content, content_type=PDF, original_name=original_name, pages=pages)
    clean = _reencode_image(content, content_type, shown)
    if len(clean) > settings.DOCUMENT_MAX_BYTES:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)s. Send a smaller file (a photo of each page will do)."),
            shown,
            "too_large",
            limit=filesizeformat(settings.DOCUMENT_MAX_BYTES),
        )
    return CleanFile(content=clean, content_type=content_type, original_name=original_name, pages=1)


# --- Images ------------------------------------------------------------------------------------------------


def _reencode_image(content: bytes, content_type: str, name: str) -> bytes:
    unreadable = _refuse(
        _("“%(name)s” could not be read as an image. It may be damaged; take the photo again."),
        name,
        "damaged_image",
    )
    max_pixels = settings.DOCUMENT_MAX_IMAGE_PIXELS
    bomb = _refuse(
        _("“%(name)s” is too large an image (more than %(megapixels)s million pixels)."),
        name,
        "image_too_large",
        megapixels=max_pixels // 1_000_000,
    )
    try:
        # The size is read from the header and checked before any pixel is decoded. (Pillow itself
        # refuses images beyond twice its own, larger, limit while opening them.)
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format not in PIL_FORMATS[content_type]:
                raise unreadable
            width, height = probe.size
            if width * height > max_pixels:
                raise bomb
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            return _encode(upright, content_type)
    except Image.DecompressionBombError:
        raise bomb from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise unreadable from None


def _encode(image: Image.Image, content_type: str) -> bytes:
    """Return the image encoded afresh: pixels only, no metadata, at most DOCUMENT_IMAGE_MAX_SIDE a side."""
    side = settings.DOCUMENT_IMAGE_MAX_SIDE
    if max(image.size) > side:
        image = image.copy()
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
    elif content_type == PNG:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(out, format="WEBP", quality=85)
    return out.getvalue()


# --- PDFs --------------------------------------------------------------------------------------------------


def _check_pdf(content: bytes, name: str) -> int:
    """Return the number of pages of a harmless PDF, or raise ``ValidationError`` naming the file."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    unreadable = _refuse(
        _("“%(name)s” could not be read as a PDF. It may be damaged; save or scan it again."),
        name,
        "damaged_pdf",
    )
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _refuse(
                _("“%(name)s” is protected with a password. Save it without the password and send it again."),
                name,
                "encrypted_pdf",
            )
        if _has_active_content(reader):
            raise _refuse(
                _(
                    "“%(name)s” contains scripts, attached files or automatic actions, which we do not "
                    "accept. Print it to a new PDF, or send photos of its pages."
                ),
                name,
                "active_pdf",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise unreadable from None
    if pages < 1:
        raise unreadable
    max_pages = settings.DOCUMENT_MAX_PDF_PAGES
    if pages > max_pages:
        raise _refuse(
            _("“%(name)s” has %(pages)s pages; at most %(max)s are accepted. Send it in parts."),
            name,
            "too_many_pages",
            pages=pages,
            max=max_pages,
        )
    return pages


def _has_active_content(reader: Any) -> bool:
    """Return whether anything reachable from the document's root or trailer acts by itself.

    Every object reachable from the trailer is visited once (names arrive decoded, so ``/J#61vaScript``
    is ``/JavaScript``). An ``/OpenAction`` that is a mere destination (open at page n) is harmless and
    common in scanners' output; one that is an action dictionary is refused.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            return True
        if isinstance(node, DictionaryObject):
            for raw_key in node:
                key_name = str(raw_key)
                if key_name in PDF_ACTIVE_KEYS:
                    return True
                if key_name == "/OpenAction":
                    action = node.raw_get(raw_key)
                    action = action.get_object() if isinstance(action, IndirectObject) else action
                    if isinstance(action, DictionaryObject):
                        return True
                if key_name == "/S" and str(node.raw_get(raw_key)) in PDF_ACTIVE_ACTIONS:
                    return True
                if key_name == "/Parent":
                    continue  # reached from above anyway; following it only walks back up the tree
                stack.append(node.raw_get(raw_key))
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False
