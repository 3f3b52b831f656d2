"""The court fee (案件受理费) of a civil case, from the Measures on the Payment of Litigation Costs
(《诉讼费用交纳办法》, State Council 2006), art. 13.

A claim for money or property pays by the amount claimed, in bands, each band's rate applied to the part
of the amount inside it (like income tax):

    up to 10,000 yuan            50 yuan
    10,000 – 100,000             2.5 %
    100,000 – 200,000            2 %
    200,000 – 500,000            1.5 %
    500,000 – 1,000,000          1 %
    1,000,000 – 2,000,000        0.9 %
    2,000,000 – 5,000,000        0.8 %
    5,000,000 – 10,000,000       0.7 %
    10,000,000 – 20,000,000      0.6 %
    above 20,000,000             0.5 %

A case without a property claim pays a fixed fee by its kind (divorce 50–300 yuan; other non-property
cases 50–100 yuan); this platform asks the lowest, which the court may raise. A case decided by the
simplified procedure pays half (art. 16): the court applies that when it chooses the procedure.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    # (upper bound of the band, rate inside it); the first band is a flat 50 yuan
    (Decimal("100000"), Decimal("0.025")),
    (Decimal("200000"), Decimal("0.02")),
    (Decimal("500000"), Decimal("0.015")),
    (Decimal("1000000"), Decimal("0.01")),
    (Decimal("2000000"), Decimal("0.009")),
    (Decimal("5000000"), Decimal("0.008")),
    (Decimal("10000000"), Decimal("0.007")),
    (Decimal("20000000"), Decimal("0.006")),
)
TOP_RATE = Decimal("0.005")
FLAT = Decimal("50")
FLAT_UP_TO = Decimal("10000")
NON_PROPERTY_FEE = Decimal("50")
CENT = Decimal("0.01")


def court_fee(amount: Decimal | None, *, is_property: bool = True) -> Decimal:
    """Return the fee for a claim of ``amount`` yuan (``None`` or a non-property case: the fixed fee)."""
    if not is_property or amount is None:
        return NON_PROPERTY_FEE
    if amount < 0:
        raise ValueError("A claim cannot be negative.")
    fee = FLAT
    lower = FLAT_UP_TO
    for upper, rate in BANDS:
        if amount <= lower:
            break
        fee += (min(amount, upper) - lower) * rate
        lower = upper
    if amount > lower:
        fee += (amount - lower) * TOP_RATE
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_basis(amount: Decimal | None, *, is_property: bool = True) -> str:
    """Return how the fee was counted, in the words of a payment notice."""
    if not is_property or amount is None:
        return "非财产案件，按件交纳（《诉讼费用交纳办法》第十三条）"
    return f"财产案件，按诉讼请求金额人民币{amount:,.2f}元分段累计计算（《诉讼费用交纳办法》第十三条）"
