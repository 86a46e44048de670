"""Where Debian's Chromium is: the one browser kaleido draws static charts with (PNG for the
exports and the deck) and the browser tests drive. Nothing is ever downloaded."""

from __future__ import annotations

import os
import shutil

NAMES = ("chromium", "chromium-browser")
"""The executable names Debian and Ubuntu give Chromium, in the order they are tried."""
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""The flags the browser tests and benchmarks start Chromium with (offline, as root)."""


def browser_path() -> str | None:
    """The Chromium to use: ``$BROWSER_PATH`` if set, else the first of :data:`NAMES` on the
    ``PATH``; None if there is none."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def point_kaleido() -> bool:
    """Point kaleido at that Chromium (kaleido reads ``$BROWSER_PATH``); False if there is none."""
    browser = browser_path()
    if browser is None:
        return False
    os.environ["BROWSER_PATH"] = browser
    return True
