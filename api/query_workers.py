"""Queries that strangers send (``POST /cypher``, ``/sparql``) run here: in worker processes,
never in the server's own, so no query can take the server's memory, time or files with it.

Each worker is confined before it reads anything (:func:`confine`): its own network namespace
without interfaces (no SPARQL ``SERVICE`` or extension download reaches anything), a
read-only view of the file system (its own mount namespace), no file writes at all
(``RLIMIT_FSIZE`` 0), no core dumps, and a bounded address space (``RLIMIT_AS``). It opens the
build's stores read-only with its own connections and answers one job at a time.

The server side, :class:`QueryPool`, hands a job to an idle worker and waits: past the time
limit, past the memory limit (the worker's resident size, checked while it runs), or when
the client has gone away, it kills the worker and starts a new one; a worker that crashes is
replaced the same way. The caller gets :class:`QueryStopped` with the HTTP status to answer.
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..graph.cypher_answers import plain
from ..graph.errors import one_line, stopped_by_time_limit

log = logging.getLogger("actorgraph.api.workers")
PAGE = os.sysconf("SC_PAGE_SIZE")
STORE_MEMORY = 128 * 2**20  # LadybugDB's buffer pool per database in a worker


@dataclass(frozen=True)
class Limits:
    """What one query may take: wall time, resident memory of its worker, rows, answer bytes."""

    timeout_s: float = 10.0
    memory_bytes: int = 768 * 2**20
    max_rows: int = 10_000
    max_bytes: int = 50_000_000
    sparql_services: tuple[str, ...] = ()  # endpoints SPARQL SERVICE may call; none by default


@dataclass(frozen=True)
class CypherJob:
    folder: str
    text: str
    params: dict[str, Any]


@dataclass(frozen=True)
class SparqlJob:
    folder: str
    text: str
    accept: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


class QueryStopped(Exception):
    """A query that did not answer: ``status`` 408 (time), 413 (memory), 499→400 (client
    gone), 503 (no worker free, or the worker died); ``detail`` says which, in one line."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class QueryFailed(ValueError):
    """The engine refused or failed the query (syntax, unknown function, a refused clause)."""

    def __init__(self, language: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.language, self.detail, self.status = language, detail, status


# -- the worker side ----------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18


def confine(network: bool = False) -> dict[str, bool]:
    """Take from this process what a query never needs; returns what took effect. Namespaces
    need root or unprivileged user namespaces; where neither exists, the resource limits and
    the query checks still hold."""
    took = {"no_network": False, "read_only_files": False, "no_file_writes": False}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    took["no_file_writes"] = True
    flags = CLONE_NEWNS | (0 if network else CLONE_NEWNET)
    if _libc.unshare(flags) != 0 and _libc.unshare(flags | CLONE_NEWUSER) != 0:
        return took
    took["no_network"] = not network
    if _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0:
        points = [line.split()[4] for line in open("/proc/self/mountinfo", encoding="utf-8")]
        failed = [p for p in points if _libc.mount(None, p.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)]
        took["read_only_files"] = not failed or points[0] not in failed
    return took


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[0]) * PAGE


class _Stores:
    """The stores of one build folder, opened read-only in a worker; one folder at a time, so
    the address space reserved for them stays what it was when the limit was set."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.cypher: Any = None
        self.sparql: Any = None

    def open(self, folder: str, timeout_s: float) -> "_Stores":
        if folder != self.folder:
            self.close()
            import pyoxigraph as ox

            from ..graph.cypher_store import CypherStore

            self.cypher = CypherStore(Path(folder), timeout_s, buffer_pool_size=STORE_MEMORY)
            self.sparql = ox.Store.read_only(str(Path(folder) / "oxigraph"))
            self.folder = folder
        return self

    def close(self) -> None:
        if self.cypher is not None:
            self.cypher.close()
        self.cypher = self.sparql = self.folder = None


def _silenced_and_confined(network: bool = False) -> dict[str, bool]:
    """The start of every worker: nothing it prints reaches the server's log files, then
    :func:`confine`."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    return confine(network)


def worker_main(connection: Any, limits: Limits, first_folder: str) -> None:
    """A worker's life: confine, open the first build's stores, limit the address space to
    what that took plus the memory limit, then answer jobs until the pipe closes."""
    confinement = _silenced_and_confined(network=bool(limits.sparql_services))
    stores = _Stores()
    try:
        stores.open(first_folder, limits.timeout_s)
    except Exception:  # a broken build: each job says so (it tries to open the stores again)
        connection.send(("ready", confinement))
    else:
        # twice what the opened stores reserve (the next build's stores replace them) and the
        # memory a query may use; a query past it fails with bad_alloc instead of growing
        ceiling = 2 * _address_space() + limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        connection.send(("ready", confinement))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("ok", _answer(job, stores, limits)))
        except QueryFailed as exc:
            connection.send(("failed", exc.language, exc.detail, exc.status))
        except MemoryError:
            connection.send(("failed", "query", "the query needed more memory than a query may use", 413))
        except Exception as exc:  # anything the engines raise is the query's problem, not the server's
            connection.send(("failed", "query", one_line(exc), 400))


def _answer(job: CypherJob | SparqlJob, stores: _Stores, limits: Limits) -> Any:
    try:
        stores.open(job.folder, limits.timeout_s)
    except Exception as exc:
        raise QueryFailed("query", f"the build could not be opened: {one_line(exc)}", 503) from None
    if isinstance(job, CypherJob):
        return _cypher(job, stores, limits)
    return _sparql(job, stores, limits)


def _cypher(job: CypherJob, stores: _Stores, limits: Limits) -> tuple[list[str], list[dict], bool]:
    from ..graph.cypher_guard import CypherRefused, check_read_only, neo4j_functions
    from ..graph.cypher_store import CypherError

    try:
        check_read_only(neo4j_functions(job.text))  # again, here: the worker trusts no caller
        columns, rows = stores.cypher.answer(job.text, job.params, max_rows=limits.max_rows + 1)
    except (CypherRefused, CypherError) as exc:
        raise QueryFailed("Cypher", *_engine_failure(str(exc), limits)) from None
    truncated = len(rows) > limits.max_rows
    kept, size = [], 0
    for row in rows[:limits.max_rows]:
        row = plain(row)
        size += len(json.dumps(row, ensure_ascii=False))
        if size > limits.max_bytes:
            truncated = True
            break
        kept.append(row)
    return columns, kept, truncated


def _engine_failure(message: str, limits: Limits) -> tuple[str, int]:
    """The detail and status for an engine's error: its own time limit is 408, running out of the
    worker's memory (the address-space limit makes allocations fail) is 413, the rest is 400."""
    if stopped_by_time_limit(message):
        return f"stopped at its time limit of {limits.timeout_s:g} s", 408
    lowered = message.lower()
    if "bad_alloc" in lowered or "out of memory" in lowered or "unable to allocate" in lowered:
        return (f"the query needs more than its memory limit of {limits.memory_bytes // 2**20} MiB: "
                "ask for less (LIMIT, fewer columns, aggregate)"), 413
    return message, 400


def _sparql(job: SparqlJob, stores: _Stores, limits: Limits) -> tuple[bytes, str, bool]:
    from ..graph.sparql_guard import SparqlRefused, check_services
    from ..graph.sparql_store import SparqlError
    from .sparql_protocol import NotAcceptable, run_query

    try:
        check_services(job.text, limits.sparql_services)
        body, media, truncated = run_query(stores.sparql, job.text, job.accept, list(job.default_graphs),
                                           list(job.named_graphs), max_rows=limits.max_rows)
    except NotAcceptable as exc:
        raise QueryFailed("SPARQL", str(exc), 406) from None
    except (SparqlRefused, SparqlError) as exc:
        raise QueryFailed("SPARQL", str(exc)) from None
    if len(body) > limits.max_bytes:
        raise QueryFailed("SPARQL", f"the answer has {len(body):,} bytes, more than {limits.max_bytes:,}: "
                                    "ask for fewer rows (LIMIT) or fewer columns", 413)
    return body, media, truncated


# -- the server side ----------------------------------------------------------------------

def resident_bytes(pid: int) -> int:
    """The resident memory of process ``pid`` (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def await_reply(process: Any, connection: Any, timeout_s: float, memory_bytes: int | None,
                cancelled: Callable[[], bool] = lambda: False, what: str = "query") -> tuple:
    """The next message from a worker process, or QueryStopped when it dies, passes
    ``memory_bytes`` of resident memory or ``timeout_s`` seconds, or the caller is
    ``cancelled``. The caller kills the worker after a QueryStopped."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if connection.poll(0.02):
                return connection.recv()
        except (EOFError, OSError):
            raise QueryStopped(503, f"the {what} worker stopped (it crashed on this {what}); the server goes on") from None
        if not process.is_alive():
            raise QueryStopped(503, f"the {what} worker stopped (it crashed on this {what}); the server goes on")
        if memory_bytes and resident_bytes(process.pid) > memory_bytes:
            raise QueryStopped(413, f"the {what} was stopped: it needed more than {memory_bytes // 2**20:,} MiB of memory")
        if time.monotonic() > deadline:
            raise QueryStopped(408, f"the {what} was stopped at its time limit of {timeout_s:g} s")
        if cancelled():
            raise QueryStopped(400, f"the client went away; the {what} was stopped")


@dataclass(eq=False)
class Prepared:
    """A confined process started ahead of its one task, ``warm()`` already run in it (imports,
    tables): the task then costs its own time only. :meth:`start` returns once it is warm.
    Used once, then killed."""

    process: Any
    connection: Any

    @classmethod
    def start(cls, warm: Callable[[], Any] | None = None, what: str = "task") -> "Prepared":
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_run_prepared, args=(child, warm), daemon=True, name=f"actorgraph-{what}")
        process.start()
        child.close()
        try:  # warmed: the process says so once ``warm`` returned
            if parent.poll(600):
                parent.recv()
        except (EOFError, OSError):
            pass  # it died: not usable, and run_confined starts a process of its own
        return cls(process, parent)

    def usable(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


def run_confined(target: Callable[..., Any], args: tuple, timeout_s: float, memory_bytes: int,
                 what: str = "task", prepared: Prepared | None = None) -> Any:
    """``target(*args)`` in a new confined process (see :func:`confine`), or in ``prepared``
    (started ahead), its result sent back; killed past ``timeout_s`` or ``memory_bytes``. An
    exception in it comes back as QueryFailed with its one-line message."""
    if prepared is not None and prepared.usable():
        process, parent = prepared.process, prepared.connection
        try:
            parent.send((target, args))
        except (OSError, ValueError):
            prepared.kill()
            prepared = None
    else:
        prepared = None
    if prepared is None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_run_one, args=(child, target, args), daemon=True, name=f"actorgraph-{what}")
        process.start()
        child.close()
    try:
        reply = await_reply(process, parent, timeout_s, memory_bytes, what=what)
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent.close()
    if reply[0] == "failed":
        raise QueryFailed(what, reply[1], reply[2])
    return reply[1]


def _run_prepared(connection: Any, warm: Callable[[], Any] | None) -> None:
    """A prepared process: confined, warmed, then its one task from the pipe."""
    _silenced_and_confined()
    if warm is not None:
        try:
            warm()
        except Exception:  # the task itself will say what is wrong
            pass
    connection.send(("warm",))
    try:
        target, args = connection.recv()
    except (EOFError, OSError):
        return
    _send_result(connection, target, args)


def _run_one(connection: Any, target: Callable[..., Any], args: tuple) -> None:
    _silenced_and_confined()
    _send_result(connection, target, args)


def _send_result(connection: Any, target: Callable[..., Any], args: tuple) -> None:
    try:
        connection.send(("ok", target(*args)))
    except MemoryError:
        connection.send(("failed", "it needed more memory than it may use", 413))
    except Exception as exc:
        connection.send(("failed", one_line(exc), getattr(exc, "status", 400)))


@dataclass(eq=False)  # each worker is itself: hashed and compared by identity
class _Worker:
    process: Any
    connection: Any
    ready: bool = False
    confinement: dict[str, bool] = field(default_factory=dict)

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        self.connection.close()


class QueryPool:
    """``size`` confined worker processes answering queries on ``folder()`` (the current
    build, asked at each job so a swapped build is picked up)."""

    def __init__(self, folder: Callable[[], Path], limits: Limits, size: int = 2, wait_s: float = 5.0) -> None:
        self.folder, self.limits, self.size, self.wait_s = folder, limits, size, wait_s
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no server threads or handles
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, args=(child, self.limits, str(self.folder())),
                                        daemon=True, name="actorgraph-query")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        if not self._closed:
            self._idle.put(self._start())

    def confinement(self) -> dict[str, bool]:
        """What the workers' confinement achieved on this machine (for ``/health``)."""
        with self._lock:
            known = [w.confinement for w in self._all if w.confinement]
        return known[0] if known else {}

    def run(self, job: CypherJob | SparqlJob, cancelled: Callable[[], bool] = lambda: False) -> Any:
        """The job's answer from a worker, within the limits; raises QueryFailed or QueryStopped."""
        try:
            worker = self._idle.get(timeout=self.wait_s)
        except queue.Empty:
            raise QueryStopped(503, f"all {self.size} query workers are busy; try again in a moment") from None
        keep = False
        try:
            reply = self._wait(worker, job, cancelled)
            keep = True
        finally:
            if keep:
                self._idle.put(worker)
            else:
                self._retire(worker)
        if reply[0] == "failed":
            _, language, detail, status = reply
            raise QueryFailed(language, detail, status)
        return reply[1]

    def _wait(self, worker: _Worker, job: CypherJob | SparqlJob, cancelled: Callable[[], bool]) -> tuple:
        if not worker.ready:  # a new worker first says it is ready, and how it is confined
            try:
                reply = await_reply(worker.process, worker.connection, 60.0, None, cancelled)
            except QueryStopped as stopped:
                raise QueryStopped(503 if stopped.status == 408 else stopped.status,
                                   "a query worker did not start; try again") from None
            worker.ready, worker.confinement = True, reply[1]
        worker.connection.send(job)
        return await_reply(worker.process, worker.connection, self.limits.timeout_s, self.limits.memory_bytes,
                           cancelled)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


def escape_attempts(probe_file: str, port: int) -> dict[str, str]:
    """What a confined process gets when it tries to write a file and to open a connection
    (run with :func:`run_confined`; the tests show each attempt fails)."""
    import socket

    outcome = {}
    try:
        with open(probe_file, "w", encoding="utf-8") as handle:
            handle.write("escaped")
        outcome["write"] = "written"
    except OSError as exc:
        outcome["write"] = f"refused: {exc.strerror}"
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        outcome["connect"] = "connected"
    except OSError as exc:
        outcome["connect"] = f"refused: {exc.strerror or exc}"
    return outcome
