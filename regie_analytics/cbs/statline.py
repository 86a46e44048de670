"""Population per CBS area from a StatLine export of "Kerncijfers wijken en buurten".

:func:`read_kerncijfers` reads the CSV (``;``-separated, quoted, codes padded with spaces,
``.`` for secret or unknown figures): the raw data set (``WijkenEnBuurten``, ``Codering_3``,
``AantalInwoners_5``, ...) or the table as shown (``Regioaanduiding/Codering (code)``,
``Bevolking/Aantal inwoners (aantal)``), with or without title lines above and source lines
below. :func:`match_population` matches the figures to a store's areas.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from regie_analytics import geo
from regie_analytics.formatting import fmt_int, fmt_level
from regie_analytics.io.csv_files import detect_delimiter, detect_encoding
from regie_analytics.io.parse import ColumnError, Notation, parse_numbers
from regie_analytics.schema import InputError

# StatLine table ids of "Kerncijfers wijken en buurten" per year (the file names of its exports
# start with them).
_TABLES = {
    "83487NED": 2016,
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
}
_TITLE_YEAR = re.compile(r"kerncijfers\s+wijken\s+en\s+buurten\D{0,20}((?:19|20)\d\d)", re.I)
_CODE = re.compile(r"^(BU|WK|GM)[0-9A-Z]{4,8}$|^NL0{1,2}$")
_MISSING = {"", ".", "x", "?", "..", "-99997", "-99999999"}
_NIL = {"-"}


@dataclass(frozen=True)
class Kerncijfers:
    """Population per CBS area code from a StatLine export.

    Attributes
    ----------
    population
        Inhabitants per code (``BU…``, ``WK…``, ``GM…``); NaN where StatLine shows ``.``
        (secret or unknown).
    column
        The column the figures came from (``AantalInwoners_5``).
    derived
        The columns summed where the population itself was empty (men, women), or None.
    derived_codes
        The codes whose population was derived that way.
    year
        The year of the table (from its title, table id or file name), if known.
    file
        The file's name.
    """

    population: pd.Series
    column: str
    derived: tuple[str, str] | None
    derived_codes: frozenset[str]
    year: int | None
    file: str

    @property
    def origin(self) -> str:
        """``'CBS 2024 (StatLine, kwb.csv)'``."""
        year = f" {self.year}" if self.year else ""
        return f"CBS{year} (StatLine, {self.file})"


def _norm(header: str) -> str:
    """A header as compared: the last part after ``/``, without a unit in brackets and the
    number StatLine adds (``AantalInwoners_5``), letters only, lower case."""
    last = header.split("/")[-1]
    last = re.sub(r"\(.*?\)", "", last)
    last = re.sub(r"_\d+$", "", last.strip())
    return re.sub(r"[^a-z]", "", last.lower())


def _find_columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, name in enumerate(_norm(h) for h in header):
        if name == "codering" and "code" not in found:
            found["code"] = i
        elif name in ("wijkenenbuurten", "regios") and "key" not in found:
            found["key"] = i
        elif name == "aantalinwoners" and "population" not in found:
            found["population"] = i
        elif name == "mannen" and "men" not in found:
            found["men"] = i
        elif name == "vrouwen" and "women" not in found:
            found["women"] = i
    has_code = "code" in found or "key" in found
    if has_code and ("population" in found or {"men", "women"} <= set(found)):
        return found
    return None


def _year_of(lines: list[list[str]], file: Path, given: int | None) -> int | None:
    if given is not None:
        return given
    for row in lines:
        for cell in row:
            if m := _TITLE_YEAR.search(cell):
                return int(m.group(1))
    for table, year in _TABLES.items():
        if table.lower() in file.name.lower():
            return year
    if m := re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", file.stem):
        return int(m.group(1))
    return None


def _numbers_of(values: list[str], *, file: str, rows: list[int], column: str) -> pd.Series:
    """Whole numbers as StatLine writes them: ``.`` (and the like) missing, ``-`` nil, the
    thousands notation decided for the whole column."""
    text = pd.Series([v.strip() for v in values], dtype="str")
    missing = text.isin(list(_MISSING))
    text = text.where(~text.isin(list(_NIL)), "0").where(~missing, "")
    notation = Notation(integer=True)
    origin = pd.DataFrame({"_file": file, "_row": rows})
    notation.update(text, origin=origin)
    try:
        numbers, bad = parse_numbers(text, notation=notation.decide())
    except ColumnError as exc:
        raise InputError(exc.message, file=file, row=exc.row, column=column, hint=exc.hint) from exc
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{values[first].strip()}' is geen aantal inwoners.",
            file=file,
            row=rows[first],
            column=column,
            hint="gebruik de CSV-export van StatLine zonder bewerking; '.' betekent geheim of "
            "onbekend.",
        )
    return numbers.where(numbers >= 0)


def read_kerncijfers(path: str | Path, *, year: int | None = None) -> Kerncijfers:
    """Read the population per area from a StatLine "Kerncijfers wijken en buurten" export.

    ``year`` overrides the year found in the file's title, table id or name.

    Raises
    ------
    InputError
        Not a CSV, no region code or population column, a value that is no number, or a code
        that occurs twice.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("het bestand bestaat niet.", file=path, hint="controleer het pad.")
    data = path.read_bytes()
    if not data.strip():
        raise InputError("het bestand is leeg.", file=path, hint="exporteer het opnieuw.")
    if b"\x00" in data[:4096]:
        raise InputError(
            "dit is geen CSV-bestand maar binaire inhoud.",
            file=path,
            hint="exporteer de tabel in StatLine als CSV.",
        )
    text = data.decode(detect_encoding(data), errors="replace").lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    widest = max(lines[:20], key=lambda line: line.count(";") + line.count(","))
    delimiter = detect_delimiter(widest)
    rows = list(csv.reader(lines, delimiter=delimiter, quotechar='"'))
    header_at, columns = next(
        ((i, found) for i, row in enumerate(rows[:50]) if (found := _find_columns(row))),
        (None, None),
    )
    if header_at is None or columns is None:
        raise InputError(
            "dit lijkt geen StatLine-export van de Kerncijfers wijken en buurten: er is geen "
            "kolom met de regiocode (Codering of WijkenEnBuurten) en het aantal inwoners "
            "(AantalInwoners).",
            file=path,
            hint="download in StatLine de tabel 'Kerncijfers wijken en buurten' van het jaar "
            "van de grenzen als CSV, met ten minste de regiocode en het aantal inwoners.",
        )
    header = rows[header_at]
    width = len(header)
    codes: list[str] = []
    numbers: dict[str, list[str]] = {k: [] for k in ("population", "men", "women") if k in columns}
    line_rows: list[int] = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if len(row) < width:
            continue  # a title, unit or source line
        code_cell = row[columns["code"]] if "code" in columns else row[columns["key"]]
        code = code_cell.strip().upper()
        if not _CODE.match(code):
            continue
        codes.append(code)
        line_rows.append(number)
        for key in numbers:
            numbers[key].append(row[columns[key]])
    if not codes:
        raise InputError(
            "het bestand heeft geen rijen met een CBS-regiocode (BU…, WK… of GM…).",
            file=path,
            row=header_at + 1,
            hint="exporteer de tabel met de buurten of wijken van uw gemeente.",
        )
    index = pd.Index(codes, name=geo.AREA_CODE, dtype="str")
    duplicated = index[index.duplicated()]
    if len(duplicated):
        at = line_rows[int(np.flatnonzero(index.duplicated())[0])]
        raise InputError(
            f"regiocode {duplicated[0]} staat meer dan eens in het bestand.",
            file=path,
            row=at,
            column=header[columns.get("code", columns.get("key", 0))],
            hint="exporteer elke regio één keer.",
        )
    parsed = {
        key: _numbers_of(values, file=path.name, rows=line_rows, column=header[columns[key]])
        for key, values in numbers.items()
    }
    population = parsed.get("population", pd.Series(np.nan, index=range(len(codes))))
    derived: tuple[str, str] | None = None
    filled = pd.Series(False, index=population.index)
    if "men" in parsed and "women" in parsed:
        sums = parsed["men"] + parsed["women"]
        filled = population.isna() & sums.notna()
        if filled.any():
            derived = (header[columns["men"]].strip(), header[columns["women"]].strip())
            population = population.where(~filled, sums)
    column = header[columns["population"]].strip() if "population" in columns else ""
    return Kerncijfers(
        population=pd.Series(population.to_numpy(dtype="float64"), index=index, name="population"),
        column=column,
        derived=derived,
        derived_codes=frozenset(index[filled.to_numpy()]),
        year=_year_of(rows[:header_at], path, year),
        file=path.name,
    )


@dataclass(frozen=True)
class PopulationMatch:
    """Kerncijfers matched to a store's areas (at its finest level).

    Attributes
    ----------
    population
        Inhabitants per area of the store (NaN where unknown).
    text
        Where the figures come from, for ``info`` and the Data page
        (:func:`regie_analytics.geo.population_text`).
    matched, secret, missing
        Areas found in the file with a figure, found without one (``.``), and not in it.
    unmatched
        Codes of the store's gemeente(n) at the store's level that the file has but the store
        does not (a newer or older division).
    """

    population: pd.Series
    text: str
    level: str
    matched: int
    secret: int
    missing: list[str]
    unmatched: list[str]

    def lines(self) -> list[str]:
        """The result in Dutch lines."""

        def many(n: int) -> str:
            return f"{fmt_int(n)} {fmt_level(self.level, plural=n != 1)}"

        def examples(codes: list[str]) -> str:
            return ", ".join(codes[:8]) + (" en meer" if len(codes) > 8 else "")

        out = [f"inwoners: {self.text}"]
        out.append(f"  {many(self.matched)} met een inwonertal uit het bestand")
        if self.secret:
            out.append(
                f"  {many(self.secret)} zonder cijfer in het bestand ('.': geheim of onbekend)"
            )
        if self.missing:
            out.append(
                f"  {many(len(self.missing))} van de grenzen niet in het bestand: "
                + examples(self.missing)
            )
        if self.unmatched:
            out.append(
                f"  {many(len(self.unmatched))} in het bestand niet in de grenzen (een andere "
                "indeling of een ander jaar): " + examples(self.unmatched)
            )
        return out


def match_population(kerncijfers: Kerncijfers, areas: gpd.GeoDataFrame) -> PopulationMatch:
    """The population of ``areas`` (a store's boundaries, at their finest level) from
    ``kerncijfers``.

    Raises
    ------
    InputError
        When no code of the file is one of the areas' codes.
    """
    level = geo.available_levels(areas)[0]
    rows = areas[areas[geo.AREA_LEVEL] == level]
    wanted = pd.Index(rows.index.astype("str"))
    given = kerncijfers.population
    present = wanted.intersection(given.index)
    if present.empty:
        levels = pd.Series([geo.code_level(c) or "land" for c in given.index]).value_counts()
        what = ", ".join(f"{n} {fmt_level(str(lvl), plural=n != 1)}" for lvl, n in levels.items())
        raise InputError(
            f"geen enkele regiocode uit het bestand is een van de {len(wanted)} "
            f"{fmt_level(level, plural=True)} van de store (zoals {wanted[0]}); het bestand "
            f"heeft {what} (zoals {given.index[0]}).",
            file=kerncijfers.file,
            hint=f"gebruik de kerncijfers van hetzelfde jaar als de grenzen (codes veranderen "
            f"met de indeling) en met de {fmt_level(level, plural=True)} van uw gemeente.",
        )
    population = given.reindex(wanted)
    gemeenten = set(rows[geo.GEMEENTE_CODE].dropna())
    same = [
        c
        for c in given.index
        if geo.code_level(c) == level and geo.gemeente_of(c) in gemeenten and c not in wanted
    ]
    text = geo.population_text(
        origin=kerncijfers.origin,
        file=kerncijfers.file,
        column=kerncijfers.column or None,
        derived=kerncijfers.derived,
        n_derived=len(kerncijfers.derived_codes.intersection(present)),
        n_known=int(population.notna().sum()),
        n_areas=len(wanted),
        level=level,
    )
    return PopulationMatch(
        population=population.rename("population"),
        text=text,
        level=level,
        matched=int(population.notna().sum()),
        secret=int(given.reindex(present).isna().sum()),
        missing=sorted(wanted.difference(given.index)),
        unmatched=sorted(same),
    )
