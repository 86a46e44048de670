"""A PostgreSQL store version of one new cube part (a first import, a store replaced) gets its
cube and area rollups from that part in memory, summed by numpy and written with ``COPY``
(``pgwrite._write_one_part``); other versions have PostgreSQL sum them. Both give exactly the
rows of the ``GROUP BY`` of the version's cube, checked against SQL and pandas on a real
server, and the numpy sums by hand on a small cube with missing values."""

from __future__ import annotations

from typing import Any

import pandas as pd
import psycopg
import pytest

from regie_analytics.store import PostgresStore, pgwrite, rollups
from regie_analytics.store.pgschema import version_number
from tests.conftest import SAMPLE_IMPORTS, SMALL_CUBE, cli


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(None if pd.isna(v) else v for v in r) for r in frame.itertuples(index=False)]


@pytest.mark.parametrize("kind", ["object", "categories unsorted and unused"])
def test_area_rollups_in_memory_by_hand(kind: str) -> None:
    """The four area rollups of a small cube, known by hand: a missing theme (department) is a
    group of its own (first), as SQL groups it; rows in the table's order; the same whether
    the cube's columns are text or categoricals in any order with unused categories; no rows
    for none."""
    cube = pd.DataFrame(SMALL_CUBE).assign(department=["a", "b", "a", "a", None, "b"])
    if kind != "object":
        for column in ("area_code", "month", "domain", "theme", "channel", "department"):
            present = sorted(cube[column].dropna().unique())
            cube[column] = pd.Categorical(
                cube[column], categories=["zz-ongebruikt", *reversed(present)]
            )
    coded = rollups.coded_frame(cube)

    def summed(table: str) -> pd.DataFrame:
        first, columns = pgwrite.AREA_ROLLUPS[table]
        return rollups.area_rollup(coded, columns, first)

    assert _rows(summed("cube_area_themes")) == [
        ("B1", "2025-01", "fysiek", None, 1, 7),
        ("B1", "2025-02", "sociaal", None, 2, 3),
        ("B1", "2025-01", "fysiek", "afval", 7, (100 + 250) % 256),
        ("B2", "2025-02", "fysiek", "wegen", 12, (200 + 90) % 256),
    ]
    assert _rows(summed("cube_area_channels")) == [
        ("B1", "2025-01", "fysiek", "App", 4, 107),
        ("B2", "2025-02", "fysiek", "App", 12, 34),
        ("B1", "2025-01", "fysiek", "KCC", 4, 250),
        ("B1", "2025-02", "sociaal", "KCC", 2, 3),
    ]
    assert _rows(summed("cube_area_departments")) == [
        ("B1", "2025-02", "sociaal", None, 2, 3),
        ("B1", "2025-01", "fysiek", "a", 4, 250),
        ("B2", "2025-02", "fysiek", "a", 12, (200 + 90) % 256),
        ("B1", "2025-01", "fysiek", "b", 4, 107),
    ]
    assert _rows(summed("cube_area_months")) == [
        ("B1", "2025-01", "fysiek", 8, (100 + 250 + 7) % 256),
        ("B1", "2025-02", "sociaal", 2, 3),
        ("B2", "2025-02", "fysiek", 12, 34),
    ]
    # the cube's rows in month and channel order (stable: the frame's order within)
    assert rollups.ordered(coded, ("month", "channel")).tolist() == [1, 5, 2, 0, 3, 4]
    empty = rollups.coded_frame(cube.iloc[:0])
    for first, columns in pgwrite.AREA_ROLLUPS.values():
        frame = rollups.area_rollup(empty, columns, first)
        assert len(frame) == 0
        assert list(frame.columns) == [*columns, "count", "cell_key"]


def _grouped_in_sql(conn: psycopg.Connection[Any], schema: str, number: int) -> dict[str, list]:
    """Each area rollup of version ``number`` as PostgreSQL's ``GROUP BY`` of its cube gives
    it, next to the table's rows (both sorted)."""
    out: dict[str, list] = {}
    for table, (_, columns) in pgwrite.AREA_ROLLUPS.items():
        dims = ", ".join(columns)
        want = conn.execute(
            f"SELECT {dims}, SUM(count), SUM(cell_key) %% 256 FROM {schema}.cube "
            f"WHERE version = %s GROUP BY {dims} ORDER BY {dims}",
            (number,),
        ).fetchall()
        got = conn.execute(
            f"SELECT {dims}, count, cell_key FROM {schema}.{table} "
            f"WHERE version = %s ORDER BY {dims}",
            (number,),
        ).fetchall()
        out[table] = [want, got]
    return out


def _check_version(url: str, schema: str, number: int) -> None:
    store = PostgresStore(url)
    cube = store.cube()
    with psycopg.connect(url) as conn:
        for table, (want, got) in _grouped_in_sql(conn, schema, number).items():
            assert got == want and len(got) > 0, table
            # and by pandas from the cube as the store reads it
            columns = list(pgwrite.AREA_ROLLUPS[table][1])
            by_hand = cube.groupby(columns, observed=True, dropna=False)["count"].sum()
            assert sum(r[-2] for r in got) == int(by_hand.sum()) == int(cube["count"].sum())
            assert len(got) == len(by_hand)
        # the rows in the order the period and theme/channel reads rely on
        months = conn.execute(
            f"SELECT month, channel FROM {schema}.cube WHERE version = %s ORDER BY ctid",
            (number,),
        ).fetchall()
        assert months == sorted(months) and len({c for _, c in months}) > 1
        themes = conn.execute(
            f"SELECT theme, month FROM {schema}.cube_area_themes WHERE version = %s "
            "AND theme IS NOT NULL ORDER BY ctid",
            (number,),
        ).fetchall()
        assert themes == sorted(themes)


@pytest.mark.subprocess
def test_one_new_part_is_written_from_memory_and_others_summed_by_postgresql(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first import's version is written from its cube part in memory, a second import's
    (two parts) summed by PostgreSQL: both versions' cube and rollups are exactly the
    ``GROUP BY`` of their cube; the first version's cube is its part's rows as they are."""
    schema = "onepart"
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    calls: list[int] = []
    real = pgwrite._write_one_part

    def counted(conn: psycopg.Connection[Any], number: int, cube: pd.DataFrame) -> int:
        calls.append(number)
        return real(conn, number, cube)

    monkeypatch.setattr(pgwrite, "_write_one_part", counted)
    # a Signalen export (3 channels, 10 months, signals without a place), then open311's
    (first, first_preset), (second, second_preset) = SAMPLE_IMPORTS[2], SAMPLE_IMPORTS[0]
    result = cli("import", first, "--preset", first_preset, "--store", url)
    assert result.code == 0, result.err
    assert calls == [1]
    store = PostgresStore(url)
    number = version_number(str(store.current))
    _check_version(url, schema, number)
    part = store.manifest()["imports"][0]["parts"]["cube"]
    with psycopg.connect(url) as conn:
        columns = "area_code, month, domain, theme, channel, department, source, count, cell_key"
        in_cube = conn.execute(
            f"SELECT {columns} FROM {schema}.cube WHERE version = %s ORDER BY 1, 2, 3, 4, 5, 6, 7",
            (number,),
        ).fetchall()
        in_part = conn.execute(
            f"SELECT {columns} FROM {schema}.cube_parts WHERE part = %s "
            "ORDER BY 1, 2, 3, 4, 5, 6, 7",
            (part,),
        ).fetchall()
        assert in_cube == in_part and len(in_cube) == store.manifest()["cube_rows"]
    result = cli("import", second, "--preset", second_preset, "--store", url)
    assert result.code == 0, result.err
    assert calls == [1]  # two parts: PostgreSQL sums them
    newer = version_number(str(PostgresStore(url).current))
    assert newer == number + 1
    _check_version(url, schema, newer)


def test_the_in_memory_path_needs_the_part_written_now() -> None:
    """Only a version of exactly one cube part that this transaction wrote is written from
    memory: ``switch`` looks its part up in the cubes written (a version of one older part, as
    after removing an import, has PostgreSQL copy it)."""
    cubes = {7: pd.DataFrame(SMALL_CUBE)}
    assert pgwrite.one_new_part([7], cubes) is cubes[7]
    assert pgwrite.one_new_part([3], cubes) is None
    assert pgwrite.one_new_part([3, 7], cubes) is None
    assert pgwrite.one_new_part([7], None) is None
