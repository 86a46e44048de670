"""Figures drawn to PNG by kaleido and Debian's Chromium in a process of their own, with a
deadline: a Chromium that never answers (seen once in CI: kaleido waited for its tab for good)
is killed with every process under it and the drawing is tried once more, instead of an export
that hangs for ever. One drawing at a time per process (one Chromium, its tabs side by side).
The drawing process is this module run as ``python -m``; the figures go in and the PNG bytes
come back as pickles over its standard input and output (our own process's data)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regie_analytics import chromium
from regie_analytics.schema import InputError

TABS = 4
"""Chromium tabs drawing at the same time."""
BASE_SECONDS = 60.0
"""The deadline of one drawing: this, plus :data:`PER_FIGURE_SECONDS` per figure (a healthy
Chromium draws a deck's twenty figures in about ten seconds)."""
PER_FIGURE_SECONDS = 5.0
ATTEMPTS = 2
"""How often a drawing is tried before the export gives up with a Dutch message."""

_LOCK = threading.Lock()
"""Held while this process draws (one drawing process, one Chromium, at a time: sessions
exporting at once take turns)."""

Spec = tuple[dict[str, Any], dict[str, Any]]
"""A figure (``fig.to_dict()``) and kaleido's options (format, width, height, scale)."""


def deadline(count: int) -> float:
    """Seconds one drawing of ``count`` figures may take."""
    return BASE_SECONDS + PER_FIGURE_SECONDS * count


def draw(specs: Sequence[Spec], *, timeout: float | None = None) -> list[bytes]:
    """The PNG bytes of every figure in ``specs``, drawn in a process of its own (see the
    module), in :data:`TABS` tabs of one Chromium. A drawing that takes longer than
    ``timeout`` (default :func:`deadline`) or fails is killed, with its Chromium, and tried
    again; after :data:`ATTEMPTS` an :class:`InputError` says so in Dutch."""
    if not specs:
        return []
    chromium.point_kaleido()
    limit = deadline(len(specs)) if timeout is None else timeout
    payload = pickle.dumps(list(specs))
    root = str(Path(__file__).resolve().parents[2])
    paths = [root, os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    why = ""
    with _LOCK:
        for _ in range(ATTEMPTS):
            done, why = _attempt(payload, env, limit)
            if done is not None and len(done) == len(specs):
                return done
            if done is not None:
                why = f"Chromium gaf {len(done)} van de {len(specs)} grafieken terug"
    raise InputError(
        f"{why}, ook bij een tweede poging.",
        hint="probeer de export zo opnieuw; blijft dit zo, vraag de beheerder of Chromium "
        "(het Debian-pakket chromium) werkt.",
    )


def _attempt(payload: bytes, env: dict[str, str], limit: float) -> tuple[list[bytes] | None, str]:
    """One drawing process: its PNGs, or None and why not (in Dutch)."""
    with subprocess.Popen(
        [sys.executable, "-m", "regie_analytics.export.drawing"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group: Chromium goes down with it
    ) as proc:
        try:
            out, err = proc.communicate(payload, timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()  # what was written, read: the pipes closed
            return None, f"Chromium tekende de grafieken niet binnen {limit:.0f} seconden"
        finally:
            _kill_group(proc)  # a Chromium left behind by a finished drawing, too
    if proc.returncode == 0:
        return [bytes(png) for png in pickle.loads(out)], ""
    last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return None, f"het tekenen van de grafieken in Chromium mislukte ({last[0][:200]})"


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the drawing process and every process under it: its group, and the Chromium that
    kaleido starts in a session of its own (found through ``/proc`` before anything is killed,
    so none is handed to init on the way)."""
    family = _descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in family:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def _descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (children, their children, ...), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        # "pid (name) state ppid ...": the name may hold spaces and parentheses
        parent = int(text[text.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _draw_here(specs: Sequence[Spec]) -> list[bytes]:
    """The drawing itself (in the drawing process): one Chromium, :data:`TABS` tabs."""
    import kaleido

    async def run() -> list[bytes]:
        async with kaleido.Kaleido(n=min(TABS, len(specs)), timeout=120) as browser:
            drawn = await asyncio.gather(*(browser.calc_fig(fig, opts=opts) for fig, opts in specs))
            return [bytes(png) for png in drawn]

    return asyncio.run(run())


def main() -> None:
    """Read the figures from standard input, write their PNG bytes to standard output."""
    specs = pickle.loads(sys.stdin.buffer.read())
    # the pickle alone on standard output: whatever else writes there (Chromium, kaleido,
    # a warning) goes to standard error
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    pngs = _draw_here(specs)
    out.write(pickle.dumps(pngs))
    out.close()


if __name__ == "__main__":
    main()
