"""The canonical graph: the one in-memory model every store and format is derived from.

Read this module first. The whole system's data is here:

- a :class:`Document` is one input file, as text with metadata;
- extraction turns one document into a :class:`Fragment`: the :class:`Entity` nodes it
  mentions and the :class:`Relation` edges it states, each relation with the
  :class:`Evidence` (document, sentence, character offsets) that supports it;
- :func:`merge_fragments` folds fragments into one :class:`Graph`, deterministically:
  the same fragments in any order give the same graph, byte for byte once serialised.

Stores (RDF, Cypher engines, networkx, JSON) are adapters that read a ``Graph``; none of
them is a second model.

>>> nato = Entity.create(EntityType.INTERNATIONAL_ORGANIZATION, "NATO", id="io/nato")
>>> kfor = Entity.create(EntityType.MISSION, "Kosovo Force", aliases={"KFOR"})
>>> kfor.id
'mission/kosovo-force'
>>> ev = Evidence(doc="a.txt", sentence="Die NATO führt KFOR.", start=0, end=20)
>>> rel = Relation.create(RelationType.CONDUCTS, nato.id, kfor.id, [ev])
>>> g = merge_fragments([Fragment(Document("a.txt"), [nato, kfor], [rel])])
>>> sorted(g.entities), len(g.relations)
(['io/nato', 'mission/kosovo-force'], 1)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from .ontology import CRISIS_CONTEXT, EntityType, RelationType

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII slug for ids: German umlauts spelt out, everything else folded.

    >>> slugify("Thüringer Ministerium für Inneres & Kommunales")
    'thueringer-ministerium-fuer-inneres-kommunales'
    """
    folded = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "unnamed"


def make_entity_id(entity_type: EntityType | str, name: str) -> str:
    """The stable id of an entity: its type's prefix and the slug of its canonical name."""
    return f"{EntityType(entity_type).id_prefix}/{slugify(name)}"


@dataclass(frozen=True)
class Evidence:
    """One sentence that supports a relation: ``text[start:end] == sentence`` in document ``doc``.

    ``context`` is ``"crisis"`` when the sentence or its paragraph speaks of a crisis;
    ``since``/``date`` hold a time the sentence states (ISO date or year). ``mentions`` are the
    document spans of the two ends, the edge's source first (for an anaphor such as "wir",
    the anaphor's own span); each lies in the sentence or in ``lead``, the span of the list lead
    or heading the sentence belongs to.
    """

    doc: str
    start: int
    end: int
    sentence: str
    context: str | None = None
    since: str | None = None
    date: str | None = None
    extractor: str = ""
    mentions: tuple[tuple[int, int], tuple[int, int]] | None = None
    lead: tuple[int, int] | None = None

    def __init__(self, doc: str, sentence: str, start: int, end: int, context: str | None = None,
                 since: str | None = None, date: str | None = None, extractor: str = "",
                 mentions: tuple[tuple[int, int], tuple[int, int]] | None = None,
                 lead: tuple[int, int] | None = None) -> None:
        if start < 0 or end < start:
            raise ValueError(f"evidence offsets out of order: {start}..{end} in {doc}")
        for name, value in (("doc", doc), ("sentence", sentence), ("start", start), ("end", end),
                            ("context", context), ("since", since), ("date", date),
                            ("extractor", extractor), ("mentions", mentions), ("lead", lead)):
            object.__setattr__(self, name, value)

    def with_spans(self, mentions: tuple[tuple[int, int], tuple[int, int]] | None,
                   lead: tuple[int, int] | None) -> "Evidence":
        """This evidence naming the two mentions (and the lead) it rests on."""
        return Evidence(self.doc, self.sentence, self.start, self.end, self.context, self.since, self.date,
                        self.extractor, mentions, lead)

    def sort_key(self) -> tuple:
        """Document, offsets, then every other field: two different evidences never tie, so
        their order never depends on a set's iteration order."""
        return (self.doc, self.start, self.end, self.sentence, self.context or "",
                self.since or "", self.date or "", self.extractor, self.mentions or (), self.lead or ())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"doc": self.doc, "sentence": self.sentence,
                                "start": self.start, "end": self.end}
        for key in ("context", "since", "date"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.extractor:
            data["extractor"] = self.extractor
        if self.lead:
            data["lead"] = list(self.lead)
        if self.mentions:
            data["mentions"] = [list(span) for span in self.mentions]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Evidence":
        mentions = data.get("mentions")
        return cls(doc=data["doc"], sentence=data["sentence"], start=data["start"], end=data["end"],
                   context=data.get("context"), since=data.get("since"), date=data.get("date"),
                   extractor=data.get("extractor", ""),
                   mentions=tuple(tuple(span) for span in mentions) if mentions else None,
                   lead=tuple(data["lead"]) if data.get("lead") else None)


@dataclass
class Entity:
    """A node: one real body, place, agreement, competence or person.

    ``name`` is the canonical nominative form; ``aliases`` the acronyms, other languages and
    inflected forms seen. ``canonical`` marks names that come from a curated source (the
    gazetteer): on merge such a name beats one guessed from text.
    """

    id: str
    type: EntityType
    name: str
    aliases: set[str] = field(default_factory=set)
    attributes: dict[str, str] = field(default_factory=dict)
    canonical: bool = False

    @classmethod
    def create(cls, entity_type: EntityType | str, name: str, *, id: str | None = None,
               aliases: Iterable[str] = (), attributes: dict[str, str] | None = None,
               canonical: bool = False) -> "Entity":
        """Make an entity, checking its type against the ontology and deriving its id if not given."""
        entity_type = EntityType(entity_type)
        name = name.strip()
        if not name:
            raise ValueError("an entity needs a non-empty name")
        entity_id = id or make_entity_id(entity_type, name)
        if not entity_id.startswith(entity_type.id_prefix + "/"):
            raise ValueError(f"id {entity_id!r} does not start with {entity_type.id_prefix!r}/ for {entity_type}")
        return cls(entity_id, entity_type, name, {a for a in aliases if a and a != name},
                   dict(attributes or {}), canonical)

    def absorb(self, other: "Entity") -> None:
        """Merge another record of the same body into this one (same id, hence same type)."""
        if other.id != self.id:
            raise ValueError(f"cannot merge {other.id} into {self.id}")
        if other.canonical and not self.canonical:
            self.aliases.add(self.name)
            self.name, self.canonical = other.name, True
        elif other.name != self.name:
            self.aliases.add(other.name)
        self.aliases |= other.aliases
        self.aliases.discard(self.name)
        for key, value in other.attributes.items():
            self.attributes.setdefault(key, value)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type.value, "name": self.name,
                                "aliases": sorted(self.aliases)}
        data.update(sorted(self.attributes.items()))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Entity":
        attributes = {k: v for k, v in data.items() if k not in {"id", "type", "name", "aliases"}}
        return cls(data["id"], EntityType(data["type"]), data["name"], set(data.get("aliases", [])),
                   attributes)


@dataclass
class Relation:
    """An edge with its evidence. Symmetric types are stored with ``source <= target``."""

    source: str
    target: str
    type: RelationType
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def create(cls, relation_type: RelationType | str, source: str, target: str,
               evidence: Iterable[Evidence] = ()) -> "Relation":
        relation_type = RelationType(relation_type)
        if source == target:
            raise ValueError(f"a relation needs two different entities, got {source} twice")
        if relation_type.symmetric and target < source:
            source, target = target, source
            # each evidence names the edge's source first
            evidence = [e.with_spans((e.mentions[1], e.mentions[0]), e.lead) if e.mentions else e for e in evidence]
        return cls(source, target, relation_type, sorted(set(evidence), key=Evidence.sort_key))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type.value, self.target)

    @property
    def context(self) -> str | None:
        """``"crisis"`` when any supporting sentence is stated in a crisis context."""
        return CRISIS_CONTEXT if any(e.context == CRISIS_CONTEXT for e in self.evidence) else None

    @property
    def since(self) -> str | None:
        return min((e.since for e in self.evidence if e.since), default=None)

    @property
    def date(self) -> str | None:
        return min((e.date for e in self.evidence if e.date), default=None)

    def absorb(self, other: "Relation") -> None:
        if other.key != self.key:
            raise ValueError(f"cannot merge {other.key} into {self.key}")
        self.evidence = sorted(set(self.evidence) | set(other.evidence), key=Evidence.sort_key)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "target": self.target, "type": self.type.value}
        for key in ("context", "since", "date"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        data["evidence"] = [e.to_json() for e in self.evidence]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Relation":
        return cls.create(data["type"], data["source"], data["target"],
                          [Evidence.from_json(e) for e in data.get("evidence", [])])


@dataclass
class Document:
    """One input document. ``id`` is its path relative to the input folder (``000_abc.txt``);
    ``language`` the ISO 639-1 code of its language ("" when unknown or too short to tell)."""

    id: str
    text: str = ""
    title: str = ""
    media_type: str = "text/plain"
    sha256: str = ""
    extractor: str = ""
    language: str = ""

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "media_type": self.media_type,
                "sha256": self.sha256, "characters": len(self.text), "words": self.word_count,
                "extractor": self.extractor, "language": self.language}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Document":
        return cls(data["id"], "", data.get("title", ""), data.get("media_type", "text/plain"),
                   data.get("sha256", ""), data.get("extractor", ""), data.get("language", ""))


@dataclass
class Fragment:
    """What extraction finds in one document. Extraction is a pure function document → fragment."""

    document: Document
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    # where each entity is named in the text: (start, end, entity id), for the document view
    mentions: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class Graph:
    """Entities by id, relations by (source, type, target), and the documents they came from."""

    entities: dict[str, Entity] = field(default_factory=dict)
    relations: dict[tuple[str, str, str], Relation] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def add_entity(self, entity: Entity) -> Entity:
        existing = self.entities.get(entity.id)
        if existing is None:
            copy = Entity(entity.id, entity.type, entity.name, set(entity.aliases),
                          dict(entity.attributes), entity.canonical)
            self.entities[entity.id] = copy
            return copy
        existing.absorb(entity)
        return existing

    def add_relation(self, relation: Relation) -> Relation:
        for end in (relation.source, relation.target):
            if end not in self.entities:
                raise KeyError(f"relation {relation.key} names unknown entity {end!r}")
        existing = self.relations.get(relation.key)
        if existing is None:
            copy = Relation(relation.source, relation.target, relation.type, list(relation.evidence))
            self.relations[relation.key] = copy
            return copy
        existing.absorb(relation)
        return existing

    def add_fragment(self, fragment: Fragment) -> None:
        self.documents[fragment.document.id] = fragment.document
        for entity in fragment.entities:
            self.add_entity(entity)
        for relation in fragment.relations:
            self.add_relation(relation)

    def to_fragment(self, document: Document, mentions: Iterable[tuple[int, int, str]] = ()) -> Fragment:
        """This graph as the fragment of ``document`` (entities and relations in id order), with
        the ``mentions`` of its entities that name one of them, in text order."""
        return Fragment(document, self.sorted_entities(), self.sorted_relations(),
                        sorted({m for m in mentions if m[2] in self.entities}))

    def relations_of(self, entity_id: str) -> list[Relation]:
        return [r for r in self.sorted_relations() if entity_id in (r.source, r.target)]

    def adjacency(self) -> dict[str, list[Relation]]:
        """Each entity's relations, both directions, in relation order: one pass over the
        relations for many lookups (``relations_of`` is a pass per lookup)."""
        adjacent: dict[str, list[Relation]] = {}
        for relation in self.sorted_relations():
            adjacent.setdefault(relation.source, []).append(relation)
            if relation.target != relation.source:
                adjacent.setdefault(relation.target, []).append(relation)
        return adjacent

    def sorted_entities(self) -> list[Entity]:
        return [self.entities[k] for k in sorted(self.entities)]

    def sorted_relations(self) -> list[Relation]:
        return [self.relations[k] for k in sorted(self.relations)]

    def to_json(self) -> dict[str, Any]:
        """The ``graph.json`` shape of ONTOLOGY.md, in a deterministic order."""
        return {
            "nodes": [e.to_json() for e in self.sorted_entities()],
            "edges": [r.to_json() for r in self.sorted_relations()],
            "documents": [self.documents[k].to_json() for k in sorted(self.documents)],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Graph":
        graph = cls()
        for node in data["nodes"]:
            graph.add_entity(Entity.from_json(node))
        for edge in data["edges"]:
            graph.add_relation(Relation.from_json(edge))
        for doc in data.get("documents", []):
            graph.documents[doc["id"]] = Document.from_json(doc)
        return graph


def merge_fragments(fragments: Iterable[Fragment]) -> Graph:
    """Fold fragments into one graph. Order-independent: fragments are merged by document id,
    so which body's name wins a tie never depends on which worker finished first.

    Linear in the evidence: a relation seen again only appends its evidence, and each grown
    relation's evidence is made distinct and sorted once at the end (``Relation.absorb`` sorts
    on every call, quadratic for a relation stated in thousands of sentences)."""
    graph = Graph()
    grown: set[tuple[str, str, str]] = set()
    for fragment in sorted(fragments, key=lambda f: f.document.id):
        graph.documents[fragment.document.id] = fragment.document
        for entity in fragment.entities:
            graph.add_entity(entity)
        for relation in fragment.relations:
            existing = graph.relations.get(relation.key)
            if existing is None:
                graph.add_relation(relation)
            else:
                existing.evidence.extend(relation.evidence)
                grown.add(relation.key)
    for key in grown:
        relation = graph.relations[key]
        relation.evidence = sorted(set(relation.evidence), key=Evidence.sort_key)
    return graph
