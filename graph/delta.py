"""A build changed by a delta: the next build made from the current one by copying its stores
and applying only what differs between the old graph and the new one (a document uploaded,
replaced or deleted), instead of writing every store again.

The next build is staged beside the current one, as :func:`outputs.write_outputs` stages a whole
build: the Oxigraph store is copied (its immutable ``.sst`` tables hard-linked), the LadybugDB
files copied, the delta applied to the copies (Oxigraph in one transaction, LadybugDB between
``BEGIN TRANSACTION`` and ``COMMIT``), then the staged folder is made current by the one rename
of ``current``. Readers see the old build or the new one, never a mix.

The files written from the whole graph (graph.json, RDF, GraphML, Neo4j import files,
brokers.json) are hard links to the previous build's until :func:`rewrite_files` replaces them,
in the background after the swap; each is replaced by a rename, so a reader gets the previous
file or the new one, whole. Until then the build holds a ``PENDING`` marker: a server started on
such a build (the writer was killed) merges the graph from ``fragments.jsonl`` and rewrites them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .fragments import FRAGMENTS_FILE, write_fragments
from .model import Document, Entity, Fragment, Graph, Relation
from .outputs import (BUILDS, CACHE, CURRENT, SkippedFile, _make_current, _next_build, _prepare, current_build,
                      new_staging, not_german, summary, write_manifest)

PENDING = ".pending-rewrite"  # in a build whose whole-graph files are still the previous build's
STORE_FOLDERS = ("oxigraph", "ladybug")  # applied by delta; everything else is linked, then rewritten


@dataclass
class Change:
    """What differs between two graphs: the parts of the old graph to take out and of the new
    one to put in (an entity or relation that changed is in both), and the traversal pairs."""

    old: Graph
    new: Graph
    pairs_removed: set[tuple[str, str]] = field(default_factory=set)
    pairs_added: set[tuple[str, str]] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """How many entities, relations and documents went and came (for answers and logs)."""
        gone = lambda a, b: len(set(a) - set(b))  # noqa: E731
        return {"entities_removed": gone(self.old.entities, self.new.entities),
                "entities_added": gone(self.new.entities, self.old.entities),
                "relations_removed": gone(self.old.relations, self.new.relations),
                "relations_added": gone(self.new.relations, self.old.relations),
                "documents_removed": gone(self.old.documents, self.new.documents)}


def difference(before: Graph, after: Graph, touched: Graph | None = None) -> Change:
    """The entities, relations and documents whose value differs between ``before`` and
    ``after``: among the keys of ``touched`` when given (what a change can have touched),
    else among all (one pass over each)."""

    def differing(old: dict, new: dict, keys: Iterable | None, seen=lambda value: value) -> list:
        keys = old.keys() | new.keys() if keys is None else keys
        return [k for k in keys if (k in old) != (k in new) or (k in old and seen(old[k]) != seen(new[k]))]

    def part(kind: str, keys: list) -> None:
        for key in keys:
            for graph, into in ((before, change.old), (after, change.new)):
                if key in getattr(graph, kind):
                    getattr(into, kind)[key] = getattr(graph, kind)[key]

    change = Change(Graph(), Graph())
    # as the stores hold them: a graph read from graph.json knows no texts nor canonical flags
    part("entities", differing(before.entities, after.entities, touched and touched.entities, Entity.to_json))
    retyped = {k for k in change.old.entities.keys() & change.new.entities.keys()
               if change.old.entities[k].type != change.new.entities[k].type}
    keys = set(differing(before.relations, after.relations, touched and touched.relations))
    if retyped:
        keys |= {k for graph in (before, after) for k in graph.relations if k[0] in retyped or k[2] in retyped}
    part("relations", sorted(keys))
    part("documents", differing(before.documents, after.documents, touched and touched.documents,
                                lambda d: (d.title, d.media_type, d.sha256, d.extractor, d.language)))
    old_pairs = {(r.source, r.target) for r in change.old.relations.values()}
    new_pairs = {(r.source, r.target) for r in change.new.relations.values()}
    change.pairs_removed = {p for p in old_pairs if not _pair_in(after, *p)}
    change.pairs_added = {p for p in new_pairs if not _pair_in(before, *p)}
    return change


def _pair_in(graph: Graph, source: str, target: str) -> bool:
    """Whether any relation of ``graph`` goes from ``source`` to ``target`` (its keys are
    (source, type, target): a look-up per relation type, not a pass over the graph)."""
    from .ontology import RelationType

    return any((source, t.value, target) in graph.relations for t in RelationType)


class DocumentIndex:
    """What each document of a build contributed, for replacing or removing one document
    without merging every fragment again: each entity's records by document (whose merge, in
    document order, gives the entity) and each document's relation keys. Built once from
    ``fragments.jsonl``, then kept up to date by :meth:`replace`."""

    def __init__(self, folder: Path, fragments: Iterable[Fragment]) -> None:
        self.folder = Path(folder)
        self.records: dict[str, list[tuple[str, Entity]]] = {}
        self.relations: dict[str, list[tuple[str, str, str]]] = {}
        self.entities: dict[str, list[str]] = {}
        for fragment in sorted(fragments, key=lambda f: f.document.id):
            self._add(fragment)

    def _add(self, fragment: Fragment) -> None:
        doc_id = fragment.document.id
        for entity in fragment.entities:
            self.records.setdefault(entity.id, []).append((doc_id, entity))
        self.entities[doc_id] = [e.id for e in fragment.entities]
        self.relations[doc_id] = [r.key for r in fragment.relations]

    def replace(self, graph: Graph, doc_id: str, fragment: Fragment | None) -> tuple[Graph, Graph]:
        """The graph with document ``doc_id`` replaced by ``fragment`` (removed when None), as
        merging every fragment again would make it, and what it touched (a graph of the keys
        that may differ). ``graph`` is not changed; unchanged entities and relations are shared."""
        from .model import Evidence

        after = Graph(dict(graph.entities), dict(graph.relations), dict(graph.documents))
        touched = Graph()
        after.documents.pop(doc_id, None)
        touched.documents[doc_id] = graph.documents.get(doc_id) or (fragment.document if fragment else None)
        if fragment is not None:
            after.documents[doc_id] = fragment.document
        entity_ids = set(self.entities.get(doc_id, ())) | {e.id for e in (fragment.entities if fragment else ())}
        for entity_id in entity_ids:
            records = [r for r in self.records.get(entity_id, ()) if r[0] != doc_id]
            records += [(doc_id, e) for e in (fragment.entities if fragment else ()) if e.id == entity_id]
            records.sort(key=lambda record: record[0])  # stable: a document's own order kept
            touched.entities[entity_id] = graph.entities.get(entity_id)  # type: ignore[assignment]
            if not records:
                after.entities.pop(entity_id, None)
                continue
            scratch = Graph()
            for _doc, record in records:
                scratch.add_entity(record)
            after.entities[entity_id] = scratch.entities[entity_id]
        new_relations: dict[tuple[str, str, str], list[Relation]] = {}
        for relation in fragment.relations if fragment else ():
            new_relations.setdefault(relation.key, []).append(relation)
        for key in set(self.relations.get(doc_id, ())) | set(new_relations):
            old = graph.relations.get(key)
            touched.relations[key] = old  # type: ignore[assignment]
            evidence = [e for e in old.evidence if e.doc != doc_id] if old is not None else []
            for relation in new_relations.get(key, ()):
                evidence.extend(relation.evidence)
            if not evidence:
                after.relations.pop(key, None)
                continue
            source, relation_type, target = key
            first = old or new_relations[key][0]
            after.relations[key] = Relation(source, target, first.type, sorted(set(evidence), key=Evidence.sort_key))
        return after, touched

    def replaced(self, folder: Path, doc_id: str, fragment: Fragment | None) -> None:
        """Record that ``folder`` (the next build) holds ``doc_id`` as ``fragment`` (or not at all)."""
        for entity_id in self.entities.pop(doc_id, ()):
            kept = [r for r in self.records.get(entity_id, ()) if r[0] != doc_id]
            if kept:
                self.records[entity_id] = kept
            else:
                self.records.pop(entity_id, None)
        self.relations.pop(doc_id, None)
        if fragment is not None:
            for entity in fragment.entities:
                records = self.records.setdefault(entity.id, [])
                records.append((doc_id, entity))
                records.sort(key=lambda record: record[0])
            self.entities[doc_id] = [e.id for e in fragment.entities]
            self.relations[doc_id] = [r.key for r in fragment.relations]
        self.folder = Path(folder)


def copy_fragments(source: Path, target: Path, doc_id: str, fragment: Fragment | None) -> None:
    """``source``'s fragments.jsonl with document ``doc_id``'s line replaced by ``fragment``'s
    (or left out), in document order, copied line by line: only the ids are read (the first
    ``"id": "…"`` of a line is its document's, whose keys come first and are sorted)."""
    from .fragments import fragment_lines, line_ids

    line = fragment_lines([fragment])[doc_id] if fragment else None
    with open(target, "w", encoding="utf-8") as writing:
        for line_id, existing in line_ids(source):
            if line is not None and line_id >= doc_id:
                writing.write(line)
                line = None
            if line_id != doc_id:
                writing.write(existing)
        if line is not None:
            writing.write(line)


def write_delta(before: Graph, after: Graph, out: Path, build: Path,
                fragments: Iterable[Fragment] | dict[str, str] | None = None,
                touched: Graph | None = None, replaced: tuple[str, Fragment | None] | None = None,
                manifest: dict | None = None, whole_files: bool = False) -> tuple[Path, Change]:
    """Stage the next build of ``out`` from ``build`` (which holds ``before``) with the stores
    changed to hold ``after``, make it current in one rename, and return it with the change.
    ``fragments`` (or their lines) are written as the build's fragments.jsonl; or, when ``replaced`` names one
    document and its new fragment, the previous file is copied with that line changed.
    ``manifest``: build.json as it is to be (else the previous one with new counts).
    The whole-graph files are still the previous ones: call :func:`rewrite_files` next; or,
    with ``whole_files``, they are written before the build is made current."""
    change = difference(before, after, touched)
    out = Path(out).resolve()
    builds = _prepare(out)
    if not (Path(build) / "oxigraph").is_dir():  # a folder of the earlier layout, just moved into builds/
        build = current_build(out)
    staging = new_staging(builds)
    try:
        (staging / PENDING).write_text("graph.json and the exports are the previous build's\n", encoding="utf-8")
        for entry in Path(build).iterdir():
            if (entry.name in STORE_FOLDERS + (FRAGMENTS_FILE, BUILDS, CACHE, CURRENT) or entry.name.startswith(".")
                    or entry.is_symlink()):
                continue
            _link_tree(entry, staging / entry.name)
        _copy_oxigraph(Path(build) / "oxigraph", staging / "oxigraph")
        shutil.copytree(Path(build) / "ladybug", staging / "ladybug")
        apply_sparql(change, after, staging)
        apply_cypher(change, before, after, staging)
        if replaced is not None:
            copy_fragments(Path(build) / FRAGMENTS_FILE, staging / FRAGMENTS_FILE, *replaced)
        else:
            write_fragments(fragments or [], staging / FRAGMENTS_FILE)
        if manifest is None:
            manifest_path = staging / "build.json"
            manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
            manifest.update({"summary": summary(after), "not_german": not_german(after)})
        write_manifest(staging, manifest)
        if whole_files:
            rewrite_files(after, staging)
        target = _next_build(builds)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _make_current(out, target)
    return target, change


DELTA_SHARE = 0.1  # of the documents: a build that changes more is written whole (bulk loads are cheaper then)


def write_build(after: Graph, fragments: list[Fragment], out: Path,
                skipped: list[SkippedFile] | None = None) -> Path | None:
    """The next build of ``out``, for ``after`` made of ``fragments``, as the current build
    changed by the delta (its stores changed, its whole-graph files written anew): what
    ``actorgraph build`` does when a few documents were added, changed or removed. None, with
    nothing written, when the current build cannot be changed so (none; of other writers; its
    files not rewritten yet; too much changed): then it is to be written whole."""
    from .fragments import fragment_from_json, fragment_lines, line_ids
    from .model import merge_fragments
    from .outputs import manifest, writers_fingerprint

    build = current_build(out)
    manifest_path = build / "build.json"
    if not (manifest_path.is_file() and (build / FRAGMENTS_FILE).is_file() and pending(build) is False
            and all((build / folder).is_dir() for folder in STORE_FOLDERS)):
        return None
    if json.loads(manifest_path.read_text(encoding="utf-8")).get("writers") != writers_fingerprint():
        return None
    # the documents whose line of fragments.jsonl differs changed: only their old lines are parsed
    lines, old_lines = fragment_lines(fragments), dict(line_ids(build / FRAGMENTS_FILE))
    changed = {doc_id for doc_id in lines.keys() | old_lines.keys() if lines.get(doc_id) != old_lines.get(doc_id)}
    if len(changed) > DELTA_SHARE * len(lines.keys() | old_lines.keys()):
        return None
    before = merge_fragments([f for f in fragments if f.document.id not in changed]
                             + [fragment_from_json(json.loads(old_lines[d])) for d in changed if d in old_lines])
    target, _change = write_delta(before, after, out, build, fragments=lines,
                                  manifest=manifest(after, skipped), whole_files=True)
    return target


def _link_tree(source: Path, target: Path) -> None:
    """``target`` as hard links to ``source``'s files (folders made anew): free, and safe
    because builds replace files by rename and never write into one."""
    if source.is_dir():
        shutil.copytree(source, target, copy_function=os.link)
    else:
        os.link(source, target)


def _copy_oxigraph(source: Path, target: Path) -> None:
    """A copy of an Oxigraph (RocksDB) store: the ``.sst`` tables, never changed once written,
    hard-linked; the rest (manifest, options, log) copied."""
    target.mkdir()
    for entry in source.iterdir():
        if entry.name == "LOCK":
            continue
        if entry.suffix == ".sst":
            os.link(entry, target / entry.name)
        elif entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


def apply_sparql(change: Change, after: Graph, build: Path) -> None:
    """Take the old part's triples and traversal pairs out of the build's Oxigraph store and put
    the new part's in, as one transaction. Triples of distinct subjects never coincide (a
    relation's direct triple is keyed by its source, type and target), so the difference of
    the two parts' triples is exact."""
    import pyoxigraph as ox

    from .rdf import AG, LINKS_GRAPH, entity_uri, triples

    old, new = set(triples(change.old)), set(triples(change.new))
    linked, links = ox.NamedNode(str(AG.linked)), ox.NamedNode(LINKS_GRAPH)

    def pair_quads(pairs: set[tuple[str, str]]) -> list:
        both = pairs | {(t, s) for s, t in pairs}
        return [ox.Quad(ox.NamedNode(str(entity_uri(s))), linked, ox.NamedNode(str(entity_uri(t))), links)
                for s, t in both]

    removed = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in old - new]
    added = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in new - old]
    # a pair both taken out and put back (another relation of the pair) stays
    # the index holds each related pair both ways: a way goes only when neither direction stays
    removed += pair_quads({(s, t) for s, t in change.pairs_removed if not _pair_in(after, t, s)})
    added += pair_quads(change.pairs_added)
    store = ox.Store(str(Path(build) / "oxigraph"))
    for quad in removed:
        store.remove(quad)
    store.extend(added)
    store.flush()
    del store


def _value(value: Any) -> Any:
    """A property as the bulk load stores it: lists joined with ``|``, empty as NULL."""
    from .property_graph import flat

    value = flat(value)
    return None if value == "" else value


def apply_cypher(change: Change, before: Graph, after: Graph, build: Path) -> None:
    """Apply the change to the build's LadybugDB databases (the typed graph and the traversal
    index), each in one transaction: changed relations deleted and created again, entities
    deleted, updated or created."""
    import ladybug as lb

    from .cypher_store import NODE_COLUMNS, RELATION_COLUMNS
    from .property_graph import node_properties, relation_properties

    def run(path: Path, statements: list[tuple[str, dict]]) -> None:
        database = lb.Database(str(path))
        connection = lb.Connection(database)
        try:
            connection.execute("BEGIN TRANSACTION")
            for text, params in statements:
                connection.execute(text, params)
            connection.execute("COMMIT")
            connection.execute("CHECKPOINT")
        finally:
            connection.close()
            database.close()

    def relation_match(relation: Relation, graph: Graph) -> str:
        source, target = graph.entities[relation.source].type.value, graph.entities[relation.target].type.value
        return (f"MATCH (a:{source})-[r:{relation.type.value}]->(b:{target}) "
                "WHERE a.id = $source AND b.id = $target")

    def node_values(entity: Entity) -> dict[str, Any]:
        properties = node_properties(entity)
        return {column: _value(properties[column]) for column in NODE_COLUMNS}

    statements: list[tuple[str, dict]] = []
    for relation in change.old.relations.values():
        statements.append((relation_match(relation, before) + " DELETE r",
                           {"source": relation.source, "target": relation.target}))
    new_entities = change.new.entities
    for entity in change.old.entities.values():
        if entity.id not in new_entities or new_entities[entity.id].type != entity.type:
            statements.append((f"MATCH (n:{entity.type.value}) WHERE n.id = $id DETACH DELETE n", {"id": entity.id}))
    for entity in new_entities.values():
        values = node_values(entity)
        old = change.old.entities.get(entity.id)
        if old is not None and old.type == entity.type:
            statements.append((f"MATCH (n:{entity.type.value}) WHERE n.id = $id SET "
                               + ", ".join(f"n.{c} = ${c}" for c in NODE_COLUMNS if c != "id"), values))
        else:
            statements.append((f"CREATE (n:{entity.type.value} {{"
                               + ", ".join(f"{c}: ${c}" for c in NODE_COLUMNS) + "})", values))
    columns = RELATION_COLUMNS[2:]
    for relation in change.new.relations.values():
        properties = relation_properties(relation)
        source, target = after.entities[relation.source].type.value, after.entities[relation.target].type.value
        statements.append((f"MATCH (a:{source}), (b:{target}) WHERE a.id = $source AND b.id = $target "
                           f"CREATE (a)-[r:{relation.type.value} {{"
                           + ", ".join(f"`{c}`: $p_{c}" for c in columns) + "}]->(b)",  # $end is a keyword
                           {"source": relation.source, "target": relation.target,
                            **{f"p_{c}": _value(properties[c]) for c in columns}}))
    run(Path(build) / "ladybug" / "graph.lbug", statements)

    links: list[tuple[str, dict]] = []
    for source, target in change.pairs_removed - change.pairs_added:
        links.append(("MATCH (a:Actor)-[l:LINK]->(b:Actor) WHERE a.id = $source AND b.id = $target DELETE l",
                      {"source": source, "target": target}))
    for entity in change.old.entities.values():
        if entity.id not in new_entities:
            links.append(("MATCH (n:Actor) WHERE n.id = $id DETACH DELETE n", {"id": entity.id}))
    for entity in new_entities.values():
        values = {"id": entity.id, "type": entity.type.value, "name": entity.name,
                  "aliases": _value(sorted(entity.aliases))}
        if entity.id in change.old.entities:
            links.append(("MATCH (n:Actor) WHERE n.id = $id SET n.type = $type, n.name = $name, n.aliases = $aliases",
                          values))
        else:
            links.append(("CREATE (n:Actor {id: $id, type: $type, name: $name, aliases: $aliases})", values))
    for source, target in change.pairs_added - change.pairs_removed:
        links.append(("MATCH (a:Actor), (b:Actor) WHERE a.id = $source AND b.id = $target CREATE (a)-[:LINK]->(b)",
                      {"source": source, "target": target}))
    run(Path(build) / "ladybug" / "links.lbug", links)


def rewrite_files(graph: Graph, build: Path) -> None:
    """Write the whole-graph files of ``build`` (graph.json, RDF, GraphML, Neo4j import files,
    brokers.json) for ``graph`` into a scratch folder, then move each over the previous one by
    a rename, and drop the ``PENDING`` marker. A build made current meanwhile is unaffected."""
    from ..queries.analytics import write_brokers
    from .jsonio import dumps
    from .neo4j_export import write_import_files
    from .networkx_view import write_graphml
    from .rdf import write_rdf

    build = Path(build)
    graph = Graph(graph.entities, graph.relations, _documents(build / FRAGMENTS_FILE, graph))
    scratch = Path(tempfile.mkdtemp(prefix=f".rewrite-{os.getpid()}-", dir=build))
    try:
        (scratch / "graph.json").write_text(dumps(graph), encoding="utf-8")
        write_rdf(graph, scratch)
        write_graphml(graph, scratch / "graph.graphml")
        write_import_files(graph, scratch)
        write_brokers(graph, scratch)
        for entry in scratch.iterdir():
            target = build / entry.name
            if entry.is_dir():
                retired = build / f".old-{os.getpid()}-{entry.name}"
                if target.exists():
                    target.rename(retired)
                entry.rename(target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(entry, target)
        (build / PENDING).unlink(missing_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _documents(path: Path, graph: Graph) -> dict[str, Document]:
    """The graph's documents with their texts (graph.json counts their characters and words;
    a graph read from graph.json has none), from the build's fragments.jsonl: only each line's
    first object, the document, is parsed."""
    if not path.is_file():
        return graph.documents
    decoder, documents = json.JSONDecoder(), dict(graph.documents)
    start = len('{"document": ')
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            data = decoder.raw_decode(line, start)[0]
            if data.get("id") in documents:
                document = Document.from_json(data)
                document.text = data.get("text", "")
                documents[document.id] = document
    return documents


def rewrite_build(build: str | Path) -> None:
    """:func:`rewrite_files` for the graph ``build``'s fragments.jsonl merges into (the same
    graph a delta made): what a child process runs, so the rewrite does not compete with a
    server's readers for one interpreter."""
    from .fragments import read_fragments
    from .model import merge_fragments

    build = Path(build)
    rewrite_files(merge_fragments(read_fragments(build / FRAGMENTS_FILE)), build)


def pending(build: Path) -> bool:
    """Whether ``build``'s whole-graph files are still being (or were never) rewritten."""
    return (Path(build) / PENDING).exists()
