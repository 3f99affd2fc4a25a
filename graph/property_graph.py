"""The properties an entity or relation carries in the property-graph stores (LadybugDB, Neo4j
import files, a Bolt push), derived once here; each store only formats them.

>>> from actorgraph.graph.model import Entity
>>> node_properties(Entity.create("City", "Berlin", aliases={"Berliner"}))["aliases"]
['Berliner']
"""

from __future__ import annotations

import json
from typing import Any

from .model import Entity, Relation


def node_properties(entity: Entity) -> dict[str, Any]:
    return {"id": entity.id, "type": entity.type.value, "name": entity.name, "aliases": sorted(entity.aliases),
            "attributes": json.dumps(entity.attributes, ensure_ascii=False, sort_keys=True)}


def relation_properties(relation: Relation) -> dict[str, Any]:
    """The relation's qualifiers, its first supporting sentence (what questions show) and all its
    evidence as JSON."""
    first = relation.evidence[0]
    return {"source": relation.source, "target": relation.target, "type": relation.type.value,
            "context": relation.context, "since": relation.since, "date": relation.date,
            "sentence": first.sentence, "doc": first.doc, "start": first.start, "end": first.end,
            "evidence_count": len(relation.evidence),
            "evidence": json.dumps([e.to_json() for e in relation.evidence], ensure_ascii=False)}


def flat(value: Any) -> Any:
    """A property for a CSV cell: lists joined with ``|``, absent values empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    return value
