"""The matters API: filing with an idempotency key, lists, one matter, its timeline, every command, who may
do what, the anonymous status check and the number of queries a list takes."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.matters import codes, services
from suyuan.matters.choices import MatterStatus, PartyRole
from suyuan.matters.models import Category, Matter, MatterEvent, Party
from suyuan.matters.services import PartyInput
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE, file_dispute
from suyuan.notifications.models import OutboundMessage
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db

# session, user, second factor, memberships and organisation tree (scope), count, page
MAX_LIST_QUERIES = 12

VISIBLE = {Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR}
HIDDEN = {Role.ANALYST, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER}
EVERYONE = sorted(
    [*VISIBLE, *HIDDEN, "citizen", "other_citizen", "kecheng", "kecheng_admin", "operator", "anonymous"]
)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def actor(world: World, name: str):
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    return world.actor(name)


def post(client: Client, path: str, body: dict[str, Any] | None = None, **extra: Any):
    return client.post(path, body or {}, content_type="application/json", **extra)


def fields(response) -> set[str | None]:
    return {error["field"] for error in response.json()["detail"]}


def new_matter_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "dispute",
        "title": "邻居装修噪音扰民",
        "description": "楼上邻居连续两周在晚上十点后装修，多次沟通无果。",
        "desired_outcome": "晚上八点后停止施工",
        "occurred_on": "2025-05-01",
        "region_code": "330881001001",
        "address_text": "江山市双塔街道城北社区某小区3幢",
        "category_code": "neighbours",
        "parties": [
            {
                "role": "applicant",
                "name": "市民甲",
                "phone": APPLICANT_PHONE,
                "id_number": "330881199001011238",
            },
            {"role": "respondent", "name": "楼上住户", "phone": RESPONDENT_PHONE},
        ],
        "privacy_consent": True,
    }
    body.update(overrides)
    return body


def nothing_written() -> bool:
    return not (
        Matter.objects.exists()
        or Party.objects.exists()
        or MatterEvent.objects.exists()
        or OutboundMessage.objects.exists()
    )


def api_token(username: str) -> str:
    out = StringIO()
    call_command("create_api_token", username=username, name="12345 hotline docking", stdout=out)
    return out.getvalue().strip()


def url(matter: Matter, action: str = "") -> str:
    return f"/api/matters/{matter.tracking_code}" + (f"/{action}" if action else "")


def withdrawn_matter(world: World) -> Matter:
    matter = file_dispute(world)
    services.matter_withdraw(matter=matter, actor=world.citizen, reason="已私下和解")
    return matter


# --- Create -----------------------------------------------------------------------------------------------


class TestCreate:
    def test_a_citizen_files_once_and_a_retry_with_the_same_key_returns_the_same_matter(
        self, world, sms_outbox
    ):
        client = client_for(world.citizen)

        first = post(client, "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY="form-7f3a_1")
        assert first.status_code == 201
        data = first.json()
        assert data["display_code"] == "-".join(data["code"][i : i + 4] for i in (0, 4, 8))
        assert (data["status"], data["channel"], data["kind"]) == ("submitted", "portal", "dispute")
        assert data["region"]["code"] == "330881001001" and data["region"]["full_name"].endswith("城北社区")
        assert data["category"]["code"] == "neighbours"
        assert data["organization"]["name"] == "城北社区人民调解委员会"
        assert data["version"] == 1 and data["merged_into"] is None
        assert data["allowed_commands"] == ["withdraw"]
        applicant = data["parties"][0]
        assert applicant["phone_masked"] == "139****1111"
        assert applicant["id_number_masked"] == "330881********1238"
        assert APPLICANT_PHONE not in first.content.decode()
        assert "330881199001011238" not in first.content.decode()
        matter = Matter.objects.get()
        assert matter.owner == world.citizen and matter.agent is None
        assert len(sms_outbox) == 1

        again = post(client, "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY="form-7f3a_1")
        assert again.status_code == 200
        assert again.json()["code"] == data["code"]
        assert Matter.objects.count() == 1
        assert len(sms_outbox) == 1

        other = post(client, "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY="form-7f3a_2")
        assert other.status_code == 201
        assert other.json()["code"] != data["code"]
        assert Matter.objects.count() == 2

    def test_without_a_key_every_post_files_a_new_matter(self, world):
        client = client_for(world.citizen)
        assert post(client, "/api/matters", new_matter_body()).status_code == 201
        assert post(client, "/api/matters", new_matter_body()).status_code == 201
        assert Matter.objects.count() == 2

    def test_the_same_key_of_another_user_is_another_matter(self, world):
        body = new_matter_body()
        first = post(client_for(world.citizen), "/api/matters", body, HTTP_IDEMPOTENCY_KEY="k1")
        second = post(client_for(new_user(username="c2")), "/api/matters", body, HTTP_IDEMPOTENCY_KEY="k1")
        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json()["code"] != second.json()["code"]

    def test_a_citizen_always_files_through_the_portal_for_themselves(self, world):
        response = post(client_for(world.citizen), "/api/matters", new_matter_body(channel="hotline"))
        assert response.json()["channel"] == "portal"
        assert Matter.objects.get().owner == world.citizen

    def test_staff_name_the_channel_and_record_the_citizen_s_consent(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        client = client_for(dispatcher)

        missing = post(client, "/api/matters", new_matter_body(channel="hotline"))
        assert missing.status_code == 422 and fields(missing) == {"agent_consent"}
        no_channel = post(client, "/api/matters", new_matter_body(agent_consent="电话录音"))
        assert no_channel.status_code == 422 and fields(no_channel) == {"channel"}
        portal = post(client, "/api/matters", new_matter_body(channel="portal", agent_consent="电话录音"))
        assert portal.status_code == 422 and fields(portal) == {"channel"}
        assert nothing_written()

        response = post(client, "/api/matters", new_matter_body(channel="hotline", agent_consent="电话录音"))
        assert response.status_code == 201
        assert response.json()["channel"] == "hotline"
        assert set(response.json()["allowed_commands"]) == {"accept", "decline", "merge", "withdraw"}
        matter = Matter.objects.get()
        assert (matter.owner, matter.agent, matter.entered_by) == (None, dispatcher, dispatcher)
        assert matter.agent_consent == "电话录音"

    def test_staff_without_an_entry_role_may_not_file(self, world):
        response = post(
            client_for(world.staff[Role.ANALYST]),
            "/api/matters",
            new_matter_body(channel="walk_in", agent_consent="当面签字"),
        )
        assert response.status_code == 403
        assert nothing_written()

    def test_a_token_client_files_as_the_token_s_user_through_the_api_channel(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        token = api_token(dispatcher.username)
        client = Client()
        body = new_matter_body(agent_consent="12345 热线录音 #20250501-0042")

        first = post(
            client, "/api/matters", body, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="t-1"
        )
        again = post(
            client, "/api/matters", body, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="t-1"
        )

        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["channel"] == "api"
        assert first.json()["code"] == again.json()["code"]
        matter = Matter.objects.get()
        assert (matter.entered_by, matter.agent, matter.idempotency_key) == (dispatcher, dispatcher, "t-1")

    def test_a_citizen_s_token_files_for_the_citizen(self, world):
        token = api_token(world.citizen.username)
        response = post(Client(), "/api/matters", new_matter_body(), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 201
        assert response.json()["channel"] == "api"
        assert Matter.objects.get().owner == world.citizen

    @pytest.mark.parametrize(
        "overrides, expected",
        [
            ({"region_code": "330881999999"}, {"region_code"}),
            ({"region_code": "33088"}, {"region_code"}),
            ({"region_code": "33"}, {"region_code"}),  # exists, but a province is not a place
            ({"category_code": "astrology"}, {"category_code"}),
            ({"kind": "lawsuit"}, {"kind"}),
            ({"privacy_consent": False}, {"privacy_consent"}),
            ({"occurred_on": "2999-01-01"}, {"occurred_on"}),
            ({"occurred_on": "yesterday"}, {"occurred_on"}),
            ({"title": "  ", "description": ""}, {"title", "description"}),
            ({"title": "长" * 121}, {"title"}),
            ({"parties": [{"role": "applicant", "name": "甲", "phone": APPLICANT_PHONE}]}, {"parties"}),
            (
                {
                    "parties": [
                        {"role": "applicant", "name": "甲", "phone": "12345"},
                        {"role": "respondent", "name": "", "id_number": "110105194912310021"},
                        {"role": "judge", "kind": "robot", "name": "丙", "credit_code": "91330000X"},
                    ]
                },
                {
                    "parties[0].phone",
                    "parties[1].name",
                    "parties[1].id_number",
                    "parties[2].role",
                    "parties[2].kind",
                    "parties[2].credit_code",
                },
            ),
            ({"parties": [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}]}, {"parties[0].phone"}),
            ({"title": None}, {"title"}),
            ({"parties": "甲和乙"}, {"parties"}),
        ],
    )  # fmt: skip
    def test_every_refusal_names_its_field_and_writes_nothing(self, world, sms_outbox, overrides, expected):
        client = client_for(world.citizen)
        response = post(client, "/api/matters", new_matter_body(**overrides), HTTP_IDEMPOTENCY_KEY="once")
        assert response.status_code == 422
        assert fields(response) == expected
        assert all(error["message"] for error in response.json()["detail"])
        assert nothing_written()
        assert not sms_outbox
        # The key was not used up by the refusal: the corrected form files under it.
        assert post(client, "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY="once").status_code == 201

    def test_an_inactive_category_is_refused(self, world):
        Category.objects.filter(code="neighbours").update(is_active=False)
        response = post(client_for(world.citizen), "/api/matters", new_matter_body())
        assert response.status_code == 422 and fields(response) == {"category_code"}
        assert nothing_written()

    @pytest.mark.parametrize("key", ["", "has space", "ключ", "x" * 65, "a/b", "a.b"])
    def test_a_malformed_idempotency_key_is_refused(self, world, key):
        response = post(
            client_for(world.citizen), "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
        assert nothing_written()

    def test_a_key_of_64_characters_is_fine(self, world):
        response = post(
            client_for(world.citizen), "/api/matters", new_matter_body(), HTTP_IDEMPOTENCY_KEY="A-_9" * 16
        )
        assert response.status_code == 201

    def test_messages_follow_the_requested_language(self, world):
        response = post(
            client_for(world.citizen),
            "/api/matters",
            new_matter_body(privacy_consent=False),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.json()["detail"][0]["message"] == "Please read and accept the privacy notice."


# --- Lists ------------------------------------------------------------------------------------------------


class TestList:
    def test_a_citizen_lists_their_own_matters(self, world):
        mine = file_dispute(world)
        someone_else = new_user(username="c2")
        file_dispute(world, actor=someone_else, owner=someone_else)
        data = client_for(world.citizen).get("/api/matters").json()
        assert data["count"] == 1
        assert [item["code"] for item in data["items"]] == [mine.tracking_code]

    def test_staff_list_their_area_only(self, world, dispute):
        assert client_for(world.staff[Role.DISPATCHER]).get("/api/matters").json()["count"] == 1
        assert client_for(world.kecheng).get("/api/matters").json()["count"] == 0
        assert client_for(world.staff[Role.ANALYST]).get("/api/matters").json()["count"] == 0

    def test_queues_and_filters(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        first = file_dispute(world)
        second = file_dispute(world, title="楼下漏水")
        services.matter_accept(matter=second, actor=dispatcher)
        client = client_for(dispatcher)

        def codes(**params: Any) -> list[str]:
            response = client.get("/api/matters", params)
            assert response.status_code == 200, response.content
            return [item["code"] for item in response.json()["items"]]

        assert codes(queue="new") == [first.tracking_code]
        assert codes(status="accepted") == [second.tracking_code]
        assert set(codes(queue="all")) == {first.tracking_code, second.tracking_code}
        assert codes(q=second.display_code.lower()) == [second.tracking_code]
        assert codes(q="漏水") == [second.tracking_code]
        assert set(codes(region="330881001", kind="dispute", category="neighbours")) == {
            first.tracking_code,
            second.tracking_code,
        }
        assert codes(region="330802") == []
        assert codes(organization=world.orgs["village"].pk, queue="new") == [first.tracking_code]

    def test_bad_filters_answer_422_by_name(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        response = client.get("/api/matters", {"status": "lost", "kind": "lawsuit", "region": "3308x"})
        assert response.status_code == 422
        assert fields(response) == {"status", "kind", "region"}
        assert fields(client.get("/api/matters", {"queue": "later"})) == {"queue"}
        assert fields(client.get("/api/matters", {"organization": "centre"})) == {"organization"}

    def test_pages(self, world):
        for _ in range(3):
            file_dispute(world)
        data = client_for(world.citizen).get("/api/matters", {"page_size": 2, "page": 2}).json()
        assert data["count"] == 3 and len(data["items"]) == 1

    def test_a_list_takes_the_same_few_queries_however_long_it_is(self, world, django_assert_max_num_queries):
        client = client_for(world.staff[Role.DISPATCHER])
        client.get("/api/me")  # warm the session
        mediator = world.staff[Role.MEDIATOR]
        for _ in range(3):
            services.matter_assign(
                matter=services.matter_accept(matter=file_dispute(world), actor=world.staff[Role.DISPATCHER]),
                actor=world.staff[Role.DISPATCHER],
                organization=world.orgs["township"],
                mediator=mediator,
            )
        everything: dict[str, str | int] = {"queue": "all", "page_size": 100}
        with django_assert_max_num_queries(MAX_LIST_QUERIES) as few:
            assert client.get("/api/matters", everything).json()["count"] == 3
        for _ in range(27):
            file_dispute(world)
        with django_assert_max_num_queries(MAX_LIST_QUERIES) as many:
            assert client.get("/api/matters", everything).json()["count"] == 30
        assert len(many.captured_queries) == len(few.captured_queries)


# --- One matter and its timeline ----------------------------------------------------------------------


class TestDetail:
    def test_the_code_may_be_typed_loosely(self, world, dispute):
        client = client_for(world.citizen)
        for typed in (dispute.tracking_code, dispute.display_code, dispute.display_code.lower()):
            response = client.get(f"/api/matters/{typed}")
            assert response.status_code == 200
            assert response.json()["code"] == dispute.tracking_code

    def test_missing_malformed_and_hidden_matters_answer_the_same_404(self, world, dispute):
        client = client_for(world.kecheng)
        hidden = client.get(url(dispute))
        other = file_dispute(world)
        code = other.tracking_code
        Matter.objects.filter(pk=other.pk).update(tracking_code="0" * 11 + "0")
        missing = client_for(world.staff[Role.DISPATCHER]).get(f"/api/matters/{code}")
        malformed = client_for(world.staff[Role.DISPATCHER]).get("/api/matters/not-a-code")
        assert hidden.status_code == missing.status_code == malformed.status_code == 404
        assert hidden.content == missing.content == malformed.content

    @pytest.mark.parametrize(
        "who, commands",
        [
            ("citizen", ["withdraw"]),
            (Role.DISPATCHER, ["accept", "decline", "merge", "withdraw"]),
            (Role.SUPERVISOR, ["accept", "decline", "merge", "withdraw"]),
            ("operator", ["accept", "decline", "merge", "withdraw"]),
            (Role.GRID_WORKER, []),
            (Role.MEDIATOR, []),
            (Role.ADMINISTRATOR, []),
        ],
    )
    def test_allowed_commands_are_what_the_status_allows_and_the_reader_may_do(
        self, world, dispute, who, commands
    ):
        assert client_for(world.actor(who)).get(url(dispute)).json()["allowed_commands"] == commands

    def test_the_assigned_mediator_may_run_the_mediation(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        mediator = world.staff[Role.MEDIATOR]
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(
            matter=dispute, actor=dispatcher, organization=world.orgs["township"], mediator=mediator
        )
        data = client_for(mediator).get(url(dispute)).json()
        assert data["allowed_commands"] == ["escalate", "start_mediation"]
        assert data["mediator"] == {"id": mediator.pk, "full_name": mediator.full_name}
        assert data["status"] == "assigned" and data["version"] == 3

    def test_identifiers_are_masked_for_every_reader(self, world):
        matter = file_dispute(
            world,
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="甲", phone=APPLICANT_PHONE, id_number="330881199001011238"),
                PartyInput(role=PartyRole.RESPONDENT, name="乙", phone=RESPONDENT_PHONE),
            ],
        )  # fmt: skip
        for who in ("citizen", Role.DISPATCHER, "operator"):
            text = client_for(world.actor(who)).get(url(matter)).content.decode()
            for clear in (APPLICANT_PHONE, RESPONDENT_PHONE, "330881199001011238"):
                assert clear not in text

    def test_staff_read_internal_notes_and_parties_do_not(self, world, dispute):
        services.matter_add_note(matter=dispute, actor=world.staff[Role.DISPATCHER], text="注意沟通方式")
        staff_view = client_for(world.staff[Role.DISPATCHER]).get(url(dispute, "events")).json()
        citizen_view = client_for(world.citizen).get(url(dispute, "events")).json()
        assert [e["kind"] for e in staff_view] == ["received", "note", "note"]
        assert [e["kind"] for e in citizen_view] == ["received"]
        received = citizen_view[0]
        assert received["seq"] == 1 and received["visibility"] == "public"
        assert received["to_status"] == "submitted" and received["from_status"] == ""
        assert received["kind_label"] and received["actor_label"]
        assert received["data"] == {"channel": "portal", "agent": False}
        assert {e["visibility"] for e in staff_view[1:]} == {"internal"}

    def test_staff_read_the_priority_and_parties_do_not(self, world, dispute):
        Matter.objects.filter(pk=dispute.pk).update(priority=2)
        for who in (Role.DISPATCHER, "operator"):
            one = client_for(world.actor(who)).get(url(dispute)).json()
            assert one["priority"] == 2 and one["priority_label"]
            listed = client_for(world.actor(who)).get("/api/matters?queue=all").json()["items"]
            assert {m["priority"] for m in listed if m["code"] == dispute.tracking_code} == {2}
        mine = client_for(world.citizen).get(url(dispute)).json()
        assert mine["priority"] is None and mine["priority_label"] is None
        listed = client_for(world.citizen).get("/api/matters").json()["items"]
        assert listed and all(m["priority"] is None for m in listed)

    def test_mediator_suggestions_for_intake_staff(self, world, dispute):
        mediator = world.staff[Role.MEDIATOR]
        Membership.objects.create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)
        client = client_for(world.staff[Role.DISPATCHER])

        [suggestion] = client.get(url(dispute, "mediator-suggestions")).json()
        assert suggestion["id"] == mediator.pk and suggestion["open_matters"] == 0
        assert suggestion["reasons"]
        township = client.get(
            url(dispute, "mediator-suggestions"), {"organization_id": world.orgs["township"].pk}
        )
        assert [s["id"] for s in township.json()] == [mediator.pk]
        elsewhere = client.get(
            url(dispute, "mediator-suggestions"), {"organization_id": world.orgs["kecheng_centre"].pk}
        )
        assert elsewhere.status_code == 422 and fields(elsewhere) == {"organization_id"}
        assert client_for(mediator).get(url(dispute, "mediator-suggestions")).status_code == 403


# --- Commands ---------------------------------------------------------------------------------------------


class TestCommands:
    def test_the_way_to_an_agreement_and_closure(self, world, dispute, sms_outbox):
        dispatcher = client_for(world.staff[Role.DISPATCHER])
        mediator = world.staff[Role.MEDIATOR]

        accepted = post(dispatcher, url(dispute, "accept"), {"expected_version": 1, "note": "材料齐全"})
        assert accepted.status_code == 200, accepted.content
        assert (accepted.json()["status"], accepted.json()["version"]) == ("accepted", 2)
        assert accepted.json()["accepted_at"] is not None
        assigned = post(
            dispatcher,
            url(dispute, "assign"),
            {"organization_id": world.orgs["township"].pk, "mediator_id": mediator.pk, "expected_version": 2},
        )
        assert assigned.status_code == 200, assigned.content
        assert assigned.json()["mediator"]["id"] == mediator.pk
        assert assigned.json()["organization"]["id"] == world.orgs["township"].pk

        as_mediator = client_for(mediator)
        assert post(as_mediator, url(dispute, "start-mediation")).json()["status"] == "in_mediation"
        # The agreement, with its obligations, is recorded through the mediation API.
        agreed = post(
            as_mediator,
            f"/api/mediation/matters/{dispute.tracking_code}/agreement",
            {"terms": "晚上八点后停止施工。"},
        )
        assert agreed.status_code == 201, agreed.content
        data = client_for(mediator).get(url(dispute)).json()
        assert (data["status"], data["outcome_summary"]) == ("resolved", "晚上八点后停止施工。")
        closed = post(as_mediator, url(dispute, "close"), {"expected_version": 5})
        assert closed.status_code == 200
        data = closed.json()
        assert (data["status"], data["version"], data["allowed_commands"]) == ("closed", 6, [])
        assert data["closed_at"] is not None and data["due_at"] is None

        kinds = [e["kind"] for e in client_for(world.citizen).get(url(dispute, "events")).json()]
        assert kinds == [
            "received",
            "accepted",
            "assigned",
            "mediation_started",
            "agreement_recorded",
            "closed",
        ]

    def test_a_body_may_be_left_out_of_commands_without_fields(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        assert client.post(url(dispute, "accept"), content_type="application/json").status_code == 200

    def test_decline_needs_a_reason_that_the_citizen_sees(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        short = post(client, url(dispute, "decline"), {"reason": "不"})
        assert short.status_code == 422 and fields(short) == {"reason"}
        missing = post(client, url(dispute, "decline"), {})
        assert missing.status_code == 422 and fields(missing) == {"reason"}
        dispute.refresh_from_db()
        assert (dispute.status, dispute.version) == (MatterStatus.SUBMITTED, 1)

        declined = post(client, url(dispute, "decline"), {"reason": "属于劳动争议，请向劳动仲裁委申请。"})
        assert declined.status_code == 200
        assert declined.json()["decline_reason"] == "属于劳动争议，请向劳动仲裁委申请。"
        timeline = client_for(world.citizen).get(url(dispute, "events")).json()
        assert timeline[-1]["kind"] == "declined" and "劳动仲裁" in timeline[-1]["text"]

    def test_merge_a_duplicate(self, world, dispute):
        duplicate = file_dispute(world)
        client = client_for(world.staff[Role.DISPATCHER])

        unknown = post(client, url(duplicate, "merge"), {"into_code": "7K3M-9QXW-2RTK"})
        assert unknown.status_code == 422 and fields(unknown) == {"into_code"}
        hidden = Matter.objects.create(
            tracking_code=codes.generate(),
            kind="dispute",
            channel="portal",
            title="x",
            description="x",
            region_id="330802",
            privacy_consent_at=dispute.created_at,
        )
        elsewhere = post(client, url(duplicate, "merge"), {"into_code": hidden.tracking_code})
        assert elsewhere.status_code == 422 and fields(elsewhere) == {"into_code"}
        itself = post(client, url(duplicate, "merge"), {"into_code": duplicate.display_code})
        assert itself.status_code == 422 and fields(itself) == {"into_code"}

        merged = post(
            client, url(duplicate, "merge"), {"into_code": dispute.display_code, "reason": "重复提交"}
        )
        assert merged.status_code == 200
        assert (merged.json()["status"], merged.json()["merged_into"]) == ("merged", dispute.display_code)

    def test_assign_refuses_organisations_and_people_outside_the_area(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        post(client, url(dispute, "accept"))
        elsewhere = post(client, url(dispute, "assign"), {"organization_id": world.orgs["kecheng_centre"].pk})
        assert elsewhere.status_code == 422 and fields(elsewhere) == {"organization_id"}
        not_a_mediator = post(
            client,
            url(dispute, "assign"),
            {"organization_id": world.orgs["village"].pk, "mediator_id": world.staff[Role.MEDIATOR].pk},
        )
        assert not_a_mediator.status_code == 422 and fields(not_a_mediator) == {"mediator_id"}
        stranger = post(
            client,
            url(dispute, "assign"),
            {"organization_id": world.orgs["village"].pk, "mediator_id": world.kecheng.pk},
        )
        assert stranger.status_code == 422 and fields(stranger) == {"mediator_id"}
        no_org = post(client, url(dispute, "assign"), {"mediator_id": world.staff[Role.MEDIATOR].pk})
        assert no_org.status_code == 422 and fields(no_org) == {"organization_id"}
        dispute.refresh_from_db()
        assert (dispute.status, dispute.version) == (MatterStatus.ACCEPTED, 2)

    def test_escalate_hands_up_one_level(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        post(client, url(dispute, "accept"))
        response = post(client, url(dispute, "escalate"), {"reason": "涉及多户，需街道协调"})
        assert response.status_code == 200
        assert response.json()["organization"]["id"] == world.orgs["township"].pk

    def test_record_failure_names_the_next_route(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        post(client, url(dispute, "accept"))
        post(client, url(dispute, "assign"), {"organization_id": world.orgs["village"].pk})
        post(client, url(dispute, "start-mediation"))
        bad = post(client, url(dispute, "record-failure"), {"reason": "双方分歧较大", "route": "moon"})
        assert bad.status_code == 422 and fields(bad) == {"route"}
        response = post(client, url(dispute, "record-failure"), {"reason": "双方分歧较大", "route": "court"})
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["failure_route"]) == ("unresolved", "court")

    def test_the_applicant_withdraws(self, world, dispute):
        response = post(client_for(world.citizen), url(dispute, "withdraw"), {"reason": "已私下和解"})
        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"

    def test_notes_are_for_staff_and_messages_for_everyone(self, world, dispute):
        note = post(client_for(world.staff[Role.GRID_WORKER]), url(dispute, "notes"), {"text": "已电话联系"})
        assert note.status_code == 201
        assert (note.json()["kind"], note.json()["visibility"]) == ("note", "internal")
        refused = post(client_for(world.citizen), url(dispute, "notes"), {"text": "我也想记一笔"})
        assert refused.status_code == 403
        empty = post(client_for(world.citizen), url(dispute, "messages"), {"text": "   "})
        assert empty.status_code == 422 and fields(empty) == {"text"}
        message = post(client_for(world.citizen), url(dispute, "messages"), {"text": "请问什么时候联系我？"})
        assert message.status_code == 201
        assert (message.json()["kind"], message.json()["visibility"]) == ("message", "public")
        services.matter_withdraw(matter=dispute, actor=world.citizen)
        closed = post(client_for(world.citizen), url(dispute, "messages"), {"text": "还在吗？"})
        assert closed.status_code == 422 and fields(closed) == {"text"}

    @pytest.mark.parametrize(
        "action, body",
        [
            ("accept", {}),
            ("decline", {"reason": "不属于受理范围"}),
            ("merge", {"into_code": "ORIGINAL"}),
            ("assign", {"organization_id": "VILLAGE"}),
            ("escalate", {"reason": "需要上级协调"}),
            ("start-mediation", {}),
            ("record-failure", {"reason": "双方分歧较大", "route": "court"}),
            ("withdraw", {"reason": "不需要了"}),
            ("close", {}),
        ],
    )
    def test_a_command_the_status_does_not_allow_answers_409_and_changes_nothing(
        self, world, english, action, body
    ):
        matter = withdrawn_matter(world)
        original = file_dispute(world)
        body = {
            key: {"ORIGINAL": original.tracking_code, "VILLAGE": world.orgs["village"].pk}.get(value, value)
            for key, value in body.items()
        }
        response = post(client_for(world.staff[Role.SUPERVISOR]), url(matter, action), body)
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "illegal_transition"
        assert "cannot be given the command" in response.json()["detail"]
        matter.refresh_from_db()
        assert (matter.status, matter.version) == (MatterStatus.WITHDRAWN, 2)
        assert matter.events.count() == 3  # received, the routing note, withdrawn

    @pytest.mark.parametrize(
        "action, body",
        [
            ("accept", {}),
            ("decline", {"reason": "不属于受理范围"}),
            ("merge", {"into_code": "ORIGINAL"}),
            ("assign", {"organization_id": "VILLAGE"}),
            ("escalate", {"reason": "需要上级协调"}),
            ("start-mediation", {}),
            ("record-failure", {"reason": "双方分歧较大", "route": "court"}),
            ("withdraw", {"reason": "不需要了"}),
            ("close", {}),
        ],
    )
    def test_a_stale_version_answers_409_and_changes_nothing(self, world, english, dispute, action, body):
        original = file_dispute(world)
        body = {
            key: {"ORIGINAL": original.tracking_code, "VILLAGE": world.orgs["village"].pk}.get(value, value)
            for key, value in body.items()
        }
        response = post(
            client_for(world.staff[Role.SUPERVISOR]), url(dispute, action), {**body, "expected_version": 7}
        )
        assert response.status_code == 409, response.content
        assert response.json() == {
            "detail": "Someone changed this matter meanwhile. Reload it and try again.",
            "code": "stale",
        }
        dispute.refresh_from_db()
        assert (dispute.status, dispute.version) == (MatterStatus.SUBMITTED, 1)

    def test_a_bad_version_is_a_422(self, world, dispute):
        response = post(
            client_for(world.staff[Role.DISPATCHER]), url(dispute, "accept"), {"expected_version": "two"}
        )
        assert response.status_code == 422 and fields(response) == {"expected_version"}


# --- Who may do what ------------------------------------------------------------------------------------


def _expected(endpoint: str, who: str) -> int:
    if who == "anonymous":
        return 401
    sees = who in VISIBLE or who in ("citizen", "operator")
    if not sees:
        return 404
    intake = who in (Role.DISPATCHER, Role.SUPERVISOR, "operator")
    staff = who in VISIBLE or who == "operator"
    match endpoint:
        case "detail" | "events" | "message":
            return 201 if endpoint == "message" else 200
        case "accept" | "suggestions" | "decline":
            return 200 if intake else 403
        case "note":
            return 201 if staff else 403
        case "withdraw":
            return 200 if intake or who == "citizen" else 403
        case "assign":  # not yet accepted: those who may assign hear that the status does not allow it
            return 409 if intake else 403
        case "merge":  # into a matter in another county, which only platform operators see
            return 200 if who == "operator" else 422 if intake else 403
    raise AssertionError(endpoint)


ENDPOINTS = {
    "detail": ("get", "", None),
    "events": ("get", "events", None),
    "suggestions": ("get", "mediator-suggestions", None),
    "accept": ("post", "accept", {}),
    "decline": ("post", "decline", {"reason": "不属于受理范围"}),
    "withdraw": ("post", "withdraw", {}),
    "note": ("post", "notes", {"text": "内部备注"}),
    "message": ("post", "messages", {"text": "留言"}),
    "assign": ("post", "assign", {"organization_id": "VILLAGE"}),
    "merge": ("post", "merge", {"into_code": "KECHENG"}),
}


def matter_in_kecheng(world: World) -> Matter:
    kecheng_citizen = new_user(username="kc.citizen")
    return file_dispute(
        world,
        actor=kecheng_citizen,
        owner=kecheng_citizen,
        region=Region.objects.get(code="330802"),
        category=None,
    )


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_use_which_endpoint_on_a_matter_in_a_jiangshan_village(world, dispute, who, endpoint):
    method, action, body = ENDPOINTS[endpoint]
    placeholders = {"VILLAGE": world.orgs["village"].pk, "KECHENG": matter_in_kecheng(world).tracking_code}
    body = {key: placeholders.get(value, value) for key, value in (body or {}).items()}
    client = client_for(actor(world, who))
    path = url(dispute, action)
    response = client.get(path) if method == "get" else post(client, path, body)
    assert response.status_code == _expected(endpoint, who), response.content
    if response.status_code == 404:
        assert response.json() == client.get("/api/matters/0000-0000-0000").json()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/matters"),
        ("post", "/api/matters"),
        ("get", "/api/matters/CODE"),
        ("get", "/api/matters/CODE/events"),
        ("get", "/api/matters/CODE/mediator-suggestions"),
        *[
            ("post", f"/api/matters/CODE/{action}")
            for action in (
                "accept", "decline", "merge", "assign", "escalate", "start-mediation",
                "record-failure", "withdraw", "close", "notes", "messages",
            )
        ],
    ],
)  # fmt: skip
def test_anonymous_callers_must_sign_in(world, dispute, method, path):
    path = path.replace("CODE", dispute.tracking_code)
    client = Client()
    response = client.get(path) if method == "get" else post(client, path, new_matter_body())
    assert response.status_code == 401
    assert nothing_changed_since_filing(dispute)


def nothing_changed_since_filing(matter: Matter) -> bool:
    return Matter.objects.count() == 1 and Matter.objects.get(pk=matter.pk).version == 1


def test_the_api_is_documented(world):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {
        "/api/matters",
        "/api/matters/lookup",
        "/api/matters/{code}",
        "/api/matters/{code}/events",
        "/api/matters/{code}/start-mediation",
        "/api/matters/{code}/mediator-suggestions",
        "/api/categories",
    } <= set(paths)
    header = paths["/api/matters"]["post"]["parameters"][0]
    assert (header["name"], header["in"]) == ("Idempotency-Key", "header")


# --- Categories ------------------------------------------------------------------------------------------


def test_categories_are_public_and_only_the_active_ones(db):
    Category.objects.filter(code="other").update(is_active=False)
    response = Client().get("/api/categories")
    assert response.status_code == 200
    items = response.json()
    assert {"code": "neighbours", "name": "邻里纠纷", "name_en": "Neighbours"} in items
    assert "other" not in {item["code"] for item in items}


# --- Anonymous status check ------------------------------------------------------------------------------


LOOKUP = "/api/matters/lookup"


def lookup(code: str, phone: str = APPLICANT_PHONE, ip: str = "10.0.0.1", client: Client | None = None):
    return post(client or Client(), LOOKUP, {"code": code, "phone": phone}, REMOTE_ADDR=ip)


class TestLookup:
    def test_the_code_and_the_applicant_s_phone_show_the_public_timeline(self, world, dispute):
        services.matter_add_note(
            matter=dispute, actor=world.staff[Role.DISPATCHER], text="内部：申请人情绪激动"
        )
        services.matter_post_message(matter=dispute, actor=world.citizen, text="我的地址是某小区3幢")
        services.matter_decline(
            matter=dispute, actor=world.staff[Role.DISPATCHER], reason="请向劳动仲裁委申请。"
        )

        response = lookup(dispute.display_code.lower(), phone="139 0000 1111")

        assert response.status_code == 200
        data = response.json()
        assert (data["display_code"], data["status"], data["merged_into"]) == (
            dispute.display_code,
            "declined",
            None,
        )
        assert data["status_label"]
        assert [e["kind"] for e in data["timeline"]] == ["received", "message", "declined"]
        assert [e["text"] for e in data["timeline"]] == ["", "", "请向劳动仲裁委申请。"]
        assert all(e["kind_label"] and e["actor_label"] and e["created_at"] for e in data["timeline"])
        assert "情绪激动" not in response.content.decode() and "3幢" not in response.content.decode()

    def test_a_merged_matter_names_the_matter_it_went_into(self, world, dispute):
        duplicate = file_dispute(world)
        services.matter_merge(matter=duplicate, into=dispute, actor=world.staff[Role.DISPATCHER])
        data = lookup(duplicate.tracking_code).json()
        assert data["merged_into"] == dispute.display_code
        assert data["timeline"][-1] == {
            **data["timeline"][-1],
            "kind": "merged",
            "text": dispute.display_code,
        }

    def test_signed_in_staff_get_the_public_timeline_too(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        data = lookup(dispute.tracking_code, client=client).json()
        assert [e["kind"] for e in data["timeline"]] == ["received"]

    def test_every_miss_answers_the_same(self, world, dispute):
        respondent_phone = lookup(dispute.tracking_code, phone=RESPONDENT_PHONE, ip="10.0.0.2")
        wrong_phone = lookup(dispute.tracking_code, phone="13700007777", ip="10.0.0.3")
        bad_phone = lookup(dispute.tracking_code, phone="12345", ip="10.0.0.4")
        unknown_code = lookup("7K3M-9QXW-2RTK", ip="10.0.0.5")
        typo = lookup(
            dispute.tracking_code[:-1] + ("A" if dispute.tracking_code[-1] != "A" else "B"), ip="10.0.0.6"
        )
        nonsense = lookup("hello", ip="10.0.0.7")
        misses = [respondent_phone, wrong_phone, bad_phone, unknown_code, typo, nonsense]
        assert {r.status_code for r in misses} == {404}
        assert len({r.content for r in misses}) == 1

    def test_an_address_is_limited_to_ten_tries_a_minute(self, world, dispute):
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 1, tzinfo=dt.UTC), tick=False) as clock:
            answers = [lookup(f"NOPE{i}").status_code for i in range(10)]
            assert answers == [404] * 10
            limited = lookup(dispute.tracking_code)
            assert limited.status_code == 429
            assert limited.json()["detail"]
            assert lookup(dispute.tracking_code, ip="10.9.9.9").status_code == 200  # another address
            clock.shift(dt.timedelta(minutes=1))
            assert lookup(dispute.tracking_code).status_code == 200

    def test_a_code_is_limited_to_five_tries_a_minute_from_anywhere(self, world, dispute):
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 1, tzinfo=dt.UTC), tick=False):
            answers = [
                lookup(dispute.display_code, phone=f"1370000{i:04d}", ip=f"10.1.0.{i}").status_code
                for i in range(5)
            ]
            assert answers == [404] * 5
            assert lookup(dispute.tracking_code, ip="10.2.0.1").status_code == 429
            assert lookup(file_dispute(world).tracking_code, ip="10.2.0.1").status_code == 200

    def test_a_lookup_without_its_fields_is_a_422(self, db):
        response = post(Client(), LOOKUP, {"code": "7K3M-9QXW-2RTK"})
        assert response.status_code == 422 and fields(response) == {"phone"}


def test_every_part_of_the_front_door_is_in_the_openapi_document(world):
    paths = set(Client().get("/api/openapi.json").json()["paths"])
    assert {
        "/api/matters/{code}/documents",
        "/api/matters/{code}/rating",
        "/api/matters/{code}/invitations",
        "/api/matters/imports/batches",
        "/api/mediation/matters/{code}/sessions",
        "/api/mediation/matters/{code}/agreement",
        "/api/mediation/matters/{code}/extension",
        "/api/supervision/orders",
        "/api/notifications",
    } <= paths, sorted(paths)
