"""Shared set-up for the respondent tests: an accepted dispute, its invitation and link, another village."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.tests.world import World, new_organization, new_user
from suyuan.matters import respondents, services
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter, Party, RespondentInvitation
from suyuan.matters.tests.conftest import file_dispute
from suyuan.regions.tests.factories import make_region

CHINA = dt.timezone(dt.timedelta(hours=8))
OTHER_VILLAGE = "330881100201"


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def accepted_dispute(world: World, **overrides: Any) -> Matter:
    matter = file_dispute(world, **overrides)
    return services.matter_accept(matter=matter, actor=world.staff[Role.DISPATCHER])


def respondent_of(matter: Matter) -> Party:
    return matter.parties.get(role=PartyRole.RESPONDENT)


@dataclass
class Invited:
    matter: Matter
    party: Party
    invitation: RespondentInvitation
    token: str


def invite(world: World, matter: Matter | None = None, *, actor: User | None = None) -> Invited:
    """Accept a dispute (unless given) and invite its respondent as the dispatcher."""
    matter = matter or accepted_dispute(world)
    party = respondent_of(matter)
    invitation = respondents.respondent_invite(
        matter=matter, party=party, actor=actor or world.staff[Role.DISPATCHER]
    )
    return Invited(
        Matter.objects.get(pk=matter.pk), party, invitation, respondents.invitation_token(invitation)
    )


def other_village(world: World) -> tuple[Organization, User]:
    """Create 上余镇's 五家岭村 with its own village committee and grid worker; return both."""
    make_region(OTHER_VILLAGE, "五家岭村")
    organization = new_organization(
        code="W-330881100201-VC",
        name="五家岭村人民调解委员会",
        region_id=OTHER_VILLAGE,
        type=OrganizationType.VILLAGE_COMMITTEE,
    )
    worker = new_user(username="sy.grid_worker", full_name="上余网格员")
    Membership.objects.create(user=worker, organization=organization, role=Role.GRID_WORKER)
    return organization, worker
