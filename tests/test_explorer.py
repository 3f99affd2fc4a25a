"""The explorer at / and the document view at /documents/{name}: over HTTP against the real app,
and driven in headless Chromium as a researcher would use it (search, pick, expand, read the
evidence, filter, run a console example), with every request that leaves the server refused
and counted as a failure."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app
from actorgraph.api.settings import ApiSettings
from helpers import CORPUS, ROOT, LiveServer
from test_api import KEY, NEW_DOCUMENT
from test_pages import directives, references
from test_views import ARTIFACTS, BROWSER_ARGS, CHROMIUM, HOSTILE_DOCUMENT, HOSTILE_NAME

# a document where NATO is named outside any crisis, with a year: the corpus alone relates NATO only
# in crisis contexts, so without it "crisis only" could not change what is drawn
CALM_DOCUMENT = ("Partnerschaften\n\nBelgien ist seit 1949 Mitglied der NATO.\n"
                 "Das Auswärtige Amt arbeitet seit 2015 mit der NATO in der Kulturpolitik zusammen.\n")
FIRST_DOCUMENT = sorted(p.name for p in CORPUS.glob("*.txt"))[0]


@pytest.fixture(scope="module")
def client(built) -> TestClient:
    return TestClient(create_app(built, ApiSettings()))


@pytest.fixture(scope="module")
def calm_build(tmp_path_factory) -> Path:
    """The corpus plus CALM_DOCUMENT and a document naming an organisation in markup (taken
    verbatim by the plug-in extractor the view tests use)."""
    from actorgraph.ingest.pipeline import Settings, build

    corpus = tmp_path_factory.mktemp("explorer-corpus")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "900_partner.txt").write_text(CALM_DOCUMENT, encoding="utf-8")
    (corpus / "901_hostile.txt").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    out = tmp_path_factory.mktemp("explorer-build") / "build"
    result = build([corpus], out, settings=Settings(extractors=("hostile_extractor:GuillemetOrganisations",)))
    assert any(e.name == HOSTILE_NAME for e in result.graph.entities.values())
    return out


# -- over HTTP --------------------------------------------------------------------------------------

def test_the_explorer_page_loads_only_its_own_files_under_the_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = directives(page.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], policy
    assert policy["connect-src"] == ["'self'"], policy
    found = references(page.text)
    assert found.scripts == ["/static/explorer.js"], found.scripts
    wanted = {"/static/explorer.js": "text/javascript", "/static/explorer.css": "text/css",
              "/static/types.css": "text/css", "/static-docs/favicon.png": "image/png"}
    for href in [*found.scripts, *found.links]:
        assert href.startswith("/") and not href.startswith("//"), href
        answer = client.get(href)
        assert answer.status_code == 200 and answer.content, href
        assert answer.headers["content-type"].startswith(wanted[href]), (href, answer.headers["content-type"])
    settings = json.loads(page.text.split('id="explorer-settings">', 1)[1].split("</script>", 1)[0])
    assert settings["types"]["InternationalOrganization"]["colour"].startswith("#")
    assert "ag" in settings["prefixes"] and "COOPERATES_WITH" in settings["relations"]
    # the API's index moved to /api, and /docs stays
    assert "POST /cypher" in client.get("/api").text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text


def test_type_shapes_are_svg_and_refuse_what_is_not_a_colour(client):
    shape = client.get("/static/shapes/star.svg", params={"fill": "#2ca02c"})
    assert shape.status_code == 200 and shape.headers["content-type"].startswith("image/svg+xml")
    assert 'fill="#2ca02c"' in shape.text and "<polygon" in shape.text
    assert client.get("/static/shapes/nothing.svg").status_code == 404
    refused = client.get("/static/shapes/dot.svg", params={"fill": '"><script>alert(1)</script>'})
    assert refused.status_code == 422 and "<script>" not in refused.text


def test_queries_serves_every_example_file_as_it_is(client):
    examples = client.get("/queries").json()
    on_disk = sorted(p.name for p in (ROOT / "queries").iterdir() if p.suffix in (".rq", ".cypher"))
    assert sorted(e["name"] for e in examples) == on_disk
    for example in examples:
        assert example["source"] == (ROOT / "queries" / example["name"]).read_text(encoding="utf-8")
        assert example["language"] == ("sparql" if example["name"].endswith(".rq") else "cypher")


def test_every_example_runs_as_the_consoles_send_it(client):
    """One click on an example must give rows: the SPARQL form its example values choose (bound
    by VALUES: the protocol passes no bindings), the Cypher text with its example parameters."""
    for example in client.get("/queries").json():
        if example["language"] == "sparql":
            answer = client.get("/sparql", params={"query": example["text"]},
                                headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == 200, (example["name"], answer.text[:300])
            rows = answer.json()["results"]["bindings"]
        else:
            answer = client.post("/cypher", json={"query": example["text"], "params": example["parameters"]})
            assert answer.status_code == 200, (example["name"], answer.text[:300])
            rows = answer.json()["rows"]
        assert rows, f"{example['name']} answers no rows on the corpus"


def test_actor_evidence_names_its_two_mentions_in_the_document(client):
    nato = client.get("/actors/io/nato").json()
    checked = 0
    texts: dict[str, str] = {}
    for relation in nato["relations"]:
        for evidence in relation["evidence"]:
            assert evidence["mentions"] and len(evidence["mentions"]) == 2, evidence
            doc = evidence["doc"]
            if doc not in texts:
                texts[doc] = client.get(f"/documents/{doc}", headers={"Accept": "application/json"}).json()[
                    "document"]["text"]
            text = texts[doc]
            assert text[evidence["start"]:evidence["end"]] == evidence["sentence"]
            where = [(evidence["start"], evidence["end"])] + ([tuple(evidence["lead"])] if evidence.get("lead") else [])
            for start, end in evidence["mentions"]:
                assert 0 <= start < end and any(a <= start and end <= b for a, b in where), (evidence, start, end)
            # NATO is one of the two ends: one of the spans names it (or takes it up)
            checked += 1
    assert checked >= 5


def test_the_document_view_highlights_mentions_by_type_and_lists_relations(client):
    data = client.get(f"/documents/{FIRST_DOCUMENT}", headers={"Accept": "application/json"}).json()
    text = data["document"]["text"]
    assert data["document"]["id"] == FIRST_DOCUMENT and len(text) == data["document"]["characters"] > 100
    assert len(data["mentions"]) >= 5 and data["relations"]
    for mention in data["mentions"]:
        assert text[mention["start"]:mention["end"]].strip() and mention["type"], mention
    page = client.get(f"/documents/{FIRST_DOCUMENT}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert directives(page.headers["content-security-policy"])["script-src"] == ["'self'"]
    assert "<script" not in page.text
    marked = page.text.count("<mark class=\"t-")
    assert marked >= len({(m["start"], m["end"]) for m in data["mentions"]}) // 2 and marked >= 5
    nccn = next(m for m in data["mentions"] if m["id"] == "agency/nccn")
    assert f'class="t-{nccn["type"]}"' in page.text and 'href="/#actor=agency/nccn"' in page.text
    assert page.text.count("<li><a href=\"/#actor=") >= len(data["relations"])


def test_an_unknown_document_is_404_as_a_page_and_as_json(client):
    page = client.get("/documents/<script>alert(1)</script>.txt")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    problem = client.get("/documents/nothing-here.txt", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json"
    assert "nothing-here.txt" in problem.json()["detail"] and "/tmp" not in problem.text


def test_an_uploaded_document_is_shown_with_its_mentions(built, tmp_path):
    out = tmp_path / "build"
    shutil.copytree(built, out, symlinks=True)
    writable = TestClient(create_app(out, ApiSettings(api_key=KEY, upload_dir=tmp_path / "uploads")))
    added = writable.post("/documents", files={"file": ("lagebericht.txt", NEW_DOCUMENT.encode(), "text/plain")},
                          headers={"X-API-Key": KEY})
    assert added.status_code == 201, added.text
    name = added.json()["document"]
    data = writable.get(f"/documents/{name}", headers={"Accept": "application/json"}).json()
    assert data["document"]["text"].strip() == NEW_DOCUMENT.strip()
    named = {data["document"]["text"][m["start"]:m["end"]] for m in data["mentions"]}
    assert any("Aachen" in text for text in named), named
    assert any(m["name"] == "Feuerwehr Aachen" and m["type"] == "Agency" for m in data["mentions"]), data["mentions"]
    assert any(r["type"] == "COOPERATES_WITH" for r in data["relations"])
    # the documents of the build before the upload are still there, with their texts
    assert writable.get(f"/documents/{FIRST_DOCUMENT}", headers={"Accept": "application/json"}).json()["document"]["text"]


# -- in a real browser --------------------------------------------------------------------------------

def _save_small(png: bytes, path: Path) -> None:
    """A screenshot in 256 colours (a third of the bytes, the same to the eye), for the README."""
    import io

    from PIL import Image  # installed with matplotlib, a test extra

    Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
        path, optimize=True)


def _node_count(page) -> int:
    return page.evaluate("() => window.__explorer.nodes.length")


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                    reason="no chromium here; .ci/run installs it, and in CI this test fails without it")
def test_a_researcher_searches_expands_reads_filters_and_queries(calm_build):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: .ci/run installs Debian's chromium package"
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(calm_build) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors, elsewhere, dialogs = [], [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def only_the_server(route):
                if route.request.url.startswith(base + "/") or route.request.url.startswith(("blob:", "data:")):
                    route.continue_()
                else:
                    elsewhere.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_server)
            page.add_init_script("""window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline')));""")
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)

            # type "nato" (lower case) and pick NATO among the suggestions
            page.fill("#search", "nato")
            suggestion = page.wait_for_selector("#suggestions li[data-id='io/nato']", timeout=30_000)
            assert "InternationalOrganization" in suggestion.inner_text()
            suggestion.click()
            page.wait_for_function("() => window.__explorer && window.__explorer.centre === 'io/nato' "
                                   "&& window.__explorer.nodes.length > 1", timeout=30_000)
            neighbours = page.evaluate("() => window.__explorer.neighbours")
            assert len(neighbours) >= 5, neighbours
            assert page.evaluate("() => document.querySelectorAll('#graph canvas').length") >= 1
            assert "NATO" in page.inner_text("#panel h2")
            assert "io/nato" in page.url  # the view is in the address
            page.wait_for_timeout(500)  # the node images are drawn once loaded
            page.screenshot(path=str(ARTIFACTS / "explorer-nato.png"))

            # click a neighbour on the canvas: it is selected and expanded, the panel shows its evidence
            target = "agency/nccn" if "agency/nccn" in neighbours else neighbours[0]
            before = _node_count(page)
            at = page.evaluate(f"() => window.__explorer.viewport({json.dumps(target)})")
            page.mouse.click(at["x"], at["y"])
            page.wait_for_function(f"() => window.__explorer.selected === {json.dumps(target)}", timeout=30_000)
            page.wait_for_selector("#panel ol.evidence li q mark", timeout=30_000)
            marks = page.eval_on_selector_all("#panel ol.evidence mark", "(all) => all.map(m => m.textContent)")
            assert len(marks) >= 2 and all(m.strip() for m in marks), marks
            links = page.eval_on_selector_all("#panel .source a", "(all) => all.map(a => a.getAttribute('href'))")
            assert links and all(link.startswith("/documents/") for link in links), links
            assert _node_count(page) >= before
            shared = page.url
            page.wait_for_timeout(500)  # the shapes of the new nodes are drawn once loaded
            page.screenshot(path=str(ARTIFACTS / "explorer-evidence.png"))

            # "crisis only": the calm relations of NATO go, so the drawing changes
            drawn = sorted(page.evaluate("() => window.__explorer.nodes"))
            page.check("#crisis-only")
            page.wait_for_function("() => window.__explorer.state.crisis === true")
            filtered = sorted(page.evaluate("() => window.__explorer.nodes"))
            assert filtered != drawn and set(filtered) < set(drawn), (drawn, filtered)
            assert "crisis=1" in page.url
            page.screenshot(path=str(ARTIFACTS / "explorer-crisis.png"))

            # the date range: from 2016 on, relations dated before go (Belgium's membership since 1949)
            page.uncheck("#crisis-only")
            page.wait_for_function("() => window.__explorer.state.crisis === false")
            assert sorted(page.evaluate("() => window.__explorer.nodes")) == drawn
            page.evaluate("""() => { const input = document.getElementById('date-from');
                input.value = '2016'; input.dispatchEvent(new Event('input')); }""")
            page.wait_for_function("() => window.__explorer.state.from === 2016")
            later = page.evaluate("() => window.__explorer.nodes")
            assert "country/be" in drawn and "country/be" not in later and "from=2016" in page.url, later
            page.evaluate("""() => { const input = document.getElementById('date-from');
                input.value = input.min; input.dispatchEvent(new Event('input')); }""")
            page.wait_for_function("() => window.__explorer.state.from === null")

            # the shared address reloads the same view
            again = browser.new_page(viewport={"width": 1400, "height": 900})
            again.route("**/*", only_the_server)
            again.goto(shared)
            again.wait_for_selector("body[data-ready=true]", timeout=60_000)
            assert again.evaluate("() => window.__explorer.selected") == target
            assert sorted(again.evaluate("() => window.__explorer.nodes")) == drawn
            again.close()

            # a double-click makes a node the centre
            at = page.evaluate("() => window.__explorer.viewport('country/be')")
            page.mouse.dblclick(at["x"], at["y"])
            page.wait_for_function("() => window.__explorer.centre === 'country/be'", timeout=30_000)
            assert "NATO" in page.evaluate("() => window.__explorer.nodes.join(' ')") or "io/nato" in page.evaluate(
                "() => window.__explorer.nodes")

            # a named question as a form: the answer as a table and as a graph
            page.click("#tabs button[data-tab=questions]")
            form = page.wait_for_selector("form[data-question=crisis-coordination]", timeout=30_000)
            form.query_selector("input[name=actor]").fill("NATO")
            form.query_selector("button[type=submit]").click()
            page.wait_for_selector("#question-table table.results-table", timeout=60_000)
            assert page.eval_on_selector_all("#question-table tbody tr", "(all) => all.length") >= 1
            assert int(page.get_attribute("body", "data-answer-nodes")) >= 2
            assert "q=crisis-coordination" in page.url and "p.actor=NATO" in page.url

            # /?actor=NAME, as /viz takes it
            page.goto(base + "/?actor=NATO")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            assert page.evaluate("() => window.__explorer.centre") == "io/nato"

            # the evidence's document opens with its mentions highlighted
            page.goto(base + links[0])
            page.wait_for_selector("#text mark[class^=t-]")
            assert page.eval_on_selector_all("#text mark", "(all) => all.length") >= 3
            page.go_back()
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)

            # a SPARQL example from queries/ runs and its rows show as a table
            page.click("#tabs button[data-tab=sparql]")
            example = page.wait_for_selector("#sparql-examples button.example", timeout=30_000)
            page.wait_for_selector(".cm-editor .cm-content")
            example.click()
            assert "PREFIX ag:" in page.inner_text("#sparql-editor .cm-content")
            page.click("#sparql-run")
            page.wait_for_selector("#sparql-results table.results-table, #sparql-results .error", timeout=60_000)
            assert page.query_selector("#sparql-results .error") is None, page.inner_text("#sparql-results")
            header = page.eval_on_selector_all("#sparql-results th", "(all) => all.map(t => t.textContent)")
            assert header, "no result columns"
            # highlighted by CodeMirror's SPARQL mode: keywords in their own spans
            assert page.locator("#sparql-editor .cm-line span").count() > 3
            page.screenshot(path=str(ARTIFACTS / "explorer-sparql.png"))

            # and a Cypher query through the other console
            page.click("#tabs button[data-tab=cypher]")
            page.wait_for_selector("#cypher-editor .cm-content")
            page.click("#cypher-run")
            page.wait_for_selector("#cypher-results table.results-table, #cypher-results .error", timeout=60_000)
            assert page.query_selector("#cypher-results .error") is None, page.inner_text("#cypher-results")
            assert page.eval_on_selector_all("#cypher-results tbody tr", "(all) => all.length") >= 1

            # a name written in markup is shown as text wherever it appears, and runs nothing
            page.click("#tabs button[data-tab=graph]")
            page.fill("#search", "Hilfe <img")
            page.wait_for_selector("#suggestions li[data-id]", timeout=30_000).click()
            page.wait_for_function("() => window.__explorer.centre && window.__explorer.centre !== 'io/nato'")
            assert page.inner_text("#panel h2").strip() == HOSTILE_NAME
            assert page.eval_on_selector_all("#panel img[src=x], #suggestions img[src=x]", "(all) => all.length") == 0

            violations = page.evaluate("() => window.__violations")
            assert violations == [], violations
            assert errors == [], errors
            assert elsewhere == [], elsewhere
            assert dialogs == [], dialogs
        finally:
            browser.close()


def test_the_readme_picture(built):
    """NATO's neighbourhood in the bundled corpus with the Nationales Krisenzentrum opened, as a
    shared address opens it: written among the test artefacts, or where EXPLORER_SCREENSHOT says
    (``EXPLORER_SCREENSHOT=docs/explorer.png`` remakes the README's picture)."""
    if not CHROMIUM and not os.environ.get("CI"):
        pytest.skip("no chromium here; .ci/run installs it")
    target = ROOT / os.environ["EXPLORER_SCREENSHOT"] if os.environ.get("EXPLORER_SCREENSHOT") \
        else ARTIFACTS / "explorer-readme.png"
    from playwright.sync_api import sync_playwright

    with LiveServer(built) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.goto(base + "/#actor=io/nato&open=agency/nccn&sel=agency/nccn")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            page.wait_for_selector("#panel ol.evidence mark")
            page.wait_for_timeout(1000)  # the shapes are drawn once loaded
            _save_small(page.screenshot(), target)
        finally:
            browser.close()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_address_naming_no_actor_or_a_shared_name_is_a_4xx(client):
    """/?actor=NAME and /?question=NAME&param=value open the explorer as /viz takes them; a name
    that is no actor answers 404, a name two actors share 409, the page showing the choices."""
    assert client.get("/", params={"actor": "NATO"}).status_code == 200
    assert client.get("/", params={"question": "crisis-coordination", "actor": "nato"}).status_code == 200
    unknown = client.get("/", params={"actor": "Natto"})
    assert unknown.status_code == 404 and 'id="search"' in unknown.text
    assert client.get("/", params={"actor": "Auswärtiges Amt"}).status_code == 409
    assert client.get("/", params={"question": "no-such-question"}).status_code == 404
    assert client.get("/", params={"question": "path", "from": "Natto", "to": "NATO"}).status_code == 404
