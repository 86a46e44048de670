"""The files of an input: one file, a folder or a zip.

Zip members are unpacked one by one into a private folder, within the limits of
:class:`regie_analytics.limits.Limits` (unpacked size and ratio, checked before anything is
unpacked and again while unpacking), so a zip bomb is refused before it uses memory or disk.
System files (``.DS_Store``, ``__MACOSX``) and members that are no table are named, not read.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from regie_analytics import tempfiles
from regie_analytics.io.formats import read_member
from regie_analytics.io.rawtable import RawTable
from regie_analytics.limits import Limits
from regie_analytics.schema import InputError

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".geojson", ".json")
_MIN_RATIO_CHECK = 1 << 20
"""Members smaller than this (unpacked) are not held to the zip ratio: tiny files compress
far, and cannot exhaust anything."""


@dataclass
class Member:
    """One file of an input: its name as the user knows it, and where it is on disk."""

    name: str
    path: Path


@dataclass
class Inputs:
    """The files of an input (a file, a folder or a zip) and the ones not read, by name."""

    members: list[Member]
    skipped: list[str] = field(default_factory=list)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB".replace(",", ".")


def _too_big(name: str | Path, size: int, limits: Limits) -> InputError:
    return InputError(
        f"de invoer is uitgepakt {_mb(size)}; dat is meer dan de grens van "
        f"{_mb(limits.max_bytes)} per import.",
        file=name,
        hint="splits de export in kleinere delen (bijvoorbeeld per jaar), of verhoog de "
        "instelling REGIE_MAX_UNZIPPED_MB.",
    )


def _is_junk(name: str) -> bool:
    """A system file (``.DS_Store``, ``__MACOSX/._x``): named in the notes, never read."""
    parts = Path(name).parts
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


@contextmanager
def open_inputs(path: str | Path, *, limits: Limits | None = None) -> Iterator[Inputs]:
    """The files of a file, folder or zip, within ``limits``; zip members are unpacked into a
    private folder that is removed afterwards.

    Every member is either listed in ``members`` or named in ``skipped`` with the reason.
    """
    limits = limits or Limits()
    path = Path(path)
    if not path.exists():
        raise InputError("het pad bestaat niet.", file=path, hint="controleer het pad.")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        inputs = Inputs(members=[])
        total = 0
        for member in files:
            rel = str(member.relative_to(path))
            if _is_junk(rel):
                inputs.skipped.append(f"{rel}: niet gelezen (systeembestand)")
                continue
            inputs.members.append(Member(rel, member))
            total += member.stat().st_size
        if total > limits.max_bytes:
            raise _too_big(path, total, limits)
        yield inputs
        return
    if path.suffix.lower() != ".zip":
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(path, size, limits)
        yield Inputs(members=[Member(path.name, path)])
        return
    folder = tempfiles.folder("unzip")
    try:
        yield _unzip(path, folder, limits)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unzip(path: Path, folder: Path, limits: Limits) -> Inputs:
    """Unpack the table members of a zip into ``folder``, refusing bombs before unpacking."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            "het zip-bestand is beschadigd of geen zip.",
            file=path,
            hint="pak het opnieuw in of download het opnieuw.",
        ) from exc
    with archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
        inputs = Inputs(members=[])
        wanted: list[zipfile.ZipInfo] = []
        for info in infos:
            # the member's name is only shown, never used as a path (no zip-slip)
            label = f"{path.name}/{info.filename}"
            suffix = Path(info.filename).suffix.lower()
            if _is_junk(info.filename):
                inputs.skipped.append(f"{label}: niet gelezen (systeembestand)")
            elif suffix == ".zip":
                inputs.skipped.append(
                    f"{label}: niet gelezen (een zip in een zip wordt niet uitgepakt; lever "
                    "die apart aan)"
                )
            elif suffix not in TABLE_SUFFIXES:
                inputs.skipped.append(
                    f"{label}: niet gelezen (geen tabelbestand: CSV, Excel, Parquet of JSON)"
                )
            else:
                wanted.append(info)
        declared = sum(i.file_size for i in wanted)
        if declared > limits.max_bytes:
            raise _too_big(path, declared, limits)
        for info in wanted:
            label = f"{path.name}/{info.filename}"
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _MIN_RATIO_CHECK and ratio > limits.max_ratio:
                raise _bomb(label, ratio, limits)
            if info.flag_bits & 0x1:
                raise InputError(
                    "dit bestand in de zip is versleuteld (met een wachtwoord).",
                    file=label,
                    hint="pak de zip zonder wachtwoord opnieuw in.",
                )
        written = 0
        for number, info in enumerate(wanted):
            label = f"{path.name}/{info.filename}"
            target = folder / f"{number:05d}{Path(info.filename).suffix.lower()}"
            written += _unpack(archive, info, target, label=label, limits=limits, before=written)
            inputs.members.append(Member(label, target))
    return inputs


def _bomb(label: str, ratio: float, limits: Limits) -> InputError:
    return InputError(
        f"dit bestand in de zip pakt {ratio:,.0f} keer groter uit dan het ingepakt is; boven "
        f"{limits.max_ratio} keer wordt het niet uitgepakt (een zogeheten zipbom).".replace(
            ",", "."
        ),
        file=label,
        hint="lever de bestanden los of in een gewone zip aan; verhoog de instelling "
        "REGIE_MAX_ZIP_RATIO alleen als u de bron vertrouwt.",
    )


def _unpack(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    *,
    label: str,
    limits: Limits,
    before: int,
) -> int:
    """Copy one member to ``target`` in chunks, counting the bytes against the limits."""
    written = 0
    try:
        with archive.open(info) as source, open(target, "wb") as sink:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if before + written > limits.max_bytes:
                    raise _too_big(label, before + written, limits)
                if written > _MIN_RATIO_CHECK and written / max(info.compress_size, 1) > (
                    limits.max_ratio
                ):
                    raise _bomb(label, written / max(info.compress_size, 1), limits)
                sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(
            f"dit bestand in de zip kan niet worden uitgepakt ({type(exc).__name__}).",
            file=label,
            hint="pak de zip opnieuw in (gewone compressie, zonder wachtwoord).",
        ) from exc
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise InputError(
            "de zip kan niet worden uitgepakt: de schijf voor tijdelijke bestanden is vol.",
            file=label,
            hint="maak ruimte vrij in de tijdelijke map (TMPDIR) of lever de bestanden los aan.",
        ) from exc
    return written


def read_tables(inputs: Inputs, *, path: str | Path) -> dict[str, RawTable]:
    """Every table among ``inputs``, by member name; other members are added to
    ``inputs.skipped`` with the reason."""
    tables: dict[str, RawTable] = {}
    for member in inputs.members:
        if Path(member.name).suffix.lower() not in TABLE_SUFFIXES:
            inputs.skipped.append(
                f"{member.name}: niet gelezen (geen tabelbestand: CSV, Excel, Parquet of JSON)"
            )
            continue
        table = read_member(member.path, name=member.name)
        if table is None:
            inputs.skipped.append(f"{member.name}: niet gelezen (JSON, maar geen GeoJSON)")
            continue
        tables[member.name] = table
    if not tables:
        raise InputError(
            "er staat geen leesbaar tabelbestand in.",
            file=path,
            hint="lever CSV, Excel (.xlsx), Parquet of GeoJSON aan, los of in een zip of map.",
            details=inputs.skipped[:10],
        )
    return tables


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (read in chunks), or of all files in a folder (names and contents)."""
    path = Path(path)
    if not path.is_dir():
        return _sha256(path).hex()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = str(file.relative_to(path))
        if not _is_junk(rel):
            digest.update(rel.encode())
            digest.update(_sha256(file))
    return digest.hexdigest()


_HASHED: dict[tuple[str, int, int, int, int, int], bytes] = {}
"""Digests of the files hashed lately, by the file's identity and state: an import hashes its
file while it checks it, and the audit log asks again afterwards."""
_HASHED_KEPT = 8
SETTLED_NS = 2_000_000_000
"""Only files unchanged for this long (nanoseconds) are kept: file times are coarse (a few
milliseconds), so a file rewritten to the same size just after it was hashed could look the
same."""
_hashed_lock = threading.Lock()


def _identity(file: Path) -> tuple[str, int, int, int, int, int]:
    state = file.stat()
    return (
        str(file.resolve()),
        state.st_dev,
        state.st_ino,
        state.st_size,
        state.st_mtime_ns,
        state.st_ctime_ns,
    )


def _sha256(file: Path) -> bytes:
    """SHA-256 of one file; a file hashed before and not changed since (same inode, size and
    modification and change times, to the nanosecond) is not read again."""
    started = time.time_ns()
    key = _identity(file)
    with _hashed_lock:
        if key in _HASHED:
            return _HASHED[key]
    inner = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 22):
            inner.update(chunk)
    digest = inner.digest()
    settled = started - max(key[4], key[5]) >= SETTLED_NS
    if settled and _identity(file) == key:  # not changed lately, nor while it was read
        with _hashed_lock:
            while len(_HASHED) >= _HASHED_KEPT:
                del _HASHED[next(iter(_HASHED))]
            _HASHED[key] = digest
    return digest
