"""Early warning on constructed daily counts (never real data): spikes, seasonal peaks, small numbers."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from suyuan.analytics.warning import (
    LUNAR_NEW_YEAR,
    BaselinePeriod,
    Rise,
    detect,
    lunar_new_year,
    scan,
)

START = date(2022, 1, 1)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@functools.cache
def nearest_festival(day: date) -> date:
    return min((lunar_new_year(y) for y in (day.year, day.year + 1)), key=lambda f: abs((f - day).days))


def poisson_series(start: date, end: date, rate: Callable[[date], float], seed: int) -> dict[date, int]:
    rng = np.random.default_rng(seed)
    every_day = days(start, end)
    counts = rng.poisson([rate(day) for day in every_day])
    return {day: int(count) for day, count in zip(every_day, counts, strict=True)}


def festival_rate(base: float, peak: float = 4.0) -> Callable[[date], float]:
    """``base`` a day, ``peak`` times more in the 21 days before the Spring Festival, a lull after."""

    def rate(day: date) -> float:
        before = (nearest_festival(day) - day).days
        if 0 < before <= 21:
            return base * peak
        if -7 <= before <= 0:
            return base * 0.3
        return base

    return rate


def add(series: dict[date, int], start: date, end: date, extra: int, seed: int) -> dict[date, int]:
    """A copy with about ``extra`` more matters a day from ``start`` to ``end``."""
    rng = np.random.default_rng(seed)
    spiked = dict(series)
    for day in days(start, end):
        spiked[day] = spiked.get(day, 0) + int(rng.poisson(extra))
    return spiked


def window_total(series: dict[date, int], start: date, end: date) -> int:
    return sum(series.get(day, 0) for day in days(start, end))


# --- The Spring Festival table ------------------------------------------------------------------------


def test_known_spring_festivals() -> None:
    assert lunar_new_year(2024) == date(2024, 2, 10)
    assert lunar_new_year(2025) == date(2025, 1, 29)
    assert lunar_new_year(2026) == date(2026, 2, 17)
    assert lunar_new_year(2020) == date(2020, 1, 25)
    assert lunar_new_year(2033) == date(2033, 1, 31)


def test_table_is_complete_and_plausible() -> None:
    assert sorted(LUNAR_NEW_YEAR) == list(range(2015, 2041))
    for year, day in LUNAR_NEW_YEAR.items():
        assert day.year == year
        assert date(year, 1, 21) <= day <= date(year, 2, 20)
    # Consecutive festivals are 12 or 13 lunar months apart (354-355 or 383-385 days).
    for year in range(2016, 2041):
        gap = (LUNAR_NEW_YEAR[year] - LUNAR_NEW_YEAR[year - 1]).days
        assert 353 <= gap <= 355 or 383 <= gap <= 385, year


@pytest.mark.parametrize("year", [2014, 2041])
def test_outside_the_table_is_a_clear_error(year: int) -> None:
    with pytest.raises(ValueError, match=f"Lunar New Year date of {year} is not in the table"):
        lunar_new_year(year)


# --- Rises that must be found -------------------------------------------------------------------------


def test_spike_on_flat_background_is_found() -> None:
    today = date(2025, 9, 30)
    flat = poisson_series(START, today, lambda _: 3.0, seed=1)
    assert detect(flat, today=today) is None
    spiked = add(flat, today - timedelta(days=13), today, extra=4, seed=2)

    rise = detect(spiked, today=today)

    assert isinstance(rise, Rise)
    assert rise.method == "seasonal"
    assert rise.alignment in ("calendar", "lunar_new_year")
    assert (rise.window_start, rise.window_end) == (date(2025, 9, 17), today)
    assert rise.observed == window_total(spiked, rise.window_start, today)
    assert rise.ratio >= 1.5 and rise.p_value <= 0.01
    assert rise.ratio == pytest.approx(rise.observed / rise.expected)
    # The expectation can be checked by hand from the baseline it came from.
    assert len(rise.baseline) == 3
    assert rise.expected == pytest.approx(sum(p.count * p.scale for p in rise.baseline) / 3)
    assert [p.start.year for p in rise.baseline] == [2024, 2023, 2022]
    assert all(p.end - p.start == timedelta(days=13) for p in rise.baseline)
    assert all(p.level_count is not None and 0.5 <= p.scale <= 2.0 for p in rise.baseline)
    assert rise.level_count == window_total(spiked, today - timedelta(days=103), today - timedelta(days=14))


def test_rise_is_frozen() -> None:
    today = date(2025, 9, 30)
    spiked = add(poisson_series(START, today, lambda _: 3.0, seed=1), date(2025, 9, 17), today, 4, seed=2)
    rise = detect(spiked, today=today)
    assert rise is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        rise.observed = 0  # type: ignore[misc]


# --- The Spring Festival peak ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 5])
def test_yearly_peak_before_the_festival_is_not_a_rise(seed: int) -> None:
    # Festivals 2022-02-01, 2023-01-22, 2024-02-10, 2025-01-29, 2026-02-17: the peak moves every year.
    end = date(2026, 3, 31)
    series = poisson_series(START, end, festival_rate(2.0), seed=seed)
    for today in days(date(2026, 1, 1), end):
        assert detect(series, today=today) is None, today
    # It is the lunar alignment that explains it: the same calendar dates a year earlier were quiet.
    peak = (date(2026, 2, 3), date(2026, 2, 16))
    assert window_total(series, *peak) >= 2 * window_total(series, date(2025, 2, 3), date(2025, 2, 16))


def test_festival_seasons_rarely_alert() -> None:
    # A test at level alpha, repeated every day of a season, can fail by chance: across 20 constructed
    # seasons checked every fourth day, at most one may carry any alert (the doc gives the rates).
    seasons_with_alert = 0
    for seed in range(100, 120):
        series = poisson_series(date(2022, 9, 1), date(2026, 3, 31), festival_rate(2.0), seed=seed)
        checks = days(date(2026, 1, 1), date(2026, 3, 31))[::4]
        seasons_with_alert += any(detect(series, today=today) for today in checks)
    assert seasons_with_alert <= 1


def test_spike_on_top_of_the_festival_peak_is_found() -> None:
    today = date(2026, 2, 16)
    series = poisson_series(START, today, festival_rate(2.0), seed=5)
    assert detect(series, today=today) is None
    spiked = add(series, today - timedelta(days=13), today, extra=8, seed=6)

    rise = detect(spiked, today=today)

    assert rise is not None
    assert rise.method == "seasonal" and rise.alignment == "lunar_new_year"
    # The expectation is the peak (about 8 a day for 14 days), not the ordinary level (2 a day).
    assert rise.expected > 80
    # Same offset from each festival: the window ends the day before it.
    assert [p.end for p in rise.baseline] == [date(2025, 1, 28), date(2024, 2, 9), date(2023, 1, 21)]


# --- Level of the area --------------------------------------------------------------------------------


def test_general_growth_of_the_area_is_scaled_not_alerted() -> None:
    today = date(2025, 9, 30)
    grown = poisson_series(START, today, lambda d: 5.0 if d >= date(2025, 4, 1) else 3.0, seed=7)
    assert detect(grown, today=today) is None


def test_level_factor_is_bounded() -> None:
    # One odd quarter (almost nothing recorded) before an ordinary window: unbounded, the factor would
    # shrink the expectation to almost nothing and the ordinary window would look like a rise.
    today = date(2025, 9, 30)
    quarter = (date(2025, 6, 18), date(2025, 9, 16))
    series = poisson_series(START, today, lambda d: 0.2 if quarter[0] <= d <= quarter[1] else 3.0, seed=8)
    assert detect(series, today=today) is None
    unbounded = detect(series, today=today, level_bounds=(0.01, 100.0))
    assert unbounded is not None
    assert all(p.scale < 0.5 for p in unbounded.baseline)


# --- Small numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("window_count", [1, 2, 3, 4])
def test_small_counts_never_alert_by_themselves(window_count: int) -> None:
    today = date(2025, 9, 30)
    since = date(2023, 1, 1)
    series = {today - timedelta(days=i): 1 for i in range(window_count)}
    assert detect(series, today=today, since=since) is None
    sparse = poisson_series(date(2025, 6, 1), today - timedelta(days=14), lambda _: 0.05, seed=9)
    sparse.update(series)
    assert detect(sparse, today=today) is None


def test_a_first_handful_where_there_were_none_is_judged_against_one() -> None:
    today = date(2025, 9, 30)
    series = {today - timedelta(days=i): 2 for i in range(6)}  # 12 in the window, none before
    rise = detect(series, today=today, since=date(2025, 6, 1))
    assert rise is not None
    assert rise.method == "recent" and rise.expected == 1.0 and rise.ratio == 12.0


# --- Short history ------------------------------------------------------------------------------------


def test_short_history_falls_back_to_recent_weeks() -> None:
    today = date(2025, 9, 30)
    series = add(
        poisson_series(date(2025, 6, 1), today, lambda _: 3.0, seed=10), date(2025, 9, 17), today, 4, 11
    )
    rise = detect(series, today=today)
    assert rise is not None
    assert rise.method == "recent" and rise.alignment is None and rise.level_count is None
    starts = [date(2025, 7, 23), date(2025, 8, 6), date(2025, 8, 20), date(2025, 9, 3)]
    assert rise.baseline == tuple(
        BaselinePeriod(
            start=s, end=s + timedelta(days=13), count=window_total(series, s, s + timedelta(days=13))
        )
        for s in starts
    )
    assert rise.expected == pytest.approx(sum(p.count for p in rise.baseline) / 4)


def test_seasonal_needs_a_year_and_the_level_period() -> None:
    today = date(2025, 9, 30)
    base = poisson_series(date(2024, 9, 1), today, lambda _: 3.0, seed=12)
    series = add(base, date(2025, 9, 17), today, 4, seed=13)
    rise = detect(series, today=today)
    assert rise is not None and rise.method == "recent"
    longer = {**poisson_series(date(2024, 6, 1), date(2024, 8, 31), lambda _: 3.0, seed=14), **series}
    rise = detect(longer, today=today)
    assert rise is not None and rise.method == "seasonal" and len(rise.baseline) == 1


def test_too_little_history_gives_no_verdict() -> None:
    today = date(2025, 9, 30)
    series = {today - timedelta(days=i): 5 for i in range(30)}
    assert detect(series, today=today) is None


# --- Input --------------------------------------------------------------------------------------------


def test_missing_days_count_as_zero() -> None:
    today = date(2025, 9, 30)
    dense = add(poisson_series(START, today, lambda _: 0.4, seed=15), date(2025, 9, 17), today, 2, 16)
    sparse = {day: count for day, count in dense.items() if count}
    assert len(sparse) < len(dense)
    assert detect(sparse, today=today, since=START) == detect(dense, today=today)
    assert detect(sparse, today=today, since=START) is not None


def test_days_after_today_are_ignored() -> None:
    today = date(2025, 9, 30)
    series = poisson_series(START, today, lambda _: 3.0, seed=17)
    later = {**series, **{today + timedelta(days=i): 50 for i in range(1, 10)}}
    assert detect(later, today=today) == detect(series, today=today)


def test_empty_series_is_no_rise() -> None:
    assert detect({}, today=date(2025, 9, 30)) is None


@pytest.mark.parametrize(
    ("series", "today", "message"),
    [
        ({date(2025, 1, 1): 3, date(2025, 1, 2): -1}, date(2025, 3, 1), "2025-01-02 is negative"),
        ({date(2025, 1, 1): 3}, date(2024, 12, 31), r"today \(2024-12-31\) is before the series starts"),
        ({date(2025, 1, 1): 2.5}, date(2025, 3, 1), "must be an integer"),
        ({date(2025, 1, 1): "3"}, date(2025, 3, 1), "must be an integer"),
        ({date(2025, 1, 1): True}, date(2025, 3, 1), "must be an integer"),
        ({datetime(2025, 1, 1, 9, tzinfo=UTC): 3}, date(2025, 3, 1), "must be a datetime.date"),
        ({date(2025, 1, 1): 3}, datetime(2025, 3, 1, 12, tzinfo=UTC), "today must be a datetime.date"),
    ],
)
def test_bad_input_is_refused(series: dict[date, object], today: date, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect(series, today=today)  # type: ignore[arg-type]


def test_matters_before_since_are_refused() -> None:
    with pytest.raises(ValueError, match="before since=2025-02-01"):
        detect({date(2025, 1, 5): 1}, today=date(2025, 3, 1), since=date(2025, 2, 1))


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"window_days": 0}, "window_days"),
        ({"min_ratio": 0.9}, "min_ratio"),
        ({"alpha": 1.0}, "alpha"),
        ({"level_bounds": (1.2, 2.0)}, "level_bounds"),
        ({"recent_days": 20}, "recent_days"),
    ],
)
def test_bad_options_are_refused(option: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect({date(2025, 1, 1): 1}, today=date(2025, 3, 1), **option)  # type: ignore[arg-type]


# --- Many series ---------------------------------------------------------------------------------------


def test_scan_orders_by_strength() -> None:
    today = date(2025, 9, 30)
    window = (today - timedelta(days=13), today)
    quiet = poisson_series(START, today, lambda _: 3.0, seed=18)
    series_by_key = {
        ("330881001", "wages"): add(quiet, *window, extra=3, seed=19),
        ("330881002", "wages"): quiet,
        ("330881003", "land"): add(quiet, *window, extra=9, seed=20),
        ("330881004", "land"): add(quiet, *window, extra=5, seed=21),
    }

    found = scan(series_by_key, today=today)

    assert [key for key, _ in found] == [
        ("330881003", "land"),
        ("330881004", "land"),
        ("330881001", "wages"),
    ]
    p_values = [rise.p_value for _, rise in found]
    assert p_values == sorted(p_values)
    assert found[0][1] == detect(series_by_key[("330881003", "land")], today=today)


def test_scan_names_the_bad_series() -> None:
    with pytest.raises(ValueError, match="Series 'B': The count of 2025-01-02 is negative"):
        scan({"A": {date(2025, 1, 1): 1}, "B": {date(2025, 1, 2): -2}}, today=date(2025, 3, 1))
