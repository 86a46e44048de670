"""The demo data set as a whole: :func:`build_demo` generates its frames in memory,
:func:`generate_demo` writes them as the exports an analyst would import (:class:`DemoFiles`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regie_analytics.demo.buurten import (
    generate_population,
    input_file,
    load_buurten,
    load_categories,
    load_municipalities,
    plant_patterns,
    trend_factors,
)
from regie_analytics.demo.physical import physical_records
from regie_analytics.demo.readme import readme_text
from regie_analytics.demo.signalen import signalen_export
from regie_analytics.demo.social import social_counts


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
    boundaries_path = input_file(boundaries, "boundaries/amsterdam_buurten_2022.geojson")
    kerncijfers_path = input_file(kerncijfers, "boundaries/nl_gemeenten_2024_kerncijfers.geojson")
    buurten = load_buurten(boundaries_path)
    total, neighbours = load_municipalities(kerncijfers_path)
    taxonomy_path = input_file(taxonomy, "taxonomy/signalen_categories_amsterdam.csv")
    tree = load_categories(taxonomy_path)

    population = generate_population(buurten, total, rng)
    truth = plant_patterns(buurten, population, rng)
    trend = trend_factors(truth, months)
    phys = physical_records(buurten, population, truth, trend, tree, periods, scale, rng)
    signals, locations, categories, statuses, signal_buurt = signalen_export(
        phys, buurten, neighbours, tree, periods, rng
    )
    social = social_counts(buurten, population, truth, trend, periods, scale, rng)
    population_frame = pd.DataFrame(
        {"area_code": buurten["area_code"], "population": population, "gegenereerd": "ja"}
    )
    truth_frame = truth[["area_code", "patroon", "cluster_id"]].copy()
    readme = readme_text(
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
