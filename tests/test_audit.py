"""The audit log: one record per import, taxonomy change and export, appended and never
rewritten, readable after a writer is killed, and the ``audit`` command that prints it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from regie_analytics import audit
from regie_analytics.schema import InputError
from regie_analytics.store import Store
from tests.conftest import ROOT, SAMPLES, cli


def _add(store: Path, n: int = 1, **overrides: object) -> list[dict[str, object]]:
    values: dict[str, object] = {
        "user": "a.jansen@gemeente.nl",
        "role": "analist",
        "action": audit.EXPORT,
        "details": {"formaat": "csv", "bestand": "gebieden.csv"},
        "file_hash": audit.file_hash(b"a;b\n1;2\n"),
        "rows": 1,
    }
    values.update(overrides)
    return [audit.record(store, **values) for _ in range(n)]  # type: ignore[arg-type]


def test_records_are_appended_numbered_and_chained(tmp_path: Path) -> None:
    first, second = _add(tmp_path, 2)
    raw = audit.log_path(tmp_path).read_bytes()
    lines = raw.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3  # two complete lines
    assert (first["nr"], second["nr"]) == (1, 2)
    assert first["prev"] == ""
    assert second["prev"] == hashlib.sha256(lines[0]).hexdigest()
    log = audit.read(tmp_path)
    assert [r["nr"] for r in log.records] == [1, 2]
    assert log.records[0]["file_hash"] == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert log.records[0]["rows"] == 1 and log.records[0]["role"] == "analist"
    assert not log.damaged and not log.broken and not log.warnings()


def test_appending_never_changes_what_was_written(tmp_path: Path) -> None:
    _add(tmp_path, 3)
    before = audit.log_path(tmp_path).read_bytes()
    _add(tmp_path, 1, action=audit.IMPORT)
    after = audit.log_path(tmp_path).read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_an_edited_record_breaks_the_chain(tmp_path: Path) -> None:
    _add(tmp_path, 3)
    path = audit.log_path(tmp_path)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["rows"] = 999
    lines[1] = json.dumps(edited, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n")
    log = audit.read(tmp_path)
    assert log.broken == [3]  # the record after the edited one no longer matches
    assert "buiten de applicatie gewijzigd" in " ".join(log.warnings())
    removed = tmp_path / "removed"
    _add(removed, 3)
    path = audit.log_path(removed)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert audit.read(removed).broken == [2]


def test_unknown_action_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        _add(tmp_path, action="wissen")
    assert not audit.log_path(tmp_path).exists()


def test_a_cut_off_last_line_is_skipped_and_the_next_record_stands_alone(tmp_path: Path) -> None:
    _add(tmp_path, 2)
    path = audit.log_path(tmp_path)
    with open(path, "ab") as handle:
        handle.write(b'{"nr": 3, "time": "2026-')  # a writer killed mid-line
    log = audit.read(tmp_path)
    assert [r["nr"] for r in log.records] == [1, 2] and log.damaged == [3]
    (new,) = _add(tmp_path)
    assert new["nr"] == 3
    log = audit.read(tmp_path)
    assert [r["nr"] for r in log.records] == [1, 2, 3]
    assert log.damaged == [3] and not log.broken  # the torn line is in the chain too


WRITER = """
import sys
from regie_analytics import audit
store = sys.argv[1]
print("ready", flush=True)
while True:
    audit.record(store, user="lus", role="analist", action="export",
                 details={"formaat": "csv", "filter": "x" * 3000}, file_hash=None, rows=1)
"""


@pytest.mark.subprocess
def test_a_killed_writer_leaves_the_log_readable(tmp_path: Path) -> None:
    """Two processes append as fast as they can; both are killed (SIGKILL) mid-stream. Every
    line is then a whole record, numbered without gaps, with an intact chain."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    log_file = audit.log_path(tmp_path)
    try:  # "ready" comes before the first record: the log may not exist yet
        while (
            not log_file.exists() or log_file.stat().st_size < 400_000
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:  # never leave the writers running, whatever happens above
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
    for proc in procs:
        proc.wait(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()
    log = audit.read(tmp_path)
    assert len(log.records) > 50
    assert not log.damaged and not log.broken
    assert [r["nr"] for r in log.records] == list(range(1, len(log.records) + 1))
    (after,) = _add(tmp_path)
    assert after["nr"] == len(log.records) + 1


def test_since_filters_by_day(tmp_path: Path) -> None:
    _add(tmp_path, 2)
    today = date.today()
    assert len(audit.read(tmp_path, since=today).records) == 2
    assert audit.read(tmp_path, since=today + timedelta(days=1)).records == []
    assert audit.parse_since("2026-11-27") == date(2026, 11, 27)
    assert audit.parse_since("27-11-2026") == date(2026, 11, 27)
    with pytest.raises(InputError, match="ongeldige datum '27/11'"):
        audit.parse_since("27/11")


def test_the_store_keeps_the_log_across_versions(store: Path) -> None:
    """The log lives next to the versions: commits and removals do not touch it."""
    (rec,) = _add(store)
    before = audit.log_path(store).read_bytes()
    Store(store).remove_import(1)
    assert audit.log_path(store).read_bytes() == before
    records = audit.read(store).records
    assert records[0]["action"] == "import"  # building the store was recorded too
    assert records[-1] == rec


def test_remove_import_takes_exactly_that_import_out(store: Path, tmp_path: Path) -> None:
    """Removing an import and importing the file again gives the same cube."""
    counts = SAMPLES / "wijkteam_telling.csv"
    assert cli("import", counts, "--preset", "counts", "--store", store).code == 0
    with_both = Store(store).cube()
    imports = Store(store).manifest()["imports"]
    assert [i["preset"] for i in imports] == ["open311", "counts"]
    removed = Store(store).remove_import(2)
    assert removed["preset"] == "counts" and removed["file"] == "wijkteam_telling.csv"
    left = Store(store).cube()
    assert set(left["source"]) == {"open311"}
    only_open311 = with_both.loc[with_both["source"] == "open311"].reset_index(drop=True)
    assert left["count"].sum() == only_open311["count"].sum()
    assert cli("import", counts, "--preset", "counts", "--store", store).code == 0
    again = Store(store).cube()
    key = list(again.columns.drop("count"))
    assert (
        again.sort_values(key)
        .reset_index(drop=True)
        .equals(with_both.sort_values(key).reset_index(drop=True))
    )
    with pytest.raises(InputError, match="geen import met nummer 9"):
        Store(store).remove_import(9)


@pytest.mark.subprocess
def test_cli_import_and_report_each_add_one_record(store: Path, tmp_path: Path) -> None:
    start = len(audit.read(store).records)
    counts = SAMPLES / "wijkteam_telling.csv"
    result = cli("import", counts, "--preset", "counts", "--store", store)
    assert result.code == 0, result.err
    log = audit.read(store)
    assert len(log.records) == start + 1
    entry = log.records[-1]
    assert entry["action"] == "import" and entry["role"] == audit.CLI_ROLE
    assert entry["details"]["bestand"] == "wijkteam_telling.csv"
    assert entry["details"]["preset"] == "counts"
    imported = Store(store).manifest()["imports"][-1]
    assert entry["rows"] == imported["rows_imported"] > 0
    assert entry["file_hash"] == imported["sha256"]

    out = tmp_path / "rapport.pdf"
    result = cli("report", "--store", store, "--format", "pdf", "--out", out)
    assert result.code == 0, result.err
    log = audit.read(store)
    assert len(log.records) == start + 2
    entry = log.records[-1]
    assert entry["action"] == "export" and entry["details"]["formaat"] == "pdf"
    assert entry["details"]["bestand"] == str(out)
    assert entry["file_hash"] == hashlib.sha256(out.read_bytes()).hexdigest()

    rejected = cli("import", counts, "--preset", "open311", "--store", store)
    assert rejected.code == 2
    assert len(audit.read(store).records) == start + 2  # a refused import changes nothing


def test_cli_counts_and_analyse_are_recorded_with_rows(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "wijken.csv"
    assert cli("counts", "--store", store, "--level", "wijk", "--out", out).code == 0
    entry = audit.read(store).records[-1]
    assert entry["details"]["formaat"] == "csv (exact)" and entry["details"]["niveau"] == "wijk"
    assert entry["rows"] == len(out.read_text().splitlines()) - 1
    assert entry["file_hash"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_audit_command_prints_text_and_json(store: Path) -> None:
    _add(store, 1, user="b.de.vries@gemeente.nl", role="bestuurder", rows=518)
    text = cli("audit", "--store", store)
    assert text.code == 0, text.err
    assert "b.de.vries@gemeente.nl (bestuurder)" in text.out
    assert "518 rijen" in text.out and "formaat: csv" in text.out
    as_json = cli("audit", "--store", store, "--json")
    records = json.loads(as_json.out)
    assert records[-1]["user"] == "b.de.vries@gemeente.nl" and records[-1]["rows"] == 518
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = cli("audit", "--store", store, "--since", tomorrow, "--json")
    assert json.loads(later.out) == []
    bad = cli("audit", "--store", store, "--since", "gisteren")
    assert bad.code == 2 and "ongeldige datum 'gisteren'" in bad.err


def test_every_download_button_is_recorded_and_built_without_a_rerun() -> None:
    """The dashboard draws a download button only through ``access.download``: its file is
    recorded in the audit log when built, and built on the click without a rerun (a rerun
    started by the click could drop the file's answer and leave the button disabled)."""
    import ast

    sources = [
        ROOT / "app.py",
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "regie_analytics").rglob("*.py"),
    ]
    calls = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
                ignore = [k for k in node.keywords if k.arg == "on_click"]
                on_click = (
                    ignore[0].value.value
                    if ignore and isinstance(ignore[0].value, ast.Constant)
                    else None
                )
                calls.append((str(path.relative_to(ROOT)), on_click))
    assert calls == [("regie_analytics/ui/access.py", "ignore")]
    pages = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "pages").glob("*.py")}
    assert "access.download(" in pages["kaart.py"]
