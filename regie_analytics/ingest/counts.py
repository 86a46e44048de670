"""Pre-aggregated counts: each batch checked (month, count, a domain the file gives), located
and classified, then the batches joined and duplicate keys dropped (the first row kept)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie_analytics.ingest.batches import (
    _MATCH,
    _classify,
    _clean_labels,
    _concat,
    _Context,
    _drop,
    _first_of_each,
    _label,
    _locate,
    _report_window,
    _text,
)
from regie_analytics.ingest.report import _fmt
from regie_analytics.ingest.stored import count_keys
from regie_analytics.io.parse import parse_months, parse_numbers
from regie_analytics.schema import (
    CATEGORY,
    CELL_KEY,
    CHANNEL,
    CLASSIFIED_DOMAINS,
    COUNT,
    COUNT_COLUMNS,
    DOMAIN,
    MONTH,
    SOURCE,
    UNKNOWN_CHANNEL,
    InputError,
)
from regie_analytics.taxonomy import MATCH_GIVEN


def _count_batch(ctx: _Context, part: pd.DataFrame) -> pd.DataFrame:
    """One batch of counts: checked, located and classified, with the report's flags."""
    report, extract = ctx.report, ctx.extract
    label_col = "theme" if "theme" in extract.fields else "category"
    months, bad = parse_months(part["period"], order=ctx.orders.get("period", "dmy"))
    bad = bad | (months.isna().to_numpy() & ~bad)
    ctx.tally("period").add(part, bad, "period")
    if bad.any():
        report.bad_dates += int(bad.sum())
        report.add(
            "datum", extract, part.loc[bad], "period", "geen herkenbare maand (JJJJ-MM): '{value}'"
        )
    first_month = ctx.window[0].strftime("%Y-%m")
    last_month = ctx.window[1].strftime("%Y-%m")
    early = (months < first_month).to_numpy() & ~bad
    late = (months > last_month).to_numpy() & ~bad
    _report_window(
        ctx,
        part,
        "period",
        early=(early, f"maand vóór {first_month}"),
        late=(late, "maand in de toekomst"),
    )

    values, bad_num = parse_numbers(part["count"], notation=ctx.notations.get("count", "en"))
    infinite = np.isinf(values.to_numpy())
    bad_num = bad_num | infinite
    values = values.where(~infinite)
    missing = values.isna().to_numpy() & ~bad_num
    negative = (values < 0).to_numpy()
    fractional = (values.notna() & (values != np.floor(values))).to_numpy()
    too_large = (values > ctx.limits.max_count).to_numpy()
    bad_count = bad_num | negative | fractional | missing | too_large
    dated = ~(bad | early | late)
    ctx.tally("count").add(part.loc[dated], bad_count[dated], "count")
    if bad_count.any():
        report.bad_counts += int(bad_count.sum())
        for mask, message in (
            (bad_num | missing, "geen getal: '{value}'"),
            (negative, "negatief aantal: '{value}'"),
            (fractional & ~negative, "geen geheel aantal: '{value}'"),
            (
                too_large & ~fractional,
                f"aantal groter dan {_fmt(ctx.limits.max_count)}, onwaarschijnlijk voor één "
                "gebied, maand en thema (grens REGIE_MAX_COUNT): '{value}'",
            ),
        ):
            if mask.any():
                report.add("aantal", extract, part.loc[mask], "count", message)

    drop = bad | early | late | bad_count
    frame = _drop(part, drop).assign(
        **{MONTH: months[~drop].to_numpy(), COUNT: values[~drop].astype("int64").to_numpy()}
    )
    frame = frame.assign(**{CATEGORY: frame[label_col]})
    frame = _locate(ctx, frame)
    frame = _clean_labels(ctx, frame, (CATEGORY, "channel"))
    given_domain = _text(frame, "domain")
    frame = _classify(ctx, frame)
    if "domain" in extract.fields:
        given = given_domain.astype("str").str.strip().str.lower()
        has = given.notna() & (given != "")
        valid = given.isin(CLASSIFIED_DOMAINS)
        invalid = (has & ~valid).to_numpy()
        if invalid.any():
            first = frame.loc[invalid].iloc[0]
            raise InputError(
                f"onbekend domein '{given_domain[invalid].iloc[0]}'.",
                file=str(first["_file"]),
                row=int(first["_row"]),
                column=extract.columns.get("domain", "domain"),
                hint="gebruik 'fysiek' of 'sociaal', of laat de kolom leeg zodat de taxonomie "
                "het domein bepaalt.",
            )
        from_file = (has & (given != frame[DOMAIN])).to_numpy()
        frame[DOMAIN] = given.where(has, frame[DOMAIN]).to_numpy()
        frame[_MATCH] = np.where(from_file, MATCH_GIVEN, frame[_MATCH].to_numpy())
    frame = frame.assign(**{CHANNEL: _label(_text(frame, "channel"), UNKNOWN_CHANNEL)})
    frame = frame.reset_index(drop=True)
    return pd.DataFrame(
        {
            SOURCE: pd.Series(extract.source, index=frame.index, dtype="str"),
            **{
                c: frame[c].astype("str")
                for c in COUNT_COLUMNS
                if c not in (SOURCE, COUNT, CELL_KEY)
            },
            COUNT: frame[COUNT],
            **{f: frame[f] for f in ("_file", "_row", "_unknown_code", _MATCH, "_cleaned")},
        }
    )


def prepare_counts(ctx: _Context) -> pd.DataFrame:
    """Check, locate and classify pre-aggregated counts (all batches).

    The import key is source + area (as given) + month + label (theme or category) + channel.
    """
    extract = ctx.extract
    chunks = [_count_batch(ctx, part) for part in extract.frames()]
    ctx.tally("period").check(
        extract, "period", "de periode (maand)", hint="of de maanden als JJJJ-MM geschreven zijn."
    )
    ctx.tally("count").check(
        extract, "count", "het aantal", hint="of de aantallen hele getallen zijn (0 of meer)."
    )
    records = _concat(chunks, [*COUNT_COLUMNS])
    del chunks
    return _first_of_each(
        ctx,
        records,
        count_keys(records),
        column="count",
        message="gebied, maand, thema en kanaal komen eerder in het bestand voor (eerste rij "
        "gebruikt)",
    )
