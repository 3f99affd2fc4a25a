"""The API over HTTP: in-process through the ASGI client (the real app, real stores), a real
`actorgraph serve` process, a standard SPARQL client, and hostile input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app
from actorgraph.api.settings import ApiSettings

from helpers import LiveServer, actorgraph_command

KEY = "test-key-0123456789"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NODES = "MATCH (n) RETURN count(n) AS n"


@pytest.fixture(scope="module")
def client(built, tmp_path_factory) -> TestClient:
    settings = ApiSettings(api_key=KEY, upload_dir=tmp_path_factory.mktemp("uploads") / "uploads", max_rows=50)
    return TestClient(create_app(built, settings))


@pytest.fixture()
def writable(built, tmp_path) -> tuple[TestClient, Path]:
    """An app over a copy of the build, for tests that upload; and its upload folder."""
    out = tmp_path / "build"
    shutil.copytree(built, out)
    uploads = tmp_path / "data" / "uploads"
    return TestClient(create_app(out, ApiSettings(api_key=KEY, upload_dir=uploads))), uploads


def counts(client: TestClient) -> tuple[int, int, int]:
    """Entities and relations seen by the API, and triples seen by SPARQL."""
    health = client.get("/health").json()
    triples = client.get("/sparql", params={"query": COUNT_TRIPLES}).json()
    nodes = client.post("/cypher", json={"query": COUNT_NODES}).json()["rows"][0]["n"]
    assert nodes == health["entities"]
    return health["entities"], health["relations"], int(triples["results"]["bindings"][0]["n"]["value"])


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body


# -- the endpoints of CONTRACT.md ----------------------------------------------------------------

def test_health_reports_stores_and_graph_size(client, graph_data):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["entities"] == len(graph_data["nodes"]) and body["relations"] == len(graph_data["edges"])
    assert set(body["stores"]) == {"oxigraph", "ladybug"} and all(body["stores"].values())
    assert client.get("/graph.json").json() == graph_data
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/health", "/sparql", "/cypher", "/actors", "/actors/{actor_id}", "/questions",
                 "/questions/{name}", "/viz", "/documents", "/export"):
        assert path in paths, path


def test_a_snapshot_counts_from_the_build_before_reading_the_graph(built, graph):
    """What /health shows while a large graph is still being read: build.json's counts, the
    same as the graph's."""
    from actorgraph.api.service import Snapshot
    from actorgraph.graph.outputs import summary

    snapshot = Snapshot.open(built)
    assert snapshot.summary() == summary(graph)
    assert snapshot._graph is None and snapshot._actors is None  # nothing read yet
    assert snapshot.graph.to_json() == graph.to_json()
    assert snapshot.actors.resolve("NATO") == next(e.id for e in graph.entities.values() if e.name == "NATO")


def test_actor_search_by_name_alias_and_type_with_pagination(client, graph_data):
    nato = next(n for n in graph_data["nodes"] if n["name"] == "NATO")
    by_name = client.get("/actors", params={"q": "nato"}).json()
    assert by_name["items"][0]["id"] == nato["id"]  # the exact match first
    alias = sorted(nato["aliases"])[0]
    assert nato["id"] in [a["id"] for a in client.get("/actors", params={"q": alias}).json()["items"]]
    cities = [n for n in graph_data["nodes"] if n["type"] == "City"]
    first = client.get("/actors", params={"type": "City", "limit": 2}).json()
    assert first["total"] == len(cities) and len(first["items"]) == min(2, len(cities))
    rest = client.get("/actors", params={"type": "City", "limit": 2, "offset": 2}).json()
    paged = [a["id"] for a in first["items"] + rest["items"]]
    assert paged == sorted(n["id"] for n in cities)[:len(paged)]
    assert all(a["type"] == "City" for a in first["items"])
    deep = client.get("/actors", params={"offset": 1_000_000}).json()
    assert deep["items"] == [] and deep["total"] == len(graph_data["nodes"])


def test_one_actor_with_relations_and_evidence_and_as_json_ld(client, graph_data):
    edge = next(e for e in graph_data["edges"] if e.get("context") == "crisis")
    actor = client.get(f"/actors/{edge['source']}").json()
    assert actor["id"] == edge["source"]
    mine = [r for r in actor["relations"] if r["other"]["id"] == edge["target"] and r["type"] == edge["type"]]
    assert mine and mine[0]["direction"] == "out"
    assert {e["sentence"] for e in mine[0]["evidence"]} == {e["sentence"] for e in edge["evidence"]}
    expected = sum(1 for e in graph_data["edges"] if edge["source"] in (e["source"], e["target"]))
    assert len(actor["relations"]) == expected

    response = client.get(f"/actors/{edge['source']}", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    parsed = rdflib.Graph().parse(data=response.text, format="json-ld")
    subject = rdflib.URIRef(f"https://actorgraph.org/id/{edge['source']}")
    target = rdflib.URIRef(f"https://actorgraph.org/id/{edge['target']}")
    assert (subject, rdflib.URIRef(f"https://actorgraph.org/ns#{edge['type']}"), target) in parsed
    sentences = {str(o) for o in parsed.objects(None, rdflib.URIRef("https://actorgraph.org/ns#sentence"))}
    assert edge["evidence"][0]["sentence"] in sentences

    assert_problem(client.get("/actors/agency/does-not-exist"), 404, "agency/does-not-exist")


def test_questions_list_and_answer_like_the_command_line(client, built):
    listed = client.get("/questions").json()
    assert {"crisis-coordination", "actor-profile", "path", "mission-participants", "partnerships"} <= {
        q["name"] for q in listed}
    from helpers import run_cli

    for name, params in (("crisis-coordination", {}), ("crisis-coordination", {"actor": "NCCN"}),
                         ("path", {"from": "NCCN", "to": "KFOR"}), ("mission-participants", {})):
        args = [arg for k, v in params.items() for arg in ("-p", f"{k}={v}")]
        cli = json.loads(run_cli("ask", name, *args, "--format", "json", "--out", str(built), check=True).stdout)
        for engine in ("cypher", "sparql"):
            body = client.get(f"/questions/{name}", params={**params, "engine": engine}).json()
            assert body["rows"] == cli and body["total"] == len(cli), (name, engine)
    page = client.get("/questions/crisis-coordination", params={"limit": 2, "offset": 1}).json()
    full = client.get("/questions/crisis-coordination").json()
    assert page["rows"] == full["rows"][1:3] and page["total"] == full["total"]


def test_question_errors_name_the_problem(client):
    assert_problem(client.get("/questions/no-such-question"), 404, "no-such-question")
    assert_problem(client.get("/questions/path", params={"from": "NCCN"}), 400, "'to'")
    assert_problem(client.get("/questions/path", params={"from": "NCCN", "to": "KFOR", "colour": "red"}),
                   400, "colour")
    assert_problem(client.get("/questions/path", params={"from": "NCCN", "to": "KFOR", "engine": "gremlin"}), 422)
    assert_problem(client.get("/questions/crisis-coordination", params={"limit": "10**9"}), 422, "limit")


def test_sparql_protocol_formats_and_methods(client, graph_data):
    query = "SELECT ?id WHERE { ?a ag:id ?id } ORDER BY ?id"
    every_id = sorted(n["id"] for n in graph_data["nodes"])
    ids = every_id[:50]  # max_rows of the fixture: the answer is cut there and says so
    assert len(every_id) > 50
    as_json = client.get("/sparql", params={"query": query})
    assert as_json.headers["content-type"].startswith("application/sparql-results+json")
    assert as_json.headers["x-truncated"] == "true"
    assert [b["id"]["value"] for b in as_json.json()["results"]["bindings"]] == ids
    whole = client.get("/sparql", params={"query": query + " LIMIT 50"})
    assert whole.headers["x-truncated"] == "false" and len(whole.json()["results"]["bindings"]) == 50
    as_xml = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    literals = ET.fromstring(as_xml.content).iter("{http://www.w3.org/2005/sparql-results#}literal")
    assert [e.text for e in literals] == ids
    as_csv = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert [row[0] for row in csv.reader(io.StringIO(as_csv.text))] == ["id"] + ids
    as_tsv = client.post("/sparql", content=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "text/tab-separated-values"})
    assert as_tsv.text.splitlines()[0] == "?id" and len(as_tsv.text.splitlines()) == len(ids) + 1
    construct = client.get("/sparql", params={"query": "CONSTRUCT { ?a ag:name ?n } WHERE { ?a ag:name ?n }"})
    assert construct.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=construct.text, format="turtle")) == 50  # triples capped like rows
    assert construct.headers["x-truncated"] == "true"
    assert_problem(client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p"}), 400, "SPARQL")
    assert_problem(client.get("/sparql", params={"query": query}, headers={"Accept": "image/png"}), 406)
    assert_problem(client.get("/sparql"), 400, "query")


def test_a_standard_sparql_client_works_against_the_endpoint(built, graph_data):
    from SPARQLWrapper import JSON, SPARQLWrapper

    with LiveServer(built) as base:
        wrapper = SPARQLWrapper(f"{base}/sparql")
        wrapper.setQuery("PREFIX ag: <https://actorgraph.org/ns#> SELECT (COUNT(?a) AS ?n) WHERE { ?a ag:id ?id }")
        wrapper.setReturnFormat(JSON)
        result = wrapper.query().convert()
        assert int(result["results"]["bindings"][0]["n"]["value"]) == len(graph_data["nodes"])
        wrapper.setMethod("POST")
        assert int(wrapper.query().convert()["results"]["bindings"][0]["n"]["value"]) == len(graph_data["nodes"])


def test_cypher_rows_and_row_cap(client, graph_data):
    body = client.post("/cypher", json={"query": "MATCH (n:Agency) WHERE n.name CONTAINS $part RETURN n.id AS id",
                                        "params": {"part": "Krisen"}}).json()
    expected = sorted(n["id"] for n in graph_data["nodes"] if n["type"] == "Agency" and "Krisen" in n["name"])
    assert sorted(r["id"] for r in body["rows"]) == expected and body["truncated"] is False
    capped = client.post("/cypher", json={"query": "UNWIND range(1, 200) AS i RETURN i"}).json()
    assert len(capped["rows"]) == 50 and capped["truncated"] is True  # max_rows of the fixture
    assert_problem(client.post("/cypher", json={"query": "MATCH (n RETURN n"}), 400, "Cypher")
    assert_problem(client.post("/cypher", json={"query": "MATCH (n) RETURN n.nope"}), 400, "nope")


def test_cypher_timeout_is_a_4xx(built):
    slow = TestClient(create_app(built, ApiSettings(query_timeout_s=0.1)))
    response = slow.post("/cypher", json={"query": "UNWIND range(1, 20000) AS a UNWIND range(1, 5000) AS b "
                                                   "WITH a, b WHERE (a * b) % 7 = 3 RETURN count(*) AS n"})
    assert_problem(response, 408, "time")


def test_a_question_past_its_time_limit_is_503_and_its_answer_comes_later(built):
    """The question is worked out by a thread of its own; the asker gets 503 at the limit, and
    the answer, kept, when asking again. (No engine answers within a microsecond.)"""
    for _ in range(5):  # a fresh server each time; only a thread stalled past the question's own
        hasty = TestClient(create_app(built, ApiSettings(query_timeout_s=1e-6)))  # run can answer first
        first = hasty.get("/questions/communities")
        if first.status_code != 200:
            break
    assert_problem(first, 503, "time limit", "again")
    for _ in range(600):  # the thread finishes; nothing here is timed
        answer = hasty.get("/questions/communities")
        if answer.status_code == 200:
            break
        assert_problem(answer, 503, "time limit")
        time.sleep(0.1)
    assert answer.status_code == 200 and answer.json()["rows"]
    patient = TestClient(create_app(built, ApiSettings()))
    assert patient.get("/questions/communities").json()["rows"] == answer.json()["rows"]


# -- hostile input: refused with 4xx, the graph unchanged ----------------------------------------

SPARQL_WRITES = ["INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
                 "DELETE WHERE { ?s ?p ?o }", "LOAD <http://example.org/data.ttl>", "CLEAR ALL",
                 "DROP DEFAULT"]
CYPHER_WRITES = ["CREATE (n:Agency {id: 'x', name: 'x'})", "MATCH (n) DETACH DELETE n",
                 "MERGE (n:Agency {id: 'agency/evil'})", "MATCH (n:Agency) SET n.name = 'x'",
                 "MATCH (n:Agency) REMOVE n.name", "CALL drop_table('Agency')", "DROP TABLE Agency",
                 "COPY Agency FROM '/etc/passwd'", "MATCH (n) RETURN n; CREATE (m:Agency {id: 'y'})",
                 "CREATE NODE TABLE Evil(id STRING PRIMARY KEY)", "INSTALL httpfs"]


def test_writes_are_refused_and_change_nothing(client):
    before = counts(client)
    for update in SPARQL_WRITES:
        assert client.post("/sparql", data={"update": update}).status_code in (400, 403)
        assert client.post("/sparql", content=update, headers={
            "Content-Type": "application/sparql-update"}).status_code in (400, 403)
        assert client.post("/sparql", data={"query": update}).status_code == 400
        assert client.get("/sparql", params={"query": update}).status_code == 400
    for query in CYPHER_WRITES:
        response = client.post("/cypher", json={"query": query})
        assert 400 <= response.status_code < 500, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert counts(client) == before


def test_hostile_parameters_are_4xx(client):
    before = counts(client)
    assert_problem(client.get("/actors", params={"limit": 10**9}), 422, "limit")
    assert_problem(client.get("/actors", params={"limit": -1}), 422)
    assert_problem(client.get("/actors", params={"offset": "a lot"}), 422)
    long_text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    assert_problem(client.post("/sparql", data={"query": long_text}), 413)
    assert_problem(client.post("/cypher", json={"query": "RETURN 1 //" + "x" * 200_000}), 413)
    assert client.get("/actors", params={"q": "x" * 10_000}).status_code == 422
    # invalid UTF-8 in a SPARQL body, in a JSON body and in the query string
    assert_problem(client.post("/sparql", content=b"SELECT * WHERE { ?s ?p \xff }",
                               headers={"Content-Type": "application/sparql-query"}), 400, "UTF-8")
    bad_json = client.post("/cypher", content=b'{"query": "RETURN \xff"}', headers={"Content-Type": "application/json"})
    assert bad_json.status_code in (400, 422) and bad_json.headers["content-type"] == "application/problem+json"
    assert client.get("/actors?q=%ff%fe").status_code == 200
    assert client.get("/questions/path?from=%ff&to=%fe").status_code == 404  # no such actors
    assert_problem(client.post("/sparql", content=b"x", headers={"Content-Type": "image/png"}), 415)
    nested = client.post("/cypher", json={"query": "RETURN $x", "params": {"x": {"deep": [1, {"a": None}]}}})
    assert nested.status_code in (200, 400), nested.text
    assert counts(client) == before


# -- uploads ----------------------------------------------------------------------------------------

NEW_DOCUMENT = ("Das Technische Hilfswerk (THW) arbeitet in der Krise eng mit der Feuerwehr Aachen zusammen. "
                "Die Stadt Aachen und die Stadt Lüttich sind Partnerstädte.")


def test_an_upload_with_the_key_adds_actors_seen_in_the_same_process(writable):
    client, uploads = writable
    before = client.get("/actors", params={"q": "Aachen"}).json()
    assert before["total"] == 0
    response = client.post("/documents", files={"file": ("lagebericht.txt", NEW_DOCUMENT.encode(), "text/plain")},
                           headers={"X-API-Key": KEY})
    assert response.status_code == 201, response.text
    body = response.json()
    added = {a["name"] for a in body["entities_added"]}
    assert {"Feuerwehr Aachen", "Aachen"} <= added
    assert any(r["type"] == "COOPERATES_WITH" for r in body["relations_added"])
    after = client.get("/actors", params={"q": "Aachen"}).json()
    assert {a["name"] for a in after["items"]} >= {"Feuerwehr Aachen", "Aachen"}
    # the stores were rebuilt too: both query languages see the new actor
    found = client.post("/cypher", json={"query": "MATCH (n:Agency {name: 'Feuerwehr Aachen'}) RETURN n.id AS id"})
    assert len(found.json()["rows"]) == 1
    ask = client.get("/sparql", params={"query": 'ASK { ?a ag:name "Feuerwehr Aachen" }'}).json()
    assert ask["boolean"] is True
    assert (uploads / "lagebericht.txt").read_text(encoding="utf-8") == NEW_DOCUMENT


def test_uploads_without_the_right_key_are_401_and_change_nothing(writable):
    client, uploads = writable
    before = counts(client)
    files = {"file": ("x.txt", NEW_DOCUMENT.encode(), "text/plain")}
    assert_problem(client.post("/documents", files=files), 401, "key")
    assert_problem(client.post("/documents", files=files, headers={"X-API-Key": "wrong"}), 401)
    assert_problem(client.post("/documents", files=files, headers={"Authorization": "Bearer wrong"}), 401)
    assert counts(client) == before and not uploads.exists()
    keyless = TestClient(create_app(client.app.state.service.out, ApiSettings(upload_dir=uploads)))
    assert_problem(keyless.post("/documents", files=files, headers={"X-API-Key": ""}), 401)


def test_upload_names_are_sanitised_and_bad_uploads_refused(writable, tmp_path):
    client, uploads = writable
    key = {"X-API-Key": KEY}
    before = counts(client)
    for name in ("../../../etc/evil.txt", "..\\..\\evil.txt", "/tmp/evil.txt"):
        response = client.post("/documents", files={"file": (name, NEW_DOCUMENT.encode(), "text/plain")}, headers=key)
        assert response.status_code == 201, response.text
        assert response.json()["document"] == "uploads/evil.txt"
    assert [p.name for p in uploads.iterdir()] == ["evil.txt"]
    assert not (tmp_path / "etc").exists() and not (uploads.parent / "evil.txt").exists()
    after_good = counts(client)
    assert after_good[0] > before[0]
    assert_problem(client.post("/documents", files={"file": ("x.exe", b"MZ\x00", "application/x-msdownload")},
                               headers=key), 400, "x.exe")
    assert_problem(client.post("/documents", files={"file": ("empty.txt", b"", "text/plain")}, headers=key), 400)
    assert_problem(client.post("/documents", files={"file": ("bin.txt", bytes(range(256)) * 40, "text/plain")},
                               headers=key), 422, "bin.txt")
    small = TestClient(create_app(client.app.state.service.out,
                                  ApiSettings(api_key=KEY, upload_dir=uploads, max_upload_bytes=100)))
    assert_problem(small.post("/documents", files={"file": ("big.txt", b"a " * 100, "text/plain")}, headers=key), 413)
    assert counts(client) == after_good


# -- a real server ------------------------------------------------------------------------------------

def test_actorgraph_serve_answers_over_real_http(built, graph_data):
    with LiveServer(built, "--cors", "https://analyst.example") as base:
        health = httpx.get(f"{base}/health").json()
        assert health["entities"] == len(graph_data["nodes"])
        preflight = httpx.options(f"{base}/sparql", headers={"Origin": "https://analyst.example",
                                                             "Access-Control-Request-Method": "POST"})
        assert preflight.headers["access-control-allow-origin"] == "https://analyst.example"
        other = httpx.get(f"{base}/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        actor = httpx.get(f"{base}/actors/{graph_data['nodes'][0]['id']}").json()
        assert actor["name"] == graph_data["nodes"][0]["name"]
        page = httpx.get(f"{base}/viz", params={"actor": "NATO"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_serve_without_a_build_says_what_to_do(tmp_path):
    result = subprocess.run(actorgraph_command() + ["serve", "--out", str(tmp_path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "actorgraph build" in result.stderr and "Traceback" not in result.stderr


# -- schemathesis: no 5xx, responses as described ------------------------------------------------------

def test_schemathesis_finds_no_server_errors(built):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    app = create_app(built, ApiSettings(query_timeout_s=2))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/documents":
            continue  # no key here: every call is a 401; the upload tests above cover it
        tried += 1

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance,
                                           content_type_conformance])

        try:
            check()
        except Exception as exc:  # schemathesis reports failed checks as its own exception types
            details = [str(e)[:600] for e in getattr(exc, "exceptions", [exc])]
            failures.append(f"{operation.method.upper()} {operation.path}: " + " | ".join(details))
    assert tried >= 9
    assert not failures, "\n".join(failures)


def test_a_document_name_the_route_cannot_match_is_a_documented_404(client):
    """A name with a line break matches no route: the 404 is application/problem+json, which
    the OpenAPI description lists for /documents/{name} (schemathesis found it undocumented)."""
    response = client.get("/documents/%0A%F3%9B%8A%BE")
    assert response.status_code == 404
    documented = client.get("/openapi.json").json()["paths"]["/documents/{name}"]["get"]["responses"]["404"]
    assert response.headers["content-type"].split(";")[0] in documented["content"]
