"""The social-domain counts of the demo: questions per buurt, month, theme and channel
(``sociaal/wijkteam_telling.csv``), Poisson around population times the buurt effect, the
planted factor, the trend and a mild seasonal profile."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.demo.buurten import buurt_effect

THEMES: tuple[str, ...] = (
    "zorg en ondersteuning",
    "jeugd en gezin",
    "werk en inkomen",
    "schulden en armoede",
    "eenzaamheid en welzijn",
    "wonen",
    "overlast door personen",
    "zorg en veiligheid",
)
"""Social-domain themes of ``sociaal/wijkteam_telling.csv``."""

SOCIAL_CHANNELS: tuple[str, ...] = ("wijkteam", "KCC")

SOCIAL_RATE = 0.05
"""Social-domain questions per inhabitant per year (assumption, see :mod:`regie_analytics.demo`)."""

# fmt: off
# Per theme (order of THEMES): share of all social questions, share via the wijkteam.
_THEME_SHARE = np.array([0.22, 0.15, 0.15, 0.14, 0.10, 0.10, 0.08, 0.06])
_WIJKTEAM_SHARE = np.array([0.70, 0.75, 0.45, 0.60, 0.70, 0.40, 0.35, 0.60])
_SOCIAL_SEASON = np.array([1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.8, 0.8, 1.1, 1.05, 1.05, 0.95])
_THEME_SEASON = {
    "schulden en armoede":    [1.3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    "jeugd en gezin":         [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 1.1, 1.0, 1.0, 1.0],
    "eenzaamheid en welzijn": [1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.25],
}
# fmt: on
_FLAT = [1.0] * 12


def social_counts(
    buurten: gpd.GeoDataFrame,
    population: np.ndarray,
    truth: pd.DataFrame,
    trend: np.ndarray,
    periods: pd.PeriodIndex,
    scale: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Social questions per buurt, month, theme and channel (cells above zero only)."""
    n_m = len(periods)
    effect = buurt_effect(truth, "social_factor", 6.0, rng)
    calendar = periods.month.to_numpy() - 1
    national = 1.02 ** (np.arange(n_m) / 12.0)
    season = np.array(
        [np.asarray(_THEME_SEASON.get(t, _FLAT)) * _SOCIAL_SEASON for t in THEMES]
    )  # theme x calendar month
    channel = np.stack([_WIJKTEAM_SHARE, 1 - _WIJKTEAM_SHARE], axis=1)  # theme x channel
    lam = (
        (population * effect)[:, None, None, None]
        * (trend * national[None, :])[:, :, None, None]
        * (_THEME_SHARE[:, None] * season[:, calendar]).T[None, :, :, None]
        * channel[None, None, :, :]
    )
    target = SOCIAL_RATE * population.sum() * n_m / 12.0 * scale
    lam *= target / lam.sum()
    counts = rng.poisson(lam)
    b, m, t, c = np.nonzero(counts)
    return pd.DataFrame(
        {
            "area_code": buurten["area_code"].to_numpy()[b],
            "period": periods.strftime("%Y-%m").to_numpy()[m],
            "theme": np.array(THEMES)[t],
            "channel": np.array(SOCIAL_CHANNELS)[c],
            "count": counts[b, m, t, c],
        }
    )
