"""The streamed import: the same store and report whatever the batches, duplicate ids dropped
once across batches, and a second import's cube equal to the cube of all records regrouped."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pytest

from regie_analytics import workflow
from regie_analytics.ingest import StoredIds, cube_part
from regie_analytics.ingest.staged import StagedRecords, positions_in
from regie_analytics.io import archives, csv_files
from regie_analytics.io.readers import file_sha256
from regie_analytics.schema import CUBE_DIMENSIONS
from regie_analytics.store import Store

N = 3000


def _open311_csv(path: Path, ids: list[str], *, bad_date_at: int | None = None) -> None:
    """Open311 requests spread over central Amsterdam, one every five hours from 2024-01-01."""
    rng = np.random.default_rng(7)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(ids)) * 300, "min")
    dates = list(when.strftime("%Y-%m-%dT%H:%M:%S"))
    if bad_date_at is not None:
        dates[bad_date_at] = "geen datum"
    frame = pd.DataFrame(
        {
            "service_request_id": ids,
            "requested_datetime": dates,
            "service_name": rng.choice(["Pothole", "Graffiti", "Noise", "Rodent"], len(ids)),
            "status": rng.choice(["open", "closed"], len(ids)),
            "lat": rng.uniform(52.35, 52.39, len(ids)).round(6),
            "long": rng.uniform(4.86, 4.93, len(ids)).round(6),
        }
    )
    frame.to_csv(path, index=False)


def _store_contents(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, object]]]:
    store = Store(root)
    reports = [imp["report"] for imp in store.manifest()["imports"]]
    return store.signals(), store.cube(), reports


@pytest.fixture
def input_with_duplicates(tmp_path: Path) -> Path:
    ids = [f"SR{i}" for i in range(N)]
    ids[2900] = ids[10]  # same id in a much later batch
    ids[2901] = "0" + ids[11][2:]  # not a duplicate: 'SR11' and '011' differ
    ids[2902] = ids[2899]  # neighbours, the same batch
    path = tmp_path / "requests.csv"
    _open311_csv(path, ids, bad_date_at=5)
    return path


def test_several_batches_give_the_store_of_one_batch(
    tmp_path: Path, input_with_duplicates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = workflow.import_file(input_with_duplicates, preset="open311", store=Store(tmp_path / "a"))
    monkeypatch.setattr(csv_files, "_CSV_BLOCK", 8 << 10)  # ~8 KB: about 25 batches
    many = workflow.import_file(
        input_with_duplicates, preset="open311", store=Store(tmp_path / "b")
    )
    # known answers: 3000 rows, one unreadable date, two later rows repeat an earlier id
    assert many.rows_read == N and many.bad_dates == 1
    assert many.duplicates_in_file == 2 and many.imported == N - 3
    dubbel = sorted(p.row for p in many.problems if p.kind == "dubbel")
    assert dubbel == [2900 + 2, 2902 + 2]  # spreadsheet rows (header is row 1)
    assert many.to_dict() == one.to_dict()
    signals_a, cube_a, reports_a = _store_contents(tmp_path / "a")
    signals_b, cube_b, reports_b = _store_contents(tmp_path / "b")
    assert len(signals_b) == N - 3 and signals_b["signal_id"].is_unique
    assert "SR10" in set(signals_b["signal_id"]) and "11" in set(signals_b["signal_id"])
    # the same values; only the order of a categorical's categories follows the batches, and
    # the keys follow each store's own secret
    pd.testing.assert_frame_equal(
        signals_b.drop(columns="record_key"),
        signals_a.drop(columns="record_key"),
        check_categorical=False,
    )
    pd.testing.assert_frame_equal(cube_b.drop(columns="cell_key"), cube_a.drop(columns="cell_key"))
    dims = list(CUBE_DIMENSIONS)  # the summed batches' cell keys are the cells' keys
    regrouped = cube_part(signals_b, kind="signals").sort_values(dims).reset_index(drop=True)
    pd.testing.assert_frame_equal(cube_b, regrouped)
    assert reports_b == reports_a
    assert int(cube_b["count"].sum()) == N - 3


def test_second_import_adds_its_parts_to_the_cube(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files, "_CSV_BLOCK", 8 << 10)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _open311_csv(first, [f"SR{i}" for i in range(N)])
    _open311_csv(second, [f"SR{i}" for i in range(N - 500, 2 * N)])  # 500 already stored
    root = tmp_path / "store"
    workflow.import_file(first, preset="open311", store=Store(root))
    report = workflow.import_file(second, preset="open311", store=Store(root))
    assert report.rows_read == N + 500 and report.duplicates_in_store == 500
    assert report.imported == N
    store = Store(root)
    signals = store.signals()
    assert len(signals) == 2 * N and signals["signal_id"].is_unique
    dims = list(CUBE_DIMENSIONS)
    regrouped = cube_part(signals, kind="signals").sort_values(dims).reset_index(drop=True)
    pd.testing.assert_frame_equal(store.cube(), regrouped)


def test_a_duplicate_id_across_batches_is_dropped_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files, "_CSV_BLOCK", 4 << 10)
    ids = [f"SR{i}" for i in range(N)]
    ids[1000] = ids[2000] = ids[2999] = ids[3]  # four rows with one id, in four batches
    path = tmp_path / "requests.csv"
    _open311_csv(path, ids)
    report = workflow.import_file(path, preset="open311", store=Store(tmp_path / "store"))
    assert report.duplicates_in_file == 3 and report.imported == N - 3
    signals = Store(tmp_path / "store").signals()
    kept = signals.loc[signals["signal_id"] == "SR3", "received_at"]
    assert list(kept) == [pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=3 * 300)]


def test_ids_a_store_holds_are_found_in_its_parts_in_any_spelling(tmp_path: Path) -> None:
    """The ids of parts written before ids were normalised (spaces, leading zeros, '.0') are
    found as the import spells them; another source's ids and missing ids are not."""
    part = tmp_path / "part.parquet"
    pd.DataFrame(
        {
            "source": ["open311"] * 7 + ["signalen"],
            "signal_id": [" 0042 ", "7.0", "SR1", "x\u00a0", "0", None, "SR2", "SR3"],
        }
    ).to_parquet(part)
    staged = StagedRecords()
    wanted = ["42", "7", "SR1", "x", "0", "SR2", "SR3", "0042", "7.0", "SR4", "00"]
    staged.append(pd.DataFrame({"signal_id": wanted}))
    staged.close()
    found = positions_in(staged, StoredIds(files=(part,), source="open311"), key="signal_id")
    # SR3 is another source's; '0042', '7.0' and '00' are not how an import spells an id
    assert list(found) == [0, 1, 2, 3, 4, 5]
    other = positions_in(staged, StoredIds(files=(part,), source="signalen"), key="signal_id")
    assert list(other) == [6]
    assert len(positions_in(staged, StoredIds(files=(), source="open311"), key="signal_id")) == 0


def test_a_file_is_hashed_once_while_unchanged_and_again_when_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import hashes its file while checking it and the audit log asks again: the second
    answer comes without reading; a file rewritten since (even to the same size) is read."""
    monkeypatch.setattr(archives, "SETTLED_NS", 0)  # the file was written just now
    path = tmp_path / "export.csv"
    path.write_bytes(b"id;datum\n1;2024-01-01\n")
    first = file_sha256(path)
    assert first == hashlib.sha256(path.read_bytes()).hexdigest()
    reads: list[Path] = []
    real_open = open

    def counted_open(file: Path, mode: str = "r") -> IO[Any]:
        reads.append(Path(file))
        return real_open(file, mode)

    monkeypatch.setattr("builtins.open", counted_open)
    assert file_sha256(path) == first
    assert reads == []
    path.write_bytes(b"id;datum\n2;2024-01-01\n")  # the same size, another content
    written = path.stat().st_mtime_ns + 1_000_000_000  # a later time, whatever the clock's grain
    os.utime(path, ns=(written, written))
    second = file_sha256(path)
    assert reads == [path]
    assert second == hashlib.sha256(b"id;datum\n2;2024-01-01\n").hexdigest() != first


def _checked_batch(rows: list[tuple[str, str, str | None, str, int]]) -> pd.DataFrame:
    """Checked signals as :func:`_signal_batch` gives them (the cube's columns)."""
    area, month, theme, channel, key = zip(*rows, strict=True)
    n = len(rows)
    return pd.DataFrame(
        {
            "area_code": pd.Categorical(area),
            "received_at": pd.to_datetime([f"{m}-15 10:00" for m in month]),
            "domain": pd.Categorical(["sociaal" if t == "schulden" else "fysiek" for t in theme]),
            "theme": pd.Categorical(theme),
            "channel": pd.Categorical(channel),
            "department": pd.Categorical(["Zorg"] * n),
            "source": pd.Categorical(["bron"] * n),
            "record_key": np.asarray(key, dtype=np.int16),
        }
    )


def test_cube_counted_while_checking_equals_the_cube_summed_by_duckdb(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from regie_analytics.ingest.stored import CUBE_DIMENSIONS, CubeCells, records_cube, write_cube

    batches = [
        _checked_batch(
            [
                ("BU2", "2024-12", "schulden", "Web", 200),
                ("BU10", "2025-01", "afval", "Télefoon", 100),
                ("BU2", "2024-12", "schulden", "Web", 100),  # the same cell: 2, key 44
                ("BU2", "2024-12", None, "Web", 7),  # no theme: in no cell
            ]
        ),
        _checked_batch(
            [
                ("BU2", "2024-12", "schulden", "Web", 255),  # the same cell in a later batch
                ("BU10", "2025-01", "afval", "Zzz", 1),
                ("BU10", "2025-01", "afval", "", 2),
            ]
        ),
    ]
    cells = CubeCells()
    staged = StagedRecords()
    for batch in batches:
        cells.add(batch)
        staged.append(batch)
    counted = cells.cube()
    assert counted is not None
    summed = records_cube(staged.close())
    # the same cells; the dimensions as categories in memory (a byte a cell, not the text)
    for column in CUBE_DIMENSIONS:
        assert isinstance(counted[column].dtype, pd.CategoricalDtype), column
        assert counted[column].cat.codes.dtype == "int8", column
    pd.testing.assert_frame_equal(counted.astype({c: "str" for c in CUBE_DIMENSIONS}), summed)
    # and written as the same file: text columns, read back equal
    write_cube(counted, tmp_path / "counted.parquet")
    write_cube(summed, tmp_path / "summed.parquet")
    assert pq.read_schema(tmp_path / "counted.parquet").equals(
        pq.read_schema(tmp_path / "summed.parquet"), check_metadata=True
    )
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "counted.parquet"), summed)
    # known answers: sorted by the dimensions as text ("BU10" before "BU2"; "" first)
    assert list(zip(counted["area_code"], counted["channel"], strict=True)) == [
        ("BU10", ""),
        ("BU10", "Télefoon"),
        ("BU10", "Zzz"),
        ("BU2", "Web"),
    ]
    assert counted["count"].tolist() == [1, 1, 1, 3]
    assert counted["cell_key"].tolist() == [2, 100, 1, (200 + 100 + 255) % 256]
    assert counted["month"].tolist() == ["2025-01", "2025-01", "2025-01", "2024-12"]


def test_cube_of_values_too_many_to_pack_is_left_to_duckdb() -> None:
    from regie_analytics.ingest.stored import CubeCells

    cells = CubeCells()
    cells.add(_checked_batch([("BU1", "2024-01", "afval", f"kanaal {i}", 1) for i in range(300)]))
    assert cells.cube() is None  # 300 channels: more than the packed key holds


def test_csv_encoding_is_utf8_else_windows_1252_else_latin1(tmp_path: Path) -> None:
    texts = {
        "utf-8": "naam\nCafé\n".encode(),
        "utf-8-sig": "\ufeffnaam\nCafé\n".encode(),
        "cp1252": "naam\nCafé € \n".encode("cp1252"),
        "latin-1": b"naam\nCaf\xe9 \x81\n",  # 0x81 is no character in Windows-1252
    }
    for expected, data in texts.items():
        path = tmp_path / f"{expected}.csv"
        path.write_bytes(data * 200_000 if expected != "utf-8-sig" else data)
        assert csv_files._detect_file_encoding(path) == expected
