"""The court's generated documents (起诉状, notices, summons, rulings, service receipts) as PDFs.

Documents are built from plain data, never from models: a builder (``complaint``, ``acceptance_notice``, …)
returns a ``CourtDocument`` with the wording the courts use, and ``render`` draws any ``CourtDocument`` on
A4 with the embedded Chinese font of ``suyuan.core.pdf``. Callers pass identifiers already masked (a
``PartyLine``'s details) and names as they should appear; everything passed in is drawn as plain text
(control and formatting characters removed), nothing is interpreted as markup.

Articles cited are those of the Civil Procedure Law as amended in 2023 (in force since 1 January 2024).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import Align, TextMode, WrapMode, XPos, YPos

from suyuan.core.pdf import FONT, LOCAL_TIME, Document, china_date, plain, yuan

CPL = "《中华人民共和国民事诉讼法》"
FEE_MEASURES = "《诉讼费用交纳办法》"
INDENT = "　　"  # two ideographic spaces open a paragraph
CLERK_TITLES = ("书记员", "法官助理")  # signed under the date; judges sign above it

_DIGITS = "〇一二三四五六七八九"
_WEEKDAYS = "一二三四五六日"


# --- the document -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyLine:
    """One party as a document names it, e.g. 原告：张三，身份证号码：3308**********0025，住浙江省江山市….

    ``details`` is drawn as given: pass identifiers already masked, never in full.
    """

    role_label: str
    name: str
    details: str = ""
    address: str = ""

    def text(self) -> str:
        parts = [self.name]
        if self.details:
            parts.append(self.details)
        if self.address:
            parts.append(self.address if self.address.startswith("住") else f"住{self.address}")
        return f"{self.role_label}：" + "，".join(parts) + "。"


@dataclass(frozen=True)
class CourtDocument:
    """A document ready to draw.

    ``sections`` are (heading, text) pairs: the heading ("" for none) stands on its own line, each line
    of the text is a paragraph. ``table`` rows are (label, value) pairs drawn as a ruled two-column form
    (a summons, a service receipt) before the sections. ``closing`` lines follow the sections as given
    (此致 / the court). ``signature`` lines are right-aligned; the ``seal`` line and the date
    (``issued_on``) come after the judges' lines and before the clerk's. ``attachments`` are listed under
    附：. ``letterhead`` puts the court's name above the title (a party's filing has none);
    ``numeral_date`` dates the document 二〇二六年十一月二十九日 (the court's style) rather than
    2026年11月29日.
    """

    title: str
    court_name: str
    case_number: str
    issued_on: datetime.date
    addressee: str = ""
    parties: tuple[PartyLine, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()
    table: tuple[tuple[str, str], ...] = ()
    closing: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    seal: str = ""
    attachments: tuple[str, ...] = ()
    footer_note: str = ""
    letterhead: bool = True
    numeral_date: bool = True


# --- numbers and dates in Chinese -------------------------------------------------------------------------


def chinese_count(number: int) -> str:
    """Return a small whole number in Chinese characters (10 → 十, 15 → 十五, 30 → 三十, 100 → 一百)."""
    if number < 0:
        raise ValueError("Only non-negative numbers are written in characters.")
    if number < 10:
        return _DIGITS[number] if number else "零"
    if number < 100:
        tens, units = divmod(number, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        if not rest:
            return _DIGITS[hundreds] + "百"
        tail = chinese_count(rest) if rest >= 10 else "零" + _DIGITS[rest]
        return _DIGITS[hundreds] + "百" + (("一" + tail) if 10 <= rest < 20 else tail)
    return str(number)


def chinese_numeral_date(moment: datetime.date) -> str:
    """Return the day in characters, as rulings date it: 二〇二六年十一月二十九日 (a datetime in Beijing time)."""
    day = _local_day(moment)
    year = "".join(_DIGITS[int(digit)] for digit in str(day.year))
    return f"{year}年{chinese_count(day.month)}月{chinese_count(day.day)}日"


def china_time(moment: datetime.datetime) -> str:
    """Return a moment in Beijing time as notices write it: 2026年12月3日（星期四）14时30分."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A datetime must be timezone-aware to tell the time in China.")
    local = moment.astimezone(LOCAL_TIME)
    return f"{china_date(local)}（星期{_WEEKDAYS[local.weekday()]}）{local.hour}时{local.minute:02d}分"


def _local_day(moment: datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("A datetime must be timezone-aware to tell which day it falls on in China.")
        return moment.astimezone(LOCAL_TIME).date()
    return moment


def _ordinal_items(items: Iterable[str]) -> str:
    """Number items 一、二、三、 (as notices and rulings do), one per line."""
    return "\n".join(f"{chinese_count(n)}、{item}" for n, item in enumerate(items, start=1))


def _sentence(text: str) -> str:
    """Return ``text`` as plain text ending in a full stop (unless it ends in other closing punctuation)."""
    text = plain(text).strip()
    return text if not text or text.endswith(("。", "；", "！", "？", "…")) else text + "。"


def _names(parties: Iterable[PartyLine]) -> str:
    return "、".join(party.name for party in parties)


def _contact(judge: str, clerk: str) -> str:
    people = [f"承办法官{judge}" if judge else "", f"书记员{clerk}" if clerk else ""]
    listed = "，".join(person for person in people if person)
    return f"本案{listed}。" if listed else ""


# --- drawing ----------------------------------------------------------------------------------------------

_BODY = 12
_LINE = 7.5
_TABLE_SHARES = (32, 68)  # label and value columns, as shares of the width
_TABLE_PADDING = 2
_TABLE_LINES = 12  # longest value a form's row holds
# Line-breaking rules (禁则): closing marks never start a line, opening marks never end one.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…％,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def _kinsoku(lines: list[str]) -> list[str]:
    """Move one mark across each line break that the line-breaking rules forbid (bounded for any input)."""
    fixed: list[str] = []
    for line in lines:
        if fixed and len(fixed[-1]) > 1 and fixed[-1][-1] in _NO_LINE_END:
            line = fixed[-1][-1] + line
            fixed[-1] = fixed[-1][:-1]
        if fixed and line and line[0] in _NO_LINE_START:
            fixed[-1] += line[0]
            line = line[1:]
        if line:
            fixed.append(line)
    return fixed


def _break(pdf: FPDF, text: str, room: float) -> list[str]:
    """Break one paragraph into lines no wider than ``room``, between any two characters (as Chinese is)."""
    widths: dict[str, float] = {}
    lines: list[str] = []
    start, used = 0, 0.0
    for n, ch in enumerate(text):
        width = widths.get(ch)
        if width is None:
            width = widths[ch] = pdf.get_string_width(ch)
        if used + width > room and n > start:
            lines.append(text[start:n])
            start, used = n, 0.0
        used += width
    lines.append(text[start:])
    return _kinsoku(lines)


def _justified(pdf: FPDF, text: str, height: float) -> None:
    """Draw a paragraph broken between any two characters and justified the Chinese way.

    Lines are filled to the right margin by spacing the characters evenly (Chinese has no spaces to
    stretch), and a line that took a closing mark from the next one is squeezed to fit.
    """
    room = pdf.epw - 2 * pdf.c_margin
    lines = _break(pdf, text, room)
    for n, line in enumerate(lines):
        spacing = 0.0
        if len(line) > 1:
            gap = room - pdf.get_string_width(line)
            last = n == len(lines) - 1
            if (not last and 0 < gap <= 3 * pdf.font_size) or -1.2 * pdf.font_size <= gap < 0:
                spacing = gap * pdf.k / (len(line) - 1)  # in points, as the PDF's character spacing is
        with pdf.local_context(char_spacing=spacing) if spacing else nullcontext():
            pdf.cell(0, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(doc: CourtDocument) -> bytes:
    """Draw ``doc`` on A4 pages and return the PDF bytes."""
    title = plain(doc.title)
    pdf = Document(title=f"{title} {plain(doc.case_number)}".strip())
    pdf.set_subject(title)
    if doc.court_name:
        pdf.set_author(plain(doc.court_name))
    pdf.set_lang("zh-CN")
    pdf.set_margins(26, 25, 26)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_page()

    def lines(text: str, *, size: float = _BODY, height: float = _LINE, align: Align = Align.L) -> None:
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(
            0, height, text, align=align, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def paragraph(text: str) -> None:
        pdf.set_font(FONT, size=_BODY)
        for n, part in enumerate(part for part in text.split("\n") if part.strip()):
            _justified(pdf, (INDENT if n == 0 else "") + part, _LINE)

    def paragraphs(text: str) -> None:
        for line in plain(text).split("\n"):
            stripped = line.strip(" 　")
            if stripped:
                paragraph(stripped)
            else:
                pdf.ln(_LINE / 2)

    def heading(text: str) -> None:
        pdf.ln(1.5)
        # The font has no bold: stroke the glyphs' outlines too (in a local context, which fpdf2 needs to
        # restore the text rendering mode afterwards).
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.18):
            lines(INDENT + plain(text), size=_BODY + 1)

    if doc.letterhead and doc.court_name:
        lines(plain(doc.court_name), size=18, height=11, align=Align.C)
    lines(title, size=22, height=14, align=Align.C)
    if doc.case_number:
        lines(plain(doc.case_number), height=9, align=Align.R)
    pdf.ln(3)

    if doc.addressee:
        lines(plain(doc.addressee).strip() + "：")
    for party in doc.parties:
        paragraph(plain(party.text()))
    if doc.parties:
        pdf.ln(1)

    if doc.table:
        pdf.ln(2)
        pdf.set_font(FONT, size=_BODY)
        label_share, value_share = _TABLE_SHARES
        value_width = pdf.epw * value_share / (label_share + value_share) - 2 * _TABLE_PADDING
        rows: list[tuple[str, str]] = []
        overflow: list[tuple[str, str]] = []
        for label, value in doc.table:
            label, value = plain(label), plain(value)
            # A row must fit on one page: a long value is cut short in the form and given in full below it.
            broken = [line for part in value.split("\n") for line in _break(pdf, part, value_width)]
            if len(broken) > _TABLE_LINES:
                overflow.append((label, value))
                value = "\n".join(broken[: _TABLE_LINES - 1]) + "\n（未完，全文见表后）"
            rows.append((label, value))
        with pdf.table(
            col_widths=_TABLE_SHARES,
            first_row_as_headings=False,
            line_height=_LINE,
            text_align=(Align.C, Align.L),
            wrapmode=WrapMode.CHAR,
            padding=_TABLE_PADDING,
            min_row_height=_LINE + 2 * _TABLE_PADDING,
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label)
                row.cell(value)
        pdf.ln(3)
        for label, value in overflow:
            heading(f"{label}（全文）")
            paragraphs(value)

    for head, text in doc.sections:
        if head:
            heading(head)
        paragraphs(text)

    if doc.closing:
        pdf.ln(2)
        for line in doc.closing:
            lines(plain(line))

    pdf.ln(6)
    split = next(
        (n for n, line in enumerate(doc.signature) if line.strip().startswith(CLERK_TITLES)),
        len(doc.signature),
    )
    for line in doc.signature[:split]:
        lines(plain(line), align=Align.R)
    if doc.seal:
        lines(plain(doc.seal), align=Align.R)
    when = chinese_numeral_date(doc.issued_on) if doc.numeral_date else china_date(doc.issued_on)
    lines(when, align=Align.R)
    for line in doc.signature[split:]:
        lines(plain(line), align=Align.R)

    if doc.attachments:
        pdf.ln(4)
        lines("附：")
        for line in doc.attachments:
            paragraph(plain(line))

    if doc.footer_note:
        pdf.ln(6)
        pdf.set_font(FONT, size=9)
        for line in plain(doc.footer_note).split("\n"):
            _justified(pdf, line, 5.5)

    return bytes(pdf.output())


# --- a party's filing -------------------------------------------------------------------------------------


def complaint(
    *,
    court_name: str,
    plaintiffs: Sequence[PartyLine],
    defendants: Sequence[PartyLine],
    third_parties: Sequence[PartyLine] = (),
    cause: str,
    claims: Sequence[str],
    facts: str,
    materials: Sequence[str],
    submitted_on: datetime.date,
) -> CourtDocument:
    """民事起诉状: the plaintiffs' complaint as filed (诉讼请求, 事实与理由, 此致 the court, 具状人, 附)."""
    copies = len(defendants) + len(third_parties)
    return CourtDocument(
        title="民事起诉状",
        court_name=court_name,
        case_number="",
        issued_on=submitted_on,
        parties=tuple(plaintiffs) + tuple(defendants) + tuple(third_parties),
        sections=(
            ("", f"案由：{plain(cause)}"),
            ("诉讼请求：", "\n".join(f"{n}. {plain(claim)}" for n, claim in enumerate(claims, start=1))),
            ("事实与理由：", facts),
        ),
        closing=(f"{INDENT}此致", court_name),
        signature=tuple(f"具状人：{party.name}" for party in plaintiffs),
        attachments=(f"本起诉状副本{copies}份", *materials) if copies else tuple(materials),
        letterhead=False,
        numeral_date=False,
    )


# --- notices ----------------------------------------------------------------------------------------------


def _notice(
    *,
    title: str,
    court_name: str,
    case_number: str,
    addressee: str,
    issued_on: datetime.date,
    opening: str,
    items: Sequence[str],
) -> CourtDocument:
    """A notice from the court: the addressee, an opening paragraph, numbered items, the court's seal."""
    return CourtDocument(
        title=title,
        court_name=court_name,
        case_number=case_number,
        issued_on=issued_on,
        addressee=addressee,
        sections=(("", f"{opening}\n{_ordinal_items(items)}"),),
        seal=f"{court_name}（印）",
    )


_RIGHTS = (
    "当事人有权委托诉讼代理人，申请回避，收集、提供证据，进行辩论，请求调解，提起上诉，申请执行；"
    "可以查阅、复制本案有关材料和法律文书；双方当事人可以自行和解。"
    "当事人必须依法行使诉讼权利，遵守诉讼秩序，履行发生法律效力的判决书、裁定书和调解书。"
)
_HONESTY = (
    "当事人应当如实陈述案件事实，不得伪造、毁灭证据，不得提供虚假证据或者进行虚假诉讼；"
    "违反的，本院将依法予以罚款、拘留，构成犯罪的，依法追究刑事责任。"
)
_ADDRESS = (
    "请如实填写送达地址确认书。送达地址或者联系方式变更的，应当及时书面告知本院；"
    "因提供的地址不准确或者变更后未及时告知，导致诉讼文书未能被实际接收的，文书退回之日视为送达之日。"
)


def acceptance_notice(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    cause: str,
    fee: Decimal,
    fee_due_on: datetime.date,
    judge: str,
    clerk: str,
    issued_on: datetime.date,
) -> CourtDocument:
    """受理案件通知书 to the plaintiff: the case is accepted; pay the fee within seven days; rights and duties."""
    if fee < 0:
        raise ValueError("A court fee cannot be negative.")
    if fee > 0:
        fee_item = (
            f"本案应预交案件受理费{yuan(fee)}。请自收到本通知书次日起七日内（{china_date(fee_due_on)}前）"
            "向本院预交（交纳方式见交纳诉讼费用通知书）。交纳确有困难的，可以在预交期间内向本院书面申请缓交、"
            "减交或者免交。期满未预交又未提出申请，或者申请未获批准仍不预交的，本院将按撤诉处理。"
        )
    else:
        fee_item = "本案无需预交案件受理费。"
    contact = _contact(judge, clerk)
    return _notice(
        title="受理案件通知书",
        court_name=court_name,
        case_number=case_number,
        addressee=addressee,
        issued_on=issued_on,
        opening=(
            f"你（单位）提起的{plain(cause)}一案，本院经审查，认为符合法定受理条件，依照{CPL}第一百二十六条"
            "的规定，决定立案受理。现将有关事项通知如下："
        ),
        items=[
            fee_item,
            _RIGHTS,
            "原告在诉讼中可以放弃或者变更诉讼请求；判决宣告前申请撤诉的，是否准许，由本院裁定。",
            _HONESTY,
            _ADDRESS,
            *([contact] if contact else []),
        ],
    )


def response_notice(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    plaintiff_names: Sequence[str],
    cause: str,
    answer_days: int,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
) -> CourtDocument:
    """应诉通知书 to the defendant, served with the complaint: answer within ``answer_days`` days."""
    plaintiffs = "、".join(plain(name) for name in plaintiff_names)
    # Fifteen days is the answer period of Article 128; other periods rest on other provisions.
    basis = f"依照{CPL}第一百二十八条的规定，" if answer_days == 15 else ""
    contact = _contact(judge, clerk)
    return _notice(
        title="应诉通知书",
        court_name=court_name,
        case_number=case_number,
        addressee=addressee,
        issued_on=issued_on,
        opening=(
            f"本院已受理原告{plaintiffs}诉你（单位）{plain(cause)}一案。现随本通知书向你送达起诉状副本及证据材料副本。"
            f"{basis}现将应诉的有关事项通知如下："
        ),
        items=[
            f"你应当在收到起诉状副本之日起{chinese_count(answer_days)}日内向本院提交答辩状，并按原告人数提交副本。"
            "答辩状应当记明你的姓名、性别、年龄、民族、职业、工作单位、住所、联系方式；"
            "法人或者其他组织应当记明名称、住所和法定代表人或者主要负责人的姓名、职务、联系方式。"
            "你不提交答辩状的，不影响本院审理。",
            "你对本院的管辖权有异议的，应当在提交答辩状期间提出。",
            "你可以委托一至二人作为诉讼代理人。委托他人代为诉讼的，应当向本院提交由你签名或者盖章的授权委托书，"
            "写明委托事项和权限；诉讼代理人代为承认、放弃、变更诉讼请求，进行和解，提起反诉或者上诉，必须有特别授权。",
            _RIGHTS,
            _HONESTY,
            _ADDRESS,
            *([contact] if contact else []),
        ],
    )


def evidence_notice(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    evidence_due_on: datetime.date,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
) -> CourtDocument:
    """举证通知书: the burden of proof, the deadline, late evidence, and what to apply for before it."""
    contact = _contact(judge, clerk)
    return _notice(
        title="举证通知书",
        court_name=court_name,
        case_number=case_number,
        addressee=addressee,
        issued_on=issued_on,
        opening=f"依照{CPL}第六十七条、第六十八条的规定，现将本案举证的有关事项通知如下：",
        items=[
            "当事人对自己提出的主张，有责任提供证据。没有证据或者证据不足以证明当事人的事实主张的，"
            "由负有举证证明责任的当事人承担不利的后果。",
            f"本案举证期限至{china_date(evidence_due_on)}届满。你应当在举证期限届满前向本院提交证据，"
            "并按对方当事人人数提交副本；提交的证据应当逐一分类编号，简要说明证据的来源、证明对象和内容，"
            "签名或者盖章，注明提交日期。",
            "书证应当提交原件，物证应当提交原物。提交原件或者原物确有困难的，可以提交复制品、照片、副本、节录本，"
            "并在开庭时出示原件或者原物供核对。提交外文书证，必须附有中文译本。",
            "你在举证期限内提供证据确有困难的，可以在举证期限届满前向本院书面申请延长期限，本院将根据申请适当延长。"
            "因客观原因不能自行收集的证据，可以在举证期限届满前书面申请本院调查收集；"
            "申请证人出庭作证、申请鉴定的，也应当在举证期限届满前提出。",
            "逾期提供证据的，本院将责令你说明理由；拒不说明理由或者理由不成立的，"
            "本院根据不同情形可以不予采纳该证据，或者采纳该证据但予以训诫、罚款。",
            "伪造、毁灭重要证据，妨碍人民法院审理案件的，本院将依法予以罚款、拘留；构成犯罪的，依法追究刑事责任。",
            *([contact] if contact else []),
        ],
    )


def fee_notice(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    amount_claimed: Decimal | None,
    fee: Decimal,
    fee_basis: str,
    due_on: datetime.date,
    payee: str,
    account: str,
    issued_on: datetime.date,
) -> CourtDocument:
    """交纳诉讼费用通知书: how much, on what basis, by when, to which account, and what if it is not paid."""
    if fee < 0:
        raise ValueError("A court fee cannot be negative.")
    claimed = (
        f"你（单位）的诉讼请求金额为{yuan(amount_claimed)}，"
        if amount_claimed is not None
        else "本案诉讼请求不涉及财产金额，"
    )
    return _notice(
        title="交纳诉讼费用通知书",
        court_name=court_name,
        case_number=case_number,
        addressee=addressee,
        issued_on=issued_on,
        opening=(f"本院受理的{plain(case_number)}一案" if case_number else "你（单位）向本院提起的诉讼")
        + f"，根据{FEE_MEASURES}的规定，现将交纳诉讼费用的有关事项通知如下：",
        items=[
            f"{claimed}应交纳案件受理费{yuan(fee)}（计算依据：{plain(fee_basis)}）。",
            f"请自收到本通知书次日起七日内（{china_date(due_on)}前）交纳。",
            f"收款单位：{plain(payee)}；账号：{plain(account)}。交纳时请注明案号和当事人姓名（名称），"
            "并将交费凭证交本院核对。",
            "交纳诉讼费用确有困难的，可以在交纳期间内向本院书面申请缓交、减交或者免交，并提交相关证明材料。",
            "期满未交纳又未提出缓交、减交、免交申请，或者申请未获批准仍不交纳的，本院将按撤诉处理。",
        ],
    )


def summons(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    role_label: str,
    cause: str,
    when: datetime.datetime,
    place: str,
    online_link: str,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
) -> CourtDocument:
    """传票: to attend the hearing at ``when`` (Beijing time), in a court room or online."""
    role = plain(role_label).strip()
    if place and online_link:
        where = f"{plain(place)}（也可以在线参加）"
        arrive = "被传唤人必须准时到达应到处所；在线参加庭审的，应当准时登录。"
    elif online_link:
        where = "在线庭审（进入方式见注意事项）"
        arrive = "被传唤人必须准时登录在线庭审。"
    else:
        where = plain(place)
        arrive = "被传唤人必须准时到达应到处所。"
    if place:
        bring = (
            "本传票由被传唤人携带来院报到。请携带本人身份证件原件；委托诉讼代理人的，代理人应当携带身份证件"
            "和授权委托书。已提交证据的原件、原物，应当在开庭时携带以备核对。"
        )
        if online_link:
            bring += "在线参加的，请备好上述证件和原件，以便在线核验。"
    else:
        bring = (
            "请备好本人身份证件原件，以便在线核验身份；委托诉讼代理人的，代理人应当备好身份证件，"
            "并在开庭前向本院提交授权委托书。已提交证据的原件、原物，应当在开庭时备好以备核对。"
        )
    notes = [
        arrive,
        bring,
        "被传唤人收到传票后，应当在送达回证上签名或者盖章。",
    ]
    if online_link:
        notes.append(
            f"在线参加庭审的，请于开庭前三十分钟通过以下链接进入在线庭审：\n{plain(online_link)}\n"
            "请使用本人手机号码登录并完成身份认证，提前调试设备，选择安静、光线充足的场所，保持网络畅通；"
            "庭审中不得录音、录像、拍照，不得传播庭审音视频。"
        )
    if role == "原告":
        notes.append(
            "原告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，本院可以按撤诉处理；"
            f"被告反诉的，可以缺席判决（{CPL}第一百四十六条）。"
        )
    elif role == "被告":
        notes.append(
            "被告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，本院可以缺席判决"
            f"（{CPL}第一百四十七条）。"
        )
    else:
        notes.append("被传唤人因正当理由不能按时到庭的，应当在开庭前向本院书面说明理由并提供证明。")
    contact = _contact(judge, clerk)
    if contact:
        notes.append(contact)
    return CourtDocument(
        title="传票",
        court_name=court_name,
        case_number=case_number,
        issued_on=issued_on,
        table=(
            ("案由", plain(cause)),
            ("被传唤人", f"{plain(addressee)}（{role}）" if role else plain(addressee)),
            ("传唤事由", "开庭审理"),
            ("应到时间", china_time(when)),
            ("应到处所", where),
        ),
        sections=(("注意事项：", _ordinal_items(notes)),),
        seal=f"{court_name}（印）",
    )


def correction_notice(
    *,
    court_name: str,
    addressee: str,
    items: Sequence[str],
    due_on: datetime.date,
    issued_on: datetime.date,
    clerk: str,
) -> CourtDocument:
    """补正通知书: what the filing lacks, by when to supply it; the filing review resumes once it is corrected."""
    return CourtDocument(
        title="补正通知书",
        court_name=court_name,
        case_number="",
        issued_on=issued_on,
        addressee=addressee,
        sections=(
            (
                "",
                "你（单位）向本院提交的起诉材料已收到。经审查，根据《最高人民法院关于人民法院登记立案若干问题的规定》，"
                "现一次性告知你需要补正的下列内容：",
            ),
            ("", _ordinal_items(_sentence(item) for item in items)),
            (
                "",
                f"请于{china_date(due_on)}前将补正后的材料提交本院（可以通过网上立案平台提交，也可以到本院诉讼服务中心提交）。"
                "本院收到补正材料后继续审查，依法决定是否立案，审查期间自收到补正材料之日起计算。\n"
                "逾期未补正的，本院将退回起诉材料并记录在册；你坚持起诉的，本院将依法作出裁定。",
            ),
        ),
        signature=(f"书记员　{clerk}",) if clerk else (),
        seal=f"{court_name}（印）",
    )


# --- rulings ----------------------------------------------------------------------------------------------


def ruling(
    *,
    court_name: str,
    case_number: str,
    title_kind: str = "民事裁定书",
    parties: Sequence[PartyLine],
    body: str,
    decision: Sequence[str],
    closing: str,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
) -> CourtDocument:
    """A ruling (裁定书): parties, the court's reasoning, 裁定如下, the decision (一、二、… when several), closing."""
    reasoning = plain(body).rstrip()
    if not reasoning.endswith(("如下：", "如下:")):
        reasoning += "\n裁定如下："
    decided = [plain(item) for item in decision]
    return CourtDocument(
        title=title_kind,
        court_name=court_name,
        case_number=case_number,
        issued_on=issued_on,
        parties=tuple(parties),
        sections=(
            ("", reasoning),
            ("", _ordinal_items(decided) if len(decided) > 1 else "\n".join(decided)),
            ("", closing),
        ),
        signature=tuple(
            line
            for line in (f"审判员　{judge}" if judge else "", f"书记员　{clerk}" if clerk else "")
            if line
        ),
        seal=f"{court_name}（印）",
    )


def confirmation_ruling(
    *,
    court_name: str,
    case_number: str,
    applicants: Sequence[PartyLine],
    agreement_org: str,
    agreement_date: datetime.date,
    agreement_terms: str,
    confirmed: bool,
    reason: str,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
    applied_on: datetime.date | None = None,
) -> CourtDocument:
    """司法确认 (民特): the ruling that a mediation agreement is valid, or that dismisses the application."""
    names = _names(applicants)
    applied = f"于{china_date(applied_on)}" if applied_on is not None else ""
    terms = "\n".join(line.strip(" 　") for line in plain(agreement_terms).split("\n") if line.strip(" 　"))
    if confirmed:
        opinion = reason or (
            "申请人达成的调解协议系双方自愿达成，内容不违反法律、行政法规的强制性规定，"
            "不损害国家利益、社会公共利益和他人合法权益，符合司法确认调解协议的法定条件"
        )
        decision = [
            f"申请人{names}于{china_date(agreement_date)}经{plain(agreement_org)}主持调解达成的调解协议有效。",
            "当事人应当按照调解协议的约定自觉履行义务。一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请执行。",
        ]
        closing = "本裁定书自即日起发生法律效力。"
    else:
        opinion = reason or "申请人达成的调解协议不符合司法确认调解协议的法定条件"
        decision = [f"驳回申请人{names}的司法确认申请。"]
        closing = (
            "申请人可以通过调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。\n"
            "本裁定书自即日起发生法律效力。"
        )
    opinion = plain(opinion).rstrip("。；，")
    body = (
        f"申请人{names}于{china_date(agreement_date)}经{plain(agreement_org)}主持调解，达成如下调解协议：\n"
        f"{terms}\n"
        f"申请人{names}{applied}共同向本院申请司法确认。本院受理后，依法进行了审查。\n"
        f"本院认为，{opinion}。依照{CPL}第二百零五条、第二百零六条的规定，裁定如下："
    )
    return ruling(
        court_name=court_name,
        case_number=case_number,
        parties=applicants,
        body=body,
        decision=decision,
        closing=closing,
        issued_on=issued_on,
        judge=judge,
        clerk=clerk,
    )


def refusal_ruling(
    *,
    court_name: str,
    case_number: str,
    plaintiffs: Sequence[PartyLine],
    reason: str,
    issued_on: datetime.date,
    judge: str,
    clerk: str,
    appeal_days: int = 10,
    appellate_court: str,
    received_on: datetime.date | None = None,
    claims: Sequence[str] = (),
) -> CourtDocument:
    """不予受理: the ruling that refuses a complaint, with the appeal to the intermediate court.

    A complaint that is refused was never a case, so the people who filed it are 起诉人, not 原告.
    ``received_on`` (when the court received the complaint) and ``claims`` (its 诉讼请求) are recited
    when given.
    """
    filers = tuple(replace(party, role_label="起诉人") for party in plaintiffs)
    names = _names(filers)
    opinion = plain(reason).rstrip("。；，")
    received = f"{china_date(received_on)}，本院收到{names}的起诉状。" if received_on is not None else ""
    requested = (
        f"起诉人{names}向本院提出诉讼请求："
        + "；".join(plain(claim).rstrip("。；;") for claim in claims)
        + "。"
        if claims
        else f"起诉人{names}向本院提起诉讼。"
    )
    body = (
        f"{received}{requested}\n"
        f"本院经审查认为，{opinion}。依照{CPL}第一百二十六条、第一百五十七条第一款第一项的规定，裁定如下："
    )
    return ruling(
        court_name=court_name,
        case_number=case_number,
        parties=filers,
        body=body,
        decision=[f"对{names}的起诉，本院不予受理。"],
        closing=(
            f"如不服本裁定，可以在裁定书送达之日起{chinese_count(appeal_days)}日内，向本院递交上诉状，"
            f"上诉于{plain(appellate_court)}。"
        ),
        issued_on=issued_on,
        judge=judge,
        clerk=clerk,
    )


# --- service ----------------------------------------------------------------------------------------------


def service_receipt(
    *,
    court_name: str,
    case_number: str,
    addressee: str,
    address: str,
    documents: Sequence[str],
    issued_on: datetime.date,
) -> CourtDocument:
    """送达回证: the form the person serving the documents has signed and brings back to the court."""
    return CourtDocument(
        title="送达回证",
        court_name=court_name,
        case_number=case_number,
        issued_on=issued_on,
        table=(
            ("送达文书名称及件数", "\n".join(plain(name) for name in documents)),
            ("受送达人", plain(addressee)),
            ("送达地点", plain(address)),
            ("受送达人签收", "\n\n（签名或者盖章）　　　　　　年　　月　　日"),
            ("代收人及代收理由", "\n"),
            ("送达人", ""),
            ("备注", ""),
        ),
        signature=("签发人：＿＿＿＿＿＿",),
        seal=f"{court_name}（印）",
        footer_note=(
            "说明：\n"
            "1. 受送达人应当在本回证上签名或者盖章，并注明签收日期。\n"
            "2. 受送达人是公民，本人不在的，可以交其同住成年家属签收，并在代收人栏写明代收人姓名及与受送达人的关系。\n"
            "3. 受送达人或者代收人拒绝签收的，送达人可以邀请有关基层组织或者所在单位的代表到场，说明情况，"
            "在本回证上记明拒收事由和日期，由送达人、见证人签名或者盖章，把诉讼文书留在受送达人的住所；"
            "也可以把诉讼文书留在受送达人的住所，并采用拍照、录像等方式记录送达过程，即视为送达。"
        ),
    )
