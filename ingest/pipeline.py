"""Documents → fragments → graph.

:func:`extract` is a pure function of one document: it returns that document's
:class:`~actorgraph.graph.model.Fragment` (entities, relations, evidence) and touches
nothing else, so documents can be extracted in parallel (:func:`extract_all` uses a process
pool with ``workers > 1``) and a changed document replaces only its own fragment.

Extractors are pluggable: anything with ``name``, ``version`` and
``extract(document) -> Fragment`` can add candidates (a trained spaCy pipeline, an LLM
client); :class:`RuleExtractor` is the deterministic default.
"""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from ..graph.model import Document, Entity, Fragment, Graph, Relation, merge_fragments
from ..graph.outputs import SkippedFile
from .gazetteer import Gazetteer, GazetteerEntry, load_gazetteer
from .german import is_acronym
from .judgements import Judgements, load_judgements
from .language import detect_language
from .loaders import SUPPORTED_SUFFIXES, UnreadableDocument, load_document
from .mentions import Mention, MentionFinder
from .recogniser import shared_recogniser
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
                 use_model: bool = True) -> None:
        gazetteer = load_gazetteer(tuple(gazetteer_files))
        if extra_entries:
            gazetteer = Gazetteer([*gazetteer.entries.values(), *extra_entries])
        self.mention_finder = MentionFinder(gazetteer, shared_recogniser() if use_model else None)

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
        found = RelationFinder(document.id, document.text, self.label,
                               owner_of=self.mention_finder.mention_of).find(segments, mentions)
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


_WORKER: tuple[list[Extractor], Judgements] | None = None


def _worker_init(settings: Settings) -> None:
    global _WORKER
    _WORKER = _extractors_knowing({}, settings)


def _extract_path(item: tuple[Path, str]) -> Fragment | SkippedFile:
    path, doc_id = item
    assert _WORKER is not None
    extractors, judgements = _WORKER
    try:
        document = load_document(path, doc_id)
    except UnreadableDocument as exc:
        return SkippedFile(str(path), str(exc))
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


def extract_all(files: list[tuple[Path, str]], *, workers: int = 1, settings: Settings = Settings(),
                progress: Callable[[str], None] | None = None) -> Iterator[Fragment | SkippedFile]:
    """Extract every file, in input order, reporting each to ``progress``."""
    if workers <= 1:
        _worker_init(settings)
        results: Iterable[Fragment | SkippedFile] = map(_extract_path, files)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(settings,))
        chunk = max(1, min(64, len(files) // (workers * 8) or 1))
        results = pool.map(_extract_path, files, chunksize=chunk)
    try:
        for (path, _doc_id), result in zip(files, results):
            if progress:
                progress(str(path))
            yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def build_graph(inputs: Iterable[Path], *, workers: int = 1, settings: Settings = Settings(),
                progress: Callable[[str], None] | None = None,
                on_total: Callable[[int], None] | None = None) -> BuildResult:
    """Read every document under ``inputs`` and merge their fragments into one graph.
    Unreadable documents are collected in ``skipped`` with their reason; they stop nothing."""
    files = discover(inputs)
    if on_total:
        on_total(len(files))
    fragments: list[Fragment] = []
    skipped: list[SkippedFile] = []
    for result in extract_all(files, workers=workers, settings=settings, progress=progress):
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            fragments.append(result)
    fragments = resolve_across_documents(fragments, settings)
    return BuildResult(merge_fragments(fragments), skipped, len(fragments), fragments)


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


def _extractors_knowing(defined: dict[str, Entity], settings: Settings) -> tuple[list[Extractor], Judgements]:
    """The extractors and judgements of ``settings``, the rule extractor with ``defined`` added
    to its gazetteer."""
    extra = tuple(GazetteerEntry(e.id, e.type, e.name, tuple(sorted(e.aliases)), tuple(sorted(e.attributes.items())))
                  for e in {id(e): e for e in defined.values()}.values())
    extractors: list[Extractor] = [RuleExtractor(settings.gazetteer_files, extra, settings.use_model)]
    extractors += [load_extractor(spec) for spec in settings.extractors]
    return extractors, load_judgements(Path(settings.judgements_file) if settings.judgements_file else None)


def resolve_across_documents(fragments: list[Fragment], settings: Settings) -> list[Fragment]:
    """Acronyms one document defines ("Interministerieller Arbeitsstab für Notfalllagen (IMAS)")
    and another uses bare ("der IMAS"): the second is extracted again with that definition
    known. Deterministic: the definitions are taken in document order."""
    gazetteer = load_gazetteer(settings.gazetteer_files)
    defined = defined_acronyms((e for f in sorted(fragments, key=lambda f: f.document.id) for e in f.entities),
                               gazetteer)
    if not defined:
        return fragments
    pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in sorted(defined, key=len, reverse=True)) + r")\b")
    redo = []
    for index, fragment in enumerate(fragments):
        ids = {e.id for e in fragment.entities}
        if any(defined[m.group(1)].id not in ids for m in pattern.finditer(fragment.document.text)):
            redo.append(index)
    if not redo:
        return fragments
    extractors, judgements = _extractors_knowing(defined, settings)
    fragments = list(fragments)
    for index in redo:
        previous = fragments[index].document
        document = Document(previous.id, previous.text, previous.title, previous.media_type, previous.sha256,
                            language=previous.language)
        fragments[index] = extract_document(document, extractors, judgements)
    return fragments


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
           "build_graph", "discover", "extract_all", "extract_file", "graph_acronyms", "SUPPORTED_SUFFIXES"]


def build(inputs: Iterable[Path], out: Path, *, workers: int = 1, settings: Settings = Settings(),
          progress: Callable[[str], None] | None = None,
          on_total: Callable[[int], None] | None = None) -> BuildResult:
    """Build the graph from ``inputs`` and write every output into ``out`` (atomically).

    Nothing is written when no document could be read: the previous build stays as it was.
    """
    from ..graph.outputs import STORE_WRITERS, write_outputs

    result = build_graph(inputs, workers=workers, settings=settings, progress=progress, on_total=on_total)
    if result.documents:
        write_outputs(result.graph, out, result.skipped, extra=list(STORE_WRITERS), fragments=result.fragments)
    return result
