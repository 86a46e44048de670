"""An area's profile reads only the rows it shows: the theme comparison of one area summed from
its own and its siblings' rows plus the whole's sums per domain and theme (cut in the engine)
equals the comparison of the whole cube, and the PostgreSQL store keeps the indexes by area
that such cuts (and one area's lead times) read, and one by period and channel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate, geo, insights, privacy, snapshot
from regie_analytics import engine as engines
from regie_analytics.schema import AREA_CODE, DOMAIN, THEME
from regie_analytics.store import PostgresStore
from regie_analytics.store.pgindexes import AREA_INDEXES as BY_AREA
from regie_analytics.store.pgwrite import _NEWEST
from tests.conftest import SAMPLES, cli

AREA_INDEXES = ("cube_version_month_channel", *BY_AREA)


def _demo(demo_store: Path) -> snapshot.Snapshot:
    current = snapshot.current(demo_store)
    assert current is not None
    return snapshot.load(demo_store, version=current[0], key=current[1])


@pytest.mark.slow
def test_comparison_codes_are_the_area_and_its_siblings(demo_store: Path) -> None:
    snap = _demo(demo_store)
    areas = snap.areas
    wijk_of = geo.parent_code_map(areas, "wijk")
    buurt = str(wijk_of.index[0])
    expected = sorted(str(c) for c in wijk_of.index[wijk_of == wijk_of[buurt]])
    assert insights.comparison_codes(areas, level="buurt", code=buurt) == expected
    assert len(expected) > 1
    # a wijk: the buurten of every wijk in its stadsdeel
    wijk = str(wijk_of[buurt])
    stadsdeel_of = geo.parent_code_map(areas, "stadsdeel")
    stadsdeel = stadsdeel_of[wijk_of.index[wijk_of == wijk][0]]
    in_stadsdeel = sorted(str(c) for c in stadsdeel_of.index[stadsdeel_of == stadsdeel])
    assert insights.comparison_codes(areas, level="wijk", code=wijk) == in_stadsdeel
    assert set(aggregate.member_codes(areas, "wijk", wijk)) < set(in_stadsdeel)


@pytest.mark.slow
def test_theme_comparison_from_the_siblings_and_the_whole_equals_the_whole_cube(
    demo_store: Path,
) -> None:
    snap = _demo(demo_store)
    engine = snap.engine
    categories = {c: snap.categories(c) for c in (AREA_CODE, DOMAIN, THEME)}
    last = snap.months[-1]
    choices_list = [
        {"start": aggregate.shift_month(last, -11), "end": last, "domains": ["fysiek", "sociaal"]},
        {"start": last, "end": last, "channels": [snap.channels[-1]]},
        {"start": last, "end": last, "themes": snap.themes_of(("sociaal",))[:2]},
    ]
    widened = 0
    for level in ("buurt", "wijk"):
        level_areas = snap.areas_at(level)
        for code in [str(c) for c in level_areas.index[:: max(1, len(level_areas) // 4)]]:
            codes = insights.comparison_codes(snap.areas, level=level, code=code)
            for choices in choices_list:
                by = (AREA_CODE, DOMAIN, THEME)
                full = engines.cube_cut(engine, by=by, categories=categories, **choices)
                part = engines.cube_cut(
                    engine, by=by, categories=categories, area_codes=codes, **choices
                )
                whole = engines.cube_cut(
                    engine, by=(DOMAIN, THEME), categories=categories, located=True, **choices
                )
                shown = set(zip(part[DOMAIN], part[THEME], strict=True))
                widened += len(set(zip(whole[DOMAIN], whole[THEME], strict=True)) - shown) > 0
                for ptable in (None, privacy.PTABLE):
                    options = {"level": level, "code": code, "ptable": ptable}
                    expected = insights.theme_comparison(
                        full, snap.areas, level_areas=level_areas, **options
                    )
                    got = insights.theme_comparison(
                        part, snap.areas, level_areas=level_areas, whole=whole, **options
                    )
                    assert_frame_equal(got, expected, check_exact=True)
                    assert isinstance(expected, pd.DataFrame) and len(expected) > 0
    assert widened > 0  # themes with rows elsewhere only: rows of the table all the same


@pytest.mark.subprocess
def test_postgres_store_indexes_areas_and_adds_them_to_an_older_store(pg_url: str) -> None:
    assert "cube_version_month_channel" in _NEWEST and len(BY_AREA) == 6
    url = pg_url + "?options=-csearch_path%3Dareaindex"

    def indexes() -> set[str]:
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'areaindex'"
            ).fetchall()
        return {str(r[0]) for r in rows}

    result = cli("import", SAMPLES / "signalen", "--preset", "signalen", "--store", url)
    assert result.code == 0, result.err
    assert set(AREA_INDEXES) <= indexes()
    store = PostgresStore(url)
    engine = store.engine(str(store.current))
    code = str(engines.distinct(engine, AREA_CODE)[0])
    before = engines.cube_cut(engine, by=(AREA_CODE, DOMAIN), area_codes=[code])
    with psycopg.connect(url, autocommit=True) as conn:
        for name in AREA_INDEXES:
            conn.execute(f"DROP INDEX areaindex.{name}")
        conn.execute("SET search_path TO areaindex")
        conn.execute("SET enable_seqscan = off")  # the index where there is one
        plan = conn.execute(
            "EXPLAIN SELECT * FROM cube WHERE version = 1 AND area_code = %s", (code,)
        ).fetchall()
    assert "cube_version_area" not in " ".join(str(r[0]) for r in plan)
    assert not set(AREA_INDEXES) & indexes()
    # an older store reads the same without them, and gets them with its next write
    assert_frame_equal(engines.cube_cut(engine, by=(AREA_CODE, DOMAIN), area_codes=[code]), before)
    result = cli("import", SAMPLES / "wijkteam_telling.csv", "--preset", "counts", "--store", url)
    assert result.code == 0, result.err
    assert set(AREA_INDEXES) <= indexes()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO areaindex")
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT * FROM cube WHERE version = 2 AND area_code = %s", (code,)
        ).fetchall()
    assert "cube_version_area" in " ".join(str(r[0]) for r in plan)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO areaindex")
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT * FROM cube WHERE version = 2 AND month >= %s AND channel = %s",
            ("2020-01", "App"),
        ).fetchall()
    shown = " ".join(str(r[0]) for r in plan)
    assert "cube_version_month_channel" in shown and "channel = " in shown.split("Cond:")[-1]
