"""Chinese text normalisation: what citizens type becomes one canonical form, and no string breaks it."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from suyuan.triage.text import (
    MAX_CHARS,
    clear_place_names,
    is_meaningful,
    normalize,
    register_place_names,
    words,
)


@pytest.fixture
def places() -> Iterator[None]:
    clear_place_names()
    register_place_names(["江山市", "賀村鎮", "清湖街道", "城北社区", "下塘村"])
    yield
    clear_place_names()


def test_full_width_letters_digits_and_punctuation_become_half_width_and_lower_case() -> None:
    assert normalize("ＡＢＣ　ｄｅｆ，ＯＫ！") == "abc def,ok!"
    assert normalize("押金６７８９元") == "押金0元"


def test_traditional_characters_become_simplified() -> None:
    assert normalize("鄰裏糾紛：樓上漏水") == "邻里纠纷:楼上漏水"


def test_anonymised_place_codes_become_a_placeholder_with_their_suffix() -> None:
    assert normalize("K市K7区M2县P9镇的Q社区和R街道") == "某市某区某县某镇的某社区和某街道"
    assert normalize("Ｋ市") == "某市"  # full-width code


def test_latin_words_before_a_suffix_are_not_place_codes() -> None:
    assert normalize("KTV区附近") == "ktv区附近"
    assert normalize("a社会") == "a社会"  # 社 without 区 is no suffix


def test_registered_place_names_are_masked_whatever_their_script(places: None) -> None:
    assert normalize("江山市賀村鎮清湖街道城北社区") == "某市某镇某街道某社区"
    assert normalize("我住在下塘村") == "我住在某村"
    assert normalize("江山的事") == "江山的事"  # without its suffix a name is left alone


def test_the_longest_registered_name_wins(places: None) -> None:
    register_place_names(["贺村"])
    assert normalize("贺村镇") == "某镇"
    assert normalize("贺村的人") == "某村的人"


def test_register_place_names_ignores_names_without_a_suffix_and_counts_the_known_ones() -> None:
    clear_place_names()
    try:
        assert register_place_names(["江山市", "江山", "市", "", "  清湖街道 "]) == 2
        assert register_place_names(["江山市"]) == 2
        assert normalize("清湖街道") == "某街道"
    finally:
        clear_place_names()
    assert normalize("清湖街道") == "清湖街道"


def test_every_number_becomes_one_placeholder() -> None:
    assert normalize("2021年9月押金45,500元，电话13900007777") == "0年0月押金0元,电话0"
    assert normalize("7.25万元") == "0元"
    assert normalize("三万元和十几万块") == "0元和0块"
    assert normalize("第一次") == "第一次"  # Chinese numerals are only collapsed before 元/块


def test_whitespace_is_collapsed_and_stripped() -> None:
    assert normalize("  工资 \t\n  拖欠  ") == "工资 拖欠"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("\x00\x07\x1b", ""),
        ("\u200b\ufeff", ""),
        ("a\ud800b", "ab"),
        ("😀🎉", "😀🎉"),
        ("Hello 世界 123", "hello 世界 0"),
    ],
)
def test_odd_strings_are_normalised_without_error(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_long_text_is_cut() -> None:
    assert len(normalize("欠" * (MAX_CHARS + 5000))) == MAX_CHARS
    assert normalize("１" * (MAX_CHARS * 2)) == "0"


def test_normalize_never_fails_on_random_strings_and_is_idempotent() -> None:
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0, 0x3000, 7)] + [
        "市",
        "区",
        "县",
        "元",
        "万",
        "三",
        "A",
        "1",
        "\ud800",
    ]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        once = normalize(text)
        assert isinstance(once, str)
        assert normalize(once) == once


@pytest.mark.parametrize("text", ["", "   ", "？！。，", "...", "12345", "字", "a", "😀😀😀", "\x00\x00"])
def test_garbage_is_not_meaningful(text: str) -> None:
    assert not is_meaningful(text)


@pytest.mark.parametrize("text", ["押金", "K市", "ok", "楼上的空调一直滴水"])
def test_two_letters_or_characters_are_meaningful(text: str) -> None:
    assert is_meaningful(text)


def test_words_drop_punctuation_and_one_character_stopwords() -> None:
    tokens = words("房东的押金，扣了一大半！怎么办？")
    assert "房东" in tokens
    assert "怎么办" in tokens
    assert not {"的", "了", ",", "!", "?", " "} & set(tokens)
    assert words("") == []
    assert words("？？？") == []


def test_words_see_the_normalised_text() -> None:
    assert "房东" in words("房東")
