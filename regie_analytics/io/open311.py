"""GeoReport v2 (Open311) service requests, as the API's JSON list or as CSV; the closing time
of a closed request is its last update."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from regie_analytics.io.archives import Inputs, read_tables
from regie_analytics.io.extracts import (
    Extract,
    _mapped,
    _notes,
    _require,
)
from regie_analytics.io.formats import load_json
from regie_analytics.io.rawtable import RawTable, in_memory_reader
from regie_analytics.schema import InputError

_OPEN311_MAP = {
    "signal_id": "service_request_id",
    "received_at": "requested_datetime",
    "category": "service_name",  # service_code identifies the service: no subcategory
    "status": "status",
    "x": "long",
    "y": "lat",
}
_OPEN311_HINT = "lever de GeoReport v2-lijst (requests.json) aan zoals de API die geeft."


def _open311_json(path: Path, *, name: str) -> RawTable:
    payload: Any = load_json(path, name=name, hint=_OPEN311_HINT)
    if isinstance(payload, dict):
        for key in ("service_requests", "requests", "data"):
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise InputError(
            "het JSON-bestand is geen lijst van service requests.",
            file=name,
            hint="verwacht wordt een JSON-lijst met objecten (GeoReport v2).",
        )
    if not payload:
        raise InputError("het JSON-bestand bevat geen service requests.", file=name, row=2)
    frame = pd.DataFrame.from_records(payload)
    text = frame.astype("str").where(frame.notna(), None).astype("str")
    text.columns = [str(c).strip() for c in text.columns]
    return RawTable(file=name, columns=list(text.columns), read=in_memory_reader(text))


def extract_open311(inputs: Inputs, *, path: str | Path) -> Extract:
    """Read GeoReport v2 (Open311) service requests from JSON or CSV (every table of a zip
    or folder)."""
    tables: list[RawTable] = []
    others = Inputs(members=[], skipped=inputs.skipped)
    for member in inputs.members:
        if Path(member.name).suffix.lower() == ".json":
            with open(member.path, "rb") as handle:
                head = handle.read(4096)
            if b"FeatureCollection" not in head:
                tables.append(_open311_json(member.path, name=member.name))
                continue
        others.members.append(member)
    if others.members or not tables:
        tables += list(read_tables(others, path=path).values())
    for table in tables:
        _require(
            table,
            ["service_request_id", "requested_datetime", "service_name"],
            what="Open311 (GeoReport v2)",
            hint="de export moet de GeoReport v2-velden bevatten.",
        )
    columns = {m: c for m, c in _OPEN311_MAP.items() if _has_all(tables, c)}
    fields = list(columns)
    if "status" in columns and _has_all(tables, "updated_datetime"):
        # the closing time of a closed request is its last update
        columns["_updated"] = "updated_datetime"
        fields.append("closed_at")
    mapped = _mapped(tables, columns)

    def read(wanted: Sequence[str] | None) -> Iterator[pd.DataFrame]:
        chosen = list(wanted if wanted is not None else fields)
        need = [f for f in chosen if f != "closed_at"]
        if "closed_at" in chosen:
            need = list(dict.fromkeys([*need, "status", "_updated"]))
        for part in mapped(need):
            if "closed_at" in chosen:
                closed = part["status"].str.lower() == "closed"
                part["closed_at"] = part.pop("_updated").where(closed, None)
            yield part[[*chosen, "_file", "_row"]]

    names = {m: c for m, c in columns.items() if not m.startswith("_")}
    names["closed_at"] = "updated_datetime"
    return Extract(
        kind="signals",
        fields=fields,
        read=read,
        source="open311",
        columns=names,
        file=tables[0].file,
        notes=_notes(inputs, *tables),
    )


def _has_all(tables: list[RawTable], column: str) -> bool:
    return all(column in t.columns for t in tables)
