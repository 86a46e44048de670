"""Small counts in what leaves the dashboard: labels, rates, the audit, and inert CSV cells.

Every published count is first perturbed with the cell-key method (:mod:`regie_analytics.cellkey`,
p-table :data:`PTABLE`), so a count can no longer be recovered by subtracting overlapping tables
and published tables need not add up. On top of that, as the neighbourhood monitors do:

- A perturbed count from 1 to ``threshold - 1`` (only 3 and 4 occur) is published as ``"<5"``
  where the municipality wants that (:func:`label_threshold`). A zero stays visible.
- Rates are hidden when their (perturbed) numerator reads ``"<5"`` or the area has fewer than
  ``min_population`` inhabitants.
- Strings that a spreadsheet would run as a formula get a leading ``'`` (OWASP, CSV injection).
- :func:`is_safe` audits a published table, exact or perturbed, with what a reader knows: what
  each label means (``"<5"`` is 1..4, ``"x"`` 0 or at least 5), what a perturbed number can
  come from (its p-table preimage) and that lines add up to their totals; integer programming
  (scipy's ``milp``) decides whether a small count has a single possible value.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from regie_analytics.cellkey import DEFAULT_PTABLE, PTable

DEFAULT_THRESHOLD = 5
"""Counts from 1 to ``DEFAULT_THRESHOLD - 1`` are small cells."""
DEFAULT_MIN_POPULATION = 100
"""Areas with fewer inhabitants get no rates."""
SUPPRESSED_LABEL = f"<{DEFAULT_THRESHOLD}"
"""How a small cell is published with the default threshold."""
SECONDARY_LABEL = "x"
"""How classic secondary suppression (CBS: "geheim") publishes a cell hidden to protect a small
one; :func:`is_safe` reads it as 0 or at least the threshold."""
LOW_DATA_LABEL = "te weinig waarnemingen"
LOW_POPULATION_LABEL = "te weinig inwoners"
UNKNOWN_POPULATION_LABEL = "aantal inwoners onbekend"
TOTAL_LABEL = "Totaal"
"""Row and column label of a table's totals."""
SUPPRESSION_REASON = "suppression_reason"
"""Name of the Series returned by :func:`rate_suppression_reason`."""
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP)."""


PTABLE: PTable = DEFAULT_PTABLE
"""The p-table of every protected output (see :mod:`regie_analytics.cellkey`)."""
LABEL_ENV = "REGIE_SMALL_COUNT_LABEL"
"""Environment variable: perturbed counts below it read ``"<5"`` (default 5; 0 shows them)."""


def label_threshold() -> int:
    """The municipality's choice (:data:`LABEL_ENV`): perturbed counts from 1 to this minus 1
    are published as ``"<5"``; 1 (or 0) shows every perturbed count as it is."""
    text = os.environ.get(LABEL_ENV, "").strip()
    if not text:
        return DEFAULT_THRESHOLD
    if not text.isdigit():
        raise ValueError(
            f"{LABEL_ENV} moet een geheel getal zijn (bijvoorbeeld 5, of 0 om geen '<5' te "
            f"tonen), niet {text!r}."
        )
    return max(1, int(text))


def suppressed_label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """Return the label of a small cell, ``"<5"`` for the default threshold."""
    return f"<{threshold}"


def perturbation_note(*, threshold: int = DEFAULT_THRESHOLD) -> str:
    """The Dutch footnote of every protected output: how the counts are protected, that
    tables need not add up, and what ``"<5"`` means."""
    note = (
        "Beschermde cijfers: elk aantal is volgens de celsleutelmethode (zoals CBS en ONS "
        f"gebruiken) met hooguit {PTABLE.max_deviation} verhoogd of verlaagd, steeds op "
        "dezelfde manier voor dezelfde meldingen; 1 en 2 komen niet voor. Totalen zijn apart "
        "beschermd, dus delen tellen niet altijd precies op tot het totaal. Cijfers per "
        "inwoner en andere maten zijn uit de beschermde aantallen berekend."
    )
    if threshold > 1:
        note += f" {suppressed_label(threshold)}: een beschermd aantal kleiner dan {threshold}."
    return note


# --- validation ------------------------------------------------------------------------------


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(
            f"De drempel voor kleine aantallen moet een geheel getal van 1 of meer zijn, "
            f"niet {threshold!r}."
        )


def _count_array(counts: pd.Series | pd.DataFrame) -> np.ndarray:
    """Counts as a float array (NaN where missing); raise on text, negatives and fractions."""
    try:
        values = counts.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError(
            "Aantallen moeten getallen zijn; de invoer bevat tekst. Geef de echte aantallen "
            "door, niet een al afgeschermde tabel."
        ) from err
    if np.isinf(values).any():
        raise ValueError("Aantallen moeten eindige getallen zijn; de invoer bevat 'oneindig'.")
    present = values[~np.isnan(values)]
    if (present < 0).any():
        raise ValueError("Aantallen kunnen niet negatief zijn; controleer de invoer.")
    if (present != np.round(present)).any():
        raise ValueError("Aantallen moeten hele getallen zijn; de invoer bevat breuken.")
    return values


def _complete_counts(counts: pd.Series | pd.DataFrame) -> np.ndarray:
    """Counts as an int64 array; raise on missing values and on labels named like the total."""
    labels = [*counts.index] if isinstance(counts, pd.Series) else [*counts.index, *counts.columns]
    if TOTAL_LABEL in labels:
        raise ValueError(
            f"De tabel heeft al een rij of kolom '{TOTAL_LABEL}'. Geef de tabel zonder totalen "
            "door: de totalen worden uit de echte aantallen berekend."
        )
    values = _count_array(counts)
    if np.isnan(values).any():
        raise ValueError(
            "De tabel heeft lege cellen. Vul ontbrekende aantallen met 0 voordat u de tabel "
            "afschermt."
        )
    return values.astype(np.int64)


def _small(values: np.ndarray, threshold: int, suppress_zero: bool) -> np.ndarray:
    lowest = 0 if suppress_zero else 1
    return (values >= lowest) & (values < threshold)


# --- primary suppression ---------------------------------------------------------------------


@overload
def small_cell_mask(
    counts: pd.Series, *, threshold: int = ..., suppress_zero: bool = ...
) -> pd.Series: ...
@overload
def small_cell_mask(
    counts: pd.DataFrame, *, threshold: int = ..., suppress_zero: bool = ...
) -> pd.DataFrame: ...
def small_cell_mask(
    counts: pd.Series | pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
) -> pd.Series | pd.DataFrame:
    """Mark the small cells: counts from 1 to ``threshold - 1`` (from 0 with ``suppress_zero``).

    Returns
    -------
    Boolean Series or DataFrame shaped like ``counts``; missing values are not small.
    """
    _check_threshold(threshold)
    mask = _small(_count_array(counts), threshold, suppress_zero)
    if isinstance(counts, pd.Series):
        return pd.Series(mask, index=counts.index, name=counts.name, dtype=bool)
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns, dtype=bool)


def suppress_counts(
    counts: pd.Series, *, threshold: int = DEFAULT_THRESHOLD, suppress_zero: bool = False
) -> pd.Series:
    """Replace small counts by ``"<5"`` (primary suppression only).

    Use this where no total is published alongside (a map hover per area); use
    :func:`protect_series` when a total is shown too.

    Returns
    -------
    Series of object dtype: ints as ints, small cells as the label, missing values as NaN.
    """
    _check_threshold(threshold)
    values = _count_array(counts)
    small = _small(values, threshold, suppress_zero)
    cells = np.full(len(values), np.nan, dtype=object)
    shown = ~small & ~np.isnan(values)
    cells[shown] = values[shown].astype(np.int64).tolist()  # Python ints, as the rows were
    cells[small] = suppressed_label(threshold)
    return pd.Series(cells, index=counts.index, name=counts.name, dtype=object)


def label_small(published: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """A published (perturbed) table with its small counts as ``"<5"``: every column through
    :func:`suppress_counts` (object dtype, ints as ints)."""
    return published.apply(lambda column: suppress_counts(column, threshold=threshold))


# --- rates -----------------------------------------------------------------------------------


def _rate_reasons(
    rates: pd.Series,
    numerators: pd.Series,
    population: pd.Series | None,
    threshold: int,
    min_population: float,
    suppress_zero: bool,
) -> np.ndarray:
    _check_threshold(threshold)
    if min_population < 0:
        raise ValueError(f"Het minimum aantal inwoners kan niet negatief zijn: {min_population}.")
    missing = rates.index.difference(numerators.index, sort=False)
    if len(missing):
        raise ValueError(
            f"Voor {len(missing)} gebieden ontbreekt de teller van het cijfer "
            f"(bijvoorbeeld {missing[0]!r}); geef de aantallen van alle gebieden mee."
        )
    counts = _count_array(numerators.reindex(rates.index))
    reasons = np.full(len(rates), "", dtype=object)
    reasons[_small(counts, threshold, suppress_zero) | np.isnan(counts)] = LOW_DATA_LABEL
    if population is not None:
        inhabitants = population.reindex(rates.index).to_numpy(dtype=float, na_value=np.nan)
        reasons[np.isnan(inhabitants)] = UNKNOWN_POPULATION_LABEL
        reasons[inhabitants < min_population] = LOW_POPULATION_LABEL
    return reasons


def suppress_rates(
    rates: pd.Series,
    *,
    numerators: pd.Series,
    population: pd.Series | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    min_population: float = DEFAULT_MIN_POPULATION,
    suppress_zero: bool = False,
) -> pd.Series:
    """Hide rates whose numerator is a small cell or whose area has too few inhabitants.

    ``numerators`` and ``population`` are aligned on the index of ``rates``. A missing numerator
    or population hides the rate as well.

    Returns
    -------
    Float Series like ``rates``, NaN where hidden; :func:`rate_suppression_reason` says why.
    """
    hidden = _rate_reasons(
        rates, numerators, population, threshold, min_population, suppress_zero
    ).astype(bool)
    values = rates.to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(hidden, np.nan, values), index=rates.index, name=rates.name)


def rate_suppression_reason(
    rates: pd.Series,
    *,
    numerators: pd.Series,
    population: pd.Series | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    min_population: float = DEFAULT_MIN_POPULATION,
    suppress_zero: bool = False,
) -> pd.Series:
    """Say in Dutch why :func:`suppress_rates` hides each rate, for map hovers.

    Returns
    -------
    Series of str named ``suppression_reason``: ``"te weinig inwoners"``, ``"aantal inwoners
    onbekend"``, ``"te weinig waarnemingen"`` or ``""`` where the rate is shown. The population
    reason wins when both apply.
    """
    reasons = _rate_reasons(rates, numerators, population, threshold, min_population, suppress_zero)
    return pd.Series(reasons, index=rates.index, name=SUPPRESSION_REASON, dtype="str")


# --- tables with totals ----------------------------------------------------------------------


def _with_totals(values: np.ndarray) -> np.ndarray:
    n_rows, n_cols = values.shape
    grid = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    grid[:n_rows, :n_cols] = values
    grid[:n_rows, n_cols] = values.sum(axis=1)
    grid[n_rows, :n_cols] = values.sum(axis=0)
    grid[n_rows, n_cols] = values.sum()
    return grid


def _with_total_label(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        raise ValueError(
            "Afschermen werkt op een tabel met één rij- en één kolomindeling; maak van de "
            "meervoudige index eerst één kolom."
        )
    return pd.Index([*index, TOTAL_LABEL], name=index.name)


# --- audit -----------------------------------------------------------------------------------

Interval = tuple[int, float]
"""A range of whole numbers ``lo..hi`` (``hi`` may be infinite)."""


def _is_number(cell: object) -> bool:
    return (
        isinstance(cell, int | float | np.integer | np.floating)
        and not isinstance(cell, bool | np.bool_)
        and not np.isnan(cell)
    )


def _merged(values: Iterable[int]) -> list[Interval]:
    """Whole numbers as the fewest ranges ``lo..hi``."""
    ranges: list[Interval] = []
    for value in sorted(set(values)):
        if ranges and ranges[-1][1] == value - 1:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return ranges


def _possible_counts(
    cell: object, *, threshold: int, suppress_zero: bool, ptable: PTable | None
) -> list[Interval]:
    """What a reader knows of the true count behind a published cell.

    Exact publication: a number is the count; ``"<5"`` is 1..4 (0..4 with ``suppress_zero``);
    ``"x"`` is 0 or at least 5 (at least 5 with ``suppress_zero``); anything else (empty) any
    count. With a p-table, a number is any count that can be published as it, and a label any
    count that can be published as one of the values it stands for.
    """
    lowest = 0 if suppress_zero else 1
    if _is_number(cell):
        shown: list[Interval] = [(int(cell), int(cell))]  # type: ignore[call-overload]
    elif isinstance(cell, str) and cell.startswith("<"):
        shown = [(lowest, threshold - 1)]
    elif cell == SECONDARY_LABEL:
        shown = [(threshold, math.inf)] if suppress_zero else [(0, 0), (threshold, math.inf)]
    else:
        return [(0, math.inf)]
    if ptable is None:
        return shown
    counts: set[int] = set()
    tail = math.inf
    for lo, hi in shown:
        if hi == math.inf:
            tail = min(tail, max(0, lo - ptable.max_deviation))
            hi = lo
        for value in range(int(lo), int(hi) + 1):
            counts |= ptable.preimage(value)
    ranges = _merged(c for c in counts if c < tail)
    return [*ranges, (int(tail), math.inf)] if tail < math.inf else ranges


def _audit_grid(
    published: pd.DataFrame | pd.Series, rows: pd.Index, columns: pd.Index | None
) -> np.ndarray:
    """The published cells on the grid of the truth with totals (missing ones empty)."""
    extra = published.index.difference(rows, sort=False)
    if columns is not None:
        extra = extra.append(published.columns.difference(columns, sort=False))
    if len(extra):
        raise ValueError(
            f"De gepubliceerde tabel heeft rijen of kolommen die niet in de echte tabel staan, "
            f"bijvoorbeeld {extra[0]!r}."
        )
    if isinstance(published, pd.Series):
        return published.reindex(rows).to_numpy(dtype=object)
    return published.reindex(index=rows, columns=columns).to_numpy(dtype=object)


@dataclass
class _Program:
    """The table as a mixed-integer program: one integer per cell and per total, each within
    what its published cell allows, every line adding up to its total."""

    n_cells: int
    objective_size: int
    constraints: list[LinearConstraint]
    integrality: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def solve(
        self, objective: np.ndarray, extra: LinearConstraint | None = None
    ) -> np.ndarray | None:
        """A solution minimising ``objective`` (over the cells), or None when infeasible."""
        cost = np.zeros(self.objective_size)
        cost[: self.n_cells] = objective
        constraints = [*self.constraints, *([extra] if extra is not None else [])]
        result = milp(
            cost,
            constraints=constraints,
            integrality=self.integrality,
            bounds=Bounds(self.lower, self.upper),
        )
        if result.x is None:
            return None
        return np.round(result.x[: self.n_cells]).astype(np.int64)


def _program(
    domains: list[list[Interval]], lines: list[tuple[list[int], int]], big: int
) -> _Program:
    """``domains`` per cell (body cells and totals alike, flattened); ``lines`` as (cells,
    total): the cells add up to the total. Cells with several ranges choose one with binaries."""
    n = len(domains)
    lower = np.zeros(n)
    upper = np.zeros(n)
    extra_lower: list[float] = []
    extra_upper: list[float] = []
    rows: list[np.ndarray] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    choices: list[tuple[int, list[Interval]]] = []
    for i, ranges in enumerate(domains):
        ranges = [(lo, min(hi, big)) for lo, hi in ranges if lo <= big]
        lower[i] = min(lo for lo, _ in ranges)
        upper[i] = max(hi for _, hi in ranges)
        if len(ranges) > 1:
            choices.append((i, ranges))
    n_binary = sum(len(ranges) for _, ranges in choices)
    size = n + n_binary
    start = n
    for i, ranges in choices:
        # cell = one of the ranges: sum of binaries is 1, lo_k b_k <= cell - ... via bounds
        pick = np.zeros(size)
        pick[start : start + len(ranges)] = 1
        rows.append(pick)
        row_lo.append(1)
        row_hi.append(1)
        low = np.zeros(size)
        high = np.zeros(size)
        low[i] = high[i] = 1
        for k, (lo, hi) in enumerate(ranges):
            low[start + k] = -lo
            high[start + k] = -hi
        rows += [low, high]
        row_lo += [0, -np.inf]
        row_hi += [np.inf, 0]
        extra_lower += [0] * len(ranges)
        extra_upper += [1] * len(ranges)
        start += len(ranges)
    for cells, total in lines:
        line = np.zeros(size)
        line[cells] = 1
        line[total] = -1
        rows.append(line)
        row_lo.append(0)
        row_hi.append(0)
    return _Program(
        n_cells=n,
        objective_size=size,
        constraints=[LinearConstraint(np.array(rows), row_lo, row_hi)] if rows else [],
        integrality=np.ones(size),
        lower=np.concatenate([lower, extra_lower]),
        upper=np.concatenate([upper, extra_upper]),
    )


def recoverable_cells(
    table_published: pd.DataFrame | pd.Series,
    true_table: pd.DataFrame | pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
    ptable: PTable | None = None,
) -> list[tuple[object, ...]]:
    """The small true counts (cells and totals) a reader can tell exactly from a published table.

    A reader knows what every published cell allows (see :func:`_possible_counts`: labels
    mean ranges, perturbed numbers their p-table preimage) and that every row and column adds
    up to its total. A small count is recoverable when it is published exactly, or when every
    table of non-negative integers that fits those facts has the same value there; that is
    decided with integer programming (scipy's ``milp``): a first pair of programs pushes all
    small cells up and down at once, then each cell still in doubt is tried on both sides.

    Parameters
    ----------
    table_published
        What is shown, with a ``"Totaal"`` row and column (entry) where totals are shown.
    true_table
        The true counts, without totals.
    ptable
        The p-table the published numbers were perturbed with; ``None`` for exact numbers.

    Returns
    -------
    The labels (row, column) or (row,) of the recoverable small counts, totals included.

    Raises
    ------
    ValueError
        When a published cell does not fit the true value (wrong number or wrong label).
    """
    _check_threshold(threshold)
    truth = _complete_counts(true_table)
    rows = _with_total_label(true_table.index)
    if isinstance(true_table, pd.Series):
        grid = np.append(truth, truth.sum())
        cells = _audit_grid(table_published, rows, None)
        labels: list[tuple[object, ...]] = [(r,) for r in rows]
        n = grid.size
        lines = [(list(range(n - 1)), n - 1)]
    else:
        grid = _with_totals(truth)
        columns = _with_total_label(true_table.columns)
        cells = _audit_grid(table_published, rows, columns)
        labels = [(r, c) for r in rows for c in columns]
        n_rows, n_cols = len(rows), len(columns)
        at = np.arange(grid.size).reshape(grid.shape)
        lines = [(at[i, :-1].tolist(), int(at[i, -1])) for i in range(n_rows)]
        lines += [(at[:-1, j].tolist(), int(at[-1, j])) for j in range(n_cols)]
    flat_truth = grid.ravel()
    flat_cells = cells.ravel()
    domains = [
        _possible_counts(cell, threshold=threshold, suppress_zero=suppress_zero, ptable=ptable)
        for cell in flat_cells
    ]
    for k, (value, ranges) in enumerate(zip(flat_truth, domains, strict=True)):
        if not any(lo <= value <= hi for lo, hi in ranges):
            raise ValueError(
                f"De gepubliceerde waarde {flat_cells[k]!r} bij {labels[k]} past niet bij het "
                f"echte aantal {value}."
            )
    small = _small(flat_truth, threshold, suppress_zero)
    exact = {k for k, ranges in enumerate(domains) if ranges == [(flat_truth[k], flat_truth[k])]}
    pinned = [int(k) for k in np.flatnonzero(small) if k in exact]
    doubt = [int(k) for k in np.flatnonzero(small) if k not in exact]
    if doubt:
        finite = [hi for ranges in domains for _, hi in ranges if hi < math.inf]
        big = 4 * int(max([*finite, int(flat_truth.max())])) + 100
        program = _program(domains, lines, big)
        for sign in (1.0, -1.0):  # everything in doubt up, then down
            objective = np.zeros(len(domains))
            objective[doubt] = -sign
            solution = program.solve(objective)
            if solution is not None:
                doubt = [k for k in doubt if solution[k] == flat_truth[k]]
        for k in doubt:
            row = np.zeros(program.objective_size)
            row[k] = 1
            below = LinearConstraint(row, -np.inf, flat_truth[k] - 1)
            above = LinearConstraint(row, flat_truth[k] + 1, np.inf)
            zero = np.zeros(len(domains))
            if program.solve(zero, below) is None and program.solve(zero, above) is None:
                pinned.append(k)
    return [labels[k] for k in sorted(pinned)]


def is_safe(
    table_published: pd.DataFrame | pd.Series,
    true_table: pd.DataFrame | pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
    ptable: PTable | None = None,
) -> bool:
    """Audit a published table: is no small true count (1..4, totals included) shown or
    recoverable? See :func:`recoverable_cells` for what a reader is assumed to know."""
    return not recoverable_cells(
        table_published,
        true_table,
        threshold=threshold,
        suppress_zero=suppress_zero,
        ptable=ptable,
    )


# --- CSV injection ---------------------------------------------------------------------------


def neutralise_formula(value: object) -> object:
    """Make a text cell inert for spreadsheets by prefixing ``'`` when it starts like a formula.

    Only strings are touched: a negative number is not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`neutralise_formula` to every cell and to the row and column labels."""
    out = frame.map(neutralise_formula)
    out.index = frame.index.map(neutralise_formula)
    out.columns = frame.columns.map(neutralise_formula)
    return out
