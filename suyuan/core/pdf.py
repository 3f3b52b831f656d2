"""What every generated PDF shares: the embedded Chinese font, plain text, page numbers, dates and amounts.

The font is Noto Serif SC (SIL Open Font License) from ``pylopdf-fonts-zh-cn``; fpdf2 embeds only the
glyphs a document uses, so files stay small and render in any viewer without system fonts.
Parsing the font's tables takes about half a second, so it is parsed once per process and each document
gets a copy with a fresh glyph subset and its own font file to subset.
Everything a user wrote goes through ``plain`` (control and formatting characters removed) and is drawn as
text: nothing is interpreted as markup.
"""

from __future__ import annotations

import copy
import datetime
import threading
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import TTFFont
from pylopdf_fonts_zh_cn import serif_path

FONT = "NotoSerifSC"
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

# Unicode categories dropped from user text: controls, invisible formatting (bidi overrides, zero-width
# characters), surrogates, private use and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_LINE_BREAKS = frozenset({"\n", "\u2028", "\u2029"})


def plain(text: str) -> str:
    """Return ``text`` with control and invisible formatting characters (bidi overrides, …) removed.

    Line breaks stay (Unicode line and paragraph separators become ``\\n``); a tab becomes a space.
    """
    kept = []
    for ch in text or "":
        if ch in _LINE_BREAKS:
            kept.append("\n")
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) not in _DROPPED_CATEGORIES:
            kept.append(ch)
    return "".join(kept)


# --- the font, parsed once --------------------------------------------------------------------------------

_font_lock = threading.Lock()
_font_template: TTFFont | None = None


def _template() -> TTFFont:
    global _font_template
    with _font_lock:
        if _font_template is None:
            holder = FPDF()
            holder.add_font(FONT, fname=str(serif_path()))
            font = holder.fonts[FONT.lower()]
            if not isinstance(font, TTFFont):
                raise TypeError("the Chinese font did not load as a TrueType/OpenType font")
            _font_template = font
        return _font_template


def add_font(pdf: FPDF) -> None:
    """Give ``pdf`` the Chinese font from the parsed template (as ``FPDF.add_font`` would, without parsing)."""
    font = copy.deepcopy(_template())
    # Writing the PDF subsets the font's tables in place: each document needs its own (lazily read) file.
    font.ttfont = ttLib.TTFont(font.ttffile, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.i = len(pdf.fonts) + 1
    pdf.fonts[FONT.lower()] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


class Document(FPDF):
    """An A4 document with the Chinese font loaded and "第 N 页 / 共 M 页" at the foot of every page."""

    def __init__(self, *, title: str = "", creator: str = "Suyuan") -> None:
        super().__init__(format="A4")
        add_font(self)
        if title:
            self.set_title(plain(title))
        self.set_creator(creator)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=9)
        self.cell(0, 10, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.C)


# --- dates and amounts ------------------------------------------------------------------------------------


def _local_day(moment: datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("A datetime must be timezone-aware to tell which day it falls on in China.")
        return moment.astimezone(LOCAL_TIME).date()
    return moment


def china_date(moment: datetime.date) -> str:
    """Return the day as written in Chinese, e.g. 2026年11月29日 (a datetime is taken in Beijing time)."""
    day = _local_day(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def yuan(amount: Decimal | int) -> str:
    """Return an amount of money as written in documents, e.g. 人民币1,234.50元."""
    return f"人民币{Decimal(amount):,.2f}元"
