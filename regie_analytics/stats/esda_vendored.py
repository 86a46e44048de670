"""esda computations vendored in vectorised form, matched to esda :data:`ESDA_MATCHED_VERSION`.

The bivariate local Moran's conditional-randomisation p-values (with esda's random draws) and the
Gi* z-scores of many months at once. tests/test_stats.py checks each equal to esda and fails
when another esda release is installed.
"""

from __future__ import annotations

import functools
import importlib.util
import threading

import numpy as np
from esda.moran import Moran_Local_BV
from libpysal.weights import W

ESDA_MATCHED_VERSION = "2.9.0"
"""The esda release whose computations are vendored here in vectorised form (the bivariate
Moran's permutation p-values in :func:`_bv_local_moran_p`, its draws in :func:`_draws`, and
Gi* month by month in :func:`_gi_star_z`). tests/test_stats.py checks them equal to esda and
fails when another esda is installed, so a new release is compared before it is used."""


_GLOBAL_RNG_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _draws(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's random draws for conditional randomisation (deterministic per seed, so kept):
    per permutation ``max_card`` of the other ``n - 1`` areas, without replacement.

    Without numba, esda's ``vec_permutations`` seeds numpy's global generator and draws from
    it; the same draws come from a generator of our own, which no other thread (another
    session's statistics) can disturb. With numba, esda draws from numba's generator, so
    its function is used."""
    if importlib.util.find_spec("numba") is not None:  # pragma: no cover - not installed here
        from esda.crand import vec_permutations

        with _GLOBAL_RNG_LOCK:
            drawn = np.asarray(vec_permutations(max_card, n, permutations, seed))
    else:
        generator = np.random.RandomState(seed)
        drawn = np.empty((permutations, max_card), dtype=np.int64)
        for k in range(permutations):
            drawn[k] = generator.choice(n - 1, size=max_card, replace=False)
    drawn.setflags(write=False)
    return drawn


def _bv_local_moran_p(lisa: Moran_Local_BV, w: W, *, permutations: int, seed: int) -> np.ndarray:
    """esda's conditional-randomisation pseudo p-value of ``Moran_Local_BV``, for all areas at
    once.

    esda runs its permutation loop one area at a time, compiled by numba when numba is
    installed and in plain Python otherwise (here: about 25 ms for 500 buurten and 199
    permutations). This is the same computation in a few numpy operations: the same random
    draws (esda's ``vec_permutations`` with the same seed: for each permutation, ``max_card``
    other areas drawn without replacement), each area's row-standardised weights on the drawn
    areas' ``zy``, the same scaling, and esda's folded count (``keep_simulations=True``):
    ``p = (min(#sim >= I, #sim < I) + 1) / (permutations + 1)``.
    Tests check it against ``Moran_Local_BV(..., permutations=...).p_sim``.
    Vendored from esda :data:`ESDA_MATCHED_VERSION` (``esda/moran.py``, ``esda/crand.py``).
    """
    zx, zy = np.asarray(lisa.zx, dtype=float), np.asarray(lisa.zy, dtype=float)
    n = len(zx)
    adj = w.sparse.tocsr(copy=True)
    self_weights = adj.diagonal()
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.sort_indices()
    cardinality = np.diff(adj.indptr)
    max_card = max(int(cardinality.max()), 1)
    drawn = _draws(max_card, n, permutations, seed)  # (permutations, max_card)
    weights = np.zeros((n, max_card))
    rows = np.repeat(np.arange(n), cardinality)
    weights[rows, np.arange(adj.nnz) - adj.indptr[rows]] = adj.data
    # draws index the other n - 1 areas (area i skipped): draw d is area d below i, d + 1 from i
    below, from_i = zy[drawn], zy[np.minimum(drawn + 1, n - 1)]
    scaling = (n - 1) / (zx * zx).sum()
    sims = np.empty((n, permutations))
    for i, k in enumerate(cardinality.tolist()):
        # as esda: (draws x k) @ k weights, so ties with the observed I round the same way
        drawn_i = np.where(drawn[:, :k] >= i, from_i[:, :k], below[:, :k])
        sims[i] = zx[i] * (drawn_i @ weights[i, :k] + self_weights[i] * zy[i]) * scaling
    larger = (sims >= np.asarray(lisa.Is)[:, None]).sum(axis=1)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    return (larger + 1.0) / (permutations + 1.0)


def _gi_star_z(values: np.ndarray, w: W) -> np.ndarray:
    """Gi* z-scores of every column of ``values`` (areas x months) at once.

    The same formulas, in the same order, as esda ``G_Local(y, w, transform="B", star=True)``
    for each column: binary weights with the area itself (weight 1), the statistic
    ``W* y / sum(y)``, and its analytical mean and variance under randomisation. esda builds
    the weights with the area itself again for every call (about 10 ms for 500 buurten);
    here once. A column without variation gets z = 0, as :func:`_gi_star`. Vendored from esda
    :data:`ESDA_MATCHED_VERSION` (``esda/getisord.py``).
    Tests check it against esda month by month.
    """
    star = (w.sparse.tocsr() != 0).astype(float)
    star.setdiag(1.0)
    n = values.shape[0]
    flat = np.ptp(values, axis=0) == 0 if n else np.ones(values.shape[1], dtype=bool)
    y = values[:, ~flat]
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (star @ y) / y.sum(axis=0)
        empirical_mean = y.sum(axis=0) / n
        mean_of_squares = (y**2).sum(axis=0) / n
        empirical_variance = mean_of_squares - empirical_mean**2
        cardinality = np.asarray(star.sum(axis=1)).ravel()
        expected_value = cardinality / n
        expected_variance = cardinality * (n - cardinality)
        expected_variance /= n - 1
        expected_variance *= 1 / n**2
        variance = expected_variance[:, None] * (empirical_variance / (empirical_mean**2))
        z = np.zeros(values.shape)
        z[:, ~flat] = (statistic - expected_value[:, None]) / np.sqrt(variance)
    return z
