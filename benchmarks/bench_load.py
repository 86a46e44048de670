"""Benchmark: filter changes with many sessions at once against a real ``streamlit run`` server.

Starts ``streamlit run app.py`` on a demo store, then opens sessions as a browser does: each is
a websocket speaking Streamlit's own protocol (the protobuf ``BackMsg``/``ForwardMsg`` of the
installed Streamlit), so the figures are the server's, not a browser's drawing time on the same
two cores. A session opens one page (round robin over the pages) and then changes filters the
way a person does in the sidebar: the period (``laatste 3 maanden``, ``laatste 6 maanden``,
back to ``laatste 12 maanden``) and the area level (``wijk``, back to ``buurt``). A filter
change is timed from sending the new widget values until the server reports the rerun finished.

``--servers N`` starts N ``streamlit run`` processes on the same store, as behind the reverse
proxy with sticky sessions of the README ("Several dashboard servers"): session ``i`` opens on
server ``i % N`` and stays there. Each process has its own caches, so every server is first
warmed up (untimed: one session per page making each filter change once, as on servers that
have been running). Then two timed phases: one session alone (on the first server), then
``--sessions`` sessions at the same time. Printed: median, p95 and maximum per filter change and
per phase, script errors, and each server's peak memory.

Usage::

    python benchmarks/bench_load.py                     # 20 sessions, demo store in a temp folder
    python benchmarks/bench_load.py --store data/store --sessions 20 --rounds 3
    python benchmarks/bench_load.py --store data/store --servers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_pages import app_pages, build_demo, free_port, peak_rss_mb, start_server
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
CHANGES: tuple[tuple[str, str], ...] = (
    ("periode", "laatste 3 maanden"),
    ("periode", "laatste 6 maanden"),
    ("periode", "laatste 12 maanden"),
    ("niveau", "wijk"),
    ("niveau", "buurt"),
)
"""The filter changes of one round: (widget key, new value); each is a selectbox."""


@dataclass
class Session:
    """One browser session: its websocket, the page it shows and its widgets' ids."""

    url: str
    page_hash: str = ""
    widget_ids: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    errors: int = 0

    async def rerun(self, socket_: ClientConnection, query: str) -> float:
        """Send a rerun with the current widget values; seconds until the run finished."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        state.page_script_hash = self.page_hash
        for key, value in self.values.items():
            if key in self.widget_ids:
                widget = WidgetState(id=self.widget_ids[key], string_value=value)
                state.widget_states.widgets.append(widget)
        started = time.perf_counter()
        await socket_.send(message.SerializeToString())
        while True:
            data = await socket_.recv()
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._note(forward)
            elif kind == "navigation" and not self.page_hash:
                pages = forward.navigation.app_pages
                self.pages = {p.url_pathname: p.page_script_hash for p in pages}
            elif kind == "script_finished":
                return time.perf_counter() - started

    pages: dict[str, str] = field(default_factory=dict)

    def _note(self, forward: ForwardMsg) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.errors += 1
        elif kind == "selectbox":
            widget_id = element.selectbox.id
            for key, _ in CHANGES:
                if widget_id.endswith(f"-{key}"):
                    self.widget_ids[key] = widget_id


async def run_session(url: str, page: str, rounds: int, timings: dict[str, list[float]]) -> int:
    """Open ``page``, then make every filter change ``rounds`` times; returns script errors."""
    session = Session(url=url)
    async with connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        await session.rerun(ws, "")
        session.page_hash = session.pages.get(page, "")
        session.values = {"periode": "laatste 12 maanden", "niveau": "buurt"}
        await session.rerun(ws, "")
        if set(session.widget_ids) != {key for key, _ in CHANGES}:
            raise RuntimeError(f"filters not found on page {page}: {session.widget_ids}")
        for _ in range(rounds):
            for key, value in CHANGES:
                session.values[key] = value
                query = "&".join(f"{k}={v.replace(' ', '+')}" for k, v in session.values.items())
                seconds = await session.rerun(ws, query)
                timings.setdefault(f"{key}={value}", []).append(seconds)
    return session.errors


def _summary(name: str, timings: dict[str, list[float]], errors: int) -> None:
    every = [t for values in timings.values() for t in values]
    print(f"\n{name}: {len(every)} filter changes, script errors: {errors}")
    print(f"  {'filter change':<34}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}")
    for label, values in [*timings.items(), ("alle", every)]:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"  {label:<34}{statistics.median(values) * 1000:>10.0f}{p95 * 1000:>9.0f}"
            f"{max(values) * 1000:>9.0f}"
        )


async def phase(
    urls: list[str], pages: list[str], sessions: int, rounds: int
) -> tuple[dict[str, list[float]], int]:
    """``sessions`` sessions at once, session ``i`` on page ``i % len(pages)`` of server
    ``i % len(urls)`` (sticky: all its reruns go there); timings per filter change and the
    script errors seen."""
    timings: dict[str, list[float]] = {}
    errors = await asyncio.gather(
        *(
            run_session(urls[i % len(urls)], pages[i % len(pages)], rounds, timings)
            for i in range(sessions)
        )
    )
    return timings, sum(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store (default: a new demo store)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--servers", type=int, default=1, help="streamlit processes, sessions sticky to one"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or build_demo(Path(tmp))
        servers = []
        try:
            for _ in range(args.servers):
                servers.append(start_server(store, free_port()))
            urls = [f"ws://127.0.0.1:{_port(server)}/_stcore/stream" for server in servers]
            pages = [p for p in app_pages() if p not in ("data", "presentatie", "buurtprofiel")]
            for url in urls:  # untimed: every server's caches hold what its sessions ask
                asyncio.run(phase([url], pages, len(pages), 1))
            alone, errors = asyncio.run(phase(urls[:1], pages[:1], 1, args.rounds))
            _summary("1 sessie alleen", alone, errors)
            together, errors = asyncio.run(phase(urls, pages, args.sessions, args.rounds))
            _summary(
                f"{args.sessions} sessies tegelijk over {len(urls)} server(s), elke sessie "
                "vast op één server (sticky, zoals achter de reverse proxy)",
                together,
                errors,
            )
            for number, server in enumerate(servers, 1):
                print(f"server {number}: piekgeheugen {peak_rss_mb(server.pid):.0f} MB (VmHWM)")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    print(
        f"Times are server-side reruns (send to 'script finished') of whole pages after a "
        f"filter change, over websockets, {args.servers} streamlit process(es) on one store, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end; pages: "
        + ", ".join(pages)
        + "."
    )


def _port(server: subprocess.Popen[bytes]) -> str:
    """The ``--server.port`` a server of :func:`start_server` was started with."""
    arguments = [str(a) for a in server.args]  # type: ignore[union-attr]
    return arguments[arguments.index("--server.port") + 1]


if __name__ == "__main__":
    main()
