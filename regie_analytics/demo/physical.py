"""The physical reports of the demo: how many per buurt, month and Signalen category
(Poisson around an exposure times the buurt effect, the planted factor, the trend and a
seasonal profile per category), from which source, and at what local time."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.demo.buurten import buurt_effect

PHYSICAL_RATE = 0.172
"""Physical reports per inhabitant per year (calibration, see :mod:`regie_analytics.demo`)."""

# fmt: off
SOURCES: tuple[tuple[str, float, bool], ...] = (
    # (Signalen source, share, business hours only)
    ("online", 0.52, False),
    ("app", 0.12, False),
    ("Telefoon – CCA", 0.13, True),
    ("Telefoon – ASC", 0.04, True),
    ("Telefoon – Stadsdeel", 0.02, True),
    ("E-mail – CCA", 0.02, True),
    ("E-mail – Stadsdeel", 0.03, True),
    ("Interne melding", 0.12, True),
)
# Relative weight per hour of the day (0-23) and per weekday (Monday first).
_HOURS_ANYTIME = np.array([
    1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4.0, 5.0, 5.5, 5.5,
    5.2, 5.0, 5.0, 5.0, 5.0, 5.2, 5.5, 5.8, 5.5, 4.5, 3.0, 1.8,
])
_HOURS_OFFICE = np.array([
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 1.0, 3.0, 6.0, 7.0, 7.0,
    5.0, 6.0, 6.0, 5.5, 4.5, 2.0, 0.8, 0.3, 0.2, 0.1, 0.05, 0.05,
])
_WEEKDAY_ANYTIME = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9])
_WEEKDAY_OFFICE = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.15])

# Share of all physical reports per main category.
_MAIN_SHARE = {
    "afval": 0.27,
    "schoon": 0.15,
    "wegen-verkeer-straatmeubilair": 0.14,
    "openbaar-groen-en-water": 0.10,
    "overlast-in-de-openbare-ruimte": 0.10,
    "overlast-van-en-door-personen-of-groepen": 0.06,
    "overlast-bedrijven-en-horeca": 0.05,
    "overig": 0.04,
    "overlast-van-dieren": 0.03,
    "wonen": 0.02,
    "overlast-op-het-water": 0.015,
    "civiele-constructies": 0.015,
    "ondermijning": 0.005,
}
# Seasonal profile per main category, January to December (missing: flat).
_SUMMER = [0.8, 0.75, 0.85, 1.0, 1.15, 1.3, 1.35, 1.35, 1.1, 0.9, 0.8, 0.85]
_FLAT = [1.0] * 12
_MAIN_SEASON = {
    "afval": [1.35, 0.85, 0.9, 1.0, 1.05, 1.15, 1.2, 1.2, 1.0, 0.95, 0.9, 1.1],
    "schoon": [1.15, 1.0, 0.85, 0.9, 1.0, 1.05, 1.1, 1.1, 0.95, 1.1, 1.15, 1.0],
    "openbaar-groen-en-water": [0.6, 0.65, 0.8, 1.0, 1.3, 1.55, 1.5, 1.35, 1.05, 0.9, 0.7, 0.6],
    "wegen-verkeer-straatmeubilair": [1.1, 1.05, 1, 0.95, 0.95, 0.95, 0.9, 0.9, 1, 1.05, 1.1, 1.1],
    "overlast-in-de-openbare-ruimte": _SUMMER,
    "overlast-van-en-door-personen-of-groepen": _SUMMER,
    "overlast-bedrijven-en-horeca": _SUMMER,
    "overlast-op-het-water": [0.4, 0.4, 0.6, 0.9, 1.3, 1.7, 1.9, 1.9, 1.3, 0.8, 0.5, 0.4],
    "overlast-van-dieren": [0.6, 0.6, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.4, 1.0, 0.7, 0.6],
}
# Extra weight of well-known large sub categories within their main category.
_SUB_WEIGHT = {
    "grofvuil": 5.0, "huisafval": 3.0, "container-bijplaatsing": 3.0, "container-is-vol": 2.5,
    "veegzwerfvuil": 4.0, "prullenbak-vol": 2.5, "lantaarnpaal-straatverlichting": 3.0,
    "onderhoud-stoep-straat-en-fietspad": 3.0, "fietswrak": 2.5, "parkeeroverlast": 2.0,
    "ratten": 2.0, "overlast-door-afsteken-vuurwerk": 1.5, "geluidsoverlast-muziek": 2.0,
    "overig": 2.0,
}
# Seasonal override of a sub category, January to December (normalised to mean 1 before use).
_SUB_SEASON = {
    "overlast-door-afsteken-vuurwerk": [6, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 10],
    "kerstbomen": [12.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 2],
    "eikenprocessierups": [0.05, 0.05, 0.05, 0.05, 3.0, 5.0, 3.0, 0.05, 0.05, 0.05, 0.05, 0.05],
    "wespen": [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 3.0, 5.0, 3.0, 0.2, 0.2, 0.2],
    "gladheid-winterdienst": [4.0, 3.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 3.0],
    "gladheid-bladeren": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 3.0, 4.0, 1.0],
}
# fmt: on


def physical_records(
    buurten: gpd.GeoDataFrame,
    population: np.ndarray,
    truth: pd.DataFrame,
    trend: np.ndarray,
    tree: pd.DataFrame,
    periods: pd.PeriodIndex,
    scale: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per physical signal: buurt index, month index, category index, local time."""
    n_m, n_s = len(periods), len(tree)
    exposure = population + 400.0 * np.minimum(buurten["area_km2"].to_numpy(), 2.0)
    effect = buurt_effect(truth, "physical_factor", 8.0, rng)
    calendar = periods.month.to_numpy() - 1
    national = 1.04 ** (np.arange(n_m) / 12.0)

    mains = tree["main"].to_numpy()
    main_share = np.array([_MAIN_SHARE.get(m, 0.01) for m in mains])
    sub_weight = rng.gamma(6.0, 1 / 6.0, n_s) * np.array(
        [_SUB_WEIGHT.get(s, 1.0) for s in tree["sub"]]
    )
    per_main = pd.Series(sub_weight).groupby(mains).transform("sum").to_numpy()
    share = main_share * sub_weight / per_main
    season = np.empty((n_s, 12))
    for k, (main, sub) in enumerate(zip(mains, tree["sub"], strict=True)):
        profile = np.asarray(_MAIN_SEASON.get(main, _FLAT))
        override = np.asarray(_SUB_SEASON.get(sub, _FLAT))
        season[k] = profile * override / override.mean()

    lam = (
        (exposure * effect)[:, None, None]
        * (trend * national[None, :])[:, :, None]
        * (share[:, None] * season[:, calendar]).T[None, :, :]
    )
    target = PHYSICAL_RATE * population.sum() * n_m / 12.0 * scale
    lam *= target / lam.sum()
    counts = rng.poisson(lam.ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    b, rest = np.divmod(cell, n_m * n_s)
    m, s = np.divmod(rest, n_s)

    n = cell.size
    source_idx = rng.choice(len(SOURCES), size=n, p=[x[1] for x in SOURCES])
    office = np.array([x[2] for x in SOURCES])[source_idx]
    fireworks = tree["sub"].to_numpy()[s] == "overlast-door-afsteken-vuurwerk"
    day = _sample_days(periods, m, office, fireworks, rng)
    hour = _sample_hours(office, rng)
    seconds = rng.integers(0, 3600, n)
    month_start = periods.start_time.to_numpy().astype("datetime64[s]")
    local = month_start[m] + (day * 86400 + hour * 3600 + seconds).astype("timedelta64[s]")
    order = np.argsort(local, kind="stable")
    return pd.DataFrame(
        {
            "buurt": b[order],
            "month": m[order],
            "category": s[order],
            "source": source_idx[order],
            "local": local[order],
        }
    )


def _sample_days(
    periods: pd.PeriodIndex,
    month: np.ndarray,
    office: np.ndarray,
    fireworks: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Zero-based day of the month, weighted by weekday and the turn of the year."""
    u = rng.random(month.size)
    day = np.zeros(month.size, dtype=np.int64)
    for k, period in enumerate(periods):
        n_days = period.days_in_month
        weekday = (period.start_time.day_of_week + np.arange(n_days)) % 7
        for is_office in (False, True):
            base = (_WEEKDAY_OFFICE if is_office else _WEEKDAY_ANYTIME)[weekday]
            for is_fw in (False, True):
                mask = (month == k) & (office == is_office) & (fireworks == is_fw)
                if not mask.any():
                    continue
                w = base.copy()
                if is_fw and period.month == 12:
                    w[23:] *= np.linspace(3.0, 30.0, n_days - 23)
                elif is_fw and period.month == 1:
                    w[:2] *= (40.0, 8.0)
                cdf = np.cumsum(w) / w.sum()
                day[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), n_days - 1)
    return day


def _sample_hours(office: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hour of the day, weighted by the source's profile (office hours or any time)."""
    u = rng.random(office.size)
    hour = np.empty(office.size, dtype=np.int64)
    for is_office, weights in ((False, _HOURS_ANYTIME), (True, _HOURS_OFFICE)):
        cdf = np.cumsum(weights) / weights.sum()
        mask = office == is_office
        hour[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), 23)
    return hour
