"""Sign in as staff and as a citizen, pass the second factor, and switch languages, in real Chromium."""

from __future__ import annotations

import base64
import re

from django_otp.oath import totp
from playwright.sync_api import Page, expect

from e2e.conftest import texted
from suyuan.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET


def staff_sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()


def test_staff_signs_in_sees_their_scope_and_switches_language(page: Page) -> None:
    staff_sign_in(page, "demo.dispatcher")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_test_id("staff-home-name")).to_contain_text("姜晓燕")
    expect(page.get_by_test_id("staff-home-orgs")).to_contain_text("江山市")
    chinese_footer = page.locator("footer").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", chinese_footer)

    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("footer")).to_contain_text("resolving disputes at their source")
    expect(page.get_by_test_id("staff-home-name")).to_contain_text("姜晓燕")

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert page.locator("footer").inner_text() == chinese_footer


def test_wrong_password_shows_an_error_and_stays_signed_out(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill("demo.dispatcher")
    page.get_by_test_id("staff-password").fill("not the password")
    page.get_by_test_id("staff-submit").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_supervisor_must_pass_the_second_factor(page: Page) -> None:
    staff_sign_in(page, "demo.supervisor")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    page.goto("/staff/")  # every other page sends them back until the code is given
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    code = totp(base64.b32decode(DEMO_TOTP_SECRET))
    page.get_by_test_id("totp-code").fill(f"{code:06d}")
    page.get_by_test_id("totp-submit").click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    expect(page.get_by_test_id("staff-home-name")).to_contain_text("徐国平")


# A phone number without an account yet (the account is created when the code is first used), and not
# the demo citizen's, whom the journey test signs in: codes to one number are limited to one a minute.
NEW_CITIZEN_PHONE = "13800000077"


def test_citizen_signs_in_with_phone_and_code(page: Page, browser, server) -> None:
    page.goto("/")
    expect(page.get_by_test_id("portal-title")).to_be_visible()
    page.get_by_test_id("citizen-login").click()
    page.get_by_test_id("citizen-phone").fill(NEW_CITIZEN_PHONE)
    page.get_by_test_id("citizen-send").click()
    expect(page.get_by_test_id("citizen-code")).to_be_visible()

    # The worker delivers the code through the development gateway, which shows it on a DEBUG-only page.
    code = texted(browser, server, NEW_CITIZEN_PHONE, r"(?<!\d)\d{6}(?!\d)")
    page.get_by_test_id("citizen-code").fill(code.group(0))
    page.get_by_test_id("citizen-verify").click()
    expect(page.locator(".signed-in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_bad_phone_number_gets_a_clear_error(page: Page) -> None:
    page.goto("/accounts/citizen/")
    page.get_by_test_id("citizen-phone").fill("12345")
    page.get_by_test_id("citizen-send").click()
    expect(page.locator(".errors")).to_be_visible()
    expect(page.get_by_test_id("citizen-code")).to_have_count(0)
