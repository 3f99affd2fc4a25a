"""The explorer at ``/`` (search, neighbourhood, evidence, filters, questions, query consoles),
its bundled script and style, the query examples of ``queries/`` at ``/queries``, and the
document view at ``GET /documents/{name}``.

The pages carry no inline script: the explorer's code is ``/static/explorer.js`` (built by
``make assets`` from npm packages, shipped in the package), its settings travel in a JSON data
block, so the default page policy (scripts and styles from this origin only) holds.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..graph.fragments import FRAGMENTS_FILE, fragment_from_json
from ..graph.model import Fragment
from ..graph.ontology import EntityType, RelationType
from ..graph.sparql_store import PREFIXES
from . import models
from .service import GraphService, remember
from .views import DEFAULT_STYLE, TYPE_STYLE, script_json

STATIC = Path(__file__).parent / "static"
QUERIES = Path(__file__).parent.parent / "queries"
# vis-network's shape names (views.TYPE_STYLE) as SVG outlines in a 100x100 box, for sigma's pictograms
SHAPES: dict[str, str] = {
    "dot": '<circle cx="50" cy="50" r="48"/>',
    "ellipse": '<ellipse cx="50" cy="50" rx="48" ry="34"/>',
    "square": '<rect x="6" y="6" width="88" height="88"/>',
    "box": '<rect x="2" y="18" width="96" height="64" rx="10"/>',
    "diamond": '<polygon points="50,2 98,50 50,98 2,50"/>',
    "triangle": '<polygon points="50,4 97,92 3,92"/>',
    "triangleDown": '<polygon points="3,8 97,8 50,96"/>',
    "star": '<polygon points="50,2 62,36 98,37 69,59 80,95 50,74 20,95 31,59 2,37 38,36"/>',
    "hexagon": '<polygon points="26,5 74,5 98,50 74,95 26,95 2,50"/>',
}


def type_styles() -> dict[str, dict[str, str]]:
    """Every entity type's colour and shape, the same as the /viz views draw them, and the first
    segment of its ids (to tell a type from an id alone)."""
    styles = {}
    for entity_type in EntityType:
        colour, shape = TYPE_STYLE.get(entity_type.value, DEFAULT_STYLE)
        styles[entity_type.value] = {"colour": colour, "shape": shape if shape in SHAPES else "dot",
                                     "prefix": entity_type.id_prefix}
    return styles


@lru_cache(maxsize=1)
def types_css() -> str:
    """Mention highlights and legend swatches by type (class ``t-TYPE``), from the one palette."""
    return "".join(f".t-{name}{{--type-colour:{style['colour']}}}\n" for name, style in type_styles().items())


def query_examples() -> list[dict[str, Any]]:
    """The example queries of ``queries/`` for the consoles, each ready to run: the file as it
    is (``source``), the query to send (``text``: for SPARQL the form its example values
    choose, bound by VALUES) and the example values of its parameters (``parameters``)."""
    from ..queries.catalog import example_parameters, protocol_form

    examples = []
    for path in sorted(QUERIES.glob("*.rq")) + sorted(QUERIES.glob("*.cypher")):
        source = path.read_text(encoding="utf-8")
        sparql = path.suffix == ".rq"
        examples.append({"name": path.name, "language": "sparql" if sparql else "cypher", "source": source,
                         "text": protocol_form(source) if sparql else source,
                         "parameters": example_parameters(source)})
    return examples


def _opening_status(service: GraphService, query: Any) -> int:
    """200, or the 4xx an address's actor or question parameters deserve (unknown, shared)."""
    from ..graph.lookup import ActorLookupError
    from ..queries.catalog import QuestionError, get_question

    names = [query["actor"]] if query.get("actor") else []
    if query.get("question"):
        try:
            question = get_question(query["question"])
        except QuestionError:
            return 404
        names += [query[p.name] for p in question.parameters if p.kind == "actor" and query.get(p.name)]
    try:
        for name in names:
            service.snapshot.actors.resolve(name[:500])
    except ActorLookupError as exc:
        return exc.status
    return 200


def explorer_settings() -> dict[str, Any]:
    """What the explorer's script needs to know up front: types, relation types, prefixes."""
    return {"types": type_styles(), "relations": [t.value for t in RelationType], "prefixes": PREFIXES}


def _console(language: str) -> str:
    """The tab of one query console: examples, editor, run and download buttons, results."""
    return f"""  <section id="tab-{language}" class="tab">
    <div class="console">
      <div class="examples" id="{language}-examples"></div>
      <div class="editor" id="{language}-editor"></div>
      <div class="actions"><button id="{language}-run">Run</button>
        <button id="{language}-csv" disabled>CSV</button> <button id="{language}-json" disabled>JSON</button>
        <span class="status" id="{language}-status"></span></div>
      <div class="results" id="{language}-results"></div>
    </div>
  </section>
"""


def explorer_page(title: str) -> str:
    """The page at ``/``: the layout the script fills, and its settings as a JSON block."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} explorer</title>
<link rel="icon" href="/static-docs/favicon.png">
<link rel="stylesheet" href="/static/explorer.css">
<link rel="stylesheet" href="/static/types.css">
<script type="application/json" id="explorer-settings">{script_json(explorer_settings())}</script>
<script src="/static/explorer.js" defer></script>
</head>
<body>
<header>
  <h1><a href="/">{html.escape(title)}</a></h1>
  <nav id="tabs">
    <button data-tab="graph" class="active">Graph</button>
    <button data-tab="questions">Questions</button>
    <button data-tab="sparql">SPARQL</button>
    <button data-tab="cypher">Cypher</button>
  </nav>
  <span class="links"><a href="/api">API</a> · <a href="/docs">docs</a></span>
</header>
<main>
  <section id="tab-graph" class="tab active">
    <aside id="filters">
      <div class="search">
        <input id="search" type="search" placeholder="Search an actor (name, alias, acronym)" autocomplete="off"
               aria-label="Search an actor">
        <ul id="suggestions" role="listbox"></ul>
      </div>
      <fieldset><legend>Entity types</legend><div id="type-filters"></div></fieldset>
      <fieldset><legend>Relation types</legend><div id="relation-filters"></div></fieldset>
      <fieldset><legend>Context and time</legend>
        <label><input type="checkbox" id="crisis-only"> crisis context only</label>
        <div id="dates">
          <label>from <input type="range" id="date-from"> <output id="date-from-out"></output></label>
          <label>to <input type="range" id="date-to"> <output id="date-to-out"></output></label>
          <label><input type="checkbox" id="undated" checked> relations without a date</label>
        </div>
      </fieldset>
      <div id="legend"></div>
    </aside>
    <div id="canvas-wrap"><div id="graph"></div>
      <div id="graph-note">Search an actor to draw its neighbourhood. Click a node to expand it,
        double-click to make it the centre.</div>
      <div id="graph-buttons"><button id="centre" disabled>Make centre</button>
        <button id="reset">Only the centre</button></div>
    </div>
    <aside id="panel"><p class="hint">The chosen actor's names, attributes, relations and evidence show here.</p></aside>
  </section>
  <section id="tab-questions" class="tab">
    <div id="question-forms"></div>
    <div id="question-answer"><div id="question-table"></div><div id="question-graph"></div></div>
  </section>
{_console("sparql")}{_console("cypher")}</main>
</body></html>
"""


# -- the document view ---------------------------------------------------------------------------

def find_fragment(build: Path, name: str) -> Fragment | None:
    """The fragment of document ``name`` in one build's fragments.jsonl, read line by line."""
    path = build / FRAGMENTS_FILE
    if not path.is_file():
        return None
    marker = json.dumps(name, ensure_ascii=False)
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if marker in line:  # cheap test before parsing a whole document's line
                data = json.loads(line)
                if data["document"]["id"] == name:
                    return fragment_from_json(data)
    return None


def document_data(service: GraphService, name: str) -> dict[str, Any] | None:
    """A document's text, its mentions (with the entity each names) and the relations found in
    it, as JSON data; None when the served build has no such document."""
    snapshot = service.snapshot
    graph = snapshot.graph
    fragment = find_fragment(snapshot.folder, name)
    if fragment is None:
        return None
    local = {e.id: e for e in fragment.entities}

    def who(entity_id: str) -> dict[str, str]:
        entity = graph.entities.get(entity_id) or local.get(entity_id)
        return {"id": entity_id, "name": entity.name if entity else entity_id,
                "type": entity.type.value if entity else ""}

    relations = [{"source": who(r.source), "type": r.type.value, "target": who(r.target),
                  "evidence": [e.to_json() for e in r.evidence if e.doc == name]} for r in fragment.relations]
    document = fragment.document
    return {"document": {**document.to_json(), "text": document.text},
            "mentions": [{"start": start, "end": end, **who(entity_id)} for start, end, entity_id in fragment.mentions],
            "relations": relations}


def _marked(text: str, mentions: list[dict[str, Any]]) -> str:
    """The text as HTML with each mention in a ``<mark>`` of its type linking to the explorer;
    a mention inside one already marked is left out (the outer, longer one wins)."""
    parts, at = [], 0
    for mention in sorted(mentions, key=lambda m: (m["start"], -m["end"])):
        start, end = mention["start"], mention["end"]
        if start < at or end > len(text) or end <= start:
            continue
        parts.append(html.escape(text[at:start]))
        label = f"{mention['name']} ({mention['type']})"
        parts.append(f'<mark class="t-{html.escape(mention["type"])}" title="{html.escape(label)}">'
                     f'<a href="/#actor={html.escape(mention["id"])}">{html.escape(text[start:end])}</a></mark>')
        at = end
    parts.append(html.escape(text[at:]))
    return "".join(parts)


def _sentence(evidence: dict[str, Any]) -> str:
    """The evidence sentence with the mentions that lie in it marked."""
    start, sentence = evidence["start"], evidence["sentence"]
    spans = [{"start": s - start, "end": e - start} for s, e in evidence.get("mentions") or []
             if start <= s and e <= start + len(sentence)]
    parts, at = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < at:
            continue
        parts += [html.escape(sentence[at:span["start"]]),
                  f"<mark>{html.escape(sentence[span['start']:span['end']])}</mark>"]
        at = span["end"]
    return "".join(parts) + html.escape(sentence[at:])


def document_page(title: str, data: dict[str, Any]) -> str:
    """The document view: the text with every recognised mention highlighted by type, and the
    relations found in it with their sentences."""
    document = data["document"]
    name = document["id"]
    types = sorted({m["type"] for m in data["mentions"] if m["type"]})
    legend = " ".join(f'<mark class="t-{html.escape(t)}">{html.escape(t)}</mark>' for t in types)
    rows = []
    for relation in data["relations"]:
        source, target = relation["source"], relation["target"]
        sentences = "".join(f"<li>{_sentence(e)}</li>" for e in relation["evidence"])
        rows.append(f'<li><a href="/#actor={html.escape(source["id"])}">{html.escape(source["name"])}</a> '
                    f'<code>{html.escape(relation["type"])}</code> '
                    f'<a href="/#actor={html.escape(target["id"])}">{html.escape(target["name"])}</a>'
                    f"<ul>{sentences}</ul></li>")
    text = _marked(document["text"], data["mentions"]) if document["text"] else (
        "<em>This build kept no text for this document; build again to see it here.</em>")
    heading = document.get("title") or name
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)} – {html.escape(title)}</title>
<link rel="icon" href="/static-docs/favicon.png">
<link rel="stylesheet" href="/static/explorer.css">
<link rel="stylesheet" href="/static/types.css">
</head>
<body class="document-view">
<header><h1><a href="/">{html.escape(title)}</a></h1><span class="links"><a href="/">explorer</a></span></header>
<main class="document">
<h2>{html.escape(heading)}</h2>
<p class="meta"><code>{html.escape(name)}</code> · {document.get("words", 0)} words ·
 {len(data["mentions"])} mentions · {len(data["relations"])} relations</p>
<p class="legend">{legend}</p>
<article id="text">{text}</article>
<h3>Relations found in this document</h3>
<ol id="relations">{"".join(rows) or "<li>none</li>"}</ol>
</main>
</body></html>
"""


def _not_found_page(title: str, name: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found – {html.escape(title)}</title>
<link rel="stylesheet" href="/static/explorer.css"></head>
<body class="document-view"><main class="document"><h2>No such document</h2>
<p>The served graph has no document named <code>{html.escape(name)}</code>.</p>
<p><a href="/">Back to the explorer</a></p></main></body></html>
"""


def install_explorer(app: FastAPI, service: GraphService) -> None:
    """Add ``/``, ``/static/…`` (the explorer's files), ``/queries`` and ``GET /documents/{name}``."""
    page = explorer_page(app.title)

    @app.get("/", include_in_schema=False)
    def explorer(request: Request) -> HTMLResponse:
        """The explorer; opened with ``?actor=NAME`` or ``?question=NAME&param=value`` (as /viz
        takes them), a name that is no actor answers 404 and one several actors share 409, the
        page listing the suggestions or the candidates."""
        return HTMLResponse(page, status_code=_opening_status(service, request.query_params))

    def static(name: str, media: str) -> Response:
        return Response((STATIC / name).read_bytes(), media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/static/explorer.js", include_in_schema=False)
    def explorer_js() -> Response:
        return static("explorer.js", "text/javascript; charset=utf-8")

    @app.get("/static/explorer.css", include_in_schema=False)
    def explorer_css() -> Response:
        return static("explorer.css", "text/css; charset=utf-8")

    @app.get("/static/types.css", include_in_schema=False)
    def explorer_types_css() -> Response:
        return Response(types_css(), media_type="text/css; charset=utf-8")

    @app.get("/static/shapes/{shape}.svg", include_in_schema=False)
    def shape_svg(shape: str, fill: str = Query("#000000", pattern="^#[0-9a-fA-F]{6}$")) -> Response:
        """A type's shape, black for sigma to tint, or in ``fill`` for the legend."""
        outline = SHAPES.get(shape)
        if outline is None:
            return _problem(404, f"no shape {shape[:40]!r} (shapes: {', '.join(SHAPES)})")
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100" ' \
              f'fill="{fill}">{outline}</svg>'
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})

    @app.get("/queries", summary="The example queries of queries/ (SPARQL .rq and Cypher .cypher), as text")
    def queries() -> list[dict[str, Any]]:
        return query_examples()

    @app.get("/documents/{name:path}", response_class=HTMLResponse, summary=(
        "A document with every recognised mention highlighted and the relations found in it "
        "(JSON with Accept: application/json)"),
        responses={404: {"model": models.Problem, "description": "no such document",
                         "content": {models.PROBLEM: {}}}})
    def document(name: str, accept: Optional[str] = Header(None)) -> Response:
        wants_json = bool(accept and "application/json" in accept and "text/html" not in accept)
        snapshot = service.snapshot
        if len(name) > 1000:
            return _problem(404, "no such document (name too long)")
        data = remember(snapshot.documents, name, lambda: document_data(service, name) or {}, limit=200)
        if not data:
            if wants_json:
                return _problem(404, f"no document named {name[:200]!r} in the served graph")
            return HTMLResponse(_not_found_page(app.title, name[:200]), status_code=404)
        if wants_json:
            return JSONResponse(data)
        return HTMLResponse(document_page(app.title, data))


def _problem(status: int, detail: str) -> JSONResponse:
    body = models.Problem(title="Not found", status=status, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, media_type=models.PROBLEM)
