"""The court end of the funnel in real Chromium: the citizen on a phone, the court's people at their desks.

1. A neighbours' dispute fails in the village committee's mediation and goes to the court's docking window;
   the court's invited mediator settles it before filing; both sides confirm the agreement; the citizen
   applies for its judicial confirmation, the clerk records the other side joining at the window and
   accepts it (民特), the judge confirms it, and the citizen finds the ruling served on the phone, downloads
   it and follows the court's steps on the matter's timeline.
2. A citizen sues directly (起诉) with the required materials; the clerk returns the complaint for
   correction; the citizen corrects it and files again; the clerk accepts it (民初) and assigns the judge,
   who holds the hearing in writing: a round with a deadline, the citizen's statement, read by the judge.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import Browser, FilePayload, Locator, Page, ViewportSize, expect

from e2e.conftest import texted
from suyuan.demo.services import DEMO_PASSWORD

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1280, height=800)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Numbers used by no other browser test (the demo's parties use 1390000xxxx from 13900001000 up).
MEDIATED_CITIZEN = "13800000091"
MEDIATED_NEIGHBOUR = "13900000091"
SUING_CITIZEN = "13800000092"
SUED_BORROWER = "13900000092"
COURT = "江山市人民法院"
JUDGE = "郑文华"
COURT_MEDIATOR = "demo.court_mediator"
# The case's status as the court's staff read it on the case page's badge. "filed" (已立案) is left out: its
# label shares the msgid "filed" with the portal's "filed <date>" and reads 提交于.
STATUS_LABELS = {
    "docked": "诉调对接窗口已接收",
    "pre_filing_mediation": "诉前调解",
    "confirmation_review": "司法确认审查中",
    "filing_review": "立案审查中",
    "correction": "退回补正",
    "hearing": "审理中",
    "closed": "已办结",
}

# The court-invited mediator (特邀调解员) of 江山市人民法院, unless the demo already has one by that name.
ENSURE_COURT_MEDIATOR = f"""
from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.services import identifier_fields
from suyuan.demo.services import DEMO_PASSWORD
court = Organization.objects.get(type="court", region_id="330881")
user = User.objects.filter(username={COURT_MEDIATOR!r}).first()
if user is None:
    user = User(username={COURT_MEDIATOR!r}, full_name="黄素珍", **identifier_fields(phone="13800000112"))
    user.set_password(DEMO_PASSWORD)
    user.save()
Membership.objects.get_or_create(user=user, organization=court, role=Role.MEDIATOR, is_active=True)
print(user.full_name)
"""


# --- People ------------------------------------------------------------------------------------------------


def citizen_page(browser: Browser, server: str, phone: str) -> Page:
    """Sign a citizen in on a phone-sized screen with the code texted to ``phone``."""
    page = browser.new_context(base_url=server, viewport=PHONE, locale="zh-CN", has_touch=True).new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/citizen/")
    page.get_by_test_id("citizen-phone").fill(phone)
    page.get_by_test_id("citizen-send").click()
    expect(page.get_by_test_id("citizen-code")).to_be_visible()
    page.get_by_test_id("citizen-code").fill(
        texted_code(browser, server, phone, r"验证码是(\d{6})|code is (\d{6})")
    )
    page.get_by_test_id("citizen-verify").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/citizen/"))
    return page


def texted_code(browser: Browser, server: str, phone: str, pattern: str) -> str:
    match = texted(browser, server, phone, pattern)
    return next(g for g in match.groups() if g)


def staff_page(browser: Browser, server: str, username: str) -> Page:
    page = browser.new_context(base_url=server, viewport=LAPTOP, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("staff-submit").click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    return page


def select_containing(select: Locator, text: str) -> None:
    """Choose the first option of ``select`` whose label contains ``text``."""
    option = select.locator("option", has_text=text).first
    expect(option).to_be_attached()
    select.select_option(option.get_attribute("value"))


# --- The court's pages -------------------------------------------------------------------------------------


def open_case(page: Page, code: str) -> None:
    """Find the matter's open case at the docking window (by its tracking code) and open it."""
    page.goto("/staff/court/")
    page.get_by_test_id("court-search").fill(code)
    page.get_by_test_id("court-search").press("Enter")
    row = (
        page.get_by_test_id("court-row").filter(has_text=code).filter(has_not=page.locator(".status-closed"))
    )
    expect(row).to_have_count(1)
    row.get_by_test_id("court-case-link").click()
    expect(page).to_have_url(re.compile(r"/staff/court/cases/\d+/$"))


def command(page: Page, name: str) -> Locator:
    """Return the form of the case page's command ``name``, unfolded if it is folded away."""
    form = page.get_by_test_id(f"court-form-{name}")
    if not form.is_visible():
        page.get_by_test_id(f"court-open-{name}").click()
    expect(form).to_be_visible()
    return form


def give(page: Page, name: str) -> None:
    """Send the command and wait for the case page it redirects to, with its success message."""
    with page.expect_navigation():
        page.get_by_test_id(f"court-cmd-{name}").click()
    refused = page.locator("[data-testid=conflict], .errors").all_inner_texts()
    assert re.search(r"/staff/court/cases/\d+/$", page.url) and not refused, (name, page.url, refused)
    expect(page.locator(".messages .msg-success")).to_be_visible()


def expect_status(page: Page, status: str) -> None:
    """The case page's status badge shows ``status``, in Chinese."""
    badge = page.get_by_test_id("court-status")
    expect(badge).to_have_class(re.compile(rf"\bstatus-{status}\b"))
    if status in STATUS_LABELS:
        expect(badge).to_have_text(STATUS_LABELS[status])


def citizen_case(page: Page) -> Locator:
    """The newest court case in the court section of the citizen's matter page."""
    return page.get_by_test_id("court-section").get_by_test_id("court-case").first


def expect_citizen_case(page: Page, status: str, title: str) -> Locator:
    """The newest court case on the citizen's matter page is in ``status``, headed by ``title``."""
    case = citizen_case(page)
    expect(case).to_have_attribute("data-case-status", status)
    expect(case.get_by_test_id("court-case-status")).to_have_text(title)
    return case


# --- Files a citizen takes with the phone ------------------------------------------------------------------


def upload(name: str, content: bytes) -> list[FilePayload]:
    mime = "application/pdf" if name.endswith(".pdf") else "image/png"
    return [FilePayload(name=name, mimeType=mime, buffer=content)]


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 100), colour).save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 280), (250, 250, 250)).save(out, format="PDF")
    return out.getvalue()


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- 1. Failed mediation → pre-filing mediation → agreement → judicial confirmation → ruling seen -----------


def test_failed_mediation_settles_in_the_court_and_is_judicially_confirmed(
    browser: Browser, server: str, manage
) -> None:
    mediator_name = manage("shell", "-c", ENSURE_COURT_MEDIATOR).strip().splitlines()[-1]
    citizen = citizen_page(browser, server, MEDIATED_CITIZEN)

    # The citizen files a neighbours' dispute on the phone.
    citizen.goto("/matters/file/")
    citizen.get_by_test_id("file-kind").locator("input[value=dispute]").check()
    citizen.get_by_test_id("file-category").select_option(label="邻里纠纷")
    citizen.get_by_test_id("file-title").fill("邻居在楼道堆放杂物堵住通道")
    citizen.get_by_test_id("file-description").fill(
        "隔壁住户长期在楼道堆放纸箱和旧家具，消防通道被堵，多次沟通无果。"
    )
    citizen.get_by_test_id("file-desired").fill("请邻居清理楼道杂物并赔偿清理费用")
    citizen.get_by_test_id("file-county").select_option("330881")
    expect(citizen.get_by_test_id("file-township").locator("option[value='330881001']")).to_have_count(1)
    citizen.get_by_test_id("file-township").select_option("330881001")
    select_containing(citizen.get_by_test_id("file-village"), "城北社区")
    citizen.get_by_test_id("file-respondent-name").fill("隔壁王某")
    citizen.get_by_test_id("file-respondent-phone").fill(MEDIATED_NEIGHBOUR)
    citizen.get_by_test_id("file-applicant-name").fill("李秀英")
    citizen.get_by_test_id("file-consent").check()
    citizen.get_by_test_id("file-submit").click()
    code = citizen.get_by_test_id("filed-code").inner_text().strip()

    # The county centre accepts it and gives it to the village committee's notable mediator.
    dispatcher = staff_page(browser, server, "demo.dispatcher")
    dispatcher.goto(f"/staff/matters/{code}/")
    dispatcher.get_by_test_id("cmd-accept").click()
    expect(dispatcher.get_by_test_id("cmd-assign")).to_be_visible()
    select_containing(dispatcher.get_by_test_id("assign-organization"), "城北社区人民调解委员会")
    dispatcher.wait_for_load_state("networkidle")  # the mediators' list reloads (htmx)
    mediator = dispatcher.get_by_test_id("assign-mediator")
    expect(mediator.locator("option", has_text="祝德明")).to_have_count(1)
    select_containing(mediator, "祝德明")
    dispatcher.get_by_test_id("cmd-assign").click()
    expect(dispatcher.get_by_test_id("matter-mediator")).to_contain_text("祝德明")
    dispatcher.context.close()

    # The mediation fails; the mediator names the court as the next route and refers it to the court.
    notable = staff_page(browser, server, "demo.notable")
    notable.goto(f"/staff/matters/{code}/")
    notable.get_by_test_id("cmd-start_mediation").click()
    expect(notable.get_by_test_id("cmd-record_failure")).to_be_visible()
    notable.locator("#record_failure-reason").fill("双方对清理费用分歧较大，经两次调解未达成一致。")
    notable.locator("#record_failure-route").select_option("court")
    notable.get_by_test_id("cmd-record_failure").click()
    court = notable.get_by_test_id("court-section")
    court.get_by_test_id("court-refer-open").click()
    court.locator("#refer-note").fill("申请人同意由法院诉前调解。")
    court.get_by_test_id("court-refer").click()
    expect(notable.get_by_test_id("court-section-case")).to_contain_text(COURT)
    notable.context.close()

    # At the docking window the clerk finds it and asks the court's invited mediator to mediate before filing.
    clerk = staff_page(browser, server, "demo.court_clerk")
    open_case(clerk, code)
    expect_status(clerk, "docked")
    form = command(clerk, "offer_mediation")
    select_containing(form.locator("#offer_mediation-mediator"), mediator_name)
    form.locator("#offer_mediation-consent").fill("双方当事人在诉调对接窗口签署诉前调解同意书。")
    give(clerk, "offer_mediation")
    expect_status(clerk, "pre_filing_mediation")
    expect(clerk.get_by_test_id("court-summary")).to_contain_text(re.compile(r"\(\d{4}\)浙0881民诉前调\d+号"))

    # The invited mediator settles it: the terms and one obligation.
    invited = staff_page(browser, server, COURT_MEDIATOR)
    open_case(invited, code)
    form = command(invited, "settle")
    form.locator("#settle-terms").fill("一、王某于七日内清理楼道内全部杂物；二、王某赔偿清理费用五百元。")
    obligation = form.locator(".obligation-form").first
    select_containing(obligation.get_by_test_id("obligation-obligor"), "隔壁王某")
    obligation.get_by_test_id("obligation-description").fill("赔偿清理费用")
    obligation.get_by_test_id("obligation-amount").fill("500")
    due = dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=7)
    obligation.get_by_test_id("obligation-due_on").fill(due.isoformat())
    give(invited, "settle")
    expect_status(invited, "closed")
    # The other side signed the agreement before the mediator: the mediator records it on the matter.
    invited.get_by_test_id("court-matter-link").click()
    neighbour = invited.get_by_test_id("confirmation").filter(has_text="隔壁王某")
    neighbour.locator("summary").click()
    neighbour.locator("textarea").fill("在法院调解室当面签字确认")
    neighbour.get_by_role("button").click()
    expect(invited.get_by_test_id("confirmation").filter(has_text="隔壁王某")).to_contain_text("✓")
    invited.context.close()

    # The citizen confirms the agreement with the code texted to the phone …
    citizen.goto(f"/matters/{code}/")
    expect(citizen.get_by_test_id("portal-obligation")).to_contain_text("赔偿清理费用")
    citizen.get_by_test_id("confirm-send").click()
    expect(citizen.get_by_test_id("confirm-code")).to_be_visible()
    otp = texted_code(
        browser, server, MEDIATED_CITIZEN, r"mediation agreement .*? is (\d{6})|调解协议.*?(\d{6})"
    )
    citizen.get_by_test_id("confirm-code").fill(otp)
    citizen.get_by_test_id("confirm-submit").click()
    expect(citizen.get_by_test_id("confirmed-note")).to_be_visible()
    settled = expect_citizen_case(citizen, "closed", "经法院调解达成协议")
    expect(settled.get_by_test_id("court-case-number")).to_have_text(
        re.compile(r"^\(\d{4}\)浙0881民诉前调\d+号$")
    )
    # … and applies for its judicial confirmation.
    offer = citizen.get_by_test_id("court-offer-confirm")
    expect(offer).to_contain_text("司法确认")
    offer.get_by_test_id("court-confirm-apply").click()
    case = expect_citizen_case(citizen, "docked", "法院已收到您的事项")
    expect(case.get_by_test_id("court-consents")).to_contain_text("李秀英")

    # The clerk records the neighbour joining at the window, accepts the application, assigns the judge.
    open_case(clerk, code)
    form = command(clerk, "join_in_person")
    select_containing(form.locator("#join_in_person-party"), "隔壁王某")
    form.locator("#join_in_person-reason").fill("王某今日在诉讼服务中心窗口签署共同申请书。")
    give(clerk, "join_in_person")
    expect(clerk.get_by_test_id("court-consents")).to_contain_text("在诉讼服务中心窗口签署共同申请书")
    command(clerk, "accept_confirmation")
    give(clerk, "accept_confirmation")
    expect_status(clerk, "confirmation_review")
    title = clerk.get_by_test_id("court-case-title")
    expect(title).to_have_text(re.compile(r"^\(\d{4}\)浙0881民特\d+号$"))
    number = title.inner_text().strip()
    form = command(clerk, "assign_judge")
    select_containing(form.locator("#assign_judge-judge"), JUDGE)
    give(clerk, "assign_judge")
    expect(clerk.get_by_test_id("court-judge")).to_have_text(JUDGE)
    clerk.context.close()

    # The judge rules the agreement valid.
    judge = staff_page(browser, server, "demo.judge")
    open_case(judge, code)
    expect(judge.get_by_test_id("court-case-title")).to_have_text(number)
    form = command(judge, "rule_confirmation")
    form.locator("input[name=confirmed][value=yes]").check()
    form.locator("#rule_confirmation-reason").fill("该调解协议系双方自愿达成，内容不违反法律规定，应予确认。")
    give(judge, "rule_confirmation")
    expect_status(judge, "closed")
    expect(judge.get_by_test_id("court-outcome")).to_be_visible()
    judge.context.close()

    # On the phone: the ruling is among the documents served, with when it took effect; it downloads.
    citizen.goto(f"/matters/{code}/")
    case = expect_citizen_case(citizen, "closed", "法院已确认调解协议")
    expect(case.get_by_test_id("court-case-number")).to_have_text(number)
    expect(case.get_by_test_id("court-decision")).to_contain_text("应予确认")
    ruling = case.get_by_test_id("served-document").filter(has_text="民事裁定书")
    expect(ruling).to_have_count(1)
    expect(ruling).to_contain_text(number)
    expect(ruling).to_contain_text(re.compile(r"送达生效时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(ruling).to_contain_text("尚未查阅")
    with citizen.expect_download() as download_info:
        ruling.get_by_test_id("served-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    citizen.reload()
    ruling = citizen_case(citizen).get_by_test_id("served-document").filter(has_text="民事裁定书")
    expect(ruling).to_contain_text("首次查阅时间")
    expect(ruling.get_by_test_id("served-read")).to_be_visible()

    # The timeline tells the court's steps, from the referral to the ruling.
    timeline = citizen.get_by_test_id("matter-timeline")
    for kind, label in (
        ("court_docked", "移送法院"),
        ("court_mediation", "启动诉前调解"),
        ("court_mediation_settled", "诉前调解成功"),
        ("agreement_effective", "各方均已确认协议"),
        ("confirmation_applied", "申请司法确认"),
        ("confirmation_joined", "当事人加入共同申请"),
        ("confirmation_accepted", "受理司法确认申请"),
        ("confirmation_ruled", "作出司法确认裁定"),
    ):
        expect(timeline.locator(f"li.tl-{kind} .tl-title").first).to_have_text(label)
    expect(timeline).to_contain_text("应予确认")
    fits_the_phone(citizen)
    citizen.context.close()


# --- 2. Direct filing → correction → accepted (民初) → hearing in writing ------------------------------------


def test_a_direct_lawsuit_is_corrected_accepted_and_heard_in_writing(browser: Browser, server: str) -> None:
    citizen = citizen_page(browser, server, SUING_CITIZEN)

    # The citizen sues a borrower from scratch, with the ID card photo and the IOU as a PDF.
    citizen.goto("/court/file/")
    form = citizen.get_by_test_id("court-direct-form")
    form.get_by_test_id("file-title").fill("同村张某借款两万元到期不还")
    form.get_by_test_id("file-description").fill(
        "2025年3月张某向我借款两万元，约定半年归还，有借条为证。到期后多次催要，张某至今未还。"
    )
    form.get_by_test_id("file-county").select_option("330881")
    expect(form.get_by_test_id("file-township").locator("option[value='330881001']")).to_have_count(1)
    form.get_by_test_id("file-township").select_option("330881001")
    select_containing(form.get_by_test_id("file-village"), "城北社区")
    form.get_by_test_id("direct-respondent-name").fill("张某")
    form.get_by_test_id("direct-respondent-phone").fill(SUED_BORROWER)
    form.get_by_test_id("file-applicant-name").fill("赵建华")
    form.get_by_test_id("file-applicant-phone").fill(SUING_CITIZEN)
    form.get_by_test_id("court-cause").select_option("private_lending")
    form.get_by_test_id("court-claims").fill("判令被告归还借款20000元\n本案诉讼费由被告承担")
    form.get_by_test_id("court-amount").fill("20000")
    expect(form.get_by_test_id("court-fee")).to_contain_text("300.00")
    form.get_by_test_id("court-material-identity").set_input_files(upload("身份证.png", png((200, 210, 230))))
    form.get_by_test_id("court-material-evidence").set_input_files(upload("借条.pdf", pdf()))
    form.get_by_test_id("file-consent").check()
    form.get_by_test_id("court-direct-submit").click()
    expect(citizen).to_have_url(re.compile(r"/matters/[0-9A-Z-]+/(#court)?$"))
    code = citizen.get_by_test_id("matter-code").inner_text().strip()
    expect(expect_citizen_case(citizen, "filing_review", "法院正在审查起诉状")).to_contain_text(COURT)
    fits_the_phone(citizen)

    # The clerk returns it for correction.
    clerk = staff_page(browser, server, "demo.court_clerk")
    open_case(clerk, code)
    expect_status(clerk, "filing_review")
    expect(clerk.get_by_test_id("court-complaint")).to_contain_text("判令被告归还借款20000元")
    form = command(clerk, "request_correction")
    form.locator("#request_correction-items").fill("请写明借款的具体日期和约定的还款日期\n请补充转账记录")
    give(clerk, "request_correction")
    expect_status(clerk, "correction")
    expect(clerk.get_by_test_id("court-corrections")).to_contain_text("请补充转账记录")

    # The citizen sees what to correct, corrects it and files again.
    citizen.goto(f"/matters/{code}/")
    case = expect_citizen_case(citizen, "correction", "法院要求补正")
    expect(case.get_by_test_id("served-document").filter(has_text="补正通知书")).to_have_count(1)
    corrections = case.get_by_test_id("court-corrections")
    expect(corrections).to_contain_text("请写明借款的具体日期和约定的还款日期")
    expect(corrections).to_contain_text("请补充转账记录")
    corrections.get_by_test_id("court-correct").click()
    expect(citizen.get_by_test_id("court-corrections")).to_contain_text("请补充转账记录")
    form = citizen.get_by_test_id("court-complaint-form")
    expect(form.get_by_test_id("court-claims")).to_have_value(re.compile("判令被告归还借款20000元"))
    form.get_by_test_id("court-facts").fill(
        "2025年3月1日张某向我借款两万元，约定2025年9月1日归还，有借条和银行转账记录为证。"
        "到期后多次催要，张某至今未还。"
    )
    # The matter holds the evidence already: the transfer record is one more piece of it.
    evidence = citizen.get_by_test_id("court-material-evidence")
    form.locator("details", has=evidence).locator("summary").click()
    form.get_by_test_id("court-material-evidence").set_input_files(
        upload("转账记录.png", png((230, 240, 200)))
    )
    form.get_by_test_id("court-file-submit").click()
    expect(citizen).to_have_url(re.compile(rf"/matters/{code}/(#court)?$"))
    expect_citizen_case(citizen, "filing_review", "法院正在审查起诉状")

    # The clerk accepts it: the case has its number; the judge is assigned.
    clerk.reload()
    expect_status(clerk, "filing_review")
    expect(clerk.get_by_test_id("court-complaint")).to_contain_text("约定2025年9月1日归还")
    command(clerk, "accept_filing")
    give(clerk, "accept_filing")
    expect_status(clerk, "filed")
    title = clerk.get_by_test_id("court-case-title")
    expect(title).to_have_text(re.compile(r"^\((\d{4})\)浙0881民初\d+号$"))
    number = title.inner_text().strip()
    year = re.fullmatch(r"\((\d{4})\)浙0881民初\d+号", number)
    assert year is not None and year.group(1) == str(dt.datetime.now(SHANGHAI).year), number
    form = command(clerk, "assign_judge")
    select_containing(form.locator("#assign_judge-judge"), JUDGE)
    give(clerk, "assign_judge")
    expect(clerk.get_by_test_id("court-judge")).to_have_text(JUDGE)
    clerk.context.close()

    # The judge hears it in writing: the hearing starts, and its first round runs three days.
    judge = staff_page(browser, server, "demo.judge")
    open_case(judge, code)
    expect(judge.get_by_test_id("court-case-title")).to_have_text(number)
    form = command(judge, "schedule_hearing")
    form.locator("#schedule_hearing-mode").select_option("async")
    give(judge, "schedule_hearing")
    expect_status(judge, "hearing")
    form = command(judge, "open_round")
    form.locator("#open_round-kind").select_option("statement")
    due = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=3)).replace(hour=17, minute=0)
    form.get_by_test_id("round-due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#open_round-instructions").fill("请原告说明借款交付的方式及催收经过。")
    give(judge, "open_round")
    expect(judge.get_by_test_id("court-hearing")).to_contain_text("异步审理（分轮次书面审理）")
    rounds = judge.get_by_test_id("court-round")
    expect(rounds).to_have_count(1)
    expect(rounds).to_contain_text("第1轮：陈述与答辩")
    expect(rounds).to_contain_text(due.strftime("%Y-%m-%d %H:%M"))

    # The citizen answers the round on the phone.
    citizen.goto(f"/matters/{code}/")
    case = expect_citizen_case(citizen, "hearing", "案件正在审理中")
    expect(case.get_by_test_id("court-case-number")).to_have_text(number)
    round_ = case.get_by_test_id("court-round")
    expect(round_).to_contain_text("第1轮：陈述与答辩")
    expect(round_).to_contain_text("请原告说明借款交付的方式及催收经过")
    expect(round_).to_contain_text(due.strftime("%Y-%m-%d %H:%M"))
    round_.get_by_test_id("round-text").fill(
        "借款以银行转账方式交付；到期后我三次上门并电话催收，张某均称无钱归还。"
    )
    round_.get_by_test_id("round-file").set_input_files(upload("催收记录.png", png((240, 220, 200))))
    round_.get_by_test_id("court-round-submit").click()
    expect(citizen.locator(".messages")).to_contain_text("您的陈述已提交法院。")
    submission = citizen_case(citizen).get_by_test_id("court-submission")
    expect(submission).to_have_count(1)
    expect(submission).to_contain_text("三次上门并电话催收")
    expect(submission.get_by_test_id("court-submission-file")).to_be_visible()
    fits_the_phone(citizen)
    citizen.context.close()

    # The judge reads it in the round.
    judge.reload()
    round_ = judge.get_by_test_id("court-round")
    expect(round_).to_contain_text("赵建华")
    expect(round_).to_contain_text("三次上门并电话催收")
    expect(round_.get_by_role("link", name="催收记录.png")).to_be_visible()
    judge.context.close()
