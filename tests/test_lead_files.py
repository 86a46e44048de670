"""The Parquet store's lead-time files (one per signal part, ``leads/part-NNNNN.parquet``):
each signal's lead time computed once, in the order received (day by day) and in small row
groups, so that a period reads only its own row groups.

Known answers: the file's rows are the signal part's rows with the lead time pandas computes
(to the microsecond, NULL while open); they stay so after reclassifying (new themes), removing
an import (its file goes with it), a new version that shares the parts by hard link, and an
upgrade; a version without them (written before they existed) reads the signals and gives the
same lead times; a period's rows lie in fewer row groups of the file than of the part."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_IMPORTS, cli, imported
from pandas.testing import assert_frame_equal
from test_lead_times_engine import SIGNALS

from regie_analytics import lead_sql
from regie_analytics.engine import DuckDBEngine
from regie_analytics.lead_sql import LEAD_COLUMNS, LEAD_US, lead_part
from regie_analytics.schema import CLOSED_AT, RECEIVED_AT
from regie_analytics.store import Store
from regie_analytics.store.parts import write_leads

ROWS = 2048
"""Rows per row group in the test of row groups (DuckDB's vector: its smallest)."""


def _expected(signals: pd.DataFrame) -> pd.DataFrame:
    """The rows a lead-time file holds for ``signals``, computed in pandas."""
    lead = (signals[CLOSED_AT] - signals[RECEIVED_AT]).to_numpy()
    micro = pd.array(
        np.where(pd.isna(lead), 0, lead.astype("timedelta64[us]").astype("int64")),
        dtype="Int64",
    )
    micro[pd.isna(lead)] = pd.NA
    frame = signals.assign(**{LEAD_US: micro})[list(LEAD_COLUMNS)]
    return _canonical(frame)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in one order, with plain types (to compare rows as a multiset)."""
    out = frame.copy()
    for column in out.columns:
        if column == RECEIVED_AT:
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
        elif column in (LEAD_US,):
            out[column] = out[column].astype("Int64")
        elif column == "record_key":
            out[column] = out[column].astype("int64")
        else:
            out[column] = out[column].astype("object").where(out[column].notna(), None)
    return out.sort_values(list(out.columns), na_position="first").reset_index(drop=True)


def _check_version(folder: Path) -> int:
    """Every signal import of version ``folder`` has its lead-time file, listed in the
    manifest, holding exactly its signal part's lead times in the order received; returns
    the number of files checked."""
    manifest = json.loads((folder / "manifest.json").read_text())
    checked = 0
    for imp in manifest["imports"]:
        parts = imp["parts"]
        if imp["kind"] != "signals":
            assert "leads" not in parts
            continue
        assert parts["leads"] == lead_part(parts["signals"])
        leads = pd.read_parquet(folder / parts["leads"])
        assert list(leads.columns) == list(LEAD_COLUMNS)
        assert leads[RECEIVED_AT].dt.floor("D").is_monotonic_increasing  # day by day
        signals = pd.read_parquet(folder / parts["signals"])
        assert len(leads) == len(signals) > 0
        assert_frame_equal(_canonical(leads), _expected(signals), check_dtype=False)
        checked += 1
    return checked


def _cuts(eng: DuckDBEngine) -> list[pd.DataFrame]:
    groupings = [
        lead_sql.LeadGrouping(by=None),
        lead_sql.LeadGrouping(by="theme"),
        lead_sql.LeadGrouping(by="area_code", located=True),
    ]
    cuts = lead_sql.lead_time_cuts(
        eng, groupings, norm_days=5, start="2000-01", end="2100-12", domains=("fysiek", "sociaal")
    )
    # rows in no particular order (pandas orders them: aggregate.lead_times_of_cut)
    return [cut.sort_values("g").reset_index(drop=True) for cut in cuts]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three samples imported (two signal imports, one of counts)."""
    return imported(tmp_path_factory.mktemp("leads") / "store", *SAMPLE_IMPORTS)


@pytest.fixture
def store(sample_store: Path, tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(sample_store, root)
    return root


def test_an_import_writes_each_signal_parts_lead_times(sample_store: Path) -> None:
    store = Store(sample_store)
    assert store.current is not None
    assert _check_version(store.current) == 2
    eng = store.engine(store.current.name)
    assert eng.leads is not None and "/leads/part-" in eng.leads


def test_lead_times_from_the_files_equal_those_from_the_signals(store: Path) -> None:
    """The same cuts (every column, to the last digit) from the files as from the signals."""
    s = Store(store)
    assert s.current is not None
    with_files = s.engine(s.current.name)
    assert with_files.leads is not None
    from_files = _cuts(with_files)
    with_files.leads = None  # read the signals, as a version without files does
    from_signals = _cuts(with_files)
    assert sum(len(c) for c in from_files) > 3
    for a, b in zip(from_files, from_signals, strict=True):
        assert_frame_equal(a, b, check_exact=True)


def test_reclassify_rewrites_the_lead_times_with_new_themes(store: Path, tmp_path: Path) -> None:
    s = Store(store)
    taxonomy = tmp_path / "taxonomie.csv"
    # the open311 sample's potholes into a new theme
    text = s.taxonomy().to_csv_bytes().decode()
    old_row = "open311,Pothole,*,fysiek,wegen en verkeer,Stadswerken,STW"
    assert old_row in text
    taxonomy.write_text(text.replace(old_row, "open311,Pothole,*,sociaal,nieuw,Stadswerken,STW"))
    before = s.current
    result = cli("reclassify", "--taxonomy", taxonomy, "--store", store)
    assert result.code == 0, result.err
    assert s.current is not None and s.current != before
    assert _check_version(s.current) == 2
    signals = s.signals(["theme"])
    leads = pd.concat(
        pd.read_parquet(s.current / imp["parts"]["leads"], columns=["theme"])
        for imp in s.manifest()["imports"]
        if imp["kind"] == "signals"
    )
    assert sorted(leads["theme"].astype(str)) == sorted(signals["theme"].astype(str))
    assert (leads["theme"] == "nieuw").sum() == 75


def test_removing_an_import_removes_its_lead_times(store: Path) -> None:
    s = Store(store)
    first = next(imp for imp in s.manifest()["imports"] if imp["kind"] == "signals")
    s.remove_import(first["id"])
    assert s.current is not None
    assert not (s.current / first["parts"]["leads"]).exists()
    assert _check_version(s.current) == 1
    eng = s.engine(s.current.name)
    assert eng.leads is not None and first["parts"]["leads"] not in eng.leads
    total = _cuts(eng)[0]
    assert int(total["ontvangen"].sum()) == len(s.signals(["received_at"]))


def test_a_new_version_shares_the_files_by_hard_link(store: Path) -> None:
    s = Store(store)
    old = s.current
    assert old is not None
    code = s.cube()["area_code"].iloc[0]
    s.set_population(pd.Series({code: 10.0}), source="handmatig")
    assert s.current is not None and s.current != old
    for imp in s.manifest()["imports"]:
        if imp["kind"] == "signals":
            rel = imp["parts"]["leads"]
            assert (s.current / rel).stat().st_ino == (old / rel).stat().st_ino
    assert _check_version(s.current) == 2


def _without_files(folder: Path) -> dict[str, Any]:
    """Make version ``folder`` as written before the lead-time files existed."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for imp in manifest["imports"]:
        rel = imp["parts"].pop("leads", None)
        if rel is not None:
            (folder / rel).unlink()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_an_older_version_reads_the_signals_and_upgrade_writes_the_files(store: Path) -> None:
    s = Store(store)
    assert s.current is not None
    expected = _cuts(s.engine(s.current.name))
    _without_files(s.current)
    older = s.engine(s.current.name)
    assert older.leads is None
    for a, b in zip(_cuts(older), expected, strict=True):
        assert_frame_equal(a, b, check_exact=True)
    result = cli("upgrade", "--store", store)
    assert result.code == 0, result.err
    assert _check_version(s.current) == 2
    upgraded = s.engine(s.current.name)
    assert upgraded.leads is not None
    for a, b in zip(_cuts(upgraded), expected, strict=True):
        assert_frame_equal(a, b, check_exact=True)


def test_a_new_import_into_an_older_version_gives_every_part_its_file_or_none(
    store: Path, tmp_path: Path
) -> None:
    """An import into a version without files writes the new part's file; the older parts
    have none, so the engine reads the signals (all parts alike) until an upgrade."""
    s = Store(store)
    assert s.current is not None
    _without_files(s.current)
    export = tmp_path / "nieuw.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        + "".join(f"N{i},2025-08-1{i}T10:00:00,Afval,52.3731,4.8922\n" for i in range(3))
    )
    assert cli("import", export, "--preset", "open311", "--store", store).code == 0
    newest = s.manifest()["imports"][-1]
    assert (s.current / newest["parts"]["leads"]).exists()
    assert s.engine(s.current.name).leads is None


def _row_groups(path: Path, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
    """How many row groups of ``path`` may hold a signal received in [start, end) by their
    statistics (what DuckDB reads for such a period), and how many there are."""
    meta = pq.ParquetFile(path).metadata
    column = meta.schema.to_arrow_schema().get_field_index(RECEIVED_AT)
    hit = 0
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics
        assert stats is not None and stats.has_min_max
        low, high = pd.Timestamp(stats.min), pd.Timestamp(stats.max)
        hit += int(low < end and high >= start)
    return hit, meta.num_row_groups


def test_a_period_reads_fewer_row_groups_of_the_file(tmp_path: Path) -> None:
    """Signals in export order (shuffled): every row group of the part holds every month; the
    lead-time file, in time order, holds a quarter of 14 months in a few row groups."""
    copies = [SIGNALS.assign(signal_id=SIGNALS["signal_id"] + f"-{i}") for i in range(8)]
    shuffled = pd.concat(copies).sample(frac=1.0, random_state=3).reset_index(drop=True)
    part = tmp_path / "part-00001.parquet"
    shuffled.to_parquet(part, row_group_size=ROWS)
    target = tmp_path / lead_part(part.name)
    write_leads(part, target, rows=ROWS)
    start, end = pd.Timestamp("2025-04-01"), pd.Timestamp("2025-07-01")
    in_part, groups = _row_groups(part, start, end)
    in_file, file_groups = _row_groups(target, start, end)
    assert groups == -(-len(shuffled) // ROWS) >= 15 and in_part == groups  # every one
    assert file_groups == groups
    # the quarter's share of the rows, plus at most one row group at either end
    received = shuffled[RECEIVED_AT]
    share = int(((received >= start) & (received < end)).sum())
    assert 0 < share < len(shuffled) / 3
    assert in_file <= -(-share // ROWS) + 2 < groups
    # and the file's rows are the part's
    assert_frame_equal(_canonical(pd.read_parquet(target)), _expected(shuffled), check_dtype=False)
