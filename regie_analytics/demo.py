"""Seeded, deterministic demo data on the real Amsterdam buurten.

No real record-level resident reports and no population per buurt for a large Dutch city are
available offline, so the demo is generated. The boundaries (518 buurten, 2022) and the
municipal population total (CBS kerncijfers 2024, ``GM0363``: 931,298) are real; everything
else is drawn from ``numpy.random.default_rng(seed)`` and is byte-identical on reruns.

What is written (see :class:`DemoFiles`):

- ``signalen/``: a Signalen data-warehouse export (``signals.csv``, ``locations.csv``,
  ``categories.csv``, ``statuses.csv``, joined on ``_signal_id``) of physical-domain reports.
  As in the real export, column ``lat`` holds the longitude and ``lng`` the latitude; ``text``
  holds the constant ``"(gegenereerde tekst)"``; ``buurt_code`` is empty (an importer assigns
  buurten by coordinates). About 1% of signals have no coordinates, about 0.5% lie 0.3-3 km
  outside Amsterdam (in Amstelveen, Diemen or Zaanstad) and about 0.3% carry a category that
  is not in the Signalen tree.
- ``sociaal/wijkteam_telling.csv``: social-domain counts per buurt, month, theme and channel
  (``wijkteam`` or ``KCC``), only cells with a count above zero.
- ``bevolking.csv``: a generated population per buurt that sums exactly to the real total.
- ``waarheid.csv``: the planted pattern per buurt (see :data:`PATRONEN`).
- ``LEESMIJ.txt``: a Dutch note that all of it is generated, with the seed and what is planted.

Volumes (scale 1): physical reports at 0.172 per inhabitant per year (Den Haag about 100,000 a
year for 550,000 inhabitants; Fixi 338,329 in nine months for 2.7 million inhabitants), about
160,000 a year for Amsterdam. Social questions at 0.05 per inhabitant per year (an assumption:
wijkteam intakes plus KCC questions on social themes), about 46,600 a year over eight themes.

Model. Physical counts per buurt, month and sub category are Poisson with mean proportional to
an exposure (population plus 400 "inhabitant equivalents" per km² of area, capped at 2 km², so
parks and business parks also get reports) times a gamma buurt effect (mean 1, shape 8; shape
40 in planted clusters), the planted multiplier, a buurt trend, a national trend of +4% a year
and a seasonal profile per category (summer peak for groen, overlast and dieren; a
turn-of-the-year peak for afval, vuurwerk and kerstbomen; autumn leaves and winter gladheid for
schoon). Social counts per buurt, month, theme and channel are Poisson with mean proportional
to population times a gamma buurt effect (shape 6; 40 in planted clusters), the planted
multiplier, the trend (+2% a year nationally) and a mild seasonal profile with a dip in July
and August. Lead times are lognormal per main category (median: afval 2 days, schoon 3, wegen
7, groen 10, civiele constructies 20, wonen 30) with a 30% longer median and a heavier tail in
Nieuw-West, Noord and Zuidoost; nothing closes after the window end, so recent signals are more
often still open.

Planted patterns (the truth in ``waarheid.csv``): four ``beide_hoog`` clusters (seed buurt plus
its residential queen neighbours) in Nieuw-West, Zuidoost, Noord and Oost with social and
physical rates x2.5-3; two ``alleen_sociaal`` clusters (West, Noord) with only social x2.5-3;
two ``alleen_fysiek`` clusters (Centrum: visitors, De Pijp: market) with only physical x2.5-3;
six ``stijgend`` buurten whose rates rise linearly to +60% at the end of the window and six
``dalend`` buurten falling to -40% (both domains). All other buurten are ``geen``; they vary
only through the gamma buurt effect and Poisson noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regie_analytics.resources import data_file
from regie_analytics.schema import NO_LOCATION, OUTSIDE, InputError

DEMO_SOURCE_NOTE = (
    "Gegenereerde demodata: geen echte meldingen of personen. Alleen de buurtgrenzen en het "
    "inwonertotaal van Amsterdam (CBS 2024) zijn echt; meldingen, aantallen en inwoners per "
    "buurt zijn met een vaste seed gegenereerd."
)
"""The sentence the dashboard shows wherever demo data is on screen."""

THEMES: tuple[str, ...] = (
    "zorg en ondersteuning",
    "jeugd en gezin",
    "werk en inkomen",
    "schulden en armoede",
    "eenzaamheid en welzijn",
    "wonen",
    "overlast door personen",
    "zorg en veiligheid",
)
"""Social-domain themes of ``sociaal/wijkteam_telling.csv``."""

SOCIAL_CHANNELS: tuple[str, ...] = ("wijkteam", "KCC")

PATRONEN: dict[str, str] = {
    "beide_hoog": "sociaal én fysiek verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "alleen_sociaal": "alleen sociaal verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "alleen_fysiek": "alleen fysiek verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "stijgend": "beide domeinen stijgen lineair tot +60% aan het eind van de periode",
    "dalend": "beide domeinen dalen lineair tot -40% aan het eind van de periode",
    "geen": "geen geplant patroon (alleen toevallige variatie)",
}
"""Meaning of ``patroon`` in ``waarheid.csv`` (Dutch, for display)."""

PHYSICAL_RATE = 0.172
"""Physical reports per inhabitant per year (calibration, see module docstring)."""
SOCIAL_RATE = 0.05
"""Social-domain questions per inhabitant per year (assumption, see module docstring)."""

_TZ = "Europe/Amsterdam"

_CLUSTER_SEEDS: tuple[tuple[str, str], ...] = (
    ("beide_hoog", "FM02"),  # Nieuw-West, Overtoomse Veld-Noord
    ("beide_hoog", "TH04"),  # Zuidoost, K-buurt-Zuidwest
    ("beide_hoog", "NE03"),  # Noord, Banne-Zuidwest
    ("beide_hoog", "MD01"),  # Oost, Transvaalbuurt-West
    ("alleen_sociaal", "ED02"),  # West, Kolenkitbuurt-Zuid
    ("alleen_sociaal", "NH01"),  # Noord, Buikslotermeer-Noord
    ("alleen_fysiek", "AE02"),  # Centrum, Oude Kerk e.o. (visitors)
    ("alleen_fysiek", "KE01"),  # Zuid, Frans Halsbuurt (market)
)
_N_TREND = 6
_TREND_END = {"stijgend": 1.6, "dalend": 0.6}

# fmt: off
# Parks, business parks, hospitals, sports parks and polders: population near zero
# (Westpoort, codes starting with B, too).
_LOW_POPULATION = frozenset((
    "AK01", "EA01", "EA02", "EB03", "EE03", "EG01", "FA01", "FA02", "FA03", "FA04", "FA05",
    "FA08", "FB01", "FE04", "FF01", "FF03", "FH01", "FN03", "FQ08", "FQ10", "KA06", "KC01",
    "KD01", "KN02", "KP02", "KQ01", "KR04", "MA08", "MA11", "MG04", "MH06", "MK01", "MN06",
    "MN07", "MN09", "MP02", "MQ02", "NA01", "NB01", "NB02", "NL02", "NP03", "SA01", "SB06",
    "SC01", "SD02", "SE01", "SE04", "TA02", "TA03", "TA04", "TA05", "TA06", "TC05", "TK02",
    "TK03",
))
# Villages and rural ribbons: a few hundred inhabitants.
_VILLAGES = frozenset((
    "FQ01", "NA05", "ND02", "NQ03", "NQ04", "NQ05", "NQ06", "NQ07", "NQ08", "NQ09", "NQ10", "SA02",
))
# Relative residential density per stadsdeel (first letter of the buurt code).
_DENSITY = {"A": 0.75, "E": 1.25, "F": 1.0, "K": 1.05, "M": 1.0, "N": 0.8, "S": 0.6, "T": 1.0}
_MAX_POPULATION = 10_000

_SOURCES: tuple[tuple[str, float, bool], ...] = (
    # (Signalen source, share, business hours only)
    ("online", 0.52, False),
    ("app", 0.12, False),
    ("Telefoon – CCA", 0.13, True),
    ("Telefoon – ASC", 0.04, True),
    ("Telefoon – Stadsdeel", 0.02, True),
    ("E-mail – CCA", 0.02, True),
    ("E-mail – Stadsdeel", 0.03, True),
    ("Interne melding", 0.12, True),
)
# Relative weight per hour of the day (0-23) and per weekday (Monday first).
_HOURS_ANYTIME = np.array([
    1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4.0, 5.0, 5.5, 5.5,
    5.2, 5.0, 5.0, 5.0, 5.0, 5.2, 5.5, 5.8, 5.5, 4.5, 3.0, 1.8,
])
_HOURS_OFFICE = np.array([
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 1.0, 3.0, 6.0, 7.0, 7.0,
    5.0, 6.0, 6.0, 5.5, 4.5, 2.0, 0.8, 0.3, 0.2, 0.1, 0.05, 0.05,
])
_WEEKDAY_ANYTIME = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9])
_WEEKDAY_OFFICE = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.15])

# Share of all physical reports per main category.
_MAIN_SHARE = {
    "afval": 0.27,
    "schoon": 0.15,
    "wegen-verkeer-straatmeubilair": 0.14,
    "openbaar-groen-en-water": 0.10,
    "overlast-in-de-openbare-ruimte": 0.10,
    "overlast-van-en-door-personen-of-groepen": 0.06,
    "overlast-bedrijven-en-horeca": 0.05,
    "overig": 0.04,
    "overlast-van-dieren": 0.03,
    "wonen": 0.02,
    "overlast-op-het-water": 0.015,
    "civiele-constructies": 0.015,
    "ondermijning": 0.005,
}
# Seasonal profile per main category, January to December (missing: flat).
_SUMMER = [0.8, 0.75, 0.85, 1.0, 1.15, 1.3, 1.35, 1.35, 1.1, 0.9, 0.8, 0.85]
_FLAT = [1.0] * 12
_MAIN_SEASON = {
    "afval": [1.35, 0.85, 0.9, 1.0, 1.05, 1.15, 1.2, 1.2, 1.0, 0.95, 0.9, 1.1],
    "schoon": [1.15, 1.0, 0.85, 0.9, 1.0, 1.05, 1.1, 1.1, 0.95, 1.1, 1.15, 1.0],
    "openbaar-groen-en-water": [0.6, 0.65, 0.8, 1.0, 1.3, 1.55, 1.5, 1.35, 1.05, 0.9, 0.7, 0.6],
    "wegen-verkeer-straatmeubilair": [1.1, 1.05, 1, 0.95, 0.95, 0.95, 0.9, 0.9, 1, 1.05, 1.1, 1.1],
    "overlast-in-de-openbare-ruimte": _SUMMER,
    "overlast-van-en-door-personen-of-groepen": _SUMMER,
    "overlast-bedrijven-en-horeca": _SUMMER,
    "overlast-op-het-water": [0.4, 0.4, 0.6, 0.9, 1.3, 1.7, 1.9, 1.9, 1.3, 0.8, 0.5, 0.4],
    "overlast-van-dieren": [0.6, 0.6, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.4, 1.0, 0.7, 0.6],
}
# Extra weight of well-known large sub categories within their main category.
_SUB_WEIGHT = {
    "grofvuil": 5.0, "huisafval": 3.0, "container-bijplaatsing": 3.0, "container-is-vol": 2.5,
    "veegzwerfvuil": 4.0, "prullenbak-vol": 2.5, "lantaarnpaal-straatverlichting": 3.0,
    "onderhoud-stoep-straat-en-fietspad": 3.0, "fietswrak": 2.5, "parkeeroverlast": 2.0,
    "ratten": 2.0, "overlast-door-afsteken-vuurwerk": 1.5, "geluidsoverlast-muziek": 2.0,
    "overig": 2.0,
}
# Seasonal override of a sub category, January to December (normalised to mean 1 before use).
_SUB_SEASON = {
    "overlast-door-afsteken-vuurwerk": [6, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 10],
    "kerstbomen": [12.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 2],
    "eikenprocessierups": [0.05, 0.05, 0.05, 0.05, 3.0, 5.0, 3.0, 0.05, 0.05, 0.05, 0.05, 0.05],
    "wespen": [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 3.0, 5.0, 3.0, 0.2, 0.2, 0.2],
    "gladheid-winterdienst": [4.0, 3.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 3.0],
    "gladheid-bladeren": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 3.0, 4.0, 1.0],
}
_UNKNOWN_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("nieuwe-categorie", "e-steps"),
    ("nieuwe-categorie", "deelscooters"),
    ("afval", "zwerfafval-evenementen"),
)
# Median lead time in days per main category (missing: 5).
_LEAD_MEDIAN_DAYS = {
    "afval": 2.0, "schoon": 3.0, "wegen-verkeer-straatmeubilair": 7.0,
    "openbaar-groen-en-water": 10.0, "civiele-constructies": 20.0,
    "overlast-in-de-openbare-ruimte": 5.0, "overlast-bedrijven-en-horeca": 6.0,
    "overlast-op-het-water": 3.0, "overlast-van-dieren": 6.0,
    "overlast-van-en-door-personen-of-groepen": 2.0, "wonen": 30.0, "ondermijning": 45.0,
    "overig": 4.0,
}
_SLOW_STADSDELEN = frozenset(("F", "N", "T"))  # Nieuw-West, Noord, Zuidoost
_STATES = {"m": "Gemeld", "b": "In behandeling", "o": "Afgehandeld", "a": "Geannuleerd"}

# Per theme (order of THEMES): share of all social questions, share via the wijkteam.
_THEME_SHARE = np.array([0.22, 0.15, 0.15, 0.14, 0.10, 0.10, 0.08, 0.06])
_WIJKTEAM_SHARE = np.array([0.70, 0.75, 0.45, 0.60, 0.70, 0.40, 0.35, 0.60])
_SOCIAL_SEASON = np.array([1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.8, 0.8, 1.1, 1.05, 1.05, 0.95])
_THEME_SEASON = {
    "schulden en armoede":    [1.3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    "jeugd en gezin":         [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 1.1, 1.0, 1.0, 1.0],
    "eenzaamheid en welzijn": [1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.25],
}
# fmt: on
_NEIGHBOURS = ("GM0362", "GM0384", "GM0479")  # Amstelveen, Diemen, Zaanstad


@dataclass(frozen=True)
class DemoFiles:
    """Paths written by :func:`generate_demo`.

    ``truth`` (``waarheid.csv``) has one row per buurt: ``area_code``, ``patroon`` (one of
    :data:`PATRONEN`: ``beide_hoog``, ``alleen_sociaal``, ``alleen_fysiek`` for buurten in a
    planted cluster, ``stijgend``/``dalend`` for trend buurten, ``geen`` otherwise) and
    ``cluster_id`` (the planted cluster, empty outside clusters).
    """

    root: Path
    signals: Path
    locations: Path
    categories: Path
    statuses: Path
    social: Path
    population: Path
    truth: Path
    readme: Path

    @property
    def signalen_dir(self) -> Path:
        """The folder with the four Signalen CSV files."""
        return self.signals.parent


@dataclass(frozen=True)
class DemoData:
    """The demo frames exactly as :func:`generate_demo` writes them, plus the intent.

    ``signal_buurt`` is not written: it is the buurt each signal was generated in (indexed by
    signal ``id``), or ``BUITEN_GEBIED`` / ``ZONDER_LOCATIE`` for the planted outside and
    no-location rows, i.e. what an importer should assign from the coordinates.
    ``boundaries``, ``kerncijfers`` and ``taxonomy`` are the input files that were used.
    """

    signals: pd.DataFrame
    locations: pd.DataFrame
    categories: pd.DataFrame
    statuses: pd.DataFrame
    social: pd.DataFrame
    population: pd.DataFrame
    truth: pd.DataFrame
    signal_buurt: pd.Series
    readme: str
    boundaries: Path
    kerncijfers: Path
    taxonomy: Path


def generate_demo(
    out_dir: str | Path,
    *,
    seed: int = 20261127,
    scale: float = 1.0,
    start: str = "2023-11",
    months: int = 36,
    boundaries: str | Path | None = None,
    kerncijfers: str | Path | None = None,
    taxonomy: str | Path | None = None,
) -> DemoFiles:
    """Write the demo data set to ``out_dir``; byte-identical for the same arguments.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed; existing demo files are overwritten).
    seed
        Seed of ``numpy.random.default_rng``.
    scale
        Multiplies all record volumes (1.0: about 480,000 signals over 36 months).
    start
        First month, ``YYYY-MM``.
    months
        Number of months.
    boundaries, kerncijfers, taxonomy
        Input files; default: the project's bundled copies in ``data/``.

    Returns
    -------
    DemoFiles
        The paths written.
    """
    data = build_demo(
        seed=seed,
        scale=scale,
        start=start,
        months=months,
        boundaries=boundaries,
        kerncijfers=kerncijfers,
        taxonomy=taxonomy,
    )
    root = Path(out_dir)
    (root / "signalen").mkdir(parents=True, exist_ok=True)
    (root / "sociaal").mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        root=root,
        signals=root / "signalen" / "signals.csv",
        locations=root / "signalen" / "locations.csv",
        categories=root / "signalen" / "categories.csv",
        statuses=root / "signalen" / "statuses.csv",
        social=root / "sociaal" / "wijkteam_telling.csv",
        population=root / "bevolking.csv",
        truth=root / "waarheid.csv",
        readme=root / "LEESMIJ.txt",
    )
    for frame, path in (
        (data.signals, files.signals),
        (data.locations, files.locations),
        (data.categories, files.categories),
        (data.statuses, files.statuses),
        (data.social, files.social),
        (data.population, files.population),
        (data.truth, files.truth),
    ):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.6f")
    files.readme.write_text(data.readme, encoding="utf-8")
    return files


def build_demo(
    *,
    seed: int = 20261127,
    scale: float = 1.0,
    start: str = "2023-11",
    months: int = 36,
    boundaries: str | Path | None = None,
    kerncijfers: str | Path | None = None,
    taxonomy: str | Path | None = None,
) -> DemoData:
    """Generate the demo frames in memory (same arguments as :func:`generate_demo`).

    Returns
    -------
    DemoData
        The frames as written, plus the generating buurt of every signal.
    """
    if not scale > 0:
        raise ValueError(f"scale moet groter dan 0 zijn, niet {scale}.")
    if months < 1:
        raise ValueError(f"months moet minstens 1 zijn, niet {months}.")
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start) is None:
        raise ValueError(f"start moet een maand zijn als '2023-11', niet '{start}'.")
    periods = pd.period_range(pd.Period(start, freq="M"), periods=months, freq="M")

    rng = np.random.default_rng(seed)
    boundaries_path = _resolve(boundaries, "boundaries/amsterdam_buurten_2022.geojson")
    kerncijfers_path = _resolve(kerncijfers, "boundaries/nl_gemeenten_2024_kerncijfers.geojson")
    buurten = _load_buurten(boundaries_path)
    total, neighbours = _load_municipalities(kerncijfers_path)
    taxonomy_path = _resolve(taxonomy, "taxonomy/signalen_categories_amsterdam.csv")
    tree = _load_categories(taxonomy_path)

    population = _generate_population(buurten, total, rng)
    truth = _plant_patterns(buurten, population, rng)
    trend = _trend_factors(truth, months)
    phys = _physical_records(buurten, population, truth, trend, tree, periods, scale, rng)
    signals, locations, categories, statuses, signal_buurt = _signalen_export(
        phys, buurten, neighbours, tree, periods, rng
    )
    social = _social_counts(buurten, population, truth, trend, periods, scale, rng)
    population_frame = pd.DataFrame(
        {"area_code": buurten["area_code"], "population": population, "gegenereerd": "ja"}
    )
    truth_frame = truth[["area_code", "patroon", "cluster_id"]].copy()
    readme = _readme_text(
        seed=seed,
        scale=scale,
        periods=periods,
        total=total,
        buurten=buurten,
        population=population,
        truth=truth,
        n_signals=len(signals),
        n_social=int(social["count"].sum()),
    )
    return DemoData(
        signals=signals,
        locations=locations,
        categories=categories,
        statuses=statuses,
        social=social,
        population=population_frame,
        truth=truth_frame,
        signal_buurt=signal_buurt,
        readme=readme,
        boundaries=boundaries_path,
        kerncijfers=kerncijfers_path,
        taxonomy=taxonomy_path,
    )


# --- inputs ----------------------------------------------------------------------------------


def _resolve(path: str | Path | None, relative: str) -> Path:
    if path is not None:
        return Path(path)
    return data_file(relative)


def _load_buurten(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputError("buurtgrenzen niet gevonden.", file=path, hint="Geef boundaries=...")
    raw = gpd.read_file(path)
    if "cbsCode" not in raw.columns:
        raise InputError("kolom met de CBS-buurtcode ontbreekt.", file=path, column="cbsCode")
    if raw.crs is not None and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(4326)
    frame = raw.sort_values("cbsCode").reset_index(drop=True)
    out = gpd.GeoDataFrame(
        {
            "area_code": frame["cbsCode"].astype(str).to_numpy(),
            "code": frame["cbsCode"].astype(str).str[6:].to_numpy(),
            "naam": frame["naam"].astype(str).to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs=4326,
    )
    out["stadsdeel"] = out["code"].str[0]
    out["area_km2"] = out.geometry.to_crs(28992).area.to_numpy() / 1e6
    return out


def _load_municipalities(path: Path) -> tuple[int, shapely.Geometry]:
    if not path.exists():
        raise InputError("kerncijfers van de gemeenten niet gevonden.", file=path)
    gem = gpd.read_file(path)
    row = gem[gem["gemeentecode"] == "GM0363"]
    if row.empty or pd.isna(row["aantal_inwoners"].iloc[0]):
        raise InputError(
            "geen inwonertal voor Amsterdam (GM0363).", file=path, column="aantal_inwoners"
        )
    total = int(row["aantal_inwoners"].iloc[0])
    near = gem[gem["gemeentecode"].isin(_NEIGHBOURS)].sort_values("gemeentecode")
    neighbours = shapely.union_all(shapely.make_valid(near.geometry.to_numpy()))
    return total, neighbours


def _load_categories(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("categorieboom van Signalen niet gevonden.", file=path)
    tree = pd.read_csv(path, dtype=str, keep_default_na=False)
    tree = tree[tree["is_active"].str.lower() == "true"]
    return pd.DataFrame(
        {
            "main": tree["main_slug"].to_numpy(),
            "sub": tree["sub_slug"].to_numpy(),
            "departments": tree["departments"].to_numpy(),
        }
    )


# --- population and planted truth ------------------------------------------------------------


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:short]] += 1
    return base


def _generate_population(
    buurten: gpd.GeoDataFrame, total: int, rng: np.random.Generator
) -> np.ndarray:
    code = buurten["code"].to_numpy()
    westpoort = np.array([c[0] == "B" for c in code])
    low = np.array([c in _LOW_POPULATION for c in code])
    village = np.array([c in _VILLAGES for c in code])
    resid = ~westpoort & ~low & ~village
    n = len(code)
    pop = np.zeros(n)
    pop[westpoort] = rng.integers(0, 40, westpoort.sum())
    pop[low] = np.clip(rng.lognormal(np.log(40.0), 1.1, low.sum()), 0, 600)
    pop[village] = rng.lognormal(np.log(450.0), 0.5, village.sum())
    density = np.array([_DENSITY.get(c[0], 1.0) for c in code])
    raw = density * buurten["area_km2"].to_numpy() ** 0.6 * rng.lognormal(0.0, 0.35, n)
    remaining = total - pop[~resid].sum()
    weights = raw[resid] / raw[resid].sum() * remaining
    for _ in range(5):  # cap the largest buurten and hand the excess to the others
        capped = weights >= _MAX_POPULATION
        weights[capped] = _MAX_POPULATION
        free = ~capped
        weights[free] *= (remaining - weights[capped].sum()) / weights[free].sum()
    pop[resid] = weights
    return _largest_remainder(pop, total)


def _plant_patterns(
    buurten: gpd.GeoDataFrame, population: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    code = buurten["code"].to_numpy()
    n = len(code)
    geoms = buurten.geometry.to_numpy()
    strtree = shapely.STRtree(geoms)
    residential = population >= 500
    patroon = np.full(n, "geen", dtype=object)
    cluster = np.full(n, -1)
    soc = np.ones(n)
    phys = np.ones(n)
    seeds: list[int] = []
    for cid, (kind, seed_code) in enumerate(_CLUSTER_SEEDS, start=1):
        hit = np.flatnonzero(code == seed_code)
        if hit.size == 0:
            raise InputError(
                f"buurt {seed_code} ontbreekt in de buurtgrenzen; de demo verwacht de "
                "Amsterdamse buurten van 2022."
            )
        i = int(hit[0])
        seeds.append(i)
        near = np.sort(strtree.query(geoms[i], predicate="intersects"))
        members = [j for j in near if (j == i or residential[j]) and patroon[j] == "geen"]
        factor = rng.uniform(2.5, 3.0)
        patroon[members] = kind
        cluster[members] = cid
        if kind in ("beide_hoog", "alleen_sociaal"):
            soc[members] = factor
        if kind in ("beide_hoog", "alleen_fysiek"):
            phys[members] = factor
    # trend buurten: residential, not in or next to a cluster
    in_cluster = np.flatnonzero(cluster > 0)
    touching = np.unique(strtree.query(geoms[in_cluster], predicate="intersects")[1])
    eligible = np.flatnonzero(population >= 1500)
    eligible = np.setdiff1d(eligible, touching)
    picks = rng.choice(eligible, size=2 * _N_TREND, replace=False)
    patroon[picks[:_N_TREND]] = "stijgend"
    patroon[picks[_N_TREND:]] = "dalend"
    return pd.DataFrame(
        {
            "area_code": buurten["area_code"].to_numpy(),
            "patroon": patroon.astype(str),
            "cluster_id": pd.Series(cluster).where(cluster > 0).astype("Int64"),
            "social_factor": soc,
            "physical_factor": phys,
            "seed": np.isin(np.arange(n), seeds),
        }
    )


def _buurt_effect(
    truth: pd.DataFrame, factor: str, shape: float, rng: np.random.Generator
) -> np.ndarray:
    """Gamma buurt effect (mean 1, given shape) times the planted factor.

    Buurten in a planted cluster vary less (shape 40), so the planted contrast is unambiguous.
    """
    effect = rng.gamma(shape, 1 / shape, len(truth))
    planted = truth["cluster_id"].notna().to_numpy()
    effect[planted] = rng.gamma(40.0, 1 / 40.0, planted.sum())
    return effect * truth[factor].to_numpy()


def _trend_factors(truth: pd.DataFrame, months: int) -> np.ndarray:
    """Buurt x month multiplier: 1 at the start, ``_TREND_END`` at the last month."""
    pos = np.arange(months) / max(months - 1, 1)
    end = truth["patroon"].map(_TREND_END).fillna(1.0).to_numpy()
    return 1.0 + (end[:, None] - 1.0) * pos[None, :]


# --- physical signals ------------------------------------------------------------------------


def _physical_records(
    buurten: gpd.GeoDataFrame,
    population: np.ndarray,
    truth: pd.DataFrame,
    trend: np.ndarray,
    tree: pd.DataFrame,
    periods: pd.PeriodIndex,
    scale: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per physical signal: buurt index, month index, category index, local time."""
    n_m, n_s = len(periods), len(tree)
    exposure = population + 400.0 * np.minimum(buurten["area_km2"].to_numpy(), 2.0)
    buurt_effect = _buurt_effect(truth, "physical_factor", 8.0, rng)
    calendar = periods.month.to_numpy() - 1
    national = 1.04 ** (np.arange(n_m) / 12.0)

    mains = tree["main"].to_numpy()
    main_share = np.array([_MAIN_SHARE.get(m, 0.01) for m in mains])
    sub_weight = rng.gamma(6.0, 1 / 6.0, n_s) * np.array(
        [_SUB_WEIGHT.get(s, 1.0) for s in tree["sub"]]
    )
    per_main = pd.Series(sub_weight).groupby(mains).transform("sum").to_numpy()
    share = main_share * sub_weight / per_main
    season = np.empty((n_s, 12))
    for k, (main, sub) in enumerate(zip(mains, tree["sub"], strict=True)):
        profile = np.asarray(_MAIN_SEASON.get(main, _FLAT))
        override = np.asarray(_SUB_SEASON.get(sub, _FLAT))
        season[k] = profile * override / override.mean()

    lam = (
        (exposure * buurt_effect)[:, None, None]
        * (trend * national[None, :])[:, :, None]
        * (share[:, None] * season[:, calendar]).T[None, :, :]
    )
    target = PHYSICAL_RATE * population.sum() * n_m / 12.0 * scale
    lam *= target / lam.sum()
    counts = rng.poisson(lam.ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    b, rest = np.divmod(cell, n_m * n_s)
    m, s = np.divmod(rest, n_s)

    n = cell.size
    source_idx = rng.choice(len(_SOURCES), size=n, p=[x[1] for x in _SOURCES])
    office = np.array([x[2] for x in _SOURCES])[source_idx]
    fireworks = tree["sub"].to_numpy()[s] == "overlast-door-afsteken-vuurwerk"
    day = _sample_days(periods, m, office, fireworks, rng)
    hour = _sample_hours(office, rng)
    seconds = rng.integers(0, 3600, n)
    month_start = periods.start_time.to_numpy().astype("datetime64[s]")
    local = month_start[m] + (day * 86400 + hour * 3600 + seconds).astype("timedelta64[s]")
    order = np.argsort(local, kind="stable")
    return pd.DataFrame(
        {
            "buurt": b[order],
            "month": m[order],
            "category": s[order],
            "source": source_idx[order],
            "local": local[order],
        }
    )


def _sample_days(
    periods: pd.PeriodIndex,
    month: np.ndarray,
    office: np.ndarray,
    fireworks: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Zero-based day of the month, weighted by weekday and the turn of the year."""
    u = rng.random(month.size)
    day = np.zeros(month.size, dtype=np.int64)
    for k, period in enumerate(periods):
        n_days = period.days_in_month
        weekday = (period.start_time.day_of_week + np.arange(n_days)) % 7
        for is_office in (False, True):
            base = (_WEEKDAY_OFFICE if is_office else _WEEKDAY_ANYTIME)[weekday]
            for is_fw in (False, True):
                mask = (month == k) & (office == is_office) & (fireworks == is_fw)
                if not mask.any():
                    continue
                w = base.copy()
                if is_fw and period.month == 12:
                    w[23:] *= np.linspace(3.0, 30.0, n_days - 23)
                elif is_fw and period.month == 1:
                    w[:2] *= (40.0, 8.0)
                cdf = np.cumsum(w) / w.sum()
                day[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), n_days - 1)
    return day


def _sample_hours(office: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(office.size)
    hour = np.empty(office.size, dtype=np.int64)
    for is_office, weights in ((False, _HOURS_ANYTIME), (True, _HOURS_OFFICE)):
        cdf = np.cumsum(weights) / weights.sum()
        mask = office == is_office
        hour[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), 23)
    return hour


def _local_to_utc(local: np.ndarray) -> np.ndarray:
    """Amsterdam wall time (datetime64[s]) to UTC; gaps shift forward, overlaps are winter."""
    idx = pd.DatetimeIndex(local).tz_localize(
        _TZ, ambiguous=np.zeros(local.size, dtype=bool), nonexistent="shift_forward"
    )
    return idx.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")


def _iso_local(utc: np.ndarray) -> np.ndarray:
    """UTC datetime64[s] to ISO 8601 strings in Amsterdam time with offset."""
    aware = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(_TZ)
    wall = aware.tz_localize(None).to_numpy().astype("datetime64[s]")
    offset = (wall - utc).astype(np.int64)
    text = np.datetime_as_string(wall, unit="s").astype(object)
    return text + np.where(offset == 7200, "+02:00", "+01:00")


def _uuids(n: int, rng: np.random.Generator) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = raw.tobytes().hex()
    return [
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (hexes[i : i + 32] for i in range(0, 32 * n, 32))
    ]


def _points_in_buurten(
    geoms: np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points (rounded to 6 decimals) inside ``geoms[which]``: rejection sampling."""
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    x = np.full(which.size, np.nan)
    y = np.full(which.size, np.nan)
    todo = np.arange(which.size)
    while todo.size:
        box = bounds[which[todo]]
        cx = np.round(rng.uniform(box[:, 0], box[:, 2]), 6)
        cy = np.round(rng.uniform(box[:, 1], box[:, 3]), 6)
        ok = shapely.contains_xy(geoms[which[todo]], cx, cy)
        x[todo[ok]] = cx[ok]
        y[todo[ok]] = cy[ok]
        todo = todo[~ok]
    return x, y


def _outside_points(
    buurten: gpd.GeoDataFrame, neighbours: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points 0.3-3 km outside Amsterdam, inside Amstelveen, Diemen or Zaanstad."""
    rd = gpd.GeoSeries([shapely.union_all(buurten.geometry.to_numpy())], crs=4326).to_crs(28992)
    ring = rd.buffer(3000).difference(rd.buffer(300))
    near = gpd.GeoSeries([neighbours], crs=4326).to_crs(28992)
    # keep them in the same lon/lat window as Amsterdam itself (Zaanstad reaches far west)
    region = shapely.clip_by_rect(
        ring.intersection(near).to_crs(4326).iloc[0], 4.7, 52.2, 5.1, 52.5
    )
    geoms = np.array([region] * n, dtype=object)
    return _points_in_buurten(geoms, np.arange(n), rng)


def _signalen_export(
    phys: pd.DataFrame,
    buurten: gpd.GeoDataFrame,
    neighbours: shapely.Geometry,
    tree: pd.DataFrame,
    periods: pd.PeriodIndex,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    n = len(phys)
    ids = np.arange(1, n + 1)
    b = phys["buurt"].to_numpy()
    s = phys["category"].to_numpy()
    stadsdeel = buurten["stadsdeel"].to_numpy()[b]

    # --- locations: in the buurt, none, or just outside Amsterdam
    kind = rng.random(n)
    no_location = kind < 0.01
    outside = (kind >= 0.01) & (kind < 0.015)
    inside = ~no_location & ~outside
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[inside], lat[inside] = _points_in_buurten(buurten.geometry.to_numpy(), b[inside], rng)
    lon[outside], lat[outside] = _outside_points(buurten, neighbours, int(outside.sum()), rng)
    area = buurten["area_code"].to_numpy()[b].astype(object)
    area[no_location] = NO_LOCATION
    area[outside] = OUTSIDE
    signal_buurt = pd.Series(area, index=pd.Index(ids, name="id"), name="area_code")

    # --- categories, with a few that the tree does not know
    main = tree["main"].to_numpy()[s].astype(object)
    sub = tree["sub"].to_numpy()[s].astype(object)
    departments = tree["departments"].to_numpy()[s].astype(object)
    unknown = rng.random(n) < 0.003
    pick = rng.integers(0, len(_UNKNOWN_CATEGORIES), n)
    main[unknown] = np.array([c[0] for c in _UNKNOWN_CATEGORIES], dtype=object)[pick[unknown]]
    sub[unknown] = np.array([c[1] for c in _UNKNOWN_CATEGORIES], dtype=object)[pick[unknown]]
    departments[unknown] = ""

    # --- timing and status
    created = _local_to_utc(phys["local"].to_numpy())
    window_end = _local_to_utc(
        np.array([(periods[-1] + 1).start_time.to_datetime64()], dtype="datetime64[s]")
    )[0]
    median = np.array([_LEAD_MEDIAN_DAYS.get(mn, 5.0) for mn in tree["main"]])[s]
    slow = np.isin(stadsdeel, list(_SLOW_STADSDELEN)) & inside
    median = median * np.where(slow, 1.3, 1.0)
    sigma = np.where(slow, 1.3, 1.0)
    lead = rng.lognormal(np.log(median * 86400.0), sigma).astype(np.int64)
    cancelled = rng.random(n) < 0.03
    lead[cancelled] = rng.lognormal(np.log(86400.0), 1.0, cancelled.sum()).astype(np.int64)
    closed = created + np.maximum(lead, 60).astype("timedelta64[s]")
    is_closed = closed < window_end
    age = (window_end - created).astype(np.int64)
    fresh = rng.random(n) < np.where(age < 3 * 86400, 0.6, 0.15)
    progress = created + (rng.uniform(0.1, 0.6, n) * age).astype("timedelta64[s]")
    state = np.where(is_closed, np.where(cancelled, "a", "o"), np.where(fresh, "m", "b"))
    status_time = np.where(is_closed, closed, np.where(fresh, created, progress))
    status_iso = _iso_local(status_time)

    signals = pd.DataFrame(
        {
            "id": ids,
            "signal_uuid": _uuids(n, rng),
            "source": np.array([x[0] for x in _SOURCES], dtype=object)[phys["source"].to_numpy()],
            "text": "(gegenereerde tekst)",
            "created_at": _iso_local(created),
            "updated_at": status_iso,
            "category_assignment_id": ids + 2_000_000,
            "location_id": ids + 1_000_000,
            "status_id": ids + 3_000_000,
        }
    )
    locations = pd.DataFrame(
        {
            "id": ids + 1_000_000,
            "lat": lon,  # the real export's quirk: 'lat' holds the longitude
            "lng": lat,
            "stadsdeel": np.where(inside, stadsdeel, ""),
            "buurt_code": "",
            "address_text": "",
            "area_code": "",
            "area_name": "",
            "_signal_id": ids,
        }
    )
    categories = pd.DataFrame(
        {
            "id": ids + 2_000_000,
            "main": main,
            "sub": sub,
            "departments": departments,
            "deadline": "",
            "_signal_id": ids,
        }
    )
    statuses = pd.DataFrame(
        {
            "id": ids + 3_000_000,
            "text": "",
            "state_display": pd.Series(state).map(_STATES).to_numpy(),
            "state": state,
            "created_at": status_iso,
            "_signal_id": ids,
        }
    )
    return signals, locations, categories, statuses, signal_buurt


# --- social counts ---------------------------------------------------------------------------


def _social_counts(
    buurten: gpd.GeoDataFrame,
    population: np.ndarray,
    truth: pd.DataFrame,
    trend: np.ndarray,
    periods: pd.PeriodIndex,
    scale: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n_m = len(periods)
    effect = _buurt_effect(truth, "social_factor", 6.0, rng)
    calendar = periods.month.to_numpy() - 1
    national = 1.02 ** (np.arange(n_m) / 12.0)
    season = np.array(
        [np.asarray(_THEME_SEASON.get(t, _FLAT)) * _SOCIAL_SEASON for t in THEMES]
    )  # theme x calendar month
    channel = np.stack([_WIJKTEAM_SHARE, 1 - _WIJKTEAM_SHARE], axis=1)  # theme x channel
    lam = (
        (population * effect)[:, None, None, None]
        * (trend * national[None, :])[:, :, None, None]
        * (_THEME_SHARE[:, None] * season[:, calendar]).T[None, :, :, None]
        * channel[None, None, :, :]
    )
    target = SOCIAL_RATE * population.sum() * n_m / 12.0 * scale
    lam *= target / lam.sum()
    counts = rng.poisson(lam)
    b, m, t, c = np.nonzero(counts)
    return pd.DataFrame(
        {
            "area_code": buurten["area_code"].to_numpy()[b],
            "period": periods.strftime("%Y-%m").to_numpy()[m],
            "theme": np.array(THEMES)[t],
            "channel": np.array(SOCIAL_CHANNELS)[c],
            "count": counts[b, m, t, c],
        }
    )


# --- readme ----------------------------------------------------------------------------------


def _readme_text(
    *,
    seed: int,
    scale: float,
    periods: pd.PeriodIndex,
    total: int,
    buurten: gpd.GeoDataFrame,
    population: np.ndarray,
    truth: pd.DataFrame,
    n_signals: int,
    n_social: int,
) -> str:
    names = dict(zip(buurten["area_code"], buurten["naam"], strict=True))
    lines = [
        "DEMODATA - gegenereerd, geen echte meldingen of personen.",
        "",
        DEMO_SOURCE_NOTE,
        "",
        f"Seed: {seed}; schaal: {scale:g}; periode: {periods[0]} t/m {periods[-1]} "
        f"({len(periods)} maanden).",
        f"Echt: de {len(buurten)} Amsterdamse buurtgrenzen (2022) en het inwonertotaal "
        f"{_nl(total)} (CBS kerncijfers 2024, GM0363).",
        "Gegenereerd: inwoners per buurt (som precies gelijk aan het echte totaal; parken, "
        f"bedrijventerreinen en Westpoort bijna leeg; {int((population < 100).sum())} buurten "
        "met minder dan 100 inwoners), alle meldingen en alle aantallen.",
        "",
        "Inhoud:",
        f"- signalen/: export van Signalen (fysiek domein), {_nl(n_signals)} meldingen.",
        "  Let op: kolom 'lat' bevat de lengtegraad en 'lng' de breedtegraad, net als in de echte",
        "  export. Ongeveer 1% zonder locatie, 0,5% net buiten Amsterdam (Amstelveen, Diemen,",
        "  Zaanstad), 0,3% met een categorie die niet in de categorieboom staat. 'text' is een",
        "  vaste tekst: de echte vrije tekst mag niet worden ingelezen.",
        f"- sociaal/wijkteam_telling.csv: {_nl(n_social)} vragen in het sociaal domein, als",
        "  aantallen per buurt, maand, thema en kanaal (wijkteam of KCC).",
        "- bevolking.csv: gegenereerde inwoners per buurt.",
        "- waarheid.csv: het geplante patroon per buurt.",
        "",
        "Aannames voor de volumes (bij schaal 1):",
        f"- fysiek: {_nl(PHYSICAL_RATE)} meldingen per inwoner per jaar (Den Haag ca. 100.000",
        "  per jaar op 550.000 inwoners; Fixi 338.329 in negen maanden op 2,7 miljoen",
        f"  inwoners), voor Amsterdam ca. {_nl(round(PHYSICAL_RATE * total, -3))} per jaar;",
        "  landelijke groei +4% per jaar.",
        f"- sociaal: {_nl(SOCIAL_RATE)} vragen per inwoner per jaar (aanname: intakes van het",
        "  wijkteam plus sociale vragen aan het KCC), voor Amsterdam ca.",
        f"  {_nl(round(SOCIAL_RATE * total, -2))} per jaar over acht thema's; +2% per jaar.",
        "- per buurt een toevallige factor (gammaverdeeld), aantallen Poisson-verdeeld.",
        "- seizoen: fysiek piekt in de zomer (groen, overlast, dieren, afval) en rond de",
        "  jaarwisseling (vuurwerk, kerstbomen, afval); sociaal vlak met een dal in juli-augustus.",
        "- doorlooptijd: lognormaal per hoofdcategorie (mediaan afval 2 dagen, schoon 3, wegen 7,",
        "  groen 10, civiele constructies 20, wonen 30), in Nieuw-West, Noord en Zuidoost",
        "  30% langer met een langere staart; recente meldingen staan vaker nog open.",
        "",
        "Geplante patronen (waarheid.csv):",
    ]
    for kind, text in PATRONEN.items():
        lines.append(f"- {kind}: {text}")
    lines.append("")
    lines.append("Clusters:")
    for cid, group in truth.dropna(subset=["cluster_id"]).groupby("cluster_id"):
        seed_row = group[group["seed"]].iloc[0]
        factor = max(seed_row["social_factor"], seed_row["physical_factor"])
        lines.append(
            f"- cluster {cid} ({seed_row['patroon']}, x{_nl(round(factor, 2))}): rond "
            f"{names[seed_row['area_code']]}, {len(group)} buurten: "
            + ", ".join(names[a] for a in group["area_code"])
        )
    for kind in ("stijgend", "dalend"):
        members = truth.loc[truth["patroon"] == kind, "area_code"]
        lines.append(f"- {kind}: " + ", ".join(names[a] for a in members))
    return "\n".join(lines) + "\n"


def _nl(number: float) -> str:
    """Dutch number format: 931.298 and 0,172."""
    if float(number).is_integer():
        return f"{int(number):,}".replace(",", ".")
    return f"{number:g}".replace(".", ",")
