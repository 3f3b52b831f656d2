"""The Quzhou demo: organisations, logins, TOTP, idempotency, and the scopes the logins demonstrate.

The demo matters have their own tests (test_demo_matters.py); these build the demo without them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.accounts import access
from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.core.exceptions import NotFound
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.court.choices import CaseStatus
from suyuan.court.models import CaseNumber, CourtCase, CourtCode
from suyuan.demo import services
from suyuan.demo.court import COURT_STORIES
from suyuan.demo.matters import demo_court_counts, demo_matter_counts
from suyuan.demo.tests.conftest import QUIET_TASKS
from suyuan.demo.triage import STORIES as TRIAGE_STORIES
from suyuan.matters.choices import MatterStatus
from suyuan.matters.models import Matter, MatterEvent
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "devices": TOTPDevice.objects.count(),
        "matters": Matter.objects.count(),
        "events": MatterEvent.objects.count(),
        "court codes": CourtCode.objects.count(),
        "court cases": CourtCase.objects.count(),
        "case numbers": CaseNumber.objects.count(),
    }


def totp_now(secret_base32: str, at: float | None = None) -> str:
    """Compute an RFC 6238 code independently of django-otp, as an authenticator app would."""
    key = base64.b32decode(secret_base32)
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class TestOnASlice:
    def test_builds_the_tree_people_and_devices(self, small_quzhou):
        report = services.demo_seed(counties=small_quzhou, matters=False)
        assert not report.regions_loaded
        # the city's centre; per county a centre and ten bodies; a centre per township (4 in the slice), a
        # committee per village (2)
        assert report.organizations_created == 1 + 2 * 11 + 4 + 2
        city = Organization.objects.get(code=services.CITY_CENTRE_CODE)
        assert (city.name, city.type, city.region_id, city.parent) == (
            "衢州市社会矛盾纠纷调处化解中心",
            OrganizationType.CITY_CENTRE,
            "3308",
            None,
        )
        centre = Organization.objects.get(code="330881-CC")
        assert centre.name == "江山市社会矛盾纠纷调处化解中心"
        township = Organization.objects.get(code="330881001-TC")
        assert (township.name, township.parent) == ("双塔街道社会矛盾纠纷调处化解中心", centre)
        village = Organization.objects.get(code="330881001001-VC")
        assert (village.name, village.parent, village.type) == (
            "城北社区人民调解委员会",
            township,
            OrganizationType.VILLAGE_COMMITTEE,
        )
        assert Organization.objects.get(code="330881-COURT").name == "江山市人民法院"
        assert Organization.objects.get(code="330881-SC-FINANCIAL").name == "江山市金融纠纷律师调解团"
        assert Organization.objects.get(code="330881-SC-TRAFFIC").parent == centre
        assert Organization.objects.get(code="330881-PSB").parent is None

        roles = set(
            Membership.objects.filter(user__username__startswith="demo.").values_list("role", flat=True)
        )
        assert roles == set(Role.values)
        notable = Membership.objects.get(user__username="demo.notable")
        assert notable.is_notable and notable.organization == village
        assert Membership.objects.get(user__username="demo.judge").organization.name == "江山市人民法院"
        court_mediator = Membership.objects.get(user__username="demo.court_mediator")
        assert (court_mediator.organization.name, court_mediator.role) == ("江山市人民法院", Role.MEDIATOR)
        # The courts' codes number the court's cases: 浙0881 for Jiangshan's, 浙08 for Quzhou's, 浙.
        codes = dict(CourtCode.objects.values_list("code", "name"))
        assert codes["浙0881"] == "江山市人民法院" and codes["浙08"] == "衢州市中级人民法院"
        assert codes["浙"] == "浙江省高级人民法院" and report.court_codes_created == len(codes)
        assert set(TOTPDevice.objects.values_list("user__username", flat=True)) == {
            "demo.supervisor",
            "demo.administrator",
        }

    def test_a_second_run_creates_and_changes_nothing(self, small_quzhou):
        services.demo_seed(counties=small_quzhou, matters=False)
        before = counts()
        report = services.demo_seed(counties=small_quzhou, matters=False)
        assert not report.created_anything
        assert (report.organizations_updated, report.users_updated) == (0, 0)
        assert counts() == before

    def test_a_run_repairs_what_someone_changed(self, small_quzhou):
        services.demo_seed(counties=small_quzhou, matters=False)
        Organization.objects.filter(code="330881-CC").update(name="改过的名字")
        judge = User.objects.get(username="demo.judge")
        judge.set_password("something-else-entirely")
        judge.save()
        report = services.demo_seed(counties=small_quzhou, matters=False)
        assert (report.organizations_updated, report.users_updated) == (1, 1)
        assert Organization.objects.get(code="330881-CC").name == "江山市社会矛盾纠纷调处化解中心"
        assert User.objects.get(username="demo.judge").check_password(services.DEMO_PASSWORD)

    def test_staff_sign_in_with_the_demo_password_and_the_citizen_has_none(self, small_quzhou):
        services.demo_seed(counties=small_quzhou, matters=False)
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username="demo.dispatcher", password=services.DEMO_PASSWORD) is not None
        citizen = User.objects.get(phone_hash=hash_identifier(PHONE, services.DEMO_CITIZEN_PHONE))
        assert citizen.username == services.DEMO_CITIZEN_USERNAME
        assert not citizen.has_usable_password()
        assert citizen.id_number == services.DEMO_CITIZEN_ID_NUMBER

    def test_the_published_totp_secret_opens_the_demo_devices(self, small_quzhou):
        services.demo_seed(counties=small_quzhou, matters=False)
        device = TOTPDevice.objects.get(user__username="demo.administrator")
        assert device.confirmed
        assert device.verify_token(totp_now(services.DEMO_TOTP_SECRET))

    def test_the_logins_demonstrate_scopes(self, small_quzhou):
        services.demo_seed(counties=small_quzhou, matters=False)
        people = {u.username: u for u in User.objects.filter(username__startswith="demo.")}
        grid_worker = people["demo.grid_worker"]
        assert access.access_user(people["demo.dispatcher"], grid_worker.pk) == grid_worker
        with pytest.raises(NotFound):
            access.access_user(people["demo.kecheng"], grid_worker.pk)
        assert access.scope_for(people["demo.grid_worker"]).region_codes == ("330881001001",)

    def test_the_city_analyst_reads_the_citys_figures_and_no_ones_matters(self, small_quzhou):
        from django.test import Client

        from suyuan.accounts.tests.world import sign_in
        from suyuan.analytics.alerts import alerts_visible_to
        from suyuan.analytics.models import Alert
        from suyuan.matters.access import matters_visible_to
        from suyuan.supervision.services import Levels

        services.demo_seed(counties=small_quzhou, matters=False)
        analyst = User.objects.get(username="demo.city_analyst")
        membership = Membership.objects.get(user=analyst)
        assert (membership.role, membership.organization.code) == (Role.ANALYST, services.CITY_CENTRE_CODE)
        scope = access.scope_for(analyst)
        assert scope.region_codes == ("3308",)
        # Aggregates only: no matter of the city opens for an analyst, and nobody's personal data.
        matter = Matter.objects.create(
            tracking_code="HISTCITY0001",
            kind="dispute",
            channel="walk_in",
            title="t",
            description="d",
            region_id="330881001001",
            privacy_consent_at=timezone.now(),
        )
        assert not matters_visible_to(analyst).filter(pk=matter.pk).exists()
        # Alerts of both counties reach the city's room; Kecheng's dispatcher sees only Kecheng's.
        for region in ("330881001", "330802"):
            Alert.objects.create(kind="overdue", subject=f"overdue:{region}", region=region, numbers={})
        assert set(alerts_visible_to(analyst).values_list("region", flat=True)) == {"330881001", "330802"}
        kecheng = User.objects.get(username="demo.kecheng")
        assert set(alerts_visible_to(kecheng).values_list("region", flat=True)) == {"330802"}
        # The figures open on the city with the county map; a county is one click down.
        client = Client()
        sign_in(client, analyst)
        page = client.get("/staff/figures/")
        assert page.status_code == 200 and b'data-testid="figures-map"' in page.content
        county = client.get("/staff/figures/", {"region": "330881"})
        assert county.status_code == 200 and b'data-testid="figures-map"' not in county.content
        # Supervision still ends at the county centre: the city's centre is not above it.
        centre = Organization.objects.get(code="330881-CC")
        assert centre.parent is None and Levels().up(centre) is None

    def test_print_logins_prints_the_table_password_phone_and_totp_secret(self, small_quzhou):
        call_command("seed_demo", "--county", "330881", "--no-matters", stdout=StringIO())
        out = StringIO()
        call_command("seed_demo", "--print-logins", stdout=out)
        text = out.getvalue()
        for spec in services.DEMO_USERS:
            assert spec.username in text
        assert services.DEMO_PASSWORD in text
        assert services.DEMO_CITIZEN_PHONE in text
        assert services.DEMO_TOTP_SECRET in text
        assert "江山市人民法院" in text
        assert "特邀调解员" in text and "13800000112" not in text
        assert "demo" in text.lower() and "DEMO" in text

    def test_the_command_reports_what_it_did(self, small_quzhou):
        out = StringIO()
        call_command("seed_demo", "--county", "330881", "--no-matters", stdout=out)
        assert "29 organisations (29 created" in out.getvalue()

    def test_village_committee_names(self):
        assert services.village_committee_name("白沙村委会") == "白沙村人民调解委员会"
        assert services.village_committee_name("新桥头村村民委员会") == "新桥头村人民调解委员会"
        assert services.village_committee_name("书香社区居委会") == "书香社区人民调解委员会"
        assert services.village_committee_name("宝石街居委会") == "宝石街社区人民调解委员会"
        assert services.village_committee_name("彩虹社区") == "彩虹社区人民调解委员会"


@pytest.mark.slow
def test_the_full_quzhou_demo_loads_regions_and_is_idempotent(settings):
    settings.TASKS = QUIET_TASKS
    report = services.demo_seed()
    assert report.regions_loaded
    quzhou_townships = Region.objects.filter(level=4, code__startswith="3308").count()
    quzhou_villages = Region.objects.filter(level=5, code__startswith="3308").count()
    assert quzhou_townships == 100 and quzhou_villages > 1_500
    by_type = dict(report.by_type)
    assert by_type[OrganizationType.COUNTY_CENTRE] == 6
    assert by_type[OrganizationType.TOWNSHIP_CENTRE] == quzhou_townships
    assert by_type[OrganizationType.VILLAGE_COMMITTEE] == quzhou_villages
    assert by_type[OrganizationType.COURT] == 6
    assert by_type[OrganizationType.SPECIALIST_COMMITTEE] == 24
    assert (
        report.organizations_created
        == Organization.objects.count()
        == 1 + 6 * 11 + quzhou_townships + quzhou_villages
    )
    for county in services.COUNTIES:
        assert Organization.objects.filter(code=f"{county}-CC", region_id=county).exists()
    # The demo matters: 300, in every county (mostly Jiangshan), in every status; and triage's stories.
    assert report.matters_created == sum(demo_matter_counts().values()) == 300 + len(TRIAGE_STORIES)
    assert set(demo_matter_counts()) == set(MatterStatus.values)
    # The court's cases: one story per stage, on Jiangshan's matters.
    assert set(demo_court_counts()) == set(CaseStatus.values)
    assert report.court_cases_created == CourtCase.objects.count() == len(COURT_STORIES)
    assert not CourtCase.objects.exclude(matter__region__code__startswith=services.HOME_COUNTY).exists()
    by_county = Counter(region[:6] for region in Matter.objects.values_list("region_id", flat=True))
    assert set(by_county) == set(services.COUNTIES)
    assert by_county.most_common(1)[0][0] == services.HOME_COUNTY

    before = counts()
    again = services.demo_seed()
    assert not again.regions_loaded and not again.created_anything
    assert (again.organizations_updated, again.users_updated) == (0, 0)
    assert counts() == before


def test_the_build_drops_the_queued_tasks_whose_work_it_did(db, settings):
    """The figures' refreshes and the first triage of the demo's matters are done by the build itself;
    left queued, they would hold up the worker's first real task (a sign-in code's text message)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from suyuan.analytics.tasks import refresh_facts
    from suyuan.notifications.tasks import deliver_message
    from suyuan.triage.tasks import triage_matter

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    refresh_facts.enqueue([1])
    triage_matter.enqueue(1)
    deliver_message.enqueue(1)
    assert services._drop_done_tasks() == 2
    left = DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list("task_path", flat=True)
    assert list(left) == [deliver_message.module_path]
