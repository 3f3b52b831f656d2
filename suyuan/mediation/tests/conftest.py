"""Fixtures for mediation: the accounts test world, a dispute in mediation with the village's mediator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, build_world
from suyuan.matters import services as matter_services
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE, file_dispute
from suyuan.mediation import services
from suyuan.mediation.models import Agreement
from suyuan.mediation.services import ObligationInput

__all__ = ["APPLICANT_PHONE", "RESPONDENT_PHONE"]

TERMS = "一、被申请人自即日起晚上八点后停止装修施工。\n二、被申请人赔偿申请人损失八百元。"


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def dispute(world) -> Matter:
    return file_dispute(world)


def to_mediation(world: World, matter: Matter) -> Matter:
    """Accept, assign to the village committee's mediator, and start mediation."""
    dispatcher = world.staff[Role.DISPATCHER]
    mediator = world.staff[Role.MEDIATOR]
    Membership.objects.get_or_create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)
    matter_services.matter_accept(matter=matter, actor=dispatcher)
    matter_services.matter_assign(
        matter=matter, actor=dispatcher, organization=world.orgs["village"], mediator=mediator
    )
    matter_services.matter_start_mediation(matter=matter, actor=mediator)
    return Matter.objects.get(pk=matter.pk)


@pytest.fixture
def in_mediation(world, dispute) -> Matter:
    return to_mediation(world, dispute)


def record(world: World, matter: Matter, *, days: int = 10, **overrides: Any) -> Agreement:
    respondent = matter.parties.get(role=PartyRole.RESPONDENT)
    values: dict[str, Any] = {
        "matter": matter,
        "actor": world.staff[Role.MEDIATOR],
        "terms": TERMS,
        "obligations": [
            ObligationInput(
                obligor=respondent,
                description="赔偿损失",
                amount="800",
                due_on=timezone.localdate() + dt.timedelta(days=days),
            )
        ],
    }
    values.update(overrides)
    return services.agreement_record(**values)


@pytest.fixture
def agreement(world, in_mediation) -> Agreement:
    return record(world, in_mediation)


def make_effective(world: World, agreement: Agreement) -> Agreement:
    for confirmation in agreement.confirmations.select_related("party"):
        services.agreement_confirm_in_person(
            agreement=agreement,
            party=confirmation.party,
            actor=world.staff[Role.MEDIATOR],
            reason="当面签字确认",
        )
    return Agreement.objects.get(pk=agreement.pk)
