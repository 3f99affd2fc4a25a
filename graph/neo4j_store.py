"""Push the graph to a Bolt server (Neo4j, Aura, Memgraph, FalkorDB) with the official driver.

Idempotent: every node and relationship is written with ``MERGE`` on its id (for relationships,
on its two ends and type), so pushing twice leaves the same graph. Uniqueness constraints use
Neo4j 5 syntax; a server that does not know it gets an index instead. Rows go in small
``UNWIND`` batches, grouped by label so the ``MATCH`` of relationship ends uses the index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable

from .errors import one_line
from .model import Graph
from .property_graph import node_properties, relation_properties
from .ontology import EntityType


_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


class PushError(RuntimeError):
    """The server could not be reached, refused the credentials, or refused a statement."""


@dataclass
class PushResult:
    nodes: int
    relationships: int
    constraints: str  # "constraints" or "indexes" (on servers without Neo4j 5 constraints)


def _batches(rows: list[dict], size: int, max_bytes: int) -> Iterable[list[dict]]:
    """At most ``size`` rows and about ``max_bytes`` of data a batch: FalkorDB's young Bolt
    endpoint crashes on large messages, Neo4j takes bigger ones (raise both for it)."""
    batch: list[dict] = []
    used = 0
    for row in rows:
        weight = len(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        if batch and (len(batch) >= size or used + weight > max_bytes):
            yield batch
            batch, used = [], 0
        batch.append(row)
        used += weight
    if batch:
        yield batch


def connect(uri: str, user: str, password: str):
    """A driver for ``uri``, checked: a wrong address or password is a :class:`PushError`."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in _SCHEMES:
        raise PushError(f"invalid address {uri!r}: use bolt://HOST:PORT or neo4j://HOST:PORT (also +s, +ssc)")
    try:
        # one connection for the whole push: FalkorDB serves Bolt to one client at a time
        driver = GraphDatabase.driver(uri, auth=(user, password), max_connection_pool_size=1,
                                      connection_timeout=15)
    except ValueError as exc:
        raise PushError(f"invalid address {uri!r}: {exc}") from None
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        raise PushError(f"{uri}: wrong user or password") from None
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise PushError(f"cannot reach a Bolt server at {uri} ({one_line(exc)[:160]})") from None
    return driver


def push(graph: Graph, uri: str, user: str, password: str, database: str | None = None, batch_size: int = 200,
         progress: Callable[[int], None] | None = None, batch_bytes: int = 4000) -> PushResult:
    """Write ``graph`` to the server at ``uri``; ``progress`` is told how many rows went in."""
    driver = connect(uri, user, password)
    try:
        return push_with(driver, graph, database, batch_size, progress, batch_bytes, label=uri)
    finally:
        driver.close()


def push_with(driver, graph: Graph, database: str | None = None, batch_size: int = 200,
              progress: Callable[[int], None] | None = None, batch_bytes: int = 4000, label: str = "server") -> PushResult:
    """Write ``graph`` over an open driver (the caller closes it)."""
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    try:
        kind = _ensure_keys(driver, database)
        escape = kind == "indexes"  # the FalkorDB dialect (see _ensure_keys)
        nodes: dict[EntityType, list[dict]] = {}
        for entity in graph.sorted_entities():
            nodes.setdefault(entity.type, []).append(node_properties(entity))
        for entity_type, rows in nodes.items():
            statement = (f"UNWIND $rows AS row MERGE (n:{entity_type.value} {{id: row.id}}) "
                         f"SET n.name = row.name, n.type = row.type, n.aliases = row.aliases, n.attributes = row.attributes")
            for batch in _batches(rows, batch_size, batch_bytes):
                _run(driver, database, statement, batch, escape)
                if progress:
                    progress(len(batch))
        groups: dict[tuple[str, str, str], list[dict]] = {}
        for relation in graph.sorted_relations():
            key = (relation.type.value, graph.entities[relation.source].type.value,
                   graph.entities[relation.target].type.value)
            groups.setdefault(key, []).append(relation_properties(relation))
        for (relation_type, source_type, target_type), rows in groups.items():
            statement = (f"UNWIND $rows AS row MATCH (a:{source_type} {{id: row.source}}) "
                         f"MATCH (b:{target_type} {{id: row.target}}) MERGE (a)-[r:{relation_type}]->(b) "
                         f"SET r.context = row.context, r.since = row.since, r.date = row.date, "
                         f"r.sentence = row.sentence, r.doc = row.doc, r.evidence_count = row.evidence_count, "
                         f"r.evidence = row.evidence")
            for batch in _batches(rows, batch_size, batch_bytes):
                _run(driver, database, statement, batch, escape)
                if progress:
                    progress(len(batch))
        return PushResult(len(graph.entities), len(graph.relations), kind)
    except Neo4jError as exc:
        raise PushError(f"{label}: {exc.message or exc}") from None
    except (ServiceUnavailable, OSError) as exc:  # the server went away mid-push
        raise PushError(f"{label}: connection lost ({one_line(exc)[:160]})") from None


def _escaped(value):
    """Strings escaped for FalkorDB 4.16's Bolt endpoint, which splices parameters into query
    text without escaping (an apostrophe breaks a statement, a backslash changes a value)."""
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _run(driver, database: str | None, statement: str, rows: list[dict], escape: bool = False) -> None:
    with driver.session(database=database) as session:
        session.run(statement, rows=_escaped(rows) if escape else rows).consume()


def _ensure_keys(driver, database: str | None) -> str:
    """Unique ids per label: constraints on Neo4j 5, indexes on servers without them.

    FalkorDB answers ``CALL db.indexes()`` (Neo4j 5 does not), and its Bolt endpoint is best
    not sent statements it rejects; so ask first, and create only what is missing."""
    from neo4j.exceptions import Neo4jError

    try:
        with driver.session(database=database) as session:
            existing = session.run("CALL db.indexes()").data()
    except Neo4jError:
        existing = None
    if existing is None:
        for entity_type in EntityType:
            label = entity_type.value
            with driver.session(database=database) as session:
                session.run(f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS "
                            f"FOR (n:{label}) REQUIRE n.id IS UNIQUE").consume()
        return "constraints"
    indexed = {row.get("label") for row in existing if "id" in (row.get("properties") or [])}
    for entity_type in EntityType:
        if entity_type.value not in indexed:
            with driver.session(database=database) as session:
                session.run(f"CREATE INDEX FOR (n:{entity_type.value}) ON (n.id)").consume()
    return "indexes"
