"""The command line: ``python -m regie_analytics {demo,boundaries,population,import,...}``.

Messages are Dutch and never a traceback. Exit codes: 0 success; 2 input or store refused
(a Dutch message on stderr naming the file, row and column, or the disk problem); 1 an
unexpected error (a Dutch message with a reference such as ``RA-1A2B3C``; the traceback is in
the log file, ``$REGIE_LOG`` or ``regie-analytics.log`` in the temporary folder). Every
import, taxonomy change and export is recorded in the store's audit log (``audit``).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from regie_analytics import aggregate, audit, cbs, geo, incidents, workflow
from regie_analytics.formatting import fmt_levels
from regie_analytics.io.parse import DATE_ORDERS
from regie_analytics.io.presets import PRESETS
from regie_analytics.io.readers import file_sha256
from regie_analytics.limits import Limits, parse_setting_date
from regie_analytics.schema import ANALYSES, LEVELS, InputError
from regie_analytics.store import DEFAULT_STORE, Store

EXIT_REJECTED = 2
EXIT_INTERNAL = 1
_FILE_ERRORS = {
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "de schijfruimte (quotum) is op",
    errno.EROFS: "de schijf mag alleen gelezen worden",
    errno.EACCES: "daarvoor is geen toestemming",
    errno.EPERM: "daarvoor is geen toestemming",
    errno.ENOENT: "het bestand of de map bestaat niet",
    errno.EISDIR: "dat is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is geen map",
}
"""Problems with a file the user named (``--out``, an input): explained, not a bug."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"fout: {_dutch_argparse(message)}\n")
        raise SystemExit(EXIT_REJECTED)


def _dutch_argparse(message: str) -> str:
    replacements = {
        "the following arguments are required": "deze argumenten zijn verplicht",
        "invalid choice": "ongeldige keuze",
        "choose from": "kies uit",
        "unrecognized arguments": "onbekende argumenten",
        "expected one argument": "verwacht één waarde",
        "argument": "argument",
    }
    for en, nl in replacements.items():
        message = message.replace(en, nl)
    return message


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=Path(os.environ.get("REGIE_STORE") or DEFAULT_STORE),
        help=f"map van de store (standaard: $REGIE_STORE, anders {DEFAULT_STORE})",
    )


def _add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="bestand, map of zip om te importeren")
    parser.add_argument("--preset", required=True, choices=PRESETS, help="soort export")
    _add_store(parser)
    parser.add_argument("--boundaries", type=Path, help="grenzenbestand (GeoJSON, GPKG, zip)")
    parser.add_argument("--area-code-column", help="kolom met de gebiedscode in de grenzen")
    parser.add_argument("--gemeente", help="alleen deze gemeente uit de grenzen (GM....)")
    parser.add_argument("--taxonomy", type=Path, help="eigen taxonomiebestand (CSV)")
    parser.add_argument("--mapping", type=Path, help="koppelbestand met kolomnamen (JSON)")
    parser.add_argument("--source", help="naam van het bronsysteem (standaard: de preset)")
    parser.add_argument(
        "--earliest-date",
        help="vroegste geloofwaardige datum, JJJJ-MM-DD (standaard REGIE_EARLIEST_DATE of "
        "2000-01-01)",
    )
    parser.add_argument(
        "--latest-date",
        help="laatste geloofwaardige datum, JJJJ-MM-DD (standaard REGIE_LATEST_DATE of morgen)",
    )
    parser.add_argument(
        "--date-order",
        choices=DATE_ORDERS,
        help="volgorde in datums als 03-04-2025 als de kolom die niet laat zien: dmy "
        "(dag-maand) of mdy (maand-dag)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m regie_analytics",
        description="Regie Analytics: meldingen per buurt en domein.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="bouw de store met gegenereerde demodata (Amsterdam)")
    _add_store(demo)
    demo.add_argument("--seed", type=int, default=20261127, help="toevalszaad")
    demo.add_argument("--scale", type=float, default=1.0, help="volume (1.0 = ca. 3 jaar)")
    demo.add_argument("--keep-files", type=Path, help="bewaar de gegenereerde exportbestanden")

    bnd = sub.add_parser(
        "boundaries",
        help="download de CBS Wijken en Buurten van een gemeente bij PDOK (GeoPackage)",
    )
    bnd.add_argument("--gemeente", required=True, help="CBS-code van de gemeente, zoals GM0106")
    bnd.add_argument(
        "--jaar", type=int, default=cbs.DEFAULT_YEAR, help=f"jaar (standaard {cbs.DEFAULT_YEAR})"
    )
    bnd.add_argument(
        "--niveau",
        default="buurt",
        choices=tuple(cbs.COLLECTIONS),
        help="fijnste niveau: buurt (standaard), wijk of gemeente",
    )
    bnd.add_argument("--out", required=True, type=Path, help="uitvoerbestand (.gpkg of .geojson)")
    bnd.add_argument(
        "--opnieuw", action="store_true", help="opnieuw downloaden, ook als de cache hem heeft"
    )

    pop = sub.add_parser(
        "population",
        help="inwonertallen uit een StatLine-export (Kerncijfers wijken en buurten, CSV)",
    )
    pop.add_argument("path", type=Path, help="de CSV-export van StatLine")
    _add_store(pop)
    pop.add_argument(
        "--jaar", type=int, help="jaar van de kerncijfers (als het bestand het niet zegt)"
    )

    imp = sub.add_parser("import", help="importeer een export in de store")
    _add_import_options(imp)

    val = sub.add_parser("validate", help="controleer een export; er wordt niets geschreven")
    _add_import_options(val)
    val.add_argument("--json", action="store_true", help="rapport als JSON")

    info = sub.add_parser("info", help="wat staat er in de store")
    _add_store(info)
    info.add_argument("--json", action="store_true", help="als JSON")

    recl = sub.add_parser(
        "reclassify", help="deel alle gegevens in de store opnieuw in met een taxonomie"
    )
    _add_store(recl)
    recl.add_argument("--taxonomy", required=True, type=Path, help="taxonomiebestand (CSV)")

    upgrade = sub.add_parser(
        "upgrade", help="geef een store van een oudere versie de celsleutels (bescherming)"
    )
    _add_store(upgrade)

    counts = sub.add_parser("counts", help="aantallen per gebied uit de kubus, als CSV")
    _add_store(counts)
    counts.add_argument(
        "--level", choices=LEVELS, help="gebiedsniveau (standaard het fijnste van de store)"
    )
    counts.add_argument(
        "--by",
        default="",
        help=f"uitsplitsen naar, komma-gescheiden: {','.join(aggregate.GROUPINGS)}",
    )
    counts.add_argument("--period", help="maanden VAN:TOT, bijvoorbeeld 2025-01:2025-12")
    counts.add_argument("--out", required=True, type=Path, help="uitvoerbestand (.csv)")

    export = sub.add_parser(
        "export",
        help="beschermde tabel per gebied, als CSV (hetzelfde bestand als de download op de Kaart)",
    )
    _add_store(export)
    export.add_argument(
        "--level", choices=LEVELS, help="gebiedsniveau (standaard het fijnste van de store)"
    )
    export.add_argument(
        "--period", help="maanden VAN:TOT, bijvoorbeeld 2025-01:2025-12 (standaard: 12 maanden)"
    )
    export.add_argument(
        "--domain",
        nargs="+",
        choices=("fysiek", "sociaal", "overig"),
        help="domeinen (standaard: fysiek en sociaal)",
    )
    export.add_argument("--theme", nargs="+", help="thema's (standaard: alle)")
    export.add_argument("--channel", nargs="+", help="kanalen (standaard: alle)")
    export.add_argument("--out", required=True, type=Path, help="uitvoerbestand (.csv)")

    analyse = sub.add_parser("analyse", help="ruimtelijke statistiek per gebied, als CSV")
    analyse.add_argument("kind", choices=ANALYSES, help="welke analyse")
    _add_store(analyse)
    analyse.add_argument(
        "--level",
        choices=("gebied", "buurt", "wijk"),
        help="gebiedsniveau (standaard het fijnste van de store)",
    )
    analyse.add_argument("--domain", choices=("fysiek", "sociaal", "overig"), help="domein")
    analyse.add_argument("--theme", help="thema")
    analyse.add_argument(
        "--measure",
        choices=tuple(aggregate.MEASURES),
        help="wat getest wordt (standaard per_1000 als inwonertallen bekend zijn, anders count)",
    )
    analyse.add_argument("--seed", type=int, default=0, help="toevalszaad voor permutaties")
    analyse.add_argument("--period", help="maanden VAN:TOT, bijvoorbeeld 2025-01:2025-12")
    analyse.add_argument("--out", required=True, type=Path, help="uitvoerbestand (.csv)")

    rep = sub.add_parser("report", help="rapport voor de raad: dia's (pptx), PDF of PNG's")
    _add_store(rep)
    rep.add_argument(
        "--format", required=True, choices=("pptx", "pdf", "png-zip"), help="soort rapport"
    )
    rep.add_argument(
        "--area", help="gebiedscode: een profiel van dit gebied (buurt, wijk of stadsdeel)"
    )
    rep.add_argument(
        "--period", help="maanden VAN:TOT, bijvoorbeeld 2025-01:2025-12 (standaard: 12 maanden)"
    )
    rep.add_argument(
        "--level",
        choices=("gebied", "buurt", "wijk"),
        help="niveau van de kaart (standaard het fijnste van de store)",
    )
    rep.add_argument(
        "--theme",
        action="append",
        help="alleen dit thema (herhaal voor meer thema's), bijvoorbeeld 'schoon'",
    )
    rep.add_argument(
        "--template",
        type=Path,
        help="PowerPoint-sjabloon (.pptx) met de huisstijl van de gemeente (alleen pptx)",
    )
    rep.add_argument("--out", required=True, type=Path, help="uitvoerbestand")

    log = sub.add_parser(
        "audit", help="het logboek: elke import, taxonomiewijziging en export (wie, wat, wanneer)"
    )
    _add_store(log)
    log.add_argument("--since", help="vanaf deze datum (JJJJ-MM-DD)")
    log.add_argument("--json", action="store_true", help="als JSON")
    return parser


def _record(
    store: Path,
    action: str,
    details: dict[str, object],
    *,
    file_hash: str | None,
    rows: int | None,
) -> None:
    """Record a command's import, taxonomy change or export in the store's audit log."""
    audit.record(
        store,
        user=audit.cli_user(),
        role=audit.CLI_ROLE,
        action=action,
        details=details,
        file_hash=file_hash,
        rows=rows,
    )


def _write_export(
    args: argparse.Namespace, data: bytes, details: dict[str, object], *, rows: int | None
) -> None:
    """Write an export to ``--out`` and record it in the audit log."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    details = {**details, "bestand": str(args.out)}
    _record(args.store, audit.EXPORT, details, file_hash=audit.file_hash(data), rows=rows)


def _print_report(lines: list[str]) -> None:
    print("\n".join(lines))


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", flush=True)

    reports = workflow.build_demo(
        Store(args.store),
        seed=args.seed,
        scale=args.scale,
        keep_files=args.keep_files,
        progress=progress,
    )
    for report in reports:
        _print_report(report.lines())
    _record(
        args.store,
        audit.IMPORT,
        {"bestand": "demodata (GEGENEREERD)", "seed": args.seed, "schaal": args.scale},
        file_hash=None,
        rows=sum(report.imported for report in reports),
    )
    print(
        f"Demo-store gebouwd in {args.store} in {time.perf_counter() - started:.1f} s "
        "(GEGENEREERDE gegevens, geen echte meldingen)."
    )
    return 0


def _import_kwargs(args: argparse.Namespace) -> dict[str, object]:
    dates = {
        key: parse_setting_date(value, setting=option)
        for key, option, value in (
            ("earliest", "--earliest-date", args.earliest_date),
            ("latest", "--latest-date", args.latest_date),
        )
        if value
    }
    return {
        "limits": Limits.from_env(**dates),
        "date_order": args.date_order,
        "preset": args.preset,
        "store": Store(args.store),
        "boundaries": args.boundaries,
        "code_column": args.area_code_column,
        "gemeente": args.gemeente,
        "taxonomy": args.taxonomy,
        "mapping": args.mapping,
        "source": args.source,
    }


def cmd_boundaries(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    download = cbs.download_wijken_en_buurten(
        args.gemeente, year=args.jaar, level=args.niveau, refresh=args.opnieuw
    )
    out = cbs.write_boundaries(download, args.out)
    info = geo.boundaries_fingerprint(out, gemeente=download.gemeente)
    print(f"{download.describe()}; geschreven naar {out}")
    print(f"  niveaus: {', '.join(info['levels'])}")
    print(f"  inwoners: {info['population']}")
    print(f"  cache: {download.cached}")
    print(
        f"Klaar in {time.perf_counter() - started:.1f} s. Gebruik de grenzen bij de eerste "
        f"import: python -m regie_analytics import EXPORT --preset ... --boundaries {out}"
    )
    return 0


def cmd_population(args: argparse.Namespace) -> int:
    match = workflow.import_population(Store(args.store), args.path, year=args.jaar)
    _record(
        args.store,
        audit.POPULATION,
        {"bestand": args.path.name, "inwoners": match.text},
        file_hash=file_sha256(args.path),
        rows=match.matched,
    )
    print("\n".join(match.lines()))
    print(f"Inwonertallen opgeslagen in {args.store}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    new_store = not Store(args.store).exists()
    if new_store and args.boundaries is None:
        sys.stderr.write(
            "Let op: de store is nieuw en er zijn geen grenzen opgegeven; de meegeleverde "
            f"Amsterdamse buurten ({geo.DEFAULT_BOUNDARIES.name}) worden gebruikt. Geef "
            "--boundaries voor een andere gemeente (python -m regie_analytics boundaries "
            "--gemeente GM.... --out grenzen.gpkg).\n"
        )
    report = workflow.import_file(args.path, **_import_kwargs(args))  # type: ignore[arg-type]
    extra = {"taxonomie": args.taxonomy.name} if args.taxonomy else {}
    if new_store:
        extra["grenzen"] = (args.boundaries or geo.DEFAULT_BOUNDARIES).name
    details = audit.import_details(report, **extra)
    _record(
        args.store, audit.IMPORT, details, file_hash=file_sha256(args.path), rows=report.imported
    )
    _print_report(report.lines())
    if report.imported == 0:
        print("Niets toegevoegd: alle bruikbare rijen stonden al in de store.")
    print(f"Import voltooid in {time.perf_counter() - started:.1f} s; store: {args.store}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    prepared, _ = workflow.validate(args.path, **_import_kwargs(args))  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(prepared.report.to_dict(), indent=1, ensure_ascii=False, default=str))
    else:
        _print_report(prepared.report.lines())
        print("Controle klaar; er is niets geschreven.")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    info = Store(args.store).info()
    if args.json:
        print(json.dumps(info, indent=1, ensure_ascii=False, default=str))
        return 0
    if info.get("leeg"):
        print(
            f"De store in {info['store']} is leeg. Bouw de demo met "
            "'python -m regie_analytics demo' of importeer een export."
        )
        return 0
    n = lambda v: f"{v:,}".replace(",", ".")  # noqa: E731
    lines = [
        f"Store: {info['store']} (versie {info['versie']})",
        "  LET OP: gegenereerde demodata, geen echte meldingen" if info["gegenereerd"] else "",
        f"  gemeente: {info['gemeente_naam'] or '(geen of meer dan één)'}",
        f"  grenzen: {info['grenzen'].get('file')} ({fmt_levels(info['niveaus'])})",
        f"  inwoners: {info['inwoners']}",
        f"  taxonomie: {info['taxonomie'].get('file')}",
        f"  periode: {info['eerste_maand']} t/m {info['laatste_maand']}"
        if info["eerste_maand"]
        else "  periode: nog geen signalen; importeer een export",
        f"  meldingen: {n(info['meldingen_totaal'])}, waarvan in een gebied "
        f"{n(info['meldingen_in_gebied'])}, buiten gebied {n(info['buiten_gebied'])}, "
        f"zonder locatie {n(info['zonder_locatie'])}, domein overig {n(info['overig_domein'])}",
        "  per domein: " + ", ".join(f"{k} {n(v)}" for k, v in info["per_domein"].items()),
        "  imports:",
    ]
    for imp in info["imports"]:
        lines.append(
            f"    {imp['id']}. {imp['file']} (preset {imp['preset']}, bron {imp['source']}): "
            f"{n(imp['rows_imported'])} van {n(imp['rows_read'])} rijen, {imp['imported_at']}"
        )
    print("\n".join(line for line in lines if line))
    return 0


def cmd_reclassify(args: argparse.Namespace) -> int:
    from regie_analytics.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(args.taxonomy)
    result = Store(args.store).reclassify(
        taxonomy, taxonomy_info={"file": args.taxonomy.name, "rows": len(taxonomy.table)}
    )
    _record(
        args.store,
        audit.TAXONOMY,
        audit.taxonomy_details(taxonomy, result),
        file_hash=audit.file_hash(taxonomy.to_csv_bytes()),
        rows=len(taxonomy.table),
    )
    n = lambda v: f"{v:,}".replace(",", ".")  # noqa: E731
    print(
        f"Store opnieuw ingedeeld met {args.taxonomy.name}: nog niet ingedeeld (overig) "
        f"{n(result['overig_voor'])} -> {n(result['overig_na'])} signalen."
    )
    return 0


def _period(cube: pd.DataFrame, text: str | None) -> tuple[str | None, str | None]:
    """The months of ``--period`` (see :func:`aggregate.parse_period`), checked against the
    months in the cube; (None, None) without it."""
    if not text:
        return None, None
    return aggregate.parse_period(text, months=aggregate.months_in(cube))


def cmd_upgrade(args: argparse.Namespace) -> int:
    store = Store(args.store)
    manifest = store.manifest()
    store.reclassify(store.taxonomy(), taxonomy_info=manifest.get("taxonomy"))
    print(
        f"Store {args.store} bijgewerkt: elke melding heeft een celsleutel; de aantallen zijn "
        "niet veranderd."
    )
    return 0


EXACT_WARNING = (
    "Let op: exacte aantallen, niet beschermd; niet voor publicatie of om te delen. Een "
    "beschermde tabel maakt 'python -m regie_analytics export'.\n"
)


def _level(areas: pd.DataFrame, level: str | None) -> str:
    """``--level``, or the finest level of the store's boundaries."""
    return level or geo.available_levels(areas)[0]


def cmd_counts(args: argparse.Namespace) -> int:
    store = Store(args.store)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    cube, areas = store.cube(), store.areas()
    start, end = _period(cube, args.period)
    cube = aggregate.filter_cube(cube, start=start, end=end)
    args.level = _level(areas, args.level)
    table = aggregate.roll_up(cube, areas, level=args.level, by=by)
    _write_export(
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
    from regie_analytics import report

    store = Store(args.store)
    cube = store.cube()
    months = aggregate.months_in(cube)
    start, end = _period(cube, args.period)
    preset = "aangepast" if args.period else "laatste 12 maanden"
    start, end = aggregate.resolve_period(months, preset, start=start, end=end)
    aggregate.check_choices(cube, domains=args.domain, themes=args.theme, channels=args.channel)
    present = [d for d in ("fysiek", "sociaal", "overig") if d in set(cube["domain"])]
    domains = list(dict.fromkeys(args.domain or [d for d in present if d != "overig"] or present))
    themes = list(dict.fromkeys(args.theme)) if args.theme else None
    channels = list(dict.fromkeys(args.channel)) if args.channel else None
    selected = aggregate.filter_cube(
        cube, start=start, end=end, domains=domains, themes=themes, channels=channels
    )
    areas = store.areas()
    args.level = _level(areas, args.level)
    table = report.area_download(selected, areas, level=args.level)
    details = {
        "formaat": "csv (beschermd)",
        "niveau": args.level,
        "periode": f"{start}:{end}",
        "domein": ",".join(domains),
        "thema": ",".join(themes or []),
        "kanaal": ",".join(channels or []),
    }
    _write_export(args, report.to_csv_bytes(table), details, rows=len(table) - 1)
    n_areas = f"{len(table) - 2:,}".replace(",", ".")
    print(f"Beschermde tabel ({n_areas} gebieden, {start} t/m {end}) geschreven naar {args.out}.")
    if store.manifest().get("generated"):
        print("Let op: de store bevat gegenereerde demodata.")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from regie_analytics import insights  # heavy (PySAL): only for this command

    started = time.perf_counter()
    store = Store(args.store)
    cube, areas = store.cube(), store.areas()
    start, end = _period(cube, args.period)
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
    _write_export(args, result.to_csv(index=False).encode(), details, rows=len(result))
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
    from regie_analytics import report
    from regie_analytics.formatting import fmt_num

    started = time.perf_counter()
    store = Store(args.store)
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
    _write_export(args, data, details, rows=None)
    print(
        f"Rapport ({args.format}) geschreven naar {args.out} in "
        f"{fmt_num(time.perf_counter() - started, 1)} s."
    )
    if store.manifest().get("generated"):
        print("Let op: de store bevat gegenereerde demodata; dat staat op elke pagina.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    since = audit.parse_since(args.since) if args.since else None
    log = audit.read(args.store, since=since)
    for warning in log.warnings():
        sys.stderr.write(f"Let op: {warning}\n")
    if args.json:
        print(json.dumps(log.records, indent=1, ensure_ascii=False))
    elif not log.records:
        when = f" sinds {since.isoformat()}" if since else ""
        print(f"Het logboek van {args.store} heeft geen regels{when}.")
    else:
        print("\n".join(audit.lines(log)))
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "boundaries": cmd_boundaries,
    "population": cmd_population,
    "import": cmd_import,
    "validate": cmd_validate,
    "info": cmd_info,
    "counts": cmd_counts,
    "export": cmd_export,
    "analyse": cmd_analyse,
    "reclassify": cmd_reclassify,
    "upgrade": cmd_upgrade,
    "report": cmd_report,
    "audit": cmd_audit,
}


@contextmanager
def _log_to_file() -> Iterator[Path]:
    """While a command runs, the package's log (tracebacks of unexpected errors) goes to a
    file, ``$REGIE_LOG`` or ``regie-analytics.log`` in the temporary folder, not the terminal."""
    path = Path(os.environ.get("REGIE_LOG") or Path(tempfile.gettempdir()) / "regie-analytics.log")
    logger = logging.getLogger("regie_analytics")
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. Nothing but Dutch messages reaches the
    user: input and disk problems are explained (exit 2), anything else gets a reference to
    the log (exit 1)."""
    args = build_parser().parse_args(argv)
    with _log_to_file() as log:
        return _run(args, log)


def _run(args: argparse.Namespace, log: Path) -> int:
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        sys.stderr.write(f"Fout: {exc}\n")
        return EXIT_REJECTED
    except OSError as exc:
        if exc.errno not in _FILE_ERRORS or not exc.filename:
            return _internal(exc, args.command, log)
        reason = _FILE_ERRORS[exc.errno]
        sys.stderr.write(
            f"Fout: bestand '{Path(exc.filename).name}': kan niet worden gelezen of "
            f"geschreven: {reason}. Wat te doen: kies een ander bestand of een andere map, "
            "of los dat op en probeer het opnieuw.\n"
        )
        return EXIT_REJECTED
    except KeyboardInterrupt:
        sys.stderr.write("Afgebroken. Een onderbroken import laat de store zoals hij was.\n")
        return 130
    except Exception as exc:
        return _internal(exc, args.command, log)


def _internal(exc: BaseException, command: str, log: Path) -> int:
    reference = incidents.record(exc, where=f"opdracht '{command}'")
    extra = ""
    if isinstance(exc, MemoryError):
        extra = " Het werkgeheugen was op: splits de invoer in kleinere delen."
    sys.stderr.write(
        f"Fout: {incidents.message(reference)}{extra} De details staan in het logboek {log}.\n"
    )
    return EXIT_INTERNAL
