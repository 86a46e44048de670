"""Running one command: ``main`` parses the arguments, sends the package's log to a file and
turns every error into a Dutch message and an exit code (never a traceback)."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from regie_analytics import incidents
from regie_analytics.cli.common import EXIT_INTERNAL, EXIT_REJECTED
from regie_analytics.cli.importing import (
    cmd_boundaries,
    cmd_demo,
    cmd_import,
    cmd_population,
    cmd_reclassify,
    cmd_upgrade,
    cmd_validate,
)
from regie_analytics.cli.outputs import cmd_analyse, cmd_counts, cmd_export, cmd_report
from regie_analytics.cli.parser import build_parser
from regie_analytics.cli.status import cmd_audit, cmd_info
from regie_analytics.schema import InputError

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
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Nothing but Dutch messages reaches the user: input and disk problems are explained (exit 2),
    anything else gets a reference to the log (exit 1). Never raises ``SystemExit``: ``--help``
    returns 0 and refused arguments 2 (after argparse printed its usage and the Dutch message),
    so the command line can be called in-process; ``python -m regie_analytics`` and the
    ``regie-analytics`` script exit with what it returns.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or arguments refused (the message is on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_REJECTED
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
