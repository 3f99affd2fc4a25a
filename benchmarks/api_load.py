"""HTTP API under load: 50 concurrent clients against a real `actorgraph serve` process.

    python benchmarks/api_load.py                      # corpus graph, then the 1M-relation graph
    python benchmarks/api_load.py --seconds 10 --skip-synthetic

For each graph the server is started on a free port, and for each endpoint — `/actors/{id}`
(200 actors), `/questions/crisis-coordination` (the first 100 rows) and a `/sparql` query (an
actor's partners, 200 actors) — the clients send requests back to back for --seconds; then
requests/s, p50/p95/p99 latency and failed requests are printed.
Clients and server share this machine's cores, so the figures are a floor for a real server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# what an application asks most: an actor's partners, by the actor's id
SPARQL = ("PREFIX ag: <https://actorgraph.org/ns#> SELECT ?partner ?name WHERE {{ ?a ag:id \"{id}\" . "
          "?a ag:COOPERATES_WITH|^ag:COOPERATES_WITH|ag:COORDINATES|^ag:COORDINATES ?partner . "
          "?partner ag:name ?name }}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(out: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "actorgraph"), "serve", "--out", str(out), "--port", str(port)]
    log = open(out.parent / f"{out.name}-server.log", "w")  # a pipe nobody reads would stall the server
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # a million relations take a while to read
    while True:
        try:
            httpx.get(f"{base}/health", timeout=5)
            return process, base
        except httpx.TransportError:
            if process.poll() is not None:
                raise SystemExit(f"the server did not start: {Path(log.name).read_text()[-2000:]}")
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the server did not answer within 600 s")
            time.sleep(0.5)


async def load(base: str, paths: list[str], clients: int, seconds: float) -> tuple[list[float], int, int]:
    """Send GET requests for ``paths`` (cycled) from ``clients`` concurrent keep-alive
    connections for ``seconds``; returns the latencies of successful requests, the failures
    and the total. The client is plain asyncio streams: httpx's async pool, tried first, was
    the bottleneck itself at 50 connections (130 requests/s where the server does 1,000)."""
    url = httpx.URL(base)
    latencies: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds

    async def one_client(number: int) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(url.host, url.port)
        index = number
        try:
            while time.perf_counter() < stop:
                path = paths[index % len(paths)]
                index += clients
                started = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {url.host}\r\n\r\n".encode())
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                if head.split(b" ", 2)[1] == b"200":
                    latencies.append(time.perf_counter() - started)
                else:
                    failures += 1
        except (OSError, asyncio.IncompleteReadError):
            failures += 1
        finally:
            writer.close()

    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies, failures, len(latencies) + failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run_graph(label: str, out: Path, clients: int, seconds: float) -> None:
    started = time.perf_counter()
    process, base = start_server(out)
    print(f"\n{label}: server ready in {time.perf_counter() - started:.1f} s; "
          f"{clients} clients, {seconds:.0f} s per endpoint")
    try:
        health = httpx.get(f"{base}/health").json()
        ids = [a["id"] for a in httpx.get(f"{base}/actors", params={"limit": 1000}).json()["items"]]
        random.Random(3).shuffle(ids)
        endpoints = {
            "/actors/{id}": [f"/actors/{i}" for i in ids[:200]],
            "/questions/crisis-coordination": ["/questions/crisis-coordination?limit=100"],
            "/sparql": [str(httpx.URL("/sparql", params={"query": SPARQL.format(id=i)})) for i in ids[:200]],
        }
        print(f"  graph: {health['entities']:,} entities, {health['relations']:,} relations")
        print(f"  {'endpoint':<32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failed':>7}")
        for name, paths in endpoints.items():
            latencies, failures, total = asyncio.run(load(base, paths, clients, seconds))
            print(f"  {name:<32} {total / seconds:>8.0f} {statistics.median(latencies) * 1000 if latencies else 0:>8.1f} "
                  f"{percentile(latencies, 0.95) * 1000:>8.1f} {percentile(latencies, 0.99) * 1000:>8.1f} "
                  f"{failures:>7}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def build_corpus(folder: Path) -> Path:
    out = folder / "corpus-build"
    subprocess.run([str(Path(sys.executable).parent / "actorgraph"), "build", "--input", str(ROOT / "data" / "corpus"),
                    "--out", str(out)], check=True, capture_output=True)
    return out


def build_synthetic(folder: Path, entities: int, relations: int) -> Path:
    """graph.json and the two stores of the synthetic graph of benchmarks/queries.py (the
    other outputs of a build are not needed by the server)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from queries import synthetic_graph

    from actorgraph.graph import cypher_store, sparql_store
    from actorgraph.graph.jsonio import write_json

    out = folder / "synthetic-build"
    out.mkdir()
    started = time.perf_counter()
    graph = synthetic_graph(entities, relations)
    write_json(graph, out / "graph.json")
    sparql_store.write_store(graph, out)
    cypher_store.write_store(graph, out)
    print(f"synthetic graph of {entities:,} entities and {relations:,} relations built in "
          f"{time.perf_counter() - started:.0f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0, help="per endpoint and graph")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--skip-synthetic", action="store_true", help="only the corpus graph")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="actorgraph-api-load-"))
    try:
        run_graph("corpus graph", build_corpus(folder), args.clients, args.seconds)
        if not args.skip_synthetic:
            run_graph("synthetic graph", build_synthetic(folder, args.entities, args.relations),
                      args.clients, args.seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
