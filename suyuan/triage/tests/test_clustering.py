"""Near-duplicate clusters and group disputes: the linking rules, determinism, and the reasons given.

Every text here is written for these tests (never taken from real messages)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from suyuan.triage import clustering, minhash
from suyuan.triage.clustering import Cluster, Record, cluster, groups, keywords

LIGHT = "我家小区门口的三盏路灯已经坏了三个月，晚上老人孩子出行很不方便，请尽快安排维修。"
LIGHT_HOTLINE = f"来电人反映：{LIGHT}请求相关部门处理。"
NOISE = "楼上住户每天晚上十一点以后还在装修，电钻声音很大，影响全家人休息。"
DOG = "邻居家养的大狗经常不拴绳在小区里乱跑，已经吓哭好几个小孩了。"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# Different people describing one building site, one lender and one quarry, and same-topic texts about
# other places (for groups()).
SITE = [
    "城南花园二期工地的包工头拖欠我们三十多个工人半年的工资，一直拖着不给。",
    "网格员上报：城南花园二期工地约三十名农民工讨薪，称劳务分包方欠付工资。",
    "城南花园二期工地的钢筋工和木工反映，去年的工资到现在都没结清。",
    "城南花园二期项目欠薪，工人聚集在项目部门口，要求总包单位出面解决。",
]
QUARRY = [
    "江滨路石料厂晚上一直开工，机器轰鸣，粉尘落满阳台，居民无法休息。",
    "投诉江滨路石料厂夜间生产噪音扰民，粉尘也很大。",
    "江滨路石料厂粉尘污染严重，附近村民晾的衣服都是灰。",
]
OTHERS = [
    "我在一家餐馆打工三个月，老板拖欠工资两万元不给。",
    "某物流公司拖欠快递员工资，请劳动监察部门处理。",
    "银行信用卡被盗刷了五千元，银行不给处理。",
    "楼下烧烤店每天营业到凌晨，油烟和噪音扰民。",
    "小区广场舞音响声音太大，影响学生学习。",
    LIGHT,
    DOG,
]


def by_member(clusters: list[Cluster]) -> dict[str, Cluster]:
    return {member: found for found in clusters for member in found.members}


def test_every_record_in_exactly_one_cluster_with_singletons():
    records = [
        Record("a", LIGHT, time=T0),
        Record("b", NOISE, time=T0),
        Record("c", LIGHT_HOTLINE, time=T0 + timedelta(days=3)),
        Record("d", DOG),
        Record("e", ""),
    ]
    found = cluster(records)
    assert sorted(member for c in found for member in c.members) == ["a", "b", "c", "d", "e"]
    assert [(c.id, c.members) for c in found] == [("a", ["a", "c"]), ("b", ["b"]), ("d", ["d"]), ("e", ["e"])]
    assert found[0].reasons[0].startswith("similar_text:")
    assert float(found[0].reasons[0].split(":")[1]) >= clustering.DEFAULT_THRESHOLD
    assert "time_span_days:3" in found[0].reasons
    assert found[1].reasons == []


def test_same_party_links_different_texts():
    records = [
        Record("1", LIGHT, party="k-phone-1"),
        Record("2", NOISE, party="k-phone-1"),
        Record("3", DOG, party="k-phone-2"),
        Record("4", "", party="k-phone-2"),  # no text, still linked by party
        Record("5", DOG, party=""),  # an empty party links nothing by itself
    ]
    groups_of = by_member(cluster(records))
    assert groups_of["1"].members == ["1", "2"]
    assert groups_of["1"].reasons == ["same_party"]
    assert groups_of["3"].members == ["3", "4", "5"]  # 5 by its text
    assert groups_of["3"].reasons[:2] == ["same_party", "similar_text:1.00"]


def test_time_window_cuts_links():
    records = [
        Record("old", LIGHT, party="p", time=T0),
        Record("new", LIGHT_HOTLINE, party="p", time=T0 + timedelta(days=31)),
        Record("undated", LIGHT_HOTLINE),
    ]
    assert [c.members for c in cluster(records, window_days=30)] == [["old", "new", "undated"]]
    # Without the undated one, 31 days apart is too far for text and party alike.
    assert [c.members for c in cluster(records[:2], window_days=30)] == [["old"], ["new"]]
    assert [c.members for c in cluster(records[:2], window_days=31)] == [["old", "new"]]


def test_naive_times_are_taken_as_utc():
    records = [
        Record("a", LIGHT, time=datetime(2026, 3, 1, 0, 0)),  # noqa: DTZ001 - naive on purpose
        Record("b", LIGHT, time=datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
    ]
    assert len(cluster(records, window_days=0)) == 2
    assert len(cluster(records, window_days=1)) == 1


def test_region_prefix_cuts_links():
    records = [
        Record("a", LIGHT, region="330802001001"),
        Record("b", LIGHT_HOTLINE, region="330802003004"),  # same county, another village
        Record("c", LIGHT, region="330881001001"),  # another county
        Record("d", LIGHT, region=None),
    ]
    assert [c.members for c in cluster(records[:3])] == [["a"], ["b"], ["c"]]
    assert [c.members for c in cluster(records[:3], region_prefix=6)] == [["a", "b"], ["c"]]
    assert [c.members for c in cluster(records[:3], region_prefix=4)] == [["a", "b", "c"]]
    assert "same_region" in cluster(records[:2], region_prefix=6)[0].reasons
    # An unknown region forbids nothing: d joins a, b and c, so all four are one cluster.
    merged = cluster(records, region_prefix=6)
    assert [c.members for c in merged] == [["a", "b", "c", "d"]]
    assert "same_region" not in merged[0].reasons


def test_threshold_is_respected():
    records = [Record("a", LIGHT), Record("b", LIGHT_HOTLINE)]
    assert len(cluster(records, threshold=0.5)) == 1
    assert len(cluster(records, threshold=1.0)) == 2
    with pytest.raises(ValueError):
        cluster(records, threshold=0)
    with pytest.raises(ValueError):
        cluster(records, window_days=-1)
    with pytest.raises(ValueError):
        cluster([Record("a", LIGHT), Record("a", NOISE)])


def test_cluster_is_deterministic_and_ids_follow_input_order():
    records = [
        Record(str(i), text) for i, text in enumerate([NOISE, LIGHT, DOG, LIGHT_HOTLINE, NOISE + "！"])
    ]
    first = cluster(records)
    assert first == cluster(records)
    assert [(c.id, c.members) for c in first] == [("0", ["0", "4"]), ("1", ["1", "3"]), ("2", ["2"])]
    assert cluster([]) == []


def test_large_buckets_take_the_block_path(monkeypatch):
    """Buckets above SMALL_BUCKET (boilerplate texts, a busy counterparty) are linked member by member;
    the result must be the same as pair by pair."""
    records = [
        Record(f"r{i}", LIGHT if i % 2 else NOISE, party=f"p{i % 3}", time=T0 + timedelta(days=10 * i))
        for i in range(12)
    ]
    records.append(Record("dog", DOG))
    expected = cluster(records)
    monkeypatch.setattr(clustering, "SMALL_BUCKET", 2)
    assert cluster(records) == expected
    # Chains through the time window: r(i) shares a text with r(i+2) (20 days on), a party with r(i+3).
    assert len(expected) == 2
    assert expected[0].reasons[0] == "same_party"


def test_hundreds_of_records_stay_fast_and_separate():
    records = [
        Record(f"n{i}", f"编号{i:04d}的井盖松动了，{'请' * (i % 5)}尽快修理第{i}号。") for i in range(300)
    ]
    found = cluster(records)
    assert sum(len(c.members) for c in found) == 300


def records_for_groups() -> list[Record]:
    records = []
    for i, text in enumerate(SITE):
        records.append(Record(f"site{i}", text, time=T0 + timedelta(days=i)))
    records.append(
        Record("site-again", f"来电人反映：{SITE[0]}请求相关部门处理。", time=T0 + timedelta(days=1))
    )
    for i, text in enumerate(QUARRY):
        records.append(Record(f"quarry{i}", text, time=T0 + timedelta(days=2 * i)))
    for i, text in enumerate(OTHERS):
        records.append(Record(f"other{i}", text, time=T0 + timedelta(days=i)))
    return records


def test_groups_find_one_site_with_reasons():
    found = groups(records_for_groups(), min_size=3)
    sites = [g for g in found if "site0" in g.members]
    assert len(sites) == 1
    site = sites[0]
    assert site.id == "site0"
    # site3 shares little more than the name with the others: in so small a batch it is not found.
    assert {"site0", "site1", "site2", "site-again"} <= set(site.members)
    assert not any(member.startswith("quarry") for member in site.members)
    reasons = dict(reason.split(":", 1) for reason in site.reasons if ":" in reason)
    assert float(reasons["similar_topic"]) >= clustering.TOPIC_THRESHOLD
    # The hotline's copy of site0 is the same matter: five records, fewer matters.
    assert int(reasons["matters"]) < len(site.members)
    assert {"城南", "花园", "工地"} & set(reasons["keywords"].split(","))


def test_groups_containing_one_record_answer_for_its_group_alone():
    records = records_for_groups()
    everything = groups(records, min_size=3)
    mine = groups(records, min_size=3, containing="site1", keyword_count=0)
    assert len(mine) == 1
    site = next(g for g in everything if "site1" in g.members)
    assert mine[0].members == site.members
    assert not any(r.startswith("keywords:") for r in mine[0].reasons)  # asked for none
    assert groups(records, min_size=3, containing="other0") == []  # in no group
    with pytest.raises(ValueError, match="no record"):
        groups(records, min_size=3, containing="nobody")


def test_stored_signatures_give_what_computing_them_gives():
    records = records_for_groups()
    with_stored = [
        dataclasses.replace(r, signature=minhash.signature(r.text)) if i % 2 else r
        for i, r in enumerate(records)
    ]
    assert groups(with_stored, min_size=3) == groups(records, min_size=3)
    assert cluster(with_stored, threshold=0.3) == cluster(records, threshold=0.3)


def test_groups_min_size_counts_matters_not_calls():
    records = [
        Record("call", LIGHT, time=T0),
        Record("online", LIGHT_HOTLINE, time=T0 + timedelta(days=1)),
        Record("grid", LIGHT + "网格员已到现场核实。", time=T0 + timedelta(days=2)),
    ]
    assert groups(records, min_size=3) == []  # one citizen, three channels: one matter
    assert groups(records, min_size=2) == []
    with pytest.raises(ValueError):
        groups(records, min_size=1)


def test_groups_by_counterparty_and_window():
    texts = [LIGHT, NOISE, DOG, SITE[0], QUARRY[0]]
    records = [
        Record(f"m{i}", text, party="k-company-9", time=T0 + timedelta(days=10 * i))
        for i, text in enumerate(texts)
    ]
    found = groups(records, min_size=3, window_days=10)
    assert [(g.id, g.members) for g in found] == [("m0", ["m0", "m1", "m2", "m3", "m4"])]
    assert found[0].reasons[0] == "same_party"
    assert "matters:5" in found[0].reasons
    assert "time_span_days:40" in found[0].reasons
    # With a shorter window the chain breaks into pieces smaller than min_size.
    assert groups(records, min_size=3, window_days=9) == []
    assert [len(g.members) for g in groups(records[:3], min_size=3, window_days=10)] == [3]


def test_groups_need_the_same_place_when_known():
    records = [
        Record(f"s{i}", text, region=f"3308020010{i:02d}" if i % 2 else f"3308810010{i:02d}", time=T0)
        for i, text in enumerate(SITE)
    ]
    by_county = groups(records, min_size=2, region_prefix=6)  # s0 and s2 in one county, s1 and s3 in another
    assert by_county
    assert all(
        len({member[1] for member in g.members} & {"0", "2"}) in (0, len(g.members)) for g in by_county
    )
    by_city = groups(records, min_size=2, region_prefix=4)
    assert len(by_city) == 1
    assert {"s0", "s1", "s2"} <= set(by_city[0].members)
    assert "same_region" in by_city[0].reasons


def test_keywords_skip_stopwords_and_numbers():
    words = keywords(SITE, limit=5)
    assert len(words) == 5
    assert "城南" in words
    assert not {"我们", "反映", "解决", "30"} & set(words)
    assert keywords([], limit=3) == []
    assert keywords(["", "。。。"]) == []
