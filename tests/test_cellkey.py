"""Cell-key perturbation: the p-table's documented properties, the lookup against ONS's own
implementation, and the record and unit keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table
from scipy import stats

from regie_analytics import cellkey
from regie_analytics.cellkey import DEFAULT_PTABLE, KEY_RANGE, PTable

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


# --- the p-table ---------------------------------------------------------------------------------


def test_zero_stays_zero_and_one_and_two_are_never_published() -> None:
    counts = np.repeat(np.arange(0, 1001), KEY_RANGE)
    keys = np.tile(np.arange(KEY_RANGE), 1001)
    published = counts + DEFAULT_PTABLE.perturbation(counts, keys)
    assert (published[counts == 0] == 0).all()
    assert not np.isin(published, [1, 2]).any()
    assert (published >= 0).all()
    assert DEFAULT_PTABLE.never_published == {1, 2}


def test_documented_deviation_bias_and_variance() -> None:
    assert DEFAULT_PTABLE.max_deviation == 3
    for count in range(1, 2000):
        probabilities = DEFAULT_PTABLE.probabilities(count)
        assert sum(probabilities.values()) == pytest.approx(1.0)
        assert max(abs(v - count) for v in probabilities) <= 3
        # unbiased exactly: the 256 keys are split so that the deviations add up to zero
        assert DEFAULT_PTABLE.bias(count) == 0.0, count
        assert 1.99 <= DEFAULT_PTABLE.variance(count) <= 2.04, count
    # by hand, count 1: 171 keys publish 0, 84 publish 3 and one publishes 4
    assert DEFAULT_PTABLE.probabilities(1) == {0: 171 / 256, 3: 84 / 256, 4: 1 / 256}
    assert 171 * -1 + 84 * 2 + 1 * 3 == 0


def test_preimages_are_what_a_reader_can_infer() -> None:
    assert DEFAULT_PTABLE.preimage(0) == {0, 1, 2, 3}
    assert DEFAULT_PTABLE.preimage(3) == {1, 2, 3, 4, 5, 6}
    assert DEFAULT_PTABLE.preimage(100) == set(range(97, 104))
    assert DEFAULT_PTABLE.preimage(1) == set()
    # every value that is published comes from at least two true counts
    for value in range(0, 300):
        if value not in DEFAULT_PTABLE.never_published:
            assert len(DEFAULT_PTABLE.preimage(value)) >= 2


def test_a_ptable_must_keep_zero_and_use_every_key() -> None:
    with pytest.raises(ValueError, match="nul blijft nul"):
        PTable(rows=({0: 255, 1: 1},))
    with pytest.raises(ValueError, match="telt niet op"):
        PTable(rows=({0: 256}, {1: 200}))


def test_lookup_equals_ons_cell_key_perturbation_package(capsys: pytest.CaptureFixture) -> None:
    """ONS's package tabulates microdata with record keys and looks cells up in a p-table; the
    same records, keys and p-table (in ONS's layout) give the same published counts as our
    sum-of-keys lookup, also above 750 where ONS reuses rows 501..750."""
    rng = np.random.default_rng(7)
    n = 30_000
    micro = pd.DataFrame(
        {
            "area": rng.choice([f"BU{i:02d}" for i in range(40)], n),
            "theme": rng.choice(
                list("abcdefgh"), n, p=[0.6, 0.2, 0.1, 0.04, 0.03, 0.01, 0.01, 0.01]
            ),
            "record_key": rng.integers(0, KEY_RANGE, n),
        }
    )
    big = pd.DataFrame({"area": "BU99", "theme": "a", "record_key": rng.integers(0, 256, 1900)})
    micro = pd.concat([micro, big], ignore_index=True)
    ons = create_perturbed_table(
        micro,
        DEFAULT_PTABLE.to_frame(),
        geog=["area"],
        tab_vars=["theme"],
        record_key="record_key",
        threshold=0,
    )
    capsys.readouterr()  # the package prints its validation
    cells = micro.groupby(["area", "theme"]).agg(
        count=("record_key", "size"), key=("record_key", "sum")
    )
    ours = cellkey.perturb(cells["count"], cells["key"])
    theirs = ons.set_index(["area", "theme"])["count"].astype("int64")
    assert (theirs.reindex(ours.index) == ours).all()
    assert (theirs.drop(ours.index) == 0).all()  # combinations without records: zero stays zero
    assert (cells["count"] < 6).any() and (cells["count"] > 750).any()


def test_perturb_frame_drops_the_key() -> None:
    frame = pd.DataFrame({"count": [0, 1, 10], "cell_key": [5, 3, 300], "area": list("abc")})
    out = cellkey.perturb_frame(frame, count="count", key="cell_key")
    assert list(out.columns) == ["count", "area"]
    # by hand: row 1 (count 1), keys 0..170 publish 0: key 3 -> 0; count 10, key 300 % 256 = 44:
    # keys 38..92 of the shared row publish -1 (10 + -1 = 9)
    assert out["count"].tolist() == [0, 0, 9]
    assert frame["count"].tolist() == [0, 1, 10]  # input untouched


# --- record and unit keys ------------------------------------------------------------------------


def test_record_keys_are_stable_keyed_and_uniform() -> None:
    ids = pd.Series([f"SIG-{i}" for i in range(50_000)], dtype="str")
    keys = cellkey.record_keys(SECRET, source="signalen", ids=ids)
    assert keys.dtype == np.int16 and keys.min() >= 0 and keys.max() < KEY_RANGE
    again = cellkey.record_keys(SECRET, source="signalen", ids=ids.iloc[::-1])[::-1]
    assert (keys == again).all()  # a re-import gives the same keys, in any order
    other_secret = cellkey.record_keys(cellkey.new_secret(), source="signalen", ids=ids)
    other_source = cellkey.record_keys(SECRET, source="fixi", ids=ids)
    assert (keys == other_secret).mean() < 0.01 and (keys == other_source).mean() < 0.01
    _, p = stats.chisquare(np.bincount(keys, minlength=KEY_RANGE))
    assert p > 0.001


def test_unit_key_sums_are_stable_and_depend_on_every_key_column() -> None:
    rows = pd.DataFrame(
        {
            "source": "wijkteam",
            "area_code": ["BU1", "BU1", "BU2", "BU1"],
            "month": ["2025-01", "2025-01", "2025-01", "2025-02"],
            "category": ["schulden", "schulden", "schulden", "schulden"],
            "channel": ["onbekend", "balie", "onbekend", "onbekend"],
            "count": [3, 3, 3, 0],
        }
    )
    sums = cellkey.unit_key_sums(SECRET, rows)
    assert sums[3] == 0  # no units, no keys
    assert len(set(sums[:3].tolist())) == 3
    assert (cellkey.unit_key_sums(SECRET, rows.iloc[::-1]) == sums[::-1]).all()
    # a row of n units has the keys of the first n - 1 units of a longer row plus one more:
    # the sums of the rows 1..k units long step through the individual unit keys
    grow = pd.concat([rows.iloc[[0]]] * 40, ignore_index=True).assign(count=range(1, 41))
    steps = np.diff(cellkey.unit_key_sums(SECRET, grow).astype(int)) % KEY_RANGE
    assert len(set(steps.tolist())) > 25  # unit keys vary
    first = cellkey.unit_key_sums(SECRET, grow.iloc[[0]])
    assert first[0] == cellkey.unit_key_sums(SECRET, grow)[0]


def test_no_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="geen geheime sleutel"):
        cellkey.record_keys("", source="x", ids=pd.Series(["1"]))
