"""Commands that bring data into the store or check it: ``demo``, ``boundaries``,
``population``, ``import``, ``validate``, ``reclassify`` and ``upgrade``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from regie_analytics import audit, cbs, geo, workflow
from regie_analytics.cli.common import print_report, record, store_label
from regie_analytics.io.readers import file_sha256
from regie_analytics.limits import Limits, parse_setting_date
from regie_analytics.store import open_store


def cmd_demo(args: argparse.Namespace) -> int:
    """``demo``: build the store from generated demo data (replacing a demo store)."""
    started = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", flush=True)

    reports = workflow.build_demo(
        open_store(args.store),
        seed=args.seed,
        scale=args.scale,
        keep_files=args.keep_files,
        progress=progress,
    )
    for report in reports:
        print_report(report.lines())
    record(
        args.store,
        audit.IMPORT,
        {"bestand": "demodata (GEGENEREERD)", "seed": args.seed, "schaal": args.scale},
        file_hash=None,
        rows=sum(report.imported for report in reports),
    )
    print(
        f"Demo-store gebouwd in {store_label(args.store)} in {time.perf_counter() - started:.1f} s "
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
        "store": open_store(args.store),
        "boundaries": args.boundaries,
        "code_column": args.area_code_column,
        "gemeente": args.gemeente,
        "taxonomy": args.taxonomy,
        "mapping": args.mapping,
        "source": args.source,
    }


def cmd_boundaries(args: argparse.Namespace) -> int:
    """``boundaries``: download a municipality's CBS boundaries from PDOK to a file."""
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
    """``population``: the population per area from a StatLine export, into the store."""
    match = workflow.import_population(open_store(args.store), args.path, year=args.jaar)
    record(
        args.store,
        audit.POPULATION,
        {"bestand": args.path.name, "inwoners": match.text},
        file_hash=file_sha256(args.path),
        rows=match.matched,
    )
    print("\n".join(match.lines()))
    print(f"Inwonertallen opgeslagen in {store_label(args.store)}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``import``: check an export and add it to the store (all or nothing)."""
    started = time.perf_counter()
    new_store = not open_store(args.store).exists()
    if new_store and args.boundaries is None:
        sys.stderr.write(
            "Let op: de store is nieuw en er zijn geen grenzen opgegeven; de meegeleverde "
            f"Amsterdamse buurten ({geo.DEFAULT_BOUNDARIES.name}) worden gebruikt. Geef "
            "--boundaries voor een andere gemeente (python -m regie_analytics boundaries "
            "--gemeente GM.... --out grenzen.gpkg).\n"
        )
    report = workflow.import_file(
        args.path,
        **_import_kwargs(args),  # type: ignore[arg-type]
        generated=True if args.gegenereerd else None,
    )
    extra = {"taxonomie": args.taxonomy.name} if args.taxonomy else {}
    if new_store:
        extra["grenzen"] = (args.boundaries or geo.DEFAULT_BOUNDARIES).name
    details = audit.import_details(report, **extra)
    record(
        args.store, audit.IMPORT, details, file_hash=file_sha256(args.path), rows=report.imported
    )
    print_report(report.lines())
    if report.imported == 0:
        print("Niets toegevoegd: alle bruikbare rijen stonden al in de store.")
    took = time.perf_counter() - started
    print(f"Import voltooid in {took:.1f} s; store: {store_label(args.store)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``validate``: the report of what an import would do; nothing is written."""
    prepared, _ = workflow.validate(args.path, **_import_kwargs(args))  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(prepared.report.to_dict(), indent=1, ensure_ascii=False, default=str))
    else:
        print_report(prepared.report.lines())
        print("Controle klaar; er is niets geschreven.")
    return 0


def cmd_reclassify(args: argparse.Namespace) -> int:
    """``reclassify``: classify everything in the store again with a taxonomy."""
    from regie_analytics.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(args.taxonomy)
    result = open_store(args.store).reclassify(
        taxonomy, taxonomy_info={"file": args.taxonomy.name, "rows": len(taxonomy.table)}
    )
    record(
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


def cmd_upgrade(args: argparse.Namespace) -> int:
    """``upgrade``: give a store of an older version its record and cell keys."""
    store = open_store(args.store)
    manifest = store.manifest()
    store.reclassify(store.taxonomy(), taxonomy_info=manifest.get("taxonomy"))
    print(
        f"Store {store_label(args.store)} bijgewerkt: elke melding heeft een celsleutel; de "
        "aantallen zijn niet veranderd."
    )
    return 0
