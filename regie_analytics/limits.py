"""Limits an import is held to: the plausible dates, the size of an input and its counts.

Every limit has a default and a setting (an environment variable), so a municipality with
older data or bigger exports can widen it; the command line can also set the date window per
import (``--earliest-date``, ``--latest-date``). Values past a limit are refused with a Dutch
message that names the limit and the setting.

=========================  ===========================  =====================================
setting                    default                      what it bounds
=========================  ===========================  =====================================
``REGIE_EARLIEST_DATE``    ``2000-01-01``               first plausible date (and month)
``REGIE_LATEST_DATE``      one day after today          last plausible date (and month)
``REGIE_MAX_ROWS``         ``20000000``                 rows per import (all files together)
``REGIE_MAX_UNZIPPED_MB``  ``4096``                     bytes read per import (after unzip)
``REGIE_MAX_ZIP_RATIO``    ``100``                      unzipped / zipped size per zip member
``REGIE_MAX_COUNT``        ``1000000``                  one count (area x month x theme)
=========================  ===========================  =====================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from regie_analytics.schema import InputError

MAX_MONTHS = 600
"""Longest month range any computation spans (50 years); the date window keeps real data far
inside it, this is the second line of defence."""


@dataclass(frozen=True)
class Limits:
    """The limits of one import (see the module docstring for the settings).

    Attributes
    ----------
    earliest
        First plausible date.
    latest
        Last plausible date; ``None`` means one day after the import's "now".
    max_rows, max_bytes, max_ratio, max_count
        Rows per import, bytes read (after unzipping), unzipped/zipped ratio of a zip member,
        and the largest count a count row may hold.
    """

    earliest: date = date(2000, 1, 1)
    latest: date | None = None
    max_rows: int = 20_000_000
    max_bytes: int = 4096 * 1024 * 1024
    max_ratio: int = 100
    max_count: int = 1_000_000

    @classmethod
    def from_env(cls, **overrides: object) -> Limits:
        """The limits from the environment's settings; ``overrides`` (not None) win."""
        defaults = cls()
        values: dict[str, object] = {
            "earliest": _env_date("REGIE_EARLIEST_DATE", defaults.earliest),
            "latest": _env_date("REGIE_LATEST_DATE", None),
            "max_rows": _env_int("REGIE_MAX_ROWS", defaults.max_rows),
            "max_bytes": _env_int("REGIE_MAX_UNZIPPED_MB", defaults.max_bytes >> 20) << 20,
            "max_ratio": _env_int("REGIE_MAX_ZIP_RATIO", defaults.max_ratio),
            "max_count": _env_int("REGIE_MAX_COUNT", defaults.max_count),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        limits = cls(**values)  # type: ignore[arg-type]
        if limits.latest is not None and limits.latest < limits.earliest:
            raise InputError(
                f"de datumgrenzen zijn omgedraaid: {limits.earliest} ligt na {limits.latest}.",
                hint="kies een vroegste datum vóór de laatste datum.",
            )
        return limits

    def window(self, now: datetime) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last plausible moment (naive local time): whole days, inclusive."""
        last = self.latest if self.latest is not None else (now + timedelta(days=1)).date()
        lo = pd.Timestamp(self.earliest)
        hi = pd.Timestamp(last) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
        return lo, hi

    def describe_window(self, now: datetime) -> str:
        """The window in Dutch words, for messages."""
        lo, hi = self.window(now)
        return f"{lo:%d-%m-%Y} t/m {hi:%d-%m-%Y}"


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(
            f"de instelling {name}={text!r} is geen positief geheel getal.",
            hint=f"geef {name} een geheel getal groter dan 0, of laat de instelling weg.",
        )
    return value


def _env_date(name: str, default: date | None) -> date | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    return parse_setting_date(text, setting=name)


def parse_setting_date(text: str, *, setting: str) -> date:
    """A date given as a setting or option (``2000-01-01`` or ``01-01-2000``)."""
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise InputError(
        f"{setting} '{text}' is geen datum.",
        hint="schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2000-01-01.",
    )


def check_month_span(first: str, last: str) -> None:
    """Refuse a month range longer than :data:`MAX_MONTHS` before anything is allocated by it."""
    span = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1
    if span > MAX_MONTHS:
        raise InputError(
            f"de periode {first} t/m {last} beslaat {span} maanden; meer dan {MAX_MONTHS} "
            "maanden wordt niet berekend.",
            hint="kies een kortere periode. Staan er onwaarschijnlijke datums in de store (van "
            "vóór het datumvenster), bouw de store dan opnieuw op: datums buiten het venster "
            "worden bij het importeren geweigerd.",
        )
