"""The interactive views: self-contained pages (nothing loaded from the network), escaped
document text, and drawn in a real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
from collections import Counter
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app
from actorgraph.api.settings import ApiSettings

from helpers import ROOT, run_cli

ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE_NAME = "Hilfe <img src=x onerror=alert(1)> </script> e.V."
HOSTILE_DOCUMENT = (f"Die Organisation «{HOSTILE_NAME}» arbeitet in der Krise eng mit der NATO zusammen.\n"
                    "Das Nationale Krisenzentrum (NCCN) koordiniert die Lage mit der NATO.\n")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# software WebGL, and none of Chromium's own network traffic (refused on this machine's closed network)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


class ExternalReferences(HTMLParser):
    """Every script src, link href, img src and iframe src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href"):
            if attributes.get(name) and tag in ("script", "link", "img", "iframe"):
                self.found.append(f"<{tag} {name}={attributes[name]}>")


def assert_self_contained(page: str) -> None:
    parser = ExternalReferences()
    parser.feed(page)
    assert parser.found == [], parser.found
    assert not re.search(r"https?://[^\"'\s]*\.(js|css)\b", page), "a script or style address in the page"
    assert page.count("</script") == page.count("<script"), "a script element closed early"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    """The corpus plus a document with markup in an organisation's name and sentence."""
    from actorgraph.ingest.pipeline import Settings, build

    corpus = tmp_path_factory.mktemp("hostile-corpus")
    for document in (ROOT / "data" / "corpus").iterdir():
        shutil.copy(document, corpus / document.name)
    (corpus / "hostile.txt").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile") / "build"
    result = build([corpus], out, settings=Settings(extractors=("hostile_extractor:GuillemetOrganisations",)))
    assert any(e.name == HOSTILE_NAME for e in result.graph.entities.values())
    return out


@pytest.fixture(scope="module")
def pages(built, tmp_path_factory) -> dict[str, Path]:
    """The three kinds of view, written by `actorgraph viz` from the corpus build."""
    folder = tmp_path_factory.mktemp("views")
    written = {}
    for kind, args in (("actor", ["--actor", "NATO"]), ("question", ["--question", "crisis-coordination"]),
                       ("full", ["--full"])):
        path = folder / f"{kind}.html"
        run_cli("viz", *args, "--html", str(path), "--out", str(built), check=True)
        written[kind] = path
    return written


def test_views_are_self_contained_and_show_the_graph(pages, graph_data):
    for kind, path in pages.items():
        page = path.read_text(encoding="utf-8")
        assert_self_contained(page)
        assert "NATO" in page, kind
    full = pages["full"].read_text(encoding="utf-8")
    assert f"{len(graph_data['nodes']):,} nodes" in full


def test_viz_refuses_what_it_cannot_draw(built, tmp_path):
    result = run_cli("viz", "--actor", "Nobody Of That Name", "--html", str(tmp_path / "x.html"), "--out", str(built))
    assert result.returncode != 0 and "Nobody Of That Name" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("viz", "--actor", "NATO", "--relation", "LIKES", "--html", str(tmp_path / "x.html"),
                     "--out", str(built))
    assert result.returncode != 0 and "LIKES" in result.stderr
    assert not (tmp_path / "x.html").exists()
    client = TestClient(create_app(built, ApiSettings()))
    for params, status in (({"actor": "Nobody Of That Name"}, 404), ({"question": "no-such-question"}, 404),
                           ({"actor": "NATO", "relation": "LIKES"}, 400), ({}, 400)):
        response = client.get("/viz", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_document_markup_is_escaped_in_every_page(hostile_build, tmp_path):
    client = TestClient(create_app(hostile_build, ApiSettings()))
    responses = {
        "actor": client.get("/viz", params={"actor": HOSTILE_NAME}),
        "nato": client.get("/viz", params={"actor": "NATO", "depth": 2}),
        "question": client.get("/viz", params={"question": "crisis-coordination"}),
        "full": client.get("/viz", params={"full": "true"}),
    }
    for kind, response in responses.items():
        assert response.status_code == 200, (kind, response.text)
        page = response.text
        assert "<img src=x onerror=alert(1)>" not in page, kind
        assert_self_contained(page)
    # the name is there, escaped: in the JSON of the page, and in the actor view's title
    assert "\\u003cimg src=x onerror=alert(1)\\u003e \\u003c/script\\u003e" in responses["actor"].text
    assert "&lt;img src=x onerror=alert(1)&gt; &lt;/script&gt;" in responses["actor"].text
    # and the command line writes the same escaped pages
    path = tmp_path / "hostile.html"
    run_cli("viz", "--actor", HOSTILE_NAME, "--html", str(path), "--out", str(hostile_build), check=True)
    assert "<img src=x onerror=alert(1)>" not in path.read_text(encoding="utf-8")
    if CHROMIUM:
        shown = open_in_browser([path, *_save(responses, tmp_path)], "hostile")
        assert all(result["alerts"] == [] and result["images"] == 0 for result in shown.values()), shown


def _save(responses, folder: Path) -> list[Path]:
    paths = []
    for kind, response in responses.items():
        path = folder / f"hostile-{kind}.html"
        path.write_text(response.text, encoding="utf-8")
        paths.append(path)
    return paths


def open_in_browser(paths: list[Path], label: str, timeout_s: float = 60) -> dict[str, dict]:
    """Open each page in headless Chromium; the console errors, dialogs, <img> elements and
    drawn canvases of each, with a screenshot kept in tests/artifacts/."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for path in paths:
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                errors, alerts, requests = [], [], []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
                page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
                page.goto(path.as_uri())
                page.wait_for_selector("body[data-drawn=true]", timeout=timeout_s * 1000)
                canvases = page.evaluate("""() => Array.from(document.querySelectorAll('canvas'))
                    .filter(c => c.width > 0 && c.height > 0).length""")
                page.screenshot(path=str(ARTIFACTS / f"{label}-{path.stem}.png"))
                results[path.stem] = {"errors": errors, "alerts": alerts, "requests": requests, "canvases": canvases,
                                      "images": page.evaluate("() => document.querySelectorAll('img').length")}
                page.close()
        finally:
            browser.close()
    return results


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                    reason="no chromium here; .ci/run installs it, and in CI this test fails without it")
def test_every_kind_of_view_draws_in_a_real_browser(pages):
    assert CHROMIUM, "chromium is missing: .ci/run installs Debian's chromium package"
    shown = open_in_browser(list(pages.values()), "corpus")
    for kind, result in shown.items():
        assert result["errors"] == [], (kind, result["errors"])
        assert result["requests"] == [], (kind, result["requests"])
        assert result["canvases"] >= 1, kind


def _large_graph(nodes: int, relations: int):
    """Agencies cooperating at random: more relations than the full view draws at once."""
    import random

    from actorgraph.graph.model import Entity, Evidence, Graph, Relation

    rng, graph = random.Random(5), Graph()
    for number in range(nodes):
        graph.add_entity(Entity.create("Agency", f"Behörde {number}"))
    ids = sorted(graph.entities)
    while len(graph.relations) < relations:
        source, target = rng.sample(ids, 2)
        graph.add_relation(Relation.create("COOPERATES_WITH", source, target,
                                           [Evidence("d.txt", f"{source} und {target}", 0, 10)]))
    return graph


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                    reason="no chromium here; .ci/run installs it, and in CI this test fails without it")
def test_the_full_view_of_a_large_graph_draws_a_nodes_relations_under_the_pointer(tmp_path):
    from playwright.sync_api import sync_playwright

    from actorgraph.api import views

    assert CHROMIUM, "chromium is missing: .ci/run installs Debian's chromium package"
    graph = _large_graph(3000, 60_000)
    path = views.write_page(views.full_page(graph), tmp_path / "large.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-drawn=true]", timeout=60_000)
            assert "drawn while the pointer is on it" in page.inner_text("#note")
            assert page.evaluate("() => window.actorgraphRenderer.getGraph().size") == 0
            degree = Counter(end for r in graph.relations.values() for end in (r.source, r.target))
            busiest = max(sorted(degree), key=degree.get)
            point = page.evaluate("""(node) => {
                const renderer = window.actorgraphRenderer;
                const attributes = renderer.getGraph().getNodeAttributes(node);
                const viewport = renderer.graphToViewport({x: attributes.x, y: attributes.y});
                const box = document.getElementById('graph').getBoundingClientRect();
                return {x: viewport.x + box.left, y: viewport.y + box.top};
            }""", busiest)
            page.mouse.move(point["x"], point["y"])
            page.wait_for_function("() => window.actorgraphRenderer.getGraph().size > 0", timeout=10_000)
            drawn = page.evaluate("() => window.actorgraphRenderer.getGraph().size")
            # the node under the pointer (the busiest, or one drawn over it) names itself in the tooltip
            name, count = re.match(r"(.+) \(Agency\), (\d+) relations", page.inner_text("#tooltip")).groups()
            hovered = next(e.id for e in graph.entities.values() if e.name == name)
            assert drawn == int(count) == degree[hovered]
            assert errors == []
        finally:
            browser.close()
