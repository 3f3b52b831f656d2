"""Services and access scopes of accounts: memberships, organisations, identifiers, reveals, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from suyuan.accounts import access, selectors, services
from suyuan.accounts.audit import audit_record
from suyuan.accounts.choices import AuditKind, OrganizationType, Role
from suyuan.accounts.models import AccessGrant, AuditEvent, Membership, Organization, User
from suyuan.accounts.tests.world import (
    GRID_WORKER_ID,
    GRID_WORKER_PHONE,
    build_world,
    new_organization,
    new_user,
)
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def fresh(user: User) -> User:
    """Return the user re-read, so no scope cached on the object hides a change."""
    return User.objects.get(pk=user.pk)


# --- Scopes ---------------------------------------------------------------------------------------------


class TestScopes:
    def test_county_staff_see_their_county_tree_and_bodies_but_not_another_county(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        visible = set(access.organizations_visible_to(dispatcher).values_list("code", flat=True))
        assert visible == {
            "W-330881-CC",
            "W-330881001-TC",
            "W-330881001001-VC",
            "W-330881-COURT",
            "W-330881-PSB",
        }

    def test_a_grid_worker_sees_only_their_village_committee(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        assert list(access.organizations_visible_to(grid_worker)) == [world.orgs["village"]]

    def test_the_organisation_tree_extends_scope_beyond_the_region(self, world):
        # A body attached to the township centre but sitting in another region is still below it.
        outside = new_organization(region=Region.objects.get(code="330102001"), parent=world.orgs["township"])
        assert access.access_organization(world.staff[Role.MEDIATOR], outside.pk) == outside
        with pytest.raises(NotFound):
            access.access_organization(world.kecheng, outside.pk)

    def test_a_citizen_sees_only_themselves(self, world):
        assert list(access.users_visible_to(world.citizen)) == [world.citizen]
        assert not access.organizations_visible_to(world.citizen).exists()
        assert not access.memberships_visible_to(world.citizen).exists()

    def test_staff_do_not_see_citizens_who_brought_them_nothing(self, world):
        with pytest.raises(NotFound):
            access.access_user(world.staff[Role.ADMINISTRATOR], world.citizen.pk)

    def test_platform_operators_see_everything(self, world):
        assert access.organizations_visible_to(world.operator).count() == Organization.objects.count()
        assert access.users_visible_to(world.operator).count() == User.objects.count()

    def test_anonymous_sees_nothing(self, world):
        assert not access.users_visible_to(None).exists()
        assert not access.organizations_visible_to(None).exists()

    def test_an_inactive_membership_gives_no_scope(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        Membership.objects.filter(user=dispatcher).update(is_active=False)
        assert not access.organizations_visible_to(fresh(dispatcher)).exists()

    def test_an_explicit_grant_shares_one_organisation_until_it_expires(self, world):
        village = world.orgs["village"]
        grant = AccessGrant.objects.create(
            content_type=ContentType.objects.get_for_model(Organization),
            object_id=str(village.pk),
            grantee_user=world.kecheng,
            reason="联合调解",
        )
        assert access.access_organization(fresh(world.kecheng), village.pk) == village
        with pytest.raises(NotFound):
            access.access_organization(fresh(world.kecheng), world.orgs["centre"].pk)
        grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
        grant.save()
        with pytest.raises(NotFound):
            access.access_organization(fresh(world.kecheng), village.pk)

    def test_a_grant_to_an_organisation_shares_a_person_with_its_members(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        AccessGrant.objects.create(
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(grid_worker.pk),
            grantee_organization=world.orgs["kecheng_centre"],
            reason="跨区协同",
        )
        assert access.access_user(fresh(world.kecheng), grid_worker.pk) == grid_worker

    def test_a_county_scope_is_one_prefix_not_a_list_of_ids(self, world):
        scope = access.scope_for(fresh(world.staff[Role.DISPATCHER]))
        assert scope.region_codes == ("330881",)
        assert scope.tree_only_organization_ids == frozenset()
        assert world.orgs["village"].pk in scope.organization_ids

    def test_scope_is_computed_once_per_user_object(self, world, django_assert_num_queries):
        dispatcher = fresh(world.staff[Role.DISPATCHER])
        access.scope_for(dispatcher)
        with django_assert_num_queries(0):
            access.scope_for(dispatcher)

    def test_a_role_narrowed_scope_ignores_memberships_in_other_roles(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        Membership.objects.create(user=admin, organization=world.orgs["kecheng_centre"], role=Role.MEDIATOR)
        admin = fresh(admin)
        assert access.organizations_visible_to(admin).filter(pk=world.orgs["kecheng_centre"].pk).exists()
        assert not (
            access.organizations_visible_to(admin, roles=[Role.ADMINISTRATOR])
            .filter(pk=world.orgs["kecheng_centre"].pk)
            .exists()
        )
        assert not access.can_administer_organization(admin, world.orgs["kecheng_centre"])


# --- Memberships ------------------------------------------------------------------------------------


class TestMemberships:
    def test_an_administrator_grants_a_role_in_their_scope_and_it_is_audited(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        newcomer = new_user()
        membership = services.membership_grant(
            user=newcomer,
            organization=world.orgs["village"],
            role=Role.MEDIATOR,
            is_notable=True,
            actor=admin,
        )
        assert membership.is_active and membership.is_notable and membership.granted_by == admin
        event = AuditEvent.objects.get(kind=AuditKind.MEMBERSHIP_GRANTED)
        assert (event.actor, event.target, event.field) == (
            admin,
            f"accounts.user:{newcomer.pk}",
            Role.MEDIATOR,
        )
        assert world.orgs["village"].code in event.reason
        # The newcomer's scope now includes the village.
        assert access.access_organization(newcomer, world.orgs["village"].pk) == world.orgs["village"]

    def test_granting_a_role_already_held_changes_nothing(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        grid_worker = world.staff[Role.GRID_WORKER]
        existing = Membership.objects.get(user=grid_worker)
        again = services.membership_grant(
            user=grid_worker, organization=world.orgs["village"], role=Role.GRID_WORKER, actor=admin
        )
        assert again == existing
        assert not AuditEvent.objects.exists()

    def test_an_administrator_of_another_county_is_told_the_organisation_does_not_exist(self, world):
        with pytest.raises(NotFound):
            services.membership_grant(
                user=new_user(),
                organization=world.orgs["village"],
                role=Role.MEDIATOR,
                actor=world.kecheng_admin,
            )
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("role", [Role.DISPATCHER, Role.SUPERVISOR, Role.JUDGE, Role.ANALYST])
    def test_staff_who_are_not_administrators_may_not_grant(self, world, role):
        with pytest.raises(Forbidden):
            services.membership_grant(
                user=new_user(),
                organization=world.orgs["village"],
                role=Role.MEDIATOR,
                actor=world.staff[role],
            )
        assert not Membership.objects.filter(organization=world.orgs["village"], role=Role.MEDIATOR).exists()

    def test_a_platform_operator_may_grant_anywhere(self, world):
        membership = services.membership_grant(
            user=new_user(),
            organization=world.orgs["hangzhou"],
            role=Role.ADMINISTRATOR,
            actor=world.operator,
        )
        assert membership.pk

    def test_invalid_role_and_notable_non_mediator_are_refused_with_the_field(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        with pytest.raises(ValidationError) as exc:
            services.membership_grant(
                user=new_user(), organization=world.orgs["village"], role="boss", actor=admin
            )
        assert "role" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.membership_grant(
                user=new_user(),
                organization=world.orgs["village"],
                role=Role.JUDGE,
                is_notable=True,
                actor=admin,
            )
        assert "is_notable" in exc.value.message_dict

    def test_ending_a_membership_removes_the_scope_and_is_audited(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        grid_worker = world.staff[Role.GRID_WORKER]
        membership = Membership.objects.get(user=grid_worker)
        services.membership_end(membership=membership, actor=admin)
        membership.refresh_from_db()
        assert not membership.is_active and membership.ended_at is not None
        event = AuditEvent.objects.get(kind=AuditKind.MEMBERSHIP_ENDED)
        assert (event.actor, event.target, event.field) == (
            admin,
            f"accounts.user:{grid_worker.pk}",
            Role.GRID_WORKER,
        )
        assert not access.organizations_visible_to(fresh(grid_worker)).exists()
        # Ending it again is a no-op, with no second event.
        services.membership_end(membership=membership, actor=admin)
        assert AuditEvent.objects.filter(kind=AuditKind.MEMBERSHIP_ENDED).count() == 1

    def test_ending_a_membership_needs_an_administrator_of_its_organisation(self, world):
        membership = Membership.objects.get(user=world.staff[Role.GRID_WORKER])
        with pytest.raises(Forbidden):
            services.membership_end(membership=membership, actor=world.staff[Role.SUPERVISOR])
        with pytest.raises(NotFound):
            services.membership_end(membership=membership, actor=world.kecheng_admin)
        membership.refresh_from_db()
        assert membership.is_active


# --- Organisations ------------------------------------------------------------------------------------


class TestOrganizationCreate:
    def test_an_administrator_creates_a_committee_below_their_centre(self, world):
        org = services.organization_create(
            code="W-330881001-SC",
            name="双塔街道物业纠纷人民调解委员会",
            type=OrganizationType.SPECIALIST_COMMITTEE,
            specialty="property",
            region=Region.objects.get(code="330881001"),
            parent=world.orgs["township"],
            actor=world.staff[Role.ADMINISTRATOR],
        )
        assert org.parent == world.orgs["township"]
        assert access.access_organization(world.staff[Role.MEDIATOR], org.pk) == org
        event = AuditEvent.objects.get(kind=AuditKind.ORGANIZATION_CREATED)
        assert (event.actor, event.target) == (
            world.staff[Role.ADMINISTRATOR],
            f"accounts.organization:{org.pk}",
        )

    def test_bad_input_names_each_field(self, world):
        with pytest.raises(ValidationError) as exc:
            services.organization_create(
                code="W-330881-CC",  # taken
                name=" ",
                type="club",
                specialty="gardening",
                region=Region.objects.get(code="330802"),  # not below the parent's region
                parent=world.orgs["centre"],
                actor=world.staff[Role.ADMINISTRATOR],
            )
        assert set(exc.value.message_dict) == {"code", "name", "type", "specialty", "region"}

    def test_only_administrators_of_the_region_create(self, world):
        kwargs: dict[str, Any] = {
            "code": "W-NEW",
            "name": "新组织",
            "type": OrganizationType.JUSTICE_BUREAU,
            "region": Region.objects.get(code="330881"),
        }
        with pytest.raises(Forbidden):
            services.organization_create(**kwargs, actor=world.staff[Role.DISPATCHER])
        with pytest.raises(Forbidden):
            services.organization_create(**kwargs, actor=world.kecheng_admin)
        with pytest.raises(NotFound):
            services.organization_create(**kwargs, parent=world.orgs["centre"], actor=world.kecheng_admin)
        assert services.organization_create(**kwargs, actor=world.staff[Role.ADMINISTRATOR]).pk


# --- Identifiers ------------------------------------------------------------------------------------


class TestIdentifiers:
    def test_people_set_their_own_phone_stored_encrypted_and_hashed(self, world):
        citizen = world.citizen
        services.user_set_identifiers(user=citizen, phone="139 0000 5678", id_number="", actor=citizen)
        citizen = fresh(citizen)
        assert citizen.phone == "13900005678"
        assert citizen.phone_masked == "139****5678"
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [citizen.pk])
            stored = cursor.fetchone()[0]
        assert "13900005678" not in stored
        assert list(selectors.users_find_by_identifier(actor=citizen, phone="13900005678")) == [citizen]
        event = AuditEvent.objects.get(kind=AuditKind.IDENTIFIERS_CHANGED)
        assert (event.actor, event.field) == (citizen, "id_number,phone")
        assert "5678" not in f"{event.target}{event.field}{event.reason}"

    def test_invalid_identifiers_are_refused_by_field_and_nothing_changes(self, world):
        citizen = world.citizen
        with pytest.raises(ValidationError) as exc:
            services.user_set_identifiers(
                user=citizen, phone="12345", id_number="330881199001011230", actor=citizen
            )
        assert set(exc.value.message_dict) == {"phone", "id_number"}
        assert fresh(citizen).phone == "13800000001"

    def test_a_phone_number_belongs_to_one_account(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_set_identifiers(user=world.citizen, phone=GRID_WORKER_PHONE, actor=world.citizen)
        assert "phone" in exc.value.message_dict

    def test_administrators_set_identifiers_of_people_in_scope_others_may_not(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        services.user_set_identifiers(
            user=grid_worker, phone="13900009999", actor=world.staff[Role.ADMINISTRATOR]
        )
        assert fresh(grid_worker).phone == "13900009999"
        with pytest.raises(Forbidden):
            services.user_set_identifiers(
                user=grid_worker, phone="13900008888", actor=world.staff[Role.DISPATCHER]
            )
        with pytest.raises(NotFound):
            services.user_set_identifiers(user=grid_worker, phone="13900008888", actor=world.kecheng_admin)

    def test_finding_by_identifier_is_scoped_and_validated(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        dispatcher = world.staff[Role.DISPATCHER]
        assert list(selectors.users_find_by_identifier(actor=dispatcher, phone=GRID_WORKER_PHONE)) == [
            grid_worker
        ]
        assert list(selectors.users_find_by_identifier(actor=dispatcher, id_number=GRID_WORKER_ID)) == [
            grid_worker
        ]
        assert not selectors.users_find_by_identifier(actor=world.kecheng, phone=GRID_WORKER_PHONE).exists()
        # Citizens are not in staff scope, even when the number is exactly theirs.
        assert not selectors.users_find_by_identifier(actor=dispatcher, phone="13800000001").exists()
        with pytest.raises(ValidationError) as exc:
            selectors.users_find_by_identifier(actor=dispatcher, phone="not a phone")
        assert "phone" in exc.value.message_dict


# --- Reveals ---------------------------------------------------------------------------------------------


class TestReveal:
    def test_a_reveal_returns_the_clear_value_and_logs_who_what_and_why(self, world):
        dispatcher = world.staff[Role.DISPATCHER]
        grid_worker = world.staff[Role.GRID_WORKER]
        value = services.user_reveal_field(
            actor=dispatcher, user_id=grid_worker.pk, field="id_number", reason="  核实 调解协议 当事人身份 "
        )
        assert value == GRID_WORKER_ID
        event = AuditEvent.objects.get()
        assert event.kind == AuditKind.REVEAL
        assert event.actor == dispatcher
        assert event.target == f"accounts.user:{grid_worker.pk}"
        assert event.field == "id_number"
        assert event.reason == "核实 调解协议 当事人身份"

    @pytest.mark.parametrize("reason", ["", "   ", "ok"])
    def test_a_reveal_without_a_real_reason_is_refused_and_logs_nothing(self, world, reason):
        with pytest.raises(ValidationError) as exc:
            services.user_reveal_field(
                actor=world.staff[Role.DISPATCHER],
                user_id=world.staff[Role.GRID_WORKER].pk,
                field="phone",
                reason=reason,
            )
        assert "reason" in exc.value.message_dict
        assert not AuditEvent.objects.exists()

    def test_only_phone_and_id_number_can_be_revealed(self, world):
        with pytest.raises(ValidationError) as exc:
            services.user_reveal_field(
                actor=world.operator,
                user_id=world.staff[Role.GRID_WORKER].pk,
                field="password",
                reason="好奇一下看看",
            )
        assert "field" in exc.value.message_dict
        assert not AuditEvent.objects.exists()

    def test_analysts_may_not_reveal(self, world):
        with pytest.raises(Forbidden):
            services.user_reveal_field(
                actor=world.staff[Role.ANALYST],
                user_id=world.staff[Role.GRID_WORKER].pk,
                field="phone",
                reason="统计分析用途",
            )
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("who", ["kecheng", "citizen"])
    def test_people_out_of_scope_are_not_found_and_nothing_is_logged(self, world, who):
        with pytest.raises(NotFound):
            services.user_reveal_field(
                actor=world.actor(who),
                user_id=world.staff[Role.GRID_WORKER].pk,
                field="phone",
                reason="联系当事人",
            )
        assert not AuditEvent.objects.exists()

    def test_people_may_reveal_their_own_and_it_is_still_logged(self, world):
        value = services.user_reveal_field(
            actor=world.citizen, user_id=world.citizen.pk, field="phone", reason="查看本人号码"
        )
        assert value == "13800000001"
        assert AuditEvent.objects.get().actor == world.citizen


# --- Audit log --------------------------------------------------------------------------------------------


class TestAuditLog:
    def test_administrators_browse_events_of_people_in_their_scope_only(self, world):
        jiangshan_event = audit_record(AuditKind.SIGN_IN, actor=world.staff[Role.JUDGE])
        kecheng_event = audit_record(AuditKind.SIGN_IN, actor=world.kecheng)
        failed_here = audit_record(
            AuditKind.SIGN_IN_FAILED, attempted_username=world.staff[Role.JUDGE].username
        )
        failed_unknown = audit_record(AuditKind.SIGN_IN_FAILED, attempted_username="nobody")

        assert set(access.audit_events_visible_to(world.staff[Role.ADMINISTRATOR])) == {
            jiangshan_event,
            failed_here,
        }
        assert set(access.audit_events_visible_to(world.kecheng_admin)) == {kecheng_event}
        assert set(access.audit_events_visible_to(world.operator)) == {
            jiangshan_event,
            kecheng_event,
            failed_here,
            failed_unknown,
        }

    @pytest.mark.parametrize(
        "who", [*[r for r in Role if r != Role.ADMINISTRATOR], "citizen", "kecheng", "anonymous"]
    )
    def test_nobody_else_browses_the_audit_log(self, world, who):
        with pytest.raises(Forbidden):
            access.audit_events_visible_to(world.actor(who))

    def test_an_administrator_who_is_a_mediator_elsewhere_does_not_see_that_county(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        Membership.objects.create(user=admin, organization=world.orgs["kecheng_centre"], role=Role.MEDIATOR)
        kecheng_event = audit_record(AuditKind.SIGN_IN, actor=world.kecheng)
        assert kecheng_event not in set(access.audit_events_visible_to(fresh(admin)))

    def test_filters_by_kind_person_and_inclusive_days(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        judge = world.staff[Role.JUDGE]
        day = dt.date(2026, 3, 2)
        at = dt.datetime(2026, 3, 2, 23, 30, tzinfo=timezone.get_current_timezone())
        late = AuditEvent.objects.create(kind=AuditKind.SIGN_IN, actor=judge, created_at=at)
        AuditEvent.objects.create(kind=AuditKind.SIGN_IN, actor=judge, created_at=at + dt.timedelta(hours=1))
        AuditEvent.objects.create(kind=AuditKind.SIGN_OUT, actor=judge, created_at=at)
        AuditEvent.objects.create(kind=AuditKind.SIGN_IN, actor=admin, created_at=at)

        found = selectors.audit_event_list(
            actor=admin, kind=AuditKind.SIGN_IN, person_id=judge.pk, date_from=day, date_to=day.isoformat()
        )
        assert list(found) == [late]
        by_name = selectors.audit_event_list(
            actor=admin, kind=AuditKind.SIGN_IN, person_username=judge.username
        )
        assert by_name.count() == 2

    def test_bad_filters_are_refused_by_field(self, world):
        with pytest.raises(ValidationError) as exc:
            selectors.audit_event_list(
                actor=world.operator,
                kind="gossip",
                date_from="2026-02-30",
                date_to="yesterday",
                person_id="x",
            )
        assert set(exc.value.message_dict) == {"kind", "date_from", "date_to", "actor"}
        with pytest.raises(ValidationError) as exc:
            selectors.audit_event_list(actor=world.operator, date_from="2026-03-02", date_to="2026-03-01")
        assert set(exc.value.message_dict) == {"date_to"}


def test_sharing_an_object_is_granted_and_audited(db):
    from suyuan.accounts.choices import AuditKind
    from suyuan.accounts.models import AccessGrant, AuditEvent
    from suyuan.accounts.services import access_grant_create
    from suyuan.accounts.tests.world import build_world

    world = build_world()
    org, other = world.orgs["village"], world.orgs["kecheng_centre"]
    grant = access_grant_create(obj=other, organization=org, reason="上门走访")
    assert AccessGrant.objects.get(pk=grant.pk).grantee_organization == org
    event = AuditEvent.objects.get(kind=AuditKind.ACCESS_GRANTED)
    assert org.code in event.target and event.reason == "上门走访"
    with pytest.raises(ValueError):
        access_grant_create(obj=other, reason="x")
