"""Write the small sample inputs (one per preset) and the bad-input corpus used by the tests.

Run from the repository root: ``python tests/data/make_inputs.py``. The output is committed;
this script documents how it was made and regenerates it deterministically. The samples are
GENERATED (no real reports); they sit in ``data/samples/`` as README examples.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
BAD = ROOT / "tests" / "data" / "bad"
BUURTEN = ROOT / "data" / "boundaries" / "amsterdam_buurten_2022.geojson"

CATEGORIES = [
    ("afval", "grofvuil"),
    ("afval", "container-is-vol"),
    ("schoon", "veeg-zwerfvuil"),
    ("wegen-verkeer-straatmeubilair", "lantaarnpaal-straatverlichting"),
    ("openbaar-groen-en-water", "boom"),
    ("overlast-van-dieren", "ratten"),
]
OPEN311 = ["Pothole", "Graffiti", "Street Light Out", "Illegal Dumping"]


def _points(n: int, rng: np.random.Generator) -> pd.DataFrame:
    buurten = gpd.read_file(BUURTEN)
    pick = buurten.iloc[rng.integers(0, len(buurten), n)]
    xy = pick.geometry.sample_points(1, rng=rng).get_coordinates()
    assert len(xy) == n
    return pd.DataFrame({"lon": xy["x"].round(6).to_numpy(), "lat": xy["y"].round(6).to_numpy()})


def make_samples() -> None:
    rng = np.random.default_rng(7)
    # --- signalen: the data-warehouse export, lat/lng the wrong way round ---------------------
    n = 400
    pts = _points(n, rng)
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), "s")
    cats = [CATEGORIES[i] for i in rng.integers(0, len(CATEGORIES), n)]
    ids = np.arange(1, n + 1)
    folder = SAMPLES / "signalen"
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "id": ids,
            "signal_uuid": [f"00000000-0000-4000-8000-{i:012d}" for i in ids],
            "source": rng.choice(["online", "Telefoon – CCA", "app"], n),
            "text": "(gegenereerde tekst)",
            "created_at": created.tz_localize("Europe/Amsterdam").strftime("%Y-%m-%dT%H:%M:%S%z"),
            "updated_at": "",
            "category_assignment_id": ids + 1000,
            "location_id": ids + 2000,
            "status_id": ids + 3000,
        }
    ).to_csv(folder / "signals.csv", index=False)
    lat = pts["lon"].astype(object)
    lng = pts["lat"].astype(object)
    lat[:4] = ""
    lng[:4] = ""
    pd.DataFrame(
        {
            "id": ids + 2000,
            "lat": lat,  # holds the longitude, as in the real export
            "lng": lng,  # holds the latitude
            "stadsdeel": "",
            "buurt_code": "",
            "address_text": "",
            "area_code": "",
            "area_name": "",
            "_signal_id": ids,
        }
    ).to_csv(folder / "locations.csv", index=False)
    pd.DataFrame(
        {
            "id": ids + 1000,
            "main": [c[0] for c in cats],
            "sub": [c[1] for c in cats],
            "departments": "ASC",
            "deadline": "",
            "_signal_id": ids,
        }
    ).to_csv(folder / "categories.csv", index=False)
    closed = rng.random(n) < 0.8
    pd.DataFrame(
        {
            "id": ids + 3000,
            "text": "",
            "state_display": np.where(closed, "Afgehandeld", "Gemeld"),
            "state": np.where(closed, "o", "m"),
            "created_at": (created + pd.to_timedelta(rng.integers(3600, 20 * 86400, n), "s"))
            .tz_localize("Europe/Amsterdam")
            .strftime("%Y-%m-%dT%H:%M:%S%z"),
            "_signal_id": ids,
        }
    ).to_csv(folder / "statuses.csv", index=False)

    # --- open311: GeoReport v2 JSON and the same as CSV ------------------------------------------
    n = 300
    pts = _points(n, rng)
    requested = pd.Timestamp("2025-02-01") + pd.to_timedelta(rng.integers(0, 200 * 86400, n), "s")
    status = rng.choice(["open", "closed"], n, p=[0.3, 0.7])
    records = []
    for i in range(n):
        records.append(
            {
                "service_request_id": f"SR-{i + 1:05d}",
                "status": str(status[i]),
                "service_name": OPEN311[i % len(OPEN311)],
                "service_code": f"{i % len(OPEN311) + 100}",
                "requested_datetime": requested[i].strftime("%Y-%m-%dT%H:%M:%S+01:00"),
                "updated_datetime": (requested[i] + pd.Timedelta(days=3)).strftime(
                    "%Y-%m-%dT%H:%M:%S+01:00"
                ),
                "lat": float(pts["lat"][i]),
                "long": float(pts["lon"][i]),
            }
        )
    (SAMPLES / "open311_requests.json").write_text(json.dumps(records, indent=1))
    pd.DataFrame.from_records(records).to_csv(SAMPLES / "open311_requests.csv", index=False)

    # --- counts: social-domain counts per buurt, month, theme; ';' and Windows-1252 ------------
    buurten = gpd.read_file(BUURTEN)["cbsCode"].to_numpy()
    themes = ["zorg en ondersteuning", "schulden en armoede", "eenzaamheid en welzijn"]
    rows = []
    for code in buurten[rng.choice(len(buurten), 40, replace=False)]:
        for month in ("2025-01", "2025-02", "2025-03"):
            for theme in themes:
                value = int(rng.poisson(6))
                if value:
                    rows.append((code, month, theme, value))
    counts = pd.DataFrame(rows, columns=["area_code", "period", "theme", "count"])
    counts.to_csv(SAMPLES / "wijkteam_telling.csv", index=False, sep=";", encoding="cp1252")

    # --- generic: a spreadsheet export with RD coordinates, Dutch dates and decimal commas -----
    n = 250
    pts = _points(n, rng)
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    x, y = to_rd.transform(pts["lon"].to_numpy(), pts["lat"].to_numpy())
    when = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, n), "s")
    generic = pd.DataFrame(
        {
            "Meldingnummer": [f"M{i:06d}" for i in range(1, n + 1)],
            "Datum melding": when.strftime("%d-%m-%Y %H:%M"),
            "Hoofdcategorie": [CATEGORIES[i % len(CATEGORIES)][0] for i in range(n)],
            "Subcategorie": [CATEGORIES[i % len(CATEGORIES)][1] for i in range(n)],
            "X-coördinaat": [f"{v:.2f}".replace(".", ",") for v in x],
            "Y-coördinaat": [f"{v:.2f}".replace(".", ",") for v in y],
            "Kanaal": rng.choice(["Telefoon", "Website", "App"], n),
        }
    )
    generic.to_csv(SAMPLES / "fixi_export.csv", index=False, sep=";", encoding="cp1252")
    mapping = {
        "kind": "signals",
        "source": "fixi",
        "columns": {
            "signal_id": "Meldingnummer",
            "received_at": "Datum melding",
            "category": "Hoofdcategorie",
            "subcategory": "Subcategorie",
            "x": "X-coördinaat",
            "y": "Y-coördinaat",
            "channel": "Kanaal",
        },
    }
    (SAMPLES / "fixi_mapping.json").write_text(json.dumps(mapping, indent=1, ensure_ascii=False))


def _counts_csv(
    rows: list[tuple[object, ...]], header: str = "area_code,period,theme,count"
) -> str:
    return header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"


def make_bad() -> None:
    BAD.mkdir(parents=True, exist_ok=True)
    (BAD / "empty.csv").write_bytes(b"")
    (BAD / "header_only.csv").write_text("area_code,period,theme,count\n")
    # header with ';' but rows with ',': the rows do not have the header's columns
    (BAD / "wrong_delimiter.csv").write_text(
        "area_code;period;theme;count\nBU0363AA01,2025-01,wonen,5\nBU0363AA02,2025-01,wonen,7\n"
    )
    # Windows-1252 with accents in labels
    (BAD / "windows1252.csv").write_bytes(
        "area_code;period;theme;count\n"
        "BU0363AA01;2025-01;eenzaamheid en welzijn;12\n"
        "BU0363AA02;2025-01;Overlast café;8\n".encode("cp1252")
    )
    (BAD / "missing_column.csv").write_text("area_code,period,theme\nBU0363AA01,2025-01,wonen\n")
    (BAD / "negative_counts.csv").write_text(
        _counts_csv(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU0363AA02", "2025-01", "wonen", -3),
                ("BU0363AA03", "2025-01", "wonen", "veel"),
                ("BU0363AA04", "2025-01", "wonen", 9),
                ("BU0363AA05", "2025-01", "wonen", 4),
            ]
        )
    )
    (BAD / "unknown_area_codes.csv").write_text(
        _counts_csv(
            [
                ("BU0363AA01", "2025-01", "wonen", 5),
                ("BU9999ZZ99", "2025-01", "wonen", 6),
                ("BU0363AA02", "2025-01", "wonen", 7),
            ]
        )
    )
    (BAD / "binary.csv").write_bytes(bytes(range(256)) * 40)

    header = "service_request_id,requested_datetime,service_name,status,lat,long\n"
    dam = (52.373080, 4.892453)  # Dam square, buurt BU0363AA...
    (BAD / "unparseable_dates.csv").write_text(
        header
        + "\n".join(
            f"R{i},{d},Pothole,open,{dam[0]},{dam[1]}"
            for i, d in enumerate(["gisteren", "31-31-2025", "nooit", "ooit"], 1)
        )
        + "\n"
    )
    (BAD / "some_bad_dates.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,Pothole,open,{dam[0]},{dam[1]}\n"
        + f"R2,gisteren,Pothole,open,{dam[0]},{dam[1]}\n"
        + f"R3,2025-01-07T10:00:00,Graffiti,open,{dam[0]},{dam[1]}\n"
    )
    (BAD / "future_dates.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,Pothole,open,{dam[0]},{dam[1]}\n"
        + f"R2,2099-01-05T10:00:00,Pothole,open,{dam[0]},{dam[1]}\n"
    )
    (BAD / "outside_area.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,Pothole,open,{dam[0]},{dam[1]}\n"
        + "R2,2025-01-05T11:00:00,Pothole,open,52.60,4.00\n"  # North Sea
        + "R3,2025-01-05T12:00:00,Pothole,open,50.85,4.35\n"  # Brussels
    )
    (BAD / "swapped_latlon.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,Pothole,open,{dam[1]},{dam[0]}\n"
        + f"R2,2025-01-05T11:00:00,Graffiti,open,{dam[0]},{dam[1]}\n"
    )
    (BAD / "rd_in_latlon.csv").write_text(
        header
        + "R1,2025-01-05T10:00:00,Pothole,open,487360.0,121308.0\n"  # RD y in 'lat', x in 'long'
        + "R2,2025-01-05T11:00:00,Pothole,open,121308.0,487360.0\n"  # RD with the axes swapped
    )
    (BAD / "duplicate_ids.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,Pothole,open,{dam[0]},{dam[1]}\n"
        + f"R1,2025-01-06T10:00:00,Graffiti,open,{dam[0]},{dam[1]}\n"
        + f"R2,2025-01-07T10:00:00,Graffiti,open,{dam[0]},{dam[1]}\n"
    )
    (BAD / "html_formula_categories.csv").write_text(
        header
        + f"R1,2025-01-05T10:00:00,<script>alert(1)</script>Pothole,open,{dam[0]},{dam[1]}\n"
        + f'R2,2025-01-05T11:00:00,"=HYPERLINK(""http://x"",""y"")",open,{dam[0]},{dam[1]}\n'
    )
    boundaries = gpd.read_file(BUURTEN).iloc[:3][["naam", "geometry"]]
    boundaries.to_file(BAD / "boundaries_without_code.geojson", driver="GeoJSON")


if __name__ == "__main__":
    make_samples()
    make_bad()
