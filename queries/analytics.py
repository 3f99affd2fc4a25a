"""Graph analytics on the networkx view: what neither Cypher nor SPARQL does well.

Both treat the graph as undirected and simple (one edge per pair of actors, whatever the
relations between them). Brokers are bodies (ontology issue #12: competences, places, events,
agreements and projects never broker); their betweenness is sampled from a fixed number of
pivots, computed once per build (``write_brokers``, kept as ``brokers.json``) and read by the
question, so asking never costs more than reading a file.

>>> from actorgraph.graph.model import Entity, Graph, Relation
>>> g = Graph()
>>> for e in (Entity.create("Agency", "A"), Entity.create("Agency", "B"), Entity.create("Agency", "C")):
...     _ = g.add_entity(e)
>>> _ = g.add_relation(Relation.create("PARTNER_OF", "agency/a", "agency/b"))
>>> _ = g.add_relation(Relation.create("PARTNER_OF", "agency/b", "agency/c"))
>>> [(row["id"], row["pivots"]) for row in brokers(g, limit=1)]
[('agency/b', 3)]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from ..graph.model import Graph
from ..graph.networkx_view import to_networkx
from ..graph.ontology import ACTOR_TYPES, PLACE_TYPES

BROKERS_FILE = "brokers.json"
PIVOTS = 200  # sources of shortest paths sampled; a graph with fewer bodies is computed exactly
SEED = 14  # fixed, so the same graph gives the same ranking
BROKER_TYPES = frozenset(t.value for t in ACTOR_TYPES - PLACE_TYPES)


def undirected(graph: Graph, types: frozenset[str] | None = None) -> nx.Graph:
    """The simple undirected view, of the nodes of ``types`` only if given."""
    view = nx.Graph()
    multi = to_networkx(graph)
    view.add_nodes_from(sorted((n, d) for n, d in multi.nodes(data=True) if types is None or d["type"] in types))
    view.add_edges_from(sorted((u, v) for u, v in multi.edges() if u != v and u in view and v in view))
    return view


def broker_scores(graph: Graph, pivots: int = PIVOTS) -> dict[str, Any]:
    """Every body's betweenness among bodies, sampled from ``pivots`` sources chosen with a
    fixed seed (exact when there are no more bodies than that), best first; and the number of
    pivots used. Costs ``pivots`` breadth-first searches, whatever the size of the graph."""
    view = undirected(graph, BROKER_TYPES)
    k = pivots if view.number_of_nodes() > pivots else None
    scores = nx.betweenness_centrality(view, k=k, normalized=True, seed=SEED)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {"pivots": k or view.number_of_nodes(), "bodies": view.number_of_nodes(),
            "ranking": [{"id": node, "name": view.nodes[node]["name"], "type": view.nodes[node]["type"],
                         "betweenness": round(score, 6), "degree": view.degree(node)} for node, score in ranked]}


def write_brokers(graph: Graph, folder: Path) -> Path:
    """Compute the brokers once for a build and keep them in ``folder/brokers.json``."""
    path = Path(folder) / BROKERS_FILE
    path.write_text(json.dumps(broker_scores(graph), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return path


def brokers(graph: Graph, limit: int | str = 20, folder: Path | None = None) -> list[dict]:
    """Bodies by betweenness centrality: who lies on the shortest paths between others. Read
    from the build's ``brokers.json`` when ``folder`` has one, else computed (sampled). Each
    row says from how many pivots its score was sampled."""
    try:
        limit = int(limit)
    except ValueError:
        raise ValueError(f"limit must be a whole number, not {limit!r}") from None
    cached = Path(folder) / BROKERS_FILE if folder is not None else None
    if cached is not None and cached.is_file():
        scores = json.loads(cached.read_text(encoding="utf-8"))
    else:
        scores = broker_scores(graph)
    return [{**row, "pivots": scores["pivots"]} for row in scores["ranking"][:max(0, limit)]]


def communities(graph: Graph, folder: Path | None = None) -> list[dict]:
    """Groups of densely connected actors (greedy modularity), numbered from the largest.
    (``folder``, the build, is not read: nothing is computed in advance for this question.)"""
    view = undirected(graph)
    connected = view.subgraph([n for n in view if view.degree(n) > 0])
    if connected.number_of_edges() == 0:
        return []
    groups = nx.community.greedy_modularity_communities(connected)
    ordered = sorted((sorted(group) for group in groups), key=lambda g: (-len(g), g[0]))
    return [{"community": number, "id": node, "name": view.nodes[node]["name"], "type": view.nodes[node]["type"]}
            for number, group in enumerate(ordered, start=1) for node in group]
