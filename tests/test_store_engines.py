"""The store on both engines, a folder and PostgreSQL/PostGIS: the same imports give the same
cube, records, areas and summary; versions, duplicates, corrections, reclassifying, population,
removing an import, refused input, a busy store and pinned readers behave the same. The
PostgreSQL cases run against a real server (``tests/pg.py``), so they are marked ``subprocess``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from geopandas.testing import assert_geodataframe_equal
from streamlit.testing.v1 import AppTest

from regie_analytics import aggregate, audit, lead_sql, workflow
from regie_analytics import engine as engines
from regie_analytics.engine import Engine
from regie_analytics.formatting import fmt_int
from regie_analytics.schema import SENTINEL_AREAS
from regie_analytics.snapshot import version_engine
from regie_analytics.store import (
    PostgresStore,
    Store,
    is_database,
    open_store,
    pgwrite,
    versions,
)
from regie_analytics.store.pgschema import version_number
from regie_analytics.store.postgres import PostgresEngine
from regie_analytics.store.summary import store_info
from tests.conftest import (
    BAD,
    ROOT,
    SAMPLE_IMPORTS,
    SAMPLES,
    cli,
    data_files,
    protected_count,
    run_app,
    store_env,
)


def _import(location: str, path: Path, preset: str) -> str:
    result = cli("import", path, "--preset", preset, "--store", location)
    assert result.code == 0, result.err
    return result.out


def _derived_and_plain(
    tmp_path: Path, url: str
) -> tuple[PostgresStore, PostgresEngine, PostgresEngine, list[int], Engine]:
    """The samples imported into a folder store and into ``url``: the PostgreSQL store, its
    current version's engine (reading the tables derived at commit), an engine over the same
    version without them (the cube and the signals only), the version's signal parts, and the
    folder store's DuckDB engine."""
    folder = str(tmp_path / "store")
    for path, preset in SAMPLE_IMPORTS:
        _import(folder, path, preset)
        _import(url, path, preset)
    store = PostgresStore(url)
    version = str(store.current)
    manifest = store.manifest()
    parts = [int(i["parts"]["signals"]) for i in manifest["imports"] if "signals" in i["parts"]]
    plain = PostgresEngine(url, store.schema, version_number(version), parts)
    duck = Store(Path(folder))
    assert duck.current is not None
    return store, store.engine(version), plain, parts, version_engine(duck.current, duck.manifest())


def _cube(location: str) -> pd.DataFrame:
    cube = open_store(location).cube().drop(columns="cell_key")
    return cube.sort_values(list(cube.columns[:-1]), ignore_index=True)


def _tables(url: str) -> dict[str, str]:
    """A fingerprint of every table of a database store (to show it is unchanged)."""
    store = PostgresStore(url)
    with psycopg.connect(url) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (store.schema,),
            )
        ]
        return {
            name: str(
                conn.execute(
                    f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) "
                    f"FROM {store.schema}.{name} t"
                ).fetchone()
            )
            for name in names
        }


def _contents(location: str) -> object:
    """Everything a store holds that is not a timestamp: to show it is unchanged."""
    if is_database(location):
        return _tables(location)
    return data_files(Path(location))


@pytest.mark.subprocess
def test_samples_give_the_same_store_on_both_engines(tmp_path: Path, pg_url: str) -> None:
    folder, url = str(tmp_path / "store"), pg_url + "?options=-csearch_path%3Dsamples"
    for path, preset in SAMPLE_IMPORTS:
        _import(folder, path, preset)
        _import(url, path, preset)
    f, p = open_store(folder), open_store(url)
    assert isinstance(p, PostgresStore) and p.current == f.version_name == "v000003"
    pd.testing.assert_frame_equal(_cube(folder), _cube(url))
    assert_geodataframe_equal(f.areas(), p.areas())
    assert p.areas().geometry.geom_equals_exact(f.areas().geometry, 0).all()
    assert p.taxonomy().table.equals(f.taxonomy().table)
    pd.testing.assert_frame_equal(
        f.counts().drop(columns="cell_key"), p.counts().drop(columns="cell_key")
    )
    columns = ["source", "signal_id", "received_at", "closed_at", "area_code", "lon", "lat"]
    pd.testing.assert_frame_equal(
        f.signals(columns).astype({"source": "str", "area_code": "str"}),
        p.signals(columns).astype({"source": "str", "area_code": "str"}),
    )
    fi, pi = f.info(), p.info()
    for key in ("versie", "meldingen_totaal", "meldingen_in_gebied", "buiten_gebied"):
        assert fi[key] == pi[key]
    assert (fi["zonder_locatie"], fi["per_domein"]) == (pi["zonder_locatie"], pi["per_domein"])
    assert pi["meldingen_totaal"] == len(p.signals()) + int(p.counts()["count"].sum())
    # the cell keys summed in the database: each cell's record keys summed mod 256, by hand
    dims = ["area_code", "month", "domain", "theme", "channel", "department", "source"]
    signals = p.signals().astype("str").astype({"record_key": "int64"})
    signals["month"] = p.signals()["received_at"].dt.strftime("%Y-%m")
    keys = pd.concat(
        [
            signals.rename(columns={"record_key": "cell_key"})[[*dims, "cell_key"]],
            p.counts().astype({"cell_key": "int64"})[[*dims, "cell_key"]],
        ]
    )
    expected = keys.groupby(dims)["cell_key"].sum() % 256
    got = p.cube().set_index(dims)["cell_key"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    # the audit log: in the database, one record per import, chained
    log = audit.read(url)
    assert [r["action"] for r in log.records] == ["import"] * 3
    assert [r["details"]["bron"] for r in log.records] == ["open311", "telling", "signalen"]
    assert not log.broken and not log.damaged
    listed = cli("audit", "--store", url)
    assert listed.code == 0 and listed.out.count("import") >= 3
    # counts --out: the same file from both engines
    outs = []
    for location in (folder, url):
        out = tmp_path / f"{len(outs)}.csv"
        assert cli("counts", "--store", location, "--out", out, "--by", "domain").code == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 10


def test_versions_duplicates_and_corrections(engine: str) -> None:
    _import(engine, SAMPLES / "open311_requests.json", "open311")
    store = open_store(engine)
    assert store.version_name == "v000001"
    before = _cube(engine)
    assert int(before["count"].sum()) == 300
    out = _import(engine, SAMPLES / "open311_requests.json", "open311")
    assert "Niets toegevoegd" in out
    assert store.version_name == "v000001"
    _import(engine, BAD / "counts_corrected_first.csv", "counts")
    out = _import(engine, BAD / "counts_corrected_second.csv", "counts")
    assert "gecorrigeerd aantal (vervangt de eerdere waarde):   1" in out
    assert store.version_name == "v000003"
    counts = store.counts().groupby("area_code")["count"].sum().to_dict()
    assert counts == {"BU0363AA01": 5, "BU0363AA02": 8, "BU0363AA03": 9, "BU0363AA04": 1}
    cube = store.cube()
    assert cube.loc[cube["source"] == "telling", "count"].sum() == 5 + 8 + 9 + 1
    assert store.info()["meldingen_totaal"] == 300 + 23


def test_remove_import_gives_the_store_as_before(engine: str) -> None:
    _import(engine, SAMPLES / "open311_requests.json", "open311")
    store = open_store(engine)
    cube, signals = _cube(engine), store.signals()
    _import(engine, SAMPLES / "wijkteam_telling.csv", "counts")
    assert int(_cube(engine)["count"].sum()) > 300
    removed = store.remove_import(2)
    assert removed["source"] == "telling"
    pd.testing.assert_frame_equal(_cube(engine), cube)
    pd.testing.assert_frame_equal(store.signals(), signals)
    assert store.counts().empty and store.version_name == "v000003"
    with pytest.raises(Exception, match="geen import met nummer 7"):
        store.remove_import(7)


def test_reclassify_and_population(engine: str, tmp_path: Path) -> None:
    export = tmp_path / "onbekend.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        + "".join(f"U{i},2025-08-1{i}T10:00:00,Ruimteschip,52.3731,4.8922\n" for i in range(3))
    )
    _import(engine, export, "open311")
    store = open_store(engine)
    assert store.info()["overig_domein"] == 3
    taxonomy = tmp_path / "taxonomie.csv"
    taxonomy.write_bytes(
        store.taxonomy().to_csv_bytes() + b"*,Ruimteschip,*,fysiek,schoon,Stadswerken,\n"
    )
    result = cli("reclassify", "--taxonomy", taxonomy, "--store", engine)
    assert result.code == 0, result.err
    assert "3 -> 0" in result.out
    cube = store.cube()
    assert cube.loc[cube["theme"] == "schoon", "count"].sum() == 3
    assert set(store.signals(["theme"])["theme"]) == {"schoon"}
    code = cube["area_code"].iloc[0]
    store.set_population(pd.Series({code: 1234.0}), source="handmatig")
    areas = store.areas()
    assert areas.loc[code, "population"] == 1234.0
    assert areas["population"].notna().sum() == 1
    assert store.manifest()["boundaries"]["population"] == "handmatig"
    pd.testing.assert_frame_equal(store.cube(), cube)
    assert store.version_name == "v000003"


def test_summary_and_labels_in_overig_are_summed_in_the_engine(engine: str, tmp_path: Path) -> None:
    """The store's summary (Data page, ``info``) and its labels in overig are summed in the
    engine, not from the whole cube and every signal in pandas (a national store's cube has
    millions of rows): the same summary as from the whole cube, and counts by hand: 2 + 1
    unknown labels, 1 signal outside the area, 1 without a location, across two months."""
    export = tmp_path / "mix.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        "1,2025-03-01T10:00:00,Ruimteschip,52.3731,4.8922\n"
        "2,2025-03-02T10:00:00,Ruimteschip,52.3731,4.8922\n"
        "3,2025-04-02T10:00:00,Vliegende schotel,52.3731,4.8922\n"
        "4,2025-04-03T10:00:00,Graffiti,52.3731,4.8922\n"
        "5,2025-04-04T10:00:00,Graffiti,51.9225,4.4792\n"  # Rotterdam: outside the areas
        "6,2025-04-05T10:00:00,Graffiti,,\n",
        encoding="utf-8",
    )
    _import(engine, export, "open311")
    _import(engine, SAMPLES / "wijkteam_telling.csv", "counts")
    store = open_store(engine)
    info = store.info()
    whole = store_info(store.location, store.manifest(), store.cube(), store.areas())
    assert info == whole
    counted = int(store.counts()["count"].sum())
    assert info["meldingen_totaal"] == 6 + counted
    assert (info["buiten_gebied"], info["zonder_locatie"], info["overig_domein"]) == (1, 1, 3)
    assert info["eerste_maand"] <= "2025-03" and info["laatste_maand"] >= "2025-04"
    assert info["niveaus"]["buurt"] == int((store.areas()["level"] == "buurt").sum())
    totals = engines.cube_totals(store.engine(str(store.version_name)))
    assert set(totals["area_code"]) <= {"", *SENTINEL_AREAS}
    assert int(totals["count"].sum()) == info["meldingen_totaal"]
    unknown = workflow.stored_unknown_categories(store)
    assert unknown.to_dict("records") == [
        {"category": "Ruimteschip", "subcategory": "", "count": 2},
        {"category": "Vliegende schotel", "subcategory": "", "count": 1},
    ]


def test_refused_import_leaves_the_store_unchanged(engine: str) -> None:
    _import(engine, SAMPLES / "open311_requests.json", "open311")
    before = _contents(engine)
    result = cli("import", BAD / "binary.csv", "--preset", "open311", "--store", engine)
    assert result.code == 2 and "binary.csv" in result.err
    assert _contents(engine) == before


def test_second_writer_is_refused(engine: str) -> None:
    _import(engine, SAMPLES / "open311_requests.json", "open311")
    store = open_store(engine)
    if isinstance(store, PostgresStore):
        held = pgwrite.writing(store.location, store.schema, store.root)
    else:
        held = versions.lock(Path(engine))
    with held:
        result = cli(
            "import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", engine
        )
        assert result.code == 2
        assert "de store is bezet door een andere import" in result.err
    assert store.version_name == "v000001"
    _import(engine, SAMPLES / "wijkteam_telling.csv", "counts")
    assert store.version_name == "v000002"


def test_pinned_reader_keeps_its_version(engine: str) -> None:
    _import(engine, SAMPLES / "open311_requests.json", "open311")
    pinned = open_store(engine, version="v000001")
    cube = pinned.cube()
    _import(engine, SAMPLES / "wijkteam_telling.csv", "counts")
    pd.testing.assert_frame_equal(pinned.cube(), cube)
    assert int(open_store(engine).cube()["count"].sum()) > int(cube["count"].sum())
    assert len(pinned.signals()) == 300
    gone = open_store(engine, version="v000009")
    with pytest.raises(Exception, match="versie v000009 van de store is intussen vervangen"):
        gone.cube()


@pytest.mark.subprocess
def test_database_engine_aggregates_in_the_database(pg_url: str) -> None:
    url = pg_url + "?options=-csearch_path%3Dengine"
    _import(url, SAMPLES / "wijkteam_telling.csv", "counts")
    store = PostgresStore(url)
    engine = store.engine("v000001")
    got = engine.query(
        f"SELECT domain, SUM(count) AS n FROM {engine.cube} WHERE month >= ? GROUP BY domain",
        ["2025-02"],
    )
    counts = store.counts()
    assert got["n"].astype("int64").tolist() == [
        int(counts.query("month >= '2025-02'")["count"].sum())
    ]


@pytest.mark.subprocess
def test_cuts_without_areas_read_the_summed_dimensions(tmp_path: Path, pg_url: str) -> None:
    """A cut that neither shows nor picks areas is summed by PostgreSQL from ``cube_dims``
    (the cube summed over the areas at commit): the same counts and cell keys as the same cut
    of the whole cube, the same counts as the folder store's DuckDB, and as pandas by hand."""
    url = pg_url + "?options=-csearch_path%3Dsummed"
    store, summed, whole, _parts, duck_engine = _derived_and_plain(tmp_path, url)
    assert summed.dimensions is not None and whole.dimensions is None
    cube = store.cube()
    months = sorted(cube["month"].unique())
    cuts: list[tuple[tuple[str, ...], dict[str, object]]] = [
        (("month",), {}),
        (("month", "domain"), {"located": True}),
        (("domain",), {"start": months[1], "end": months[-2], "located": True}),
        (("theme", "channel"), {"domains": ["sociaal"]}),
        (("channel",), {"themes": sorted(cube["theme"].dropna().unique())[:2], "located": True}),
        (("source", "department"), {"channels": sorted(cube["channel"].unique())[:1]}),
        ((), {"located": True, "domains": ["fysiek"]}),
        ((), {"domains": []}),  # nothing chosen: no row
    ]
    for by, choices in cuts:
        got = engines.cube_cut(summed, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        expected = engines.cube_cut(whole, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(got, expected)
        # the folder store has its own secret: its cell keys differ, its counts do not
        duck_cut = engines.cube_cut(duck_engine, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(
            got.drop(columns="cell_key"), duck_cut.drop(columns="cell_key")
        )
    # by hand: the located count per month, cell keys summed mod 256
    located = cube.loc[~cube["area_code"].isin(SENTINEL_AREAS)]
    month_cut = engines.cube_cut(summed, by=("month",), located=True)
    assert month_cut["count"].tolist() == located.groupby("month")["count"].sum().tolist()
    keys = located.groupby("month")["cell_key"].sum() % 256
    assert month_cut["cell_key"].tolist() == keys.tolist()
    assert len(cube) > len(cube.loc[cube["area_code"].isin(SENTINEL_AREAS)]) > 0


@pytest.mark.subprocess
def test_area_cuts_read_the_area_months(tmp_path: Path, pg_url: str) -> None:
    """A cut by the area, the month and the domain at most, with no theme or channel chosen,
    is summed by PostgreSQL from ``cube_area_months`` (the cube summed per area, month and
    domain at commit): the same counts and cell keys as from the whole cube, the same counts as
    the folder store's DuckDB; other cuts read the cube; a version without those rows too."""
    url = pg_url + "?options=-csearch_path%3Dareamonths"
    store, rolled, whole, _parts, duck_engine = _derived_and_plain(tmp_path, url)
    version = str(store.current)
    assert rolled.area_months is not None and whole.area_months is None
    cube = store.cube()
    months = sorted(cube["month"].unique())
    areas = sorted(cube["area_code"].unique())
    cuts: list[tuple[tuple[str, ...], dict[str, object]]] = [
        (("area_code", "domain"), {"start": months[1], "end": months[-2]}),
        (("area_code", "month"), {"end": months[-1], "domains": ["fysiek", "sociaal"]}),
        (("area_code",), {"located": True, "domains": ["sociaal"]}),
        (("area_code", "month", "domain"), {"area_codes": areas[:3]}),
        (("month",), {"area_codes": areas[1:4], "start": months[2]}),
        (("domain",), {"area_codes": [], "located": True}),  # no area chosen: no row
        (("area_code", "theme"), {"start": months[1]}),  # by theme: the cube
        (("area_code",), {"themes": sorted(cube["theme"].dropna().unique())[:2]}),  # the cube
        (("area_code",), {"channels": sorted(cube["channel"].unique())[:1]}),  # the cube
    ]
    for by, choices in cuts:
        got = engines.cube_cut(rolled, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        want = engines.cube_cut(whole, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(got, want, obj=f"{by} {choices}")
        duck_cut = engines.cube_cut(duck_engine, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(
            got.drop(columns="cell_key"), duck_cut.drop(columns="cell_key"), obj=f"{by} {choices}"
        )
    # by hand: the count per area of the located signals and counts, cell keys summed mod 256
    located = cube.loc[~cube["area_code"].isin(SENTINEL_AREAS)]
    per_area = engines.cube_cut(rolled, by=("area_code",), located=True)
    assert per_area["count"].tolist() == located.groupby("area_code")["count"].sum().tolist()
    keys = located.groupby("area_code")["cell_key"].sum() % 256
    assert per_area["cell_key"].tolist() == keys.tolist()
    with psycopg.connect(url) as conn:
        number = version_number(version)
        rows = conn.execute(
            "SELECT count(*) FROM areamonths.cube_area_months WHERE version = %s", (number,)
        ).fetchone()
        assert rows is not None and 0 < rows[0] < len(cube)
        conn.execute("DELETE FROM areamonths.cube_area_months WHERE version = %s", (number,))
    assert store.engine(version).area_months is None


@pytest.mark.subprocess
def test_theme_and_channel_cuts_read_their_area_rollups(tmp_path: Path, pg_url: str) -> None:
    """A cut with a theme (or a channel) chosen, by and filtered on the area, the month, the
    domain and the theme (channel) at most, is summed by PostgreSQL from ``cube_area_themes``
    (``cube_area_channels``), a cut by area and department with neither chosen from
    ``cube_area_departments``: the same counts and cell keys as from the whole cube, the same
    counts as the folder store's DuckDB (which reads its own rollups, none by department); a
    theme and a channel together read the cube; a version without those rows, or a store
    without those tables, reads the cube and gets them with its next write."""
    url = pg_url + "?options=-csearch_path%3Dareaextras"
    store, rolled, whole, _parts, duck_engine = _derived_and_plain(tmp_path, url)
    version = str(store.current)
    assert rolled.area_themes is not None and rolled.area_channels is not None
    assert rolled.area_departments is not None
    assert whole.area_themes is None and whole.area_channels is None
    assert whole.area_departments is None
    assert getattr(duck_engine, "area_themes", None) and getattr(duck_engine, "area_channels", None)
    cube = store.cube()
    months = sorted(cube["month"].unique())
    areas = sorted(cube["area_code"].unique())
    themes = sorted(cube["theme"].dropna().unique())
    channels = sorted(cube["channel"].unique())
    cuts: list[tuple[tuple[str, ...], dict[str, object]]] = [
        (("area_code", "domain"), {"start": months[1], "end": months[-2], "themes": themes[:2]}),
        (("area_code", "month"), {"end": months[-1], "domains": ["sociaal"], "themes": themes[1:]}),
        (("area_code", "theme"), {"start": months[1]}),
        (("area_code",), {"located": True, "channels": channels[:1]}),
        (("area_code", "channel"), {"area_codes": areas[:4], "start": months[2]}),
        (("area_code", "month", "domain", "theme"), {"located": True}),
        (("area_code",), {"themes": [], "start": months[0]}),  # nothing chosen: no row
        (("area_code",), {"themes": themes[:1], "channels": channels[:1]}),  # the cube
        (("area_code", "department"), {"themes": themes[:1]}),  # the cube
        (("area_code", "department"), {"start": months[1], "domains": ["fysiek"]}),
        (("area_code", "month", "department"), {"area_codes": areas[:3], "located": True}),
    ]
    for by, choices in cuts:
        got = engines.cube_cut(rolled, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        want = engines.cube_cut(whole, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(got, want, obj=f"{by} {choices}")
        duck_cut = engines.cube_cut(duck_engine, by=by, **choices).astype({b: "str" for b in by})  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(
            got.drop(columns="cell_key"), duck_cut.drop(columns="cell_key"), obj=f"{by} {choices}"
        )
    # Samenhang's paired cuts (DuckDB: one query, GROUPING SETS, where both read the cube;
    # PostgreSQL: one each at the same time), the same
    bys = (("area_code", "theme"), ("area_code", "department"))
    for choices in ({"start": months[1], "channels": channels[:1]}, {"start": months[1]}):
        paired = engines.cube_cuts(rolled, bys=bys, **choices)  # type: ignore[arg-type]
        duck_paired = engines.cube_cuts(duck_engine, bys=bys, **choices)  # type: ignore[arg-type]
        for by, got, duck_cut in zip(bys, paired, duck_paired, strict=True):
            want = engines.cube_cut(whole, by=by, **choices)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(got, want, obj=f"{by} {choices}")
            pd.testing.assert_frame_equal(
                got.drop(columns="cell_key").astype({b: "str" for b in by}),
                duck_cut.drop(columns="cell_key").astype({b: "str" for b in by}),
            )
    # which relation each cut reads
    assert (
        "cube_area_themes" in engines._cut_source(rolled, ("area_code",), {"themes": themes[:1]})[0]
    )
    assert (
        "cube_area_channels"
        in engines._cut_source(rolled, ("area_code",), {"channels": channels[:1]})[0]
    )
    both = engines._cut_source(
        rolled, ("area_code",), {"themes": themes[:1], "channels": channels[:1]}
    )
    assert both[0] == rolled.cube
    by_department = ("area_code", "department")
    assert "cube_area_departments" in engines._cut_source(rolled, by_department, {})[0]
    assert engines._cut_source(rolled, by_department, {"channels": channels[:1]})[0] == rolled.cube
    # by hand: the count per area and department of the first two months, keys mod 256
    early = cube.loc[cube["month"] <= months[1]]
    per_department = engines.cube_cut(rolled, by=by_department, end=months[1])
    grouped = early.groupby(list(by_department), observed=True)
    assert per_department["count"].tolist() == grouped["count"].sum().tolist()
    assert per_department["cell_key"].tolist() == (grouped["cell_key"].sum() % 256).tolist()
    # by hand: the count per area of a theme, cell keys summed mod 256
    theme = cube.loc[cube["theme"] == themes[0]]
    per_area = engines.cube_cut(rolled, by=("area_code",), themes=themes[:1])
    assert (
        per_area["count"].tolist()
        == theme.groupby("area_code", observed=True)["count"].sum().tolist()
    )
    keys = theme.groupby("area_code", observed=True)["cell_key"].sum() % 256
    assert per_area["cell_key"].tolist() == keys.tolist()
    number = version_number(version)
    with psycopg.connect(url) as conn:
        for table in ("cube_area_themes", "cube_area_channels", "cube_area_departments"):
            rows = conn.execute(
                f"SELECT count(*), sum(count) FROM areaextras.{table} WHERE version = %s",
                (number,),
            ).fetchone()
            assert rows is not None and 0 < rows[0] < len(cube)
            assert rows[1] == int(cube["count"].sum())
        conn.execute("DELETE FROM areaextras.cube_area_themes WHERE version = %s", (number,))
    assert store.engine(version).area_themes is None
    assert store.engine(version).area_channels is not None
    # a store made before the tables: the cube, then the tables with the next write
    with psycopg.connect(url) as conn:
        conn.execute(
            "DROP TABLE areaextras.cube_area_themes, areaextras.cube_area_channels, "
            "areaextras.cube_area_departments"
        )
    old = store.engine(version)
    assert old.area_themes is None and old.area_channels is None
    assert old.area_departments is None
    got = engines.cube_cut(old, by=("area_code",), themes=themes[:2])
    pd.testing.assert_frame_equal(
        got, engines.cube_cut(whole, by=("area_code",), themes=themes[:2])
    )
    store.set_population(pd.Series({areas[0]: 10.0}), source="handmatig")
    newer = PostgresStore(url)
    upgraded = newer.engine(str(newer.current))
    assert upgraded.area_themes is not None and upgraded.area_channels is not None
    assert upgraded.area_departments is not None
    again = engines.cube_cut(upgraded, by=("area_code",), themes=themes[:2])
    pd.testing.assert_frame_equal(again, got)


@pytest.mark.subprocess
def test_lead_times_read_the_signal_leads(tmp_path: Path, pg_url: str) -> None:
    """An import writes each signal part's lead times (``signal_leads``) and the engine reads
    them there: the same lead-time cuts as from the signals and, but for the record keys (each
    store has its own secret), as the folder store's DuckDB; a part without them (written
    before the table existed) is read from the signals again."""
    url = pg_url + "?options=-csearch_path%3Dleads"
    store, leads, signals, parts, duck_engine = _derived_and_plain(tmp_path, url)
    version = str(store.current)
    assert leads.leads is not None and signals.leads is None
    assert len(parts) == 2
    months = sorted(store.cube()["month"].unique())
    groups = {code: code[:6] for code in store.areas().index}
    keys = ["k", "k_closed", "k_open", "k_within"]
    cuts: list[dict[str, object]] = [
        {"by": None},
        {"by": "theme", "start": months[0], "end": months[-1]},
        {"by": "channel", "domains": ["fysiek"]},
        {"by": "area_code", "located": True, "start": months[1]},
        {"by": None, "groups": groups, "located": True},
        {"by": "source"},  # not in signal_leads: read from the signals
    ]
    for cut in cuts:
        got = lead_sql.lead_time_cut(leads, norm_days=3, **cut).sort_values("g", ignore_index=True)  # type: ignore[arg-type]
        want = lead_sql.lead_time_cut(signals, norm_days=3, **cut).sort_values(
            "g", ignore_index=True
        )  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(got, want, obj=str(cut))
        duck_cut = lead_sql.lead_time_cut(duck_engine, norm_days=3, **cut).sort_values(
            "g", ignore_index=True
        )  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(
            aggregate.lead_times_of_cut(
                got.drop(columns=keys).assign(**dict.fromkeys(keys, 0)), by="g"
            ),
            aggregate.lead_times_of_cut(
                duck_cut.drop(columns=keys).assign(**dict.fromkeys(keys, 0)), by="g"
            ),
            obj=str(cut),
        )
    total = lead_sql.lead_time_cut(leads, by=None, norm_days=3)
    assert total["ontvangen"].astype("int64").tolist() == [len(store.signals())]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM leads.signal_leads").fetchone() == (
            len(store.signals()),
        )
        conn.execute("DELETE FROM leads.signal_leads WHERE part = %s", (parts[0],))
    assert store.engine(version).leads is None
    # the next version writes the missing part's lead times again (a store written before)
    store.set_population(pd.Series({"BU0363AA01": 10.0}), source="handmatig")
    upgraded = store.engine(str(store.current))
    assert str(store.current) != version and upgraded.leads is not None
    again = lead_sql.lead_time_cut(upgraded, by="theme", norm_days=3)
    want = lead_sql.lead_time_cut(signals, by="theme", norm_days=3)
    pd.testing.assert_frame_equal(
        again.sort_values("g", ignore_index=True), want.sort_values("g", ignore_index=True)
    )
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM leads.signal_leads").fetchone() == (
            len(store.signals()),
        )


@pytest.mark.subprocess
def test_unreachable_database_is_explained(pg_url: str) -> None:
    url = "postgresql://postgres:geheim@localhost:1/niets"
    result = cli("info", "--store", url)
    assert result.code == 2
    assert "niet bereikbaar" in result.err and "geheim" not in result.err


@pytest.mark.subprocess
def test_dashboard_shows_the_same_total_on_both_engines(tmp_path: Path, pg_url: str) -> None:
    """The Overzicht page on a database store: the exact total equals the folder store's, and
    the protected total is the database cube's own, perturbed by its cell keys by hand."""
    url = pg_url + "?options=-csearch_path%3Ddashboard"
    folder = str(tmp_path / "store")
    exact, protected = [], []
    for location in (folder, url):
        _import(location, SAMPLES / "open311_requests.json", "open311")
        with store_env(location):  # type: ignore[arg-type]
            exact.append(_metric(run_app(privacy=False), "Totaal"))
            protected.append(_metric(run_app(), "Totaal"))
    cube = open_store(url).cube()
    last = cube["month"].max()
    shown = cube[
        (cube["month"] >= aggregate.shift_month(last, -11))
        & ~cube["area_code"].isin(["ZONDER_LOCATIE", "BUITEN_GEBIED"])
    ]
    assert exact[0] == exact[1] == fmt_int(int(shown["count"].sum()))
    assert protected[1] == fmt_int(protected_count(shown))


def _metric(at: AppTest, label: str) -> str:
    assert not at.exception
    return str(next(m.value for m in at.metric if m.label == label))


@pytest.mark.subprocess
def test_database_refusing_the_switch_leaves_every_table(pg_url: str) -> None:
    """A failure after the parts and the cube are written (the database refuses the switch of
    ``head``): the whole version is rolled back."""
    url = pg_url + "?options=-csearch_path%3Drefused"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE refused.head ADD CONSTRAINT only_one CHECK (version < 2)")
    before = _tables(url)
    result = cli("import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", url)
    assert result.code == 1
    assert _tables(url) == before
    assert PostgresStore(url).version_name == "v000001"


@pytest.mark.subprocess
def test_killed_import_leaves_every_table(pg_url: str) -> None:
    """An import process killed in the middle of its commit (held there by a trigger that
    sleeps): every table as before, and the next import is not refused."""
    url = pg_url + "?options=-csearch_path%3Dkilled"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION killed.wait() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(15); RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER wait BEFORE UPDATE ON killed.head "
            "FOR EACH ROW EXECUTE FUNCTION killed.wait()"
        )
        before = _tables(url)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regie_analytics",
                "import",
                str(SAMPLES / "wijkteam_telling.csv"),
                "--preset",
                "counts",
                "--store",
                url,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO head%%'"
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the import never reached the switch of head")
        finally:
            proc.kill()
            proc.wait()
        # the killed import's transaction ends (rolled back) before the trigger can go
        conn.execute("DROP TRIGGER wait ON killed.head")
    assert _tables(url) == before
    _import(url, SAMPLES / "wijkteam_telling.csv", "counts")
    assert PostgresStore(url).version_name == "v000002"


@pytest.mark.subprocess
def test_old_versions_and_what_only_they_used_are_removed(pg_url: str, tmp_path: Path) -> None:
    """Six versions: the current one and KEEP_VERSIONS before it stay, with their parts; the
    parts only older versions used, their cubes and cube views are gone (counted by hand)."""
    url = pg_url + "?options=-csearch_path%3Dkept"
    _import(url, SAMPLES / "open311_requests.json", "open311")  # v1: 300 signals
    _import(url, BAD / "counts_corrected_first.csv", "counts")  # v2: 3 counts
    _import(url, BAD / "counts_corrected_second.csv", "counts")  # v3: import 2 again (2), + 2
    store = PostgresStore(url)
    store.set_population(pd.Series({"BU0363AA01": 10.0}), source="handmatig")  # v4
    store.remove_import(3)  # v5: import 2's corrected part only
    taxonomy = tmp_path / "taxonomie.csv"
    taxonomy.write_bytes(store.taxonomy().to_csv_bytes())
    assert cli("reclassify", "--taxonomy", taxonomy, "--store", url).code == 0  # v6: new parts
    assert versions.KEEP_VERSIONS == 3
    with psycopg.connect(url) as conn:

        def one(query: str) -> object:
            row = conn.execute(query).fetchone()
            assert row is not None
            return row[0]

        assert one("SELECT array_agg(version ORDER BY version) FROM kept.versions") == [3, 4, 5, 6]
        assert one("SELECT array_agg(DISTINCT version ORDER BY version) FROM kept.cube") == [
            3,
            4,
            5,
            6,
        ]
        assert one("SELECT count(*) FROM kept.signals") == 300 + 300
        assert one("SELECT count(*) FROM kept.signal_leads") == 300 + 300
        assert one("SELECT count(*) FROM kept.counts") == 2 + 2 + 2
        views = one(
            "SELECT array_agg(table_name::text ORDER BY table_name) FROM information_schema.views "
            "WHERE table_schema = 'kept'"
        )
        assert views == ["v000003", "v000004", "v000005", "v000006"]
    with pytest.raises(Exception, match="versie v000002 van de store is intussen vervangen"):
        PostgresStore(url, version="v000002").cube()
    assert PostgresStore(url, version="v000003").counts()["count"].sum() == 5 + 9 + 8 + 1
    assert store.counts()["count"].sum() == 5 + 9


@pytest.mark.subprocess
def test_data_page_on_a_database_store(pg_url: str) -> None:
    """The Data page reads a database store: its exact totals, and the audit log from the
    database (the import through the command line, one record)."""
    url = pg_url + "?options=-csearch_path%3Ddatapage"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    with store_env(url):  # type: ignore[arg-type]
        at = run_app("data")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _metric(at, "Signalen") == fmt_int(300)
    assert any(m.value.startswith("1 handeling: ") for m in at.markdown)
    assert any("de tabel datapage.audit van postgresql://" in c.value for c in at.caption)
