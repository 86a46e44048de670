"""The audit log: who imported, changed or exported what, and when.

Every import, taxonomy change, change of boundaries or population and export appends one
record to ``audit.jsonl`` in the store folder (next to ``CURRENT``, so it outlives every store
version). A record is one JSON line::

    {"nr": 12, "time": "2026-11-27T14:05:03+01:00", "user": "a.jansen@gemeente.nl",
     "role": "analist", "action": "export", "details": {"formaat": "csv", ...},
     "file_hash": "9f2c...", "rows": 518, "prev": "47ab..."}

The log is only ever appended to: the file is opened with ``O_APPEND``, each record is
written with one ``write`` under an exclusive lock and synced to disk, and nothing in the
product rewrites or truncates it. ``prev`` is the SHA-256 of the line before it, so a record
changed or removed afterwards shows up as a broken chain when the log is read. A process
killed while writing leaves at most one unfinished last line, which reading reports and skips
(the next record starts on a line of its own).

A database store keeps the same lines, chained the same way, in its table ``audit``
(:mod:`regie_analytics.store.pgaudit`): one log for every server and command on the database.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from regie_analytics.resources import is_database
from regie_analytics.schema import InputError

if TYPE_CHECKING:
    from regie_analytics.ingest import ImportReport
    from regie_analytics.taxonomy import Taxonomy

LOG_NAME = "audit.jsonl"
LOCK_NAME = LOG_NAME + ".lock"
"""The lock file next to the log: one writer at a time, on every platform."""

IMPORT = "import"
EXPORT = "export"
TAXONOMY = "taxonomie"
REMOVE_IMPORT = "import verwijderd"
BOUNDARIES = "grenzen"
POPULATION = "inwoners"
ACTIONS: tuple[str, ...] = (IMPORT, EXPORT, TAXONOMY, REMOVE_IMPORT, BOUNDARIES, POPULATION)
"""What a record can say happened (Dutch, as shown on the Data page and by the CLI)."""

CLI_ROLE = "opdrachtregel"
"""The role recorded for the command line: whoever can run it can read the store anyway."""

_TAIL = 64 * 1024  # bytes read from the end of the log to find the last line


@dataclass
class AuditLog:
    """The records of a log, and what reading it found wrong."""

    records: list[dict[str, Any]] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    """Line numbers (1-based) that are not a complete record (a write that was cut off)."""
    broken: list[int] = field(default_factory=list)
    """Line numbers whose ``prev`` does not match the line before: changed afterwards."""

    def warnings(self) -> list[str]:
        """What is wrong with the log, in Dutch (empty when it is intact)."""
        lines = []
        if self.damaged:
            lines.append(
                f"regel(s) {_numbers(self.damaged)} van het logboek zijn onvolledig (een "
                "schrijfactie die werd afgebroken) en zijn overgeslagen."
            )
        if self.broken:
            lines.append(
                f"het logboek is buiten de applicatie gewijzigd: de keten van controlegetallen "
                f"klopt niet bij regel(s) {_numbers(self.broken)}."
            )
        return lines


def _numbers(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


def log_path(store: str | Path) -> Path:
    """Where the audit log of a store folder lives."""
    return Path(store) / LOG_NAME


def log_place(store: str | Path) -> str:
    """Where the audit log of a store is kept, as the Data page says it: the file in the
    store folder, or the table ``audit`` of a database store."""
    from regie_analytics.store.pgschema import schema_of, shown_url

    location = str(store)
    if is_database(location):
        return f"de tabel {schema_of(location)}.audit van {shown_url(location)}"
    return str(log_path(store))


def file_hash(data: bytes) -> str:
    """SHA-256 of exported or imported bytes, as recorded."""
    return hashlib.sha256(data).hexdigest()


def cli_user() -> str:
    """The account running the command line (recorded as the user of CLI actions)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "onbekend"


def import_details(report: ImportReport, **extra: Any) -> dict[str, Any]:
    """What an import brought in, as recorded: file, preset, source, months (and ``extra``)."""
    details: dict[str, Any] = {"bestand": report.file, "preset": report.preset}
    details["bron"] = report.source
    if report.first_month:
        details["periode"] = f"{report.first_month} t/m {report.last_month}"
    details.update(extra)
    return details


def taxonomy_details(taxonomy: Taxonomy, result: Mapping[str, int]) -> dict[str, Any]:
    """What re-classifying the store with a taxonomy did, as recorded."""
    return {
        "taxonomie": taxonomy.name,
        "overig": f"{result['overig_voor']} -> {result['overig_na']} signalen",
    }


def record(
    store: str | Path,
    *,
    user: str,
    role: str,
    action: str,
    details: Mapping[str, Any],
    file_hash: str | None,
    rows: int | None,
) -> dict[str, Any]:
    """Append one record to the store's audit log and return it.

    Parameters
    ----------
    store
        The store folder (created if it does not exist yet).
    user, role
        Who did it: the signed-in account and its role, or :func:`cli_user` and
        :data:`CLI_ROLE` for the command line.
    action
        One of :data:`ACTIONS`.
    details
        What exactly, in Dutch keys: format, file name, page, filter, area, period, source.
    file_hash
        SHA-256 of the file written or read (see :func:`file_hash`), if there is one.
    rows
        Rows in the exported table or imported into the store, if that applies.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {ACTIONS}")

    def line_after(last: bytes, number: int) -> bytes:
        entry: dict[str, Any] = {
            "nr": number + 1,
            "time": datetime.now().astimezone().isoformat(timespec="seconds"),
            "user": user,
            "role": role,
            "action": action,
            "details": dict(details),
            "file_hash": file_hash,
            "rows": None if rows is None else int(rows),
            "prev": hashlib.sha256(last).hexdigest() if last else "",
        }
        return json.dumps(entry, ensure_ascii=False, default=str).encode()

    if is_database(str(store)):
        from regie_analytics.store import pgaudit

        recorded: dict[str, Any] = json.loads(pgaudit.append(str(store), line_after))
        return recorded
    path = log_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    # one writer at a time, on every platform (a lock file next to the log)
    with FileLock(path.with_name(LOCK_NAME)):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            last, number, complete = _last_line(path)
            line = line_after(last, number) + b"\n"
            # a line cut off by a killed writer is closed first, so this record stands alone
            os.write(fd, line if complete else b"\n" + line)
            os.fsync(fd)
        finally:
            os.close(fd)
    written: dict[str, Any] = json.loads(line)
    return written


def _last_line(path: Path) -> tuple[bytes, int, bool]:
    """The log's last line (without newline), the last record number, and whether the file
    ends with a complete line."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return b"", 0, True
        chunk = b""
        while True:
            start = max(0, size - len(chunk) - _TAIL)
            handle.seek(start)
            chunk = handle.read(size - start)
            body = chunk[:-1] if chunk.endswith(b"\n") else chunk
            if b"\n" in body or start == 0:
                break
    complete = chunk.endswith(b"\n")
    lines = chunk.split(b"\n")
    if complete:
        lines = lines[:-1]
    number = 0
    for candidate in reversed(lines):  # the last record that parses gives the number
        try:
            number = int(json.loads(candidate)["nr"])
            break
        except (ValueError, KeyError, TypeError):
            continue
    return lines[-1], number, complete


def read(store: str | Path, *, since: date | None = None) -> AuditLog:
    """The store's audit log, oldest first (from ``since`` on), with the chain checked.

    A line that is not a complete record is reported in ``damaged`` and skipped; a line
    whose ``prev`` does not match the line before it is reported in ``broken``.
    """
    log = AuditLog()
    if is_database(str(store)):
        from regie_analytics.store import pgaudit

        stored: Iterable[bytes] = pgaudit.lines(str(store))
    else:
        path = log_path(store)
        if not path.exists():
            return log
        stored = _file_lines(path)
    previous = b""
    for number, line in enumerate(stored, start=1):
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict) or "action" not in entry:
                raise ValueError("not a record")
        except ValueError:
            log.damaged.append(number)
            previous = line
            continue
        expected = hashlib.sha256(previous).hexdigest() if number > 1 else ""
        if entry.get("prev") != expected:
            log.broken.append(number)
        previous = line
        if since is None or _day(entry) >= since:
            log.records.append(entry)
    return log


def _file_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        for raw in handle:
            yield raw.rstrip(b"\n")


def _day(entry: Mapping[str, Any]) -> date:
    try:
        return datetime.fromisoformat(str(entry.get("time"))).date()
    except ValueError:
        return date.min


def parse_since(text: str) -> date:
    """``--since``: a date as 2026-11-27 or 27-11-2026, with a Dutch error otherwise."""
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputError(
        f"ongeldige datum '{text}'.", hint="schrijf de datum als JJJJ-MM-DD, bijv. 2026-11-27."
    )


def describe(entry: Mapping[str, Any]) -> str:
    """A record's details in one Dutch line ("csv gebieden.csv · filter: ...")."""
    details = entry.get("details") or {}
    return " · ".join(
        f"{key}: {value}" for key, value in details.items() if value not in ("", None)
    )


def lines(log: AuditLog) -> list[str]:
    """The records as Dutch text lines for the command line, oldest first."""
    out = []
    for entry in log.records:
        when = str(entry.get("time", "")).replace("T", " ")[:19]
        rows = entry.get("rows")
        digest = entry.get("file_hash") or ""
        parts = [
            f"{entry.get('nr', '?'):>5}",
            when,
            f"{entry.get('user', '?')} ({entry.get('role', '?')})",
            str(entry.get("action", "?")),
            describe(entry),
        ]
        if rows is not None:
            parts.append(f"{rows:,} rijen".replace(",", "."))
        if digest:
            parts.append(f"sha256 {digest[:12]}")
        out.append("  ".join(p for p in parts if p))
    return out
