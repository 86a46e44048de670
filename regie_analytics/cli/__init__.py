"""The command line: ``python -m regie_analytics {demo,boundaries,population,import,...}``.

Messages are Dutch and never a traceback. Exit codes: 0 success; 2 input or store refused
(a Dutch message on stderr naming the file, row and column, or the disk problem); 1 an
unexpected error (a Dutch message with a reference such as ``RA-1A2B3C``; the traceback is in
the log file, ``$REGIE_LOG`` or ``regie-analytics.log`` in the temporary folder). Every
import, taxonomy change and export is recorded in the store's audit log (``audit``).

:func:`main` runs it in-process and returns the exit code. By topic:
:mod:`~regie_analytics.cli.parser` (the options), :mod:`~regie_analytics.cli.run` (running
one command, errors to exit codes), :mod:`~regie_analytics.cli.importing` (data into the
store), :mod:`~regie_analytics.cli.status` (``info``, ``audit``),
:mod:`~regie_analytics.cli.outputs` (tables and reports to ``--out``) and
:mod:`~regie_analytics.cli.common` (exit codes, the audit record, writing an export).
"""

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
from regie_analytics.cli.outputs import (
    EXACT_WARNING,
    cmd_analyse,
    cmd_counts,
    cmd_export,
    cmd_report,
)
from regie_analytics.cli.parser import build_parser
from regie_analytics.cli.run import COMMANDS, main
from regie_analytics.cli.status import cmd_audit, cmd_info

__all__ = [
    "COMMANDS",
    "EXACT_WARNING",
    "EXIT_INTERNAL",
    "EXIT_REJECTED",
    "build_parser",
    "cmd_analyse",
    "cmd_audit",
    "cmd_boundaries",
    "cmd_counts",
    "cmd_demo",
    "cmd_export",
    "cmd_import",
    "cmd_info",
    "cmd_population",
    "cmd_reclassify",
    "cmd_report",
    "cmd_upgrade",
    "cmd_validate",
    "main",
]
