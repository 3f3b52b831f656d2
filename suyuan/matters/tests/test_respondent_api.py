"""The API of the other side: invite, read invitations, answer by token, the grid workers' tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import new_user, sign_in
from suyuan.matters.choices import InvitationStatus
from suyuan.matters.models import FieldTask, RespondentInvitation
from suyuan.matters.tests.test_respondent_support import accepted_dispute, invite, other_village

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
SEES_MATTER = {
    Role.GRID_WORKER,
    Role.MEDIATOR,
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    "operator",
}
INVITES = {Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, "operator"}


def actor(world, name):
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    if name == "other_village":
        return other_village(world)[1]
    return world.actor(name)


def post(client: Client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


@pytest.mark.parametrize("name", EVERYONE)
def test_invite_and_read_invitations_by_role(world, name):
    matter = accepted_dispute(world)
    party = matter.parties.get(role="respondent")
    client = sign_in(Client(), actor(world, name))
    url = f"/api/matters/{matter.tracking_code}/invitations"

    response = post(client, url, {"party_id": party.pk})
    if name in INVITES:
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "sent"
        assert "token" not in str(response.json())
    elif name == "anonymous":
        assert response.status_code == 401
    elif name in SEES_MATTER or name == "citizen":
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert RespondentInvitation.objects.exists() == (name in INVITES)

    listed = client.get(url)
    if name in SEES_MATTER:
        assert listed.status_code == 200
        assert len(listed.json()) == (1 if name in INVITES else 0)
    elif name == "anonymous":
        assert listed.status_code == 401
    elif name == "citizen":
        assert listed.status_code == 403
    else:
        assert listed.status_code == 404


def test_invite_refusals_name_the_field(world):
    matter = accepted_dispute(world)
    applicant = matter.parties.get(role="applicant")
    client = sign_in(Client(), world.staff[Role.DISPATCHER])
    response = post(client, f"/api/matters/{matter.tracking_code}/invitations", {"party_id": applicant.pk})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "party_id"


def test_answer_by_token_without_signing_in(world):
    invited = invite(world)
    day = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    client = Client()
    read = client.get(f"/api/matters/respond/{invited.token}")
    assert read.status_code == 200
    assert read.json()["title"] == invited.matter.title
    assert "phone" not in str(read.json())

    response = post(
        client,
        f"/api/matters/respond/{invited.token}",
        {"accept": True, "proposed_times": [{"date": day, "part": "afternoon"}], "reply": "好"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == InvitationStatus.ACCEPTED
    assert response.json()["proposed_times"] == [{"date": day, "part": "afternoon"}]

    again = post(client, f"/api/matters/respond/{invited.token}", {"accept": False, "reason": "不了"})
    assert again.status_code == 422
    reply = post(client, f"/api/matters/respond/{invited.token}", {"reply": "周三下午最好"})
    assert reply.status_code == 200


def test_a_wrong_token_answers_404_and_too_many_429(world):
    client = Client()
    assert client.get("/api/matters/respond/" + "q" * 43).status_code == 404
    assert post(client, "/api/matters/respond/" + "q" * 43, {"accept": True}).status_code == 404
    statuses = [client.get("/api/matters/respond/" + "q" * 43).status_code for _ in range(40)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("name", EVERYONE)
def test_field_tasks_by_role(world, name):
    invited = invite(world)
    task = FieldTask.objects.create(
        matter=invited.matter,
        kind="reach_respondent",
        party=invited.party,
        organization=world.orgs["village"],
    )
    client = sign_in(Client(), actor(world, name))
    mine = client.get("/api/matters/field-tasks/mine")
    if name in (Role.GRID_WORKER, "operator"):
        assert mine.status_code == 200
        assert [t["id"] for t in mine.json()] == [task.pk]
        assert mine.json()[0]["party_name"] == "楼上住户"
    elif name == "other_village":
        assert mine.status_code == 200 and mine.json() == []
    elif name == "anonymous":
        assert mine.status_code == 401
    else:
        assert mine.status_code == 403

    done = post(client, f"/api/matters/field-tasks/{task.pk}/complete", {"outcome": "not_reached"})
    may_complete = {Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, "operator"}
    if name in may_complete:
        assert done.status_code == 200 and done.json()["status"] == "done"
    elif name == "anonymous":
        assert done.status_code == 401
    elif name == Role.ADMINISTRATOR:
        assert done.status_code == 403
    else:
        assert done.status_code == 404


def test_completing_with_a_bad_outcome_is_422(world):
    invited = invite(world)
    task = FieldTask.objects.create(
        matter=invited.matter,
        kind="reach_respondent",
        party=invited.party,
        organization=world.orgs["village"],
    )
    client = sign_in(Client(), world.staff[Role.GRID_WORKER])
    response = post(client, f"/api/matters/field-tasks/{task.pk}/complete", {"outcome": "gone fishing"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "outcome"
