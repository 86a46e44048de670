"""A PostgreSQL store keeps each coarser level's groups of its areas (``area_groups``: every
finest area's code at that level, as the pages group them), and its engine joins a coarser
level's lead times with them instead of looking up each signal's group, and splits a grouping
by area in two statements of half the groups each. Checked on a real import (CBS wijken of
three gemeenten, generated signals): the stored groups are exactly the pages' mapping of every
coarser level, the joined and split statements give exactly the table of the one statement
that looks each signal up; each new areas set gets its own groups, and those of an areas set
no version uses are removed (an engine of a removed version then raises instead of giving an
empty table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import geo, lead_sql
from regie_analytics.schema import AREA_CODE
from regie_analytics.store import open_store
from regie_analytics.store.errors import StoreError
from regie_analytics.store.versions import KEEP_VERSIONS
from tests.national_case import imported, schema_url, signals, two_gemeenten


def _sorted(frame):  # type: ignore[no-untyped-def]
    return frame.sort_values("g").reset_index(drop=True)


@pytest.mark.subprocess
def test_a_coarser_levels_lead_times_are_joined_with_the_stored_groups(
    pg_url: str, tmp_path: Path
) -> None:
    schema = "groepen"
    url = schema_url(pg_url, schema)
    boundaries, areas = two_gemeenten(tmp_path)
    imported(url, signals(areas, tmp_path / "a.csv", rows=6000), boundaries=boundaries)

    store = open_store(url)
    stored = store.areas()
    levels = geo.available_levels(stored)
    assert levels[1:] == ["wijk", "gemeente"]
    engine = store.engine(store.current)
    lookup = store.engine(store.current)  # the same version, each signal's group looked up
    lookup._area_set = None  # as a store written before area_groups
    choices = {"start": "2000-01", "end": "2099-12", "domains": ("fysiek", "sociaal")}
    for level in levels[1:]:
        parents = geo.parent_code_map(stored, level).dropna()
        groups = dict(zip(parents.index.astype("str"), parents.astype("str"), strict=True))
        assert len(groups) == (stored[geo.AREA_LEVEL] == levels[0]).sum()
        found = engine.lead_group(AREA_CODE, groups)
        assert "area_groups" in found.join
        assert found.join_values[0] == level
        assert len(engine.lead_shards(AREA_CODE, groups)) == 2
        assert lookup.lead_group(AREA_CODE, groups).join == ""
        assert lookup.lead_shards(AREA_CODE, groups) == []
        grouping = lead_sql.LeadGrouping(by=None, groups=groups)
        joined = lead_sql.lead_time_cuts(engine, [grouping], norm_days=10, **choices)[0]
        looked_up = lead_sql.lead_time_cuts(lookup, [grouping], norm_days=10, **choices)[0]
        assert joined["g"].nunique() == len(set(groups.values()))
        assert_frame_equal(_sorted(joined), _sorted(looked_up), check_dtype=False)
    # the finest level in halves: the same table as from one statement
    fine = lead_sql.LeadGrouping(by=AREA_CODE, located=True)
    assert len(engine.lead_shards(AREA_CODE, None)) == 2
    halves = lead_sql.lead_time_cuts(engine, [fine], norm_days=10, **choices)[0]
    whole = lead_sql.lead_time_cuts(
        engine, [fine, lead_sql.LeadGrouping(by=None)], norm_days=10, **choices
    )[0]  # beside another statement: not split
    assert len(halves) > 50
    assert_frame_equal(_sorted(halves), _sorted(whole), check_dtype=False)

    # a new population writes a new areas set (with its groups); the sets only the versions
    # now removed used are gone with their groups
    with psycopg.connect(pg_url, autocommit=True) as conn:
        first = conn.execute(f"SELECT DISTINCT area_set FROM {schema}.area_groups").fetchall()
    assert len(first) == 1
    code = str(stored.index[0])
    for number in range(KEEP_VERSIONS + 1):
        store.set_population(pd.Series({code: 100.0 + number}), source="handmatig")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        sets = conn.execute(
            f"SELECT area_set, count(*) FROM {schema}.area_groups GROUP BY 1 ORDER BY 1"
        ).fetchall()
        kept = {r[0] for r in conn.execute(f"SELECT areas FROM {schema}.versions")}
    assert first[0][0] not in {s for s, _ in sets}
    assert {s for s, _ in sets} == kept and len(kept) >= KEEP_VERSIONS
    assert {n for _, n in sets} == {2 * len(groups)}  # wijk and gemeente of every buurt
    assert store.engine(store.current).lead_group(AREA_CODE, groups).join_values[0] == "gemeente"
    # the first version's engine (a page run's, made before): its groups are gone, and its
    # table is an error (the page learns its version was replaced), not an empty table
    with pytest.raises(StoreError, match="vervangen"):
        lead_sql.lead_time_cuts(engine, [grouping], norm_days=10, **choices)


@pytest.mark.subprocess
def test_a_store_made_before_the_groups_gets_its_kept_areas_groups_with_its_next_write(
    pg_url: str, tmp_path: Path
) -> None:
    """A store written before ``area_groups``: its engine looks each signal up; the next write
    (which keeps the areas set) makes the table with the kept areas sets' groups, and the
    engine joins them."""
    schema = "groepen_ouder"
    url = schema_url(pg_url, schema)
    boundaries, areas = two_gemeenten(tmp_path)
    imported(url, signals(areas, tmp_path / "a.csv", rows=800), boundaries=boundaries)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {schema}.area_groups")
    store = open_store(url)
    stored = store.areas()
    parents = geo.parent_code_map(stored, "wijk").dropna()
    groups = dict(zip(parents.index.astype("str"), parents.astype("str"), strict=True))
    assert store.engine(store.current).lead_group(AREA_CODE, groups).join == ""
    imported(url, signals(areas, tmp_path / "b.csv", rows=500, seed=2))  # the same areas
    with psycopg.connect(pg_url, autocommit=True) as conn:
        sets = conn.execute(f"SELECT DISTINCT areas FROM {schema}.versions").fetchall()
        stored_sets = conn.execute(f"SELECT DISTINCT area_set FROM {schema}.area_groups").fetchall()
    assert len(sets) == 1 and stored_sets == sets  # the areas set kept, its groups written
    store = open_store(url)
    found = store.engine(store.current).lead_group(AREA_CODE, groups)
    assert found.join_values[0] == "wijk"
