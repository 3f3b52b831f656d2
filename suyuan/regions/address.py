"""Find the region a free-text Chinese address names, without guessing.

An address is read as a *chain*: names of regions that follow one another in the text, each one lying
below the one before (levels may be skipped: 江山双塔 goes from a county straight to a township). Every
region is known by its official name and by the forms people write: 浙江 for 浙江省, 双塔 for 双塔街道,
新塘坞村 and 新塘坞 for 新塘坞村委会. Official and full forms are *strong*; a form with its suffix
dropped is *weak* and counts only where the name visibly ends (end of text, punctuation, a house number,
or the next region of the chain), so that 城北 in 城北路 is not taken for 城北社区.

The best reading names the most regions, then covers the most characters, then uses the most strong
forms. When readings tie and end in different regions the answer is ``ambiguous``, with those regions
as candidates; nothing is picked for the caller.

The index behind this is built once per process from the database and rebuilt when the regions change:
at once in the process that changed them, and within ``CHECK_SECONDS`` in every other process (the
loader leaves a new generation token in the shared cache).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from suyuan.regions.choices import LEVEL_BY_CODE_LENGTH, PLACEHOLDER_NAMES, ResolutionStatus
from suyuan.regions.models import Region

logger = logging.getLogger(__name__)

CACHE_KEY = "regions:address-index:generation"
CHECK_SECONDS = 5.0
MAX_CANDIDATES = 20

# Committee suffixes of village-level names: (suffix, what people write instead).
_COMMITTEE_SUFFIXES = (
    ("村民委员会", "村"),
    ("村村委员会", "村"),
    ("村委员会", "村"),
    ("村委会", "村"),
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
)
# Suffixes that may be left out; the longest that fits is dropped (自治县, not 县).
_DROPPABLE_SUFFIXES = frozenset(
    {
        "特别行政区",
        "街道办事处",
        "自治区",
        "自治州",
        "自治县",
        "自治旗",
        "地区",
        "新区",
        "林区",
        "街道",
        "社区",
        "省",
        "市",
        "区",
        "县",
        "旗",
        "盟",
        "镇",
        "乡",
        "村",
    }
)
_DROPPABLE_LENGTHS = sorted({len(suffix) for suffix in _DROPPABLE_SUFFIXES}, reverse=True)
# Peoples named in autonomous regions' names (延边朝鲜族自治州 is written 延边), without the 族.
_PEOPLES = (  # noqa: SIM905 (one name per line would take 56 lines)
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_PEOPLE_SUFFIXES = tuple(sorted([*(p + "族" for p in _PEOPLES), "民族", "维吾尔"], key=len, reverse=True))
_PEOPLE_ENDINGS = ("族", "维吾尔")
_PARENTHESIS = re.compile(r"\([^()]*\)")
# What may follow a weak name: a house number, a group, a building (城北15号, 城北三组).
_TAIL = re.compile(r"[0-9A-Za-z]|[一二三四五六七八九十百零〇两]+[组号队社幢栋楼室]|[号组幢栋室]")


def normalise(text: str) -> tuple[str, list[int], list[int]]:
    """Return ``text`` in NFKC (full-width forms folded) with the original span of every character.

    Runs of whitespace and punctuation become one space, which separates names without hiding them.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, original in enumerate(text):
        for char in unicodedata.normalize("NFKC", original):
            if _is_separator(char):
                if chars and chars[-1] == " ":
                    ends[-1] = index + 1
                    continue
                char = " "
            chars.append(char)
            starts.append(index)
            ends.append(index + 1)
    return "".join(chars), starts, ends


def _is_separator(char: str) -> bool:
    # Parentheses belong to some official names (艾溪(西湖)社区), so they are kept.
    return char not in "()" and (char.isspace() or unicodedata.category(char)[0] in "PZS")


def _strip_peoples(name: str) -> str:
    if not name.endswith(_PEOPLE_ENDINGS):
        return name
    stripped = True
    while stripped:
        stripped = False
        for suffix in _PEOPLE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                name = name[: -len(suffix)]
                stripped = True
                break
    return name


def _drop_suffix(name: str) -> str:
    for length in _DROPPABLE_LENGTHS:
        if name[-length:] in _DROPPABLE_SUFFIXES:
            return _strip_peoples(name[:-length])
    return name


def region_aliases(name: str) -> tuple[set[str], set[str]]:
    """Return the strong and the weak forms under which a region called ``name`` is written.

    Forms are normalised like the text they are looked for in; weak forms have at least two characters.
    """
    if name in PLACEHOLDER_NAMES:
        return set(), set()
    # Official names are nearly all plain Chinese characters: normalising those would change nothing.
    if not (name.isalpha() and unicodedata.is_normalized("NFKC", name)):
        name = normalise(name)[0].replace(" ", "")
    strong = {name}
    # 科技城(东渚街道) is also written 科技城
    bare = _PARENTHESIS.sub("", name)
    if len(bare) >= 2:
        strong.add(bare)
    for suffix, written in _COMMITTEE_SUFFIXES:
        if bare.endswith(suffix) and len(bare) > len(suffix):
            base = bare[: -len(suffix)]
            strong.add(base + written)
            # 郑村村委会 is the committee of 郑村: the base is itself a full name
            if base.endswith(written):
                strong.add(base)
            break
    weak = {short for form in strong if len(short := _drop_suffix(form)) >= 2} - strong
    return strong, weak


@dataclass(frozen=True, slots=True)
class RegionRef:
    """A region as the index knows it; enough to show it without a query."""

    code: str
    name: str
    level: int
    full_name: str
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class AddressResolution:
    """What an address names: ``region`` is the deepest region the address certainly lies in.

    ``resolved``: ``region`` is the last link of ``chain``, the regions named in the text, and ``span``
    (start, end) is where they are in the original text. ``ambiguous``: ``candidates`` are the regions
    that equally good readings end in (at most ``MAX_CANDIDATES`` of ``candidate_count``); ``region`` is
    the deepest region holding all of them, if any. ``unknown``: nothing was found.
    """

    text: str
    status: ResolutionStatus
    region: RegionRef | None = None
    span: tuple[int, int] | None = None
    chain: tuple[RegionRef, ...] = ()
    candidates: tuple[RegionRef, ...] = ()
    candidate_count: int = 0

    @property
    def matched_text(self) -> str:
        return self.text[self.span[0] : self.span[1]] if self.span else ""


# For a code's length, the lengths of its ancestors' codes.
_ANCESTOR_LENGTHS = {
    length: [n for n in LEVEL_BY_CODE_LENGTH if n < length] for length in LEVEL_BY_CODE_LENGTH
}
# A name found in the text: (start, end) in the normalised text, the region's code, strong or weak.
_Match = tuple[int, int, str, bool]
# (regions named, characters covered, strong forms used)
_Score = tuple[int, int, int]


def _has_below(code: str, matches: list[_Match], position: int, sorted_codes: dict[int, list[str]]) -> bool:
    """Return whether a region below ``code`` is among ``matches``, found at ``position``."""
    codes = sorted_codes.get(position)
    if codes is None:
        codes = sorted_codes[position] = sorted({match[2] for match in matches})
    # Codes below ``code`` start with it, so they sort right after it.
    index = bisect.bisect_right(codes, code)
    return index < len(codes) and codes[index].startswith(code)


class AddressIndex:
    """Names and aliases of every region, to codes; built from rows of the ``Region`` table."""

    def __init__(
        self, rows: Iterable[tuple[str, str, int, str, str | None]], *, generation: str | None = None
    ):
        self.generation = generation
        self.regions: dict[str, RegionRef] = {}
        forms: dict[str, dict[str, bool]] = {}
        for code, name, level, full_name, parent_id in rows:
            self.regions[code] = RegionRef(code, name, level, full_name, parent_id)
            strong, weak = region_aliases(name)
            for form in strong:
                forms.setdefault(form, {})[code] = True
            for form in weak:
                forms.setdefault(form, {}).setdefault(code, False)
        self.forms: dict[str, tuple[tuple[str, bool], ...]] = {
            form: tuple(sorted(codes.items())) for form, codes in forms.items()
        }
        lengths: dict[str, set[int]] = {}
        for form in self.forms:
            lengths.setdefault(form[0], set()).add(len(form))
        # Only the lengths that some form starting with the character has are worth slicing the text for.
        self.lengths_by_first_char = {char: sorted(found) for char, found in lengths.items()}

    def _matches(self, text: str) -> list[list[_Match]]:
        size = len(text)
        matches: list[list[_Match]] = [[] for _ in text]
        for start, char in enumerate(text):
            for length in self.lengths_by_first_char.get(char, ()):
                end = start + length
                if end > size:
                    continue
                found = self.forms.get(text[start:end])
                if found:
                    matches[start].extend((start, end, code, strong) for code, strong in found)
        return matches

    def resolve(self, text: str) -> AddressResolution:
        """Return the region that ``text`` names (see the module's docstring)."""
        normal, starts, ends = normalise(text)
        size = len(normal)
        matches = self._matches(normal)
        # best[match]: the score of the best chains starting with ``match`` and what follows it in them
        # (None: the chain may end there). Filled from the end of the text, so that a match's successors
        # are known before it; matches that start no chain are left out.
        best: dict[_Match, tuple[_Score, list[_Match | None]]] = {}
        # below_at[position][code]: the matches in ``best`` at ``position`` of regions below ``code``
        below_at: list[dict[str, list[_Match]]] = [{} for _ in range(size + 1)]
        # Where a weak name may end: before a house number and the like (see _TAIL).
        tail_at = [_TAIL.match(normal, position) is not None for position in range(size)]
        sorted_codes: dict[int, list[str]] = {}
        for position in range(size - 1, -1, -1):
            for match in matches[position]:
                start, end, code, strong = match
                following = end + 1 if end < size and normal[end] == " " else end
                below = below_at[following].get(code, ())
                length, strength = end - start, int(strong)
                top: _Score | None = None
                nexts: list[_Match | None] = []
                if (
                    strong
                    or below
                    or following != end
                    or end == size
                    or tail_at[end]
                    # a region below it, even one whose own name runs on (双塔 in 双塔城北路)
                    or _has_below(code, matches[end], end, sorted_codes)
                ):
                    top, nexts = (1, length, strength), [None]
                for successor in below:
                    tail = best[successor][0]
                    score = (tail[0] + 1, tail[1] + length, tail[2] + strength)
                    if top is None or score > top:
                        top, nexts = score, [successor]
                    elif score == top:
                        nexts.append(successor)
                if top is not None:
                    best[match] = (top, nexts)
                    below_code = below_at[position]
                    for ancestor_length in _ANCESTOR_LENGTHS[len(code)]:
                        below_code.setdefault(code[:ancestor_length], []).append(match)

        winner: _Score | None = None
        firsts: list[_Match] = []
        for match, entry in best.items():
            if winner is None or entry[0] > winner:
                winner, firsts = entry[0], [match]
            elif entry[0] == winner:
                firsts.append(match)
        if not firsts:
            return AddressResolution(text=text, status=ResolutionStatus.UNKNOWN)

        def chains_from(match: _Match) -> Iterator[list[_Match]]:
            for successor in best[match][1]:
                if successor is None:
                    yield [match]
                else:
                    yield from ([match, *tail] for tail in chains_from(successor))

        readings = [chain for first in firsts for chain in chains_from(first)]

        # One reading per final region: the earliest in the text, then the one with the lowest codes.
        by_region: dict[str, list[_Match]] = {}
        for chain in sorted(readings, key=lambda chain: (chain[0][0], [m[2] for m in chain])):
            by_region.setdefault(chain[-1][2], chain)
        if len(by_region) == 1:
            (chain,) = by_region.values()
            return AddressResolution(
                text=text,
                status=ResolutionStatus.RESOLVED,
                region=self.regions[chain[-1][2]],
                span=(starts[chain[0][0]], ends[chain[-1][1] - 1]),
                chain=tuple(self.regions[m[2]] for m in chain),
            )
        codes = sorted(by_region)
        first = min(chain[0][0] for chain in by_region.values())
        last = max(chain[-1][1] for chain in by_region.values())
        return AddressResolution(
            text=text,
            status=ResolutionStatus.AMBIGUOUS,
            region=self._common_region(codes),
            span=(starts[first], ends[last - 1]),
            candidates=tuple(self.regions[code] for code in codes[:MAX_CANDIDATES]),
            candidate_count=len(codes),
        )

    def _common_region(self, codes: list[str]) -> RegionRef | None:
        """Return the deepest region holding every one of ``codes`` (a placeholder is no answer)."""
        prefix = codes[0]
        for code in codes[1:]:
            while not code.startswith(prefix):
                prefix = prefix[:-1]
        while prefix:
            region = self.regions.get(prefix)
            if region is not None and region.name not in PLACEHOLDER_NAMES:
                return region
            prefix = prefix[:-1]
        return None


_lock = threading.Lock()
_index: AddressIndex | None = None
_checked_at = 0.0
# How many times this process dropped its index: lets tests tell whether one of them changed regions.
invalidations = 0


def get_index() -> AddressIndex:
    """Return this process's index, building it when missing or when another process changed regions."""
    global _index, _checked_at
    index, now = _index, time.monotonic()
    if index is not None and now - _checked_at < CHECK_SECONDS:
        return index
    generation = _read_generation()
    # No token (the cache was emptied) is no evidence of a change.
    if index is not None and (generation is None or generation == index.generation):
        _checked_at = now
        return index
    with _lock:
        if _index is None or _index is index:
            rows = Region.objects.values_list("code", "name", "level", "full_name", "parent_id")
            _index = AddressIndex(rows.iterator(chunk_size=5000), generation=generation)
        _checked_at = now
        return _index


def _read_generation() -> str | None:
    try:
        return cache.get(CACHE_KEY)
    except Exception as exc:
        # A missing cache table must not stop addresses from resolving; this process still sees its own
        # changes.
        logger.warning("Cannot read the regions generation from the cache: %s", exc)
        return None


def _write_generation() -> None:
    try:
        cache.set(CACHE_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:
        # The regions are committed by now: failing here would only hide that they were.
        logger.warning("Cannot tell other processes that regions changed: %s", exc)


def invalidate_index() -> None:
    """Drop this process's index now, and every other process's once the change is committed."""
    global _index, invalidations
    _index = None
    invalidations += 1
    transaction.on_commit(_write_generation)


def resolve_address(text: str) -> AddressResolution:
    """Return the deepest region that the free-text address ``text`` names (see ``AddressResolution``)."""
    return get_index().resolve(text)
