"""Services of the staff workbench: revealing a party's identifiers, and assigning matters in bulk."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from suyuan.accounts import services as accounts_services
from suyuan.accounts.choices import AuditKind, Role
from suyuan.accounts.models import AccessGrant, AuditEvent, Membership
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import services
from suyuan.matters.choices import EventKind, MatterStatus, PartyRole
from suyuan.matters.models import Matter
from suyuan.matters.services import BulkRefused
from suyuan.matters.tests.conftest import APPLICANT_PHONE, file_dispute
from suyuan.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db


def applicant_of(matter: Matter):
    return matter.parties.get(role=PartyRole.APPLICANT)


class TestPartyReveal:
    def test_a_reveal_returns_the_value_and_audits_who_why_and_which_party(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        party = applicant_of(dispute)
        value = services.party_reveal_field(
            actor=dispatcher, party_id=party.pk, field="phone", reason="  电话通知  调解时间 "
        )
        assert value == APPLICANT_PHONE
        event = AuditEvent.objects.get(kind=AuditKind.REVEAL)
        assert (event.actor, event.target, event.field, event.reason) == (
            dispatcher,
            f"matters.party:{party.pk}",
            "phone",
            "电话通知 调解时间",
        )

    def test_an_empty_identifier_reveals_as_empty_and_is_still_audited(self, world, dispute):
        party = applicant_of(dispute)
        value = services.party_reveal_field(
            actor=world.staff[Role.MEDIATOR], party_id=party.pk, field="id_number", reason="核实身份信息"
        )
        assert value == ""
        assert AuditEvent.objects.filter(kind=AuditKind.REVEAL, field="id_number").count() == 1

    @pytest.mark.parametrize("reason", ["", "   ", "短"])
    def test_a_reason_is_required_and_nothing_is_logged_without_one(self, world, dispute, reason):
        with pytest.raises(ValidationError) as info:
            services.party_reveal_field(
                actor=world.staff[Role.DISPATCHER],
                party_id=applicant_of(dispute).pk,
                field="phone",
                reason=reason,
            )
        assert "reason" in info.value.message_dict
        assert not AuditEvent.objects.exists()

    def test_only_phone_and_id_number_can_be_revealed(self, world, dispute):
        with pytest.raises(ValidationError) as info:
            services.party_reveal_field(
                actor=world.staff[Role.DISPATCHER],
                party_id=applicant_of(dispute).pk,
                field="phone_hash",
                reason="想看看哈希值",
            )
        assert "field" in info.value.message_dict
        assert not AuditEvent.objects.exists()

    def test_the_audit_line_comes_first_no_log_no_value(self, world, dispute, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("audit log unavailable")

        # The reveal's log line is written by the shared accounts service.
        monkeypatch.setattr(accounts_services, "audit_record", broken)
        with pytest.raises(RuntimeError):
            services.party_reveal_field(
                actor=world.staff[Role.DISPATCHER],
                party_id=applicant_of(dispute).pk,
                field="phone",
                reason="电话通知调解时间",
            )

    def test_analysts_are_refused_even_with_the_matter_shared_with_them(self, world, dispute):
        analyst = world.staff[Role.ANALYST]
        party = applicant_of(dispute)
        with pytest.raises(NotFound):
            services.party_reveal_field(
                actor=analyst, party_id=party.pk, field="phone", reason="统计核对数据"
            )
        AccessGrant.objects.create(
            content_type=ContentType.objects.get_for_model(Matter),
            object_id=str(dispute.pk),
            grantee_user=analyst,
            reason="质量抽查",
        )
        with pytest.raises(Forbidden):
            services.party_reveal_field(
                actor=analyst, party_id=party.pk, field="phone", reason="统计核对数据"
            )
        assert not AuditEvent.objects.exists()

    def test_the_citizen_who_filed_may_not_reveal_the_other_side(self, world, dispute):
        respondent = dispute.parties.get(role=PartyRole.RESPONDENT)
        with pytest.raises(Forbidden):
            services.party_reveal_field(
                actor=world.citizen, party_id=respondent.pk, field="phone", reason="我想联系对方"
            )

    @pytest.mark.parametrize("who", ["kecheng", "kecheng_admin"])
    def test_staff_of_another_county_do_not_find_the_party(self, world, dispute, who):
        with pytest.raises(NotFound):
            services.party_reveal_field(
                actor=world.actor(who), party_id=applicant_of(dispute).pk, field="phone", reason="联系当事人"
            )

    @pytest.mark.parametrize("party_id", [0, 999_999, "abc", None])
    def test_a_missing_party_is_not_found(self, world, dispute, party_id):
        with pytest.raises(NotFound):
            services.party_reveal_field(
                actor=world.staff[Role.DISPATCHER], party_id=party_id, field="phone", reason="联系当事人"
            )

    def test_the_assigned_mediator_may_reveal_outside_their_region(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        outsider = world.kecheng
        Membership.objects.create(user=outsider, organization=world.orgs["village"], role=Role.MEDIATOR)
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(
            matter=dispute, actor=dispatcher, organization=world.orgs["village"], mediator=outsider
        )
        assert (
            services.party_reveal_field(
                actor=outsider, party_id=applicant_of(dispute).pk, field="phone", reason="联系申请人"
            )
            == APPLICANT_PHONE
        )


class TestBulkAssign:
    def accepted(self, world, count: int) -> list[Matter]:
        matters = [file_dispute(world) for _ in range(count)]
        for matter in matters:
            services.matter_accept(matter=matter, actor=world.staff[Role.DISPATCHER])
        return [Matter.objects.get(pk=m.pk) for m in matters]

    def test_every_matter_is_assigned_with_its_event(self, world):
        matters = self.accepted(world, 3)
        mediator = world.staff[Role.MEDIATOR]
        done = services.matters_bulk_assign(
            matters=matters,
            actor=world.staff[Role.DISPATCHER],
            organization=world.orgs["township"],
            mediator=mediator,
            expected_versions={m.pk: m.version for m in matters},
        )
        assert len(done) == 3
        for matter in Matter.objects.filter(pk__in=[m.pk for m in matters]):
            assert (matter.status, matter.organization, matter.mediator) == (
                MatterStatus.ASSIGNED,
                world.orgs["township"],
                mediator,
            )
            assert matter.events.filter(kind=EventKind.ASSIGNED).count() == 1

    def test_all_or_nothing_with_the_reason_for_each_refused_matter(self, world, english):
        matters = self.accepted(world, 2)
        submitted = file_dispute(world)
        versions = {m.pk: m.version for m in Matter.objects.all()}
        messages_before = OutboundMessage.objects.count()
        with pytest.raises(BulkRefused) as info:
            services.matters_bulk_assign(
                matters=[*matters, submitted],
                actor=world.staff[Role.DISPATCHER],
                organization=world.orgs["township"],
                mediator=world.staff[Role.MEDIATOR],
            )
        refusals = info.value.refusals
        assert [r.matter.pk for r in refusals] == [submitted.pk]
        assert "submitted" in refusals[0].reason and "assign" in refusals[0].reason
        # Nothing changed: statuses, versions, events, and no message to anyone.
        assert {m.pk: m.version for m in Matter.objects.all()} == versions
        assert not Matter.objects.filter(status=MatterStatus.ASSIGNED).exists()
        assert not Matter.objects.filter(events__kind=EventKind.ASSIGNED).exists()
        assert OutboundMessage.objects.count() == messages_before

    def test_a_stale_version_refuses_the_batch(self, world, english):
        first, second = self.accepted(world, 2)
        with pytest.raises(BulkRefused) as info:
            services.matters_bulk_assign(
                matters=[first, second],
                actor=world.staff[Role.DISPATCHER],
                organization=world.orgs["village"],
                expected_versions={first.pk: first.version, second.pk: second.version - 1},
            )
        assert [r.matter.pk for r in info.value.refusals] == [second.pk]
        assert "changed this matter meanwhile" in info.value.refusals[0].reason
        assert not Matter.objects.filter(status=MatterStatus.ASSIGNED).exists()

    def test_someone_without_intake_rights_has_every_matter_refused(self, world):
        matters = self.accepted(world, 2)
        with pytest.raises(BulkRefused) as info:
            services.matters_bulk_assign(
                matters=matters, actor=world.staff[Role.MEDIATOR], organization=world.orgs["township"]
            )
        assert len(info.value.refusals) == 2

    def test_a_mediator_of_another_organisation_is_refused(self, world, english):
        matters = self.accepted(world, 1)
        with pytest.raises(BulkRefused) as info:
            services.matters_bulk_assign(
                matters=matters,
                actor=world.staff[Role.DISPATCHER],
                organization=world.orgs["village"],
                mediator=world.staff[Role.MEDIATOR],  # a mediator of the township centre
            )
        assert "not a mediator of that organisation" in info.value.refusals[0].reason

    def test_an_empty_batch_is_refused(self, world):
        with pytest.raises(ValidationError):
            services.matters_bulk_assign(
                matters=[], actor=world.staff[Role.DISPATCHER], organization=world.orgs["village"]
            )

    def test_a_matter_listed_twice_is_assigned_once(self, world):
        (matter,) = self.accepted(world, 1)
        services.matters_bulk_assign(
            matters=[matter, matter], actor=world.staff[Role.DISPATCHER], organization=world.orgs["village"]
        )
        assert Matter.objects.get(pk=matter.pk).events.filter(kind=EventKind.ASSIGNED).count() == 1
