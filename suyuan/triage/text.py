"""Chinese text normalisation for triage: one canonical form for what citizens type, before any learning.

The classifier (``classifier.py``) and anything else that compares texts work on :func:`normalize`'s output,
so the same complaint written on a phone with full-width digits, in traditional characters, or naming another
county reads the same. The steps, in order, and why:

1. Cut to :data:`MAX_CHARS` (a pasted novel is not a better complaint; every later step costs per character).
2. Control and format characters (NUL, zero-width spaces, BOM, lone surrogates) go: they carry no meaning
   and a lone surrogate cannot even be encoded for OpenCC.
3. Unicode NFKC: full-width letters, digits and punctuation become their ordinary forms (``１２３`` → ``123``,
   ``ＡＢＣ`` → ``ABC``, ideographic space → space).
4. Traditional → simplified with OpenCC ``t2s`` (one converter per process, created on first use).
5. Lower case.
6. Anonymised place codes (``A市``, ``A3区``, ``B2县``, ``C5镇``: one Latin letter, optional digits and an
   administrative suffix) become ``某`` + the suffix, so that ``K3县`` and ``M12县`` are the same word.
7. Real place names registered with :func:`register_place_names` (``江山市``, ``贺村镇``, ``清湖街道``) become
   ``某`` + their suffix too, so a model trained on one county does not learn "江山 means 城乡建设".
8. Numbers: an amount in Chinese numerals (``三万元``, ``十几万块``) becomes ``0`` and then every run of digits
   (with its decimal point or thousands separators) becomes a single ``0``: ``3万元``, ``三万元`` and ``30000元``
   all read ``0元``. Amounts, dates and phone numbers are not something a department is chosen by.
9. Whitespace runs collapse to one space; the ends are stripped.

:func:`normalize` never raises on a ``str``, whatever it holds (empty, emoji, control characters, any script).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

MAX_CHARS = 20000
"""Longer texts are cut to this many characters (before and after normalisation)."""

PLACEHOLDER = "某"
"""What a masked place name becomes, followed by its administrative suffix (``某市``, ``某街道``)."""

NUMBER = "0"
"""What every number becomes."""

PLACE_SUFFIXES: tuple[str, ...] = ("街道", "社区", "省", "市", "区", "县", "镇", "乡", "村")
"""Administrative suffixes recognised for place codes and registered names (two-character ones first)."""

# Step 2: C0/C1 controls become a space (a tab or a newline separated words); format characters (zero-width
# space/joiners, direction marks, BOM, soft hyphen) and lone surrogates disappear.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]")
# Step 6: one Latin letter and optional digits before a suffix's first character; the rest is checked by
# _mask_place_code (a lookbehind or a suffix alternation in the pattern makes it several times slower).
_PLACE_CODE = re.compile(r"[a-z][0-9]*(?=[街社省市区县镇乡村])")
# Step 8: Chinese numerals directly before 元/块 (optionally 多/余 and a magnitude in between), then digits.
_CN_AMOUNT = re.compile(r"[零〇一二两三四五六七八九十百千万亿几]+(?=[多余]?[十百千万亿]?[元块])")
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_COMMON_FULL_WIDTH = (*((chr(ord(c) + 0xFEE0), c) for c in ",:;!?()%"), ("\u3000", " "))
_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")

_t2s_lock = threading.Lock()
_t2s_converter: Any = None


def _t2s(text: str) -> str:
    """Convert traditional to simplified characters with the process's one OpenCC converter (made lazily)."""
    global _t2s_converter
    converter = _t2s_converter
    if converter is None:
        with _t2s_lock:
            if _t2s_converter is None:
                import opencc

                _t2s_converter = opencc.OpenCC("t2s")
            converter = _t2s_converter
    return str(converter.convert(text))


def _half_width(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def _canonical(text: str) -> str:
    """Steps 1–5: cut, drop controls, NFKC, simplified, lower case (also applied to registered names)."""
    text = text[:MAX_CHARS]
    text = _CONTROL.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    # Full-width ASCII (，！？（）and friends are in nearly every Chinese text) is mapped by hand first: NFKC of
    # a text that has them costs ~45 µs per 250 characters, the quick check that then passes well under 1 µs.
    for wide, narrow in _COMMON_FULL_WIDTH:  # str.replace is ~20× cheaper per character than a regex callback
        if wide in text:
            text = text.replace(wide, narrow)
    if _FULL_WIDTH.search(text):
        text = _FULL_WIDTH.sub(_half_width, text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _t2s(text)
    return text.lower()


class _PlaceNames:
    """An immutable index of registered place names, looked up from the suffix backwards.

    ``by_end`` maps the last character of a suffix (``市``, ``道`` of 街道, ``区`` of 社区 …) to the lengths
    of names ending with it, longest first; ``names`` maps each name to its placeholder. A text is scanned
    for those end characters only and the few substrings ending there are looked up in the dict, so the cost
    does not grow with the number of names (unlike a regex with thousands of alternatives).
    """

    __slots__ = ("by_end", "end_chars", "names")

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        lengths: dict[str, set[int]] = {}
        for name in names:
            lengths.setdefault(name[-1], set()).add(len(name))
        self.by_end = {end: sorted(found, reverse=True) for end, found in lengths.items()}
        self.end_chars = re.compile("[" + re.escape("".join(sorted(self.by_end))) + "]") if names else None

    def mask(self, text: str) -> str:
        if self.end_chars is None:
            return text
        # (start, end, placeholder): the longest registered name ending at each end character
        found: list[tuple[int, int, str]] = []
        for match in self.end_chars.finditer(text):
            end = match.end()
            for length in self.by_end[match.group()]:
                start = end - length
                if start < 0:
                    continue
                placeholder = self.names.get(text[start:end])
                if placeholder is not None:
                    found.append((start, end, placeholder))
                    break
        if not found:
            return text
        # Overlaps (贺村 registered as well as 贺村镇): the longer name wins, then the earlier one.
        found.sort(key=lambda item: (item[0] - item[1], item[0]))
        taken: list[tuple[int, int, str]] = []
        for start, end, placeholder in found:
            if all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, placeholder))
        taken.sort()
        parts: list[str] = []
        position = 0
        for start, end, placeholder in taken:
            parts.append(text[position:start])
            parts.append(placeholder)
            position = end
        parts.append(text[position:])
        return "".join(parts)


_places = _PlaceNames({})
_places_lock = threading.Lock()


def _suffix_of(name: str) -> str | None:
    return next(
        (suffix for suffix in PLACE_SUFFIXES if name.endswith(suffix) and len(name) > len(suffix)), None
    )


def register_place_names(names: Iterable[str]) -> int:
    """Add real place names to be masked by :func:`normalize` in this process; returns how many are known now.

    Each name is normalised like a text (so ``江山市`` also catches ``江山市`` typed in traditional characters)
    and must end with an administrative suffix (省 市 区 县 镇 乡 街道 村 社区) after at least one other
    character; other names are ignored. Registering is cumulative and safe from several threads: a new index
    is built and swapped in, so a :func:`normalize` running meanwhile sees the old or the new one.
    """
    global _places
    additions: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            continue
        name = "".join(_canonical(raw).split())
        suffix = _suffix_of(name)
        if suffix is not None:
            additions[name] = PLACEHOLDER + suffix
    with _places_lock:
        merged = {**_places.names, **additions}
        _places = _PlaceNames(merged)
        return len(merged)


def clear_place_names() -> None:
    """Forget every registered place name (for tests, and for a process that reloads its regions)."""
    global _places
    with _places_lock:
        _places = _PlaceNames({})


def _mask_place_code(match: re.Match[str]) -> str:
    """``某`` for a place code: a lone Latin letter (not the end of a word like ``ktv``) before a suffix."""
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and "a" <= text[start - 1] <= "z":
        return match.group()
    if text[end] in "街社" and text[end : end + 2] not in ("街道", "社区"):
        return match.group()
    return PLACEHOLDER


def normalize(text: str) -> str:
    """The canonical form of ``text`` (see the module's docstring for the steps); ``""`` for an empty text."""
    if not text:
        return ""
    text = _canonical(str(text))
    if not text.isascii():  # place suffixes and Chinese numerals are not ASCII: skip three scans for English
        text = _PLACE_CODE.sub(_mask_place_code, text)
        text = _places.mask(text)
        if "元" in text or "块" in text:  # a substring test is ~50× cheaper than the regex's scan
            text = _CN_AMOUNT.sub(NUMBER, text)
    text = _DIGITS.sub(NUMBER, text)
    text = " ".join(text.split())  # str.split() knows every Unicode space and is much faster than a regex
    return text[:MAX_CHARS]


def is_meaningful(text: str) -> bool:
    """Whether ``text`` has at least two letters or CJK characters (not empty, punctuation, digits, ``?!``).

    ``str.isalpha`` is true for CJK ideographs as well as for Latin (and other) letters, so one test covers
    both; the count stops at two.
    """
    if not text:
        return False
    count = 0
    for char in text[:MAX_CHARS]:
        if char.isalpha():
            count += 1
            if count >= 2:
                return True
    return False


STOPWORDS = frozenset(
    "的了是在和与及或就都也还很着把被给让从向对于等吗呢吧啊呀哦嗯之其此该这那又并而但则即由为以将已所个地得么嘛哈啦呐吖"
)
"""Single-character function words dropped by :func:`words` (content words of one character are kept)."""


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    """Import jieba quietly and load its dictionary once (it logs its loading at INFO level otherwise)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """jieba's words of the normalised ``text``, without punctuation, spaces and one-character stopwords."""
    normalised = normalize(text)
    if not normalised:
        return []
    return [
        token
        for token in _jieba().lcut(normalised)
        if token not in STOPWORDS and any(char.isalnum() for char in token)
    ]
