"""Coverage: how much of real category trees of other systems the default taxonomy places.

For each tree in ``tests/data/taxonomy/`` (sources and licences in ``data/README.md``) it
classifies every label with the taxonomy and prints the share that lands in ``fysiek`` or
``sociaal`` and how (exact, normalised, main category alone), weighted by the real number of
signals where the source publishes one and otherwise per label or (main, sub) pair::

    python benchmarks/taxonomy_coverage.py                       # the default taxonomy
    python benchmarks/taxonomy_coverage.py --taxonomy FILE.csv   # another taxonomy
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: python benchmarks/...

from regie_analytics.schema import CATEGORY, COUNT, SOURCE, SUBCATEGORY  # noqa: E402
from regie_analytics.taxonomy import (  # noqa: E402
    MATCH_GIVEN,
    MATCH_LABELS,
    Taxonomy,
    load_taxonomy,
    match_summary,
)

TREES_DIR = ROOT / "tests" / "data" / "taxonomy"


@dataclass(frozen=True)
class Tree:
    """One category list: its file, the system it comes from and how to read it."""

    name: str
    file: str
    source: str
    category: str
    subcategory: str | None = None
    weight: str | None = None
    """Column with the real number of signals per label; None counts every label once."""


TREES: tuple[Tree, ...] = (
    Tree(
        "Assen (Signalen), openbare meldingen 2025-04-30 t/m 2026-08-08",
        "assen_signalen_categorieen.csv",
        "signalen",
        "main_name",
        "sub_name",
        "meldingen",
    ),
    Tree(
        "Assen (Signalen), paren hoofd/sub",
        "assen_signalen_categorieen.csv",
        "signalen",
        "main_name",
        "sub_name",
    ),
    Tree(
        "Rotterdam (MOR/MeldR), paren groep/onderwerp",
        "rotterdam_mor_onderwerpen.csv",
        "meldr",
        "groep",
        "onderwerp",
    ),
    Tree("Fixi en buitenlijnen, categorieën", "fixi_categorieen.csv", "fixi", "categorie"),
    Tree(
        "Open311 Chicago, verzoeken sinds 2008",
        "open311_chicago_services.csv",
        "open311",
        "service_name",
        weight="aantal",
    ),
    Tree("Sociaal loket / wijkteam, thema's", "sociaal_loket_themas.csv", "wijkteam", "thema"),
)


def tree_labels(tree: Tree) -> pd.DataFrame:
    """The tree's labels as ``source``, ``category``, ``subcategory``, ``count``."""
    raw = pd.read_csv(TREES_DIR / tree.file, dtype="str", keep_default_na=False)
    return pd.DataFrame(
        {
            SOURCE: tree.source,
            CATEGORY: raw[tree.category],
            SUBCATEGORY: raw[tree.subcategory] if tree.subcategory else "",
            COUNT: pd.to_numeric(raw[tree.weight]) if tree.weight else 1,
        }
    )


def coverage_table(taxonomy: Taxonomy) -> pd.DataFrame:
    """Per tree: the total, the share in fysiek or sociaal and the share per matching step."""
    rows = []
    for tree in TREES:
        labels = tree_labels(tree)
        summary = match_summary(taxonomy.classify(labels), weights=labels[COUNT])
        total = int(labels[COUNT].sum())
        steps = {how: 0 for how in MATCH_LABELS if how != MATCH_GIVEN}  # an import's step
        for per_step in summary.values():
            for how, n in per_step.items():
                steps[how] += n
        placed = sum(sum(summary.get(d, {}).values()) for d in ("fysiek", "sociaal"))
        rows.append(
            {
                "lijst": tree.name,
                "eenheid": "meldingen" if tree.weight else "labels",
                "totaal": total,
                "fysiek of sociaal": placed / total,
                **{MATCH_LABELS[how]: n / total for how, n in steps.items()},
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", type=Path, help="taxonomy file (default: the bundled one)")
    args = parser.parse_args()
    table = coverage_table(load_taxonomy(args.taxonomy))
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(table.to_string(index=False, float_format=lambda v: f"{v:6.1%}"))


if __name__ == "__main__":
    main()
