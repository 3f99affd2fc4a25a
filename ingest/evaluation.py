"""Extraction quality against hand-annotated gold files (format: ``tests/gold/README.md``).

:func:`score` compares a built graph with a gold annotation and returns precision, recall and
F1 for entities (untyped and typed) and for relations (per document), with the misses and the
false positives, so a change to the rules can be judged by numbers rather than examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..graph.model import Graph
from ..graph.ontology import EntityType, RelationType


@dataclass
class GoldEntity:
    type: EntityType
    name: str
    aliases: set[str] = field(default_factory=set)

    @property
    def forms(self) -> set[str]:
        return {normalise(n) for n in (self.name, *self.aliases)}


@dataclass(frozen=True)
class GoldRelation:
    doc: str
    source: str
    type: RelationType
    target: str


@dataclass
class Gold:
    entities: dict[str, GoldEntity] = field(default_factory=dict)
    relations: list[GoldRelation] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


class GoldFormatError(ValueError):
    pass


def normalise(name: str) -> str:
    """Case, quotes and spacing do not distinguish names."""
    name = re.sub(r"[„“”\"»«‚‘’']", "", name)
    return re.sub(r"\s+", " ", name).strip().casefold()


def parse_gold(text: str, source: str = "<gold>") -> Gold:
    gold = Gold()
    doc = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split("\t")
        where = f"{source}:{number}"
        if columns[0] == "doc":
            doc = columns[1].strip()
            gold.documents.append(doc)
        elif columns[0] == "E":
            if len(columns) < 3:
                raise GoldFormatError(f"{where}: E needs a type and a name")
            aliases = {a.strip() for a in (columns[3] if len(columns) > 3 else "").split("|") if a.strip()}
            entity = GoldEntity(EntityType(columns[1].strip()), columns[2].strip(), aliases)
            existing = gold.entities.get(entity.name)
            if existing:
                if existing.type != entity.type:
                    raise GoldFormatError(f"{where}: {entity.name} typed {entity.type} here, {existing.type} before")
                existing.aliases |= entity.aliases
            else:
                gold.entities[entity.name] = entity
        elif columns[0] == "R":
            if doc is None or len(columns) != 4:
                raise GoldFormatError(f"{where}: R needs a doc line before it and source, type, target")
            source_name, type_name, target_name = (c.strip() for c in columns[1:4])
            for name in (source_name, target_name):
                if name not in gold.entities:
                    raise GoldFormatError(f"{where}: {name!r} is not an entity (E line) yet")
            gold.relations.append(GoldRelation(doc, source_name, RelationType(type_name), target_name))
        else:
            raise GoldFormatError(f"{where}: a line starts with doc, E or R")
    return gold


def load_gold(path: Path) -> Gold:
    return parse_gold(Path(path).read_text(encoding="utf-8"), str(path))


@dataclass
class PRF:
    true_positives: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    entities: PRF
    typed_entities: PRF
    relations: PRF
    missed_entities: list[str]
    wrong_type: list[str]
    extra_entities: list[str]
    missed_relations: list[str]
    extra_relations: list[str]

    def table(self) -> str:
        rows = [("entities (untyped)", self.entities), ("entities (typed)", self.typed_entities),
                ("relations", self.relations)]
        lines = [f"{'':20} {'P':>6} {'R':>6} {'F1':>6}   tp/pred/gold"]
        for label, prf in rows:
            lines.append(f"{label:20} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f}   "
                         f"{prf.true_positives}/{prf.predicted}/{prf.expected}")
        return "\n".join(lines)


def match_entities(graph: Graph, gold: Gold) -> dict[str, str]:
    """Gold name → node id, one to one: exact names first, then a name among the other's
    aliases, then any shared alias."""
    nodes = graph.sorted_entities()
    node_forms = {n.id: {normalise(a) for a in n.aliases} | {normalise(n.name)} for n in nodes}
    node_name = {n.id: normalise(n.name) for n in nodes}
    assigned: dict[str, str] = {}
    used: set[str] = set()
    tiers = [
        lambda g, n: normalise(g.name) == node_name[n],
        lambda g, n: node_name[n] in g.forms or normalise(g.name) in node_forms[n],
        lambda g, n: bool(g.forms & node_forms[n]),
    ]
    for tier in tiers:
        for gold_entity in gold.entities.values():
            if gold_entity.name in assigned:
                continue
            candidates = [n.id for n in nodes if n.id not in used and tier(gold_entity, n.id)]
            # among several, the one of the same type
            candidates.sort(key=lambda i: graph.entities[i].type != gold_entity.type)
            if candidates:
                assigned[gold_entity.name] = candidates[0]
                used.add(candidates[0])
    return assigned


def _relation_key(doc: str, source: str, rtype: RelationType, target: str) -> tuple[str, str, str, str]:
    if rtype.symmetric and target < source:
        source, target = target, source
    return (doc, source, rtype.value, target)


def score(graph: Graph, gold: Gold) -> Report:
    assigned = match_entities(graph, gold)
    typed = sum(1 for name, node in assigned.items() if graph.entities[node].type == gold.entities[name].type)
    entity_prf = PRF(len(assigned), len(graph.entities), len(gold.entities))
    typed_prf = PRF(typed, len(graph.entities), len(gold.entities))

    predicted: dict[tuple[str, str, str, str], str] = {}
    for relation in graph.sorted_relations():
        for evidence in relation.evidence:
            if evidence.doc in gold.documents:
                predicted.setdefault(_relation_key(evidence.doc, relation.source, relation.type, relation.target),
                                     evidence.sentence)
    expected: dict[tuple[str, str, str, str], GoldRelation] = {}
    for rel in gold.relations:
        source = assigned.get(rel.source, f"gold:{rel.source}")
        target = assigned.get(rel.target, f"gold:{rel.target}")
        expected[_relation_key(rel.doc, source, rel.type, target)] = rel
    hits = set(predicted) & set(expected)
    relation_prf = PRF(len(hits), len(predicted), len(expected))

    def label(node_id: str) -> str:
        return graph.entities[node_id].name if node_id in graph.entities else node_id

    return Report(
        entity_prf, typed_prf, relation_prf,
        missed_entities=sorted(f"{g.type.value} {g.name}" for g in gold.entities.values() if g.name not in assigned),
        wrong_type=sorted(f"{name}: gold {gold.entities[name].type.value}, got {graph.entities[node].type.value}"
                          for name, node in assigned.items() if graph.entities[node].type != gold.entities[name].type),
        extra_entities=sorted(f"{graph.entities[i].type.value} {graph.entities[i].name}"
                              for i in graph.entities if i not in set(assigned.values())),
        missed_relations=sorted(f"{r.doc}: {r.source} {r.type.value} {r.target}"
                                for key, r in expected.items() if key not in hits),
        extra_relations=sorted(f"{k[0]}: {label(k[1])} {k[2]} {label(k[3])}  | {predicted[k][:100]}"
                               for k in predicted if k not in hits),
    )
