"""Shared page elements: demo banner, empty states, footers, charts with click-to-area."""

from __future__ import annotations

import pickle
import weakref
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from regie_analytics import accessibility, aggregate, privacy
from regie_analytics import engine as engines
from regie_analytics.charts import svgmap
from regie_analytics.export.tables import AREA_COLUMNS_NL
from regie_analytics.formatting import dutch_numbers, fmt_int, fmt_level, fmt_pct, plain_text
from regie_analytics.schema import AREA_CODE, DOMAIN, UNKNOWN_THEME
from regie_analytics.snapshot import Snapshot
from regie_analytics.taxonomy import UNKNOWN_DOMAIN
from regie_analytics.ui.data import BY_KEY
from regie_analytics.ui.filters import Filters
from regie_analytics.ui.sent import Serialised

PROFILE_PAGE = "pages/buurtprofiel.py"
AREA_KEY = "gebied"
DATA_PAGE = "pages/data.py"
DATA_TAB_KEY = "tab"
"""Query parameter (and widget key) of the Data page's tabs."""
MAPPING_TAB = "Koppelen"
"""The Data page's tab where unknown categories are mapped."""


def page_title(data: Snapshot | None, title: str) -> None:
    """The browser tab's title: the page, the store's municipality and the product
    (``Kaart · Alkmaar · Regie Analytics``)."""
    name = data.municipality if data is not None else None
    parts = [title, plain_text(name), "Regie Analytics"] if name else [title, "Regie Analytics"]
    st.set_page_config(page_title=" · ".join(parts))


def municipality_header(data: Snapshot) -> None:
    """The municipality the dashboard is about, at the top of the sidebar: ``**Alkmaar** ·
    grenzen CBS 2024`` (the level of the areas is the page's, chosen below it)."""
    year = data.manifest.get("boundaries", {}).get("year")
    parts = [f"**{plain_text(data.municipality)}**"] if data.municipality else []
    parts += [f"grenzen CBS {year}"] if year else []
    if parts:
        st.sidebar.markdown(" · ".join(parts))


DEMO_NOTICE = "Gegenereerde demodata"


def demo_banner(data: Snapshot, *, thin: bool = False) -> None:
    """A clear banner whenever generated demo data is shown; ``thin``: one short line (the
    presentation, where the screen is for the slide)."""
    if not data.generated:
        return
    what = "geen echte meldingen" + (
        " en geen echte inwonertallen" if data.has_population else ""
    )  # a generated store without population has no inhabitants to call unreal
    if thin:
        with st.container(key="demo-line"):
            st.markdown(f"**{DEMO_NOTICE}**: {what}.")
        return
    where = " op de echte Amsterdamse buurtgrenzen" if data.municipality == "Amsterdam" else ""
    st.warning(
        f"**{DEMO_NOTICE}.** Deze cijfers zijn gegenereerd{where}; het zijn {what}.",
        icon=":material/warning:",
    )


def no_store(data: Snapshot | None = None) -> None:
    """What to do when the store is empty (or, with ``data``, has its boundaries but no
    signals yet)."""
    if data is not None:
        name = plain_text(data.municipality or data.manifest.get("boundaries", {}).get("file"))
        st.info(
            f"Er zijn nog geen gegevens: de grenzen van {name} staan klaar, maar er zijn nog "
            "geen signalen. Importeer een export op de pagina **Data**.",
            icon=":material/info:",
        )
        return
    st.info(
        "Er zijn nog geen gegevens. Kies op de pagina **Data** uw gemeente en importeer een "
        "export, of bouw de demodata met `python -m regie_analytics demo` (of `make run`).",
        icon=":material/info:",
    )


def population_note(data: Snapshot, *, population: float | None = None) -> None:
    """Say that figures per 1,000 inhabitants are missing, and why, wherever a page would show
    one: the store has no population, or (with ``population``, an area's) this area has none
    (secret, water or not delivered). Nothing when the figure is there."""
    from regie_analytics.store import population_source

    if not data.has_population:
        st.caption(
            "Deze grenzen hebben geen inwonertallen: cijfers per 1.000 inwoners ontbreken "
            f"(inwoners: {plain_text(population_source(data.manifest, data.areas))}). Een "
            "beheerder voegt ze toe op de pagina Data, tabblad Gebieden."
        )
    elif population is not None and not population >= aggregate.MIN_POPULATION:
        st.caption(
            f"Het inwonertal van dit gebied is onbekend of kleiner dan "
            f"{fmt_int(aggregate.MIN_POPULATION)} (geheim, water of niet geleverd): geen cijfer "
            "per 1.000 inwoners."
        )


def note(text: str | None) -> None:
    """A Dutch remark that changes how the page reads (e.g. rankings without population are
    rankings by size); nothing when there is none."""
    if text:
        st.info(text, icon=":material/info:")


def empty_state(message: str, hint: str = "") -> None:
    """An explanation instead of an empty chart."""
    st.info(plain_text(message + (f" {hint}" if hint else "")), icon=":material/info:")


def overig_counts(snap: Snapshot, sel: Filters | None, *, protected: bool) -> tuple[int, int]:
    """Signals in ``overig`` and all signals: of the selection's months and channels, in an
    area (without ``sel``: the whole store), perturbed when ``protected``."""
    if sel is None:
        cut = _domain_cut(snap, None, None, ())
    else:
        cut = _domain_cut(snap, sel.start, sel.end, tuple(sel.channels))
    return aggregate.domain_count(cut, UNKNOWN_DOMAIN, ptable=privacy.PTABLE if protected else None)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_KEY)
def _domain_cut(
    snap: Snapshot, start: str | None, end: str | None, channels: tuple[str, ...]
) -> pd.DataFrame:
    """The signals per domain of the months ``start``-``end`` and ``channels`` (None: the
    whole store) for :func:`overig_counts`, cached by those alone: another level, domain,
    theme or setting of small counts asks nothing again (a few rows, counted on each run)."""
    if start is None:
        cut = engines.cube_cut(snap.engine, by=(DOMAIN,))
    else:  # cut and summed per domain in the engine
        cut = engines.cube_cut(
            snap.engine,
            by=(DOMAIN,),
            start=start,
            end=end,
            channels=list(channels) or None,
            located=True,
        )
    return cut


def _protected(sel: Filters | None, *, presentation: bool) -> bool:
    """Whether the overig notice shows protected counts: in the presentation and with
    "Kleine aantallen verbergen" on; the Data page (no ``sel``) shows the store exactly."""
    return presentation or (sel is not None and sel.private)


def overig_text(
    n: int,
    total: int,
    sel: Filters | None,
    *,
    presentation: bool = False,
    generated: bool = False,
) -> str:
    """The Dutch sentence of :func:`overig_notice`: how many, what share, whether shown.

    ``n`` of ``total`` signals are in 'overig' (in the selected months and channels, or in the
    whole store without ``sel``). In the presentation and on protected screens the counts are
    the protected ones (perturbed, see :func:`overig_notice`) and a small one reads "<5"
    without a share. Shown means: the domain filter has 'overig', and a theme filter, if any,
    has it too.
    """
    threshold = privacy.label_threshold()
    small = 0 < n < threshold
    hidden = small and _protected(sel, presentation=presentation)
    count = privacy.suppressed_label(threshold) if hidden else fmt_int(n)
    share = "" if hidden else f" ({fmt_pct(n / total, 1 if n / total < 0.01 else 0)})"
    noun, verb = ("signaal", "valt") if count == "1" else ("signalen", "vallen")
    shown = (
        sel is not None
        and UNKNOWN_DOMAIN in sel.domains
        and (not sel.themes or UNKNOWN_THEME in sel.themes)
    )
    if presentation:  # one short line at the foot of a slide
        how = "Meegeteld als 'overig'" if shown else "Niet meegeteld"
        return f"{how}: {count} {noun}{share} waarvan de categorie niet is herkend."
    when = "in de gekozen periode" if sel is not None else "in de store"
    text = f"{count} {noun}{share} {when} {verb} in 'overig': de categorie is niet herkend. "
    if generated:
        text += (
            "In deze gegenereerde demodata is dat bewust: de categorie 'nieuwe-categorie' laat "
            "zien hoe u onbekende categorieën koppelt. "
        )
    if sel is None:
        return text + "Dat kan op het tabblad 'Koppelen'."
    if shown:
        return text + "Ze zijn in dit filter meegeteld, als apart domein 'overig'."
    if UNKNOWN_DOMAIN in sel.domains:
        return text + (
            "Ze worden niet getoond: het themafilter laat ze weg; kies ook het thema 'overig' "
            "om ze te zien."
        )
    return text + "Ze worden niet getoond; kies 'overig' bij Domein om ze te zien."


def overig_notice(
    data: Snapshot | None, sel: Filters | None = None, *, presentation: bool = False
) -> None:
    """Say how many signals sit in ``overig`` and link to the Data page's mapping step.

    With ``sel`` the count is that of the selected months and channels, of signals in an area
    (what the pages count), and the sentence says whether the filters show them; without it
    (the Data page, a beheerder's own view) the whole store, exact. In the presentation it is
    one short line (put it at the foot of the slide) and there is no link. In the presentation
    and on protected screens both counts are protected (perturbed, each a cell of its own: the
    number is the Overzicht's "Signalen overig" when 'overig' is chosen) and a small one reads
    "<5". Nothing when none are in ``overig``.
    """
    if data is None:
        return
    protected = _protected(sel, presentation=presentation)
    n, total = overig_counts(data, sel, protected=protected)
    if n == 0:
        return
    text = overig_text(n, total, sel, presentation=presentation, generated=data.generated)
    if presentation:
        st.caption(text)
        return
    st.info(text, icon=":material/help:")
    if sel is not None:
        st.page_link(
            DATA_PAGE,
            label="Koppel de onbekende categorieën op de Data-pagina",
            icon=":material/link:",
            query_params={DATA_TAB_KEY: MAPPING_TAB},
        )


def kpi(
    column: Any,
    label: str,
    value: float,
    before: float | None = None,
    *,
    relative: bool = True,
    small_below: int = 0,
    help: str | None = None,
) -> None:
    """A key figure with its change against ``before`` (none without): ``+4%`` (or ``+5``
    when not ``relative``) with the arrow the sign says, and no arrow for no change. More
    signals is drawn red (``inverse``). A protected count from 1 to ``small_below - 1``
    reads "<5", and a change from or to one is not shown (it would tell the number)."""
    from regie_analytics.formatting import change_direction, fmt_change, fmt_difference, fmt_int

    def small(count: float) -> bool:
        return 0 < count < small_below

    text = privacy.suppressed_label(small_below) if small(value) else fmt_int(value)
    if before is None or small(value) or small(before):
        column.metric(label, text, help=help)
        return
    delta = fmt_change(value, before) if relative else fmt_difference(value, before)
    if relative:
        direction = change_direction(value, before)
    else:
        direction = "off" if delta == "0" else "up" if value > before else "down"
    column.metric(
        label,
        text,
        delta,
        delta_color="off" if direction == "off" else "inverse",
        delta_arrow=direction,
        help=help,
    )


TABLE_ROW_LIMIT = 1000
"""Rows a table on screen shows at most (as many areas as one map draws): formatting every
cell of 14,000 rows in Dutch takes seconds on every rerun, and nobody reads them on screen;
the downloads hold every row."""
SEARCH_MATCHES = 50
"""Areas "Zoek een gebied" offers at most for what was typed."""


_REPR_EXACT: frozenset[type] = frozenset(
    {str, int, float, bool, type(None), type(pd.NA), type(pd.NaT), pd.Timestamp, pd.Timedelta}
    | {np.float64, np.float32, np.int64, np.int32, np.bool_}
)
"""Types whose ``repr`` tells every value and its type apart (``5``, ``5.0``, ``'5'``,
``np.float64(5.0)``; a float's shortest repr reads back as the same float)."""


def _exact(frame: pd.DataFrame) -> bytes:
    """A frame's cache key: its index, column names, dtypes and every value written with its
    type, so values of another type (``5`` and ``"5"``), other columns or another index never
    share an entry (pandas' own hash would). Written as ``repr`` rather than pickled: a
    pickle also records which cells hold the same object, so the same table computed or read
    back from a cache gave another key (and was built again). Values of another type: the
    frame's pickle."""
    columns = [frame.index, frame.columns, *(values for _, values in frame.items())]
    lists = [values.tolist() for values in columns]
    if not all(type(v) in _REPR_EXACT for values in lists for v in values):
        return pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    kinds = [type(frame.index), frame.index.names, list(map(str, frame.dtypes))]
    return repr((kinds, lists)).encode()


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _exact})
def _shown_table(frame: pd.DataFrame, **options: Any) -> None:
    """Show ``frame`` as a Dutch data grid, built once per content and options: a cached call
    replays the element Streamlit built the first time (formatting every cell in Dutch costs
    ~0.2 ms a row on every run)."""
    st.dataframe(dutch_numbers(frame), placeholder="–", **options)


def table(frame: Any, *, limit: int = TABLE_ROW_LIMIT, **options: Any) -> None:
    """A table as every page shows one: numbers in Dutch notation whatever the browser's
    language, a missing figure reads "–", never "None"; at most ``limit`` rows, with a
    caption saying so when there are more."""
    _shown_table(frame.iloc[:limit], **options)
    if len(frame) > limit:
        st.caption(f"De tabel toont de eerste {fmt_int(limit)} van {fmt_int(len(frame))} rijen.")


def area_rows(
    frame: pd.DataFrame,
    *,
    level: str,
    in_view: pd.Index | None = None,
    rank: str | None = None,
    ranked: str = "",
    limit: int = TABLE_ROW_LIMIT,
) -> tuple[pd.DataFrame, str | None]:
    """The rows of an area table (a ``Gebiedscode`` column; rows without a code, such as
    the totals, stay last) that a page shows under its map, and a Dutch note on what they
    are when not every area: the areas ``in_view`` (the part the map is zoomed on) when
    given, else all; of those the first ``limit`` (when there are more: by the numbers in
    column ``rank``, highest first, when given; ``ranked`` says how in the note)."""
    codes = frame[AREA_COLUMNS_NL[AREA_CODE]].astype("str")
    areas = codes != ""
    if in_view is not None:
        areas &= codes.isin(in_view.astype("str"))
    rows = frame.loc[areas.to_numpy()]
    total = int(areas.sum())
    if rank is not None and total > limit:
        values = pd.to_numeric(rows[rank], errors="coerce")  # labels such as "<5" last
        rows = rows.iloc[np.argsort(-values.fillna(-np.inf).to_numpy(), kind="stable")]
    everything = int((codes != "").sum())
    shown = pd.concat([rows.iloc[:limit], frame.loc[(codes == "").to_numpy()]])
    nouns = fmt_level(level, plural=True)
    if total > limit:
        note = (
            f"De tabel toont de {fmt_int(limit)} {nouns} {ranked} van de {fmt_int(total)}"
            f"{' in dit deel' if in_view is not None else ''}; de download bevat alle "
            f"{fmt_int(everything)}. Zoom in op een deel om al zijn {nouns} te zien."
        )
    elif total < everything:
        note = (
            f"De tabel toont de {fmt_int(total)} {nouns} van het deel waarop de kaart is "
            f"ingezoomd; de download bevat alle {fmt_int(everything)}."
        )
    else:
        note = None
    return shown, note


def area_table(frame: pd.DataFrame, **options: Any) -> None:
    """An area table under a map: :func:`area_rows` of ``frame`` (``options``) with its
    note."""
    shown, note = area_rows(frame, **options)
    table(shown, hide_index=True)
    if note:
        st.caption(note)


def matching_areas(names: pd.Series, text: str, *, limit: int = SEARCH_MATCHES) -> pd.Series:
    """The areas whose name or code (``names``: name by area code) contains ``text``
    (ignoring case and surrounding spaces), by name, at most ``limit``; none for no text."""
    wanted = text.strip().casefold()
    if not wanted:
        return names.iloc[:0]
    found = names.astype("str").str.casefold().str.contains(wanted, regex=False)
    found |= names.index.astype("str").str.casefold().str.contains(wanted, regex=False)
    return names.loc[found.to_numpy()].sort_values(kind="stable").iloc[:limit]


def area_search(data: Snapshot, level: str) -> str | None:
    """ "Zoek een gebied": the areas at ``level`` to choose from by name; above
    :data:`TABLE_ROW_LIMIT` areas a text field first and then the areas whose name or code
    holds what was typed (:func:`matching_areas`). Returns the code chosen, or None."""
    names = data.areas_at(level)["name"]
    label, placeholder = "Zoek een gebied", "Typ een naam en open het profiel…"
    if len(names) > TABLE_ROW_LIMIT:
        text = st.text_input(
            label, placeholder=f"Typ een deel van de naam of de code van een {fmt_level(level)}…"
        )
        if not text.strip():
            return None
        found = matching_areas(names, text)
        if found.empty:
            st.caption(f"Geen {fmt_level(level)} gevonden met '{plain_text(text.strip())}'.")
            return None
        count = int(matching_areas(names, text, limit=len(names)).size)
        label = f"Gevonden: {fmt_int(count)}" + (
            f" (de eerste {fmt_int(len(found))}: typ meer om te verfijnen)"
            if count > len(found)
            else ""
        )
        names, placeholder = found, "Kies een gebied en open het profiel…"
    else:
        names = names.sort_values()
    return st.selectbox(
        label,
        names.index.tolist(),
        index=None,
        format_func=lambda code: f"{names[code]} ({code})",
        placeholder=placeholder,
    )


def footer(data: Snapshot, filters: Filters | None = None) -> None:
    """The data source and the current filter, on every page (as text: source, theme and
    channel names come from data)."""
    text = data.source_label()
    if filters is not None:
        text += f" · Filter: {filters.describe()}"
    st.caption(plain_text(text))


@dataclass(frozen=True)
class Prepared:
    """What showing a figure needs, worked out once per figure object: the figure as
    ``st.plotly_chart`` sends it (:class:`Serialised`), its accessible name and, for a map,
    the class of every area (:func:`accessibility.map_classes`), also as the HTML table shown
    under it (:func:`html_table`)."""

    sent: go.Figure
    alt: str
    classes: pd.DataFrame | None
    classes_html: str | None


SCREEN_CONFIG: dict[str, Any] = {
    **accessibility.PLOTLY_CONFIG,
    "topojsonURL": svgmap.TOPOJSON_URL,
}
"""The plotly configuration of every chart on screen: :data:`accessibility.PLOTLY_CONFIG` (Dutch,
no logo, the PNG download's size) and, for the SVG maps (:func:`svgmap.screen_spec`), an empty world
topojson inline instead of plotly's from its CDN."""

_PREPARED: dict[int, tuple[weakref.ref[go.Figure], Prepared]] = {}
""":func:`prepared` per figure object alive (by ``id``, with a weak reference to check it)."""


def prepared(fig: go.Figure) -> Prepared:
    """:class:`Prepared` of ``fig``, computed on its first showing and kept as long as the
    figure lives: the cached figures (:mod:`.figures`, shared by every session) are shown on
    every rerun without being copied, encoded or read again. Do not change a figure after
    showing it."""
    entry = _PREPARED.get(id(fig))
    if entry is not None and entry[0]() is fig:
        return entry[1]
    classes = accessibility.map_classes(fig) if accessibility.is_map(fig) else None
    made = Prepared(
        sent=Serialised(fig),
        alt=accessibility.chart_name(fig),
        classes=classes,
        classes_html=None if classes is None else html_table(classes),
    )
    _PREPARED[id(fig)] = (weakref.ref(fig), made)
    weakref.finalize(fig, _PREPARED.pop, id(fig), None)
    return made


def chart(
    fig: go.Figure, *, key: str, select: bool = False, map_table: bool = True, **options: Any
) -> list[str]:
    """Show a plotly figure in Dutch with an accessible name; with ``select`` return the area
    codes the user clicked. A map gets the table of its classes per area under it (unless
    not ``map_table``)."""
    shown = prepared(fig)
    common: dict[str, Any] = {
        "key": key,
        "config": SCREEN_CONFIG,
        "alt": shown.alt,
        **options,
    }
    if not select:
        st.plotly_chart(shown.sent, **common)
        event: Any = None
    else:
        event = st.plotly_chart(shown.sent, on_select="rerun", selection_mode="points", **common)
    if map_table and shown.classes_html is not None:
        map_classes(shown.classes_html)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    codes: list[str] = []
    for point in points:
        code = point.get("location") or point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if code:
            codes.append(str(code))
    return codes


def html_table(frame: pd.DataFrame) -> str:
    """``frame`` (without its index) as a plain HTML table, every header and cell escaped:
    one element the browser parses natively (``st.table`` draws each cell as a markdown
    element of its own, about a second of the browser's time for 500 areas)."""
    head = "".join(f'<th scope="col">{escape(str(name))}</th>' for name in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f'<table class="regie-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def map_classes(classes: str) -> None:
    """A map's classes per area (:func:`accessibility.map_classes` as :func:`html_table`),
    folded away, for who cannot see the colours: a plain HTML table, which a screen reader
    reads as text, row by row."""
    with st.expander("Tabel bij de kaart: de klasse van elk gebied"):
        st.html(classes)


def open_profile(code: str) -> None:
    """Go to the profile page of an area (the code travels in the URL)."""
    st.switch_page(PROFILE_PAGE, query_params={AREA_KEY: code})


def require_data() -> Snapshot:
    """The store version of this run; stops the page with an explanation when the store is
    empty or has boundaries but no signals yet."""
    from regie_analytics.ui.data import snapshot

    data = snapshot()
    if data is not None and data.months:
        return data
    st.title((data.municipality if data is not None else None) or "Regie Analytics")
    no_store(data)
    st.stop()


def explain(key: str, *, level: str = "buurt") -> None:
    """What a statistic means and what it does not mean, in two Dutch sentences (in the words
    of the area ``level``)."""
    from regie_analytics.stats import explanation

    means, not_means = explanation(key, level=level)
    st.caption(f"**Wat het betekent:** {means}  \n**Wat het niet betekent:** {not_means}")


def print_styles() -> None:
    """CSS so the browser's print (Ctrl+P) gives a clean page: no sidebar, no widgets chrome."""
    st.html(
        """<style>
        @media print {
          [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
          .stDownloadButton, [data-testid="stBaseButton-secondary"] { display: none !important; }
          .main .block-container { max-width: 100% !important; padding: 0 !important; }
        }
        </style>"""
    )


def print_button() -> None:
    """A hint how to print; the print styles hide the sidebar and buttons."""
    st.caption("Afdrukken of als PDF bewaren: gebruik Ctrl+P (Cmd+P) in de browser.")


def require_app() -> None:
    """Make sure the page runs inside ``app.py``'s navigation.

    On a freshly started server, Streamlit's legacy handling of a ``pages/`` folder runs a
    deep-linked page (``/kaart?...``) directly, without ``app.py``, until the first
    ``st.navigation`` call (AppTest even returns to that mode before every run). Such a run
    hands over to ``app.py`` and reruns the same page.

    Streamlit has no public switch for this (keeping the top-level ``pages/`` folder, which is
    part of the product's layout), so this is the one place that reads and writes its
    ``PagesManager.uses_pages_directory``; tests/test_streamlit_contract.py fails the day
    Streamlit changes that mechanism, and tests/test_e2e.py opens a deep link on a fresh server.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if st.session_state.get("_app_ran") and not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    st.rerun()


def area_picker(label: str, options: dict[str, str], *, param: str, placeholder: str) -> str | None:
    """A searchable choice of area that keeps the bare area code in the URL (``?gebied=...``).

    Not a bound widget: a bound selectbox would put its formatted label in the URL. The code
    in the URL picks the default; a choice writes the code back.
    """
    current = st.query_params.get(param)
    codes = list(options)
    index = codes.index(current) if current in options else None
    if current is not None and index is None:
        st.warning(
            f"**Deze link klopt niet helemaal.** Het gebied '{plain_text(current)}' komt in deze "
            "gegevens niet voor (of niet op dit gebiedsniveau); kies een gebied in de zoekbox.",
            icon=":material/link_off:",
        )
    code = st.selectbox(
        label, codes, index=index, format_func=options.__getitem__, placeholder=placeholder
    )
    if code != current:
        if code is None:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = code
    return code
