"""Dutch labels, the reporting threshold and the plain-language explanations shared by the
statistics.

:data:`MIN_REPORTED_COUNT` is the one minimum below which an area is never reported as a hotspot or
a jump; :func:`explanation` says per statistic what it means and does not mean, in the words of
the area level.
"""

from __future__ import annotations

from regie_analytics.formatting import fmt_level

NOT_SIGNIFICANT = "niet significant"
NO_DATA = "geen gegevens"
"""Label for areas left out of a test because their value is missing (NaN)."""
NOT_COMPUTED = "niet berekend"
"""Label for clusters that were not computed (``samenhang(..., clusters=False)``, a domain
without signals, or too few areas)."""

MIN_REPORTED_COUNT = 5
"""Fewest signals an area needs (in the period for a hotspot, in the month for a jump) before
it is reported as a hotspot or a jump: 1 or 2 signals against an expected 0 is no news."""

EXPLANATIONS: dict[str, tuple[str, str]] = {
    "hotspots": (
        "Een hotspot is een plek waar een {gebied} samen met de {gebieden} eromheen duidelijk "
        "meer signalen heeft dan je bij toeval zou verwachten; een coldspot duidelijk minder. "
        "Met minder dan {min_count} signalen is een {gebied} nooit een hotspot.",
        "Een hotspot zegt niet waarom het daar drukker is en ook niet dat één {gebied} op zich "
        "uitschiet: het gaat om de plek samen met haar omgeving.",
    ),
    "samenhang": (
        "De samenhangsindex (0-100) is alleen hoog als een {gebied} zowel sociaal als fysiek "
        "veel signalen heeft vergeleken met de andere {gebieden}; zonder signalen in een domein "
        "is hij 0. Sociaal én fysiek hoog: {both_high}.",
        "Een hoge index bewijst niet dat sociale en fysieke problemen elkaar veroorzaken; "
        "ze komen op dezelfde plek samen voor.",
    ),
    "bivariate_moran": (
        "Hoog-hoog betekent: hier is het ene domein hoog en in de {gebieden} eromheen het "
        "andere domein, vaker dan bij toeval.",
        "Het is geen oorzaak-gevolgrelatie en zegt niets over individuele bewoners of huishoudens.",
    ),
    "regie": (
        "De regie-opgave is groot waar signalen over veel afdelingen verspreid zijn en sociale "
        "en fysieke signalen samenkomen: daar is één gezamenlijke aanpak het meest nodig.",
        "Een hoge score is geen oordeel over hoe goed afdelingen werken en ook geen maat voor "
        "de ernst van de problemen.",
    ),
    "trends": (
        "Het patroon in de tijd laat zien of een hotspot nieuw is, blijft, sterker wordt of "
        "afneemt, op basis van de hotspotanalyse per maand (een maand met minder dan "
        "{min_count} signalen in een {gebied} telt daar niet als hotspot).",
        "Een patroon voorspelt de toekomst niet en zegt niet of beleid heeft gewerkt.",
    ),
    "anomalies": (
        "Een sprong is een maand waarin een {gebied} veel meer signalen heeft dan het "
        "seizoenspatroon en het recente niveau doen verwachten; alleen maanden met minstens "
        "{min_count} signalen tellen mee.",
        "Een sprong is nog geen probleem: een actie, een campagne of een nieuwe "
        "registratiewijze kan ook de oorzaak zijn.",
    ),
    "eb_rate": (
        "De hotspots van het cijfer per 1.000 inwoners zijn berekend op het gecorrigeerde "
        "cijfer: dat trekt cijfers van kleine {gebieden} naar het gemiddelde, zodat toevallige "
        "uitschieters minder zwaar wegen.",
        "Het gecorrigeerde cijfer is geen gemeten aantal: voor kleine {gebieden} is het een "
        "schatting die deels op de stad leunt.",
    ),
    "rate": (
        "Per 1.000 inwoners: het aantal signalen gedeeld door het aantal inwoners, keer 1.000 "
        "(niet gecorrigeerd); {gebieden} met minder dan 100 inwoners krijgen geen cijfer.",
        "In kleine {gebieden} kan een paar signalen meer of minder het cijfer sterk laten "
        "schommelen.",
    ),
    "lq": (
        "De locatiequotiënt vergelijkt het aandeel van een thema hier met het aandeel in de "
        "hele gemeente; boven 1 is het thema hier relatief vaker.",
        "Een hoge locatiequotiënt betekent niet dat er veel signalen zijn: het gaat om de "
        "verhouding, niet om het aantal.",
    ),
}
"""Per statistic a Dutch sentence on what it means and one on what it does not mean, with
``{gebied}``/``{gebieden}`` for the area level's word and ``{min_count}`` for
:data:`MIN_REPORTED_COUNT` (see :func:`explanation`)."""


def both_high_rule(level: str = "buurt") -> str:
    """The definition of "sociaal én fysiek hoog" in Dutch words (see :func:`samenhang`)."""
    return (
        f"in beide domeinen bij het hoogste kwart van de {fmt_level(level, plural=True)}, met "
        f"minstens {MIN_REPORTED_COUNT} signalen per domein"
    )


def explanation(key: str, *, level: str = "buurt") -> tuple[str, str]:
    """What statistic ``key`` of :data:`EXPLANATIONS` means and does not mean, in the words
    of the area level (``als een wijk``, not ``als een buurt``)."""
    means, not_means = EXPLANATIONS[key]
    words = {
        "gebied": fmt_level(level),
        "gebieden": fmt_level(level, plural=True),
        "min_count": MIN_REPORTED_COUNT,
        "both_high": both_high_rule(level),
    }
    return means.format(**words), not_means.format(**words)
