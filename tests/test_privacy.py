"""Tests for small-cell labels, rates and the audit: hand-made tables with known answers, and
random tables audited both by ``is_safe`` (integer programming) and by brute-force enumeration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regie_analytics import cellkey
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


def _grid_with_totals(truth: np.ndarray) -> np.ndarray:
    n_rows, n_cols = truth.shape
    grid = np.zeros((n_rows + 1, n_cols + 1))
    grid[:n_rows, :n_cols] = truth
    grid[:n_rows, -1] = truth.sum(axis=1)
    grid[-1, :n_cols] = truth.sum(axis=0)
    grid[-1, -1] = truth.sum()
    return grid


def test_labels_follow_the_threshold():
    assert p.SUPPRESSED_LABEL == "<5"
    assert p.suppressed_label(10) == "<10"
    assert p.LOW_DATA_LABEL == "te weinig waarnemingen"
    note = p.perturbation_note(threshold=10)
    assert "<10: een beschermd aantal kleiner dan 10" in note and "hooguit 3" in note
    assert "tellen niet altijd precies op" in note
    assert "<" not in p.perturbation_note(threshold=1)


def test_label_threshold_is_the_municipality_s_choice(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(p.LABEL_ENV, raising=False)
    assert p.label_threshold() == 5
    monkeypatch.setenv(p.LABEL_ENV, "0")
    assert p.label_threshold() == 1
    assert p.suppress_counts(pd.Series([3, 4, 0]), threshold=p.label_threshold()).tolist() == [
        3,
        4,
        0,
    ]
    monkeypatch.setenv(p.LABEL_ENV, "vijf")
    with pytest.raises(ValueError, match="geheel getal"):
        p.label_threshold()


def test_label_small_labels_every_column():
    table = pd.DataFrame({"a": [3, 0, 12], "b": [4, 5, 0]})
    assert p.label_small(table).values.tolist() == [[SMALL, SMALL], [0, 5], [12, 0]]


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


@pytest.mark.parametrize("dtype", ["int64", "float64", "Int64"])
def test_suppress_counts_cell_by_cell(dtype):
    """Every cell as its definition says: a small count (from 1, or 0 with ``suppress_zero``,
    below the threshold) the label, a missing one NaN, any other its count as a Python int."""
    rng = np.random.default_rng(3)
    counts = pd.Series(rng.integers(0, 14, 2000), dtype=dtype, name="n")
    if dtype != "int64":
        counts[::7] = None
    for threshold in (5, 10):
        for zero in (False, True):
            out = p.suppress_counts(counts, threshold=threshold, suppress_zero=zero)
            for value, cell in zip(counts, out, strict=True):
                if pd.isna(value):
                    assert isinstance(cell, float) and np.isnan(cell)
                elif (0 if zero else 1) <= value < threshold:
                    assert cell == f"<{threshold}"
                else:
                    assert type(cell) is int and cell == value
            assert out.index.equals(counts.index) and out.name == "n"


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


# --- the audit: what a reader can tell from a published table --------------------------------


def _published(rows: list[list[object]], totals: list[object], grand: object) -> pd.DataFrame:
    """A published table with its row totals (last column) and column totals (last row)."""
    body = [[*row, total] for row, total in zip(rows, totals, strict=True)]
    n_cols = len(rows[0])
    columns = [*(f"c{j}" for j in range(n_cols)), T]
    index = [*(f"r{i}" for i in range(len(rows))), T]
    totals_row = [None] * n_cols + [grand]
    return pd.DataFrame([*body, totals_row], index=index, columns=columns, dtype=object)


def test_labels_give_cells_away_the_old_auditor_missed():
    # the audit's rows: "<5; <5; 0; Totaal 8" must be 4 and 4, "x; <5; 0; 6" must be 5 and 1
    truth = _table([[4, 4, 0], [5, 1, 0]])
    published = _published([[SMALL, SMALL, 0], [X, SMALL, 0]], [8, 6], None)
    assert p.recoverable_cells(published, truth) == [("r0", "c0"), ("r0", "c1"), ("r1", "c1")]
    assert not p.is_safe(published, truth)
    # without the row totals nothing follows
    assert p.is_safe(published.drop(columns=T), truth)


def test_a_small_cell_shown_exactly_is_unsafe_and_wrong_labels_are_refused():
    truth = _table([[3, 10], [12, 20]])
    assert p.recoverable_cells(truth.astype(object), truth) == [("r0", "c0")]
    wrong = truth.astype(object)
    wrong.loc["r0", "c1"] = 11
    with pytest.raises(ValueError, match="past niet bij het echte aantal 10"):
        p.is_safe(wrong, truth)
    mislabelled = truth.astype(object)
    mislabelled.loc["r0", "c0"] = X  # "x" means 0 or at least 5
    with pytest.raises(ValueError, match="past niet"):
        p.is_safe(mislabelled, truth)


def test_hidden_cells_that_can_shift_against_each_other_are_safe():
    # two small cells in a 2x2 block, both hidden with their partners: 1..4 each, totals fixed,
    # values shift along the cycle (e.g. 2, 3 / 3, 2 or 3, 2 / 2, 3)
    truth = _table([[2, 3, 10], [3, 2, 10]])
    published = _published([[SMALL, SMALL, 10], [SMALL, SMALL, 10]], [15, 15], 30)
    published.loc[T, ["c0", "c1", "c2"]] = [5, 5, 20]
    assert p.is_safe(published, truth)


def _brute_force(published: pd.DataFrame, truth: pd.DataFrame, *, ptable=None) -> list[tuple]:
    """Independent reference on tiny tables: enumerate every table of counts 0..limit whose
    cells and totals fit the published ones, and list the small cells with one value."""
    grid = _grid_with_totals(truth.to_numpy()).astype(int)
    n_rows, n_cols = truth.shape
    cells = published.reindex(index=[*truth.index, T], columns=[*truth.columns, T])
    limit = int(grid.max()) + 4
    body = np.stack(
        np.meshgrid(*[np.arange(limit + 1)] * (n_rows * n_cols), indexing="ij"), axis=-1
    ).reshape(-1, n_rows, n_cols)
    tables = np.zeros((len(body), n_rows + 1, n_cols + 1), dtype=int)
    tables[:, :n_rows, :n_cols] = body
    tables[:, :n_rows, -1] = body.sum(axis=2)
    tables[:, -1, :n_cols] = body.sum(axis=1)
    tables[:, -1, -1] = body.sum(axis=(1, 2))

    def allowed(cell: object) -> np.ndarray | None:
        """The true values a cell allows (None: any)."""
        values = np.arange(4 * limit + 10)
        if isinstance(cell, int | np.integer):
            shown = {int(cell)}
        elif cell == SMALL:
            shown = set(range(1, 5))
        elif cell == X and ptable is None:
            return values[(values == 0) | (values >= 5)]
        else:
            return None
        if ptable is None:
            return np.array(sorted(shown))
        return np.array(sorted(set().union(*(ptable.preimage(v) for v in shown))))

    fits = np.ones(len(tables), dtype=bool)
    for i, j in np.ndindex(grid.shape):
        values = allowed(cells.iat[i, j])
        if values is not None:
            fits &= np.isin(tables[:, i, j], values)
    possible = tables[fits]
    labels = [(r, c) for r in [*truth.index, T] for c in [*truth.columns, T]]
    return [
        labels[k]
        for k, (i, j) in enumerate(np.ndindex(grid.shape))
        if 1 <= grid[i, j] <= 4 and len(np.unique(possible[:, i, j])) == 1
    ]


@pytest.mark.slow
def test_auditor_agrees_with_brute_force_on_random_labelled_tables():
    """Tiny tables (2 x 2) labelled at random with "<5", "x" and empty cells, with and without
    totals: the integer program finds exactly the cells that enumeration pins down."""
    verdicts = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        values = np.where(
            rng.random((2, 2)) < 0.5, rng.integers(0, 5, (2, 2)), rng.integers(5, 9, (2, 2))
        )
        truth = _table(values.tolist())
        grid = _grid_with_totals(values).astype(int)
        cells = grid.astype(object)
        draw = rng.random(grid.shape)
        for i, j in np.ndindex(grid.shape):
            small = 1 <= grid[i, j] <= 4
            if small or draw[i, j] < 0.3:
                cells[i, j] = SMALL if small else (X if draw[i, j] < 0.2 else None)
        published = pd.DataFrame(cells, index=[*truth.index, T], columns=[*truth.columns, T])
        expected = _brute_force(published, truth)
        assert p.recoverable_cells(published, truth) == expected, seed
        verdicts.append(expected == [])
    assert 5 < sum(verdicts) < 35  # both verdicts occur


def test_perturbed_tables_keep_every_small_cell_open():
    """A perturbed table with perturbed totals and "<5" labels: even with every total shown, no
    small true count has a single possible value (brute force on tiny tables, the integer
    program on larger ones)."""
    rng = np.random.default_rng(11)
    for seed in range(15):
        values = rng.integers(0, 7, (2, 2))
        truth = _table(values.tolist())
        grid = _grid_with_totals(values).astype(int)
        shown = grid + cellkey.DEFAULT_PTABLE.perturbation(grid, rng.integers(0, 256, grid.shape))
        cells = np.array([SMALL if 0 < v < 5 else int(v) for v in shown.ravel()], dtype=object)
        published = pd.DataFrame(
            cells.reshape(grid.shape), index=[*truth.index, T], columns=[*truth.columns, T]
        )
        assert _brute_force(published, truth, ptable=cellkey.DEFAULT_PTABLE) == [], seed
        assert p.is_safe(published, truth, ptable=cellkey.DEFAULT_PTABLE), seed
    values = np.where(
        rng.random((60, 4)) < 0.5, rng.integers(0, 5, (60, 4)), rng.integers(5, 50, (60, 4))
    )
    truth = _table(values.tolist())
    grid = _grid_with_totals(values).astype(int)
    shown = grid + cellkey.DEFAULT_PTABLE.perturbation(grid, rng.integers(0, 256, grid.shape))
    published = pd.DataFrame(
        np.array([SMALL if 0 < v < 5 else int(v) for v in shown.ravel()], dtype=object).reshape(
            grid.shape
        ),
        index=[*truth.index, T],
        columns=[*truth.columns, T],
    )
    assert p.is_safe(published, truth, ptable=cellkey.DEFAULT_PTABLE)
    # the same table published exactly with only "<5" labels gives cells away
    exact = pd.DataFrame(
        np.array([SMALL if 0 < v < 5 else int(v) for v in grid.ravel()], dtype=object).reshape(
            grid.shape
        ),
        index=[*truth.index, T],
        columns=[*truth.columns, T],
    )
    assert not p.is_safe(exact, truth)


def test_series_audit():
    counts = pd.Series([3, 10, 0], index=["afval", "groen", "jeugd"])
    published = pd.Series([SMALL, 10, 0, 13], index=["afval", "groen", "jeugd", T], dtype=object)
    assert p.recoverable_cells(published, counts) == [("afval",)]
    assert p.is_safe(published.drop(T), counts)
    both = pd.Series([SMALL, SMALL, 0, 13], index=["afval", "groen", "jeugd", T], dtype=object)
    with pytest.raises(ValueError, match="past niet"):
        p.is_safe(both, counts)  # 10 is not "<5"
    assert p.is_safe(pd.Series([SMALL, X, 0, 13], index=published.index, dtype=object), counts)


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
