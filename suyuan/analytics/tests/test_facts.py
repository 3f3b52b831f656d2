"""The fact of a matter and its rollup rows, from constructed events (no database)."""

from __future__ import annotations

import datetime as dt

from suyuan.analytics.choices import Measure, Stage
from suyuan.analytics.facts import Dimensions, Event, contributions, daily_contributions, derive
from suyuan.matters.choices import EventKind as K

UTC = dt.UTC
VILLAGE = "330881001001"


def at(day: int, hour: int = 10) -> dt.datetime:
    # 10:00 UTC is 18:00 in Beijing (same day); 20:00 UTC is 04:00 the next day there.
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def dims(kind: str = "dispute", region: str = VILLAGE) -> Dimensions:
    return Dimensions(region=region, category_id=7, kind=kind, channel="portal")


def test_nothing_before_receipt():
    assert derive(dims(), []) is None
    assert contributions(None) == {}


def test_a_mediated_agreement_ends_at_mediation_with_its_days():
    fact = derive(
        dims(),
        [
            Event(K.RECEIVED, at(2), {}),
            Event(K.MEDIATION_STARTED, at(5), {}),
            Event(K.AGREEMENT_RECORDED, at(9), {}),
            Event(K.CLOSED, at(20), {}),  # closing later changes neither the stage nor the days
        ],
    )
    assert fact is not None
    assert (fact.stage, fact.concluded_on, fact.days) == (Stage.MEDIATION, dt.date(2026, 3, 9), 7)
    assert (fact.mediation, fact.mediation_on) == ("succeeded", dt.date(2026, 3, 9))


def test_days_are_counted_in_beijing_time():
    fact = derive(dims(), [Event(K.RECEIVED, at(2, 20), {}), Event(K.WITHDRAWN, at(3, 10), {})])
    assert fact is not None
    assert fact.received_on == dt.date(2026, 3, 3)  # 04:00 on the 3rd in Beijing
    assert (fact.stage, fact.days) == (Stage.OTHER, 0)


def test_a_failed_mediation_ends_at_its_route_except_the_court_which_ends_with_the_case():
    arbitration = derive(
        dims(), [Event(K.RECEIVED, at(1), {}), Event(K.FAILURE_RECORDED, at(4), {"route": "arbitration"})]
    )
    assert arbitration is not None and arbitration.stage == Stage.ARBITRATION
    assert arbitration.mediation == "failed"
    court_events = [
        Event(K.RECEIVED, at(1), {}),
        Event(K.FAILURE_RECORDED, at(4), {"route": "court"}),
        Event(K.COURT_DOCKED, at(5), {}),
    ]
    open_at_court = derive(dims(), court_events)
    assert open_at_court is not None and open_at_court.concluded_on is None
    judged = derive(
        dims(),
        [*court_events, Event(K.FILING_ACCEPTED, at(8), {}), Event(K.CASE_CLOSED, at(28), {})],
    )
    assert judged is not None
    assert (judged.stage, judged.days, judged.court_filed_on) == (Stage.COURT, 27, dt.date(2026, 3, 8))


def test_what_was_brought_where_it_was_answered():
    for kind, stage in (
        ("consultation", Stage.CONSULTATION),
        ("request", Stage.ADMINISTRATIVE),
        ("petition", Stage.ADMINISTRATIVE),
    ):
        fact = derive(dims(kind), [Event(K.RECEIVED, at(1), {}), Event(K.CLOSED, at(3), {})])
        assert fact is not None and fact.stage == stage


def test_overdue_agreement_performance_and_rating():
    fact = derive(
        dims(),
        [
            Event(K.RECEIVED, at(1), {}),
            Event(K.SUPERVISION_ORDERED, at(3), {"origin": "issued"}),  # by hand: not a missed deadline
            Event(K.AGREEMENT_RECORDED, at(6), {}),
            Event(K.AGREEMENT_EFFECTIVE, at(7), {}),
            Event(K.OBLIGATION_PERFORMED, at(10), {}),  # one of two
            Event(K.OBLIGATION_PERFORMED, at(12), {"agreement_performed": True}),
            Event(K.RATED, at(13), {"score": 4}),
        ],
    )
    assert fact is not None
    assert not fact.overdue
    assert (fact.agreement, fact.agreement_on) == ("honoured", dt.date(2026, 3, 12))
    assert (fact.rating, fact.rated_on) == (4, dt.date(2026, 3, 13))
    late = derive(
        dims(),
        [
            Event(K.RECEIVED, at(1), {}),
            Event(K.SUPERVISION_ORDERED, at(20), {"origin": "automatic"}),
            Event(K.AGREEMENT_RECORDED, at(22), {}),
            Event(K.AGREEMENT_EFFECTIVE, at(23), {}),
            Event(K.OBLIGATION_BREACHED, at(28), {}),
            Event(K.OBLIGATION_PERFORMED, at(29), {"agreement_performed": True}),  # too late: broken
        ],
    )
    assert late is not None and late.overdue and late.agreement == "broken"


def test_contributions_receipts_by_every_dimension_the_rest_by_category_townships_by_receipt():
    fact = derive(
        dims(),
        [Event(K.RECEIVED, at(2), {}), Event(K.AGREEMENT_RECORDED, at(9), {})],
    )
    rows = contributions(fact)
    march = dt.date(2026, 3, 1)
    assert rows[(march, "330881", 7, "dispute", "portal", Measure.RECEIVED, "", 0)] == 1
    assert rows[(march, "330881001", 7, "", "", Measure.RECEIVED, "", 0)] == 1
    assert rows[(march, "330881", 7, "", "", Measure.CONCLUDED, Stage.MEDIATION, 7)] == 1
    assert rows[(march, "330881", 7, "", "", Measure.MEDIATION_SUCCEEDED, "", 0)] == 1
    assert sum(rows.values()) == 4  # three measures at the county, the receipt at the township too
    county_only = contributions(derive(dims(region="330881"), [Event(K.RECEIVED, at(2), {})]))
    assert list(county_only) == [(march, "330881", 7, "dispute", "portal", Measure.RECEIVED, "", 0)]
    assert daily_contributions(fact) == {
        (dt.date(2026, 3, 2), "330881", 7): 1,
        (dt.date(2026, 3, 2), "330881001", 7): 1,
    }
