"""The bad-input corpus (tests/data/bad): each file gets a clear Dutch message or report line,
and a rejected file leaves the store exactly as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from regie_analytics.store import Store
from tests.conftest import BAD, cli, snapshot


def _rejected(store: Path, name: str, preset: str, *extra: str) -> str:
    before = snapshot(store)
    result = cli("import", BAD / name, "--preset", preset, "--store", store, *extra)
    assert result.code == 2, result.out + result.err
    assert result.out == "" or "Traceback" not in result.out
    assert "Traceback" not in result.err
    assert snapshot(store) == before, "a rejected import changed the store"
    assert name in result.err, "the message must name the file"
    return result.err


def _imported(store: Path, name: str, preset: str = "open311") -> tuple[str, dict[str, int]]:
    before = Store(store).cube()["count"].sum()
    result = cli("import", BAD / name, "--preset", preset, "--store", store)
    assert result.code == 0, result.err
    added = int(Store(store).cube()["count"].sum() - before)
    return result.out, {"added": added}


def test_empty_file(store: Path) -> None:
    err = _rejected(store, "empty.csv", "counts")
    assert "leeg" in err


def test_header_only(store: Path) -> None:
    err = _rejected(store, "header_only.csv", "counts")
    assert "alleen een kopregel" in err
    assert "rij 2" in err


def test_wrong_delimiter_names_the_row(store: Path) -> None:
    err = _rejected(store, "wrong_delimiter.csv", "counts")
    assert "ander aantal kolommen" in err
    assert "rij 2" in err


def test_binary_file_named_csv(store: Path) -> None:
    err = _rejected(store, "binary.csv", "counts")
    assert "geen tekstbestand" in err


def test_missing_required_column(store: Path) -> None:
    err = _rejected(store, "missing_column.csv", "counts")
    assert "kolom 'count'" in err
    assert "verplichte kolom ontbreekt" in err


def test_all_dates_unparseable_rejects_with_row_and_column(store: Path) -> None:
    err = _rejected(store, "unparseable_dates.csv", "open311")
    assert "rij 2" in err
    assert "kolom 'requested_datetime'" in err
    assert "gisteren" in err


def test_boundaries_without_code_column(tmp_path: Path) -> None:
    result = cli(
        "import",
        Path("data/samples/wijkteam_telling.csv"),
        "--preset",
        "counts",
        "--store",
        tmp_path / "new",
        "--boundaries",
        BAD / "boundaries_without_code.geojson",
    )
    assert result.code == 2
    assert "boundaries_without_code.geojson" in result.err
    assert "--area-code-column" in result.err
    assert not (tmp_path / "new" / "CURRENT").exists()


def test_windows1252_accents_are_decoded(store: Path) -> None:
    out, _ = _imported(store, "windows1252.csv", "counts")
    assert "Windows-1252" in out
    # the unknown label is reported with its accent intact, not as mojibake
    assert "Overlast café: 1" in out
    counts = Store(store).counts()
    assert set(counts["category"]) == {"eenzaamheid en welzijn", "Overlast café"}


def test_some_bad_dates_are_reported_by_row(store: Path) -> None:
    out, added = _imported(store, "some_bad_dates.csv")
    assert "some_bad_dates.csv, rij 3, kolom 'requested_datetime': geen herkenbare datum" in out
    assert added["added"] == 2


def test_future_dates_are_not_imported(store: Path) -> None:
    out, added = _imported(store, "future_dates.csv")
    assert "datum in de toekomst" in out
    assert "rij 3" in out
    assert added["added"] == 1


def test_coordinates_in_sea_and_abroad_are_kept_outside(store: Path) -> None:
    out, added = _imported(store, "outside_area.csv")
    assert added["added"] == 3, "rows outside are kept, never dropped"
    cube = Store(store).cube()
    signals = Store(store).signals()
    new = signals[signals["signal_id"].isin(["R1", "R2", "R3"])].set_index("signal_id")
    assert new.loc["R2", "area_code"] == "BUITEN_GEBIED"
    assert new.loc["R3", "area_code"] == "BUITEN_GEBIED"
    assert new.loc["R1", "area_code"].startswith("BU0363A")
    assert "buiten het gebied:" in out
    assert cube.loc[cube["area_code"] == "BUITEN_GEBIED", "count"].sum() >= 2


def test_swapped_lat_lon_is_corrected_and_reported(store: Path) -> None:
    out, _ = _imported(store, "swapped_latlon.csv")
    assert re.search(r"verwisselde x/y \(gecorrigeerd\):\s+1\n", out)
    signals = Store(store).signals().set_index("signal_id")
    assert signals.loc["R1", "area_code"] == signals.loc["R2", "area_code"]
    assert signals.loc["R1", "area_code"].startswith("BU0363A")


def test_rd_values_in_latlon_columns(store: Path) -> None:
    out, _ = _imported(store, "rd_in_latlon.csv")
    assert re.search(r"RD-coördinaten \(omgerekend\):\s+2\n", out)
    signals = Store(store).signals().set_index("signal_id")
    assert signals.loc["R1", "area_code"] == signals.loc["R2", "area_code"]
    assert signals.loc["R1", "area_code"].startswith("BU0363A")
    assert signals.loc["R1", "lon"] == pytest.approx(4.8925, abs=1e-3)


def test_duplicate_ids_keep_first(store: Path) -> None:
    out, added = _imported(store, "duplicate_ids.csv")
    assert added["added"] == 2
    assert "duplicate_ids.csv, rij 3, kolom 'service_request_id'" in out
    signals = Store(store).signals().set_index("signal_id")
    assert signals.loc["R1", "category"] == "Pothole"


def test_negative_and_non_numeric_counts(store: Path) -> None:
    out, added = _imported(store, "negative_counts.csv", "counts")
    assert "negatief aantal: '-3'" in out
    assert "rij 3" in out
    assert "geen getal: 'veel'" in out
    assert "rij 4" in out
    assert added["added"] == 5 + 9 + 4


def test_unknown_area_codes_are_reported(store: Path) -> None:
    out, added = _imported(store, "unknown_area_codes.csv", "counts")
    assert "BU9999ZZ99: 1" in out
    assert "gebiedscode 'BU9999ZZ99' komt niet voor" in out
    assert added["added"] == 5 + 6 + 7


def test_html_and_formula_categories(store: Path) -> None:
    out, _ = _imported(store, "html_formula_categories.csv")
    assert "opgeschoond" in out
    signals = Store(store).signals()
    labels = set(signals["category"])
    assert not any("<" in label for label in labels)
    # tags are removed, the remaining text is kept as a (harmless, unknown) label
    new = signals[signals["signal_id"].isin(["R1", "R2"])].set_index("signal_id")
    assert new.loc["R1", "category"] == "alert(1)Pothole"
    assert new.loc["R2", "category"] == '=HYPERLINK("http://x","y")'
    assert set(new["domain"]) == {"overig"}
    assert pd.Series(list(labels)).str.contains("script").sum() == 0
