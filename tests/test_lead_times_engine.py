"""Lead times summed in the engine equal pandas' lead times of the signals, to the last digit.

Messy signals written by hand (ties, open signals, zero and negative lead times, times to the
microsecond, a group of one, groups of every size up to 41 for the quantiles' ranks, the
sentinel areas, themes without any closed signal, several months) are put in a Parquet signal
part (DuckDB) and in a PostgreSQL store's signal table (a real server); for every filter,
period, grouping, norm and protection the engine's table (:func:`lead_sql.lead_time_cut`,
:func:`aggregate.lead_times_of_cut`) must equal :func:`aggregate.lead_times` run on the
signals in pandas, as the dashboard computed it before: the same frame, the same order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pytest
from pandas.testing import assert_frame_equal

from regie_analytics import aggregate, lead_sql, privacy
from regie_analytics.engine import DuckDBEngine, Engine
from regie_analytics.ingest.stored import month_labels
from regie_analytics.schema import AREA_CODE, MONTH, SENTINEL_AREAS, SIGNAL_COLUMNS
from regie_analytics.store import parts, pgschema, pgwrite
from regie_analytics.store.postgres import PostgresEngine
from tests.pg import c_order

AREAS = ["A1", "A2", "B1", "B2", "C1", *sorted(SENTINEL_AREAS)]
PARENTS = {"A1": "A", "A2": "A", "B1": "B", "B2": "B"}  # C1 has no parent: left out
THEMES = ["afval", "groen", "jeugd", "schuld", "verlichting", "zorg"]
DOMAIN_OF = {
    "afval": "fysiek",
    "groen": "fysiek",
    "verlichting": "fysiek",
    "jeugd": "sociaal",
    "schuld": "sociaal",
    "zorg": "overig",
}


def _messy_signals(seed: int = 7, n: int = 3000) -> pd.DataFrame:
    """About ``n`` signals over 14 months; lead times from a small set of values (many ties),
    some to the microsecond, some zero or negative, 12% open; 'verlichting' never closed;
    in 2025-03 exactly 1, 2, ..., 41 signals of 'schuld' in area B2 (every quantile rank)."""
    rng = np.random.default_rng(seed)
    received = pd.Timestamp("2024-11-01") + pd.to_timedelta(
        rng.integers(0, 14 * 30 * 86400, n), unit="s"
    )
    received = received + pd.to_timedelta(
        rng.integers(0, 1_000_000, n) * (rng.random(n) < 0.2), unit="us"
    )
    days = rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 7.0, 10.0, 10.0, 14.5, 30.0, -1.0], n)
    exact = pd.to_timedelta(rng.integers(0, 40 * 86_400_000_000, n), unit="us")
    lead = np.where(rng.random(n) < 0.3, exact, pd.to_timedelta(days, unit="D"))
    theme = rng.choice(THEMES, n)
    closed = pd.Series(received + pd.to_timedelta(lead))
    closed[(rng.random(n) < 0.12) | (theme == "verlichting")] = pd.NaT
    frame = pd.DataFrame(
        {
            "source": "test",
            "signal_id": [f"s{i}" for i in range(n)],
            "received_at": pd.Series(received).astype("datetime64[ns]"),
            "closed_at": closed.astype("datetime64[ns]"),
            "channel": rng.choice(["app", "telefoon", "mail"], n),
            "theme": theme,
            "area_code": rng.choice(
                AREAS,
                n,
                p=[0.25, 0.2, 0.2, 0.15, 0.1, *[0.1 / len(SENTINEL_AREAS)] * len(SENTINEL_AREAS)],
            ),
            "record_key": rng.integers(0, 256, n).astype("int16"),
        }
    )
    ranks = []
    for size in range(1, 42):  # a group per size (per month) in one area and theme
        month = pd.Timestamp("2025-03-01") + pd.DateOffset(days=size % 28)
        for i in range(size):
            ranks.append(
                {
                    "source": "test",
                    "signal_id": f"r{size}-{i}",
                    "received_at": month,
                    "closed_at": month + pd.Timedelta(hours=int(rng.integers(0, 30 * 24))),
                    "channel": "app",
                    "theme": "schuld",
                    "area_code": "B2",
                    "record_key": int(rng.integers(0, 256)),
                }
            )
    frame = pd.concat([frame, pd.DataFrame(ranks)], ignore_index=True)
    frame["domain"] = frame["theme"].map(DOMAIN_OF)
    # some without a theme or a channel: in the overall cut, in no group of theirs
    loose = frame.sample(80, random_state=3).index
    frame.loc[loose[:40], "theme"] = None
    frame.loc[loose[40:], "channel"] = None
    for column in ("category", "subcategory", "department", "status"):
        frame[column] = "x"
    frame["lon"] = frame["lat"] = np.nan
    frame["received_at"] = frame["received_at"].astype("datetime64[ns]")
    frame["closed_at"] = frame["closed_at"].astype("datetime64[ns]")
    frame["record_key"] = frame["record_key"].astype("int16")
    return frame[list(SIGNAL_COLUMNS)]


SIGNALS = _messy_signals()


def _as_read(signals: pd.DataFrame) -> pd.DataFrame:
    """The signals as the dashboard read them before (``Snapshot.signals``)."""
    frame = signals.copy()
    for column in ("source", "domain", "theme", "area_code", "channel"):
        frame[column] = frame[column].astype("category")
    frame[MONTH] = month_labels(frame["received_at"])
    return frame


def _reference(
    signals: pd.DataFrame,
    *,
    start: str,
    end: str,
    domains: tuple[str, ...],
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    by: str | None,
    per_area: str | None,
    norm: float,
    ptable: Any,
    members: list[str] | None = None,
) -> pd.DataFrame:
    """The lead times as ``ui/queries.py`` computed them in pandas before."""
    mask = (signals[MONTH] >= start) & (signals[MONTH] <= end) & signals["domain"].isin(domains)
    if themes:
        mask &= signals["theme"].isin(themes)
    if channels:
        mask &= signals["channel"].isin(channels)
    if members is not None:
        mask &= signals[AREA_CODE].isin(members)
    options: dict[str, Any] = {"start": start, "end": end, "norm_days": norm, "ptable": ptable}
    if per_area is None:
        return aggregate.lead_times(signals.loc[mask], by=by, **options)
    frame = signals.loc[mask & ~signals[AREA_CODE].isin(SENTINEL_AREAS)]
    codes = frame[AREA_CODE]
    if per_area == "fine":
        codes = codes.astype("str")
    else:
        mapping = pd.Series(PARENTS).reindex(sorted(set(AREAS) - SENTINEL_AREAS))
        codes = aggregate.codes_at_level(codes, mapping).astype("object")
    return aggregate.lead_times(frame.assign(gebied=codes.to_numpy()), by="gebied", **options)


def _engine_table(
    eng: Engine,
    *,
    start: str,
    end: str,
    domains: tuple[str, ...],
    themes: tuple[str, ...],
    channels: tuple[str, ...],
    by: str | None,
    per_area: str | None,
    norm: float,
    ptable: Any,
    members: list[str] | None = None,
) -> pd.DataFrame:
    choices: dict[str, Any] = {
        "start": start,
        "end": end,
        "domains": domains,
        "themes": themes or None,
        "channels": channels or None,
        "area_codes": members,
    }
    if per_area == "fine":
        cut = lead_sql.lead_time_cut(eng, by=AREA_CODE, norm_days=norm, located=True, **choices)
        return aggregate.lead_times_of_cut(cut, by="gebied", ptable=ptable)
    if per_area == "parent":
        cut = lead_sql.lead_time_cut(
            eng, by=None, norm_days=norm, groups=PARENTS, located=True, **choices
        )
        return aggregate.lead_times_of_cut(cut, by="gebied", ptable=ptable)
    cut = lead_sql.lead_time_cut(eng, by=by, norm_days=norm, **choices)
    return aggregate.lead_times_of_cut(cut, by=by, ptable=ptable)


CASES: list[dict[str, Any]] = [
    {"start": "2024-11", "end": "2025-12", "domains": ("fysiek", "sociaal", "overig")},
    {"start": "2025-01", "end": "2025-12", "domains": ("fysiek", "sociaal")},
    {"start": "2025-03", "end": "2025-03", "domains": ("sociaal",), "themes": ("schuld",)},
    {"start": "2025-02", "end": "2025-04", "domains": ("fysiek",), "channels": ("app", "mail")},
    {"start": "2025-06", "end": "2025-06", "domains": ("fysiek", "sociaal"), "themes": ("jeugd",)},
    {"start": "2024-11", "end": "2025-12", "domains": ("fysiek",), "themes": ("verlichting",)},
    {"start": "2023-01", "end": "2023-12", "domains": ("fysiek", "sociaal")},  # no signals
    {"start": "2025-01", "end": "2025-12", "domains": ()},  # nothing chosen
]
GROUPINGS: list[tuple[str | None, str | None]] = [
    (None, None),
    ("theme", None),
    ("channel", None),
    (None, "fine"),
    (None, "parent"),
]


def _compare(eng: Engine) -> int:
    """Every case x grouping x norm x protection: the engine's table equals the reference.
    Returns the number of tables compared."""
    signals = _as_read(SIGNALS)
    compared = 0
    for case in CASES:
        choices = {"themes": (), "channels": (), **case}
        for by, per_area in GROUPINGS:
            for norm, ptable in ((10, None), (10, privacy.PTABLE), (2.5, privacy.PTABLE)):
                options = {**choices, "by": by, "per_area": per_area, "norm": norm}
                want = _reference(signals, **options, ptable=ptable)
                got = _engine_table(eng, **options, ptable=ptable)
                assert_frame_equal(
                    got,
                    want,
                    check_exact=True,
                    check_index_type=False,
                    check_categorical=False,
                    obj=str(options),
                )
                assert list(got.index) == [str(i) for i in want.index], options
                compared += 1
    # one area's members (Buurtprofiel)
    for members in (["A1", "A2"], ["B2"], ["C1"]):
        for ptable in (None, privacy.PTABLE):
            options = {"start": "2024-11", "end": "2025-12", "domains": ("fysiek", "sociaal")}
            options |= {"themes": (), "channels": (), "by": "theme", "per_area": None}
            options |= {"norm": 10, "members": members}
            want = _reference(signals, **options, ptable=ptable)
            got = _engine_table(eng, **options, ptable=ptable)
            assert_frame_equal(
                got, want, check_exact=True, check_index_type=False, check_categorical=False
            )
            compared += 1
    return compared


CUT_GROUPINGS: list[tuple[lead_sql.LeadGrouping, str | None, str | None]] = [
    (lead_sql.LeadGrouping(by=None), None, None),
    (lead_sql.LeadGrouping(by="theme"), "theme", None),
    (lead_sql.LeadGrouping(by="channel"), "channel", None),
    (lead_sql.LeadGrouping(by=AREA_CODE, located=True), None, "fine"),
    (lead_sql.LeadGrouping(by=None, groups=PARENTS, located=True), None, "parent"),
]
""":func:`lead_sql.lead_time_cuts`' groupings and the (``by``, ``per_area``) of their reference."""


def _compare_cuts(eng: Engine) -> int:
    """Every case x norm x protection (and one area's members): all the groupings from one
    :func:`lead_sql.lead_time_cuts` statement, each equal to pandas' table. Returns the number
    of tables compared."""
    signals = _as_read(SIGNALS)
    compared = 0
    members_cases = [(case, None) for case in CASES] + [
        (CASES[0], members) for members in (["A1", "A2"], ["B2"], ["C1"])
    ]
    for case, members in members_cases:
        choices = {"themes": (), "channels": (), **case}
        for norm, ptable in ((10, None), (10, privacy.PTABLE), (2.5, privacy.PTABLE)):
            cuts = lead_sql.lead_time_cuts(
                eng,
                [grouping for grouping, _, _ in CUT_GROUPINGS],
                norm_days=norm,
                start=choices["start"],
                end=choices["end"],
                domains=choices["domains"],
                themes=choices["themes"] or None,
                channels=choices["channels"] or None,
                area_codes=members,
            )
            assert len(cuts) == len(CUT_GROUPINGS)
            for cut, (_, by, per_area) in zip(cuts, CUT_GROUPINGS, strict=True):
                options = {**choices, "by": by, "per_area": per_area, "norm": norm}
                want = _reference(signals, **options, ptable=ptable, members=members)
                got = aggregate.lead_times_of_cut(
                    cut, by="gebied" if per_area else by, ptable=ptable
                )
                assert_frame_equal(
                    got,
                    want,
                    check_exact=True,
                    check_index_type=False,
                    check_categorical=False,
                    obj=str({**options, "members": members}),
                )
                assert list(got.index) == [str(i) for i in want.index], options
                compared += 1
    return compared


def test_messy_signals_have_every_rank_and_kind() -> None:
    """The data exercise what they claim to (ties, open, negative, microseconds, sizes)."""
    lead = SIGNALS["closed_at"] - SIGNALS["received_at"]
    assert SIGNALS["closed_at"].isna().mean() > 0.1
    assert (lead < pd.Timedelta(0)).sum() > 10 and (lead == pd.Timedelta(0)).sum() > 10
    assert (SIGNALS["received_at"].dt.microsecond > 0).sum() > 100
    assert lead.dropna().duplicated().sum() > 1000
    assert SIGNALS["theme"].isna().sum() == SIGNALS["channel"].isna().sum() == 40
    assert SIGNALS["area_code"].isin(SENTINEL_AREAS).sum() > 50
    signals = _as_read(SIGNALS)
    march = signals.loc[(signals[MONTH] == "2025-03") & (signals["theme"] == "schuld")]
    assert march["closed_at"].notna().sum() >= sum(range(1, 42))


@pytest.fixture(params=[False, True], ids=["signals", "leads_file"])
def duck_signals(tmp_path: Path, request: pytest.FixtureRequest) -> DuckDBEngine:
    """The messy signals in a Parquet store's signal part (in export order: shuffled), read
    from the part, or from its lead-time file written as an import writes it
    (:func:`parts.write_leads`, small row groups here so that periods skip some)."""
    folder = tmp_path / "v000001"
    (folder / "signals").mkdir(parents=True)
    part = "signals/part-00001.parquet"
    SIGNALS.sample(frac=1.0, random_state=5).to_parquet(folder / part, row_group_size=2048)
    if request.param:
        parts.write_leads(folder / part, folder / lead_sql.lead_part(part), rows=2048)
    eng = DuckDBEngine(folder, signal_parts=[part])
    assert (eng.leads is not None) == bool(request.param)
    return eng


@pytest.mark.slow
def test_lead_times_in_duckdb_equal_pandas(duck_signals: DuckDBEngine) -> None:
    """From the signal part or from its lead-time file: every table equals pandas' to the
    last digit."""
    assert _compare(duck_signals) == len(CASES) * len(GROUPINGS) * 3 + 6


@pytest.mark.slow
def test_lead_time_cuts_in_duckdb_equal_pandas(duck_signals: DuckDBEngine) -> None:
    """Several groupings from one statement: each equals pandas' table to the last digit."""
    assert _compare_cuts(duck_signals) == (len(CASES) + 3) * 3 * len(CUT_GROUPINGS)


def test_a_known_median_and_percentile(tmp_path: Path) -> None:
    """Four closed signals of 1, 2, 4 and 10 days and one open: median 3 days, P90 8.2 days
    (linear between 4 and 10 at 0.9 x 3 = 2.7), 2 of 5 within 3 days, 1 open."""
    start = pd.Timestamp("2025-05-02 08:00")
    rows = SIGNALS.iloc[:5].copy()
    rows["received_at"] = start
    rows["closed_at"] = [start + pd.Timedelta(days=d) for d in (1, 2, 4, 10)] + [pd.NaT]
    rows["theme"], rows["domain"], rows["area_code"] = "afval", "fysiek", "A1"
    folder = tmp_path / "v000001"
    (folder / "signals").mkdir(parents=True)
    rows.to_parquet(folder / "signals" / "part-00001.parquet")
    eng = DuckDBEngine(folder, signal_parts=["signals/part-00001.parquet"])
    cut = lead_sql.lead_time_cut(eng, by=None, norm_days=3, start="2025-05", end="2025-05")
    table = aggregate.lead_times_of_cut(cut, by=None)
    assert table.to_dict("records") == [
        {
            "ontvangen": 5,
            "afgesloten": 4,
            "mediaan_dagen": 3.0,
            "p90_dagen": 8.2,
            "binnen_norm": 0.4,
            "open": 1,
        }
    ]


def _choices(case: dict[str, Any]) -> dict[str, Any]:
    """A case's filter as :func:`lead_sql.lead_time_cuts` takes it."""
    return {
        "start": case["start"],
        "end": case["end"],
        "domains": case["domains"],
        "themes": case.get("themes"),
        "channels": case.get("channels"),
    }


def _recorded(eng: PostgresEngine) -> list[tuple[str, list[Any]]]:
    """Every statement the engine sends from now on (its text and parameters), in order."""
    sent: list[tuple[str, list[Any]]] = []
    query = eng.query

    def recorded(sql: str, params: Any = ()) -> pd.DataFrame:
        sent.append((sql, list(params)))
        return query(sql, params)

    eng.query = recorded  # type: ignore[method-assign]
    return sent


def _pg_engine(
    pg_url: str,
    schema: str,
    *,
    leads: bool,
    parents: dict[str, str] | None,
    signals: pd.DataFrame = SIGNALS,
) -> PostgresEngine:
    """The (messy) ``signals`` as part 1 of the store in ``schema`` (made afresh), with their
    ``signal_leads``, and ``parents`` stored as the areas' groups of the level "wijk"."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    with pgschema.connection(pg_url, schema) as conn, conn.transaction():
        pgschema.create_tables(conn, schema)
        conn.execute(f"SET search_path TO {schema}, public")
        pgschema.copy_rows(
            conn, "signals", list(SIGNAL_COLUMNS), [signals], fixed={"part": 1}, numbered=True
        )
        if leads:
            pgwrite.write_leads(conn, 1)
        if parents is not None:
            stored = pd.DataFrame(
                {"level": "wijk", "area_code": list(parents), "grp": list(parents.values())}
            )
            pgschema.copy_rows(
                conn, "area_groups", list(stored.columns), [stored], fixed={"area_set": 1}
            )
            conn.execute(
                "INSERT INTO cube_area_months (version, area_code, month, domain, count, cell_key) "
                "SELECT 1, area_code, to_char(received_at, 'YYYY-MM'), 'fysiek', COUNT(*), 0 "
                "FROM signals GROUP BY 2, 3"
            )
    grouped = parents is not None
    return PostgresEngine(
        pg_url, schema, 1, [1], leads=leads, area_months=grouped, area_set=1 if grouped else None
    )


@pytest.fixture(
    params=["signals", "signal_leads", "grouped"], ids=["signals", "signal_leads", "grouped"]
)
def pg_signals(pg_url: str, request: pytest.FixtureRequest) -> Iterator[PostgresEngine]:
    """The messy signals in a PostgreSQL store's signal table (part 1 of its own schema),
    read from the signals, or from the part's ``signal_leads`` written as an import writes
    them (:func:`pgwrite.write_leads`); ``grouped``: also :data:`PARENTS` stored as the
    areas' groups of a level (``area_groups``) and the signals per area, month and domain
    (``cube_area_months``), so that a grouping by area runs as two statements of half the
    groups each and :data:`PARENTS` is joined with the stored groups."""
    leads = request.param != "signals"
    grouped = request.param == "grouped"
    schema = "lead_times"
    eng = _pg_engine(pg_url, schema, leads=leads, parents=PARENTS if grouped else None)
    assert (eng.leads is not None) == leads
    if grouped:  # both groupings by area in halves, the parents joined
        assert len(eng.lead_shards(AREA_CODE, None)) == 2
        assert len(eng.lead_shards(AREA_CODE, PARENTS)) == 2
        assert "area_groups" in eng.lead_group(AREA_CODE, PARENTS).join
    yield eng
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.subprocess
def test_lead_times_in_postgresql_equal_pandas(pg_signals: PostgresEngine) -> None:
    """From the signals or from ``signal_leads``: every table equals pandas' to the last
    digit."""
    assert _compare(pg_signals) == len(CASES) * len(GROUPINGS) * 3 + 6


@pytest.mark.subprocess
def test_lead_time_cuts_in_postgresql_equal_pandas(pg_signals: PostgresEngine) -> None:
    """Several groupings from one statement, from the signals or from ``signal_leads``: each
    equals pandas' table to the last digit."""
    assert _compare_cuts(pg_signals) == (len(CASES) + 3) * 3 * len(CUT_GROUPINGS)


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "order",
    [(0, 1), (1, 0), (2, 0, 1), (3, 0), (0, 4, 2), (1, 2)],
    ids=[
        "overall,theme",
        "theme,overall",
        "channel,overall,theme",
        "area,overall",
        "overall,parent,channel",
        "theme,channel",
    ],
)
def test_lead_time_cuts_in_any_order_equal_each_grouping_alone(
    pg_signals: PostgresEngine, order: tuple[int, ...]
) -> None:
    """PostgreSQL gets the overall grouping in one statement with a grouping by a column
    (its ranks read from the column's sorted groups), whatever the order asked: each cut
    equals that grouping's alone."""
    groupings = [CUT_GROUPINGS[i][0] for i in order]
    for case in (CASES[0], CASES[3], CASES[6]):
        choices = _choices(case)
        cuts = lead_sql.lead_time_cuts(pg_signals, groupings, norm_days=10, **choices)
        assert len(cuts) == len(groupings)
        for grouping, cut in zip(groupings, cuts, strict=True):
            alone = lead_sql.lead_time_cuts(pg_signals, [grouping], norm_days=10, **choices)[0]
            assert_frame_equal(
                cut.sort_values("g").reset_index(drop=True),
                alone.sort_values("g").reset_index(drop=True),
                check_exact=True,
                check_dtype=False,  # a whole number column is float where another group's is
                obj=str((grouping, case)),  # missing (as from the other engines' one statement)
            )


@pytest.mark.subprocess
def test_signal_leads_hold_each_signals_lead_time(pg_signals: PostgresEngine) -> None:
    """``signal_leads`` has one row per signal, in order of the month received, the domain, the
    channel, the area code (their bytes; none last) and the time received, with its lead time
    in whole microseconds as pandas computes it (NULL while open)."""
    if pg_signals.leads is None:
        pytest.skip("the engine reads the signals")
    got = pg_signals.query(
        f'SELECT "received_at", "lead_us", "record_key", "theme", "domain", "channel", '
        f'"area_code" FROM {pg_signals.leads}'
    )
    assert len(got) == len(SIGNALS)
    months = got["received_at"].dt.to_period("M")
    texts = [[c_order(v) for v in got[c]] for c in ("domain", "channel", "area_code")]
    on_disk = list(zip(months, *texts, got["received_at"], strict=True))
    assert on_disk == sorted(on_disk)
    assert got["area_code"].nunique() > 5 and got["channel"].nunique() > 1
    assert not got["received_at"].is_monotonic_increasing
    got = got.drop(columns=["domain", "channel", "area_code"])
    lead = (SIGNALS["closed_at"] - SIGNALS["received_at"]) // pd.Timedelta(microseconds=1)
    want = pd.DataFrame(
        {
            "received_at": SIGNALS["received_at"].astype("datetime64[us]"),
            "lead_us": lead.astype("Int64"),
            "record_key": SIGNALS["record_key"].astype("int64"),
            "theme": SIGNALS["theme"].astype("str"),
        }
    )
    got = got.astype(
        {
            "received_at": "datetime64[us]",
            "lead_us": "Int64",
            "record_key": "int64",
            "theme": "str",
        }
    )
    assert got["lead_us"].isna().sum() == SIGNALS["closed_at"].isna().sum() > 0

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values(list(frame.columns), ignore_index=True, na_position="first")

    assert_frame_equal(ordered(got), ordered(want))


@pytest.mark.subprocess
def test_the_overall_ranks_read_from_the_sorted_groups_equal_a_sort_of_all(pg_url: str) -> None:
    """PostgreSQL reads the overall grouping's ranks among the sorted groups of the grouping
    by theme or channel it is paired with (``lead_sql._with_overall``: bounds from every m-th
    value of each group, m about 80 here): on 60,000 messy signals (ties, negative and zero
    lead times, groups without a closed signal, signals without a theme) the overall table
    equals that of the overall grouping alone (every lead time sorted) and pandas'."""
    schema = "lead_overall"
    eng = _pg_engine(pg_url, schema, leads=True, parents=None, signals=_messy_signals(11, 60_000))
    signals = _as_read(_messy_signals(11, 60_000))
    sent = _recorded(eng)
    try:
        for by in ("theme", "channel"):
            for case in CASES:
                choices = _choices(case)
                pair = [lead_sql.LeadGrouping(by=by), lead_sql.LeadGrouping(by=None)]
                sent.clear()
                cuts = lead_sql.lead_time_cuts(eng, pair, norm_days=10, **choices)
                assert len(sent) == 1 and "width_bucket" in sent[0][0]
                alone = lead_sql.lead_time_cuts(eng, pair[1:], norm_days=10, **choices)[0]
                assert "width_bucket" not in sent[-1][0]
                assert_frame_equal(  # a column is float where another group has none
                    cuts[1], alone, check_exact=True, check_dtype=False, obj=str((by, case))
                )
                want = _reference(
                    signals,
                    **{"themes": (), "channels": (), **case},
                    by=None,
                    per_area=None,
                    norm=10,
                    ptable=None,
                )
                got = aggregate.lead_times_of_cut(cuts[1], by=None)
                assert_frame_equal(got, want, check_exact=True, check_index_type=False)
                if case is CASES[0]:  # every signal: m about 80, bounds on both sides
                    assert got["afgesloten"].sum() > 40_000
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.subprocess
def test_the_overall_ranks_at_the_bounds_of_one_group(pg_url: str) -> None:
    """One group of 400 distinct lead times (1 to 400 hours): m is 20, and the ranks read
    (199 and 200 for the median, 359 and 360 for the 90th percentile) fall on its every
    20th value, where a bound one off would leave the value out."""
    signals = _messy_signals(5, 400).iloc[:400].copy()
    start = pd.Timestamp("2025-03-02")
    hours = np.random.default_rng(5).permutation(np.arange(1, 401))
    signals["received_at"] = start
    signals["closed_at"] = start + pd.to_timedelta(hours, unit="h")
    signals["theme"], signals["domain"], signals["channel"] = "schuld", "sociaal", "app"
    schema = "lead_bounds"
    eng = _pg_engine(pg_url, schema, leads=True, parents=None, signals=signals)
    try:
        choices = {"start": "2025-03", "end": "2025-03", "domains": ("sociaal",)}
        pair = [lead_sql.LeadGrouping(by="theme"), lead_sql.LeadGrouping(by=None)]
        overall = lead_sql.lead_time_cuts(eng, pair, norm_days=10, **choices)[1]
        hour = 3600 * lead_sql.LEAD_TIME_UNIT
        row = overall.iloc[0]
        assert (row["lt0"], row["v0"], row["above0"]) == (199, 200 * hour, 201 * hour)
        assert (row["lt1"], row["v1"], row["above1"]) == (359, 360 * hour, 361 * hour)
        alone = lead_sql.lead_time_cuts(eng, pair[1:], norm_days=10, **choices)[0]
        assert_frame_equal(overall, alone, check_exact=True, check_dtype=False)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.subprocess
def test_halves_of_groups_whose_areas_interleave_equal_one_statement(pg_url: str) -> None:
    """Each half of a grouping by stored groups also keeps the signals' area codes between its
    areas' first and last code (pages of the other half's areas left unread): where the
    groups' order is not their areas' (the first group's areas around the second's), the
    halves still give exactly the table of the statement that looks each signal up."""
    crossed = {"A1": "A", "B2": "A", "A2": "B", "B1": "B"}
    schema = "lead_crossed"
    eng = _pg_engine(pg_url, schema, leads=True, parents=crossed)
    lookup = _pg_engine(pg_url, schema, leads=True, parents=crossed)
    lookup._area_set = None  # as a store written before area_groups
    sent = _recorded(eng)
    try:
        shards = eng.lead_shards(AREA_CODE, crossed)
        assert [s[1:] for s in shards] == [(None, "B"), ("B", None)]
        # the areas' bounds of each half: A1..B2 around A2..B1
        assert eng.lead_group(AREA_CODE, crossed, shards[0]).condition_values == ["A1", "B2"]
        assert eng.lead_group(AREA_CODE, crossed, shards[1]).condition_values == ["A2", "B1"]
        grouping = lead_sql.LeadGrouping(by=None, groups=crossed)
        for case in CASES:
            choices = _choices(case)
            sent.clear()
            halves = lead_sql.lead_time_cuts(eng, [grouping], norm_days=10, **choices)[0]
            assert len(sent) == 2 and [p[-2:] for _, p in sent] in (
                [["A1", "B2"], ["A2", "B1"]],
                [["A2", "B1"], ["A1", "B2"]],
            )
            whole = lead_sql.lead_time_cuts(lookup, [grouping], norm_days=10, **choices)[0]
            assert_frame_equal(
                halves.sort_values("g").reset_index(drop=True),
                whole.sort_values("g").reset_index(drop=True),
                check_exact=True,
                check_dtype=False,
                obj=str(case),
            )
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.subprocess
def test_a_mapping_changed_after_a_first_cut_is_not_taken_for_the_stored_one(
    pg_signals: PostgresEngine,
) -> None:
    """The engine recognises the mapping it was given last without digesting it again, but
    one changed in place since (A1 moved to B) is compared afresh: looked up per signal, the
    same table as from a new mapping of the same pairs."""
    if pg_signals.lead_shards(AREA_CODE, None) == []:
        pytest.skip("no groups stored")
    choices = {"start": "2024-11", "end": "2025-12", "domains": ("fysiek", "sociaal", "overig")}
    groups = dict(PARENTS)
    first = lead_sql.lead_time_cut(pg_signals, by=None, groups=groups, norm_days=10, **choices)
    assert "area_groups" in pg_signals.lead_group(AREA_CODE, groups).join
    groups["A1"] = "B"
    again = lead_sql.lead_time_cut(pg_signals, by=None, groups=groups, norm_days=10, **choices)
    assert pg_signals.lead_group(AREA_CODE, groups).join == ""
    fresh = lead_sql.lead_time_cut(
        pg_signals, by=None, groups=dict(groups), norm_days=10, **choices
    )
    assert_frame_equal(again, fresh, check_exact=True)
    counts = dict(zip(again["g"], again["ontvangen"], strict=True))
    before = dict(zip(first["g"], first["ontvangen"], strict=True))
    assert counts["A"] < before["A"] and counts["B"] == before["A"] + before["B"] - counts["A"]


@pytest.mark.subprocess
def test_groups_other_than_the_stored_ones_are_looked_up_per_signal(
    pg_signals: PostgresEngine,
) -> None:
    """Only the exact mapping stored as a level's groups is joined with them; any other (one
    area fewer, one area in another group, one group whose text spells the stored pairs) is
    looked up per signal in one statement, and still summed as asked."""
    if pg_signals.lead_shards(AREA_CODE, None) == []:
        pytest.skip("no groups stored")
    fewer = {code: group for code, group in PARENTS.items() if code != "B2"}
    moved = {**PARENTS, "B2": "A"}
    # one group whose text reads as the stored pairs written one per line
    lines = {"A1": "A\nA2\tA\nB1\tB\nB2\tB"}
    for other in (fewer, moved, lines):
        assert pg_signals.lead_group(AREA_CODE, other).join == ""
        assert pg_signals.lead_shards(AREA_CODE, other) == []
    case = {"start": "2024-11", "end": "2025-12", "domains": ("fysiek", "sociaal", "overig")}
    moved_cut = lead_sql.lead_time_cut(pg_signals, by=None, groups=moved, norm_days=10, **case)
    area_cut = lead_sql.lead_time_cut(pg_signals, by=AREA_CODE, norm_days=10, **case)
    counts = area_cut.set_index("g")["ontvangen"]
    assert moved_cut.set_index("g")["ontvangen"].to_dict() == {
        "A": counts["A1"] + counts["A2"] + counts["B2"],
        "B": counts["B1"],
    }
