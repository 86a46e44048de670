"""Matching in steps (exact, normalised, main category alone, fuzzy suggestion), the import
report's classification section, accepting suggestions, and coverage of real category trees."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.taxonomy_coverage import TREES, coverage_table, tree_labels
from regie_analytics import workflow
from regie_analytics.ingest import classification_lines, shares
from regie_analytics.store import Store
from regie_analytics.taxonomy import (
    Taxonomy,
    load_taxonomy,
    match_summary,
    normalise,
)
from regie_analytics.taxonomy.suggestions import _similarity, _words
from tests.conftest import cli

HEADER = "source,category,subcategory,domain,theme,department\n"


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


def small(text: str) -> Taxonomy:
    return Taxonomy.from_csv_bytes((HEADER + text).encode(), name="t.csv")


def classify(tax: Taxonomy, category: object, subcategory: object = None) -> tuple:
    frame = pd.DataFrame({"category": [category], "subcategory": [subcategory]})
    row = tax.classify(frame).iloc[0]
    return row["domain"], row["theme"], row["match"]


# --- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Wegen, verkeer en straatmeubilair", "Wegen, verkeer, straatmeubilair"),  # extra 'en'
        ("Overlast Dier", "Overlast van dieren"),  # stop word and plural
        ("Overlast Openbare Ruimte", "Overlast in de openbare ruimte"),
        ("Civiele Constructie", "Civiele Constructies"),
        ("Onderhoud straat, fietspad en stoep", "Onderhoud stoep, straat en fietspad"),
        ("Boom", "Bomen"),
        ("Brug", "bruggen"),
        ("Kade", "Kades"),
        ("Container", "containers"),
        ("Bedrijf", "Bedrijven"),
        ("Huis", "Huizen"),
        ("Straat", "Straten"),
        ("Lantaarnpaal", "Lantaarnpalen"),
        ("Persoon", "Personen"),
        ("Weg", "Wegen"),
        ("Fietspad", "Fietspaden"),
        ("Kind", "Kinderen"),
        ("Schip", "Schepen"),
        ("Openbaar groen", "Openbare groen"),
        ("Kapot", "Kapotte"),
        ("Café", "CAFE"),
        ("Container is vol", "Container vol"),
    ],
)
def test_normalise_makes_variants_meet(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Drijfvuil bevaarbaar water", "Drijfvuil niet-bevaarbaar water"),
        ("Container glas vol", "Container glas kapot"),
        ("Overlast op het water", "Overlast vanaf het water"),
        # different Dutch words that a stemmer cutting endings and vowels would merge
        ("Boom", "Bom"),
        ("Bomen", "Bommen"),
        ("Tak", "Taak"),
        ("Takken", "Taken"),
        ("Man", "Maan"),
        ("Slot", "Sloot"),
        ("Park", "Parkeren"),
        ("Ouders", "Ouderen"),
        ("Oud papier", "Ouderen papier"),
    ],
)
def test_normalise_keeps_different_labels_apart(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


def test_normalise_known_keys() -> None:
    assert normalise("Wegen, verkeer en straatmeubilair") == "straatmeubilair-verkeer-weg"
    assert normalise("Overlast van en door personen of groepen") == "groep-overlast-persoon"
    assert normalise("Openbare verlichting") == "openbaar-verlichting"
    assert normalise("de en van") == ""


# --- the matching steps, each with a known answer ----------------------------------------------

STEPS = small(
    "*,Afval,*,fysiek,afval,AEG\n"
    "*,Afval,Container is vol,fysiek,afval,AEG\n"
    "*,Wegen en verkeer,Straatverlichting,fysiek,verlichting,VOR\n"
    "*,Overlast personen,*,sociaal,overlast,THOR\n"
    "*,Schoon,Graffiti,fysiek,schoon,STW\n"
)


def test_step_exact_slug() -> None:
    assert classify(STEPS, "afval", "container-is-vol") == ("fysiek", "afval", "exact")
    assert classify(STEPS, "AFVAL", None) == ("fysiek", "afval", "exact")


def test_step_normalised() -> None:
    # 'en', case, punctuation, plural
    assert classify(STEPS, "Afval", "Containers vol!") == ("fysiek", "afval", "normalised")
    assert classify(STEPS, "Wegen, verkeer", "straatverlichting") == (
        "fysiek",
        "verlichting",
        "normalised",
    )
    assert classify(STEPS, "Overlast van personen", None) == ("sociaal", "overlast", "normalised")


def test_step_main_category_alone_when_the_sub_is_unknown() -> None:
    assert classify(STEPS, "Afval", "Iets heel nieuws") == ("fysiek", "afval", "main")
    # the main category itself may be matched normalised
    assert classify(STEPS, "Overlast door personen", "Hangjongeren") == (
        "sociaal",
        "overlast",
        "main",
    )


def test_main_category_alone_never_moves_a_sub_to_the_other_domain() -> None:
    # 'Graffiti' is known as fysiek: under a social main category the label contradicts
    # itself, so it is left for the analyst (overig, with a suggestion) instead of 'sociaal'
    assert classify(STEPS, "Overlast personen", "Graffiti") == ("overig", "overig", "")
    # a sub known in the same domain: the main category decides (and says so)
    assert classify(STEPS, "Afval", "Graffiti") == ("fysiek", "afval", "main")
    # a main category of the other domain used as a sub, matched normalised
    assert classify(STEPS, "Afval", "Overlast van personen") == ("overig", "overig", "")
    # a catch-all sub says nothing: the main category decides
    tax = small("*,Overig,Overig,fysiek,overige meldingen,ASC\n*,Eenzaamheid,*,sociaal,welzijn,W\n")
    assert classify(tax, "Eenzaamheid", "Overige") == ("sociaal", "welzijn", "main")
    assert classify(tax, "Eenzaamheid", "Anders") == ("sociaal", "welzijn", "main")
    assert classify(tax, "Overig", "Eenzaamheid") == ("overig", "overig", "")


def test_full_normalised_match_beats_main_category_alone() -> None:
    assert classify(STEPS, "Afval", "Container vol")[2] == "normalised"


def test_label_alone_steps() -> None:
    # an unknown main category whose sub is unique; a flat list of sub labels
    assert classify(STEPS, "Onbekend", "Graffiti") == ("fysiek", "schoon", "exact")
    assert classify(STEPS, "graffiti", None) == ("fysiek", "schoon", "exact")
    assert classify(STEPS, "Straatverlichtingen", None) == ("fysiek", "verlichting", "normalised")


def test_nothing_matches_means_overig_and_no_step() -> None:
    assert classify(STEPS, "Ruimteschip", "Landing") == ("overig", "overig", "")


def test_rows_that_normalise_alike_but_disagree_match_nothing_normalised() -> None:
    tax = small("*,Boom,*,fysiek,groen,STW\n*,Bomen,*,sociaal,welzijn,X\n")
    assert classify(tax, "Boom")[2] == "exact"
    assert classify(tax, "BOMEN") == ("sociaal", "welzijn", "exact")
    assert classify(tax, "Boompje") == ("overig", "overig", "")
    assert classify(tax, "bomen!")[2] == "exact"  # same slug
    assert classify(tax, "boomen") == ("overig", "overig", "")  # normalises to both rows


def test_default_taxonomy_has_no_ambiguous_normalised_rows(tax: Taxonomy) -> None:
    keys: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    clashes = []
    for rec in tax.table.to_dict("records"):
        key = tuple(
            v if v == "*" else normalise(v)
            for v in (rec["source"], rec["category"], rec["subcategory"])
        )
        outcome = (rec["domain"], rec["theme"], rec["department"])
        if keys.setdefault(key, outcome) != outcome:
            clashes.append(key)
    assert clashes == []


@pytest.mark.parametrize(
    ("category", "subcategory", "expected"),
    [
        # Assen's Signalen tree
        ("Riolering", "Riool", ("fysiek", "riolering", "exact")),
        ("Overlast Openbare Ruimte", "Persoon", ("sociaal", "overlast door personen", "exact")),
        (
            "Wegen, verkeer en straatmeubilair",
            "Straatverlichting",
            ("fysiek", "wegen en verkeer", "normalised"),
        ),
        ("Overlast Dier", "Hond", ("fysiek", "overlast van dieren", "main")),
        # Rotterdam's MOR tree, Fixi-like and social labels
        ("Verlichting", "Verlichting doet het niet", ("fysiek", "wegen en verkeer", "main")),
        ("Watergangen en beschoeiingen", None, ("fysiek", "civiele constructies", "exact")),
        ("Financiën en schulden", None, ("sociaal", "schulden en armoede", "exact")),
        ("Huiselijk geweld", None, ("sociaal", "zorg en veiligheid", "exact")),
        ("Jeugdhulp", None, ("sociaal", "jeugd en gezin", "exact")),
    ],
)
def test_default_taxonomy_knows_other_trees(
    tax: Taxonomy, category: str, subcategory: str | None, expected: tuple
) -> None:
    assert classify(tax, category, subcategory) == expected


# --- fuzzy suggestions -------------------------------------------------------------------------


def test_suggestions_are_shown_not_applied(tax: Taxonomy) -> None:
    unknown = pd.DataFrame(
        {
            "category": ["Straatverlichtng", "Ruimteschip", '=HYPERLINK("x")'],
            "subcategory": ["", "Landing", ""],
            "count": [7, 3, 9],
        }
    )
    # the labels are unknown: fuzzy is never applied by classify
    assert not tax.classify(unknown)["known"].iloc[0]
    sug = tax.suggestions(unknown)
    assert sug["category"].tolist() == ["Straatverlichtng"]  # none for Ruimteschip or a formula
    row = sug.iloc[0]
    assert (row["suggested_category"], row["suggested_subcategory"]) == (
        "Wegen, verkeer, straatmeubilair",
        "Straatverlichting",
    )
    assert (row["domain"], row["theme"], row["count"]) == ("fysiek", "wegen en verkeer", 7)
    # one typo: 16 of 'straatverlichtng' and 'straatverlichting' (16 + 17 letters) match,
    # 2 * 16 / 33 = 0.97 of both words covered
    assert row["score"] == 97
    assert row["scope"] == "category"  # no subcategory: the label as a whole category


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Straatverlichtng", "Straatverlichting", 97),
        # one shared word between longer labels: (5 + 5) / (5 + 12 + 9 + 5 + 5)
        ("Lantaarnpaal kapot", "Container glas kapot", 28),
        # a compound's last part: stoeptegel is half covered by tegel, tegel fully
        # ((10 + 5) + (10 + 5)) / (10 + 10 + 10 + 5)
        ("Losliggende stoeptegel", "Losliggende tegel", 86),
        # a short extra word weighs five letters: (5 + 5) / (5 + 5 + 5)
        ("Afval kapot", "Afval", 67),
    ],
)
def test_similarity_by_hand(a: str, b: str, expected: int) -> None:
    assert round(_similarity(_words(a), _words(b))) == expected


def test_no_suggestion_from_one_shared_word(tax: Taxonomy) -> None:
    unknown = pd.DataFrame(
        {
            "category": ["Lantarenpaal kapot", "Speeltuin kapot", "Werk aan de weg"],
            "subcategory": ["", "", ""],
            "count": [1, 1, 1],
        }
    )
    sug = tax.suggestions(unknown).set_index("category")
    assert sug.loc["Lantarenpaal kapot", "suggested_category"] == "Lantaarnpaal"
    assert "Speeltuin kapot" not in sug.index  # not 'Container glas kapot'
    assert "Werk aan de weg" not in sug.index  # not 'Werk' (werk en inkomen)


def test_a_known_sub_under_a_main_category_that_does_not_fit(tax: Taxonomy) -> None:
    # not classified (the sub is social, the main category physical), but suggested as what
    # the sub says, for this label only
    unknown = pd.DataFrame(
        {"category": ["Overlast in de openbare ruimte"], "subcategory": ["Hangjongeren"]}
    ).assign(count=4)
    assert classify(tax, "Overlast in de openbare ruimte", "Hangjongeren") == (
        "overig",
        "overig",
        "",
    )
    row = tax.suggestions(unknown).iloc[0]
    assert (row["suggested_category"], row["suggested_subcategory"]) == ("Hangjongeren", "*")
    assert (row["domain"], row["theme"], row["score"], row["scope"]) == (
        "sociaal",
        "overlast door personen",
        100,
        "label",
    )
    new = tax.with_suggestions(tax.suggestions(unknown))
    added = new.table.iloc[len(tax.table) :]
    assert added[["category", "subcategory", "domain"]].values.tolist() == [
        ["Overlast in de openbare ruimte", "Hangjongeren", "sociaal"]
    ]
    # the main category itself keeps its domain
    assert classify(new, "Overlast in de openbare ruimte", "Iets nieuws")[0] == "fysiek"


def test_accepted_suggestions_classify_exactly(tax: Taxonomy) -> None:
    unknown = pd.DataFrame(
        {
            "category": ["Straatverlichtng", "Riolerings"],
            "subcategory": ["", "Put stuk"],
            "count": [7, 2],
        }
    )
    sug = tax.suggestions(unknown)
    # the second resembles a main category: it is added for all its subcategories
    assert sug.set_index("category").loc["Riolerings", "suggested_subcategory"] == "*"
    assert sug["scope"].tolist() == ["category", "category"]
    new = tax.with_suggestions(sug)
    added = new.table.iloc[len(tax.table) :]
    assert added[["source", "category", "subcategory"]].values.tolist() == [
        ["*", "Straatverlichtng", "*"],
        ["*", "Riolerings", "*"],
    ]
    result = new.classify(unknown)
    assert result["match"].tolist() == ["exact", "main"]
    assert result["theme"].tolist() == ["wegen en verkeer", "riolering"]


# --- the report --------------------------------------------------------------------------------


def test_match_summary_counts_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "category": ["Afval", "Afval", "Afval", "Ruimteschip", "Overlast personen"],
            "subcategory": ["Container is vol", "Containers vol", "Nieuw", "X", None],
        }
    )
    classes = STEPS.classify(frame)
    assert match_summary(classes) == {
        "fysiek": {"exact": 1, "main": 1, "normalised": 1},
        "overig": {"": 1},
        "sociaal": {"exact": 1},
    }
    weighted = match_summary(classes, weights=pd.Series([10, 0, 5, 2, 3]))
    assert weighted == {
        "fysiek": {"exact": 10, "main": 5},
        "overig": {"": 2},
        "sociaal": {"exact": 3},
    }
    lines = classification_lines(weighted, [])
    assert lines[1].split() == [
        "fysiek:",
        "15",
        "(75,0%):",
        "exact",
        "10,",
        "alleen",
        "hoofdcategorie",
        "5",
    ]
    assert lines[-1].split()[:3] == ["overig:", "2", "(10,0%):"]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([3, 1], ["75,0%", "25,0%"]),
        ([1, 1, 1], ["33,4%", "33,3%", "33,3%"]),  # largest remainder: adds up to 100,0%
        ([9999, 1], ["100,0%", "<0,1%"]),  # a non-zero share is never shown as 0,0%
        ([2, 0], ["100,0%", "0,0%"]),
    ],
)
def test_shares_add_up(counts: list[int], expected: list[str]) -> None:
    assert shares(counts) == expected


def test_counts_report_counts_what_is_imported(tmp_path: Path) -> None:
    """Signals per domain and step of the rows imported: a duplicate row is not counted, and a
    domain named in the file is said to come from the file."""
    export = tmp_path / "telling.csv"
    export.write_text(
        "area_code;period;theme;domain;count\n"
        "BU0363AA01;2025-01;schulden en armoede;;10\n"
        "BU0363AA01;2025-01;Eenzame ouderen;sociaal;5\n"
        "BU0363AA01;2025-01;Ruimteschip;;2\n"
        "BU0363AA01;2025-01;schulden en armoede;;7\n",  # same area, month, theme: dropped
        encoding="utf-8",
    )
    result = cli("validate", export, "--preset", "counts", "--store", tmp_path / "store")
    assert result.code == 0, result.err
    out = " ".join(result.out.split())
    assert "meldingen in die tellingen: 17" in out
    # 15 / 17 = 88,2%, 2 / 17 = 11,8%
    assert "sociaal: 15 (88,2%): exact 10, domein uit het bestand 5" in out
    assert "overig: 2 (11,8%): niet herkend 2" in out
    assert "onbekende categorieën (voeg ze toe aan de taxonomie): - Ruimteschip: 1" in out
    # a domain that is neither: refused, naming the file's own value and row
    export.write_text(
        "area_code;period;theme;domain;count\nBU0363AA01;2025-01;Ruimteschip;wonen;2\n",
        encoding="utf-8",
    )
    result = cli("validate", export, "--preset", "counts", "--store", tmp_path / "store")
    assert result.code == 2
    assert "rij 2, kolom 'domain': onbekend domein 'wonen'" in result.err


def test_validate_reports_shares_and_suggestions(tmp_path: Path) -> None:
    export = tmp_path / "assen.csv"
    export.write_text(
        "id,datum,hoofd,sub,buurt\n"
        "1,2025-03-01 10:00,Riolering,Riool,BU0363AA01\n"
        "2,2025-03-01 11:00,Overlast Dier,Hond,BU0363AA01\n"
        '3,2025-03-02 11:00,"Wegen, verkeer en straatmeubilair",Straatverlichting,BU0363AA02\n'
        "4,2025-03-02 12:00,Straatverlichtng,,BU0363AA02\n"
        "5,2025-03-03 12:00,Ruimteschip,Landing,BU0363AA02\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        '{"kind": "signals", "source": "assen", "columns": {"signal_id": "id", "received_at": '
        '"datum", "category": "hoofd", "subcategory": "sub", "area_code": "buurt"}}'
    )
    result = cli(
        "validate",
        export,
        "--preset",
        "generic",
        "--mapping",
        mapping,
        "--store",
        tmp_path / "store",
    )
    assert result.code == 0, result.err
    out = " ".join(result.out.split())
    assert "fysiek: 3 (60,0%): exact 1, genormaliseerd 1, alleen hoofdcategorie 1" in out
    assert "overig: 2 (40,0%): niet herkend 2" in out
    assert (
        "'Straatverlichtng' (1) lijkt op 'Wegen, verkeer, straatmeubilair / Straatverlichting': "
        "fysiek, thema wegen en verkeer (gelijkenis 97)" in out
    )
    assert "Ruimteschip' (" not in out


def test_accept_suggestions_reclassifies_the_store(tmp_path: Path) -> None:
    export = tmp_path / "open311.csv"
    export.write_text(
        "service_request_id,requested_datetime,service_name,lat,long\n"
        "1,2025-03-01T10:00:00,Graffitti,52.3731,4.8922\n"
        "2,2025-03-01T11:00:00,Graffitti,52.3731,4.8922\n"
        "3,2025-03-02T11:00:00,Pothole,52.3731,4.8922\n"
        "4,2025-03-02T12:00:00,Spaceship landing,52.3731,4.8922\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    assert cli("import", export, "--preset", "open311", "--store", store.root).code == 0
    unknown = workflow.stored_unknown_categories(store)
    assert unknown.to_dict("records") == [
        {"category": "Graffitti", "subcategory": "", "count": 2},
        {"category": "Spaceship landing", "subcategory": "", "count": 1},
    ]
    taxonomy = store.taxonomy()
    sug = taxonomy.suggestions(unknown)
    assert sug["category"].tolist() == ["Graffitti"]
    new, result = workflow.accept_suggestions(store, taxonomy, sug)
    assert result == {"overig_voor": 3, "overig_na": 1}
    assert store.taxonomy() == new
    assert workflow.stored_unknown_categories(store)["count"].tolist() == [1]
    assert Store(store.root).info()["per_domein"] == {"fysiek": 3, "overig": 1}


# --- coverage of real category trees (python benchmarks/taxonomy_coverage.py prints it) -------


def test_real_trees_land_in_fysiek_or_sociaal(tax: Taxonomy) -> None:
    table = coverage_table(tax).set_index("lijst")
    assen = table.iloc[0]
    assert assen["totaal"] == 3024  # the public reports of Assen, counted by hand from the file
    assert assen["fysiek of sociaal"] >= 0.98
    assert (table["fysiek of sociaal"] >= 0.98).all(), table["fysiek of sociaal"]
    assert table.loc[:, "niet herkend"].max() <= 0.02


def test_assen_social_reports_are_social(tax: Taxonomy) -> None:
    labels = tree_labels(TREES[1])
    result = tax.classify(labels)
    social = labels.loc[result["domain"] == "sociaal", "subcategory"].tolist()
    assert social == ["Persoon"]
    social_list = pd.read_csv(
        Path(__file__).parent / "data" / "taxonomy" / "sociaal_loket_themas.csv"
    )
    got = tax.classify(social_list.rename(columns={"thema": "category"}))
    assert (got["domain"] == "sociaal").all()
    assert got["theme"].tolist() == social_list["verwacht_thema"].tolist()
