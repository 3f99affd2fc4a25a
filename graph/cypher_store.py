"""The embedded Cypher store: the graph in LadybugDB (the maintained fork of Kùzu) on disk.

The schema comes from ``graph/ontology.py``: one node table per entity type, one relationship
table per relation type with every FROM/TO pair the ontology allows. Data goes in with
``COPY`` from CSV files (bulk, not row by row). Queries run on the database opened read-only,
so writing is refused by the engine itself.

Beside it, a second database (``links.lbug``) holds the traversal index: one ``Actor`` table
and one ``LINK`` table with a row per related pair. Shortest paths over one node and one
relationship table take 0.2 s at a million relations, over the typed tables 3 s; queries
choose it with a first line ``// database: links`` (the ``path`` question does).

Differences from Neo4j's Cypher that matter here (see the README): node and relationship
tables are declared in a schema; ``label(n)`` instead of ``labels(n)``; variable-length
shortest paths are written ``-[* SHORTEST 1..4]-`` / ``-[* ALL SHORTEST 1..4]-``; lists of
aliases are stored as one ``|``-separated string (``string_split(n.aliases, '|')``).
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import ladybug as lb

from .model import Graph
from .property_graph import flat, node_properties, relation_properties
from .errors import one_line
from .ontology import EntityType, RelationType

STORE_DIR = "ladybug"
NODE_COLUMNS = ["id", "type", "name", "aliases", "attributes"]
RELATION_COLUMNS = ["from", "to", "context", "since", "date", "sentence", "doc", "start", "end",
                    "evidence_count", "evidence"]


class CopyDialect(csv.Dialect):
    """The CSV ``_write_csv`` writes and every ``COPY`` reads (``COPY_OPTIONS``), spelt out on
    both sides: left to guess, the engine samples the first 256 rows and fails on a later quoted
    field ("expected 4 values per row, but got more")."""

    delimiter = ","
    quotechar = '"'
    doublequote = True  # a quote inside a field is written twice; the engine's escape='"'
    escapechar = None
    quoting = csv.QUOTE_MINIMAL  # an empty cell stays unquoted, which the engine reads as NULL
    lineterminator = "\n"
    skipinitialspace = False
    strict = True


# The options of every COPY. Quoted fields may hold newlines, which the engine reads only
# with parallel=false (its parallel reader refuses them).
COPY_OPTIONS = (f"header=true, parallel=false, auto_detect=false, delim='{CopyDialect.delimiter}', "
                f"quote='{CopyDialect.quotechar}', escape='{CopyDialect.quotechar}'")


class CypherError(ValueError):
    """A query the engine refused (syntax, unknown property, a write on the read-only store)."""


def allowed_pairs(relation: RelationType) -> list[tuple[EntityType, EntityType]]:
    """Every (source type, target type) the ontology allows for ``relation``, both ways for
    symmetric relations (they are stored with the smaller id first, whatever its type)."""
    return [(s, t) for s in EntityType for t in EntityType if relation.allows(s, t)]


def schema_statements() -> list[str]:
    statements = [f"CREATE NODE TABLE {t.value}(id STRING PRIMARY KEY, type STRING, name STRING, "
                  f"aliases STRING, attributes STRING)" for t in EntityType]
    for relation in RelationType:
        pairs = ", ".join(f"FROM {s.value} TO {t.value}" for s, t in allowed_pairs(relation))
        statements.append(f"CREATE REL TABLE {relation.value}({pairs}, context STRING, since STRING, "
                          f"date STRING, sentence STRING, doc STRING, start INT64, `end` INT64, "
                          f"evidence_count INT64, evidence STRING)")
    return statements


def write_store(graph: Graph, folder: Path) -> Path:
    """Create the database under ``folder`` and bulk-load the graph with COPY."""
    path = Path(folder) / STORE_DIR
    path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="actorgraph-copy-"))
    try:
        # one checkpoint at the end instead of one per COPY: 9 times faster on 20,000 relations
        database = lb.Database(str(path / "graph.lbug"), auto_checkpoint=False)
        connection = lb.Connection(database)
        for statement in schema_statements():
            connection.execute(statement)
        nodes: dict[EntityType, list[list[Any]]] = {}
        for entity in graph.sorted_entities():
            properties = node_properties(entity)
            nodes.setdefault(entity.type, []).append([flat(properties[c]) for c in NODE_COLUMNS])
        for entity_type, rows in nodes.items():
            file = _write_csv(staging / f"{entity_type.value}.csv", NODE_COLUMNS, rows)
            connection.execute(f"COPY {entity_type.value} FROM '{file}' ({COPY_OPTIONS})")
        relations: dict[tuple[RelationType, EntityType, EntityType], list[list[Any]]] = {}
        for relation in graph.sorted_relations():
            source, target = graph.entities[relation.source], graph.entities[relation.target]
            properties = relation_properties(relation)
            relations.setdefault((relation.type, source.type, target.type), []).append(
                [properties["source"], properties["target"]] + [flat(properties[c]) for c in RELATION_COLUMNS[2:]])
        for (relation_type, source_type, target_type), rows in relations.items():
            name = f"{relation_type.value}_{source_type.value}_{target_type.value}.csv"
            file = _write_csv(staging / name, RELATION_COLUMNS, rows)
            connection.execute(f"COPY {relation_type.value} FROM '{file}' "
                               f"(from='{source_type.value}', to='{target_type.value}', {COPY_OPTIONS})")
        connection.execute("CHECKPOINT")
        connection.close()
        database.close()
        _write_links(graph, path / "links.lbug", staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def _write_links(graph: Graph, path: Path, staging: Path) -> None:
    """The traversal index: every entity as an ``Actor``, every related pair as one ``LINK``."""
    database = lb.Database(str(path), auto_checkpoint=False)
    connection = lb.Connection(database)
    connection.execute("CREATE NODE TABLE Actor(id STRING PRIMARY KEY, type STRING, name STRING, aliases STRING)")
    connection.execute("CREATE REL TABLE LINK(FROM Actor TO Actor)")
    actors = [[e.id, e.type.value, e.name, flat(sorted(e.aliases))] for e in graph.sorted_entities()]
    file = _write_csv(staging / "Actor.csv", ["id", "type", "name", "aliases"], actors)
    connection.execute(f"COPY Actor FROM '{file}' ({COPY_OPTIONS})")
    pairs = sorted({(r.source, r.target) for r in graph.relations.values()})
    file = _write_csv(staging / "LINK.csv", ["from", "to"], [list(pair) for pair in pairs])
    connection.execute(f"COPY LINK FROM '{file}' ({COPY_OPTIONS})")
    connection.execute("CHECKPOINT")
    connection.close()
    database.close()


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> str:
    """Write ``rows`` in ``CopyDialect``; returns the path quoted for a COPY statement."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, dialect=CopyDialect)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path).replace("'", "\\'")


DATABASES = ("graph", "links")


def _reservation(size: int) -> int:
    """The address space to map a database file of ``size`` bytes: a power of two (the
    engine's unit), at least 1 GiB, with room for four times the file.

    >>> _reservation(10_000) == 2**30, _reservation(600 * 2**20) == 2**32
    (True, True)
    """
    reserved = 2**30
    while reserved < 4 * size:
        reserved *= 2
    return reserved


class CypherStore:
    """The databases opened read-only (the traversal index on first use), one connection each."""

    def __init__(self, out: Path, timeout_s: float | None = None, buffer_pool_size: int = 0) -> None:
        """``buffer_pool_size`` (bytes) bounds the engine's page cache and, with it, the address
        space it reserves (otherwise 80% of the machine's memory and terabytes of mappings)."""
        self.folder = Path(out) / STORE_DIR
        self.timeout_ms = int(timeout_s * 1000) if timeout_s else 0
        self.buffer_pool_size = buffer_pool_size
        if not (self.folder / "graph.lbug").exists():
            raise FileNotFoundError(f"no Cypher store in {out}/: run `actorgraph build` first")
        self._open: dict[str, tuple[lb.Database, lb.Connection]] = {}
        self._lock = threading.RLock()
        self._connection("graph")  # opened now, so a broken store fails here

    def _connection(self, name: str) -> lb.Connection:
        if name not in DATABASES:
            raise CypherError(f"unknown database {name!r} (databases: {', '.join(DATABASES)})")
        if name not in self._open:
            path = self.folder / f"{name}.lbug"
            if not path.exists():
                raise CypherError(f"no {name} database in {self.folder}/: run `actorgraph build` again")
            bounds = {"buffer_pool_size": self.buffer_pool_size,
                      "max_db_size": _reservation(path.stat().st_size)} if self.buffer_pool_size else {}
            database = lb.Database(str(path), read_only=True, **bounds)
            connection = lb.Connection(database)
            if self.timeout_ms:
                connection.set_query_timeout(self.timeout_ms)
            self._open[name] = (database, connection)
        return self._open[name][1]

    def query(self, text: str, params: dict[str, Any] | None = None, database: str | None = None,
              max_rows: int | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """Rows of a read-only query on ``database`` (default: the one a first line
        ``// database: NAME`` names, else ``graph``); at most ``max_rows`` of them if given.
        Columns and values as the engine gives them (see :meth:`answer` for Neo4j's shape)."""
        columns, rows, _database = self._execute(text, params, database, max_rows)
        return columns, [dict(zip(columns, row)) for row in rows]

    def answer(self, text: str, params: dict[str, Any] | None = None,
               max_rows: int | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """Rows of a read-only query as Neo4j answers it (graph/cypher_answers.py): ``type()``
        and ``labels()`` understood, columns named as the RETURN writes them, nodes,
        relationships and paths as objects with graph ids, no engine internals."""
        from .cypher_answers import Ref, endpoints, property_value, shape
        from .cypher_guard import neo4j_functions, return_items

        columns, rows, database = self._execute(neo4j_functions(text), params, None, max_rows)
        items = return_items(text)
        if items is None or len(items) != len(columns) or len({name for name, _ in items}) != len(items):
            items = [(column, column) for column in columns]
        names = [name for name, _ in items]
        # a property the store keeps as text (n.aliases, r.evidence) is answered as what it encodes
        stored_as_text = [re.search(r"\.\s*`?(\w+)`?$", expression) for _, expression in items]
        rows = [[property_value(found.group(1), value) if found else value for found, value in zip(stored_as_text, row)]
                for row in rows]
        known: dict[Ref, str] = {}
        wanted: set[Ref] = set()
        for row in rows:
            endpoints(row, known, wanted)
        if wanted:
            known.update(self._node_ids(database, wanted))
        return names, [dict(zip(names, (shape(value, known) for value in row))) for row in rows]

    def _execute(self, text: str, params: dict[str, Any] | None, database: str | None,
                 max_rows: int | None) -> tuple[list[str], list[list[Any]], str]:
        if database is None:
            first = re.match(r"\s*//\s*database:\s*(\w+)", text)
            database = first.group(1) if first else "graph"
        with self._lock:  # one connection per database, used by one thread at a time
            connection = self._connection(database)
            try:
                result = connection.execute(text, params or {})
                if isinstance(result, list):  # several statements: refused before anything reads on
                    raise CypherError(f"one statement per query, not {len(result)}")
                columns = result.get_column_names()
                rows = []
                while result.has_next() and (max_rows is None or len(rows) < max_rows):
                    rows.append(result.get_next())
            except CypherError:
                raise
            except (RuntimeError, ValueError, TypeError) as exc:
                raise CypherError(one_line(exc)) from None
        return columns, rows, database

    def _node_ids(self, database: str, refs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The graph ids of nodes known by the engine's (table, offset): one query per table."""
        tables = {row["id"]: row["name"] for row in self.query("CALL show_tables() RETURN id, name", database=database)[1]}
        by_table: dict[int, list[int]] = {}
        for table, offset in refs:
            by_table.setdefault(table, []).append(offset)
        found: dict[tuple[int, int], str] = {}
        for table, offsets in by_table.items():
            if table not in tables:
                continue
            _columns, rows = self.query(f"MATCH (n:`{tables[table]}`) WHERE offset(id(n)) IN $offsets "
                                        "RETURN offset(id(n)) AS o, n.id AS id", {"offsets": sorted(offsets)},
                                        database=database)
            found.update({(table, row["o"]): row["id"] for row in rows})
        return found

    def close(self) -> None:
        with self._lock:
            for database, connection in self._open.values():
                connection.close()
                database.close()
            self._open.clear()
