"""What extraction found in each document, kept beside the graph (``fragments.jsonl``, one
document a line, in document order), so the graph can be merged again without one document —
replaced by a new version or removed — without extracting the others again.

>>> from .model import Evidence
>>> from .ontology import EntityType, RelationType
>>> nato = Entity.create(EntityType.INTERNATIONAL_ORGANIZATION, "NATO", canonical=True)
>>> kfor = Entity.create(EntityType.MISSION, "KFOR")
>>> ev = Evidence(doc="a.txt", sentence="Die NATO führt KFOR.", start=0, end=20)
>>> fragment = Fragment(Document("a.txt"), [nato, kfor], [Relation.create(RelationType.CONDUCTS, nato.id, kfor.id, [ev])])
>>> again = fragment_from_json(fragment_to_json(fragment))
>>> again == fragment
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from .model import Document, Entity, Fragment, Relation

FRAGMENTS_FILE = "fragments.jsonl"


def fragment_to_json(fragment: Fragment) -> dict[str, Any]:
    """A fragment as JSON data; entities keep whether their name is canonical, which decides
    whose name wins when fragments are merged. The text and the mentions are kept for the
    document view (``GET /documents/{name}``), which shows what was read where."""
    return {"document": {**fragment.document.to_json(), "text": fragment.document.text},
            "entities": [{**e.to_json(), "canonical": e.canonical} for e in fragment.entities],
            "relations": [r.to_json() for r in fragment.relations],
            "mentions": [list(m) for m in fragment.mentions]}


def fragment_from_json(data: dict[str, Any]) -> Fragment:
    entities = []
    for node in data["entities"]:
        node = dict(node)
        canonical = bool(node.pop("canonical", False))
        entity = Entity.from_json(node)
        entity.canonical = canonical
        entities.append(entity)
    document = Document.from_json(data["document"])
    document.text = data["document"].get("text", "")  # "" in fragments written before texts were kept
    return Fragment(document, entities, [Relation.from_json(r) for r in data["relations"]],
                    [(int(start), int(end), str(entity_id)) for start, end, entity_id in data.get("mentions", [])])


def _line(fragment: Fragment) -> str:
    return json.dumps(fragment_to_json(fragment), ensure_ascii=False, sort_keys=True) + "\n"


def fragment_lines(fragments: Iterable[Fragment]) -> dict[str, str]:
    """Each fragment's line of ``fragments.jsonl`` by its document id, in document order."""
    return {fragment.document.id: _line(fragment) for fragment in sorted(fragments, key=lambda f: f.document.id)}


def write_fragments(fragments: Iterable[Fragment] | dict[str, str], path: Path) -> None:
    """``fragments.jsonl``: one line a document, in document order (``fragments`` may be
    the lines :func:`fragment_lines` made of them); fragments are written as each line is
    made, not held as text all at once."""
    lines = fragments.values() if isinstance(fragments, dict) else \
        (_line(f) for f in sorted(fragments, key=lambda f: f.document.id))
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(lines)


def line_ids(path: Path) -> Iterator[tuple[str, str]]:
    """Each line of a ``fragments.jsonl`` with its document id, without parsing the line: the
    first ``"id": "…"`` of a line is its document's (whose keys come first and are sorted)."""
    from json.decoder import scanstring

    with open(path, encoding="utf-8") as handle:
        for line in handle:
            at = line.find('"id": "')
            yield (scanstring(line, at + 7)[0] if at >= 0 else ""), line


def read_fragments(path: Path) -> Iterator[Fragment]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield fragment_from_json(json.loads(line))
