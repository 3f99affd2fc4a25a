"""Finding actors by what people type: one index used by search (``/actors?q=``), by every
actor-like parameter of the questions, by ``/actors/{id}``, ``/viz``, ``/export`` and the
command line, so that all of them agree on who "auswartiges amt" or "nato" is.

Names, aliases and acronyms are compared folded: case-insensitive, accents stripped, ``ß`` as
``ss``, ``ä`` also as ``ae``, punctuation as space. A lookup takes an exact id first, then an
exact folded name or alias; a text that names several actors is never resolved silently
(:class:`AmbiguousActor` lists them with their jurisdiction), and an unknown one comes with
the closest names (:class:`UnknownActor`).

>>> from actorgraph.graph.model import Entity, Graph
>>> g = Graph()
>>> for e in (Entity.create("Agency", "Auswärtiges Amt", aliases={"AA"}), Entity.create("City", "Straße")):
...     _ = g.add_entity(e)
>>> index = ActorIndex(g)
>>> index.resolve("auswartiges amt"), index.resolve("Auswaertiges Amt"), index.resolve("STRASSE")
('agency/auswaertiges-amt', 'agency/auswaertiges-amt', 'city/strasse')
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import lru_cache
from typing import Any, Iterable

from .model import Graph, Relation
from .ontology import EntityType, RelationType

_NOT_WORD = re.compile(r"[^\w]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def fold(text: str, umlauts_as_e: bool = False) -> str:
    """``text`` as lookups compare it: casefolded (``ß`` → ``ss``), accents and punctuation gone.

    >>> fold("Auswärtiges  Amt"), fold("Auswärtiges Amt", umlauts_as_e=True), fold("Flanders Investment & Trade")
    ('auswartiges amt', 'auswaertiges amt', 'flanders investment trade')
    """
    folded = text.casefold()
    if umlauts_as_e:
        folded = folded.translate(_UMLAUTS)
    if not folded.isascii():
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


@lru_cache(maxsize=1 << 20)
def _variants(label: str) -> frozenset[str]:
    """The folded forms a label is found by: accents stripped, and umlauts as ae, oe, ue.
    Kept per label: an upload indexes the whole graph again, nearly all of it labels seen
    before (1.4 of the 1.7 s at 10,000 documents went to folding them again)."""
    plain = fold(label)
    if not any(c in label for c in "äöüÄÖÜ"):
        return frozenset({plain} if plain else ())
    return frozenset(v for v in (plain, fold(label, umlauts_as_e=True)) if v)


class ActorLookupError(LookupError):
    """An actor parameter that names no single actor; ``status`` is the HTTP status to answer."""

    status = 404

    def __init__(self, text: str, headline: str, actors: list[dict[str, Any]]) -> None:
        listed = "; ".join(_short(a) for a in actors)
        super().__init__(f"{headline}: {listed}" if listed else headline)
        self.text, self.headline, self.actors = text, headline, actors

    def lines(self) -> list[str]:
        """The listed actors, one line each, for the command line."""
        return [f"  {a['id']}  {a['name']} ({a['type']}{', ' + a['jurisdiction'] if a['jurisdiction'] else ''})"
                for a in self.actors]


class UnknownActor(ActorLookupError):
    """No actor has this id, name or alias; ``actors`` are the closest names."""

    status = 404


class AmbiguousActor(ActorLookupError):
    """Several actors share this name or alias; ``actors`` are all of them."""

    status = 409


class ActorIndex:
    """Every entity's folded names and aliases, sorted for prefix search, and a map from a
    folded label to the entities that carry it."""

    def __init__(self, graph: Graph, adjacency: dict[str, list[Relation]] | None = None) -> None:
        """``adjacency`` (each entity's relations, as the API keeps it) is made on first need if not given."""
        self.graph, self._adjacency = graph, adjacency
        keys = sorted({(variant, entity.id) for entity in graph.entities.values()
                       for label in (entity.name, *entity.aliases) for variant in _variants(label)})
        self._labels = [label for label, _ in keys]  # sorted: a prefix is a range of them
        self._ids = [entity_id for _, entity_id in keys]
        self._exact: dict[str, list[str]] = {}
        for label, entity_id in keys:
            self._exact.setdefault(label, []).append(entity_id)
        self._jurisdictions: dict[str, str | None] = {}

    # -- one actor ------------------------------------------------------------------------

    def resolve(self, text: str) -> str:
        """The id of the one actor ``text`` names: an id, else a name or alias (folded).
        Raises :class:`UnknownActor` or :class:`AmbiguousActor`."""
        text = text.strip()
        if text in self.graph.entities:
            return text
        if text.casefold() in self.graph.entities:
            return text.casefold()
        found = self.exact(text)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousActor(text, f"{text!r} names {len(found)} actors, give the id of one",
                                 [self.describe(i) for i in found])
        suggestions = self.suggestions(text)
        raise UnknownActor(text, f"no actor {text!r} in the graph" + (", closest" if suggestions else ""), suggestions)

    def exact(self, text: str) -> list[str]:
        """Ids of the actors with the folded name or alias ``text``, in id order."""
        found: set[str] = set()
        for variant in {fold(text), fold(text, umlauts_as_e=True)}:
            found.update(self._exact.get(variant, ()))
        return sorted(found)

    # -- many -----------------------------------------------------------------------------

    def search(self, text: str | None, entity_type: EntityType | None = None) -> list[str]:
        """Ids matching ``text``, best first: the exact id, exact names and aliases, names and
        aliases starting with it, then containing it (shorter labels first within each);
        every entity in id order without ``text``."""
        entities = self.graph.entities
        needle = fold(text) if text else ""
        if not needle:
            found = sorted(entities) if not text else []
        else:
            labels, ids = self._labels, self._ids
            low = bisect_left(labels, needle)
            high = bisect_left(labels, needle + "\U0010ffff", low)
            if len(needle) == 1:  # one letter is in most names: only those that start with it
                positions: Iterable[int] = range(low, high)
            else:
                positions = [i for i, label in enumerate(labels) if needle in label]
            ranked = sorted((0 if labels[i] == needle else 1 if low <= i < high else 2, len(labels[i]), labels[i], ids[i])
                            for i in positions)
            exact_id = [text.strip()] if text.strip() in entities else []
            found = list(dict.fromkeys(exact_id + [entity_id for *_, entity_id in ranked]))
        if entity_type is not None:
            found = [i for i in found if entities[i].type is entity_type]
        return found

    def suggestions(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """The actors whose name or alias is closest to ``text`` (rapidfuzz), described."""
        from rapidfuzz import fuzz, process

        needle = fold(text)
        if not needle:
            return []
        ids: list[str] = []
        for _label, _score, position in process.extract(needle, self._labels, scorer=fuzz.ratio,
                                                        limit=limit * 4, score_cutoff=60):
            if self._ids[position] not in ids:
                ids.append(self._ids[position])
        return [self.describe(i) for i in ids[:limit]]

    # -- what tells two actors apart -------------------------------------------------------

    def jurisdiction(self, entity_id: str) -> str | None:
        """The name of the place the actor belongs to: its ``jurisdiction`` attribute, else the
        place it is LOCATED_IN (the first by id); None for neither."""
        if entity_id not in self._jurisdictions:
            entity = self.graph.entities[entity_id]
            place = entity.attributes.get("jurisdiction")
            if not place:
                if self._adjacency is None:
                    self._adjacency = self.graph.adjacency()
                seats = sorted(r.target for r in self._adjacency.get(entity_id, ())
                               if r.type is RelationType.LOCATED_IN and r.source == entity_id)
                place = seats[0] if seats else None
            other = self.graph.entities.get(place) if place else None
            self._jurisdictions[entity_id] = other.name if other else place
        return self._jurisdictions[entity_id]

    def describe(self, entity_id: str) -> dict[str, Any]:
        """What a suggestion or a candidate shows: id, name, type and jurisdiction."""
        entity = self.graph.entities[entity_id]
        return {"id": entity.id, "name": entity.name, "type": entity.type.value,
                "jurisdiction": self.jurisdiction(entity_id)}


def _short(actor: dict[str, Any]) -> str:
    where = f", {actor['jurisdiction']}" if actor["jurisdiction"] else ""
    return f"{actor['id']} ({actor['name']}, {actor['type']}{where})"

