"""Checking uploads by content: what is accepted, what is refused and why, and what is kept of a photo."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from suyuan.matters.tests import files
from suyuan.matters.uploads import JPEG, PDF, PNG, WEBP, clean_upload, sanitize_name, sniff


@pytest.fixture(autouse=True)
def _english(english):
    return english


def refusal(content: bytes, name: str, content_type: str = "application/octet-stream") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_upload(files.upload(content, name, content_type))
    return caught.value


class TestTypeByContent:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [(files.jpeg(), JPEG), (files.png(), PNG), (files.webp(), WEBP), (files.pdf(), PDF)],
    )
    def test_photos_and_pdfs_are_recognised_from_their_bytes(self, content, expected):
        assert sniff(content[:16]) == expected
        assert clean_upload(files.upload(content, "whatever.bin")).content_type == expected

    def test_a_png_named_pdf_is_kept_as_the_png_it_is_and_renamed_so(self):
        clean = clean_upload(files.upload(files.png(), "scan.pdf", "application/pdf"))
        assert clean.content_type == PNG
        assert clean.original_name == "scan.png"

    def test_a_program_named_jpg_is_refused_naming_the_file(self):
        error = refusal(files.EXE, "photo.jpg", "image/jpeg")
        assert error.code == "unsupported_type"
        assert "photo.jpg" in error.messages[0]
        assert "is not a photo" in error.messages[0]

    def test_a_web_page_named_png_is_refused(self):
        assert refusal(files.HTML, "picture.png", "image/png").code == "unsupported_type"

    def test_an_svg_is_refused_as_it_can_carry_scripts(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        assert refusal(svg, "drawing.svg", "image/svg+xml").code == "unsupported_type"

    def test_an_empty_file_is_refused(self):
        assert refusal(b"", "empty.jpg").code == "empty"


class TestImages:
    def test_gps_and_other_exif_are_gone_after_upload(self):
        original = files.jpeg(gps=True)
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the crafted photo has GPS
        clean = clean_upload(files.upload(original, "garden.jpg", "image/jpeg"))
        stored = Image.open(io.BytesIO(clean.content))
        assert not stored.getexif()
        assert b"TestCam" not in clean.content
        assert "exif" not in stored.info

    def test_a_photo_taken_sideways_is_stored_upright(self):
        clean = clean_upload(files.upload(files.jpeg((40, 20), orientation=6), "side.jpg"))
        assert Image.open(io.BytesIO(clean.content)).size == (20, 40)

    def test_anything_hidden_after_the_image_is_dropped(self):
        hidden = files.png() + b"<?php system($_GET['c']); ?>"
        clean = clean_upload(files.upload(hidden, "innocent.png"))
        assert b"php" not in clean.content

    def test_a_huge_photo_is_scaled_down(self, settings):
        settings.DOCUMENT_IMAGE_MAX_SIDE = 100
        clean = clean_upload(files.upload(files.jpeg((400, 200)), "big.jpg"))
        assert Image.open(io.BytesIO(clean.content)).size == (100, 50)

    def test_a_truncated_image_is_refused_as_damaged(self):
        truncated = files.jpeg((400, 300))[:600]
        error = refusal(truncated, "half.jpg", "image/jpeg")
        assert error.code == "damaged_image"
        assert "half.jpg" in error.messages[0]

    @pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
    def test_a_decompression_bomb_is_refused_before_it_is_decoded(self):
        bomb = files.bomb()
        assert len(bomb) < 100_000  # small on the wire, 100 million pixels when decoded
        error = refusal(bomb, "bomb.png", "image/png")
        assert error.code == "image_too_large"
        assert "bomb.png" in error.messages[0]


class TestPdfs:
    def test_a_plain_pdf_is_kept_as_it_came_with_its_page_count(self):
        content = files.pdf(pages=3)
        clean = clean_upload(files.upload(content, "contract.pdf", "application/pdf"))
        assert clean.content == content
        assert clean.pages == 3

    @pytest.mark.parametrize(
        "content",
        [
            files.pdf_with_javascript(),
            files.pdf_with_open_action(),
            files.pdf_with_embedded_file(),
            # The same script with its name written in hex escapes, as malware does to hide it.
            files.pdf_with_javascript().replace(b"/JavaScript", b"/J#61vaScript"),
        ],
        ids=["javascript", "open-action-launch", "embedded-file", "hidden-javascript"],
    )
    def test_a_pdf_that_acts_by_itself_is_refused(self, content):
        error = refusal(content, "invoice.pdf", "application/pdf")
        assert error.code == "active_pdf"
        assert "invoice.pdf" in error.messages[0]

    def test_an_encrypted_pdf_is_refused(self):
        error = refusal(files.encrypted_pdf(), "locked.pdf", "application/pdf")
        assert error.code == "encrypted_pdf"
        assert "password" in error.messages[0]

    def test_a_damaged_pdf_is_refused(self):
        assert refusal(b"%PDF-1.7\n" + b"\x00garbage" * 50, "broken.pdf").code == "damaged_pdf"

    def test_too_many_pages_are_refused(self, settings):
        settings.DOCUMENT_MAX_PDF_PAGES = 2
        error = refusal(files.pdf(pages=3), "long.pdf")
        assert error.code == "too_many_pages"


class TestSize:
    def test_an_oversized_file_is_refused_without_reading_it_all(self, settings):
        settings.DOCUMENT_MAX_BYTES = 1024
        big = files.upload(files.pdf() + b"%" * 2048, "big.pdf", "application/pdf")
        with pytest.raises(ValidationError) as caught:
            clean_upload(big)
        assert caught.value.code == "too_large"
        assert "big.pdf" in caught.value.messages[0]

    def test_a_stream_without_a_size_is_cut_at_the_cap(self, settings):
        settings.DOCUMENT_MAX_BYTES = 1024
        stream = io.BytesIO(b"%PDF-1.7\n" + b"0" * 4096)
        with pytest.raises(ValidationError) as caught:
            clean_upload(stream, name="stream.pdf")
        assert caught.value.code == "too_large"


class TestNames:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("../../etc/passwd.jpg", "passwd.jpg"),
            ("C:\\Users\\me\\合同.pdf", "合同.pdf"),
            ("bad\x00name<script>.png", "badname_script_.png"),
            ("", "file"),
            ("   .jpg", "file.jpg"),
        ],
    )
    def test_names_lose_folders_control_characters_and_markup(self, raw, expected):
        assert sanitize_name(raw) == expected

    def test_a_long_name_keeps_its_extension(self):
        assert sanitize_name("长" * 300 + ".pdf").endswith(".pdf")
        assert len(sanitize_name("长" * 300 + ".pdf")) <= 120
