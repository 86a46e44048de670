"""The jumps of one area level (months in which an area's theme count jumped far above its
seasonal baseline, :func:`regie_analytics.stats.anomalies`), the same wherever they are
computed: by the dashboard from the cube's located cut per area, month, domain and theme
(``ui/queries.py``), or by a PostgreSQL commit from the rollup it has just written, kept with
the version so that no dashboard server computes them again
(:class:`regie_analytics.store.pgresults.JumpsBeside`).

A stored result is named after what computed it (:func:`jumps_name`): the level, the
protection and a digest of the source of the modules that decide its values and of the
libraries' versions, so a result written by other code is not read (it is computed again, as
for a version without one)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy

from regie_analytics import aggregate, privacy, stats
from regie_analytics.schema import AREA_CODE, CELL_KEY, COUNT, DOMAIN, MONTH, THEME
from regie_analytics.stats.progress import report

JUMP_MONTHS = 13
"""Months of data before jumps can be tested: a year of history and the month itself."""
JUMP_ALPHA = 0.001
"""The jumps' significance level (:func:`regie_analytics.stats.anomalies`)."""
JUMP_COLUMNS = (AREA_CODE, MONTH, DOMAIN, THEME)
"""The cut the jumps are computed from (with ``count`` and ``cell_key``)."""


def level_jumps(cube: pd.DataFrame, parents: pd.Series | None, private: bool) -> pd.DataFrame:
    """The upward jumps per area of a level, theme and month (the columns of
    :func:`regie_analytics.stats.anomalies` and ``domain``), from ``cube``: the finest
    areas' located counts per :data:`JUMP_COLUMNS` (``count``, ``cell_key``), summed to the
    level's areas with ``parents`` (finest code -> code at the level; None: the finest level
    itself), with ``private`` of the perturbed counts (:data:`regie_analytics.privacy.PTABLE`).
    Empty with fewer than :data:`JUMP_MONTHS` months."""
    by = list(JUMP_COLUMNS)
    if parents is None:  # the cut is summed per area, month, domain and theme already
        long = cube.dropna(subset=by) if cube[by].isna().any().any() else cube
    else:
        codes = aggregate.codes_at_level(cube[AREA_CODE], parents)
        keys = [codes.rename(AREA_CODE), cube[MONTH], cube[DOMAIN], cube[THEME]]
        # the keys stay categorical (not a text per row): anomalies returns them as text
        long = cube[[COUNT, CELL_KEY]].groupby(keys, observed=True).sum().reset_index()
    report(0.0)
    long = aggregate.published(long, privacy.PTABLE if private else None)
    report(0.0)
    if long.empty or long[MONTH].nunique() < JUMP_MONTHS:
        return pd.DataFrame()
    themes = long.drop_duplicates(THEME).astype({THEME: "str", DOMAIN: "str"})
    domains = themes.set_index(THEME)[DOMAIN]
    found = stats.anomalies(long.drop(columns=DOMAIN), alpha=JUMP_ALPHA)
    found = found.loc[found["afwijking"] == stats.ANOMALY_HIGH]
    return found.assign(**{DOMAIN: found[THEME].map(domains).to_numpy()})


_DECIDING = (
    "aggregate.py", "cellkey.py", "privacy.py", "schema.py", "limits.py", "engine.py",
    "stats/jumps.py", "stats/trends.py", "stats/labels.py", "geo/levels.py",
    "insights/level_jumps.py", "store/pgresults.py",
)  # fmt: skip
"""The modules (under the package) whose source decides a level's jumps: their computation,
the cut they start from as the commit builds it and the dashboard reads it, the levels."""


def _source_digest() -> str:
    """A digest of the source of :data:`_DECIDING` and the versions of the libraries that
    compute with them, taken when this module is imported (the code this process runs)."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in _DECIDING:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    for library in (np, pd, pa, scipy):
        digest.update(f"{library.__name__} {library.__version__}".encode())
    return digest.hexdigest()


_SOURCE = _source_digest()


def jumps_name(level: str, private: bool) -> str:
    """The name of a level's stored jumps (see the module): with ``private`` the p-table in
    use is part of the digest too."""
    digest = hashlib.sha256(_SOURCE.encode())
    if private:
        rows = tuple(tuple(sorted(dict(row).items())) for row in privacy.PTABLE.rows)
        digest.update(repr(rows).encode())
    return f"jumps/{level}/{'beschermd' if private else 'exact'}/{digest.hexdigest()[:16]}"
