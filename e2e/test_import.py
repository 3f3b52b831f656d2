"""Batch import in real Chromium: a dispatcher uploads a small 12345 hotline export, reads the dry run's
report (one row with a bad phone number, nothing written yet), starts the import, follows its progress to
the end on the task worker, and opens the matters it created."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Browser, expect

from suyuan.demo.services import DEMO_PASSWORD

LAPTOP = {"width": 1280, "height": 800}
# Phone numbers used by no other browser test.
PHONES = ("13800000055", "13800000057", "13800000058")
BAD_PHONE = "1380000005"  # ten digits
MARKER = "七号楼"  # in every row's title (the first sentence of its content)


def hotline_export() -> bytes:
    """A few rows of a 12345 export, in GB18030 like many Chinese systems write it."""
    day = dt.date.today() - dt.timedelta(days=2)  # noqa: DTZ011 - the server's day is ours
    header = "工单编号,来电时间,来电人,联系电话,诉求类型,事发地址,诉求内容"
    rows = [
        f"E2E-12345-0001,{day} 09:30,张女士,{PHONES[0]},邻里纠纷,江山市双塔街道城北社区,"
        "七号楼楼上住户连续多日夜间装修。影响休息，希望协调。",
        f"E2E-12345-0002,{day} 10:05,李先生,{PHONES[1]},物业,江山市双塔街道城北社区,"
        "七号楼电梯故障一周未修。老人上下楼困难。",
        f"E2E-12345-0003,{day} 11:20,王女士,{BAD_PHONE},邻里纠纷,江山市双塔街道城北社区,"
        "七号楼邻居在楼道堆放杂物。存在消防隐患。",
        f"E2E-12345-0004,{day} 14:45,赵先生,{PHONES[2]},劳动争议,江山市双塔街道,"
        "七号楼工地拖欠务工工资两个月。",
    ]
    return ("\r\n".join([header, *rows]) + "\r\n").encode("gb18030")


def test_a_dispatcher_imports_a_hotline_export(browser: Browser, server: str) -> None:
    page = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill("demo.dispatcher")
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()
    expect(page).to_have_url(re.compile(r"/staff/"))

    page.get_by_test_id("nav-imports").click()
    expect(page).to_have_url(re.compile(r"/staff/imports/$"))
    form = page.get_by_test_id("import-upload")
    form.locator("input[type=file]").set_input_files(
        [{"name": "12345工单导出.csv", "mimeType": "text/csv", "buffer": hotline_export()}]
    )
    form.get_by_test_id("import-upload-submit").click()

    # The dry run: four rows, three valid, the bad phone number reported on its row; nothing written yet.
    expect(page).to_have_url(re.compile(r"/staff/imports/\d+/$"))
    counts = page.get_by_test_id("import-counts").locator("dd")
    expect(counts).to_have_text(["4", "3", "1", re.compile(r"\d+")])
    report = page.get_by_test_id("import-report")
    error = report.locator("tr.issue-error")
    expect(error).to_have_count(1)
    expect(error.locator("td").first).to_have_text("4")  # the header is row 1
    expect(error).to_contain_text("联系电话")
    page.goto(f"/staff/matters/?queue=all&q={MARKER}")
    expect(page.get_by_test_id("queue-row")).to_have_count(0)
    page.go_back()

    # The import runs on the task worker; the progress page follows it to the end.
    page.get_by_test_id("import-start").click()
    expect(page).to_have_url(re.compile(r"/staff/imports/\d+/progress/$"))
    result = page.get_by_test_id("import-result")
    expect(result).to_be_visible(timeout=30_000)
    expect(result.locator("dd")).to_have_text(["4", "3", "1"])
    matters = page.get_by_test_id("import-matters")
    expect(matters.locator("tbody tr")).to_have_count(3)
    expect(matters).to_contain_text("E2E-12345-0001")
    expect(matters).not_to_contain_text("E2E-12345-0003")

    # Each created matter opens, with its work order and where it happened.
    matters.locator("tbody tr").filter(has_text="E2E-12345-0004").get_by_role("link").click()
    expect(page.get_by_test_id("matter-code")).to_be_visible()
    expect(page.locator("main")).to_contain_text("双塔街道")

    # They wait for acceptance in the queue, like any new matter.
    page.goto(f"/staff/matters/?queue=all&q={MARKER}")
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    page.context.close()
