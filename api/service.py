"""The graph behind the HTTP API: one build folder, its current build's stores opened
read-only, and the two ways to change it, :meth:`GraphService.add_document` (extract the
document in a confined process prepared ahead, replace its earlier version's contribution)
and :meth:`GraphService.delete_document`; either makes the next build from the current one by
the delta (graph/delta.py) and makes it current.

Reads take the current :class:`Snapshot`, which names one build folder (``builds/N``); an
upload writes the next build beside it and swaps the ``current`` link in one rename, so a
request never sees a half-written or mixed graph.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import threading
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Callable

from ..graph.fragments import FRAGMENTS_FILE, read_fragments
from ..graph.jsonio import read_json
from ..graph.lookup import ActorIndex
from ..graph.model import Document, Entity, Fragment, Graph, Relation, merge_fragments
from ..graph.delta import Change, DocumentIndex, pending, rewrite_build, rewrite_files, write_delta
from ..graph.outputs import current_build
from ..queries.catalog import Engines, ask

QUESTION_THREADS = 2  # named questions computed at once; more wait their turn (and their time limit)

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class TooSlow(RuntimeError):
    """A named question that did not answer within the time limit (HTTP 503). Its answer is
    still being worked out, by one of a few threads, and kept: asking again gets it."""


class BadUpload(ValueError):
    """An upload that cannot be ingested (empty, too large, unsupported, unreadable);
    ``status`` is the HTTP status to answer (400, 413 or 422 when a limit stopped it, 408)."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.status = status


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


class Snapshot:
    """One built graph: the model (for search and actor pages), an index of each entity's
    relations, and the stores (for queries). The model is read from graph.json on first use
    (``load``; the server starts it in the background), so a server answers /health from the
    build's counts in build.json while a large graph is still being read."""

    def __init__(self, build: Path, timeout_s: float | None = None, graph: Graph | None = None) -> None:
        self.engines = Engines(build, timeout_s, graph=lambda: self.graph, actors=lambda: self.actors)
        self.pages: dict[tuple[str, bool], bytes] = {}  # rendered actor pages of this snapshot
        self.answers: dict[tuple, list] = {}  # question rows of this snapshot
        self.documents: dict[str, dict] = {}  # document views of this snapshot
        self.asking: dict[tuple, Future] = {}  # questions being answered now
        self.answering = threading.Lock()  # one answer for concurrent askers
        self._loading = threading.Lock()
        self._graph: Graph | None = None
        self._actors: ActorIndex | None = None
        self.neighbours: dict[str, list[Relation]] = {}
        if graph is not None:
            self._index(graph)

    @property
    def folder(self) -> Path:
        """The one build this snapshot reads (``builds/N``), whatever is made current later."""
        return self.engines.out

    @classmethod
    def open(cls, build: Path, timeout_s: float | None = None) -> "Snapshot":
        """The snapshot of one build folder; its graph is read from graph.json on first use
        (not checked against the schema again: the build did that when it wrote the file)."""
        return cls(build, timeout_s)

    @classmethod
    def of(cls, graph: Graph, build: Path, timeout_s: float | None = None) -> "Snapshot":
        """The snapshot of ``graph``, whose files and stores were written into ``build``."""
        return cls(build, timeout_s, graph)

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self.load()
        assert self._graph is not None
        return self._graph

    def load(self) -> None:
        """Read the graph and index it, once, whoever asks first."""
        with self._loading:
            if self._graph is None:
                self._index(read_json(self.folder / "graph.json", check=False))

    @property
    def actors(self) -> ActorIndex:
        """The one actor lookup of this graph (search, parameters, views, exports)."""
        self.graph  # read, and indexed, on first use
        assert self._actors is not None
        return self._actors

    def _index(self, graph: Graph) -> None:
        self.neighbours = graph.adjacency()
        self._actors = ActorIndex(graph, self.neighbours)
        self._graph = graph  # last: a reader that sees the graph sees its indexes

    def summary(self) -> dict[str, Any]:
        """Counts by type (``outputs.summary``): the build's own record of them while the
        graph is not read yet."""
        from ..graph.outputs import summary

        if self._graph is None:
            try:
                return json.loads((self.folder / "build.json").read_text(encoding="utf-8"))["summary"]
            except (OSError, ValueError, KeyError):
                pass
        return summary(self.graph)


def warm_extraction(defined: dict[str, Entity]) -> None:
    """What an extraction loads before its document (modules, gazetteer, model, the extractors
    knowing the graph's acronyms ``defined``), done ahead in a prepared worker so an upload
    costs its own extraction only."""
    from ..ingest.pipeline import Settings, extract_knowing

    extract_knowing(Document("warm.txt", "Das Auswärtige Amt arbeitet mit der NATO zusammen."), defined, Settings())


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

    def __init__(self, out: Path, upload_dir: Path | None = None, timeout_s: float | None = None, *,
                 uploads: bool = True, warm: bool = True) -> None:
        """``uploads``: whether uploads can come (with no API key none can: nothing is prepared
        for them). ``warm``: read the graph and prepare uploads now, in the background; else on
        :meth:`warm` (``actorgraph serve`` calls it once it listens, so /health answers first)."""
        self.out = Path(out).resolve()
        self.upload_dir = Path(upload_dir).resolve() if upload_dir else None
        self.timeout_s = timeout_s
        self._write_lock = threading.Lock()
        self._closed = False
        self._preparing = threading.Condition()  # notified when a prepared worker is ready
        self._generation = self._ready = 0  # the latest preparation asked for, and the one ready
        self._indexing = threading.Lock()
        self._index: DocumentIndex | None = None
        self.last_change: Change | None = None  # what the last upload or delete changed
        self._questions = ThreadPoolExecutor(QUESTION_THREADS, thread_name_prefix="question")
        self._rewrites = ThreadPoolExecutor(1, thread_name_prefix="rewrite")  # one build's files at a time
        self._rewriting: Future | None = None
        self._extractor: Any = None  # a prepared extraction worker (query_workers.Prepared)
        build = current_build(self.out)
        if pending(build) and (build / FRAGMENTS_FILE).is_file():
            # the writer of this build died before its graph.json was rewritten: the fragments say
            # what the graph is, and the files are written again
            graph = merge_fragments(read_fragments(build / FRAGMENTS_FILE))
            self.snapshot = Snapshot.of(graph, build, timeout_s)
            self._rewriting = self._rewrites.submit(rewrite_files, graph, build)
        else:
            self.snapshot = Snapshot.open(build, timeout_s)
        self._uploads = uploads and self.upload_dir is not None
        self._warmed = False
        if warm:
            self.warm()

    def warm(self) -> None:
        """Read the graph, and what uploads need, in background threads beside the requests
        (/health answers meanwhile from build.json); a request that needs them first waits."""
        if self._warmed:
            return
        self._warmed = True
        snapshot = self.snapshot
        threading.Thread(target=snapshot.load, name="load-graph", daemon=True).start()
        if self._uploads:
            self._prepare_extractor()
            # an upload needs to know what each document contributed
            threading.Thread(target=self.document_index, args=(snapshot,), name="index-documents", daemon=True).start()

    @property
    def graph(self) -> Graph:
        return self.snapshot.graph

    @property
    def engines(self) -> Engines:
        return self.snapshot.engines

    def answer(self, name: str, params: dict[str, Any], engine: str) -> list[dict[str, Any]]:
        """The rows of a named question on the current snapshot, within the time limit
        (``timeout_s``) or :class:`TooSlow`. Concurrent askers of one question share one
        computation; an answer is kept for the snapshot's life."""
        snapshot = self.snapshot
        key = (name, engine, tuple(sorted(params.items())))
        with snapshot.answering:
            rows = snapshot.answers.get(key)
            if rows is not None:
                return rows
            future = snapshot.asking.get(key)
            if future is None:
                future = snapshot.asking[key] = self._questions.submit(self._ask, snapshot, key, params)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            raise TooSlow(f"question {name!r} did not answer within the time limit of {self.timeout_s:g} s; "
                          "its answer is still being worked out: ask again in a moment") from None

    @staticmethod
    def _ask(snapshot: Snapshot, key: tuple, params: dict[str, Any]) -> list[dict[str, Any]]:
        name, engine, _ = key
        try:
            rows = ask(snapshot.engines, name, params, engine)[1]
            with snapshot.answering:
                remember(snapshot.answers, key, lambda: rows, limit=1_000)
            return rows
        finally:
            with snapshot.answering:
                snapshot.asking.pop(key, None)

    def upload_name(self, filename: str) -> str:
        """The name an upload is kept under, or BadUpload naming what is wrong with it."""
        from ..ingest.loaders import SUPPORTED_SUFFIXES

        if self.upload_dir is None:
            raise BadUpload("this server takes no uploads (no upload folder configured)")
        name = safe_filename(filename)
        if not name or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise BadUpload(f"file name {filename!r}: give a name ending in one of {allowed}")
        return name

    def add_document(self, filename: str, staged: Path, timeout_s: float = 120.0,
                     memory_bytes: int = 1536 * 2**20) -> tuple[Document, Graph, bool]:
        """Ingest one uploaded document, whose bytes are in ``staged`` (a hidden file in the
        upload folder, always gone afterwards): extracted in a confined process within
        ``timeout_s`` and ``memory_bytes``, merged with every other document's fragment (an
        earlier version of the same name is replaced), written as a new build and made current.
        Returns the document, what it added (entities and relations not in the graph before),
        and whether it replaced an earlier version."""
        from ..ingest.pipeline import Settings, extract_file, graph_acronyms
        from .query_workers import QueryFailed, QueryStopped, run_confined

        try:
            name = self.upload_name(filename)
            if staged.stat().st_size == 0:
                raise BadUpload(f"{name}: the upload is empty")
            # the loader reads the kind of document from the suffix, so the staged file takes the name's
            typed = staged.with_suffix(Path(name).suffix.lower())
            staged = staged.rename(typed)
            with self._write_lock:
                assert self.upload_dir is not None
                path = self.upload_dir / name
                doc_id = f"{self.upload_dir.name}/{name}"
                current = self.snapshot
                prepared = self._take_extractor(min(timeout_s, 60.0))
                try:
                    fragment = run_confined(extract_file, (staged, doc_id, graph_acronyms(current.graph), Settings()),
                                            timeout_s, memory_bytes, what="extraction", prepared=prepared)
                except (QueryFailed, QueryStopped) as exc:
                    self._prepare_extractor()
                    raise BadUpload(f"{name}: {exc.detail}", status=exc.status) from None
                replaced = doc_id in current.graph.documents
                try:
                    merged = self._change(current, doc_id, fragment)
                finally:
                    self._prepare_extractor()  # for the graph as it is now
                staged.replace(path)
                # the old snapshot's stores close when the last request using them is done
                added = Graph(documents={doc_id: merged.documents[doc_id]})
                for entity_id in sorted(set(merged.entities) - set(current.graph.entities)):
                    added.entities[entity_id] = merged.entities[entity_id]
                for key in sorted(set(merged.relations) - set(current.graph.relations)):
                    added.relations[key] = merged.relations[key]
                return merged.documents[doc_id], added, replaced
        finally:
            staged.unlink(missing_ok=True)

    def _take_extractor(self, wait_s: float) -> Any:
        """The prepared extraction worker for the current graph, waiting up to ``wait_s`` for
        the one being prepared (starting another would cost the same); None if there is none."""
        with self._preparing:
            self._preparing.wait_for(lambda: self._extractor is not None and self._ready == self._generation,
                                     timeout=wait_s)
            prepared, self._extractor = self._extractor, None
            return prepared

    def uploads_ready(self) -> bool:
        """Whether the next upload's extraction worker is prepared (for /health)."""
        return self._extractor is not None and self._ready == self._generation

    def _prepare_extractor(self) -> None:
        """Start the next upload's extraction worker, in the background (a process start and
        the extraction's imports take seconds, which the upload then does not wait for)."""
        from functools import partial

        from .query_workers import Prepared

        with self._preparing:
            self._generation += 1
            generation = self._generation

        def start() -> None:
            from ..ingest.pipeline import graph_acronyms

            prepared = Prepared.start(partial(warm_extraction, graph_acronyms(self.snapshot.graph)), what="extraction")
            with self._preparing:
                if self._closed or generation != self._generation:  # a later graph's worker is coming
                    prepared.kill()
                    return
                earlier, self._extractor = self._extractor, prepared
                self._ready = generation
                self._preparing.notify_all()
            if earlier is not None:
                earlier.kill()

        threading.Thread(target=start, name="prepare-extraction", daemon=True).start()

    def _change(self, current: Snapshot, doc_id: str, fragment: Fragment | None) -> Graph:
        """Make current the next build: ``current``'s graph with document ``doc_id`` replaced by
        ``fragment`` (removed when None), its stores changed by the delta only; its whole-graph
        files rewritten in the background. Holds the write lock (the caller's)."""
        from ..graph.outputs import STORE_WRITERS, write_outputs

        index = self.document_index(current)
        if index is None:  # an older build without fragments: merged into the graph as it is, written whole
            merged = Graph.from_json(current.graph.to_json())
            if fragment is not None:
                merged.add_fragment(fragment)
            elif doc_id in merged.documents:
                raise BadUpload("this build keeps no fragments.jsonl: rebuild it to remove documents", status=409)
            build = write_outputs(merged, self.out, extra=list(STORE_WRITERS))
            self.last_change = None
        else:
            merged, touched = index.replace(current.graph, doc_id, fragment)
            build, self.last_change = write_delta(current.graph, merged, self.out, current.folder,
                                                  touched=touched, replaced=(doc_id, fragment))
            index.replaced(build, doc_id, fragment)
        self.snapshot = Snapshot.of(merged, build, self.timeout_s)  # one assignment: readers see old or new
        self._rewriting = self._rewrites.submit(self._rewrite, build)
        return merged

    def document_index(self, snapshot: Snapshot) -> DocumentIndex | None:
        """What each document of ``snapshot``'s build contributed (graph/delta.py), read from
        its fragments.jsonl once and then kept up to date; None for a build without one."""
        with self._indexing:
            if self._index is None or self._index.folder != snapshot.folder:
                path = snapshot.folder / FRAGMENTS_FILE
                self._index = DocumentIndex(snapshot.folder, read_fragments(path)) if path.is_file() else None
            return self._index

    @staticmethod
    def _rewrite(build: Path) -> None:
        """Rewrite the build's whole-graph files in a child process: writing them holds an
        interpreter for seconds (tens at 10,000 documents), which the server's readers need."""
        if pending(build) and build.is_dir():  # else written whole already, or dropped as an old build
            process = multiprocessing.get_context("spawn").Process(target=rewrite_build, args=(str(build),),
                                                                   name="actorgraph-rewrite", daemon=True)
            process.start()
            process.join()
            if process.exitcode != 0 and build.is_dir():  # a dropped build (older than KEEP_BUILDS) is no failure
                raise RuntimeError(f"rewriting the files of build {build.name} failed (exit {process.exitcode})")

    def files_pending(self) -> bool:
        """Whether the served build's graph.json and exports are still the previous build's."""
        return pending(self.snapshot.folder)

    def settle(self, timeout_s: float | None = None) -> None:
        """Wait until the last build's files are rewritten (tests, benchmarks, shutdown)."""
        if self._rewriting is not None:
            self._rewriting.result(timeout=timeout_s)

    def delete_document(self, doc_id: str) -> tuple[Document, Change | None, bool]:
        """Remove document ``doc_id`` and what only it supported: the next build is the current
        one by the delta. Its file goes from the upload folder when it lies there, so the next
        ``actorgraph build`` does not bring it back. Returns the document, the change, and
        whether a file was removed; KeyError when the served graph has no such document."""
        with self._write_lock:
            current = self.snapshot
            document = current.graph.documents.get(doc_id)
            if document is None:
                raise KeyError(doc_id)
            try:
                self._change(current, doc_id, None)
            finally:
                self._prepare_extractor()
            removed = False
            if self.upload_dir is not None:
                folder, _, name = doc_id.partition("/")
                if folder == self.upload_dir.name and name and name == safe_filename(name):
                    path = self.upload_dir / name
                    removed = path.is_file()
                    path.unlink(missing_ok=True)
            return document, self.last_change, removed

    def close(self) -> None:
        with self._preparing:
            self._closed = True
            if self._extractor is not None:
                self._extractor.kill()
        self._rewrites.shutdown(wait=True)
        self._questions.shutdown(wait=False, cancel_futures=True)
        self.snapshot.engines.close()
