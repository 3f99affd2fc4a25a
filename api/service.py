"""The graph behind the HTTP API: one build folder, its stores opened read-only, and the one
way to change it, :meth:`GraphService.add_document` (extract, merge, rewrite the build).

Reads take the current :class:`Snapshot`; an upload builds the next one beside it and swaps
it in, so a request never sees a half-written graph.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..graph.jsonio import read_json
from ..graph.model import Document, Graph, Relation
from ..graph.ontology import EntityType
from ..queries.catalog import Engines

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class NotFound(LookupError):
    """An actor, question or document that is not in the graph."""


class BadUpload(ValueError):
    """An upload that cannot be ingested (empty, too large, unsupported, unreadable)."""


def safe_filename(name: str) -> str:
    """The last part of an uploaded file's name, reduced to letters, digits, ``.``, ``_`` and
    ``-`` so it cannot leave the upload folder.

    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("Bericht über Krisenstäbe.txt")
    'Bericht_uber_Krisenstabe.txt'
    """
    base = re.split(r"[\\/]", name or "")[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = SAFE_NAME.sub("_", ascii_name).strip("._")
    return cleaned[:120]


@dataclass
class Snapshot:
    """One built graph: the model (for search and actor pages), an index of each entity's
    relations, and the stores (for queries)."""

    graph: Graph
    engines: Engines
    neighbours: dict[str, list[Relation]] = field(default_factory=dict)
    search_keys: list[tuple[str, str]] = field(default_factory=list)  # (casefolded name or alias, id)
    pages: dict[tuple[str, bool], bytes] = field(default_factory=dict)  # rendered actor pages of this snapshot
    answers: dict[tuple, list] = field(default_factory=dict)  # question rows of this snapshot
    answering: threading.Lock = field(default_factory=threading.Lock)  # one answer for concurrent askers

    @classmethod
    def open(cls, out: Path, timeout_s: float | None = None) -> "Snapshot":
        """The snapshot of a build folder, its graph read from graph.json."""
        return cls.of(read_json(out / "graph.json"), out, timeout_s)

    @classmethod
    def of(cls, graph: Graph, out: Path, timeout_s: float | None = None) -> "Snapshot":
        """The snapshot of ``graph``, whose stores were written into ``out``."""
        keys = [(label.casefold(), entity.id) for entity in graph.sorted_entities()
                for label in (entity.name, *sorted(entity.aliases))]
        return cls(graph, Engines(out, timeout_s), graph.adjacency(), keys)


def remember(cache: dict, key: Any, compute: Callable[[], Any], limit: int) -> Any:
    """``cache[key]``, computed on a miss; the cache is emptied when it reaches ``limit``, so a
    crawl of a large graph cannot grow it without end (what a snapshot caches never goes stale).

    >>> cache = {}
    >>> remember(cache, "a", lambda: 1, limit=2), remember(cache, "a", lambda: 2, limit=2)
    (1, 1)
    """
    value = cache.get(key)
    if value is None:
        value = compute()
        if len(cache) >= limit:
            cache.clear()
        cache[key] = value
    return value


class GraphService:
    """The served build folder. Thread-safe: reads share a snapshot, writes are serialised."""

    def __init__(self, out: Path, upload_dir: Path | None = None, timeout_s: float | None = None) -> None:
        self.out = Path(out).resolve()
        self.upload_dir = Path(upload_dir).resolve() if upload_dir else None
        self.timeout_s = timeout_s
        self._write_lock = threading.Lock()
        self.snapshot = Snapshot.open(self.out, timeout_s)

    @property
    def graph(self) -> Graph:
        return self.snapshot.graph

    @property
    def engines(self) -> Engines:
        return self.snapshot.engines

    def search(self, text: str | None, entity_type: EntityType | None) -> list[str]:
        """Ids of the entities whose name or an alias contains ``text`` (case-insensitive), of
        ``entity_type`` if given; exact matches first, then by name."""
        snapshot = self.snapshot
        graph = snapshot.graph
        if text:
            needle = text.casefold()
            exact, partial = [], []
            seen: set[str] = set()
            for label, entity_id in snapshot.search_keys:
                if needle in label and entity_id not in seen:
                    seen.add(entity_id)
                    (exact if label == needle else partial).append(entity_id)
            found = exact + partial
        else:
            found = [e.id for e in graph.sorted_entities()]
        if entity_type is not None:
            found = [i for i in found if graph.entities[i].type is entity_type]
        return found

    def actor(self, entity_id: str) -> tuple[Any, list[Relation]]:
        snapshot = self.snapshot
        entity = snapshot.graph.entities.get(entity_id)
        if entity is None:
            raise NotFound(f"no actor with id {entity_id!r} (search with /actors?q=NAME)")
        return entity, snapshot.neighbours.get(entity_id, [])

    def add_document(self, filename: str, data: bytes, max_bytes: int) -> tuple[Document, Graph]:
        """Ingest one uploaded document into the served graph: saved under the upload folder,
        extracted, merged, the build rewritten (atomically) and reopened. Returns the document
        and what it added (entities and relations that were not in the graph before)."""
        from ..graph.outputs import STORE_WRITERS, write_outputs
        from ..ingest.loaders import SUPPORTED_SUFFIXES, UnreadableDocument, load_document
        from ..ingest.pipeline import Settings, extract_with_graph

        if self.upload_dir is None:
            raise BadUpload("this server takes no uploads (no upload folder configured)")
        name = safe_filename(filename)
        if not name or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise BadUpload(f"file name {filename!r}: give a name ending in one of {allowed}")
        if not data:
            raise BadUpload(f"{name}: the upload is empty")
        if len(data) > max_bytes:
            raise BadUpload(f"{name}: {len(data):,} bytes, more than the limit of {max_bytes:,}")
        with self._write_lock:
            self.upload_dir.mkdir(parents=True, exist_ok=True)
            path = (self.upload_dir / name).resolve()
            if path.parent != self.upload_dir:  # safe_filename makes this impossible; kept as a guard
                raise BadUpload(f"file name {filename!r} leaves the upload folder")
            doc_id = f"{self.upload_dir.name}/{name}"
            staging = path.with_name(f".{path.stem}.part{path.suffix}")  # hidden: a build skips it
            staging.write_bytes(data)
            try:
                document = load_document(staging, doc_id)
            except UnreadableDocument as exc:
                staging.unlink()
                raise BadUpload(f"{name}: {exc}") from None
            current = self.snapshot
            fragment = extract_with_graph(document, current.graph, Settings())
            merged = Graph.from_json(current.graph.to_json())
            before_entities, before_relations = set(merged.entities), set(merged.relations)
            merged.add_fragment(fragment)
            write_outputs(merged, self.out, extra=list(STORE_WRITERS))
            staging.replace(path)
            # the graph just written is the new snapshot's (not read back from disk); the old
            # snapshot's stores are left to close when the last request using them is done
            self.snapshot = Snapshot.of(merged, self.out, self.timeout_s)
            added = Graph(documents={document.id: merged.documents[document.id]})
            for entity_id in sorted(set(merged.entities) - before_entities):
                added.entities[entity_id] = merged.entities[entity_id]
            for key in sorted(set(merged.relations) - before_relations):
                added.relations[key] = merged.relations[key]
            return document, added

    def close(self) -> None:
        self.snapshot.engines.close()
