"""esda computations vendored in vectorised form, matched to esda :data:`ESDA_MATCHED_VERSION`.

Gi* (of many months at once) and the bivariate local Moran's I from sparse matrices, and their
conditional-randomisation p-values (with esda's random draws) for all areas at once.
tests/test_stats.py checks each equal to esda and fails when another esda release is installed.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Callable

import numpy as np
from scipy import sparse

from regie_analytics.stats.progress import report
from regie_analytics.stats.weights import _row_standardised

ESDA_MATCHED_VERSION = "2.9.0"
"""The esda release whose computations are vendored here in vectorised form (the bivariate
Moran in :func:`_bv_local_moran`, Gi* in :func:`_gi_star_columns`, their permutation
p-values in :func:`_conditional_p` with the draws of :func:`_draws`). tests/test_stats.py
checks them equal to esda and fails when another esda is installed, so a new release is
compared before it is used."""


_GLOBAL_RNG_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _draws(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's random draws for conditional randomisation (deterministic per seed, so kept):
    per permutation ``max_card`` of the other ``n - 1`` areas, without replacement.

    Without numba, esda's ``vec_permutations`` seeds numpy's global generator and draws from
    it; the same draws come from a generator of our own, which no other thread (another
    session's statistics) can disturb. With numba, esda draws from numba's generator, so
    its function is used. Reports the first half of the progress (:mod:`.progress`)."""
    if importlib.util.find_spec("numba") is not None:  # pragma: no cover - not installed here
        from esda.crand import vec_permutations

        with _GLOBAL_RNG_LOCK:
            drawn = np.asarray(vec_permutations(max_card, n, permutations, seed))
    else:
        generator = np.random.RandomState(seed)
        drawn = np.empty((permutations, max_card), dtype=np.int64)
        for k in range(permutations):
            drawn[k] = generator.choice(n - 1, size=max_card, replace=False)
            if k % 500 == 499:  # each draw shuffles all n - 1 areas: long for many areas
                report(0.5 * k / permutations)
    drawn.setflags(write=False)
    return drawn


_CHUNK_VALUES = 200_000
"""Random values gathered per step of :func:`_conditional_p` (areas x permutations x
neighbours): about 1.6 MB at a time, whatever the number of areas, so a step's arrays stay in
the processor's cache."""


def _conditional_p(
    z: np.ndarray,
    adj: sparse.csr_matrix,
    observed: np.ndarray,
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """esda's conditional-randomisation pseudo p-value (``alternative="directed"``: folded
    towards the nearer tail) of a local statistic, for all areas at once.

    esda (``crand.crand``/``compute_chunk``) runs one area at a time, compiled by numba when
    numba is installed and in plain Python otherwise. This is the same computation grouped by
    the number of neighbours ``k``: the same random draws (:func:`_draws`: per permutation,
    ``max_card`` other areas without replacement, the area itself skipped), per area the
    ``(permutations x k)`` drawn values times its ``k`` weights (as esda, a matrix-vector
    product per area, so ties with the observed statistic round the same way), then
    ``statistic(rows, lags)`` gives the simulated statistics of the areas ``rows`` and the
    count is ``(min(#sim >= observed, #sim < observed) + 1) / (permutations + 1)``.

    ``adj`` holds each area's weights on its neighbours (CSR, no diagonal), in the order of
    the weights' sparse matrix. Vendored from esda :data:`ESDA_MATCHED_VERSION`
    (``esda/crand.py``, ``esda/significance.py``).
    """
    n = len(z)
    cardinality = np.diff(adj.indptr)
    max_card = max(int(cardinality.max(initial=0)), 1)
    drawn = _draws(max_card, n, permutations, seed)  # (permutations, max_card)
    # draws index the other n - 1 areas (area i skipped): draw d is area d below i, d + 1 from i
    below, from_i = z[drawn], z[np.minimum(drawn + 1, n - 1)]
    larger = np.zeros(n, dtype=np.int64)
    done = 0
    for k in np.unique(cardinality).tolist():
        rows_k = np.flatnonzero(cardinality == k)
        width = max(k, 1)  # an island: one random neighbour with weight 0, as esda
        weights_k = np.zeros((len(rows_k), width))
        if k:
            weights_k[:] = adj.data[adj.indptr[rows_k][:, None] + np.arange(k)]
        # the first `width` draws as contiguous blocks: selecting from them is twice as fast
        drawn_k = np.ascontiguousarray(drawn[None, :, :width])
        below_k = np.ascontiguousarray(below[None, :, :width])
        from_i_k = np.ascontiguousarray(from_i[None, :, :width])
        step = max(1, _CHUNK_VALUES // (permutations * width))
        for first in range(0, len(rows_k), step):
            rows = rows_k[first : first + step]
            values = np.where(drawn_k >= rows[:, None, None], from_i_k, below_k)
            # one matrix-vector product per area (numpy's stacked matmul), as esda
            lags = np.matmul(values, weights_k[first : first + len(rows), :, None])[..., 0]
            sims = statistic(rows, lags)
            larger[rows] = (sims >= observed[rows, None]).sum(axis=1)
            done += len(rows)
            report(0.5 + 0.5 * done / n)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    return (larger + 1.0) / (permutations + 1.0)


def _bv_local_moran(
    x: np.ndarray, y: np.ndarray, adj: sparse.csr_matrix, *, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """esda ``Moran_Local_BV(x, y, w, transformation="r", permutations=permutations,
    seed=seed)``'s ``Is``, ``q`` and ``p_sim`` from the binary adjacency ``adj`` (CSR, no
    diagonal, in the order of ``w.sparse``), without building weights objects.

    The same formulas in the same order: ``x`` and ``y`` standardised (population standard
    deviation), the row-standardised lag of ``zy``, ``I = (n - 1) zx lag / sum(zx^2)``, the
    quadrants 1 (high-high), 2 (low-high), 3 (low-low), 4 (high-low), and the folded
    conditional-randomisation p-value (:func:`_conditional_p`). Tests check each equal to
    esda. Vendored from esda :data:`ESDA_MATCHED_VERSION` (``esda/moran.py``).
    """
    n = len(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        zx = x - x.mean()
        zy = y - y.mean()
        zx /= x.std()
        zy /= y.std()
    row = _row_standardised(adj)
    lag = row @ zy
    local_i = (n - 1) * zx * lag / (zx * zx).sum()
    high_x, high_lag = zx > 0, lag > 0
    q = np.select(
        [high_x & high_lag, ~high_x & high_lag, ~high_x & ~high_lag], [1, 2, 3], default=4
    )
    scaling = (n - 1) / (zx * zx).sum()

    def statistic(rows: np.ndarray, lags: np.ndarray) -> np.ndarray:
        return zx[rows, None] * (lags + 0.0 * zy[rows, None]) * scaling

    p = _conditional_p(zy, row, local_i, statistic, permutations=permutations, seed=seed)
    return local_i, q, p


def _gi_star_columns(values: np.ndarray, adj: sparse.csr_matrix) -> tuple[np.ndarray, ...]:
    """Gi* and its z-score of every column of ``values`` (areas x months) at once.

    The same formulas, in the same order, as esda ``G_Local(y, w, transform="B", star=True)``
    for each column: binary weights with the area itself (weight 1), the statistic
    ``W* y / sum(y)``, and its analytical mean and variance under randomisation. ``adj`` is
    the binary adjacency (no diagonal). A column without variation gets Gi* NaN and z = 0
    (no clustering). Vendored from esda :data:`ESDA_MATCHED_VERSION` (``esda/getisord.py``).
    Tests check it against esda month by month.
    """
    star = sparse.csr_matrix(adj + sparse.identity(adj.shape[0], format="csr"))
    n = values.shape[0]
    flat = np.ptp(values, axis=0) == 0 if n else np.ones(values.shape[1], dtype=bool)
    y = values[:, ~flat]
    gi = np.full(values.shape, np.nan)
    z = np.zeros(values.shape)
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
        gi[:, ~flat] = statistic
        z[:, ~flat] = (statistic - expected_value[:, None]) / np.sqrt(variance)
    return gi, z


def _gi_star_p(
    y: np.ndarray, adj: sparse.csr_matrix, gi: np.ndarray, *, permutations: int, seed: int
) -> np.ndarray:
    """esda ``G_Local(y, w, transform="B", star=True, permutations=..., seed=...).p_sim``:
    the folded conditional-randomisation pseudo p-value of Gi*, stored in single precision as
    esda does. Vendored from esda :data:`ESDA_MATCHED_VERSION` (``esda/getisord.py``).

    The same draws and count as :func:`_conditional_p`, computed for binary weights in about
    ``areas x permutations`` steps instead of ``areas x permutations x neighbours``: with
    ``k`` neighbours, an area's random sum is the sum of the first ``k`` drawn values, where
    draw ``d`` means area ``d`` for the areas above ``d`` and area ``d + 1`` for the others
    (the area itself is skipped). So the sum of ``y[d]`` over the first ``k`` draws is the
    same for every area with ``k`` neighbours, and the correction ``y[d + 1] - y[d]`` applies
    to the areas up to ``d``: a cumulative sum over the areas, once per ``k``. Sums of counts
    are exact in any order; for non-integer values the last bit of a sum may differ from
    esda's, which only matters for a random sum exactly equal to the observed one.
    """
    n = len(y)
    total = y.sum()
    cardinality = np.diff(adj.indptr)
    max_card = max(int(cardinality.max(initial=0)), 1)
    drawn = _draws(max_card, n, permutations, seed)  # (permutations, max_card)
    below = y[drawn]
    delta = y[np.minimum(drawn + 1, n - 1)] - below
    larger = np.zeros(n, dtype=np.int64)
    done = 0
    step = max(1, _CHUNK_VALUES // permutations)
    for k in np.unique(cardinality).tolist():
        rows_k = np.flatnonzero(cardinality == k)[::-1]  # descending
        base = below[:, :k].sum(axis=1)
        own = 1.0 if k else 0.0  # esda gives an island weight 0 on itself and on a draw
        # the correction of draw d applies to the areas up to d: from position `first` on
        first = (len(rows_k) - np.searchsorted(rows_k[::-1], drawn[:, :k], side="right")).ravel()
        which = np.repeat(np.arange(permutations), k)
        corrections = delta[:, :k].ravel()
        carry = np.zeros(permutations)  # corrections of the areas before this chunk
        for lo in range(0, len(rows_k), step):
            hi = min(len(rows_k), lo + step)
            inside = (first >= lo) & (first < hi)
            sums: np.ndarray = np.bincount(
                (first[inside] - lo) * permutations + which[inside],
                weights=corrections[inside],
                minlength=(hi - lo) * permutations,
            ).reshape(hi - lo, permutations)
            sums[0] += carry
            np.cumsum(sums, axis=0, out=sums)
            carry = sums[-1].copy()
            rows = rows_k[lo:hi]
            sums += base[None, :]
            sums += own * y[rows, None]
            sums /= total
            larger[rows] = (sums >= gi[rows, None]).sum(axis=1)
            done += len(rows)
            report(0.5 + 0.5 * done / n)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    p = (larger + 1.0) / (permutations + 1.0)
    return p.astype(np.float32).astype(float)
