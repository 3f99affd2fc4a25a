"""Compile the gazetteer's official German names of states, federal ministries and Länder.

    .venv/bin/python ingest/data/build_official_names.py            # or: make gazetteer
    .venv/bin/python ingest/data/build_official_names.py --check    # exit 1 if a shipped table differs

Sources, read at build time only (the two tables ship; nothing is read from them at run time):

- ``staatennamen/laendernamen.list``: the Federal Foreign Office's list of state names, a short
  name and the official long name on consecutive lines (official work, § 5 UrhG). A pair is
  matched to an ISO 3166-1 country by pycountry's German catalogue: the short name first, else
  the long name ("Kongo, Demokratische Republik" → "Demokratische Republik Kongo"); pairs that
  match no country are listed in the table's header and left out. → ``state_names.tsv``.
- the everyday German name of each state in the Unicode CLDR (Babel), where it is neither
  official name ("Russland", "Südkorea", "Kongo-Kinshasa"): a fourth column of the same table.
- ``government-tables/``: the federal ministries of the 2017–2021 and 2021–2025 legislative
  periods (name, acronym, budget chapter "HH-Plan", English name) and the Länder (German and
  English name, two-letter code), Datenlizenz Deutschland – Zero 2.0. → ``federal_bodies.tsv``.

Rules, all general:

- A ministry is one node per budget chapter: a ministry of the earlier period whose chapter or
  acronym a ministry of the later period has is the same node, its old name, acronym and
  English name becoming aliases ("Bundesministerium für Wirtschaft und Energie", BMWi → BMWK).
- A node takes the id of the hand-written entry (``gazetteer_*.tsv``) that already names it by
  one of its names or acronyms (agency/bmi, agency/auswaertiges-amt), else ``agency/<acronym>``
  of the newest acronym; the loader merges it into that entry, the hand-written name first.
- A Land becomes aliases of the hand-written Region with its ISO 3166-2 code; its code only
  where it cannot be confused: at least three letters (a two-letter code is also a country
  code, a word or another abbreviation: BY, HE, NW the compass point, RP Regierungspräsidium),
  not an ISO 3166-1 code, not a word of the German treebanks or GermEval 2014 in any case, and
  no other entry's name or alias. The source's codes are all two letters, so none is used.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
STATES_TABLE = HERE / "state_names.tsv"
BODIES_TABLE = HERE / "federal_bodies.tsv"
COMMAND = ".venv/bin/python ingest/data/build_official_names.py (make gazetteer)"
# a Land's code is an alias only from three letters: the two-letter codes are country codes
# (BY, BE), words (HE, ST) or other abbreviations (NW the compass point, RP Regierungspräsidium,
# HH Haushalt); the tables give no longer ones today, the rule stays for a source that does
MIN_CODE = 3
PERIODS = ("2017-2021", "2021-2025")  # oldest first: the newest name is a ministry's name


# -- states -----------------------------------------------------------------------------------

def read_state_pairs(path: Path) -> list[tuple[str, str]]:
    """(short name, long name) pairs of the Foreign Office list: consecutive non-empty lines."""
    lines = [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    if len(lines) % 2:
        raise SystemExit(f"build_official_names: {path.name} has an odd number of names; expected short/long pairs")
    return list(zip(lines[0::2], lines[1::2]))


def german_country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code by the country's German short name in pycountry's catalogue."""
    import pycountry

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    return {german.gettext(country.name): country.alpha_2 for country in pycountry.countries}


def common_german_names() -> dict[str, str]:
    """The everyday German name of each state in the Unicode CLDR (Babel), by ISO 3166-1 code:
    "Russland" where the Foreign Office writes "Russische Föderation", "Südkorea" for "Republik Korea"."""
    from babel import Locale

    return {code: name for code, name in Locale("de").territories.items() if len(code) == 2 and code.isalpha()}


def match_states(pairs: list[tuple[str, str]], codes: dict[str, str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(iso code, short, long) rows sorted by code, and the short names that match no country.

    >>> match_states([("Belgien", "Königreich Belgien"), ("Kosovo", "Republik Kosovo")],
    ...              {"Belgien": "BE"})
    ([('BE', 'Belgien', 'Königreich Belgien')], ['Kosovo'])
    """
    rows, unmatched = [], []
    for short, long in pairs:
        if long in codes and short in codes and codes[long] != codes[short]:
            raise SystemExit(f"build_official_names: {short!r} and {long!r} are two countries: the list is not in pairs")
        code = codes.get(short) or codes.get(long)
        if code:
            rows.append((code, short, long))
        else:
            unmatched.append(short)
    return sorted(rows), unmatched


def build_state_names(data: Path = DEFAULT_DATA) -> str:
    """The text of ``state_names.tsv``: deterministic for a given pycountry and source list."""
    from importlib.metadata import version

    source = data / "staatennamen" / "laendernamen.list"
    if not source.is_file():
        raise SystemExit(f"build_official_names: no staatennamen/laendernamen.list under {data.name}/ (pass --data DIR)")
    rows, unmatched = match_states(read_state_pairs(source), german_country_names())
    common = common_german_names()
    # the everyday name where it is neither official name: one row per code carries it
    seen: set[str] = set()
    with_common = []
    for code, short, long in rows:
        name = common.get(code, "")
        everyday = name if code not in seen and name not in (short, long) and "," not in name else ""
        seen.add(code)
        with_common.append((code, short, long, everyday) if everyday else (code, short, long))
    codes = [row[0] for row in rows]
    rows = with_common
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    header = [
        "# iso_code\tshort\tlong\teveryday",
        "# Official German short and long names of states, and the everyday name where it differs, generated: do not edit by hand.",
        f"# Made by: {COMMAND}",
        "# Names: Auswärtiges Amt, list of state names (staatennamen/laendernamen.list), official work (§ 5 UrhG).",
        f"# Matched to ISO 3166-1 by pycountry {version('pycountry')} German catalogue (iso-codes, LGPL-2.1).",
        f"# Everyday names: Unicode CLDR through Babel {version('babel')} (Unicode License v3).",
        f"# {len(rows)} states; not in the catalogue, left out: {', '.join(unmatched) or 'none'}.",
    ]
    if duplicates:
        header.append(f"# Codes named twice (older and newer names): {', '.join(duplicates)}.")
    return "\n".join(header + ["\t".join(row) for row in rows]) + "\n"


# -- federal ministries and Länder --------------------------------------------------------------

@dataclass
class Ministry:
    """One federal ministry across periods: newest name first."""

    chapter: str
    names: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a government table, keys and values stripped."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def merge_periods(periods: list[list[dict[str, str]]]) -> list[Ministry]:
    """One :class:`Ministry` per budget chapter or acronym, newest period's names first.

    >>> old = [{"Name_DE": "BM für Wirtschaft und Energie", "Abkürzung": "BMWi", "HH-Plan": "09", "Name_EN": "E"}]
    >>> new = [{"Name_DE": "BM für Wirtschaft und Klimaschutz", "Abkürzung": "BMWK", "HH-Plan": "09", "Name_EN": "K"}]
    >>> m, = merge_periods([old, new]); (m.names, m.acronyms)
    (['BM für Wirtschaft und Klimaschutz', 'BM für Wirtschaft und Energie'], ['BMWK', 'BMWi'])
    """
    ministries: list[Ministry] = []
    for rows in reversed(periods):
        for row in rows:
            chapter, acronym = row["HH-Plan"], row["Abkürzung"]
            ministry = next((m for m in ministries if m.chapter == chapter or acronym in m.acronyms), None)
            if ministry is None:
                ministry = Ministry(chapter)
                ministries.append(ministry)
            for values, value in ((ministry.names, row["Name_DE"]), (ministry.acronyms, acronym),
                                  (ministry.english, row["Name_EN"])):
                if value and value not in values:
                    values.append(value)
    return ministries


def hand_written_entries() -> list:
    """The hand-written gazetteer tables beside this script."""
    from actorgraph.ingest.gazetteer import parse_gazetteer

    entries = []
    for path in sorted(HERE.glob("gazetteer_*.tsv")):
        entries += parse_gazetteer(path.read_text("utf-8"), path.name)
    return entries


def ministry_rows(ministries: list[Ministry], entries: list) -> list[str]:
    """Gazetteer lines of the ministries, each under the id of the entry that already names it."""
    rows = []
    for ministry in ministries:
        names = set(ministry.names) | set(ministry.acronyms)
        known = [e for e in entries if e.type.value == "Agency" and e.attribute("jurisdiction") == "country/de"
                 and names & set(e.names)]
        entry_id = known[0].id if known else f"agency/{ministry.acronyms[0].lower()}"
        aliases = [*ministry.names[1:], *ministry.acronyms, *ministry.english]
        rows.append("\t".join([entry_id, "Agency", ministry.names[0], "|".join(aliases), "jurisdiction=country/de"]))
    return rows


def confusable_words(data: Path) -> set[str]:
    """Every word form of the German treebanks and GermEval 2014, upper-cased."""
    words: set[str] = set()
    for path in [*sorted((data / "ud-german").glob("*.conllu")), *sorted((data / "germeval2014").glob("*.tsv"))]:
        for line in path.read_text("utf-8").splitlines():
            columns = line.split("\t")
            if len(columns) > 3 and columns[0].isdigit():
                words.add(columns[1].upper())
    return words


def land_rows(lands: list[dict[str, str]], entries: list, words: set[str]) -> tuple[list[str], list[str]]:
    """Gazetteer lines adding each Land's names to the Region with its ISO code, and the Länder
    without such a Region."""
    import pycountry

    countries = {c.alpha_2 for c in pycountry.countries}
    regions = {e.attribute("iso_code"): e for e in entries if e.type.value == "Region"}
    names_in_use = {n.upper() for e in entries for n in e.names}
    rows, missing = [], []
    for land in lands:
        region = regions.get(f"DE-{land['BL_Kuerzel']}")
        if region is None:
            missing.append(land["BL_Name_DE"])
            continue
        code = land["BL_Kuerzel"]
        others = names_in_use - {n.upper() for n in region.names}
        usable = len(code) >= MIN_CODE and code not in countries | words | others
        aliases = [n for n in dict.fromkeys([land["BL_Name_DE"], land["BL_Name_EN"], *([code] if usable else [])])
                   if n != region.name]
        rows.append("\t".join([region.id, "Region", region.name, "|".join(aliases), f"iso_code=DE-{code}"]))
    return rows, missing


def build_federal_bodies(data: Path = DEFAULT_DATA) -> str:
    """The text of ``federal_bodies.tsv`` (gazetteer format): deterministic for given sources."""
    folder = data / "government-tables"
    periods = [read_csv(folder / f"tbl_Bundesministerien_{period}.csv") for period in PERIODS
               if (folder / f"tbl_Bundesministerien_{period}.csv").is_file()]
    if len(periods) != len(PERIODS) or not (folder / "tbl_Bundeslaender.csv").is_file():
        raise SystemExit(f"build_official_names: government tables missing under {data.name}/government-tables/")
    entries = hand_written_entries()
    ministries = ministry_rows(merge_periods(periods), entries)
    lands, missing = land_rows(read_csv(folder / "tbl_Bundeslaender.csv"), entries, confusable_words(data))
    header = [
        "# id\ttype\tname\taliases\tattributes",
        "# German federal ministries (one node per budget chapter, both periods) and Länder, generated: do not edit by hand.",
        f"# Made by: {COMMAND}",
        f"# Source: government-helper-tables, tbl_Bundesministerien_{PERIODS[0]}/{PERIODS[1]}.csv and tbl_Bundeslaender.csv,",
        "# Datenlizenz Deutschland – Zero 2.0. Rows merge into the hand-written entry of the same id or name.",
        f"# {len(ministries)} ministries, {len(lands)} Länder; no Region entry, left out: {', '.join(missing) or 'none'}.",
    ]
    return "\n".join(header + ministries + lands) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--check", action="store_true", help="compare with the shipped tables instead of writing")
    args = parser.parse_args(argv)
    stale = 0
    for path, text in ((STATES_TABLE, build_state_names(args.data)), (BODIES_TABLE, build_federal_bodies(args.data))):
        if args.check:
            same = path.exists() and path.read_text("utf-8") == text
            stale += not same
            print(f"{path.name}: {'up to date' if same else 'differs from what the sources give; run make gazetteer'}")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.name}: {sum(1 for line in text.splitlines() if not line.startswith('#'))} rows")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
