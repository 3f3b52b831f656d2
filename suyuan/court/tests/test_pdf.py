"""The court's generated documents: their wording, dates and amounts, the embedded font, and hostile text."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from suyuan.core.pdf import china_date, plain, yuan
from suyuan.court import pdf
from suyuan.court.pdf import CourtDocument, PartyLine

COURT = "江山市人民法院"
CASE = "（2026）浙0881民初123号"
ISSUED = dt.date(2026, 11, 29)
ID_FULL = "330881199001010025"
ID_MASKED = "3308**********0025"
PLAINTIFF = PartyLine("原告", "张三", f"男，汉族，身份证号码：{ID_MASKED}", "浙江省江山市虎山街道中山路1号")
DEFENDANT = PartyLine("被告", "李四", "身份证号码：3308**********1234", "浙江省江山市双塔街道")
THIRD = PartyLine("第三人", "某物业服务有限公司", "统一社会信用代码：91330881MA2A0B1C2Q")

HOSTILE_MARKS = "\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200e\u200f\ufeff\x00\x07\x1b\x7f\x85"
HOSTILE = "前\u202e置\u200b内\x00容\x1b[31m红\ufeff字\u2066隔\u0007离\u2069后"
LONG = ("调解协议约定的履行内容" * 2000)[:20000]
NO_SPACES_LATIN = "A" * 5000
NO_SPACES_CHINESE = "漢" * 5000
FOOTER = re.compile(r"第\d+页/共\d+页")


def fonts_of(reader: PdfReader) -> list[DictionaryObject]:
    fonts = []
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            fonts.append(cast(DictionaryObject, font.get_object()))
    return fonts


def read(content: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(content))
    for font in fonts_of(reader):
        # fpdf2 writes two-byte character codes with an embedded CMap as the font's /Encoding, which pypdf
        # reads as one byte a code (a NUL before each character, and characters past the 256th garbled).
        # The codes are what Identity-H says they are, and /ToUnicode maps them.
        font[NameObject("/Encoding")] = NameObject("/Identity-H")
    return reader


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(content).pages)


def compact(content: bytes) -> str:
    """The text without white space, and without the page footers that interrupt text running over pages."""
    return FOOTER.sub("", "".join(text_of(content).split()))


def pages(content: bytes) -> list[str]:
    return ["".join(page.extract_text().split()) for page in read(content).pages]


# --- shared helpers ---------------------------------------------------------------------------------------


class TestDatesAndAmounts:
    def test_days_and_moments_in_china(self):
        assert china_date(dt.date(2026, 11, 29)) == "2026年11月29日"
        late_utc = dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 29th in Beijing
        assert china_date(late_utc) == "2026年11月29日"
        with pytest.raises(ValueError):
            china_date(dt.datetime(2026, 11, 29, 12, 0))  # noqa: DTZ001 (naive on purpose)

    def test_amounts(self):
        assert yuan(Decimal("1234.5")) == "人民币1,234.50元"
        assert yuan(Decimal("0")) == "人民币0.00元"
        assert yuan(50000) == "人民币50,000.00元"

    def test_dates_in_characters(self):
        assert pdf.chinese_numeral_date(dt.date(2026, 11, 29)) == "二〇二六年十一月二十九日"
        assert pdf.chinese_numeral_date(dt.date(2030, 10, 10)) == "二〇三〇年十月十日"
        assert pdf.chinese_numeral_date(dt.date(2027, 1, 31)) == "二〇二七年一月三十一日"
        assert (
            pdf.chinese_numeral_date(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)) == "二〇二七年一月一日"
        )

    def test_counts_in_characters(self):
        expected = {
            0: "零",
            7: "七",
            10: "十",
            15: "十五",
            30: "三十",
            99: "九十九",
            100: "一百",
            105: "一百零五",
        }
        expected |= {110: "一百一十", 115: "一百一十五", 250: "二百五十"}
        for number, text in expected.items():
            assert pdf.chinese_count(number) == text

    def test_moments_in_beijing_time(self):
        assert (
            pdf.china_time(dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC))
            == "2026年12月3日（星期四）14时30分"
        )
        with pytest.raises(ValueError):
            pdf.china_time(dt.datetime(2026, 12, 3, 14, 30))  # noqa: DTZ001 (naive on purpose)

    def test_plain_keeps_line_breaks_and_drops_controls(self):
        assert plain("甲\u202e乙\x00丙\n丁\t戊\u2028己") == "甲乙丙\n丁 戊\n己"

    def test_closing_marks_do_not_start_a_line(self):
        assert pdf._kinsoku(["申请人张三", "。本院（", "认为"]) == ["申请人张三。", "本院", "（认为"]
        # Bounded: a run of marks moves one across each break, never the whole run.
        assert pdf._kinsoku(["甲", "。。。"]) == ["甲。", "。。"]


# --- the documents ----------------------------------------------------------------------------------------


def a_complaint(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "plaintiffs": [PLAINTIFF],
        "defendants": [DEFENDANT],
        "third_parties": [THIRD],
        "cause": "民间借贷纠纷",
        "claims": ["判令被告归还借款人民币50,000元及利息", "本案诉讼费用由被告承担"],
        "facts": "2025年3月1日，被告向原告借款5万元。\n约定2025年12月31日前归还，到期后经多次催讨未还。",
        "materials": ["借条复印件1份", "转账记录1份"],
        "submitted_on": ISSUED,
    }
    return pdf.complaint(**(values | overrides))


def an_acceptance_notice(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "张三",
        "cause": "民间借贷纠纷",
        "fee": Decimal("1050.00"),
        "fee_due_on": dt.date(2026, 12, 6),
        "judge": "郑文华",
        "clerk": "杨帆",
        "issued_on": ISSUED,
    }
    return pdf.acceptance_notice(**(values | overrides))


def a_response_notice(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "李四",
        "plaintiff_names": ["张三", "王五"],
        "cause": "民间借贷纠纷",
        "answer_days": 15,
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
    }
    return pdf.response_notice(**(values | overrides))


def an_evidence_notice(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "李四",
        "evidence_due_on": dt.date(2026, 12, 29),
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
    }
    return pdf.evidence_notice(**(values | overrides))


def a_fee_notice(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "张三",
        "amount_claimed": Decimal("50000"),
        "fee": Decimal("1050"),
        "fee_basis": "财产案件，按《诉讼费用交纳办法》规定的比例分段累计计算",
        "due_on": dt.date(2026, 12, 6),
        "payee": "江山市人民法院",
        "account": "1209260009000012345",
        "issued_on": ISSUED,
    }
    return pdf.fee_notice(**(values | overrides))


def a_summons(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "李四",
        "role_label": "被告",
        "cause": "民间借贷纠纷",
        "when": dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC),
        "place": "本院第三法庭",
        "online_link": "",
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
    }
    return pdf.summons(**(values | overrides))


def a_correction_notice(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "addressee": "张三",
        "items": ["起诉状未写明被告的住所", "未提交原告的身份证明"],
        "due_on": dt.date(2026, 12, 6),
        "issued_on": ISSUED,
        "clerk": "杨帆",
    }
    return pdf.correction_notice(**(values | overrides))


APPLICANTS = [
    PartyLine("申请人", "张三", f"身份证号码：{ID_MASKED}"),
    PartyLine("申请人", "李四", "身份证号码：3308**********1234"),
]


def a_confirmation_ruling(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": "（2026）浙0881民特12号",
        "applicants": APPLICANTS,
        "agreement_org": "城北社区人民调解委员会",
        "agreement_date": dt.date(2026, 11, 1),
        "agreement_terms": "一、李四于2026年12月31日前归还张三借款5万元。\n二、张三放弃其他请求。",
        "confirmed": True,
        "reason": "",
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
    }
    return pdf.confirmation_ruling(**(values | overrides))


def a_refusal_ruling(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": "（2026）浙0881民初124号",
        "plaintiffs": [PLAINTIFF],
        "reason": "起诉人的起诉没有明确的被告，不符合起诉条件",
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
        "appellate_court": "浙江省衢州市中级人民法院",
    }
    return pdf.refusal_ruling(**(values | overrides))


def a_ruling(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "title_kind": "民事裁定书",
        "parties": [PLAINTIFF, DEFENDANT],
        "body": "原告张三与被告李四民间借贷纠纷一案，原告于2026年11月20日向本院申请撤诉。本院认为，原告的撤诉申请符合法律规定。",
        "decision": ["准许原告张三撤诉。", "案件受理费减半收取计人民币525.00元，由原告负担。"],
        "closing": "本裁定为终审裁定。",
        "issued_on": ISSUED,
        "judge": "郑文华",
        "clerk": "杨帆",
    }
    return pdf.ruling(**(values | overrides))


def a_service_receipt(**overrides) -> CourtDocument:
    values: dict = {
        "court_name": COURT,
        "case_number": CASE,
        "addressee": "李四",
        "address": "浙江省江山市双塔街道某路8号",
        "documents": ["起诉状副本一份", "应诉通知书一份", "举证通知书一份", "传票一份"],
        "issued_on": ISSUED,
    }
    return pdf.service_receipt(**(values | overrides))


BUILDERS: dict[str, Callable[..., CourtDocument]] = {
    "complaint": a_complaint,
    "acceptance_notice": an_acceptance_notice,
    "response_notice": a_response_notice,
    "evidence_notice": an_evidence_notice,
    "fee_notice": a_fee_notice,
    "summons": a_summons,
    "correction_notice": a_correction_notice,
    "confirmation_ruling": a_confirmation_ruling,
    "refusal_ruling": a_refusal_ruling,
    "ruling": a_ruling,
    "service_receipt": a_service_receipt,
}


@functools.cache
def rendered(name: str) -> bytes:
    """The document ``BUILDERS[name]`` makes by default, rendered once for the tests that only read it."""
    return pdf.render(BUILDERS[name]())


@pytest.mark.parametrize("name", BUILDERS)
def test_every_document_is_a_small_valid_pdf_with_its_title_and_date(name):
    doc = BUILDERS[name]()
    content = rendered(name)
    assert content.startswith(b"%PDF")
    assert len(content) < 300 * 1024
    reader = read(content)
    assert reader.metadata is not None
    assert (reader.metadata.title or "").startswith(doc.title)
    assert reader.metadata.creator == "Suyuan"
    text = compact(content)
    assert doc.title in text
    assert (doc.case_number or doc.title) in text
    assert ("二〇二六年十一月二十九日" if doc.numeral_date else "2026年11月29日") in text
    assert "第1页/共1页" in "".join(text_of(content).split())


@pytest.mark.parametrize("name", BUILDERS)
def test_the_font_is_an_embedded_subset(name):
    fonts = fonts_of(read(rendered(name)))
    assert fonts
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSerifSC", str(font["/BaseFont"]))
        descendant = cast(DictionaryObject, cast(ArrayObject, font["/DescendantFonts"])[0].get_object())
        descriptor = cast(DictionaryObject, descendant["/FontDescriptor"].get_object())
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSerifSC", str(descriptor["/FontName"]))
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)


def test_documents_are_independent_of_each_other():
    first = pdf.render(a_complaint())
    pdf.render(a_service_receipt())
    again = pdf.render(a_complaint())
    assert text_of(first) == text_of(again)


class TestComplaint:
    def test_wording(self):
        doc = a_complaint()
        assert doc.case_number == ""
        text = compact(pdf.render(doc))
        for words in (
            "民事起诉状",
            "原告：张三",
            "被告：李四",
            "第三人：某物业服务有限公司",
            "91330881MA2A0B1C2Q",
            "住浙江省江山市虎山街道中山路1号",
            "案由：民间借贷纠纷",
            "诉讼请求：",
            "1.判令被告归还借款人民币50,000元及利息",
            "2.本案诉讼费用由被告承担",
            "事实与理由：",
            "约定2025年12月31日前归还",
            "此致江山市人民法院",
            "具状人：张三",
            "附：本起诉状副本2份借条复印件1份转账记录1份",
        ):
            assert words in text

    def test_identifiers_stay_masked(self):
        text = compact(rendered("complaint"))
        assert ID_MASKED in text
        assert ID_FULL not in text

    def test_a_party_filing_has_no_court_letterhead_and_dates_in_figures(self):
        text = compact(rendered("complaint"))
        assert text.startswith("民事起诉状")
        assert "二〇二六" not in text


class TestNotices:
    def test_acceptance_notice(self):
        text = compact(rendered("acceptance_notice"))
        assert text.startswith(f"{COURT}受理案件通知书{CASE}张三：")
        assert "民间借贷纠纷一案" in text
        assert "决定立案受理" in text
        assert "《中华人民共和国民事诉讼法》第一百二十六条" in text
        assert "案件受理费人民币1,050.00元" in text
        assert "收到本通知书次日起七日内（2026年12月6日前）" in text
        assert "按撤诉处理" in text
        assert "申请回避" in text and "提起上诉" in text
        assert "承办法官郑文华" in text and "书记员杨帆" in text
        assert f"{COURT}（印）二〇二六年十一月二十九日" in text

    def test_acceptance_notice_without_a_fee(self):
        text = compact(pdf.render(an_acceptance_notice(fee=Decimal("0"))))
        assert "无需预交案件受理费" in text
        assert "按撤诉处理" not in text

    def test_response_notice(self):
        text = compact(rendered("response_notice"))
        assert "本院已受理原告张三、王五诉你（单位）民间借贷纠纷一案" in text
        assert "送达起诉状副本" in text
        assert "《中华人民共和国民事诉讼法》第一百二十八条" in text
        assert "收到起诉状副本之日起十五日内向本院提交答辩状" in text
        assert "你不提交答辩状的，不影响本院审理" in text
        assert "管辖权有异议的，应当在提交答辩状期间提出" in text

    def test_a_response_period_other_than_fifteen_days_cites_no_article(self):
        text = compact(pdf.render(a_response_notice(answer_days=30)))
        assert "收到起诉状副本之日起三十日内" in text
        assert "第一百二十八条" not in text

    def test_evidence_notice(self):
        text = compact(rendered("evidence_notice"))
        assert "《中华人民共和国民事诉讼法》第六十七条、第六十八条" in text
        assert "当事人对自己提出的主张，有责任提供证据" in text
        assert "本案举证期限至2026年12月29日届满" in text
        assert "举证期限届满前向本院书面申请延长期限" in text
        assert "书面申请本院调查收集" in text
        assert "不予采纳该证据，或者采纳该证据但予以训诫、罚款" in text

    def test_fee_notice(self):
        text = compact(rendered("fee_notice"))
        assert "交纳诉讼费用通知书" in text
        assert "诉讼请求金额为人民币50,000.00元" in text
        assert "应交纳案件受理费人民币1,050.00元" in text
        assert "计算依据：财产案件" in text
        assert "（2026年12月6日前）" in text
        assert "收款单位：江山市人民法院；账号：1209260009000012345" in text
        assert "缓交、减交或者免交" in text
        assert "按撤诉处理" in text

    def test_fee_notice_without_an_amount_claimed(self):
        text = compact(pdf.render(a_fee_notice(amount_claimed=None, fee=Decimal("50"))))
        assert "本案诉讼请求不涉及财产金额，应交纳案件受理费人民币50.00元" in text

    def test_correction_notice(self):
        doc = a_correction_notice()
        assert doc.case_number == ""
        text = compact(pdf.render(doc))
        assert "补正通知书张三：" in text
        assert "一、起诉状未写明被告的住所。" in text
        assert "二、未提交原告的身份证明。" in text
        assert "请于2026年12月6日前将补正后的材料提交本院" in text
        assert "继续审查" in text
        assert "书记员杨帆" in text

    def test_fees_are_never_negative(self):
        with pytest.raises(ValueError):
            an_acceptance_notice(fee=Decimal("-1"))
        with pytest.raises(ValueError):
            a_fee_notice(fee=Decimal("-1"))


class TestSummons:
    def test_a_defendant_is_told_of_judgment_by_default(self):
        text = compact(rendered("summons"))
        assert "传票" in text
        assert "被传唤人李四（被告）" in text
        assert "应到时间2026年12月3日（星期四）14时30分" in text  # 06:30 UTC is 14:30 in Beijing
        assert "应到处所本院第三法庭" in text
        assert "身份证件原件" in text and "原件、原物" in text
        assert "可以缺席判决" in text and "第一百四十七条" in text
        assert "按撤诉处理" not in text

    def test_a_plaintiff_is_told_of_withdrawal(self):
        text = compact(pdf.render(a_summons(addressee="张三", role_label="原告")))
        assert "可以按撤诉处理" in text and "第一百四十六条" in text

    def test_an_online_hearing_says_how_to_join(self):
        link = "https://example.org/hearing/abc123"
        text = compact(pdf.render(a_summons(place="", online_link=link)))
        assert "应到处所在线庭审" in text
        assert link in text
        assert "开庭前三十分钟" in text
        assert "准时登录在线庭审" in text
        assert "携带来院报到" not in text

    def test_a_naive_moment_is_refused(self):
        with pytest.raises(ValueError):
            a_summons(when=dt.datetime(2026, 12, 3, 14, 30))  # noqa: DTZ001 (naive on purpose)


class TestRulings:
    def test_a_confirmed_agreement(self):
        text = compact(pdf.render(a_confirmation_ruling(applied_on=dt.date(2026, 11, 5))))
        assert text.startswith(f"{COURT}民事裁定书（2026）浙0881民特12号")
        assert f"申请人：张三，身份证号码：{ID_MASKED}" in text
        assert ID_FULL not in text
        assert "申请人张三、李四于2026年11月1日经城北社区人民调解委员会主持调解，达成如下调解协议" in text
        assert "一、李四于2026年12月31日前归还张三借款5万元" in text
        assert "于2026年11月5日共同向本院申请司法确认" in text
        assert "本院认为" in text
        assert "第二百零五条、第二百零六条" in text
        assert (
            "裁定如下：一、申请人张三、李四于2026年11月1日经城北社区人民调解委员会主持调解达成的调解协议有效。"
            in text
        )
        assert (
            "二、当事人应当按照调解协议的约定自觉履行义务。"
            "一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请执行。"
        ) in text
        assert "本裁定书自即日起发生法律效力。" in text
        assert "审判员郑文华" in text
        assert text.index("审判员郑文华") < text.index("二〇二六年十一月二十九日") < text.index("书记员杨帆")

    def test_a_dismissed_application(self):
        reason = "调解协议内容涉及确认物权归属，不属于司法确认的范围"
        text = compact(pdf.render(a_confirmation_ruling(confirmed=False, reason=reason)))
        assert f"本院认为，{reason}。" in text
        assert "驳回申请人张三、李四的司法确认申请。" in text
        assert "可以通过调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼" in text
        assert "调解协议有效" not in text

    def test_a_refused_complaint(self):
        text = compact(
            pdf.render(a_refusal_ruling(received_on=dt.date(2026, 11, 20), claims=["判令某某归还借款"]))
        )
        assert "起诉人：张三" in text
        assert "原告" not in text
        assert "2026年11月20日，本院收到张三的起诉状" in text
        assert "诉讼请求：判令某某归还借款" in text
        assert "本院经审查认为，起诉人的起诉没有明确的被告，不符合起诉条件。" in text
        assert "第一百二十六条、第一百五十七条第一款第一项" in text
        assert "裁定如下：对张三的起诉，本院不予受理。" in text
        assert (
            "如不服本裁定，可以在裁定书送达之日起十日内，向本院递交上诉状，上诉于浙江省衢州市中级人民法院。"
            in text
        )

    def test_a_generic_ruling_numbers_several_decisions(self):
        text = compact(rendered("ruling"))
        assert "裁定如下：一、准许原告张三撤诉。二、案件受理费减半收取计人民币525.00元，由原告负担。" in text
        assert "本裁定为终审裁定。" in text

    def test_a_single_decision_is_not_numbered(self):
        text = compact(pdf.render(a_ruling(decision=["准许原告张三撤诉。"])))
        assert "裁定如下：准许原告张三撤诉。" in text


class TestServiceReceipt:
    def test_the_form(self):
        text = compact(rendered("service_receipt"))
        for words in (
            "送达回证",
            CASE,
            "送达文书名称及件数",
            "起诉状副本一份应诉通知书一份举证通知书一份传票一份",
            "受送达人李四",
            "送达地点浙江省江山市双塔街道某路8号",
            "受送达人签收",
            "（签名或者盖章）年月日",
            "代收人及代收理由",
            "送达人",
            "备注",
            "签发人",
            f"{COURT}（印）",
        ):
            assert words in text

    def test_a_value_too_long_for_the_form_is_given_in_full_after_it(self):
        content = pdf.render(a_service_receipt(address=LONG))
        text = compact(content)
        assert "（未完，全文见表后）" in text
        assert "送达地点（全文）" in text
        assert LONG in text


# --- hostile text -----------------------------------------------------------------------------------------


def hostile_documents() -> dict[str, CourtDocument]:
    party = PartyLine(HOSTILE, HOSTILE + NO_SPACES_LATIN, HOSTILE + "\n\r\n", HOSTILE + "\n" + LONG)
    text = "\n".join([HOSTILE, LONG, NO_SPACES_LATIN, NO_SPACES_CHINESE])
    return {
        "complaint": a_complaint(
            court_name=HOSTILE,
            plaintiffs=[party],
            cause=HOSTILE,
            claims=[text, NO_SPACES_LATIN],
            facts=text,
            materials=[HOSTILE, NO_SPACES_CHINESE],
        ),
        "acceptance_notice": an_acceptance_notice(addressee=HOSTILE, cause=text, judge=HOSTILE),
        "response_notice": a_response_notice(plaintiff_names=[HOSTILE, NO_SPACES_LATIN], cause=text),
        "fee_notice": a_fee_notice(fee_basis=text, payee=HOSTILE, account=NO_SPACES_LATIN),
        "summons": a_summons(cause=text, place=text, online_link=NO_SPACES_LATIN, role_label=HOSTILE),
        "correction_notice": a_correction_notice(items=[HOSTILE, text]),
        "confirmation_ruling": a_confirmation_ruling(
            applicants=[party], agreement_org=HOSTILE, agreement_terms=text, reason=text
        ),
        "refusal_ruling": a_refusal_ruling(plaintiffs=[party], reason=text, appellate_court=HOSTILE),
        "ruling": a_ruling(parties=[party], body=text, decision=[text, HOSTILE], closing=text),
        "service_receipt": a_service_receipt(addressee=HOSTILE, address=text, documents=[text, HOSTILE]),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", hostile_documents().keys())
def test_hostile_text_renders_without_its_control_characters(name):
    content = pdf.render(hostile_documents()[name])
    text = text_of(content)
    assert not [ch for ch in HOSTILE_MARKS if ch in text]
    assert not [ch for ch in text if unicodedata.category(ch) in ("Cf", "Co", "Cs", "Cn")]
    assert not [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"]
    flat = compact(content)
    assert "前置内容[31m红字隔离后" in flat  # what is left of the hostile text, in its order
    assert NO_SPACES_LATIN[:100] in flat


@pytest.mark.slow
def test_long_text_runs_over_pages_that_are_numbered():
    content = pdf.render(a_complaint(facts=LONG + "\n" + NO_SPACES_CHINESE + "\n" + NO_SPACES_LATIN))
    numbered = pages(content)
    total = len(numbered)
    assert total > 3
    for number, page in enumerate(numbered, start=1):
        assert f"第{number}页/共{total}页" in page
    flat = FOOTER.sub("", "".join(numbered))
    assert LONG in flat
    assert NO_SPACES_CHINESE in flat
    assert NO_SPACES_LATIN in flat
