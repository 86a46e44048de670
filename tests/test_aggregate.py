"""Roll-ups of the cube by hand: the same sums for text and categorical columns, every month
and group present, and an area's member codes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate, cellkey, geo, insights
from regie_analytics.schema import (
    CUBE_COLUMNS,
    CUBE_DIMENSIONS,
    MONTH,
    NO_LOCATION,
    OUTSIDE,
    InputError,
)


@pytest.fixture(scope="module")
def amsterdam() -> gpd.GeoDataFrame:
    return geo.load_boundaries()


def _cube(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """A cube by hand; row ``i`` gets the cell key ``KEYS[i]``."""
    frame = pd.DataFrame(rows, columns=["area_code", "month", "domain", "theme", "count"])
    frame = frame.assign(channel="web", department="x", source="test", cell_key=KEYS[: len(rows)])
    return frame[list(CUBE_COLUMNS)]


def _categorical(cube: pd.DataFrame) -> pd.DataFrame:
    """The cube as the dashboard holds it: every dimension but the month categorical."""
    out = cube.copy()
    for column in CUBE_DIMENSIONS:
        if column != MONTH:
            out[column] = out[column].astype("category")
    return out


# WK0363AA holds BU0363AA01, AA02 and AA04 (among others); BU0363AB01 is in WK0363AB
ROWS = [
    ("BU0363AB01", "2025-01", "fysiek", "afval", 4),
    ("BU0363AA01", "2025-01", "fysiek", "afval", 6),
    ("BU0363AA02", "2025-01", "sociaal", "schulden", 2),
    ("BU0363AA04", "2025-02", "fysiek", "afval", 1),
    ("BU0363AA01", "2025-02", "sociaal", "schulden", 5),
    (OUTSIDE, "2025-02", "fysiek", "afval", 9),
    ("BU0363AA01", "2025-03", "overig", "overige meldingen", 3),
]
KEYS = [200, 100, 17, 250, 3, 9, 130]


@pytest.mark.parametrize("categorical", [False, True])
def test_roll_up_by_hand_for_text_and_categorical_cubes(amsterdam, categorical):
    cube = _cube(ROWS)
    if categorical:
        cube = _categorical(cube)
    wijk = aggregate.roll_up(cube, amsterdam, level="wijk", by=("domain",))
    wijk["domain"] = wijk["domain"].astype("str")
    expected = pd.DataFrame(
        {
            "area_code": ["WK0363AA", "WK0363AA", "WK0363AA", "WK0363AB"],
            "domain": ["fysiek", "overig", "sociaal", "fysiek"],
            "count": [7, 3, 7, 4],  # the 9 outside every area belong to none
        }
    )
    assert_frame_equal(wijk, expected, check_dtype=False)
    assert wijk["area_code"].dtype == "str"
    buurt = aggregate.roll_up(cube, amsterdam, level="buurt")
    assert buurt["area_code"].tolist() == ["BU0363AA01", "BU0363AA02", "BU0363AA04", "BU0363AB01"]
    assert buurt["count"].tolist() == [14, 2, 1, 4]


def test_counts_by_area_domain_has_every_area_and_domain(amsterdam):
    wide = aggregate.counts_by_area_domain(_categorical(_cube(ROWS)), amsterdam, level="wijk")
    assert len(wide) == 110 and list(wide.columns) == ["fysiek", "sociaal", "overig", "totaal"]
    assert wide.loc["WK0363AA"].tolist() == [7, 7, 3, 17]
    assert wide.loc["WK0363AB"].tolist() == [4, 0, 0, 4]
    assert int(wide["totaal"].sum()) == 21


def _reference_wide(cube: pd.DataFrame, areas: gpd.GeoDataFrame, level: str) -> pd.DataFrame:
    """Counts and key sums per area and domain the plain way: each row's code mapped to its
    level, summed with ``pivot_table``, every area at the level, the three domains."""
    parents = geo.parent_code_map(areas, level)
    rows = cube.astype({"area_code": "str", "domain": "str"})
    rows = rows.loc[~rows["area_code"].isin([OUTSIDE, NO_LOCATION])]
    rows = rows.assign(at=parents.reindex(rows["area_code"]).to_numpy()).dropna(subset=["at"])
    index = geo.areas_at_level(areas, level).index
    wide = {}
    for value in ("count", "cell_key"):
        table = rows.pivot_table(index="at", columns="domain", values=value, aggfunc="sum")
        table = table.reindex(index=index, columns=["fysiek", "sociaal", "overig"]).fillna(0)
        wide[value] = table.astype("int64").assign(totaal=lambda t: t.sum(axis=1))
    return pd.concat(wide, axis=1)


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel", "gemeente"])
@pytest.mark.parametrize("categorical", [False, True])
def test_counts_by_area_domain_equal_a_plain_pivot(amsterdam, level, categorical):
    """Counted per (area, domain) position, every count and every perturbed count equals the
    plain pivot's: rows outside every area, without location, of an unknown area code or of
    another domain count nowhere; a missing code neither."""
    rng = np.random.default_rng(7)
    codes = [*amsterdam.index[:300].astype("str"), OUTSIDE, NO_LOCATION, "BU9999XX99", None]
    n = 4000
    cube = pd.DataFrame(
        {
            "area_code": pd.Series(rng.choice(np.array(codes, dtype=object), n), dtype="str"),
            "month": "2025-01",
            "domain": rng.choice(["fysiek", "sociaal", "overig", "onbekend"], n),
            "theme": "afval",
            "count": rng.integers(1, 9, n),
            "channel": "web",
            "department": "x",
            "source": "test",
            "cell_key": rng.integers(0, 256, n),
        }
    )[list(CUBE_COLUMNS)]
    if categorical:
        cube = _categorical(cube)
    reference = _reference_wide(cube, amsterdam, level)
    exact = aggregate.counts_by_area_domain(cube, amsterdam, level=level)
    assert_frame_equal(exact, reference["count"], check_names=False)
    assert exact.index.name == "area_code" and int(exact["totaal"].sum()) > 0
    table = cellkey.DEFAULT_PTABLE
    shown = aggregate.counts_by_area_domain(cube, amsterdam, level=level, ptable=table)
    expected = pd.DataFrame(
        {
            column: reference[("count", column)]
            + table.perturbation(
                reference[("count", column)].to_numpy(), reference[("cell_key", column)] % 256
            )
            for column in ["fysiek", "sociaal", "overig", "totaal"]
        }
    )
    assert_frame_equal(shown, expected, check_names=False)
    assert (shown.to_numpy() != exact.to_numpy()).any()  # perturbed, not the exact counts


def test_domain_totals_count_every_row_in_the_total():
    """Per domain only the three domains; the total counts every row (another or a missing
    domain too), its cell key the sum of all keys modulo 256."""
    cube = pd.DataFrame(
        {
            "domain": ["fysiek", None, "onbekend", "sociaal", "fysiek"],
            "count": [1, 2, 3, 4, 5],
            "cell_key": [10, 20, 30, 40, 250],
        }
    )
    table = cellkey.DEFAULT_PTABLE

    def shown(count: int, key: int) -> int:
        return count + int(table.perturbation(np.array([count]), np.array([key]))[0])

    for rows in (cube, cube.astype({"domain": "category"})):
        exact = aggregate.domain_totals(rows)
        assert exact.to_dict() == {"fysiek": 6, "sociaal": 4, "overig": 0, "totaal": 15}
        assert exact.name == "count" and exact.dtype == "int64"
        assert aggregate.domain_totals(rows, ptable=table).to_dict() == {
            "fysiek": shown(6, 4),  # keys 10 + 250 = 260 = 4 mod 256
            "sociaal": shown(4, 40),
            "overig": 0,
            "totaal": shown(15, 94),  # 350 = 94 mod 256
        }


def test_monthly_fills_every_month_and_every_group(amsterdam):
    cube = _categorical(_cube(ROWS))
    # overig has a signal only in 2025-03: it still gets its zero rows in the range
    series = aggregate.monthly(cube, by="domain", start="2025-01", end="2025-02")
    series["domain"] = series["domain"].astype("str")
    assert series.to_dict("list") == {
        "month": ["2025-01"] * 3 + ["2025-02"] * 3,
        "domain": ["fysiek", "overig", "sociaal"] * 2,
        "count": [10, 0, 2, 10, 0, 5],
    }
    named = aggregate.monthly(
        cube.loc[cube["month"] <= "2025-02"],
        by="domain",
        start="2025-01",
        end="2025-02",
        groups=["fysiek", "overig", "sociaal"],
    )
    named["domain"] = named["domain"].astype("str")
    assert_frame_equal(named, series)
    trend = insights.domain_monthly(cube, start="2025-01", end="2025-04")
    assert len(trend) == 12  # 4 months x 3 domains, the 9 outside every area left out
    assert int(trend["count"].sum()) == 21


def test_roll_ups_carry_the_sum_of_cell_keys(amsterdam):
    """Every roll-up knows each count's cell key (the keys of its rows added, modulo 256) and
    publishes ``count + perturbation(count, key)`` with a p-table; totals are cells of their
    own."""
    cube = _categorical(_cube(ROWS))
    table = cellkey.DEFAULT_PTABLE

    def shown(count: int, key: int) -> int:
        return count + int(table.perturbation(np.array([count]), np.array([key]))[0])

    keyed = aggregate.roll_up(cube, amsterdam, level="wijk", by=("domain",), keep_keys=True)
    # WK0363AA fysiek: rows 1 and 3 (6 + 1, keys 100 + 250 = 350 = 94 mod 256)
    row = keyed.loc[(keyed["area_code"] == "WK0363AA") & (keyed["domain"] == "fysiek")]
    assert row[["count", "cell_key"]].values.tolist() == [[7, 94]]
    published = aggregate.roll_up(cube, amsterdam, level="wijk", by=("domain",), ptable=table)
    assert "cell_key" not in published.columns
    assert published["count"].tolist() == [
        shown(c, k) for c, k in zip(keyed["count"], keyed["cell_key"], strict=True)
    ]
    # WK0363AA in all: 6 + 2 + 1 + 5 + 3 = 17, keys 100 + 17 + 250 + 3 + 130 = 500 = 244
    wide = aggregate.counts_by_area_domain(cube, amsterdam, level="wijk", ptable=table)
    assert wide.loc["WK0363AA", "totaal"] == shown(17, 244)
    assert wide.loc["WK0363AA", "sociaal"] == shown(7, 20)
    assert (wide.loc["WK0363AC"] == 0).all()  # zero stays zero
    # per month, and per domain over the whole cube (the 9 outside every area included)
    months = aggregate.monthly(cube, by=None, start="2025-01", end="2025-03", ptable=table)
    assert months["count"].tolist() == [shown(12, 61), shown(15, 6), shown(3, 130)]
    totals = aggregate.domain_totals(cube, ptable=table)
    assert totals.to_dict() == {
        "fysiek": shown(20, 47),
        "sociaal": shown(7, 20),
        "overig": shown(3, 130),
        "totaal": shown(30, 197),
    }
    assert aggregate.domain_totals(cube).to_dict() == {
        "fysiek": 20,
        "sociaal": 7,
        "overig": 3,
        "totaal": 30,
    }
    with pytest.raises(ValueError, match="geen celsleutels"):
        aggregate.roll_up(cube.drop(columns="cell_key"), amsterdam, ptable=table)


def test_member_codes(amsterdam):
    assert aggregate.member_codes(amsterdam, "buurt", "BU0363AA01") == ["BU0363AA01"]
    members = aggregate.member_codes(amsterdam, "wijk", "WK0363AA")
    parents = geo.parent_code_map(amsterdam, "wijk")
    assert sorted(members) == sorted(parents.index[parents == "WK0363AA"])
    assert {"BU0363AA01", "BU0363AA02", "BU0363AA04"} <= set(members)
    assert len(aggregate.member_codes(amsterdam, "gemeente", "GM0363")) == 518
    assert aggregate.member_codes(amsterdam, "wijk", "WK9999XX") == []


def test_codes_at_level_per_category_equals_per_row(amsterdam):
    mapping = geo.parent_code_map(amsterdam, "wijk")
    rows = pd.Series(["BU0363AB01", "BU0363AA01", OUTSIDE, "BU0363AA04", "BU0363AB01"])
    expected = rows.map(mapping)
    mapped = aggregate.codes_at_level(rows.astype("category"), mapping)
    assert isinstance(mapped.dtype, pd.CategoricalDtype)
    assert list(mapped.cat.categories) == ["WK0363AA", "WK0363AB"]  # in code order
    assert mapped.isna().tolist() == expected.isna().tolist() == [False, False, True, False, False]
    known = expected.notna()
    assert mapped[known].astype("str").tolist() == expected[known].tolist()
    assert aggregate.codes_at_level(rows, mapping).tolist() == expected.tolist()


# --- one period parser, strict choices ---------------------------------------------------------

MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-02:2025-03", ("2025-02", "2025-03")),
        (" 2025-01:2025-04 ", ("2025-01", "2025-04")),
        ("2025-03:", ("2025-03", "2025-04")),  # open ends: the data's first or last month
        (":2025-02", ("2025-01", "2025-02")),
        ("2024-06:2025-01", ("2024-06", "2025-01")),  # overlapping the data is enough
    ],
)
def test_parse_period_reads_periods(text: str, expected: tuple[str, str]) -> None:
    assert aggregate.parse_period(text, months=MONTHS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-13:2025-99", "ongeldige periode '2025-13:2025-99'"),
        ("2025-00:2025-02", "ongeldige periode"),
        ("2025", "ongeldige periode"),
        ("2025-1:2025-2", "ongeldige periode"),
        ("jan 2025:feb 2025", "ongeldige periode"),
        ("2025-03:2025-01", "begint na het einde"),
        ("2019-01:2019-12", "valt buiten de gegevens"),
        ("2026-01:", "begint na het einde"),  # from 2026-01 to the last month, 2025-04
    ],
)
def test_parse_period_refuses_in_dutch(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        aggregate.parse_period(text, months=MONTHS)


def test_parse_period_without_data_needs_both_ends() -> None:
    assert aggregate.parse_period("2025-01:2025-12") == ("2025-01", "2025-12")
    with pytest.raises(InputError, match="ongeldige periode"):
        aggregate.parse_period("2025-01:")


def test_check_choices_names_what_is_unknown_and_what_there_is() -> None:
    cube = _cube(
        [("BU1", "2025-01", "sociaal", "wonen", 3), ("BU1", "2025-01", "fysiek", "afval", 1)]
    )
    aggregate.check_choices(cube, domains=["sociaal"], themes=["wonen", "afval"], channels=["web"])
    aggregate.check_choices(_categorical(cube), domains=["fysiek"])
    with pytest.raises(InputError, match=r"onbekend thema 'groen'.*kies uit afval, wonen"):
        aggregate.check_choices(cube, themes=["wonen", "groen"])
    with pytest.raises(InputError, match="onbekend domein 'overig'"):
        aggregate.check_choices(_categorical(cube), domains=["overig"])
    with pytest.raises(InputError, match="onbekend kanaal 'app'"):
        aggregate.check_choices(cube, channels=["app"])


@pytest.mark.parametrize("level", ["buurt", "wijk", "gemeente"])
@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("protected", [False, True])
def test_wide_counts_are_the_roll_up_pivoted(amsterdam, level, categorical, protected):
    """A row per area of the level and a column per theme with a signal in an area (sorted):
    each cell the roll-up's count, exact or perturbed as the roll-up publishes it; 0 where an
    area has none; rows outside every area, without location or of an unknown code nowhere."""
    rng = np.random.default_rng(11)
    codes = [*amsterdam.index[:200].astype("str"), OUTSIDE, NO_LOCATION, "BU9999XX99"]
    n = 3000
    cube = pd.DataFrame(
        {
            "area_code": pd.Series(rng.choice(np.array(codes, dtype=object), n), dtype="str"),
            "month": "2025-01",
            "domain": "fysiek",
            "theme": rng.choice(["wegen", "afval", "groen"], n),
            "count": rng.integers(1, 9, n),
            "channel": "web",
            "department": "x",
            "source": "test",
            "cell_key": rng.integers(0, 256, n),
        }
    )[list(CUBE_COLUMNS)]
    cube.loc[cube["area_code"] == OUTSIDE, "theme"] = "zwerfvuil"  # only outside every area
    if categorical:
        cube = _categorical(cube)
    ptable = cellkey.DEFAULT_PTABLE if protected else None
    wide = aggregate.wide_counts(cube, amsterdam, level=level, by="theme", ptable=ptable)
    long = aggregate.roll_up(cube, amsterdam, level=level, by=("theme",), ptable=ptable)
    long["theme"] = long["theme"].astype("str")
    pivot = long.set_index(["area_code", "theme"])["count"].unstack().astype("float64")
    expected = pivot.reindex(geo.areas_at_level(amsterdam, level).index).fillna(0)
    assert list(wide.columns) == ["afval", "groen", "wegen"]
    assert_frame_equal(wide, expected, check_names=False)
    assert wide.to_numpy().sum() > 0
    assert level == "gemeente" or (wide.to_numpy() == 0).any()  # areas without signals: 0
