"""Small-cell suppression for every number that leaves the dashboard, and inert CSV cells.

Conventions (those of CBS and the neighbourhood monitors):

- A count from 1 to ``threshold - 1`` is a *small cell* and is published as ``"<5"`` (primary
  suppression). A zero stays visible: it points at nobody. ``suppress_zero=True`` treats 0 as a
  small cell as well.
- Secondary suppression: no hidden small cell may be recomputed from the other cells and the row,
  column and grand totals. A cell hidden only to protect another one is published as ``"x"``
  (CBS: "geheim"): labelling a hidden 10 as ``"<5"`` would be false. Totals are always computed
  from the true values, and small totals are hidden too.
- Protection cells are the smallest non-zero cells (a zero hides nothing when readers know it is
  structural); only when a line has no such cell is its total hidden instead.
- Rates are hidden when their numerator is a small cell or the area has fewer than
  ``min_population`` inhabitants.
- Strings that a spreadsheet would run as a formula get a leading ``'`` (OWASP, CSV injection).

How the tables are protected
----------------------------
A table with its totals is an ``(R + 1) x (C + 1)`` grid in which every row and every column is a
linear constraint (the cells add up to the total). First each line with exactly one hidden cell
gets a second one, until nothing changes (the classic rule). That rule alone is not enough: two
protected blocks joined by one hidden cell let a reader solve that cell. So the exact criterion
is then checked: a hidden value can be recovered exactly when no other table with non-negative
integer cells and the same published figures gives it another value. With the cells as edges
between row and column nodes, that means no cycle of hidden cells through it along which the
values can shift. Every small cell that fails gets the cheapest four-cell cycle of non-zero cells
added. :func:`is_safe` audits a published table with the same exact criterion.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import pandas as pd

from regie_analytics.schema import COUNT

DEFAULT_THRESHOLD = 5
"""Counts from 1 to ``DEFAULT_THRESHOLD - 1`` are small cells."""
DEFAULT_MIN_POPULATION = 100
"""Areas with fewer inhabitants get no rates."""
SUPPRESSED_LABEL = f"<{DEFAULT_THRESHOLD}"
"""How a small cell is published with the default threshold."""
SECONDARY_LABEL = "x"
"""How a cell is published that is hidden only to protect a small cell."""
LOW_DATA_LABEL = "te weinig waarnemingen"
LOW_POPULATION_LABEL = "te weinig inwoners"
UNKNOWN_POPULATION_LABEL = "aantal inwoners onbekend"
TOTAL_LABEL = "Totaal"
"""Row and column label of the totals that :func:`protect_table` adds."""
SUPPRESSION_REASON = "suppression_reason"
"""Name of the Series returned by :func:`rate_suppression_reason`."""
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP)."""

Cell = tuple[int, int]


def suppressed_label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """Return the label of a small cell, ``"<5"`` for the default threshold."""
    return f"<{threshold}"


def suppression_legend(*, threshold: int = DEFAULT_THRESHOLD) -> str:
    """Return the Dutch footnote that explains the suppression labels in an export."""
    return (
        f"{suppressed_label(threshold)}: minder dan {threshold}, afgeschermd zodat niemand "
        f"herkenbaar is. {SECONDARY_LABEL}: afgeschermd zodat een klein aantal niet uit de "
        "totalen is terug te rekenen."
    )


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


def _publish(
    values: np.ndarray,
    small: np.ndarray,
    hidden: np.ndarray,
    *,
    threshold: int,
    secondary_label: str,
) -> np.ndarray:
    """Object array of Python ints, with the suppression labels on hidden cells."""
    out = values.astype(object)
    out[hidden & ~small] = secondary_label
    out[small] = suppressed_label(threshold)
    return out


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
    label = suppressed_label(threshold)
    cells = [
        label if is_small else np.nan if np.isnan(v) else int(v)
        for v, is_small in zip(values, small, strict=True)
    ]
    return pd.Series(cells, index=counts.index, name=counts.name, dtype=object)


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


# --- secondary suppression: the engine on plain arrays ---------------------------------------


def _with_totals(values: np.ndarray) -> np.ndarray:
    n_rows, n_cols = values.shape
    grid = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    grid[:n_rows, :n_cols] = values
    grid[:n_rows, n_cols] = values.sum(axis=1)
    grid[n_rows, :n_cols] = values.sum(axis=0)
    grid[n_rows, n_cols] = values.sum()
    return grid


def _margins(shape: tuple[int, ...]) -> np.ndarray:
    """Row and column totals of a grid with totals (not the grand total)."""
    margin = np.zeros(shape, dtype=bool)
    margin[-1, :-1] = True
    margin[:-1, -1] = True
    return margin


def _protect_line(values: np.ndarray, hidden: np.ndarray, *, total_at: int) -> bool:
    """Hide one more cell of a line that would give its hidden cell away; True if it did.

    A line is exposed when it has exactly one hidden cell, or hidden cells that are all zero
    (their sum, zero, would follow from the total). ``hidden`` is a view and is updated in place.
    """
    n_hidden = int(hidden.sum())
    if n_hidden == 0 or (n_hidden >= 2 and values[hidden].sum() > 0):
        return False
    candidates = np.flatnonzero(~hidden)
    if candidates.size == 0:
        return False
    found = values[candidates]
    order = np.lexsort((candidates, found, candidates == total_at, found == 0))
    hidden[candidates[order[0]]] = True
    return True


def _line_rule(grid: np.ndarray, hidden: np.ndarray) -> None:
    """Apply :func:`_protect_line` to every row and column of the grid until stable."""
    n_rows, n_cols = grid.shape
    changed = True
    while changed:
        changed = False
        for i in range(n_rows):
            changed |= _protect_line(grid[i, :], hidden[i, :], total_at=n_cols - 1)
        for j in range(n_cols):
            changed |= _protect_line(grid[:, j], hidden[:, j], total_at=n_rows - 1)


def _bridges(n_nodes: int, edges: list[tuple[int, int]]) -> set[int]:
    """Indices of the edges that lie on no cycle (iterative Tarjan)."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (u, v) in enumerate(edges):
        adjacency[u].append((v, k))
        adjacency[v].append((u, k))
    order = [-1] * n_nodes
    low = [0] * n_nodes
    counter = 0
    bridges: set[int] = set()
    for root in range(n_nodes):
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            descended = False
            for nxt, k in neighbours:
                if k == via:
                    continue
                if order[nxt] == -1:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, k, iter(adjacency[nxt])))
                    descended = True
                    break
                low[node] = min(low[node], order[nxt])
            if descended:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    bridges.add(via)
    return bridges


def _reaches(arcs: list[list[tuple[int, int]]], start: int, goal: int, *, skip: int) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt, k in arcs[node]:
            if k == skip or nxt in seen:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            todo.append(nxt)
    return False


def _shift_directions(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a cell may move up or down in the sign-flipped coordinates of the cycle search.

    With the row and column totals negated, every row and column of the grid says "the cells
    add up to a known number", so a change that keeps all published figures is a cycle of
    hidden cells with alternating +1 and -1. A cell may go down only if it is at least 1; a
    negated total may go up only if the total is at least 1.
    """
    margin = _margins(grid.shape)
    positive = grid >= 1
    return ~margin | positive, margin | positive


def _pinned(grid: np.ndarray, hidden: np.ndarray, cells: list[Cell]) -> list[Cell]:
    """The hidden ``cells`` whose true value follows from the published ones.

    A hidden cell is free when a cycle of hidden cells through it lets the values shift by one
    while every cell stays non-negative. When every hidden value is at least 1, any cycle will
    do and the pinned cells are the bridges of the graph of hidden cells.
    """
    if not cells:
        return []
    n_rows = grid.shape[0]
    edges = [(int(i), int(j)) for i, j in np.argwhere(hidden)]
    edge_id = {edge: k for k, edge in enumerate(edges)}
    n_nodes = n_rows + grid.shape[1]
    if grid[hidden].min() >= 1:
        bridges = _bridges(n_nodes, [(i, n_rows + j) for i, j in edges])
        return [cell for cell in cells if edge_id[cell] in bridges]
    up, down = _shift_directions(grid)
    arcs: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (i, j) in enumerate(edges):
        if up[i, j]:
            arcs[i].append((n_rows + j, k))
        if down[i, j]:
            arcs[n_rows + j].append((i, k))
    pinned = []
    for i, j in cells:
        k = edge_id[(i, j)]
        free = (up[i, j] and _reaches(arcs, n_rows + j, i, skip=k)) or (
            down[i, j] and _reaches(arcs, i, n_rows + j, skip=k)
        )
        if not free:
            pinned.append((i, j))
    return pinned


def _close_cycle(grid: np.ndarray, hidden: np.ndarray, cell: Cell) -> None:
    """Hide the cheapest three cells that put ``cell`` on a four-cell cycle it can shift along.

    The cycle is ``(i, j)``, ``(k, j)``, ``(k, l)``, ``(i, l)``. Cost: first the number of zero
    cells newly hidden, then the sum of the newly hidden values. A cycle through the row, column
    and grand totals always qualifies, so a choice always exists.
    """
    i, j = cell
    up, down = _shift_directions(grid)
    along = up[i, j] & down[:, [j]] & up & down[[i], :]
    against = down[i, j] & up[:, [j]] & down & up[[i], :]
    feasible = along | against
    feasible[i, :] = False
    feasible[:, j] = False
    new_row = ~hidden[[i], :]
    new_col = ~hidden[:, [j]]
    new_cell = ~hidden
    value = grid[[i], :] * new_row + grid[:, [j]] * new_col + grid * new_cell
    zeros = (
        ((grid[[i], :] == 0) & new_row).astype(int)
        + ((grid[:, [j]] == 0) & new_col)
        + ((grid == 0) & new_cell)
    )
    options = np.flatnonzero(feasible)
    best = options[np.lexsort((options, value.flat[options], zeros.flat[options]))[0]]
    k, col = np.unravel_index(best, grid.shape)
    hidden[i, col] = hidden[k, j] = hidden[k, col] = True


def _table_suppression(
    values: np.ndarray, threshold: int, suppress_zero: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid with totals, its small cells and all cells to hide, for a 2-D array of counts."""
    grid = _with_totals(values)
    small = _small(grid, threshold, suppress_zero)
    hidden = small.copy()
    if values.size == 0:
        return grid, small, hidden
    _line_rule(grid, hidden)
    pinned = _pinned(grid, hidden, [(int(i), int(j)) for i, j in np.argwhere(small)])
    while pinned:
        _close_cycle(grid, hidden, pinned[0])
        pinned = _pinned(grid, hidden, pinned[1:])
    return grid, small, hidden


def _series_suppression(
    values: np.ndarray, threshold: int, suppress_zero: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells plus total, the small ones and all to hide, for a 1-D array of counts.

    One line only: once it has two hidden cells, not all zero, every hidden cell can shift
    against another, so the line rule is the whole story.
    """
    line = np.append(values, values.sum())
    small = _small(line, threshold, suppress_zero)
    hidden = small.copy()
    changed = True
    while changed:
        changed = _protect_line(line, hidden, total_at=line.size - 1)
    return line, small, hidden


def _with_total_label(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        raise ValueError(
            "Afschermen werkt op een tabel met één rij- en één kolomindeling; maak van de "
            "meervoudige index eerst één kolom."
        )
    return pd.Index([*index, TOTAL_LABEL], name=index.name)


# --- secondary suppression: public API -------------------------------------------------------


@overload
def secondary_suppression(
    table: pd.DataFrame, *, threshold: int = ..., suppress_zero: bool = ...
) -> pd.DataFrame: ...
@overload
def secondary_suppression(
    table: pd.Series, *, threshold: int = ..., suppress_zero: bool = ...
) -> pd.Series: ...
def secondary_suppression(
    table: pd.DataFrame | pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
) -> pd.DataFrame | pd.Series:
    """Mark every cell to hide (primary and secondary) in a table of counts with its totals.

    Assumes the row totals, column totals and grand total are published (for a Series: its
    total), so it is safe whether or not the export shows them.

    Parameters
    ----------
    table
        Counts, rows x columns (or a Series), without totals and without missing values.

    Returns
    -------
    Boolean DataFrame (Series) with an extra ``"Totaal"`` row and column (entry): True where the
    cell or total must be hidden.
    """
    _check_threshold(threshold)
    values = _complete_counts(table)
    if isinstance(table, pd.Series):
        _, _, hidden = _series_suppression(values, threshold, suppress_zero)
        return pd.Series(hidden, index=_with_total_label(table.index), name=table.name)
    _, _, hidden_grid = _table_suppression(values, threshold, suppress_zero)
    return pd.DataFrame(
        hidden_grid,
        index=_with_total_label(table.index),
        columns=_with_total_label(table.columns),
    )


def protect_table(
    table: pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    add_totals: bool = True,
    suppress_zero: bool = False,
    secondary_label: str = SECONDARY_LABEL,
) -> pd.DataFrame:
    """Return the publishable version of a table of counts.

    Totals are computed from the true values; small cells and small totals read ``"<5"``,
    cells hidden to protect them read ``secondary_label``. Secondary suppression assumes the
    totals are published, also with ``add_totals=False``.

    Returns
    -------
    DataFrame of object dtype (ints as ints), with a ``"Totaal"`` row and column when
    ``add_totals``.
    """
    _check_threshold(threshold)
    grid, small, hidden = _table_suppression(_complete_counts(table), threshold, suppress_zero)
    out = pd.DataFrame(
        _publish(grid, small, hidden, threshold=threshold, secondary_label=secondary_label),
        index=_with_total_label(table.index),
        columns=_with_total_label(table.columns),
        dtype=object,
    )
    return out if add_totals else out.iloc[:-1, :-1]


def protect_series(
    counts: pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    add_total: bool = True,
    suppress_zero: bool = False,
    secondary_label: str = SECONDARY_LABEL,
) -> pd.Series:
    """Return the publishable version of a 1-D table of counts (for example counts per theme).

    Like :func:`protect_table`: if one cell is hidden and the total is shown, the next smallest
    non-zero cell is hidden too.

    Returns
    -------
    Series of object dtype, with a ``"Totaal"`` entry when ``add_total``.
    """
    _check_threshold(threshold)
    line, small, hidden = _series_suppression(_complete_counts(counts), threshold, suppress_zero)
    out = pd.Series(
        _publish(line, small, hidden, threshold=threshold, secondary_label=secondary_label),
        index=_with_total_label(counts.index),
        name=counts.name,
        dtype=object,
    )
    return out if add_total else out.iloc[:-1]


def protect_long(
    frame: pd.DataFrame,
    *,
    value: str = COUNT,
    row: str,
    column: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    add_totals: bool = False,
    suppress_zero: bool = False,
    secondary_label: str = SECONDARY_LABEL,
) -> pd.DataFrame:
    """Protect a long-format export table, such as one row per area and theme.

    The frame is pivoted to ``row`` x ``column`` (combinations that do not occur count as 0),
    protected with :func:`protect_table` (or :func:`protect_series` without ``column``) and
    returned in the input's rows and order, other columns untouched.

    Parameters
    ----------
    add_totals
        Append the total rows (label ``"Totaal"``; other columns empty, new 0..n-1 index).

    Returns
    -------
    A new frame whose ``value`` column has object dtype: ints, ``"<5"`` and ``"x"``.
    """
    keys = [row] if column is None else [row, column]
    absent = [name for name in [*keys, value] if name not in frame.columns]
    if absent:
        raise ValueError(f"Kolom(men) {', '.join(map(repr, absent))} ontbreken in de tabel.")
    if frame[[*keys, value]].isna().any().any():
        raise ValueError(
            f"De kolom(men) {', '.join(map(repr, [*keys, value]))} hebben lege waarden. Vul "
            "ontbrekende aantallen met 0 voordat u de tabel afschermt."
        )
    if frame.duplicated(subset=keys).any():
        raise ValueError(
            f"Sommige combinaties van {', '.join(map(repr, keys))} komen meer dan eens voor. "
            "Tel ze eerst op (groupby en som) en scherm dan af."
        )
    result = frame.copy()
    if column is None:
        counts = pd.Series(frame[value].to_numpy(), index=pd.Index(frame[row]), name=value)
        line = protect_series(
            counts,
            threshold=threshold,
            suppress_zero=suppress_zero,
            secondary_label=secondary_label,
        )
        cells = line.to_numpy(dtype=object)[:-1]
        totals = pd.DataFrame({row: [TOTAL_LABEL], value: [line.iloc[-1]]}, dtype=object)
    else:
        table = frame.pivot(index=row, columns=column, values=value).fillna(0)
        published = protect_table(
            table,
            threshold=threshold,
            suppress_zero=suppress_zero,
            secondary_label=secondary_label,
        )
        grid = published.to_numpy(dtype=object)
        at_row = published.index.get_indexer(pd.Index(frame[row]))
        at_col = published.columns.get_indexer(pd.Index(frame[column]))
        cells = grid[at_row, at_col]
        n_rows, n_cols = grid.shape
        total_cells = [(i, n_cols - 1) for i in range(n_rows)]
        total_cells += [(n_rows - 1, j) for j in range(n_cols - 1)]
        totals = pd.DataFrame(
            {
                row: [published.index[i] for i, _ in total_cells],
                column: [published.columns[j] for _, j in total_cells],
                value: [grid[i, j] for i, j in total_cells],
            },
            dtype=object,
        )
    result[value] = pd.Series(cells, index=frame.index, dtype=object)
    if not add_totals:
        return result
    return pd.concat([result, totals], ignore_index=True)


# --- audit -----------------------------------------------------------------------------------


def _is_number(cell: object) -> bool:
    return (
        isinstance(cell, int | float | np.integer | np.floating)
        and not isinstance(cell, bool | np.bool_)
        and not np.isnan(cell)
    )


def _published_numbers(
    published: pd.DataFrame | pd.Series, rows: pd.Index, columns: pd.Index | None
) -> tuple[np.ndarray, np.ndarray]:
    """Published values on the grid of the truth (with totals), and where they are numbers."""
    extra = published.index.difference(rows, sort=False)
    if columns is not None:
        extra = extra.append(published.columns.difference(columns, sort=False))
    if len(extra):
        raise ValueError(
            f"De gepubliceerde tabel heeft rijen of kolommen die niet in de echte tabel staan, "
            f"bijvoorbeeld {extra[0]!r}."
        )
    cells: np.ndarray
    if isinstance(published, pd.Series):
        cells = published.reindex(rows).to_numpy(dtype=object)
    else:
        cells = published.reindex(index=rows, columns=columns).to_numpy(dtype=object)
    known = np.vectorize(_is_number, otypes=[bool])(cells) if cells.size else cells.astype(bool)
    numbers = np.where(known, cells, np.nan).astype(float)
    return numbers, known


def _line_pinned(line: np.ndarray, hidden: np.ndarray, small: np.ndarray) -> bool:
    """Whether a small hidden cell of one line whose total is published can be recovered.

    Such a cell can shift only against another hidden cell, and it needs that cell (or itself)
    to be at least 1.
    """
    cells = np.flatnonzero(hidden)
    for cell in np.flatnonzero(hidden & small):
        others = cells[cells != cell]
        if others.size == 0 or (line[cell] == 0 and not (line[others] >= 1).any()):
            return True
    return False


def is_safe(
    table_published: pd.DataFrame | pd.Series,
    true_table: pd.DataFrame | pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
) -> bool:
    """Audit a published table: can any small true value be read or recovered from it?

    A cell counts as published when it holds a number; anything else (``"<5"``, ``"x"``, empty)
    is hidden. Totals are taken from a ``"Totaal"`` row and column (entry) when present; absent
    totals count as not published. Recovery means the value follows exactly from the published
    figures and the fact that counts are non-negative integers (see the module docstring).

    Parameters
    ----------
    table_published
        What is shown, as :func:`protect_table` (or :func:`protect_series`) returns it.
    true_table
        The true counts, without totals.

    Returns
    -------
    True when no small value (totals included) is shown or can be recovered.

    Raises
    ------
    ValueError
        When a published number differs from the true value.
    """
    _check_threshold(threshold)
    truth = _complete_counts(true_table)
    rows = _with_total_label(true_table.index)
    if isinstance(true_table, pd.Series):
        grid = np.append(truth, truth.sum())
        numbers, known = _published_numbers(table_published, rows, None)
    else:
        grid = _with_totals(truth)
        columns = _with_total_label(true_table.columns)
        numbers, known = _published_numbers(table_published, rows, columns)
    wrong = np.argwhere(known & (numbers != grid))
    if wrong.size:
        where = tuple(wrong[0])
        raise ValueError(
            f"De gepubliceerde waarde {numbers[where]:g} op positie {where} wijkt af van het "
            f"echte aantal {grid[where]}."
        )
    small = _small(grid, threshold, suppress_zero)
    if (known & small).any():
        return False
    hidden = ~known
    if grid.ndim == 1:
        return not (known[-1] and _line_pinned(grid[:-1], hidden[:-1], small[:-1]))
    return not _pinned(grid, hidden, [(int(i), int(j)) for i, j in np.argwhere(small & hidden)])


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
