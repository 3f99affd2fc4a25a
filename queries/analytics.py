"""Graph analytics on the networkx view: what neither Cypher nor SPARQL does well.

Both treat the graph as undirected and simple (one edge per pair of actors, whatever the
relations between them), over every node.

>>> from actorgraph.graph.model import Entity, Graph, Relation
>>> g = Graph()
>>> for e in (Entity.create("City", "A"), Entity.create("City", "B"), Entity.create("City", "C")):
...     _ = g.add_entity(e)
>>> _ = g.add_relation(Relation.create("PARTNER_OF", "city/a", "city/b"))
>>> _ = g.add_relation(Relation.create("PARTNER_OF", "city/b", "city/c"))
>>> brokers(g, limit=1)[0]["id"]
'city/b'
"""

from __future__ import annotations

import networkx as nx

from ..graph.model import Graph
from ..graph.networkx_view import to_networkx


def undirected(graph: Graph) -> nx.Graph:
    view = nx.Graph()
    multi = to_networkx(graph)
    view.add_nodes_from(sorted(multi.nodes(data=True)))
    view.add_edges_from(sorted((u, v) for u, v in multi.edges() if u != v))
    return view


def brokers(graph: Graph, limit: int | str = 20) -> list[dict]:
    """Actors by betweenness centrality: who lies on the shortest paths between others."""
    try:
        limit = int(limit)
    except ValueError:
        raise ValueError(f"limit must be a whole number, not {limit!r}") from None
    view = undirected(graph)
    scores = nx.betweenness_centrality(view, normalized=True)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:max(0, limit)]
    return [{"id": node, "name": view.nodes[node]["name"], "type": view.nodes[node]["type"],
             "betweenness": round(score, 6), "degree": view.degree(node)} for node, score in ranked]


def communities(graph: Graph) -> list[dict]:
    """Groups of densely connected actors (greedy modularity), numbered from the largest."""
    view = undirected(graph)
    connected = view.subgraph([n for n in view if view.degree(n) > 0])
    if connected.number_of_edges() == 0:
        return []
    groups = nx.community.greedy_modularity_communities(connected)
    ordered = sorted((sorted(group) for group in groups), key=lambda g: (-len(g), g[0]))
    return [{"community": number, "id": node, "name": view.nodes[node]["name"], "type": view.nodes[node]["type"]}
            for number, group in enumerate(ordered, start=1) for node in group]
