"""The mediation sections, forms and downloads, for every role; the citizen's confirmation by code."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.matters.choices import MatterStatus, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.mediation.choices import AgreementStatus, SessionStatus
from suyuan.mediation.models import Agreement, MediationSession
from suyuan.mediation.tests.conftest import RESPONDENT_PHONE, make_effective, record

ROLES = [
    "citizen",
    "respondent",
    "other_citizen",
    Role.GRID_WORKER,
    Role.MEDIATOR,
    "other_mediator",
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.ANALYST,
    Role.ADMINISTRATOR,
    Role.COURT_CLERK,
    "kecheng",
    "anonymous",
]
MEDIATES = {Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR}


def person(world: World, matter: Matter, name: str):
    if name == "anonymous":
        return None
    if name == "respondent":
        user = new_user(username="respondent", full_name="楼上住户", phone=RESPONDENT_PHONE)
        user.phone_hash = hash_identifier(PHONE, RESPONDENT_PHONE)
        user.set_unusable_password()
        user.save()
        Party.objects.filter(matter=matter, role=PartyRole.RESPONDENT).update(user=user)
        return user
    if name == "other_citizen":
        return new_user(username="other", full_name="市民乙", phone="13800000099")
    if name == "other_mediator":
        user = new_user(username="hz.mediator", full_name="上城调解员")
        Membership.objects.create(user=user, organization=world.orgs["hangzhou"], role=Role.MEDIATOR)
        return user
    if name in ("citizen", "kecheng"):
        return getattr(world, name)
    return world.staff[name]


def client_for(user) -> Client:
    return sign_in(Client(), user)


def staff_page(matter: Matter) -> str:
    return reverse("matters:staff_detail", kwargs={"code": matter.display_code})


def portal_page(matter: Matter) -> str:
    return reverse("matters:matter", kwargs={"code": matter.display_code})


def url(name: str, matter: Matter, **kwargs) -> str:
    return reverse(f"mediation:{name}", kwargs={"code": matter.display_code, **kwargs})


def when(days: int = 2) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


class TestStaffSection:
    @pytest.mark.parametrize("name", ROLES)
    def test_scheduling_a_session_by_role(self, world, in_mediation, name):
        user = person(world, in_mediation, name)
        response = client_for(user).post(
            url("staff_session_schedule", in_mediation),
            {"session-starts_at": when(), "session-mode": "in_person", "session-place": "城北社区调解室"},
        )
        if name == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"]
        elif name in MEDIATES:
            assert response.status_code == 302
            assert MediationSession.objects.filter(matter=in_mediation).count() == 1
        elif name in (Role.COURT_CLERK, "kecheng", "other_mediator"):
            assert response.status_code == 404
        else:
            assert response.status_code == 403
        if name not in MEDIATES:
            assert not MediationSession.objects.exists()

    @pytest.mark.parametrize("name", [Role.MEDIATOR, Role.GRID_WORKER, Role.ADMINISTRATOR])
    def test_the_forms_show_only_to_those_who_mediate(self, world, in_mediation, name):
        html = client_for(world.staff[name]).get(staff_page(in_mediation)).content.decode()
        has_form = 'data-testid="agreement-form"' in html
        assert has_form == (name in MEDIATES)
        # The plain command is gone from the actions; the mediation section records the agreement.
        assert 'data-testid="cmd-record_agreement"' not in html

    def test_bad_input_re_renders_the_page_with_errors(self, world, in_mediation, english):
        response = client_for(world.staff[Role.MEDIATOR]).post(
            url("staff_session_schedule", in_mediation),
            {"session-starts_at": when(), "session-mode": "video"},
        )
        assert response.status_code == 422
        assert "Give the link the parties open to join." in response.content.decode()

    def test_recording_the_agreement_with_an_obligation(self, world, in_mediation, english):
        respondent = in_mediation.parties.get(role=PartyRole.RESPONDENT)
        data = {
            "agreement-expected_version": in_mediation.version,
            "agreement-terms": "楼上住户赔偿八百元。",
            "obligations-TOTAL_FORMS": "2",
            "obligations-INITIAL_FORMS": "0",
            "obligations-MIN_NUM_FORMS": "0",
            "obligations-MAX_NUM_FORMS": "20",
            "obligations-0-obligor": respondent.pk,
            "obligations-0-description": "赔偿粉刷费用",
            "obligations-0-amount": "800",
            "obligations-0-due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        }
        client = client_for(world.staff[Role.MEDIATOR])
        bad = client.post(
            url("staff_agreement_record", in_mediation), {**data, "obligations-0-due_on": "2020-01-01"}
        )
        assert bad.status_code == 422 and "The due date cannot be in the past." in bad.content.decode()
        response = client.post(url("staff_agreement_record", in_mediation), data)
        assert response.status_code == 302
        agreement = Agreement.objects.get(matter=in_mediation)
        assert agreement.obligations.get().description == "赔偿粉刷费用"
        stale = client.post(url("staff_agreement_record", in_mediation), data)
        assert stale.status_code == 409

    def test_session_actions_and_in_person_confirmation(self, world, in_mediation):
        client = client_for(world.staff[Role.MEDIATOR])
        client.post(
            url("staff_session_schedule", in_mediation),
            {"session-starts_at": when(), "session-mode": "phone"},
        )
        session = MediationSession.objects.get()
        cancel = url("staff_session_action", in_mediation, session_id=session.pk, action="cancel")
        assert client.post(cancel, {f"s{session.pk}-cancel-reason": "当事人生病"}).status_code == 302
        assert MediationSession.objects.get().status == SessionStatus.CANCELLED
        assert client.post(cancel, {f"s{session.pk}-cancel-reason": "当事人生病"}).status_code == 409
        agreement = record(world, Matter.objects.get(pk=in_mediation.pk))
        for party in in_mediation.parties.all():
            response = client.post(
                url("staff_confirm_in_person", in_mediation),
                {"in-person-party": party.pk, "in-person-reason": "当面签字确认"},
            )
            assert response.status_code == 302
        assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.EFFECTIVE

    def test_the_section_reads_in_a_bounded_number_of_queries(
        self, world, in_mediation, django_assert_max_num_queries
    ):
        agreement = record(world, in_mediation)
        make_effective(world, agreement)
        client = client_for(world.staff[Role.MEDIATOR])
        client.get(staff_page(in_mediation))
        with django_assert_max_num_queries(60) as captured:
            client.get(staff_page(in_mediation))
        # Queries of the mediation tables (not the court's, whose columns are named mediation_number_id …)
        mediation_queries = [q for q in captured.captured_queries if 'FROM "mediation_' in q["sql"]]
        # five for the mediation section, one for the court section's "is a follow-up open?" (may it be
        # referred to the court)
        assert len(mediation_queries) <= 6


class TestPortal:
    def test_the_citizen_confirms_with_a_code(self, world, in_mediation, sms_outbox, english):
        agreement = record(world, in_mediation)
        applicant = in_mediation.parties.get(role=PartyRole.APPLICANT)
        client = client_for(world.citizen)
        html = client.get(portal_page(in_mediation)).content.decode()
        assert 'data-testid="confirm-send"' in html and 'data-testid="agreement-pdf"' in html
        assert client.post(url("code_send", in_mediation), {"party": applicant.pk}).status_code == 302
        assert client.post(url("code_send", in_mediation), {"party": applicant.pk}).status_code == 429
        code = re.search(r"(\d{6})", sms_outbox[-1][1]).group(1)  # type: ignore[union-attr]
        wrong = client.post(
            url("confirm", in_mediation),
            {"party": applicant.pk, "code": "000000" if code != "000000" else "111111"},
        )
        assert wrong.status_code == 422
        response = client.post(url("confirm", in_mediation), {"party": applicant.pk, "code": code})
        assert response.status_code == 302
        assert agreement.confirmations.get(party=applicant).confirmed_at is not None
        html = client.get(portal_page(in_mediation)).content.decode()
        assert 'data-testid="confirmed-note"' in html

    @pytest.mark.parametrize("name", ["citizen", "respondent", "other_citizen", Role.DISPATCHER, "anonymous"])
    def test_sending_a_code_by_role(self, world, in_mediation, name):
        record(world, in_mediation)
        user = person(world, in_mediation, name)
        role = PartyRole.RESPONDENT if name == "respondent" else PartyRole.APPLICANT
        party = in_mediation.parties.get(role=role)
        response = client_for(user).post(url("code_send", in_mediation), {"party": party.pk})
        expected = {"citizen": 302, "respondent": 302, "anonymous": 302}.get(name, 404)
        assert response.status_code == expected
        if name == "anonymous":
            assert response["Location"].startswith(reverse("accounts:citizen_login"))

    def test_the_citizen_reports_an_obligation_after_its_due_date(self, world, in_mediation, time_machine):
        agreement = make_effective(world, record(world, in_mediation, days=1))
        obligation = agreement.obligations.get()
        client = client_for(world.citizen)
        report = url("report", in_mediation, obligation_id=obligation.pk)
        early = client.post(report, {f"o{obligation.pk}-performed": "no", f"o{obligation.pk}-note": "没付"})
        assert early.status_code == 409
        time_machine.move_to(timezone.now() + dt.timedelta(days=3))
        client = client_for(world.citizen)
        response = client.post(
            report, {f"o{obligation.pk}-performed": "no", f"o{obligation.pk}-note": "没付"}
        )
        assert response.status_code == 302
        assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.BREACHED
        other = client_for(person(world, in_mediation, "other_citizen"))
        assert other.post(report, {f"o{obligation.pk}-performed": "yes"}).status_code == 404

    def test_sessions_show_to_the_parties(self, world, in_mediation):
        client_for(world.staff[Role.MEDIATOR]).post(
            url("staff_session_schedule", in_mediation),
            {"session-starts_at": when(), "session-mode": "video", "session-link": "https://meet.example/x"},
        )
        html = client_for(world.citizen).get(portal_page(in_mediation)).content.decode()
        assert 'data-testid="portal-session"' in html and "https://meet.example/x" in html


class TestDownloads:
    @pytest.mark.parametrize("name", ROLES)
    def test_pdf_by_role(self, world, in_mediation, name):
        record(world, in_mediation)
        user = person(world, in_mediation, name)
        client = client_for(user)
        portal = client.get(url("agreement_pdf", in_mediation)).status_code
        staff = client.get(url("staff_agreement_pdf", in_mediation)).status_code
        sees = {"citizen", "respondent", Role.GRID_WORKER, *MEDIATES, Role.ADMINISTRATOR}
        if name == "anonymous":
            assert portal == 302 and staff == 302
        else:
            assert portal == (200 if name in sees else 404)
        if name in sees - {"citizen", "respondent"}:
            assert staff == 200
        elif name == Role.ANALYST or name in ("citizen", "respondent", "other_citizen"):
            assert staff == 403
        elif name != "anonymous":
            assert staff == 404


class TestApi:
    @pytest.mark.parametrize("name", ROLES)
    def test_reading_and_scheduling_by_role(self, world, in_mediation, name):
        user = person(world, in_mediation, name)
        client = client_for(user)
        base = f"/api/mediation/matters/{in_mediation.display_code}"
        response = client.post(
            f"{base}/sessions",
            json.dumps({"starts_at": (timezone.now() + dt.timedelta(days=1)).isoformat(), "mode": "phone"}),
            content_type="application/json",
        )
        if name == "anonymous":
            assert response.status_code == 401
        elif name in ("citizen", "respondent", "other_citizen"):
            assert response.status_code in (403, 404)  # citizens do not schedule
        elif name in MEDIATES:
            assert response.status_code == 201, response.content
        elif name in (Role.GRID_WORKER, Role.ADMINISTRATOR):
            assert response.status_code == 403
        else:
            assert response.status_code in (403, 404)

    def test_agreement_conflicts_and_errors(self, world, in_mediation):
        client = client_for(world.staff[Role.MEDIATOR])
        base = f"/api/mediation/matters/{in_mediation.display_code}"
        respondent = in_mediation.parties.get(role=PartyRole.RESPONDENT)
        body: dict[str, Any] = {
            "terms": "赔偿八百元",
            "obligations": [
                {"obligor": respondent.pk, "description": "赔偿", "amount": "800.00", "due_on": "2020-01-01"}
            ],
        }
        bad = client.post(f"{base}/agreement", json.dumps(body), content_type="application/json")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["field"] == "obligations[0].due_on"
        body["obligations"][0]["due_on"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        created = client.post(f"{base}/agreement", json.dumps(body), content_type="application/json")
        assert created.status_code == 201 and created.json()["status"] == "awaiting"
        again = client.post(f"{base}/agreement", json.dumps(body), content_type="application/json")
        assert again.status_code == 409
        assert client.get(f"{base}/agreement").json()["obligations"][0]["amount"] == "800.00"
        obligation = created.json()["obligations"][0]["id"]
        report = client.post(
            f"{base}/obligations/{obligation}/report",
            json.dumps({"performed": True}),
            content_type="application/json",
        )
        assert report.status_code == 409 and report.json()["code"] == "wrong_state"
        assert Matter.objects.get(pk=in_mediation.pk).status == MatterStatus.RESOLVED
