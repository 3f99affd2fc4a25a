"""Interactive views as self-contained HTML pages: an actor's neighbourhood, the crisis
coordination network, a catalog question's answer (pyvis / vis-network), and the whole graph
(sigma.js, WebGL: vis-network slows down past a few hundred nodes). Each is a :class:`View`,
which becomes a page (``/viz``, ``actorgraph viz --html``) or a notebook output
(:meth:`View.fragment`: a ``<div>`` with its scripts, which renders in JupyterLab and in an
nbconvert HTML export alike, where an iframe ``srcdoc`` renders only in a live Jupyter).

Every script and style is inlined from the installed packages, so a page opens offline and
loads nothing from the network. Text from documents reaches a page only as escaped HTML or as
JSON with ``<``, ``>`` and ``&`` escaped (:func:`script_json`), so no document can close a
script tag; vis-network shows string tooltips as text, not HTML.
"""

from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from ..graph.lookup import ActorIndex
from ..graph.model import Graph, Relation
from ..graph.ontology import RelationType

MAX_NODES = 1500  # past this a vis-network page becomes unusable; the full view is the way
PHYSICS_UP_TO = 150  # above this many nodes the layout is computed once, with networkx

# one colour and shape per type; the legend and both renderers use these
TYPE_STYLE: dict[str, tuple[str, str]] = {
    "Agency": ("#1f77b4", "dot"), "Government": ("#d62728", "diamond"), "Committee": ("#ff7f0e", "triangle"),
    "InternationalOrganization": ("#2ca02c", "star"), "Mission": ("#9467bd", "square"),
    "Agreement": ("#8c564b", "triangleDown"), "Project": ("#e377c2", "square"), "Event": ("#7f7f7f", "dot"),
    "Country": ("#bcbd22", "hexagon"), "Region": ("#17becf", "hexagon"), "City": ("#aec7e8", "dot"),
    "Competence": ("#ffbb78", "box"), "Organization": ("#98df8a", "dot"), "Person": ("#c5b0d5", "ellipse"),
}
DEFAULT_STYLE = ("#999999", "dot")


class ViewError(ValueError):
    """A view that cannot be drawn (unknown actor or question, too many nodes); says why."""


class NothingToShow(ViewError):
    """The actor or question asked for is not there."""


def script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    >>> script_json({"name": "</script><img src=x>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


@lru_cache(maxsize=None)
def _asset(package: str, path: str) -> str:
    return resources.files(package).joinpath(path).read_text("utf-8")


def _vis_assets() -> tuple[str, str]:
    """vis-network's script and style as shipped inside pyvis (no CDN)."""
    return (_asset("pyvis", "templates/lib/vis-9.1.2/vis-network.min.js"),
            _asset("pyvis", "templates/lib/vis-9.1.2/vis-network.css"))


def _inline_script(code: str) -> str:
    """A library's code made safe to inline: ``</script`` and ``<script`` occur in bundled code
    only inside strings (vis-network builds an iframe with one), where ``<\\/`` and ``\\x3c``
    mean the same characters but cannot end or confuse the page's script element."""
    return code.replace("</script", "<\\/script").replace("<script", "\\x3cscript")


def neighbourhood(graph: Graph, actor: str, depth: int = 1, relation_types: Iterable[str] | None = None,
                  adjacency: dict[str, list[Relation]] | None = None) -> tuple[list[str], list[Relation]]:
    """The actor (id, name or alias) and everything within ``depth`` relations of it, keeping
    only ``relation_types`` if given. ``adjacency`` (each entity's relations, as the API keeps
    it) saves a pass over all relations.

    >>> from actorgraph.graph.model import Entity, Relation
    >>> g = Graph()
    >>> for e in (Entity.create("Agency", "THW"), Entity.create("Country", "Ukraine")):
    ...     _ = g.add_entity(e)
    >>> _ = g.add_relation(Relation.create("OPERATES_IN", "agency/thw", "country/ukraine", []))
    >>> neighbourhood(g, "THW")[0]
    ['agency/thw', 'country/ukraine']
    """
    start = actor if actor in graph.entities else find_actor(graph, actor)
    wanted = {RelationType(t) for t in relation_types} if relation_types else None
    if adjacency is None:
        adjacency = graph.adjacency()
    seen, frontier, kept = {start}, [start], {}
    for _ in range(depth):
        following = []
        for node in frontier:
            for relation in adjacency.get(node, []):
                if wanted is not None and relation.type not in wanted:
                    continue
                kept[relation.key] = relation
                other = relation.target if relation.source == node else relation.source
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    return sorted(seen), [kept[k] for k in sorted(kept)]


def find_actor(graph: Graph, actor: str, index: ActorIndex | None = None) -> str:
    """The id of the actor named by id, name or alias (graph/lookup.py: case- and
    accent-insensitive; UnknownActor or AmbiguousActor when it names none or several)."""
    return (index or ActorIndex(graph)).resolve(actor)


def _evidence_tooltip(relation: Relation) -> str:
    first = relation.evidence[0] if relation.evidence else None
    head = f"{relation.type.value}" + (f" ({relation.context})" if relation.context else "")
    if first is None:
        return head
    more = f"\n(+{len(relation.evidence) - 1} more)" if len(relation.evidence) > 1 else ""
    return f"{head}\n„{first.sentence}“\n— {first.doc}{more}"


def network_page(graph: Graph, node_ids: list[str], relations: list[Relation], title: str,
                 highlight: str | None = None) -> str:
    """A vis-network page (data and options from pyvis) for the given nodes and relations."""
    return network_view(graph, node_ids, relations, title, highlight).page()


def network_view(graph: Graph, node_ids: list[str], relations: list[Relation], title: str,
                 highlight: str | None = None) -> View:
    """The given nodes and relations drawn by vis-network (data and options from pyvis)."""
    from pyvis.network import Network

    if len(node_ids) > MAX_NODES:
        raise ViewError(f"{len(node_ids):,} nodes are more than this view draws ({MAX_NODES:,}): "
                        f"narrow it (depth 1, a relation type) or open the full view (/viz?full=true)")
    net = Network(directed=True, cdn_resources="remote")  # only its data model is used; the page inlines vis
    positions = None
    if len(node_ids) > PHYSICS_UP_TO:
        import networkx as nx  # here: a server starts without it

        layout = nx.Graph()
        layout.add_nodes_from(node_ids)
        layout.add_edges_from((r.source, r.target) for r in relations)
        positions = nx.spring_layout(layout, seed=7, iterations=30, scale=60 * len(node_ids) ** 0.5)
    for node_id in node_ids:
        entity = graph.entities[node_id]
        colour, shape = TYPE_STYLE.get(entity.type.value, DEFAULT_STYLE)
        tooltip = f"{entity.name} ({entity.type.value})" + (f"\nalso: {', '.join(sorted(entity.aliases))}"
                                                              if entity.aliases else "")
        extra: dict[str, Any] = {}
        if positions is not None:
            x, y = positions[node_id]
            extra = {"x": float(x), "y": float(y)}
        net.add_node(node_id, label=entity.name, title=tooltip, color=colour, shape=shape,
                     size=22 if node_id == highlight else 14, **extra)
    for relation in relations:
        net.add_edge(relation.source, relation.target, label=relation.type.value,
                     title=_evidence_tooltip(relation), arrows="to", font={"size": 9, "align": "middle"})
    net.toggle_physics(positions is None)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    types = sorted({graph.entities[n].type.value for n in node_ids})
    return View(title, len(node_ids), len(relations), types, {
        "nodes": nodes, "edges": edges, "options": json.loads(options) if isinstance(options, str) else options},
        renderer="vis")


def _legend(types: list[str]) -> str:
    items = "".join(f'<li><span class="swatch" style="background:{TYPE_STYLE.get(t, DEFAULT_STYLE)[0]}"></span>'
                    f"{html.escape(t)}</li>" for t in types)
    return f'<ul class="legend">{items}</ul>'


PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}
body {{ margin: 0; font: 14px system-ui, sans-serif; }}
header {{ padding: 6px 12px; border-bottom: 1px solid #ddd; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }}
header h1 {{ font-size: 16px; margin: 0; }}
#graph {{ width: 100vw; height: calc(100vh - 48px); }}
.legend {{ list-style: none; display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; }}
.swatch {{ display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }}
#tooltip {{ position: fixed; display: none; max-width: 420px; background: #fff; border: 1px solid #aaa;
  padding: 6px; white-space: pre-wrap; font-size: 12px; pointer-events: none; }}
</style></head>
<body><header><h1>{title}</h1><span>{counts}</span>{legend}<span id="note"></span></header>
<div id="graph"></div><div id="tooltip"></div>
<script id="graph-data" type="application/json">{data}</script>
<script>{library}</script>
<script>{boot}</script>
</body></html>
"""

# draws data into container and marks root data-drawn once vis-network has drawn (what tests wait for)
VIS_DRAW = """function (root, container, data) {
  var network = new vis.Network(container, {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, data.options);
  network.once('afterDrawing', function () { root.setAttribute('data-drawn', 'true'); });
}"""
VIS_BOOT = f"""({VIS_DRAW})(document.body, document.getElementById('graph'),
  JSON.parse(document.getElementById('graph-data').textContent));"""
SIGMA_BOOT = "actorgraphSigmaView(JSON.parse(document.getElementById('graph-data').textContent));"

FRAGMENT = """<div class="actorgraph-view" id="{uid}" data-renderer="{renderer}">
<style>{style}
#{uid} {{ font: 13px system-ui, sans-serif; border: 1px solid #ddd; }}
#{uid} .ag-head {{ padding: 4px 8px; border-bottom: 1px solid #ddd; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }}
#{uid} .ag-head strong {{ font-size: 14px; }}
#{uid} .ag-stage {{ position: relative; }}
#{uid} .ag-graph {{ width: 100%; height: {height}px; }}
#{uid} .legend {{ list-style: none; display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; }}
#{uid} .legend li {{ margin: 0; }}
#{uid} .swatch {{ display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }}
#{uid} .ag-tooltip {{ position: absolute; display: none; max-width: 420px; background: #fff; border: 1px solid #aaa;
  padding: 6px; white-space: pre-wrap; font-size: 12px; pointer-events: none; z-index: 10; }}
</style>
<div class="ag-head"><strong>{title}</strong><span>{counts}</span>{legend}<span class="ag-note"></span></div>
<div class="ag-stage"><div class="ag-graph"></div><div class="ag-tooltip"></div></div>
<script type="application/json" class="ag-data">{data}</script>
<script>{library}</script>
<script>(function () {{
  var root = document.getElementById('{uid}');
  var container = root.querySelector('.ag-graph');
  var data = JSON.parse(root.querySelector('.ag-data').textContent);
  function start() {{ {start} }}
  // a notebook may attach the output while its tab is hidden: start once the container has a size
  if (container.offsetWidth > 0) {{ start(); }} else {{
    var watch = new ResizeObserver(function () {{ if (container.offsetWidth > 0) {{ watch.disconnect(); start(); }} }});
    watch.observe(container);
  }}
}})();</script>
</div>"""

# The sigma bundle finds its container, tooltip and note by the ids "graph", "tooltip" and "note"
# (one view per page); a fragment lends them to its own elements while its view starts, so
# several views share a notebook. A notebook hides its outputs while its tab is in the
# background, where sigma would throw at each window resize: a hidden container is allowed.
SIGMA_START = """var parts = {graph: container, tooltip: root.querySelector('.ag-tooltip'), note: root.querySelector('.ag-note')};
  var renderer;
  for (var id in parts) parts[id].id = id;
  try { renderer = actorgraphSigmaView(data); } finally { for (var id in parts) parts[id].removeAttribute('id'); }
  renderer.setSetting('allowInvalidContainer', true);
  renderer.once('afterRender', function () { root.setAttribute('data-drawn', 'true'); });
  renderer.refresh();"""


@dataclass(frozen=True)
class View:
    """A drawing (its data and which library draws it) before it becomes a page or a notebook
    output; in a notebook it shows itself (``_repr_html_``)."""

    title: str
    nodes: int
    edges: int
    types: list[str]
    data: dict[str, Any] = field(repr=False)
    renderer: str  # "vis" (vis-network) or "sigma" (sigma.js, WebGL)
    height: int = 520  # pixels, in a notebook

    def _library(self) -> tuple[str, str]:
        if self.renderer == "vis":
            return _vis_assets()
        return _asset("actorgraph.api", "static/sigma-view.js"), ""

    def page(self) -> str:
        """A whole HTML page, as ``/viz`` serves it."""
        library, style = self._library()
        return PAGE.format(title=html.escape(self.title), style=style.replace("</style", "<\\/style"),
                           counts=self._counts(), legend=_legend(self.types), data=script_json(self.data),
                           library=_inline_script(library), boot=VIS_BOOT if self.renderer == "vis" else SIGMA_BOOT)

    def fragment(self, height: int | None = None) -> str:
        """A ``<div>`` with the library, the data and the code that draws them, all inline: a
        notebook's ``text/html`` output that JupyterLab runs and an nbconvert HTML export keeps.
        Its ids are its own, so one notebook holds several views."""
        library, style = self._library()
        # the library runs with no AMD loader or CommonJS in sight (an exported notebook loads
        # require.js, and vis-network's UMD wrapper would then register with it, not as window.vis)
        wrapped = f"(function (define, module, exports) {{\n{library}\n}}).call(window);"
        start = f"({VIS_DRAW})(root, container, data);" if self.renderer == "vis" else SIGMA_START
        return FRAGMENT.format(uid=f"actorgraph-{uuid.uuid4().hex[:12]}", renderer=self.renderer,
                               style=style.replace("</style", "<\\/style"), height=int(height or self.height),
                               title=html.escape(self.title), counts=self._counts(), legend=_legend(self.types),
                               data=script_json(self.data), library=_inline_script(wrapped), start=start)

    def _counts(self) -> str:
        return f"{self.nodes:,} nodes, {self.edges:,} relations"

    def _repr_html_(self) -> str:
        return self.fragment()


def full_page(graph: Graph, title: str = "actorgraph: the whole graph") -> str:
    """The whole graph as a sigma.js page (:func:`full_view`)."""
    return full_view(graph, title).page()


def full_view(graph: Graph, title: str = "actorgraph: the whole graph") -> View:
    """The whole graph with sigma.js (WebGL): positions from a quick networkx layout for small
    graphs; for large ones a sector per type, busiest nodes nearest the centre. Compact data (edges as numbers
    into the node and type lists), so a million relations stay a page a browser can read."""
    entities = graph.sorted_entities()
    index = {entity.id: number for number, entity in enumerate(entities)}
    degree: dict[str, int] = {}
    for relation in graph.relations.values():
        degree[relation.source] = degree.get(relation.source, 0) + 1
        degree[relation.target] = degree.get(relation.target, 0) + 1
    positions = _positions(graph, [e.id for e in entities], degree)
    types = sorted({e.type.value for e in entities})
    type_number = {t: n for n, t in enumerate(types)}
    relation_types = [r.value for r in RelationType]
    relation_number = {r: n for n, r in enumerate(relation_types)}
    nodes = []
    for entity in entities:
        x, y = positions[entity.id]
        nodes.append([entity.id, entity.name, type_number[entity.type.value], round(x, 1), round(y, 1),
                      degree.get(entity.id, 0)])
    edges: list[int] = []
    for relation in graph.sorted_relations():
        edges += (index[relation.source], index[relation.target], relation_number[relation.type])
    data = {"types": [[t, TYPE_STYLE.get(t, DEFAULT_STYLE)[0]] for t in types], "relations": relation_types,
            "nodes": nodes, "edges": edges}
    return View(title, len(nodes), len(graph.relations), types, data, renderer="sigma")


def _positions(graph: Graph, ids: list[str], degree: dict[str, int]) -> dict[str, tuple[float, float]]:
    if len(ids) <= 2000:
        import networkx as nx

        layout = nx.Graph()
        layout.add_nodes_from(ids)
        layout.add_edges_from((r.source, r.target) for r in graph.relations.values())
        return {k: (float(v[0]) * 1000, float(v[1]) * 1000)
                for k, v in nx.spring_layout(layout, seed=7, iterations=40).items()}
    # one sector per type (its share of the circle), in each a golden-angle spiral with the
    # busiest nodes nearest the centre: O(n), stable between runs, and the types stay apart
    import math

    by_type: dict[str, list[str]] = {}
    for node in sorted(ids, key=lambda i: (-degree.get(i, 0), i)):
        by_type.setdefault(graph.entities[node].type.value, []).append(node)
    golden = (math.sqrt(5) - 1) / 2
    positions: dict[str, tuple[float, float]] = {}
    start = 0.0
    for type_name in sorted(by_type):
        members = by_type[type_name]
        width = 2 * math.pi * len(members) / len(ids)
        for rank, node in enumerate(members):
            angle = start + width * (0.05 + 0.9 * ((rank * golden) % 1.0))
            radius = 10 * math.sqrt(len(ids) * (rank + 0.5) / len(members))
            positions[node] = (radius * math.cos(angle), radius * math.sin(angle))
        start += width
    return positions


def question_graph(graph: Graph, rows: list[dict[str, Any]]) -> tuple[list[str], list[Relation]]:
    """The entities a question's rows name (any ``*_id`` column or ``path_ids``) and the
    relations among them; rows with ``source_id``, ``relation`` and ``target_id`` stand for
    exactly those relations."""
    if rows and {"source_id", "relation", "target_id"} <= set(rows[0]):
        relations = [graph.relations[k] for k in sorted({(r["source_id"], r["relation"], r["target_id"]) for r in rows})
                     if k in graph.relations]
        return sorted({e for r in relations for e in (r.source, r.target)}), relations
    ids: set[str] = set()
    for row in rows:
        for column, value in row.items():
            if value is None:
                continue
            if column == "path_ids":
                ids.update(str(value).split(" > "))
            elif column == "id" or column.endswith("_id"):
                ids.add(str(value))
    ids &= set(graph.entities)
    relations = [r for r in graph.sorted_relations() if r.source in ids and r.target in ids]
    return sorted(ids), relations


def check_relation_types(relation_types: Iterable[str] | None) -> None:
    unknown = [t for t in relation_types or () if t not in {r.value for r in RelationType}]
    if unknown:
        raise ViewError(f"unknown relation type {unknown[0]!r} (types: {', '.join(r.value for r in RelationType)})")


@dataclass
class Selection:
    """What a view shows: nodes, relations, a title, and the node to stress (the actor)."""

    ids: list[str]
    relations: list[Relation]
    title: str
    highlight: str | None = None


def select(graph: Graph, engines: Any, *, actor: str | None = None, question: str | None = None,
           params: dict[str, str] | None = None, depth: int = 1, relation_types: list[str] | None = None,
           adjacency: dict[str, list[Relation]] | None = None) -> Selection:
    """The part of the graph a view of a question's answer (``crisis-coordination`` with
    ``actor`` narrows it to that actor) or of an actor's neighbourhood shows; the whole graph
    without either. ``/viz`` draws it, ``/export`` writes it as GEXF or GraphML."""
    check_relation_types(relation_types)
    if question:
        from ..queries.catalog import QuestionError, ask, get_question

        try:
            get_question(question)
        except QuestionError as exc:
            raise NothingToShow(str(exc)) from None
        given = dict(params or {})
        if actor and question in ("crisis-coordination", "actor-profile", "partnerships"):
            given.setdefault("actor", actor)
        try:
            _, rows = ask(engines, question, given)
        except QuestionError as exc:
            raise ViewError(str(exc)) from None
        ids, relations = question_graph(graph, rows)
        label = question + (f" ({', '.join(f'{k}={v}' for k, v in given.items())})" if given else "")
        return Selection(ids, relations, f"actorgraph: {label}")
    if actor:
        start = find_actor(graph, actor, getattr(engines, "actors", None))
        ids, relations = neighbourhood(graph, start, depth, relation_types, adjacency)
        return Selection(ids, relations, f"actorgraph: {graph.entities[start].name}, depth {depth}", start)
    wanted = set(relation_types or [r.value for r in RelationType])
    return Selection(sorted(graph.entities), [r for r in graph.sorted_relations() if r.type.value in wanted],
                     "actorgraph: the whole graph")


def view_for(graph: Graph, engines: Any, *, actor: str | None = None, question: str | None = None,
             params: dict[str, str] | None = None, depth: int = 1, relation_types: list[str] | None = None,
             full: bool = False, adjacency: dict[str, list[Relation]] | None = None) -> View:
    """The whole graph, a question's answer (``crisis-coordination`` with ``actor`` narrows it
    to that actor), or an actor's neighbourhood: a page for ``/viz``, an output in a notebook."""
    if full:
        check_relation_types(relation_types)
        return full_view(graph)
    if not (actor or question):
        raise ViewError("say what to show: an actor, a question, or the full graph")
    chosen = select(graph, engines, actor=actor, question=question, params=params, depth=depth,
                    relation_types=relation_types, adjacency=adjacency)
    return network_view(graph, chosen.ids, chosen.relations, chosen.title, highlight=chosen.highlight)


def page_for(graph: Graph, engines: Any, *, actor: str | None = None, question: str | None = None,
             params: dict[str, str] | None = None, depth: int = 1, relation_types: list[str] | None = None,
             full: bool = False, adjacency: dict[str, list[Relation]] | None = None) -> str:
    """The page ``actorgraph viz`` and ``/viz`` serve (:func:`view_for`)."""
    return view_for(graph, engines, actor=actor, question=question, params=params, depth=depth,
                    relation_types=relation_types, full=full, adjacency=adjacency).page()


def write_page(page: str, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


__all__ = ["NothingToShow", "Selection", "View", "ViewError", "select", "page_for", "view_for", "network_page",
           "network_view", "full_page", "full_view", "neighbourhood", "script_json", "write_page", "TYPE_STYLE"]
