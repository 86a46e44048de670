"""The store's version folders: one writer at a time (the lock), a staging folder next to the
store for each new version, the atomic switch of ``CURRENT``, and which versions are kept."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from regie_analytics.store.errors import busy, disk_error

KEEP_VERSIONS = 3
"""Versions kept before the current one, for readers that started on them."""


@contextmanager
def lock(root: Path) -> Iterator[None]:
    """Hold the store's lock while the block runs; a store that is busy is refused."""
    # filelock: an OS lock on Linux, macOS and Windows alike (fcntl is POSIX only)
    held = FileLock(root / ".lock", timeout=0)
    try:
        root.mkdir(parents=True, exist_ok=True)
        held.acquire()
    except Timeout as exc:
        raise busy(root) from exc
    except OSError as exc:
        raise disk_error(exc, root) from exc
    try:
        yield
    finally:
        held.release()


def staging_prefix(root: Path) -> str:
    """The name prefix of the staging folders next to the store at ``root``."""
    return f".{root.name}-staging-"


@contextmanager
def staging(root: Path, name: str) -> Iterator[Path]:
    """A fresh staging folder for version ``name``; removed again if anything fails, and
    a failure of the disk (full, read-only) explained in Dutch."""
    tmp = root.parent / f"{staging_prefix(root)}{name}-{os.getpid()}"
    try:
        tmp.mkdir(parents=True)
        yield tmp
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise disk_error(exc, root) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def clean_leftovers(root: Path, *, keep: set[str]) -> None:
    """Remove version folders other than ``keep`` and staging folders of killed commits."""
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("v") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
    for stale in root.parent.glob(staging_prefix(root) + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def kept_versions(current: str | None) -> set[str]:
    """Version folders to keep: the current one and :data:`KEEP_VERSIONS` before it, which
    readers may still be reading (they share their parts through hard links, so an old
    version costs little more than its cube)."""
    if not current:
        return set()
    number = int(current[1:])
    return {f"v{n:06d}" for n in range(max(1, number - KEEP_VERSIONS), number + 1)}


def switch(root: Path, staged: Path, name: str) -> None:
    """Move a staged version into the store and point ``CURRENT`` at it (atomic)."""
    final = root / name
    os.rename(staged, final)
    pointer_tmp = staged.parent / f"{staging_prefix(root)}CURRENT-{os.getpid()}"
    try:
        fsync_dir(root)
        with open(pointer_tmp, "w") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, root / "CURRENT")
    except BaseException:
        # CURRENT still names the old version: take the new one away again
        shutil.rmtree(final, ignore_errors=True)
        pointer_tmp.unlink(missing_ok=True)
        raise
    fsync_dir(root)
    clean_leftovers(root, keep=kept_versions(name))


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
