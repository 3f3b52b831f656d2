import pytest
from django.core.exceptions import ValidationError

from suyuan.matters import codes


def test_generated_codes_are_12_characters_and_valid():
    seen = {codes.generate() for _ in range(2000)}
    assert len(seen) == 2000
    for code in seen:
        assert len(code) == 12
        assert codes.normalize(code) == code


def test_display_groups_in_fours_and_reading_is_forgiving():
    code = codes.generate()
    shown = codes.display(code)
    assert shown.count("-") == 2
    assert codes.normalize(shown.lower()) == code
    assert codes.normalize(" ".join(shown)) == code


def test_confusable_letters_read_as_digits():
    body = "0111" + "0000000"
    code = body + codes.mod_37_36.calc_check_digit(body, alphabet=codes.ALPHABET)
    assert codes.normalize("OIL1" + code[4:]) == code


def test_every_single_wrong_character_is_caught():
    code = codes.generate()
    for i in range(len(code)):
        for ch in codes.ALPHABET:
            if ch != code[i]:
                with pytest.raises(ValidationError):
                    codes.normalize(code[:i] + ch + code[i + 1 :])


@pytest.mark.parametrize("value,code", [("", "required"), ("ABC", "invalid"), ("7K3M-9QXW-2RT!", "invalid")])
def test_bad_shapes_are_refused(value, code):
    with pytest.raises(ValidationError) as info:
        codes.normalize(value)
    assert info.value.code == code
