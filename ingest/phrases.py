"""Names the gazetteer does not know, found by their form.

- **head-noun phrases**: a body's head noun (``data/heads.tsv``) with what makes it a name:
  proper modifiers ("Sächsisches Staatsministerium", "irakisches Innenministerium"), a quoted
  name ("Stabsstelle „Krisenmanagement“"), a place ("Landesdirektion Sachsen"), a "für …"
  complement ("Ministerium für Justiz und Sicherheit"), the genitive of a known body
  ("Stabsstelle des TMIK"), or a specific compound after a definite article
  ("das Krisenreaktionszentrum"); role words on their own ("die Geschäftsstelle") are not names;
- **designated names**: "das Programm Interreg Großregion", "Veranstaltungskonzept „BrusselDays“",
  "Projekte, zum Beispiel ShotPros";
- **persons** after a title: "Oberbürgermeisterin Henriette Reker";
- **bodies named by their role alone** ("die Staatskanzlei", "das Landeskriminalamt"): the
  gazetteer body of that kind whose jurisdiction the document speaks of;
- **definite descriptions** that refer back ("die Allianz", "dem Einsatz"): the nearest earlier
  mention of that type (``data/anaphora.tsv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spacy.tokens import Doc

from ..graph.model import make_entity_id
from ..graph.ontology import EntityType
from .gazetteer import GazetteerEntry
from .german import find_head, is_acronym, nominative, stem

ARTICLES = {"der", "die", "das", "des", "dem", "den", "diese", "dieser", "dieses", "diesem", "diesen",
            "zum", "zur", "im", "beim", "vom", "am"}
_INDEFINITE = {"ein", "eine", "einer", "eines", "einem", "einen", "keine", "mehrere", "zahlreiche", "alle",
               "jede", "jeder", "jedes", "beide", "beiden", "verschiedene", "weitere"}
_OPEN_QUOTES = {"„", "\"", "»", "«", "‚"}
_CLOSE_QUOTES = {"“", "\"", "«", "»", "‘", "”"}
_QUOTES = _OPEN_QUOTES | _CLOSE_QUOTES
_COMPLEMENT_STARTS = {"für", "über", "zum", "zur", "gegen"}
_COMPLEMENT_WORDS = {"und", "von", "vom", "bei", "der", "des", "die", "den", "das", "dem", "für", "zur", "zum"}
_PRONOUNS = {"Sie", "Er", "Es", "Ihr", "Wir", "Ich"}
# words that end a "für …" complement: the name is over where the clause goes on
_CHAIN_STOPS = {"zwischen", "mit", "in", "im", "an", "am", "auf", "aus", "nach", "seit", "durch", "ohne", "unter",
                "sowie", "oder", "als", "wie", "wurde", "wird", "ist", "sind", "hat", "haben", "werden", "entlang"}
# "Projekte, zum Beispiel A, B oder C": as tokens of the tokenizer
_EXAMPLE_MARKERS = (("zum", "Beispiel"), ("z", ".", "B", "."), ("wie",), ("etwa",), ("darunter",),
                    ("u", ".", "a", "."), ("insbesondere",), ("namentlich",))
_UNIT_HEADS = ("stabsstelle", "referat", "abteilung", "dezernat", "fachbereich", "arbeitsgruppe", "stabsbereich",
               "sachgebiet", "unterabteilung", "projektgruppe")
_YEAR = re.compile(r"^(1[89]|20)\d{2}$")


def _lines(name: str) -> list[str]:
    text = resources.files("actorgraph.ingest").joinpath(f"data/{name}").read_text("utf-8")
    return [line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def generic_heads() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("generic_heads.txt"))


@lru_cache(maxsize=1)
def designators() -> tuple[tuple[str, EntityType], ...]:
    rows = [line.split("\t") for line in _lines("designators.tsv")]
    return tuple(sorted(((r[0].strip().lower(), EntityType(r[1].strip())) for r in rows), key=lambda r: -len(r[0])))


@lru_cache(maxsize=1)
def person_titles() -> dict[str, bool]:
    """Title → whether it means the person heads something."""
    return {line.rstrip("*").strip(): line.endswith("*") for line in _lines("person_titles.txt")}


@lru_cache(maxsize=1)
def nationalities() -> dict[str, str]:
    return {row.split("\t")[0].strip(): row.split("\t")[1].strip() for row in _lines("nationalities.tsv")}


@lru_cache(maxsize=1)
def anaphors() -> dict[str, str]:
    return {stem(row.split("\t")[0].strip()): row.split("\t")[1].strip() for row in _lines("anaphora.tsv")}


def nationality_of(word: str) -> str | None:
    """The country (or region) an adjective of nationality points to: "irakischen" → country/iq."""
    lower = word.lower()
    for ending in ("en", "em", "er", "es", "e"):
        if lower.endswith(ending) and lower[: -len(ending)] in nationalities():
            return nationalities()[lower[: -len(ending)]]
    return None


@dataclass
class Found:
    """A new name: tokens ``start:end`` of the document, and the entity it names."""

    start: int
    end: int
    entry: GazetteerEntry
    heads_role: bool = False  # a person named after a title like "Bürgermeisterin"


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


def _adjective_like(text: str) -> bool:
    lower = text.lower()
    return len(lower) > 3 and lower.endswith(("e", "en", "er", "es", "em")) and find_head(text) is None


def _new_entry(entity_type: EntityType, name: str, surface: str, jurisdiction: str | None = None) -> GazetteerEntry:
    aliases = tuple(a for a in (surface,) if a != name)
    attributes = (("jurisdiction", jurisdiction),) if jurisdiction else ()
    return GazetteerEntry(make_entity_id(entity_type, name), entity_type, name, aliases, attributes)


def _plain(words: list[str]) -> list[str]:
    """Words of a name without quotes and white space."""
    return [w for w in words if w not in _QUOTES and not w.isspace()]


class PhraseFinder:
    """Finds the names of one document; ``known`` maps a token start to the (end, entry) of the
    gazetteer and acronym mentions already found, so phrases can build on them."""

    def __init__(self, doc: Doc, known: dict[int, tuple[int, GazetteerEntry]], words: list[str] | None = None) -> None:
        self.doc = doc
        self.known = known
        # plain strings: indexing a spaCy Doc builds a Token object each time
        self.words = words if words is not None else [t.text for t in doc]

    def find(self) -> list[Found]:
        found: list[Found] = []
        found += self.head_phrases()
        found += self.designated_names()
        found += self.persons()
        return found

    # -- head-noun phrases ----------------------------------------------------------------

    def head_phrases(self) -> list[Found]:
        doc = self.doc
        words = self.words
        found = []
        for index, text in enumerate(words):
            if not _capitalised(text) or is_acronym(text):
                continue
            head_info = find_head(text)
            if head_info is None:
                continue
            head, head_nominative = head_info
            stripped = text[len(head_nominative):]
            if head.gender != "pl" and stripped == "n" and head_nominative.lower().endswith("e"):
                continue  # a plural: "Landeswarnzentralen"
            start, jurisdiction, proper_modifier = self._modifiers(index)
            end, complement, place_id = self._complement(index, head.type, head_nominative.lower() in generic_heads())
            before = words[start - 1].lower() if start > 0 else ""
            generic = head_nominative.lower() in generic_heads()
            # a bare compound that only says what kind of thing it is ("das EU-Programm",
            # "die Stabsstelle") is a designator or refers back; it names nothing itself
            specific_compound = (not generic and len(head_nominative) > len(head.suffix) + 2
                                 and designated_type(head_nominative) is None
                                 and stem(head_nominative) not in anaphors())
            definite = before in ARTICLES
            described = before and words[start - 1].islower() and _adjective_like(words[start - 1]) \
                and before not in ARTICLES and before not in _INDEFINITE and not proper_modifier
            if before in _INDEFINITE and not (complement == "für" and head.type is EntityType.AGREEMENT):
                continue  # "eine neue Sicherheitsoperation"; but "ein Abkommen über …" is one
            if described and complement not in ("genitive", "place", "quote"):
                continue  # "das oberste exekutive Entscheidungsgremium"
            if described and complement == "genitive" and head.type is EntityType.MISSION:
                # "den multinationalen Gefechtsverband der NATO in Litauen": the description is the name
                while start > 0 and words[start - 1].islower() and _adjective_like(words[start - 1]):
                    start -= 1
                end = self._place_after(end)
            is_name = (proper_modifier or complement in ("quote", "place", "genitive", "event")
                       or (complement == "für" and (not generic or definite or head.type is EntityType.AGREEMENT))
                       or (specific_compound and (definite or start == 0 or words[start - 1].isspace())))
            if not is_name:
                continue
            name_words = _plain(words[start:end])
            name = nominative(name_words)
            if name_words and name_words[0][:1].islower():
                name = name[:1].upper() + name[1:]  # "irakische Innenministerium" → "Irakisches …"
            surface = doc[start:end].text
            entry = _new_entry(head.type, name, surface, jurisdiction or place_id)
            if complement == "genitive" and index + 2 in self.known and not proper_modifier:
                # "Stabsstelle des TMIK" and "Stabsstelle des Thüringer Ministeriums …" are one unit
                owner = self.known[index + 2][1]
                entry = GazetteerEntry(make_entity_id(head.type, f"{head_nominative} {owner.id.split('/')[-1]}"),
                                       entry.type, entry.name, entry.aliases, entry.attributes)
            found.append(Found(start, end, entry))
        return found

    def _modifiers(self, head: int) -> tuple[int, str | None, bool]:
        """Where the name starts before its head: proper adjectives and nationality adjectives."""
        words = self.words
        start, jurisdiction, proper = head, None, False
        while start > 0:
            text = words[start - 1]
            nation = nationality_of(text)
            if nation and text.lower() not in ARTICLES:
                jurisdiction = jurisdiction or nation
                start, proper = start - 1, True
                continue
            if _capitalised(text) and (_adjective_like(text) or text.endswith("er")) and not is_acronym(text) \
                    and text.lower() not in ARTICLES and start - 1 not in self.known:
                start, proper = start - 1, True
                continue
            break
        return start, jurisdiction, proper

    def _complement(self, head: int, head_type: EntityType, generic: bool) -> tuple[int, str | None, str | None]:
        """Where the name ends after its head, and what kind of complement it has."""
        doc = self.words
        after = head + 1
        if after >= len(doc):
            return after, None, None
        nxt = doc[after]
        # Abteilung 4 „Öffentliche Sicherheit“, Stabsstelle „Krisenmanagement“
        quote_at = after + 1 if nxt.isdigit() and after + 1 < len(doc) else after
        if doc[quote_at] in _OPEN_QUOTES:
            close = next((j for j in range(quote_at + 1, min(quote_at + 8, len(doc))) if doc[j] in _CLOSE_QUOTES), None)
            if close is not None and close > quote_at + 1 and _capitalised(doc[quote_at + 1]):
                return close + 1, "quote", None
        # Landesdirektion Sachsen, Feuerwehr Köln
        if after in self.known and self.known[after][1].type.is_place:
            end, entry = self.known[after]
            return end, "place", entry.id
        lower = nxt.lower()
        # organisational units named by their field: "Stabsstelle Krisenmanagement"
        if head_type is EntityType.AGENCY and doc[head].lower().endswith(_UNIT_HEADS) and _capitalised(nxt) \
                and find_head(nxt) is None and not nxt.isupper():
            end = self.known[after][0] if after in self.known else after + 1
            return end, "quote", None
        # NATO-Gipfel in Warschau 2016, NATO-Gipfel 2018 in Brüssel
        if head_type in (EntityType.EVENT, EntityType.MISSION):
            end, cursor, seen = after, after, False
            while cursor < len(doc) and cursor < after + 5:
                word = doc[cursor]
                if _YEAR.match(word):
                    cursor += 1
                    end, seen = cursor, True
                elif word in ("in", "im") and cursor + 1 in self.known and self.known[cursor + 1][1].type.is_place:
                    cursor = self.known[cursor + 1][0]
                    end, seen = cursor, True
                else:
                    break
            if seen:
                return end, "event", None
        # Stabsstelle des TMIK, Krisenstab der Bundesregierung, Regierung von Mali
        if lower in ("des", "der", "von") and after + 1 in self.known:
            end, entry = self.known[after + 1]
            if not generic or entry.type.is_place:
                return end, "genitive", None
        # Ministerium für Justiz und Sicherheit, Abkommen über Freundschaft und Zusammenarbeit
        if lower in _COMPLEMENT_STARTS:
            cursor, last_noun = after + 1, None
            while cursor < len(doc) and cursor < after + 9:
                word = doc[cursor]
                following = doc[cursor + 1] if cursor + 1 < len(doc) else ""
                if doc[cursor].isspace() or word in ",.;:()!?" or word in _PRONOUNS or word in _CHAIN_STOPS:
                    break
                if word.lower() in ("der", "des") and cursor + 1 in self.known and last_noun is not None:
                    break  # "… Notfallmaßnahmen der Europäischen Kommission": another body's genitive
                if word.lower() in _COMPLEMENT_STARTS and last_noun is not None:
                    break  # "Bundesministerium für Inneres für die Koordination …": a new complement
                if _capitalised(word):
                    last_noun = cursor
                elif not (word.lower() in _COMPLEMENT_WORDS
                          or (_adjective_like(word) and _capitalised(following) and following not in _PRONOUNS)):
                    break
                cursor += 1
            if last_noun is not None:
                return last_noun + 1, "für", None
        return after, None, None

    def _place_after(self, end: int) -> int:
        """Extend a mission's name by "in <place>" right after it."""
        doc = self.words
        if end + 1 < len(doc) and doc[end] in ("in", "im") and end + 1 in self.known \
                and self.known[end + 1][1].type.is_place:
            return self.known[end + 1][0]
        return end

    # -- designated names -----------------------------------------------------------------

    def designated_names(self) -> list[Found]:
        doc = self.words
        found = []
        for index, text in enumerate(doc):
            entity_type = designated_type(text) if text[:1].isalpha() else None
            if entity_type is None:
                continue
            cursor = index + 1
            if cursor < len(doc) and doc[cursor] == ",":
                cursor += 1
            cursor = _skip_example_marker(doc, cursor)
            self._name_list(cursor, entity_type, found)
        return found

    def _name_list(self, cursor: int, entity_type: EntityType, found: list[Found]) -> int:
        """Names following a designator, joined by commas, "und" or "oder"."""
        doc = self.words
        while cursor < len(doc):
            span = self._one_name(cursor)
            if span is None:
                break
            start, end, name = span
            if start not in self.known or self.known[start][0] < end:
                found.append(Found(start, end, _new_entry(entity_type, name, self.doc[start:end].text)))
            cursor = end
            if cursor < len(doc) and doc[cursor] in (",", "und", "oder", "sowie"):
                cursor += 1
                continue
            break
        return cursor

    def _one_name(self, cursor: int) -> tuple[int, int, str] | None:
        doc = self.words
        if cursor >= len(doc):
            return None
        if doc[cursor] in _OPEN_QUOTES:
            close = next((j for j in range(cursor + 1, min(cursor + 8, len(doc))) if doc[j] in _CLOSE_QUOTES), None)
            if close is None or close == cursor + 1:
                return None
            return cursor, close + 1, " ".join(_plain(doc[cursor:close + 1]))
        end = cursor
        while end < len(doc) and end < cursor + 3 and _name_token(doc[end]) and (end == cursor or _capitalised(doc[end])):
            end += 1
        if end == cursor:
            return None
        return cursor, end, " ".join(doc[cursor:end])

    # -- persons --------------------------------------------------------------------------

    def persons(self) -> list[Found]:
        doc = self.words
        found = []
        titles = person_titles()
        for index, title in enumerate(doc):
            heads_role = titles.get(title)
            if heads_role is None:
                continue
            cursor = index + 1
            # "Der Ministerpräsident der Region Brüssel-Hauptstadt, Herr Rudi Vervoort"
            if cursor < len(doc) and doc[cursor] in titles:
                continue
            end = cursor
            while end < len(doc) and end < cursor + 3 and _capitalised(doc[end]) and doc[end].isalpha() \
                    and find_head(doc[end]) is None and end not in self.known and doc[end].lower() not in ARTICLES:
                end += 1
            if end - cursor < 2 and title not in ("Herr", "Frau"):
                continue  # one capitalised word after "Minister" is usually no name
            if end == cursor:
                continue
            name = " ".join(doc[cursor:end])
            role = heads_role or any(titles.get(doc[j]) for j in range(max(0, index - 8), index))
            found.append(Found(cursor, end, _new_entry(EntityType.PERSON, name, name), role))
        return found


def _skip_example_marker(words: list[str], cursor: int) -> int:
    for marker in _EXAMPLE_MARKERS:
        if tuple(words[cursor:cursor + len(marker)]) == marker:
            return cursor + len(marker)
    return cursor


@lru_cache(maxsize=100_000)
def designated_type(word: str) -> EntityType | None:
    """The type a designator word gives the name it introduces ("Programm" → Project), or None."""
    lower = word.lower()
    for form in (lower, lower[:-1] if lower.endswith("s") else lower, lower[:-2] if lower.endswith("es") else lower):
        for suffix, entity_type in designators():
            if form.endswith(suffix):
                return entity_type
    return None


def _name_token(text: str) -> bool:
    """A token that reads as (part of) a name after a designator: LEONARDO, rescEU, ShotPros."""
    if not text[:1].isalpha():
        return False
    has_inner_capital = any(c.isupper() for c in text[1:])
    return is_acronym(text) or has_inner_capital or (_capitalised(text) and find_head(text) is None
                                                     and not _adjective_like(text) and len(text) > 2)
