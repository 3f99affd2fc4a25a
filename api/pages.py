"""Security headers on every answer, Swagger UI at ``/docs`` from files bundled in a package
(so it works offline), and a short HTML index of the API at ``/api`` (``/`` is the explorer).

Every response gets ``X-Content-Type-Options``, ``Referrer-Policy``, ``X-Frame-Options`` and a
``Content-Security-Policy``: ``default-src 'none'`` for JSON and everything else that is not a
page; for HTML pages scripts only from the server itself plus the SHA-256 hashes of the inline
scripts that page is known to have. Those hashes are computed from our own code (the views drawn
from a fixed sample graph, the docs page as generated here), never from the body being sent,
so a script that got into a page some other way still would not run. Only ``/viz`` may be
framed, and only by the same origin.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote, urlencode

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_ASSETS = "/static-docs"  # Swagger UI's script, style and icon, as files from the fastapi-offline wheel
VIEWS_PATH = "/viz"  # the interactive views: the only pages another page (of this origin) may frame
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")
NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def csp_hash(code: str) -> str:
    """The CSP source expression for an inline script or style, as a browser hashes it
    (line breaks normalised the way the HTML parser does).

    >>> csp_hash("alert(1)")
    "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    """
    normalised = code.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(normalised.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_scripts(page: str) -> list[str]:
    """The code of each inline script a browser would run (not ``src=`` scripts, not JSON data blocks).

    >>> inline_scripts('<script type="application/json">{}</script><script src="/a.js"></script><script>go()</script>')
    ['go()']
    """
    found = []
    for attributes, code in SCRIPT.findall(page):
        attributes = attributes.lower()
        if "src=" in attributes or re.search(r"type\s*=\s*['\"]?application/(ld\+)?json", attributes):
            continue
        found.append(code)
    return found


def page_policy(scripts: Iterable[str] = (), styles: str = "'self'", frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy of an HTML page: scripts from this origin plus the given
    hashes, styles as given, images from this origin or data: URLs, fetches to this origin only."""
    return "; ".join([
        "default-src 'none'",
        " ".join(["script-src 'self'", *scripts]),
        f"style-src {styles}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


@lru_cache(maxsize=1)
def views_policy() -> str:
    """The policy of ``/viz`` pages: the hashes of the inline scripts of both renderers, taken
    from pages the views draw of a fixed two-node graph (the scripts do not depend on the data,
    which travels in a JSON block). The views style legend swatches with ``style=`` attributes,
    so their styles need 'unsafe-inline' (styles only; scripts never)."""
    from ..graph.model import Entity, Evidence, Graph, Relation
    from . import views

    graph = Graph()
    first, second = Entity.create("Agency", "Sample Agency"), Entity.create("Country", "Sample Country")
    for entity in (first, second):
        graph.add_entity(entity)
    graph.add_relation(Relation.create("OPERATES_IN", first.id, second.id,
                                       [Evidence("sample.txt", "Sample Agency operates in Sample Country.", 0, 42)]))
    pages = [views.network_page(graph, sorted(graph.entities), graph.sorted_relations(), "sample"),
             views.full_page(graph, "sample")]
    hashes = sorted({csp_hash(code) for page in pages for code in inline_scripts(page)})
    return page_policy(hashes, styles="'self' 'unsafe-inline'", frame_ancestors="'self'")


def docs_assets() -> Path:
    """The folder of Swagger UI's bundled files (swagger-ui-bundle.js, swagger-ui.css, favicon.png)."""
    import fastapi_offline

    folder = Path(fastapi_offline.__file__).parent / "static"
    if not (folder / "swagger-ui-bundle.js").is_file():
        raise RuntimeError("fastapi-offline is installed without its Swagger UI files; reinstall it")
    return folder


def docs_page(openapi_url: str, title: str) -> str:
    """Swagger UI for the schema at ``openapi_url``, loading its script and style from ``/static-docs``."""
    response = get_swagger_ui_html(openapi_url=openapi_url, title=title,
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")
    return bytes(response.body).decode("utf-8")


INDEX_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
code, pre { font: 13px ui-monospace, monospace; background: #f4f4f4; }
pre { padding: 0.5rem; overflow-x: auto; }
dt { font-weight: 600; margin-top: 0.8rem; }
dd { margin-left: 1.2rem; }
"""


def index_page(title: str, version: str, description: str, openapi_url: str) -> str:
    """The page at ``/api``: what the service is and a link, with an example, for each part of the API."""
    sparql = "SELECT ?type (COUNT(?actor) AS ?n) WHERE { ?actor a ?type } GROUP BY ?type"
    sparql_link = "/sparql?" + urlencode({"query": sparql}, quote_via=quote)
    cypher = '{"query": "MATCH (a)-[:COOPERATES_WITH]->(b) RETURN a.name AS a, b.name AS b LIMIT 5"}'
    entries = [
        ("/", "/", "the explorer: search, neighbourhoods, evidence, questions, SPARQL and Cypher consoles"),
        ("/docs", "/docs", "interactive documentation of every endpoint (Swagger UI, works offline)"),
        (openapi_url, openapi_url, "the OpenAPI schema"),
        ("/health", "/health", "liveness, store versions and the size of the graph"),
        ("/actors?q=NATO", "/actors?q=NATO", "search actors by name or alias, filter by type; "
                                             "/actors/{id} for one actor with its relations and evidence"),
        ("/questions", "/questions", "the named questions; /questions/{name}?actor=NATO answers one"),
        ("/viz?actor=NATO", "/viz?actor=NATO", "an actor's neighbourhood drawn interactively; "
                                               "/viz?full=true draws the whole graph"),
        ("/graph.json", "/graph.json", "the whole graph as one JSON file"),
        (sparql_link, "/sparql", f"SPARQL 1.1 Protocol (GET or POST), e.g. ?query={sparql}"),
    ]
    items = "\n".join(f'<dt><a href="{html.escape(href)}">{html.escape(label)}</a></dt>'
                      f"<dd>{html.escape(text)}</dd>" for href, label, text in entries)
    curl = f"curl -X POST -H 'Content-Type: application/json' -d '{cypher}' http://HOST/cypher"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} {html.escape(version)}</title>
<link rel="icon" href="{DOCS_ASSETS}/favicon.png">
<style>{INDEX_STYLE}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{html.escape(description)} Version {html.escape(version)}.</p>
<dl>
{items}
<dt>POST /cypher</dt><dd>a read-only Cypher query as JSON, e.g.
<pre>{html.escape(curl)}</pre></dd>
</dl>
<p>Uploads (<code>POST /documents</code>) need the API key the server was started with.</p>
</body></html>
"""


class SecurityHeaders:
    """ASGI middleware adding the security headers to the start of every HTTP response; the body
    passes through untouched, so streamed and file answers stay streamed."""

    def __init__(self, app: ASGIApp, html_policy: Callable[[str], str]) -> None:
        self.app, self.html_policy = app, html_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower().decode("latin-1")
                           not in SECURITY_HEADERS]
                media = next((v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), "")
                is_page = media.split(";")[0].strip().lower() == "text/html"
                policy = self.html_policy(path) if is_page else NOT_A_PAGE
                framing = "SAMEORIGIN" if "frame-ancestors 'self'" in policy else "DENY"
                headers += [(b"content-security-policy", policy.encode("latin-1")),
                            (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", framing.encode("latin-1"))]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_pages(app: FastAPI) -> None:
    """Add ``/api``, ``/docs`` with its bundled assets under ``/static-docs``, and the security
    headers on every response (including the 500 answer of the last-resort error handler)."""
    openapi_url = app.openapi_url or "/openapi.json"
    docs = docs_page(openapi_url, f"{app.title} – API documentation")
    index = index_page(app.title, app.version, app.description, openapi_url)
    policies = {
        "/docs": page_policy([csp_hash(code) for code in inline_scripts(docs)]),
        "/api": page_policy(styles=" ".join(["'self'", *(csp_hash(style) for style in STYLE.findall(index))])),
    }

    def html_policy(path: str) -> str:
        if path == VIEWS_PATH:
            return views_policy()
        return policies.get(path) or page_policy()

    app.mount(DOCS_ASSETS, StaticFiles(directory=docs_assets()), name="static-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(docs)

    @app.get("/api", include_in_schema=False)
    def api_index() -> HTMLResponse:
        return HTMLResponse(index)

    # outside Starlette's ServerErrorMiddleware (add_middleware would put it inside), so that an
    # unexpected error's 500 answer carries the headers too
    build_stack = app.build_middleware_stack
    setattr(app, "build_middleware_stack", lambda: SecurityHeaders(build_stack(), html_policy))


__all__ = ["install_pages", "SecurityHeaders", "page_policy", "views_policy", "csp_hash", "inline_scripts",
           "docs_page", "index_page", "DOCS_ASSETS"]
