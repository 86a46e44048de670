"""The folder store's rollups (``cube_dims``, ``cube_areas``, ``cube_area_months``), written at
commit inside the version: every cut read from them equals the same cut of the whole cube
(counts and cell keys), and pandas by hand; a version without them answers the same from the
cube and gets them with its next write; a failed commit leaves none; unchanged ones are hard
links to the previous version's."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from regie_analytics import engine as engines
from regie_analytics.engine import DuckDBEngine
from regie_analytics.schema import SENTINEL_AREAS
from regie_analytics.snapshot import version_engine
from regie_analytics.store import Store, commit, rollups
from tests.conftest import SAMPLE_IMPORTS, cli, imported


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return imported(tmp_path / "store", *SAMPLE_IMPORTS)


def _engines(root: Path) -> tuple[DuckDBEngine, DuckDBEngine]:
    """The current version's engine, and one over the same files that reads only the cube (as
    for a version written before the rollups)."""
    store = Store(root)
    assert store.current is not None
    rolled = version_engine(store.current, store.manifest())
    assert isinstance(rolled, DuckDBEngine)
    whole = version_engine(store.current, store.manifest())
    assert isinstance(whole, DuckDBEngine)
    whole.dimensions = whole.area_codes = whole.area_months = None
    return rolled, whole


def _cuts(cube: pd.DataFrame) -> list[tuple[tuple[str, ...], dict[str, object]]]:
    months = sorted(cube["month"].unique())
    areas = sorted(cube["area_code"].unique())
    themes = sorted(cube["theme"].dropna().unique())
    channels = sorted(cube["channel"].unique())
    return [
        # without areas: cube_dims
        (("month",), {}),
        (("month", "domain"), {"located": True}),
        (("domain",), {"start": months[1], "end": months[-2], "located": True}),
        (("theme", "channel"), {"domains": ["sociaal"]}),
        (("channel",), {"themes": themes[:2], "located": True}),
        (("source", "department"), {"channels": channels[:1]}),
        ((), {"located": True, "domains": ["fysiek"]}),
        ((), {"domains": []}),
        # by area, month and domain at most, no theme or channel: cube_area_months
        (("area_code", "domain"), {"start": months[1], "end": months[-2]}),
        (("area_code", "month"), {"end": months[-1], "domains": ["fysiek", "sociaal"]}),
        (("area_code",), {"located": True, "domains": ["sociaal"]}),
        (("area_code", "month", "domain"), {"area_codes": areas[:3]}),
        (("month",), {"area_codes": areas[1:4], "start": months[2]}),
        (("domain",), {"area_codes": [], "located": True}),
        # the cube
        (("area_code", "theme"), {"start": months[1]}),
        (("area_code",), {"themes": themes[:2]}),
        (("area_code",), {"channels": channels[:1]}),
    ]


def _answers(engine: DuckDBEngine, cube: pd.DataFrame) -> list[object]:
    """Every cut of :func:`_cuts` and the distinct values of the dimensions, from ``engine``."""
    out: list[object] = []
    for by, choices in _cuts(cube):
        cut = engines.cube_cut(engine, by=by, **choices).astype({c: "str" for c in by})  # type: ignore[arg-type]
        out.append(cut)
    for column in ("month", "domain", "theme", "channel", "area_code"):
        out.append(engines.distinct(engine, column))
    out.append(engines.distinct(engine, "theme", where='"domain" = ?', params=["fysiek"]))
    return out


def _same(got: list[object], want: list[object]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        if isinstance(a, pd.DataFrame):
            assert isinstance(b, pd.DataFrame)
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b


def _same_cuts(a: DuckDBEngine, b: DuckDBEngine, cube: pd.DataFrame) -> None:
    _same(_answers(a, cube), _answers(b, cube))


def test_rollups_give_exactly_the_cubes_cuts(store: Path) -> None:
    rolled, whole = _engines(store)
    assert rolled.dimensions and rolled.area_codes and rolled.area_months
    cube = Store(store).cube()
    _same_cuts(rolled, whole, cube)
    # the rollups are far smaller than the cube and hold what it holds
    folder = Store(store).current
    assert folder is not None
    dims = pd.read_parquet(folder / rollups.CUBE_DIMS_FILE)
    months = pd.read_parquet(folder / rollups.AREA_MONTHS_FILE)
    assert len(dims) < len(cube) and len(months) < len(cube)
    assert int(dims["count"].sum()) == int(months["count"].sum()) == int(cube["count"].sum())
    assert months["month"].is_monotonic_increasing  # a period's cut skips other row groups
    areas = pd.read_parquet(folder / rollups.CUBE_AREAS_FILE)["area_code"].tolist()
    assert areas == sorted(cube["area_code"].unique())
    # by hand: the located count and cell key per month, and per area of the sociaal domain
    located = cube.loc[~cube["area_code"].isin(SENTINEL_AREAS)]
    month_cut = engines.cube_cut(rolled, by=("month",), located=True)
    assert month_cut["count"].tolist() == located.groupby("month")["count"].sum().tolist()
    keys = located.groupby("month")["cell_key"].sum() % 256
    assert month_cut["cell_key"].tolist() == keys.tolist()
    social = cube.loc[cube["domain"] == "sociaal"]
    area_cut = engines.cube_cut(rolled, by=("area_code",), domains=["sociaal"])
    assert area_cut["count"].tolist() == social.groupby("area_code")["count"].sum().tolist()
    keys = social.groupby("area_code")["cell_key"].sum() % 256
    assert area_cut["cell_key"].tolist() == keys.tolist()


def test_a_version_without_rollups_answers_the_same_and_gets_them_next_write(
    store: Path,
) -> None:
    rolled, _ = _engines(store)
    cube = Store(store).cube()
    answers = _answers(rolled, cube)
    version = Store(store).current
    assert version is not None
    for name in rollups.ROLLUP_FILES:  # as a version written before them
        (version / name).unlink()
    bare = version_engine(version, Store(store).manifest())
    assert isinstance(bare, DuckDBEngine)
    assert (bare.dimensions, bare.area_codes, bare.area_months) == (None,) * 3
    _same(_answers(bare, cube), answers)
    # the next version (here: population set) has them again, and reads them
    Store(store).set_population(pd.Series({cube["area_code"].iloc[0]: 10.0}), source="handmatig")
    upgraded = Store(store).current
    assert upgraded is not None and upgraded != version
    assert all((upgraded / name).exists() for name in rollups.ROLLUP_FILES)
    again = version_engine(upgraded, Store(store).manifest())
    assert isinstance(again, DuckDBEngine) and again.dimensions and again.area_months
    _same(_answers(again, cube), answers)


def test_unchanged_rollups_are_hard_links_and_changed_ones_new(store: Path) -> None:
    first = Store(store).current
    assert first is not None
    cube = Store(store).cube()
    Store(store).set_population(pd.Series({cube["area_code"].iloc[0]: 10.0}), source="handmatig")
    second = Store(store).current
    assert second is not None and second != first
    for name in rollups.ROLLUP_FILES:  # the same cube
        assert os.path.samefile(first / name, second / name), name
    Store(store).remove_import(2)  # the counts: another cube
    third = Store(store).current
    assert third is not None and third != second
    for name in rollups.ROLLUP_FILES:
        assert not os.path.samefile(second / name, third / name), name
    rolled, whole = _engines(store)
    _same_cuts(rolled, whole, Store(store).cube())


def test_a_failed_commit_leaves_no_rollups(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = Store(store).current
    assert before is not None
    files = sorted(p.relative_to(store) for p in store.rglob("*"))
    staged: list[Path] = []

    def failing(folder: Path, *, previous: Path | None) -> None:
        rollups.write_rollups(folder, previous=previous)
        assert all((folder / name).exists() for name in rollups.ROLLUP_FILES)
        staged.append(folder)
        raise OSError(28, "No space left on device")  # written, then the disk is full

    monkeypatch.setattr(commit, "write_rollups", failing)
    export = tmp_path / "nieuw.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        + "".join(f"N{i},2025-08-1{i}T10:00:00,Afval,52.3731,4.8922\n" for i in range(3))
    )
    result = cli("import", export, "--preset", "open311", "--store", store)
    assert result.code != 0 and staged
    assert not staged[0].exists()
    assert Store(store).current == before
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == files
    assert not list(store.parent.glob(".store-staging-*"))
