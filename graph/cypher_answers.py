"""Cypher answers in Neo4j's shape, whatever the embedded engine returns: a node is
``{"id", "labels", "properties"}`` (``id`` is the graph's own id, as in graph.json), a
relationship ``{"type", "start", "end", "properties"}`` (start and end are the ids of its
nodes), a path ``{"nodes", "relationships"}``. The engine's internals (``_ID``, ``_SRC``,
``_LABEL``, table offsets) never leave this module, and properties the stores keep as text for
want of a type (aliases joined by ``|``, attributes and evidence as JSON) are lists and
objects again, so an answer holds no JSON inside JSON.

>>> node = {"_ID": {"offset": 3, "table": 0}, "_LABEL": "Agency", "id": "agency/thw", "name": "THW",
...         "aliases": "Technisches Hilfswerk|THW-Bund", "attributes": '{"jurisdiction": "country/de"}', "since": None}
>>> shape(node, {})
{'id': 'agency/thw', 'labels': ['Agency'], 'properties': {'id': 'agency/thw', 'name': 'THW', 'aliases': ['Technisches Hilfswerk', 'THW-Bund'], 'attributes': {'jurisdiction': 'country/de'}}}
"""

from __future__ import annotations

import json
from typing import Any

Ref = tuple[int, int]  # the engine's (table, offset) of a node
INTERNAL = frozenset({"_ID", "_LABEL", "_SRC", "_DST", "_NODES", "_RELS"})
JSON_PROPERTIES = frozenset({"attributes", "evidence"})
LIST_PROPERTIES = frozenset({"aliases"})


def _ref(value: Any) -> Ref | None:
    if isinstance(value, dict) and "table" in value and "offset" in value:
        return int(value["table"]), int(value["offset"])
    return None


def is_node(value: Any) -> bool:
    return isinstance(value, dict) and "_ID" in value and "_LABEL" in value and "_SRC" not in value


def is_relationship(value: Any) -> bool:
    return isinstance(value, dict) and "_SRC" in value and "_DST" in value


def is_path(value: Any) -> bool:
    return isinstance(value, dict) and "_NODES" in value and "_RELS" in value


def endpoints(value: Any, known: dict[Ref, str], wanted: set[Ref]) -> None:
    """Walk a value: the ids of the nodes in it go into ``known``, the endpoints of its
    relationships that are not there into ``wanted`` (the store looks those up)."""
    if is_path(value):
        for part in (*value["_NODES"], *value["_RELS"]):
            endpoints(part, known, wanted)
    elif is_node(value):
        ref = _ref(value["_ID"])
        if ref is not None and value.get("id") is not None:
            known[ref] = str(value["id"])
    elif is_relationship(value):
        for end in (_ref(value["_SRC"]), _ref(value["_DST"])):
            if end is not None:
                wanted.add(end)
    elif isinstance(value, dict):
        for item in value.values():
            endpoints(item, known, wanted)
    elif isinstance(value, (list, tuple)):
        for item in value:
            endpoints(item, known, wanted)
    wanted.difference_update(known)


def properties(value: dict[str, Any]) -> dict[str, Any]:
    """A node's or relationship's own properties: no internals, no nulls (Neo4j stores none),
    aliases as a list, JSON text as what it encodes."""
    return {key: property_value(key, item) for key, item in value.items() if key not in INTERNAL and item is not None}


def property_value(key: str, value: Any) -> Any:
    """A property's value as JSON has it: the aliases the store joins with ``|`` as a list,
    attributes and evidence (JSON text in the store) as what they encode.

    >>> property_value("aliases", "THW|Technisches Hilfswerk"), property_value("evidence", '[{"doc": "a.txt"}]')
    (['THW', 'Technisches Hilfswerk'], [{'doc': 'a.txt'}])
    """
    if key in LIST_PROPERTIES and isinstance(value, str):
        return [part for part in value.split("|") if part]
    if key in JSON_PROPERTIES and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return plain(value)


def shape(value: Any, ids: dict[Ref, str]) -> Any:
    """``value`` as Neo4j shows it; ``ids`` maps the engine's node references to graph ids."""
    if is_path(value):
        return {"nodes": [shape(n, ids) for n in value["_NODES"]],
                "relationships": [shape(r, ids) for r in value["_RELS"]]}
    if is_node(value):
        ref = _ref(value["_ID"])
        node_id = value.get("id")
        if node_id is None and ref is not None:
            node_id = ids.get(ref, f"{value['_LABEL']}:{ref[1]}")
        return {"id": node_id, "labels": [value["_LABEL"]], "properties": properties(value)}
    if is_relationship(value):
        start, end = _ref(value["_SRC"]), _ref(value["_DST"])
        return {"type": value.get("_LABEL"), "start": ids.get(start) if start else None,
                "end": ids.get(end) if end else None, "properties": properties(value)}
    if isinstance(value, dict):
        return {str(k): shape(v, ids) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [shape(v, ids) for v in value]
    return plain(value)


def plain(value: Any) -> Any:
    """A scalar as JSON has it (the engine returns dates, UUIDs, decimals, intervals)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)
