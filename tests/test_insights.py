"""The Dutch texts and figures built on the statistics, on hand-made cubes: totals that add up,
the reasons an index is missing, the one order of the areas where both domains are high,
and arrows and words that follow the numbers."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from regie_analytics import geo, insights, report, stats
from regie_analytics.formatting import change_direction, fmt_change, fmt_difference, fmt_level
from regie_analytics.schema import CUBE_COLUMNS, OUTSIDE


@pytest.fixture(scope="module")
def amsterdam() -> gpd.GeoDataFrame:
    return geo.load_boundaries()


def _cube(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["area_code", "month", "domain", "count"])
    frame = frame.assign(theme="t", channel="web", department="x", source="test", cell_key=0)
    return frame[list(CUBE_COLUMNS)]


@pytest.mark.parametrize(
    ("new", "old", "text", "direction"),
    [
        (99, 100, "−1%", "down"),
        (100, 100, "0%", "off"),
        (1001, 1000, "0%", "off"),  # +0.1% reads 0%: no arrow up
        (996, 1000, "0%", "off"),  # -0.4% reads 0%, not "−0%"
        (110, 100, "+10%", "up"),
        (5, 0, "nieuw", "up"),
        (0, 0, "0%", "off"),
    ],
)
def test_changes_and_their_arrows(new: int, old: int, text: str, direction: str) -> None:
    assert fmt_change(new, old) == text
    assert change_direction(new, old) == direction


def test_differences_and_level_words() -> None:
    assert [fmt_difference(*p) for p in ((8, 3), (3, 8), (4, 4), (1500, 200))] == [
        "+5",
        "−5",
        "0",
        "+1.300",
    ]
    assert fmt_level("wijk", plural=True) == "wijken" and fmt_level("stadsdeel") == "stadsdeel"
    assert fmt_level("provincie") == "gebied"


def test_headline_total_is_the_sum_of_the_selected_domains(amsterdam) -> None:
    cube = _cube(
        [
            ("BU0363AA01", "2025-02", "fysiek", 10),
            ("BU0363AA02", "2025-02", "sociaal", 5),
            ("BU0363AA03", "2025-02", "overig", 3),
            (OUTSIDE, "2025-02", "fysiek", 7),  # outside every area: in no table
            ("BU0363AA01", "2025-01", "fysiek", 20),
        ]
    )
    w = stats.spatial_weights(geo.areas_at_level(amsterdam, "buurt"))
    ov = insights.overview(cube, amsterdam, start="2025-02", end="2025-02", level="buurt", w=w)
    assert int(ov.current["totaal"]) == 18  # 10 + 5 + 3, as the Totaal and every table
    assert int(ov.current[["fysiek", "sociaal", "overig"]].sum()) == 18
    assert ov.sentences[0].startswith("In feb 2025 kwamen 18 signalen binnen, −10% ")
    assert ov.both_high == 0 and ov.top.empty
    assert insights.no_regie_text(level="buurt", gap=ov.gap).startswith(
        "In deze selectie is geen buurt sociaal én fysiek hoog"
    )


def test_why_an_area_has_no_index_or_index_zero(amsterdam) -> None:
    cube = _cube(
        [
            ("BU0363AA01", "2025-02", "fysiek", 10),
            ("BU0363AA01", "2025-02", "sociaal", 6),
            ("BU0363AA02", "2025-02", "sociaal", 5),
        ]
    )
    wijken = geo.areas_at_level(amsterdam, "wijk")
    w = stats.spatial_weights(wijken)
    table = insights.pressure_table(cube, amsterdam, level="wijk", w=w)
    aa = table.loc["WK0363AA"]  # both buurten lie in wijk AA: 10 physical, 11 social
    assert aa["samenhangsindex"] == 100 and aa["waarom"].startswith("sociaal bij de hoogste 1%")
    assert "van de wijken" in aa["waarom"]
    assert table.loc["WK0363AB", "samenhangsindex"] == 0
    assert table.loc["WK0363AB", "waarom"] == "geen sociale en geen fysieke signalen in deze wijk"

    social_only = insights.pressure_table(cube.loc[cube["domain"] == "sociaal"], amsterdam,
                                          level="wijk", w=w)  # fmt: skip
    assert social_only["samenhangsindex"].isna().all()
    assert (social_only["waarom"] == "geen fysieke signalen in de selectie").all()


def test_samenhang_gap_says_what_to_do() -> None:
    table = pd.DataFrame({"sociaal": [3, 4, 0, 1], "fysiek": [0, 0, 0, 0]})
    assert insights.samenhang_gap(table.assign(fysiek=1)) is None
    chosen = insights.samenhang_gap(table, selected=["sociaal"], available=["fysiek", "sociaal"])
    assert chosen is not None and chosen.startswith("Er zijn geen fysieke signalen")
    assert chosen.endswith("Wat te doen: kies in de zijbalk ook het fysieke domein.")
    missing = insights.samenhang_gap(table, selected=["sociaal"], available=["sociaal"])
    assert missing is not None and "importeer meldingen over de openbare ruimte" in missing
    period = insights.samenhang_gap(table, selected=["fysiek", "sociaal"])
    assert period is not None and "kies een langere periode" in period


def test_regie_areas_one_order() -> None:
    pressure = pd.DataFrame(
        {
            "beide_hoog": [True, True, True, False, True],
            "samenhangsindex": [90.0, 95.0, 90.0, 99.0, 90.0],
            "sociaal": [10, 10, 30, 50, 20],
            "fysiek": [10, 10, 0, 50, 20],
        },
        index=["BU3", "BU1", "BU2", "BU0", "BU4"],
    )
    # index down, then social + physical down (40, 30, 20), then code
    assert insights.regie_areas(pressure).index.tolist() == ["BU1", "BU4", "BU2", "BU3"]
    assert insights.regie_title("wijk") == "Regiewijken: sociaal én fysiek hoog"


def test_size_note_only_without_population() -> None:
    assert insights.size_ranking_note(pd.Series([500.0, 1200.0]), level="buurt") is None
    note = insights.size_ranking_note(pd.Series([None, None], dtype="float64"), level="wijk")
    assert note is not None and "wijken worden vergeleken op aantallen" in note
    assert insights.correlation_caption(pd.Series([500.0])).startswith("Per 1.000 inwoners")
    assert "Op aantallen" in insights.correlation_caption(pd.Series([None], dtype="float64"))


def test_csv_download_writes_whole_inhabitants(amsterdam) -> None:
    areas = amsterdam.assign(population=535.0)
    cube = _cube([("BU0363AA01", "2025-02", "fysiek", 10)])
    text = report.to_csv_bytes(report.area_download(cube, areas, level="wijk")).decode("utf-8-sig")
    assert ";Wijk AA (Centrum);" in text
    assert ".0;" not in text and "Totaal gemeente;" + str(535 * len(areas)) + ";" in text


def test_one_area_is_nothing_to_compare(amsterdam) -> None:
    cube = _cube([("BU0363AA01", "2025-02", "fysiek", 10), ("BU0363AA01", "2025-02", "sociaal", 9)])
    w = stats.spatial_weights(geo.areas_at_level(amsterdam, "gemeente"))
    table = insights.pressure_table(cube, amsterdam, level="gemeente", w=w)
    assert len(table) == 1 and table["samenhangsindex"].isna().all()
    assert not table["beide_hoog"].any()
    assert (table["waarom"] == "te weinig gebieden om te vergelijken").all()
    gap = insights.samenhang_gap(table)
    assert gap is not None and gap.startswith("Op dit gebiedsniveau is er 1 gebied")


@pytest.mark.parametrize("protected", [False, True])
def test_the_previous_periods_both_high_flags_are_the_pressure_tables(amsterdam, protected) -> None:
    """The Overzicht's previous period asks only which areas are sociaal én fysiek hoog
    (:func:`insights.both_high_flags`): the same flags as the full table, exact or perturbed."""
    import numpy as np

    from regie_analytics import privacy

    buurten = geo.areas_at_level(amsterdam, "buurt")
    rng = np.random.default_rng(3)
    rows = [
        (code, "2025-02", domain, int(rng.poisson(12 if i % 7 == 0 else 3)))
        for i, code in enumerate(buurten.index)
        for domain in ("fysiek", "sociaal")
    ]
    cube = _cube(rows).assign(cell_key=rng.integers(0, 256, len(rows)))
    w = stats.spatial_weights(buurten)
    ptable = privacy.PTABLE if protected else None
    full = insights.pressure_table(cube, amsterdam, level="buurt", w=w, clusters=False,
                                   ptable=ptable)  # fmt: skip
    flags = insights.both_high_flags(cube, amsterdam, level="buurt", w=w, ptable=ptable)
    assert flags.dtype == bool and flags.index.equals(full.index)
    assert flags.equals(full["beide_hoog"])
    assert 5 < int(flags.sum()) < len(flags) // 2


def test_rates_label_is_domain_rates_label_without_smoothing() -> None:
    """The Samenhang's titles take the label alone: the same as the smoothed rates say, rates
    with some area of at least MIN_POPULATION inhabitants, counts without."""
    from regie_analytics import aggregate

    big = aggregate.MIN_POPULATION
    with_people = pd.DataFrame(
        {"sociaal": [3, 8, 1], "fysiek": [5, 2, 9], "population": [big, 2 * big, 0]},
        index=["A", "B", "C"],
    )
    without = with_people.assign(population=[0, big - 1, 0])
    for table, label in ((with_people, insights.RATES_LABEL), (without, insights.COUNTS_LABEL)):
        assert insights.rates_label(table["population"]) == label
        assert insights.domain_rates(table)[2] == label
    assert insights.domain_rates(without)[0].tolist() == [3.0, 8.0, 1.0]  # the counts
