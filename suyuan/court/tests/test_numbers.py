"""Case numbers: the standard form, one sequence per court, year and type, gap-free under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from suyuan.accounts.choices import OrganizationType
from suyuan.accounts.tests.world import build_world, new_organization
from suyuan.court.choices import CaseType
from suyuan.court.models import CaseNumber
from suyuan.court.numbers import case_number_issue, court_code
from suyuan.regions.models import Region


@pytest.fixture
def court(db):
    return build_world().orgs["court"]  # 江山市人民法院


def _court(code: str, region: str):
    return new_organization(
        code=code, name=code, region=Region.objects.get(code=region), type=OrganizationType.COURT
    )


def test_the_court_code_follows_the_courts_place(court):
    assert court_code(court) == "浙0881"
    assert court_code(_court("KC", "330802")) == "浙0802"  # a district's basic court
    assert court_code(_court("QZ", "3308")) == "浙08"  # the intermediate court of 衢州
    assert court_code(_court("ZJ", "33")) == "浙"  # the high court
    assert court_code(_court("TRIB", "330881100")) == "浙0881"  # a tribunal numbers with its court's code


def test_only_courts_issue_numbers(court):
    centre = Region.objects.get(code="330881")
    not_a_court = new_organization(code="X", name="X", region=centre, type=OrganizationType.COUNTY_CENTRE)
    with pytest.raises(ValidationError):
        case_number_issue(court=not_a_court, case_type=CaseType.CIVIL_FIRST_INSTANCE)
    with pytest.raises(ValidationError):
        case_number_issue(court=court, case_type="criminal")
    assert not CaseNumber.objects.exists()


def test_each_court_year_and_type_counts_from_one(court):
    other = _court("KC", "330802")
    issued = [
        case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026).number,
        case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026).number,
        case_number_issue(court=court, case_type=CaseType.JUDICIAL_CONFIRMATION, year=2026).number,
        case_number_issue(court=court, case_type=CaseType.PRE_FILING_MEDIATION, year=2026).number,
        case_number_issue(court=other, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026).number,
        case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2027).number,
    ]
    assert issued == [
        "(2026)浙0881民初1号",
        "(2026)浙0881民初2号",
        "(2026)浙0881民特1号",
        "(2026)浙0881民诉前调1号",
        "(2026)浙0802民初1号",
        "(2027)浙0881民初1号",
    ]


def test_the_year_is_the_year_in_china(court):
    # 31 December 2026, 17:00 UTC is already 1 January 2027 in Beijing.
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC), tick=False):
        number = case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE)
    assert number.year == 2027 and number.number.startswith("(2027)")


def test_a_filing_that_rolls_back_gives_its_number_back(court):
    case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026)
        raise RuntimeError("the filing failed after its number was drawn")
    again = case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026)
    assert again.number == "(2026)浙0881民初2号"


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_unique_gap_free_numbers():
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory one, whose table locks do not wait; a deployment's
        # SQLite file takes one writer at a time anyway (immediate transactions). CI runs this on PostgreSQL.
        pytest.skip("concurrent writers need a database server")
    court = build_world().orgs["court"]
    threads, per_thread = 8, 5
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def file_cases() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=file_cases) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    sequences = sorted(CaseNumber.objects.filter(court=court).values_list("sequence", flat=True))
    assert sequences == list(range(1, threads * per_thread + 1))
