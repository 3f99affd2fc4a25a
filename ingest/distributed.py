"""Extraction on a dask.distributed cluster (``actorgraph build --dask ADDRESS``).

The client (the machine that runs ``actorgraph build``) reads the files, consults the fragment
cache, and sends the documents still to extract, a batch per task, to the cluster's workers;
each worker runs :func:`~actorgraph.ingest.pipeline.extract_batch`, the same function a local
worker process runs, and sends the fragments back; the client merges them in input order, so
the graph is byte-identical to a local build. Workers share nothing with the client but the
scheduler's address: documents travel as bytes, and the user's gazetteer and judgements files
as their contents. Every worker needs the actorgraph package installed (the same version), and
the modules of any ``--extractor``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .gazetteer import GazetteerEntry, load_gazetteer
from .loaders import SUPPORTED_SUFFIXES
from .pipeline import Item, Result, Settings, extract_batch

BATCH_DOCUMENTS = 16  # documents per task: few enough to spread, enough to pay for a round trip
CONNECT_TIMEOUT = "20s"


class DaskUnavailable(RuntimeError):
    """The cluster cannot be used: dask.distributed is not installed, or the scheduler does
    not answer; the message says which."""


@dataclass(frozen=True)
class ShippedSettings:
    """Settings with the contents of the files they name, for a worker that cannot read them."""

    settings: Settings
    gazetteers: tuple[bytes, ...]
    judgements: bytes | None

    @classmethod
    def of(cls, settings: Settings) -> "ShippedSettings":
        judgements = Path(settings.judgements_file).read_bytes() if settings.judgements_file else None
        return cls(settings, tuple(Path(name).read_bytes() for name in settings.gazetteer_files), judgements)


@lru_cache(maxsize=4)
def _settings_here(shipped: ShippedSettings, fingerprint: str) -> Settings:
    """The shipped files written into this worker's temporary folder (once per build and
    process), and settings naming them there."""
    folder = Path(tempfile.gettempdir()) / f"actorgraph-settings-{fingerprint[:24]}"
    folder.mkdir(parents=True, exist_ok=True)

    def place(name: str, data: bytes) -> str:
        target = folder / name
        temporary = folder / f".{name}.{id(data)}"
        temporary.write_bytes(data)
        temporary.replace(target)  # whole, also when two threads of a worker place it at once
        return str(target)

    gazetteers = tuple(place(f"gazetteer-{i}.tsv", data) for i, data in enumerate(shipped.gazetteers))
    judgements = place("judgements.tsv", shipped.judgements) if shipped.judgements is not None else None
    return replace(shipped.settings, gazetteer_files=gazetteers, judgements_file=judgements)


def extract_on_worker(items: list[Item], shipped: ShippedSettings, fingerprint: str,
                      known: tuple[GazetteerEntry, ...]) -> list[Result]:
    """One task: extract a batch of documents on a worker."""
    return extract_batch(items, _settings_here(shipped, fingerprint), fingerprint, known)


class DaskRunner:
    """Runs extraction on the cluster whose scheduler listens at ``address``
    (``tcp://host:8786``); a few batches per worker thread are in flight at a time, so the
    client never holds the whole collection's bytes."""

    def __init__(self, address: str, settings: Settings, fingerprint: str) -> None:
        self.address, self.settings, self.fingerprint = address, settings, fingerprint
        self.client = None

    def __enter__(self) -> "DaskRunner":
        try:
            from distributed import Client
        except ImportError as exc:
            raise DaskUnavailable("--dask needs dask.distributed: pip install 'actorgraph[dask]'") from exc
        load_gazetteer(self.settings.gazetteer_files)  # a bad gazetteer file is named here, not on a worker
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise DaskUnavailable(f"no Dask scheduler answers at {self.address}: {exc}") from exc
        self.shipped = self.client.scatter(ShippedSettings.of(self.settings), broadcast=True, hash=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()

    def run(self, items: list[Item], known: tuple[GazetteerEntry, ...]) -> Iterator[Result]:
        from distributed import as_completed

        assert self.client is not None, "use DaskRunner as a context manager"
        batches = [items[i:i + BATCH_DOCUMENTS] for i in range(0, len(items), BATCH_DOCUMENTS)]
        if not batches:
            return
        threads = sum(self.client.nthreads().values()) or 1
        in_flight = as_completed(loop=self.client.loop)
        batch_of = {}
        finished: dict[int, list[Result]] = {}
        submitted = emitted = 0

        def submit() -> None:
            nonlocal submitted
            future = self.client.submit(extract_on_worker, [_with_bytes(item) for item in batches[submitted]],
                                        self.shipped, self.fingerprint, known, pure=False)
            batch_of[future] = submitted
            in_flight.add(future)
            submitted += 1

        while submitted < min(len(batches), 2 * threads):
            submit()
        for future in in_flight:
            finished[batch_of.pop(future)] = future.result()
            if submitted < len(batches):
                submit()
            while emitted in finished:  # in input order, whatever order the workers finish in
                yield from finished.pop(emitted)
                emitted += 1


def _with_bytes(item: Item) -> Item:
    """A file item carrying its bytes (the worker cannot read the client's path); a
    document already read goes as it is, and so does a file of an unsupported type or one that
    cannot be read: the loader on the worker names it as skipped."""
    if isinstance(item, tuple) and item[2] is None and Path(item[0]).suffix.lower() in SUPPORTED_SUFFIXES:
        path, doc_id, _ = item
        try:
            return path, doc_id, Path(path).read_bytes()
        except OSError:
            return item
    return item
