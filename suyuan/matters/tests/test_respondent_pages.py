"""The respondent's page behind the link, the staff section and invite button, the grid workers' task list,
and the applicant's section: every role against every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import new_user, sign_in
from suyuan.matters import respondents
from suyuan.matters.choices import InvitationStatus
from suyuan.matters.models import FieldTask, RespondentInvitation
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE
from suyuan.matters.tests.test_respondent_support import accepted_dispute, beijing, invite, other_village

pytestmark = pytest.mark.django_db

EVERYONE = [
    "citizen",
    "other_citizen",
    Role.GRID_WORKER,
    "other_village",
    Role.MEDIATOR,
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.ANALYST,
    Role.ADMINISTRATOR,
    Role.COURT_CLERK,
    "kecheng",
    "operator",
    "anonymous",
]


def actor(world, name):
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    if name == "other_village":
        return other_village(world)[1]
    return world.actor(name)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def without_csrf(html: str) -> str:
    return re.sub(r'(value=|"X-CSRFToken": )"[A-Za-z0-9]{32,64}"', "", html)


def answer(client: Client, token: str, **data):
    return client.post(f"/r/{token}/", {"action": "answer", **data})


class TestRespondentPage:
    def test_shows_the_claim_without_the_applicant_s_identifiers(self, world):
        invited = invite(world)
        response = Client().get(f"/r/{invited.token}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert invited.matter.title in html and invited.matter.description in html
        assert invited.matter.desired_outcome in html
        assert world.orgs["village"].name in html
        assert "市民甲" in html
        assert APPLICANT_PHONE not in html and APPLICANT_PHONE[-4:] not in html
        assert RESPONDENT_PHONE not in html
        assert response["Cache-Control"].startswith("max-age=0")
        assert 'name="robots" content="noindex' in html

    def test_accepting_with_a_time_then_only_messages(self, world):
        invited = invite(world)
        day = timezone.localdate() + dt.timedelta(days=3)
        client = Client()
        response = answer(client, invited.token, decision="accept", date_1=day.isoformat(), part_1="evening")
        assert response.status_code == 302
        invitation = RespondentInvitation.objects.get(pk=invited.invitation.pk)
        assert invitation.status == InvitationStatus.ACCEPTED
        assert invitation.proposed_times == [{"date": day.isoformat(), "part": "evening"}]

        page = client.get(f"/r/{invited.token}/").content.decode()
        assert 'data-testid="respond-answer"' in page and 'data-testid="respond-submit"' not in page

        # A second decision is not taken; a message is.
        answer(client, invited.token, decision="decline", reason="不想了")
        assert RespondentInvitation.objects.get(pk=invited.invitation.pk).status == InvitationStatus.ACCEPTED
        response = client.post(f"/r/{invited.token}/", {"action": "reply", "reply": "请打电话给我"})
        assert response.status_code == 302
        assert invited.matter.events.filter(kind="respondent_replied", text="请打电话给我").exists()

    def test_bad_input_is_shown_on_the_form_and_changes_nothing(self, world):
        invited = invite(world)
        response = answer(Client(), invited.token, decision="decline", reason="", part_2="morning")
        assert response.status_code == 422
        assert RespondentInvitation.objects.get(pk=invited.invitation.pk).status == InvitationStatus.SENT

    def test_wrong_expired_and_replaced_links_get_the_same_page(self, world):
        with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
            first = invite(world)
            second = invite(world, first.matter)
        bodies = set()
        with time_machine.travel(beijing(2026, 3, 3, 10), tick=False):
            for token in ("x" * 43, first.token):
                response = Client().get(f"/r/{token}/")
                assert response.status_code == 404
                bodies.add(without_csrf(response.content.decode().replace(token, "")))
        with time_machine.travel(beijing(2026, 5, 3, 10), tick=False):
            response = Client().get(f"/r/{second.token}/")
            assert response.status_code == 404
            bodies.add(without_csrf(response.content.decode().replace(second.token, "")))
        assert len(bodies) == 1

    def test_wrong_links_are_rate_limited_per_address(self, world):
        invited = invite(world)
        client = Client()
        statuses = [client.get(f"/r/{'y' * 40}{n:03d}/").status_code for n in range(12)]
        assert statuses[:10] == [404] * 10
        assert statuses[-1] == 429
        # The same address is then refused a good link too, for a while.
        assert client.get(f"/r/{invited.token}/").status_code == 429


class TestStaffSection:
    @pytest.mark.parametrize("name", EVERYONE)
    def test_every_role_on_the_matter_page_and_the_invite_button(self, world, name, sms_outbox):
        matter = accepted_dispute(world)
        party = matter.parties.get(role="respondent")
        user = actor(world, name)
        client = client_for(user)
        page = client.get(f"/staff/matters/{matter.display_code}/")
        sees_page = name in (
            Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR, "operator"
        )  # fmt: skip
        assert (page.status_code == 200) == sees_page
        may_invite = name in (Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, "operator")
        if sees_page:
            html = page.content.decode()
            assert 'data-testid="respondents"' in html
            assert (f'data-testid="invite-{party.pk}"' in html) == may_invite
        sms_outbox.clear()
        response = client.post(f"/staff/matters/{matter.display_code}/respondents/{party.pk}/invite/")
        invited = RespondentInvitation.objects.exists()
        assert invited == may_invite
        if may_invite:
            assert response.status_code == 302
            assert sms_outbox[-1][0] == RESPONDENT_PHONE
        elif name == "anonymous":
            assert response.status_code == 302 and "/accounts/" in response["Location"]
        else:
            assert response.status_code in (403, 404)

    def test_the_section_shows_the_answer_and_the_visit(self, world):
        invited = invite(world)
        day = timezone.localdate() + dt.timedelta(days=2)
        respondents.invitation_respond(
            token=invited.token, accept=True, proposed_times=[(day, "morning")], reply="我在家"
        )
        FieldTask.objects.create(
            matter=invited.matter,
            kind="reach_respondent",
            party=invited.party,
            organization=world.orgs["village"],
        )
        html = client_for(world.staff[Role.DISPATCHER]).get(f"/staff/matters/{invited.matter.display_code}/")
        text = html.content.decode()
        assert "我在家" in text
        assert day.strftime("%Y-%m-%d") in text
        assert 'data-testid="field-task"' in text


class TestTaskList:
    @pytest.mark.parametrize("name", EVERYONE)
    def test_every_role(self, world, name):
        invited = invite(world)
        FieldTask.objects.create(
            matter=invited.matter,
            kind="reach_respondent",
            party=invited.party,
            organization=world.orgs["village"],
            instructions="上门告知",
        )
        response = client_for(actor(world, name)).get("/staff/tasks/")
        if name in (Role.GRID_WORKER, "operator"):
            assert response.status_code == 200
            html = response.content.decode()
            assert html.count('data-testid="task"') == 1
            assert "楼上住户" in html and RESPONDENT_PHONE not in html
        elif name == "other_village":
            assert response.status_code == 200
            assert 'data-testid="task"' not in response.content.decode()
        elif name == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == 403

    def test_a_grid_worker_reports_from_the_list(self, world):
        invited = invite(world)
        task = FieldTask.objects.create(
            matter=invited.matter,
            kind="reach_respondent",
            party=invited.party,
            organization=world.orgs["village"],
        )
        client = client_for(world.staff[Role.GRID_WORKER])
        response = client.post(f"/staff/tasks/{task.pk}/complete/", {"outcome": ""})
        assert response.status_code == 422
        response = client.post(
            f"/staff/tasks/{task.pk}/complete/", {"outcome": "reached_agrees", "note": "同意"}
        )
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.status == "done"
        assert (
            RespondentInvitation.objects.get(pk=invited.invitation.pk).recorded_by
            == world.staff[Role.GRID_WORKER]
        )
        # Another village's grid worker cannot even find it.
        other = client_for(other_village(world)[1])
        assert other.post(f"/staff/tasks/{task.pk}/complete/", {"outcome": "refused"}).status_code == 404

    def test_the_list_takes_the_same_queries_however_many_tasks(self, world, django_assert_max_num_queries):
        invited = invite(world)
        client = client_for(world.staff[Role.GRID_WORKER])

        def add(n: int) -> None:
            for _ in range(n):
                FieldTask.objects.create(
                    matter=invited.matter,
                    kind="reach_respondent",
                    party=invited.party,
                    organization=world.orgs["village"],
                )

        add(1)
        client.get("/staff/tasks/")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            assert client.get("/staff/tasks/").status_code == 200
        add(20)
        with django_assert_max_num_queries(len(one.captured_queries)):
            response = client.get("/staff/tasks/")
        assert response.content.decode().count('data-testid="task"') == 21


class TestApplicantSection:
    def test_the_applicant_sees_that_the_other_side_agreed(self, world):
        invited = invite(world)
        page = client_for(world.citizen).get(f"/matters/{invited.matter.display_code}/").content.decode()
        assert 'data-testid="other-side-sent"' in page
        respondents.invitation_respond(token=invited.token, accept=True)
        page = client_for(world.citizen).get(f"/matters/{invited.matter.display_code}/").content.decode()
        assert 'data-testid="other-side-accepted"' in page

    def test_nothing_before_an_invitation(self, world):
        matter = accepted_dispute(world)
        page = client_for(world.citizen).get(f"/matters/{matter.display_code}/").content.decode()
        assert 'data-testid="other-side"' not in page
