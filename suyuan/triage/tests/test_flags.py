"""Risk flags: each kind with its evidence and offsets, negation, thresholds, numbers, facts and robustness.

Every sentence here is written for the test; none comes from a real matter.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from suyuan.triage.choices import RiskKind
from suyuan.triage.flags import (
    MAX_CHARS,
    MAX_EVIDENCE,
    WHOLE_GROUP,
    Evidence,
    Facts,
    Hit,
    Thresholds,
    age_on,
    count_people,
    detect,
    parse_amounts,
)

TODAY = dt.date(2026, 5, 20)


def flags(text: str, facts: Facts | None = None, **thresholds: Any) -> dict[str, Hit]:
    """The hits by kind, after checking what every result must satisfy."""
    hits = detect(text, facts or Facts(), today=TODAY, thresholds=Thresholds(**thresholds))
    kinds = [hit.kind for hit in hits]
    assert kinds == [kind for kind in RiskKind.values if kind in kinds], "one hit per kind, in RiskKind order"
    for hit in hits:
        assert hit.evidence and hit.detail
        for evidence in hit.evidence:
            if evidence.start is not None:
                assert evidence.end is not None
                assert text[evidence.start : evidence.end] == evidence.text
            else:
                assert evidence.end is None
    return {hit.kind: hit for hit in hits}


def words(hit: Hit) -> list[str]:
    return [evidence.text for evidence in hit.evidence]


def kinds(text: str) -> set[str]:
    return set(flags(text))


# --------------------------------------------------------------------------------------------------------
# Violence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("再不还钱，我就砍死他。", ["砍死"]),
        ("他要是再来闹，我就杀了他", ["杀了他"]),
        ("我要杀了包工头全家", ["杀了包工头全家"]),
        ("逼急了我就跟他同归于尽", ["同归于尽"]),
        ("这笔账我一定会报复的", ["报复"]),
        ("大不了一把火烧了他家", ["一把火烧"]),
        ("我明天就拿着刀去找他", ["拿着刀"]),
        ("欠我的血债血还", ["血债血还"]),
        ("你们不管，我就让他好看", ["让他好看"]),
        ("我要弄死他们", ["弄死"]),
        ("再这样我捅死他", ["捅死"]),
        ("我要殺了他", ["殺了他"]),
        ("我要放火烧了他的厂", ["放火", "烧了他的厂"]),
        ("我绝不放过他", ["绝不放过他"]),
        ("他扬言要弄死我", ["弄死"]),  # a threat against the applicant is still a threat
        ("他说不还钱就让我好看", ["让我好看"]),
        ("我被逼急了就杀了他", ["杀了他"]),  # 被 then 就: a threat, not a report
    ],
)
def test_threats_of_violence_raise_with_their_words(text, expected):
    hit = flags(text)[RiskKind.VIOLENCE]
    assert words(hit) == expected


@pytest.mark.parametrize(
    "text",
    [
        "上个月他捅了我一刀",  # violence suffered, reported
        "我被他用刀砍伤了",
        "他砍伤了我的手",
        "我担心遭到打击报复",
        "我打死也不签字",  # idioms
        "他说得一针见血",
        "他把价格砍了一半",
        "我都气炸了",
        "帮他收拾东西",
        "商场在搞秒杀活动",
        "我没有报复他",  # negated
        "我并未报复",
        "他说不会报复",
    ],
)
def test_reports_idioms_and_negations_do_not_raise_violence(text):
    assert RiskKind.VIOLENCE not in kinds(text)


# --------------------------------------------------------------------------------------------------------
# Self-harm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("再不解决我就去跳楼", ["跳楼"]),
        ("我不想活了", ["不想活了"]),
        ("我真的活不下去了", ["活不下去"]),
        ("她说要喝农药", ["喝农药"]),
        ("逼急了我就死给你们看", ["死给你们看"]),
        ("我准备割腕", ["割腕"]),
        ("不给钱我就跳楼", ["跳楼"]),  # the negation belongs to the condition
        ("没人管我就去跳河", ["跳河"]),
        ("实在没办法了只能上吊", ["上吊"]),
        ("我不得不以死相逼", ["以死相逼"]),
        ("他以前没想过自杀，现在天天说要自杀", ["自杀"]),
        ("要是再拖，我就跳 楼", ["跳 楼"]),
        ("我會跳樓", ["跳樓"]),
        ("我怕他想不开", ["怕他想不开"]),
        ("城管没收了三轮车，我只能喝农药", ["喝农药"]),
        ("城管没收三轮车我去跳河", ["跳河"]),  # 没收 confiscates; it negates nothing
    ],
)
def test_self_harm_raises_with_its_words(text, expected):
    hit = flags(text)[RiskKind.SELF_HARM]
    assert words(hit) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我没有想过自杀",
        "我从未想过轻生",
        "我绝不会跳楼",
        "我不会去跳河的",
        "我并未想过上吊",
        "晚上吃安眠药才能睡着",  # a symptom of the noise, not an act announced
        "我一时想不开，和他吵了一架",  # a bad mood
        "我沒有想過自殺",
    ],
)
def test_negated_self_harm_does_not_raise(text):
    assert RiskKind.SELF_HARM not in kinds(text)


# --------------------------------------------------------------------------------------------------------
# Extreme acts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("再不解决我们就去堵路", ["堵路"]),
        ("明天我们拉横幅", ["拉横幅"]),
        ("我们要集体上访", ["集体上访"]),
        ("我要到北京上访", ["要到北京上访"]),
        ("我们会找媒体曝光", ["找媒体", "曝光"]),
        ("我准备向媒体反映", ["向媒体"]),
        ("工人们要集体到镇政府讨说法", ["集体到镇政府"]),
        ("大家准备在政府门口静坐", ["静坐"]),
        ("他们要围堵项目部", ["围堵"]),
        ("我不会跳楼的，但我要去北京上访", ["要去北京上访"]),
    ],
)
def test_extreme_acts_raise_with_their_words(text, expected):
    hit = flags(text)[RiskKind.EXTREME_ACT]
    assert words(hit) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我们不会去堵路",
        "工人们并未聚集",
        "我们没有拉横幅",
        "我们绝不集体上访",
        "我女儿在北京读书",
        "我们集体去吃饭",
    ],
)
def test_negated_or_harmless_extreme_words_do_not_raise(text):
    assert RiskKind.EXTREME_ACT not in kinds(text)


def test_negation_covers_a_list_but_not_the_next_clause():
    hits = flags("我们不会堵路、静坐。如果再不解决，就去堵路")
    assert words(hits[RiskKind.EXTREME_ACT]) == ["堵路"]
    assert hits[RiskKind.EXTREME_ACT].evidence[0].start == 19


# --------------------------------------------------------------------------------------------------------
# Vulnerable parties


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("家里有一位80岁的老人", ["80岁", "老人"]),
        ("申请人七十多岁了", ["七十多岁"]),
        ("孩子才3岁", ["3岁"]),
        ("她今年17岁", ["17岁"]),
        ("他今年70岁", ["70岁"]),
        ("当事人未满18周岁", ["未满18周岁"]),
        ("他年过七旬", ["七旬"]),
        ("他有残疾证", ["残疾证"]),
        ("她是孕妇", ["孕妇"]),
        ("家里是低保户，丈夫瘫痪在床", ["低保", "瘫痪"]),
        ("对方的儿子还是未成年", ["未成年"]),
        ("母亲得了癌症", ["癌症"]),
        ("家有八十岁老母", ["八十岁"]),
    ],
)
def test_vulnerable_parties_from_the_text(text, expected):
    assert words(flags(text)[RiskKind.VULNERABLE]) == expected


@pytest.mark.parametrize(
    "text",
    ["她今年18岁", "他今年69岁", "他比我大3岁", "他今年45岁", "养老保险没交", "幼儿园没建成", "儿童节活动"],
)
def test_ages_that_are_not_vulnerable(text):
    assert RiskKind.VULNERABLE not in kinds(text)


def test_age_on_counts_from_the_birthday():
    assert age_on(dt.date(1956, 5, 20), TODAY) == 70
    assert age_on(dt.date(1956, 5, 21), TODAY) == 69
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18
    assert age_on(TODAY, TODAY) == 0


@pytest.mark.usefixtures("english")
def test_an_elderly_applicant_from_the_facts_at_the_boundary():
    on_birthday = flags("", Facts(applicant_birth_date=dt.date(1956, 5, 20)))
    hit = on_birthday[RiskKind.VULNERABLE]
    assert hit.evidence == (Evidence("applicant aged 70"),)
    assert "applicant aged 70" in hit.detail
    assert not flags("", Facts(applicant_birth_date=dt.date(1956, 5, 21)))


@pytest.mark.usefixtures("english")
def test_a_minor_party_from_the_facts_at_the_boundary():
    assert not flags("", Facts(birth_dates=(dt.date(2008, 5, 20),)))  # 18 today
    hit = flags("", Facts(birth_dates=(dt.date(2008, 5, 21), dt.date(1990, 1, 1))))[RiskKind.VULNERABLE]
    assert words(hit) == ["party aged 17"]
    assert hit.evidence[0].start is None


@pytest.mark.usefixtures("english")
def test_the_applicant_among_the_parties_is_named_once_and_facts_come_before_words():
    applicant = dt.date(1950, 1, 2)
    facts = Facts(
        birth_dates=(applicant, dt.date(2020, 6, 1), dt.date(1985, 3, 3)), applicant_birth_date=applicant
    )
    hit = flags("对方家里还有小孩", facts)[RiskKind.VULNERABLE]
    assert words(hit) == ["applicant aged 76", "party aged 5", "小孩"]
    assert hit.detail == "A vulnerable party: applicant aged 76, party aged 5, “小孩”"


def test_a_birth_date_after_today_is_ignored_and_thresholds_can_change():
    assert not flags("", Facts(birth_dates=(TODAY + dt.timedelta(days=1),)))
    facts = Facts(birth_dates=(dt.date(1961, 1, 1),))  # 65
    assert not flags("", facts)
    assert RiskKind.VULNERABLE in flags("", facts, elderly_age=65)


# --------------------------------------------------------------------------------------------------------
# Many claimants


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30多名工人", [(30, "30多名工人")]),
        ("二十几户", [(20, "二十几户")]),
        ("十余户村民", [(10, "十余户村民")]),
        ("上百人", [(100, "上百人")]),
        ("全体业主", [(WHOLE_GROUP, "全体业主")]),
        ("几十个人", [(20, "几十个人")]),
        ("数十名农民工", [(20, "数十名农民工")]),
        ("三十一个人", [(31, "三十一个人")]),
        ("5家商户", [(5, "5家商户")]),
        ("12位业主", [(12, "12位业主")]),
        ("两人", [(2, "两人")]),
        ("七八个工人", [(7, "七八个工人")]),
        ("近百名员工", [(100, "近百名员工")]),
        ("所有工人和全村村民", [(WHOLE_GROUP, "所有工人"), (WHOLE_GROUP, "全村村民")]),
        ("１５名工人", [(15, "１５名工人")]),
        # traps: months, ranks, currency, numbers of digits, households' papers
        ("拖了3个月", []),
        ("他考了第3名", []),
        ("付了5人民币", []),
        ("一个3位数的密码", []),
        ("2023年", []),
        ("户口在1户口本上", []),
    ],
)
def test_count_people(text, expected):
    found = count_people(text)
    assert [(count, text[start:end]) for count, start, end in found] == expected


def test_many_claimants_at_the_threshold():
    assert RiskKind.MANY_CLAIMANTS not in kinds("我们4名工人被拖欠工资")
    hit = flags("我们5名工人被拖欠工资")[RiskKind.MANY_CLAIMANTS]
    assert words(hit) == ["5名工人"]
    assert hit.evidence[0].start == 2
    assert not flags("", Facts(claimants=4))
    assert RiskKind.MANY_CLAIMANTS in flags("", Facts(claimants=5))
    assert RiskKind.MANY_CLAIMANTS not in flags("我们5名工人", many_claimants=6)


@pytest.mark.usefixtures("english")
def test_many_claimants_details():
    from_text = flags("同村30多名工人和十余户村民")[RiskKind.MANY_CLAIMANTS]
    assert words(from_text) == ["30多名工人", "十余户村民"]
    assert from_text.detail == (
        "The text mentions at least 30 people (“30多名工人”, “十余户村民”), at or above the threshold of 5"
    )
    whole = flags("全体业主要求退款")[RiskKind.MANY_CLAIMANTS]
    assert whole.detail == "The text names a whole group of people: “全体业主”"
    recorded = flags("30多名工人", Facts(claimants=7))[RiskKind.MANY_CLAIMANTS]
    assert words(recorded) == ["7 claimants recorded", "30多名工人"]
    assert recorded.detail == "7 claimants recorded, at or above the threshold of 5"


# --------------------------------------------------------------------------------------------------------
# Large sums


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5万元", ["50000"]),
        ("3.5万", ["35000"]),
        ("十二万元", ["120000"]),
        ("120,000元", ["120000"]),
        ("120000块", ["120000"]),
        ("1千万", ["10000000"]),
        ("两百万", ["2000000"]),
        ("人民币壹拾万元整", ["100000"]),
        ("叁万伍仟元", ["35000"]),
        ("30w", ["300000"]),
        ("欠薪80余万元", ["800000"]),
        ("5万多元", ["50000"]),
        ("¥5,000", ["5000"]),
        ("￥5,000.50", ["5000.50"]),
        ("１２万元", ["120000"]),
        ("１２０，０００元", ["120000"]),
        ("一万二", ["12000"]),
        ("三千五百元", ["3500"]),
        ("一百零五万元", ["1050000"]),
        ("七八万块钱", ["70000"]),
        ("3万5千元", ["35000"]),
        ("1.2亿", ["120000000"]),
        ("十几万", ["100000"]),
        ("几十万元", ["200000"]),
        ("上百万", ["1000000"]),
        ("5000元和2万元", ["5000", "20000"]),
        ("5万元至10万元", ["50000", "100000"]),
        ("三万一直没还", ["30000"]),
        ("5萬元", ["50000"]),
        # traps: dates, phone and ID numbers, rooms, areas, people, holidays, land, idioms
        ("2023年5月1日", []),
        ("电话13812345678", []),
        ("身份证号330102199001011234", []),
        ("住3号楼2单元502室", []),
        ("面积120平方米", []),
        ("厂房3万平方米", []),
        ("全镇5万人", []),
        ("2024年元旦", []),
        ("承包了两块地", []),
        ("事情十万火急", []),
        ("万一他不还", []),
        ("编号0571", []),
        ("利息50%", []),
        ("走了1万步", []),
        ("3万多人", []),
        ("12345678901元", []),
    ],
)
def test_parse_amounts(text, expected):
    found = parse_amounts(text)
    assert [str(value) for value, _start, _end in found] == expected
    for _value, start, end in found:
        assert 0 <= start < end <= len(text)


def test_amount_offsets_cover_the_currency_words():
    text = "被申请人共欠人民币壹拾万元整，另欠１２万元"
    assert [text[start:end] for _value, start, end in parse_amounts(text)] == ["人民币壹拾万元", "１２万元"]


def test_large_sum_at_the_threshold():
    assert RiskKind.LARGE_SUM in kinds("欠款100000元")
    assert RiskKind.LARGE_SUM not in kinds("欠款99999元")
    assert RiskKind.LARGE_SUM in kinds("欠款10万元")
    assert RiskKind.LARGE_SUM not in kinds("欠款9.9999万元")
    assert RiskKind.LARGE_SUM not in kinds("欠款5万元")
    assert RiskKind.LARGE_SUM in flags("欠款5万元", large_sum=Decimal(50_000))


@pytest.mark.usefixtures("english")
def test_large_sum_detail_in_english_names_the_largest_amount_and_the_threshold():
    text = "借款35万元，另有货款12万元，利息2000元"
    hit = flags(text)[RiskKind.LARGE_SUM]
    assert words(hit) == ["35万元", "12万元"]
    assert hit.detail == "Amount 350,000 yuan, at or above the 100,000 yuan threshold"


def test_large_sum_detail_in_chinese_counts_in_wan():
    with translation.override("zh-hans"):
        hit = flags("借款35万元")[RiskKind.LARGE_SUM]
    assert "35 万" in hit.detail and "10 万" in hit.detail


# --------------------------------------------------------------------------------------------------------
# Repeat visits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我已经多次反映过这个问题", ["多次反映"]),
        ("这是我第三次来", ["第三次"]),
        ("我反映了两次都没用", ["反映了两次"]),
        ("为这事跑了好几趟", ["跑了好几趟"]),
        ("这事一直没人管", ["一直没人管"]),
        ("今天再次反映", ["再次反映"]),
        ("屡次找村委会", ["屡次找"]),
        ("我3次到镇里反映", ["3次到"]),
        ("他们推来推去", ["推来推去"]),
    ],
)
def test_repeat_visits_from_the_text(text, expected):
    assert words(flags(text)[RiskKind.REPEAT_VISITS]) == expected


@pytest.mark.parametrize("text", ["这是我第二次来", "我第一次反映", "反映了一次", "这是第一次"])
def test_a_first_or_second_visit_is_below_the_threshold(text):
    assert RiskKind.REPEAT_VISITS not in kinds(text)


def test_counted_visits_follow_the_threshold():
    assert RiskKind.REPEAT_VISITS not in flags("我反映了两次", repeat_visits=3)
    assert RiskKind.REPEAT_VISITS in flags("这是我第二次来", repeat_visits=1)
    assert RiskKind.REPEAT_VISITS in flags("我多次反映", repeat_visits=10)  # "many times" is many


@pytest.mark.usefixtures("english")
def test_repeat_visits_from_the_facts():
    assert not flags("", Facts(earlier_matters=1))
    hit = flags("我已经多次反映", Facts(earlier_matters=3))[RiskKind.REPEAT_VISITS]
    assert words(hit) == ["3 earlier matters in the last 365 days", "多次反映"]
    assert hit.evidence[0].start is None and hit.evidence[1].start == 3
    assert hit.detail == (
        "3 earlier matters by the same applicant in the last 365 days, at or above the threshold of 2"
    )
    text_only = flags("我已经多次反映")[RiskKind.REPEAT_VISITS]
    assert text_only.detail == "The text says the matter was raised before: “多次反映”"


# --------------------------------------------------------------------------------------------------------
# All kinds together, merged evidence, details


def test_every_kind_once_in_riskkind_order():
    text = (
        "同村30多名工人被拖欠工资80余万元，已经多次反映，一直没人管。工人里有七十多岁的老人。"
        "有人说再不给钱就去堵路，有人说不想活了，还有人说要杀了包工头全家。"
    )
    facts = Facts(claimants=6, earlier_matters=2, applicant_birth_date=dt.date(1950, 1, 1))
    hits = detect(text, facts, today=TODAY)
    assert [hit.kind for hit in hits] == list(RiskKind.values)
    assert detect(text, facts, today=TODAY) == hits  # deterministic


def test_one_hit_per_kind_with_merged_evidence_in_reading_order():
    text = "我要杀了他，还要放火，一把火烧了他家"
    hits = detect(text, today=TODAY)
    assert [hit.kind for hit in hits] == [RiskKind.VIOLENCE]
    assert words(hits[0]) == ["杀了他", "放火", "一把火烧"]
    starts = [evidence.start or 0 for evidence in hits[0].evidence]
    assert starts == sorted(starts) == [2, 8, 11]


def test_evidence_is_capped():
    hit = flags("报复" * 100)[RiskKind.VIOLENCE]
    assert len(hit.evidence) == MAX_EVIDENCE


@pytest.mark.usefixtures("english")
def test_details_in_english_quote_the_words():
    hits = flags("我要砍死他，然后跳楼，再去堵路")
    assert hits[RiskKind.VIOLENCE].detail == "Words threatening violence: “砍死”"
    assert hits[RiskKind.SELF_HARM].detail == "Words about harming oneself: “跳楼”"
    assert hits[RiskKind.EXTREME_ACT].detail == "An extreme act is announced: “堵路”"


# --------------------------------------------------------------------------------------------------------
# Offsets and robustness


@pytest.mark.parametrize(
    "text",
    [
        "我要跳\u3000楼",
        "我要跳\u200b楼",
        "老 人 说 要 跳 楼 ， 欠 了 １ ２ 万 元",
        "ＡＢＣ，欠款１２万元！我要殺了他！！",
        "①欠款5万元②我要跳楼",
        "e\u0301 跳楼",
    ],
)
def test_offsets_point_into_the_original_text(text):
    hits = flags(text)  # flags() checks every offset
    assert hits


def test_spaces_between_chinese_characters_are_skipped_for_matching():
    text = "老 人 说 要 跳 楼"
    hits = flags(text)
    assert words(hits[RiskKind.SELF_HARM]) == ["跳 楼"]
    assert words(hits[RiskKind.VULNERABLE]) == ["老 人"]
    assert hits[RiskKind.SELF_HARM].evidence[0].start == 8


def test_only_the_first_max_chars_are_read():
    filler = "邻居家的空调外机噪音很大。"
    text = filler * (MAX_CHARS // len(filler) + 1) + "我要跳楼"
    assert RiskKind.SELF_HARM not in kinds(text)
    assert RiskKind.SELF_HARM in kinds("我要跳楼" + text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02\x1b[31m",
        "😀" * 1000,
        "a" * 100_000,
        "\ud800\udfff 跳楼",
        "I will kill him, 30w RMB, call 13800000000!!!",
        "一二三四五六七八九十百千万亿" * 200,
        "万万万亿亿亿" * 100,
        "1" * 5000 + "万元",
        ",,,...。。。" * 500,
        "第第第次次次" * 100,
    ],
)
def test_detect_never_fails(text):
    flags(text)
    parse_amounts(text)
    count_people(text)


def test_detect_never_fails_on_random_text():
    pool = "跳楼杀了他报复５万元老人多次反映不会没有，。 abcＡ😀\x00\u200b\u3000一二三十百千万亿元人名户岁第次趟¥.,0123456789"
    rng = random.Random(20260520)
    for _ in range(200):
        flags("".join(rng.choice(pool) for _ in range(rng.randint(0, 300))))


@pytest.mark.parametrize(
    ("text", "raises"),
    [
        ("再不给钱我就从工地楼顶跳下去", True),
        ("他爬上塔吊说不给钱就往下跳", True),
        ("我不会从楼顶跳下去的", False),
        ("猫从楼上跳下来没受伤", False),
    ],
)
def test_a_jump_named_after_its_place_is_self_harm(text, raises):
    kinds = [hit.kind for hit in detect(text, today=TODAY)]
    assert (RiskKind.SELF_HARM in kinds) == raises
