"""The steps the command line and the Data page share: set up a municipality (boundaries,
population), validate, import, build the demo."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from regie_analytics import cbs, cellkey, geo
from regie_analytics.formatting import fmt_count, fmt_int, fmt_level, fmt_pct
from regie_analytics.ingest import ImportReport, PreparedImport, prepare_import
from regie_analytics.limits import Limits
from regie_analytics.schema import (
    AREA_CODE,
    CATEGORY,
    COUNT,
    DOMAIN,
    GIVEN_AREA_CODE,
    LAT,
    LON,
    SENTINEL_AREAS,
    SUBCATEGORY,
    InputError,
)
from regie_analytics.store import AnyStore, PostgresStore, Store, StoreError
from regie_analytics.taxonomy import UNKNOWN_DOMAIN, Taxonomy, load_taxonomy

Progress = Callable[[float, str], None]


@dataclass
class Context:
    """Boundaries and taxonomy an import is checked against."""

    areas: gpd.GeoDataFrame
    boundaries: dict[str, Any]
    taxonomy: Taxonomy
    taxonomy_info: dict[str, Any] | None
    new_store: bool


def resolve_context(
    store: AnyStore,
    *,
    boundaries: str | Path | None = None,
    code_column: str | None = None,
    gemeente: str | None = None,
    taxonomy: str | Path | Taxonomy | None = None,
) -> Context:
    """The boundaries and taxonomy for an import into ``store``.

    A store that already has boundaries keeps them: passing other boundaries is an error.
    An empty store takes ``boundaries`` or the bundled Amsterdam buurten.
    """
    if store.exists():
        manifest = store.manifest()
        if boundaries is not None:
            wanted = geo.boundaries_fingerprint(
                boundaries, code_column=code_column, gemeente=gemeente
            )
            if wanted.get("sha256") != manifest["boundaries"].get("sha256") or wanted.get(
                "gemeente"
            ) != manifest["boundaries"].get("gemeente"):
                raise StoreError(
                    f"deze store is gebouwd op de grenzen '{manifest['boundaries'].get('file')}'"
                    f"{_gm(manifest['boundaries'])}, niet op '{Path(boundaries).name}'"
                    f"{_gm(wanted)}.",
                    file=store.root,
                    hint="laat --boundaries weg om de grenzen van de store te gebruiken, of "
                    "importeer in een nieuwe store met --store MAP.",
                )
        areas = store.areas()
        info = manifest["boundaries"]
        new_store = False
    else:
        path = Path(boundaries) if boundaries is not None else geo.DEFAULT_BOUNDARIES
        areas, info = geo.load_boundaries_with_fingerprint(
            path, code_column=code_column, gemeente=gemeente
        )
        new_store = True
    if isinstance(taxonomy, Taxonomy):
        tax = taxonomy
        tax_info: dict[str, Any] | None = {"file": tax.name, "rows": len(tax.table)}
    elif taxonomy is not None:
        tax = load_taxonomy(taxonomy)
        tax_info = {"file": Path(taxonomy).name, "rows": len(tax.table)}
    elif store.exists():
        tax, tax_info = store.taxonomy(), None
    else:
        tax = load_taxonomy()
        tax_info = {"file": "taxonomie.csv (standaard)", "rows": len(tax.table)}
    return Context(
        areas=areas, boundaries=info, taxonomy=tax, taxonomy_info=tax_info, new_store=new_store
    )


def set_boundaries(
    store: AnyStore,
    path: str | Path,
    *,
    gemeente: str | None = None,
    code_column: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Make the boundaries in ``path`` (GeoJSON, GeoPackage or zipped shapefile; from a file
    of several municipalities only ``gemeente``'s areas) those of ``store``: a new store, one
    without imports, or one with only the generated demo data (which is dropped). ``name``
    replaces the file's name where the store says where its boundaries come from.

    Returns what the store records about them (see :func:`geo.boundaries_fingerprint`).

    Raises
    ------
    InputError
        An unreadable file, no code column, a gemeente the file does not have, or a store that
        already holds imports.
    """
    areas, info = geo.load_boundaries_with_fingerprint(
        path, code_column=code_column, gemeente=gemeente
    )
    if name is not None:
        info["file"] = name
    store.set_boundaries(areas, info)
    return info


def download_boundaries(
    store: AnyStore, gemeente: str, *, year: int = cbs.DEFAULT_YEAR, level: str = "buurt"
) -> tuple[cbs.Download, dict[str, Any]]:
    """Download a gemeente's CBS Wijken en Buurten from PDOK (cached; see
    :func:`cbs.download_wijken_en_buurten`) and make them the boundaries of ``store`` (see
    :func:`set_boundaries`)."""
    download = cbs.download_wijken_en_buurten(gemeente, year=year, level=level)
    name = f"CBS Wijken en Buurten {download.year} van {download.name} (PDOK)"
    return download, set_boundaries(store, download.cached, gemeente=download.gemeente, name=name)


def import_population(
    store: AnyStore, path: str | Path, *, year: int | None = None
) -> cbs.PopulationMatch:
    """Give the store's areas the population of a StatLine "Kerncijfers wijken en buurten"
    export (:func:`cbs.read_kerncijfers`), as a new version; areas the file has no figure for
    get none. Returns what was matched, and where the figures come from.

    Raises
    ------
    InputError
        An empty store, a file that is not such an export, or no code in common.
    """
    if not store.exists():
        raise StoreError(
            "de store heeft nog geen grenzen.",
            file=store.root,
            hint="kies eerst de gemeente en haar grenzen (pagina Data), of importeer een export "
            "met --boundaries.",
        )
    match = cbs.match_population(cbs.read_kerncijfers(path, year=year), store.areas())
    store.set_population(match.population, source=match.text)
    return match


def _gm(info: dict[str, Any]) -> str:
    return f" (gemeente {info['gemeente']})" if info.get("gemeente") else ""


def validate(
    path: str | Path,
    *,
    preset: str,
    store: AnyStore,
    boundaries: str | Path | None = None,
    code_column: str | None = None,
    gemeente: str | None = None,
    taxonomy: str | Path | Taxonomy | None = None,
    mapping: str | Path | None = None,
    source: str | None = None,
    now: datetime | None = None,
    limits: Limits | None = None,
    date_order: str | None = None,
    context: Context | None = None,
) -> tuple[PreparedImport, Context]:
    """Check an input against the store; nothing is written.

    ``limits`` default to the settings (:meth:`Limits.from_env`); ``date_order`` (``dmy`` or
    ``mdy``) settles numeric dates whose order the column does not show; ``context`` is
    :func:`resolve_context` of the other arguments when the caller has it already.
    """
    context = context or resolve_context(
        store, boundaries=boundaries, code_column=code_column, gemeente=gemeente, taxonomy=taxonomy
    )
    prepared = prepare_import(
        path,
        preset=preset,
        areas=context.areas,
        taxonomy=context.taxonomy,
        existing_keys=store.known_records if store.exists() else None,
        mapping_path=mapping,
        source=source,
        now=now,
        limits=limits,
        date_order=date_order,
        secret=store.secret(),
    )
    require_rows_inside(prepared, context.areas)
    return prepared, context


def require_rows_inside(prepared: PreparedImport, areas: gpd.GeoDataFrame) -> None:
    """Refuse an import that would add rows of which none lies in an area of the store: its
    records belong to another municipality (or other boundaries), and importing them would
    show nothing while reporting success.

    Raises
    ------
    InputError
        Naming where the rows are (outside, without location, unknown codes) and, when
        they can be placed, the municipality most of them lie in.
    """
    report = prepared.report
    if report.imported == 0 or any(
        (~batch[AREA_CODE].isin(SENTINEL_AREAS)).any()
        for batch in prepared.record_batches(columns=[AREA_CODE])
    ):
        return
    records = next(prepared.record_batches())
    level = geo.available_levels(areas)[0]
    name = geo.municipality_name(areas)
    store = f"{name}, " if name else ""
    n_areas = int((areas["level"] == level).sum())
    parts = []
    if report.outside_area:
        parts.append(f"{fmt_int(report.outside_area)} buiten het gebied")
    if report.unknown_area_code:
        examples = ", ".join(list(report.unknown_area_codes)[:3])
        parts.append(
            f"{fmt_int(report.unknown_area_code)} met een onbekende gebiedscode ({examples})"
        )
    if report.without_location:
        parts.append(f"{fmt_int(report.without_location)} zonder locatie")
    where = _where_records_lie(records)
    raise InputError(
        f"geen van de {fmt_count(report.imported, 'rij', 'rijen')} ligt in een gebied van deze "
        f"store ({store}{fmt_int(n_areas)} {fmt_level(level, plural=n_areas != 1)}): "
        f"{', '.join(parts) or 'geen locatie'}.{where} Er is niets geïmporteerd.",
        file=report.file,
        hint="controleer of de export bij deze gemeente hoort. Hoort hij bij een andere "
        "gemeente, gebruik dan een store met die gemeente en haar grenzen (pagina Data, of "
        "--store MAP met --boundaries). Klopt de gemeente wel: controleer de coördinaten "
        "(WGS84 of RD New) of de gebiedscodes (CBS-codes van dezelfde indeling als de "
        "grenzen).",
    )


def _where_records_lie(records: pd.DataFrame) -> str:
    """`` De locaties liggen vooral in Amsterdam (GM0363, 98%).`` (or ``De gebiedscodes horen
    vooral bij ...``), by the bundled national
    list of municipalities (coordinates, or the codes of counts); empty when unknown."""
    national = geo.national_gemeenten()
    if {LON, LAT} <= set(records.columns):
        lonlat = records[[LON, LAT]].dropna().head(20_000)
        if lonlat.empty:
            return ""
        found = geo.assign_points(national, lonlat[LON], lonlat[LAT]).area_code
        codes = pd.Series(found[~pd.Series(found).isin(list(SENTINEL_AREAS))], dtype="str")
        total = len(lonlat)
        what = "locaties liggen vooral in"
    else:
        given = records.get(GIVEN_AREA_CODE, pd.Series(dtype="str")).astype("str")
        codes = given.map(geo.gemeente_of).dropna().astype("str")
        total = int((given != "").sum())
        what = "gebiedscodes horen vooral bij"
    if codes.empty or total == 0:
        return ""
    top = codes.value_counts()
    code, n = str(top.index[0]), int(top.iloc[0])
    name = str(national[geo.AREA_NAME].get(code, code))
    return f" De {what} {name} ({code}, {fmt_pct(n / total)})."


def import_file(
    path: str | Path,
    *,
    preset: str,
    store: AnyStore,
    boundaries: str | Path | None = None,
    code_column: str | None = None,
    gemeente: str | None = None,
    taxonomy: str | Path | Taxonomy | None = None,
    mapping: str | Path | None = None,
    source: str | None = None,
    now: datetime | None = None,
    limits: Limits | None = None,
    date_order: str | None = None,
    progress: Progress | None = None,
    generated: bool | None = None,
) -> ImportReport:
    """Validate and import one input; the store changes only if the whole import succeeds.

    ``progress(fraction, message)`` is told how far the import is (for a progress bar). The
    report says what was committed: the store checks the records again when it commits.
    ``generated``: True marks the store as holding generated data (None: as it was).
    """
    if progress is not None:
        progress(0.05, "bestand lezen en controleren…")
    context = resolve_context(
        store, boundaries=boundaries, code_column=code_column, gemeente=gemeente, taxonomy=taxonomy
    )
    if context.new_store and isinstance(store, Store | PostgresStore):
        store.derive_boundaries(context.areas)  # on the other core meanwhile
    prepared, context = validate(
        path,
        preset=preset,
        store=store,
        boundaries=boundaries,
        code_column=code_column,
        gemeente=gemeente,
        taxonomy=taxonomy,
        mapping=mapping,
        source=source,
        now=now,
        limits=limits,
        date_order=date_order,
        context=context,
    )
    if progress is not None:
        progress(0.6, "controle klaar; schrijven…")
    store.commit(
        [prepared],
        areas=context.areas if context.new_store else None,
        boundaries=context.boundaries,
        taxonomy=context.taxonomy if (context.new_store or taxonomy is not None) else None,
        taxonomy_info=context.taxonomy_info,
        generated=generated,
    )
    if progress is not None:
        progress(1.0, "klaar")
    return prepared.report


def stored_unknown_categories(store: AnyStore) -> pd.DataFrame:
    """The labels in the store that the taxonomy did not recognise (domain ``overig``).

    Returns
    -------
    DataFrame
        Columns ``category``, ``subcategory``, ``count`` (signals; counts imports weigh by their
        count), most frequent first; empty when nothing sits in ``overig``.
    """
    columns = [CATEGORY, SUBCATEGORY, DOMAIN]
    frames = []
    version = store.version_name
    if version is not None and any(
        "signals" in imp.get("parts", {}) for imp in store.manifest().get("imports", [])
    ):
        # summed in the engine: a national store holds millions of signals
        engine = store.engine(version)
        labels = ", ".join(f'COALESCE(CAST("{c}" AS VARCHAR), \'\') AS "{c}"' for c in columns[:2])
        frames.append(
            engine.query(
                f'SELECT {labels}, COUNT(*) AS "{COUNT}" FROM {engine.signals} '
                f'WHERE "{DOMAIN}" = ? GROUP BY 1, 2 ORDER BY 1, 2',
                [UNKNOWN_DOMAIN],
            )
        )
    counts = store.counts()
    if len(counts):
        counts = counts.loc[counts[DOMAIN].astype("str") == UNKNOWN_DOMAIN]
        frames.append(counts.reindex(columns=[CATEGORY, SUBCATEGORY, COUNT]))
    if not frames:
        return pd.DataFrame({CATEGORY: [], SUBCATEGORY: [], COUNT: []}).astype(
            {CATEGORY: "str", SUBCATEGORY: "str", COUNT: "int64"}
        )
    rows = pd.concat(frames, ignore_index=True)
    rows[[CATEGORY, SUBCATEGORY]] = (
        rows[[CATEGORY, SUBCATEGORY]].astype(object).fillna("").astype("str")
    )
    table = rows.groupby([CATEGORY, SUBCATEGORY], sort=False)[COUNT].sum().reset_index()
    table = table.sort_values(COUNT, ascending=False, kind="stable", ignore_index=True)
    return table.astype({COUNT: "int64"})


def accept_suggestions(
    store: AnyStore, taxonomy: Taxonomy, suggestions: pd.DataFrame
) -> tuple[Taxonomy, dict[str, int] | None]:
    """Add accepted :meth:`Taxonomy.suggestions` to the store's taxonomy and to ``taxonomy``.

    See :func:`add_to_taxonomy`.
    """
    return add_to_taxonomy(store, taxonomy, lambda tax: tax.with_suggestions(suggestions))


def add_mappings(
    store: AnyStore, taxonomy: Taxonomy, rows: pd.DataFrame
) -> tuple[Taxonomy, dict[str, int] | None]:
    """Add mappings made by hand (:meth:`Taxonomy.with_mappings`) to the store's taxonomy and
    to ``taxonomy``. See :func:`add_to_taxonomy`."""
    return add_to_taxonomy(store, taxonomy, lambda tax: tax.with_mappings(rows))


def add_to_taxonomy(
    store: AnyStore, taxonomy: Taxonomy, extend: Callable[[Taxonomy], Taxonomy]
) -> tuple[Taxonomy, dict[str, int] | None]:
    """Extend the store's taxonomy (read now, not an older copy) and classify everything stored
    again with it, in one atomic commit (:meth:`Store.reclassify`); extend ``taxonomy`` (the one
    a session edits, used for the next import) the same way. An empty store is left alone.

    Raises
    ------
    InputError
        When the new rows are invalid; nothing is written then.

    Returns
    -------
    tuple
        ``taxonomy`` extended, and ``{"overig_voor": n, "overig_na": m}`` (None without a
        store).
    """
    new = extend(taxonomy)
    if not store.exists():
        return new, None
    stored = extend(store.taxonomy())
    # the file the taxonomy came from, not the store's internal copy of it
    source = store.manifest().get("taxonomy", {}).get("file", stored.name)
    info = {"file": source, "rows": len(stored.table)}
    return new, store.reclassify(stored, taxonomy_info=info)


def build_demo(
    store: AnyStore,
    *,
    seed: int = 20261127,
    scale: float = 1.0,
    keep_files: str | Path | None = None,
    progress: Progress | None = None,
) -> list[ImportReport]:
    """Generate the demo data and import it through the real presets into ``store``.

    The store is replaced as a whole (one atomic commit) and marked as generated.
    """
    from regie_analytics import demo

    if store.exists() and not store.manifest().get("generated", False):
        raise StoreError(
            "deze store bevat echte (geïmporteerde) gegevens; de demo overschrijft die niet.",
            file=store.root,
            hint="kies een andere map met --store.",
        )

    def say(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(keep_files) if keep_files is not None else Path(tmp)
        say(0.05, "demodata genereren")
        files = demo.generate_demo(out, seed=seed, scale=scale)
        areas, boundaries = geo.load_boundaries_with_fingerprint(geo.DEFAULT_BOUNDARIES)
        population = pd.read_csv(files.population, dtype={"area_code": "str"})
        areas = geo.with_population(areas, population.set_index("area_code")["population"])
        boundaries["population"] = "gegenereerd (som = CBS-kerncijfers 2024 voor GM0363)"
        taxonomy = load_taxonomy()
        # a rebuilt demo keeps the store's secret: the same records keep their keys
        secret = store.secret() or cellkey.new_secret()
        say(0.35, "fysieke meldingen importeren (preset signalen)")
        physical = prepare_import(
            files.signalen_dir,
            preset="signalen",
            areas=areas,
            taxonomy=taxonomy,
            source="demo-signalen",
            secret=secret,
        )
        say(0.75, "sociale tellingen importeren (preset counts)")
        social = prepare_import(
            files.social,
            preset="counts",
            areas=areas,
            taxonomy=taxonomy,
            source="demo-wijkteam",
            secret=secret,
        )
        say(0.9, "store schrijven")
        store.commit(
            [physical, social],
            areas=areas,
            boundaries=boundaries,
            taxonomy=taxonomy,
            taxonomy_info={"file": "taxonomie.csv (standaard)", "rows": len(taxonomy.table)},
            generated=True,
            replace=True,
        )
        say(1.0, "klaar")
        return [physical.report, social.report]


__all__ = [
    "Context",
    "InputError",
    "accept_suggestions",
    "add_mappings",
    "add_to_taxonomy",
    "build_demo",
    "download_boundaries",
    "import_file",
    "import_population",
    "require_rows_inside",
    "resolve_context",
    "set_boundaries",
    "stored_unknown_categories",
    "validate",
]
