"""The other side in real Chromium: a dispatcher invites the respondent, who opens the text message's link
on a phone, agrees to mediation and proposes a time; the dispatcher then sees the answer."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import texted
from suyuan.demo.services import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}

APPLICANT_PHONE = "13800000066"
RESPONDENT_PHONE = "13900000066"


def staff_page(browser: Browser, server: str, username: str) -> Page:
    page = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    return page


def _sms_link(browser: Browser, server: str, phone: str) -> str:
    """Return the answer link of the newest text message to ``phone`` on the development SMS page."""
    link = texted(browser, server, phone, r"(https?://\S+/r/[A-Za-z0-9_-]+/)").group(1)
    return link


def test_the_respondent_agrees_on_a_phone(browser: Browser, server: str) -> None:
    # A dispatcher enters a walk-in's dispute through the API and accepts it.
    dispatcher = staff_page(browser, server, "demo.dispatcher")
    csrf = next(c["value"] for c in dispatcher.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": server + "/"}
    created = dispatcher.request.post(
        "/api/matters",
        headers=headers,
        data={
            "kind": "dispute",
            "channel": "walk_in",
            "title": "院墙边界争议",
            "description": "邻居新砌的院墙占了我家半米宅基地。",
            "desired_outcome": "拆除占用部分",
            "region_code": "330881001001",
            "category_code": "neighbours",
            "parties": [
                {"role": "applicant", "name": "申请人六六", "phone": APPLICANT_PHONE},
                {"role": "respondent", "name": "邻居六六", "phone": RESPONDENT_PHONE},
            ],
            "privacy_consent": True,
            "agent_consent": "当面签字确认",
        },
    )
    assert created.status == 201, created.text()
    matter = created.json()
    accepted = dispatcher.request.post(
        f"/api/matters/{matter['code']}/accept", headers=headers, data={"expected_version": matter["version"]}
    )
    assert accepted.status == 200, accepted.text()

    # The dispatcher invites the respondent from the matter page.
    dispatcher.goto(f"/staff/matters/{matter['display_code']}/")
    section = dispatcher.get_by_test_id("respondents")
    section.get_by_role("button").first.click()
    expect(dispatcher.get_by_test_id("invitation-status")).to_have_attribute("data-status", "sent")

    # The respondent opens the link on a phone, reads the claim, agrees and proposes a time.
    link = _sms_link(browser, server, RESPONDENT_PHONE)
    # The message names the site's public address (SITE_URL); this test's server listens elsewhere.
    phone = browser.new_context(base_url=server, viewport=PHONE, locale="zh-CN", has_touch=True).new_page()
    phone.set_default_timeout(15_000)
    phone.goto(urlsplit(link).path)
    expect(phone.get_by_test_id("respond-claim")).to_contain_text("院墙边界争议")
    expect(phone.get_by_test_id("respond-claim")).not_to_contain_text(APPLICANT_PHONE)
    # Nothing is wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_test_id("respond-accept").click()
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()  # noqa: DTZ011 - the server's day is ours
    phone.get_by_test_id("respond-date-1").fill(day)
    phone.get_by_test_id("respond-part-1").select_option("afternoon")
    phone.get_by_test_id("respond-reply").fill("下午三点以后都可以")
    phone.get_by_test_id("respond-submit").click()
    expect(phone.get_by_test_id("respond-answer")).to_be_visible()
    expect(phone.get_by_test_id("respond-proposed")).to_contain_text(day)
    phone.context.close()

    # The dispatcher sees the answer and the proposed time.
    dispatcher.reload()
    expect(dispatcher.get_by_test_id("invitation-status")).to_have_attribute("data-status", "accepted")
    expect(dispatcher.get_by_test_id("invitation-proposed")).to_contain_text(day)
    expect(dispatcher.get_by_test_id("invitation-reply")).to_contain_text("下午三点以后")
    dispatcher.context.close()
