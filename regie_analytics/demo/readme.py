"""The demo's Dutch texts: the note shown wherever demo data is on screen, the meaning of each
planted pattern, and ``LEESMIJ.txt`` (what is real, what is generated and what is planted)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics.demo.physical import PHYSICAL_RATE
from regie_analytics.demo.social import SOCIAL_RATE

DEMO_SOURCE_NOTE = (
    "Gegenereerde demodata: geen echte meldingen of personen. Alleen de buurtgrenzen en het "
    "inwonertotaal van Amsterdam (CBS 2024) zijn echt; meldingen, aantallen en inwoners per "
    "buurt zijn met een vaste seed gegenereerd."
)
"""The sentence the dashboard shows wherever demo data is on screen."""

PATRONEN: dict[str, str] = {
    "beide_hoog": "sociaal én fysiek verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "alleen_sociaal": "alleen sociaal verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "alleen_fysiek": "alleen fysiek verhoogd (x2,5-3 per inwoner), aaneengesloten cluster",
    "stijgend": "beide domeinen stijgen lineair tot +60% aan het eind van de periode",
    "dalend": "beide domeinen dalen lineair tot -40% aan het eind van de periode",
    "geen": "geen geplant patroon (alleen toevallige variatie)",
}
"""Meaning of ``patroon`` in ``waarheid.csv`` (Dutch, for display)."""


def readme_text(
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
    """The text of ``LEESMIJ.txt``."""
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
