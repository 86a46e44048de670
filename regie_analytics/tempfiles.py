"""Private temporary folders (an upload, the records of an import being staged, the derived
boundaries, spill space), named after the process that made them, so none outlives it.

Each folder is removed by its owner when done, or at exit. A process that was killed (an
import stopped with ``kill -9``, a dashboard server that crashed) cannot do that; its folders
would stay in the temporary directory for good, and an upload is a municipality's raw export,
free text and all. So the first folder a process asks for sweeps away the folders of our
processes that no longer run (:func:`sweep`): the process id is in the name
(``regie-upload-4711-…``). Folders of the older form without a process id are swept when they
are more than :data:`STALE_SECONDS` old.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

STALE_SECONDS = 24 * 3600
"""Age after which a folder of the older form (no process id in its name) is swept."""

KINDS = ("upload", "import", "boundaries", "cube", "rollup", "csv", "unzip")
"""The kinds of temporary folder the product makes (and sweeps: no other folder is touched)."""
_OURS = re.compile(rf"^regie-(?:{'|'.join(KINDS)})-(?:(?P<pid>\d+)-)?[a-z0-9_]+$")
"""Our folders' names: ``regie-<kind>-<pid>-<random>`` (older: ``regie-<kind>-<random>``)."""
_SWEPT = False
_LOCK = threading.Lock()


def prefix(kind: str) -> str:
    """The name prefix of a temporary folder of ``kind`` (one of :data:`KINDS`) made by this
    process (for ``tempfile.mkdtemp`` and ``TemporaryDirectory``); sweeps once per process
    first."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of temporary folder: {kind}")
    sweep_once()
    return f"regie-{kind}-{os.getpid()}-"


def folder(kind: str) -> Path:
    """A new private temporary folder of ``kind`` (readable by this user only)."""
    return Path(tempfile.mkdtemp(prefix=prefix(kind)))


class OwnedFolder:
    """A temporary folder removed with this object (when it is garbage, or at exit)."""

    def __init__(self, kind: str) -> None:
        self.path = folder(kind)
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        """Remove the folder now."""
        self._remove()


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    return True


def sweep(directory: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove our temporary folders in ``directory`` (default: the temporary directory) left
    by processes that no longer run, or (older names without a process id) more than
    :data:`STALE_SECONDS` old; only folders of this user. Returns the folders removed."""
    root = Path(directory) if directory is not None else Path(tempfile.gettempdir())
    moment = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        match = _OURS.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid():
                continue
        except OSError:
            continue
        pid = match.group("pid")
        if pid is not None:
            if _running(int(pid)):
                continue
        elif moment - info.st_mtime <= STALE_SECONDS:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def sweep_once() -> None:
    """:func:`sweep` the first time a process asks (never fails)."""
    global _SWEPT
    with _LOCK:
        if _SWEPT:
            return
        _SWEPT = True
    with contextlib.suppress(Exception):  # tidying up never stops the work that asked
        sweep()
