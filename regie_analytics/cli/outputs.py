"""Commands that write a table or a report to ``--out``: ``counts`` (exact), ``export``
(protected), ``analyse`` and ``report``; each is recorded in the audit log."""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from regie_analytics import aggregate, geo
from regie_analytics.cli.common import write_export
from regie_analytics.schema import AREA_CODE, CHANNEL, DOMAIN, OTHER, THEME
from regie_analytics.store import open_store

EXACT_WARNING = (
    "Let op: exacte aantallen, niet beschermd; niet voor publicatie of om te delen. Een "
    "beschermde tabel maakt 'python -m regie_analytics export'.\n"
)


def _level(areas: pd.DataFrame, level: str | None) -> str:
    """``--level``, or the finest level of the store's boundaries."""
    return level or geo.available_levels(areas)[0]


def _period(months: list[str], text: str | None) -> tuple[str | None, str | None]:
    """The months of ``--period`` (see :func:`aggregate.parse_period`), checked against the
    ``months`` with data; (None, None) without it."""
    if not text:
        return None, None
    return aggregate.parse_period(text, months=months)


def cmd_counts(args: argparse.Namespace) -> int:
    """``counts``: exact counts per area from the cube, as CSV (not for publication)."""
    store = open_store(args.store)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    cube, areas = store.cube(), store.areas()
    start, end = _period(aggregate.months_in(cube), args.period)
    cube = aggregate.filter_cube(cube, start=start, end=end)
    args.level = _level(areas, args.level)
    table = aggregate.roll_up(cube, areas, level=args.level, by=by)
    write_export(
        args,
        table.to_csv(index=False).encode(),
        {
            "formaat": "csv (exact)",
            "niveau": args.level,
            "uitsplitsing": ",".join(by),
            "periode": args.period or "",
        },
        rows=len(table),
    )
    sys.stderr.write(EXACT_WARNING)
    print(f"{len(table):,} rijen geschreven naar {args.out}".replace(",", "."))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``export``: the protected table per area, as CSV (the Kaart page's download), from
    the cube cut per area and domain in the store's engine."""
    from regie_analytics import engine, report
    from regie_analytics.export.collect import stored_snapshot

    snap = stored_snapshot(open_store(args.store))
    start, end = _period(snap.months, args.period)
    preset = "aangepast" if args.period else "laatste 12 maanden"
    start, end = aggregate.resolve_period(snap.months, preset, start=start, end=end)
    present = engine.cube_cut(snap.engine, by=(DOMAIN, THEME, CHANNEL))  # what can be chosen
    aggregate.check_choices(present, domains=args.domain, themes=args.theme, channels=args.channel)
    domains = list(
        dict.fromkeys(args.domain or [d for d in snap.domains if d != OTHER] or snap.domains)
    )
    themes = list(dict.fromkeys(args.theme)) if args.theme else None
    channels = list(dict.fromkeys(args.channel)) if args.channel else None
    selected = engine.cube_cut(
        snap.engine,
        by=(AREA_CODE, DOMAIN),
        start=start,
        end=end,
        domains=domains,
        themes=themes,
        channels=channels,
    )
    args.level = _level(snap.areas, args.level)
    table = report.area_download(selected, snap.areas, level=args.level)
    details = {
        "formaat": "csv (beschermd)",
        "niveau": args.level,
        "periode": f"{start}:{end}",
        "domein": ",".join(domains),
        "thema": ",".join(themes or []),
        "kanaal": ",".join(channels or []),
    }
    write_export(args, report.to_csv_bytes(table), details, rows=len(table) - 1)
    n_areas = f"{len(table) - 2:,}".replace(",", ".")
    print(f"Beschermde tabel ({n_areas} gebieden, {start} t/m {end}) geschreven naar {args.out}.")
    if snap.generated:
        print("Let op: de store bevat gegenereerde demodata.")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    """``analyse``: one spatial analysis per area, as CSV."""
    from regie_analytics import insights  # heavy (PySAL): only for this command

    started = time.perf_counter()
    store = open_store(args.store)
    cube, areas = store.cube(), store.areas()
    start, end = _period(aggregate.months_in(cube), args.period)
    args.level = _level(areas, args.level)
    result = insights.run_analysis(
        args.kind,
        cube,
        areas,
        level=args.level,
        domain=args.domain,
        theme=args.theme,
        measure=args.measure,
        seed=args.seed,
        start=start,
        end=end,
    )
    details = {"formaat": "csv (exact)", "analyse": args.kind, "niveau": args.level}
    details.update(domein=args.domain or "", thema=args.theme or "", periode=args.period or "")
    write_export(args, result.to_csv(index=False).encode(), details, rows=len(result))
    sys.stderr.write(EXACT_WARNING)
    print(
        f"Analyse '{args.kind}' ({args.level}): {len(result):,} rijen naar {args.out} "
        f"in {time.perf_counter() - started:.1f} s".replace(",", ".")
    )
    if store.manifest().get("generated"):
        print("Let op: de store bevat gegenereerde demodata.")
    notes = insights.analysis_notes(
        args.kind,
        result,
        areas,
        level=args.level,
        selected=[args.domain] if args.domain else None,
        available=[str(d) for d in cube["domain"].unique()],
    )
    for note in notes:
        sys.stderr.write(f"Let op: {note}\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``report``: the council report as slides, PDF or a zip of PNGs."""
    from regie_analytics import report
    from regie_analytics.formatting import fmt_num

    started = time.perf_counter()
    store = open_store(args.store)
    level = _level(store.areas(), args.level)
    data = report.build_report(
        store,
        fmt=args.format,
        area=args.area,
        period=args.period,
        level=level,
        themes=args.theme,
        template=args.template,
    )
    details = {"formaat": args.format, "gebied": args.area or f"alle gebieden ({level})"}
    details["periode"] = args.period or "laatste 12 maanden"
    if args.theme:
        details["thema's"] = ", ".join(args.theme)
    if args.template:
        details["sjabloon"] = args.template.name
    write_export(args, data, details, rows=None)
    print(
        f"Rapport ({args.format}) geschreven naar {args.out} in "
        f"{fmt_num(time.perf_counter() - started, 1)} s."
    )
    if store.manifest().get("generated"):
        print("Let op: de store bevat gegenereerde demodata; dat staat op elke pagina.")
    return 0
