"""The gazetteer: known actors, places and competences with their names in several languages.

Entries come from the ``data/gazetteer_*.tsv`` files (one entry a line: id, type, name,
``|``-separated aliases, ``key=value;…`` attributes), for countries from pycountry's
ISO 3166-1 list with German, English, French and Dutch names, for the world's first-level
subdivisions from ``data/world_regions.tsv`` (ISO 3166-2 via pycountry, ``data/build_regions.py``)
and for cities of the world from ``data/world_cities.tsv``, a table generated from GeoNames
(``data/build_places.py``); both only add what the hand-written tables do not name. Two further generated tables
(``data/build_official_names.py``) add the Foreign Office's official state names to the
countries (``data/state_names.tsv``) and the federal ministries and Länder of the government
tables (``data/federal_bodies.tsv``), merged into the hand-written entries. Extra files can be passed in
(``--gazetteer FILE`` on the command line) so users add their own actors without code.
"""

from __future__ import annotations

import gettext
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

from ..graph.ontology import EntityType
from .german import stem

WORLD_CITIES = "world_cities.tsv"
WORLD_REGIONS = "world_regions.tsv"
STATE_NAMES = "state_names.tsv"
FEDERAL_BODIES = "federal_bodies.tsv"


@dataclass(frozen=True)
class GazetteerEntry:
    id: str
    type: EntityType
    name: str
    aliases: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def attribute(self, key: str) -> str | None:
        return dict(self.attributes).get(key)


class GazetteerError(ValueError):
    """A gazetteer file with a malformed line; the message names file and line."""


def parse_gazetteer(text: str, source: str = "<gazetteer>") -> list[GazetteerEntry]:
    """Parse one TSV gazetteer file."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 3:
            raise GazetteerError(f"{source}:{number}: expected id, type, name[, aliases[, attributes]] separated by tabs")
        columns += [""] * (5 - len(columns))
        entry_id, type_name, name, aliases, attributes = (c.strip() for c in columns[:5])
        try:
            entry_type = EntityType(type_name)
        except ValueError:
            raise GazetteerError(f"{source}:{number}: unknown entity type {type_name!r}") from None
        if not entry_id.startswith(entry_type.id_prefix + "/"):
            raise GazetteerError(f"{source}:{number}: id {entry_id!r} must start with {entry_type.id_prefix}/")
        pairs = []
        for item in filter(None, (a.strip() for a in attributes.split(";"))):
            key, _, value = item.partition("=")
            pairs.append((key.strip(), value.strip()))
        entries.append(GazetteerEntry(entry_id, entry_type, name,
                                      tuple(a.strip() for a in aliases.split("|") if a.strip()),
                                      tuple(pairs)))
    return entries


def _data_text(name: str) -> str:
    """The text of a table shipped in ``data/``."""
    return resources.files("actorgraph.ingest").joinpath("data", name).read_text("utf-8")


def official_state_names() -> dict[str, tuple[str, ...]]:
    """The Foreign Office's short and long German names of each state, by ISO 3166-1 code,
    so "die Bundesrepublik Deutschland" and "das Königreich Belgien" name their countries."""
    names: dict[str, tuple[str, ...]] = {}
    for line in _data_text(STATE_NAMES).splitlines():
        if line.strip() and not line.startswith("#"):
            code, *forms = (c.strip() for c in line.split("\t"))
            names[code] = tuple(dict.fromkeys(names.get(code, ()) + tuple(f for f in forms if f)))
    return names


def country_entries() -> list[GazetteerEntry]:
    """Every ISO 3166-1 country, named in German, with English, French and Dutch aliases and
    the official German short and long names."""
    import pycountry

    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                    for lang in ("de", "fr", "nl")}
    official_names = official_state_names()
    catalogue = {c.alpha_2: translations["de"].gettext(c.name) for c in pycountry.countries}
    heads = Counter(name.split(",")[0] for name in catalogue.values())
    entries = []
    for country in pycountry.countries:
        english = [country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)]
        german = catalogue[country.alpha_2]
        if "," in german:
            # "Syrien, Arabische Republik" is named "Syrien" in a text; where the head is shared
            # ("Korea, Republik"), the table's last form is the name: the everyday name where
            # the CLDR has one ("Südkorea"), else the official long name
            head, longs = german.split(",")[0], official_names.get(country.alpha_2, ())[1:]
            german = head if heads[head] == 1 else (longs[-1] if longs else german)
        aliases = {n for n in english if n}
        aliases |= {translations[lang].gettext(country.name) for lang in ("fr", "nl")}
        official = getattr(country, "official_name", None)
        if official:
            aliases.add(translations["de"].gettext(official))
        aliases |= set(official_names.get(country.alpha_2, ()))
        # "Korea, Republik" is a catalogue form, not how a text names a country.
        aliases = {a for a in aliases if "," not in a and a != german}
        entries.append(GazetteerEntry(f"country/{country.alpha_2.lower()}", EntityType.COUNTRY, german,
                                      tuple(sorted(aliases)), (("iso_code", country.alpha_2),)))
    return entries


class Gazetteer:
    """All entries, by id. Several entries may share a name (the German and the Flemish
    "Auswärtiges Amt"); the mention finder asks the document's context to choose."""

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self.entries: dict[str, GazetteerEntry] = {}
        for entry in entries:
            if entry.id in self.entries:
                previous = self.entries[entry.id]
                # a later file may add names to an earlier entry (user files extend the bundled ones)
                entry = GazetteerEntry(entry.id, previous.type, previous.name,
                                       tuple(n for n in dict.fromkeys(previous.aliases + entry.names)
                                             if n != previous.name),
                                       previous.attributes + entry.attributes)
            self.entries[entry.id] = entry

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self.entries

    def get(self, entry_id: str) -> GazetteerEntry | None:
        return self.entries.get(entry_id)


def _name_key(name: str) -> str:
    """The key under which the mention finder meets a name in any case form."""
    return " ".join(stem(word) for word in name.split())


def generated_entries(table: str, entries: list[GazetteerEntry]) -> list[GazetteerEntry]:
    """The entries of a generated table (``world_regions.tsv``, ``world_cities.tsv``) that add to
    ``entries``: one whose id or name another entry already has is left out (the hand-written
    tables and earlier tables keep precedence), and so is any alias another entry uses, so no
    name becomes ambiguous."""
    ids = {entry.id for entry in entries}
    taken = {_name_key(name) for entry in entries for name in entry.names}
    added = []
    for generated in parse_gazetteer(_data_text(table), table):
        if generated.id in ids or _name_key(generated.name) in taken:
            continue
        aliases = tuple(a for a in generated.aliases if _name_key(a) not in taken)
        added.append(GazetteerEntry(generated.id, generated.type, generated.name, aliases, generated.attributes))
    return added


def world_city_entries(entries: list[GazetteerEntry]) -> list[GazetteerEntry]:
    """The cities of ``world_cities.tsv`` that add to ``entries``."""
    return generated_entries(WORLD_CITIES, entries)


def federal_body_entries(entries: list[GazetteerEntry]) -> list[GazetteerEntry]:
    """The generated ministries and Länder of ``federal_bodies.tsv``, each merged into the
    entry that has its id or one of its names (that entry's name stays first), or new; a name
    another entry already uses is left out, so no name becomes ambiguous."""
    by_id = {entry.id: entry for entry in entries}
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for name in entry.names:
            owners.setdefault(_name_key(name), set()).add(entry.id)
    added = []
    for body in parse_gazetteer(_data_text(FEDERAL_BODIES), FEDERAL_BODIES):
        target = by_id.get(body.id)
        if target is None:
            jurisdiction = body.attribute("jurisdiction")
            same = [by_id[i] for n in body.names for i in sorted(owners.get(_name_key(n), ()))
                    if by_id[i].type is body.type and by_id[i].attribute("jurisdiction") == jurisdiction]
            target = same[0] if same else None
        target_id = target.id if target else body.id
        names = [n for n in body.names if owners.get(_name_key(n), {target_id}) <= {target_id}]
        if target is not None:
            # names only: the hand-written entry keeps its name and attributes
            added.append(GazetteerEntry(target.id, target.type, target.name, tuple(names)))
        elif names and names[0] == body.name:
            added.append(GazetteerEntry(body.id, body.type, body.name, tuple(names[1:]), body.attributes))
    return added


def base_entries() -> list[GazetteerEntry]:
    """Countries, the hand-written tables, federal ministries and Länder: what the generated
    world tables add to (their builders read it to leave out names already taken)."""
    folder = resources.files("actorgraph.ingest").joinpath("data")
    entries = country_entries()
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.startswith("gazetteer_") and item.name.endswith(".tsv"):
            entries += parse_gazetteer(item.read_text("utf-8"), item.name)
    return entries + federal_body_entries(entries)


def bundled_entries() -> list[GazetteerEntry]:
    """The base entries, then the world's first-level subdivisions, then world cities."""
    entries = base_entries()
    entries += generated_entries(WORLD_REGIONS, entries)
    return entries + world_city_entries(entries)


@lru_cache(maxsize=8)
def load_gazetteer(extra_files: tuple[str, ...] = ()) -> Gazetteer:
    """The bundled gazetteer plus the user's files (later files extend or add entries)."""
    entries = bundled_entries()
    for name in extra_files:
        path = Path(name)
        entries += parse_gazetteer(path.read_text("utf-8"), str(path))
    return Gazetteer(entries)
