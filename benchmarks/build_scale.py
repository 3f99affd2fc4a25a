"""A build at scale with every store: a generated collection of German documents whose actor
names and aliases hold each character a CSV loader can trip over, built into the JSON, RDF,
Oxigraph, LadybugDB and Neo4j outputs; then served. For each size it prints the cold build's
seconds (and each step's), its peak memory, a rebuild's after 1% of the documents changed (its
share of the cold build's seconds), the seconds `actorgraph serve` takes to answer
/health and the brokers question from a cold cache (medians of three starts), one upload into
the served build (seconds to its answer, p50/p99 of reads meanwhile, seconds until graph.json is
rewritten, the server's resident memory afterwards; "idle p99" is the same reads before the
upload), and at the end
the ratio of build times between the largest and the smallest size (issue #14 asks
t(10k) / t(1k) <= 11, peak memory <= 1.5 GiB, a rebuild with 1% changed <= 15% of the cold build, /health within 3 s, brokers within 5 s, an upload
within 5 s with reads at p99 <= 500 ms, the server within 1.5 GiB afterwards).

    python benchmarks/build_scale.py                          # 1,000 and 10,000 documents
    python benchmarks/build_scale.py --sizes 1000                # 1,000 alone: a few minutes
    python benchmarks/build_scale.py --documents 2000 --workers 2
    python benchmarks/build_scale.py --documents 100000       # optional: about an hour

Each build runs in a process of its own (its peak resident memory is that process's).
Every document names three plain actors (two agencies and a foundation); every one of them
also names one troublesome actor: from a gazetteer (comma, semicolon, pipe, backslash, quotes),
from the text ("Stiftung "Zukunft X"", "O'X"), or verbatim between guillemets with a newline
inside (the plug-in extractor of tests/hostile_extractor.py). Their ids sort after the plain
ones, so the first troublesome row of each table comes after row 256: the rows LadybugDB's
CSV reader used to guess the dialect from. tests/test_store_scale.py builds the same collection.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from actorgraph.graph.model import Graph
from actorgraph.ingest.pipeline import Settings

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"  # where the guillemet extractor lives (see the module docstring)
EXTRACTOR = "hostile_extractor:GuillemetOrganisations"

TROUBLESOME = {"comma": ",", "double quote": '"', "single quote": "'", "semicolon": ";", "pipe": "|",
               "backslash": "\\", "newline": "\n"}
SAMPLED_ROWS = 256  # the rows LadybugDB's CSV reader samples when it guesses the dialect

_SYLLABLES = ["bar", "kel", "mon", "dor", "fin", "gal", "hum", "lin",
              "mer", "nor", "pel", "ros", "sal", "tor", "vin", "wal"]  # none starts with z: see _TROUBLE


def word(number: int) -> str:
    """A made-up capitalised word, different for every ``number`` (at least three syllables).

    >>> word(0), word(17)
    ('Barbarbar', 'Barkelkel')
    """
    digits = []
    while number or len(digits) < 3:
        number, digit = divmod(number, len(_SYLLABLES))
        digits.append(_SYLLABLES[digit])
    return "".join(reversed(digits)).capitalize()


def acronym(number: int) -> str:
    """A made-up acronym, different for every ``number``: Q and at least three capitals."""
    letters = []
    while number or len(letters) < 3:
        number, letter = divmod(number, 26)
        letters.append(chr(ord("A") + letter))
    return "Q" + "".join(reversed(letters))


# One troublesome actor per document, in turn: (gazetteer line or None, the sentence naming it).
# Their ids ("agency/zollamt-…", "agency/das-bundesamt-…", "org/stiftung-zukunft-…",
# "org/zentrum-…") sort after the plain "agency/agentur-…", "agency/amt-…" and "org/stiftung-<word>".
_TROUBLE: list[Callable[[str, int], tuple[str | None, str]]] = [
    lambda w, k: (f"agency/zollamt-komma-{k}\tAgency\tZollamt {w}, Steuern und Abgaben\tSteuer-, Zoll- und Abgabenamt {w}",
                  f"Das Zollamt {w}, Steuern und Abgaben prüft die Einfuhren."),
    lambda w, k: (f"agency/zollamt-semikolon-{k}\tAgency\tZollamt {w}; Häfen und Wege\tHafenamt {w}; Wege",
                  f"Das Zollamt {w}; Häfen und Wege prüft die Häfen."),
    lambda w, k: (f"agency/zollamt-pipe-{k}\tAgency\tZollamt {w}|Nord\tZollamt {w} Nord",
                  f"Das Zollamt {w}|Nord prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-backslash-{k}\tAgency\tZollamt {w}\\Süd\tSüdzollamt {w}\\Grenze",
                  f"Das Zollamt {w}\\Süd prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-zitat-{k}\tAgency\tZollamt \"{w}\"\tGrenzamt \"{w}\" am Fluss",
                  f"Das Zollamt \"{w}\" prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-apostroph-{k}\tAgency\tZollamt O'{w}\tO'{w}s Zollamt",
                  f"Das Zollamt O'{w} prüft die Grenze."),
    lambda w, k: (None, f"Die Stiftung \"Zukunft {w}\" ({acronym(10**6 + k)}) fördert die Forschung."),
    lambda w, k: (None, f"Die «Zentrum {w}\nfür Wege, \"Zeit\"; O'Brien|Pipe\\Back» arbeitet mit der NATO zusammen."),
    lambda w, k: (None, f"Die «Zentrum {w}\r\nNord» arbeitet mit der NATO zusammen."),
    lambda w, k: (None, f"Das Bundesamt für O'{w}-Studien ({acronym(2 * 10**6 + k)}) berät die Regierung."),
]


@dataclass
class Collection:
    """A generated collection: the documents' folder and the settings to build it with."""

    documents: Path
    settings: Settings


def generate(folder: Path, documents: int) -> Collection:
    """Write ``documents`` documents under ``folder`` and the gazetteer they need; the settings
    returned name that gazetteer and the guillemet extractor (``tests/`` is put on sys.path)."""
    if str(TESTS) not in sys.path:
        sys.path.append(str(TESTS))
    texts, gazetteer = Path(folder) / "documents", Path(folder) / "gazetteer.tsv"
    texts.mkdir(parents=True, exist_ok=True)
    lines = []
    for number in range(documents):
        first, second = f"Amt für {word(2 * number)}wesen", f"Agentur für {word(2 * number + 1)}fragen"
        entry, trouble = _TROUBLE[number % len(_TROUBLE)](word(number), number)
        if entry:
            lines.append(entry)
        sentences = [f"Das {first} arbeitet mit der {second} zusammen.",
                     f"Die Stiftung {word(number)} ({acronym(number)}) unterstützt das {first} seit {2000 + number % 25}.",
                     trouble,
                     f"Im Jahr {2001 + number % 24} berichtete die {second} über die gemeinsame Arbeit."]
        (texts / f"dokument_{number:05d}.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    gazetteer.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return generate_settings(folder)


def troublesome(text: str | None) -> set[str]:
    """The names of the troublesome characters in ``text``."""
    return {name for name, character in TROUBLESOME.items() if character in (text or "")}


def first_troublesome_row(graph: Graph, entity_type: str | None = None) -> int | None:
    """The 0-based row of the first entity (of ``entity_type``, else of all: the links store's
    Actor table) whose name or aliases hold a troublesome character, in the order the CSV
    files are written (by id); None when there is none."""
    entities = [e for e in graph.sorted_entities() if entity_type in (None, e.type.value)]
    return next((row for row, e in enumerate(entities) if troublesome(e.name + "".join(e.aliases))), None)


def _timed(writer: Callable[[Graph, Path], None], seconds: dict[str, float]) -> Callable[[Graph, Path], None]:
    def run(graph: Graph, folder: Path) -> None:
        start = time.perf_counter()
        writer(graph, folder)
        seconds[writer.__name__.removeprefix("_write_")] = time.perf_counter() - start
    return run


def store_counts(build: Path) -> dict[str, int]:
    """What each query store holds: nodes and relations in LadybugDB, actors in its links
    database, actors (subjects with an ``ag:id``) in Oxigraph."""
    from actorgraph.graph.cypher_store import CypherStore
    from actorgraph.graph.sparql_store import open_store, query

    store = CypherStore(build)
    try:
        counts = {"cypher nodes": store.query("MATCH (n) RETURN count(n) AS n")[1][0]["n"],
                  "cypher relations": store.query("MATCH ()-[r]->() RETURN count(r) AS n")[1][0]["n"],
                  "links actors": store.query("MATCH (a:Actor) RETURN count(a) AS n", database="links")[1][0]["n"]}
    finally:
        store.close()
    oxigraph = open_store(build)
    counts["oxigraph actors"] = query(oxigraph, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ag:id ?id }")[1][0]["n"]
    return counts


def cold_build(folder: Path, workers: int) -> dict:
    """Build the collection generated in ``folder`` into ``folder/build`` the way ``actorgraph
    build`` does, its fragment cache included (run in this process: the caller starts one per
    build; a second run is a rebuild from that cache); the seconds of each step, and a second
    merge of the same fragments timed on its own."""
    from actorgraph.graph.model import merge_fragments
    from actorgraph.graph.outputs import STORE_WRITERS, write_outputs
    from actorgraph.ingest.pipeline import build_graph

    collection = generate_settings(folder)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    result = build_graph([collection.documents], workers=workers, settings=collection.settings,
                         cache_in=folder / "build")
    seconds["extract+merge"] = time.perf_counter() - start
    start = time.perf_counter()
    merge_fragments(result.fragments)
    seconds["merge alone"] = time.perf_counter() - start
    start = time.perf_counter()
    write_outputs(result.graph, folder / "build", result.skipped,
                  extra=[_timed(w, seconds) for w in STORE_WRITERS], fragments=result.fragments)
    outputs = time.perf_counter() - start
    seconds["files"] = outputs - sum(v for k, v in seconds.items() if k not in ("extract+merge", "merge alone"))
    return {"documents": result.documents, "entities": len(result.graph.entities),
            "relations": len(result.graph.relations), "extracted": result.extracted, "seconds": seconds}


def change_documents(folder: Path, share: float) -> int:
    """Add a sentence to the first ``share`` of the generated documents (a new cooperation of
    a new actor with one the document names): how many were changed."""
    documents = sorted((Path(folder) / "documents").iterdir())
    changed = documents[:max(1, round(share * len(documents)))]
    for number, path in enumerate(changed):
        with path.open("a", encoding="utf-8") as text:
            text.write(f"Das Amt für {word(10**6 + number)}schutz arbeitet mit der NATO zusammen.\n")
    return len(changed)


def generate_settings(folder: Path) -> Collection:
    """The collection :func:`generate` wrote into ``folder``."""
    if str(TESTS) not in sys.path:
        sys.path.append(str(TESTS))
    return Collection(Path(folder) / "documents",
                      Settings(gazetteer_files=(str(Path(folder) / "gazetteer.tsv"),), extractors=(EXTRACTOR,)))


def rebuild(folder: Path, workers: int) -> dict:
    """Build the collection in ``folder`` again into ``folder/build`` as ``actorgraph build``
    does (ingest.pipeline.build: the fragment cache, and the stores changed by the delta when
    few documents changed): how many were extracted, and whether by the delta."""
    from actorgraph.ingest.pipeline import build

    collection = generate_settings(folder)
    result = build([collection.documents], folder / "build", workers=workers, settings=collection.settings)
    return {"extracted": result.extracted, "by_delta": result.by_delta, "seconds": {}}


def timed_build(folder: Path, workers: int, step: str = "--cold-build") -> tuple[float, int, dict]:
    """Seconds and peak resident bytes of a build in a child process (``step``: ``--cold-build``
    or ``--rebuild``), and its report."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, step, str(folder), "--workers", str(workers)],
                             stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"the build of {folder} failed")
    return wall, usage.ru_maxrss * 1024, json.loads(output.strip().splitlines()[-1])


def start_server(build: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """`actorgraph serve` on ``build`` on a free port, once /health answers 200: the process
    and its address (polled every 50 ms, so the time to it is measured that finely)."""
    import httpx

    from helpers import actorgraph_command, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(actorgraph_command() + ["serve", "--out", str(build), "--port", str(port), *options],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            if server.poll() is not None:
                raise RuntimeError("the server stopped while starting") from None
            time.sleep(0.05)


def served(build: Path) -> tuple[float, float, float]:
    """Start `actorgraph serve` on ``build``: seconds to the first /health answer, to the first
    (cold) brokers answer, and to a second one."""
    import httpx

    start = time.perf_counter()
    server, base = start_server(build)
    try:
        health = time.perf_counter() - start
        times = []
        for _ in range(2):
            start = time.perf_counter()
            response = httpx.get(f"{base}/questions/brokers", timeout=120)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
        return health, times[0], times[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


REBUILD_SHARE = 0.01  # of the documents changed before the rebuild (issue #14: 100 of 10,000)

UPLOAD = ("Das Amt für Hochwasserschutz arbeitet mit der Agentur für Deichfragen zusammen. "
          "Die Stiftung Uferland unterstützt das Amt für Hochwasserschutz seit 2024.\n")


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def upload_while_reading(build: Path, folder: Path) -> dict[str, float]:
    """Serve ``build`` with a key, post one document while two readers ask ``/actors?q=`` and a
    Cypher count in a loop: seconds to the upload's answer, p50/p99 of the reads meanwhile,
    seconds until graph.json and the exports are rewritten, and the server's resident memory
    afterwards (the server alone, and with its worker processes)."""
    import threading

    import httpx

    from helpers import tree_resident_bytes

    key = "benchmark-key"
    server, base = start_server(build, "--api-key", key, "--upload-dir", str(folder / "uploads"))
    try:
        with httpx.Client(base_url=base, timeout=120) as client:  # warm: the graph read, a worker started
            client.get("/actors", params={"q": "Amt"})
            client.post("/cypher", json={"query": "MATCH (n) RETURN count(n) AS n"})
            while not client.get("/health").json().get("uploads_ready"):  # the server settled after its start
                time.sleep(0.2)
        latencies: list[float] = []
        stop = threading.Event()

        def read(request: Callable[[httpx.Client], httpx.Response]) -> None:
            with httpx.Client(base_url=base, timeout=120) as reader:
                while not stop.is_set():
                    start = time.perf_counter()
                    response = request(reader)
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text

        readers = [threading.Thread(target=read, args=(lambda c: c.get("/actors", params={"q": "Amt"}),)),
                   threading.Thread(target=read, args=(lambda c: c.post(
                       "/cypher", json={"query": "MATCH ()-[r]->() RETURN count(r) AS n"}),))]
        for thread in readers:
            thread.start()
        time.sleep(3)
        idle, latencies[:] = list(latencies), []  # the same reads before the upload, for comparison
        start = time.perf_counter()
        response = httpx.post(f"{base}/documents", files={"file": ("hochwasser.txt", UPLOAD.encode(), "text/plain")},
                              headers={"X-API-Key": key}, timeout=600)
        upload = time.perf_counter() - start
        assert response.status_code == 201, response.text
        time.sleep(1)
        stop.set()
        for thread in readers:
            thread.join()
        while httpx.get(f"{base}/health", timeout=60).json().get("files_pending"):
            time.sleep(0.1)
        rewritten = time.perf_counter() - start
        rss = int(Path(f"/proc/{server.pid}/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
        return {"upload s": upload, "idle p99 ms": 1000 * percentile(idle, 0.99),
                "read p50 ms": 1000 * percentile(latencies, 0.5),
                "read p99 ms": 1000 * percentile(latencies, 0.99), "reads": float(len(latencies)),
                "files s": rewritten, "server MiB": rss / 2**20,
                "with workers MiB": tree_resident_bytes(server.pid) / 2**20}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", "--sizes", type=int, nargs="+", default=[1000, 10000],
                        help="sizes of the collections to generate and build (default 1000 10000)")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    parser.add_argument("--starts", type=int, default=3, help="server starts per size (default 3)")
    parser.add_argument("--cold-build", type=Path, help=argparse.SUPPRESS)  # the children of timed_build
    parser.add_argument("--rebuild", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_build:
        print(json.dumps(cold_build(args.cold_build, args.workers)))
        return 0
    if args.rebuild:
        print(json.dumps(rebuild(args.rebuild, args.workers)))
        return 0
    sys.path.insert(0, str(TESTS))  # helpers: the entry point beside this interpreter, a free port

    table = []
    for size in args.documents:
        folder = Path(tempfile.mkdtemp(prefix=f"actorgraph-scale-{size}-"))
        try:
            generate(folder, size)
            wall, peak, report = timed_build(folder, args.workers)
            changed = change_documents(folder, REBUILD_SHARE)
            rebuild_wall, rebuild_peak, rebuilt = timed_build(folder, args.workers, "--rebuild")
            assert rebuilt["extracted"] == changed and rebuilt["by_delta"], rebuilt  # the others from the cache
            build = folder / "build"
            starts = [served(build) for _ in range(args.starts)]
            counts = store_counts(build / "current")
            uploaded = upload_while_reading(build, folder)
            row = {"documents": size, "build s": wall, "peak MiB": peak / 2**20,
                   "changed": changed, "rebuild s": rebuild_wall, "rebuild share": rebuild_wall / wall,
                   "health s": statistics.median(s[0] for s in starts),
                   "brokers cold s": statistics.median(s[1] for s in starts),
                   "brokers warm s": statistics.median(s[2] for s in starts), **uploaded}
            table.append(row)
            print(f"\n{size:,} documents: {report['entities']:,} entities, {report['relations']:,} relations; "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            print("  steps s: " + ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items()))
            print(f"  rebuild with {changed} documents changed (as actorgraph build: the stores by the delta): "
                  f"{rebuild_wall:.1f} s, peak {rebuild_peak / 2**20:,.0f} MiB")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    columns = list(table[0])
    print("\n" + " | ".join(f"{c:>14}" for c in columns))
    for row in table:
        print(" | ".join(f"{row[c]:>14,.2f}" if isinstance(row[c], float) else f"{row[c]:>14,}" for c in columns))
    if len(table) > 1:
        small, large = table[0], table[-1]
        print(f"\nt({large['documents']:,}) / t({small['documents']:,}) = {large['build s'] / small['build s']:.2f} "
              f"for {large['documents'] / small['documents']:.0f}x the documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
