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
from typing import TYPE_CHECKING, Iterable, Iterator

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


_GRAPHML_HEAD = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
"""
_NODE_KEYS = ("type", "name", "label", "aliases")  # d0 … d3, as networkx numbers them
_EDGE_KEYS = (("type", "string"), ("symmetric", "boolean"), ("context", "string"), ("since", "string"),
              ("date", "string"), ("evidence_count", "long"), ("sentence", "string"), ("doc", "string"))
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                            "\t": "&#09;"})


def _data(key: int, value: str) -> str:
    return f'      <data key="d{key}">{value.translate(_TEXT)}</data>\n' if value else f'      <data key="d{key}" />\n'


def graphml_lines(graph: Graph) -> Iterator[str]:
    """The whole graph as GraphML, line by line: the bytes ``nx.write_graphml(to_networkx(graph))``
    writes (keys, order, escaping), without building the networkx graph and the XML tree first
    (at 10,000 documents that took seconds and hundreds of MiB)."""
    relations = graph.sorted_relations()
    entities = graph.sorted_entities()
    yield _GRAPHML_HEAD
    # numbered in the order networkx first meets them (nodes' first), listed last first as it does
    keys = [("node", name, "string") for name in _NODE_KEYS] if entities else []
    edge = len(keys)  # the number of the first edge key
    keys += [("edge", name, kind) for name, kind in _EDGE_KEYS] if relations else []
    for number, (where, name, kind) in reversed(list(enumerate(keys))):
        yield f'  <key id="d{number}" for="{where}" attr.name="{name}" attr.type="{kind}" />\n'
    if not entities:
        yield '  <graph edgedefault="directed" />\n</graphml>\n'
        return
    yield '  <graph edgedefault="directed">\n'
    for entity in entities:
        yield f'    <node id="{entity.id.translate(_ATTRIBUTE)}">\n'
        yield _data(0, entity.type.value) + _data(1, entity.name) + _data(2, entity.name)
        yield _data(3, "|".join(sorted(entity.aliases))) + "    </node>\n"
    # networkx gives a source's edges by target in the order each target was first linked
    by_source: dict[str, dict[str, list[Relation]]] = {}
    for relation in relations:
        by_source.setdefault(relation.source, {}).setdefault(relation.target, []).append(relation)
    for entity in entities:
        for target, linked in by_source.get(entity.id, {}).items():
            for relation in linked:
                evidence = relation.evidence[0] if relation.evidence else None
                yield (f'    <edge source="{relation.source.translate(_ATTRIBUTE)}" '
                       f'target="{target.translate(_ATTRIBUTE)}" id="{relation.type.value}">\n')
                yield "".join(_data(edge + i, value) for i, value in enumerate((
                    relation.type.value, str(relation.type.symmetric), relation.context or "", relation.since or "",
                    relation.date or "", str(len(relation.evidence)), evidence.sentence if evidence else "",
                    evidence.doc if evidence else "")))
                yield "    </edge>\n"
    yield "  </graph>\n</graphml>\n"


def write_graphml(graph: Graph, path: Path) -> None:
    """``graph.graphml``: the whole graph, streamed (:func:`graphml_lines`)."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.writelines(graphml_lines(graph))


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
