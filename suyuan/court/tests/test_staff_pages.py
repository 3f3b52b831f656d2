"""The court staff's pages: the docking window queue, the case page and every command on it, referral from
the matter page, and the grid workers' deliveries; who may open and do what, what a refused command leaves
(nothing), stale forms, and the queries the queue takes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suyuan.accounts.access import forget_scope
from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, User
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.court import services
from suyuan.court.choices import (
    CaseOutcome,
    CaseStatus,
    CaseTrack,
    HearingMode,
    HearingStatus,
    PerformanceStatus,
    ServiceStatus,
)
from suyuan.court.models import CaseNote, CourtCase, Hearing, HearingRound, Service
from suyuan.court.tests.conftest import complaint, fail_mediation, refresh, upload
from suyuan.court.views.staff import COMMANDS
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter, MatterEvent
from suyuan.matters.services import PartyInput
from suyuan.matters.tests import files
from suyuan.matters.tests.conftest import file_dispute
from suyuan.mediation.models import Agreement

pytestmark = pytest.mark.django_db

QUEUE = "/staff/court/"
DELIVERIES = "/staff/court/deliveries/"

# Everyone the pages are tested against.
EVERYONE = [
    "clerk",
    "other_clerk",
    "judge",
    "unassigned_judge",
    "invited",
    "dispatcher",
    "mediator",
    "supervisor",
    "grid_worker",
    "analyst",
    "citizen",
    "anonymous",
]
# Signed in, but the court's pages are not theirs.
NO_COURT_PAGES = {"dispatcher", "mediator", "supervisor", "grid_worker", "analyst", "citizen"}
# Court staff who do not work on the case: it does not exist for them.
OTHERS = {"other_clerk", "unassigned_judge"}


@pytest.fixture
def unassigned_judge(world) -> User:
    user = new_user(username="js.judge2", full_name="江山法官乙")
    Membership.objects.create(user=user, organization=world.orgs["court"], role=Role.JUDGE)
    return user


@pytest.fixture
def people(world, clerk, judge, invited, other_court_clerk, unassigned_judge) -> dict[str, User | None]:
    return {
        "clerk": clerk,
        "other_clerk": other_court_clerk,
        "judge": judge,
        "unassigned_judge": unassigned_judge,
        "invited": invited,
        "dispatcher": world.staff[Role.DISPATCHER],
        "mediator": world.staff[Role.MEDIATOR],
        "supervisor": world.staff[Role.SUPERVISOR],
        "grid_worker": world.staff[Role.GRID_WORKER],
        "analyst": world.staff[Role.ANALYST],
        "citizen": world.citizen,
        "anonymous": None,
    }


def client_for(user: User | None) -> Client:
    return sign_in(Client(), user)


def case_path(case: CourtCase, command: str = "") -> str:
    return f"/staff/court/cases/{case.pk}/" + (f"{command}/" if command else "")


def filed(world: World, matter: Matter) -> CourtCase:
    return services.complaint_file(
        matter=matter,
        actor=world.citizen,
        complaint=complaint(),
        uploads=[upload("identity"), upload("evidence")],
    )


def snapshot(case: CourtCase) -> tuple[Any, ...]:
    case = refresh(case)
    return (
        case.status,
        case.version,
        case.judge_id,
        case.performance,
        MatterEvent.objects.filter(matter_id=case.matter_id).count(),
        CaseNote.objects.filter(case=case).count(),
        Hearing.objects.filter(case=case).count(),
        Service.objects.filter(case=case).count(),
    )


@pytest.fixture
def mediated(world, failed, clerk, invited, judge) -> CourtCase:
    """A referred case in pre-filing mediation by the invited mediator, with a judge assigned."""
    case = services.case_refer(matter=failed, actor=world.staff[Role.MEDIATOR])
    case = services.mediation_offer(case=case, actor=clerk, mediator=invited, consent="双方同意诉前调解")
    return services.judge_assign(case=case, actor=clerk, judge=judge)


def post(user: User | None, url: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client_for(user).post(url, data or {}, **extra)


# --- Who may open what ------------------------------------------------------------------------------------


def test_the_queue_for_every_role(people, mediated):
    for name in EVERYONE:
        response = client_for(people[name]).get(QUEUE, {"queue": "all"})
        if name == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"], name
            continue
        if name in NO_COURT_PAGES:
            assert response.status_code == 403, name
            continue
        assert response.status_code == 200, name
        rows = response.content.decode().count('data-testid="court-row"')
        assert rows == (0 if name in OTHERS else 1), name


def test_the_case_page_for_every_role(people, mediated):
    for name in EVERYONE:
        response = client_for(people[name]).get(case_path(mediated))
        expected = (
            302 if name == "anonymous" else 403 if name in NO_COURT_PAGES else 404 if name in OTHERS else 200
        )
        assert response.status_code == expected, name


def test_notes_are_shown_to_the_clerk_and_judge_only(people, mediated, clerk):
    services.case_note_add(case=mediated, actor=clerk, text="被告地址需核实")
    for name in ("clerk", "judge", "invited"):
        html = client_for(people[name]).get(case_path(mediated)).content.decode()
        assert ("被告地址需核实" in html) is (name != "invited"), name
        assert ('data-testid="court-cmd-note"' in html) is (name != "invited"), name


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_against_every_role_changes_nothing_when_refused(people, mediated, command):
    """An empty post: refused by role (403), by status (409) or for its input (422), and nothing changes."""
    spec = COMMANDS[command]
    before = snapshot(mediated)
    for name in EVERYONE:
        response = post(people[name], case_path(mediated, command))
        if name == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"], name
        elif name in NO_COURT_PAGES:
            assert response.status_code == 403, name
        elif name in OTHERS:
            assert response.status_code == 404, name
        else:
            from suyuan.court.views.staff import CaseView, _applies

            view = CaseView(people[name], refresh(mediated))
            expected = 403 if not spec.may(view) else 409 if not _applies(spec, view.case) else 422
            assert response.status_code == expected, (name, command)
        assert snapshot(mediated) == before, (name, command)


def test_an_unknown_command_is_not_found(clerk, mediated):
    assert post(clerk, case_path(mediated, "delete")).status_code == 404


# --- The queue --------------------------------------------------------------------------------------------


def test_tabs_count_and_search(world, clerk, mediated, effective):
    confirmation = services.confirmation_apply(matter=effective.matter, actor=world.citizen)
    response = client_for(clerk).get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="court-count-open">2<' in html
    assert 'data-testid="court-count-pre_filing_mediation">1<' in html
    assert 'data-testid="court-count-docked">1<' in html
    assert 'data-testid="court-count-closed">0<' in html
    assert html.count('data-testid="court-row"') == 2
    # by tracking code, by case number, by party name
    for text in (effective.matter.display_code, mediated.display_number, "市民甲"):
        page = client_for(clerk).get(QUEUE, {"q": text}).content.decode()
        assert page.count('data-testid="court-row"') >= 1, text
    page = client_for(clerk).get(QUEUE, {"q": mediated.display_number}).content.decode()
    assert page.count('data-testid="court-row"') == 1
    assert f"/staff/court/cases/{mediated.pk}/" in page
    assert f"/staff/court/cases/{confirmation.pk}/" not in page
    assert (
        client_for(clerk).get(QUEUE, {"q": "没有这个人"}).content.decode().count('data-testid="court-row"')
        == 0
    )


def test_mine_overdue_and_due_soon(world, clerk, judge, invited, mediated):
    CourtCase.objects.filter(pk=mediated.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    for user in (judge, invited):
        html = client_for(user).get(QUEUE).content.decode()  # their default tab is "mine"
        assert html.count('data-testid="court-row"') == 1
    html = client_for(clerk).get(QUEUE, {"queue": "overdue"}).content.decode()
    assert html.count('data-testid="court-row"') == 1 and "due-overdue" in html
    assert (
        client_for(clerk).get(QUEUE, {"queue": "due_soon"}).content.decode().count('data-testid="court-row"')
        == 0
    )
    CourtCase.objects.filter(pk=mediated.pk).update(due_at=timezone.now() + dt.timedelta(days=1))
    html = client_for(clerk).get(QUEUE, {"queue": "due_soon"}).content.decode()
    assert html.count('data-testid="court-row"') == 1


def _cases(world: World, count: int, judge: User) -> None:
    from suyuan.court.choices import CaseType
    from suyuan.court.numbers import case_number_issue

    for index in range(count):
        matter = file_dispute(world, title=f"纠纷{index}")
        number = case_number_issue(
            court=world.orgs["court"], case_type=CaseType.CIVIL_FIRST_INSTANCE, matter=matter
        )
        CourtCase.objects.create(
            matter=matter,
            court=world.orgs["court"],
            track=CaseTrack.LITIGATION,
            origin="direct",
            status=CaseStatus.FILED if index % 2 else CaseStatus.DOCKED,
            judge=judge if index % 3 else None,
            number=number,
            due_at=timezone.now() + dt.timedelta(days=index - 3),
            due_kind="answer",
        )


def test_the_queue_takes_the_same_queries_however_many_cases(world, clerk, judge):
    client = client_for(clerk)
    _cases(world, 1, judge)
    client.get(QUEUE)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).content.decode().count('data-testid="court-row"') == 1
    _cases(world, 14, judge)
    client.get(QUEUE)  # again: the new cases' notifications and events cleared cached counts (badges)
    with CaptureQueriesContext(connection) as many:
        assert client.get(QUEUE).content.decode().count('data-testid="court-row"') == 15
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Referral from the matter page ------------------------------------------------------------------------


def test_referral_from_the_matter_page(world, failed, people, clerk):
    url = f"/staff/matters/{failed.display_code}/court/refer/"
    page = client_for(people["mediator"]).get(f"/staff/matters/{failed.display_code}/").content.decode()
    assert 'data-testid="court-refer"' in page
    # Court staff do not see the matter before it reaches the court; others see it but do not mediate.
    refused = {"citizen": 403, "analyst": 403, "grid_worker": 403, "anonymous": 302}
    for name in EVERYONE:
        if name in ("mediator", "dispatcher", "supervisor", "invited"):
            # The first three may refer (see below). A court-invited mediator is a mediator member of the
            # court, whose region is the county: matters.access lets them mediate every matter there.
            continue
        response = post(people[name], url, {"note": "调解不成"})
        assert response.status_code == refused.get(name, 404), name
        assert not CourtCase.objects.exists(), name
    response = post(people["mediator"], url, {"note": "调解不成，引导诉讼"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/staff/matters/{failed.display_code}/#court"
    )
    case = CourtCase.objects.get()
    assert case.status == CaseStatus.DOCKED
    # again: the matter is before the court now (409), nothing more is created
    response = post(people["mediator"], url, {"note": "再转一次"})
    assert response.status_code in (403, 404, 409)
    assert CourtCase.objects.count() == 1
    # the clerk sees the case on the matter page, with a link to the case page
    forget_scope(clerk)
    page = client_for(clerk).get(f"/staff/matters/{failed.display_code}/").content.decode()
    assert 'data-testid="court-section-case"' in page and f"/staff/court/cases/{case.pk}/" in page


def test_a_dispatcher_refers_too(world, failed):
    response = post(world.staff[Role.DISPATCHER], f"/staff/matters/{failed.display_code}/court/refer/")
    assert response.status_code == 302
    assert CourtCase.objects.get().matter_id == failed.pk


def test_a_matter_still_in_mediation_cannot_be_referred(world, dispute_in_mediation, english):
    page = client_for(world.staff[Role.MEDIATOR]).get(f"/staff/matters/{dispute_in_mediation.display_code}/")
    assert 'data-testid="court-refer"' not in page.content.decode()
    response = post(
        world.staff[Role.MEDIATOR], f"/staff/matters/{dispute_in_mediation.display_code}/court/refer/"
    )
    assert response.status_code == 409
    assert "can be referred to the court" in response.content.decode()
    assert not CourtCase.objects.exists()


# --- Commands through the pages ---------------------------------------------------------------------------


def test_pre_filing_mediation_through_the_pages(world, failed, clerk, invited, english):
    case = services.case_refer(matter=failed, actor=world.staff[Role.MEDIATOR])
    page = client_for(clerk).get(case_path(case)).content.decode()
    assert 'data-testid="court-form-offer_mediation"' in page and invited.full_name in page
    response = post(
        clerk,
        case_path(case, "offer_mediation"),
        {"expected_version": case.version, "mediator": invited.pk, "consent": "双方同意诉前调解"},
    )
    assert response.status_code == 302 and response["Location"] == case_path(case)
    case = refresh(case)
    assert case.status == CaseStatus.PRE_FILING_MEDIATION and case.mediator_id == invited.pk
    # the invited mediator extends it once, then records the settlement with an obligation
    response = post(invited, case_path(case, "extend_mediation"),
                    {"expected_version": case.version, "days": 10, "consent": "双方书面同意延长"})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    page = client_for(invited).get(case_path(case)).content.decode()
    assert 'data-testid="court-form-extend_mediation"' not in page  # once only
    respondent = failed.parties.get(role=PartyRole.RESPONDENT)
    data = {
        "expected_version": case.version,
        "terms": "被告停止夜间施工并赔偿500元。",
        "obligations-TOTAL_FORMS": "3",
        "obligations-INITIAL_FORMS": "0",
        "obligations-MIN_NUM_FORMS": "0",
        "obligations-MAX_NUM_FORMS": "3",
        "obligations-0-obligor": respondent.pk,
        "obligations-0-description": "赔偿",
        "obligations-0-amount": "500",
        "obligations-0-due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }
    # a past due date: the page again with the error at the obligation, nothing recorded
    bad = {**data, "obligations-0-due_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}
    response = post(invited, case_path(case, "settle"), bad)
    assert response.status_code == 422 and "The due date cannot be in the past." in response.content.decode()
    assert refresh(case).status == CaseStatus.PRE_FILING_MEDIATION and not Agreement.objects.exists()
    response = post(invited, case_path(case, "settle"), data)
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.SETTLED
    assert Agreement.objects.get(matter=failed).obligations.count() == 1


def test_mediation_failed_through_the_page(world, mediated, invited):
    response = post(invited, case_path(mediated, "mediation_failed"),
                    {"expected_version": mediated.version, "reason": "被告拒绝调解方案"})  # fmt: skip
    assert response.status_code == 302
    assert refresh(mediated).status == CaseStatus.DOCKED


def test_filing_hearing_in_writing_decision_and_appeal_through_the_pages(
    world, failed, clerk, judge, english
):
    case = filed(world, failed)
    # returned for correction, one item a line
    response = post(clerk, case_path(case, "request_correction"),
                    {"expected_version": case.version, "items": "补充被告身份信息\n\n补充证据清单", "days": "10"})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CORRECTION and case.correction_items == [
        "补充被告身份信息",
        "补充证据清单",
    ]
    assert "补充证据清单" in client_for(clerk).get(case_path(case)).content.decode()
    case = services.complaint_file(matter=failed, actor=world.citizen, complaint=complaint())
    response = post(clerk, case_path(case, "accept_filing"), {"expected_version": case.version})
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.FILED and case.number is not None
    # the judge is not assigned yet: the judge does not even see the case
    assert client_for(judge).get(case_path(case)).status_code == 404
    response = post(
        clerk, case_path(case, "assign_judge"), {"expected_version": case.version, "judge": judge.pk}
    )
    assert response.status_code == 302
    case = refresh(case)
    assert case.judge_id == judge.pk
    forget_scope(judge)
    page = client_for(judge).get(case_path(case)).content.decode()
    assert (
        'data-testid="court-form-schedule_hearing"' in page
        and 'data-testid="court-form-issue_decision"' in page
    )
    response = post(
        judge,
        case_path(case, "schedule_hearing"),
        {"expected_version": case.version, "mode": HearingMode.ASYNC},
    )
    assert response.status_code == 302
    case = refresh(case)
    hearing = Hearing.objects.get(case=case)
    assert case.status == CaseStatus.HEARING
    page = client_for(judge).get(case_path(case)).content.decode()
    assert 'data-testid="court-form-issue_decision"' not in page  # hold or cancel the hearing first
    due = timezone.localtime() + dt.timedelta(days=3)
    response = post(judge, case_path(case, "open_round"), {
        "expected_version": case.version, "hearing": hearing.pk, "kind": "statement",
        "due_at": due.strftime("%Y-%m-%dT%H:%M"), "instructions": "请原告陈述，被告答辩。",
    })  # fmt: skip
    assert response.status_code == 302
    round_ = HearingRound.objects.get(hearing=hearing)
    services.round_submit(round=round_, actor=world.citizen, text="坚持诉讼请求。")
    assert "坚持诉讼请求。" in client_for(judge).get(case_path(case)).content.decode()
    case = refresh(case)  # opening the round changed the case's version
    response = post(
        judge, case_path(case, "close_round"), {"expected_version": case.version, "round": round_.pk}
    )
    assert response.status_code == 302 and HearingRound.objects.get(pk=round_.pk).closed_at is not None
    case = refresh(case)
    response = post(judge, case_path(case, "hearing_held"),
                    {"expected_version": case.version, "hearing": hearing.pk, "record": "书面审理，双方已充分陈述。"})  # fmt: skip
    assert response.status_code == 302 and Hearing.objects.get(pk=hearing.pk).status == HearingStatus.HELD
    case = refresh(case)
    # the decision: a PDF upload; a photo is refused with the error at the field
    photo = SimpleUploadedFile("判决书.png", files.png(), content_type="image/png")
    response = post(judge, case_path(case, "issue_decision"),
                    {"expected_version": case.version, "kind": "judgment", "summary": "判决被告赔偿800元", "file": photo})  # fmt: skip
    assert response.status_code == 422 and "must be a PDF" in response.content.decode()
    assert refresh(case).status == CaseStatus.HEARING
    pdf = SimpleUploadedFile("判决书.pdf", files.pdf(), content_type="application/pdf")
    response = post(judge, case_path(case, "issue_decision"),
                    {"expected_version": case.version, "kind": "judgment", "summary": "判决被告赔偿800元", "file": pdf})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.JUDGMENT and case.appeal_ends_at is not None
    respondent = failed.parties.get(role=PartyRole.RESPONDENT)
    response = post(clerk, case_path(case, "record_appeal"),
                    {"expected_version": case.version, "party": respondent.pk, "note": "被告提起上诉"})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.APPEALED


def test_room_hearing_is_cancelled_through_the_page(world, failed, clerk, judge):
    case = services.judge_assign(
        case=services.filing_accept(case=filed(world, failed), actor=clerk), actor=clerk, judge=judge
    )
    when = timezone.localtime() + dt.timedelta(days=6)
    response = post(judge, case_path(case, "schedule_hearing"), {
        "expected_version": case.version, "mode": HearingMode.ROOM,
        "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "第三法庭",
    })  # fmt: skip
    assert response.status_code == 302
    hearing = Hearing.objects.get(case=case)
    case = refresh(case)
    page = client_for(clerk).get(case_path(case)).content.decode()
    assert 'data-testid="court-form-hearing_held"' not in page  # not yet taken place
    response = post(clerk, case_path(case, "cancel_hearing"),
                    {"expected_version": case.version, "hearing": hearing.pk, "reason": "审判员临时公出"})  # fmt: skip
    assert response.status_code == 302
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.CANCELLED


def test_a_hearing_of_another_case_is_not_found(world, failed, clerk, judge, mediated):
    case = services.judge_assign(case=services.filing_accept(case=filed(world, fail_mediation(world, file_dispute(world))), actor=clerk), actor=clerk, judge=judge)  # fmt: skip
    hearing = services.hearing_schedule(case=case, actor=judge, mode=HearingMode.ASYNC)
    response = post(clerk, case_path(mediated, "cancel_hearing"),
                    {"expected_version": mediated.version, "hearing": hearing.pk, "reason": "不是这个案件的"})  # fmt: skip
    assert response.status_code == 404
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.SCHEDULED


def test_refusal_and_withdrawal_through_the_pages(world, failed, clerk):
    case = filed(world, failed)
    response = post(
        clerk,
        case_path(case, "refuse_filing"),
        {"expected_version": case.version, "reason": "不属于受理范围"},
    )
    assert response.status_code == 302
    assert refresh(case).status == CaseStatus.JUDGMENT
    other = fail_mediation(world, file_dispute(world))
    case = services.case_refer(matter=other, actor=world.staff[Role.MEDIATOR])
    response = post(
        clerk, case_path(case, "withdraw"), {"expected_version": case.version, "reason": "原告撤回起诉"}
    )
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.WITHDRAWN


def test_judicial_confirmation_through_the_pages(world, effective, clerk, judge):
    matter = effective.matter
    case = services.confirmation_apply(matter=matter, actor=world.citizen)
    page = client_for(clerk).get(case_path(case)).content.decode()
    assert 'data-testid="court-consents"' in page and 'data-testid="court-form-join_in_person"' in page
    assert 'data-testid="court-form-offer_mediation"' not in page  # not a lawsuit
    respondent = matter.parties.get(role=PartyRole.RESPONDENT)
    response = post(clerk, case_path(case, "join_in_person"),
                    {"expected_version": case.version, "party": respondent.pk, "reason": "被申请人到窗口签字"})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    response = post(clerk, case_path(case, "accept_confirmation"), {"expected_version": case.version})
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CONFIRMATION_REVIEW
    response = post(
        clerk, case_path(case, "assign_judge"), {"expected_version": case.version, "judge": judge.pk}
    )
    assert response.status_code == 302
    case = refresh(case)
    forget_scope(judge)
    response = post(judge, case_path(case, "rule_confirmation"),
                    {"expected_version": case.version, "confirmed": "yes", "reason": "调解协议系双方真实意思表示"})  # fmt: skip
    assert response.status_code == 302
    case = refresh(case)
    assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.CONFIRMED
    assert case.performance == PerformanceStatus.PENDING
    # performance, by the clerk: not performed needs a note (422), then marked for enforcement
    response = post(
        clerk, case_path(case, "performance"), {"expected_version": case.version, "outcome": "enforcement"}
    )
    assert response.status_code == 422 and refresh(case).performance == PerformanceStatus.PENDING
    response = post(clerk, case_path(case, "performance"),
                    {"expected_version": case.version, "outcome": "enforcement", "note": "被申请人未履行"})  # fmt: skip
    assert response.status_code == 302
    assert refresh(case).performance == PerformanceStatus.ENFORCEMENT


def test_a_note_through_the_page_even_from_an_older_page(clerk, mediated):
    # A note changes nothing of the case, so a page made before a change still adds it.
    stale = mediated.version
    services.mediation_extend(case=mediated, actor=clerk, days=5, consent="双方同意延长五天")
    response = post(clerk, case_path(mediated, "note"), {"expected_version": stale, "text": "被告地址需核实"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    assert CaseNote.objects.get(case=mediated).text == "被告地址需核实"


# --- Refusals change nothing ------------------------------------------------------------------------------


def test_bad_input_shows_the_errors_at_the_fields_and_changes_nothing(world, failed, clerk, english):
    case = filed(world, failed)
    before = snapshot(case)
    response = post(
        clerk, case_path(case, "refuse_filing"), {"expected_version": case.version, "reason": "no"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give a reason (at least 4 characters)." in html and 'class="field field-invalid"' in html
    assert 'data-testid="court-form-refuse_filing"' in html
    assert snapshot(case) == before


def test_a_command_of_another_status_is_a_conflict_and_changes_nothing(world, failed, clerk, english):
    case = services.filing_accept(case=filed(world, failed), actor=clerk)
    before = snapshot(case)
    response = post(clerk, case_path(case, "accept_filing"), {"expected_version": case.version})
    assert response.status_code == 409
    assert "cannot be given the command" in response.content.decode()
    assert snapshot(case) == before


def test_a_command_of_another_role_is_forbidden_and_changes_nothing(world, mediated, judge, invited):
    before = snapshot(mediated)
    assert post(judge, case_path(mediated, "withdraw"),
                {"expected_version": mediated.version, "reason": "法官想撤"}).status_code == 403  # fmt: skip
    assert post(invited, case_path(mediated, "assign_judge"),
                {"expected_version": mediated.version, "judge": judge.pk}).status_code == 403  # fmt: skip
    assert snapshot(mediated) == before


def test_a_wrong_state_from_the_service_is_a_conflict(world, effective, clerk, english):
    case = services.confirmation_apply(matter=effective.matter, actor=world.citizen)
    before = snapshot(case)
    response = post(clerk, case_path(case, "accept_confirmation"), {"expected_version": case.version})
    assert response.status_code == 409 and "still to join" in response.content.decode()
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("assign_judge", {}),  # a service that checks the version itself
        ("withdraw", {"reason": "原告撤回起诉"}),  # one the page checks for it
    ],
)
def test_a_stale_form_is_a_conflict_and_changes_nothing(
    world, mediated, clerk, unassigned_judge, command, data, english
):
    stale = mediated.version
    services.mediation_extend(case=mediated, actor=clerk, days=5, consent="双方同意延长五天")
    case = refresh(mediated)
    before = snapshot(case)
    if command == "assign_judge":
        data = {"judge": unassigned_judge.pk}
    response = post(clerk, case_path(case, command), {"expected_version": stale, **data})
    assert response.status_code == 409
    assert "Someone changed this case meanwhile" in response.content.decode()
    assert snapshot(case) == before


# --- Deliveries -------------------------------------------------------------------------------------------


@pytest.fixture
def in_person(world, clerk) -> CourtCase:
    """A filed case whose defendant has no mobile phone: the grid workers deliver the notices."""
    matter = file_dispute(
        world,
        parties=[
            PartyInput(role=PartyRole.APPLICANT, name="市民甲", phone="13900001111"),
            PartyInput(role=PartyRole.RESPONDENT, name="老王", address="江山市双塔街道城北社区5号"),
        ],
    )
    matter = fail_mediation(world, matter)
    return services.filing_accept(case=filed(world, matter), actor=clerk)


def test_deliveries_for_every_role(people, in_person, world):
    for name in EVERYONE:
        response = client_for(people[name]).get(DELIVERIES)
        if name == "anonymous":
            assert response.status_code == 302, name
        elif name == "grid_worker":
            assert response.status_code == 200, name
            html = response.content.decode()
            assert html.count('data-testid="delivery"') == 1
            assert "老王" in html and "江山市双塔街道城北社区5号" in html
        else:
            assert response.status_code == 403, name
    # another village's grid worker has nothing to deliver
    other = new_user(username="kc.grid", full_name="柯城网格员")
    from suyuan.accounts.tests.world import new_organization
    from suyuan.regions.models import Region

    org = new_organization(code="W-330802-V", name="柯城某村", region=Region.objects.get(code="330802"))
    Membership.objects.create(user=other, organization=org, role=Role.GRID_WORKER)
    assert client_for(other).get(DELIVERIES).content.decode().count('data-testid="delivery"') == 0


def test_the_receipt_and_the_documents_can_be_downloaded(world, in_person, clerk):
    grid_worker = world.staff[Role.GRID_WORKER]
    service = Service.objects.filter(case=in_person, status=ServiceStatus.PENDING).first()
    assert service is not None
    client = client_for(grid_worker)
    response = client.get(f"{DELIVERIES}{service.pk}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    page = client.get(DELIVERIES).content.decode()
    link = f"/staff/matters/{in_person.matter.display_code}/documents/{service.document_id}/"
    assert link in page
    assert client.get(link).status_code == 200
    # the clerk has no deliveries; another's service is not found
    assert client_for(clerk).get(f"{DELIVERIES}{service.pk}/receipt.pdf").status_code == 403


def test_delivered_with_the_photo_of_the_receipt(world, in_person):
    grid_worker = world.staff[Role.GRID_WORKER]
    pending = list(Service.objects.filter(case=in_person, status=ServiceStatus.PENDING))
    assert len(pending) == 3  # the complaint and two notices, on one receipt
    url = f"{DELIVERIES}{pending[0].pk}/delivered/"
    response = post(grid_worker, url, {"note": "本人签收"})
    assert response.status_code == 422  # no photo
    assert Service.objects.filter(case=in_person, status=ServiceStatus.PENDING).count() == 3
    photo = SimpleUploadedFile("回证.jpg", files.jpeg(), content_type="image/jpeg")
    response = post(grid_worker, url, {"note": "本人签收", "photo": photo})
    assert response.status_code == 302 and response["Location"] == DELIVERIES
    served = Service.objects.filter(case=in_person, party__role=PartyRole.RESPONDENT)
    assert all(s.status == ServiceStatus.SERVED and s.proof_id for s in served)
    # reported once: again is a conflict
    photo = SimpleUploadedFile("回证.jpg", files.jpeg(), content_type="image/jpeg")
    assert post(grid_worker, url, {"photo": photo}).status_code == 409
    page = client_for(grid_worker).get(DELIVERIES).content.decode()
    assert 'data-testid="deliveries-done"' in page and 'data-testid="delivery"' not in page


def test_could_not_deliver(world, in_person, english):
    grid_worker = world.staff[Role.GRID_WORKER]
    service = Service.objects.filter(case=in_person, status=ServiceStatus.PENDING).first()
    assert service is not None
    url = f"{DELIVERIES}{service.pk}/failed/"
    response = post(grid_worker, url, {"reason": "no"})
    assert response.status_code == 422 and "at least 4 characters" in response.content.decode()
    response = post(grid_worker, url, {"reason": "此地址已无人居住"})
    assert response.status_code == 302
    assert not Service.objects.filter(case=in_person, status=ServiceStatus.PENDING).exists()
    assert Service.objects.filter(case=in_person, status=ServiceStatus.FAILED).count() == 3
    assert post(world.staff[Role.DISPATCHER], url, {"reason": "调度员来报"}).status_code == 403


# --- Navigation -------------------------------------------------------------------------------------------


def test_the_navigation_links(people):
    for name, court, deliveries in (
        ("clerk", True, False),
        ("judge", True, False),
        ("invited", True, False),
        ("dispatcher", False, False),
        ("grid_worker", False, True),
    ):
        html = client_for(people[name]).get("/staff/").content.decode()
        assert ('data-testid="nav-court"' in html) is court, name
        assert ('data-testid="nav-deliveries"' in html) is deliveries, name
