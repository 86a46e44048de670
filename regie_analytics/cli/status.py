"""Commands that show what the store holds: ``info`` and ``audit`` (the audit log)."""

from __future__ import annotations

import argparse
import json
import sys

from regie_analytics import audit
from regie_analytics.cli.common import store_label
from regie_analytics.formatting import fmt_levels
from regie_analytics.store import open_store


def cmd_info(args: argparse.Namespace) -> int:
    """``info``: what the store holds, as text or JSON."""
    info = open_store(args.store).info()
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


def cmd_audit(args: argparse.Namespace) -> int:
    """``audit``: the audit log, as text or JSON."""
    since = audit.parse_since(args.since) if args.since else None
    log = audit.read(args.store, since=since)
    for warning in log.warnings():
        sys.stderr.write(f"Let op: {warning}\n")
    if args.json:
        print(json.dumps(log.records, indent=1, ensure_ascii=False))
    elif not log.records:
        when = f" sinds {since.isoformat()}" if since else ""
        print(f"Het logboek van {store_label(args.store)} heeft geen regels{when}.")
    else:
        print("\n".join(audit.lines(log)))
    return 0
