"""The series table of :func:`regie_analytics.stats.anomalies` (``stats/jumps.py``): summed by
numpy from the keys' codes, it must equal pandas' ``groupby(...).sum().unstack()`` exactly on
messy input (missing keys, duplicate rows, categories in no sorted order, unused ones, months
without any count), and the anomalies found from it must not depend on the input's row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regie_analytics import stats
from regie_analytics.schema import AREA_CODE, COUNT, MONTH, THEME
from regie_analytics.stats.jumps import _series_table
from regie_analytics.stats.trends import _month_range

MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13) if (y, m) != (2023, 5)]
"""Two years with one month that no row has (2023-05): its column is all zeros."""


def _messy(categorical: bool, themed: bool, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 5000
    frame = pd.DataFrame(
        {
            AREA_CODE: rng.choice([f"BU{i:03d}" for i in range(40)] + [None], n),
            MONTH: rng.choice(MONTHS, n),
            COUNT: rng.poisson(4, n),
        }
    )
    if themed:
        frame[THEME] = rng.choice(["schulden", "afval", "overlast", None], n)
    if categorical:  # categories in no sorted order, one never used
        frame[AREA_CODE] = pd.Categorical(
            frame[AREA_CODE], categories=[f"BU{i:03d}" for i in range(40, -1, -1)]
        )
        if themed:
            frame[THEME] = pd.Categorical(
                frame[THEME], categories=["schulden", "overlast", "afval", "geluid"]
            )
    return frame


@pytest.mark.parametrize("themed", [False, True], ids=["area", "area_theme"])
@pytest.mark.parametrize("categorical", [False, True], ids=["text", "categorical"])
def test_series_table_equals_pandas_groupby(categorical: bool, themed: bool) -> None:
    frame = _messy(categorical, themed)
    keys = [AREA_CODE, THEME] if themed else [AREA_CODE]
    months = _month_range(frame[MONTH])
    index, y = _series_table(frame, keys, months)
    counts = frame.groupby([frame[k] for k in [*keys, MONTH]], observed=True)[COUNT].sum()
    want = counts.unstack(fill_value=0)
    want.columns = pd.PeriodIndex(want.columns, freq="M")
    want = want.reindex(columns=months, fill_value=0).astype(float)
    assert [tuple(map(str, i)) if themed else str(i) for i in want.index] == list(index)
    np.testing.assert_array_equal(y, want.to_numpy())
    assert index.names == keys
    assert y[:, list(months.astype(str)).index("2023-05")].sum() == 0  # the empty month
    # by hand: one series' count in one month
    area = "BU007"
    rows = frame[AREA_CODE].astype(object) == area
    if themed:
        rows &= frame[THEME].astype(object) == "afval"
    rows &= frame[MONTH] == "2024-03"
    row = list(index).index((area, "afval") if themed else area)
    assert y[row, list(months.astype(str)).index("2024-03")] == frame.loc[rows, COUNT].sum()


def test_anomalies_do_not_depend_on_the_row_order() -> None:
    frame = _messy(True, True, seed=5)
    spike = (frame[AREA_CODE] == "BU003") & (frame[MONTH] == "2024-11")
    frame.loc[spike, COUNT] = 300
    found = stats.anomalies(frame, alpha=0.01)
    assert ((found[AREA_CODE] == "BU003") & (found[MONTH] == "2024-11")).any()
    shuffled = frame.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(stats.anomalies(shuffled, alpha=0.01), found)
