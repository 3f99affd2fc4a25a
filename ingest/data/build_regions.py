"""Compile ``world_regions.tsv``, the gazetteer's table of the world's first-level subdivisions.

    .venv/bin/python ingest/data/build_regions.py            # or: make gazetteer
    .venv/bin/python ingest/data/build_regions.py --check    # exit 1 if the shipped table differs

Source, read at build time only: ISO 3166-2 as pycountry ships it, with the German names of its
gettext catalogue ``iso3166-2``. Every subdivision without a parent (a province, state, Land,
canton, voivodship or region) of a country with at most :data:`MAX_SUBDIVISIONS` of them becomes
a Region; countries with more list districts or municipalities at their first level.

Rules, all general:

- the name is the German name where the catalogue has one, else the native name; aliases are the
  native name, a bracketed variant ("Catalunya [Cataluña]"), each name without its kind word
  ("Wojewodschaft Kleinpolen" → "Kleinpolen", "Shandong Sheng" → "Shandong", one word only from
  five letters on: not "Free State" → "Free") and a typable
  spelling of a name with accents a German keyboard lacks ("Bihār" → "Bihar");
- a kind word is a German word for a region that the recogniser knows, the noun of a subdivision
  type at least three countries use ("Autonomous region" → region), a word at least three names
  write in lower case ("kraj", "oblast"), or a last word (of translated German names also a
  first word) at least half of one country's subdivisions share ("Sheng", "Gespanschaft");
- a name is left out when it is a country's name or alias, the name of another entry of the
  gazetteer (hand-written tables, federal bodies, world cities: the city stays), a common German
  word (counted as ``build_places.py`` counts them), shared by subdivisions of two countries, or
  one word that two other subdivisions or two other entries use inside their longer names
  ("Norte", "Valle"; "Freistaat" of "Freistaat Bayern" and "Freistaat Sachsen");
  a subdivision whose own name is left out (or whose name without its kind word names a
  country) is left out whole, and so is one the hand-written tables already list by its code.

The continents and world regions of the UN M49 scheme ("Westafrika", "Südostasien",
"Lateinamerika") join them with their German names from the Unicode CLDR (Babel), under the
same guards.
"""

from __future__ import annotations

import argparse
import gettext
import importlib.util
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = HERE / "world_regions.tsv"
ROOT = HERE.parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
MAX_SUBDIVISIONS = 40  # above this, a country's first level is districts or municipalities
COMMAND = ".venv/bin/python ingest/data/build_regions.py (make gazetteer)"
HEADER_LINES = 9
MIN_CORE = 5  # a one-word name without its kind word is an alias from this length on
MIN_SHARED = 3  # a word is a kind word from this many countries' types or names on
WORLD = "001"  # the M49 code of the whole world: no region of it
# letters with a stroke that Unicode does not decompose into a base letter and an accent
_UNDECOMPOSABLE = str.maketrans("łŁđĐøØħĦı", "lLdDoOhHi")
_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")  # "Wales [Cymru GB-CYM]": a code, no name


def _build_places():
    """The sibling builder of the cities table (word evidence, name rules), loaded once."""
    if "build_places" not in sys.modules:
        spec = importlib.util.spec_from_file_location("build_places", HERE / "build_places.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["build_places"] = module
        spec.loader.exec_module(module)
    return sys.modules["build_places"]


@dataclass
class Subdivision:
    """One first-level ISO 3166-2 subdivision and its names as the catalogue gives them."""

    code: str
    country: str
    kind: str
    native: str
    german: str


def read_subdivisions(max_count: int = MAX_SUBDIVISIONS) -> list[Subdivision]:
    """Every subdivision without a parent, of countries that have at most ``max_count``."""
    import pycountry

    german = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    by_country: dict[str, list] = defaultdict(list)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            by_country[sub.country_code].append(sub)
    return [Subdivision(sub.code, sub.country_code, sub.type, sub.name, german.gettext(sub.name))
            for country, subs in sorted(by_country.items()) if len(subs) <= max_count
            for sub in sorted(subs, key=lambda s: s.code)]


def catalogue_forms(name: str) -> list[str]:
    """The names a catalogue entry holds: "Asturias, Principado de" → Asturias; "Catalunya
    [Cataluña]" → Catalunya, Cataluña; "Guyane (française)" → Guyane (française), Guyane.

    >>> catalogue_forms("Catalunya [Cataluña]")
    ['Catalunya', 'Cataluña']
    >>> catalogue_forms("Wales [Cymru GB-CYM]")
    ['Wales']
    """
    head, _, bracket = name.split(",")[0].partition("[")
    forms = [head.strip()]
    bracket = bracket.rstrip("] ").strip()
    if bracket and not _CODE.search(bracket):
        forms.append(bracket)
    short = _build_places().short_form(forms[0])
    return [f for f in dict.fromkeys(forms + ([short] if short else [])) if f]


def kind_words(subdivisions: list[Subdivision]) -> frozenset[str]:
    """Lower-cased words that say what kind of subdivision a name names (see the module's rules)."""
    from actorgraph.graph.ontology import EntityType
    from actorgraph.ingest.recogniser import _PLACE_CUES

    kinds = {w for w, t in _PLACE_CUES.items() if t is EntityType.REGION}
    type_nouns: dict[str, set[str]] = defaultdict(set)  # "Autonomous region" → region, by country
    lower = Counter()
    last: dict[str, Counter] = defaultdict(Counter)
    first: dict[str, Counter] = defaultdict(Counter)  # of German names the catalogue translates
    sizes = Counter(sub.country for sub in subdivisions)
    for sub in subdivisions:
        type_nouns[sub.kind.split()[-1].lower()].add(sub.country)
        for name in {*catalogue_forms(sub.native), *catalogue_forms(sub.german)}:
            words = name.split()
            if len(words) > 1:
                lower.update(w for w in words[1:] if w.islower() and w.isalpha())
                last[sub.country][words[-1].lower()] += 1
                if name in catalogue_forms(sub.german) and name not in catalogue_forms(sub.native):
                    first[sub.country][words[0].lower()] += 1
    kinds |= {w for w, countries in type_nouns.items() if len(countries) >= MIN_SHARED and w.isalpha()}
    kinds |= {w for w, n in lower.items() if n >= MIN_SHARED and len(w) > 3}
    for country, counts in [*last.items(), *first.items()]:
        kinds |= {w for w, n in counts.items() if n >= max(MIN_SHARED, sizes[country] / 2)}
    return frozenset(kinds)


def without_kind(name: str, kinds: frozenset[str]) -> str | None:
    """The name without a leading or trailing kind word, if it has one and more words.

    >>> without_kind("Wojewodschaft Kleinpolen", frozenset({"wojewodschaft"}))
    'Kleinpolen'
    >>> without_kind("Shandong Sheng", frozenset({"sheng"})), without_kind("Sheng", frozenset({"sheng"}))
    ('Shandong', None)
    """
    words = name.split()
    core = None
    if len(words) > 1 and words[0].lower() in kinds:
        core = " ".join(words[1:])
    elif len(words) > 1 and words[-1].lower() in kinds:
        core = " ".join(words[:-1])
    # a short word left alone is too often something else ("Free State" → "Free")
    return core if core and (" " in core or len(core) >= MIN_CORE) else None


def typable_form(name: str) -> str | None:
    """The name without the accents a German keyboard lacks ("Bihār" → "Bihar"), if it has any.

    >>> typable_form("Bihār"), typable_form("Małopolskie"), typable_form("Thüringen")
    ('Bihar', 'Malopolskie', None)
    """
    places = _build_places()
    if places._typable(name):
        return None
    kept = "".join(c if places._typable(c) else
                   "".join(d for d in unicodedata.normalize("NFKD", c.translate(_UNDECOMPOSABLE))
                           if not unicodedata.combining(d))
                   for c in name)
    return kept if kept != name and places._typable(kept) else None


def region_names(sub: Subdivision, kinds: frozenset[str]) -> list[str]:
    """All candidate names of one subdivision, its German (else native) name first."""
    base = [*catalogue_forms(sub.german), *catalogue_forms(sub.native)]
    cores = [c for c in (without_kind(n, kinds) for n in base) if c]
    typable = [t for t in (typable_form(n) for n in base + cores) if t]
    return list(dict.fromkeys(base + cores + typable))


# -- the guards -------------------------------------------------------------------------------

@dataclass
class Guards:
    """What a region's name must not be: the keys of names other entries hold (countries'
    separately), the codes the hand-written tables already list, and the common-word evidence."""

    countries: frozenset[str]
    taken: frozenset[str]
    codes: frozenset[str]
    inside: Counter  # how many other entries use a word inside a longer name ("Freistaat Bayern")
    evidence: object  # build_places.WordEvidence

    def blocks(self, name: str) -> bool:
        keys = name_keys(name)
        generic = " " not in name and any(self.inside[key] >= MIN_SHARED - 1 for key in keys)
        return bool(keys & self.countries or keys & self.taken) or generic or self.evidence.blocks(name)


def name_keys(name: str) -> set[str]:
    """The keys under which a name meets another: the mention finder's (case forms) and the
    cities builder's fold (accents and hyphens: "Łódz" meets the city "Łódź")."""
    from actorgraph.ingest.gazetteer import _name_key

    return {_name_key(name), _build_places().fold(name)}


def read_guards(data: Path) -> Guards:
    """The names of every other bundled entry (countries, hand-written tables, federal bodies,
    world cities) and the common-word evidence of ``data``."""
    from actorgraph.ingest import gazetteer

    base = gazetteer.base_entries()
    entries = base + gazetteer.world_city_entries(base)
    countries = {k for e in entries if e.id.startswith("country/") for n in e.names for k in name_keys(n)}
    taken = {k for e in entries if not e.id.startswith("country/") for n in e.names for k in name_keys(n)}
    codes = {e.attribute("iso_code") for e in entries if e.attribute("iso_code")}
    inside = Counter(key for e in entries
                     for key in {k for n in e.names if " " in n for w in n.split() for k in name_keys(w)})
    return Guards(frozenset(countries), frozenset(taken), frozenset(codes), inside,
                  _build_places().read_evidence(data))


def build_rows(subdivisions: list[Subdivision], guards: Guards) -> tuple[list[str], int]:
    """The table's rows, sorted by id, and how many subdivisions were left out."""
    from actorgraph.graph.model import slugify
    from actorgraph.ingest.gazetteer import _name_key

    kinds = kind_words(subdivisions)
    candidates = {sub.code: region_names(sub, kinds) for sub in subdivisions}
    # a name two countries' subdivisions share names neither ("Punjab"); a one-word name that
    # other subdivisions use inside longer names is a generic word ("Norte", "Valle", "Coast")
    countries_of: dict[str, set[str]] = defaultdict(set)
    inside: dict[str, set[str]] = defaultdict(set)
    for sub in subdivisions:
        for name in candidates[sub.code]:
            countries_of[_name_key(name)].add(sub.country)
            if " " in name or "-" in name:
                for word in name.replace("-", " ").split():
                    inside[_name_key(word)].add(sub.code)

    def usable(name: str, sub: Subdivision) -> bool:
        key = _name_key(name)
        generic = " " not in name and len(inside[key] - {sub.code}) >= MIN_SHARED - 1
        return (_build_places()._plausible(name) and len(countries_of[key]) == 1 and not generic
                and not guards.blocks(name))

    rows: dict[str, str] = {}
    dropped = 0
    for sub in subdivisions:
        names = [n for n in candidates[sub.code] if usable(n, sub)]
        canonical = candidates[sub.code][0]
        core = without_kind(canonical, kinds)
        if (sub.code in guards.codes or not names or names[0] != canonical
                or (core and name_keys(core) & guards.countries)):
            dropped += 1
            continue
        slug = slugify(typable_form(canonical) or canonical)  # "Łódz" → lodz, not odz
        entry_id = f"region/{slug}"
        if entry_id in rows:
            entry_id = f"region/{slug}-{sub.country.lower()}"
        rows[entry_id] = "\t".join([entry_id, "Region", canonical, "|".join(names[1:]),
                                    f"iso_code={sub.code};jurisdiction=country/{sub.country.lower()}"])
    return [rows[key] for key in sorted(rows)], dropped


def world_area_rows(guards: Guards) -> list[str]:
    """The continents and world regions of the UN M49 scheme with their German names in the
    Unicode CLDR ("Westafrika", "Osteuropa", "Lateinamerika"), except the world itself, and any
    name another entry or a common word already has."""
    from babel import Locale

    from actorgraph.graph.model import slugify

    rows = []
    for code, name in sorted(Locale("de").territories.items()):
        if not (code.isdigit() and len(code) == 3) or code == WORLD or guards.blocks(name) \
                or not _build_places()._plausible(name):
            continue
        entry_id = f"region/{slugify(name)}"
        rows.append("\t".join([entry_id, "Region", name, "", f"m49={code}"]))
    return rows


def build_table(data: Path = DEFAULT_DATA, max_count: int = MAX_SUBDIVISIONS) -> str:
    """The text of ``world_regions.tsv``: deterministic for given package versions and data."""
    from importlib.metadata import version

    guards = read_guards(data)
    rows, dropped = build_rows(read_subdivisions(max_count), guards)
    areas = world_area_rows(guards)
    rows = sorted(rows + areas)
    header = [
        "# id\ttype\tname\taliases\tattributes",
        f"# First-level subdivisions of countries with at most {max_count} of them, and the UN M49 world regions, "
        "generated: do not edit by hand.",
        f"# Made by: {COMMAND}",
        f"# Source: ISO 3166-2 and its German catalogue from pycountry {version('pycountry')} (iso-codes, LGPL-2.1).",
        f"# World regions: Unicode CLDR German names through Babel {version('babel')} (Unicode License v3); "
        f"{len(areas)} of them.",
        "# Names left out as common words: counted in UD German GSD (CC BY-SA 4.0) and PUD (CC BY-SA 3.0)",
        "# and GermEval 2014 NER (CC BY 4.0); names of countries and of other gazetteer entries are left out too.",
        "# Aliases: the native name, the name without its kind word, a spelling without foreign accents.",
        f"# {len(rows)} regions; {dropped} left out (name taken, a common word, or listed by hand).",
    ]
    assert len(header) == HEADER_LINES
    return "\n".join(header + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (ud-german/, germeval2014/)")
    parser.add_argument("--out", type=Path, default=TABLE)
    parser.add_argument("--check", action="store_true", help="compare with the shipped table instead of writing")
    args = parser.parse_args(argv)
    text = build_table(args.data)
    if args.check:
        same = args.out.exists() and args.out.read_text("utf-8") == text
        print(f"{args.out.name}: {'up to date' if same else 'differs from what the sources give; run make gazetteer'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out.name}: {text.count(chr(10)) - HEADER_LINES} regions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
