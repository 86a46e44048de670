"""Temporary folders never outlive their process: a killed import or server leaves folders (an
upload is a raw export, free text and all) that the next process sweeps away."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from regie_analytics import tempfiles

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tmpdir_(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary directory of the test's own, for this process and its children."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfiles, "_SWEPT", False)
    yield tmp_path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_sweep_removes_the_folders_of_processes_that_no_longer_run(tmpdir_: Path) -> None:
    dead = _dead_pid()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone = tmpdir_ / f"regie-upload-{dead}-abc123_x"
        (gone / "sub").mkdir(parents=True)
        (gone / "sub" / "export.csv").write_text("id,tekst\n1,mijn buurman\n")
        gone_import = tmpdir_ / f"regie-import-{dead}-k9fn2vc2"
        gone_import.mkdir()
        kept_other = tmpdir_ / f"regie-import-{alive.pid}-q1w2e3r4"
        kept_other.mkdir()
        kept_mine = tmpdir_ / f"regie-boundaries-{os.getpid()}-zzzzzzzz"
        kept_mine.mkdir()
        old = tmpdir_ / "regie-upload-0dwuj7cm"  # the older name, without a process id
        old.mkdir()
        two_days_ago = time.time() - 2 * 86400
        os.utime(old, (two_days_ago, two_days_ago))
        recent = tmpdir_ / "regie-import-1n4iwm5u"
        recent.mkdir()
        not_ours = [tmpdir_ / f"regie-bench-pg-{dead}", tmpdir_ / f"regie-analytics-{dead}-x"]
        for folder in not_ours:
            folder.mkdir()
            os.utime(folder, (two_days_ago, two_days_ago))
        a_file = tmpdir_ / f"regie-upload-{dead}-afile"
        a_file.write_text("not a folder")

        removed = tempfiles.sweep()

        assert sorted(removed) == sorted([gone, gone_import, old])
        for folder in (gone, gone_import, old):
            assert not folder.exists()
        for path in (kept_other, kept_mine, recent, a_file, *not_ours):
            assert path.exists()
    finally:
        alive.kill()
        alive.wait()


def test_folders_carry_the_process_id_and_the_first_one_sweeps(tmpdir_: Path) -> None:
    stale = tmpdir_ / f"regie-csv-{_dead_pid()}-abcdefgh"
    stale.mkdir()
    made = tempfiles.folder("upload")
    assert made.parent == tmpdir_
    assert made.name.startswith(f"regie-upload-{os.getpid()}-")
    assert oct(made.stat().st_mode & 0o777) == "0o700"
    assert not stale.exists()
    again = tmpdir_ / f"regie-csv-{_dead_pid()}-abcdefgh"
    again.mkdir()
    tempfiles.folder("import")  # once per process: the second does not sweep again
    assert again.exists()
    with pytest.raises(ValueError):
        tempfiles.prefix("anything")


def test_an_owned_folder_goes_with_its_object(tmpdir_: Path) -> None:
    owned = tempfiles.OwnedFolder("upload")
    path = owned.path
    (path / "export.csv").write_text("x")
    del owned
    gc.collect()
    assert not path.exists()
    owned = tempfiles.OwnedFolder("upload")
    owned.remove()
    assert not owned.path.exists()


def test_a_killed_import_leaves_nothing_after_the_next(tmpdir_: Path) -> None:
    """A real import stopped with SIGKILL while its records are staged: its folder stays; the
    next command's first folder sweeps it away (and its own goes at its end)."""
    sample = ROOT / "data" / "samples" / "open311_requests.json"
    env = {**os.environ, "TMPDIR": str(tmpdir_), "PYTHONPATH": str(ROOT)}
    script = (
        "import os, signal, sys\n"
        "from regie_analytics.ingest import staged\n"
        "original = staged.StagedRecords.close\n"
        "def close(self):\n"
        "    result = original(self)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return result\n"
        "staged.StagedRecords.close = close\n"
        "from regie_analytics.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    store = tmpdir_ / "store"
    arguments = ["import", str(sample), "--preset", "open311", "--store", str(store)]
    command = [sys.executable, "-c", script, *arguments]
    killed = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    left = [p.name for p in tmpdir_.iterdir() if p.name.startswith("regie-import-")]
    assert left, "the killed import left its staged records (the case this sweeps)"
    again = subprocess.run(
        [sys.executable, "-m", "regie_analytics", *arguments],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert not [p.name for p in tmpdir_.iterdir() if p.name.startswith("regie-")]
