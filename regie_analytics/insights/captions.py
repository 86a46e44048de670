"""The Dutch texts around the figures: titles and captions (the same on page, slides and PDF),
why a selection has no samenhangsindex or no signals and what to do, and the sentence on
emerging hot spots."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from regie_analytics import stats
from regie_analytics.formatting import fmt_int, fmt_level, fmt_period
from regie_analytics.insights.pressure import DOMAIN_ADJECTIVE, compares_rates
from regie_analytics.schema import (
    AREA_CODE,
    COUNT,
    NO_LOCATION,
    OUTSIDE,
    PHYSICAL,
    SENTINEL_AREAS,
    SOCIAL,
)


def size_ranking_note(population: pd.Series, *, level: str) -> str | None:
    """The Dutch warning that a ranking without population is a ranking by size (None when
    areas are compared per inhabitant)."""
    if compares_rates(population):
        return None
    return (
        f"Deze gegevens hebben geen inwonertallen: {fmt_level(level, plural=True)} worden "
        "vergeleken op aantallen signalen, niet per inwoner. Grote en drukke "
        f"{fmt_level(level, plural=True)} staan dan vanzelf bovenaan; dat is een rangorde naar "
        "grootte. Gebruik grenzen met inwonertallen (bijvoorbeeld de CBS Wijk- en Buurtkaart) "
        "voor een vergelijking per inwoner."
    )


def regie_title(level: str) -> str:
    """``'Regiebuurten: sociaal én fysiek hoog'`` (``Regiewijken`` at wijk level)."""
    return f"Regie{fmt_level(level, plural=True)}: sociaal én fysiek hoog"


def bivariate_caption(level: str) -> str:
    """What the classes of the bivariate map mean (the same for page, slides and PDF)."""
    many = fmt_level(level, plural=True)
    return (
        f"Per domein is elke {fmt_level(level)} laag (laagste kwart van de {many}), midden "
        f"of hoog (hoogste kwart, met minstens {stats.MIN_REPORTED_COUNT} signalen); zonder "
        f"signalen in een domein telt een {fmt_level(level)} daar als laag. Donker (hoog · "
        f"hoog) = sociaal én fysiek hoog: de regie{many}."
    )


def no_regie_text(*, level: str, gap: str | None) -> str:
    """Why the list of areas where both domains are high is empty, in Dutch (``gap``: see
    :func:`samenhang_gap`)."""
    if gap:
        return gap
    return (
        f"In deze selectie is geen {fmt_level(level)} sociaal én fysiek hoog "
        f"({stats.both_high_rule(level)})."
    )


def correlation_caption(population: pd.Series) -> str:
    """How to read the theme correlations of :func:`theme_matrix`: per inhabitant, or, without
    population, on counts (then mostly a measure of size)."""
    text = "\\* = significant (p < 0,05). Een correlatie zegt niets over oorzaak en gevolg."
    if compares_rates(population):
        return "Per 1.000 inwoners. " + text
    return (
        "Op aantallen, niet per inwoner (er zijn geen inwonertallen): grote gebieden hebben van "
        "elk thema meer, dus hoge correlaties zeggen hier vooral iets over grootte. " + text
    )


_DOMAIN_SOURCES = {
    PHYSICAL: "meldingen over de openbare ruimte (bijvoorbeeld een Signalen-export)",
    SOCIAL: "sociale tellingen (bijvoorbeeld de telling van het wijkteam)",
}


def samenhang_gap(
    table: pd.DataFrame,
    *,
    selected: Sequence[str] | None = None,
    available: Sequence[str] | None = None,
) -> str | None:
    """Why there is no samenhangsindex for this selection, and what to do, in Dutch (None
    when both domains have signals).

    ``table`` has the ``sociaal`` and ``fysiek`` counts per area of the selection;
    ``selected`` are the domains chosen in the filter and ``available`` those in the data.
    """
    if len(table) < stats.MIN_AREAS_COMPARED:
        n = len(table)
        return (
            f"Op dit gebiedsniveau {'is' if n == 1 else 'zijn'} er {n} "
            f"{'gebied' if n == 1 else 'gebieden'}: te weinig om gebieden met elkaar te "
            "vergelijken. Wat te doen: kies in de zijbalk een fijner gebiedsniveau."
        )
    missing = [d for d in (SOCIAL, PHYSICAL) if int(table[d].sum()) == 0]
    if not missing:
        return None
    what = " en ".join(f"geen {DOMAIN_ADJECTIVE[d]}" for d in missing)
    text = (
        f"Er zijn {what} signalen in deze selectie, dus geen samenhang te meten: de "
        "samenhangsindex vergelijkt sociale en fysieke signalen per gebied."
    )
    hints = []
    for domain in missing:
        if available is not None and domain not in available:
            hints.append(f"importeer {_DOMAIN_SOURCES[domain]}")
        elif selected is not None and domain not in selected:
            hints.append(f"kies in de zijbalk ook het {DOMAIN_ADJECTIVE[domain]} domein")
    if not hints:
        hints.append("kies een langere periode of andere thema's")
    return f"{text} Wat te doen: {' en '.join(hints)}."


def empty_reason(
    cube: pd.DataFrame, *, start: str, end: str, domains: Sequence[str], boundaries: str
) -> tuple[str, str]:
    """Why a selection has no signals in any area, and what to do, in Dutch.

    ``cube`` is the store's whole cube, ``domains`` the chosen domains and ``boundaries`` the
    name of the boundaries file the store was built on (or empty). When no signal of the store
    lies in an area at all, the data and the boundaries do not belong together.
    """
    inside = ~cube[AREA_CODE].isin(SENTINEL_AREAS)
    if len(cube) and int(cube.loc[inside, COUNT].sum()) == 0:
        outside = int(cube.loc[cube[AREA_CODE] == OUTSIDE, COUNT].sum())
        unplaced = int(cube.loc[cube[AREA_CODE] == NO_LOCATION, COUNT].sum())
        return (
            "Geen enkel signaal in de store ligt binnen de grenzen van de store"
            + (f" ({boundaries})" if boundaries else "")
            + ": "
            f"{fmt_int(outside)} liggen buiten het gebied, {fmt_int(unplaced)} hebben geen "
            "locatie.",
            "Hoort de export bij een andere gemeente, bouw dan een nieuwe store op de juiste "
            "grenzen: python -m regie_analytics import BESTAND --preset ... --store NIEUWE_MAP "
            "--boundaries GRENZEN.",
        )
    if not domains:
        return "Er is geen domein gekozen.", "Kies in de zijbalk minstens één domein."
    return (
        f"Geen signalen in {fmt_period(start, end)} binnen dit filter.",
        "Kies een ander domein, thema of kanaal, of een langere periode.",
    )


RISING_CLASSES = ("nieuwe hotspot", "opeenvolgende hotspot", "intensiverende hotspot")


def emerging_sentence(classes: pd.Series, names: pd.Series, *, level: str) -> str | None:
    """One Dutch sentence on new and intensifying hot spots (None when there are none)."""
    rising = classes[classes.isin(RISING_CLASSES)]
    if rising.empty:
        return None
    examples = ", ".join(names.reindex(rising.index).dropna().head(3))
    persistent = int((classes == "persistente hotspot").sum())
    which = fmt_level(level, plural=len(rising) > 1)
    verb = "zijn" if len(rising) > 1 else "is"
    text = f"{len(rising)} {which} {verb} een nieuwe of sterker wordende hotspot (o.a. {examples})"
    if persistent:
        text += f"; {persistent} zijn al langer een hotspot"
    return text + "."
