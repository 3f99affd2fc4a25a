"""Security headers on every answer, /docs served offline from bundled Swagger UI files, and the
API index page at /api: over HTTP against the real app, and in headless Chromium against `actorgraph
serve` with every request that is not for that server refused."""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app
from actorgraph.api.pages import csp_hash, inline_scripts
from actorgraph.api.settings import ApiSettings
from helpers import LiveServer
from test_views import ARTIFACTS, BROWSER_ARGS, CHROMIUM

COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def client(built, tmp_path_factory) -> TestClient:
    settings = ApiSettings(upload_dir=tmp_path_factory.mktemp("uploads") / "uploads", max_rows=50)
    return TestClient(create_app(built, settings))


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_security_headers(response, frame_ancestors: str = "'none'") -> dict[str, list[str]]:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["referrer-policy"] in ("no-referrer", "strict-origin-when-cross-origin"), response.url
    policy = directives(headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"], (response.url, policy)
    assert policy["frame-ancestors"] == [frame_ancestors], (response.url, policy)
    assert headers["x-frame-options"] == ("SAMEORIGIN" if frame_ancestors == "'self'" else "DENY"), response.url
    return policy


class References(HTMLParser):
    """The src of every script, the href of every link and anchor, and the inline scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "a" and attributes.get("href"):
            self.anchors.append(attributes["href"])


def references(page: str) -> References:
    parser = References()
    parser.feed(page)
    return parser


# -- over HTTP --------------------------------------------------------------------------------------

def test_every_kind_of_answer_carries_the_security_headers(client, built):
    json_answer = client.get("/health")
    assert json_answer.status_code == 200 and json_answer.headers["content-type"] == "application/json"
    problem = client.get("/actors/no-such-actor-anywhere")
    assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json"
    invalid = client.get("/actors", params={"limit": "many"})
    assert invalid.status_code == 422 and invalid.headers["content-type"] == "application/problem+json"
    graph = client.get("/graph.json")
    assert graph.status_code == 200 and graph.content == (built / "graph.json").read_bytes()  # the whole file
    sparql = client.get("/sparql", params={"query": COUNT_TRIPLES}, headers={"Accept": "text/csv"})
    assert sparql.status_code == 200 and sparql.text.startswith("n")
    schema = client.get("/openapi.json")
    for response in (json_answer, problem, invalid, graph, sparql, schema):
        policy = assert_security_headers(response)
        assert set(policy) <= {"default-src", "frame-ancestors", "base-uri", "form-action"}, policy  # nothing allowed
    for url in ("/", "/api", "/docs"):
        page = client.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), url
        assert_security_headers(page)


def test_an_unexpected_error_answer_carries_them_too(built):
    app = create_app(built, ApiSettings())

    @app.get("/fails-on-purpose")
    def fails() -> None:  # a route of this test only: the last-resort handler answers 500
        raise RuntimeError("on purpose")

    response = TestClient(app, raise_server_exceptions=False).get("/fails-on-purpose")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert_security_headers(response)


def test_page_policies_allow_exactly_the_inline_scripts_the_pages_have(client):
    pages = {"/": client.get("/"), "/api": client.get("/api"), "/docs": client.get("/docs"),
             "/viz actor": client.get("/viz", params={"actor": "NATO"}),
             "/viz question": client.get("/viz", params={"question": "crisis-coordination"}),
             "/viz full": client.get("/viz", params={"full": "true"})}
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.text[:300])
        policy = assert_security_headers(response, "'self'" if name.startswith("/viz") else "'none'")
        scripts = policy["script-src"]
        assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, name
        assert all(s.startswith("'sha256-") for s in scripts[1:]), (name, scripts)
        assert policy["connect-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"], name
        needed = {csp_hash(code) for code in inline_scripts(response.text)}
        assert needed <= set(scripts), (name, needed - set(scripts))
    assert len(inline_scripts(pages["/"].text)) == 0 and len(inline_scripts(pages["/api"].text)) == 0
    assert len(inline_scripts(pages["/docs"].text)) == 1
    assert len(inline_scripts(pages["/viz actor"].text)) == 2 and len(inline_scripts(pages["/viz full"].text)) == 2
    # the hashes come from the views' own code, not from the page sent: a script that got into a
    # page some other way is not allowed by its policy
    tampered = pages["/viz actor"].text.replace("<script>", "<script>alert(1);", 1)
    assert not {csp_hash(code) for code in inline_scripts(tampered)} <= set(
        directives(pages["/viz actor"].headers["content-security-policy"])["script-src"])
    # a page the views could not draw is a problem answer, framed by nobody
    assert_security_headers(client.get("/viz", params={"actor": "Nobody Of That Name"}))


def test_the_index_page_links_every_part_of_the_api(client):
    response = client.get("/api")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>actorgraph" in page and "<script" not in page
    found = references(page)
    anchors = set(found.anchors)
    for wanted in ("/docs", "/openapi.json", "/health", "/questions", "/graph.json"):
        assert wanted in anchors, wanted
    for prefix in ("/actors", "/viz", "/sparql?query="):
        assert any(a.startswith(prefix) for a in anchors), prefix
    example = re.search(r"-d '(\{.*?\})'", html.unescape(page))
    assert example, "no Cypher example on the index page"
    answer = client.post("/cypher", content=example.group(1), headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json()["rows"], answer.text
    for href in [*found.anchors, *found.links]:
        assert href.startswith("/") and not href.startswith("//"), href
        followed = client.get(href)
        assert followed.status_code == 200, (href, followed.text[:300])
    assert "/" not in client.get("/openapi.json").json()["paths"]
    assert "/api" not in client.get("/openapi.json").json()["paths"]
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


def test_docs_load_only_bundled_assets(client):
    page = client.get("/docs").text
    found = references(page)
    assert found.scripts and found.links, page
    assert "http" not in " ".join(found.scripts + found.links), (found.scripts, found.links)
    assert "cdn" not in page.lower()
    kinds = {"script": "javascript", "stylesheet": "text/css"}
    for url, kind in [*((s, "script") for s in found.scripts), *((l, "stylesheet") for l in found.links)]:
        asset = client.get(url)
        assert asset.status_code == 200, url
        if url.endswith((".js", ".css")):
            assert kinds[kind] in asset.headers["content-type"], (url, asset.headers["content-type"])
            assert len(asset.content) > 100_000, url  # the real Swagger UI, not a stub
        assert_security_headers(asset)
    assert re.search(r"url: '/openapi\.json'", page)
    assert client.get("/static-docs/no-such-file.js").status_code == 404


def test_redoc_and_the_cdn_docs_are_gone(client):
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


# -- in a real browser --------------------------------------------------------------------------------

VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));"""


def _open(browser, base: str, path: str, ready: str, label: str) -> dict:
    """Load ``base + path``, wait for ``ready``; the console errors, CSP violations and refused
    requests to anywhere but the server, with a screenshot in tests/artifacts/."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors, elsewhere = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def only_the_server(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.add_init_script(VIOLATIONS)
    page.goto(base + path)
    try:
        page.wait_for_selector(ready, timeout=60_000)
    except Exception as exc:  # Playwright's TimeoutError: say what the browser refused
        violations = page.evaluate("() => window.__violations")
        raise AssertionError(f"{path} did not render ({exc.__class__.__name__}); CSP violations: {violations}; "
                             f"console errors: {errors}; refused requests: {elsewhere}") from None
    page.wait_for_load_state("networkidle")
    result = {"errors": errors, "elsewhere": elsewhere, "violations": page.evaluate("() => window.__violations"),
              "text": page.inner_text("body"), "page": page}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"pages-{label}.png"))
    return result


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                    reason="no chromium here; .ci/run installs it, and in CI this test fails without it")
def test_docs_index_and_views_work_in_a_browser_under_the_policy(built):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: .ci/run installs Debian's chromium package"
    with LiveServer(built) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            docs = _open(browser, base, "/docs", ".swagger-ui .opblock", "docs")
            operations = docs["page"].eval_on_selector_all(
                ".swagger-ui .opblock .opblock-summary-path", "(all) => all.map(e => e.textContent)")
            assert "/cypher" in operations and "/actors" in operations, operations
            assert "/docs" not in operations and "/" not in operations, operations
            index = _open(browser, base, "/api", "a[href='/docs']", "index")
            assert "POST /cypher" in index["text"]
            # the index page's style applied, so its hashed <style> was allowed
            assert index["page"].evaluate("() => getComputedStyle(document.body).maxWidth") != "none"
            actor = _open(browser, base, "/viz?actor=NATO", "body[data-drawn=true]", "viz-actor")
            full = _open(browser, base, "/viz?full=true", "body[data-drawn=true]", "viz-full")
            for name, shown in {"docs": docs, "index": index, "actor": actor, "full": full}.items():
                assert shown["violations"] == [], (name, shown["violations"])
                assert [e for e in shown["errors"] if "Content Security Policy" in e] == [], (name, shown["errors"])
                assert shown["errors"] == [], (name, shown["errors"])
                assert shown["elsewhere"] == [], (name, shown["elsewhere"])
            for view in (actor, full):
                canvases = view["page"].evaluate(
                    "() => Array.from(document.querySelectorAll('canvas')).filter(c => c.width > 0).length")
                assert canvases >= 1
        finally:
            browser.close()
