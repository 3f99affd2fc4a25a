"""The graph as a networkx ``MultiDiGraph`` (for analytics), and as GraphML or GEXF (Gephi,
yEd, Cytoscape): the whole graph or the part a view shows.

>>> from actorgraph.graph.model import Entity, Graph
>>> g = Graph(); _ = g.add_entity(Entity.create("City", "Berlin"))
>>> to_networkx(g).nodes["city/berlin"]["name"]
'Berlin'
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .model import Graph, Relation

if TYPE_CHECKING:  # networkx is imported where it is used: a server starts without it (0.3 s)
    import networkx as nx

# format → media type; networkx writes each (write_gexf, write_graphml)
EXPORT_FORMATS = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml"}


def to_networkx(graph: Graph, ids: Iterable[str] | None = None,
                relations: Iterable[Relation] | None = None) -> nx.MultiDiGraph:
    """Nodes keyed by entity id; one edge per relation, keyed by its type. Symmetric relations
    are one edge (source → target) marked ``symmetric``; analytics treat them as undirected.
    ``ids`` and ``relations`` narrow it to a part (a view); the whole graph without them."""
    import networkx as nx

    view = nx.MultiDiGraph()
    entities = graph.sorted_entities() if ids is None else [graph.entities[i] for i in sorted(ids)]
    for entity in entities:
        view.add_node(entity.id, type=entity.type.value, name=entity.name, label=entity.name,
                      aliases="|".join(sorted(entity.aliases)))
    for relation in graph.sorted_relations() if relations is None else relations:
        first = relation.evidence[0] if relation.evidence else None
        view.add_edge(relation.source, relation.target, key=relation.type.value, type=relation.type.value,
                      symmetric=relation.type.symmetric, context=relation.context or "",
                      since=relation.since or "", date=relation.date or "",
                      evidence_count=len(relation.evidence),
                      sentence=first.sentence if first else "", doc=first.doc if first else "")
    return view


def write_graphml(graph: Graph, path: Path) -> None:
    import networkx as nx

    nx.write_graphml(to_networkx(graph), str(path), encoding="utf-8")


def export_bytes(graph: Graph, format: str, ids: Iterable[str] | None = None,
                 relations: Iterable[Relation] | None = None) -> bytes:
    """The graph (or the part given by ``ids`` and ``relations``) as a GEXF or GraphML file.

    >>> from actorgraph.graph.model import Entity
    >>> g = Graph(); _ = g.add_entity(Entity.create("City", "Berlin"))
    >>> b"city/berlin" in export_bytes(g, "gexf") and b"<graphml" in export_bytes(g, "graphml")
    True
    """
    import networkx as nx

    writer = {"gexf": nx.write_gexf, "graphml": nx.write_graphml}[format]
    buffer = io.BytesIO()
    writer(to_networkx(graph, ids, relations), buffer)
    return buffer.getvalue()
