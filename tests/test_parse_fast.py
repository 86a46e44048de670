"""Fast paths of the parsers give exactly what the general paths give: plain ISO dates (known
answers for every supported notation, bad values and the day/month order evidence) and batches
of plain decimals in the evidence for a column's number notation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regie_analytics.io.parse import (
    ColumnError,
    DateOrder,
    Notation,
    _general_datetimes,
    parse_datetimes,
)

# value -> expected local naive time ("" where missing, "BAD" where present but not a date)
_KNOWN = {
    "2025-06-29 05:29:12": "2025-06-29 05:29:12",
    "2025-06-29T05:29:12": "2025-06-29 05:29:12",
    "2025-06-29 05:29": "2025-06-29 05:29:00",
    "2025-06-29": "2025-06-29 00:00:00",
    "2024-02-29 23:59:59": "2024-02-29 23:59:59",
    "9999-12-31 00:00:00": "9999-12-31 00:00:00",
    "2025-02-30 00:00:00": "BAD",
    "2025-13-01 10:00:00": "BAD",
    "2025-01-01 25:00:00": "BAD",
    " 2025-06-29 05:29:12 ": "2025-06-29 05:29:12",
    "2025-06-29 05:29:12.5": "2025-06-29 05:29:12.5",
    "2025-06-29T05:29:12+02:00": "2025-06-29 05:29:12",
    "2025-01-15T12:00:00Z": "2025-01-15 13:00:00",
    "2025-07-01T10:00:00+0000": "2025-07-01 12:00:00",
    "2024/12/31 08:00": "2024-12-31 08:00:00",
    "13-02-2025 14:05": "2025-02-13 14:05:00",
    "13.02.2025": "2025-02-13 00:00:00",
    "gisteren": "BAD",
    "2025-6-9": "2025-06-09 00:00:00",
    "": "",
    "   ": "",
}


def _expected(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    answers = [_KNOWN[v] for v in values]
    times = pd.to_datetime(
        pd.Series([a if a not in ("", "BAD") else None for a in answers], dtype="str"),
        format="ISO8601",
    ).astype("datetime64[us]")
    return times.to_numpy(), np.array([a == "BAD" for a in answers])


@pytest.mark.parametrize("size", [1, 3, len(_KNOWN)])
def test_parse_datetimes_known_answers_in_every_mix(size: int) -> None:
    keys = list(_KNOWN)
    for start in range(0, len(keys), size):
        values = [*keys[start : start + size], None]
        series = pd.Series(values, dtype="str", index=pd.RangeIndex(100, 100 + len(values)))
        parsed, bad = parse_datetimes(series, order="dmy")
        times, bad_expected = _expected(values[:-1])
        assert parsed.dtype == "datetime64[us]"
        assert list(parsed.index) == list(series.index)
        np.testing.assert_array_equal(parsed.to_numpy()[:-1], times)
        assert pd.isna(parsed.iloc[-1])
        assert bad.tolist() == [*bad_expected.tolist(), False]


def test_plain_iso_fast_path_equals_general_path() -> None:
    rng = np.random.default_rng(7)
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 3 * 365 * 86400, 5000), unit="s"
    )
    plain = stamps.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    other = np.array(list(_KNOWN), dtype=object)
    values = np.where(rng.random(5000) < 0.1, rng.choice(other, 5000), plain)
    series = pd.Series(values, dtype="str")
    series[rng.random(5000) < 0.05] = None
    for order in ("dmy", "mdy"):
        fast, fast_bad = parse_datetimes(series, order=order)
        slow, slow_bad = _general_datetimes(series, order=order)
        np.testing.assert_array_equal(fast.to_numpy(), slow.to_numpy())
        np.testing.assert_array_equal(fast_bad, slow_bad)
    only_plain = pd.Series(plain, dtype="str")
    parsed, bad = parse_datetimes(only_plain)
    np.testing.assert_array_equal(parsed.to_numpy(), stamps.to_numpy().astype("datetime64[us]"))
    assert not bad.any()


def test_month_first_dates_after_plain_iso_rows() -> None:
    values = pd.Series(["2025-01-02 10:00:00", "02-13-2025 10:00", "2025-12-01"], dtype="str")
    parsed, bad = parse_datetimes(values, order="mdy")
    assert parsed.tolist() == [
        pd.Timestamp("2025-01-02 10:00"),
        pd.Timestamp("2025-02-13 10:00"),
        pd.Timestamp("2025-12-01"),
    ]
    assert not bad.any()


def test_date_order_evidence_skips_plain_iso_rows_but_keeps_rows() -> None:
    origin = pd.DataFrame({"_file": "a.csv", "_row": [2, 3, 4, 5]}, index=[10, 11, 12, 13])
    plain_only = DateOrder()
    plain_only.update(pd.Series(["2025-03-04"] * 4, index=origin.index, dtype="str"), origin=origin)
    assert plain_only.decide() == "dmy"
    assert (plain_only.day_first, plain_only.month_first, plain_only.either) == (None, None, None)

    order = DateOrder()
    values = pd.Series(
        ["2025-03-04 10:00:00", "03-04-2025", "2025-12-13", "04-03-2025"],
        index=origin.index,
        dtype="str",
    )
    order.update(values, origin=origin)
    with pytest.raises(ColumnError) as caught:
        order.decide()
    assert caught.value.row == 3
    assert "'03-04-2025' kan dag-maand of maand-dag zijn" in caught.value.message

    mixed = DateOrder()
    mixed.update(
        pd.Series(["2025-01-01", "13-02-2025", "2025-01-01", "02-13-2025"], index=origin.index),
        origin=origin,
    )
    with pytest.raises(ColumnError) as caught:
        mixed.decide()
    assert caught.value.row == 3
    assert "rij 3: '13-02-2025'" in caught.value.message
    assert "rij 5: '02-13-2025'" in caught.value.message


def _batch(values: list[str | None], first_row: int) -> tuple[pd.Series, pd.DataFrame]:
    index = pd.RangeIndex(first_row, first_row + len(values))
    origin = pd.DataFrame({"_file": "x.csv", "_row": np.asarray(index) + 2}, index=index)
    return pd.Series(values, index=index, dtype="str"), origin


def test_notation_of_decimals_over_batches() -> None:
    batches = [
        ["52", None, "52.37", "4.9"],
        ["-52.371", "4.90", None],  # plain decimals only: nothing new
        [None, None],
        [" 52.5", "1.234.567"],  # a space (general path) and a Dutch grouping
    ]
    notation = Notation(integer=False)
    start = 0
    for values in batches[:3]:
        series, origin = _batch(values, start)
        notation.update(series, origin=origin)
        start += len(values)
    assert notation.seen == {"dot": ("x.csv", 4, "52.37")}
    assert notation.decide() == "en"
    series, origin = _batch(batches[3], start)
    notation.update(series, origin=origin)
    assert notation.seen["nl"] == ("x.csv", 12, "1.234.567")
    with pytest.raises(ColumnError) as caught:
        notation.decide()
    assert "rij 12: '1.234.567'" in caught.value.message
    assert "rij 4: '52.37'" in caught.value.message


def test_notation_after_plain_decimals_still_sees_commas() -> None:
    notation = Notation(integer=False)
    for start, values in ((0, ["52.37", "4.9"]), (2, ["52.38"]), (3, ["52,37", "4.9"])):
        series, origin = _batch(values, start)
        notation.update(series, origin=origin)
    assert set(notation.seen) == {"dot", "comma"}
    assert notation.seen["comma"] == ("x.csv", 5, "52,37")
    with pytest.raises(ColumnError, match="mengt Nederlandse notatie"):
        notation.decide()


def test_plain_iso_parsed_by_arrow_equals_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain ISO dates are cast by Arrow in one go; a batch with a plain date that is no
    date (2025-02-30) falls back to pandas, which marks it: both give the same values."""
    from regie_analytics.io import parse

    plain = [k for k in _KNOWN if parse._plain_iso(pd.Series([k], dtype="str")).all()]
    assert "2025-06-29 05:29" in plain and "2025-02-30 00:00:00" in plain
    good = [v for v in plain if _KNOWN[v] != "BAD"]
    for values in (good, plain, [*good, None, "13-02-2025 14:05"]):
        series = pd.Series(values, dtype="str")
        arrow, arrow_bad = parse_datetimes(series)
        with monkeypatch.context() as patched:
            patched.setattr(parse, "_arrow_iso", lambda text: None)
            slow, slow_bad = parse_datetimes(series)
        pd.testing.assert_series_equal(arrow, slow)
        np.testing.assert_array_equal(arrow_bad, slow_bad)
    assert parse._arrow_iso(pd.Series(good, dtype="str")) is not None
    assert parse._arrow_iso(pd.Series(plain, dtype="str")) is None
