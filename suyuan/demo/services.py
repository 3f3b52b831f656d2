"""Build the Quzhou demonstration: real regions, a full organisation tree, and one demo login per role.

Everything here is DEMO DATA with a shared, published password and a published TOTP secret. Never run it
against a database that real people use.

The build is deterministic and idempotent: organisations are keyed by a code made of their region code
and their kind, people by username, so a second run changes nothing and creates nothing. Thousands of
village committees are written with ``bulk_create``. The demo matters, made through the matter services,
are in ``suyuan.demo.matters``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.accounts.choices import OrganizationType, Role, Specialty
from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.services import identifier_fields
from suyuan.court.codes import court_codes_load
from suyuan.regions.choices import RegionLevel
from suyuan.regions.models import Region

# --- Published demo credentials (demo only!) -------------------------------------------------------------

DEMO_PASSWORD = "Suyuan-demo-2026"  # noqa: S105 - a published demo password, printed by --print-logins
# 20 bytes, the size RFC 6238 recommends for HMAC-SHA1; base32 of it goes into an authenticator app.
_DEMO_TOTP_KEY = b"suyuan-demo-totp-key"
DEMO_TOTP_SECRET = base64.b32encode(_DEMO_TOTP_KEY).decode("ascii")
DEMO_TOTP_DEVICE_NAME = "Demo authenticator (published secret)"
DEMO_CITIZEN_PHONE = "13800000001"
DEMO_CITIZEN_ID_NUMBER = "330881199203150025"

QUZHOU = "3308"
# The six county-level divisions of Quzhou (National Bureau of Statistics codes, 2023).
COUNTIES = {
    "330802": "柯城区",
    "330803": "衢江区",
    "330822": "常山县",
    "330824": "开化县",
    "330825": "龙游县",
    "330881": "江山市",
}
HOME_COUNTY = "330881"  # 江山市: where most demo logins work
OTHER_COUNTY = "330802"  # 柯城区: staff there must not see Jiangshan's people
HOME_TOWNSHIP = "330881001"  # 双塔街道
HOME_VILLAGE_NAME = "城北社区"
CITY_CENTRE_CODE = f"{QUZHOU}-CITY"  # 衢州市's centre: the city's command room (figures and alerts)
CITY_NAME = "衢州市"

CENTRE_SUFFIX = "社会矛盾纠纷调处化解中心"
COMMITTEE_SUFFIX = "人民调解委员会"

# Per county: code suffix, type, specialty, name after the county's name, whether it sits in the centre.
COUNTY_BODIES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("COURT", OrganizationType.COURT, "", "人民法院", False),
    ("PROC", OrganizationType.PROCURATORATE, "", "人民检察院", False),
    ("PSB", OrganizationType.POLICE_BUREAU, "", "公安局", False),
    ("JB", OrganizationType.JUSTICE_BUREAU, "", "司法局", False),
    ("PET", OrganizationType.PETITION_OFFICE, "", "信访局", False),
    # The commission and the specialist committees are stationed in the county centre (进驻), so they sit
    # below it in the tree and the centre's staff see them.
    ("ARB", OrganizationType.ARBITRATION_COMMISSION, "", "劳动人事争议仲裁委员会", True),
    (
        "SC-TRAFFIC",
        OrganizationType.SPECIALIST_COMMITTEE,
        Specialty.TRAFFIC,
        "道路交通事故人民调解委员会",
        True,
    ),
    ("SC-MEDICAL", OrganizationType.SPECIALIST_COMMITTEE, Specialty.MEDICAL, "医疗纠纷人民调解委员会", True),
    ("SC-LABOUR", OrganizationType.SPECIALIST_COMMITTEE, Specialty.LABOUR, "劳动争议人民调解委员会", True),
    ("SC-FINANCIAL", OrganizationType.SPECIALIST_COMMITTEE, Specialty.FINANCIAL, "金融纠纷律师调解团", True),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    # where: "centre", "township", "village", a COUNTY_BODIES suffix, "other-centre" (Kecheng) or "city"
    place: str
    phone: str
    is_notable: bool = False
    specialty: str = ""
    title: str = ""  # what the role is called there, printed with the logins (特邀调解员)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo.grid_worker", "周建国", Role.GRID_WORKER, "village", "13800000101"),
    DemoUser("demo.mediator", "毛丽娟", Role.MEDIATOR, "township", "13800000102", specialty=Specialty.FAMILY),
    DemoUser("demo.notable", "祝德明", Role.MEDIATOR, "village", "13800000103", is_notable=True),
    DemoUser("demo.dispatcher", "姜晓燕", Role.DISPATCHER, "centre", "13800000104"),
    DemoUser("demo.supervisor", "徐国平", Role.SUPERVISOR, "centre", "13800000105"),
    DemoUser("demo.court_clerk", "杨帆", Role.COURT_CLERK, "COURT", "13800000106"),
    DemoUser("demo.judge", "郑文华", Role.JUDGE, "COURT", "13800000107"),
    # A mediator who is a member of the court: the court asks them to mediate before filing (诉前调解).
    DemoUser("demo.court_mediator", "黄素珍", Role.MEDIATOR, "COURT", "13800000112", title="特邀调解员"),
    DemoUser("demo.agency_officer", "汪海涛", Role.AGENCY_OFFICER, "PSB", "13800000108"),
    DemoUser("demo.analyst", "刘思远", Role.ANALYST, "centre", "13800000109"),
    DemoUser("demo.administrator", "王志强", Role.ADMINISTRATOR, "centre", "13800000110"),
    DemoUser("demo.kecheng", "叶子明", Role.DISPATCHER, "other-centre", "13800000111"),
    # The city's command room: figures and alerts of all six counties, no one's personal data.
    DemoUser("demo.city_analyst", "钱思源", Role.ANALYST, "city", "13800000113"),
)
DEMO_CITIZEN_USERNAME = "demo.citizen"
DEMO_CITIZEN_NAME = "陈小梅"
TOTP_ROLES = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})

BATCH_SIZE = 500
ORG_FIELDS = ("name", "type", "specialty", "region", "parent", "is_active")


class DemoError(Exception):
    """Raised when the demo cannot be built (for example, regions it needs are missing)."""


@dataclass
class SeedReport:
    regions_loaded: bool = False
    organizations_created: int = 0
    organizations_updated: int = 0
    organizations_total: int = 0
    users_created: int = 0
    users_updated: int = 0
    memberships_created: int = 0
    devices_created: int = 0
    matters_created: int = 0
    matters_seconds: float = 0.0
    matters_by_status: dict[str, int] = field(default_factory=dict)
    court_codes_created: int = 0
    court_cases_created: int = 0
    court_seconds: float = 0.0
    court_cases_by_status: dict[str, int] = field(default_factory=dict)
    history_created: int = 0
    history_seconds: float = 0.0
    seconds: float = 0.0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.organizations_created
            or self.users_created
            or self.memberships_created
            or self.devices_created
            or self.matters_created
            or self.history_created
            or self.court_codes_created
            or self.court_cases_created
        )


@dataclass(frozen=True)
class _OrgSpec:
    code: str
    name: str
    type: str
    specialty: str
    region: str
    parent: str | None  # code of the parent organisation


# --- Regions ---------------------------------------------------------------------------------------------


def _regions_present(counties: Iterable[str]) -> bool:
    counties = list(counties)
    present = set(Region.objects.filter(code__in=[QUZHOU, *counties]).values_list("code", flat=True))
    if present != {QUZHOU, *counties}:
        return False
    with_villages = {
        code[:6]
        for code in Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=QUZHOU).values_list(
            "code", flat=True
        )
    }
    return all(county in with_villages for county in counties)


def demo_ensure_regions(*, counties: Sequence[str]) -> bool:
    """Load Zhejiang's regions (villages included) unless Quzhou's are already there; return whether it did."""
    if _regions_present(counties):
        return False
    from suyuan.regions.services import regions_load

    regions_load(province="33", villages=True)
    if not _regions_present(counties):
        raise DemoError(f"The packaged region data has no villages for {', '.join(counties)}.")
    return True


# --- Organisations ---------------------------------------------------------------------------------------


def village_committee_name(village: str) -> str:
    """Return the mediation committee's name for a village or community (城北社区居委会 → 城北社区人民调解委员会)."""
    return place_name(village) + COMMITTEE_SUFFIX


def place_name(village: str) -> str:
    """Return a village's or community's name as people say it (白沙村委会 → 白沙村, 书香社区居委会 → 书香社区)."""
    name = village.strip()
    for suffix, ending in (
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
    ):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            if not name.endswith(ending):
                name += ending
            break
    return name


def centre_code(region_code: str) -> str:
    return f"{region_code}-{'CC' if len(region_code) == 6 else 'TC'}"


def _org_specs(counties: Sequence[str]) -> list[list[_OrgSpec]]:
    """Return the organisations to build, in three waves so that parents exist before their children."""
    in_counties = Q()
    for county in counties:
        in_counties |= Q(code__startswith=county)
    below = Region.objects.filter(in_counties, level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
    townships: dict[str, list[tuple[str, str]]] = {}
    villages: dict[str, list[tuple[str, str]]] = {}
    for code, name, level in below.values_list("code", "name", "level").order_by("code"):
        (townships if level == RegionLevel.TOWNSHIP else villages).setdefault(
            code[: 6 if level == 4 else 9], []
        ).append((code, name))
    county_names = dict(Region.objects.filter(code__in=counties).values_list("code", "name"))

    city_name = Region.objects.filter(code=QUZHOU).values_list("name", flat=True).first() or CITY_NAME
    # The city's centre stands beside the county centres, not above them: supervision ends at the county.
    county_wave: list[_OrgSpec] = [
        _OrgSpec(CITY_CENTRE_CODE, city_name + CENTRE_SUFFIX, OrganizationType.CITY_CENTRE, "", QUZHOU, None)
    ]
    bodies_wave: list[_OrgSpec] = []
    township_wave: list[_OrgSpec] = []
    village_wave: list[_OrgSpec] = []
    for county in counties:
        county_name = county_names.get(county) or COUNTIES[county]
        county_wave.append(
            _OrgSpec(
                centre_code(county),
                county_name + CENTRE_SUFFIX,
                OrganizationType.COUNTY_CENTRE,
                "",
                county,
                None,
            )
        )
        for suffix, org_type, specialty, name, in_centre in COUNTY_BODIES:
            bodies_wave.append(
                _OrgSpec(
                    f"{county}-{suffix}",
                    county_name + name,
                    org_type,
                    specialty,
                    county,
                    centre_code(county) if in_centre else None,
                )
            )
        for township, township_name in townships.get(county, []):
            township_wave.append(
                _OrgSpec(
                    centre_code(township),
                    township_name + CENTRE_SUFFIX,
                    OrganizationType.TOWNSHIP_CENTRE,
                    "",
                    township,
                    centre_code(county),
                )
            )
            for village, village_name in villages.get(township, []):
                village_wave.append(
                    _OrgSpec(
                        f"{village}-VC",
                        village_committee_name(village_name),
                        OrganizationType.VILLAGE_COMMITTEE,
                        "",
                        village,
                        centre_code(township),
                    )
                )
    return [county_wave, bodies_wave + township_wave, village_wave]


def _upsert_organizations(waves: list[list[_OrgSpec]], report: SeedReport) -> dict[str, int]:
    """Create missing organisations and correct changed ones; return ``{code: id}``."""
    codes = [spec.code for wave in waves for spec in wave]
    existing = {org.code: org for org in Organization.objects.filter(code__in=codes)}
    ids = {code: org.pk for code, org in existing.items()}
    for wave in waves:
        to_create: list[Organization] = []
        to_update: list[Organization] = []
        for spec in wave:
            parent_id = ids[spec.parent] if spec.parent else None
            wanted = {
                "name": spec.name,
                "type": spec.type,
                "specialty": spec.specialty,
                "region_id": spec.region,
                "parent_id": parent_id,
                "is_active": True,
            }
            org = existing.get(spec.code)
            if org is None:
                to_create.append(Organization(code=spec.code, **wanted))
            elif any(getattr(org, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(org, name, value)
                to_update.append(org)
        Organization.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Organization.objects.bulk_update(to_update, ORG_FIELDS, batch_size=BATCH_SIZE)
        report.organizations_created += len(to_create)
        report.organizations_updated += len(to_update)
        if to_create:
            # Not every database returns ids from a bulk insert; read them back by code.
            ids.update(
                Organization.objects.filter(code__in=[o.code for o in to_create]).values_list("code", "id")
            )
    report.organizations_total = len(codes)
    for wave in waves:
        for spec in wave:
            report.by_type[spec.type] = report.by_type.get(spec.type, 0) + 1
    return ids


# --- People ----------------------------------------------------------------------------------------------


def _home_village() -> str:
    """Return the code of the demo village: 城北社区 of 双塔街道 if the data has it, else its first village."""
    villages = Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith=HOME_TOWNSHIP).order_by(
        "code"
    )
    named = villages.filter(name__startswith=HOME_VILLAGE_NAME).first()
    first = named or villages.first()
    if first is None:
        raise DemoError(f"No village below {HOME_TOWNSHIP} to place the demo grid worker in.")
    return first.code


def _place_code(place: str, home_village: str) -> str:
    return {
        "centre": centre_code(HOME_COUNTY),
        "township": centre_code(HOME_TOWNSHIP),
        "village": f"{home_village}-VC",
        "other-centre": centre_code(OTHER_COUNTY),
        "city": CITY_CENTRE_CODE,
    }.get(place, f"{HOME_COUNTY}-{place}")


class _PasswordHashes:
    """Give every demo login the same stored hash of the demo password.

    Argon2 is slow on purpose (about 0.15 s a check); sharing one hash means a re-run verifies one hash
    instead of one per person. The first stored hash that verifies becomes the shared one.
    """

    def __init__(self) -> None:
        self._canonical: str | None = None

    def canonical(self, stored: str | None = None) -> str:
        if self._canonical is None:
            if stored and check_password(DEMO_PASSWORD, stored):
                self._canonical = stored
            else:
                self._canonical = make_password(DEMO_PASSWORD)
        return self._canonical


def _upsert_user(
    username: str,
    full_name: str,
    phone: str,
    report: SeedReport,
    *,
    passwords: _PasswordHashes | None,
    id_number: str = "",
) -> User:
    """Create or correct one demo person; ``passwords`` None means a citizen, who has no password."""
    wanted = {
        "full_name": full_name,
        "is_active": True,
        **identifier_fields(phone=phone, id_number=id_number),
    }
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, **wanted)
        if passwords is None:
            user.set_unusable_password()
        else:
            user.password = passwords.canonical()
        user.save()
        report.users_created += 1
        return user
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    # The published password must keep working even if someone changed it while trying the demo.
    if passwords is not None and user.password != passwords.canonical(user.password):
        user.password = passwords.canonical()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
        report.users_updated += 1
    return user


def _ensure_totp(user: User, report: SeedReport) -> None:
    key = _DEMO_TOTP_KEY.hex()
    device = TOTPDevice.objects.filter(user=user, name=DEMO_TOTP_DEVICE_NAME).first()
    if device is None:
        TOTPDevice.objects.create(user=user, name=DEMO_TOTP_DEVICE_NAME, key=key, confirmed=True)
        report.devices_created += 1
    elif device.key != key or not device.confirmed:
        device.key, device.confirmed = key, True
        device.save(update_fields=["key", "confirmed"])


def _upsert_people(org_ids: dict[str, int], report: SeedReport) -> None:
    home_village = _home_village()
    passwords = _PasswordHashes()
    for spec in DEMO_USERS:
        user = _upsert_user(spec.username, spec.full_name, spec.phone, report, passwords=passwords)
        organization_id = org_ids[_place_code(spec.place, home_village)]
        _, created = Membership.objects.get_or_create(
            user=user,
            organization_id=organization_id,
            role=spec.role,
            is_active=True,
            defaults={"is_notable": spec.is_notable, "specialty": spec.specialty},
        )
        report.memberships_created += int(created)
        if spec.role in TOTP_ROLES:
            _ensure_totp(user, report)
    _upsert_user(
        DEMO_CITIZEN_USERNAME,
        DEMO_CITIZEN_NAME,
        DEMO_CITIZEN_PHONE,
        report,
        passwords=None,
        id_number=DEMO_CITIZEN_ID_NUMBER,
    )


# --- Entry points ----------------------------------------------------------------------------------------


def demo_seed(*, counties: Sequence[str] | None = None, matters: bool = True) -> SeedReport:
    """Build (or bring up to date) the Quzhou demo; ``counties`` narrows it, for tests.

    The home county (Jiangshan) and the comparison county (Kecheng) are always included, since the demo
    logins live there. ``matters`` False leaves out the demo matters (see ``suyuan.demo.matters``).
    """
    started = time.perf_counter()
    chosen = sorted({*(counties or COUNTIES), HOME_COUNTY, OTHER_COUNTY})
    unknown = [code for code in chosen if code not in COUNTIES]
    if unknown:
        raise DemoError(f"Not a county of Quzhou: {', '.join(unknown)}")
    report = SeedReport()
    report.regions_loaded = demo_ensure_regions(counties=chosen)
    with transaction.atomic():
        # The courts' codes (浙0881 …) number the demo's court cases; ``make db`` loads them already.
        report.court_codes_created, _kept = court_codes_load(province="33")
        org_ids = _upsert_organizations(_org_specs(chosen), report)
        _upsert_people(org_ids, report)
    if matters:
        from suyuan.demo.matters import demo_matters_seed  # it builds on this module

        built = demo_matters_seed(counties=chosen, report=report)
        report.matters_created = built.created
        report.matters_seconds = built.seconds
        report.matters_by_status = built.by_status
        report.court_cases_created = built.court_cases
        report.court_seconds = built.court_seconds
        report.court_cases_by_status = built.court_by_status
        from suyuan.demo.history import demo_history_seed  # two years of concluded matters, in bulk

        history = demo_history_seed(counties=chosen)
        report.history_created, report.history_seconds = history.created, history.seconds
        # The demo writes history with past dates in bulk: its figures are computed once, from the events.
        from suyuan.analytics.alerts import alerts_detect
        from suyuan.analytics.services import facts_rebuild
        from suyuan.demo.emergency import emergency_seed

        emergency_seed()
        facts_rebuild()
        alerts_detect()  # the board opens with today's alerts (the planted rise, the group dispute)
        _drop_done_tasks()
    report.seconds = time.perf_counter() - started
    return report


def _drop_done_tasks() -> int:
    """Drop the queued tasks whose work the build has just done: the figures' refreshes (the rebuild
    covers every matter) and the matters' first triage (each demo matter is triaged as it is received).
    Left queued, thousands of them would hold up the worker's first real tasks (a sign-in code's text
    message). Only with the database task backend; return how many were dropped."""
    from django_tasks import TaskResultStatus
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from suyuan.analytics.tasks import refresh_facts
    from suyuan.triage.tasks import triage_matter

    if not isinstance(refresh_facts.get_backend(), DatabaseBackend):
        return 0
    done = (refresh_facts.module_path, triage_matter.module_path)
    dropped, _by_model = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__in=done
    ).delete()
    return dropped


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    organization: str
    needs_totp: bool


def demo_logins() -> list[DemoLogin]:
    """Return the demo staff logins as they are in the database (empty if the demo was not built)."""
    rows = []
    users = {u.username: u for u in User.objects.filter(username__in=[spec.username for spec in DEMO_USERS])}
    memberships = {
        (m.user_id, m.role): m
        for m in Membership.objects.filter(user__in=users.values(), is_active=True).select_related(
            "organization"
        )
    }
    for spec in DEMO_USERS:
        user = users.get(spec.username)
        membership = memberships.get((user.pk, spec.role)) if user else None
        if user is None or membership is None:
            continue
        title = "乡贤" if spec.is_notable else spec.title
        label = str(Role(spec.role).label) + (f" ({title})" if title else "")
        rows.append(
            DemoLogin(
                username=spec.username,
                full_name=user.full_name,
                role=label,
                organization=membership.organization.name,
                needs_totp=spec.role in TOTP_ROLES,
            )
        )
    return rows


def demo_totp_uri(username: str) -> str:
    """Return the otpauth:// URI of the published demo secret, for a QR code or an authenticator app."""
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Suyuan")
    label = quote(f"{issuer}:{username}")
    return f"otpauth://totp/{label}?secret={DEMO_TOTP_SECRET}&issuer={quote(str(issuer))}&digits=6&period=30"
