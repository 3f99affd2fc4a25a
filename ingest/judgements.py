"""Judgements: a user-editable file that corrects resolution without code (as nomenklatura does).

One judgement a line, tab-separated, ``#`` for comments::

    same-as	agency/nccn	agency/nationales-krisenzentrum   # the second is the first: merge it in
    not-same-as	agency/auswaertiges-amt	001_f6219eca8eabd05e.txt   # in that document it is another body

``same-as`` rewrites every reference to the second id to the first. ``not-same-as`` gives the
entity of that id, as extracted from that document, an id of its own (``<id>-<document>``), so a
wrong merge across documents comes apart. The build applies them to each fragment before merging.

>>> j = parse_judgements("same-as\\tio/nato\\tio/nordatlantikpakt")
>>> j.same_as
{'io/nordatlantikpakt': 'io/nato'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..graph.model import Entity, Fragment, Graph, Relation, slugify


class JudgementError(ValueError):
    """A malformed judgements file; the message names file and line."""


@dataclass
class Judgements:
    same_as: dict[str, str] = field(default_factory=dict)  # merged id → kept id
    not_same_as: set[tuple[str, str]] = field(default_factory=set)  # (id, document id)

    def __bool__(self) -> bool:
        return bool(self.same_as or self.not_same_as)

    def resolve(self, entity_id: str, doc_id: str) -> str:
        if (entity_id, doc_id) in self.not_same_as:
            return f"{entity_id}-{slugify(doc_id)}"
        seen = set()
        while entity_id in self.same_as and entity_id not in seen:  # chains: a → b → c
            seen.add(entity_id)
            entity_id = self.same_as[entity_id]
        return entity_id

    def apply(self, fragment: Fragment) -> Fragment:
        """The fragment with its ids rewritten; entities that became one are merged."""
        if not self:
            return fragment
        doc_id = fragment.document.id
        graph = Graph()
        # bodies that keep their id come first: their name stays the name of the merged node
        for entity in sorted(fragment.entities, key=lambda e: self.resolve(e.id, doc_id) != e.id):
            new_id = self.resolve(entity.id, doc_id)
            graph.add_entity(Entity(new_id, entity.type, entity.name, set(entity.aliases), dict(entity.attributes),
                                    entity.canonical and new_id == entity.id))
        for relation in fragment.relations:
            source, target = self.resolve(relation.source, doc_id), self.resolve(relation.target, doc_id)
            if source != target:
                graph.add_relation(Relation.create(relation.type, source, target, relation.evidence))
        return graph.to_fragment(fragment.document, [(start, end, self.resolve(entity_id, doc_id))
                                                      for start, end, entity_id in fragment.mentions])


def parse_judgements(text: str, source: str = "<judgements>") -> Judgements:
    judgements = Judgements()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        columns = [c.strip() for c in line.split("\t") if c.strip()]
        if len(columns) != 3 or columns[0] not in ("same-as", "not-same-as"):
            raise JudgementError(f"{source}:{number}: expected 'same-as<TAB>KEPT_ID<TAB>MERGED_ID' "
                                 f"or 'not-same-as<TAB>ID<TAB>DOCUMENT'")
        kind, first, second = columns
        for value in (first,) if kind == "not-same-as" else (first, second):
            if "/" not in value:
                raise JudgementError(f"{source}:{number}: {value!r} is not an entity id (type/slug)")
        if kind == "same-as":
            judgements.same_as[second] = first
        else:
            judgements.not_same_as.add((first, second))
    return judgements


def load_judgements(path: Path | None) -> Judgements:
    if path is None:
        return Judgements()
    return parse_judgements(Path(path).read_text(encoding="utf-8"), str(path))
