"""Every attack on the query and upload endpoints that an outsider tried, as one catalogue: run
by the test suite against a real ``actorgraph serve`` (tests/test_hostile_queries.py), and by
``benchmarks/attack_server.py`` against any running server.

An attack passes when it fails safely: the expected 4xx, or a bounded 408/413/503 within the
query time limit plus 2 s; never a 5xx, a hang, a crash, a file read or written outside the
build, or a changed graph. Every request goes to the base URL given (127.0.0.1 in the tests);
the URLs inside hostile queries point at 127.0.0.1 as well, and must never be fetched.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx

SAFE = {400, 401, 403, 404, 405, 406, 408, 413, 415, 422, 503}
SERVER_PATH = re.compile(r"(?<![\w:/.])/[\w.-]+/[\w.-]+")  # an absolute path of two or more parts


@dataclass
class Outcome:
    name: str
    ok: bool
    status: int | None
    seconds: float
    note: str = ""


@dataclass
class Target:
    """A running server: its base URL, its query time limit, the key for uploads (if the
    attacks on uploads should run) and a folder where canary paths may be named."""

    base: str
    timeout_s: float = 10.0
    api_key: str | None = None
    canary_dir: Path = field(default_factory=lambda: Path("/tmp"))

    def client(self, timeout: float | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=timeout or self.timeout_s + 30)


def _cypher(query: str, params: dict | None = None) -> Callable[[httpx.Client], httpx.Response]:
    return lambda c: c.post("/cypher", json={"query": query, "params": params or {}})


def _sparql(query: str, method: str = "POST") -> Callable[[httpx.Client], httpx.Response]:
    if method == "GET":
        return lambda c: c.get("/sparql", params={"query": query})
    return lambda c: c.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})


def _canary(target: Target, name: str) -> Path:
    return target.canary_dir / f"actorgraph-canary-{name}-{uuid.uuid4().hex[:8]}.csv"


# (name, request, allowed statuses, a word the problem's detail must contain)
def query_attacks(target: Target) -> list[tuple[str, Callable[[httpx.Client], httpx.Response], set[int], str]]:
    written = _canary(target, "copy")
    loopback = target.base.rstrip("/")
    return [
        ("cypher INSTALL from a URL", _cypher("INSTALL json FROM 'http://127.0.0.1:9/extension'"), {400}, "INSTALL"),
        ("cypher LOAD extension", _cypher("LOAD EXTENSION json"), {400}, "LOAD"),
        ("cypher LOAD FROM a file", _cypher("LOAD FROM '/etc/passwd' RETURN *"), {400}, "LOAD"),
        ("cypher load from a file, lower case", _cypher("load from \"/etc/passwd\" (header=false) return *"),
         {400}, "LOAD"),
        ("cypher COPY TO a file", _cypher(f"COPY (MATCH (n) RETURN n.name) TO '{written}'"), {400}, "COPY"),
        ("cypher COPY table TO a file", _cypher(f"COPY Agency TO '{written}'"), {400}, "COPY"),
        ("cypher CALL timeout=0", _cypher("CALL timeout=0"), {400}, "CALL"),
        ("cypher CALL threads", _cypher("CALL threads=1"), {400}, "CALL"),
        ("cypher CALL home_directory", _cypher("CALL home_directory='/'"), {400}, "CALL"),
        ("cypher CHECKPOINT", _cypher("CHECKPOINT"), {400}, "CHECKPOINT"),
        ("cypher BEGIN TRANSACTION", _cypher("BEGIN TRANSACTION"), {400}, "BEGIN"),
        ("cypher CHECKPOINT then BEGIN", _cypher("CHECKPOINT; BEGIN TRANSACTION"), {400}, ""),
        ("cypher ATTACH", _cypher("ATTACH '/tmp/other.lbug' AS other (dbtype lbug)"), {400}, "ATTACH"),
        ("cypher USE", _cypher("USE other"), {400}, "USE"),
        ("cypher EXPORT DATABASE", _cypher(f"EXPORT DATABASE '{target.canary_dir}/actorgraph-export'"), {400}, "EXPORT"),
        ("cypher IMPORT DATABASE", _cypher("IMPORT DATABASE '/tmp'"), {400}, "IMPORT"),
        ("cypher CREATE", _cypher("CREATE (n:Agency {id: 'x', name: 'x'})"), {400}, "CREATE"),
        ("cypher MERGE", _cypher("UNWIND [1] AS x MERGE (:Agency {id: 'x'})"), {400}, "MERGE"),
        ("cypher SET", _cypher("MATCH (n:Agency) SET n.name = 'x'"), {400}, "SET"),
        ("cypher DETACH DELETE", _cypher("MATCH (n) DETACH DELETE n"), {400}, "DELETE"),
        ("cypher DROP TABLE", _cypher("DROP TABLE Agency"), {400}, "DROP"),
        ("cypher two statements", _cypher("MATCH (n) RETURN n.id LIMIT 1; RETURN 2"), {400}, ""),
        ("cypher missing parameter", _cypher("MATCH (n) WHERE n.id = $who RETURN n.id"), {400}, ""),
        ("cypher 2 billion rows counted", _cypher("UNWIND range(1, 2000000000) AS x RETURN count(x)"),
         {400, 408, 413, 503}, ""),
        ("cypher 2 billion rows returned", _cypher("UNWIND range(1, 2000000000) AS x RETURN x"), {200, 408, 413}, ""),
        ("cypher cartesian product", _cypher("MATCH (a), (b), (c), (d), (e) RETURN count(*)"),
         {200, 408, 413}, ""),
        ("sparql SERVICE to a URL", _sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"),
         {400}, "SERVICE"),
        ("sparql SERVICE to the server itself",
         _sparql(f"SELECT * WHERE {{ SERVICE <{loopback}/sparql> {{ ?s ?p ?o }} }}"), {400}, "SERVICE"),
        ("sparql SERVICE SILENT by GET",
         _sparql("select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }", "GET"), {400}, "SERVICE"),
        ("sparql cartesian count", _sparql("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
         {408, 413}, ""),
        ("sparql cartesian rows", _sparql("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), {200, 408, 413}, ""),
        ("sparql unknown function", _sparql("SELECT * WHERE { BIND(<http://127.0.0.1:9/f>(1) AS ?x) }"), {400}, ""),
        ("sparql syntax error", _sparql("SELEKT * WHERE {"), {400}, ""),
        ("sparql LOAD as update", lambda c: c.post("/sparql", content=b"LOAD <http://127.0.0.1:9/x.ttl>",
                                                   headers={"Content-Type": "application/sparql-update"}),
         {400, 403}, ""),
        ("sparql INSERT as update", lambda c: c.post("/sparql", data={"update": "INSERT DATA { <x:a> <x:b> <x:c> }"}),
         {400, 403}, ""),
    ]


def _timed(name: str, target: Target, send: Callable[[httpx.Client], httpx.Response], allowed: set[int],
           word: str) -> Outcome:
    started = time.monotonic()
    with target.client() as client:
        try:
            response = send(client)
        except httpx.HTTPError as exc:
            return Outcome(name, False, None, time.monotonic() - started, f"no answer: {exc!r}")
    seconds = time.monotonic() - started
    notes = []
    ok = response.status_code in allowed and seconds <= target.timeout_s + 2
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", "")
        except ValueError:
            detail, ok = "", False
            notes.append("not problem+json")
        if word and word.lower() not in detail.lower():
            ok = False
            notes.append(f"detail does not name {word}: {detail[:120]}")
        if SERVER_PATH.search(detail):
            ok = False
            notes.append(f"detail shows a server path: {detail[:120]}")
    if seconds > target.timeout_s + 2:
        notes.append(f"took {seconds:.1f} s")
    return Outcome(name, ok, response.status_code, seconds, "; ".join(notes))


def graph_fingerprint(target: Target) -> tuple[int, int, int]:
    """Entities, relations and triples, to show the graph is as it was."""
    with target.client() as client:
        health = client.get("/health").json()
        triples = client.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}).json()
    return health["entities"], health["relations"], int(triples["results"]["bindings"][0]["n"]["value"])


def health_and_query_are_quick(target: Target) -> Outcome:
    """After the attacks: /health and a normal Cypher query each answer within 1 s."""
    with target.client() as client:
        started = time.monotonic()
        health = client.get("/health")
        health_s = time.monotonic() - started
        started = time.monotonic()
        query = client.post("/cypher", json={"query": "MATCH (n) RETURN count(n) AS n"})
        query_s = time.monotonic() - started
    ok = health.status_code == 200 and query.status_code == 200 and health_s < 1 and query_s < 1
    return Outcome("afterwards: /health and a normal query", ok, query.status_code, max(health_s, query_s),
                   f"/health {health_s:.2f} s, query {query_s:.2f} s")


def event_loop_stays_free(target: Target) -> Outcome:
    """While two long SPARQL queries run, /health answers within 1 s (queries do not block
    the server's event loop or its threads)."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    threads = [threading.Thread(target=lambda: _timed("slow", target, _sparql(slow), SAFE, ""))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    worst = 0.0
    with target.client() as client:
        for _ in range(5):
            started = time.monotonic()
            response = client.get("/health")
            worst = max(worst, time.monotonic() - started)
            time.sleep(0.2)
    for thread in threads:
        thread.join()
    return Outcome("/health while long queries run", worst < 1 and response.status_code == 200,
                   response.status_code, worst, f"slowest /health {worst:.2f} s")


def disconnect_stops_the_query(target: Target) -> Outcome:
    """A client that sends a long query and goes away frees its worker: right after, as many
    quick queries as there are workers answer without waiting for the time limit."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    for _ in range(2):
        try:
            with target.client(timeout=0.5) as client:
                _sparql(slow)(client)
        except httpx.TimeoutException:
            pass
    time.sleep(1.0)
    started = time.monotonic()
    with target.client() as client:
        statuses = [client.post("/cypher", json={"query": "RETURN 1 AS one"}).status_code for _ in range(2)]
    seconds = time.monotonic() - started
    return Outcome("client gone: its query stopped", statuses == [200, 200] and seconds < target.timeout_s / 2,
                   statuses[-1], seconds, f"quick queries took {seconds:.2f} s")


def files_untouched(target: Target) -> Outcome:
    canaries = list(target.canary_dir.glob("actorgraph-canary-*")) + list(target.canary_dir.glob("actorgraph-export*"))
    return Outcome("no file written outside the build", not canaries, None, 0.0,
                   ", ".join(p.name for p in canaries))


# -- uploads ---------------------------------------------------------------------------------------

def _multipart(name: str, payload: bytes) -> tuple[bytes, str]:
    boundary = "actorgraph-" + uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def big_body_without_key(target: Target, megabytes: int = 300) -> Outcome:
    """A large upload without the key is refused before its body is read: the answer comes at
    once, and nothing of it is written to disk."""
    boundary = "actorgraph-" + uuid.uuid4().hex
    head = f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n".encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        chunk = b"a " * 512 * 1024
        for _ in range(megabytes):
            yield chunk
        yield tail

    started = time.monotonic()
    status = None
    try:
        with target.client() as client:
            status = client.post("/documents", content=body(), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + megabytes * 2**20 + len(tail))}).status_code
    except httpx.HTTPError:  # the server answered 401 and closed while the body was still coming
        status = 401
    seconds = time.monotonic() - started
    return Outcome(f"{megabytes} MB upload without the key", status == 401 and seconds < 5, status, seconds)


def upload_attacks(target: Target) -> list[Outcome]:
    """Hostile files with the key: each is refused with a 4xx or read within its limit."""
    assert target.api_key
    key = {"X-API-Key": target.api_key}
    nested = b"<html><body>" + b"<div>" * 100_000 + b"Das THW hilft." + b"</div>" * 100_000 + b"</body></html>"
    bomb_stream = zlib.compress(b"0" * (300 * 2**20), 9)
    bomb = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(bomb_stream)).encode() + b"/Filter/FlateDecode>>stream\n"
            + bomb_stream + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    cases = [("deeply nested HTML", "nested.html", nested, {201, 400, 422}),
             ("PDF decompression bomb", "bomb.pdf", bomb, {413, 422}),
             ("truncated PDF", "broken.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog", {422}),
             ("binary as text", "binary.txt", bytes(range(256)) * 64, {422})]
    outcomes = []
    for name, filename, payload, allowed in cases:
        body, content_type = _multipart(filename, payload)
        started = time.monotonic()
        with httpx.Client(base_url=target.base, timeout=300) as client:
            response = client.post("/documents", content=body, headers={**key, "Content-Type": content_type})
        seconds = time.monotonic() - started
        shows_path = bool(re.search(r"/(tmp|work|home|root|var|usr)/", response.text))
        ok = response.status_code in allowed and not shows_path
        note = response.text[:160] if not ok else ""
        outcomes.append(Outcome(f"upload: {name}", ok, response.status_code, seconds, note))
    return outcomes


def run_all(target: Target, uploads: bool = True) -> list[Outcome]:
    """Every attack in turn, then the checks that the server is as it was."""
    before = graph_fingerprint(target)
    outcomes = [_timed(name, target, send, allowed, word) for name, send, allowed, word in query_attacks(target)]
    outcomes += [event_loop_stays_free(target), disconnect_stops_the_query(target), big_body_without_key(target)]
    if uploads and target.api_key:
        outcomes += upload_attacks(target)
    after = graph_fingerprint(target)
    if not (uploads and target.api_key):
        outcomes.append(Outcome("graph unchanged", before == after, None, 0.0, f"{before} -> {after}"))
    outcomes += [files_untouched(target), health_and_query_are_quick(target)]
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    width = max(len(o.name) for o in outcomes)
    lines = [f"{'attack':<{width}}  result  status  seconds  note"]
    for o in outcomes:
        lines.append(f"{o.name:<{width}}  {'ok' if o.ok else 'FAIL':<6}  {str(o.status or ''):<6}  "
                     f"{o.seconds:7.2f}  {o.note}")
    passed = sum(o.ok for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)


def run_all_sampling_memory(target: Target, pid: int | None, uploads: bool = True) -> tuple[list[Outcome], int]:
    """:func:`run_all`, and the peak resident memory of process ``pid`` and its workers meanwhile
    (sampled every 50 ms; 0 without a pid)."""
    from helpers import tree_resident_bytes

    peak, done = [0], threading.Event()

    def sample() -> None:
        while pid and not done.is_set():
            peak[0] = max(peak[0], tree_resident_bytes(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        outcomes = run_all(target, uploads)
    finally:
        done.set()
        sampler.join()
    return outcomes, peak[0]
