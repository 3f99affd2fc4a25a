"""Hostile queries and uploads against a real ``actorgraph serve`` on 127.0.0.1: every attack an
outsider tried (tests/hostile_catalogue.py) fails safely, the server stays up, quick and small,
the graph and the files around it stay as they were; and the parts that make this so —
confined workers, the atomic build swap, replacing an uploaded document — each on its own."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from actorgraph.api.query_workers import Limits, QueryPool, SparqlJob, escape_attempts, run_confined
from actorgraph.graph.sparql_guard import SparqlRefused, check_services
from hostile_catalogue import Target, graph_fingerprint, run_all, run_all_sampling_memory, table
from helpers import LiveServer
from test_api import KEY

TIMEOUT_S = 3.0


@pytest.fixture()
def served(built, tmp_path):
    """A real server on a copy of the corpus build, with a key, uploads and short limits."""
    out = tmp_path / "build"
    shutil.copytree(built, out, symlinks=True)
    uploads = tmp_path / "uploads"
    server = LiveServer(out, "--api-key", KEY, "--upload-dir", str(uploads), "--query-timeout", str(TIMEOUT_S),
                        "--query-memory", "512")
    with server as base:
        yield base, out, uploads, server.pid


def test_every_attack_fails_safely_and_the_server_stays_up_and_small(served, tmp_path):
    base, out, uploads, server = served
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    outcomes, peak = run_all_sampling_memory(Target(base, TIMEOUT_S, KEY, canaries), server)
    print(table(outcomes))
    failed = [o for o in outcomes if not o.ok]
    assert not failed, table(failed)
    assert 0 < peak < 2 * 2**30, f"server and workers reached {peak / 2**20:.0f} MiB"
    assert not list(canaries.iterdir())
    leftovers = [p.name for p in uploads.iterdir() if p.name.startswith(".")] + \
                [p.name for p in out.rglob("*") if p.name.startswith((".tmp-", ".upload-"))]
    assert not leftovers, "staged uploads and temporary build folders are always removed"
    sandbox = httpx.get(f"{base}/health").json()["query_sandbox"]
    assert sandbox == {"no_network": True, "read_only_files": True, "no_file_writes": True}
    assert not list(uploads.glob(".*")), "no partial upload is left behind"
    assert not list((out / "builds").glob(".tmp-*")), "no staging folder is left behind"


def test_the_graph_is_unchanged_after_the_query_attacks(served, tmp_path):
    base, _, _, _ = served
    target = Target(base, TIMEOUT_S, None, tmp_path)
    before = graph_fingerprint(target)
    outcomes = run_all(target, uploads=False)
    assert all(o.ok for o in outcomes), table([o for o in outcomes if not o.ok])
    assert graph_fingerprint(target) == before


# -- the parts, each on its own ------------------------------------------------------------------

def test_a_confined_process_can_neither_write_files_nor_connect(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        outcome = run_confined(escape_attempts, (str(tmp_path / "escaped.txt"), port), 30, 2**30)
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable from here
    assert outcome["write"].startswith("refused"), outcome
    assert outcome["connect"].startswith("refused"), outcome
    assert not (tmp_path / "escaped.txt").exists() or (tmp_path / "escaped.txt").read_text() == ""


def test_a_worker_past_its_time_or_memory_is_replaced(built):
    pool = QueryPool(lambda: built, Limits(timeout_s=2, memory_bytes=400 * 2**20), size=1)
    try:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        sort = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
        for query, status in ((count, 408), (sort, 413)):
            started = time.monotonic()
            with pytest.raises(Exception) as stopped:
                pool.run(SparqlJob(str(built), query, None))
            assert getattr(stopped.value, "status", None) == status, stopped.value
            assert time.monotonic() - started < 2 + 10  # stopped: unbounded, the count would run for minutes
        body, media, truncated = pool.run(SparqlJob(str(built), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", None))
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"].isdigit() and not truncated
    finally:
        pool.close()


def test_sparql_answers_stop_at_the_row_cap_and_say_so(built):
    pool = QueryPool(lambda: built, Limits(timeout_s=10, max_rows=7), size=1)
    try:
        for accept in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                       "text/tab-separated-values"):
            body, media, truncated = pool.run(SparqlJob(str(built), "SELECT * WHERE { ?s ?p ?o }", accept))
            assert truncated and media == accept
            rows = (len(json.loads(body)["results"]["bindings"]) if "json" in accept
                    else body.count(b"<result>") if "xml" in accept else len(body.strip().splitlines()) - 1)
            assert rows == 7, (accept, rows)
        body, _, truncated = pool.run(SparqlJob(str(built), "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                                "application/n-triples"))
        assert truncated and len(body.strip().splitlines()) == 7
    finally:
        pool.close()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * { service silent ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . # a comment\n SERVICE\n<http://127.0.0.1:9/> {} }",
])
def test_sparql_service_is_refused(query):
    with pytest.raises(SparqlRefused, match="SERVICE"):
        check_services(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?s <http://x/SERVICE> ?service }",
    "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/>' }",
    "PREFIX service: <http://x/> SELECT * WHERE { ?s service:name ?o } # SERVICE <http://x>",
    "SELECT * WHERE { ?s ?p \"\"\"multi\nSERVICE <http://x> {}\"\"\" }",
])
def test_sparql_service_in_names_strings_and_comments_is_not_a_clause(query):
    check_services(query)


def test_an_allowed_service_endpoint_passes_and_others_do_not():
    check_services("SELECT * WHERE { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }",
                   ["http://127.0.0.1:7878/query"])
    with pytest.raises(SparqlRefused):
        check_services("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", ["http://127.0.0.1:7878/query"])


FIRST = ("Das Technische Hilfswerk (THW) arbeitet in der Krise eng mit der Feuerwehr Aachen zusammen. "
         "Die Feuerwehr Aachen ist Mitglied der Arbeitsgemeinschaft der Leiter der Berufsfeuerwehren.")
SECOND = "Das Technische Hilfswerk (THW) unterstützt die Stadt Lüttich bei Hochwasser."


def _upload(base: str, name: str, text: str) -> httpx.Response:
    return httpx.post(f"{base}/documents", files={"file": (name, text.encode(), "text/plain")},
                      headers={"X-API-Key": KEY}, timeout=300)


def test_a_new_version_of_a_document_replaces_the_old_one(served):
    base, _, _, _ = served
    first = _upload(base, "lage.txt", FIRST)
    assert first.status_code == 201, first.text
    assert not first.json()["replaced"]
    old_relations = {(r["source"], r["type"], r["target"]) for r in first.json()["relations_added"]}
    assert old_relations, "the first version states relations"
    second = _upload(base, "lage.txt", SECOND)
    assert second.status_code == 201, second.text
    assert second.json()["replaced"]
    # graph.json is rewritten in the background after the stores (issue #14 point 4): wait for it
    deadline = time.monotonic() + 120
    while httpx.get(f"{base}/health").json()["files_pending"]:
        assert time.monotonic() < deadline, "graph.json was not rewritten within 120 s"
        time.sleep(0.2)
    graph = httpx.get(f"{base}/graph.json").json()
    edges = {(e["source"], e["type"], e["target"]): e for e in graph["edges"]}
    for key in old_relations:  # what only the old version said is gone
        assert key not in edges or all(ev["doc"] != "uploads/lage.txt" for ev in edges[key]["evidence"])
    docs = [d["id"] for d in graph["documents"]]
    assert docs.count("uploads/lage.txt") == 1
    sentences = {ev["sentence"] for e in graph["edges"] for ev in e["evidence"] if ev["doc"] == "uploads/lage.txt"}
    assert all("Feuerwehr Aachen" not in s for s in sentences)


def test_readers_see_one_whole_build_while_uploads_swap_it(served):
    base, out, _, _ = served
    failures: list[str] = []
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not done.is_set():
                response = client.get("/graph.json")
                if response.status_code != 200:
                    failures.append(f"{response.status_code}")
                    continue
                try:
                    data = response.json()
                except ValueError:
                    failures.append("truncated or invalid JSON")
                    continue
                if not data["nodes"]:
                    failures.append("empty graph")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for index in range(3):
            assert _upload(base, f"swap-{index}.txt", FIRST if index % 2 else SECOND).status_code == 201
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert not failures, failures[:5]
    assert (out / "current").is_symlink()
    assert len([p for p in (out / "builds").iterdir() if p.name.isdigit()]) <= 3, "old builds are removed"
