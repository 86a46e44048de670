"""The command line's options (``build_parser``), with argparse's own messages in Dutch."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from regie_analytics import aggregate, cbs
from regie_analytics.cli.common import EXIT_REJECTED
from regie_analytics.io.parse import DATE_ORDERS
from regie_analytics.io.presets import PRESETS
from regie_analytics.schema import ANALYSES, DOMAINS, LEVELS
from regie_analytics.store import DEFAULT_STORE, is_database


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


def store_location(text: str) -> str | Path:
    """``--store``: a ``postgresql://`` URL as given, a folder as a path."""
    return text if is_database(text) else Path(text)


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=store_location,
        default=store_location(os.environ.get("REGIE_STORE") or str(DEFAULT_STORE)),
        help="map van de store, of een PostgreSQL-database als postgresql://gebruiker@server/"
        f"database (standaard: $REGIE_STORE, anders {DEFAULT_STORE})",
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
    """The command line's parser: every command and option, with Dutch help and messages."""
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
    imp.add_argument(
        "--gegenereerd",
        action="store_true",
        help="markeer de store als gegenereerde testgegevens (elke pagina en elk rapport zegt "
        "het), zoals het landelijke benchmarkgeval",
    )

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
        choices=DOMAINS,
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
    analyse.add_argument("--domain", choices=DOMAINS, help="domein")
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
