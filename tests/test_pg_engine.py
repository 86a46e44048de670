"""The PostgreSQL store as a shared deployment runs it: one pool of connections per process and
store that survives a restarted server and explains an unreachable one in Dutch, and the map
geometry and weights stored with the boundaries in the database. Against a real PostgreSQL
with PostGIS (``tests/pg.py``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics import aggregate, geo
from regie_analytics import snapshot as snapshots
from regie_analytics.formatting import fmt_int
from regie_analytics.stats.weights import spatial_weights
from regie_analytics.store import PostgresStore, StoreError
from regie_analytics.store.pgschema import MAX_CONNECTIONS
from tests import pg
from tests.conftest import APP_TIMEOUT, ROOT, SAMPLES, cli, run_app, store_env

pytestmark = pytest.mark.subprocess


@pytest.fixture
def cluster() -> Iterator[pg.Cluster]:
    """A cluster of this test's own (it is stopped and restarted)."""
    started = pg.start(Path(tempfile.mkdtemp(prefix="regie-pg-restart-")))
    yield started
    started.stop()


def _import(url: str, path: Path, preset: str) -> None:
    result = cli("import", path, "--preset", preset, "--store", url)
    assert result.code == 0, result.err


def _snapshot(url: str) -> snapshots.Snapshot:
    current = snapshots.current(url)
    assert current is not None
    return snapshots.load(url, version=current[0], key=current[1])


def test_pool_reuses_connections_and_recovers_after_a_restart(cluster: pg.Cluster) -> None:
    url = cluster.url + "?options=-csearch_path%3Drestart"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    engine = PostgresStore(url).engine("v000001")
    total = f"SELECT SUM(count) AS n FROM {engine.cube}"
    backend = "SELECT pg_backend_pid() AS pid"
    first = int(engine.query(backend)["pid"].iloc[0])
    assert int(engine.query(backend)["pid"].iloc[0]) == first  # the same connection again
    assert int(engine.query(total)["n"].iloc[0]) == 300
    cluster.restart()
    assert int(engine.query(total)["n"].iloc[0]) == 300  # the next query, on a new connection
    assert int(engine.query(backend)["pid"].iloc[0]) != first
    # sessions in threads at once: each query its own connection, at most MAX_CONNECTIONS
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=MAX_CONNECTIONS + 4) as pool:
        sums = list(pool.map(lambda _: int(engine.query(total)["n"].iloc[0]), range(40)))
    assert sums == [300] * 40
    with psycopg.connect(cluster.url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'regie_analytics'"
        ).fetchone()
    assert row is not None and 1 <= row[0] <= MAX_CONNECTIONS


def test_unreachable_database_is_explained_on_the_dashboard(cluster: pg.Cluster) -> None:
    url = cluster.url + "?options=-csearch_path%3Ddown"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    store = PostgresStore(url)
    engine = store.engine("v000001")
    cluster.stop_server()
    with pytest.raises(StoreError, match="niet bereikbaar") as caught:
        engine.query(f"SELECT SUM(count) FROM {engine.cube}")
    assert caught.value.file == store.root and caught.value.hint
    with store_env(url):  # type: ignore[arg-type]
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()
        errors = [e.value for e in at.error]
        assert not at.exception
        assert len(errors) == 1, errors
        assert f"De gegevens van de store '{store.root}' kunnen nu niet worden gelezen" in errors[0]
        assert "niet bereikbaar" in errors[0] and "of de server draait" in errors[0]
        assert "referentie" not in errors[0].lower()
        cluster.start_server()
        at = run_app(privacy=False)
        assert not at.exception and not at.error
        shown = next(m.value for m in at.metric if m.label == "Totaal")
    cube = store.cube()
    located = cube[~cube["area_code"].isin(["ZONDER_LOCATIE", "BUITEN_GEBIED"])]
    last = cube["month"].max()
    year = located[located["month"] >= aggregate.shift_month(last, -11)]
    assert shown == fmt_int(int(year["count"].sum()))


def test_web_geometry_and_weights_are_stored_with_the_boundaries(pg_url: str) -> None:
    url = pg_url + "?options=-csearch_path%3Dstored"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    store = PostgresStore(url)
    areas = store.areas()
    snap = _snapshot(url)
    expected_rows = 0
    for level in snap.levels:
        at_level = geo.areas_at_level(areas, level)
        expected_rows += len(at_level)
        web = snap.web_areas(level)
        assert list(web.index) == list(at_level.index)
        computed = geo.simplify_for_web(at_level)
        assert web.geometry.geom_equals_exact(computed.geometry, 1e-9).all()
        w, built = snap.weights(level), spatial_weights(at_level)
        assert w.id_order == built.id_order and w.neighbors == built.neighbors
        assert w.transform.lower() == "r"
    with psycopg.connect(url) as conn:

        def one(query: str) -> object:
            row = conn.execute(query).fetchone()
            assert row is not None
            return row[0]

        assert one("SELECT count(*) FROM stored.area_web") == expected_rows
        edges = sum(len(n) for n in spatial_weights(areas).neighbors.values())
        assert one("SELECT count(*) FROM stored.area_weights WHERE level = 'buurt'") == edges
        # what the snapshot shows is what the database holds: a changed row is read back
        code = str(areas.index[0])
        conn.execute(
            "UPDATE stored.area_web SET geom = public.ST_Envelope(geom) "
            "WHERE level = 'buurt' AND area_code = %s",
            (code,),
        )
        conn.commit()
        changed = _snapshot(url).web_areas("buurt")
        assert changed.geometry.loc[code].equals(changed.geometry.loc[code].envelope)
        assert not snap.web_areas("buurt").geometry.loc[code].equals(changed.geometry.loc[code])
        # a new population keeps the geometry: the rows are copied to the new areas set,
        # and the set only the versions now removed used is gone with them
        for number in range(4):
            store.set_population(pd.Series({code: 100.0 + number}), source="handmatig")
        sets = conn.execute(
            "SELECT area_set, count(*) FROM stored.area_web GROUP BY area_set ORDER BY area_set"
        ).fetchall()
        assert [n for _, n in sets] == [expected_rows] * 4  # the versions kept: 2, 3, 4, 5
        kept = one("SELECT array_agg(DISTINCT areas ORDER BY areas) FROM stored.versions")
        assert [s for s, _ in sets] == kept
    assert _snapshot(url).web_areas("buurt").geometry.loc[code].equals(changed.geometry.loc[code])


def test_a_store_made_before_stored_weights_still_loads(pg_url: str) -> None:
    """A store written before ``area_web`` and ``area_weights`` existed: its weights and map
    geometry are computed, and the next write adds the tables."""
    url = pg_url + "?options=-csearch_path%3Dolder"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE older.area_web, older.area_weights")
    snap = _snapshot(url)
    built = spatial_weights(snap.areas_at("buurt"))
    assert snap.weights("buurt").neighbors == built.neighbors
    assert len(snap.web_areas("buurt")) == len(snap.areas_at("buurt"))
    _import(url, SAMPLES / "wijkteam_telling.csv", "counts")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass('older.area_web')").fetchone()
    assert row is not None and row[0] is not None
    assert _snapshot(url).weights("buurt").neighbors == built.neighbors


def test_unreachable_database_message_names_the_store() -> None:
    url = "postgresql://postgres:geheim@localhost:1/niets?options=-csearch_path%3Dergens"
    with pytest.raises(StoreError) as caught:
        PostgresStore(url).current_key()
    text = str(caught.value)
    assert "postgresql://postgres@localhost:1/niets" in text and "geheim" not in text
    assert "niet bereikbaar" in text and "Wat te doen" in text


def test_signals_stream_in_batches(pg_url: str) -> None:
    """The signals read batch by batch (exact batch sizes) are the signals read whole, in
    import order, missing closing times kept missing."""
    url = pg_url + "?options=-csearch_path%3Dbatches"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    _import(url, SAMPLES / "signalen", "signalen")
    store = PostgresStore(url)
    whole = store.signals()
    total = len(whole)
    assert total > 300
    batches = list(store.signal_batches(rows=128))
    assert [len(b) for b in batches] == [128] * (total // 128) + (
        [total % 128] if total % 128 else []
    )
    joined = pd.concat(batches, ignore_index=True)
    assert list(joined.columns) == list(whole.columns)
    pd.testing.assert_frame_equal(joined.astype("str"), whole.astype("str"))
    assert joined["source"].astype("str").tolist()[:300] == ["open311"] * 300
    assert joined["closed_at"].isna().sum() == whole["closed_at"].isna().sum() > 0
    ids = list(store.signal_batches(["signal_id"], rows=1000))
    assert len(ids) == 1 and ids[0]["signal_id"].tolist() == whole["signal_id"].tolist()


def test_binary_copy_and_arrow_reads_keep_every_value(pg_url: str) -> None:
    """Values that text formats get wrong: empty text next to missing text, quotes, commas,
    newlines and accents, missing numbers and times, times before 2000 and to the microsecond,
    negative and large whole numbers, text made missing after the fact (whose Arrow slot keeps
    its bytes): written with the binary COPY and read back by Arrow."""
    from regie_analytics.store.pgcopy import copy_rows, query_frame
    from regie_analytics.store.pgschema import connection

    url = pg_url + "?options=-csearch_path%3Droundtrip"
    frame = pd.DataFrame(
        {
            "t": pd.Series(["", None, 'a "b", c', "regel\nnieuw", "Café Ünïcode"], dtype="str"),
            "c": pd.Categorical(["x", "y", None, "x", ""]),
            "n": pd.Series([0, -1, 2**40, None, 7], dtype="Int64"),
            "s": pd.Series([1, -2, 3, 32767, -32768], dtype="int16"),
            "f": [0.1, float("nan"), -1e300, 2.5, 1 / 3],
            "at": pd.to_datetime(
                [
                    "1999-12-31 23:59:59.999999",
                    None,
                    "2000-01-01 00:00:00",
                    "2026-12-05 10:00:00.5",
                    None,
                ],
                format="ISO8601",
            ),
        }
    )
    frame["u"] = pd.Series(["een", "twee", "drie", "vier", "vijf"], dtype="str")
    frame.loc[[1, 3], "u"] = None  # missing, yet pandas keeps their bytes in the Arrow array
    with connection(url, "roundtrip") as conn:
        conn.execute("CREATE SCHEMA roundtrip")
        conn.execute(
            "CREATE TABLE roundtrip.values (part integer, seq bigint, t text, c text, "
            "n bigint, s smallint, f double precision, at timestamp, u text)"
        )
        batches = [frame.iloc[:2], frame.iloc[2:]]
        assert (
            copy_rows(
                conn, "values", list(frame.columns), batches, fixed={"part": 9}, numbered=True
            )
            == 5
        )
        back = query_frame(conn, "SELECT * FROM roundtrip.values ORDER BY seq")
        nulls = query_frame(
            conn,
            "SELECT count(*) FILTER (WHERE t IS NULL) AS t, count(*) FILTER (WHERE t = '') AS e "
            "FROM roundtrip.values",
        )
    assert back["part"].tolist() == [9] * 5 and back["seq"].tolist() == [0, 1, 2, 3, 4]
    assert back["t"].tolist()[2:] == ['a "b", c', "regel\nnieuw", "Café Ünïcode"]
    assert back["t"].iloc[0] == "" and pd.isna(back["t"].iloc[1])
    assert (int(nulls["t"].iloc[0]), int(nulls["e"].iloc[0])) == (1, 1)
    assert back["c"].iloc[4] == "" and pd.isna(back["c"].iloc[2])
    assert back["n"].iloc[:3].astype("int64").tolist() == [0, -1, 2**40] and pd.isna(
        back["n"].iloc[3]
    )
    assert back["s"].tolist() == [1, -2, 3, 32767, -32768]
    assert back["u"].iloc[[0, 2, 4]].tolist() == ["een", "drie", "vijf"]
    assert back["u"].iloc[[1, 3]].isna().all()
    assert back["f"].iloc[0] == 0.1 and back["f"].iloc[4] == 1 / 3 and back["f"].iloc[2] == -1e300
    assert pd.isna(back["f"].iloc[1])
    times = pd.to_datetime(back["at"])
    assert times.iloc[0] == pd.Timestamp("1999-12-31 23:59:59.999999")
    assert times.iloc[3] == pd.Timestamp("2026-12-05 10:00:00.5") and times.isna().sum() == 2


def test_binary_rows_are_copy_s_format_written_by_hand() -> None:
    """Each row: its field count, then per field its length (big-endian; -1 and no bytes for a
    missing value) and its bytes: whole numbers big-endian, text as UTF-8."""
    from regie_analytics.store.pgcopy import _binary_rows, _field

    frame = pd.DataFrame({"n": [7, None], "t": ["ab", None], "s": ["", "é"]})
    kinds = {"n": "integer", "t": "text", "s": "text"}
    fields = [_field(frame[name], kind, 2) for name, kind in kinds.items()]
    first = b"\x00\x03" + b"\x00\x00\x00\x04\x00\x00\x00\x07" + b"\x00\x00\x00\x02ab" + bytes(4)
    second = b"\x00\x03" + b"\xff\xff\xff\xff" * 2 + b"\x00\x00\x00\x02\xc3\xa9"
    assert bytes(_binary_rows(fields, 2)) == first + second


def test_results_put_together_in_the_server_read_as_copied(pg_url: str) -> None:
    """``aggregated_frame`` (the engine's reads: the rows as one CSV text from the server)
    gives exactly the frame ``query_frame`` (COPY) gives: the same values, types and order,
    for awkward text, missing values, times, sums, percent signs, parameters and no rows."""
    from regie_analytics.store.pgcopy import aggregated_frame, query_frame, result_types
    from regie_analytics.store.pgschema import connection

    url = pg_url + "?options=-csearch_path%3Daggregated"
    with connection(url, "aggregated") as conn:
        conn.execute("CREATE SCHEMA aggregated")
        conn.execute(
            "CREATE TABLE aggregated.v AS SELECT * FROM (VALUES "
            "(1, '', 2::bigint, 0.1::float8, TIMESTAMP '1999-12-31 23:59:59.999999', true), "
            "(2, NULL, NULL, NULL, NULL, NULL), "
            "(3, 'a \"b\", c', -5, 1e300, TIMESTAMP '2026-12-05 10:00:00.5', false), "
            "(4, 'regel' || chr(10) || 'nieuw', 2^40, 1.0/3, TIMESTAMP '2000-01-01', true), "
            "(5, 'Café 100%', 7, -0.0, TIMESTAMP '2025-11-01 08:00', NULL)"
            ") AS t (i, t, n, f, at, b)"
        )
        statements: list[tuple[str, tuple[object, ...]]] = [
            ("SELECT * FROM aggregated.v ORDER BY i DESC", ()),
            (
                "SELECT t, SUM(n) AS total, COUNT(*) AS k FROM aggregated.v GROUP BY t ORDER BY t",
                (),
            ),
            ("SELECT i, t || '%%' AS p FROM aggregated.v WHERE i >= %s ORDER BY i", (2,)),
            ("SELECT i, t FROM aggregated.v WHERE t = %s", ("geen",)),  # no rows
            ("SELECT t FROM aggregated.v WHERE i = %s", (1,)),  # one empty text
            ("SELECT NULL::bigint AS n", ()),  # one missing value: an empty line
        ]
        for statement, params in statements:
            types = result_types(conn, statement, params)
            want = query_frame(conn, statement, params, types=types)
            got = aggregated_frame(conn, statement, params, types=types)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=statement)
        whole = aggregated_frame(
            conn,
            "SELECT * FROM aggregated.v ORDER BY i",
            types=result_types(conn, "SELECT * FROM aggregated.v ORDER BY i"),
        )
        conn.execute("SET client_encoding TO 'LATIN1'")  # not read as bytes: decoded
        latin = aggregated_frame(
            conn,
            "SELECT * FROM aggregated.v ORDER BY i",
            types=result_types(conn, "SELECT * FROM aggregated.v ORDER BY i"),
        )
        pd.testing.assert_frame_equal(latin, whole, check_exact=True)
    assert whole["i"].tolist() == [1, 2, 3, 4, 5]
    assert whole["t"].iloc[0] == "" and pd.isna(whole["t"].iloc[1])
    assert whole["t"].iloc[2:].tolist() == ['a "b", c', "regel\nnieuw", "Café 100%"]
    assert whole["f"].iloc[0] == 0.1 and whole["f"].iloc[3] == 1 / 3
    assert whole["b"].iloc[:3].tolist()[0] is True


def test_lists_of_values_come_from_the_stored_dimensions(pg_url: str) -> None:
    """The distinct months, domains, themes, channels and areas of a version are read from its
    ``cube_dims`` and ``cube_areas`` (the same values as from the whole cube); a version
    written before they existed reads them from the cube."""
    from regie_analytics import engine as engines
    from regie_analytics.schema import CUBE_DIMENSIONS

    url = pg_url + "?options=-csearch_path%3Ddims"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    _import(url, SAMPLES / "wijkteam_telling.csv", "counts")
    store = PostgresStore(url)
    current = store.current
    assert current is not None
    engine = store.engine(current)
    assert engine.dimensions is not None and engine.area_codes is not None
    cube = store.cube()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT version, count(*), sum(count) FROM dims.cube_dims GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [r[0] for r in rows] == [1, 2]  # both versions kept
    assert rows[1][1] < len(cube) and int(rows[1][2]) == int(cube["count"].sum())
    where, params = engines.in_list("domain", ["sociaal"])
    for column in CUBE_DIMENSIONS:
        expected = sorted(str(v) for v in cube[column].dropna().unique())
        assert engines.distinct(engine, column) == expected
        social = cube.loc[cube["domain"] == "sociaal", column].dropna()
        got = engines.distinct(engine, column, where=where, params=params)
        assert got == sorted(str(v) for v in social.unique()) and got
    # a version written before cube_dims existed: its values are read from the cube
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE dims.cube_dims, dims.cube_areas")
    older = PostgresStore(url).engine(current)
    assert older.dimensions is None and older.area_codes is None
    assert engines.distinct(older, "theme") == sorted(str(v) for v in cube["theme"].unique())
    _import(url, SAMPLES / "signalen", "signalen")  # the next write makes the table again
    newest = PostgresStore(url)
    assert newest.engine(str(newest.current)).dimensions is not None


def test_reading_connections_hash_in_memory_and_keep_result_types(pg_url: str) -> None:
    """The dashboard's connections sort and hash in memory without JIT, and an engine asks
    a statement's result types once per kind of parameter (a small and a large integer and a
    text in the same statement each give their own types)."""
    from regie_analytics.store.pgschema import READ_SETTINGS

    url = pg_url + "?options=-csearch_path%3Dsettings"
    _import(url, SAMPLES / "open311_requests.json", "open311")
    store = PostgresStore(url)
    engine = store.engine(str(store.current))
    for name, value in READ_SETTINGS.items():
        shown = engine.query(f"SELECT current_setting('{name}') AS v")
        assert shown["v"].tolist() == [value]
    small = engine.query("SELECT ? AS x", [41])  # psycopg sends it as int2
    text = engine.query("SELECT ? AS x", ["41"])
    large = engine.query("SELECT ? AS x", [2**40])  # as int8: not read as int2
    again = engine.query("SELECT ? AS x", [42])
    assert small["x"].dtype == again["x"].dtype == "int16" and large["x"].dtype == "int64"
    assert small["x"].tolist() == [41] and again["x"].tolist() == [42]
    assert large["x"].tolist() == [2**40]
    assert text["x"].tolist() == ["41"] and text["x"].dtype != "int16"
