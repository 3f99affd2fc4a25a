"""The API points researchers' tools rely on, over real HTTP against `actorgraph serve` on the
corpus build: Cypher answered as Neo4j answers, one actor lookup everywhere (case- and
accent-insensitive, 404 with suggestions, 409 with the candidates of a shared name), CSV,
GEXF and GraphML exports; and every query file in queries/ run as it is by the command line."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import httpx
import networkx as nx
import pytest
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app
from actorgraph.api.settings import ApiSettings

from helpers import ROOT, LiveServer, run_cli

INTERNALS = ("_ID", "_SRC", "_DST", "_LABEL", "_NODES", "_RELS", "offset")


@pytest.fixture(scope="module")
def base(built) -> str:
    with LiveServer(built) as url:
        yield url


def cypher(base: str, query: str, **params) -> httpx.Response:
    return httpx.post(f"{base}/cypher", json={"query": query, "params": params}, timeout=60)


def folded(text: str) -> str:
    """The test's own folding (case, accents, ß), to check the server's independently."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def named(graph_data: dict, text: str) -> set[str]:
    """Ids of the nodes with ``text`` as name or alias, folded."""
    return {n["id"] for n in graph_data["nodes"]
            if folded(text) in {folded(label) for label in [n["name"], *n.get("aliases", [])]}}


# -- Cypher as Neo4j answers it -----------------------------------------------------------------

def test_cypher_answers_in_neo4j_shape(base, graph_data):
    nodes = {n["id"]: n for n in graph_data["nodes"]}
    edges = {(e["source"], e["type"], e["target"]) for e in graph_data["edges"]}
    response = cypher(base, "MATCH (a:Agency)-[r]->(b) RETURN a.name AS n, label(r), type(r), labels(b), a, r, b "
                            "ORDER BY a.id, b.id LIMIT 20")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["n", "label(r)", "type(r)", "labels(b)", "a", "r", "b"]
    assert body["rows"] and not any(word in response.text for word in INTERNALS)
    for row in body["rows"]:
        a, r, b = row["a"], row["r"], row["b"]
        assert set(a) == {"id", "labels", "properties"} and set(r) == {"type", "start", "end", "properties"}
        assert a["id"] in nodes and a["labels"] == ["Agency"] and a["properties"]["name"] == row["n"]
        assert (r["start"], r["type"], r["end"]) == (a["id"], row["type(r)"], b["id"])
        assert (r["start"], r["type"], r["end"]) in edges
        assert row["label(r)"] == row["type(r)"] and row["labels(b)"] == [nodes[b["id"]]["type"]]
        # values are JSON values: lists and objects, never JSON text inside JSON
        assert a["properties"]["aliases"] == sorted(nodes[a["id"]]["aliases"])
        assert isinstance(a["properties"]["attributes"], dict)
        assert isinstance(r["properties"]["evidence"], list) and r["properties"]["evidence"][0]["sentence"]
    scalars = cypher(base, "MATCH (a:Agency)-[r]->() RETURN a.id AS id, a.aliases AS aliases, r.evidence, "
                           "a.attributes").json()
    assert scalars["columns"] == ["id", "aliases", "r.evidence", "a.attributes"]
    for row in scalars["rows"]:
        assert (row["aliases"] or []) == sorted(nodes[row["id"]]["aliases"])
        assert row["r.evidence"][0]["sentence"] and isinstance(row["a.attributes"], dict)
    partners = cypher(base, "MATCH ()-[r]->() WHERE type(r) = 'PARTNER_OF' RETURN count(*) AS n").json()
    assert partners["rows"] == [{"n": sum(1 for e in graph_data["edges"] if e["type"] == "PARTNER_OF")}]


def test_cypher_paths_and_relationships_alone_carry_graph_ids(base, graph_data):
    ids = {n["id"] for n in graph_data["nodes"]}
    edges = {(e["source"], e["type"], e["target"]) for e in graph_data["edges"]}
    only_rels = cypher(base, "MATCH ()-[r:COOPERATES_WITH]->() RETURN r").json()
    assert {(r["r"]["start"], r["r"]["type"], r["r"]["end"]) for r in only_rels["rows"]} == {
        e for e in edges if e[1] == "COOPERATES_WITH"}
    # (a variable-length pattern over every relationship table needs more memory than a query
    # may take in this engine; one type, or the traversal index, is the way)
    paths = cypher(base, "MATCH p = (a:Agency)-[:PART_OF*1..2]->(b) RETURN p LIMIT 10")
    assert paths.status_code == 200 and not any(word in paths.text for word in INTERNALS)
    assert paths.json()["rows"]
    for row in paths.json()["rows"]:
        path = row["p"]
        assert path["nodes"][0]["id"].startswith("agency/") and {n["id"] for n in path["nodes"]} <= ids
        for step in path["relationships"]:
            assert (step["start"], step["type"], step["end"]) in edges
    links = cypher(base, "// database: links\nMATCH p = (a:Actor {id: 'agency/nccn'})-[:LINK* SHORTEST 1..2]-(b:Actor) "
                         "RETURN p, b.id AS b")
    assert links.status_code == 200 and links.json()["rows"]
    for row in links.json()["rows"]:
        assert row["p"]["nodes"][0]["id"] == "agency/nccn" and row["p"]["nodes"][-1]["id"] == row["b"]
        for step in row["p"]["relationships"]:
            assert step["type"] == "LINK" and {step["start"], step["end"]} <= ids


def test_cypher_missing_parameter_and_csv(base, graph_data):
    missing = cypher(base, "MATCH (n) WHERE n.id = $who RETURN n")
    assert missing.status_code == 400 and "$who" in missing.json()["detail"]
    query = {"query": "MATCH (n:Agency) RETURN n.id AS id, n ORDER BY id LIMIT 5"}
    for response in (httpx.post(f"{base}/cypher", params={"format": "csv"}, json=query),
                     httpx.post(f"{base}/cypher", json=query, headers={"Accept": "text/csv"})):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == ["id", "n"]
        agencies = sorted(n["id"] for n in graph_data["nodes"] if n["type"] == "Agency")[:5]
        assert [row[0] for row in table[1:]] == agencies
        assert [json.loads(row[1])["id"] for row in table[1:]] == agencies  # a node: its JSON in the cell


# -- one actor lookup ---------------------------------------------------------------------------

def test_search_is_case_and_accent_insensitive_and_tells_namesakes_apart(base, graph_data):
    both = named(graph_data, "Auswärtiges Amt")
    assert len(both) == 2  # the German ministry, and the Flemish department of that name
    for text in ("auswartiges amt", "AUSWÄRTIGES AMT", "auswaertiges amt"):
        items = httpx.get(f"{base}/actors", params={"q": text, "limit": 10}).json()["items"]
        assert {a["id"] for a in items[:2]} == both, text
    jurisdictions = {a["id"]: a["jurisdiction"] for a in items}
    assert jurisdictions[min(both)] and jurisdictions[max(both)] and len({jurisdictions[i] for i in both}) == 2
    nato = httpx.get(f"{base}/actors", params={"q": "nato", "limit": 10}).json()["items"]
    assert nato[0]["id"] == "io/nato" and all({"id", "type", "name", "aliases", "jurisdiction"} <= set(a) for a in nato)


@pytest.mark.parametrize("text", ["nato", "kri", "amt", "bel"])
def test_search_ranks_exact_then_prefix_then_substring(base, graph_data, text):
    nodes = {n["id"]: n for n in graph_data["nodes"]}

    def tier(node_id: str) -> int:
        labels = [folded(label) for label in [nodes[node_id]["name"], *nodes[node_id].get("aliases", [])]]
        return 0 if folded(text) in labels else 1 if any(lab.startswith(folded(text)) for lab in labels) else 2

    body = httpx.get(f"{base}/actors", params={"q": text, "limit": 100}).json()
    tiers = [tier(a["id"]) for a in body["items"]]
    assert tiers and tiers == sorted(tiers), (text, tiers)
    containing = {i for i, n in nodes.items() if any(folded(text) in folded(lab) for lab in [n["name"], *n["aliases"]])}
    assert {a["id"] for a in body["items"]} == containing


def test_a_question_takes_an_actor_however_it_is_written(base):
    answers = [httpx.get(f"{base}/questions/crisis-coordination", params={"actor": actor, "engine": engine}).json()
               for actor in ("nato", "NATO", "io/nato", "North Atlantic Treaty Organization") for engine in
               ("cypher", "sparql")]
    assert answers[0]["rows"] and all(a["rows"] == answers[0]["rows"] for a in answers)
    assert all("io/nato" in (row["source_id"], row["target_id"]) for row in answers[0]["rows"])


def test_an_unknown_actor_is_404_with_suggestions_everywhere(base):
    for path, params in (("/questions/crisis-coordination", {"actor": "natoo"}),
                         ("/questions/path", {"from": "natoo", "to": "KFOR"}), ("/actors/natoo", {}),
                         ("/viz", {"actor": "natoo"}), ("/export", {"format": "gexf", "actor": "natoo"})):
        response = httpx.get(f"{base}{path}", params=params)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "io/nato" in [s["id"] for s in response.json()["suggestions"]], path
        assert "/tmp" not in response.text and "/work" not in response.text


def test_a_shared_name_is_409_with_the_candidates_never_a_pick(base, graph_data, built):
    both = named(graph_data, "Auswärtiges Amt")
    for path, params in (("/questions/crisis-coordination", {"actor": "Auswärtiges Amt"}),
                         ("/questions/actor-profile", {"actor": "auswartiges amt", "engine": "sparql"}),
                         ("/actors/Auswärtiges Amt", {}), ("/viz", {"actor": "auswärtiges amt"}),
                         ("/export", {"format": "graphml", "actor": "Auswärtiges Amt"})):
        response = httpx.get(f"{base}{path}", params=params)
        assert response.status_code == 409, (path, response.text)
        candidates = response.json()["candidates"]
        assert {c["id"] for c in candidates} == both and all(c["jurisdiction"] and c["type"] for c in candidates)
    for one in both:  # the id picks one
        assert httpx.get(f"{base}/questions/actor-profile", params={"actor": one}).status_code == 200
    shared = run_cli("ask", "actor-profile", "-p", "actor=Auswärtiges Amt", "--out", str(built))
    assert shared.returncode != 0 and all(i in shared.stderr for i in both) and "Traceback" not in shared.stderr
    unknown = run_cli("ask", "crisis-coordination", "-p", "actor=natoo", "--out", str(built))
    assert unknown.returncode != 0 and "io/nato" in unknown.stderr
    viz = run_cli("viz", "--html", str(built.parent / "x.html"), "--actor", "natoo", "--out", str(built))
    assert viz.returncode != 0 and "io/nato" in viz.stderr


# -- CSV ----------------------------------------------------------------------------------------

def test_csv_on_actors_and_questions(base):
    as_json = httpx.get(f"{base}/actors", params={"q": "amt", "limit": 20}).json()
    for response in (httpx.get(f"{base}/actors", params={"q": "amt", "limit": 20, "format": "csv"}),
                     httpx.get(f"{base}/actors", params={"q": "amt", "limit": 20}, headers={"Accept": "text/csv"})):
        assert response.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["id"] for r in table] == [a["id"] for a in as_json["items"]]
        assert [r["name"] for r in table] == [a["name"] for a in as_json["items"]]
        assert [r["aliases"].split("|") if r["aliases"] else [] for r in table] == [a["aliases"] for a in as_json["items"]]
    answer = httpx.get(f"{base}/questions/crisis-coordination").json()
    response = httpx.get(f"{base}/questions/crisis-coordination", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == answer["columns"] and len(table) == len(answer["rows"]) + 1
    assert [row[answer["columns"].index("sentence")] for row in table[1:]] == [r["sentence"] for r in answer["rows"]]


# -- GEXF and GraphML -----------------------------------------------------------------------------

@pytest.mark.parametrize("format, read", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_exports_of_the_whole_graph_and_of_a_view(base, graph_data, tmp_path, format, read):
    whole = httpx.get(f"{base}/export", params={"format": format})
    assert whole.status_code == 200 and "attachment" in whole.headers["content-disposition"]
    assert whole.headers["content-disposition"].endswith(f'.{format}"')
    (tmp_path / f"all.{format}").write_bytes(whole.content)
    graph = read(tmp_path / f"all.{format}")
    assert graph.number_of_nodes() == len(graph_data["nodes"]) and graph.number_of_edges() == len(graph_data["edges"])
    view = httpx.get(f"{base}/export", params={"format": format, "actor": "nato"})
    (tmp_path / f"nato.{format}").write_bytes(view.content)
    around = {"io/nato"} | {e["source"] for e in graph_data["edges"] if e["target"] == "io/nato"} | {
        e["target"] for e in graph_data["edges"] if e["source"] == "io/nato"}
    assert set(read(tmp_path / f"nato.{format}").nodes) == around
    answer = httpx.get(f"{base}/export", params={"format": format, "question": "crisis-coordination", "actor": "NCCN"})
    (tmp_path / f"q.{format}").write_bytes(answer.content)
    rows = httpx.get(f"{base}/questions/crisis-coordination", params={"actor": "NCCN"}).json()["rows"]
    assert set(read(tmp_path / f"q.{format}").nodes) == {r[k] for r in rows for k in ("source_id", "target_id")}


def test_export_refuses_what_it_cannot_write(base, built):
    assert httpx.get(f"{base}/export", params={"format": "pdf"}).status_code == 400
    assert httpx.get(f"{base}/export").status_code == 422
    assert httpx.get(f"{base}/export", params={"format": "gexf", "question": "nope"}).status_code == 404
    assert httpx.get(f"{base}/export", params={"format": "gexf", "colour": "red"}).status_code == 400
    small = TestClient(create_app(built, ApiSettings(max_export_nodes=5)))
    too_many = small.get("/export", params={"format": "gexf"})
    assert too_many.status_code == 413 and "narrow" in too_many.json()["detail"]
    assert small.get("/export", params={"format": "gexf", "actor": "KFOR", "relation": "CONDUCTS"}).status_code == 200
    written = built.parent / "cli.gexf"
    run_cli("export", "--format", "gexf", "-O", str(written), "--actor", "NATO", "--out", str(built), check=True)
    assert "io/nato" in nx.read_gexf(written).nodes


# -- the query files run as they are --------------------------------------------------------------

QUERY_FILES = sorted(p.name for p in (ROOT / "queries").iterdir() if p.suffix in (".rq", ".cypher"))


@pytest.mark.parametrize("name", QUERY_FILES)
def test_every_query_file_runs_as_it_is(built, name):
    command = "sparql" if name.endswith(".rq") else "cypher"
    result = run_cli(command, str(ROOT / "queries" / name), "--format", "json", "--out", str(built))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows, f"{name} answered no rows on the corpus"


def test_query_files_take_parameters_and_agree(built):
    answers = []
    for suffix, command in ((".cypher", "cypher"), (".rq", "sparql")):
        result = run_cli(command, str(ROOT / "queries" / f"crisis-coordination{suffix}"), "-p", "actor=agency/nccn",
                         "--format", "json", "--out", str(built))
        assert result.returncode == 0, result.stderr
        answers.append(sorted((r["source_id"], r["target_id"]) for r in json.loads(result.stdout)))
    assert answers[0] and answers[0] == answers[1]
    assert all("agency/nccn" in pair for pair in answers[0])
    missing = run_cli("cypher", "MATCH (n) WHERE n.id = $who RETURN n", "--out", str(built))
    assert missing.returncode != 0 and "-p who=" in missing.stderr
