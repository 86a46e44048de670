"""Tests for regie_analytics.taxonomy: the default taxonomy, lookups, validation, round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regie_analytics.schema import InputError
from regie_analytics.taxonomy import (
    DEFAULT_TAXONOMY,
    TAXONOMY_COLUMNS,
    Taxonomy,
    load_taxonomy,
    normalize_domain,
    slug,
    validate_domain,
)

SOCIAL_THEMES = {
    "zorg en ondersteuning",
    "jeugd en gezin",
    "werk en inkomen",
    "schulden en armoede",
    "eenzaamheid en welzijn",
    "wonen",
    "overlast door personen",
    "zorg en veiligheid",
}

# Expected (domain, theme) per Signalen main category, as decided in the taxonomy's docstring.
MAIN_EXPECTED = {
    "afval": ("fysiek", "afval"),
    "civiele-constructies": ("fysiek", "civiele constructies"),
    "ondermijning": ("sociaal", "zorg en veiligheid"),
    "openbaar-groen-en-water": ("fysiek", "openbaar groen en water"),
    "overig": ("fysiek", "overige meldingen"),
    "overlast-bedrijven-en-horeca": ("fysiek", "overlast bedrijven en horeca"),
    "overlast-in-de-openbare-ruimte": ("fysiek", "overlast openbare ruimte"),
    "overlast-op-het-water": ("fysiek", "overlast op het water"),
    "overlast-van-dieren": ("fysiek", "overlast van dieren"),
    "overlast-van-en-door-personen-of-groepen": ("sociaal", "overlast door personen"),
    "schoon": ("fysiek", "schoon"),
    "wegen-verkeer-straatmeubilair": ("fysiek", "wegen en verkeer"),
    "wonen": ("sociaal", "wonen"),
}
SUB_THEME_EXCEPTIONS = {
    "daklozen-bedelen": "zorg en veiligheid",
    "drank-en-drugsoverlast": "zorg en veiligheid",
}


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


def one(tax: Taxonomy, source: object, category: object, subcategory: object) -> tuple:
    frame = pd.DataFrame({"source": [source], "category": [category], "subcategory": [subcategory]})
    row = tax.classify(frame).iloc[0]
    return (row["domain"], row["theme"], row["department"], bool(row["known"]))


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


HEADER = "source,category,subcategory,domain,theme,department\n"


# --- slug --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Asbest / accu", "asbest-accu"),
        ("Wegen, verkeer, straatmeubilair", "wegen-verkeer-straatmeubilair"),
        ("Ratten – in en rond een woning", "ratten-in-en-rond-een-woning"),
        ("  Café Überlast!! ", "cafe-uberlast"),
        ("Overlast van taxi's", "overlast-van-taxi-s"),
        ("asbest-accu", "asbest-accu"),
        ("--/--", ""),
    ],
)
def test_slug(label: str, expected: str) -> None:
    assert slug(label) == expected


# --- the default taxonomy ----------------------------------------------------------------------


def test_default_file_has_the_documented_columns_and_no_free_text(tax: Taxonomy) -> None:
    assert DEFAULT_TAXONOMY.name == "taxonomie.csv"
    assert DEFAULT_TAXONOMY.parent.parent.name == "data"
    header = DEFAULT_TAXONOMY.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(TAXONOMY_COLUMNS)
    assert list(tax.table.columns) == list(TAXONOMY_COLUMNS)
    assert set(tax.table["domain"]) == {"fysiek", "sociaal"}


def test_default_file_is_in_canonical_form(tax: Taxonomy) -> None:
    # writing the loaded taxonomy gives the file back byte for byte (apart from Excel's BOM)
    written = tax.to_csv_bytes().decode("utf-8")
    assert written == "\ufeff" + DEFAULT_TAXONOMY.read_text(encoding="utf-8")


def test_every_signalen_sub_category_has_its_own_rows_with_signalen_codes(tax: Taxonomy) -> None:
    table = tax.table
    keys = pd.DataFrame(
        {
            "main": table["category"].map(slug),
            "sub": table["subcategory"].map(lambda s: s if s == "*" else slug(s)),
            "codes": table["department_codes"],
        }
    )
    missing = []
    for main, subs in SIGNALEN_TREE.items():
        for sub_slug, sub_name, codes in subs:
            for label in (sub_slug, slug(sub_name)):
                hit = keys[(keys["main"] == main) & (keys["sub"] == label)]
                if len(hit) != 1 or hit["codes"].iloc[0] != codes:
                    missing.append((main, label))
    assert missing == []
    assert sum(len(subs) for subs in SIGNALEN_TREE.values()) == 125
    assert len(SIGNALEN_TREE) == 13


@pytest.mark.parametrize("labels", ["names", "slugs"])
def test_all_125_signalen_sub_categories_classify_as_documented(tax: Taxonomy, labels: str) -> None:
    rows = [
        (main, sub_slug, sub_name)
        for main, subs in SIGNALEN_TREE.items()
        for sub_slug, sub_name, _ in subs
    ]
    frame = pd.DataFrame(
        {
            "source": "signalen",
            "category": [m if labels == "slugs" else MAIN_NAMES[m] for m, _, _ in rows],
            "subcategory": [s if labels == "slugs" else n for _, s, n in rows],
        }
    )
    result = tax.classify(frame)
    expected_domain = [MAIN_EXPECTED[m][0] for m, _, _ in rows]
    expected_theme = [SUB_THEME_EXCEPTIONS.get(s, MAIN_EXPECTED[m][1]) for m, s, _ in rows]
    assert result["known"].all()
    assert result["domain"].tolist() == expected_domain
    assert result["theme"].tolist() == expected_theme
    assert (result["department"] != "onbekend").all()


def test_names_and_slugs_give_identical_results_for_all_125(tax: Taxonomy) -> None:
    rows = [(m, s, n) for m, subs in SIGNALEN_TREE.items() for s, n, _ in subs]
    by_name = tax.classify(
        pd.DataFrame(
            {"category": [MAIN_NAMES[m] for m, _, _ in rows], "subcategory": [n for *_, n in rows]}
        )
    )
    by_slug = tax.classify(
        pd.DataFrame({"category": [m for m, _, _ in rows], "subcategory": [s for _, s, _ in rows]})
    )
    pd.testing.assert_frame_equal(by_name, by_slug)


def test_every_backend_fixture_sub_category_is_known_with_its_own_row(tax: Taxonomy) -> None:
    rows = [(m, s, n) for m, subs in BACKEND_FIXTURE.items() for s, n in subs]
    assert len(rows) == 77
    assert len(BACKEND_FIXTURE) == 9
    for column in ("slug", "name"):
        frame = pd.DataFrame(
            {
                "category": [m for m, _, _ in rows],
                "subcategory": [s if column == "slug" else n for _, s, n in rows],
            }
        )
        result = tax.classify(frame)
        assert result["known"].all()
        assert result["domain"].tolist() == [MAIN_EXPECTED[m][0] for m, _, _ in rows]
    # every sub has a row of its own under its (older) main category, by slug and by name
    keys = set(
        zip(
            tax.table["category"].map(slug),
            tax.table["subcategory"].map(lambda s: s if s == "*" else slug(s)),
            strict=True,
        )
    )
    missing = [(m, label) for m, s, n in rows for label in (s, slug(n)) if (m, label) not in keys]
    assert missing == []


@pytest.mark.parametrize(
    ("category", "subcategory", "expected"),
    [
        ("Afval", "Asbest / accu", ("fysiek", "afval", "THOR", True)),
        ("afval", "asbest-accu", ("fysiek", "afval", "THOR", True)),
        ("AFVAL", "asbest  /  ACCU", ("fysiek", "afval", "THOR", True)),
        ("Afval", "Grofvuil", ("fysiek", "afval", "Afval en Grondstoffen", True)),
        ("Wonen", "Vakantieverhuur", ("sociaal", "wonen", "Wonen", True)),
        ("Wonen", "Een subcategorie die nog niet bestaat", ("sociaal", "wonen", "Wonen", True)),
        (
            "Overlast van en door personen of groepen",
            "Jongerenoverlast",
            ("sociaal", "overlast door personen", "THOR", True),
        ),
        (
            "Overlast van en door personen of groepen",
            "Daklozen / bedelen",
            ("sociaal", "zorg en veiligheid", "THOR", True),
        ),
        (
            "Ondermijning",
            "Vermoeden",
            ("sociaal", "zorg en veiligheid", "Openbare Orde en Veiligheid", True),
        ),
        ("Civiele Constructies", "Brug", ("fysiek", "civiele constructies", "Stadswerken", True)),
        (
            "civiele-constructies",
            "bruggen",
            ("fysiek", "civiele constructies", "Stadswerken", True),
        ),
        (
            "Overlast op het water",
            "Snel varen",
            ("fysiek", "overlast op het water", "Waternet", True),
        ),
        ("Overlast van dieren", "Ratten", ("fysiek", "overlast van dieren", "GGD", True)),
        # older tree: sub categories that have moved take the theme of their current place
        ("afval", "veeg-zwerfvuil", ("fysiek", "schoon", "Stadswerken", True)),
        ("Wegen, verkeer, straatmeubilair", "Gladheid", ("fysiek", "schoon", "Stadswerken", True)),
    ],
)
def test_spot_checks(tax: Taxonomy, category: str, subcategory: str, expected: tuple) -> None:
    assert one(tax, "signalen", category, subcategory) == expected


def test_social_themes_are_present_and_map_by_their_own_name(tax: Taxonomy) -> None:
    assert set(tax.themes("sociaal")) == SOCIAL_THEMES
    assert tax.domains() == ["fysiek", "sociaal"]
    theme_domain = tax.theme_domain
    assert {t: theme_domain[t] for t in SOCIAL_THEMES} == dict.fromkeys(SOCIAL_THEMES, "sociaal")
    counts = pd.DataFrame({"theme": [*sorted(SOCIAL_THEMES), "Schulden en Armoede"]})
    result = tax.classify(counts, category_column="theme")
    assert result["known"].all()
    assert (result["domain"] == "sociaal").all()
    assert result["theme"].tolist() == [*sorted(SOCIAL_THEMES), "schulden en armoede"]
    assert result["department"].iloc[-1] == "Schuldhulpverlening"
    assert "Wmo / wijkteam" in tax.departments()


def test_physical_theme_name_as_label_maps_to_its_theme(tax: Taxonomy) -> None:
    # 'wegen en verkeer' is no category, but it is a theme: counts labelled by theme still map;
    # its rows have several departments, so the department stays unknown
    assert one(tax, "wijkmonitor", "Wegen en verkeer", None) == (
        "fysiek",
        "wegen en verkeer",
        "onbekend",
        True,
    )


def test_themes_per_domain_are_disjoint(tax: Taxonomy) -> None:
    fysiek, sociaal = set(tax.themes("fysiek")), set(tax.themes("sociaal"))
    assert "afval" in fysiek and "wonen" in sociaal
    assert not fysiek & sociaal
    assert set(tax.themes()) == fysiek | sociaal
    assert tax.themes("overig") == []


@pytest.mark.parametrize(
    ("source", "category", "expected"),
    [
        ("open311", "Pothole", ("fysiek", "wegen en verkeer", "Stadswerken", True)),
        ("Open311", "pothole", ("fysiek", "wegen en verkeer", "Stadswerken", True)),
        ("open311", "Graffiti", ("fysiek", "schoon", "Stadswerken", True)),
        (
            "open311",
            "Street Light Out",
            ("fysiek", "wegen en verkeer", "Verkeer en Openbare Ruimte", True),
        ),
        ("open311", "Illegal Dumping", ("fysiek", "afval", "Afval en Grondstoffen", True)),
        ("open311", "Abandoned Vehicle", ("fysiek", "overlast openbare ruimte", "THOR", True)),
        ("open311", "Noise", ("fysiek", "overlast openbare ruimte", "THOR", True)),
        ("open311", "Rodent", ("fysiek", "overlast van dieren", "GGD", True)),
        # Open311 rows are source-specific: another source with that label is not matched
        ("fixi", "Pothole", ("overig", "overig", "onbekend", False)),
    ],
)
def test_open311_service_names(tax: Taxonomy, source: str, category: str, expected: tuple) -> None:
    assert one(tax, source, category, None) == expected


# --- lookup order ------------------------------------------------------------------------------


def test_source_specific_row_beats_wildcard(tax: Taxonomy) -> None:
    custom = tax.with_mappings(
        pd.DataFrame(
            {
                "source": ["fixi"],
                "category": ["Afval"],
                "subcategory": ["Asbest / accu"],
                "domain": ["fysiek"],
                "theme": ["schoon"],
                "department": ["Milieudienst"],
            }
        )
    )
    assert one(custom, "fixi", "afval", "asbest-accu") == ("fysiek", "schoon", "Milieudienst", True)
    assert one(custom, "signalen", "Afval", "Asbest / accu") == ("fysiek", "afval", "THOR", True)
    assert one(tax, "fixi", "Afval", "Asbest / accu") == ("fysiek", "afval", "THOR", True)


def test_wildcard_sub_row_beats_source_specific_main_row(tax: Taxonomy) -> None:
    custom = tax.with_mappings(
        pd.DataFrame(
            {"source": ["fixi"], "category": ["Afval"], "domain": ["fysiek"], "theme": ["schoon"]}
        )
    )
    # step 2 (*, category, sub) comes before step 3 (source, category, *)
    assert one(custom, "fixi", "Afval", "Grofvuil")[1] == "afval"
    # step 3 comes before step 4 (*, category, *)
    assert one(custom, "fixi", "Afval", "Iets nieuws") == ("fysiek", "schoon", "onbekend", True)
    assert one(custom, "signalen", "Afval", "Iets nieuws")[1] == "afval"


def test_sub_label_alone_maps_when_unique(tax: Taxonomy) -> None:
    assert one(tax, "kcc", None, "Jongerenoverlast") == (
        "sociaal",
        "overlast door personen",
        "THOR",
        True,
    )
    assert one(tax, "kcc", "Onbekende hoofdcategorie", "Asbest / accu")[:2] == ("fysiek", "afval")
    # 'brug' is a sub of two main categories, with the same mapping: still unique
    assert one(tax, "kcc", None, "brug")[1] == "civiele constructies"


def test_sub_label_alone_is_ambiguous_when_rows_disagree(tax: Taxonomy) -> None:
    custom = tax.with_mappings(
        pd.DataFrame(
            {
                "category": ["Bouwen"],
                "subcategory": ["Asbest / accu"],
                "domain": ["sociaal"],
                "theme": ["wonen"],
            }
        )
    )
    assert one(custom, "kcc", None, "Asbest / accu") == ("overig", "overig", "onbekend", False)
    assert one(custom, "kcc", "Afval", "Asbest / accu")[1] == "afval"
    assert one(custom, "kcc", "Bouwen", "Asbest / accu")[1] == "wonen"


def test_category_label_matched_as_unique_sub_label(tax: Taxonomy) -> None:
    # an Open311-style service name that is a Signalen sub category
    assert one(tax, "seeclickfix", "Graffiti / wildplak", None) == (
        "fysiek",
        "schoon",
        "Stadswerken",
        True,
    )


@pytest.mark.parametrize(
    ("source", "category", "subcategory"),
    [
        ("fixi", "Ruimteschip", "Landing"),
        (None, None, None),
        ("signalen", "*", "*"),
        ("signalen", "", ""),
        ("signalen", '=HYPERLINK("http://x.nl","klik")', None),
        ("signalen", "<script>alert(1)</script>", "<b>Afval</b>"),
        ("signalen", "@SUM(A1:A9)", "+1"),
        (np.nan, np.nan, "-"),
    ],
)
def test_unknown_and_hostile_labels_end_up_unknown(
    tax: Taxonomy, source: object, category: object, subcategory: object
) -> None:
    assert one(tax, source, category, subcategory) == ("overig", "overig", "onbekend", False)


def test_unknown_categories_lists_unmapped_labels_verbatim(tax: Taxonomy) -> None:
    frame = pd.DataFrame(
        {
            "source": ["signalen"] * 5,
            "category": ["Afval", '=HYPERLINK("x")', '=HYPERLINK("x")', "Ruimte", "Ruimte"],
            "subcategory": ["Grofvuil", "<script>", "<script>", "Schip", "Schip"],
        }
    )
    frame = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    unknown = tax.unknown_categories(frame)
    assert unknown.to_dict("records") == [
        {
            "source": "signalen",
            "category": '=HYPERLINK("x")',
            "subcategory": "<script>",
            "count": 3,
        },
        {"source": "signalen", "category": "Ruimte", "subcategory": "Schip", "count": 2},
    ]


# --- classify mechanics ------------------------------------------------------------------------


def test_classify_returns_new_frame_aligned_to_input_index(tax: Taxonomy) -> None:
    frame = pd.DataFrame(
        {
            "source": ["signalen", "x", "open311"],
            "category": ["Afval", "Onbekend", "Pothole"],
            "subcategory": ["Grofvuil", "Onbekend", None],
            "other": [1, 2, 3],
        },
        index=pd.Index(["c", "a", "b"], name="signal_id"),
    )
    before = frame.copy()
    result = tax.classify(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(result.columns) == ["domain", "theme", "department", "known", "match"]
    assert result.index.equals(frame.index)
    assert not result.loc["a", "known"]
    assert result.loc["b", "theme"] == "wegen en verkeer"
    assert result["known"].dtype == bool


def test_classify_without_source_and_subcategory_columns(tax: Taxonomy) -> None:
    frame = pd.DataFrame({"categorie": ["Wonen", "jeugd en gezin", "Onbekend"]})
    result = tax.classify(frame, category_column="categorie")
    assert result["theme"].tolist() == ["wonen", "jeugd en gezin", "overig"]
    with pytest.raises(InputError, match="categorie"):
        tax.classify(pd.DataFrame({"x": [1]}))


def test_classify_categorical_and_empty_input(tax: Taxonomy) -> None:
    frame = pd.DataFrame(
        {
            "category": pd.Categorical(["Afval", "Schoon", "Afval"]),
            "subcategory": ["Grofvuil", None, None],
        }
    )
    assert tax.classify(frame)["theme"].tolist() == ["afval", "schoon", "afval"]
    empty = tax.classify(frame.iloc[:0])
    assert len(empty) == 0
    assert list(empty.columns) == ["domain", "theme", "department", "known", "match"]


def test_classify_one_million_rows(tax: Taxonomy) -> None:
    base = pd.DataFrame(
        {
            "source": ["signalen", "signalen", "open311", "kcc", None],
            "category": ["Afval", "Wonen", "Pothole", "schulden en armoede", "Ruimteschip"],
            "subcategory": ["Grofvuil", "Leegstand", None, None, None],
        }
    )
    repeats = 200_000
    big = base.iloc[np.tile(np.arange(len(base)), repeats)].reset_index(drop=True)
    result = tax.classify(big)
    assert result["theme"].value_counts().to_dict() == {
        "afval": repeats,
        "wonen": repeats,
        "wegen en verkeer": repeats,
        "schulden en armoede": repeats,
        "overig": repeats,
    }
    assert int(result["known"].sum()) == 4 * repeats


# --- validation --------------------------------------------------------------------------------


def test_bad_domain_names_row_and_column() -> None:
    text = HEADER + (
        "*,Afval,*,fysiek,afval,Afval en Grondstoffen\n"
        "*,Wonen,*,sociaal,wonen,Wonen\n"
        "*,Groen,*,ruimtelijk,groen,Stadswerken\n"
    )
    with pytest.raises(InputError) as info:
        Taxonomy.from_csv_bytes(csv_bytes(text), name="mijn_taxonomie.csv")
    err = info.value
    assert (err.row, err.column) == (4, "domain")
    assert "ruimtelijk" in err.message
    assert "fysiek" in (err.hint or "")
    assert "bestand 'mijn_taxonomie.csv', rij 4, kolom 'domain'" in str(err)


def test_duplicate_key_after_slugging_names_the_second_row() -> None:
    text = HEADER + (
        "*,Afval,Asbest / accu,fysiek,afval,THOR\n"
        "*,Afval,Grofvuil,fysiek,afval,Afval en Grondstoffen\n"
        "*,afval,asbest-accu,fysiek,afval,Stadswerken\n"
    )
    with pytest.raises(InputError) as info:
        Taxonomy.from_csv_bytes(csv_bytes(text), name="t.csv")
    assert info.value.row == 4
    assert info.value.column == "category"
    assert "rij 2" in info.value.message


def test_same_key_for_another_source_is_no_duplicate() -> None:
    text = HEADER + "*,Afval,*,fysiek,afval,AEG\nfixi,Afval,*,fysiek,schoon,STW\n"
    assert len(Taxonomy.from_csv_bytes(csv_bytes(text), name="t.csv").table) == 2


def test_missing_column_is_named() -> None:
    text = "source,category,subcategory,domain,department\n*,Afval,*,fysiek,AEG\n"
    with pytest.raises(InputError) as info:
        Taxonomy.from_csv_bytes(csv_bytes(text), name="t.csv")
    assert (info.value.row, info.value.column) == (1, "theme")
    assert "ontbreekt" in info.value.message


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("*,Afval,*,fysiek,,AEG", "theme", "thema is leeg"),
        ("*,Afval,*,fysiek,Overig,AEG", "theme", "gereserveerd"),
        ("*,,*,fysiek,afval,AEG", "category", "leeg"),
        (",Afval,*,fysiek,afval,AEG", "source", "leeg"),
        ('*,Afval,*,fysiek,afval,=HYPERLINK("x")', "department", "formule"),
        ("*,<b>Afval</b>,*,fysiek,afval,AEG", "category", "HTML"),
        ("*,Afval,*,fysiek,wonen,AEG", "domain", "rij 2"),
        ("*,Afval,*,fysiek,Wonen,AEG", "domain", "rij 2"),
        ("*,Afval,*,sociaal,Wonen,AEG", "theme", "gespeld"),
    ],
)
def test_invalid_rows_name_row_and_column(line: str, column: str, fragment: str) -> None:
    text = HEADER + "*,Wonen,*,sociaal,wonen,Wonen\n" + line + "\n"
    with pytest.raises(InputError) as info:
        Taxonomy.from_csv_bytes(csv_bytes(text), name="t.csv")
    assert (info.value.row, info.value.column) == (3, column)
    assert fragment in info.value.message


def test_all_problems_are_listed_in_details() -> None:
    text = (
        HEADER + "*,Afval,*,fisiek,afval,AEG\n*,Groen,*,fysiek,,STW\n*,Afval,*,fysiek,afval,AEG\n"
    )
    with pytest.raises(InputError) as info:
        Taxonomy.from_csv_bytes(csv_bytes(text), name="t.csv")
    assert (info.value.row, info.value.column) == (2, "domain")
    assert info.value.details == [
        "rij 3, kolom 'theme': het thema is leeg.",
        "rij 4, kolom 'category': dezelfde combinatie van source, category en subcategory staat "
        "al in rij 2 (hoofdletters, accenten en leestekens tellen niet mee).",
    ]


def test_excel_file_with_semicolons_and_windows_encoding_loads() -> None:
    text = (
        "Source;Category;Subcategory;Domain;Theme;Department\n*;Café-overlast;*;Fysiek;horeca;VTH\n"
    )
    tax = Taxonomy.from_csv_bytes(text.encode("cp1252"), name="excel.csv")
    assert tax.table[["category", "domain", "department_codes"]].iloc[0].tolist() == [
        "Café-overlast",
        "fysiek",
        "",
    ]
    assert one(tax, "x", "cafe overlast", None) == ("fysiek", "horeca", "VTH", True)


def test_empty_department_becomes_onbekend() -> None:
    tax = Taxonomy.from_csv_bytes(csv_bytes(HEADER + "*,Afval,*,fysiek,afval,\n"), name="t.csv")
    assert tax.departments() == ["onbekend"]


def test_load_taxonomy_missing_file(tmp_path) -> None:
    with pytest.raises(InputError) as info:
        load_taxonomy(tmp_path / "bestaat_niet.csv")
    assert "bestaat_niet.csv" in str(info.value)


def test_load_taxonomy_from_path(tmp_path) -> None:
    path = tmp_path / "eigen.csv"
    path.write_text(HEADER + "*,Afval,*,fysiek,afval,AEG\n", encoding="utf-8")
    tax = load_taxonomy(path)
    assert tax.themes() == ["afval"]
    assert tax.name == str(path)


# --- round trips and edits ---------------------------------------------------------------------


def test_upload_round_trip_is_identical(tax: Taxonomy) -> None:
    data = tax.to_csv_bytes()
    uploaded = Taxonomy.from_csv_bytes(data, name="upload.csv")
    assert uploaded == tax
    assert uploaded.to_csv_bytes() == data
    assert hash(uploaded) == hash(tax)
    pd.testing.assert_frame_equal(uploaded.table, tax.table)


def test_with_mappings_adds_and_overrides_without_changing_the_original(tax: Taxonomy) -> None:
    rows = pd.DataFrame(
        {
            "source": ["*", "*"],
            "category": ["Nieuwe categorie", "afval"],
            "subcategory": ["*", "asbest-accu"],
            "domain": ["sociaal", "fysiek"],
            "theme": ["eenzaamheid en welzijn", "afval"],
            "department": ["Welzijn", "Stadswerken"],
        }
    )
    before = tax.to_csv_bytes()
    custom = tax.with_mappings(rows)
    assert tax.to_csv_bytes() == before
    assert len(custom.table) == len(tax.table) + 1
    assert one(custom, "x", "Nieuwe categorie", None) == (
        "sociaal",
        "eenzaamheid en welzijn",
        "Welzijn",
        True,
    )
    assert one(custom, "x", "Afval", "Asbest / accu")[2] == "Stadswerken"
    # the override keeps its place in the file
    position = tax.table.index[tax.table["subcategory"] == "Asbest / accu"][0]
    assert custom.table.loc[position, "department"] == "Stadswerken"
    assert Taxonomy.from_csv_bytes(custom.to_csv_bytes(), name="t.csv") == custom


def test_with_mappings_validates_the_new_rows(tax: Taxonomy) -> None:
    rows = pd.DataFrame(
        {"category": ["X", "Y"], "domain": ["fysiek", "ruimte"], "theme": ["a", "b"]}
    )
    with pytest.raises(InputError) as info:
        tax.with_mappings(rows)
    assert (info.value.file, info.value.row, info.value.column) == (
        "nieuwe koppelingen",
        3,
        "domain",
    )


# --- domain helpers ----------------------------------------------------------------------------


def test_validate_and_normalize_domain() -> None:
    values = pd.Series(["fysiek", " Sociaal", "overig", None, "physical"], index=[5, 6, 7, 8, 9])
    mask = validate_domain(values)
    assert mask.index.tolist() == [5, 6, 7, 8, 9]
    assert mask.tolist() == [True, True, False, False, False]
    assert validate_domain(["sociaal", "x"]).tolist() == [True, False]
    assert isinstance(validate_domain(["sociaal"]), np.ndarray)
    normalized = normalize_domain(values)
    assert normalized.iloc[:2].tolist() == ["fysiek", "sociaal"]
    assert normalized.iloc[2:].isna().all()
    assert Taxonomy.validate_domain(["fysiek"]).tolist() == [True]


# Amsterdam/signals-frontend category fixture (MPL-2.0), via /work/shared/data/taxonomy
MAIN_NAMES = {
    "afval": "Afval",
    "civiele-constructies": "Civiele Constructies",
    "ondermijning": "Ondermijning",
    "openbaar-groen-en-water": "Openbaar groen en water",
    "overig": "Overig",
    "overlast-bedrijven-en-horeca": "Overlast Bedrijven en Horeca",
    "overlast-in-de-openbare-ruimte": "Overlast in de openbare ruimte",
    "overlast-op-het-water": "Overlast op het water",
    "overlast-van-dieren": "Overlast van dieren",
    "overlast-van-en-door-personen-of-groepen": "Overlast van en door personen of groepen",
    "schoon": "Schoon",
    "wegen-verkeer-straatmeubilair": "Wegen, verkeer, straatmeubilair",
    "wonen": "Wonen",
}
# main slug -> (sub slug, sub name, Signalen department codes)
SIGNALEN_TREE: dict[str, list[tuple[str, str, str]]] = {
    "afval": [
        ("asbest-accu", "Asbest / accu", "FB;THO"),
        ("bruin-en-witgoed", "Bruin- en witgoed", "ASC;AEG"),
        ("container-bijplaatsing", "Container bijplaatsing", "ASC;AEG"),
        ("container-glas-kapot", "Container glas kapot", "ASC;AEG"),
        ("container-glas-vol", "Container glas vol", "ASC;AEG"),
        ("container-is-kapot", "Container is kapot", "ASC;AEG"),
        ("container-is-vol", "Container is vol", "ASC;AEG"),
        ("container-voor-papier-is-stuk", "Container papier kapot", "ASC;AEG"),
        ("container-voor-papier-is-vol", "Container papier vol", "ASC;AEG"),
        ("container-voor-plastic-afval-is-kapot", "Container plastic kapot", "ASC;AEG"),
        ("container-voor-plastic-afval-is-vol", "Container plastic afval vol", "ASC;AEG"),
        ("grofvuil", "Grofvuil", "ASC;AEG;VIS"),
        ("handhaving-op-afval", "Handhaving op afval", "ASC;THO"),
        ("huisafval", "Huisafval", "ASC;AEG;VIS"),
        ("kerstbomen", "Kerstbomen", "ASC;AEG"),
        ("overig-afval", "Overig afval", "ASC;AEG;STW"),
        ("puin-sloopafval", "Puin- / sloopafval", "ASC;AEG"),
        ("rolcontainer-is-kapot", "Rolcontainer is kapot", "AEG"),
        ("rolcontainer-is-vol", "Rolcontainer is vol", "AEG"),
    ],
    "civiele-constructies": [
        ("afwatering-brug", "Afwatering brug", "STW;VOR"),
        ("brug-bediening", "Brug bediening", "WAT"),
        ("bruggen", "Brug", "STW;WAT"),
        ("kades", "Kades", "STW"),
        ("oevers", "Oevers", "STW"),
        ("sluis", "Sluis", "STW;VOR"),
        ("steiger", "Steiger", "STW"),
        ("watergangen", "Watergangen", "STW;VOR"),
    ],
    "ondermijning": [
        ("vermoeden", "Vermoeden", "OOV"),
    ],
    "openbaar-groen-en-water": [
        ("boom", "Boom - dood", "STW"),
        ("boom-aanvraag-plaatsing", "Boom - aanvraag plaatsing", "VOR"),
        ("boom-afval", "Boom - plastic en overig afval", "STW"),
        ("boom-illegale-kap", "Boom - illegale kap", "ASC;THO"),
        ("boom-noodkap", "Boom - noodkap", "STW"),
        ("boom-overig", "Boom - overig", "STW"),
        ("boom-stormschade", "Boom - stormschade", "STW;VOR"),
        ("boom-verzoek-inspectie", "Boom - verzoek inspectie", "STW"),
        ("boomziekten-en-plagen", "Boom - ziekten en plagen", "STW"),
        ("eikenprocessierups", "Eikenprocessierups", "STW"),
        ("japanse-duizendknoop", "Japanse duizendknoop", "STW"),
        ("maaien-snoeien", "Maaien", "STW"),
        ("onkruid", "Onkruid in het groen", "STW;VOR"),
        ("overig-groen-en-water", "Overig groen en water", "STW"),
        ("snoeien", "Snoeien", "STW"),
    ],
    "overig": [
        ("overig", "Overig", "ASC"),
        ("overige-dienstverlening", "Overige dienstverlening", "ASC"),
    ],
    "overlast-bedrijven-en-horeca": [
        ("geluidsoverlast-installaties", "Geluidsoverlast installaties", "VTH"),
        ("geluidsoverlast-muziek", "Geluidsoverlast muziek", "VTH"),
        ("overig-horecabedrijven", "Overig bedrijven / horeca", "VTH"),
        (
            "overlast-door-bezoekers-niet-op-terras",
            "Overlast door bezoekers (niet op terras)",
            "ASC;THO",
        ),
        ("overlast-terrassen", "Overlast terrassen", "VTH"),
        ("stankoverlast", "Stankoverlast", "VTH"),
    ],
    "overlast-in-de-openbare-ruimte": [
        ("auto-scooter-bromfietswrak", "Auto- / scooter- / bromfiets(wrak)", "ASC;THO"),
        ("bouw-sloopoverlast", "Bouw- / sloopoverlast", "VTH"),
        ("fietswrak", "Fietswrak", "THO"),
        ("hinderlijk-geplaatst-object", "Hinderlijk geplaatst object", "ASC;THO"),
        (
            "lozing-dumping-bodemverontreiniging",
            "Lozing / dumping / bodemverontreiniging",
            "ASC;STW;THO",
        ),
        ("markten", "Markten", "ASC;STW"),
        ("overig-openbare-ruimte", "Overig openbare ruimte", "ASC"),
        ("parkeeroverlast", "Parkeeroverlast", "ASC;THO;VOR"),
        ("stank-geluidsoverlast", "Stank- / geluidsoverlast", "ASC;THO;VTH"),
    ],
    "overlast-op-het-water": [
        ("blokkade-van-de-vaarweg", "Blokkade van de vaarweg", "ASC;WAT"),
        ("olie-op-het-water", "Olie op het water", "ASC;WAT"),
        ("overig-boten", "Overige boten", "ASC;WAT"),
        ("overlast-op-het-water-geluid", "Geluid op het water", "ASC;WAT"),
        ("overlast-op-het-water-gezonken-boot", "Wrak in het water", "ASC;WAT"),
        ("overlast-op-het-water-snel-varen", "Snel varen", "ASC;WAT"),
        ("scheepvaart-nautisch-toezicht", "Nautisch toezicht / vaargedrag", "ASC;WAT"),
    ],
    "overlast-van-dieren": [
        ("dode-dieren", "Dode dieren", "GGD"),
        ("duiven", "Duiven", "GGD;STL"),
        ("ganzen", "Ganzen", "GGD"),
        ("meeuwen", "Meeuwen", "GGD"),
        ("overig-dieren", "Overig dieren", "GGD"),
        ("ratten", "Ratten", "GGD"),
        ("ratten-in-en-rond-woning", "Ratten – in en rond een woning", "GGD"),
        ("wespen", "Wespen", "GGD"),
    ],
    "overlast-van-en-door-personen-of-groepen": [
        ("daklozen-bedelen", "Daklozen / bedelen", "ASC;THO"),
        ("drank-en-drugsoverlast", "Drank- / drugsoverlast", "ASC;AB;THO"),
        ("jongerenoverlast", "Jongerenoverlast", "ASC;THO"),
        ("loslopende-agressieve-honden", "Loslopende agressieve honden", "ASC;AEG;AB"),
        ("overige-overlast-door-personen", "Overige overlast door personen", "ASC;THO"),
        ("overlast-door-afsteken-vuurwerk", "Overlast door afsteken vuurwerk", "ASC;THO"),
        (
            "overlast-van-taxis-bussen-en-fietstaxis",
            "Overlast van taxi's, bussen en fietstaxi's",
            "ASC;THO",
        ),
        ("wildplassen-poepen-overgeven", "Wildplassen / poepen / overgeven", "ASC;THO"),
    ],
    "schoon": [
        ("drijfvuil-bevaarbaar-water", "Drijfvuil bevaarbaar water", "WAT"),
        ("drijfvuil-niet-bevaarbaar-water", "Drijfvuil niet-bevaarbaar water", "STW"),
        ("gladheid-bladeren", "Gladheid door blad", "STW"),
        ("gladheid-olie", "Gladheid door olie op de weg", "STW"),
        ("gladheid-winterdienst", "Gladheid winterdienst", "STW"),
        ("graffitiwildplak", "Graffiti / wildplak", "STW"),
        ("onkruid-verharding", "Onkruid op verharding", "STW"),
        ("prullenbak-vol", "Prullenbak is vol", "STW"),
        ("putrioleringverstopt", "Put / riolering verstopt", "ASC;CCA;STW"),
        ("uitwerpselen", "Uitwerpselen", "ASC;STW;THO"),
        ("veegzwerfvuil", "Veeg- / zwerfvuil", "STW"),
    ],
    "wegen-verkeer-straatmeubilair": [
        ("autom-verzinkbare-palen", "Autom. Verzinkbare palen", "VOR"),
        ("bewegwijzering", "Bewegwijzering", "VOR"),
        ("camerasystemen", "Camerasystemen", "VOR"),
        ("fietsrek-nietje", "Fietsrek / nietje", "STW"),
        ("klok", "Klok", "VOR"),
        ("lantaarnpaal-straatverlichting", "Straatverlichting", "VOR"),
        ("omleiding", "Wegwerkzaamheden", "STW"),
        ("omleiding-belijning-verkeer", "Omleiding / belijning verkeer", "STW"),
        ("onderhoud-fietspad", "Onderhoud fietspad", "STW"),
        ("onderhoud-stoep-straat-en-fietspad", "Onderhoud stoep, straat en fietspad", "STW"),
        ("oplaadpunt", "Oplaadpunt", "STL;VOR"),
        ("overig-wegen-verkeer-straatmeubilair", "Overig Wegen, verkeer, straatmeubilair", "STW"),
        ("parkeer-verwijssysteem", "Parkeer verwijssysteem", "VOR"),
        ("parkeerautomaten", "Parkeerautomaten", "PRK;VOR"),
        ("prullenbakkapot", "Prullenbak is kapot", "STW"),
        ("put-riool-kapot", "Put / Riool kapot", "STW"),
        ("speelplaats", "Speelplaats", "STW"),
        ("sportvoorziening", "Sportvoorziening", "STW"),
        ("stadsplattegronden", "Stadsplattegronden", "VOR"),
        ("straatmeubilair", "Straatmeubilair", "STW"),
        ("verkeersbord-verkeersafzetting", "Verkeersbord / verkeersafzetting", "STW"),
        ("verkeerslicht", "Verkeerslicht", "VOR"),
        ("verkeersoverlast", "Verkeersoverlast", "ASC;THO"),
        ("verkeerssituaties", "Verkeerssituaties", "VOR"),
    ],
    "wonen": [
        ("leegstand", "Leegstand", "WON"),
        ("onderhuur-en-adreskwaliteit", "Onderhuur en adreskwaliteit", "WON"),
        ("vakantieverhuur", "Vakantieverhuur", "WON"),
        ("wonen-ondermijning", "Wonen ondermijning", "WON"),
        ("wonen-overig", "Overige Wonen", "WON"),
        ("woningdelen-spookburgers", "Woningdelen / spookburgers", "WON"),
        ("woningkwaliteit", "Woningkwaliteit", "VTH;WON"),
    ],
}
# Amsterdam/signals backend category fixture (MPL-2.0): main slug -> (sub slug, sub name)
BACKEND_FIXTURE: dict[str, list[tuple[str, str]]] = {
    "afval": [
        ("veeg-zwerfvuil", "Veeg- / zwerfvuil"),
        ("grofvuil", "Grofvuil"),
        ("huisafval", "Huisafval"),
        ("bedrijfsafval", "Bedrijfsafval"),
        ("puin-sloopafval", "Puin / sloopafval"),
        ("container-is-vol", "Container is vol"),
        ("prullenbak-is-vol", "Prullenbak is vol"),
        ("container-is-kapot", "Container is kapot"),
        ("prullenbak-is-kapot", "Prullenbak is kapot"),
        ("asbest-accu", "Asbest / accu"),
        ("overig-afval", "Overig afval"),
        ("container-voor-plastic-afval-is-vol", "Container voor plastic afval is vol"),
        ("container-voor-plastic-afval-is-kapot", "Container voor plastic afval is kapot"),
    ],
    "wegen-verkeer-straatmeubilair": [
        ("onderhoud-stoep-straat-en-fietspad", "Onderhoud stoep, straat en fietspad"),
        ("verkeersbord-verkeersafzetting", "Verkeersbord, verkeersafzetting"),
        ("gladheid", "Gladheid"),
        ("omleiding-belijning-verkeer", "Omleiding / belijning verkeer"),
        ("brug", "Brug"),
        ("straatmeubilair", "Straatmeubilair"),
        ("fietsrek-nietje", "Fietsrek / nietje"),
        ("put-riolering-verstopt", "Put / riolering verstopt"),
        ("speelplaats", "Speelplaats"),
        ("sportvoorziening", "Sportvoorziening"),
        ("straatverlichting-openbare-klok", "Straatverlichting / openbare klok"),
        ("klok", "Klok"),
        ("verkeerslicht", "Verkeerslicht"),
        ("overig-wegen-verkeer-straatmeubilair", "Overig Wegen, verkeer, straatmeubilair"),
        ("verkeersoverlast-verkeerssituaties", "Verkeersoverlast / Verkeerssituaties"),
    ],
    "overlast-in-de-openbare-ruimte": [
        ("lozing-dumping-bodemverontreiniging", "Lozing / dumping / bodemverontreiniging"),
        ("parkeeroverlast", "Parkeeroverlast"),
        ("fietswrak", "Fietswrak"),
        ("stank-geluidsoverlast", "Stank- / geluidsoverlast"),
        ("bouw-sloopoverlast", "Bouw- / sloopoverlast"),
        ("auto-scooter-bromfietswrak", "Auto- / scooter- / bromfiets(wrak)"),
        ("graffiti-wildplak", "Graffiti / wildplak"),
        ("hondenpoep", "Honden(poep)"),
        ("hinderlijk-geplaatst-object", "Hinderlijk geplaatst object"),
        ("deelfiets", "Deelfiets"),
        ("overig-openbare-ruimte", "Overig openbare ruimte"),
        ("wegsleep", "Wegsleep"),
    ],
    "openbaar-groen-en-water": [
        ("boom", "Boom"),
        ("maaien-snoeien", "Maaien / snoeien"),
        ("onkruid", "Onkruid"),
        ("drijfvuil", "Drijfvuil"),
        ("oever-kade-steiger", "Oever / kade / steiger"),
        ("overig-groen-en-water", "Overig groen en water"),
    ],
    "overlast-van-dieren": [
        ("ratten", "Ratten"),
        ("ganzen", "Ganzen"),
        ("duiven", "Duiven"),
        ("meeuwen", "Meeuwen"),
        ("wespen", "Wespen"),
        ("dode-dieren", "Dode dieren"),
        ("overig-dieren", "Overig dieren"),
    ],
    "overlast-van-en-door-personen-of-groepen": [
        ("vuurwerkoverlast", "Vuurwerkoverlast"),
        ("overlast-door-afsteken-vuurwerk", "Overlast door afsteken vuurwerk"),
        ("overige-overlast-door-personen", "Overige overlast door personen"),
        ("personen-op-het-water", "Personen op het water"),
        ("overlast-van-taxis-bussen-en-fietstaxis", "Overlast van taxi's, bussen en fietstaxi's"),
        ("jongerenoverlast", "Jongerenoverlast"),
        ("daklozen-bedelen", "Daklozen / bedelen"),
        ("wildplassen-poepen-overgeven", "Wildplassen / poepen / overgeven"),
        ("drank-en-drugsoverlast", "Drank- en drugsoverlast"),
    ],
    "overlast-bedrijven-en-horeca": [
        ("geluidsoverlast-muziek", "Geluidsoverlast muziek"),
        ("geluidsoverlast-installaties", "Geluidsoverlast installaties"),
        ("overlast-terrassen", "Overlast terrassen"),
        ("stank-horecabedrijven", "Stank horeca/bedrijven"),
        ("stankoverlast", "Stankoverlast"),
        ("overlast-door-bezoekers-niet-op-terras", "Overlast door bezoekers (niet op terras)"),
        ("overig-horecabedrijven", "Overig horeca/bedrijven"),
    ],
    "overlast-op-het-water": [
        ("overlast-op-het-water-snel-varen", "Overlast op het water - snel varen"),
        ("overlast-op-het-water-vaargedrag", "Overlast op het water - Vaargedrag"),
        ("overlast-op-het-water-geluid", "Overlast op het water - geluid"),
        ("overlast-op-het-water-gezonken-boot", "Overlast op het water - Gezonken boot"),
        ("scheepvaart-nautisch-toezicht", "Scheepvaart nautisch toezicht"),
        ("overlast-vanaf-het-water", "Overlast vanaf het water"),
        ("overig-boten", "Overig boten"),
    ],
    "overig": [
        ("overig", "Overig"),
    ],
}
