"""Uploads and deletes change a served build by the delta (issue #14 point 4): over HTTP with a
live server, every store agrees with a fresh build of the same inputs, and a reader during an
upload sees the old graph or the new one, never a mix."""

from __future__ import annotations

import json
import shutil
import threading
import time

import httpx
import pytest

from helpers import CORPUS, LiveServer, run_cli

KEY = "incremental-test-key"
ID = "https://actorgraph.org/id/"

SUPPORT = ("Das Technische Hilfswerk (THW) arbeitet in der Krise eng mit der Feuerwehr Aachen zusammen. "
           "Die Stadt Aachen und die Stadt Lüttich sind Partnerstädte.")
ALSO = "Das Technische Hilfswerk (THW) arbeitet eng mit der Feuerwehr Aachen zusammen."
OTHER = "Das Technische Hilfswerk (THW) arbeitet eng mit der Feuerwehr Köln zusammen."
AACHEN = ("agency/feuerwehr-aachen", "COOPERATES_WITH")


@pytest.fixture()
def served(tmp_path):
    """A build of data/corpus and data/uploads (the upload folder) served with a key."""
    data = tmp_path / "data"
    (data / "corpus").mkdir(parents=True)
    (data / "uploads").mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        shutil.copy(path, data / "corpus" / path.name)
    out = tmp_path / "build"
    run_cli("build", "--input", str(data), "--out", str(out), check=True)
    with LiveServer(out, "--api-key", KEY, "--upload-dir", str(data / "uploads")) as base:
        with httpx.Client(base_url=base, timeout=120) as client:
            yield client, data, out


def upload(client: httpx.Client, name: str, text: str) -> dict:
    response = client.post("/documents", files={"file": (name, text.encode(), "text/plain")}, headers={"X-API-Key": KEY})
    assert response.status_code == 201, response.text
    return response.json()


def settled(client: httpx.Client) -> None:
    """Wait until the background rewrite of graph.json and the exports is done."""
    deadline = time.monotonic() + 120
    while client.get("/health").json()["files_pending"]:
        assert time.monotonic() < deadline, "graph.json was not rewritten within 120 s"
        time.sleep(0.2)


def cypher_keys(client: httpx.Client) -> set[tuple[str, str, str]]:
    rows = client.post("/cypher", json={"query": "MATCH (a)-[r]->(b) RETURN a.id AS s, label(r) AS t, b.id AS o",
                                        "limit": 100000}).json()["rows"]
    return {(row["s"], row["t"], row["o"]) for row in rows}


def sparql_keys(client: httpx.Client) -> set[tuple[str, str, str]]:
    query = ("SELECT ?s ?t ?o WHERE { ?r a ag:Relation ; rdf:subject ?s ; ag:relationType ?t ; rdf:object ?o }")
    bindings = client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    return {(b["s"]["value"].removeprefix(ID), b["t"]["value"], b["o"]["value"].removeprefix(ID)) for b in bindings}


def json_keys(data: dict) -> set[tuple[str, str, str]]:
    return {(e["source"], e["type"], e["target"]) for e in data["edges"]}


def involving(keys: set, entity: str, relation_type: str) -> set:
    """The relations of ``relation_type`` whose source or target id starts with ``entity``."""
    return {k for k in keys if (k[0].startswith(entity) or k[2].startswith(entity)) and k[1] == relation_type}


def test_upload_replace_and_delete_agree_with_a_fresh_build(served, tmp_path):
    client, data, out = served
    before = cypher_keys(client)
    assert not involving(before, *AACHEN)
    upload(client, "lage.txt", SUPPORT)
    upload(client, "auch.txt", ALSO)
    assert involving(cypher_keys(client), *AACHEN) and involving(sparql_keys(client), *AACHEN)
    assert client.get("/actors", params={"q": "Feuerwehr Aachen"}).json()["total"] == 1

    # replacing lage.txt keeps the relation auch.txt also supports, and drops what only lage.txt said
    assert client.get("/actors", params={"q": "Lüttich"}).json()["total"] == 1
    replaced = upload(client, "lage.txt", OTHER)
    assert replaced["replaced"] is True
    keys = cypher_keys(client)
    assert involving(keys, *AACHEN) and involving(keys, "agency/feuerwehr-k", "COOPERATES_WITH")
    assert client.get("/actors", params={"q": "Lüttich"}).json()["total"] == 0

    # deleting auch.txt removes the Aachen relation only it still supported
    response = client.delete("/documents/uploads/auch.txt", headers={"X-API-Key": KEY})
    assert response.status_code == 200, response.text
    removed = response.json()
    assert removed["file_removed"] is True and not (data / "uploads" / "auch.txt").exists()
    assert any(k[0] == AACHEN[0] or k[2] == AACHEN[0] for k in map(tuple, removed["relations_removed"]))
    assert not involving(cypher_keys(client), *AACHEN)
    assert client.get("/actors", params={"q": "Feuerwehr Aachen"}).json()["total"] == 0
    assert client.get("/documents/uploads/auch.txt", headers={"Accept": "application/json"}).status_code == 404

    # every store of the served build equals a fresh build of the same folders
    settled(client)
    fresh = tmp_path / "fresh"
    run_cli("build", "--input", str(data), "--out", str(fresh), check=True)
    expected = json_keys(json.loads((fresh / "graph.json").read_text(encoding="utf-8")))
    assert involving(expected, "agency/feuerwehr-k", "COOPERATES_WITH")
    served_json = client.get("/graph.json").json()
    assert json_keys(served_json) == expected
    fresh_json = json.loads((fresh / "graph.json").read_text(encoding="utf-8"))
    assert served_json == fresh_json  # the background rewrite: the whole file, as a fresh build writes it
    assert cypher_keys(client) == expected
    assert sparql_keys(client) == expected
    fresh_json = json.loads((fresh / "graph.json").read_text(encoding="utf-8"))
    assert {n["id"] for n in served_json["nodes"]} == {n["id"] for n in fresh_json["nodes"]}
    count = client.post("/cypher", json={"query": "// database: links\nMATCH ()-[l:LINK]->() RETURN count(l) AS n"})
    assert count.json()["rows"][0]["n"] == len({(s, o) for s, _, o in expected})
    # a later build (served from the same folder) brings the deleted document back from nowhere
    run_cli("build", "--input", str(data), "--out", str(out), check=True)
    assert json_keys(json.loads((out / "graph.json").read_text(encoding="utf-8"))) == expected


def test_deletes_need_the_key_and_refuse_unknown_or_hostile_names(served):
    client, data, _out = served
    upload(client, "lage.txt", SUPPORT)
    before = client.get("/health").json()
    for headers in ({}, {"X-API-Key": "wrong"}):
        assert client.delete("/documents/uploads/lage.txt", headers=headers).status_code == 401
    for name in ("uploads/nothing.txt", "../../etc/passwd", "uploads/lage.txt/..x", "x" * 5000,
                 "%2e%2e/%2e%2e/etc/passwd"):
        response = client.delete(f"/documents/{name}", headers={"X-API-Key": KEY})
        assert response.status_code in (404, 414), (name, response.status_code)
        assert "/tmp" not in response.text and str(data) not in response.text
    after = client.get("/health").json()
    assert (after["documents"], after["relations"]) == (before["documents"], before["relations"])
    assert (data / "uploads" / "lage.txt").is_file()

    # two deletes of one document at once: one removes it, the other finds nothing
    answers: list[int] = []

    def delete() -> None:
        answers.append(client.delete("/documents/uploads/lage.txt", headers={"X-API-Key": KEY}).status_code)

    threads = [threading.Thread(target=delete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 404]
    assert client.get("/health").json()["documents"] == before["documents"] - 1


def test_a_reader_during_an_upload_sees_the_old_or_the_new_graph(served):
    client, _data, _out = served
    query = {"query": "MATCH ()-[r]->() RETURN count(r) AS n"}
    old = client.post("/cypher", json=query).json()["rows"][0]["n"]
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=60) as reader:
            while not stop.is_set():
                seen.append(reader.post("/cypher", json=query).json()["rows"][0]["n"])

    thread = threading.Thread(target=read)
    thread.start()
    try:
        upload(client, "lage.txt", SUPPORT)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    new = client.post("/cypher", json=query).json()["rows"][0]["n"]
    assert new > old
    assert seen and set(seen) <= {old, new}


def test_a_server_killed_before_the_files_were_rewritten_rewrites_them_on_start(tmp_path):
    """The writer died after the swap, before graph.json was rewritten (as after kill -9): the
    next server takes the graph from fragments.jsonl and writes the files again."""
    from actorgraph.graph.delta import PENDING, write_delta
    from actorgraph.graph.fragments import FRAGMENTS_FILE, read_fragments
    from actorgraph.graph.jsonio import read_json
    from actorgraph.graph.model import merge_fragments

    out = tmp_path / "build"
    run_cli("build", "--input", str(CORPUS), "--out", str(out), check=True)
    build = (out / "current").resolve()
    fragments = list(read_fragments(build / FRAGMENTS_FILE))
    dropped = max(fragments, key=lambda f: len(f.relations))
    kept = [f for f in fragments if f is not dropped]
    after = merge_fragments(kept)
    before = read_json(build / "graph.json", check=False)
    assert set(after.relations) < set(before.relations)
    new_build, change = write_delta(before, after, out, build, kept)
    assert (new_build / PENDING).exists() and change.counts()["documents_removed"] == 1
    # the previous build's file, whole, until the rewrite
    assert (new_build / "graph.json").read_bytes() == (build / "graph.json").read_bytes()
    with LiveServer(out) as base, httpx.Client(base_url=base, timeout=60) as client:
        settled(client)
        expected = set(after.relations)
        assert json_keys(client.get("/graph.json").json()) == expected
        assert cypher_keys(client) == expected == sparql_keys(client)
        assert client.get("/health").json()["documents"] == len(kept)
    assert not (new_build / PENDING).exists()


def test_replacing_one_document_in_place_equals_merging_every_fragment_again(built, tmp_path):
    """The per-document index (what an upload or delete uses) gives the graph a full merge
    gives, for every document of the corpus removed and put back, and fragments.jsonl copied
    with one line changed equals the file written whole."""
    from actorgraph.graph.delta import DocumentIndex, copy_fragments
    from actorgraph.graph.fragments import FRAGMENTS_FILE, read_fragments, write_fragments
    from actorgraph.graph.jsonio import read_json
    from actorgraph.graph.model import merge_fragments

    build = (built / "current").resolve()
    fragments = list(read_fragments(build / FRAGMENTS_FILE))
    graph = read_json(build / "graph.json", check=False)
    assert len(fragments) >= 3
    for fragment in fragments:
        doc_id = fragment.document.id
        others = [f for f in fragments if f.document.id != doc_id]
        without, _touched = DocumentIndex(build, fragments).replace(graph, doc_id, None)
        merged = merge_fragments(others).to_json()
        for part in ("nodes", "edges"):  # (a graph read from graph.json keeps no texts: documents aside)
            assert without.to_json()[part] == merged[part]
        assert sorted(without.documents) == [d["id"] for d in merged["documents"]]
        back, _touched = DocumentIndex(build, others).replace(without, doc_id, fragment)
        assert {k: v for k, v in back.to_json().items() if k != "documents"} == \
            {k: v for k, v in graph.to_json().items() if k != "documents"}
    scratch = tmp_path
    copy_fragments(build / FRAGMENTS_FILE, scratch / "copied.jsonl", fragments[1].document.id, None)
    write_fragments([f for f in fragments if f is not fragments[1]], scratch / "whole.jsonl")
    assert (scratch / "copied.jsonl").read_bytes() == (scratch / "whole.jsonl").read_bytes()


def _store_keys(out) -> tuple[set, set]:
    """The relation keys LadybugDB and Oxigraph hold, asked through the command line."""
    cypher = json.loads(run_cli("cypher", "MATCH (a)-[r]->(b) RETURN a.id AS s, label(r) AS t, b.id AS o",
                                "--out", str(out), "--format", "json", check=True).stdout)
    sparql = json.loads(run_cli("sparql", "SELECT ?s ?t ?o WHERE { ?r a ag:Relation ; rdf:subject ?s ; "
                                "ag:relationType ?t ; rdf:object ?o }", "--out", str(out), "--format", "json",
                                check=True).stdout)
    return ({(r["s"], r["t"], r["o"]) for r in cypher},
            {(r["s"].removeprefix(ID), r["t"], r["o"].removeprefix(ID)) for r in sparql})


def test_a_rebuild_with_a_few_files_changed_changes_the_stores_by_the_delta(tmp_path):
    """`actorgraph build` after adding, changing and deleting a few of many files: the stores of
    the previous build are changed by the delta, and every file equals a fresh build's."""
    folder = tmp_path / "in"
    folder.mkdir()
    pages = sorted((CORPUS.parent.parent / "tests" / "gold" / "real" / "tune").glob("*.txt"))[:30]  # 35 files: 3 changes are below DELTA_SHARE
    for path in sorted(CORPUS.glob("*.txt")) + pages:
        shutil.copy(path, folder / path.name)
    out = tmp_path / "build"
    assert "by the delta" not in run_cli("build", "--input", str(folder), "--out", str(out), check=True).stderr
    (folder / "lage.txt").write_text(SUPPORT, encoding="utf-8")
    changed = folder / pages[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n" + OTHER + "\n", encoding="utf-8")
    (folder / pages[1].name).unlink()

    rebuilt = run_cli("build", "--input", str(folder), "--out", str(out), check=True)
    assert "2 extracted" in rebuilt.stderr and "the previous build's stores changed by the delta" in rebuilt.stderr
    fresh = tmp_path / "fresh"
    assert "by the delta" not in run_cli("build", "--input", str(folder), "--out", str(fresh), check=True).stderr
    for name in ("graph.json", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml", "brokers.json",
                 "build.json", "fragments.jsonl"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    for csv in (fresh / "neo4j").iterdir():
        assert (out / "neo4j" / csv.name).read_bytes() == csv.read_bytes(), csv.name
    expected = json_keys(json.loads((fresh / "graph.json").read_text(encoding="utf-8")))
    assert involving(expected, *AACHEN) and involving(expected, "agency/feuerwehr-k", "COOPERATES_WITH")
    assert pages[1].name not in {d["id"] for d in json.loads((out / "graph.json").read_text())["documents"]}
    assert _store_keys(out) == (expected, expected) == _store_keys(fresh)

    # too many changed: written whole again, and --no-cache always writes whole
    for path in sorted(folder.glob("*.txt"))[:5]:
        path.write_text(path.read_text(encoding="utf-8") + "\n" + ALSO + "\n", encoding="utf-8")
    assert "by the delta" not in run_cli("build", "--input", str(folder), "--out", str(out), check=True).stderr
    assert "by the delta" not in run_cli("build", "--input", str(folder), "--out", str(out), "--no-cache",
                                         check=True).stderr
