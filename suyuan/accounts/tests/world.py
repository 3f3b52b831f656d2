"""A small, real-looking world for access tests: Jiangshan's centre tree, its court and police, and Kecheng.

One member of staff per role in Jiangshan, a citizen, staff of another county (Kecheng), and a platform
operator. ``sign_in`` signs a test client in, passing the second factor for roles that need one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.accounts.choices import SECOND_FACTOR_ROLES, OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from suyuan.core.identifiers import PHONE, RESIDENT_ID, hash_identifier
from suyuan.regions.tests.factories import make_real_regions

BACKEND = "suyuan.accounts.backends.StaffPasswordBackend"

# Where each role sits in Jiangshan.
ROLE_HOME = {
    Role.GRID_WORKER: "village",
    Role.MEDIATOR: "township",
    Role.DISPATCHER: "centre",
    Role.SUPERVISOR: "centre",
    Role.COURT_CLERK: "court",
    Role.JUDGE: "court",
    Role.AGENCY_OFFICER: "police",
    Role.ANALYST: "centre",
    Role.ADMINISTRATOR: "centre",
}

GRID_WORKER_PHONE = "13900001234"
GRID_WORKER_ID = "330881199001011238"


def new_user(**fields: Any) -> User:
    """Return a saved user from the factory, typed as a ``User``."""
    return cast(User, UserFactory(**fields))


def new_organization(**fields: Any) -> Organization:
    """Return a saved organisation from the factory, typed as an ``Organization``."""
    return cast(Organization, OrganizationFactory(**fields))


@dataclass
class World:
    orgs: dict[str, Organization]
    staff: dict[str, User]  # by role, all in Jiangshan
    citizen: User
    kecheng: User  # a dispatcher of Kecheng's centre
    kecheng_admin: User
    operator: User

    def actor(self, name: str) -> User | None:
        """Return the user called ``name``: a role, ``citizen``, ``kecheng``, ``operator`` or ``anonymous``."""
        if name == "anonymous":
            return None
        if name in self.staff:
            return self.staff[name]
        return getattr(self, name)


def build_world() -> World:
    regions = make_real_regions()
    centre = new_organization(
        code="W-330881-CC", name="江山市社会矛盾纠纷调处化解中心", region=regions["330881"],
        type=OrganizationType.COUNTY_CENTRE,
    )  # fmt: skip
    township = new_organization(
        code="W-330881001-TC", name="双塔街道社会矛盾纠纷调处化解中心", region=regions["330881001"],
        type=OrganizationType.TOWNSHIP_CENTRE, parent=centre,
    )  # fmt: skip
    village = new_organization(
        code="W-330881001001-VC", name="城北社区人民调解委员会", region=regions["330881001001"],
        type=OrganizationType.VILLAGE_COMMITTEE, parent=township,
    )  # fmt: skip
    court = new_organization(
        code="W-330881-COURT", name="江山市人民法院", region=regions["330881"], type=OrganizationType.COURT
    )
    police = new_organization(
        code="W-330881-PSB",
        name="江山市公安局",
        region=regions["330881"],
        type=OrganizationType.POLICE_BUREAU,
    )
    kecheng_centre = new_organization(
        code="W-330802-CC", name="柯城区社会矛盾纠纷调处化解中心", region=regions["330802"],
        type=OrganizationType.COUNTY_CENTRE,
    )  # fmt: skip
    hangzhou = new_organization(
        code="W-330102-CC", name="上城区社会矛盾纠纷调处化解中心", region=regions["330102"],
        type=OrganizationType.COUNTY_CENTRE,
    )  # fmt: skip
    orgs = {
        "centre": centre,
        "township": township,
        "village": village,
        "court": court,
        "police": police,
        "kecheng_centre": kecheng_centre,
        "hangzhou": hangzhou,
    }
    staff = {}
    for role, home in ROLE_HOME.items():
        user = new_user(username=f"js.{role}", full_name=f"江山{Role(role).label}")
        MembershipFactory(user=user, organization=orgs[home], role=role)
        staff[str(role)] = user
    grid_worker = staff[Role.GRID_WORKER]
    grid_worker.phone = GRID_WORKER_PHONE
    grid_worker.phone_hash = hash_identifier(PHONE, GRID_WORKER_PHONE)
    grid_worker.id_number = GRID_WORKER_ID
    grid_worker.id_number_hash = hash_identifier(RESIDENT_ID, GRID_WORKER_ID)
    grid_worker.save()

    citizen = new_user(username="citizen", full_name="市民甲", phone="13800000001")
    citizen.phone_hash = hash_identifier(PHONE, "13800000001")
    citizen.set_unusable_password()
    citizen.save()
    kecheng = new_user(username="kc.dispatcher", full_name="柯城调度员")
    Membership.objects.create(user=kecheng, organization=kecheng_centre, role=Role.DISPATCHER)
    kecheng_admin = new_user(username="kc.administrator", full_name="柯城管理员")
    Membership.objects.create(user=kecheng_admin, organization=kecheng_centre, role=Role.ADMINISTRATOR)
    operator = new_user(username="operator", full_name="平台运维", is_superuser=True, is_staff=True)
    return World(
        orgs=orgs,
        staff=staff,
        citizen=citizen,
        kecheng=kecheng,
        kecheng_admin=kecheng_admin,
        operator=operator,
    )


def needs_totp(user: User) -> bool:
    return (
        user.is_superuser
        or Membership.objects.filter(user=user, is_active=True, role__in=list(SECOND_FACTOR_ROLES)).exists()
    )


def sign_in(client: Client, user: User | None) -> Client:
    """Sign ``user`` in on ``client`` (nobody for ``None``), with a verified second factor if required."""
    if user is None:
        return client
    client.force_login(user, backend=BACKEND)
    if needs_totp(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
