"""The build folder: every output written into a temporary folder beside it, then swapped into
place in one rename, so an interrupted or failed build never leaves half-written files over a
good previous build.

Files: ``graph.json`` (ONTOLOGY.md), ``graph.ttl`` and ``graph.jsonld`` (RDF), ``graph.graphml``
(networkx), ``build.json`` (what was read, skipped and counted); stores: ``oxigraph/`` (SPARQL),
``ladybug/`` (embedded Cypher), ``neo4j/`` (import files for neo4j-admin).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .jsonio import dumps, validate
from .model import Graph
from .networkx_view import write_graphml
from .rdf import write_rdf

OUTPUT_FILES = ("graph.json", "graph.ttl", "graph.jsonld", "graph.graphml", "build.json")


def _write_sparql_store(graph: Graph, folder: Path) -> None:
    from .sparql_store import write_store

    write_store(graph, folder)


def _write_cypher_store(graph: Graph, folder: Path) -> None:
    from .cypher_store import write_store

    write_store(graph, folder)


def _write_neo4j_files(graph: Graph, folder: Path) -> None:
    from .neo4j_export import write_import_files

    write_import_files(graph, folder)


# The stores the query commands read, built inside the same staging folder as the files.
STORE_WRITERS = (_write_sparql_store, _write_cypher_store, _write_neo4j_files)


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


def write_outputs(graph: Graph, out: Path, skipped: list[SkippedFile] | None = None,
                  extra: list[Callable[[Graph, Path], None]] | None = None) -> Path:
    """Write every output for ``graph`` into ``out`` atomically; returns ``out``.

    ``extra`` writers (the query stores) run inside the temporary folder too, so a store
    that fails to build leaves the previous build in place.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the build folder is not
    try:
        text = dumps(graph)
        validate(json.loads(text))
        (staging / "graph.json").write_text(text, encoding="utf-8")
        write_rdf(graph, staging)
        write_graphml(graph, staging / "graph.graphml")
        for writer in extra or []:
            writer(graph, staging)
        manifest = {"summary": summary(graph),
                    "skipped": [{"path": s.path, "reason": s.reason} for s in skipped or []]}
        (staging / "build.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    retired.rmdir()
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
