import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from suyuan.core import identifiers


class TestResidentId:
    def test_accepts_valid_number_and_normalises_case_and_width(self):
        assert identifiers.normalize_resident_id("11010519491231002x") == "11010519491231002X"
        assert (
            identifiers.normalize_resident_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
        )

    def test_rejects_wrong_check_character_with_translated_message(self):
        with pytest.raises(ValidationError) as info:
            identifiers.normalize_resident_id("110105194912310021")
        assert info.value.code == "checksum"
        with translation.override("zh-hans"):
            assert "校验" in str(info.value.messages[0])

    @pytest.mark.parametrize(
        "value,code", [("", "required"), ("1101051949", "length"), ("11010519491331002X", "component")]
    )
    def test_rejects_bad_shapes(self, value, code):
        with pytest.raises(ValidationError) as info:
            identifiers.normalize_resident_id(value)
        assert info.value.code in {code, "checksum"}

    def test_rejects_birth_date_in_future(self):
        with pytest.raises(ValidationError) as info:
            identifiers.normalize_resident_id("11010519491231002X", today=dt.date(1949, 1, 1))
        assert info.value.code == "component"

    def test_mask_keeps_region_and_last_four(self):
        assert identifiers.mask_resident_id("330881199001011234") == "330881********1234"


class TestMobile:
    @pytest.mark.parametrize(
        "value", ["13812345678", "+86 138 1234 5678", "138-1234-5678", "１３８１２３４５６７８"]
    )
    def test_accepts_mainland_mobile_numbers(self, value):
        assert identifiers.normalize_mobile(value) == "13812345678"

    @pytest.mark.parametrize("value", ["", "12345", "057088888888", "+1 415 555 2671", "10012345678", "abc"])
    def test_rejects_non_mobile_numbers(self, value):
        with pytest.raises(ValidationError):
            identifiers.normalize_mobile(value)

    def test_mask(self):
        assert identifiers.mask_mobile("13812345678") == "138****5678"


class TestUscc:
    def test_accepts_valid_code(self):
        assert identifiers.normalize_uscc(" 91330881ma2dgb0f66 ") == "91330881MA2DGB0F66"

    def test_rejects_bad_check_character(self):
        with pytest.raises(ValidationError):
            identifiers.normalize_uscc("91330881MA2DGB0F67")
