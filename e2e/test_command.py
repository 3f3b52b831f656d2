"""The command room in real Chromium: the county's analyst opens the live board, goes down to a township,
opens the figures, goes down through the places table, and exports a table (the file is read back)."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Browser, expect

from suyuan.demo.services import DEMO_PASSWORD

LAPTOP = {"width": 1280, "height": 800}


def test_board_figures_drill_down_and_export(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill("demo.analyst")
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()

    page.get_by_test_id("nav-board").click()
    expect(page).to_have_url(re.compile(r"/staff/board/"))
    board = page.get_by_test_id("board")
    expect(board).to_have_attribute("hx-trigger", re.compile(r"every \d+s"))
    expect(page.get_by_test_id("tile-in-progress")).to_be_visible()
    # The demo's county has open matters; the places below are listed worst first, each a link down.
    first_place = page.get_by_test_id("board-places").locator("tbody a").first
    name = first_place.inner_text()
    first_place.click()
    expect(page).to_have_url(re.compile(r"region=\d{9}"))
    expect(page.locator("h1")).to_contain_text(name)

    page.get_by_test_id("nav-figures").click()
    expect(page.get_by_test_id("figure-cards")).to_be_visible()
    received = int(page.get_by_test_id("fig-received").inner_text())
    assert received > 0
    page.get_by_test_id("place-link").first.click()
    expect(page).to_have_url(re.compile(r"region=\d{9}"))
    expect(page.get_by_test_id("figures-crumbs")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_test_id("export-funnel-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - a temporary file
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["环节", "事项", "占比"]
    assert any(row and row[0] == "调解" for row in rows)
    context.close()
