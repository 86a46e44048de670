"""Tests for small-cell suppression: hand-made tables with known answers, and random tables
audited both by ``is_safe`` and by an independent linear-programming reference (scipy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from regie_analytics import privacy as p

SMALL = p.SUPPRESSED_LABEL
X = p.SECONDARY_LABEL
T = p.TOTAL_LABEL


def _table(rows: list[list[int]], index: list[str] | None = None, columns=None) -> pd.DataFrame:
    n_rows, n_cols = len(rows), len(rows[0])
    return pd.DataFrame(
        rows,
        index=index or [f"r{i}" for i in range(n_rows)],
        columns=columns or [f"c{j}" for j in range(n_cols)],
    )


def _hidden(mask: pd.DataFrame) -> set[tuple[object, object]]:
    return {(r, c) for r in mask.index for c in mask.columns if mask.at[r, c]}


def _grid_with_totals(truth: np.ndarray) -> np.ndarray:
    n_rows, n_cols = truth.shape
    grid = np.zeros((n_rows + 1, n_cols + 1))
    grid[:n_rows, :n_cols] = truth
    grid[:n_rows, -1] = truth.sum(axis=1)
    grid[-1, :n_cols] = truth.sum(axis=0)
    grid[-1, -1] = truth.sum()
    return grid


def _publish_by_hand(truth: pd.DataFrame, hidden: set[tuple[int, int]]) -> pd.DataFrame:
    """Published table with totals, hiding the given grid positions (as "x")."""
    grid = _grid_with_totals(truth.to_numpy()).astype(int).astype(object)
    for cell in hidden:
        grid[cell] = X
    return pd.DataFrame(grid, index=[*truth.index, T], columns=[*truth.columns, T], dtype=object)


def _recovered_by_lp(
    published: pd.DataFrame, truth: pd.DataFrame, *, lowest: int = 1
) -> list[tuple[int, int]]:
    """Small hidden cells whose value an attacker pins down exactly (independent reference).

    Unknowns are the hidden cells of the grid with totals; every row and column says the cells
    add up to the total; values are non-negative. A cell is recovered when its LP minimum and
    maximum coincide (the constraint matrix is totally unimodular, so the bounds are integral).
    """
    grid = _grid_with_totals(truth.to_numpy())
    n_rows, n_cols = grid.shape
    shown = published.reindex(index=[*truth.index, T], columns=[*truth.columns, T])
    cells = shown.to_numpy(dtype=object)
    known = np.array(
        [[isinstance(v, int | np.integer) for v in line] for line in cells], dtype=bool
    )
    unknown = [(i, j) for i in range(n_rows) for j in range(n_cols) if not known[i, j]]
    column_of = {cell: k for k, cell in enumerate(unknown)}
    lines = [[((i, j), 1 if j < n_cols - 1 else -1) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[((i, j), 1 if i < n_rows - 1 else -1) for i in range(n_rows)] for j in range(n_cols)]
    a_eq = np.zeros((len(lines), len(unknown)))
    b_eq = np.zeros(len(lines))
    for k, line in enumerate(lines):
        for cell, sign in line:
            if known[cell]:
                b_eq[k] -= sign * grid[cell]
            else:
                a_eq[k, column_of[cell]] = sign
    recovered = []
    for cell in unknown:
        if not (lowest <= grid[cell] < 5):
            continue
        objective = np.zeros(len(unknown))
        objective[column_of[cell]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0
        if high.status == 0 and -high.fun - low.fun < 0.5:
            recovered.append(cell)
    return recovered


def _random_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = (int(n) for n in rng.integers(2, 7, size=2))
    share_small = rng.uniform(0.1, 0.6)
    small = rng.integers(0, 5, size=(n_rows, n_cols))
    large = rng.integers(5, 60, size=(n_rows, n_cols))
    values = np.where(rng.random((n_rows, n_cols)) < share_small, small, large)
    return _table(values.tolist())


def _numbers(published: pd.DataFrame) -> np.ndarray:
    cells = published.to_numpy(dtype=object).ravel()
    return np.array([v for v in cells if not isinstance(v, str)], dtype=float)


# --- labels and primary suppression ----------------------------------------------------------


def test_labels_follow_the_threshold():
    assert p.SUPPRESSED_LABEL == "<5"
    assert p.suppressed_label(10) == "<10"
    assert p.LOW_DATA_LABEL == "te weinig waarnemingen"
    assert "<10" in p.suppression_legend(threshold=10)


def test_small_cell_mask_keeps_zero_visible_unless_asked():
    counts = pd.Series([0, 1, 4, 5, np.nan, 12], index=list("abcdef"))
    assert p.small_cell_mask(counts).tolist() == [False, True, True, False, False, False]
    with_zero = p.small_cell_mask(counts, suppress_zero=True)
    assert with_zero.tolist() == [True, True, True, False, False, False]
    assert p.small_cell_mask(counts, threshold=3).tolist() == [False, True] + [False] * 4
    assert list(with_zero.index) == list("abcdef")


def test_small_cell_mask_on_a_frame_keeps_its_shape():
    counts = _table([[0, 3], [7, 4]])
    expected = pd.DataFrame(
        [[False, True], [False, True]], index=counts.index, columns=counts.columns
    )
    pd.testing.assert_frame_equal(p.small_cell_mask(counts), expected)


def test_suppress_counts_writes_ints_and_labels():
    counts = pd.Series([0, 3, 12, 5], index=["BU1", "BU2", "BU3", "BU4"], name="count")
    out = p.suppress_counts(counts)
    assert out.dtype == object
    assert out.tolist() == [0, SMALL, 12, 5]
    assert type(out["BU3"]) is int
    assert out.name == "count"
    assert p.suppress_counts(counts, threshold=10).tolist() == [0, "<10", 12, "<10"]
    assert p.suppress_counts(counts, suppress_zero=True).tolist() == [SMALL, SMALL, 12, 5]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (pd.Series([1, -2]), "negatief"),
        (pd.Series([1.5, 2.0]), "hele getallen"),
        (pd.Series(["3", "<5"]), "tekst"),
        (pd.Series([1.0, np.inf]), "eindige"),
    ],
)
def test_bad_counts_are_refused_in_dutch(counts, message):
    with pytest.raises(ValueError, match=message):
        p.suppress_counts(counts)


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True])
def test_threshold_must_be_a_positive_integer(threshold):
    with pytest.raises(ValueError, match="drempel"):
        p.small_cell_mask(pd.Series([1, 2]), threshold=threshold)


# --- rates -----------------------------------------------------------------------------------


def _rate_inputs():
    index = pd.Index(["BU1", "BU2", "BU3", "BU4", "BU5"], name="area_code")
    rates = pd.Series([5.0, 20.0, 30.0, 125.0, 0.0], index=index, name="per_1000")
    numerators = pd.Series([2, 5, 30, 10, 0], index=index)
    population = pd.Series([400, 250, 1000, 80, 500], index=index)
    return rates, numerators, population


def test_rates_are_hidden_for_small_numerators_and_small_areas():
    rates, numerators, population = _rate_inputs()
    before = rates.copy()
    out = p.suppress_rates(rates, numerators=numerators, population=population)
    assert out.dtype == float
    assert out.name == "per_1000"
    np.testing.assert_array_equal(out.to_numpy(), [np.nan, 20.0, 30.0, np.nan, 0.0])
    reasons = p.rate_suppression_reason(rates, numerators=numerators, population=population)
    assert reasons.tolist() == [p.LOW_DATA_LABEL, "", "", p.LOW_POPULATION_LABEL, ""]
    assert reasons.name == p.SUPPRESSION_REASON
    pd.testing.assert_series_equal(rates, before)


def test_rates_without_population_only_look_at_the_numerator():
    rates, numerators, _ = _rate_inputs()
    out = p.suppress_rates(rates, numerators=numerators)
    np.testing.assert_array_equal(out.to_numpy(), [np.nan, 20.0, 30.0, 125.0, 0.0])


def test_rate_inputs_are_aligned_on_the_area_code_and_options_apply():
    rates, numerators, population = _rate_inputs()
    shuffled = numerators.iloc[::-1]
    population = population.astype(float)
    population["BU3"] = np.nan
    reasons = p.rate_suppression_reason(
        rates, numerators=shuffled, population=population, min_population=300, threshold=10
    )
    assert reasons.tolist() == [
        p.LOW_DATA_LABEL,
        p.LOW_POPULATION_LABEL,
        p.UNKNOWN_POPULATION_LABEL,
        p.LOW_POPULATION_LABEL,
        "",
    ]


def test_rates_need_a_numerator_for_every_area():
    rates, numerators, _ = _rate_inputs()
    with pytest.raises(ValueError, match="teller"):
        p.suppress_rates(rates, numerators=numerators.drop("BU2"))


# --- secondary suppression, hand-made tables -------------------------------------------------


def test_a_single_small_cell_takes_the_next_smallest_in_row_and_column():
    # Row r0 hides 10 (next smallest), then columns c0 and c1 each hide their smallest
    # remaining cell (15 and 12), which closes the 2 x 2 block. Totals stay visible.
    table = _table([[2, 10, 20], [15, 12, 30], [25, 40, 50]])
    mask = p.secondary_suppression(table)
    assert list(mask.index) == ["r0", "r1", "r2", T]
    assert list(mask.columns) == ["c0", "c1", "c2", T]
    assert _hidden(mask) == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}


def test_iterating_until_stable_is_needed():
    # Pass 1: row r0 hides 8; column c0 hides 6 (r2), column c1 hides 9 (r1).
    # Now rows r1 and r2 each have one hidden cell: pass 2 hides 30 (r1, c0) and 50 (r2, c1).
    table = _table([[3, 8, 20], [30, 9, 40], [6, 50, 60]])
    after_one_pass = {(0, 0), (0, 1), (2, 0), (1, 1)}
    assert not p.is_safe(_publish_by_hand(table, after_one_pass), table)
    assert _recovered_by_lp(_publish_by_hand(table, after_one_pass), table) == [(0, 0)]
    mask = p.secondary_suppression(table)
    assert _hidden(mask) == {(f"r{i}", c) for i in range(3) for c in ("c0", "c1")}
    assert p.is_safe(p.protect_table(table), table)


def test_only_zeros_left_means_the_total_is_hidden():
    # r0 hides 20; c0 hides 10 (r1); c1 has only a zero left, so its total (20) goes;
    # r1 has only zeros left, so its total (10) goes; then the total row hides the column
    # total 12 and the total column hides the row total 52. The grand total stays.
    table = _table([[2, 20, 30], [10, 0, 0]])
    published = p.protect_table(table)
    expected = pd.DataFrame(
        [[SMALL, X, 30, X], [X, 0, 0, X], [X, X, 30, 62]],
        index=["r0", "r1", T],
        columns=["c0", "c1", "c2", T],
        dtype=object,
    )
    pd.testing.assert_frame_equal(published, expected)
    assert p.is_safe(published, table)


def test_small_totals_are_hidden_too():
    table = _table([[1, 2, 0], [0, 0, 0]])
    expected = pd.DataFrame(
        [[SMALL, SMALL, 0, SMALL], [0, 0, 0, 0], [SMALL, SMALL, 0, SMALL]],
        index=["r0", "r1", T],
        columns=["c0", "c1", "c2", T],
        dtype=object,
    )
    pd.testing.assert_frame_equal(p.protect_table(table), expected)


def test_two_blocks_joined_by_one_cell_need_more_than_the_line_rule():
    # Every line has 0 or >= 2 small cells, yet (r0, c2) = 4 is the only hidden link between
    # the two 2 x 2 blocks and can be solved from the totals. The cheapest four-cell cycle
    # through it adds (r3, c1) = 20.
    table = _table(
        [
            [2, 3, 4, 30, 40],
            [3, 2, 50, 60, 70],
            [60, 70, 2, 3, 80],
            [90, 20, 3, 2, 25],
            [35, 45, 55, 65, 75],
        ]
    )
    primary = {(i, j) for i in range(5) for j in range(5) if 1 <= table.iat[i, j] <= 4}
    primary_only = _publish_by_hand(table, primary)
    for line in [*primary_only.to_numpy(), *primary_only.to_numpy().T]:
        assert sum(v == X for v in line) != 1
    assert not p.is_safe(primary_only, table)
    assert _recovered_by_lp(primary_only, table) == [(0, 2)]
    mask = p.secondary_suppression(table)
    assert _hidden(mask) == {(f"r{i}", f"c{j}") for i, j in primary} | {("r3", "c1")}
    assert p.is_safe(p.protect_table(table), table)


def test_auditor_sees_that_hidden_zeros_give_a_cell_away():
    # Column c1 is 0, 0, 10 with total 10: the two hidden zeros must be zero, and then the
    # row total gives (r0, c0) = 2 although every line has two hidden cells.
    table = _table([[2, 0, 10], [8, 0, 10], [10, 10, 10]])
    published = _publish_by_hand(table, {(0, 0), (0, 1), (1, 0), (1, 1)})
    assert not p.is_safe(published, table)
    assert _recovered_by_lp(published, table) == [(0, 0)]
    assert p.is_safe(published.iloc[:-1, :-1], table)
    assert p.is_safe(p.protect_table(table), table)


def test_auditor_flags_primary_suppression_only():
    table = _table([[2, 10, 20], [15, 12, 30], [25, 40, 50]])
    primary_only = table.astype(object).mask(p.small_cell_mask(table), SMALL)
    primary_only[T] = table.sum(axis=1)
    assert not p.is_safe(primary_only, table)
    assert p.is_safe(primary_only.drop(columns=T), table)
    assert p.is_safe(p.protect_table(table), table)
    assert not p.is_safe(table.astype(object), table)


def test_auditor_refuses_published_numbers_that_are_not_the_truth():
    table = _table([[2, 10, 20], [15, 12, 30], [25, 40, 50]])
    published = p.protect_table(table)
    published.iat[2, 2] = 51
    with pytest.raises(ValueError, match="wijkt af"):
        p.is_safe(published, table)
    published.iat[2, 2] = 50
    published.loc["onbekend"] = 0
    with pytest.raises(ValueError, match="onbekend"):
        p.is_safe(published, table)


# --- protect_table ---------------------------------------------------------------------------


def test_protect_table_output_is_object_with_true_totals():
    table = _table([[2, 10, 20], [15, 12, 30], [25, 40, 50]], columns=["afval", "groen", "jeugd"])
    before = table.copy()
    published = p.protect_table(table)
    assert set(published.dtypes) == {np.dtype(object)}
    assert published.loc["r0"].tolist() == [SMALL, X, 20, 32]
    assert published.loc[T].tolist() == [42, 62, 100, 204]
    assert type(published.at[T, T]) is int
    without = p.protect_table(table, add_totals=False, secondary_label="<5")
    assert list(without.columns) == ["afval", "groen", "jeugd"]
    assert without.loc["r1"].tolist() == [SMALL, SMALL, 30]
    assert p.protect_table(table, threshold=2).loc["r0"].tolist() == [2, 10, 20, 32]
    pd.testing.assert_frame_equal(table, before)


def test_protect_table_with_zero_suppressed():
    table = _table([[0, 10, 20], [15, 12, 30], [25, 40, 50]])
    assert p.protect_table(table).loc["r0"].tolist() == [0, 10, 20, 30]
    with_zero = p.protect_table(table, suppress_zero=True)
    assert with_zero.loc["r0"].tolist() == [SMALL, X, 20, 30]
    assert p.is_safe(with_zero, table, suppress_zero=True)
    assert not p.is_safe(p.protect_table(table), table, suppress_zero=True)


def test_protect_table_on_an_empty_table_shows_only_totals():
    empty = pd.DataFrame(index=pd.Index([], dtype=str), columns=["afval", "groen"], dtype=int)
    assert p.protect_table(empty).to_numpy().tolist() == [[0, 0, 0]]
    assert p.protect_table(empty, suppress_zero=True).to_numpy().tolist() == [[SMALL] * 3]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (_table([[1, 2], [3, 4]], columns=["a", T]), T),
        (pd.DataFrame({"a": [1.0, np.nan], "b": [2, 3]}), "lege cellen"),
        (pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2)])), "index"),
    ],
)
def test_protect_table_refuses_what_it_cannot_protect(table, message):
    with pytest.raises(ValueError, match=message):
        p.protect_table(table)


def test_random_tables_are_always_safe():
    for seed in range(200):
        table = _random_table(seed)
        published = p.protect_table(table)
        assert p.is_safe(published, table), seed
        numbers = _numbers(published)
        assert not ((numbers >= 1) & (numbers <= 4)).any(), seed
        truth = _grid_with_totals(table.to_numpy())
        shown = published.to_numpy(dtype=object)
        for (i, j), cell in np.ndenumerate(shown):
            if not isinstance(cell, str):
                assert cell == truth[i, j], seed
            for line in (shown[i, :], shown[:, j]):
                assert sum(isinstance(v, str) for v in line) != 1, seed
        if seed % 4 == 0:
            assert _recovered_by_lp(published, table) == [], seed


def test_random_tables_with_zero_suppressed_are_safe():
    for seed in range(1000, 1060):
        table = _random_table(seed)
        published = p.protect_table(table, suppress_zero=True)
        assert p.is_safe(published, table, suppress_zero=True), seed
        numbers = _numbers(published)
        assert not ((numbers >= 0) & (numbers <= 4)).any(), seed
        assert _recovered_by_lp(published, table, lowest=0) == [], seed


def test_auditor_agrees_with_linear_programming_on_random_publications():
    # Many zeros, hidden often, plus random other cells: hidden zeros can pin a small cell even
    # where every hidden cell lies on a cycle (about 10 of these 150 cases).
    verdicts = []
    for seed in range(2000, 2150):
        rng = np.random.default_rng(seed)
        shape = tuple(int(n) for n in rng.integers(2, 6, size=2))
        values = np.where(
            rng.random(shape) < 0.4, rng.integers(1, 5, size=shape), rng.integers(5, 40, size=shape)
        )
        table = _table(np.where(rng.random(shape) < 0.35, 0, values).tolist())
        grid = _grid_with_totals(table.to_numpy())
        draw = rng.random(grid.shape)
        hidden = ((grid >= 1) & (grid <= 4)) | ((grid == 0) & (draw < 0.7)) | (draw < 0.15)
        published = _publish_by_hand(table, {(int(i), int(j)) for i, j in np.argwhere(hidden)})
        safe = p.is_safe(published, table)
        assert safe == (_recovered_by_lp(published, table) == []), seed
        verdicts.append(safe)
    assert 20 < sum(verdicts) < 130


# --- 1-D tables ------------------------------------------------------------------------------


def test_series_with_one_small_cell_hides_the_next_smallest():
    counts = pd.Series([3, 10, 12, 40], index=["afval", "groen", "jeugd", "wmo"], name="count")
    published = p.protect_series(counts)
    assert published.tolist() == [SMALL, X, 12, 40, 65]
    assert list(published.index) == ["afval", "groen", "jeugd", "wmo", T]
    mask = p.secondary_suppression(counts)
    assert mask.tolist() == [True, True, False, False, False]
    assert p.is_safe(published, counts)
    primary_only = p.suppress_counts(counts)
    assert p.is_safe(primary_only, counts)
    primary_only[T] = 65
    assert not p.is_safe(primary_only, counts)
    assert p.protect_series(counts, add_total=False).tolist() == [SMALL, X, 12, 40]


def test_series_with_small_total():
    published = p.protect_series(pd.Series([1, 0, 2]))
    assert published.tolist() == [SMALL, 0, SMALL, SMALL]


def test_series_auditor_sees_hidden_zeros():
    counts = pd.Series([0, 0, 10, 20])
    published = pd.Series([X, X, 10, 20, 30], index=[0, 1, 2, 3, T], dtype=object)
    assert p.is_safe(published, counts)
    assert not p.is_safe(published, counts, suppress_zero=True)
    with_zero = p.protect_series(counts, suppress_zero=True)
    assert with_zero.tolist() == [SMALL, SMALL, X, 20, 30]
    assert p.is_safe(with_zero, counts, suppress_zero=True)


def test_random_series_are_always_safe():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        counts = pd.Series(rng.integers(0, 12, size=int(rng.integers(1, 8))))
        for suppress_zero in (False, True):
            published = p.protect_series(counts, suppress_zero=suppress_zero)
            assert p.is_safe(published, counts, suppress_zero=suppress_zero), seed
            numbers = _numbers(published.to_frame())
            lowest = 0 if suppress_zero else 1
            assert not ((numbers >= lowest) & (numbers <= 4)).any(), seed


# --- long format -----------------------------------------------------------------------------


def _long_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["BU3", "BU1", "BU2", "BU1", "BU2", "BU3", "BU1", "BU2"],
            "theme": ["afval", "afval", "groen", "groen", "afval", "groen", "jeugd", "jeugd"],
            "count": [25, 2, 12, 10, 15, 40, 20, 30],
            "name": ["C", "A", "B", "A", "B", "C", "A", "B"],
        },
        index=range(10, 18),
    )


def test_protect_long_returns_the_input_rows_with_protected_values():
    frame = _long_frame()
    before = frame.copy()
    out = p.protect_long(frame, row="area_code", column="theme")
    assert out["count"].dtype == object
    assert out["count"].tolist() == [25, SMALL, X, X, X, 40, 20, 30]
    assert list(out.index) == list(frame.index)
    pd.testing.assert_frame_equal(out.drop(columns="count"), frame.drop(columns="count"))
    pd.testing.assert_frame_equal(frame, before)


def test_protect_long_adds_totals_with_missing_combinations_as_zero():
    out = p.protect_long(_long_frame(), row="area_code", column="theme", add_totals=True)
    totals = out.iloc[8:].set_index(["area_code", "theme"])["count"]
    assert totals[("BU3", T)] == 65
    assert totals[(T, "jeugd")] == 50
    assert totals[(T, T)] == 154
    assert len(totals) == 3 + 3 + 1
    assert out.iloc[8:]["name"].isna().all()


def test_protect_long_without_column_is_a_series_with_a_total():
    frame = pd.DataFrame({"theme": ["afval", "groen", "jeugd", "wmo"], "count": [3, 10, 12, 40]})
    out = p.protect_long(frame, row="theme", add_totals=True)
    assert out["count"].tolist() == [SMALL, X, 12, 40, 65]
    assert out["theme"].tolist() == ["afval", "groen", "jeugd", "wmo", T]


def test_protect_long_refuses_duplicate_combinations_and_missing_columns():
    frame = pd.concat([_long_frame(), _long_frame().iloc[:1]])
    with pytest.raises(ValueError, match="meer dan eens"):
        p.protect_long(frame, row="area_code", column="theme")
    with pytest.raises(ValueError, match="ontbreken"):
        p.protect_long(_long_frame(), row="buurt", column="theme")
    with_gap = _long_frame().astype({"count": float})
    with_gap.loc[11, "count"] = np.nan
    with pytest.raises(ValueError, match="lege waarden"):
        p.protect_long(with_gap, row="area_code", column="theme")


# --- CSV injection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+31 6 123", "'+31 6 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("<5", "<5"),
        ("Centrum", "Centrum"),
        ("", ""),
        (-3, -3),
        (-2.5, -2.5),
    ],
)
def test_neutralise_formula(value, expected):
    assert p.neutralise_formula(value) == expected
    assert type(p.neutralise_formula(value)) is type(expected)


def test_neutralise_formulas_touches_cells_and_labels_not_numbers():
    frame = pd.DataFrame(
        {"=naam": ["=1+1", "Oost"], "count": [-3, 4], "rate": [-0.5, np.nan]},
        index=["@a", "b"],
    )
    before = frame.copy()
    out = p.neutralise_formulas(frame)
    assert list(out.columns) == ["'=naam", "count", "rate"]
    assert list(out.index) == ["'@a", "b"]
    assert out["'=naam"].tolist() == ["'=1+1", "Oost"]
    assert out["count"].tolist() == [-3, 4]
    assert out["count"].dtype == np.int64
    assert out["rate"].iloc[0] == -0.5
    pd.testing.assert_frame_equal(frame, before)
