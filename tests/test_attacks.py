"""Attacks on the protected outputs, on a store with planted small counts.

The attacker has every protected output there is (the ``export`` tables for any selection, the
council reports, the screens' values as the browser receives them) and knows the p-table. A
planted count counts as recovered when the attacker can pin it to a single value: every true
count that is consistent with what was published (each published number comes from one of the
counts its p-table preimage holds, "<5" from 3 or 4) is the same. The same attacks on the exact
``counts`` output recover every planted count, so the attacks themselves work.

Planted, in a store built as the demo is (generic preset, generated population):

- ``PLANTED``: buurten with many physical signals (Telefoon and App, jan–nov 2025) and 1 to 4
  social signals about loneliness by e-mail in december 2025, so that the difference between
  all themes and all but one, 12 months and 11, both domains and one, and all channels and all
  but one, is exactly the planted count;
- ``SMALL``: buurten whose whole total is 1 to 4 signals, in a wijk whose other buurten are
  large, for differencing across levels and for rates times inhabitants on every screen.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from regie_analytics import aggregate, cli, geo, privacy, report
from regie_analytics.cellkey import DEFAULT_PTABLE
from regie_analytics.ingest import prepare_import
from regie_analytics.store import Store
from regie_analytics.taxonomy import load_taxonomy
from tests import conftest
from tests.conftest import ROOT, run_cli

PLANTED = {"BU0363AB01": 1, "BU0363AB02": 2, "BU0363AB03": 3, "BU0363AB04": 4}
SMALL = {"BU0363AD01": 1, "BU0363AD02": 2, "BU0363AD03": 3, "BU0363AD04": 4}
LARGE = ["BU0363AB05", "BU0363AB06", "BU0363AD05", "BU0363AD06", "BU0363AD07", "BU0363AD08"]
WIJK = "WK0363AD"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
INHABITANTS = 800
MAX_DEVIATION = DEFAULT_PTABLE.max_deviation


# --- the planted store ---------------------------------------------------------------------------


def _signals() -> pd.DataFrame:
    rng = np.random.default_rng(2025)
    rows: list[dict[str, str]] = []

    def add(code: str, month: str, category: str, channel: str, n: int) -> None:
        for _ in range(n):
            day = int(rng.integers(1, 28))
            closed = pd.Timestamp(f"{month}-{day:02d} 10:00") + pd.Timedelta(
                days=int(rng.integers(1, 20))
            )
            rows.append(
                {
                    "Nummer": f"P{len(rows):06d}",
                    "Datum": f"{day:02d}-{month[5:]}-{month[:4]} 10:00",
                    "Afgehandeld": closed.strftime("%d-%m-%Y %H:%M"),
                    "Categorie": category,
                    "Buurtcode": code,
                    "Kanaal": channel,
                }
            )

    for code in [*PLANTED, *LARGE]:
        for month in MONTHS[:11]:
            add(code, month, "Afval", "Telefoon", int(rng.integers(8, 15)))
            add(code, month, "wegen verkeer straatmeubilair", "App", int(rng.integers(5, 10)))
    for code in LARGE:  # december too, with social signals, in the areas that are not planted
        add(code, MONTHS[11], "Afval", "Telefoon", 12)
        add(code, MONTHS[11], "eenzaamheid en welzijn", "E-mail", 9)
        add(code, MONTHS[5], "eenzaamheid en welzijn", "Telefoon", 7)
    for code, n in PLANTED.items():
        add(code, MONTHS[11], "eenzaamheid en welzijn", "E-mail", n)
    for code, n in SMALL.items():
        add(code, MONTHS[11], "Afval", "Telefoon", n)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    path = folder / "meldingen.csv"
    _signals().to_csv(path, sep=";", index=False)
    mapping = folder / "koppeling.json"
    mapping.write_text(
        json.dumps(
            {
                "kind": "signals",
                "source": "geplant",
                "columns": {
                    "signal_id": "Nummer",
                    "received_at": "Datum",
                    "closed_at": "Afgehandeld",
                    "category": "Categorie",
                    "area_code": "Buurtcode",
                    "channel": "Kanaal",
                },
            }
        )
    )
    areas, boundaries = geo.load_boundaries_with_fingerprint(geo.DEFAULT_BOUNDARIES)
    areas = geo.with_population(areas, pd.Series(INHABITANTS, index=areas.index))
    taxonomy = load_taxonomy()
    prepared = prepare_import(
        path, preset="generic", areas=areas, taxonomy=taxonomy, mapping_path=mapping
    )
    root = folder / "store"
    Store(root).commit([prepared], areas=areas, boundaries=boundaries, taxonomy=taxonomy)
    return root


def _export(store: Path, tmp_path: Path, *options: str, level: str = "buurt") -> pd.DataFrame:
    """A protected table through the ``export`` command (in this process)."""
    out = tmp_path / f"export-{abs(hash((level, *options)))}.csv"
    assert (
        cli.main(["export", "--store", str(store), "--level", level, *options, "--out", str(out)])
        == 0
    )
    frame = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return frame.set_index("Gebiedscode")


def _exact(store: Path, tmp_path: Path, *by: str, level: str = "buurt") -> pd.DataFrame:
    """Exact counts through the ``counts`` command (not for publication)."""
    out = tmp_path / f"counts-{level}-{'-'.join(by)}.csv"
    options = ["--by", ",".join(by)] if by else []
    assert (
        cli.main(["counts", "--store", str(store), "--level", level, *options, "--out", str(out)])
        == 0
    )
    return pd.read_csv(out, dtype={"area_code": str})


# --- what a published cell allows ----------------------------------------------------------------


def _possible(cell: str) -> set[int]:
    """The true counts a published cell of a protected table can come from."""
    if cell == privacy.SUPPRESSED_LABEL:
        return DEFAULT_PTABLE.preimage(3) | DEFAULT_PTABLE.preimage(4)
    return set(DEFAULT_PTABLE.preimage(int(cell.replace(".", ""))))


def _differences(whole: str, part: str) -> set[int]:
    """The planted counts consistent with ``whole`` and ``whole`` minus the planted cells."""
    return {a - b for a in _possible(whole) for b in _possible(part) if a >= b}


def _assert_not_recovered(candidates: dict[str, set[int]], truth: dict[str, int]) -> None:
    for code, n in truth.items():
        assert n in candidates[code], f"{code}: {n} is not even possible: {candidates[code]}"
        assert len(candidates[code]) > 1, f"{code}: recovered exactly ({n})"


# --- differencing ---------------------------------------------------------------------------------

ALL_BUT_LONELINESS = [
    "afval",
    "wegen en verkeer",
]


@pytest.mark.parametrize(
    ("name", "whole", "part"),
    [
        ("themes", [], ["--theme", *ALL_BUT_LONELINESS]),
        ("periods", ["--period", "2025-01:2025-12"], ["--period", "2025-01:2025-11"]),
        ("domains", ["--domain", "fysiek", "sociaal"], ["--domain", "fysiek"]),
        ("channels", [], ["--channel", "App", "Telefoon"]),
    ],
)
def test_differencing_two_downloads_recovers_no_planted_count(
    planted: Path, tmp_path: Path, name: str, whole: list[str], part: list[str]
) -> None:
    both = _export(planted, tmp_path, *whole)
    without = _export(planted, tmp_path, *part)
    candidates = {
        code: _differences(both.at[code, "Totaal"], without.at[code, "Totaal"]) for code in PLANTED
    }
    _assert_not_recovered(candidates, PLANTED)
    # the same subtraction of exact counts gives every planted count away
    exact = _exact(planted, tmp_path, "theme", "channel", "month", "domain")
    lonely = exact[(exact["theme"] == "eenzaamheid en welzijn") & (exact["month"] == "2025-12")]
    assert lonely.set_index("area_code")["count"].reindex(list(PLANTED)).tolist() == [1, 2, 3, 4]


def test_differencing_a_wijk_and_its_buurten_recovers_no_small_buurt(
    planted: Path, tmp_path: Path
) -> None:
    buurten = _export(planted, tmp_path)
    wijken = _export(planted, tmp_path, level="wijk")
    members = aggregate.member_codes(Store(planted).areas(), "wijk", WIJK)
    for code, n in SMALL.items():
        others = [m for m in members if m != code]
        low = min(_possible(wijken.at[WIJK, "Totaal"])) - sum(
            max(_possible(buurten.at[m, "Totaal"])) for m in others
        )
        high = max(_possible(wijken.at[WIJK, "Totaal"])) - sum(
            min(_possible(buurten.at[m, "Totaal"])) for m in others
        )
        assert max(low, 0) <= n <= high
        assert high - max(low, 0) >= 1, f"{code}: recovered exactly ({n})"
    # with exact counts the same subtraction gives each one away
    exact_buurt = _exact(planted, tmp_path).set_index("area_code")["count"]
    exact_wijk = _exact(planted, tmp_path, level="wijk").set_index("area_code")["count"]
    for code, n in SMALL.items():
        others = [m for m in members if m != code]
        assert exact_wijk[WIJK] - exact_buurt.reindex(others, fill_value=0).sum() == n


def test_single_table_integer_programming_recovers_nothing(planted: Path, tmp_path: Path) -> None:
    """Every export read as one table with its totals (rows: areas and the municipality;
    columns: the domains and Totaal): no small true count has a single possible value."""
    store = Store(planted)
    cube = aggregate.filter_cube(store.cube(), domains=["fysiek", "sociaal"])
    for level, options in (("buurt", []), ("wijk", []), ("buurt", ["--period", "2025-12:2025-12"])):
        table = _export(planted, tmp_path, *options, level=level)
        months = ("2025-12", "2025-12") if options else ("2025-01", "2025-12")
        part = aggregate.filter_cube(cube, start=months[0], end=months[1])
        truth = aggregate.counts_by_area_domain(part, store.areas(), level=level)
        truth = truth[["fysiek", "sociaal", "overig"]]
        published = table.iloc[:-1][["Fysiek", "Sociaal", "Overig", "Totaal"]].copy()
        published.index = [*truth.index, privacy.TOTAL_LABEL]
        published.columns = [*truth.columns, privacy.TOTAL_LABEL]
        cells = published.map(lambda v: v if v == privacy.SUPPRESSED_LABEL else int(v))
        assert privacy.recoverable_cells(cells, truth, ptable=DEFAULT_PTABLE) == []
        # every published count lies within the documented deviation of the truth
        numbers = cells.iloc[:-1, :-1].map(lambda v: 3.5 if isinstance(v, str) else v)
        assert (numbers.to_numpy() - truth.to_numpy() <= MAX_DEVIATION + 0.5).all()
        assert (truth.to_numpy() - numbers.to_numpy() <= MAX_DEVIATION + 0.5).all()


@pytest.mark.slow
def test_area_reports_of_overlapping_periods_recover_no_planted_count(planted: Path) -> None:
    """The area report for jan–dec minus the one for jan–nov: the december count."""
    store = Store(planted)
    for code, n in PLANTED.items():
        totals = []
        for end in ("2025-12", "2025-11"):
            content = report.collect(store, start="2025-01", end=end, area=code)
            themes = content.items[1].table
            assert themes is not None
            row = themes.loc[themes["Thema"] == "alle signalen", "Aantal"]
            totals.append(str(row.iloc[0]))
            assert content.protected and all(
                privacy.is_safe(p.published, p.truth, ptable=DEFAULT_PTABLE)
                for p in content.protected
            )
        _assert_not_recovered({code: _differences(*totals)}, {code: n})


# --- consistency and bounds ----------------------------------------------------------------


@pytest.mark.subprocess
def test_same_cell_same_value_everywhere_and_on_every_run(planted: Path, tmp_path: Path) -> None:
    store = Store(planted)
    first = _export(planted, tmp_path)
    out = tmp_path / "again.csv"
    result = run_cli("export", "--store", planted, "--level", "buurt", "--out", out)  # new process
    assert result.code == 0, result.err
    assert out.read_bytes() == report.to_csv_bytes(first.reset_index())
    for code in [*SMALL, *PLANTED]:
        content = report.collect(store, start="2025-01", end="2025-12", area=code)
        themes = content.items[1].table
        assert themes is not None
        shown = themes.loc[themes["Thema"] == "alle signalen", "Aantal"].iloc[0]
        assert shown == first.at[code, "Totaal"], code
        # the protected screens compute with the same published value
        table = aggregate.area_table(
            aggregate.filter_cube(store.cube(), domains=["fysiek", "sociaal"]),
            store.areas(),
            ptable=DEFAULT_PTABLE,
        )
        assert privacy.suppress_counts(table["totaal"])[code] == _cell(shown)


def _cell(text: str) -> object:
    return text if text == privacy.SUPPRESSED_LABEL else int(text.replace(".", ""))


# --- the screens, as the browser receives them ---------------------------------------------


def _app(store: Path, page: str, monkeypatch: pytest.MonkeyPatch, **state: Any) -> AppTest:
    monkeypatch.setenv("REGIE_STORE", str(store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}.py")
    for key, value in state.items():
        if key in ("gebied", "trend_gebied"):  # the area pickers read the link
            at.query_params[key] = value
        else:
            at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _numbers(text: str) -> list[float]:
    """Every number in a Dutch text ('1.234,5' -> 1234.5)."""
    found = re.findall(r"\d[\d.]*(?:,\d+)?", text)
    return [float(n.replace(".", "").replace(",", ".")) for n in found]


def _grid(element: Any) -> pd.DataFrame:
    """A table as the browser gets it: its values (a protected count is sent as -inf, or as
    "<5" in a column without any number: both tell nothing), with the text shown in the cells
    shown as "<5"."""
    values = element.value
    grid = element.proto.arrow_data
    if not grid.HasField("styler"):
        return values
    texts = dataframe_util.convert_arrow_bytes_to_pandas_df(grid.styler.display_values)
    labelled = (texts == privacy.SUPPRESSED_LABEL).to_numpy()
    sent = values.to_numpy(dtype=object)[labelled]
    # never the count itself: -inf in a column of numbers, the label in a column of labels only
    assert all(value == -np.inf or value == privacy.SUPPRESSED_LABEL for value in sent), sent
    return values.astype(object).mask(labelled, privacy.SUPPRESSED_LABEL)


def _browser_values(at: AppTest) -> dict[str, Any]:
    """What the browser receives: metrics, tables and every plotly figure as JSON."""
    return {
        "metrics": {m.label: m.value for m in at.metric},
        "tables": [_grid(d) for d in at.dataframe],
        "figures": [json.loads(e.proto.spec) for e in at.get("plotly_chart")],
    }


def _counts_implied(values: Iterable[float]) -> set[int]:
    """Counts an attacker reads off rates per 1,000 inhabitants (rate x inhabitants / 1000)."""
    return {round(v * INHABITANTS / 1000) for v in values}


@pytest.mark.slow
def test_screens_send_no_exact_small_count(planted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kaart (table, map hovers), Buurtprofiel (metrics, themes, trend, neighbours), Trends and
    Samenhang of the small buurten: every count the browser gets, and every count that follows
    from a rate times the inhabitants, is the published (perturbed) value, never the true 1 or
    2; the scatter's rates are those of the perturbed counts, rounded as shown."""
    store = Store(planted)
    cube = aggregate.filter_cube(store.cube(), domains=["fysiek", "sociaal"])
    published = aggregate.area_table(cube, store.areas(), ptable=DEFAULT_PTABLE)
    names = store.areas()["name"]

    kaart = _browser_values(_app(planted, "kaart", monkeypatch, maat="per_1000"))
    table = kaart["tables"][0].set_index("Gebiedscode")
    hovers = [
        row
        for fig in kaart["figures"]
        for trace in fig["data"]
        for row in trace.get("customdata") or []
        if isinstance(row, list)
    ]
    for code, n in SMALL.items():
        value = int(published.at[code, "totaal"])
        cell = table.at[code, "Totaal"]
        assert cell == privacy.SUPPRESSED_LABEL or float(cell) == value, (code, cell)
        rate = table.at[code, "Per 1.000 inwoners"]  # a number (the grid's), or a text
        rates = _numbers(rate) if isinstance(rate, str) else [float(rate)] if rate == rate else []
        implied = _counts_implied(rates)
        assert implied <= {value}, code
        for row in hovers:
            if row[0] == names[code]:
                assert not set(_numbers(" ".join(map(str, row[1:])))) & {1, 2}
        if n <= 2:
            assert n not in implied

    for code, n in SMALL.items():
        profile = _browser_values(_app(planted, "buurtprofiel", monkeypatch, gebied=code))
        value = int(published.at[code, "totaal"])
        shown = profile["metrics"]["Signalen"]
        assert shown in (str(value), privacy.SUPPRESSED_LABEL)
        assert _counts_implied(_numbers(profile["metrics"]["Per 1.000 inwoners"])) <= {value}
        themes = profile["tables"][0]
        for cell, rate in zip(themes["aantal"], themes["gebied"], strict=True):
            if str(cell) == privacy.SUPPRESSED_LABEL:
                assert pd.isna(rate)  # no rate next to a "<5"
            else:  # the rate gives back the published count, not the true one
                assert int(cell) not in (1, 2)
                assert _counts_implied([rate]) == {int(cell)}
        trend = profile["figures"][0]
        for trace in trend["data"]:
            ys = trace.get("y") or []
            if isinstance(ys, dict):  # plotly's typed arrays
                continue
            if trace.get("name") != "gemiddelde gemeente":
                assert not {1, 2} & {int(y) for y in ys if y is not None}, code
        if n <= 2:
            assert shown != str(n)

    samenhang = _browser_values(_app(planted, "samenhang", monkeypatch))
    scatter = next(
        trace
        for fig in samenhang["figures"]
        for trace in fig["data"]
        if trace.get("name") == "gebieden"
    )
    xs = _array(scatter["x"])
    codes = list(scatter["customdata"])
    for code in SMALL:
        if code in codes:
            x = xs[codes.index(code)]
            assert x == round(x, 1)  # as precise as shown


def _array(values: Any) -> list[float]:
    """Plotly sends numeric arrays as base64 typed arrays (``{"dtype", "bdata"}``)."""
    if isinstance(values, dict):
        import base64

        raw = base64.b64decode(values["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_export_writes_the_kaart_download_for_the_selection(planted: Path, tmp_path: Path) -> None:
    """``export`` with several themes and channels writes the bytes the Kaart page offers for
    that selection (the same library call with the same cut of the cube)."""
    store = Store(planted)
    out = tmp_path / "kaart.csv"
    args = ["export", "--store", str(planted), "--level", "wijk", "--period", "2025-06:2025-12"]
    args += ["--theme", "afval", "eenzaamheid en welzijn", "--channel", "Telefoon", "E-mail"]
    assert cli.main([*args, "--out", str(out)]) == 0
    cube = aggregate.filter_cube(
        store.cube(),
        start="2025-06",
        end="2025-12",
        domains=["fysiek", "sociaal"],
        themes=["afval", "eenzaamheid en welzijn"],
        channels=["Telefoon", "E-mail"],
    )
    expected = report.to_csv_bytes(report.area_download(cube, store.areas(), level="wijk"))
    assert out.read_bytes() == expected
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Gebiedscode;Gebied;Inwoners;Fysiek;Sociaal;Overig;Totaal;Per 1.000 inwoners"
    )
    assert "celsleutelmethode" in text.splitlines()[-1]
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str)
    assert frame.iloc[-2]["Gebied"] == "Totaal gemeente"


def test_counts_and_analyse_say_they_are_exact(planted: Path, tmp_path: Path) -> None:
    result = conftest.cli(
        "counts", "--store", planted, "--level", "wijk", "--out", tmp_path / "c.csv"
    )
    assert result.code == 0 and "exacte aantallen, niet beschermd" in result.err
    result = conftest.cli(
        "analyse", "samenhang", "--store", planted, "--level", "wijk", "--out", tmp_path / "a.csv"
    )
    assert result.code == 0 and "niet voor publicatie" in result.err


def test_export_rejects_unknown_choices_in_dutch(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = conftest.cli(
        "export", "--store", planted, "--level", "buurt", "--theme", "bestaat niet", "--out", out
    )
    assert result.code == 2 and "onbekend thema 'bestaat niet'" in result.err
    result = conftest.cli(
        "export",
        "--store",
        planted,
        "--level",
        "buurt",
        "--period",
        "2019-01:2019-12",
        "--out",
        out,
    )
    assert result.code == 2 and "valt buiten de gegevens" in result.err
    assert not out.exists()


def _december(at: AppTest) -> str:
    """December 2025 of the Trends page's "Jaar op jaar" figure as the browser gets it (the
    point's value, which an attacker reads even where the hover says "<5")."""
    for fig in _browser_values(at)["figures"]:
        for trace in fig["data"]:
            if trace.get("name") == "2025" and "Jaar op jaar" in fig["layout"]["title"]["text"]:
                months = [int(m) for m in _array(trace["x"])]
                return str(int(_array(trace["y"])[months.index(12)]))
    raise AssertionError("no Jaar op jaar line for 2025")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "part"),
    [("themes", {"thema": ALL_BUT_LONELINESS}), ("channels", {"kanaal": ["App", "Telefoon"]})],
)
def test_differencing_two_screens_recovers_no_planted_count(
    planted: Path, monkeypatch: pytest.MonkeyPatch, name: str, part: dict[str, Any]
) -> None:
    """Trends of a planted buurt and the Overzicht's December, for all themes (channels) and
    for all but loneliness (e-mail): the difference of what the browser receives does not pin
    a planted count, nor the municipality's December of social signals."""
    candidates = {}
    for code in PLANTED:
        whole = _december(_app(planted, "trends", monkeypatch, trend_gebied=code))
        without = _december(_app(planted, "trends", monkeypatch, trend_gebied=code, **part))
        candidates[code] = _differences(whole, without)
    _assert_not_recovered(candidates, PLANTED)
    # the analyst's exact screens give the planted count away: the attack itself works
    code, n = next(iter(PLANTED.items()))
    exact = [
        int(_december(_app(planted, "trends", monkeypatch, trend_gebied=code, privacy=False, **s)))
        for s in ({}, part)
    ]
    assert exact[0] - exact[1] == n

    month = {"periode": "laatste maand"}
    social = {
        key: _app(planted, "overzicht", monkeypatch, **state).metric
        for key, state in (("whole", month), ("without", {**month, **part}))
    }
    shown = {
        key: next(m.value for m in v if m.label == "Signalen sociaal") for key, v in social.items()
    }
    # December's social signals: 9 by e-mail in each large buurt and the planted 1 to 4
    truth = 9 * len(LARGE) + sum(PLANTED.values())
    assert len(_differences(shown["whole"], shown["without"])) > 1
    assert truth in _differences(shown["whole"], shown["without"])


def _afhandeling_row(at: AppTest, name: str) -> dict[str, Any]:
    """A buurt's row of the Afhandeling page's table per area, as the browser gets it."""
    by_area = at.dataframe[-1].value
    rows = by_area[by_area["Gebied"] == name]
    assert len(rows) == 1, by_area
    return rows.iloc[0].to_dict()


@pytest.mark.slow
def test_differencing_afhandeling_recovers_no_planted_count(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Received and closed signals of each planted buurt on the Afhandeling page, for all
    themes and for all but loneliness (the planted december signals): the differences do not
    pin a planted count; on the analyst's exact screen they do."""
    screens = {
        key: _app(planted, "afhandeling", monkeypatch, niveau="buurt", **state)
        for key, state in (
            ("whole", {}),
            ("without", {"thema": ALL_BUT_LONELINESS}),
            ("exact whole", {"privacy": False}),
            ("exact without", {"privacy": False, "thema": ALL_BUT_LONELINESS}),
        )
    }
    names = Store(planted).areas()["name"]
    for column in ("ontvangen", "afgesloten"):
        candidates = {
            code: _differences(
                str(_afhandeling_row(screens["whole"], names[code])[column]),
                str(_afhandeling_row(screens["without"], names[code])[column]),
            )
            for code in PLANTED
        }
        _assert_not_recovered(candidates, PLANTED)
        for code, n in PLANTED.items():
            exact = [
                int(_afhandeling_row(screens[k], names[code])[column])
                for k in ("exact whole", "exact without")
            ]
            assert exact[0] - exact[1] == n, (column, code)
