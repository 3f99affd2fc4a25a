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
import random
from pathlib import Path
from typing import Any

import networkx as nx

from ..graph.model import Graph
from ..graph.networkx_view import to_networkx
from ..graph.ontology import ACTOR_TYPES, PLACE_TYPES

BROKERS_FILE = "brokers.json"
PIVOTS = 100  # sources of shortest paths sampled (each a search of its component); fewer bodies: exact
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
    pivots used. The values are networkx's ``betweenness_centrality(view, k=pivots,
    normalized=True, seed=SEED)`` (a test compares), computed by :func:`sampled_betweenness`:
    its searches visit only the pivot's component, networkx's every node (13 s at 30,000
    bodies in pairs, against a fraction of a second)."""
    view = undirected(graph, BROKER_TYPES)
    nodes = list(view.nodes())
    k = pivots if len(nodes) > pivots else None
    sources = random.Random(SEED).sample(nodes, k) if k else nodes  # networkx's draw for the same seed
    scores = dict(zip(nodes, sampled_betweenness(view, nodes, sources)))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {"pivots": len(sources), "bodies": len(nodes),
            "ranking": [{"id": node, "name": view.nodes[node]["name"], "type": view.nodes[node]["type"],
                         "betweenness": round(score, 6), "degree": view.degree(node)} for node, score in ranked]}


def sampled_betweenness(view: nx.Graph, nodes: list[str], sources: list[str]) -> list[float]:
    """Brandes' betweenness of ``nodes`` from shortest paths out of ``sources`` only, scaled
    as networkx scales a sample (normalised, endpoints excluded). Arrays by node number, and
    each search resets only what it visited."""
    number = {node: index for index, node in enumerate(nodes)}
    adjacent = [[number[m] for m in view.adj[node]] for node in nodes]
    n = len(nodes)
    score, sigma, delta, distance = [0.0] * n, [0.0] * n, [0.0] * n, [-1] * n
    for source in (number[s] for s in sources):
        order, distance[source], sigma[source] = [source], 0, 1.0
        position = 0
        while position < len(order):  # breadth first, counting shortest paths
            v = order[position]
            position += 1
            step, paths = distance[v] + 1, sigma[v]
            for w in adjacent[v]:
                if distance[w] < 0:
                    distance[w] = step
                    order.append(w)
                if distance[w] == step:
                    sigma[w] += paths
        for w in reversed(order):  # dependencies, from the farthest back
            before, share = distance[w] - 1, (1.0 + delta[w]) / sigma[w]
            for v in adjacent[w]:
                if distance[v] == before:
                    delta[v] += sigma[v] * share
            if w != source:
                score[w] += delta[w]
        for v in order:
            distance[v], sigma[v], delta[v] = -1, 0.0, 0.0
    pairs = n - 1  # networkx's _rescale without endpoints
    if pairs < 2:
        return score
    k = len(sources)
    if k == n:
        return [value / (pairs * (pairs - 1)) for value in score]
    chosen = {number[s] for s in sources}
    return [value / (((k - 1) if index in chosen else k) * (pairs - 1)) for index, value in enumerate(score)]


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
