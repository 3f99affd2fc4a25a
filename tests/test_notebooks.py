"""The notebooks run to the end against a real build (nbclient, a real kernel); 01 builds only
when there is no build or when asked; the graph views survive nbconvert's HTML export and draw
there in a real browser with nothing from the network; 04 writes its plots as PNGs."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from helpers import CORPUS, ROOT
from test_views import ARTIFACTS, BROWSER_ARGS, CHROMIUM, HOSTILE_DOCUMENT, HOSTILE_NAME, assert_self_contained

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# the graph views each notebook shows, by the library that draws them
SHOWN = {"01-explore": ["vis", "sigma"], "02-crisis-coordination": ["vis"]}
FIGURES = ["04-centrality.png", "04-communities.png", "04-community-sizes.png"]


def test_the_four_notebooks_are_there_and_stored_without_outputs():
    assert [n.name for n in NOTEBOOKS] == ["01-explore.ipynb", "02-crisis-coordination.ipynb",
                                           "03-cypher-and-sparql.ipynb", "04-network-analysis.ipynb"]
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") and not cell.get("execution_count")
                   for cell in book.cells if cell.cell_type == "code"), path.name


def run(book: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Executes the notebook in ``folder/notebooks`` (a copy of notebooks/ without its figures,
    data/ beside it, as in the repository)."""
    workdir = folder / "notebooks"
    if not workdir.exists():
        shutil.copytree(ROOT / "notebooks", workdir, ignore=shutil.ignore_patterns("figures", "*.png"))
        os.symlink(ROOT / "data", folder / "data")  # the notebooks find data/ beside notebooks/
    NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    return book


def outputs_of(book: nbformat.NotebookNode) -> list:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    """An empty place for the graph: 01-explore builds it, the others read it."""
    return tmp_path_factory.mktemp("notebook-build") / "build"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    """For the browser test, by notebook: its HTML export (``pages``) and the ``text/html``
    outputs of its views as the kernel sent them (``outputs``)."""
    return {"folder": tmp_path_factory.mktemp("exported"), "pages": {}, "outputs": {}}


class Views(HTMLParser):
    """The graph views in an HTML text (nbconvert rewrites its outputs' markup, so it is parsed):
    each one's renderer, data and scripts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.found: list[dict] = []
        self.ids: list[str] = []  # of every element
        self._script: tuple[dict, str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "div" and "actorgraph-view" in classes:
            self.found.append({"renderer": attributes.get("data-renderer"), "data": None, "scripts": []})
        elif tag == "script" and self.found:
            self._script = (self.found[-1], "data" if "ag-data" in classes else "scripts")

    def handle_data(self, data):
        if self._script is not None:
            view, kind = self._script
            if kind == "data":
                view["data"] = json.loads(data)
            else:
                view["scripts"].append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _expected_views(graph_data: dict) -> dict[str, list[tuple[set, set]]]:
    """What each notebook's views hold, worked out from graph.json alone: node ids and relations
    (source, type, target) of NATO's depth-2 neighbourhood, of the whole graph, and of the crisis
    coordination question (COOPERATES_WITH or COORDINATES between actors in a crisis context)."""
    edges = {(e["source"], e["type"], e["target"]) for e in graph_data["edges"]}
    nato = next(n["id"] for n in graph_data["nodes"] if n["name"] == "NATO" or "NATO" in n.get("aliases", []))
    within_one = {nato} | {end for s, _, t in edges if nato in (s, t) for end in (s, t)}
    around = {e for e in edges if e[0] in within_one or e[2] in within_one}  # the relations of those
    near = {end for s, _, t in around for end in (s, t)} | {nato}
    types = {n["id"]: n["type"] for n in graph_data["nodes"]}
    not_partners = {"Competence", "Agreement", "Project", "Event"}  # coordinated, never partners
    crisis = {(e["source"], e["type"], e["target"]) for e in graph_data["edges"]
              if e["type"] in ("COOPERATES_WITH", "COORDINATES") and e.get("context") == "crisis"
              and not {types[e["source"]], types[e["target"]]} & not_partners}
    return {"01-explore": [(near, around), ({n["id"] for n in graph_data["nodes"]}, edges)],
            "02-crisis-coordination": [({end for s, _, t in crisis for end in (s, t)}, crisis)]}


def _drawn(renderer: str, data: dict) -> tuple[set, set]:
    """The node ids and relations a view's data draws."""
    if renderer == "vis":
        return {n["id"] for n in data["nodes"]}, {(e["from"], e["label"], e["to"]) for e in data["edges"]}
    keys, numbers = [n[0] for n in data["nodes"]], data["edges"]
    return set(keys), {(keys[numbers[i]], data["relations"][numbers[i + 2]], keys[numbers[i + 1]])
                       for i in range(0, len(numbers), 3)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_to_the_end_and_its_html_export_holds_its_views(path, fresh_build, exported, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("ACTORGRAPH_OUT", str(fresh_build))
    book = run(nbformat.read(path, as_version=4), tmp_path)
    outputs = outputs_of(book)
    assert not [o for o in outputs if o.output_type == "error"]
    assert (fresh_build / "graph.json").exists()
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs), "the notebook showed nothing"

    page, _ = HTMLExporter().from_notebook_node(book)
    exported["pages"][path.stem] = exported["folder"] / f"{path.stem}.html"
    exported["pages"][path.stem].write_text(page, encoding="utf-8")
    exported["outputs"][path.stem] = [o.data["text/html"] for o in outputs if "actorgraph-view" in
                                      o.get("data", {}).get("text/html", "")]
    assert "<iframe" not in page
    views = Views(page).found
    assert [view["renderer"] for view in views] == SHOWN.get(path.stem, []), path.stem
    graph_data = json.loads((fresh_build / "graph.json").read_text(encoding="utf-8"))
    names = {n["id"]: n["name"] for n in graph_data["nodes"]}
    for view, (nodes, relations) in zip(views, _expected_views(graph_data).get(path.stem, [])):
        renderer, data = view["renderer"], view["data"]
        assert nodes and relations, "a view of nothing proves nothing"
        assert _drawn(renderer, data) == (nodes, relations), (path.stem, renderer)
        labels = {n["label"] for n in data["nodes"]} if renderer == "vis" else {n[1] for n in data["nodes"]}
        assert labels == {names[n] for n in nodes}
        # the library that draws it is inline in the same output
        assert any(LIBRARY_START[renderer] in script for script in view["scripts"]), (path.stem, renderer)
    if path.stem == "04-network-analysis":
        _assert_figures_written(tmp_path / "notebooks" / "figures")
        assert page.count('src="data:image/png;base64,') >= len(FIGURES), "the plots are not in the export"


def _library_start(renderer: str) -> str:
    """The first characters of the library a view inlines: vis-network as pyvis ships it, or the sigma bundle."""
    if renderer == "vis":
        code = resources.files("pyvis").joinpath("templates/lib/vis-9.1.2/vis-network.min.js").read_text("utf-8")
    else:
        code = (ROOT / "api" / "static" / "sigma-view.js").read_text("utf-8")
    return code[:3000]


LIBRARY_START = {renderer: _library_start(renderer) for renderer in ("vis", "sigma")}


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is no PNG"
    return struct.unpack(">II", head[16:24])


def _assert_figures_written(folder: Path) -> None:
    """The run wrote each plot (the copy it ran in had none), large enough to read, and the
    repository keeps the same set beside the notebook."""
    assert sorted(p.name for p in folder.glob("*.png")) == FIGURES
    for name in FIGURES:
        width, height = _png_size(folder / name)
        assert width >= 1000 and height >= 500, (name, width, height)
    assert sorted(p.name for p in (ROOT / "notebooks" / "figures").glob("*.png")) == FIGURES


def test_a_notebook_view_escapes_what_documents_say_and_keeps_to_its_own_ids():
    from actorgraph.api import views
    from actorgraph.graph.model import Entity, Evidence, Graph, Relation

    graph = Graph()
    for entity in (Entity.create("Organization", HOSTILE_NAME), Entity.create("InternationalOrganization", "NATO")):
        graph.add_entity(entity)
    ids = sorted(graph.entities)
    graph.add_relation(Relation.create("COOPERATES_WITH", ids[0], ids[1], [Evidence("d.txt", HOSTILE_DOCUMENT, 0, 20)]))
    for view in (views.network_view(graph, ids, graph.sorted_relations(), HOSTILE_NAME), views.full_view(graph)):
        first, second = view.fragment(), view.fragment()
        for fragment in (first, second):
            assert_self_contained(fragment)
            assert "<img src=x onerror=alert(1)>" not in fragment
        parsed = [Views(fragment) for fragment in (first, second)]
        assert parsed[0].found[0]["data"] == view.data  # the data survives its escaping whole
        # one id each, not the page's "graph" or "tooltip": two outputs in one notebook do not collide
        assert len(parsed[0].ids) == len(parsed[1].ids) == 1 and parsed[0].ids != parsed[1].ids


def test_explore_builds_only_when_there_is_no_build_or_when_asked(tmp_path, monkeypatch):
    """The first cells of 01 (parameters, then load or build) on a one-document corpus."""
    out = tmp_path / "build"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first = sorted(CORPUS.iterdir())[0]
    shutil.copy(first, corpus / first.name)
    monkeypatch.setenv("ACTORGRAPH_OUT", str(out))
    monkeypatch.setenv("ACTORGRAPH_INPUT", str(corpus))
    monkeypatch.delenv("ACTORGRAPH_REBUILD", raising=False)
    book = nbformat.read(ROOT / "notebooks" / "01-explore.ipynb", as_version=4)
    setup = [c for c in book.cells if c.cell_type == "code"][:2]
    assert "REBUILD" in setup[0].source and "parameters" in setup[0].metadata.get("tags", [])

    def start() -> tuple[Path, str]:
        trimmed = nbformat.v4.new_notebook(metadata=book.metadata)
        trimmed.cells = [nbformat.v4.new_code_cell(c.source) for c in setup]
        text = "".join(o.get("text", "") for o in outputs_of(run(trimmed, tmp_path)) if o.output_type == "stream")
        return (out / "graph.json").resolve(), text

    built, said = start()
    assert built.exists() and "built 1 documents" in said
    kept, said = start()
    assert kept == built and "using the existing build" in said
    monkeypatch.setenv("ACTORGRAPH_REBUILD", "1")
    rebuilt, said = start()
    assert rebuilt != built and rebuilt.exists() and "built 1 documents" in said


# What JupyterLab does with a trusted text/html output (@jupyterlab/rendermime renderHTML): the
# markup goes in by innerHTML, where scripts do not run, so each script is made anew; here one
# output is attached only afterwards, the next one into a hidden box shown later (a cell run while
# its notebook's tab is in the background).
JUPYTERLAB_RENDER = """(outputs) => outputs.forEach((source, number) => {
    const box = document.createElement('div');
    const host = document.createElement('div');
    host.innerHTML = source;
    if (number % 2) { box.style.display = 'none'; document.body.appendChild(box); box.appendChild(host); }
    for (const script of Array.from(host.getElementsByTagName('script'))) {
        const fresh = document.createElement('script');
        for (const attribute of Array.from(script.attributes)) fresh.setAttribute(attribute.name, attribute.value);
        fresh.textContent = script.textContent;
        script.parentNode.replaceChild(fresh, script);
    }
    if (number % 2) { setTimeout(() => { box.style.display = 'block'; }, 300); }
    else { document.body.appendChild(box); box.appendChild(host); }
})"""


NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _assert_views_drawn(page, count: int, label: str) -> None:
    """Every view on the page drew: its canvas has ink, and Agency nodes in their colour."""
    import numpy
    from PIL import Image

    page.wait_for_function(f"""() => {{
        const views = document.querySelectorAll('.actorgraph-view');
        return views.length === {count} && Array.from(views).every(v => v.dataset.drawn === 'true');
    }}""", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"notebook-{label}.png"), full_page=True)
    for number, element in enumerate(page.query_selector_all(".actorgraph-view .ag-graph")):
        element.scroll_into_view_if_needed()
        pixels = numpy.asarray(Image.open(io.BytesIO(element.screenshot())).convert("RGB")).reshape(-1, 3).astype(int)
        inked = int((pixels.min(axis=1) < 235).sum())
        agency = int((numpy.abs(pixels - [0x1F, 0x77, 0xB4]).max(axis=1) < 30).sum())
        assert inked > len(pixels) // 500 and agency > 20, (label, number, inked, agency)


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                    reason="no chromium here; .ci/run installs it, and in CI this test fails without it")
def test_views_draw_in_a_browser_in_the_export_and_as_jupyterlab_shows_them(exported):
    """In headless Chromium: the exported pages of the notebooks with views, opened from disk,
    where every view draws even with require.js present (nbconvert's page loads it when online)
    and the only requests that try to leave are nbconvert's own (MathJax, require.js); and the
    views' outputs put in a page the way JupyterLab does, where no request leaves at all."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: .ci/run installs Debian's chromium package"
    missing = [name for name in SHOWN if name not in exported["pages"]]
    assert not missing, f"run with the notebook tests above, which export {missing}"
    exporter = HTMLExporter()
    template_urls = {exporter.require_js_url, exporter.mathjax_url, exporter.mermaid_js_url,
                     exporter.mermaid_layout_elk_js_url, exporter.jquery_url}
    # what require.js would do to a UMD library: take it as an AMD module instead of a global
    amd_stub = "window.define = function () { window.amdDefined = (window.amdDefined || 0) + 1; }; window.define.amd = {};"
    blank = exported["folder"] / "blank.html"
    blank.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>", encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for name in [*SHOWN, "jupyterlab"]:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                errors, outside = [], []
                page.on("pageerror", lambda e: errors.append(str(e)))

                def route(request_route, request):
                    url = request.url
                    if url.startswith(("file:", "data:", "blob:", "http://127.0.0.1")):
                        return request_route.continue_()
                    outside.append(url)
                    if url == exporter.require_js_url:
                        return request_route.fulfill(body=amd_stub, content_type="text/javascript")
                    return request_route.abort()

                page.route("**/*", route)
                if name == "jupyterlab":
                    outputs = [output for shown in SHOWN for output in exported["outputs"][shown]]
                    page.goto(blank.as_uri())
                    page.evaluate(JUPYTERLAB_RENDER, outputs)
                    _assert_views_drawn(page, len(outputs), "as-jupyterlab-renders")
                    # the notebook's tab in the background while the window changes size, then back
                    page.evaluate("() => { document.body.style.display = 'none'; }")
                    page.set_viewport_size({"width": 900, "height": 700})
                    page.evaluate(NEXT_FRAMES)
                    page.evaluate("() => { document.body.style.display = ''; }")
                    page.evaluate(NEXT_FRAMES)
                    assert outside == [], outside
                else:
                    page.goto(exported["pages"][name].as_uri())
                    _assert_views_drawn(page, len(SHOWN[name]), f"export-{name}")
                    assert page.evaluate("() => window.amdDefined") is None, "a library registered with AMD"
                    assert set(outside) <= template_urls, (name, set(outside) - template_urls)
                assert errors == [], (name, errors)
                page.close()
        finally:
            browser.close()
