"""The graph as a networkx ``MultiDiGraph`` (for analytics) and as GraphML.

>>> from actorgraph.graph.model import Entity, Graph
>>> g = Graph(); _ = g.add_entity(Entity.create("City", "Berlin"))
>>> to_networkx(g).nodes["city/berlin"]["name"]
'Berlin'
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from .model import Graph


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Nodes keyed by entity id; one edge per relation, keyed by its type. Symmetric relations
    are one edge (source → target) marked ``symmetric``; analytics treat them as undirected."""
    view = nx.MultiDiGraph()
    for entity in graph.sorted_entities():
        view.add_node(entity.id, type=entity.type.value, name=entity.name,
                      aliases="|".join(sorted(entity.aliases)))
    for relation in graph.sorted_relations():
        first = relation.evidence[0] if relation.evidence else None
        view.add_edge(relation.source, relation.target, key=relation.type.value, type=relation.type.value,
                      symmetric=relation.type.symmetric, context=relation.context or "",
                      since=relation.since or "", date=relation.date or "",
                      evidence_count=len(relation.evidence),
                      sentence=first.sentence if first else "", doc=first.doc if first else "")
    return view


def write_graphml(graph: Graph, path: Path) -> None:
    nx.write_graphml(to_networkx(graph), str(path), encoding="utf-8")
