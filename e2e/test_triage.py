"""Triage in real Chromium: the county centre's dispatcher finds the demo's threatened neighbour in the
priority queue, reads the words that raised the flag and clears it with a reason, then merges the dispute
a citizen reported twice (by hotline, then at the centre's window) from the later matter's page."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, expect

from e2e.test_supervision import LAPTOP, staff_page

CODES = """
import json
from suyuan.matters.models import Matter
print(json.dumps({m.idempotency_key: m.display_code for m in Matter.objects.filter(idempotency_key__startswith="demo-triage-")}))
"""


def test_a_dispatcher_clears_a_flag_and_merges_a_repeat(browser: Browser, server: str, manage) -> None:
    codes = json.loads(manage("shell", "-c", CODES).strip().splitlines()[-1])
    threat = codes["demo-triage-threat"]
    repeat, first = codes["demo-triage-repeat-window"], codes["demo-triage-repeat-hotline"]

    page = staff_page(browser, server, "demo.dispatcher", viewport=LAPTOP)
    page.goto("/staff/matters/?queue=urgent")
    row = page.get_by_test_id("queue-row").filter(has_text=threat)
    expect(row).to_be_visible()
    expect(row.get_by_test_id("matter-priority")).to_have_text("紧急")
    row.get_by_role("link", name=threat).click()

    section = page.get_by_test_id("triage-section")
    flag = section.locator('[data-testid="risk-flag"][data-kind="violence"]')
    expect(flag).to_contain_text("砍死")
    flag.locator("summary").click()
    flag.get_by_label("为何清除").fill("电话回访：对方已道歉，双方情绪平稳")
    flag.get_by_test_id("flag-clear-submit").click()
    expect(page.get_by_text("已清除标记")).to_be_visible()
    expect(page.locator('[data-testid="risk-flag"][data-kind="violence"]')).to_have_count(0)

    page.goto(f"/staff/matters/{repeat}/")
    candidate = page.get_by_test_id("duplicate-candidate").filter(has_text=first)
    expect(candidate).to_contain_text("同一当事人")
    candidate.get_by_test_id("candidate-merge").click()
    expect(page).to_have_url(re.compile(rf"/staff/matters/{first}/"))
    expect(page.get_by_test_id("matter-code")).to_have_text(first)
