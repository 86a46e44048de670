"""Domains, themes and departments: the mapping of source categories onto the data model.

README: the taxonomy file
-------------------------
The taxonomy is a CSV file (UTF-8, ``,``-separated; a ``;``-separated or Windows-1252 file saved
by Excel is read too) that a municipality can edit. One row is one mapping::

    source,category,subcategory,domain,theme,department,department_codes
    *,Afval,Asbest / accu,fysiek,afval,THOR,FB;THO

``source``
    The source system (``open311``, ...) or ``*`` for any source.
``category``, ``subcategory``
    The source's own labels; ``*`` as subcategory means "any subcategory of this category".
    Matching is on :func:`slug`, so ``Asbest / accu`` and ``asbest-accu`` are the same label and
    a source that exports names matches as well as one that exports slugs. Where Signalen's slug
    is not the slug of its name (``bruggen`` for ``Brug``), the file has an extra row with the
    slug as label, with the same mapping.
``domain``
    ``fysiek`` or ``sociaal``. What the taxonomy cannot place is classified ``overig`` (theme
    ``overig``, department ``onbekend``); those two names are reserved.
``theme``
    A short Dutch theme name; a theme belongs to one domain.
``department``
    The department responsible for the work (see below); ``onbekend`` when left empty.
``department_codes``
    Optional: Signalen's department codes for the category, as in Signalen's category tree.

Free text (Signalen's category descriptions) is deliberately not part of the file.

Matching steps for a record (source, category, subcategory), each tried on the exact slug
(:func:`slug`) and then on the normalised label (:func:`normalise`: case, accents,
punctuation, Dutch stop words, singular/plural and word order ignored); the step is reported:

1. the row ``(source, category, subcategory)``, else ``(*, category, subcategory)``; a record
   without subcategory takes ``(source, category, *)``, else ``(*, category, *)``;
2. main category alone, when the subcategory is unknown: ``(source, category, *)``, else
   ``(*, category, *)``;
3. the subcategory label alone, when all rows with that subcategory (for this source or ``*``)
   agree on domain, theme and department (a source may export only the sub label);
4. the category label taken as a subcategory label, under the same condition (Open311 service
   names), or as a theme name (pre-aggregated counts labelled by theme);
5. otherwise unknown: ``overig`` / ``overig`` / ``onbekend``, ``known`` False; fuzzy
   :meth:`Taxonomy.suggestions` are offered, never applied.

Steps 2 to 4 never put a record in a domain that its subcategory has nowhere in the taxonomy
(``Overig / Eenzaamheid`` is not physical because ``Overig`` is): such a record stays unknown
for the analyst to decide. A catch-all subcategory (:data:`GENERIC_WORDS`:
``Overig``, ``Anders``, ...) says nothing and does not count.

Labels with HTML or spreadsheet formulas are never interpreted: they are slugged like any label
and simply do not match. In the file itself such cells are refused.

The default file (``data/taxonomy/taxonomie.csv``)
--------------------------------------------------
Generated from Signalen's category tree of Amsterdam (13 main, 125 sub categories) plus the 20
sub categories of Signalen's older backend fixture that are not in that tree; then rows for the
trees other systems use (Signalen as Assen runs it, Rotterdam's MOR, Fixi-like lists, Open311,
the social domain; sources in ``data/README.md``), appended after Amsterdam's.

Domains and themes:

* Physical main categories are themes with short names: ``afval``, ``civiele constructies``,
  ``openbaar groen en water``, ``overlast bedrijven en horeca``, ``overlast openbare ruimte``,
  ``overlast op het water``, ``overlast van dieren``, ``schoon``, ``wegen en verkeer``, and
  ``overige meldingen`` for Signalen's own ``Overig``.
* ``Wonen`` (woonfraude, onderhuur, leegstand, vakantieverhuur, woningkwaliteit) is domain
  ``sociaal``, theme ``wonen``.
* ``Overlast van en door personen of groepen`` is ``sociaal``, theme ``overlast door personen``;
  its subs about vulnerable people (``Daklozen / bedelen``, ``Drank- / drugsoverlast``) are
  ``zorg en veiligheid``.
* ``Ondermijning`` is ``sociaal``, theme ``zorg en veiligheid``: it is about people and criminal
  networks, handled by Openbare Orde en Veiligheid, not maintenance of public space, and belongs
  with the zorg-en-veiligheid work that a regie on an area brings together.
* Sub categories of the older tree that have since moved to another main category take the theme
  of their current place (``Veeg- / zwerfvuil`` under ``Afval`` is ``schoon``), so that a trend
  does not jump when the tree changes.
* Social-domain themes, each a row ``*, <theme>, *`` so that counts labelled with the theme map:
  ``zorg en ondersteuning`` (Wmo / wijkteam), ``jeugd en gezin`` (Jeugd / wijkteam), ``werk en
  inkomen`` (Werk en Inkomen), ``schulden en armoede`` (Schuldhulpverlening), ``eenzaamheid en
  welzijn`` (Welzijn), ``wonen`` (Wonen), ``overlast door personen`` (Openbare Orde en
  Veiligheid), ``zorg en veiligheid`` (Zorg- en Veiligheidshuis).
* Common Open311 service names (``Pothole``, ``Graffiti``, ``Street Light Out``, ``Illegal
  Dumping``, ``Abandoned Vehicle``, ``Noise``, ``Rodent``, ...) with source ``open311``, mapped
  like their Signalen counterparts.

Department codes and names. Names come from Signalen's departments (its initial-data migration
and the frontend's department fixture): ASC Actie Service Centrum, AEG Afval en Grondstoffen,
STW Stadswerken, THO THOR, WAT Waternet, GGD GGD, VOR Verkeer en Openbare Ruimte (V&OR), OVL V&OR
Openbare Verlichting, VRI V&OR Verkeersregelinstallaties, VIS V&OR VIS, CCA CCA, STL Stadsloket,
OMG Omgevingsdienst, VTH Vergunningverlening, Toezicht en Handhaving, OOV Openbare Orde en
Veiligheid, POL Politie, POA Port of Amsterdam; WON Wonen (the only department of every ``Wonen``
category). FB, AB and PRK are not named anywhere public that we could check and are kept as codes.
The older fixture lists departments by primary key; these follow the order in which Signalen's
migration creates them (1 POA, 2 THO, 3 WAT, 4 STW, 5 AEG, 6 ASC, 7 POL, 8 GGD, 9 VOR, 10 OVL,
11 VRI, 12 CCA, 13 STL, 14 OMG, 15 VTH, 16 FB), which agrees with every category we checked
(animals 8 GGD, water 3 WAT, traffic lights 11 VRI).

Responsible department (column ``department``): the first code in the category's list after
leaving out the coordinating ASC and CCA (they receive and route, other departments do the work);
ASC itself when nothing else is listed. Exceptions, where the first code is not who does the
work: ``Asbest / accu`` (FB;THO) and ``Drank- / drugsoverlast`` (ASC;AB;THO) go to THOR, which
Signalen's department fixture lists for both; ``Oplaadpunt`` (STL;VOR) to V&OR, a technical fault
in street furniture; the older ``Straatverlichting / openbare klok`` (ASC;CCA) to V&OR, like
``Straatverlichting`` and ``Klok`` in the current tree. A main-category row (``*`` as
subcategory) names the department responsible for most of its subs and has no codes.

The modules
-----------
``model`` (:class:`Taxonomy`, :func:`load_taxonomy`), ``labels`` (:func:`slug`,
:func:`normalise`), ``validation`` (the file's columns and checks, valid domains),
``matching`` (the steps' names, the index per step, :func:`match_summary`) and
``suggestions`` (fuzzy suggestions). Every public name is importable from
``regie_analytics.taxonomy``.
"""

from regie_analytics.taxonomy.labels import (
    ANY,
    GENERIC_WORDS,
    STOP_WORDS,
    normalise,
    slug,
)
from regie_analytics.taxonomy.matching import (
    KNOWN,
    MATCH,
    MATCH_EXACT,
    MATCH_GIVEN,
    MATCH_LABELS,
    MATCH_MAIN,
    MATCH_NORMALISED,
    UNKNOWN_DOMAIN,
    match_summary,
)
from regie_analytics.taxonomy.model import (
    DEFAULT_TAXONOMY,
    Taxonomy,
    load_taxonomy,
)
from regie_analytics.taxonomy.suggestions import (
    MAX_SUGGESTED,
    SCOPE_CATEGORY,
    SCOPE_LABEL,
    SUGGESTION_COLUMNS,
    SUGGESTION_CUTOFF,
)
from regie_analytics.taxonomy.validation import (
    DEPARTMENT_CODES,
    REQUIRED_COLUMNS,
    TAXONOMY_COLUMNS,
    TAXONOMY_DOMAINS,
    normalize_domain,
    validate_domain,
)

__all__ = [
    "ANY",
    "DEFAULT_TAXONOMY",
    "DEPARTMENT_CODES",
    "GENERIC_WORDS",
    "KNOWN",
    "MATCH",
    "MATCH_EXACT",
    "MATCH_GIVEN",
    "MATCH_LABELS",
    "MATCH_MAIN",
    "MATCH_NORMALISED",
    "MAX_SUGGESTED",
    "REQUIRED_COLUMNS",
    "SCOPE_CATEGORY",
    "SCOPE_LABEL",
    "STOP_WORDS",
    "SUGGESTION_COLUMNS",
    "SUGGESTION_CUTOFF",
    "TAXONOMY_COLUMNS",
    "TAXONOMY_DOMAINS",
    "UNKNOWN_DOMAIN",
    "Taxonomy",
    "load_taxonomy",
    "match_summary",
    "normalise",
    "normalize_domain",
    "slug",
    "validate_domain",
]
