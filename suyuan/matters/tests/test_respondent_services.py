"""Inviting the other side and their answer through the link: events, text messages, the token, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.core.crypto import keyed_hash
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import respondents, services
from suyuan.matters.choices import (
    DayPart,
    EventKind,
    FieldTaskStatus,
    InvitationStatus,
    PartyRole,
    Visibility,
)
from suyuan.matters.models import FieldTask, MatterEvent, RespondentInvitation
from suyuan.matters.services import PartyInput
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE, file_dispute
from suyuan.matters.tests.test_respondent_support import (
    accepted_dispute,
    beijing,
    invite,
    respondent_of,
)

pytestmark = pytest.mark.django_db


def events(matter, kind):
    return list(MatterEvent.objects.filter(matter=matter, kind=kind).order_by("seq"))


class TestInvite:
    def test_the_respondent_gets_a_text_with_a_link_and_the_matter_an_event(
        self, world, sms_outbox, settings
    ):
        settings.SITE_URL = "https://suyuan.example.cn"
        invited = invite(world)

        phone, body = sms_outbox[-1]
        assert phone == RESPONDENT_PHONE
        assert f"https://suyuan.example.cn/r/{invited.token}/" in body
        assert invited.matter.display_code in body
        [event] = events(invited.matter, EventKind.RESPONDENT_INVITED)
        assert event.visibility == Visibility.PUBLIC
        assert event.actor == world.staff[Role.DISPATCHER]
        assert event.data["party"] == "楼上住户"
        assert invited.invitation.status == InvitationStatus.SENT
        assert invited.invitation.created_by == world.staff[Role.DISPATCHER]

    def test_the_token_is_never_stored_only_its_keyed_hash(self, world):
        invited = invite(world)
        row = RespondentInvitation.objects.filter(pk=invited.invitation.pk).values().get()
        assert len(invited.token) >= 40
        assert invited.token not in str(row.values())
        assert row["token_hash"] == keyed_hash(respondents.TOKEN_KIND, invited.token)

    def test_a_mediator_of_the_matter_may_invite_too(self, world):
        matter = accepted_dispute(world)
        invited = invite(world, matter, actor=world.staff[Role.MEDIATOR])
        assert invited.invitation.created_by == world.staff[Role.MEDIATOR]

    @pytest.mark.parametrize(
        ("name", "error"),
        [
            (Role.GRID_WORKER, Forbidden),
            (Role.ADMINISTRATOR, Forbidden),
            (Role.ANALYST, NotFound),
            (Role.COURT_CLERK, NotFound),
            ("kecheng", NotFound),
            ("citizen", Forbidden),
        ],
    )
    def test_others_may_not_invite(self, world, name, error, sms_outbox):
        matter = accepted_dispute(world)
        sms_outbox.clear()
        with pytest.raises(error):
            invite(world, matter, actor=world.actor(name))
        assert not RespondentInvitation.objects.exists()
        assert not sms_outbox

    def test_only_a_matter_being_handled_and_only_its_respondents_with_a_phone(self, world):
        submitted = file_dispute(world)
        with pytest.raises(ValidationError) as info:
            invite(world, submitted)
        assert "matter" in info.value.message_dict

        matter = accepted_dispute(world)
        applicant = matter.parties.get(role=PartyRole.APPLICANT)
        with pytest.raises(ValidationError) as info:
            respondents.respondent_invite(matter=matter, party=applicant, actor=world.staff[Role.DISPATCHER])
        assert "party" in info.value.message_dict

        no_phone = accepted_dispute(
            world,
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="市民甲", phone=APPLICANT_PHONE),
                PartyInput(role=PartyRole.RESPONDENT, name="无电话的人"),
            ],
        )
        with pytest.raises(ValidationError) as info:
            invite(world, no_phone)
        assert "party" in info.value.message_dict
        assert not RespondentInvitation.objects.exists()

    def test_inviting_again_replaces_the_unanswered_invitation_and_its_link(self, world):
        first = invite(world)
        second = invite(world, first.matter)
        first.invitation.refresh_from_db()
        assert first.invitation.status == InvitationStatus.CLOSED
        assert first.invitation.next_reminder_at is None
        assert second.invitation.status == InvitationStatus.SENT
        assert events(first.matter, EventKind.RESPONDENT_INVITED)[-1].data["again"] is True
        with pytest.raises(respondents.InvalidLink):
            respondents.invitation_for_token(first.token)
        assert respondents.invitation_for_token(second.token) == second.invitation


class TestToken:
    def test_a_wrong_or_malformed_token_is_not_valid(self, world):
        invited = invite(world)
        for token in ("", "abc", invited.token[:-1] + ("A" if invited.token[-1] != "A" else "B"), "x" * 200):
            with pytest.raises(respondents.InvalidLink):
                respondents.invitation_for_token(token)

    def test_a_link_expires(self, world, settings):
        settings.RESPONDENT_LINK_DAYS = 30
        with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
            invited = invite(world)
        with time_machine.travel(beijing(2026, 4, 1, 9), tick=False):
            assert respondents.invitation_for_token(invited.token) == invited.invitation
        with (
            time_machine.travel(beijing(2026, 4, 1, 10, 1), tick=False),
            pytest.raises(respondents.InvalidLink),
        ):
            respondents.invitation_for_token(invited.token)

    def test_the_lookup_goes_through_the_hash_and_a_constant_time_compare(self, world, monkeypatch):
        invited = invite(world)
        compared = []
        real = respondents.hmac.compare_digest

        def spy(a, b):
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(respondents.hmac, "compare_digest", spy)
        respondents.invitation_for_token(invited.token)
        assert compared == [(invited.invitation.token_hash, invited.invitation.token_hash)]


class TestRespond:
    def test_agreeing_with_times_records_the_answer_tells_the_applicant_and_the_mediator(
        self, world, sms_outbox
    ):
        matter = accepted_dispute(world)
        mediator = world.staff[Role.MEDIATOR]
        mediator.phone = "13900007777"
        mediator.save()
        services.matter_assign(
            matter=matter,
            actor=world.staff[Role.DISPATCHER],
            organization=world.orgs["township"],
            mediator=mediator,
        )
        invited = invite(world, matter)
        sms_outbox.clear()
        tomorrow = timezone.localdate() + dt.timedelta(days=1)

        invitation = respondents.invitation_respond(
            token=invited.token,
            accept=True,
            proposed_times=[(tomorrow, DayPart.AFTERNOON), {"date": tomorrow.isoformat(), "part": "morning"}],
            reply="周末在家",
        )

        assert invitation.status == InvitationStatus.ACCEPTED
        assert invitation.responded_at is not None
        assert invitation.next_reminder_at is None
        assert invitation.proposed_times == [
            {"date": tomorrow.isoformat(), "part": "morning"},
            {"date": tomorrow.isoformat(), "part": "afternoon"},
        ]
        assert invitation.reply == "周末在家"
        [event] = events(matter, EventKind.RESPONDENT_ACCEPTED)
        assert event.visibility == Visibility.PUBLIC
        assert event.actor is None
        assert "楼上住户" in event.actor_label
        assert event.text == ""  # what the respondent wrote stays with the staff
        phones = [phone for phone, _body in sms_outbox]
        assert phones == [APPLICANT_PHONE, "13900007777"]

    def test_declining_needs_a_reason_and_is_told_to_the_applicant(self, world, sms_outbox):
        invited = invite(world)
        with pytest.raises(ValidationError) as info:
            respondents.invitation_respond(token=invited.token, accept=False, reason=" ")
        assert "reason" in info.value.message_dict
        sms_outbox.clear()

        invitation = respondents.invitation_respond(
            token=invited.token, accept=False, reason="已经和对方说好了", proposed_times=[]
        )
        assert invitation.status == InvitationStatus.DECLINED
        assert invitation.decline_reason == "已经和对方说好了"
        assert len(events(invited.matter, EventKind.RESPONDENT_DECLINED)) == 1
        assert [phone for phone, _body in sms_outbox] == [APPLICANT_PHONE]

    def test_one_decision_then_only_messages(self, world):
        invited = invite(world)
        respondents.invitation_respond(token=invited.token, accept=True)
        with pytest.raises(ValidationError) as info:
            respondents.invitation_respond(token=invited.token, accept=False, reason="改主意了")
        assert "accept" in info.value.message_dict
        assert RespondentInvitation.objects.get(pk=invited.invitation.pk).status == InvitationStatus.ACCEPTED

        event = respondents.invitation_reply(token=invited.token, text="我下周出差")
        assert event.kind == EventKind.RESPONDENT_REPLIED
        assert event.visibility == Visibility.INTERNAL
        assert event.text == "我下周出差"
        with pytest.raises(ValidationError):
            respondents.invitation_reply(token=invited.token, text="  ")

    @pytest.mark.parametrize(
        "offsets",
        [
            [(-1, "morning")],
            [(200, "morning")],
            [(1, "night")],
            [(1, "morning"), (2, "morning"), (3, "morning"), (4, "morning")],
            [("not a date", "morning")],
        ],
    )
    def test_proposed_times_are_checked(self, world, offsets):
        invited = invite(world)
        today = timezone.localdate()
        times = [
            {
                "date": (today + dt.timedelta(days=days)).isoformat() if isinstance(days, int) else days,
                "part": part,
            }
            for days, part in offsets
        ]
        with pytest.raises(ValidationError) as info:
            respondents.invitation_respond(token=invited.token, accept=True, proposed_times=times)
        assert "proposed_times" in info.value.message_dict
        assert RespondentInvitation.objects.get(pk=invited.invitation.pk).status == InvitationStatus.SENT

    def test_no_answer_once_the_matter_is_over(self, world):
        invited = invite(world)
        services.matter_withdraw(matter=invited.matter, actor=world.citizen)
        with pytest.raises(ValidationError):
            respondents.invitation_respond(token=invited.token, accept=True)

    def test_an_answer_online_cancels_the_grid_worker_s_visit(self, world):
        invited = invite(world)
        RespondentInvitation.objects.filter(pk=invited.invitation.pk).update(
            status=InvitationStatus.NO_REACTION
        )
        task = FieldTask.objects.create(
            matter=invited.matter,
            kind="reach_respondent",
            party=invited.party,
            invitation=invited.invitation,
            organization=world.orgs["village"],
        )
        respondents.invitation_respond(token=invited.token, accept=True)
        task.refresh_from_db()
        assert task.status == FieldTaskStatus.CANCELLED


def test_the_respondent_of_the_support_world_is_the_one_filed(world):
    assert respondent_of(accepted_dispute(world)).name == "楼上住户"
