"""Chart images: the PNG of every chart in a report's content (for the PDF and the PNG zip),
and figures drawn in parallel for the deck, all through kaleido with Debian's Chromium
(:mod:`regie_analytics.chromium`)."""

from __future__ import annotations

import asyncio
import io
import threading
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import plotly.graph_objects as go

from regie_analytics import charts, chromium
from regie_analytics.export.content import ReportContent

_PNG_LOCK = threading.Lock()
PNG_SCALE = 2.0
"""Pixel density of exported charts (2 = sharp on a projector and in print)."""


@contextmanager
def _png_renderer() -> Iterator[None]:
    """One Chromium for a batch of :func:`charts.to_png` calls (kaleido's sync server), started
    and stopped here unless one is already running; serialised by a lock."""
    with _PNG_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument", category=UserWarning)
        try:
            import kaleido
            from kaleido._sync_server import GlobalKaleidoServer
        except ImportError:  # pragma: no cover - older kaleido: one browser per image
            yield
            return
        if not chromium.point_kaleido():
            yield
            return
        started = not GlobalKaleidoServer().is_running()
        if started:
            kaleido.start_sync_server(silence_warnings=True)
        try:
            yield
        finally:
            if started:
                kaleido.stop_sync_server(silence_warnings=True)


def chart_pngs(content: ReportContent) -> dict[str, bytes]:
    """PNG bytes of every chart in the content, keyed by file name (``'01_kaart.png'``, ...).

    Rendered once per content (cached on it) at :data:`PNG_SCALE` times the item's size.
    """
    wanted = []
    for number, item in enumerate(content.items, start=1):
        if item.figure is not None:
            wanted.append((f"{number:02d}_{item.key}.png", item.figure, item.size))
        if item.legend is not None:
            side = int(item.legend.layout.width or 300)
            wanted.append((f"{number:02d}_{item.key}_legenda.png", item.legend, (side, side)))
    missing = [w for w in wanted if w[0] not in content._pngs]
    if missing:
        with _png_renderer():
            for name, fig, (width, height) in missing:
                content._pngs[name] = charts.to_png(
                    fig, width=width, height=height, scale=PNG_SCALE
                )
    return {name: content._pngs[name] for name, _, _ in wanted}


def item_pngs(content: ReportContent) -> list[tuple[bytes | None, bytes | None]]:
    """Per item of the content, the PNG of its figure and of its legend (None where absent)."""
    pngs = chart_pngs(content)
    out = []
    for number, item in enumerate(content.items, start=1):
        out.append(
            (
                pngs.get(f"{number:02d}_{item.key}.png"),
                pngs.get(f"{number:02d}_{item.key}_legenda.png"),
            )
        )
    return out


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


_RENDER_LOCK = threading.Lock()


def render_pngs(figures: Sequence[tuple[go.Figure, tuple[int, int]]]) -> list[bytes]:
    """PNG bytes of each (figure, (width, height)) at :data:`PNG_SCALE`, drawn in
    parallel: one Chromium with a tab per figure (at most four)."""
    import kaleido

    if not figures:
        return []
    chromium.point_kaleido()
    specs = [
        {
            "fig": fig.to_dict(),
            "opts": {"format": "png", "width": w, "height": h, "scale": PNG_SCALE},
        }
        for fig, (w, h) in figures
    ]

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(n=min(4, len(specs)), timeout=120) as browser:
            return list(
                await asyncio.gather(
                    *(browser.calc_fig(spec["fig"], opts=spec["opts"]) for spec in specs)
                )
            )

    with _RENDER_LOCK, ThreadPoolExecutor(max_workers=1) as pool:
        # a thread of its own: the caller (Streamlit) may already run an event loop
        return [bytes(png) for png in pool.submit(asyncio.run, draw()).result()]


def build_png_zip(content: ReportContent) -> bytes:
    """A zip with the PNG of every chart."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, png in chart_pngs(content).items():
            archive.writestr(name, png)
    return buffer.getvalue()
