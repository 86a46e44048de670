"""Write ``tests/data/wijken_2016_three_gemeenten.geojson``: the wijken of Ermelo (GM0233),
Harderwijk (GM0243) and Alkmaar (GM0361) from CBS's national Wijk- en Buurtkaart 2016 at wijk
level (``nl_wijken_2016.geojson`` of the shared reference data, columns ``WKC``, ``WKN``,
``GMC``, ``GMN``, RD New), unchanged: a real layer of several gemeenten whose finest level is
the wijk, with codes of an older vintage (Alkmaar's 2016 division has 10 wijken, today's 8).

Run from the repository root: ``python tests/data/make_wijken_2016.py``; the output is
committed.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

SOURCE = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "nl_wijken_2016.geojson"
OUT = Path(__file__).resolve().parent / "wijken_2016_three_gemeenten.geojson"
GEMEENTEN = ("GM0233", "GM0243", "GM0361")


def main() -> None:
    wijken = gpd.read_file(SOURCE)
    chosen = wijken[wijken["GMC"].isin(GEMEENTEN)].reset_index(drop=True)
    OUT.unlink(missing_ok=True)
    chosen.to_file(OUT, driver="GeoJSON")


if __name__ == "__main__":
    main()
