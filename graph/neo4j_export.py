"""Import files for ``neo4j-admin database import full``: the fast path for large graphs.

``neo4j/nodes_<Type>.csv`` (``id:ID``, ``:LABEL``, properties) and ``neo4j/relationships.csv``
(``:START_ID``, ``:END_ID``, ``:TYPE``, properties). Import with::

    neo4j-admin database import full --nodes=neo4j/nodes_Agency.csv ... \\
        --relationships=neo4j/relationships.csv --array-delimiter='|' neo4j
"""

from __future__ import annotations

import csv
from pathlib import Path

from .model import Graph
from .property_graph import flat, node_properties, relation_properties

EXPORT_DIR = "neo4j"


def write_import_files(graph: Graph, folder: Path) -> Path:
    path = Path(folder) / EXPORT_DIR
    path.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list] = {}
    for entity in graph.sorted_entities():
        properties = node_properties(entity)
        by_type.setdefault(entity.type.value, []).append(
            [flat(properties[c]) for c in ("id", "type", "name", "aliases", "attributes")])
    for type_name, rows in by_type.items():
        with open(path / f"nodes_{type_name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id:ID", ":LABEL", "name", "aliases:string[]", "attributes"])
            writer.writerows(rows)
    with open(path / "relationships.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([":START_ID", ":END_ID", ":TYPE", "context", "since", "date", "sentence", "doc",
                         "start:long", "end:long", "evidence_count:long", "evidence"])
        for relation in graph.sorted_relations():
            properties = relation_properties(relation)
            writer.writerow([flat(properties[c]) for c in ("source", "target", "type", "context", "since", "date",
                                                            "sentence", "doc", "start", "end", "evidence_count",
                                                            "evidence")])
    return path
