"""The whole journey in real Chromium: a citizen files on a phone, a dispatcher accepts and assigns, the
mediator schedules a session and records an agreement with an obligation, the citizen confirms it with the
code texted to their phone, follows every step on the matter's timeline and downloads the agreement."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import texted
from suyuan.demo.services import DEMO_CITIZEN_PHONE, DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def texted_code(browser: Browser, server: str, pattern: str) -> str:
    """Return the newest 6-digit code texted to the demo citizen in a message matching ``pattern``."""
    match = texted(browser, server, DEMO_CITIZEN_PHONE, pattern)
    code = next(g for g in match.groups() if g)
    return code


def citizen_sign_in(page: Page, browser: Browser, server: str) -> None:
    page.goto("/accounts/citizen/")
    page.get_by_test_id("citizen-phone").fill(DEMO_CITIZEN_PHONE)
    page.get_by_test_id("citizen-send").click()
    expect(page.get_by_test_id("citizen-code")).to_be_visible()
    code = texted_code(browser, server, r"验证码是(\d{6})|code is (\d{6})")
    page.get_by_test_id("citizen-code").fill(code)
    page.get_by_test_id("citizen-verify").click()


def select_containing(select, text: str) -> None:
    """Choose the first option of ``select`` whose label contains ``text``."""
    option = select.locator("option", has_text=text).first
    expect(option).to_be_attached()
    select.select_option(option.get_attribute("value"))


def staff_page(browser: Browser, server: str, username: str) -> Page:
    page = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    return page


def test_a_dispute_from_filing_to_agreement(browser: Browser, server: str) -> None:
    citizen = browser.new_context(base_url=server, viewport=PHONE, locale="zh-CN", has_touch=True).new_page()
    citizen.set_default_timeout(15_000)
    citizen_sign_in(citizen, browser, server)

    # 1. The citizen files a neighbours' dispute on a phone-sized screen.
    citizen.goto("/matters/file/")
    citizen.get_by_test_id("file-kind").locator("input[value=dispute]").check()
    citizen.get_by_test_id("file-category").select_option(label="邻里纠纷")
    citizen.get_by_test_id("file-title").fill("楼上漏水导致我家天花板发霉")
    citizen.get_by_test_id("file-description").fill(
        "楼上卫生间漏水两个月，多次协商未修。<script>alert(1)</script>"
    )
    citizen.get_by_test_id("file-desired").fill("请楼上维修并赔偿粉刷费用")
    citizen.get_by_test_id("file-county").select_option("330881")
    expect(citizen.get_by_test_id("file-township").locator("option[value='330881001']")).to_have_count(1)
    citizen.get_by_test_id("file-township").select_option("330881001")
    select_containing(citizen.get_by_test_id("file-village"), "城北社区")
    citizen.get_by_test_id("file-respondent-name").fill("楼上住户")
    citizen.get_by_test_id("file-respondent-phone").fill("13900009999")
    citizen.get_by_test_id("file-consent").check()
    citizen.get_by_test_id("file-submit").click()
    code = citizen.get_by_test_id("filed-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code

    # 2. The dispatcher of 江山市 accepts it and assigns it to the village committee's notable mediator.
    dispatcher = staff_page(browser, server, "demo.dispatcher")
    dispatcher.goto(f"/staff/matters/{code}/")
    expect(dispatcher.get_by_test_id("matter-code")).to_contain_text(code)
    # The script in the description is shown as text, never run.
    expect(dispatcher.get_by_test_id("matter-description")).to_contain_text("<script>alert(1)</script>")
    dispatcher.get_by_test_id("cmd-accept").click()
    expect(dispatcher.get_by_test_id("cmd-assign")).to_be_visible()
    organization = dispatcher.get_by_test_id("assign-organization")
    # Routing already proposed the village committee of 城北社区, where the notable mediator sits.
    select_containing(organization, "城北社区人民调解委员会")
    # Choosing the organisation reloads its mediators (htmx): wait for that before choosing one, or the
    # reloaded list would replace the choice.
    dispatcher.wait_for_load_state("networkidle")
    mediator = dispatcher.get_by_test_id("assign-mediator")
    expect(mediator.locator("option", has_text="祝德明")).to_have_count(1)
    select_containing(mediator, "祝德明")
    expect(mediator).not_to_have_value("")
    dispatcher.get_by_test_id("cmd-assign").click()
    expect(dispatcher.get_by_test_id("matter-mediator")).to_contain_text("祝德明")
    dispatcher.context.close()

    # 3. The mediator starts mediation, schedules a session, and records the agreement with one obligation.
    notable = staff_page(browser, server, "demo.notable")
    notable.goto(f"/staff/matters/{code}/")
    notable.get_by_test_id("cmd-start_mediation").click()
    notable.get_by_test_id("session-new-open").click()
    when = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=2)).replace(hour=9, minute=30)
    notable.get_by_test_id("session-when").fill(when.strftime("%Y-%m-%dT%H:%M"))
    notable.get_by_test_id("session-mode").select_option("in_person")
    notable.get_by_test_id("session-place").fill("城北社区人民调解室")
    notable.get_by_test_id("session-schedule").click()
    expect(notable.get_by_test_id("session")).to_contain_text("城北社区人民调解室")
    notable.get_by_test_id("agreement-terms").fill(
        "一、楼上住户于十日内修复卫生间防水；二、赔偿粉刷费用八百元。"
    )
    obligation = notable.get_by_test_id("obligation-form").first
    select_containing(obligation.get_by_test_id("obligation-obligor"), "楼上住户")
    obligation.get_by_test_id("obligation-description").fill("赔偿粉刷费用")
    obligation.get_by_test_id("obligation-amount").fill("800")
    due = dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=10)
    obligation.get_by_test_id("obligation-due_on").fill(due.isoformat())
    notable.get_by_test_id("agreement-record").click()
    expect(notable.get_by_test_id("timeline")).to_contain_text("八百元")
    expect(notable.get_by_test_id("obligation")).to_contain_text("800")
    # The other side signed the paper agreement at the committee: the mediator records it.
    respondent = notable.get_by_test_id("confirmation").filter(has_text="楼上住户")
    respondent.locator("summary").click()
    respondent.locator("textarea").fill("在调解室当面签字确认")
    respondent.get_by_role("button").click()
    expect(notable.get_by_test_id("confirmation").filter(has_text="楼上住户")).to_contain_text("✓")
    notable.context.close()

    # 4. The citizen sees the session and the agreement, and confirms it with the code sent to the phone.
    citizen.goto(f"/matters/{code}/")
    expect(citizen.get_by_test_id("portal-session")).to_contain_text("城北社区人民调解室")
    expect(citizen.get_by_test_id("portal-obligation")).to_contain_text("赔偿粉刷费用")
    citizen.get_by_test_id("confirm-send").click()
    expect(citizen.get_by_test_id("confirm-code")).to_be_visible()
    otp = texted_code(browser, server, r"mediation agreement .*? is (\d{6})|调解协议.*?(\d{6})")
    citizen.get_by_test_id("confirm-code").fill(otp)
    citizen.get_by_test_id("confirm-submit").click()
    expect(citizen.get_by_test_id("confirmed-note")).to_be_visible()

    # 5. The full timeline: received, accepted, assigned, mediation started, session scheduled, agreement
    # recorded, confirmed by each side, in effect.
    expect(citizen.get_by_test_id("matter-status")).to_be_visible()
    events = citizen.get_by_test_id("timeline-event")
    expect(events).to_have_count(9)
    expect(citizen.get_by_test_id("matter-timeline")).to_contain_text("八百元")
    # Internal notes (such as the routing note) stay internal.
    expect(citizen.get_by_test_id("matter-timeline")).not_to_contain_text("routed")

    # 6. The citizen downloads the agreement (人民调解协议书) as a PDF.
    link = citizen.get_by_test_id("agreement-pdf")
    expect(link).to_be_visible()
    response = citizen.request.get(link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
