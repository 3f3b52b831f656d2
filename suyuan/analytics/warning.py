"""Early warning: unusual rises in the daily count of matters of one area and one category.

Pure functions on dates and numbers (no models, no database): the caller counts matters per day and
renders the sentences. A :class:`Rise` carries only numbers, so a person can check how it was reached.
See docs/early-warning.md for the method, the defaults and the limits.

The detector counts matters per area and category. It never names, scores or profiles a person.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Final, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "LUNAR_NEW_YEAR",
    "Alignment",
    "BaselinePeriod",
    "Method",
    "Rise",
    "detect",
    "lunar_new_year",
    "scan",
]

K = TypeVar("K", bound=Hashable)

Method = Literal["seasonal", "recent"]
Alignment = Literal["calendar", "lunar_new_year"]

# Gregorian date of the first day of the first lunar month (春节), 2015-2040.
# Checked against the lunardate package (lunar 1/1 of each year) when written.
LUNAR_NEW_YEAR: Final[Mapping[int, date]] = MappingProxyType(
    {
        2015: date(2015, 2, 19),
        2016: date(2016, 2, 8),
        2017: date(2017, 1, 28),
        2018: date(2018, 2, 16),
        2019: date(2019, 2, 5),
        2020: date(2020, 1, 25),
        2021: date(2021, 2, 12),
        2022: date(2022, 2, 1),
        2023: date(2023, 1, 22),
        2024: date(2024, 2, 10),
        2025: date(2025, 1, 29),
        2026: date(2026, 2, 17),
        2027: date(2027, 2, 6),
        2028: date(2028, 1, 26),
        2029: date(2029, 2, 13),
        2030: date(2030, 2, 3),
        2031: date(2031, 1, 23),
        2032: date(2032, 2, 11),
        2033: date(2033, 1, 31),
        2034: date(2034, 2, 19),
        2035: date(2035, 2, 8),
        2036: date(2036, 1, 28),
        2037: date(2037, 2, 15),
        2038: date(2038, 2, 4),
        2039: date(2039, 1, 24),
        2040: date(2040, 2, 12),
    }
)

# An expectation below one matter per window is taken as one: the ratio stays finite and a first
# handful of matters where there were none is judged against one, not against zero.
MIN_EXPECTED: Final = 1.0
# Overdispersion (phi in Var = mu + phi * mu**2) is estimated from the baseline and kept in [0, 1].
MAX_DISPERSION: Final = 1.0
# The seasonal method estimates phi from this many blocks of window length on each side of the window.
DISPERSION_BLOCKS: Final = 4


def lunar_new_year(year: int) -> date:
    """The Gregorian date of the Spring Festival (春节) of ``year``; ValueError outside the table."""
    try:
        return LUNAR_NEW_YEAR[year]
    except KeyError:
        first, last = min(LUNAR_NEW_YEAR), max(LUNAR_NEW_YEAR)
        raise ValueError(
            f"The Lunar New Year date of {year} is not in the table ({first}-{last}): extend LUNAR_NEW_YEAR."
        ) from None


@dataclass(frozen=True, slots=True)
class BaselinePeriod:
    """One period the expectation came from: its dates, its count and the factor applied to it.

    Seasonal: the window of a previous year (under the alignment used), ``scale`` the level factor of
    that year and ``level_count`` the matters of that year's level period. Recent: one block of the
    weeks before the window, ``scale`` 1.0 and ``level_count`` None.
    """

    start: date
    end: date
    count: int
    scale: float = 1.0
    level_count: int | None = None

    @property
    def scaled(self) -> float:
        return self.count * self.scale


@dataclass(frozen=True, slots=True)
class Rise:
    """Why the window stands out. Numbers only: the caller renders the sentence in its language.

    ``expected`` is the mean of ``baseline`` counts times their scale, at least ``MIN_EXPECTED``;
    ``ratio`` is ``observed / expected``; ``p_value`` is the probability of at least ``observed``
    matters under a negative binomial of mean ``expected`` and dispersion ``dispersion`` (Poisson when
    0). ``level_count`` is the count of the level period before the window (seasonal only).
    """

    window_start: date
    window_end: date
    observed: int
    expected: float
    ratio: float
    p_value: float
    method: Method
    alignment: Alignment | None
    baseline: tuple[BaselinePeriod, ...]
    dispersion: float
    level_count: int | None = None


# ---------------------------------------------------------------------------------------------------
# Input


class _Counts:
    """Daily counts from ``start`` to ``end`` inclusive as an array, with range sums."""

    def __init__(self, start: date, end: date, series: Mapping[date, int]) -> None:
        self.start = start
        self.end = end
        days = (end - start).days + 1
        daily: NDArray[np.int64] = np.zeros(days, dtype=np.int64)
        for day, count in series.items():
            if start <= day <= end:
                daily[(day - start).days] += count
        self._cumulative: NDArray[np.int64] = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(daily)])

    def covers(self, start: date) -> bool:
        return start >= self.start

    def total(self, start: date, end: date) -> int:
        """Matters from ``start`` to ``end`` inclusive; the range must lie within the counts."""
        if start < self.start or end > self.end or end < start:
            raise ValueError(f"{start}..{end} is outside the counts {self.start}..{self.end}.")
        i, j = (start - self.start).days, (end - self.start).days + 1
        return int(self._cumulative[j] - self._cumulative[i])


def _check_day(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{what} must be a datetime.date (not a datetime), got {value!r}.")
    return value


def _clean(series: Mapping[date, int]) -> dict[date, int]:
    clean: dict[date, int] = {}
    for day, count in series.items():
        _check_day(day, "Every key of the series")
        if isinstance(count, bool):
            raise ValueError(f"The count of {day} must be an integer, got {count!r}.")
        try:
            number = operator.index(count)
        except TypeError:
            raise ValueError(f"The count of {day} must be an integer, got {count!r}.") from None
        if number < 0:
            raise ValueError(f"The count of {day} is negative ({number}): counts must be 0 or more.")
        clean[day] = number
    return clean


def _check_options(
    *,
    window_days: int,
    min_count: int,
    min_ratio: float,
    alpha: float,
    years: int,
    level_days: int,
    level_bounds: tuple[float, float],
    recent_days: int,
) -> None:
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, got {window_days}.")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}.")
    if not min_ratio >= 1:
        raise ValueError(f"min_ratio must be at least 1, got {min_ratio}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}.")
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}.")
    if level_days < 1:
        raise ValueError(f"level_days must be at least 1, got {level_days}.")
    low, high = level_bounds
    if not 0 < low <= 1 <= high:
        raise ValueError(f"level_bounds must satisfy 0 < low <= 1 <= high, got {level_bounds}.")
    if recent_days < 2 * window_days:
        raise ValueError(f"recent_days ({recent_days}) must hold at least two windows of {window_days} days.")


# ---------------------------------------------------------------------------------------------------
# Shifting a period to a previous year


def _years_back(day: date, years: int) -> date:
    """The same calendar date ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _reference_year(window_start: date, window_end: date) -> int:
    """The year whose Spring Festival is nearest to the middle of the window."""
    middle = window_start + (window_end - window_start) / 2
    this = lunar_new_year(middle.year)
    following = LUNAR_NEW_YEAR.get(middle.year + 1)
    if following is not None and abs((following - middle).days) < abs((this - middle).days):
        return middle.year + 1
    return middle.year


def _shift(day: date, years: int, alignment: Alignment, reference_year: int) -> date | None:
    """``day`` moved ``years`` back: same calendar date, or same offset from that year's festival."""
    if alignment == "calendar":
        return _years_back(day, years)
    earlier = LUNAR_NEW_YEAR.get(reference_year - years)
    if earlier is None:
        return None
    return earlier + (day - lunar_new_year(reference_year))


# ---------------------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True, slots=True)
class _Expectation:
    expected: float
    baseline: tuple[BaselinePeriod, ...]
    dispersion: float
    alignment: Alignment | None
    level_count: int | None


def _seasonal(
    counts: _Counts,
    window_start: date,
    window_end: date,
    alignment: Alignment,
    *,
    years: int,
    level_days: int,
    level_bounds: tuple[float, float],
) -> _Expectation | None:
    """Expectation from the same window in up to ``years`` previous years under ``alignment``."""
    reference_year = _reference_year(window_start, window_end)
    length = window_end - window_start
    step = timedelta(days=length.days + 1)
    level_start = window_start - timedelta(days=level_days)
    if not counts.covers(level_start):
        return None
    level_count = counts.total(level_start, window_start - timedelta(days=1))
    low, high = level_bounds

    periods: list[BaselinePeriod] = []
    used: list[int] = []
    for back in range(1, years + 1):
        start = _shift(window_start, back, alignment, reference_year)
        if start is None:
            continue
        earlier_level_start = start - timedelta(days=level_days)
        if not counts.covers(earlier_level_start):
            continue
        earlier_level = counts.total(earlier_level_start, start - timedelta(days=1))
        scale = min(high, max(low, (level_count + 1) / (earlier_level + 1)))
        periods.append(
            BaselinePeriod(
                start=start,
                end=start + length,
                count=counts.total(start, start + length),
                scale=scale,
                level_count=earlier_level,
            )
        )
        used.append(back)
    if not periods:
        return None
    n = len(periods)
    expected = sum(p.scaled for p in periods) / n

    # Overdispersion: how much the same blocks differ from one year to the next, around the window
    # (the window itself only in previous years: its count this year is what is being tested).
    # Each block offset j gives the scaled counts of the years that have it; their spread is pooled.
    groups: list[list[float]] = []
    for j in range(-DISPERSION_BLOCKS, DISPERSION_BLOCKS + 1):
        values: list[float] = []
        if j < 0:
            values.append(float(counts.total(window_start + j * step, window_end + j * step)))
        for back, period in zip(used, periods, strict=True):
            start = _shift(window_start + j * step, back, alignment, reference_year)
            if start is not None and counts.covers(start) and start + length <= counts.end:
                values.append(counts.total(start, start + length) * period.scale)
        if len(values) >= 2:
            groups.append(values)
    dispersion = _pooled_dispersion(groups)

    # The expectation is itself made of counts: its variance (previous windows and level periods)
    # widens the test, as in a prediction interval.
    floor = max(expected, MIN_EXPECTED)
    windows = sum(p.scale**2 * (p.count + dispersion * p.count**2) for p in periods) / n**2
    levels = 1 / (level_count + 1) + sum(1 / ((p.level_count or 0) + 1) for p in periods) / n**2
    uncertainty = windows / floor**2 + levels * (expected / floor) ** 2
    return _Expectation(
        expected=expected,
        baseline=tuple(periods),
        dispersion=min(MAX_DISPERSION, dispersion + uncertainty),
        alignment=alignment,
        level_count=level_count,
    )


def _pooled_dispersion(groups: list[list[float]]) -> float:
    """Moment estimate of phi (Var = mu + phi * mu**2) pooled over groups of values sharing a mean."""
    numerator = 0.0
    denominator = 0.0
    for values in groups:
        n = len(values)
        mean = sum(values) / n
        variance = sum((v - mean) ** 2 for v in values) / (n - 1)
        numerator += (n - 1) * (variance - mean)
        denominator += (n - 1) * mean**2
    if denominator <= 0:
        return 0.0
    return min(MAX_DISPERSION, max(0.0, numerator / denominator))


def _recent(
    counts: _Counts, window_start: date, window_end: date, *, recent_days: int
) -> _Expectation | None:
    """Expectation from the blocks of window length in the ``recent_days`` before the window."""
    length = window_end - window_start
    blocks: list[BaselinePeriod] = []
    for block in range(1, recent_days // (length.days + 1) + 1):
        start = window_start - timedelta(days=block * (length.days + 1))
        if not counts.covers(start):
            break
        blocks.append(
            BaselinePeriod(start=start, end=start + length, count=counts.total(start, start + length))
        )
    if len(blocks) < 2:
        return None
    blocks.reverse()
    n = len(blocks)
    mean = sum(b.count for b in blocks) / n
    floor = max(mean, MIN_EXPECTED)
    variance = sum((b.count - mean) ** 2 for b in blocks) / (n - 1)
    # Overdispersion of the blocks, plus the uncertainty of their mean (variance / n) as the mean is
    # what the window is compared with.
    excess = max(0.0, (variance - mean) / floor**2)
    dispersion = min(MAX_DISPERSION, excess + (mean / floor**2 + excess) / n)
    return _Expectation(
        expected=mean,
        baseline=tuple(blocks),
        dispersion=dispersion,
        alignment=None,
        level_count=None,
    )


def _choose(calendar: _Expectation | None, lunar: _Expectation | None) -> _Expectation | None:
    """The alignment with the larger expectation: a peak that either alignment explains is no rise."""
    if calendar is None or lunar is None:
        return calendar or lunar
    return lunar if lunar.expected > calendar.expected else calendar


def _upper_tail(observed: int, expected: float, dispersion: float) -> float:
    """P(X >= observed) for X negative binomial with mean ``expected`` (Poisson when dispersion is 0)."""
    if observed <= 0:
        return 1.0
    if dispersion <= 0:
        return float(stats.poisson.sf(observed - 1, expected))
    size = 1.0 / dispersion
    return float(stats.nbinom.sf(observed - 1, size, size / (size + expected)))


# ---------------------------------------------------------------------------------------------------
# Public functions


def detect(
    series: Mapping[date, int],
    *,
    today: date,
    since: date | None = None,
    window_days: int = 14,
    min_count: int = 5,
    min_ratio: float = 1.5,
    alpha: float = 0.005,
    years: int = 3,
    level_days: int = 90,
    level_bounds: tuple[float, float] = (0.5, 2.0),
    recent_days: int = 56,
) -> Rise | None:
    """An unusual rise in the ``window_days`` ending ``today`` (the last complete day), or None.

    ``series`` maps days to counts of matters (a missing day is 0; days after ``today`` are ignored, so
    a past ``today`` replays the detector as it stood then). ``since`` is the first day the counts
    cover (default: the earliest day of the series). The window is a rise when it holds at least
    ``min_count`` matters, at least ``min_ratio`` times the expectation, and the upper tail probability
    of its count is at most ``alpha``. Returns None when it is not a rise, and also when there is not
    enough history to judge (less than three windows). Bad input raises ValueError.
    """
    _check_day(today, "today")
    _check_options(
        window_days=window_days,
        min_count=min_count,
        min_ratio=min_ratio,
        alpha=alpha,
        years=years,
        level_days=level_days,
        level_bounds=level_bounds,
        recent_days=recent_days,
    )
    clean = _clean(series)
    if since is not None:
        _check_day(since, "since")
        early = [day for day, count in clean.items() if day < since and count > 0]
        if early:
            raise ValueError(f"The series has matters on {min(early)}, before since={since}.")
    elif clean:
        since = min(clean)
    else:
        return None
    if since > today:
        raise ValueError(f"today ({today}) is before the series starts ({since}).")

    counts = _Counts(since, today, clean)
    window_start = today - timedelta(days=window_days - 1)
    if not counts.covers(window_start):
        return None
    observed = counts.total(window_start, today)

    by_alignment = [
        _seasonal(
            counts,
            window_start,
            today,
            alignment,
            years=years,
            level_days=level_days,
            level_bounds=level_bounds,
        )
        for alignment in ("calendar", "lunar_new_year")
    ]
    chosen = _choose(*by_alignment)
    method: Method = "seasonal"
    if chosen is None:
        chosen = _recent(counts, window_start, today, recent_days=recent_days)
        method = "recent"
    if chosen is None:
        return None

    expected = max(chosen.expected, MIN_EXPECTED)
    ratio = observed / expected
    if observed < min_count or ratio < min_ratio:
        return None
    p_value = _upper_tail(observed, expected, chosen.dispersion)
    if p_value > alpha:
        return None
    return Rise(
        window_start=window_start,
        window_end=today,
        observed=observed,
        expected=expected,
        ratio=ratio,
        p_value=p_value,
        method=method,
        alignment=chosen.alignment,
        baseline=chosen.baseline,
        dispersion=chosen.dispersion,
        level_count=chosen.level_count,
    )


def scan(
    series_by_key: Mapping[K, Mapping[date, int]],
    *,
    today: date,
    since: date | None = None,
    window_days: int = 14,
    min_count: int = 5,
    min_ratio: float = 1.5,
    alpha: float = 0.005,
    years: int = 3,
    level_days: int = 90,
    level_bounds: tuple[float, float] = (0.5, 2.0),
    recent_days: int = 56,
) -> list[tuple[K, Rise]]:
    """:func:`detect` on every series; the rises found, strongest first.

    Strongest means the smallest p-value (the most evidence), then the larger ratio, then the larger
    count; equal rises keep the order of ``series_by_key``. ``since``, when given, applies to every
    series. A bad series raises ValueError naming its key.
    """
    found: list[tuple[K, Rise]] = []
    for key, series in series_by_key.items():
        try:
            rise = detect(
                series,
                today=today,
                since=since,
                window_days=window_days,
                min_count=min_count,
                min_ratio=min_ratio,
                alpha=alpha,
                years=years,
                level_days=level_days,
                level_bounds=level_bounds,
                recent_days=recent_days,
            )
        except ValueError as error:
            raise ValueError(f"Series {key!r}: {error}") from error
        if rise is not None:
            found.append((key, rise))
    found.sort(key=lambda item: (item[1].p_value, -item[1].ratio, -item[1].observed))
    return found
