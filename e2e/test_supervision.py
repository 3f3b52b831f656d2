"""Supervision (督办) in real Chromium: a matter's stage runs past its deadline, the overdue sweep raises an
order, the township centre's mediator answers it under "Supervision", the county centre's supervisor (with
the second factor) clears it, and the order's history shows on the matter's page."""

from __future__ import annotations

import base64
import json
import re
import time

from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from suyuan.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
APPLICANT_PHONE = "13800000056"  # used by no other browser test
TOTP_STEP = 30

# What the clock does every few minutes, after the matter's stage deadline is moved into the past.
SWEEP = """
import datetime as dt, json
from django.utils import timezone
from suyuan.matters import codes
from suyuan.matters.models import Matter
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.services import orders_raise_overdue
matter = Matter.objects.get(tracking_code=codes.normalize({code!r}))
Matter.objects.filter(pk=matter.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
orders_raise_overdue()
print(json.dumps(list(SupervisionOrder.objects.filter(matter=matter).values_list("pk", flat=True))))
"""


def staff_page(browser: Browser, server: str, username: str, *, viewport: dict = LAPTOP) -> Page:
    page = browser.new_context(base_url=server, viewport=viewport, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()
    return page


def pass_second_factor(page: Page) -> None:
    """Give the demo TOTP code; a code already used (another test, the same 30 s) waits for the next one."""
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    secret = base64.b32decode(DEMO_TOTP_SECRET)
    for _ in range(2):
        page.get_by_test_id("totp-code").fill(f"{totp(secret):06d}")
        page.get_by_test_id("totp-submit").click()
        try:
            page.wait_for_url(lambda url: "/accounts/second-factor/" not in url, timeout=5_000)
        except PlaywrightTimeoutError:  # refused: a replay of the code just used
            time.sleep(TOTP_STEP - time.time() % TOTP_STEP + 1)
        else:
            return
    expect(page).not_to_have_url(re.compile(r"/accounts/second-factor/"))


def test_an_overdue_matter_is_supervised_answered_and_cleared(browser: Browser, server: str, manage) -> None:
    # A dispatcher of the county centre enters a walk-in's request in 双塔街道; nobody accepts it in time.
    dispatcher = staff_page(browser, server, "demo.dispatcher")
    expect(dispatcher).to_have_url(re.compile(r"/staff/"))
    csrf = next(c["value"] for c in dispatcher.context.cookies() if c["name"] == "csrftoken")
    created = dispatcher.request.post(
        "/api/matters",
        headers={"X-CSRFToken": csrf, "Referer": server + "/"},
        data={
            "kind": "request",
            "channel": "walk_in",
            "title": "小区路灯损坏无人修",
            "description": "城北社区某小区路灯坏了一个多月，晚上出行不便。",
            "region_code": "330881001001",
            "category_code": "neighbours",
            "parties": [{"role": "applicant", "name": "申请人五六", "phone": APPLICANT_PHONE}],
            "privacy_consent": True,
            "agent_consent": "当面签字确认",
        },
    )
    assert created.status == 201, created.text()
    code = created.json()["display_code"]
    dispatcher.context.close()

    # The acceptance deadline passes and the clock's sweep raises an order from the county centre to the
    # township centre, which accepts matters of 双塔街道.
    orders = json.loads(manage("shell", "-c", SWEEP.format(code=code)).strip().splitlines()[-1])
    assert len(orders) == 1, orders
    order_id = orders[0]

    # The township centre's mediator finds it under "Supervision" on a phone and answers it.
    mediator = staff_page(browser, server, "demo.mediator", viewport=PHONE)
    expect(mediator).to_have_url(re.compile(r"/staff/"))
    expect(mediator.get_by_test_id("nav-supervision-count")).to_be_visible()
    mediator.get_by_test_id("nav-supervision").click()
    expect(mediator).to_have_url(re.compile(r"/staff/supervision/"))
    row = mediator.get_by_test_id("order-row").filter(has_text=code)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("order-status")).to_have_attribute("data-status", "open")
    row.locator(f'a[href$="/supervision/{order_id}/"]').click()
    expect(mediator.get_by_test_id("order-title")).to_contain_text(code)
    mediator.locator("#answer-response").fill("已联系物业，路灯将于本周五前修复，届时回访申请人。")
    mediator.get_by_test_id(f"order-answer-{order_id}").click()
    expect(mediator.get_by_test_id("order-status")).to_have_attribute("data-status", "answered")
    expect(mediator.get_by_test_id("order-response")).to_contain_text("本周五前修复")
    expect(mediator.get_by_test_id(f"order-answer-{order_id}")).to_have_count(0)
    # Nothing is wider than the phone's screen.
    assert mediator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mediator.context.close()

    # The county centre's supervisor, who issued it, signs in with the second factor and clears it.
    supervisor = staff_page(browser, server, "demo.supervisor")
    pass_second_factor(supervisor)
    supervisor.get_by_test_id("nav-supervision").click()
    supervisor.get_by_test_id("order-filter-answered").click()
    row = supervisor.get_by_test_id("order-row").filter(has_text=code)
    expect(row.get_by_test_id("order-status")).to_have_attribute("data-status", "answered")
    row.locator(f'a[href$="/supervision/{order_id}/"]').click()
    expect(supervisor.get_by_test_id("order-response")).to_contain_text("本周五前修复")
    supervisor.locator("#clear-note").fill("答复属实，予以销号。")
    supervisor.get_by_test_id(f"order-clear-{order_id}").click()
    expect(supervisor.get_by_test_id("order-status")).to_have_attribute("data-status", "cleared")
    expect(supervisor.get_by_test_id(f"order-clear-{order_id}")).to_have_count(0)

    # The matter's page shows the order and its history: raised, answered, cleared.
    supervisor.get_by_test_id("order-title").get_by_role("link").click()
    expect(supervisor).to_have_url(re.compile(r"/staff/matters/"))
    section = supervisor.get_by_test_id("supervision-section")
    expect(section.get_by_test_id("supervision-order")).to_have_count(1)
    expect(section.get_by_test_id("order-status")).to_have_attribute("data-status", "cleared")
    expect(section).to_contain_text("本周五前修复")
    timeline = supervisor.get_by_test_id("timeline")
    expect(timeline).to_contain_text("本周五前修复")
    expect(timeline).to_contain_text("予以销号")
    supervisor.context.close()
