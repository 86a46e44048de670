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
from tests.conftest import SAMPLE_IMPORTS, SMALL_CUBE, cli, imported


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
    whole.area_themes = whole.area_channels = None
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
        # by area, month, domain and theme (or channel) at most: cube_area_themes (channels)
        (("area_code", "theme"), {"start": months[1]}),
        (("area_code",), {"themes": themes[:2]}),
        (("area_code",), {"channels": channels[:1]}),
        (("area_code", "domain"), {"start": months[1], "end": months[-2], "themes": themes[1:3]}),
        (
            ("area_code", "month"),
            {"end": months[-1], "domains": ["sociaal"], "channels": channels[1:3]},
        ),
        (("month", "channel"), {"area_codes": areas[:5], "located": True}),
        (("area_code", "domain"), {"themes": [], "start": months[0]}),
        # by every dimension of a rollup: its rows as they are, not summed again
        (("area_code", "month", "domain", "theme"), {"located": True}),
        (("channel", "month", "area_code", "domain"), {"start": months[1], "domains": ["fysiek"]}),
        (("domain", "area_code", "month"), {}),
        # the cube
        (("area_code",), {"themes": themes[:2], "channels": channels[:1]}),
        (("area_code", "theme", "channel"), {"start": months[1]}),
        (("area_code", "department"), {"themes": themes[:1]}),
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
    assert (bare.area_themes, bare.area_channels) == (None,) * 2
    _same(_answers(bare, cube), answers)
    # the next version (here: population set) has them again, and reads them
    Store(store).set_population(pd.Series({cube["area_code"].iloc[0]: 10.0}), source="handmatig")
    upgraded = Store(store).current
    assert upgraded is not None and upgraded != version
    assert all((upgraded / name).exists() for name in rollups.ROLLUP_FILES)
    again = version_engine(upgraded, Store(store).manifest())
    assert isinstance(again, DuckDBEngine) and again.dimensions and again.area_months
    assert again.area_themes and again.area_channels
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


def test_theme_and_channel_rollups_hold_the_cubes_sums_in_their_order(store: Path) -> None:
    folder = Store(store).current
    assert folder is not None
    cube = Store(store).cube()
    for name, extra in (
        (rollups.AREA_THEMES_FILE, "theme"),
        (rollups.AREA_CHANNELS_FILE, "channel"),
    ):
        rolled = pd.read_parquet(folder / name)
        columns = ["area_code", "month", "domain", extra]
        assert list(rolled.columns) == [*columns, "count", "cell_key"]
        # in the extra dimension's and the month's order: a choice skips other row groups
        order = rolled[[extra, "month"]].astype(str)
        assert order.equals(order.sort_values([extra, "month"], kind="stable"))
        grouped = cube.groupby(columns, observed=True, dropna=False)
        want = pd.DataFrame(
            {"count": grouped["count"].sum(), "cell_key": grouped["cell_key"].sum() % 256}
        ).reset_index()
        got = rolled.astype({c: "str" for c in columns}).sort_values(columns)
        want = want.astype({c: "str" for c in columns}).sort_values(columns)
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
        )
    # which relation each cut reads
    rolled_engine, _ = _engines(store)
    themes = sorted(cube["theme"].dropna().unique())
    sources = {
        "themes": engines._cut_source(rolled_engine, ("area_code",), {"themes": themes[:1]})[0],
        "channels": engines._cut_source(rolled_engine, ("area_code",), {"channels": ["App"]})[0],
        "both": engines._cut_source(
            rolled_engine, ("area_code",), {"themes": themes[:1], "channels": ["App"]}
        )[0],
        "plain": engines._cut_source(rolled_engine, ("area_code", "month"), {"domains": ["x"]})[0],
    }
    assert rollups.AREA_THEMES_FILE in sources["themes"]
    assert rollups.AREA_CHANNELS_FILE in sources["channels"]
    assert sources["both"] == rolled_engine.cube
    assert rollups.AREA_MONTHS_FILE in sources["plain"]


def test_summed_rollups_by_hand_with_missing_values_and_no_rows(tmp_path: Path) -> None:
    """The numpy sums of the theme and channel rollups, on a small cube with missing values
    (a group of its own, as SQL groups them), known by hand; and an empty cube."""
    cube = pd.DataFrame(SMALL_CUBE)
    folder = tmp_path / "v"
    folder.mkdir()
    cube.to_parquet(folder / "cube.parquet", index=False)
    rollups.write_rollups(folder)
    themes = pd.read_parquet(folder / rollups.AREA_THEMES_FILE)
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in themes.itertuples(index=False)]
    assert rows == [
        # missing theme first (code 0), then afval, wegen; within: month, area, domain
        ("B1", "2025-01", "fysiek", None, 1, 7),
        ("B1", "2025-02", "sociaal", None, 2, 3),
        ("B1", "2025-01", "fysiek", "afval", 7, (100 + 250) % 256),
        ("B2", "2025-02", "fysiek", "wegen", 12, (200 + 90) % 256),
    ]
    channels = pd.read_parquet(folder / rollups.AREA_CHANNELS_FILE)
    assert [tuple(r) for r in channels.itertuples(index=False)] == [
        ("B1", "2025-01", "fysiek", "App", 4, 107),
        ("B2", "2025-02", "fysiek", "App", 12, 34),
        ("B1", "2025-01", "fysiek", "KCC", 4, 250),
        ("B1", "2025-02", "sociaal", "KCC", 2, 3),
    ]
    # the engine's cuts from them equal those of the cube
    rolled = DuckDBEngine(folder)
    whole = DuckDBEngine(folder)
    whole.dimensions = whole.area_codes = whole.area_months = None
    whole.area_themes = whole.area_channels = None
    for by, choices in (
        (("area_code",), {"themes": ["afval", "wegen"]}),
        (("area_code", "theme"), {"start": "2025-01"}),
        (("month", "channel"), {"area_codes": ["B1"]}),
    ):
        a = engines.cube_cut(rolled, by=by, **choices)  # type: ignore[arg-type]
        b = engines.cube_cut(whole, by=by, **choices)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(a, b)
    # no rows: empty rollups with the columns
    empty = tmp_path / "e"
    empty.mkdir()
    cube.iloc[:0].to_parquet(empty / "cube.parquet", index=False)
    rollups.write_rollups(empty)
    for name, extra in (
        (rollups.AREA_THEMES_FILE, "theme"),
        (rollups.AREA_CHANNELS_FILE, "channel"),
    ):
        frame = pd.read_parquet(empty / name)
        assert len(frame) == 0
        assert list(frame.columns) == ["area_code", "month", "domain", extra, "count", "cell_key"]


def test_paired_cuts_equal_the_single_cuts_from_one_query(store: Path) -> None:
    """:func:`engine.cube_cuts`: each cut exactly as :func:`engine.cube_cut` gives it, from one
    query (GROUPING SETS) where all read the cube, and by hand."""
    rolled, _ = _engines(store)
    cube = Store(store).cube()
    months = sorted(cube["month"].unique())
    channels = sorted(cube["channel"].unique())
    bys = (("area_code", "theme"), ("area_code", "department"))
    queries: list[str] = []
    original = rolled.query

    def counted(sql: str, params: object = ()) -> pd.DataFrame:
        queries.append(sql)
        return original(sql, params)  # type: ignore[arg-type]

    rolled.query = counted  # type: ignore[method-assign]
    for choices, reads in (
        ({"start": months[1], "end": months[-1], "channels": channels[:1]}, 1),  # the cube
        ({"start": months[1], "end": months[-1]}, 2),  # the theme rollup, then the cube
        ({"channels": [], "domains": ["sociaal"]}, 1),  # nothing chosen
    ):
        queries.clear()
        paired = engines.cube_cuts(rolled, bys=bys, **choices)  # type: ignore[arg-type]
        assert len(queries) == reads, choices
        single = [engines.cube_cut(rolled, by=by, **choices) for by in bys]  # type: ignore[arg-type]
        for a, b in zip(paired, single, strict=True):
            pd.testing.assert_frame_equal(a, b)
    # by hand: the first channel's count and cell key per area and department
    chosen = cube.loc[(cube["channel"] == channels[0]) & (cube["month"] >= months[1])]
    _, departments = engines.cube_cuts(rolled, bys=bys, start=months[1], channels=channels[:1])
    grouped = chosen.groupby(["area_code", "department"], observed=True, dropna=False)
    assert departments["count"].tolist() == grouped["count"].sum().tolist()
    assert departments["cell_key"].tolist() == (grouped["cell_key"].sum() % 256).tolist()
