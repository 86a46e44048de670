"""The CBS area code hierarchy: the level of a code (``BU…``, ``WK…``, ``GM…``), the wijk of a
buurt, the gemeente of any code, and gemeente codes written in other ways (``0363``, ``gm363``).
"""

from __future__ import annotations

import re

import numpy as np

_BU = re.compile(r"^BU(\d{4})([0-9A-Z]{2})([0-9A-Z]{2})$")
_WK = re.compile(r"^WK(\d{4})([0-9A-Z]{2})$")
_GM = re.compile(r"^GM(\d{4})$")


def code_level(code: object) -> str | None:
    """Level of a CBS area code: ``"buurt"`` (``BU…``), ``"wijk"`` (``WK…``), ``"gemeente"``
    (``GM…``), or ``None`` for codes that are not CBS codes."""
    if not isinstance(code, str):
        return None
    if _BU.match(code):
        return "buurt"
    if _WK.match(code):
        return "wijk"
    if _GM.match(code):
        return "gemeente"
    return None


def wijk_of(code: object) -> str | None:
    """CBS wijk code of a buurt code (``BU0363AA01`` -> ``WK0363AA``); a wijk code is its own
    wijk; ``None`` otherwise."""
    if not isinstance(code, str):
        return None
    if m := _BU.match(code):
        return f"WK{m.group(1)}{m.group(2)}"
    if _WK.match(code):
        return code
    return None


def gemeente_of(code: object) -> str | None:
    """CBS gemeente code of a buurt, wijk or gemeente code (``WK036101`` -> ``GM0361``);
    ``None`` for codes that are not CBS codes."""
    if not isinstance(code, str):
        return None
    for pattern in (_BU, _WK, _GM):
        if m := pattern.match(code):
            return f"GM{m.group(1)}"
    return None


def _normalise_gemeente(value: object) -> str | None:
    """``GM0233``, ``gm0233``, ``0233``, ``233`` and ``233.0`` all become ``GM0233``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().upper()
    if text.endswith(".0"):
        text = text[:-2]
    if text.startswith("GM"):
        text = text[2:]
    if text.isdigit() and len(text) <= 4:
        return f"GM{int(text):04d}"
    return None
