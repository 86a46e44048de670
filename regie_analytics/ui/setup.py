"""Setting up a municipality on the Data page: the gemeente, its boundaries (downloaded from
PDOK or uploaded), its population (a StatLine export), and the Gebieden tab that says where
the areas and their population come from."""

from __future__ import annotations

from typing import Any

import streamlit as st

from regie_analytics import audit, auth, cbs, charts, geo, workflow
from regie_analytics.formatting import fmt_count, fmt_level, fmt_levels, plain_text
from regie_analytics.io.readers import file_sha256
from regie_analytics.snapshot import Snapshot
from regie_analytics.store import AnyStore, population_source
from regie_analytics.ui import access, components, dataio
from regie_analytics.ui.zoom import map_areas

OTHER = "anders"
"""The gemeente choice for boundaries that are not one CBS gemeente (another country's
districts, or a gemeente that has since been merged)."""
_BOUNDARIES_SLOT = "_boundaries_upload"
_POPULATION_SLOT = "_population_upload"
DOWNLOAD, UPLOAD = "downloaden", "uploaden"
HOW_LABELS = {
    DOWNLOAD: "Downloaden bij PDOK (CBS Wijken en Buurten)",
    UPLOAD: "Bestand uploaden (GeoJSON, GeoPackage of gezipte shapefile)",
}
YEARS = (2025, 2024, 2023)
"""Years PDOK offers the Wijken en Buurten of as an OGC API."""


def needs_setup(data: Snapshot | None) -> bool:
    """True for a store without imports (empty, or boundaries only): the Importeren tab then
    leads through the set-up first."""
    return data is None or not data.manifest.get("imports")


def _boundaries_line(data: Snapshot) -> str:
    """``'**Alkmaar** · 8 wijken, 1 gemeente · grenzen: alkmaar.geojson (CBS 2024)'``."""
    boundaries = data.manifest.get("boundaries", {})
    name = data.municipality
    levels = fmt_levels({level: len(data.areas_at(level)) for level in data.levels})
    year = f" (CBS {boundaries['year']})" if boundaries.get("year") else ""
    head = f"**{plain_text(name)}** · " if name else ""
    return f"{head}{levels} · grenzen: {plain_text(boundaries.get('file', ''))}{year}"


def summary(data: Snapshot, *, preview: bool = True) -> None:
    """The store's municipality, levels, boundaries file and where the population comes from
    (and, with ``preview``, a map of the inhabitants per area)."""
    st.markdown(_boundaries_line(data))
    st.markdown(f"**Inwoners:** {plain_text(population_source(data.manifest, data.areas))}")
    if not data.has_population:
        st.info(
            "Zonder inwonertallen vergelijken de pagina's gebieden op aantallen signalen, niet "
            "per 1.000 inwoners. Voeg ze toe met de kerncijfers van CBS (stap Inwoners).",
            icon=":material/info:",
        )
    if preview:
        level, web = map_areas(data, data.levels[0], None)
        figure = charts.choropleth(
            web,
            web["population"],
            title=f"Inwoners per {fmt_level(level)}",
            label="inwoners",
            decimals=0,
            height=360,
            features=data.features(level),
        )
        components.chart(figure, key="grenzen_kaart")


def _gemeente_choice(data: Snapshot | None) -> str | None:
    national = geo.national_gemeenten()
    options = [*national.index, OTHER]
    current = None
    if data is not None:
        codes = set(data.areas["gemeente_code"].dropna())
        current = codes.pop() if len(codes) == 1 else OTHER
    labels = {code: f"{name} ({code})" for code, name in national["name"].items()}
    labels[OTHER] = "Andere indeling (geen CBS-gemeente, of van vóór een herindeling)"
    choice: str | None = st.selectbox(
        "Gemeente",
        options,
        index=options.index(current) if current in options else None,
        format_func=labels.__getitem__,
        placeholder="Typ de naam van uw gemeente…",
        key="setup_gemeente",
    )
    return choice


def _record_boundaries(who: access.Visitor, info: dict[str, Any], how: str) -> None:
    access.record(
        who,
        action=audit.BOUNDARIES,
        details={
            "bestand": info.get("file", ""),
            "gemeente": info.get("gemeente") or "",
            "herkomst": how,
            "niveaus": ", ".join(info.get("levels", [])),
            "inwoners": info.get("population", ""),
        },
        file_hash=info.get("sha256"),
        rows=info.get("n_areas"),
    )


def _boundaries_done(who: access.Visitor, info: dict[str, Any], how: str, key: str) -> None:
    """Record the new boundaries, say so after the rerun, and rerun."""
    _record_boundaries(who, info, how)
    level = info["levels"][0]
    areas = fmt_count(info["n_areas"], fmt_level(level), fmt_level(level, plural=True))
    st.session_state[dataio.FLASH + key] = plain_text(
        f"Grenzen ingesteld: {areas} uit {info['file']}. Inwoners: {info['population']}."
    )
    st.rerun()


def boundaries_step(store: AnyStore, gemeente: str | None, *, key: str) -> None:
    """Get the boundaries: download them from PDOK, or upload a file (the same code-column
    detection as the command line); either becomes the store's boundaries."""
    how = st.radio(
        "Hoe komen de grenzen binnen?",
        list(HOW_LABELS),
        format_func=HOW_LABELS.__getitem__,
        key=f"{key}_hoe",
    )
    if how == DOWNLOAD:
        if gemeente is None or gemeente == OTHER:
            st.info("Downloaden kan voor een CBS-gemeente: kies die hierboven, of upload grenzen.")
            return
        left, right = st.columns(2)
        year = left.selectbox("Jaar", YEARS, index=YEARS.index(cbs.DEFAULT_YEAR), key=f"{key}_jaar")
        level = right.selectbox(
            "Fijnste niveau", ["buurt", "wijk"], format_func=fmt_level, key=f"{key}_niveau"
        )
        st.caption(
            "PDOK levert de CBS Wijken en Buurten met inwonertallen. Heeft deze computer geen "
            "internet, download de Wijk- en Buurtkaart dan bij CBS en upload hem."
        )
        if st.button("Grenzen downloaden", type="primary", key=f"{key}_download"):
            who = access.require(auth.MANAGE)
            with st.spinner("Grenzen downloaden bij PDOK…"):
                done = dataio.guarded(
                    lambda: workflow.download_boundaries(store, gemeente, year=year, level=level),
                    failed="De grenzen zijn niet gedownload; er is niets veranderd.",
                    where="grenzen downloaden op de pagina Data",
                )
            if done is not None:
                _boundaries_done(who, done[1], f"PDOK, {done[0].describe()}", key)
        return
    upload = st.file_uploader(
        "Grenzenbestand (GeoJSON, GeoPackage of gezipte shapefile)",
        type=["geojson", "json", "gpkg", "zip"],
        key=f"{key}_bestand",
    )
    column = st.text_input(
        "Kolom met de gebiedscode (alleen nodig als die niet wordt herkend)",
        key=f"{key}_kolom",
        help="Herkend worden onder meer buurtcode, wijkcode, gemeentecode, cbsCode, statcode, "
        "BU_CODE en WKC.",
    )
    if upload is None:
        dataio.forget_upload(slot=_BOUNDARIES_SLOT)
        return
    if st.button("Deze grenzen gebruiken", type="primary", key=f"{key}_gebruik"):
        who = access.require(auth.MANAGE)
        path = dataio.save_upload(upload, slot=_BOUNDARIES_SLOT)
        wanted = None if gemeente in (None, OTHER) else gemeente
        with st.spinner("Grenzen lezen…"):
            info = dataio.guarded(
                lambda: workflow.set_boundaries(
                    store, path, gemeente=wanted, code_column=column.strip() or None
                ),
                failed="Deze grenzen zijn niet gebruikt; er is niets veranderd.",
                where="grenzen uploaden op de pagina Data",
            )
        if info is not None:
            dataio.forget_upload(slot=_BOUNDARIES_SLOT)
            _boundaries_done(who, info, "upload", key)


def population_step(store: AnyStore, *, key: str) -> None:
    """Replace the population with a StatLine export of the Kerncijfers wijken en buurten."""
    st.caption(
        "In CBS StatLine: de tabel 'Kerncijfers wijken en buurten' van het jaar van de grenzen, "
        "met de buurten (of wijken) van uw gemeente, downloaden als CSV."
    )
    upload = st.file_uploader(
        "Kerncijfers wijken en buurten (CSV uit StatLine)",
        type=["csv", "txt"],
        key=f"{key}_kerncijfers",
    )
    if upload is None:
        dataio.forget_upload(slot=_POPULATION_SLOT)
        return
    if st.button("Inwonertallen gebruiken", key=f"{key}_inwoners"):
        who = access.require(auth.MANAGE)
        path = dataio.save_upload(upload, slot=_POPULATION_SLOT)
        match = dataio.guarded(
            lambda: workflow.import_population(store, path),
            failed="De inwonertallen zijn niet gebruikt; er is niets veranderd.",
            where="inwonertallen op de pagina Data",
        )
        if match is None:
            return
        access.record(
            who,
            action=audit.POPULATION,
            details={"bestand": upload.name, "inwoners": match.text},
            file_hash=file_sha256(path),
            rows=match.matched,
        )
        dataio.forget_upload(slot=_POPULATION_SLOT)
        st.session_state[dataio.FLASH + key] = plain_text("\n".join(match.lines()))
        st.rerun()


def municipality_steps(store: AnyStore, data: Snapshot | None) -> bool:
    """Steps 1 to 3 of a new municipality on the Importeren tab: the gemeente, its boundaries
    and its population. True when the store has boundaries (the exports can follow)."""
    dataio.show_flash("setup")
    st.markdown(
        "Een nieuwe gemeente in vier stappen: kies de gemeente, haal haar grenzen op, voeg "
        "inwonertallen toe en importeer dan de exports."
    )
    st.subheader("1 · Gemeente")
    gemeente = _gemeente_choice(data)
    st.subheader("2 · Grenzen")
    if data is None:
        boundaries_step(store, gemeente, key="setup")
        return False
    summary(data)
    with st.expander("Andere grenzen kiezen"):
        boundaries_step(store, gemeente, key="setup")
    st.subheader("3 · Inwoners")
    population_step(store, key="setup")
    return True


def areas_tab(store: AnyStore, data: Snapshot | None) -> None:
    """The Gebieden tab: where the areas and their population come from; new population;
    for the demo data, setting up the municipality's own boundaries instead."""
    dataio.show_flash("gebieden")
    if data is None:
        st.info(
            "Er zijn nog geen grenzen. Kies de gemeente en haar grenzen op het tabblad "
            "'Importeren'.",
            icon=":material/info:",
        )
        return
    summary(data, preview=not needs_setup(data))
    if needs_setup(data):
        st.caption("Grenzen en inwoners stelt u in op het tabblad 'Importeren'.")
        return
    st.subheader("Inwoners vervangen")
    population_step(store, key="gebieden")
    if data.generated:
        with st.expander("Eigen gemeente instellen (vervangt de gegenereerde demodata)"):
            st.warning(
                "De demodata verdwijnen uit de store zodra de nieuwe grenzen zijn ingesteld.",
                icon=":material/warning:",
            )
            gemeente = _gemeente_choice(None)
            boundaries_step(store, gemeente, key="gebieden")
    else:
        st.caption(
            "Andere grenzen vragen een nieuwe store (de signalen liggen in deze gebieden): start "
            "het dashboard met REGIE_STORE=<nieuwe map>, of gebruik --store bij de opdrachtregel."
        )
