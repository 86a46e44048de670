"""Benchmark: the time from the click to the council deck (pptx) on a demo store.

Per repetition, on the municipality report (buurt level, last 12 months) and on the profile
of one buurt:

- ``collect``: :func:`report.collect`, the protected content (on the dashboard it is cached
  per filter; a first click computes it);
- ``deck``: :func:`report.build_pptx` on that fresh content: every figure drawn, every picture
  made, the slides laid out (the first click for a filter);
- ``again``: :func:`report.build_pptx` once more on the same content (pictures kept on it).

Medians over the repetitions are printed with the target: the deck is ready within a few
seconds of the click (``collect + deck`` at most 5 s). Only ``report.collect`` and
``report.build_pptx`` are called, so the same script measures an older version of the code:
``PYTHONPATH=/path/to/old/checkout python benchmarks/bench_deck.py --store DIR``.

Usage::

    python benchmarks/bench_deck.py                  # builds a demo store in a temp folder
    python benchmarks/bench_deck.py --store data/store --runs 5
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_pages import build_demo  # the same demo store as the page benchmark

TARGET_S = 5.0


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def profile_area(store: Any, start: str, end: str) -> str:
    """The buurt with the most signals in the period (a full profile)."""
    from regie_analytics import aggregate

    cube = aggregate.filter_cube(store.cube(), start=start, end=end)
    return str(aggregate.area_table(cube, store.areas())["totaal"].idxmax())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: build the demo)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (median)")
    args = parser.parse_args()

    from pptx import Presentation

    from regie_analytics import aggregate, report
    from regie_analytics.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.store.resolve() if args.store else build_demo(Path(tmp)))
        start, end = aggregate.resolve_period(
            aggregate.months_in(store.cube()), "laatste 12 maanden"
        )
        area = profile_area(store, start, end)
        print(
            f"store {store.root} · {args.runs} runs · {report.__file__} · load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"{'deck':<28}{'collect':>10}{'deck':>10}{'again':>10}{'click':>10}  slides")
        for label, where in (("gemeente (buurt)", None), (f"gebiedsprofiel {area}", area)):
            rows = []
            slides = 0
            for _ in range(args.runs):
                t_collect, content = timed(
                    lambda where=where: report.collect(store, start=start, end=end, area=where)
                )
                t_deck, deck = timed(lambda content=content: report.build_pptx(content))
                t_again, _ = timed(lambda content=content: report.build_pptx(content))
                rows.append((t_collect, t_deck, t_again))
                slides = len(Presentation(io.BytesIO(deck)).slides)
            collect, deck_s, again = (statistics.median(col) for col in zip(*rows, strict=True))
            click = collect + deck_s
            verdict = "ok" if click <= TARGET_S else f"above {TARGET_S:.0f} s"
            print(
                f"{label:<28}{collect:>9.2f}s{deck_s:>9.2f}s{again:>9.2f}s{click:>9.2f}s  "
                f"{slides:>3}  {verdict}"
            )


if __name__ == "__main__":
    main()
