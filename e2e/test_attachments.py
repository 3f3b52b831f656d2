"""A citizen on a phone files a dispute with a photo, sees it among the matter's documents and downloads it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import texted

PHONE = {"width": 390, "height": 844}
CITIZEN_PHONE = "13800000088"  # used by no other browser test


def sign_in(page: Page, browser: Browser, server: str, phone: str) -> None:
    page.goto("/accounts/citizen/")
    page.get_by_test_id("citizen-phone").fill(phone)
    page.get_by_test_id("citizen-send").click()
    expect(page.get_by_test_id("citizen-code")).to_be_visible()
    match = texted(browser, server, phone, r"验证码是(\d{6})|code is (\d{6})")
    code = next(g for g in match.groups() if g)
    page.get_by_test_id("citizen-code").fill(code)
    page.get_by_test_id("citizen-verify").click()


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"  # camera maker
    exif.get_ifd(0x8825)[1] = "N"  # GPS latitude reference
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_citizen_files_with_a_photo_and_downloads_it(browser: Browser, server: str) -> None:
    page = browser.new_context(base_url=server, viewport=PHONE, locale="zh-CN", has_touch=True).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, browser, server, CITIZEN_PHONE)

    page.goto("/matters/file/")
    page.get_by_test_id("file-kind").locator("input[value=dispute]").check()
    page.get_by_test_id("file-category").select_option(label="邻里纠纷")
    page.get_by_test_id("file-title").fill("邻居的树压坏了我家围墙")
    page.get_by_test_id("file-description").fill("台风后邻居家的树倒在我家围墙上，墙已开裂。")
    page.get_by_test_id("file-county").select_option("330881")
    expect(page.get_by_test_id("file-township").locator("option[value='330881001']")).to_have_count(1)
    page.get_by_test_id("file-township").select_option("330881001")
    page.get_by_test_id("file-respondent-name").fill("隔壁住户")
    page.get_by_test_id("file-applicant-name").fill("市民丙")
    attachments = page.get_by_test_id("file-attachments")
    expect(attachments).to_have_attribute("accept", "image/*,application/pdf")
    attachments.set_input_files(
        [{"name": "围墙裂缝.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    page.get_by_test_id("file-consent").check()
    page.get_by_test_id("file-submit").click()
    code = page.get_by_test_id("filed-code").inner_text().strip()

    page.goto(f"/matters/{code}/")
    documents = page.get_by_test_id("documents")
    expect(documents.get_by_test_id("document")).to_have_count(1)
    expect(documents).to_contain_text("围墙裂缝.jpg")
    expect(page.get_by_test_id("matter-timeline")).to_contain_text("围墙裂缝.jpg")

    with page.expect_download() as download_info:
        documents.get_by_test_id("document-download").click()
    download = download_info.value
    assert download.suggested_filename == "围墙裂缝.jpg"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xff\xd8\xff")
    assert b"PhoneCam" not in content  # re-encoded without the photo's metadata
