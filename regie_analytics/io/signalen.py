"""The Signalen data-warehouse export: ``signals.csv``, ``locations.csv``, ``categories.csv``
and ``statuses.csv`` joined on ``_signal_id``.

Its ``lat`` column holds the longitude and ``lng`` the latitude; coordinates are never trusted
by name (see :func:`regie_analytics.geo.assign_points`). Where a signal does not reference its
current location, category or status, the latest one by time is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regie_analytics.io.archives import Inputs, read_tables
from regie_analytics.io.extracts import (
    Extract,
    _notes,
    _require,
    _with_origin,
)
from regie_analytics.io.parse import ColumnError, DateOrder, parse_datetimes
from regie_analytics.io.rawtable import RawTable
from regie_analytics.schema import InputError


def _pick(tables: dict[str, RawTable], name: str, *, path: str | Path) -> RawTable:
    found = [t for key, t in tables.items() if Path(key).name.lower() == name]
    if len(found) > 1:
        raise InputError(
            f"de Signalen-export bevat meer dan één '{name}': {', '.join(t.file for t in found)}.",
            file=path,
            hint="importeer elke export apart (één map of zip per export).",
        )
    if found:
        return found[0]
    raise InputError(
        f"het bestand '{name}' ontbreekt in de Signalen-export. "
        f"Gevonden: {', '.join(sorted(tables))}.",
        file=path,
        hint="lever de volledige export aan (signals.csv, locations.csv, categories.csv, "
        "statuses.csv), als map of als zip.",
    )


@dataclass
class _Lookup:
    """One row per signal from a Signalen history table (locations, categories, statuses):
    the row a signal references, else the signal's latest row by time."""

    by_id: pd.DataFrame | None
    latest: pd.DataFrame

    def rows(self, signal_ids: pd.Series, refs: pd.Series | None) -> pd.DataFrame:
        """The chosen row for each signal (index aligned with ``signal_ids``)."""
        out = self.latest.reindex(signal_ids.to_numpy())
        if self.by_id is not None and refs is not None:
            referenced = self.by_id.reindex(refs.to_numpy())
            found = referenced["_signal_id"].to_numpy(dtype=object) == signal_ids.to_numpy(
                dtype=object
            )
            out = out.copy()
            out.iloc[found] = referenced.iloc[found][out.columns].to_numpy()
        out.index = signal_ids.index
        return out


def _lookup(table: RawTable, columns: list[str]) -> _Lookup:
    _require(
        table,
        ["_signal_id"],
        what="de Signalen-export",
        hint="de deelbestanden moeten aan signals.csv gekoppeld zijn via '_signal_id'.",
    )
    wanted = dict.fromkeys(["_signal_id", "id", "created_at", *columns])
    keep = [c for c in wanted if c in table.columns]
    frame = table.frame[keep]
    order = np.arange(len(frame))
    if "created_at" in frame.columns:
        origin = pd.DataFrame(
            {"_file": table.file, "_row": table.row_number(frame.index)}, index=frame.index
        )
        profile = DateOrder()
        profile.update(frame["created_at"], origin=origin)
        try:
            when, _ = parse_datetimes(frame["created_at"], order=profile.decide())
        except ColumnError as exc:
            raise InputError(
                exc.message, file=exc.file, row=exc.row, column="created_at", hint=exc.hint
            ) from exc
        # latest by time; equal times (and missing ones) keep the file order
        order = np.lexsort((np.arange(len(frame)), when.fillna(pd.Timestamp.min).to_numpy()))
    ordered = frame.iloc[order]
    latest = ordered.drop_duplicates("_signal_id", keep="last").set_index("_signal_id")
    by_id = None
    if "id" in frame.columns and frame["id"].notna().all() and frame["id"].is_unique:
        by_id = frame.set_index("id").reindex(columns=["_signal_id", *columns])
    for column in columns:
        if column not in latest.columns:
            latest[column] = pd.Series(pd.NA, index=latest.index, dtype="str")
    latest = latest[columns]
    return _Lookup(by_id=by_id, latest=latest)


def extract_signalen(inputs: Inputs, *, path: str | Path) -> Extract:
    """Read a Signalen data-warehouse export (folder or zip of four CSV files)."""
    tables = read_tables(inputs, path=path)
    signals = _pick(tables, "signals.csv", path=path)
    locations = _pick(tables, "locations.csv", path=path)
    categories = _pick(tables, "categories.csv", path=path)
    statuses = _pick(tables, "statuses.csv", path=path)
    _require(
        signals,
        ["id", "created_at"],
        what="signals.csv",
        hint="gebruik de data-warehouse-export van Signalen.",
    )
    _require(
        categories,
        ["main", "sub"],
        what="categories.csv",
        hint="gebruik de data-warehouse-export van Signalen.",
    )
    _require(locations, ["lat", "lng"], what="locations.csv", hint="de export mist de coördinaten.")
    unused = sorted(set(tables) - {t.file for t in (signals, locations, categories, statuses)})
    loc = _lookup(locations, ["lat", "lng", "buurt_code"])
    cat = _lookup(categories, ["main", "sub"])
    sta = _lookup(statuses, ["state", "state_display", "created_at"])
    refs = [
        c
        for c in ("location_id", "category_assignment_id", "status_id", "source")
        if c in signals.columns
    ]
    fields = ["signal_id", "received_at", "channel", "category", "subcategory", "x", "y"]
    if "buurt_code" in locations.columns:
        fields.append("area_code")
    if "state" in statuses.columns:
        fields += ["status", "closed_at"]

    def read(wanted: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        chosen = set(wanted if wanted is not None else fields)
        for part in signals.frames(["id", "created_at", *refs]):
            key = part["id"]
            out = pd.DataFrame({"signal_id": key.array}, index=part.index)
            out["received_at"] = part["created_at"].array
            out["channel"] = part["source"].array if "source" in part else None
            if chosen & {"category", "subcategory"}:
                c = cat.rows(key, part.get("category_assignment_id"))
                out["category"], out["subcategory"] = c["main"].array, c["sub"].array
            if chosen & {"x", "y", "area_code"}:
                loc_rows = loc.rows(key, part.get("location_id"))
                # Signalen's export names them the wrong way round: `lat` holds x, `lng` y.
                out["x"], out["y"] = loc_rows["lat"].array, loc_rows["lng"].array
                out["area_code"] = loc_rows["buurt_code"].array
            if chosen & {"status", "closed_at"}:
                s = sta.rows(key, part.get("status_id"))
                state = s["state"]
                display = s["state_display"].fillna(state)
                out["status"] = display.array
                out["closed_at"] = s["created_at"].where(state == "o").array
            out = out[[f for f in fields if f in chosen]]
            yield _with_origin(out.astype("str"), signals)

    columns = {
        "signal_id": "signals.csv: id",
        "received_at": "signals.csv: created_at",
        "channel": "signals.csv: source",
        "category": "categories.csv: main",
        "subcategory": "categories.csv: sub",
        "x": "locations.csv: lat",
        "y": "locations.csv: lng",
        "area_code": "locations.csv: buurt_code",
        "status": "statuses.csv: state_display",
        "closed_at": "statuses.csv: created_at",
    }
    return Extract(
        kind="signals",
        fields=fields,
        read=read,
        source="signalen",
        columns=columns,
        file=signals.file,
        notes=[
            "Signalen-export: kolom 'lat' bevat de lengtegraad en 'lng' de breedtegraad; "
            "de coördinaten worden op hun waarden herkend, niet op hun naam",
            *(f"{name}: niet gelezen (geen deel van de Signalen-export)" for name in unused),
            *_notes(inputs, signals, locations, categories, statuses),
        ],
    )
