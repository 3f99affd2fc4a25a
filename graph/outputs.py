"""The build folder: every build is written whole into a folder of its own under
``builds/``, then made current by one rename of the ``current`` link, so a reader (a
command, or the server while an upload swaps the build) sees one whole build, the previous or
the next, never a mix and never a half-written file. An interrupted or failed build leaves
the previous one current.

::

    build/
      current -> builds/000007          the one pointer; swapped by one rename
      builds/000007/graph.json, ...     the builds (the current one and two before it)
      graph.json -> current/graph.json  fixed links, so build/graph.json is always the current one
      cache/fragments/ab/abcd….json     what extraction found per document (ingest/cache.py)

Files of a build: ``graph.json`` (ONTOLOGY.md, checked against its schema here, once, so
serving it need not), ``graph.nt``, ``graph.ttl`` and ``graph.jsonld`` (RDF, streamed),
``graph.graphml`` (networkx), ``build.json`` (what was read, skipped and counted, and which
documents are not in German), ``fragments.jsonl`` (what extraction found in each document, so
one document can be replaced or removed without reading the others), ``brokers.json`` (the
brokers question, computed once); stores: ``oxigraph/`` (SPARQL, bulk-loaded from
``graph.nt``), ``ladybug/`` (embedded Cypher), ``neo4j/`` (import files for neo4j-admin).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from .fragments import FRAGMENTS_FILE, write_fragments
from .jsonio import dumps, validate
from .model import Fragment, Graph

OUTPUT_FILES = ("graph.json", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml", "build.json")
CURRENT = "current"
BUILDS = "builds"
KEEP_BUILDS = 3  # the current build and two before it, for requests still reading them
CACHE = "cache"  # the fragment cache (ingest/cache.py): shared by every build, in no one build


def _write_sparql_store(graph: Graph, folder: Path) -> None:
    from .sparql_store import write_store

    from .rdf import NTRIPLES_FILE

    write_store(graph, folder, triples_file=folder / NTRIPLES_FILE)  # written by write_rdf before the stores


def _write_cypher_store(graph: Graph, folder: Path) -> None:
    from .cypher_store import write_store

    write_store(graph, folder)


def _write_neo4j_files(graph: Graph, folder: Path) -> None:
    from .neo4j_export import write_import_files

    write_import_files(graph, folder)


def _write_brokers(graph: Graph, folder: Path) -> None:
    from ..queries.analytics import write_brokers

    write_brokers(graph, folder)


# The stores the query commands read, and what questions read precomputed (brokers.json),
# built inside the same staging folder as the files.
STORE_WRITERS = (_write_sparql_store, _write_cypher_store, _write_neo4j_files, _write_brokers)


@dataclass
class SkippedFile:
    path: str
    reason: str


def summary(graph: Graph) -> dict:
    """Counts by entity type and relation type."""
    return {
        "documents": len(graph.documents),
        "entities": len(graph.entities),
        "relations": len(graph.relations),
        "entities_by_type": dict(sorted(Counter(e.type.value for e in graph.entities.values()).items())),
        "relations_by_type": dict(sorted(Counter(r.type.value for r in graph.relations.values()).items())),
    }


def not_german(graph: Graph) -> list[dict[str, str]]:
    """The documents detected as written in another language than German, with its ISO 639-1
    code, in document order: a reader of a German-centred graph learns which pages it also read.
    Documents too short to tell (language "") are not listed."""
    return [{"document": doc.id, "language": doc.language}
            for doc in (graph.documents[k] for k in sorted(graph.documents))
            if doc.language and doc.language != "de"]


def write_outputs(graph: Graph, out: Path, skipped: list[SkippedFile] | None = None,
                  extra: list[Callable[[Graph, Path], None]] | None = None,
                  fragments: Iterable[Fragment] | None = None) -> Path:
    """Write every output for ``graph`` as a new build under ``out`` and make it current in
    one step; returns the new build's folder.

    ``extra`` writers (the query stores) run inside the new build's folder too, so a store
    that fails to build leaves the previous build current. ``fragments``, when given, are
    kept beside the graph (``fragments.jsonl``).
    """
    from .networkx_view import write_graphml  # here, not above: a server imports this module,
    from .rdf import NTRIPLES_FILE, write_rdf  # and neither networkx nor rdflib need start with it

    out = Path(out).resolve()
    builds = _prepare(out)
    staging = new_staging(builds)
    try:
        text = dumps(graph)
        validate(json.loads(text))
        (staging / "graph.json").write_text(text, encoding="utf-8")
        write_rdf(graph, staging)
        write_graphml(graph, staging / "graph.graphml")
        if fragments is not None:
            write_fragments(fragments, staging / FRAGMENTS_FILE)
        for writer in extra or []:
            writer(graph, staging)
        write_manifest(staging, manifest(graph, skipped))
        build = _next_build(builds)
        staging.rename(build)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _make_current(out, build)
    return build


def manifest(graph: Graph, skipped: list[SkippedFile] | None) -> dict:
    """What ``build.json`` says of a build of ``graph``: its counts, the files skipped, the
    documents not in German, and which writers wrote its files and stores (a later build may
    change them by a delta only when the same writers would write them whole)."""
    return {"summary": summary(graph), "skipped": [{"path": s.path, "reason": s.reason} for s in skipped or []],
            "not_german": not_german(graph), "writers": writers_fingerprint()}


@lru_cache(maxsize=1)
def writers_fingerprint() -> str:
    """One hash of the code that turns a graph into files and stores (``graph/``, ``queries/``)
    and of the versions of the libraries it calls."""
    from importlib import metadata

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(b"actorgraph writers 1\n")
    for path in sorted(p for folder in ("graph", "queries") for p in (package / folder).rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(package).as_posix()} {len(data)}\n".encode() + data)
    for library in ("ladybug", "networkx", "pyoxigraph", "rdflib"):
        digest.update(f"library {library} {metadata.version(library)}\n".encode())
    return digest.hexdigest()


def new_staging(builds: Path) -> Path:
    """A folder in ``builds`` to write the next build into; its name says whose it is, so
    :func:`_prepare` removes it once its writer is gone."""
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=builds))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the build folder is not
    return staging


def write_manifest(folder: Path, manifest: dict) -> None:
    """``build.json``: the graph's counts, the skipped files, the documents not in German. A
    file there (a link to the previous build's) is replaced, not written through."""
    path = folder / "build.json"
    path.unlink(missing_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def current_build(out: Path) -> Path:
    """The folder of the build that is current in ``out`` (resolved once: a reader that keeps
    it reads one build to the end, whatever is swapped in meanwhile)."""
    out = Path(out)
    link = out / CURRENT
    return link.resolve() if link.is_symlink() else out


def _prepare(out: Path) -> Path:
    """``out/builds``, made if missing; a folder of the earlier layout (files directly in
    ``out``) becomes the first build; staging folders of builds that died are removed."""
    builds = out / BUILDS
    legacy = out / "graph.json"
    if legacy.is_file() and not legacy.is_symlink():
        old = [p for p in out.iterdir() if p.name not in (BUILDS, CACHE)]
        first = builds / f"{0:06d}"
        first.mkdir(parents=True, exist_ok=True)
        for entry in old:
            entry.rename(first / entry.name)
        _make_current(out, first)
    builds.mkdir(parents=True, exist_ok=True)
    for stale in builds.glob(".tmp-*"):  # ".tmp-<pid of the writer>-<random>"
        writer = stale.name.split("-")[1]
        if not (writer.isdigit() and process_alive(int(writer))):
            shutil.rmtree(stale, ignore_errors=True)
    return builds


def process_alive(pid: int) -> bool:
    """Whether the process ``pid`` still runs (a writer whose temporary files must stay)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _next_build(builds: Path) -> Path:
    numbers = [int(p.name) for p in builds.iterdir() if p.name.isdigit()]
    return builds / f"{max(numbers, default=0) + 1:06d}"


def _make_current(out: Path, build: Path) -> None:
    """Point ``out/current`` at ``build`` by one rename of a new link over the old one, give
    every entry of the build its fixed link in ``out``, and drop builds past ``KEEP_BUILDS``."""
    pointer = out / f".{CURRENT}-{os.getpid()}-{build.name}"
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(Path(BUILDS) / build.name, target_is_directory=True)
    os.replace(pointer, out / CURRENT)
    for entry in build.iterdir():
        link = out / entry.name
        if not link.is_symlink() and not link.exists():
            link.symlink_to(Path(CURRENT) / entry.name, target_is_directory=entry.is_dir())
    finished = sorted((p for p in build.parent.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for old in finished[:-KEEP_BUILDS]:
        if old != build:
            shutil.rmtree(old, ignore_errors=True)
