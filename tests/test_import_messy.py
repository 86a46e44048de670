"""A messy export with every kind of problem, imported in one batch and in many: the same
report (with hand-counted figures), records, record keys and cube; the cube equal to the
records regrouped in pandas, and the weights and web geometry computed on the other core equal
to those computed in the process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from regie_analytics import cellkey, geo, workflow
from regie_analytics.geo.stored import web_table
from regie_analytics.ingest import cube_part, prepare, signals, worker
from regie_analytics.ingest.staged import StagedRecords
from regie_analytics.ingest.stored import combine_cubes, cube_files_summed
from regie_analytics.io import csv_files
from regie_analytics.schema import CUBE_DIMENSIONS
from regie_analytics.stats.stored import weights_table
from regie_analytics.store import Store, commit
from regie_analytics.store.parts import SECRET_FIELD

CYCLES = 30
"""Every kind of row below occurs once per cycle."""
KINDS = 19
SOURCE = "rommelig"


def _rows(areas: gpd.GeoDataFrame) -> list[dict[str, str]]:
    """``CYCLES`` times one row of every kind (see the comments), spread over the file."""
    inside = areas.geometry.representative_point()
    rd = inside.to_crs(geo.RD_NEW)
    rows = []
    for i in range(CYCLES):
        k = (7 * i) % len(areas)
        lon, lat = f"{inside.x.iloc[k]:.6f}", f"{inside.y.iloc[k]:.6f}"
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        ok = {
            "melding": f"A{i}",
            "ontvangen": f"{day} 10:00:00",
            "gesloten": f"{day} 15:30:00",
            "categorie": "zorg en ondersteuning",
            "sub": "",
            "kanaal": "Telefoon",
            "status": "afgehandeld",
            "x": lon,
            "y": lat,
            "buurtcode": "",
        }

        def row(base: dict[str, str] = ok, **changes: str) -> dict[str, str]:
            return {**base, **changes}

        no_xy = {"x": "", "y": ""}
        rows += [
            ok,  # fine, WGS84
            row(melding=f"B{i}", x=f"{rd.x.iloc[k]:.2f}", y=f"{rd.y.iloc[k]:.2f}"),  # RD
            row(melding=f"C{i}", x=lat, y=lon),  # axes swapped
            row(melding=f"D{i}", x="abc"),  # not a number: no location
            row(melding=f"E{i}", buurtcode=f" {areas.index[k].lower()} ", **no_xy),  # by code
            row(melding=f"F{i}", buurtcode="BU9999XX99", **no_xy),  # unknown code
            row(melding=f"G{i}", **no_xy),  # no location at all
            row(melding=f"H{i}", x="5.121", y="52.090"),  # Utrecht: outside
            row(melding=""),  # no id
            row(melding=f"{70000 + i}.0"),  # the id 7000i
            row(ontvangen="geen datum", melding=f"L{i}"),  # unreadable date
            row(melding=f"M{i}", ontvangen="1990-05-01 10:00:00"),  # before the window
            row(melding=f"N{i}", ontvangen="2999-01-01 10:00:00"),  # in the future
            row(melding=f"O{i}", gesloten=f"{day} 09:00:00"),  # closed before received
            row(melding=f"P{i}", gesloten="morgen"),  # unreadable closing date
            row(melding=f"Q{i}", categorie="<b>zorg en ondersteuning</b>"),  # HTML label
            row(melding=f"R{i}", categorie="vliegende schotels", sub="klein"),  # unknown
            row(melding=f"S{i}", kanaal=""),  # no channel
            row(melding=f"0{70000 + i}", kanaal="E-mail"),  # the id 7000i again
        ]
    rows[-2] = {**rows[-2], "melding": "A0"}  # the first id again, many batches later
    return rows


@pytest.fixture
def messy(tmp_path: Path) -> tuple[Path, Path]:
    areas = geo.load_boundaries(geo.DEFAULT_BOUNDARIES)
    rows = _rows(areas)
    assert len(rows) == CYCLES * KINDS
    path = tmp_path / "rommelig.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    mapping = tmp_path / "koppeling.json"
    columns = {
        "signal_id": "melding",
        "received_at": "ontvangen",
        "closed_at": "gesloten",
        "category": "categorie",
        "subcategory": "sub",
        "channel": "kanaal",
        "status": "status",
        "x": "x",
        "y": "y",
        "area_code": "buurtcode",
    }
    mapping.write_text(json.dumps({"kind": "signals", "source": SOURCE, "columns": columns}))
    return path, mapping


def _where(problem: dict[str, object]) -> tuple[str, str, str]:
    return (str(problem["kind"]), f"{problem['row']:>9}", str(problem["column"]))


def _import(path: Path, mapping: Path, root: Path) -> dict[str, object]:
    report = workflow.import_file(path, preset="generic", mapping=mapping, store=Store(root))
    return report.to_dict()


def test_a_messy_file_gives_the_same_store_in_one_and_in_many_batches(
    tmp_path: Path, messy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, mapping = messy
    one = _import(path, mapping, tmp_path / "one")
    monkeypatch.setattr(csv_files, "_CSV_BLOCK", 4 << 10)  # ~4 KB: about 15 batches
    many = _import(path, mapping, tmp_path / "many")
    # the same figures and example rows; the examples come per batch, so in many batches the
    # kinds interleave: compared in one order
    problems = {name: report.pop("problems") for name, report in (("one", one), ("many", many))}
    assert many == one
    assert sorted(problems["many"], key=_where) == sorted(problems["one"], key=_where)
    report = Store(tmp_path / "many").manifest()["imports"][0]["report"]
    n = CYCLES
    dropped = {"no id": n, "bad date": n, "early": n, "future": n, "duplicate": n + 1}
    expected = {
        "rows_read": KINDS * n,
        "missing_id": n,
        "bad_dates": n,
        "early_dates": n,
        "future_dates": n,
        "duplicates_in_file": n + 1,  # 0700001 after 70001.0, and A0 once more
        "imported": KINDS * n - sum(dropped.values()),
        "without_location": 2 * n,  # 'abc' and no coordinates or code
        "outside_area": n,
        "unknown_area_code": n,
        "bad_coordinates": n,
        "swapped_corrected": n,
        "rd_converted": n,
        "closed_before_received": n,
        "bad_closed_dates": n,
        "cleaned_labels": n,
        "unknown_category": n,
    }
    assert {key: report[key] for key in expected} == expected
    assert report["unknown_area_codes"] == {"BU9999XX99": n}
    assert report["unknown_categories"] == {"vliegende schotels / klein": n}
    assert sorted(p["row"] for p in report["problems"] if p["kind"] == "dubbel")[:3] == [
        KINDS + 1,  # the first cycle's 070000, its last row (file row 2 is the first)
        2 * KINDS + 1,
        3 * KINDS + 1,
    ]

    stores = {name: Store(tmp_path / name) for name in ("one", "many")}
    signals = {name: store.signals() for name, store in stores.items()}
    pd.testing.assert_frame_equal(
        signals["many"].drop(columns="record_key"),
        signals["one"].drop(columns="record_key"),
        check_categorical=False,
    )
    dims = list(CUBE_DIMENSIONS)
    for name, store in stores.items():
        records = signals[name]
        assert len(records) == expected["imported"] and records["signal_id"].is_unique
        assert {"70000", "70029"} <= set(records["signal_id"])
        # the keys: SipHash of source and id with this store's secret
        secret = store.manifest()[SECRET_FIELD]
        keys = cellkey.record_keys(secret, source=records["source"], ids=records["signal_id"])
        np.testing.assert_array_equal(records["record_key"].to_numpy(), keys)
        # the cube: the records regrouped in pandas
        cube = store.cube()
        reference = cube_part(records, kind="signals").sort_values(dims).reset_index(drop=True)
        pd.testing.assert_frame_equal(cube, reference)
        assert int(cube["count"].sum()) == expected["imported"]
    pd.testing.assert_frame_equal(
        stores["many"].cube().drop(columns="cell_key"),
        stores["one"].cube().drop(columns="cell_key"),
    )
    # weights and web geometry (from the child process) as computed here from the areas
    version = stores["many"].current
    assert version is not None
    areas = gpd.read_parquet(version / "areas.parquet")
    edges = ["level", "focal", "neighbour"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(version / "weights.parquet").sort_values(edges).reset_index(drop=True),
        weights_table(areas).sort_values(edges).reset_index(drop=True),
    )
    web, reference_web = gpd.read_parquet(version / "web.parquet"), web_table(areas)
    pd.testing.assert_frame_equal(
        pd.DataFrame(web.drop(columns="geometry")),
        pd.DataFrame(reference_web.drop(columns="geometry")),
    )
    assert list(web.geometry.to_wkb()) == list(reference_web.geometry.to_wkb())


def _pandas_sum(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The cube parts summed as pandas sums them (the reference)."""
    cube = (
        pd.concat(parts, ignore_index=True)
        .groupby(list(CUBE_DIMENSIONS), sort=True)[["count", "cell_key"]]
        .sum()
        .reset_index()
    )
    cube["cell_key"] = cube["cell_key"] % cellkey.KEY_RANGE
    return cube


def test_cube_parts_are_summed_and_sorted_as_pandas_sums_them(tmp_path: Path) -> None:
    """Text sorts by code point (upper case, accents, digits), cells present in several parts
    are summed, key sums wrap at 256, and rows with a missing dimension are left out."""
    rng = np.random.default_rng(3)
    n = 400
    codes = ["BU01", "BU1", "bu01", "BU0A", "Ézé", "eze", "zz", "Zz", "OUTSIDE"]

    def part(size: int) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "area_code": rng.choice(codes, size),
                "month": rng.choice(["2024-01", "2024-10", "2024-02"], size),
                "domain": rng.choice(["fysiek", "sociaal"], size),
                "theme": rng.choice(["afval", "Afval", "zorg"], size),
                "channel": rng.choice(["Telefoon", "onbekend", "e-mail"], size),
                "department": rng.choice(["Stadsdeel", "Wmo"], size),
                "source": rng.choice(["open311", "signalen"], size),
                "count": rng.integers(1, 9, size),
                "cell_key": rng.integers(0, 256, size),
            }
        ).astype({c: "str" for c in CUBE_DIMENSIONS})
        return frame

    parts = [part(n), part(n), part(n // 2)]
    parts[1].loc[5, "theme"] = None  # left out, as pandas leaves it out
    expected = _pandas_sum(parts)
    assert len(expected) < 2.5 * n  # cells do repeat across the parts
    pd.testing.assert_frame_equal(combine_cubes(parts), expected)
    files = []
    for i, frame in enumerate(parts):
        files.append(tmp_path / f"part-{i}.parquet")
        frame.to_parquet(files[-1], index=False)
    pd.testing.assert_frame_equal(cube_files_summed(files), expected)
    assert combine_cubes([]).empty and list(combine_cubes([]).columns) == list(expected.columns)


def test_weights_and_web_geometry_are_computed_in_the_commit_when_the_child_fails(
    tmp_path: Path, messy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commit, "_DERIVE", "raise SystemExit(3)")
    path, mapping = messy
    _import(path, mapping, tmp_path / "store")
    version = Store(tmp_path / "store").current
    assert version is not None
    edges = ["level", "focal", "neighbour"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(version / "weights.parquet").sort_values(edges).reset_index(drop=True),
        weights_table(gpd.read_parquet(version / "areas.parquet"))
        .sort_values(edges)
        .reset_index(drop=True),
    )
    assert len(gpd.read_parquet(version / "web.parquet")) > 0


class _CountedWorker(worker.BatchWorker):
    """The batch worker, counting the batches it checked."""

    answered: ClassVar[list[int]] = []

    def _answer(self, index: int) -> tuple[object, ...] | None:
        answer = super()._answer(index)
        if answer is not None:
            self.answered.append(index)
        return answer


@pytest.mark.parametrize("worker_runs", [True, False])
def test_batches_checked_in_the_worker_process_give_the_same_store(
    tmp_path: Path,
    messy: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    worker_runs: bool,
) -> None:
    """About 15 batches of the messy file, checked here alone, and spread over the worker
    process and here (or, when the worker dies at once, all here again): the same report
    with its example rows in the same order, the same records, keys and cube."""
    path, mapping = messy
    monkeypatch.setattr(csv_files, "_CSV_BLOCK", 4 << 10)
    here = _import(path, mapping, tmp_path / "here")
    monkeypatch.setattr(signals, "WORKER_ROWS", 0)
    monkeypatch.setattr(signals, "BatchWorker", _CountedWorker)
    _CountedWorker.answered = []
    if not worker_runs:
        monkeypatch.setattr(worker, "_SERVE", "raise SystemExit(3)")
    both = _import(path, mapping, tmp_path / "both")
    if worker_runs:  # the worker checked some batches, not all (this process checks others)
        assert 0 < len(_CountedWorker.answered) < 15
        assert _CountedWorker.answered == sorted(_CountedWorker.answered)
    else:
        assert _CountedWorker.answered == []
    assert both == here
    assert here["problems"][0]["row"] == 10  # the first row without an id
    stores = {name: Store(tmp_path / name) for name in ("here", "both")}
    records = {name: store.signals() for name, store in stores.items()}
    pd.testing.assert_frame_equal(
        records["both"].drop(columns="record_key"), records["here"].drop(columns="record_key")
    )
    for name, store in stores.items():
        secret = store.manifest()[SECRET_FIELD]
        keys = cellkey.record_keys(
            secret, source=records[name]["source"], ids=records[name]["signal_id"]
        )
        np.testing.assert_array_equal(records[name]["record_key"].to_numpy(), keys)
    pd.testing.assert_frame_equal(
        stores["both"].cube().drop(columns="cell_key"),
        stores["here"].cube().drop(columns="cell_key"),
    )


@pytest.fixture
def tidy_ids(messy: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The messy file without its repeated ids (every other problem stays)."""
    path, mapping = messy
    rows = pd.read_csv(path, dtype="str", keep_default_na=False)
    again = rows["melding"].str.startswith("0") | (
        rows["melding"].duplicated() & (rows["melding"] != "")
    )
    assert int(again.sum()) == CYCLES + 1
    tidy = tmp_path / "zonder_dubbelen.csv"
    rows.loc[~again].to_csv(tidy, index=False)
    return tidy, mapping


@pytest.mark.parametrize("batch_bytes", [None, 4 << 10])
def test_without_repeated_ids_the_checked_file_is_stored_with_the_same_result(
    tmp_path: Path,
    tidy_ids: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    batch_bytes: int | None,
) -> None:
    """No id twice and none in the store: the figures counted while checking and the records
    file written while checking (its working columns kept apart) give the report, records,
    keys and cube of the second pass through pandas (forced here by a duplicate position no
    row has)."""
    path, mapping = tidy_ids
    if batch_bytes:
        monkeypatch.setattr(csv_files, "_CSV_BLOCK", batch_bytes)
    taken: list[int] = []
    own_records = StagedRecords.own_records

    def counted(self: StagedRecords) -> StagedRecords:
        taken.append(self.rows)
        return own_records(self)

    monkeypatch.setattr(StagedRecords, "own_records", counted)
    copied = _import(path, mapping, tmp_path / "copied")
    assert taken == [copied["imported"]]  # the checked file taken as it is: all imported
    repeated = prepare._repeated
    monkeypatch.setattr(
        prepare,
        "_repeated",
        lambda flagged, known: (np.array([-1]), repeated(flagged, known)[1]),
    )
    through_pandas = _import(path, mapping, tmp_path / "pandas")
    assert len(taken) == 1
    assert copied == through_pandas
    n = CYCLES
    assert copied["duplicates_in_file"] == 0
    # all kinds but the repeated id, less the last cycle's A0; no id, bad date, early, future
    assert copied["imported"] == (KINDS - 1) * n - 1 - 4 * n
    assert copied["rd_converted"] == copied["swapped_corrected"] == n
    assert copied["unknown_categories"] == {"vliegende schotels / klein": n}
    stores = {name: Store(tmp_path / name) for name in ("copied", "pandas")}
    records = {name: store.signals() for name, store in stores.items()}
    pd.testing.assert_frame_equal(
        records["copied"].drop(columns="record_key"),
        records["pandas"].drop(columns="record_key"),
    )
    for name, store in stores.items():
        secret = store.manifest()[SECRET_FIELD]
        keys = cellkey.record_keys(
            secret, source=records[name]["source"], ids=records[name]["signal_id"]
        )
        np.testing.assert_array_equal(records[name]["record_key"].to_numpy(), keys)
        cube = store.cube()
        reference = cube_part(records[name], kind="signals")
        pd.testing.assert_frame_equal(
            cube, reference.sort_values(list(CUBE_DIMENSIONS)).reset_index(drop=True)
        )
    pd.testing.assert_frame_equal(
        stores["copied"].cube().drop(columns="cell_key"),
        stores["pandas"].cube().drop(columns="cell_key"),
    )
    schemas = {}
    for name, store in stores.items():
        assert store.current is not None
        (part,) = (store.current / "signals").glob("*.parquet")
        schemas[name] = pq.read_schema(part)
    assert schemas["copied"].remove_metadata() == schemas["pandas"].remove_metadata()
