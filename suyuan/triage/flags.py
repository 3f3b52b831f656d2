"""Explainable, rule-based risk flags for a matter: what in its text and recorded facts needs attention.

A flag describes the situation of one matter (a threat in its text, an elderly party, a large sum), never a
person: there is no score, only kinds (``RiskKind``) and, for each kind, the exact words or facts that
raised it. Dispatchers see the evidence highlighted in the text; the flags raise the matter's priority.

Decisions, in the order ``detect`` applies them:

* **Normalising without moving offsets.** Matching runs on a copy of the text in which every character is
  replaced by at most one character: full-width and other width/compatibility forms by their NFKC form
  (``１２万`` → ``12万``, ``，`` → ``,``), traditional characters by simplified ones (OpenCC ``t2s`` per
  character: ``殺`` → ``杀``, ``萬`` → ``万``), and letters are lower-cased. Forms whose NFKC would change
  meaning or length (circled and superscript digits, fractions, squared units) are left alone. Spaces
  and zero-width characters between two CJK characters are skipped (``跳 楼`` still matches) through an
  offset table, so every ``Evidence`` points into the *original* text: ``text[e.start:e.end] == e.text``.
* **Bounded work.** Only the first ``MAX_CHARS`` characters are read; each kind keeps at most
  ``MAX_EVIDENCE`` pieces of evidence. ``detect`` never raises on any ``str``.
* **Threats, self-harm and extreme acts** come from a lexicon plus a few regular expressions per kind. A
  match is *negated* when a negator (不会, 不想, 没, 并未, 未曾, 从未, 绝不 …) stands before it in the same
  clause (at most ``NEGATION_WINDOW`` characters, cut at punctuation) — ``我没有想过自杀``, ``不会去堵路``,
  ``并未报复`` raise nothing — unless a consequence word follows the negator (``不给钱我就跳楼``: the
  negation belongs to the condition) or the negator is part of an affirmative phrase (不得不, 没办法,
  没人管 …). Phrases that contain their own negation (``不想活了``, ``活不下去``, ``不会放过他``) start
  with it, so the window before them never sees it: they raise.
* **Reports of violence suffered are not threats.** ``violence`` is about words threatening harm. A match
  preceded in its clause by a passive marker (被, 遭, 挨, 受到: ``被他捅了一刀``, ``担心遭到报复``), or
  whose object is the writer (``他捅了我``, ``他砍伤了我``) with no threat word before it (要, 会, 扬言,
  威胁, 说, 就 …), is taken as a report of past violence and does not raise. ``他扬言要弄死我`` — a threat
  made against the applicant — does raise, and so does ``被逼急了就杀了他`` (a consequence word after 被).
  Weapons (``拿着刀``) raise whoever holds them; a past attack on someone else (``他把邻居砍伤了``) raises.
* **Numbers** are read once per text (Arabic with ``,`` thousands and decimals, Chinese and capital
  numerals, mixed forms such as ``3.5万``, ``30多万``, ``1千万``, ``3万5``, ``30w``). Approximations take
  their lower bound: ``30多`` → 30, ``十余`` → 10, ``二十几`` → 20, ``七八万`` → 70,000, ``上百`` / ``近百`` /
  ``成百`` → 100, ``几十`` / ``数十`` / ``好几十`` → 20 (几 and 数 count as 2). Colloquial trailing digits
  are read as Chinese speakers do: ``一万二`` → 12,000, ``三千五`` → 3,500. Arabic runs of more than ten
  digits, or with a leading zero, are identifiers (phone, ID, account numbers) and never quantities.
* **Amounts** (``parse_amounts``) need a currency word (元, 块, 块钱, 圆, 人民币 before or after, ¥) or a
  unit of at least 万 (``3.5万``, ``两百万``, ``30w``); a bare ``万`` amount followed by a measure word
  (平方米, 亩, 人, 名, 户, 年 …) is not money. Dates, phone numbers, room numbers and areas therefore never
  count. ``元旦``/``元月`` and ``两块地`` are not money.
* **People** (``count_people``): a number followed by 名, 位, 户, 人, or 个/家 with a people or household
  noun (``30多名工人``, ``二十几户``, ``几十个人``, ``5家商户``). A whole group (``全体业主``, ``所有工人``,
  ``全村村民``) counts as ``WHOLE_GROUP``; its detail says "a whole group", not a number.
* **Vulnerable parties** come from facts (any party's age from its birth date: at least ``elderly_age``
  or under ``minor_age`` on ``today``) and from words (老人, 残疾, 孕妇, 低保 …, or an age in the text such
  as ``七十多岁``, ``8岁``, ``年过七旬``, ``未满18周岁``). Negation is not applied to these words:
  ``没有工作的残疾人`` must still raise, and a rare ``并未怀孕`` raising is the safer error.
* **Repeat visits** come from facts (earlier matters by the same applicant) or words: vague ones (多次反映,
  屡次, 跑了好几趟, 一直没人管, 推来推去 …) always raise; counted ones raise when the number of earlier
  visits reaches the threshold (``反映了两次`` → 2, ``第三次`` → 2 earlier).

Known limits (all rules are cheap on purpose, and every flag shows its evidence so a person judges it):

* Negation reaches back ``NEGATION_WINDOW`` characters only: ``我们不会因为这件事情就去堵路`` raises.
  Double negatives other than the listed ones, irony, quotations and questions are read literally.
* Counts cannot tell populations or the other side from claimants: ``村里有300多人``, ``全镇5万人`` and
  ``被申请人有5名股东`` count as people. Ages in the text are not tied to a party (``他10岁时``, a pet's
  age) and raise ``vulnerable``.
* A bare ``万`` amount before an unlisted measure word is read as money; ``一块去`` (together) is 1 yuan,
  harmless below any threshold. Ranges give both ends (``5万元至10万元``); ``5到10万`` gives 10万 only.
* Only Chinese words are in the lexicons; English or pinyin text raises nothing but amounts like ``30w``.

At most one ``Hit`` per kind, with its evidence merged (facts first, then text in reading order), in the
order of ``RiskKind``. ``detail`` is one sentence in the active language; amounts are written with
thousands separators, or in 万/亿 when the active language is Chinese (``35 万``), so the zh-Hans catalogue
can say "金额 35 万元，达到 10 万元的关注线" with the same placeholders as the English msgid.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import get_language, gettext, ngettext

from suyuan.triage.choices import RiskKind

__all__ = [
    "MAX_CHARS",
    "WHOLE_GROUP",
    "Evidence",
    "Facts",
    "Hit",
    "Thresholds",
    "age_on",
    "count_people",
    "detect",
    "parse_amounts",
]

MAX_CHARS = 20_000  # characters of a text that are read; the rest is ignored
MAX_EVIDENCE = 20  # pieces of evidence kept per kind (every one is highlighted)
MAX_WORDS_IN_DETAIL = 5  # distinct words quoted in a detail sentence
NEGATION_WINDOW = 8  # characters before a match searched for a negator
THREAT_WINDOW = 12  # characters before a match searched for a threat word (要, 扬言 …)
WHOLE_GROUP = 50  # the count given to 全体业主, 所有工人, 全村村民 …: a whole group, number unknown


# --------------------------------------------------------------------------------------------------------
# The interface


@dataclass(frozen=True)
class Evidence:
    """What raised a flag: words of the text (with offsets into the original text) or a fact (no offsets)."""

    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Hit:
    """One flag: its kind (a ``RiskKind`` value), the evidence and one translated sentence saying why."""

    kind: str
    evidence: tuple[Evidence, ...]
    detail: str


@dataclass(frozen=True)
class Facts:
    """What the caller knows about the matter besides its text."""

    birth_dates: tuple[datetime.date, ...] = ()  # of natural-person parties (from their ID numbers)
    applicant_birth_date: datetime.date | None = None
    claimants: int = 1  # applicants + third parties on the applicant's side, as recorded
    earlier_matters: int = 0  # by the same applicant (same verified phone/ID hash) in the last 365 days


@dataclass(frozen=True)
class Thresholds:
    """Where each counted kind starts; a deployment may set its own."""

    large_sum: Decimal = Decimal(100_000)
    many_claimants: int = 5
    repeat_visits: int = 2
    elderly_age: int = 70
    minor_age: int = 18


_NO_FACTS = Facts()
_THRESHOLDS = Thresholds()


def age_on(birth: datetime.date, today: datetime.date) -> int:
    """Age in whole years on ``today``: a birthday counts from its day (29 February: from 1 March)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def detect(
    text: str, facts: Facts = _NO_FACTS, *, today: datetime.date, thresholds: Thresholds = _THRESHOLDS
) -> list[Hit]:
    """The flags of a matter: at most one ``Hit`` per kind, in ``RiskKind`` order."""
    prepared = _Prepared.of(text)
    numerals = _scan_numerals(prepared.norm)
    hits = [
        _threat_hit(prepared, RiskKind.VIOLENCE, _VIOLENCE_RE, reported=True),
        _threat_hit(prepared, RiskKind.SELF_HARM, _SELF_HARM_RE),
        _threat_hit(prepared, RiskKind.EXTREME_ACT, _EXTREME_ACT_RE),
        _vulnerable_hit(prepared, numerals, facts, today, thresholds),
        _many_claimants_hit(prepared, numerals, facts, thresholds),
        _large_sum_hit(prepared, numerals, thresholds),
        _repeat_visits_hit(prepared, numerals, facts, thresholds),
    ]
    by_kind = {hit.kind: hit for hit in hits if hit is not None}
    return [by_kind[kind] for kind in RiskKind.values if kind in by_kind]


def parse_amounts(text: str) -> list[tuple[Decimal, int, int]]:
    """Sums of money in ``text``: (yuan, start, end) in reading order, offsets into the original text."""
    prepared = _Prepared.of(text)
    return [
        (value, *prepared.span(s, e))
        for value, s, e in _amounts(prepared.norm, _scan_numerals(prepared.norm))
    ]


def count_people(text: str) -> list[tuple[int, int, int]]:
    """Counts of people or households in ``text``: (count, start, end), offsets into the original text.

    Approximate counts give their lower bound (``30多名`` → 30, ``几十个人`` → 20); a whole group
    (``全体业主``) counts as ``WHOLE_GROUP``.
    """
    prepared = _Prepared.of(text)
    found = _people(prepared.norm, _scan_numerals(prepared.norm))
    return [(count, *prepared.span(s, e)) for count, s, e, _whole in found]


# --------------------------------------------------------------------------------------------------------
# Normalising: one character for one character, offsets kept

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KEEP_TAGS = ("<circle>", "<super>", "<sub>", "<fraction>", "<square>")  # NFKC would change the meaning
_CJK_CLASS = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_GAP = re.compile(rf"(?<=[{_CJK_CLASS}])[\s\u200b-\u200f\u2060\ufeff]+(?=[{_CJK_CLASS}])")


@functools.cache
def _opencc() -> Callable[[str], str] | None:
    try:
        import opencc
    except ImportError:  # pragma: no cover - pinned in the lock files; without it traditional text is missed
        return None
    return opencc.OpenCC("t2s").convert


def _simplified(char: str) -> str:
    convert = _opencc()
    if convert is None:  # pragma: no cover
        return char
    try:
        converted = convert(char)
    except Exception:  # pragma: no cover - a converter error must never stop detection
        return char
    return converted if len(converted) == 1 else char


_CHAR_CACHE_SIZE = 50_000  # characters remembered (CJK text uses a few thousand); the rest are recomputed


class _CharMap(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        out = char
        if code >= 0x80:
            compat = unicodedata.normalize("NFKC", char)
            if len(compat) == 1 and not unicodedata.decomposition(char).startswith(_KEEP_TAGS):
                out = compat
            if _CJK.match(out):
                out = _simplified(out)
        lower = out.lower()
        if len(lower) == 1:
            out = lower
        if len(self) < _CHAR_CACHE_SIZE:
            self[code] = out
        return out


_CHARS = _CharMap()


@dataclass(frozen=True)
class _Prepared:
    """The text as read (capped), its normalised form for matching, and how to map offsets back."""

    original: str
    norm: str
    offsets: tuple[int, ...] | None  # index in ``norm`` -> index in ``original``; None when the same

    @classmethod
    def of(cls, text: str) -> _Prepared:
        original = (text or "")[:MAX_CHARS]
        norm = original.translate(_CHARS)
        if len(norm) != len(original):  # pragma: no cover - the table maps one character to one
            norm = original
        gaps = list(_GAP.finditer(norm))
        if not gaps:
            return cls(original, norm, None)
        pieces: list[str] = []
        offsets: list[int] = []
        position = 0
        for gap in gaps:
            pieces.append(norm[position : gap.start()])
            offsets.extend(range(position, gap.start()))
            position = gap.end()
        pieces.append(norm[position:])
        offsets.extend(range(position, len(norm)))
        return cls(original, "".join(pieces), tuple(offsets))

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.offsets is None or end <= start:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1

    def evidence(self, start: int, end: int) -> Evidence:
        first, last = self.span(start, end)
        return Evidence(self.original[first:last], first, last)


def _each(heads: str, tail: str) -> list[str]:
    """``(?:a|b)tail`` written as ``atail|btail``: alternatives that start with a literal character."""
    return [f"{head}{tail}" for head in heads.split("|")]


# --------------------------------------------------------------------------------------------------------
# Numbers


_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
_BIG_UNITS = {"万": 10**4, "w": 10**4, "亿": 10**8}
_UNIT_CHARS = "十拾百佰千仟万亿"
_DIGIT_CHARS = "".join(_DIGITS)
_NUMERAL = (
    rf"(?<![\d.])(?>(?:{_ARABIC}|[{_DIGIT_CHARS}十拾]|(?:好几|上|近|成|数|几)(?=[{_UNIT_CHARS}]))"
    rf"(?:{_ARABIC}|[{_DIGIT_CHARS}{_UNIT_CHARS}多余来几]|(?<=\d)[wk](?![a-z]))*)"
)
_NUMERAL_RE = re.compile(_NUMERAL)
# A cheap first pass: runs of characters that may belong to a numeral (the precise pattern runs on these).
_NUMERAL_RUN = re.compile(
    rf"[\d{_DIGIT_CHARS}十拾好上近成数几][\d,.{_DIGIT_CHARS}{_UNIT_CHARS}多余来几好wk]*"
)
_TOKEN_RE = re.compile(rf"{_ARABIC}|好几|.", re.S)
_ONE_WORDS = frozenset("直起定下样般切旦些点共再边向致同辈道律概")  # 一直, 一起 …: 三万一直 is 三万
_MAX_ARABIC_DIGITS = 10  # longer runs of digits are phone, ID or account numbers
_MAX_VALUE = Decimal(10**15)  # larger values are not quantities anyone means


class _Numeral(NamedTuple):
    value: Decimal
    start: int
    end: int
    big: bool  # written with 万, 亿 or w: enough to be money without a currency word


def _numeral_value(raw: str) -> tuple[Decimal, bool] | None:
    """The value of a numeral (lower bound when approximate) and whether it has a unit of 万 or more."""
    total = Decimal(0)
    section = Decimal(0)
    number: Decimal | None = None
    last_unit = 0  # the unit just before the pending number: 一万二 reads 2 as 2,000
    single = False  # the pending number is one digit (only then is it read colloquially)
    after_zero = False  # 一百零五: a digit after 零 is read as itself
    after_digit = False  # 七八万: the second digit of a range is skipped (lower bound)
    big = False
    for index, token in enumerate(_TOKEN_RE.findall(raw)):
        if token[0].isdigit():
            digits = token.replace(",", "")
            whole = digits.split(".")[0]
            if "," not in token and (len(whole) > _MAX_ARABIC_DIGITS or (len(whole) > 1 and whole[0] == "0")):
                return None
            number, single, after_digit = Decimal(digits), len(digits) == 1, True
        elif token in _DIGITS:
            if _DIGITS[token] == 0:
                after_zero, after_digit = True, False
            elif not (after_digit and number is not None):
                number, single, after_digit = Decimal(_DIGITS[token]), True, True
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            section += (number if number is not None else 1) * unit
            number, last_unit, after_zero, after_digit = None, unit, False, False
        elif token in _BIG_UNITS:
            unit = _BIG_UNITS[token]
            value = section + (number or 0) or Decimal(1)
            total = (total + value) * unit if unit == 10**8 else total + value * unit
            if total > _MAX_VALUE:
                return None
            section, number, last_unit, big = Decimal(0), None, unit, True
            after_zero = after_digit = False
        elif token in ("上", "近", "成"):
            number, single, after_digit = Decimal(1), False, False
        elif token in ("数", "几", "好几") and index == 0:
            number, single, after_digit = Decimal(2), False, False
        else:  # 多, 余, 来, or 几 after a number: approximate, the lower bound stays
            after_digit = False
    if number is not None:
        if last_unit and single and not after_zero:
            number *= last_unit // 10
        section += number
    value = total + section
    if value > _MAX_VALUE:
        return None
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return value, big


def _scan_numerals(norm: str) -> list[_Numeral]:
    """Every numeral of the normalised text, in reading order, with its value."""
    found = []
    for run in _NUMERAL_RUN.finditer(norm):
        start, stop = run.span()
        if stop - start == 1:  # most runs are one character (一起, 上访, 5月): no need for the full pattern
            char = run.group()
            if char in _DIGITS or char in "十拾":
                value = _DIGITS.get(char, 10)
                if value:
                    found.append(_Numeral(Decimal(value), start, stop, False))
            elif char.isdigit() and not (start and norm[start - 1] == "."):
                found.append(_Numeral(Decimal(char), start, stop, False))
            continue
        position = start
        while position < stop:
            match = _NUMERAL_RE.match(norm, position)
            if match is None:
                position += 1
                continue
            raw, end = match.group(), match.end()
            following = norm[end : end + 1]
            if len(raw) > 1 and raw[-1] == "一" and raw[-2] in _UNIT_CHARS and following in _ONE_WORDS:
                raw, end = raw[:-1], end - 1
            parsed = _numeral_value(raw)
            if parsed is not None:
                found.append(_Numeral(parsed[0], position, end, parsed[1]))
            position = match.end()
    return found


_CURRENCY_BEFORE = re.compile(r"(?:人民币|¥|rmb)\s?$")
_CURRENCY_AFTER = re.compile(
    r"\s?(?:块钱|元(?![旦月宵素件器首老帅气])|块(?![地田石砖板玻木牌表肉区布菜宅土墓钢铁瓦糖蛋儿])|圆|人民币|rmb|yuan)"
)
# After a bare 万 amount: a measure word or a unit means it counts something else (3万平方米, 5万人).
_NOT_MONEY_AFTER = re.compile(
    r"[平米亩人名户位个字斤吨件台辆次株棵头只张份条方间套步天年月日周公千里册本部家倍分克升度首篇场尺寸秒号层楼火票%a-z]"
)


def _amounts(norm: str, numerals: Iterable[_Numeral]) -> list[tuple[Decimal, int, int]]:
    found = []
    for numeral in numerals:
        start, end = numeral.start, numeral.end
        after = _CURRENCY_AFTER.match(norm, end)
        before = _CURRENCY_BEFORE.search(norm, max(0, start - 5), start)
        if not (after or before) and (not numeral.big or _NOT_MONEY_AFTER.match(norm, end)):
            continue
        if numeral.value <= 0:
            continue
        found.append((numeral.value, before.start() if before else start, after.end() if after else end))
    return found


_PEOPLE_NOUNS = (
    "农民工|民工|工人|村民|业主|住户|居民|员工|职工|商户|家长|学生|老人|群众|租户|股东|投资人|投资者|受害人|"
    "受害者|债权人|当事人|人员|家庭|农户|养殖户|渔民|摊主|学员|社员|会员|客户|消费者|购房者|孩子|人"
)
_HOUSEHOLDS = "商户|住户|农户|人家|企业|公司|店铺|养殖户|家庭|单位|工厂|厂家|供应商"
_PEOPLE_AFTER = re.compile(
    rf"(?:[名位户](?![口籍主型数下义字单额称次置于子])|个(?=(?:{_PEOPLE_NOUNS}))|家(?=(?:{_HOUSEHOLDS}))|人(?![民次]))"
    rf"(?:{_PEOPLE_NOUNS})?"
)
_GROUP_NOUNS = (
    "农民工|民工|工人|村民|业主|住户|居民|员工|职工|商户|家长|群众|租户|股东|投资人|投资者|学员|社员|农户|"
    "养殖户|渔民|摊主|债权人|购房者|受害人|受害者"
)
_WHOLE_GROUP_RE = re.compile(
    "|".join(
        [
            *_each(
                "全体|所有|全部|全村|全组|全小区|整个小区|整栋楼|整个村|众多|一大批|大批|大量|一群|成群",
                f"的?(?:{_GROUP_NOUNS})",
            ),
            "全村(?:的人|人|老少)",
        ]
    )
)


def _people(norm: str, numerals: Iterable[_Numeral]) -> list[tuple[int, int, int, bool]]:
    """(count, start, end, whole group) in the normalised text, in reading order."""
    found = []
    for numeral in numerals:
        if numeral.start and norm[numeral.start - 1] == "第":
            continue
        after = _PEOPLE_AFTER.match(norm, numeral.end)
        if after and numeral.value >= 1:
            found.append((int(numeral.value), numeral.start, after.end(), False))
    found.extend((WHOLE_GROUP, m.start(), m.end(), True) for m in _WHOLE_GROUP_RE.finditer(norm))
    return sorted(found, key=lambda item: item[1])


_AGE_AFTER = re.compile(r"周?岁(?!月)|旬")
_AGE_DIFFERENCE = frozenset("大小差")  # 比我大3岁 is a difference, not an age
_UNDER = ("未满", "不满", "不到")


def _ages(norm: str, numerals: Iterable[_Numeral]) -> list[tuple[int, int, int]]:
    """Ages written in the text: (age, start, end) in the normalised text."""
    found = []
    for numeral in numerals:
        after = _AGE_AFTER.match(norm, numeral.end)
        if not after or (numeral.start and norm[numeral.start - 1] in _AGE_DIFFERENCE):
            continue
        age, start = int(numeral.value) * (10 if after.group() == "旬" else 1), numeral.start
        if norm[max(0, start - 2) : start] in _UNDER:  # 未满18周岁: under 18
            age, start = age - 1, start - 2
        if 0 <= age < 150:
            found.append((age, start, after.end()))
    return found


# --------------------------------------------------------------------------------------------------------
# Lexicons


def _union(patterns: Iterable[str], literals: Iterable[str]) -> re.Pattern[str]:
    """One regular expression for a kind: its patterns first, then its words, longest first.

    Every alternative starts with a literal character (no leading group or lookbehind), so the regex engine
    gathers the possible first characters and skips the rest of the text quickly.
    """
    words = sorted(set(literals), key=lambda word: (-len(word), word))
    return re.compile("|".join([*patterns, *(re.escape(word) for word in words)]))


_THEM = "他们|她们|你们|他家|你家|他|她|你|对方"
_VIOLENCE_RE = _union(
    [
        rf"杀(?<![自抹厮扼封秒]杀)(?:了|死|掉)?(?:{_THEM}|我们|我|全家|一家|这个人|那个人|人)",
        r"杀[^,.!?;:。]{0,5}?全家",
        rf"砍(?:死|伤|残)|砍了?(?:{_THEM}|我们|我|人)",
        *_each("弄|整|搞|打|掐|毒|勒|砸|撞|烧|揍", "死(?!也|都|不|自己|我自己|在)"),
        rf"捅(?:死|伤|一刀|几刀|刀子|{_THEM}|人)|捅了(?:{_THEM}|我|一刀|几刀)",
        *_each(
            "拿|带|提|举|操|抄|揣|掏出?",
            "(?:着|了|起)?(?:菜刀|刀子|砍刀|尖刀|斧头|斧子|锄头|铁锹|铁棍|棍子|棒子|刀|汽油|炸药|硫酸)",
        ),
        r"动了?刀子?",
        r"泼(?:汽油|硫酸)|浇汽油",
        rf"让(?:{_THEM}|我)(?:好看|付出代价|吃不了兜着走|不得好死|不得安宁|见血|死(?!心))",
        *_each("绝不会?|决不会?|不会|不能|不", rf"(?:轻易)?放过(?:{_THEM})"),
        rf"要了?(?:{_THEM})的?(?:狗命|命)",
        rf"炸(?<!油炸)(?:了|掉|毁|平)?(?:{_THEM})?的?(?:家|房子|楼|厂|公司|店|车|政府|大楼|办公室)",
        rf"炸(?:了|死)(?:{_THEM})",
        rf"烧(?:了|掉|毁)(?:{_THEM})?的?(?:家|房子|楼|厂|公司|店|车|山)|烧(?:{_THEM})的?(?:家|房子|厂|店|车)",
        rf"砸(?:了|烂|掉|毁)(?:{_THEM})?的?(?:店|车|门|家|房子|办公室|玻璃|东西)",
        rf"收拾(?:{_THEM})(?!的)",
        rf"揍(?:{_THEM})|打断(?:{_THEM})的?腿|打(?:{_THEM})一顿|废了(?:{_THEM})",
        *_each("跟|和|与", rf"(?:{_THEM})(?:拼命|拼了)"),
        r"找人(?:打|砍|收拾|弄)",
        r"见(?<!针见)血",
        r"一把火烧",
    ],
    [
        "同归于尽",
        "血债血还",
        "以血还血",
        "鱼死网破",
        "你死我活",
        "报复",
        "放火",
        "纵火",
        "炸药",
        "汽油弹",
        "出人命",
    ],
)
_SELF_HARM_RE = _union(
    [
        r"死给(?:你们|他们|她们|你|他|她|大家)看",
        r"死在(?:你们|他们|政府|这里|门口|你家|他家|镇政府|村委会|法院|街道)",
        r"喝(?:农药|敌敌畏|百草枯|老鼠药|毒药)|吃老鼠药",
        r"吞安眠药|吃了?一?(?:瓶|把|整瓶)安眠药",
        r"结束(?:自己的)?(?:生命|性命)",
        # "从楼顶跳下去", "从桥上跳下去", "爬上塔吊往下跳": the place comes first, the jump after it
        r"从[^，。！？,.!?]{0,4}?(?:楼顶|楼上|顶楼|天台|桥上|塔吊|脚手架)上?(?:往下)?跳(?!下来|过来|起来)",
        *_each("爬|站", r"(?:上|到)[^，。！？,.!?]{0,3}?(?:楼顶|顶楼|天台|塔吊|桥上|脚手架)[^。！？.!?]{0,10}?跳"),
        *_each("怕|担心|会|别", "[他她我]?想不开"),  # 一时想不开 alone is a bad mood
    ],
    [
        "跳楼", "跳河", "跳江", "跳湖", "跳海", "跳桥", "跳井", "跳崖", "卧轨", "服毒", "自杀", "自尽", "自残",
        "自焚", "轻生", "寻死", "寻短见", "一死了之", "死了算了", "不想活了", "不活了", "活不下去",
        "没法活", "活着没意思", "活着没什么意思", "以死相逼", "以死明志", "以死抗争", "割腕", "上吊", "撞死在",
        "了结自己", "烧死自己",
    ],
)  # fmt: skip
_PETITION = "上访|告状|告|反映|信访|讨说法|讨个说法|找|闹"
_EXTREME_ACT_RE = _union(
    [
        *_each("去|到|上|进|跑|赴", f"北京(?:{_PETITION})"),
        *_each("要|就|会|准备|打算|只能|只好|直接|再|一起|集体", f"(?:去|到|上|跑)北京(?:{_PETITION})?"),
        r"省(?:里|城|政府)(?:上访|告状)|杭州(?:上访|告状)",
        r"堵(?:在)?(?:政府|大门|门口|公司|工地|厂门|小区门口|路口|高速|镇政府|村委会)",
        r"冲(?:击|进)(?:政府|机关|会场|派出所|大门|单位|办公室|镇政府|法院|工地|公司)",
        r"组织(?:村民|工人|业主|大家|群众|人)",
        r"集体(?:去|到)(?:北京|省里|市里|政府|镇政府|县政府|区政府|信访局)",
        *_each("向|联系", "(?:媒体|记者)"),
        r"闹(?:到|去)(?:北京|省里|市里|政府|法院|电视台)",
        *_each("拉|打|挂|举", "横幅"),
    ],
    [
        "堵路", "堵门", "拦路", "拦车", "封路", "围堵", "围攻", "举牌", "集体上访", "越级上访", "进京",
        "赴京", "聚集", "群体性", "媒体曝光", "找媒体", "找记者", "曝光", "发到网上", "发网上", "上网发帖", "发抖音",
        "发微博", "上电视", "找电视台", "静坐", "绝食", "闹事", "闹大", "大闹", "游行", "示威", "罢工",
    ],
)  # fmt: skip
_VULNERABLE_RE = _union(
    [r"老(?<!养老)人", r"卧床(?:不起)?", r"幼儿(?!园)", r"儿童(?!节|乐园|游乐)"],
    [
        "老年人", "高龄", "孤寡", "独居老人", "空巢", "五保户", "残疾", "残疾证", "残疾人", "残障", "瘫痪", "偏瘫", "智力障碍", "智障",
        "精神病", "精神疾病", "精神残疾", "盲人", "失明", "聋哑", "未成年", "小孩", "婴儿", "孕妇",
        "怀孕", "身怀六甲", "哺乳期", "重病", "重症", "大病", "癌症", "肿瘤", "白血病", "尿毒症", "透析", "化疗",
        "绝症", "病危", "低保", "特困", "失独", "留守儿童", "留守老人",
    ],
)  # fmt: skip
_VISIT_VERBS = "反映|投诉|上访|信访|来访|举报|求助|申请|反馈|打电话|打热线|找|跑|来|去|到|向|要求|催"
_VAGUE_MANY = "好几|多|几|数|无数|屡"
_REPEAT_VAGUE_RE = _union(
    [
        *_each(_VAGUE_MANY, rf"次地?(?:{_VISIT_VERBS})"),
        *_each(_VISIT_VERBS, rf"(?:了|过)+(?:{_VAGUE_MANY})(?:次|趟|回)"),
        *_each("反复|一再|再次|又一次|再一次", "(?:反映|投诉|上访|信访|来访|举报|要求|找|来)"),
    ],
    [
        "屡次", "屡屡", "一直没人管", "一直没有人管", "一直没人理", "一直没有人理", "一直没有解决", "一直没解决",
        "一直未解决", "至今没有解决", "至今没解决", "至今未解决", "至今未处理", "迟迟没有解决", "迟迟未解决",
        "迟迟不解决", "久拖未决", "石沉大海", "推来推去", "踢皮球", "来回跑",
    ],
)  # fmt: skip
# Counted visits around a numeral: 第三次, 三次反映, 反映了三次 (the numeral scan finds the number).
_TIMES_THEN_VERB = re.compile(rf"次地?(?:{_VISIT_VERBS})")
_TIMES = re.compile(r"次|趟|回")
_TIMES_CHARS = frozenset("次趟回")
_VERB_BEFORE = re.compile(rf"(?:{_VISIT_VERBS})(?:了|过)+$")

# Negation and reported violence
_BOUNDARIES = frozenset(",.!?;:。\n\r…")
_NEGATOR = re.compile(
    r"不会|不想|不打算|不准备|不去|不再|不可能|绝对不|绝不|决不|没|并未|未曾|不曾|从未|尚未"
)
_NOT_NEGATION = re.compile(
    r"不得不|不能不|不会不|没有不|不得已|没收|[淹埋出沉]没|没有?(?:办法|人管|人理|人问|钱|用|希望|活路|想到|完)"
)
_CONSEQUENCE = re.compile(r"就|便|才|只能|只好|只有|否则|不然|干脆|索性|宁可|宁愿|大不了|那我|那就")
_PASSIVE = re.compile(r"被|遭|挨|受到")
_THREAT = re.compile(r"要|会|想|扬言|威胁|说|准备|打算|敢|就|迟早|早晚|非得|一定|声称|放话")
_OBJECT_ME = re.compile(r"了?我")


def _clause_before(norm: str, start: int, width: int) -> str:
    """Up to ``width`` characters before ``start``, cut at the last punctuation that ends a clause."""
    window = norm[max(0, start - width) : start]
    for index in range(len(window) - 1, -1, -1):
        if window[index] in _BOUNDARIES:
            return window[index + 1 :]
    return window


def _negated(norm: str, start: int) -> bool:
    window = _NOT_NEGATION.sub(lambda m: "_" * len(m.group()), _clause_before(norm, start, NEGATION_WINDOW))
    negators = list(_NEGATOR.finditer(window))
    return bool(negators) and not _CONSEQUENCE.search(window, negators[-1].end())


def _reported_harm(norm: str, match: re.Match[str]) -> bool:
    """A report of violence suffered (``被他捅了一刀``, ``他砍伤了我``), not a threat (see the module notes)."""
    before = _clause_before(norm, match.start(), 6)
    passives = list(_PASSIVE.finditer(before))
    if passives:  # 被他捅了 is suffered; 被逼急了就杀了他 is a threat (a consequence word follows 被)
        after_passive = before[passives[-1].end() :]
        if not (_CONSEQUENCE.search(after_passive) or _THREAT.search(after_passive)):
            return True
    at_me = match.group().endswith("我") or _OBJECT_ME.match(norm, match.end()) is not None
    return at_me and not _THREAT.search(_clause_before(norm, match.start(), THREAT_WINDOW))


# --------------------------------------------------------------------------------------------------------
# Hits


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _quoted(words: Iterable[str]) -> str:
    distinct = list(dict.fromkeys(words))
    shown = [f"“{word}”" for word in distinct[:MAX_WORDS_IN_DETAIL]]
    if len(distinct) > MAX_WORDS_IN_DETAIL:
        shown.append("…")
    return ("、" if _chinese() else ", ").join(shown)


def _plain(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0001")).normalize(), "f")


def _yuan(value: Decimal) -> str:
    """An amount for a sentence: 350,000 (350,000.50); in Chinese 35 万 / 1.2 亿 from 10,000 up."""
    if _chinese():
        if value >= 10**8:
            return f"{_plain(value / 10**8)} 亿"
        if value >= 10**4:
            return f"{_plain(value / 10**4)} 万"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01')):,f}"


def _merged(facts: Iterable[Evidence], spans: Iterable[Evidence]) -> tuple[Evidence, ...]:
    ordered = sorted(set(spans), key=lambda e: (e.start or 0, e.end or 0))
    return (*facts, *ordered)[:MAX_EVIDENCE]


_THREAT_DETAILS: dict[str, Callable[[], str]] = {
    RiskKind.VIOLENCE: lambda: gettext("Words threatening violence: %(words)s"),
    RiskKind.SELF_HARM: lambda: gettext("Words about harming oneself: %(words)s"),
    RiskKind.EXTREME_ACT: lambda: gettext("An extreme act is announced: %(words)s"),
}


def _threat_hit(
    prepared: _Prepared, kind: RiskKind, regex: re.Pattern[str], *, reported: bool = False
) -> Hit | None:
    norm = prepared.norm
    evidence = []
    for match in regex.finditer(norm):
        if _negated(norm, match.start()) or (reported and _reported_harm(norm, match)):
            continue
        evidence.append(prepared.evidence(match.start(), match.end()))
        if len(evidence) == MAX_EVIDENCE:
            break
    if not evidence:
        return None
    detail = _THREAT_DETAILS[kind]() % {"words": _quoted(e.text for e in evidence)}
    return Hit(kind.value, tuple(evidence), detail)


def _vulnerable_hit(
    prepared: _Prepared, numerals: list[_Numeral], facts: Facts, today: datetime.date, thresholds: Thresholds
) -> Hit | None:
    def vulnerable(age: int) -> bool:
        return age >= thresholds.elderly_age or 0 <= age < thresholds.minor_age

    fact_evidence = []
    others = list(facts.birth_dates)
    if facts.applicant_birth_date is not None:
        if facts.applicant_birth_date in others:  # the applicant may be among the parties: once is enough
            others.remove(facts.applicant_birth_date)
        if facts.applicant_birth_date <= today and vulnerable(
            age := age_on(facts.applicant_birth_date, today)
        ):
            fact_evidence.append(Evidence(gettext("applicant aged %(age)d") % {"age": age}))
    for birth in sorted(others):
        if birth <= today and vulnerable(age := age_on(birth, today)):
            fact_evidence.append(Evidence(gettext("party aged %(age)d") % {"age": age}))
    norm = prepared.norm
    spans = [prepared.evidence(m.start(), m.end()) for m in _VULNERABLE_RE.finditer(norm)]
    spans += [prepared.evidence(s, e) for age, s, e in _ages(norm, numerals) if vulnerable(age)]
    if not fact_evidence and not spans:
        return None
    evidence = _merged(fact_evidence, spans)
    reasons = [e.text for e in evidence if e.start is None]
    words = _quoted(e.text for e in evidence if e.start is not None)
    separator = "、" if _chinese() else ", "
    detail = gettext("A vulnerable party: %(reasons)s") % {
        "reasons": separator.join([*reasons, words] if words else reasons)
    }
    return Hit(RiskKind.VULNERABLE.value, evidence, detail)


def _many_claimants_hit(
    prepared: _Prepared, numerals: list[_Numeral], facts: Facts, thresholds: Thresholds
) -> Hit | None:
    threshold = thresholds.many_claimants
    found = [item for item in _people(prepared.norm, numerals) if item[0] >= threshold]
    spans = _merged((), (prepared.evidence(s, e) for _count, s, e, _whole in found))
    fact_evidence = []
    if facts.claimants >= threshold:
        count = facts.claimants
        fact_evidence.append(
            Evidence(
                ngettext("%(count)d claimant recorded", "%(count)d claimants recorded", count)
                % {"count": count}
            )
        )
        detail = ngettext(
            "%(count)d claimant recorded, at or above the threshold of %(threshold)d",
            "%(count)d claimants recorded, at or above the threshold of %(threshold)d",
            count,
        ) % {"count": count, "threshold": threshold}
    elif not found:
        return None
    else:
        words = _quoted(e.text for e in spans)
        counted = [count for count, _s, _e, whole in found if not whole]
        if counted:
            detail = gettext(
                "The text mentions at least %(count)d people (%(words)s), at or above the threshold of %(threshold)d"
            ) % {
                "count": max(counted),
                "words": words,
                "threshold": threshold,
            }
        else:
            detail = gettext("The text names a whole group of people: %(words)s") % {"words": words}
    return Hit(RiskKind.MANY_CLAIMANTS.value, _merged(fact_evidence, spans), detail)


def _large_sum_hit(prepared: _Prepared, numerals: list[_Numeral], thresholds: Thresholds) -> Hit | None:
    found = [item for item in _amounts(prepared.norm, numerals) if item[0] >= thresholds.large_sum]
    if not found:
        return None
    largest = max(value for value, _s, _e in found)
    detail = gettext("Amount %(amount)s yuan, at or above the %(threshold)s yuan threshold") % {
        "amount": _yuan(largest),
        "threshold": _yuan(Decimal(thresholds.large_sum)),
    }
    return Hit(RiskKind.LARGE_SUM.value, _merged((), (prepared.evidence(s, e) for _v, s, e in found)), detail)


def _repeat_visits_hit(
    prepared: _Prepared, numerals: list[_Numeral], facts: Facts, thresholds: Thresholds
) -> Hit | None:
    norm = prepared.norm
    threshold = thresholds.repeat_visits
    spans = [prepared.evidence(m.start(), m.end()) for m in _REPEAT_VAGUE_RE.finditer(norm)]
    for numeral in numerals:
        start, end, earlier = numeral.start, numeral.end, numeral.value
        if norm[end : end + 1] not in _TIMES_CHARS:
            continue
        if start and norm[start - 1] == "第" and norm.startswith("次", end):  # 第三次: two visits before
            start, end, earlier = start - 1, end + 1, earlier - 1
        elif verb_after := _TIMES_THEN_VERB.match(norm, end):  # 三次反映
            end = verb_after.end()
        elif (times := _TIMES.match(norm, end)) and (
            verb := _VERB_BEFORE.search(norm, max(0, start - 6), start)
        ):
            start, end = verb.start(), times.end()  # 反映了三次, 跑了三趟
        else:
            continue
        if earlier >= threshold:
            spans.append(prepared.evidence(start, end))
    spans = list(_merged((), spans))
    fact_evidence = []
    if facts.earlier_matters >= threshold:
        count = facts.earlier_matters
        fact_evidence.append(
            Evidence(
                ngettext(
                    "%(count)d earlier matter in the last 365 days",
                    "%(count)d earlier matters in the last 365 days",
                    count,
                )
                % {"count": count}
            )
        )
        detail = ngettext(
            "%(count)d earlier matter by the same applicant in the last 365 days, at or above the threshold of %(threshold)d",
            "%(count)d earlier matters by the same applicant in the last 365 days, at or above the threshold of %(threshold)d",
            count,
        ) % {"count": count, "threshold": threshold}
    elif not spans:
        return None
    else:
        detail = gettext("The text says the matter was raised before: %(words)s") % {
            "words": _quoted(e.text for e in spans)
        }
    return Hit(RiskKind.REPEAT_VISITS.value, _merged(fact_evidence, spans), detail)
