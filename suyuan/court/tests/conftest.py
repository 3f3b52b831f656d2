"""Fixtures for the court: the accounts test world with its court (clerk, judge, an invited mediator),
matters whose mediation failed, agreements in effect, and the materials a filing needs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, User
from suyuan.accounts.tests.world import World, build_world, new_user
from suyuan.court.models import CourtCase
from suyuan.court.services import ComplaintInput
from suyuan.matters import services as matter_services
from suyuan.matters.choices import DocumentKind, FailureRoute
from suyuan.matters.documents import document_add
from suyuan.matters.models import Matter
from suyuan.matters.tests import files
from suyuan.matters.tests.conftest import file_dispute
from suyuan.mediation.models import Agreement
from suyuan.mediation.tests.conftest import make_effective, record, to_mediation


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def clerk(world) -> User:
    return world.staff[Role.COURT_CLERK]


@pytest.fixture
def judge(world) -> User:
    return world.staff[Role.JUDGE]


@pytest.fixture
def invited(world) -> User:
    """A court-invited mediator (特邀调解员): a mediator who is a member of the court."""
    user = new_user(username="court.mediator", full_name="特邀调解员丁")
    Membership.objects.create(user=user, organization=world.orgs["court"], role=Role.MEDIATOR)
    return user


@pytest.fixture
def other_court_clerk(world) -> User:
    """A clerk of Kecheng's court: another county's court."""
    from suyuan.accounts.choices import OrganizationType
    from suyuan.accounts.tests.world import new_organization
    from suyuan.regions.models import Region

    court = new_organization(
        code="W-330802-COURT", name="衢州市柯城区人民法院", region=Region.objects.get(code="330802"),
        type=OrganizationType.COURT,
    )  # fmt: skip
    user = new_user(username="kc.clerk", full_name="柯城书记员")
    Membership.objects.create(user=user, organization=court, role=Role.COURT_CLERK)
    return user


def fail_mediation(world: World, matter: Matter, route: str = FailureRoute.COURT) -> Matter:
    matter = to_mediation(world, matter)
    matter_services.matter_record_failure(
        matter=matter, actor=world.staff[Role.MEDIATOR], reason="双方分歧较大，调解不成。", route=route
    )
    return Matter.objects.get(pk=matter.pk)


@pytest.fixture
def failed(world) -> Matter:
    """A neighbours' dispute whose mediation failed, with the court named as the next route."""
    return fail_mediation(world, file_dispute(world))


def attach_materials(world: World, matter: Matter, kinds: tuple[str, ...] = ("identity", "evidence")) -> None:
    for kind in kinds:
        upload = SimpleUploadedFile(f"{kind}.png", files.png(), content_type="image/png")
        document_add(matter=matter, actor=world.citizen, upload=upload, kind=kind)


COMPLAINT = ComplaintInput(
    cause="neighbours",
    claims=["判令被告立即停止夜间装修施工", "判令被告赔偿原告损失800元"],
    facts="被告自本年十月起连续两周在晚上十点后装修，影响原告休息，经社区调解未果。",
)


def complaint(**overrides: Any) -> ComplaintInput:
    values: dict[str, Any] = {"cause": COMPLAINT.cause, "claims": COMPLAINT.claims, "facts": COMPLAINT.facts}
    values.update(overrides)
    return ComplaintInput(**values)


def upload(kind: str = DocumentKind.IDENTITY) -> tuple[str, SimpleUploadedFile]:
    return kind, SimpleUploadedFile(f"{kind}.png", files.png(), content_type="image/png")


def pdf_upload(name: str = "判决书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.pdf(), content_type="application/pdf")


@pytest.fixture
def effective(world) -> Agreement:
    """An agreement of a mediated dispute that every party has confirmed (in effect today)."""
    matter = to_mediation(world, file_dispute(world))
    return make_effective(world, record(world, matter))


def refresh(case: CourtCase) -> CourtCase:
    return CourtCase.objects.get(pk=case.pk)


@pytest.fixture
def dispute_in_mediation(world) -> Matter:
    return to_mediation(world, file_dispute(world))
