"""Mediation services: each writes its event; the state rules of sessions, confirmations and obligations."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import new_user
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.matters.choices import EventKind, MatterStatus, PartyRole
from suyuan.matters.models import Matter, MatterEvent
from suyuan.matters.transitions import IllegalTransition
from suyuan.mediation import services
from suyuan.mediation.choices import (
    AgreementStatus,
    ConfirmationMethod,
    ObligationStatus,
    ReminderKind,
    SessionMode,
    SessionStatus,
)
from suyuan.mediation.models import Agreement, FollowUp, ObligationReminder
from suyuan.mediation.services import ObligationInput, WrongState
from suyuan.mediation.tests.conftest import RESPONDENT_PHONE, TERMS, make_effective, record

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def kinds(matter: Matter) -> list[str]:
    return list(MatterEvent.objects.filter(matter=matter).order_by("seq").values_list("kind", flat=True))


def code_from(outbox, phone: str) -> str:
    body = next(m[1] for m in reversed(outbox) if m[0] == phone)
    match = re.search(r"(\d{6})", body)
    assert match, body
    return match.group(1)


def respondent_citizen(matter: Matter):
    user = new_user(username="respondent", full_name="楼上住户", phone=RESPONDENT_PHONE)
    user.phone_hash = hash_identifier(PHONE, RESPONDENT_PHONE)
    user.set_unusable_password()
    user.save()
    return user


class TestSessions:
    def test_schedule_change_record_write_their_events_and_tell_the_parties(
        self, world, in_mediation, sms_outbox
    ):
        mediator = world.staff[Role.MEDIATOR]
        when = timezone.now() + dt.timedelta(days=2)
        session = services.session_schedule(
            matter=in_mediation,
            actor=mediator,
            starts_at=when,
            mode=SessionMode.IN_PERSON,
            place="城北社区调解室",
        )
        assert session.status == SessionStatus.SCHEDULED
        assert any("城北社区调解室" in m[1] for m in sms_outbox)
        services.session_change(
            session=session,
            actor=mediator,
            starts_at=when,
            mode=SessionMode.VIDEO,
            link="https://meet.example/abc",
        )
        session.refresh_from_db()
        assert (session.mode, session.place, session.link) == ("video", "", "https://meet.example/abc")
        with pytest.raises(WrongState):
            services.session_record(session=session, actor=mediator, record="双方到场")
        assert kinds(in_mediation)[-2:] == [EventKind.SESSION_SCHEDULED, EventKind.SESSION_CHANGED]

    def test_record_and_cancel(self, world, in_mediation, time_machine):
        mediator = world.staff[Role.MEDIATOR]
        time_machine.move_to(NOW)
        first = services.session_schedule(
            matter=in_mediation, actor=mediator, starts_at=NOW + dt.timedelta(hours=2), mode=SessionMode.PHONE
        )
        second = services.session_schedule(
            matter=in_mediation, actor=mediator, starts_at=NOW + dt.timedelta(days=1), mode=SessionMode.TEXT
        )
        time_machine.move_to(NOW + dt.timedelta(hours=3))
        services.session_record(
            session=first, actor=mediator, record="电话沟通，双方同意面谈。", attendees="双方"
        )
        services.session_cancel(session=second, actor=mediator, reason="申请人临时有事")
        with pytest.raises(WrongState):
            services.session_cancel(session=second, actor=mediator, reason="再次取消")
        with pytest.raises(WrongState):
            services.session_change(
                session=first, actor=mediator, starts_at=NOW + dt.timedelta(days=2), mode="phone"
            )
        assert kinds(in_mediation)[-2:] == [EventKind.SESSION_HELD, EventKind.SESSION_CANCELLED]
        held = MatterEvent.objects.filter(matter=in_mediation, kind=EventKind.SESSION_HELD).get()
        assert "电话沟通" not in held.text  # the record stays with staff

    @pytest.mark.parametrize(
        "values, field",
        [
            ({"starts_at": None, "mode": "phone"}, "starts_at"),
            ({"mode": "in_person", "place": ""}, "place"),
            ({"mode": "video", "link": "javascript:alert(1)"}, "link"),
            ({"mode": "carrier_pigeon"}, "mode"),
        ],
    )
    def test_bad_input_is_refused_by_field(self, world, in_mediation, values, field):
        arguments = {"starts_at": timezone.now() + dt.timedelta(days=1), **values}
        with pytest.raises(ValidationError) as exc:
            services.session_schedule(matter=in_mediation, actor=world.staff[Role.MEDIATOR], **arguments)
        assert field in exc.value.message_dict

    def test_only_mediation_roles_schedule(self, world, in_mediation):
        with pytest.raises(Forbidden):
            services.session_schedule(
                matter=in_mediation,
                actor=world.staff[Role.GRID_WORKER],
                starts_at=timezone.now() + dt.timedelta(days=1),
                mode="phone",
            )
        with pytest.raises(NotFound):
            services.session_schedule(
                matter=in_mediation,
                actor=world.kecheng,
                starts_at=timezone.now() + dt.timedelta(days=1),
                mode="phone",
            )

    def test_no_sessions_before_assignment(self, world, dispute):
        with pytest.raises((WrongState, Forbidden)):
            services.session_schedule(
                matter=dispute,
                actor=world.staff[Role.DISPATCHER],
                starts_at=timezone.now() + dt.timedelta(days=1),
                mode="phone",
            )


class TestAgreementRecord:
    def test_it_resolves_the_matter_and_asks_each_party(self, world, in_mediation, sms_outbox):
        agreement = record(world, in_mediation)
        matter = Matter.objects.get(pk=in_mediation.pk)
        assert matter.status == MatterStatus.RESOLVED and matter.outcome_summary == TERMS
        assert agreement.status == AgreementStatus.AWAITING
        assert agreement.confirmations.count() == 2
        obligation = agreement.obligations.get()
        assert obligation.amount == Decimal("800.00") and obligation.obligor.role == PartyRole.RESPONDENT
        assert kinds(matter)[-1] == EventKind.AGREEMENT_RECORDED
        assert {m[0] for m in sms_outbox} >= {RESPONDENT_PHONE}

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"due_on": dt.date(2020, 1, 1)}, "obligations[0].due_on"),
            ({"due_on": dt.date(2099, 1, 1)}, "obligations[0].due_on"),
            ({"amount": "-1"}, "obligations[0].amount"),
            ({"amount": "1.234"}, "obligations[0].amount"),
            ({"amount": "lots"}, "obligations[0].amount"),
            ({"obligor": 999999}, "obligations[0].obligor"),
            ({"description": ""}, "obligations[0].description"),
        ],
    )
    def test_bad_obligations_are_refused_and_nothing_changes(self, world, in_mediation, change, field):
        respondent = in_mediation.parties.get(role=PartyRole.RESPONDENT)
        values = {
            "obligor": respondent,
            "description": "赔偿",
            "amount": "100",
            "due_on": timezone.localdate() + dt.timedelta(days=5),
            **change,
        }
        with pytest.raises(ValidationError) as exc:
            record(world, in_mediation, obligations=[ObligationInput(**values)])
        assert field in exc.value.message_dict
        assert Matter.objects.get(pk=in_mediation.pk).status == MatterStatus.IN_MEDIATION
        assert not Agreement.objects.exists()

    def test_an_obligor_of_another_matter_is_refused(self, world, in_mediation):
        from suyuan.matters.tests.conftest import file_dispute

        stranger = file_dispute(world).parties.get(role=PartyRole.RESPONDENT)
        with pytest.raises(ValidationError):
            record(
                world,
                in_mediation,
                obligations=[ObligationInput(obligor=stranger, description="x", due_on=timezone.localdate())],
            )

    def test_twice_or_in_the_wrong_state_is_a_conflict(self, world, in_mediation, dispute):
        record(world, in_mediation)
        with pytest.raises((WrongState, IllegalTransition)):
            record(world, in_mediation)

    def test_a_stale_version_is_refused(self, world, in_mediation):
        from suyuan.matters.services import StaleMatter

        with pytest.raises(StaleMatter):
            record(world, in_mediation, expected_version=in_mediation.version - 1)

    def test_grid_workers_may_not(self, world, in_mediation):
        with pytest.raises(Forbidden):
            record(world, in_mediation, actor=world.staff[Role.GRID_WORKER])


class TestConfirmation:
    def test_by_code_then_in_person_makes_it_effective(self, world, agreement, sms_outbox):
        matter = agreement.matter
        applicant = matter.parties.get(role=PartyRole.APPLICANT)
        respondent = matter.parties.get(role=PartyRole.RESPONDENT)
        services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        code = code_from(sms_outbox, applicant.phone)
        confirmation = services.agreement_confirm(
            agreement=agreement, party=applicant, actor=world.citizen, code=code
        )
        assert confirmation.method == ConfirmationMethod.CODE and confirmation.confirmed_by == world.citizen
        assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.AWAITING
        with pytest.raises(WrongState):
            services.agreement_confirm(agreement=agreement, party=applicant, actor=world.citizen, code=code)
        services.agreement_confirm_in_person(
            agreement=agreement, party=respondent, actor=world.staff[Role.MEDIATOR], reason="在调委会当面签字"
        )
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.EFFECTIVE and agreement.effective_at
        assert kinds(matter)[-3:] == [
            EventKind.AGREEMENT_CONFIRMED,
            EventKind.AGREEMENT_CONFIRMED,
            EventKind.AGREEMENT_EFFECTIVE,
        ]

    def test_the_code_is_stored_hashed(self, world, agreement, sms_outbox):
        applicant = agreement.matter.parties.get(role=PartyRole.APPLICANT)
        confirmation = services.confirmation_code_send(
            agreement=agreement, party=applicant, actor=world.citizen
        )
        code = code_from(sms_outbox, applicant.phone)
        assert code not in confirmation.code_hash and confirmation.code_hash.startswith("hmac-sha256$")

    def test_a_wrong_code_counts_and_too_many_lock_it(self, world, agreement, sms_outbox):
        applicant = agreement.matter.parties.get(role=PartyRole.APPLICANT)
        services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        code = code_from(sms_outbox, applicant.phone)
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        for _ in range(services.CODE_MAX_ATTEMPTS):
            with pytest.raises(ValidationError):
                services.agreement_confirm(
                    agreement=agreement, party=applicant, actor=world.citizen, code=wrong
                )
        assert agreement.confirmations.get(party=applicant).attempts == services.CODE_MAX_ATTEMPTS
        with pytest.raises(ValidationError, match=r"Too many|过多"):
            services.agreement_confirm(agreement=agreement, party=applicant, actor=world.citizen, code=code)

    def test_an_expired_code_is_refused(self, world, agreement, sms_outbox, time_machine):
        time_machine.move_to(timezone.now())
        applicant = agreement.matter.parties.get(role=PartyRole.APPLICANT)
        services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        code = code_from(sms_outbox, applicant.phone)
        time_machine.shift(services.CODE_TTL + dt.timedelta(seconds=1))
        with pytest.raises(ValidationError) as exc:
            services.agreement_confirm(agreement=agreement, party=applicant, actor=world.citizen, code=code)
        assert exc.value.message_dict["code"]

    def test_codes_are_rate_limited(self, world, agreement, time_machine):
        time_machine.move_to(timezone.now())
        applicant = agreement.matter.parties.get(role=PartyRole.APPLICANT)
        services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        with pytest.raises(ValidationError):
            services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        for _ in range(services.CODE_HOURLY_LIMIT - 1):
            time_machine.shift(services.CODE_RESEND_INTERVAL + dt.timedelta(seconds=1))
            services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        time_machine.shift(services.CODE_RESEND_INTERVAL + dt.timedelta(seconds=1))
        with pytest.raises(ValidationError):
            services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)
        time_machine.shift(dt.timedelta(hours=1))
        services.confirmation_code_send(agreement=agreement, party=applicant, actor=world.citizen)

    def test_a_citizen_whose_phone_matches_confirms_and_is_linked(self, world, agreement, sms_outbox):
        respondent = agreement.matter.parties.get(role=PartyRole.RESPONDENT)
        citizen = respondent_citizen(agreement.matter)
        services.confirmation_code_send(agreement=agreement, party=respondent, actor=citizen)
        services.agreement_confirm(
            agreement=agreement, party=respondent, actor=citizen, code=code_from(sms_outbox, RESPONDENT_PHONE)
        )
        respondent.refresh_from_db()
        assert respondent.user == citizen

    def test_another_citizen_cannot_confirm_for_a_party(self, world, agreement):
        respondent = agreement.matter.parties.get(role=PartyRole.RESPONDENT)
        with pytest.raises(NotFound):
            services.confirmation_code_send(agreement=agreement, party=respondent, actor=world.citizen)
        other = new_user(username="other", phone="13800000099")
        applicant = agreement.matter.parties.get(role=PartyRole.APPLICANT)
        with pytest.raises(NotFound):
            services.confirmation_code_send(agreement=agreement, party=applicant, actor=other)

    def test_in_person_needs_a_reason_and_a_mediation_role(self, world, agreement):
        respondent = agreement.matter.parties.get(role=PartyRole.RESPONDENT)
        with pytest.raises(ValidationError):
            services.agreement_confirm_in_person(
                agreement=agreement, party=respondent, actor=world.staff[Role.MEDIATOR], reason=""
            )
        with pytest.raises(Forbidden):
            services.agreement_confirm_in_person(
                agreement=agreement,
                party=respondent,
                actor=world.staff[Role.GRID_WORKER],
                reason="当面签字确认",
            )


class TestObligations:
    def test_performed_everything_performs_the_agreement(self, world, agreement):
        agreement = make_effective(world, agreement)
        obligation = agreement.obligations.get()
        services.obligation_report(
            obligation=obligation, actor=world.citizen, performed=True, note="已收到八百元"
        )
        obligation.refresh_from_db()
        agreement.refresh_from_db()
        assert obligation.status == ObligationStatus.PERFORMED and obligation.reported_by == world.citizen
        assert agreement.status == AgreementStatus.PERFORMED
        event = MatterEvent.objects.filter(matter=agreement.matter).latest("seq")
        assert event.kind == EventKind.OBLIGATION_PERFORMED and event.data["agreement_performed"] is True

    def test_not_performed_before_the_due_date_is_refused(self, world, agreement):
        agreement = make_effective(world, agreement)
        with pytest.raises(WrongState):
            services.obligation_report(
                obligation=agreement.obligations.get(), actor=world.citizen, performed=False, note="没给钱"
            )

    def test_a_breach_opens_the_follow_up(self, world, agreement, time_machine, sms_outbox):
        agreement = make_effective(world, agreement)
        obligation = agreement.obligations.get()
        time_machine.move_to(timezone.now() + dt.timedelta(days=12))
        services.obligation_report(
            obligation=obligation, actor=world.citizen, performed=False, note="到期未付款"
        )
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.BREACHED
        assert FollowUp.objects.get(agreement=agreement).obligation == obligation
        assert kinds(agreement.matter)[-2:] == [EventKind.OBLIGATION_BREACHED, EventKind.FOLLOW_UP_OPENED]
        follow_up = MatterEvent.objects.filter(matter=agreement.matter).latest("seq")
        assert "judicial_confirmation" in follow_up.data["options"]
        with pytest.raises(WrongState):
            services.obligation_report(obligation=obligation, actor=world.citizen, performed=True)

    def test_a_breach_needs_a_note(self, world, agreement, time_machine):
        agreement = make_effective(world, agreement)
        time_machine.move_to(timezone.now() + dt.timedelta(days=12))
        with pytest.raises(ValidationError):
            services.obligation_report(
                obligation=agreement.obligations.get(), actor=world.citizen, performed=False
            )

    def test_not_before_the_agreement_is_in_effect(self, world, agreement):
        with pytest.raises(WrongState):
            services.obligation_report(
                obligation=agreement.obligations.get(), actor=world.citizen, performed=True
            )

    def test_who_may_report(self, world, agreement):
        agreement = make_effective(world, agreement)
        obligation = agreement.obligations.get()
        for actor, error in ((world.staff[Role.GRID_WORKER], Forbidden), (world.kecheng, NotFound)):
            with pytest.raises(error):
                services.obligation_report(obligation=obligation, actor=actor, performed=True)
        services.obligation_report(obligation=obligation, actor=world.staff[Role.MEDIATOR], performed=True)


class TestReminders:
    def test_each_reminder_is_sent_once(self, world, in_mediation, time_machine, sms_outbox):
        time_machine.move_to(NOW)
        agreement = make_effective(world, record(world, in_mediation, days=5))
        obligation = agreement.obligations.get()
        assert services.obligation_reminders_send() == 0  # five days ahead: not yet
        time_machine.move_to(NOW + dt.timedelta(days=2))
        sms_outbox.clear()
        assert services.obligation_reminders_send() == 1
        assert services.obligation_reminders_send() == 0
        phones = {m[0] for m in sms_outbox}
        assert len(phones) == 2  # the obligor and the other side
        time_machine.move_to(NOW + dt.timedelta(days=5))
        assert services.obligation_reminders_send() == 1
        assert services.obligation_reminders_send() == 0
        time_machine.move_to(NOW + dt.timedelta(days=6))
        sms_outbox.clear()
        assert services.obligation_reminders_send() == 1
        assert {m[0] for m in sms_outbox} == {agreement.matter.parties.get(role="applicant").phone}
        time_machine.move_to(NOW + dt.timedelta(days=9))
        assert services.obligation_reminders_send() == 0
        assert set(
            ObligationReminder.objects.filter(obligation=obligation).values_list("kind", flat=True)
        ) == {
            ReminderKind.BEFORE,
            ReminderKind.DUE_DAY,
            ReminderKind.ASK,
        }

    def test_no_reminders_for_agreements_not_in_effect_or_reported(self, world, in_mediation, time_machine):
        time_machine.move_to(NOW)
        agreement = record(world, in_mediation, days=1)
        time_machine.move_to(NOW + dt.timedelta(days=1))
        assert services.obligation_reminders_send() == 0
        agreement = make_effective(world, agreement)
        services.obligation_report(
            obligation=agreement.obligations.get(), actor=world.citizen, performed=True
        )
        assert services.obligation_reminders_send() == 0

    def test_the_job_is_registered_with_the_clock(self):
        from suyuan.core import periodic

        assert "mediation.obligation_reminders" in {job.name for job in periodic.jobs()}
