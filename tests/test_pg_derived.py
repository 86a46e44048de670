"""A first import into a PostgreSQL store computes the boundaries' map geometry and weights of
every level in a child process while the import is checked (as the Parquet store does), and
stores exactly what it would have computed itself: checked on a real import of CBS wijken of
three gemeenten, with the write's own computation made to fail, against the tables computed
here from the same boundaries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest
import shapely

from regie_analytics.geo.stored import level_areas, levels_table, web_table_of
from regie_analytics.stats.stored import weights_table
from regie_analytics.store import open_store, pgwrite
from tests.national_case import imported, schema_url, signals, two_gemeenten


def _not_here(*args: object, **kwargs: object) -> None:
    raise AssertionError("computed in the write, not in the child process")


@pytest.mark.subprocess
def test_boundaries_derived_while_checking_are_stored_as_computed(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = schema_url(pg_url, "afgeleid")
    boundaries, areas = two_gemeenten(tmp_path)
    file = signals(areas, tmp_path / "a.csv", rows=500)
    for name in ("levels_table", "web_table_of", "weights_table"):
        monkeypatch.setattr(pgwrite, name, _not_here)  # this process; not the child's
    imported(url, file, boundaries=boundaries)
    monkeypatch.undo()

    stored = open_store(url).areas()
    at_level = level_areas(stored)
    want = {
        "area_levels": levels_table(at_level),
        "area_web": web_table_of(at_level),
    }
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET search_path TO afgeleid, public")
        for table, frame in want.items():
            rows = conn.execute(
                f"SELECT level, position, area_code, ST_AsBinary(geom) FROM {table} "
                "ORDER BY level, position"
            ).fetchall()
            expected = frame.assign(position=frame.groupby("level").cumcount())
            expected = expected.sort_values(["level", "position"])
            assert [(r[0], r[1], r[2]) for r in rows] == list(
                zip(expected["level"], expected["position"], expected["area_code"], strict=True)
            ), table
            geometry = shapely.from_wkb([bytes(r[3]) for r in rows])
            assert shapely.equals_exact(geometry, expected.geometry.to_numpy(), 0).all(), table
        edges = pd.DataFrame(
            conn.execute(
                "SELECT level, focal, neighbour FROM area_weights ORDER BY seq"
            ).fetchall(),
            columns=["level", "focal", "neighbour"],
        )
    computed = weights_table(stored, at_level=at_level)
    assert len(edges) > 0 and len(want["area_levels"]) > 0
    pd.testing.assert_frame_equal(
        edges, computed[["level", "focal", "neighbour"]].reset_index(drop=True), check_dtype=False
    )
