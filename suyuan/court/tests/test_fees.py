"""The court fee by the bands of 《诉讼费用交纳办法》 art. 13, worked by hand."""

from decimal import Decimal

import pytest

from suyuan.court.fees import court_fee, fee_basis


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("0.01", "50.00"),
        ("10000", "50.00"),
        ("10000.40", "50.01"),  # 0.40 × 2.5 % = 0.01
        ("50000", "1050.00"),  # 50 + 40,000 × 2.5 %
        ("100000", "2300.00"),  # 50 + 90,000 × 2.5 %
        ("150000", "3300.00"),  # 2,300 + 50,000 × 2 %
        ("500000", "8800.00"),  # 2,300 + 2,000 + 4,500
        ("1000000", "13800.00"),  # + 5,000
        ("2000000", "22800.00"),  # + 9,000
        ("5000000", "46800.00"),  # + 24,000
        ("10000000", "81800.00"),  # + 35,000
        ("20000000", "141800.00"),  # + 60,000
        ("30000000", "191800.00"),  # + 50,000 at 0.5 %
    ],
)
def test_property_claims_pay_by_band(amount, fee):
    assert court_fee(Decimal(amount)) == Decimal(fee)


def test_non_property_cases_pay_by_the_case():
    assert court_fee(None) == Decimal("50")
    assert court_fee(Decimal("99999"), is_property=False) == Decimal("50")


def test_a_negative_claim_is_refused():
    with pytest.raises(ValueError):
        court_fee(Decimal("-1"))


def test_the_basis_names_the_rule_and_the_amount():
    assert "12,000.00" in fee_basis(Decimal("12000")) and "第十三条" in fee_basis(Decimal("12000"))
