"""What the commands share: the exit codes, the audit record of a command, writing an
export to ``--out`` and printing an import report."""

from __future__ import annotations

import argparse
from pathlib import Path

from regie_analytics import audit
from regie_analytics.store import open_store

EXIT_REJECTED = 2
"""Exit code of refused input or arguments, or a store or disk problem (explained in Dutch)."""
EXIT_INTERNAL = 1
"""Exit code of an unexpected error (a Dutch message with a reference to the log)."""


def store_label(location: str | Path) -> str:
    """The store as messages name it: the folder, or the database URL without password."""
    return str(open_store(location).root)


def record(
    store: str | Path,
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


def write_export(
    args: argparse.Namespace, data: bytes, details: dict[str, object], *, rows: int | None
) -> None:
    """Write an export to ``--out`` and record it in the audit log."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    details = {**details, "bestand": str(args.out)}
    record(args.store, audit.EXPORT, details, file_hash=audit.file_hash(data), rows=rows)


def print_report(lines: list[str]) -> None:
    """Print an import report's lines."""
    print("\n".join(lines))
