"""Write the hostile-input corpus in ``tests/data/bad/`` (every class of issue 11).

Run from the repository root: ``python tests/data/make_hostile.py``. The small files are
committed; this script documents how they were made and regenerates them (the same content;
an Excel file's own time stamps differ).
Large inputs (a zip bomb, files past the size limit) are written at test time by the
functions at the bottom, never committed. All content is GENERATED.

Classes: dates (implausible, beyond pandas' range, day/month order, time zones), numbers
(Dutch and English notation, overflow, fractions), identity (ids spelled differently, the same
signals as Excel and CSV), counts (unknown and missing area codes, corrections), zips and
folders (several members, junk, corrupt, encrypted, zip-slip, two exports), crashes (GeoJSON
that is not points, deep JSON, fake files), Signalen history order, labels with markdown/HTML.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"

OPEN311 = "service_request_id,requested_datetime,updated_datetime,service_name,status,lat,long\n"
DAM = (52.373080, 4.892453)  # Dam square, a buurt in Amsterdam-Centrum
COUNTS = "area_code,period,theme,count\n"


def _open311(rows: list[tuple[str, str, str, str, str]]) -> str:
    """Open311 CSV rows (id, requested, updated, service, status) at the Dam."""
    lines = [f"{i},{req},{upd},{svc},{st},{DAM[0]},{DAM[1]}" for i, req, upd, svc, st in rows]
    return OPEN311 + "\n".join(lines) + "\n"


def _counts(rows: list[tuple[object, ...]], *, sep: str = ",") -> str:
    return COUNTS.replace(",", sep) + "\n".join(sep.join(str(v) for v in r) for r in rows) + "\n"


def _write(name: str, text: str, *, encoding: str = "utf-8") -> None:
    (BAD / name).write_bytes(text.encode(encoding))


def _zip(name: str, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(BAD / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(_member(member), data)


def _member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed time, so the zips come out the same every time."""
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _dated(name: str, prefix: str, dates: list[str]) -> None:
    """Open311 requests ``{prefix}1``, ``{prefix}2``, ... received at ``dates``."""
    rows = [(f"{prefix}{i}", d, "", "Pothole", "open") for i, d in enumerate(dates, 1)]
    _write(name, _open311(rows))


def make_dates() -> None:
    ok = "2025-01-05T10:00:00"
    _dated("dates_1900.csv", "D", [ok, "1900-01-15T10:00:00", ok])
    _dated("dates_0001.csv", "D", [ok, "0001-01-01T00:00:00", ok])
    _dated("dates_beyond_2262.csv", "D", [ok, "2263-04-12T00:00:00", ok])
    _dated("dates_all_1900.csv", "D", [f"1900-01-1{i}T10:00:00" for i in range(1, 4)])
    # "no end date": a closing time of 9999-12-31
    _write(
        "dates_9999_closed.csv",
        _open311(
            [
                ("D1", ok, "9999-12-31T00:00:00", "Pothole", "closed"),
                ("D2", ok, "2025-01-08T10:00:00", "Pothole", "closed"),
            ]
        ),
    )
    # American month/day/year: the 13 and the 31 show the order for the whole column
    _dated(
        "dates_us_order.csv",
        "U",
        ["01/31/2025 10:00", "02/13/2025 10:00", "03/01/2025 10:00", "12/05/2024 10:00"],
    )
    _dated("dates_mixed_order.csv", "M", ["13-02-2025 10:00", "02-14-2025 10:00", "01-01-2025"])
    _dated(
        "dates_ambiguous_order.csv",
        "A",
        ["03-04-2025 10:00", "05-06-2025 10:00", "07-08-2025 10:00"],
    )
    _dated("dates_half_bad.csv", "H", [ok, "gisteren", ok, "binnenkort"])
    # offsets across daylight saving and month ends: the month is the Dutch month
    _dated(
        "dates_offsets.csv",
        "O",
        [
            "2025-03-30T00:30:00Z",  # 01:30 on 30 March
            "2025-10-31T23:30:00+00:00",  # 00:30 on 1 November
            "2025-04-30T23:59:00+02:00",  # still April
        ],
    )
    utc = pd.to_datetime(
        ["2025-01-31T23:30:00", "2025-06-30T22:30:00", "2025-03-15T12:00:00"]
    ).tz_localize("UTC")
    pd.DataFrame(
        {
            "service_request_id": ["T1", "T2", "T3"],
            "requested_datetime": utc,  # Parquet timestamps with a time zone (UTC)
            "service_name": "Pothole",
            "status": "open",
            "lat": DAM[0],
            "long": DAM[1],
        }
    ).to_parquet(BAD / "dates_utc.parquet", index=False)
    _write(
        "counts_period_1999.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA01", "1999-12", "wonen", 6),
                ("BU0363AA01", "2025-02", "wonen", 7),
            ]
        ),
    )
    _write(
        "counts_period_9999.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA01", "9999-12", "wonen", 6),
                ("BU0363AA01", "2025-02", "wonen", 7),
            ]
        ),
    )


def make_numbers() -> None:
    _write(
        "counts_dutch_thousands.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", "1.000"),
                ("BU0363AA02", "2025-01", "wonen", "12.000"),
                ("BU0363AA03", "2025-01", "wonen", "350"),
                ("BU0363AA04", "2025-01", "wonen", "2.450"),
            ],
            sep=";",
        ),
    )
    _write(
        "counts_english_thousands.csv",
        COUNTS
        + 'BU0363AA01,2025-01,wonen,"1,000"\n'
        + "BU0363AA02,2025-01,wonen,12\n"
        + 'BU0363AA03,2025-01,wonen,"3,500"\n',
    )
    _write(
        "counts_mixed_notation.csv",
        COUNTS
        + "BU0363AA01,2025-01,wonen,1.000\n"
        + 'BU0363AA02,2025-01,wonen,"2,500"\n'
        + "BU0363AA03,2025-01,wonen,7\n",
    )
    _write(
        "counts_huge.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 7),
                ("BU0363AA02", "2025-01", "wonen", "1e19"),
                ("BU0363AA03", "2025-01", "wonen", 2**63),
                ("BU0363AA04", "2025-01", "wonen", "1e18"),
                ("BU0363AA05", "2025-01", "wonen", 4),
                ("BU0363AA06", "2025-01", "wonen", 8),
                ("BU0363AB01", "2025-01", "wonen", 9),
            ]
        ),
    )
    _write(
        "counts_fraction.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 7),
                ("BU0363AA02", "2025-01", "wonen", "3.5"),
                ("BU0363AA03", "2025-01", "wonen", 4),
            ]
        ),
    )
    _write(
        "counts_fraction_comma.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", "2,5"),
                ("BU0363AA02", "2025-01", "wonen", "1.000"),
                ("BU0363AA03", "2025-01", "wonen", 3),
            ],
            sep=";",
        ),
    )
    _write(
        "counts_nan_inf.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", "inf"),
                ("BU0363AA02", "2025-01", "wonen", "NaN"),
                ("BU0363AA03", "2025-01", "wonen", "-"),
                ("BU0363AA04", "2025-01", "wonen", 5),
                ("BU0363AA05", "2025-01", "wonen", 6),
                ("BU0363AA06", "2025-01", "wonen", 7),
                ("BU0363AB01", "2025-01", "wonen", 8),
            ]
        ),
    )
    mapping = {
        "kind": "signals",
        "source": "eigen",
        "columns": {
            "signal_id": "nr",
            "received_at": "datum",
            "category": "categorie",
            "x": "x",
            "y": "y",
            "channel": "kanaal",
        },
    }
    (BAD / "generic_mapping.json").write_text(json.dumps(mapping, indent=1))
    header = "nr;datum;categorie;x;y;kanaal\n"
    _write(
        "coords_mixed_notation.csv",
        header
        + "G1;15-01-2025 10:00;afval;4,8925;52,3731;Telefoon\n"
        + "G2;16-01-2025 10:00;afval;4.8926;52.3731;Telefoon\n",
    )
    _write(
        "coords_dutch.csv",
        header
        + "G1;05-01-2025 10:00;afval;4,892453;52,373080;Telefoon\n"
        + "G2;16-01-2025 10:00;afval;4,892453;52,373080;Telefoon\n",
    )


def make_identity() -> None:
    ids = list(range(700001, 700020))
    frame = pd.DataFrame(
        {
            "service_request_id": [*ids, None],  # the empty cell makes the column floats
            "requested_datetime": "2025-01-05T10:00:00",
            "service_name": "Pothole",
            "status": "open",
            "lat": DAM[0],
            "long": DAM[1],
        }
    )
    frame.to_excel(BAD / "ids_excel.xlsx", index=False)
    frame.iloc[:-1].astype({"service_request_id": "int64"}).to_csv(BAD / "ids_csv.csv", index=False)
    _write(
        "ids_spelling.csv",
        _open311(
            [
                ("700001", "2025-01-05T10:00:00", "", "Pothole", "open"),
                ("0700001", "2025-01-06T10:00:00", "", "Pothole", "open"),
                ('" 700001 "', "2025-01-07T10:00:00", "", "Pothole", "open"),
                ("700001.0", "2025-01-08T10:00:00", "", "Pothole", "open"),
                ("700002", "2025-01-08T10:00:00", "", "Pothole", "open"),
            ]
        ),
    )


def make_counts() -> None:
    rows: list[tuple[object, ...]] = []
    for code in range(1, 11):  # ten unknown codes, ten months each
        for month in range(1, 11):
            rows.append((f"BU9999ZZ{code:02d}", f"2025-{month:02d}", "wonen", code))
    for month in range(1, 11):  # rows without a code
        rows.append(("", f"2025-{month:02d}", "wonen", 100))
    rows.append(("", "2025-01", "wonen", 50))  # a second row without code, same month
    _write("counts_unknown_codes.csv", _counts(rows))
    _write(
        "counts_corrected_first.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA02", "2025-01", "wonen", 7),
                ("BU0363AA03", "2025-01", "wonen", 9),
            ]
        ),
    )
    _write(
        "counts_corrected_second.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA02", "2025-01", "wonen", 8),
                ("BU0363AA04", "2025-02", "wonen", 1),
            ]
        ),
    )


def make_archives() -> None:
    noord = _counts([("BU0363AA01", "2025-01", "wonen", 4), ("BU0363AA02", "2025-01", "wonen", 6)])
    zuid = _counts(
        [
            ("BU0363KA01", "2025-01", "wonen", 5),
            ("BU0363KA02", "2025-01", "wonen", 7),
            ("BU0363KA03", "2025-01", "wonen", 8),
        ]
    )
    _zip(
        "zip_two_folders.zip",
        {"noord/telling.csv": noord.encode(), "zuid/telling.csv": zuid.encode()},
    )
    folder = BAD / "folder_two_tables"
    for part, text in (("noord", noord), ("zuid", zuid)):
        (folder / part).mkdir(parents=True, exist_ok=True)
        (folder / part / "telling.csv").write_text(text)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(_member("verborgen.csv"), noord)
    _zip(
        "zip_junk.zip",
        {
            "telling.csv": noord.encode(),
            "leesmij.pdf": b"%PDF-1.4 (gegenereerd)",
            "__MACOSX/._telling.csv": b"\x00\x05\x16\x07",
            "binnen.zip": inner.getvalue(),
        },
    )
    _zip("zip_slip.zip", {"../../../../tmp/regie_zip_slip.csv": noord.encode()})
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_member("telling.csv"), noord * 50)
    (BAD / "zip_corrupt.zip").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    # the encryption flag set in the local and central headers: a password-protected member
    data = bytearray(whole.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    (BAD / "zip_encrypted.zip").write_bytes(bytes(data))
    signals = (ROOT / "data" / "samples" / "signalen").glob("*.csv")
    export = {p.name: p.read_bytes() for p in signals}
    _zip(
        "signalen_two_exports.zip",
        {**{f"a/{k}": v for k, v in export.items()}, **{f"b/{k}": v for k, v in export.items()}},
    )


def make_crashes() -> None:
    polygon = {
        "type": "Feature",
        "properties": {"id": "P1", "datum": "2025-01-05T10:00:00", "categorie": "afval"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[4.89, 52.37], [4.90, 52.37], [4.90, 52.38], [4.89, 52.37]]],
        },
    }
    point = {
        "type": "Feature",
        "properties": {"id": "P0", "datum": "2025-01-05T10:00:00", "categorie": "afval"},
        "geometry": {"type": "Point", "coordinates": [DAM[1], DAM[0]]},
    }
    line = {
        "type": "Feature",
        "properties": {"id": "P3", "datum": "2025-01-05T10:00:00", "categorie": "afval"},
        "geometry": {"type": "LineString", "coordinates": [[4.89, 52.37], [4.90, 52.38]]},
    }
    collection = {"type": "FeatureCollection"}
    (BAD / "geojson_polygons.geojson").write_text(
        json.dumps(
            {**collection, "features": [polygon, {**polygon, "properties": point["properties"]}]}
        )
    )
    (BAD / "geojson_mixed.geojson").write_text(
        json.dumps({**collection, "features": [point, point, line]})
    )
    mapping = {
        "kind": "signals",
        "source": "kaart",
        "columns": {"signal_id": "id", "received_at": "datum", "category": "categorie",
                    "x": "lon", "y": "lat"},
    }  # fmt: skip
    (BAD / "geojson_mapping.json").write_text(json.dumps(mapping, indent=1))
    (BAD / "json_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    deep = '{"a":' * 5_000 + "1" + "}" * 5_000
    (BAD / "geojson_deep.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        f'{{"id": "P1", "nested": {deep}}}, "geometry": {{"type": "Point", '
        f'"coordinates": [{DAM[1]}, {DAM[0]}]}}}}]}}'
    )
    (BAD / "open311_not_list.json").write_text(json.dumps({"foo": 1, "bar": [1, 2]}))
    (BAD / "excel_fake.xlsx").write_text("dit is geen Excel-bestand\n")
    whole = io.BytesIO()
    pd.DataFrame({"a": range(100)}).to_parquet(whole)
    (BAD / "parquet_truncated.parquet").write_bytes(whole.getvalue()[:100])
    _write("utf16.csv", _counts([("BU0363AA01", "2025-01", "wonen", 5)]), encoding="utf-16")
    _write(
        "csv_ragged_late.csv",
        _counts(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA02", "2025-01", "wonen", 6),
                ("BU0363AA03", "2025-01", "wonen", 7),
                ("BU0363AA04", "2025-01", "wonen", 8, "extra"),
            ]
        ),
    )


def make_signalen_history() -> None:
    """A Signalen export without references to the current rows, history out of time order."""
    folder = BAD / "signalen_history"
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "id": [1, 2],
            "source": "online",
            "created_at": ["2025-01-02T10:00:00+01:00", "2025-01-03T10:00:00+01:00"],
        }
    ).to_csv(folder / "signals.csv", index=False)
    pd.DataFrame({"id": [11, 12], "lat": DAM[1], "lng": DAM[0], "_signal_id": [1, 2]}).to_csv(
        folder / "locations.csv", index=False
    )
    pd.DataFrame(
        {
            "id": [21, 22, 23],
            "main": ["afval", "afval", "overlast-van-dieren"],
            "sub": ["grofvuil", "container-is-vol", "ratten"],
            "created_at": [
                "2025-01-02T10:00:00+01:00",
                "2025-01-09T10:00:00+01:00",  # signal 2's newest category, earlier in the file
                "2025-01-04T10:00:00+01:00",
            ],
            "_signal_id": [1, 2, 2],
        }
    ).to_csv(folder / "categories.csv", index=False)
    pd.DataFrame(
        {
            "id": [31, 32, 33, 34],
            "state": ["o", "m", "m", "o"],
            "state_display": ["Afgehandeld", "Gemeld", "Gemeld", "Afgehandeld"],
            "created_at": [
                "2025-01-10T10:00:00+01:00",  # signal 1: closed, newest, first in the file
                "2025-01-02T10:00:00+01:00",
                "2025-01-20T10:00:00+01:00",  # signal 2: reopened, newest, before the closing
                "2025-01-08T10:00:00+01:00",
            ],
            "_signal_id": [1, 1, 2, 2],
        }
    ).to_csv(folder / "statuses.csv", index=False)


def make_labels() -> None:
    _write(
        "labels_markdown.csv",
        _open311(
            [
                ("L1", "2025-01-05T10:00:00", "", "![x](http://evil.example/x.png)", "**vet**"),
                ("L2", "2025-01-06T10:00:00", "", "[klik](javascript:alert(1))", "open"),
            ]
        ),
    )
    _write(
        "labels_html.csv",
        "nr;datum;categorie;x;y;kanaal\n"
        + "G1;05-01-2025 10:00;afval;4,892453;52,373080;<img src=x onerror=alert(1)>Telefoon\n"
        + "G2;16-01-2025 10:00;afval;4,892453;52,373080;Web\x07site\n",
    )


# --- large inputs, written at test time ------------------------------------------------------
def write_zip_bomb(path: Path, *, megabytes: int = 200) -> None:
    """A small zip whose one member unpacks to ``megabytes`` MB of a repeated counts row."""
    row = b"BU0363AA01,2025-01,wonen,5\n"
    block = row * ((1 << 20) // len(row))
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("telling.csv", "w", force_zip64=True) as member,
    ):
        member.write(COUNTS.encode())
        for _ in range(megabytes):
            member.write(block)


def write_big_counts(path: Path, *, megabytes: int) -> None:
    """A plain counts CSV of about ``megabytes`` MB."""
    row = "BU0363AA01,2025-01,wonen,5\n"
    with open(path, "w") as handle:
        handle.write(COUNTS)
        handle.write(row * (megabytes * (1 << 20) // len(row)))


if __name__ == "__main__":
    BAD.mkdir(parents=True, exist_ok=True)
    make_dates()
    make_numbers()
    make_identity()
    make_counts()
    make_archives()
    make_crashes()
    make_signalen_history()
    make_labels()
