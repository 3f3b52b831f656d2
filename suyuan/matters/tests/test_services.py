"""Each command with its event, its rights and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, codes, services
from suyuan.matters.choices import EventKind, FailureRoute, MatterStatus, PartyRole, Visibility
from suyuan.matters.models import Category, Matter, MatterEvent
from suyuan.matters.services import PartyInput, StaleMatter
from suyuan.matters.tests.conftest import APPLICANT_PHONE, file_dispute
from suyuan.matters.transitions import IllegalTransition
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


def kinds(matter: Matter) -> list[str]:
    return list(MatterEvent.objects.filter(matter=matter).order_by("seq").values_list("kind", flat=True))


class TestReceive:
    def test_a_filed_dispute_gets_a_code_an_event_a_route_a_deadline_and_an_sms(self, world, sms_outbox):
        with time_machine.travel(dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC), tick=False):
            matter = file_dispute(world)

        assert codes.normalize(matter.tracking_code) == matter.tracking_code
        assert matter.status == MatterStatus.SUBMITTED
        assert kinds(matter) == [EventKind.RECEIVED, EventKind.NOTE]
        route = matter.events.get(kind=EventKind.NOTE)
        assert route.visibility == Visibility.INTERNAL
        # No rule and no specialty for neighbours' quarrels: the village committee of the village.
        assert matter.organization == world.orgs["village"]
        # 3 working days from 30 September 2026, across the National Day holiday (1–8 October).
        assert matter.due_at is not None
        assert matter.due_at.date() >= dt.date(2026, 10, 9)
        assert sms_outbox and sms_outbox[0][0] == APPLICANT_PHONE
        assert matter.display_code in sms_outbox[0][1]

    def test_personal_identifiers_of_parties_are_encrypted_and_hashed(self, world):
        matter = file_dispute(world)
        applicant = matter.parties.get(role=PartyRole.APPLICANT)
        assert applicant.phone == APPLICANT_PHONE
        assert applicant.phone_masked == "139****1111"
        assert applicant.phone_hash and APPLICANT_PHONE not in applicant.phone_hash
        assert applicant.user == world.citizen

    def test_bad_input_is_refused_by_field_and_nothing_is_written(self, world, sms_outbox):
        with pytest.raises(ValidationError) as info:
            file_dispute(
                world,
                title="",
                occurred_on=dt.date(2999, 1, 1),
                privacy_consent=False,
                parties=[
                    PartyInput(role=PartyRole.APPLICANT, name="甲", phone="12345"),
                    PartyInput(role=PartyRole.RESPONDENT, name="", id_number="110105194912310021"),
                ],
            )
        assert set(info.value.message_dict) == {
            "title",
            "occurred_on",
            "privacy_consent",
            "parties[0].phone",
            "parties[1].name",
            "parties[1].id_number",
        }
        assert not Matter.objects.exists()
        assert not sms_outbox

    def test_a_dispute_needs_a_respondent_and_one_applicant(self, world):
        with pytest.raises(ValidationError) as info:
            file_dispute(
                world, parties=[PartyInput(role=PartyRole.APPLICANT, name="甲", phone=APPLICANT_PHONE)]
            )
        assert "parties" in info.value.message_dict

    def test_the_same_idempotency_key_returns_the_same_matter(self, world):
        first = file_dispute(world, idempotency_key="k-1")
        again = file_dispute(world, idempotency_key="k-1")
        assert first.pk == again.pk
        assert Matter.objects.count() == 1

    def test_staff_filing_for_a_citizen_must_record_consent(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        with pytest.raises(ValidationError) as info:
            file_dispute(world, actor=dispatcher, owner=None, channel="walk_in")
        assert "agent_consent" in info.value.message_dict
        matter = file_dispute(
            world, actor=dispatcher, owner=None, channel="walk_in", agent_consent="当面签字确认"
        )
        assert matter.agent == dispatcher
        assert matter.entered_by == dispatcher

    def test_staff_without_an_entry_role_may_not_file_for_others(self, world):
        with pytest.raises(Forbidden):
            file_dispute(world, actor=world.staff[Role.ANALYST], owner=None, agent_consent="电话录音")


class TestCommands:
    def test_the_way_to_an_agreement_writes_one_event_per_step(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        mediator = world.staff[Role.MEDIATOR]
        Membership.objects.create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)

        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(
            matter=dispute, actor=dispatcher, organization=world.orgs["village"], mediator=mediator
        )
        services.matter_start_mediation(matter=dispute, actor=mediator)
        services.matter_record_agreement(matter=dispute, actor=mediator, terms="晚上八点后停止施工。")
        services.matter_close(matter=dispute, actor=mediator)

        dispute.refresh_from_db()
        assert dispute.status == MatterStatus.CLOSED
        assert dispute.due_at is None and dispute.closed_at is not None
        assert kinds(dispute)[2:] == [
            EventKind.ACCEPTED,
            EventKind.ASSIGNED,
            EventKind.MEDIATION_STARTED,
            EventKind.AGREEMENT_RECORDED,
            EventKind.CLOSED,
        ]
        statuses = list(dispute.events.exclude(to_status="").values_list("from_status", "to_status"))
        assert statuses[1:] == [
            ("submitted", "accepted"),
            ("accepted", "assigned"),
            ("assigned", "in_mediation"),
            ("in_mediation", "resolved"),
            ("resolved", "closed"),
        ]

    def test_an_illegal_command_is_refused_and_changes_nothing(self, world, dispute):
        with pytest.raises(IllegalTransition):
            services.matter_start_mediation(matter=dispute, actor=world.staff[Role.DISPATCHER])
        dispute.refresh_from_db()
        assert dispute.status == MatterStatus.SUBMITTED
        assert dispute.version == 1

    def test_decline_needs_a_reason_that_the_citizen_then_sees(self, world, dispute, sms_outbox):
        dispatcher = world.staff[Role.DISPATCHER]
        with pytest.raises(ValidationError):
            services.matter_decline(matter=dispute, actor=dispatcher, reason=" ")
        services.matter_decline(
            matter=dispute, actor=dispatcher, reason="不属于人民调解受理范围，请向劳动仲裁委申请。"
        )
        event = dispute.events.get(kind=EventKind.DECLINED)
        assert event.visibility == Visibility.PUBLIC
        assert "劳动仲裁" in event.text
        assert "劳动仲裁" in sms_outbox[-1][1]

    def test_merge_points_the_duplicate_at_the_original(self, world, dispute):
        duplicate = file_dispute(world)
        services.matter_merge(matter=duplicate, into=dispute, actor=world.staff[Role.DISPATCHER])
        duplicate.refresh_from_db()
        assert duplicate.status == MatterStatus.MERGED
        assert duplicate.merged_into == dispute
        assert duplicate.events.get(kind=EventKind.MERGED).data["into"] == dispute.display_code
        assert dispute.events.filter(kind=EventKind.MERGED_IN).exists()

    def test_escalation_hands_the_matter_up_one_level_unassigned(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_escalate(matter=dispute, actor=dispatcher, reason="涉及多户，需街道协调")
        dispute.refresh_from_db()
        assert dispute.organization == world.orgs["township"]
        assert dispute.mediator is None

    def test_failure_names_the_next_route(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(matter=dispute, actor=dispatcher, organization=world.orgs["village"])
        services.matter_start_mediation(matter=dispute, actor=dispatcher)
        with pytest.raises(ValidationError):
            services.matter_record_failure(
                matter=dispute, actor=dispatcher, reason="双方分歧较大", route="moon"
            )
        services.matter_record_failure(
            matter=dispute, actor=dispatcher, reason="双方分歧较大", route=FailureRoute.COURT
        )
        dispute.refresh_from_db()
        assert (dispute.status, dispute.failure_route) == (MatterStatus.UNRESOLVED, FailureRoute.COURT)

    def test_a_stale_version_is_refused(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        services.matter_accept(matter=dispute, actor=dispatcher, expected_version=1)
        with pytest.raises(StaleMatter):
            services.matter_escalate(
                matter=dispute, actor=dispatcher, reason="需要上级协调", expected_version=1
            )

    def test_the_applicant_may_withdraw_but_not_accept(self, world, dispute):
        with pytest.raises(Forbidden):
            services.matter_accept(matter=dispute, actor=world.citizen)
        services.matter_withdraw(matter=dispute, actor=world.citizen, reason="已私下和解")
        dispute.refresh_from_db()
        assert dispute.status == MatterStatus.WITHDRAWN

    @pytest.mark.parametrize("who", ["kecheng", "kecheng_admin"])
    def test_staff_of_another_county_do_not_even_find_the_matter(self, world, dispute, who):
        with pytest.raises(NotFound):
            services.matter_accept(matter=dispute, actor=world.actor(who))

    @pytest.mark.parametrize(
        "role", [Role.GRID_WORKER, Role.ANALYST, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER]
    )
    def test_roles_without_intake_rights_may_not_accept(self, world, dispute, role):
        with pytest.raises((Forbidden, NotFound)):
            services.matter_accept(matter=dispute, actor=world.staff[role])

    def test_notes_are_internal_and_messages_public(self, world, dispute):
        services.matter_add_note(
            matter=dispute, actor=world.staff[Role.DISPATCHER], text="申请人情绪激动，注意沟通方式"
        )
        services.matter_post_message(matter=dispute, actor=world.citizen, text="请问什么时候联系我？")
        citizen_view = list(access.events_visible_to(world.citizen, dispute).values_list("kind", flat=True))
        staff_view = list(
            access.events_visible_to(world.staff[Role.DISPATCHER], dispute).values_list("kind", flat=True)
        )
        assert EventKind.MESSAGE in citizen_view and EventKind.NOTE not in citizen_view
        assert citizen_view.count(EventKind.NOTE) == 0
        assert staff_view.count(EventKind.NOTE) == 2  # the routing note and this one
        with pytest.raises(Forbidden):
            services.matter_add_note(matter=dispute, actor=world.citizen, text="我想加备注")


class TestVisibility:
    def test_who_sees_a_matter_in_a_village_of_jiangshan(self, world, dispute):
        sees = {
            name
            for name in [*world.staff, "citizen", "kecheng", "kecheng_admin", "operator"]
            if access.matters_visible_to(world.actor(name)).filter(pk=dispute.pk).exists()
        }
        assert sees == {
            Role.GRID_WORKER,
            Role.MEDIATOR,
            Role.DISPATCHER,
            Role.SUPERVISOR,
            Role.ADMINISTRATOR,
            "citizen",
            "operator",
        }

    def test_court_staff_see_a_matter_once_their_court_handles_it(self, world, dispute):
        clerk = world.staff[Role.COURT_CLERK]
        assert not access.matters_visible_to(clerk).filter(pk=dispute.pk).exists()
        Matter.objects.filter(pk=dispute.pk).update(organization=world.orgs["court"])
        assert access.matters_visible_to(clerk).filter(pk=dispute.pk).exists()


def test_the_event_log_cannot_be_rewritten(world, dispute):
    event = dispute.events.first()
    assert event is not None
    event.text = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        MatterEvent.objects.filter(matter=dispute).update(text="rewritten")
    with pytest.raises(TypeError):
        MatterEvent.objects.filter(matter=dispute).delete()


def test_intake_costs_a_fixed_handful_of_statements(world, settings, django_assert_max_num_queries):
    # Leave the applicant's text message queued (the immediate test backend would deliver it in line).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    place = {
        "region": Region.objects.get(code="330881001001"),
        "category": Category.objects.get(code="neighbours"),
    }
    file_dispute(world, **place)  # warms the per-process rule caches
    # Memberships (actor label), routing's organisation lookup, the matter, parties and events (one insert
    # each), the outbox row, the applicant's portal notification, and the savepoints around them.
    with django_assert_max_num_queries(11):
        matter = file_dispute(world, **place)
    assert [e.seq for e in matter.events.order_by("seq")] == [1, 2]
    assert matter.parties.count() == 2


class TestPartiesByVerifiedPhone:
    def test_a_citizen_sees_the_matters_where_a_party_has_their_phone(self, world, dispute):
        from suyuan.accounts.services import user_set_identifiers
        from suyuan.accounts.tests.world import new_user
        from suyuan.matters.tests.conftest import RESPONDENT_PHONE

        respondent = new_user(username="respondent")
        assert not access.matters_visible_to(respondent).filter(pk=dispute.pk).exists()
        user_set_identifiers(user=respondent, phone=RESPONDENT_PHONE, actor=respondent)
        assert access.access_matter(respondent, dispute.pk) == dispute
        # Another citizen with another number still sees nothing.
        stranger = new_user(username="stranger")
        user_set_identifiers(user=stranger, phone="13900007777", actor=stranger)
        assert not access.matters_visible_to(stranger).filter(pk=dispute.pk).exists()


class TestNotifications:
    def test_the_applicant_with_an_account_is_told_in_the_portal_and_by_text(self, world, sms_outbox):
        from suyuan.notifications.models import Notification

        matter = file_dispute(world)
        note = Notification.objects.get(recipient=world.citizen)
        assert note.link == f"/matters/{matter.display_code}/"
        assert matter.display_code in note.body
        assert [phone for phone, _body in sms_outbox] == [APPLICANT_PHONE]

    def test_the_mediator_named_is_told_with_a_link_to_the_matter(self, world, dispute):
        from suyuan.notifications.models import Notification

        dispatcher, mediator = world.staff[Role.DISPATCHER], world.staff[Role.MEDIATOR]
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(
            matter=dispute, actor=dispatcher, organization=world.orgs["township"], mediator=mediator
        )
        note = Notification.objects.get(recipient=mediator)
        assert note.link == f"/staff/matters/{dispute.display_code}/"
        assert note.purpose == "matter_assigned"
