"""Hostile files and faults (issue 11): every input in ``tests/data/bad`` made by
``tests/data/make_hostile.py`` is refused with a Dutch message naming the file, row and column
and leaves the store byte-identical, or is imported with exactly the counts it should add.

The command line runs in this process (:func:`tests.conftest.cli`); large inputs are written
at test time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regie_analytics import workflow
from regie_analytics.store import Store
from tests.conftest import BAD, SAMPLES, CliResult, cli, data_files, snapshot
from tests.data.make_hostile import COUNTS, DAM, OPEN311, write_big_counts, write_zip_bomb

GENERIC = ("--mapping", str(BAD / "generic_mapping.json"))
GEOJSON = ("--mapping", str(BAD / "geojson_mapping.json"))


def _run(store: Path, path: Path, preset: str, *extra: str) -> CliResult:
    result = cli("import", path, "--preset", preset, "--store", store, *extra)
    assert "Traceback" not in result.out + result.err
    return result


def _refused(store: Path, name: str, preset: str, *extra: str) -> str:
    """Import ``name``: exit 2, the file named, the store byte-identical; the message."""
    before = snapshot(store)
    result = _run(store, BAD / name, preset, *extra)
    assert result.code == 2, result.out + result.err
    assert result.err.startswith("Fout: "), result.err
    assert f"bestand '{name}" in result.err, result.err
    assert snapshot(store) == before, "a refused import changed the store"
    return result.err


def _imported(store: Path, path: Path | str, preset: str, *extra: str) -> str:
    result = _run(store, BAD / path, preset, *extra)
    assert result.code == 0, result.err
    return result.out


def _signals(store: Path, ids: list[str]) -> pd.DataFrame:
    signals = Store(store).signals()
    return signals[signals["signal_id"].isin(ids)].set_index("signal_id").sort_index()


def _counts(store: Path) -> pd.DataFrame:
    counts = Store(store).counts()
    return counts.set_index("area_code")["count"].sort_index() if len(counts) else counts


# --- refused as a whole -------------------------------------------------------------------------
REFUSED = [
    # name, preset, extra, what the message says (besides the file name)
    (
        "dates_all_1900.csv",
        "open311",
        (),
        ["rij 2", "kolom 'requested_datetime'", "geen enkele rij is bruikbaar", "vóór 01-01-2000"],
    ),
    (
        "dates_mixed_order.csv",
        "open311",
        (),
        ["rij 2", "kolom 'requested_datetime'", "dag eerst", "maand eerst", "rij 3: '02-14-2025"],
    ),
    (
        "dates_ambiguous_order.csv",
        "open311",
        (),
        ["rij 2", "kolom 'requested_datetime'", "niet te bepalen", "--date-order"],
    ),
    (
        "dates_half_bad.csv",
        "open311",
        (),
        ["rij 3", "kolom 'requested_datetime'", "in 50% van de rijen onbruikbaar", "'gisteren'"],
    ),
    (
        "counts_mixed_notation.csv",
        "counts",
        (),
        ["rij 2", "kolom 'count'", "Nederlandse notatie (rij 2: '1.000')", "(rij 3: '2,500')"],
    ),
    (
        "coords_mixed_notation.csv",
        "generic",
        GENERIC,
        ["rij 2", "kolom 'x'", "(rij 2: '4,8925')", "(rij 3: '4.8926')"],
    ),
    ("zip_corrupt.zip", "counts", (), ["beschadigd"]),
    ("zip_encrypted.zip", "counts", (), ["zip_encrypted.zip/telling.csv", "versleuteld"]),
    (
        "signalen_two_exports.zip",
        "signalen",
        (),
        ["meer dan één 'signals.csv'", "/a/signals.csv", "/b/signals.csv"],
    ),
    (
        "geojson_polygons.geojson",
        "generic",
        GEOJSON,
        ["rij 2", "kolom 'geometry'", "geen punt", "Polygon"],
    ),
    (
        "geojson_mixed.geojson",
        "generic",
        GEOJSON,
        ["rij 4", "kolom 'geometry'", "1 feature(s) zijn geen punt", "LineString"],
    ),
    ("geojson_deep.geojson", "generic", GEOJSON, ["kan niet worden gelezen"]),
    ("json_deep.json", "open311", (), ["te diep genest"]),
    ("open311_not_list.json", "open311", (), ["geen lijst van service requests"]),
    ("excel_fake.xlsx", "counts", (), ["Excel-bestand kan niet worden gelezen"]),
    ("parquet_truncated.parquet", "counts", (), ["Parquet-bestand kan niet worden gelezen"]),
    ("utf16.csv", "counts", (), ["geen tekstbestand"]),
    ("csv_ragged_late.csv", "counts", (), ["rij 5", "ander aantal kolommen"]),
]


@pytest.mark.parametrize(
    ("name", "preset", "extra", "says"), REFUSED, ids=[case[0] for case in REFUSED]
)
def test_refused_with_row_and_column(
    store: Path, name: str, preset: str, extra: tuple[str, ...], says: list[str]
) -> None:
    err = _refused(store, name, preset, *extra)
    for text in says:
        assert text in err, err
    assert "Wat te doen:" in err


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("dates_1900.csv", "datum vóór 01-01-2000 (buiten het datumvenster"),
        ("dates_0001.csv", "datum vóór 01-01-2000 (buiten het datumvenster"),
        ("dates_beyond_2262.csv", "datum in de toekomst"),
    ],
)
def test_implausible_dates_are_left_out_by_row(store: Path, name: str, why: str) -> None:
    out = _imported(store, name, "open311")
    assert f"{name}, rij 3, kolom 'requested_datetime': {why}" in out
    assert list(_signals(store, ["D1", "D2", "D3"]).index) == ["D1", "D3"]
    assert Store(store).cube()["month"].min() >= "2000-01"


def test_no_end_date_9999_is_not_a_closing_time(store: Path) -> None:
    out = _imported(store, "dates_9999_closed.csv", "open311")
    assert "dates_9999_closed.csv, rij 2, kolom 'updated_datetime': sluitdatum" in out
    assert "met onbruikbare sluitdatum (sluitdatum genegeerd):  1" in out
    new = _signals(store, ["D1", "D2"])
    assert pd.isna(new.loc["D1", "closed_at"])
    assert new.loc["D2", "closed_at"] == pd.Timestamp("2025-01-08 10:00")


def test_american_dates_are_read_month_first(store: Path) -> None:
    _imported(store, "dates_us_order.csv", "open311")
    got = _signals(store, ["U1", "U2", "U3", "U4"])["received_at"]
    assert list(got) == [
        pd.Timestamp("2025-01-31 10:00"),
        pd.Timestamp("2025-02-13 10:00"),
        pd.Timestamp("2025-03-01 10:00"),
        pd.Timestamp("2024-12-05 10:00"),
    ]


@pytest.mark.parametrize(("order", "month"), [("dmy", 4), ("mdy", 3)])
def test_ambiguous_order_given_by_the_user(store: Path, order: str, month: int) -> None:
    _imported(store, "dates_ambiguous_order.csv", "open311", "--date-order", order)
    got = _signals(store, ["A1"])["received_at"].iloc[0]
    assert got == pd.Timestamp(f"2025-{month:02d}-{7 - month:02d} 10:00")


def test_offsets_give_the_dutch_month(store: Path) -> None:
    _imported(store, "dates_offsets.csv", "open311")
    got = _signals(store, ["O1", "O2", "O3"])["received_at"]
    assert list(got) == [
        pd.Timestamp("2025-03-30 01:30"),  # 00:30 UTC, still winter time
        pd.Timestamp("2025-11-01 00:30"),  # 23:30 UTC on 31 October: November here
        pd.Timestamp("2025-04-30 23:59"),
    ]


def test_parquet_utc_timestamps_in_dutch_time(store: Path) -> None:
    out = _imported(store, "dates_utc.parquet", "open311")
    assert "tijden met tijdzone UTC omgezet naar Nederlandse tijd" in out
    got = _signals(store, ["T1", "T2", "T3"])["received_at"]
    assert list(got) == [
        pd.Timestamp("2025-02-01 00:30"),
        pd.Timestamp("2025-07-01 00:30"),
        pd.Timestamp("2025-03-15 13:00"),
    ]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("counts_period_1999.csv", "maand vóór 2000-01"),
        ("counts_period_9999.csv", "maand in de toekomst"),
    ],
)
def test_implausible_months_of_counts(store: Path, name: str, why: str) -> None:
    out = _imported(store, name, "counts")
    assert f"{name}, rij 3, kolom 'period': {why}" in out
    counts = Store(store).counts()
    assert counts["count"].sum() == 5 + 7
    assert set(counts["month"]) == {"2025-01", "2025-02"}


def test_date_window_is_a_setting(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_EARLIEST_DATE", "1890-01-01")
    out = _imported(store, "dates_1900.csv", "open311")
    assert "datumvenster" not in out
    assert list(_signals(store, ["D1", "D2", "D3"]).index) == ["D1", "D2", "D3"]
    # the command line option wins over the setting
    result = _run(store, BAD / "dates_0001.csv", "open311", "--latest-date", "2024-12-31")
    assert result.code == 2, result.out
    assert "geen enkele rij is bruikbaar" in result.err
    assert "na 31-12-2024" in result.err


# --- numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "counts_dutch_thousands.csv",
            {"BU0363AA01": 1000, "BU0363AA02": 12000, "BU0363AA03": 350, "BU0363AA04": 2450},
        ),
        (
            "counts_english_thousands.csv",
            {"BU0363AA01": 1000, "BU0363AA02": 12, "BU0363AA03": 3500},
        ),
        ("counts_fraction_comma.csv", {"BU0363AA02": 1000, "BU0363AA03": 3}),
    ],
)
def test_notation_is_decided_by_the_whole_column(
    store: Path, name: str, expected: dict[str, int]
) -> None:
    _imported(store, name, "counts")
    assert _counts(store).to_dict() == expected


def test_huge_counts_are_refused_by_row_not_overflowed(store: Path) -> None:
    out = _imported(store, "counts_huge.csv", "counts")
    for row, value in ((3, "1e19"), (4, str(2**63)), (5, "1e18")):
        assert f"counts_huge.csv, rij {row}, kolom 'count': aantal groter dan 1.000.000" in out
        assert f"'{value}'" in out
    counts = Store(store).counts()
    assert counts["count"].dtype == np.int64
    assert counts["count"].tolist() == [7, 4, 8, 9]


@pytest.mark.parametrize(
    ("name", "rows", "why", "total"),
    [
        ("counts_fraction.csv", [3], "geen geheel aantal: '3.5'", 11),
        ("counts_nan_inf.csv", [2, 3, 4], "geen getal", 26),
    ],
)
def test_unusable_counts_by_row(
    store: Path, name: str, rows: list[int], why: str, total: int
) -> None:
    out = _imported(store, name, "counts")
    for row in rows:
        assert f"{name}, rij {row}, kolom 'count': {why}" in out
    assert Store(store).counts()["count"].sum() == total


def test_dutch_coordinates(store: Path) -> None:
    _imported(store, "coords_dutch.csv", "generic", *GENERIC)
    located = _signals(store, ["G1", "G2"])
    assert located["area_code"].str.startswith("BU0363A").all()
    assert located["lon"].tolist() == pytest.approx([4.892453, 4.892453])


# --- identity -----------------------------------------------------------------------------------
def test_one_id_however_it_is_spelled(store: Path) -> None:
    out = _imported(store, "ids_spelling.csv", "open311")
    assert "dubbel in het bestand:                              3" in out
    for row in (3, 4, 5):
        assert f"ids_spelling.csv, rij {row}, kolom 'service_request_id'" in out
    assert list(_signals(store, ["700001", "700002"]).index) == ["700001", "700002"]


@pytest.mark.parametrize("first", ["ids_excel.xlsx", "ids_csv.csv"])
def test_format_change_reimport_adds_nothing(store: Path, first: str) -> None:
    """The same 19 signals as Excel (ids read as 700001.0) and as CSV are one set."""
    out = _imported(store, first, "open311")
    assert "geïmporteerd:                                       19" in out
    before = data_files(store)
    second = "ids_csv.csv" if first == "ids_excel.xlsx" else "ids_excel.xlsx"
    out = _imported(store, second, "open311")
    assert "al aanwezig in de store (dubbel):                   19" in out
    assert "Niets toegevoegd" in out
    assert data_files(store) == before
    ids = [str(i) for i in range(700001, 700020)]
    assert len(_signals(store, ids)) == 19


def test_two_imports_checked_before_either_commits(store: Path) -> None:
    """Both imports read the store, then both commit: the second adds nothing (checked again
    inside the store's lock)."""
    target = Store(store)
    first, context = workflow.validate(BAD / "ids_csv.csv", preset="open311", store=target)
    second, _ = workflow.validate(BAD / "ids_excel.xlsx", preset="open311", store=target)
    assert first.report.imported == second.report.imported == 19
    target.commit([first], boundaries=context.boundaries)
    before = snapshot(store)
    target.commit([second], boundaries=context.boundaries)
    assert snapshot(store) == before
    assert second.report.imported == 0
    assert second.report.added_meanwhile == 19
    assert "intussen door een andere import toegevoegd" in "\n".join(second.report.lines())
    assert len(_signals(store, [str(i) for i in range(700001, 700020)])) == 19
    assert Store(store).cube()["count"].sum() == 300 + 19


def test_two_count_imports_checked_before_either_commits(store: Path) -> None:
    target = Store(store)
    path = BAD / "counts_corrected_first.csv"
    first, context = workflow.validate(path, preset="counts", store=target)
    second, _ = workflow.validate(path, preset="counts", store=target)
    target.commit([first], boundaries=context.boundaries)
    target.commit([second], boundaries=context.boundaries)
    assert Store(store).counts()["count"].sum() == 5 + 7 + 9
    assert second.report.imported == 0


@pytest.mark.subprocess
def test_concurrent_processes_store_each_signal_once(store: Path, tmp_path: Path) -> None:
    """Two real import processes of the same 300 signals at the same time: 300 stored."""
    fresh = tmp_path / "fresh"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regie_analytics",
                "import",
                str(SAMPLES / name),
                "--preset",
                "open311",
                "--store",
                str(fresh),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("open311_requests.json", "open311_requests.csv")
    ]
    results = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    # one wins; the other adds nothing, or finds the store busy and says so in Dutch
    assert sorted(codes) in ([0, 0], [0, 2]), results
    for (_, err), code in zip(results, codes, strict=True):
        assert "Traceback" not in err
        if code == 2:
            assert "bezet door een andere import" in err
    assert Store(fresh).cube()["count"].sum() == 300
    assert Store(fresh).signals()["signal_id"].is_unique


# --- counts: unknown areas and corrections ------------------------------------------------------
def test_unknown_and_missing_area_codes_are_kept_per_code(store: Path, tmp_path: Path) -> None:
    # alone, with no row in an area of the store, the file is refused with the reason
    message = _refused(store, "counts_unknown_codes.csv", "counts")
    assert "geen van de 111 rijen ligt in een gebied van deze store (Amsterdam" in message
    assert "100 met een onbekende gebiedscode (BU9999ZZ01, BU9999ZZ02, BU9999ZZ03)" in message
    assert "11 zonder locatie" in message
    # with one row in a buurt, every row is kept: the unknown ones per code as given
    folder = tmp_path / "telling"
    folder.mkdir()
    shutil.copy(BAD / "counts_unknown_codes.csv", folder)
    (folder / "bekend.csv").write_text("area_code,period,theme,count\nBU0363AA01,2025-01,wonen,3\n")
    result = _run(store, folder, "counts")
    assert result.code == 0, result.err
    out = result.out
    assert "geïmporteerd:                                       112" in out
    for code in range(1, 11):
        assert f"BU9999ZZ{code:02d}: 10" in out
    counts = Store(store).counts()
    unknown = counts[counts["area_code"] != "BU0363AA01"]
    assert len(unknown) == 111
    assert unknown["count"].sum() == sum(code * 10 for code in range(1, 11)) + 10 * 100 + 50
    per_code = unknown.groupby("given_area_code")["count"].sum()
    assert per_code["BU9999ZZ03"] == 30
    assert per_code[""] == 1050
    assert set(unknown["area_code"]) == {"BUITEN_GEBIED", "ZONDER_LOCATIE"}
    before = data_files(store)
    result = _run(store, folder, "counts")
    assert result.code == 0, result.err
    assert "Niets toegevoegd" in result.out
    assert data_files(store) == before


def test_corrected_counts_replace_the_earlier_value(store: Path) -> None:
    _imported(store, "counts_corrected_first.csv", "counts")
    out = _imported(store, "counts_corrected_second.csv", "counts")
    assert "gecorrigeerd aantal (vervangt de eerdere waarde):   1" in out
    assert "al aanwezig in de store (dubbel):                   1" in out
    assert "counts_corrected_second.csv, rij 3, kolom 'count': aantal '8' vervangt" in out
    assert _counts(store).to_dict() == {
        "BU0363AA01": 5,
        "BU0363AA02": 8,
        "BU0363AA03": 9,
        "BU0363AA04": 1,
    }
    cube = Store(store).cube()
    assert cube.loc[cube["source"] == "telling", "count"].sum() == 5 + 8 + 9 + 1
    before = data_files(store)
    assert "Niets toegevoegd" in _imported(store, "counts_corrected_second.csv", "counts")
    assert data_files(store) == before


# --- zips and folders ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "noord", "zuid"),
    [
        ("zip_two_folders.zip", "zip_two_folders.zip/noord/telling.csv", "/zuid/telling.csv"),
        ("folder_two_tables", "noord/telling.csv", "zuid/telling.csv"),
    ],
)
def test_every_member_is_read(store: Path, name: str, noord: str, zuid: str) -> None:
    out = _imported(store, name, "counts")
    assert f"{noord}: 2 rijen gelezen" in out
    assert f"{zuid}: 3 rijen gelezen" in out
    assert Store(store).counts()["count"].sum() == 4 + 6 + 5 + 7 + 8


def test_members_not_read_are_named(store: Path) -> None:
    out = _imported(store, "zip_junk.zip", "counts")
    assert "zip_junk.zip/leesmij.pdf: niet gelezen (geen tabelbestand" in out
    assert "zip_junk.zip/binnen.zip: niet gelezen (een zip in een zip" in out
    assert "zip_junk.zip/__MACOSX/._telling.csv: niet gelezen (systeembestand)" in out
    assert Store(store).counts()["count"].sum() == 4 + 6


def test_zip_slip_names_write_nothing_outside(store: Path) -> None:
    target = Path("/tmp/regie_zip_slip.csv")
    target.unlink(missing_ok=True)
    _imported(store, "zip_slip.zip", "counts")
    assert not target.exists()
    assert Store(store).counts()["count"].sum() == 4 + 6


def test_zip_bomb_is_refused_before_unpacking(store: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bom.zip"
    write_zip_bomb(bomb, megabytes=200)
    assert bomb.stat().st_size < 2_000_000
    before = snapshot(store)
    started = time.perf_counter()
    result = _run(store, bomb, "counts")
    assert time.perf_counter() - started < 20
    assert result.code == 2, result.out
    assert "bom.zip/telling.csv" in result.err
    assert "zipbom" in result.err and "REGIE_MAX_ZIP_RATIO" in result.err
    assert snapshot(store) == before
    assert not list(Path(tempfile.gettempdir()).glob("regie-unzip-*/*"))


def test_unzipped_size_limit(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "groot.zip"
    write_zip_bomb(bomb, megabytes=60)
    monkeypatch.setenv("REGIE_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("REGIE_MAX_UNZIPPED_MB", "50")
    before = snapshot(store)
    result = _run(store, bomb, "counts")
    assert result.code == 2, result.out
    assert "meer dan de grens van 50 MB" in result.err and "REGIE_MAX_UNZIPPED_MB" in result.err
    assert snapshot(store) == before
    plain = tmp_path / "groot.csv"
    write_big_counts(plain, megabytes=2)
    monkeypatch.setenv("REGIE_MAX_UNZIPPED_MB", "1")
    result = _run(store, plain, "counts")
    assert result.code == 2 and "groot.csv" in result.err and "1 MB" in result.err
    assert snapshot(store) == before


def test_rows_per_import_limit(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_MAX_ROWS", "3")
    err = _refused(store, "negative_counts.csv", "counts")
    assert "meer dan 3 rijen" in err and "REGIE_MAX_ROWS" in err
    assert "rij 5" in err


# --- Signalen history ---------------------------------------------------------------------------
def test_signalen_history_is_resolved_by_time(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _imported(store, "signalen_history", "signalen")
    signals = Store(store).signals().set_index("signal_id")
    # signal 1: closed on the 10th (its newest status, first in the file)
    assert signals.loc["1", "status"] == "Afgehandeld"
    assert signals.loc["1", "closed_at"] == pd.Timestamp("2025-01-10 10:00")
    # signal 2: reopened on the 20th after being closed on the 8th: open
    assert signals.loc["2", "status"] == "Gemeld"
    assert pd.isna(signals.loc["2", "closed_at"])
    # its newest category (the 9th) comes before an older one in the file
    assert signals.loc["2", "subcategory"] == "container-is-vol"


# --- labels -------------------------------------------------------------------------------------
def test_labels_with_html_or_control_characters_are_cleaned(store: Path) -> None:
    out = _imported(store, "labels_html.csv", "generic", *GENERIC)
    assert "labels_html.csv, rij 2, kolom 'kanaal': label met HTML" in out
    assert "\x07" not in out
    assert set(_signals(store, ["G1", "G2"])["channel"]) == {"Telefoon", "Web site"}


def test_source_name_is_cleaned_of_html(store: Path) -> None:
    out = _imported(store, "labels_markdown.csv", "open311", "--source", "<b>bron</b>\x1b[31m")
    assert "bronnaam opgeschoond" in out
    assert set(_signals(store, ["L1", "L2"])["source"]) == {"bron [31m"}


# --- faults: a full disk, a read-only store, the unexpected -------------------------------------
def _big_open311(path: Path, n: int) -> None:
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "service_request_id": [f"F{i}" for i in range(n)],
            "requested_datetime": "2025-01-05T10:00:00",
            "service_name": rng.choice(["Pothole", "Graffiti"], n),
            "status": "open",
            "lat": rng.uniform(52.33, 52.40, n).round(6),
            "long": rng.uniform(4.85, 4.95, n).round(6),
        }
    ).to_csv(path, index=False)


@pytest.mark.subprocess
def test_full_disk_is_explained_and_leaves_nothing(
    store: Path, small_disk: Path, tmp_path: Path
) -> None:
    target = small_disk / "store"
    shutil.copytree(store, target)
    free = shutil.disk_usage(small_disk).free
    (small_disk / "vulling").write_bytes(b"\0" * (free - 400_000))  # 400 kB left
    before = snapshot(target)
    big = tmp_path / "groot.csv"
    _big_open311(big, 200_000)
    result = _run(target, big, "open311")
    assert result.code == 2, result.out + result.err
    assert "de schijf is vol" in result.err and "ruimte vrij" in result.err
    assert snapshot(target) == before
    left = sorted(p.name for p in small_disk.iterdir())
    assert left == ["store", "vulling"], "staging left behind"
    # the store still takes an import that fits
    assert _run(target, SAMPLES / "wijkteam_telling.csv", "counts").code == 0


@pytest.mark.subprocess
def test_read_only_store_is_explained(store: Path, small_disk: Path) -> None:
    target = small_disk / "store"
    shutil.copytree(store, target)
    before = snapshot(target)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = _run(target, SAMPLES / "wijkteam_telling.csv", "counts")
    assert result.code == 2, result.out + result.err
    assert "alleen gelezen" in result.err
    assert snapshot(target) == before


def test_unexpected_error_gets_a_reference_not_a_traceback(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "regie.log"

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("kapot")

    monkeypatch.setattr("regie_analytics.store.Store.info", broken)
    result = cli("info", "--store", store, env={"REGIE_LOG": str(log)})
    assert result.code == 1
    assert result.err.startswith("Fout: Er ging iets mis (referentie RA-")
    reference = result.err.split("referentie ")[1][:9]
    assert "Traceback" not in result.err and "ZeroDivisionError" not in result.err
    text = log.read_text()
    assert reference in text and "ZeroDivisionError: kapot" in text


# --- no computation allocates by the span of dates ----------------------------------------------
@pytest.mark.parametrize("kind", ["trends", "anomalies"])
def test_a_store_spanning_a_century_is_refused_not_computed(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A signal from 1900 let in by a wide date window: analyses refuse, in Dutch, before
    allocating a matrix of 1,500 months."""
    monkeypatch.setenv("REGIE_EARLIEST_DATE", "1890-01-01")
    _imported(store, "dates_1900.csv", "open311")
    assert Store(store).cube()["month"].min() == "1900-01"
    result = cli("analyse", kind, "--store", store, "--level", "wijk", "--out", tmp_path / "x.csv")
    assert result.code == 2, result.out + result.err
    assert "de periode 1900-01 t/m 2025-" in result.err
    assert "meer dan 600 maanden wordt niet berekend" in result.err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.subprocess
def test_output_on_a_read_only_disk_is_explained(store: Path, small_disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = cli("counts", "--store", store, "--level", "wijk", "--out", small_disk / "uit.csv")
    assert result.code == 2, result.out + result.err
    assert result.err.startswith("Fout: bestand 'uit.csv'")
    assert "alleen gelezen" in result.err and "Traceback" not in result.err


# --- batches -------------------------------------------------------------------------------------
def test_batches_of_any_size_store_the_same(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read in batches of a few rows, an input is stored exactly as read in one batch; a batch
    that loses every row (all before the date window) changes nothing; a notation shown only in
    a later batch still decides the column."""
    rows = [
        (f"B{i}", "1901-01-05T10:00:00" if 10 <= i < 30 else "2025-01-05T10:00:00", "", svc, st)
        for i, (svc, st) in enumerate([("Pothole", "open"), ("Graffiti", "")] * 30)
    ]
    path = tmp_path / "batches.csv"
    path.write_text(
        OPEN311
        + "\n".join(f"{a},{b},{c},{d},{e},{DAM[0]},{DAM[1]}" for a, b, c, d, e in rows)
        + "\n"
    )
    whole = tmp_path / "whole"
    shutil.copytree(store, whole)
    out_whole = _imported(whole, path, "open311")
    monkeypatch.setattr("regie_analytics.io.csv_files._CSV_BLOCK", 400)
    out_small = _imported(store, path, "open311")
    assert out_small.splitlines()[:-1] == out_whole.splitlines()[:-1]  # all but the timing
    ids = [r[0] for r in rows]
    small, big = _signals(store, ids), _signals(whole, ids)
    assert len(small) == 40
    pd.testing.assert_frame_equal(small, big, check_categorical=False)
    pd.testing.assert_frame_equal(Store(store).cube(), Store(whole).cube())
    counts = tmp_path / "telling.csv"
    late = 'BU0363AA02,2025-01,wonen,"2,500"\n'  # English, in the last batch only
    counts.write_text(COUNTS + "BU0363AA01,2025-01,wonen,1.000\n" * 40 + late)
    before = snapshot(store)
    result = _run(store, counts, "counts")
    assert result.code == 2, result.out
    assert "rij 2" in result.err and "(rij 42: '2,500')" in result.err
    assert snapshot(store) == before
