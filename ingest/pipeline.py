"""Documents → fragments → graph.

:func:`extract` is a pure function of one document: it returns that document's
:class:`~actorgraph.graph.model.Fragment` (entities, relations, evidence) and touches
nothing else, so documents can be extracted in parallel (a local process pool with
``workers > 1``, or a Dask cluster: ingest/distributed.py), cached by content
(ingest/cache.py), and a changed document replaces only its own fragment.

Extractors are pluggable: anything with ``name``, ``version`` and
``extract(document) -> Fragment`` can add candidates (a trained spaCy pipeline, an LLM
client); :class:`RuleExtractor` is the deterministic default.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from ..graph.model import Document, Entity, Fragment, Graph, Relation, merge_fragments
from ..graph.outputs import SkippedFile
from .cache import FragmentCache, extraction_fingerprint
from .gazetteer import Gazetteer, GazetteerEntry, load_gazetteer
from .german import is_acronym
from .judgements import Judgements, load_judgements
from .language import detect_language
from .loaders import SUPPORTED_SUFFIXES, UnreadableDocument, load_document
from .mentions import Mention, MentionFinder
from .recogniser import shared_recogniser
from .relation_classifier import PairModel, shared_classifier
from .relations import RelationFinder
from .text import split_sentences

EXTRACTOR_NAME = "actorgraph-rules"
EXTRACTOR_VERSION = "0.1.0"


class Extractor(Protocol):
    """What the pipeline needs of an extractor."""

    name: str
    version: str

    def extract(self, document: Document) -> Fragment: ...


def load_extractor(spec: str) -> Extractor:
    """An extractor named ``module:Class`` (or ``module:factory``), made with no arguments.

    This is where a trained pipeline or an LLM client plugs in; the rule extractor still runs,
    and what each finds for a document is combined into one fragment."""
    import importlib

    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"extractor {spec!r}: expected 'module:Class'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"extractor {spec!r} cannot be loaded: {exc}") from exc
    extractor = factory()
    for needed in ("name", "version", "extract"):
        if not hasattr(extractor, needed):
            raise ValueError(f"extractor {spec!r} has no {needed!r}")
    return extractor


def combine(document: Document, fragments: list[Fragment]) -> Fragment:
    """One fragment from what several extractors found in the same document."""
    graph = Graph()
    for fragment in fragments:
        for entity in fragment.entities:
            graph.add_entity(entity)
        for relation in fragment.relations:
            if relation.source in graph.entities and relation.target in graph.entities:
                graph.add_relation(relation)  # an extractor may only relate entities some extractor found
    labels = sorted({f.document.extractor for f in fragments if f.document.extractor})
    return graph.to_fragment(Document(document.id, document.text, document.title, document.media_type,
                                      document.sha256, " ".join(labels)),
                             [m for fragment in fragments for m in fragment.mentions])


class RuleExtractor:
    """Gazetteer, acronym definitions and German cue frames; no trained model needed."""

    name = EXTRACTOR_NAME
    version = EXTRACTOR_VERSION

    def __init__(self, gazetteer_files: tuple[str, ...] = (), extra_entries: tuple[GazetteerEntry, ...] = (),
                 use_model: bool = True, use_relation_model: bool = False) -> None:
        gazetteer = load_gazetteer(tuple(gazetteer_files))
        if extra_entries:
            gazetteer = Gazetteer([*gazetteer.entries.values(), *extra_entries])
        self.mention_finder = MentionFinder(gazetteer, shared_recogniser() if use_model else None)
        self.pair_model: PairModel | None = shared_classifier() if use_relation_model else None

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"

    def mentions(self, document: Document) -> list[Mention]:
        return self.mention_finder.find(self.mention_finder.tokenize(document.text), document.text)

    def extract(self, document: Document) -> Fragment:
        mentions = self.mentions(document)
        segments = split_sentences(document.text)
        graph = Graph()
        for mention in mentions:
            graph.add_entity(Entity.create(mention.type, mention.name, id=mention.entity_id,
                                           aliases=mention.aliases, attributes=_attributes(self, mention),
                                           canonical=mention.canonical))
        found = RelationFinder(document.id, document.text, self.label, owner_of=self.mention_finder.mention_of,
                               pair_model=self.pair_model).find(segments, mentions)
        for item in found:
            # an organisation named only inside another name becomes a node too
            for end in (item.source, item.target):
                entry = self.mention_finder.gazetteer.get(end)
                if end not in graph.entities and entry is not None:
                    graph.add_entity(Entity.create(entry.type, entry.name, id=entry.id, aliases=entry.aliases,
                                                   attributes=dict(entry.attributes), canonical=True))
            graph.add_relation(Relation.create(item.type, item.source, item.target, [item.evidence]))
        return graph.to_fragment(Document(document.id, document.text, document.title, document.media_type,
                                          document.sha256, self.label),
                                 [(m.start, m.end, m.entity_id) for m in mentions])


def _attributes(extractor: RuleExtractor, mention: Mention) -> dict[str, str]:
    entry = extractor.mention_finder.gazetteer.get(mention.entity_id)
    return dict(entry.attributes) if entry else {}


@dataclass
class BuildResult:
    graph: Graph
    skipped: list[SkippedFile] = field(default_factory=list)
    documents: int = 0
    fragments: list[Fragment] = field(default_factory=list)
    cached: int = 0  # files whose result came from the fragment cache
    extracted: int = 0  # files extracted in this build
    extracted_again: int = 0  # documents extracted a second time, knowing acronyms of others
    by_delta: bool = False  # written as the previous build changed by the delta (graph/delta.py)

    @property
    def not_german(self) -> list[dict[str, str]]:
        """The documents read that are not in German, with their language (as in build.json)."""
        from ..graph.outputs import not_german

        return not_german(self.graph)


def discover(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """Every file under the input folders (or the input files themselves) with its document id:
    the path relative to its input folder. Hidden files and folders are left out."""
    found: list[tuple[Path, str]] = []
    seen_ids: set[str] = set()
    for root in inputs:
        root = Path(root)
        if root.is_file():
            candidates = [(root, root.name)]
        elif root.is_dir():
            candidates = [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*"))
                          if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)]
        else:
            raise FileNotFoundError(f"input {root} does not exist")
        for path, doc_id in candidates:
            if doc_id in seen_ids:  # the same name under two input folders
                doc_id = f"{root.name}/{doc_id}"
            seen_ids.add(doc_id)
            found.append((path, doc_id))
    return found


@dataclass(frozen=True)
class Settings:
    """What every worker needs to extract the same way."""

    gazetteer_files: tuple[str, ...] = ()
    extractors: tuple[str, ...] = ()  # extra extractors, "module:Class"
    judgements_file: str | None = None
    use_model: bool = True  # the trained entity recogniser (recogniser.py); False: rules only
    # the learned relation component (relation_classifier.py): off by default, as on pages
    # outside its training set it adds more wrong relations than right ones (its model card)
    use_relation_model: bool = False


# What one extraction works on: a file (its path, its document id, and its bytes when it is
# sent to a machine that cannot read the path, else None), or a document already read that is
# extracted again knowing more acronyms.
Item = tuple[str, str, bytes | None] | Document
Result = Fragment | SkippedFile


@lru_cache(maxsize=2)
def _extractors_for(fingerprint: str, settings: Settings,
                    known: tuple[GazetteerEntry, ...]) -> tuple[list[Extractor], Judgements]:
    """This process's extractors for one build, made once per worker process. The fingerprint
    (ingest/cache.py: it covers the files' contents) keys them, so a process that runs several
    builds never reuses extractors made from files that have changed since."""
    return _extractors_with(known, settings)


def extract_batch(items: list[Item], settings: Settings, fingerprint: str,
                  known: tuple[GazetteerEntry, ...] = ()) -> list[Result]:
    """Extract ``items`` in this process with the acronyms ``known``: the unit of work of a
    local worker process and of a Dask worker alike."""
    extractors, judgements = _extractors_for(fingerprint, settings, known)
    return [_extract_item(item, extractors, judgements) for item in items]


def _extract_item(item: Item, extractors: list[Extractor], judgements: Judgements) -> Result:
    if isinstance(item, Document):
        return extract_document(item, extractors, judgements)
    path, doc_id, data = item
    try:
        document = load_document(Path(path), doc_id, data)
    except UnreadableDocument as exc:
        return SkippedFile(path, str(exc))
    return extract_document(document, extractors, judgements)


def extract_document(document: Document, extractors: list[Extractor], judgements: Judgements) -> Fragment:
    """What all the extractors find in ``document``, combined, with the judgements applied and
    the document's language recorded (detected unless the document already carries it)."""
    language = document.language or detect_language(document.text)
    fragments = [extractor.extract(document) for extractor in extractors]
    fragment = fragments[0] if len(fragments) == 1 else combine(document, fragments)
    fragment = judgements.apply(fragment)
    fragment.document.language = language  # every language is extracted; the build only reports it
    return fragment


class Runner(Protocol):
    """Where extraction runs: this process, a local process pool, or a Dask cluster
    (ingest/distributed.py). ``run`` gives one result per item, in the items' order."""

    def __enter__(self) -> "Runner": ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, items: list[Item], known: tuple[GazetteerEntry, ...]) -> Iterator[Result]: ...


class LocalRunner:
    """Extraction in this process (``workers == 1``) or in a pool of ``workers`` processes,
    started on first use and kept for the build's second pass."""

    def __init__(self, workers: int, settings: Settings, fingerprint: str) -> None:
        self.workers, self.settings, self.fingerprint = workers, settings, fingerprint
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "LocalRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def run(self, items: list[Item], known: tuple[GazetteerEntry, ...]) -> Iterator[Result]:
        if self.workers <= 1 or len(items) <= 1:
            for item in items:
                yield from extract_batch([item], self.settings, self.fingerprint, known)
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers)
        size = max(1, min(64, len(items) // (self.workers * 8) or 1))
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        for results in self.pool.map(extract_batch, batches, repeat(self.settings), repeat(self.fingerprint),
                                     repeat(known)):
            yield from results


def _runner(workers: int, settings: Settings, fingerprint: str, dask: str | None) -> Runner:
    if dask:
        from .distributed import DaskRunner

        return DaskRunner(dask, settings, fingerprint)
    return LocalRunner(workers, settings, fingerprint)


def _through_cache(items: list[Item], keys: list[str] | None, cache: FragmentCache | None, runner: Runner,
                   known: tuple[GazetteerEntry, ...],
                   progress: Callable[[str], None] | None = None) -> tuple[list[Result], int]:
    """The result for every item, from the cache where it holds one, else extracted by
    ``runner`` (and stored); with how many were extracted."""
    results: list[Result | None] = [None] * len(items)
    missing: list[int] = []
    for index, item in enumerate(items):
        hit = cache.get(keys[index], _name(item)) if cache is not None and keys is not None else None
        if hit is None:
            missing.append(index)
        else:
            results[index] = hit
            if progress:
                progress(_name(item))
    for index, result in zip(missing, runner.run([items[i] for i in missing], known)):
        results[index] = result
        if cache is not None and keys is not None:
            cache.put(keys[index], result)
        if progress:
            progress(_name(items[index]))
    return results, len(missing)  # type: ignore[return-value]


def _name(item: Item) -> str:
    return item.id if isinstance(item, Document) else item[0]


def build_graph(inputs: Iterable[Path], *, workers: int = 1, settings: Settings = Settings(),
                progress: Callable[[str], None] | None = None,
                on_total: Callable[[int], None] | None = None,
                cache_in: Path | None = None, read_cache: bool = True, dask: str | None = None) -> BuildResult:
    """Read every document under ``inputs`` and merge their fragments into one graph.
    Unreadable documents are collected in ``skipped`` with their reason; they stop nothing.

    ``cache_in``: the build folder whose fragment cache (ingest/cache.py) is consulted and
    filled, so only new or changed documents are extracted; ``read_cache=False`` extracts
    every document and refills it. ``dask``: a dask.distributed scheduler's address; the
    documents are extracted on its workers, the graph merged here."""
    files = discover(inputs)
    if on_total:
        on_total(len(files))
    fingerprint = extraction_fingerprint(settings)
    cache = FragmentCache(cache_in, fingerprint, read=read_cache) if cache_in is not None else None
    items = [(str(path), doc_id, None) for path, doc_id in files]
    keys = [cache.key(doc_id, path) for path, doc_id in files] if cache is not None else None
    with _runner(workers, settings, fingerprint, dask) as runner:
        results, extracted = _through_cache(items, keys, cache, runner, (), progress)
        fragments = [r for r in results if isinstance(r, Fragment)]
        fragment_keys = [k for k, r in zip(keys, results) if isinstance(r, Fragment)] if keys is not None else None
        fragments, extracted_again = _resolve(fragments, fragment_keys, settings, cache, runner)
    skipped = [r for r in results if isinstance(r, SkippedFile)]
    if cache is not None and fragments:
        cache.prune()  # what this build did not use: removed or changed documents, older settings
    return BuildResult(merge_fragments(fragments), skipped, len(fragments), fragments,
                       cached=len(files) - extracted, extracted=extracted, extracted_again=extracted_again)


def defined_acronyms(entities: Iterable[Entity], gazetteer: Gazetteer) -> dict[str, Entity]:
    """Acronyms (3+ letters) that the given entities carry as aliases and the gazetteer does not
    know: the first entity (in the order given) wins."""
    defined: dict[str, Entity] = {}
    for entity in entities:
        if entity.id in gazetteer:
            continue
        for alias in sorted(entity.aliases):
            if is_acronym(alias) and len(alias) >= 3:
                defined.setdefault(alias, entity)
    return defined


def _known_entries(defined: dict[str, Entity]) -> tuple[GazetteerEntry, ...]:
    """The entities that ``defined`` acronyms name, as gazetteer entries."""
    return tuple(GazetteerEntry(e.id, e.type, e.name, tuple(sorted(e.aliases)), tuple(sorted(e.attributes.items())))
                 for e in {id(e): e for e in defined.values()}.values())


def _extractors_with(known: tuple[GazetteerEntry, ...], settings: Settings) -> tuple[list[Extractor], Judgements]:
    """The extractors and judgements of ``settings``, the rule extractor with ``known``
    entries added to its gazetteer."""
    extractors: list[Extractor] = [RuleExtractor(settings.gazetteer_files, known, settings.use_model,
                                                 settings.use_relation_model)]
    extractors += [load_extractor(spec) for spec in settings.extractors]
    return extractors, load_judgements(Path(settings.judgements_file) if settings.judgements_file else None)


@lru_cache(maxsize=1)
def _extractors_known(known: tuple[GazetteerEntry, ...], settings: Settings) -> tuple[list[Extractor], Judgements]:
    """:func:`_extractors_with`, kept for the next document of the same graph: made from a
    large graph's acronyms they take seconds (a prepared upload worker makes them ahead)."""
    return _extractors_with(known, settings)


def _extractors_knowing(defined: dict[str, Entity], settings: Settings) -> tuple[list[Extractor], Judgements]:
    return _extractors_known(_known_entries(defined), settings)


def resolve_across_documents(fragments: list[Fragment], settings: Settings) -> list[Fragment]:
    """Acronyms one document defines ("Interministerieller Arbeitsstab für Notfalllagen (IMAS)")
    and another uses bare ("der IMAS"): the second is extracted again with that definition
    known. Deterministic: the definitions are taken in document order."""
    with LocalRunner(1, settings, extraction_fingerprint(settings)) as runner:
        return _resolve(fragments, None, settings, None, runner)[0]


def _resolve(fragments: list[Fragment], keys: list[str] | None, settings: Settings, cache: FragmentCache | None,
             runner: Runner) -> tuple[list[Fragment], int]:
    """:func:`resolve_across_documents` through ``runner``, the second extractions cached
    under the document's key and the acronyms known; with how many were extracted."""
    gazetteer = load_gazetteer(settings.gazetteer_files)
    defined = defined_acronyms((e for f in sorted(fragments, key=lambda f: f.document.id) for e in f.entities),
                               gazetteer)
    if not defined:
        return fragments, 0
    pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in sorted(defined, key=len, reverse=True)) + r")\b")
    redo = []
    for index, fragment in enumerate(fragments):
        ids = {e.id for e in fragment.entities}
        if any(defined[m.group(1)].id not in ids for m in pattern.finditer(fragment.document.text)):
            redo.append(index)
    if not redo:
        return fragments, 0
    known = _known_entries(defined)
    context = hashlib.sha256(repr(known).encode()).hexdigest()
    items = []
    for index in redo:
        previous = fragments[index].document
        items.append(Document(previous.id, previous.text, previous.title, previous.media_type, previous.sha256,
                              language=previous.language))
    redo_keys = [FragmentCache.derived_key(keys[i], context) for i in redo] if keys is not None else None
    results, extracted = _through_cache(items, redo_keys, cache, runner, known)
    fragments = list(fragments)
    for index, result in zip(redo, results):
        assert isinstance(result, Fragment)  # a document already read is never skipped
        fragments[index] = result
    return fragments, extracted


def graph_acronyms(graph: Graph, settings: Settings = Settings()) -> dict[str, Entity]:
    """The acronyms the graph's documents defined: a new document is extracted knowing them,
    as in a build of all the documents together."""
    return defined_acronyms(graph.sorted_entities(), load_gazetteer(settings.gazetteer_files))


def extract_knowing(document: Document, defined: dict[str, Entity], settings: Settings = Settings()) -> Fragment:
    """Extract one document with the acronyms ``defined`` elsewhere known."""
    extractors, judgements = _extractors_knowing(defined, settings)
    return extract_document(document, extractors, judgements)


def extract_file(path: Path, doc_id: str, defined: dict[str, Entity], settings: Settings = Settings()) -> Fragment:
    """Load one file and extract it knowing ``defined`` acronyms; raises UnreadableDocument.
    A plain function of its arguments, so it can run in a separate, confined process."""
    return extract_knowing(load_document(path, doc_id), defined, settings)


__all__ = ["build", "combine", "load_extractor", "Settings", "EXTRACTOR_NAME", "EXTRACTOR_VERSION", "Extractor", "RuleExtractor", "BuildResult", "SkippedFile",
           "build_graph", "discover", "extract_batch", "extract_file", "graph_acronyms", "SUPPORTED_SUFFIXES"]


def build(inputs: Iterable[Path], out: Path, *, workers: int = 1, settings: Settings = Settings(),
          progress: Callable[[str], None] | None = None,
          on_total: Callable[[int], None] | None = None,
          use_cache: bool = True, dask: str | None = None) -> BuildResult:
    """Build the graph from ``inputs`` and write every output into ``out`` (atomically).

    Fragments are cached in ``out`` (ingest/cache.py): a rebuild extracts only new or changed
    documents, and a removed file's document is gone with the relations only it supported;
    when few changed, the current build's stores are changed by the delta instead of loaded
    again (graph/delta.py). ``use_cache=False`` extracts every document again and writes
    every store whole. ``dask``: see :func:`build_graph`.
    Nothing is written when no document could be read: the previous build stays as it was.
    """
    from ..graph.delta import write_build
    from ..graph.outputs import STORE_WRITERS, write_outputs

    result = build_graph(inputs, workers=workers, settings=settings, progress=progress, on_total=on_total,
                         cache_in=out, read_cache=use_cache, dask=dask)
    if result.documents:
        result.by_delta = use_cache and write_build(result.graph, result.fragments, out, result.skipped) is not None
        if not result.by_delta:
            write_outputs(result.graph, out, result.skipped, extra=list(STORE_WRITERS), fragments=result.fragments)
    return result
