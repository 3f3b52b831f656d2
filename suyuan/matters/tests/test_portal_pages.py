"""Citizen portal pages for matters: filing, my matters, a matter's page, and the status check by code."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, build_world, new_user, sign_in
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.matters import codes, services
from suyuan.matters.choices import Channel, EventKind, MatterKind, MatterStatus, PartyKind, PartyRole
from suyuan.matters.models import Category, Matter, MatterEvent
from suyuan.matters.tests.conftest import APPLICANT_PHONE, file_dispute
from suyuan.matters.views.portal import TRACK_MISS
from suyuan.regions.tests.factories import make_region

pytestmark = pytest.mark.django_db

TOKEN = "tok-0123456789abcdefghij"
XSS = "<script>alert('x')</script>"


@pytest.fixture
def world() -> World:
    return build_world()


def client_for(user: Any = None, **extra: Any) -> Client:
    return sign_in(Client(**extra), user)


def by_testid(page: str, name: str) -> str:
    """Return the text inside the element carrying ``data-testid=name``, tags removed."""
    start = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(name)}"[^>]*>', page)
    assert start, f"no element with data-testid={name}"
    tag, depth, position = start.group(1), 1, start.end()
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[position:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            inner = page[position : position + match.start()]
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
    raise AssertionError(f"unclosed element with data-testid={name}")


def errors_of(page: str) -> list[str]:
    """Return every error message on the page, in order."""
    blocks = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', page, re.S)
    return [html.unescape(m.strip()) for b in blocks for m in re.findall(r"<li>(.*?)</li>", b, re.S)]


def filing(**overrides: Any) -> dict[str, Any]:
    """Return a complete, valid filing as the form posts it (one respondent)."""
    data: dict[str, Any] = {
        "token": TOKEN,
        "action": "send",
        "kind": MatterKind.DISPUTE,
        "category": str(Category.objects.get(code="neighbours").pk),
        "title": "楼上装修噪音",
        "description": "楼上邻居连续两周晚上十点后装修。",
        "desired_outcome": "晚上八点后停工",
        "occurred_on": "2025-03-01",
        "county": "330881",
        "township": "330881001",
        "village": "330881001001",
        "address": "某小区3幢",
        "applicant_name": "市民甲",
        "applicant_phone": APPLICANT_PHONE,
        "privacy_consent": "on",
        "respondent-TOTAL_FORMS": "1",
        "respondent-INITIAL_FORMS": "1",
        "respondent-MIN_NUM_FORMS": "0",
        "respondent-MAX_NUM_FORMS": "5",
        "respondent-0-kind": PartyKind.PERSON,
        "respondent-0-name": "楼上住户",
        "respondent-0-phone": "13900002222",
        "respondent-0-address": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def matter_url(matter: Matter, name: str = "matters:matter") -> str:
    return reverse(name, kwargs={"code": matter.display_code})


# --- Sign-in first --------------------------------------------------------------------------------------


class TestSignInFirst:
    @pytest.mark.parametrize("name", ["matters:file", "matters:mine"])
    def test_anonymous_people_are_sent_to_the_phone_sign_in_and_back(self, world, name):
        url = reverse(name)
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:citizen_login')}?next={url}"

    def test_a_matter_page_asks_for_sign_in_too(self, world):
        matter = file_dispute(world)
        response = Client().get(matter_url(matter))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:citizen_login"))

    def test_the_home_page_links_to_filing_my_matters_and_tracking(self, world, english):
        page = Client().get("/").content.decode()
        for testid, name in (("portal-file", "file"), ("portal-mine", "mine"), ("portal-track", "track")):
            assert re.search(rf'href="{reverse("matters:" + name)}"[^>]*data-testid="{testid}"', page)
        assert 'data-testid="portal-title"' in page and 'data-testid="citizen-login"' in page


# --- Filing ---------------------------------------------------------------------------------------------


class TestFilingForm:
    def test_the_form_offers_the_fields_and_fills_in_the_citizens_phone(self, world):
        page = client_for(world.citizen).get(reverse("matters:file")).content.decode()
        for testid in (
            "file-kind", "file-category", "file-title", "file-description", "file-desired", "file-county",
            "file-township", "file-village", "file-address", "file-respondent-name", "file-respondent-phone",
            "file-consent", "file-submit",
        ):  # fmt: skip
            assert f'data-testid="{testid}"' in page, testid
        assert re.search(r'name="applicant_phone" value="13800000001"', page)
        assert re.search(r'name="token" value="[A-Za-z0-9_-]{16,64}"', page)
        # Petitions come through the petition office.
        assert 'value="petition"' not in page
        # Counties of every Zhejiang city, Quzhou's first.
        assert page.index("江山市") < page.index("上城区")
        assert f'href="{reverse("web:privacy")}"' in page

    def test_each_form_gets_a_new_token(self, world):
        client = client_for(world.citizen)
        tokens = set()
        for _ in range(2):
            page = client.get(reverse("matters:file")).content.decode()
            found = re.search(r'name="token" value="([^"]+)"', page)
            assert found
            tokens.add(found.group(1))
        assert len(tokens) == 2


class TestFilingHappyPath:
    def test_a_filing_creates_one_matter_with_its_place_parties_and_owner(self, world, sms_outbox):
        response = client_for(world.citizen).post(reverse("matters:file"), filing())
        matter = Matter.objects.get()
        assert response.status_code == 302
        assert response["Location"] == matter_url(matter, "matters:filed")
        assert matter.region.code == "330881001001"
        assert matter.owner == world.citizen and matter.entered_by == world.citizen
        assert matter.channel == Channel.PORTAL and matter.kind == MatterKind.DISPUTE
        assert matter.category is not None and matter.category.code == "neighbours"
        assert matter.occurred_on == dt.date(2025, 3, 1)
        assert matter.address_text == "某小区3幢"
        parties = {p.role: p for p in matter.parties.all()}
        assert parties[PartyRole.APPLICANT].phone == APPLICANT_PHONE
        assert parties[PartyRole.APPLICANT].user == world.citizen
        assert parties[PartyRole.RESPONDENT].name == "楼上住户"
        assert parties[PartyRole.RESPONDENT].phone == "13900002222"
        assert sms_outbox and matter.display_code in sms_outbox[0][1]

    def test_the_confirmation_shows_the_code_and_the_text_message(self, world, english):
        client = client_for(world.citizen)
        response = client.post(reverse("matters:file"), filing(), follow=True)
        matter = Matter.objects.get()
        page = response.content.decode()
        assert by_testid(page, "filed-code") == matter.display_code
        assert "139****1111" in page
        assert "What happens next" in page

    def test_sending_twice_with_the_same_token_files_once(self, world):
        client = client_for(world.citizen)
        first = client.post(reverse("matters:file"), filing())
        again = client.post(reverse("matters:file"), filing())
        assert Matter.objects.count() == 1
        assert first["Location"] == again["Location"]

    def test_a_respondent_may_be_an_organisation_and_several_may_be_named(self, world):
        data = filing(
            **{
                "respondent-TOTAL_FORMS": "3",
                "respondent-1-kind": PartyKind.ORGANIZATION,
                "respondent-1-name": "某物业公司",
                "respondent-1-address": "江山市某路1号",
                "respondent-2-name": "",  # a blank block is ignored
            }
        )
        client_for(world.citizen).post(reverse("matters:file"), data)
        respondents = Matter.objects.get().parties.filter(role=PartyRole.RESPONDENT).order_by("id")
        assert [(r.name, r.kind) for r in respondents] == [
            ("楼上住户", PartyKind.PERSON),
            ("某物业公司", PartyKind.ORGANIZATION),
        ]

    def test_a_consultation_needs_no_other_side_and_the_township_is_enough(self, world):
        data = filing(
            kind=MatterKind.CONSULTATION, village="", **{"respondent-0-name": "", "respondent-0-phone": ""}
        )
        client_for(world.citizen).post(reverse("matters:file"), data)
        matter = Matter.objects.get()
        assert matter.region.code == "330881001"
        assert not matter.parties.filter(role=PartyRole.RESPONDENT).exists()


class TestFilingErrors:
    @pytest.mark.parametrize(
        "overrides, field_error",
        [
            ({"title": ""}, "This field is required."),
            ({"description": ""}, "This field is required."),
            ({"kind": ""}, "Choose what kind of matter it is."),
            ({"kind": "petition"}, "Select a valid choice. petition is not one of the available choices."),
            ({"category": ""}, "Choose a topic."),
            ({"privacy_consent": None}, "Please read and accept the privacy notice."),
            ({"occurred_on": "2999-01-01"}, "The date it happened cannot be in the future."),
            ({"applicant_phone": "12345"}, None),
            ({"applicant_name": ""}, "This field is required."),
            ({"respondent-0-phone": "12"}, None),
            (
                {"respondent-0-name": "", "respondent-0-phone": ""},
                "For a dispute, tell us who the other side is.",
            ),
            ({"respondent-0-name": ""}, "Enter a name, or what people call them."),
            (
                {"county": "330802", "township": "330881001", "village": ""},
                "This is not in the county you chose. Please choose the township again.",
            ),
            (
                {"county": "", "township": "", "village": "", "address": ""},
                "Tell us where it happened: choose the county, or write the address below.",
            ),
            (
                {"county": "", "township": "", "village": "", "address": "什么地方也不是"},
                "We could not find this place. Please choose the county, township and village in the lists above.",
            ),
        ],
    )
    def test_each_mistake_is_shown_by_its_field_nothing_is_filed_and_nothing_is_lost(
        self, world, english, sms_outbox, overrides, field_error
    ):
        data = filing(**overrides)
        response = client_for(world.citizen).post(reverse("matters:file"), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert not Matter.objects.exists()
        assert not sms_outbox
        errors = errors_of(page)
        assert errors, "no error shown"
        if field_error is not None:
            assert field_error in errors
        assert 'data-testid="file-errors"' in page
        # What was typed comes back.
        if data.get("title"):
            assert f'value="{data["title"]}"' in page
        if data.get("description"):
            assert data["description"] in page
        assert TOKEN in page

    def test_a_bad_token_asks_to_send_again_and_files_nothing(self, world, english):
        response = client_for(world.citizen).post(reverse("matters:file"), filing(token="x"))
        assert "This form has expired. Please check it and send it again." in errors_of(
            response.content.decode()
        )
        assert not Matter.objects.exists()


class TestPlace:
    def test_an_address_alone_is_understood_and_confirmed_before_filing(self, world, english):
        client = client_for(world.citizen)
        data = filing(county="", township="", village="", address="江山市双塔街道城北社区某小区3幢")
        response = client.post(reverse("matters:file"), data)
        page = response.content.decode()
        assert not Matter.objects.exists()
        assert "浙江省衢州市江山市双塔街道城北社区" in by_testid(page, "place-understood")
        assert "is that correct?" in page
        for code in ("330881", "330881001", "330881001001"):
            assert re.search(rf'<option value="{code}" selected>', page), code
        # Sending again, with the lists now filled in, files it there.
        client.post(reverse("matters:file"), filing(address="江山市双塔街道城北社区某小区3幢"))
        assert Matter.objects.get().region.code == "330881001001"

    def test_an_ambiguous_address_offers_the_places_it_could_be(self, world, english):
        make_region("330802001001", "城北社区")  # a second 城北社区, in Kecheng
        client = client_for(world.citizen)
        data = filing(county="", township="", village="", address="城北社区")
        page = client.post(reverse("matters:file"), data).content.decode()
        assert not Matter.objects.exists()
        assert (
            "Several places have this name. Choose the right one below, or use the lists above."
            in errors_of(page)
        )
        assert 'name="pick" value="330881001001"' in page and 'name="pick" value="330802001001"' in page
        # Choosing one fills in the lists without filing and without error messages.
        page = client.post(reverse("matters:file"), {**data, "pick": "330802001001"}).content.decode()
        assert not Matter.objects.exists() and not errors_of(page)
        assert re.search(r'<option value="330802001001" selected>', page)

    def test_without_javascript_the_lists_are_updated_by_the_server(self, world):
        client = client_for(world.citizen)
        data = filing(action="refresh", county="330881", township="", village="", title="")
        page = client.post(reverse("matters:file"), data).content.decode()
        assert not Matter.objects.exists() and not errors_of(page)
        assert re.search(r'<option value="330881001">双塔街道</option>', page)
        # A township left over from another county is dropped.
        data = filing(action="refresh", county="330802", township="330881001", village="330881001001")
        page = client.post(reverse("matters:file"), data).content.decode()
        assert re.search(r'<option value="330802001">信安街道</option>', page)
        assert not re.search(r'value="330881001" selected', page)

    def test_another_person_can_be_added_without_losing_anything(self, world):
        client = client_for(world.citizen)
        page = client.post(reverse("matters:file"), filing(action="add_respondent")).content.decode()
        assert not Matter.objects.exists()
        assert 'data-testid="file-respondent-name-1"' in page
        assert 'value="楼上住户"' in page and "楼上邻居连续两周晚上十点后装修。" in page


# --- My matters and one matter ---------------------------------------------------------------------------


@pytest.fixture
def neighbour(world):
    """Another citizen, with a matter of their own."""
    person = new_user(username="citizen2", full_name="市民乙", phone="13800000002")
    person.phone_hash = hash_identifier(PHONE, "13800000002")
    person.save()
    file_dispute(world, actor=person, owner=person, title="别人的事情")
    return person


class TestMyMatters:
    def test_a_citizen_sees_only_their_own_matters(self, world, neighbour, english):
        mine = file_dispute(world)
        page = client_for(world.citizen).get(reverse("matters:mine")).content.decode()
        listing = by_testid(page, "my-matters-list")
        assert mine.title in listing and mine.display_code in listing
        assert "Received — waiting to be accepted" in listing
        assert "别人的事情" not in page
        assert f'href="{matter_url(mine)}"' in page

    def test_without_matters_the_page_says_so(self, world, english):
        page = client_for(world.citizen).get(reverse("matters:mine")).content.decode()
        assert "You have not filed any matter yet." in page


class TestMatterPage:
    def test_the_owner_sees_status_deadline_and_timeline(self, world, english):
        matter = file_dispute(world)
        page = client_for(world.citizen).get(matter_url(matter)).content.decode()
        assert by_testid(page, "matter-status") == "Received — waiting to be accepted"
        assert "Expected by" in page
        local_due = timezone.localtime(matter.due_at, dt.timezone(dt.timedelta(hours=8)))
        assert local_due.strftime("%Y-%m-%d %H:%M") in page
        assert page.count('data-testid="timeline-event"') == 1  # the routing note is internal
        assert "Matter filed online" in page
        assert 'data-testid="message-text"' in page and 'data-testid="withdraw"' in page

    def test_the_page_accepts_the_code_as_typed(self, world):
        matter = file_dispute(world)
        url = reverse("matters:matter", kwargs={"code": matter.tracking_code.lower()})
        assert client_for(world.citizen).get(url).status_code == 200

    @pytest.mark.parametrize("who", ["neighbour", "kecheng"])
    def test_someone_elses_matter_is_not_found(self, world, neighbour, who):
        matter = file_dispute(world)
        viewer = neighbour if who == "neighbour" else world.kecheng
        client = client_for(viewer)
        assert client.get(matter_url(matter)).status_code == 404
        assert client.get(matter_url(matter, "matters:filed")).status_code == 404
        assert client.post(matter_url(matter, "matters:message"), {"text": "hi"}).status_code == 404
        assert client.post(matter_url(matter, "matters:withdraw"), {"version": 1}).status_code == 404
        assert MatterEvent.objects.filter(matter=matter, kind=EventKind.MESSAGE).count() == 0

    def test_a_malformed_code_is_not_found(self, world):
        assert client_for(world.citizen).get("/matters/NOT-A-CODE/").status_code == 404

    def test_the_way_to_an_agreement_shows_organisation_mediator_and_terms(self, world, english):
        matter = file_dispute(world)
        dispatcher, mediator = world.staff[Role.DISPATCHER], world.staff[Role.MEDIATOR]
        Membership.objects.create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)
        services.matter_accept(matter=matter, actor=dispatcher)
        services.matter_assign(
            matter=matter, actor=dispatcher, organization=world.orgs["village"], mediator=mediator
        )
        page = client_for(world.citizen).get(matter_url(matter)).content.decode()
        assert by_testid(page, "matter-status") == "A mediator will contact you"
        assert by_testid(page, "matter-organization") == "城北社区人民调解委员会"
        assert by_testid(page, "matter-mediator") == mediator.full_name
        services.matter_start_mediation(matter=matter, actor=mediator)
        services.matter_record_agreement(matter=matter, actor=mediator, terms="晚上八点后停止施工。")
        page = client_for(world.citizen).get(matter_url(matter)).content.decode()
        assert by_testid(page, "matter-status") == "Agreement reached"
        assert "晚上八点后停止施工。" in by_testid(page, "matter-timeline")
        assert "Expected by" not in page  # a final or follow-up stage shows no deadline

    def test_a_decline_shows_its_reason_and_closes_messages_and_withdrawal(self, world, english):
        matter = file_dispute(world)
        services.matter_decline(
            matter=matter, actor=world.staff[Role.DISPATCHER], reason="请向劳动仲裁委员会申请"
        )
        page = client_for(world.citizen).get(matter_url(matter)).content.decode()
        assert by_testid(page, "matter-status") == "Not accepted"
        assert "请向劳动仲裁委员会申请" in page
        assert "Expected by" not in page
        assert 'data-testid="message-text"' not in page and 'data-testid="withdraw"' not in page

    def test_a_merge_links_to_the_matter_it_joined_when_the_citizen_may_see_it(self, world, english):
        duplicate, original = file_dispute(world), file_dispute(world, title="同一件事")
        services.matter_merge(matter=duplicate, into=original, actor=world.staff[Role.DISPATCHER])
        page = client_for(world.citizen).get(matter_url(duplicate)).content.decode()
        assert f"Joined with matter {original.display_code}" in page
        assert f'href="{matter_url(original)}"' in page


class TestMessagesAndWithdrawal:
    def test_a_message_goes_on_the_timeline(self, world, english):
        matter = file_dispute(world)
        client = client_for(world.citizen)
        response = client.post(matter_url(matter, "matters:message"), {"text": "我周末都在家"})
        assert response.status_code == 302
        event = MatterEvent.objects.get(matter=matter, kind=EventKind.MESSAGE)
        assert event.text == "我周末都在家" and event.actor == world.citizen
        page = client.get(matter_url(matter)).content.decode()
        assert "我周末都在家" in by_testid(page, "matter-timeline")
        assert "Your message was sent." in page

    def test_an_empty_message_is_refused_next_to_the_field(self, world, english):
        matter = file_dispute(world)
        response = client_for(world.citizen).post(matter_url(matter, "matters:message"), {"text": "  "})
        assert "Write your message first." in errors_of(response.content.decode())
        assert not MatterEvent.objects.filter(matter=matter, kind=EventKind.MESSAGE).exists()

    def test_the_owner_withdraws_with_a_reason(self, world, english):
        matter = file_dispute(world)
        client = client_for(world.citizen)
        response = client.post(
            matter_url(matter, "matters:withdraw"), {"version": matter.version, "reason": "已私下和解"}
        )
        assert response.status_code == 302
        matter.refresh_from_db()
        assert matter.status == MatterStatus.WITHDRAWN
        assert matter.events.get(kind=EventKind.WITHDRAWN).text == "已私下和解"
        page = client.get(matter_url(matter)).content.decode()
        assert by_testid(page, "matter-status") == "Withdrawn"
        assert 'data-testid="withdraw"' not in page

    def test_a_withdrawal_from_an_old_page_is_refused(self, world, english):
        matter = file_dispute(world)
        services.matter_accept(matter=matter, actor=world.staff[Role.DISPATCHER])
        client = client_for(world.citizen)
        response = client.post(matter_url(matter, "matters:withdraw"), {"version": 1}, follow=True)
        matter.refresh_from_db()
        assert matter.status == MatterStatus.ACCEPTED
        assert "Someone changed this matter meanwhile" in response.content.decode()

    def test_withdrawal_and_messages_need_post(self, world):
        matter = file_dispute(world)
        client = client_for(world.citizen)
        assert client.get(matter_url(matter, "matters:withdraw")).status_code == 405
        assert client.get(matter_url(matter, "matters:message")).status_code == 405


# --- Status check without an account ---------------------------------------------------------------------


def _miss_message(page: str) -> list[str]:
    return re.findall(r'data-testid="form-errors">\s*<li>(.*?)</li>', page, re.S)


@pytest.fixture
def still_clock():
    """Hold the clock: a rate limit's window must not roll over in the middle of a test on a slow machine."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


class TestTrack:
    def test_the_code_and_phone_show_status_and_public_timeline(self, world, english):
        matter = file_dispute(world)
        services.matter_post_message(matter=matter, actor=world.citizen, text="补充说明")
        response = Client().post(
            reverse("matters:track"), {"code": matter.display_code.lower(), "phone": "139 0000 1111"}
        )
        page = response.content.decode()
        assert response.status_code == 200
        result = by_testid(page, "track-result")
        assert result is not None
        assert by_testid(page, "matter-status") == "Received — waiting to be accepted"
        assert page.count('data-testid="timeline-event"') == 2
        assert "补充说明" in page

    def test_every_kind_of_miss_gets_the_same_answer(self, world, english):
        matter = file_dispute(world)
        unknown = codes.generate()
        malformed = matter.display_code[:-1] + ("0" if matter.display_code[-1] != "0" else "1")
        answers: list[list[str]] = []
        for code, phone in (
            (matter.display_code, "13900009999"),  # wrong phone
            (unknown, APPLICANT_PHONE),  # no such matter
            (malformed, APPLICANT_PHONE),  # a typing error in the code
            ("hello", APPLICANT_PHONE),  # not a code at all
        ):
            client = Client(REMOTE_ADDR=f"10.0.0.{len(answers) + 1}")
            response = client.post(reverse("matters:track"), {"code": code, "phone": phone})
            page = response.content.decode()
            assert response.status_code == 200
            assert 'data-testid="track-result"' not in page
            answers.append(_miss_message(page))
        assert answers == [[str(TRACK_MISS)]] * 4
        assert str(TRACK_MISS) == "We could not find a matter with this code and phone number."

    def test_a_malformed_phone_gets_a_field_error(self, world, english):
        file_dispute(world)
        page = (
            Client()
            .post(reverse("matters:track"), {"code": "7K3M-9QXW-2RTK", "phone": "123"})
            .content.decode()
        )
        assert not _miss_message(page)
        assert errors_of(page)

    def test_too_many_checks_from_one_address_are_refused(self, world, english, still_clock):
        client = Client(REMOTE_ADDR="10.1.1.1")
        statuses = [
            client.post(
                reverse("matters:track"), {"code": codes.generate(), "phone": APPLICANT_PHONE}
            ).status_code
            for _ in range(11)
        ]
        assert statuses[:10] == [200] * 10 and statuses[10] == 429

    def test_too_many_checks_of_one_code_are_refused_whatever_the_address(self, world, english, still_clock):
        matter = file_dispute(world)
        statuses = [
            Client(REMOTE_ADDR=f"10.2.0.{i}")
            .post(reverse("matters:track"), {"code": matter.display_code, "phone": "13900009999"})
            .status_code
            for i in range(6)
        ]
        assert statuses == [200] * 5 + [429]
        # Typed differently, it is still the same code.
        response = Client(REMOTE_ADDR="10.2.1.1").post(
            reverse("matters:track"), {"code": matter.tracking_code.lower(), "phone": APPLICANT_PHONE}
        )
        assert response.status_code == 429
        assert "Too many attempts" in response.content.decode()


# --- Escaping ----------------------------------------------------------------------------------------------


class TestEscaping:
    def test_user_text_is_escaped_on_every_page(self, world):
        client = client_for(world.citizen)
        # The form shown again after an error.
        page = client.post(reverse("matters:file"), filing(title=XSS, description=XSS, privacy_consent=None))
        assert XSS not in page.content.decode() and "&lt;script&gt;" in page.content.decode()
        client.post(reverse("matters:file"), filing(title=XSS, description=XSS, **{"respondent-0-name": XSS}))
        matter = Matter.objects.get()
        services.matter_post_message(matter=matter, actor=world.citizen, text=XSS)
        pages = [
            client.get(matter_url(matter, "matters:filed")),
            client.get(reverse("matters:mine")),
            client.get(matter_url(matter)),
            Client().post(reverse("matters:track"), {"code": matter.display_code, "phone": APPLICANT_PHONE}),
        ]
        for response in pages:
            body = response.content.decode()
            assert response.status_code == 200
            assert XSS not in body
            assert "<script>alert" not in body
        for response in pages[1:]:
            assert "&lt;script&gt;" in response.content.decode()


def test_a_late_stage_is_said_plainly_to_the_citizen(world, english):
    matter = file_dispute(world)
    client = client_for(world.citizen)
    assert 'data-testid="matter-late"' not in client.get(f"/matters/{matter.display_code}/").content.decode()
    assert matter.due_at is not None
    with time_machine.travel(matter.due_at + dt.timedelta(hours=1), tick=False):
        page = client_for(world.citizen).get(f"/matters/{matter.display_code}/").content.decode()
    assert 'data-testid="matter-late"' in page and "This step is late" in page
