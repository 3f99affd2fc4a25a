"""The read-only Cypher check: every shipped and documented query passes, every writing,
administering or file-reaching statement is refused naming its clause, and whatever the check
lets through changes nothing in a real, writable engine."""

from __future__ import annotations

import re
from pathlib import Path

import ladybug as lb
import pytest

from actorgraph.graph.cypher_guard import (ALLOWED_FUNCTIONS, ALLOWED_PROCEDURES, REFUSED_FUNCTIONS, CypherRefused,
                                           check_read_only, neo4j_functions, return_columns)

ROOT = Path(__file__).resolve().parent.parent

READING = [
    "MATCH (n) RETURN count(n) AS n",
    "MATCH (n:Agency) WHERE n.name CONTAINS $part RETURN n.id AS id ORDER BY id DESC SKIP 1 LIMIT 5",
    "OPTIONAL MATCH (a)-[r:COOPERATES_WITH|COORDINATES]->(b) WITH a, count(r) AS k WHERE k > 1 RETURN a.name, k",
    "UNWIND range(1, 3) AS i RETURN i UNION ALL RETURN 4 AS i",
    "MATCH (n) WHERE n.name = 'CREATE (m)' OR n.name = \"COPY x TO 'y'\" RETURN n.id",
    "RETURN 1 AS `set`, 2 AS `load`",
    "// CREATE (n)\nRETURN 1 AS one /* DELETE */",
    "MATCH (n {type: 'Agency'}) RETURN n.set, n.load, {copy: 1, drop: 2} AS m",
    "MATCH (n) RETURN CASE WHEN n.type = 'City' THEN lower(n.name) ELSE upper(n.name) END AS label",
    "MATCH p = (a)-[:LINK* ALL SHORTEST 1..4]-(b) RETURN length(p), properties(nodes(p), 'id')",
    "RETURN list_transform([1, 2], x -> x + 1) AS l, cast(1 AS STRING) AS s",
    "CALL show_tables() RETURN *",
    "CALL table_info('Agency') RETURN *",
    "RETURN 1;",
    "MATCH (n:Agency) RETURN n.id AS id, label(n) AS l, EXISTS { MATCH (n)-[]->() } AS linked",
]

# (statement, the word the refusal must name)
REFUSED = [
    ("INSTALL json FROM 'http://127.0.0.1:9/x'", "INSTALL"),
    ("install httpfs", "INSTALL"),
    ("LOAD EXTENSION json", "LOAD"),
    ("LOAD FROM '/etc/passwd' RETURN *", "LOAD"),
    ("load from \"/etc/passwd\" (header=false) return *", "LOAD"),
    ("MATCH (n) WITH n LOAD FROM '/etc/passwd' RETURN *", "LOAD"),
    ("COPY (MATCH (n) RETURN n.name) TO '/tmp/x.csv'", "COPY"),
    ("COPY Agency FROM '/etc/passwd'", "COPY"),
    ("EXPORT DATABASE '/tmp/x'", "EXPORT"),
    ("IMPORT DATABASE '/tmp'", "IMPORT"),
    ("ATTACH '/tmp/o.lbug' AS o (dbtype lbug)", "ATTACH"),
    ("DETACH o", "DETACH"),
    ("USE o", "USE"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("BEGIN TRANSACTION", "BEGIN"),
    ("COMMIT", "COMMIT"),
    ("ROLLBACK", "ROLLBACK"),
    ("CALL timeout=0", "CALL"),
    ("CALL threads = 1", "CALL"),
    ("call home_directory='/'", "CALL"),
    ("CALL current_setting('home_directory') RETURN *", "CALL"),
    ("CALL read_csv_serial('/etc/passwd') RETURN *", "CALL"),
    ("CALL project_graph('g', ['Agency'], []) RETURN *", "CALL"),
    ("CREATE (n:Agency {id: 'x'})", "CREATE"),
    ("CREATE NODE TABLE Evil(id STRING PRIMARY KEY)", "CREATE"),
    ("CREATE MACRO m(x) AS x", "CREATE"),
    ("UNWIND [1] AS x MERGE (:Agency {id: 'x'})", "MERGE"),
    ("MATCH (n) SET n.name = 'x'", "SET"),
    ("MATCH (n) DETACH DELETE n", "DELETE"),
    ("MATCH (n) DELETE n", "DELETE"),
    ("MATCH (n) REMOVE n.name", "REMOVE"),
    ("DROP TABLE Agency", "DROP"),
    ("ALTER TABLE Agency ADD x INT64", "ALTER"),
    ("COMMENT ON TABLE Agency IS 'x'", "COMMENT"),
    ("UNWIND [1] AS x FOREACH (y IN [1] | CREATE (:A))", "FOREACH"),
    ("RETURN nextval('s')", "nextval"),
    ("RETURN setseed(0.5)", "setseed"),
    ("RETURN read_csv('/etc/passwd')", "read_csv"),
    ("MATCH (n) RETURN n.id LIMIT 1; RETURN 2", "one statement"),
    ("CHECKPOINT; BEGIN TRANSACTION", "CHECKPOINT"),
    ("RETURN 1 AS x /* */; CREATE (n)", "one statement"),
    ("RETURN 1.CREATE", "CREATE"),
    ("RETURN 1 AS x\nCREATE (n)", "CREATE"),
]


@pytest.mark.parametrize("statement", READING)
def test_reading_queries_pass(statement):
    check_read_only(statement)


def test_shipped_queries_pass():
    shipped = sorted((ROOT / "queries").glob("*.cypher"))
    assert len(shipped) >= 6
    for path in shipped:
        check_read_only(path.read_text(encoding="utf-8"))


def test_documented_queries_pass():
    """Every Cypher example in README.md and the contract is a reading query the check lets through."""
    documented = []
    for path in (ROOT / "README.md", ROOT.parent / "shared" / "CONTRACT.md"):
        if path.exists():
            text = path.read_text(encoding="utf-8")
            documented += re.findall(r'"query":\s*"((?:MATCH|OPTIONAL|UNWIND|RETURN|CALL)[^"]*)"', text)
            documented += re.findall(r"actorgraph cypher ['\"]([^'\"]+)['\"]", text)
    assert documented, "no documented Cypher example found"
    for statement in documented:
        check_read_only(neo4j_functions(statement))  # as the API and the command line check it


@pytest.mark.parametrize("statement, named", REFUSED)
def test_refused_statements_name_the_clause(statement, named):
    with pytest.raises(CypherRefused, match=re.escape(named)):
        check_read_only(statement)


def test_every_engine_function_is_allowed_or_refused_on_purpose():
    """An engine upgrade that adds a function makes this fail until someone decides about it."""
    connection = lb.Connection(lb.Database(":memory:"))
    result = connection.execute("CALL show_functions() RETURN name, type")
    listed = {}
    while result.has_next():
        name, kind = result.get_next()
        listed[name.upper()] = kind
    undecided = {name for name, kind in listed.items()
                 if kind in ("SCALAR FUNCTION", "AGGREGATE FUNCTION", "REWRITE FUNCTION") and name.isidentifier()
                 and name not in ALLOWED_FUNCTIONS and name not in REFUSED_FUNCTIONS and name != "COUNT_STAR"}
    assert not undecided
    procedures = {name for name, kind in listed.items() if "TABLE FUNCTION" in kind}
    assert ALLOWED_PROCEDURES <= procedures
    assert not {"READ_CSV_SERIAL", "READ_PARQUET", "CURRENT_SETTING", "PROJECT_GRAPH"} & ALLOWED_PROCEDURES


# Statements built to make the check and the engine disagree about where strings, names and
# comments end. Whatever the check lets through must leave a writable database as it was.
TRICKS = [
    "RETURN 'a\\' ; CREATE (n:T {id: 1})",
    "RETURN \"a\\\"\" AS x; CREATE (n:T {id: 2})",
    "RETURN `a``; CREATE (n:T {id: 3})` AS x",
    "RETURN 1 AS x /* ; */ CREATE (n:T {id: 4})",
    "RETURN 1 AS x // \n CREATE (n:T {id: 5})",
    "RETURN '\\u0027; CREATE (n:T {id: 6}) //' AS x",
    "MATCH (n:T) WITH n RETURN n.id UNION MATCH (m:T) CREATE (k:T {id: 7}) RETURN k.id",
    "RETURN 1e2CREATE (n:T {id: 8})",
    "RETURN [x IN [1] | x] AS l CREATE (n:T {id: 9})",
    "RETURN {a: 1}.a AS x MERGE (n:T {id: 10})",
    "MATCH (n:T) RETURN n.`id`, n.id.CREATE",
    "RETURN 'x' AS ＣＲＥＡＴＥ",
    "CALL show_tables() RETURN * ; CALL threads=1",
    "UNWIND [1] AS x CALL show_tables() WITH x CREATE (n:T {id: 11}) RETURN x",
]


@pytest.mark.parametrize("statement", TRICKS)
def test_what_passes_changes_nothing_in_a_writable_engine(tmp_path, statement):
    database = lb.Database(str(tmp_path / "db.lbug"))
    connection = lb.Connection(database)
    connection.execute("CREATE NODE TABLE T(id INT64 PRIMARY KEY)")
    connection.execute("CREATE (:T {id: 0})")
    try:
        check_read_only(statement)
    except CypherRefused:
        return
    try:
        connection.execute(statement)
    except RuntimeError:
        pass  # the engine's own refusal (syntax or binder error) is fine too
    result = connection.execute("MATCH (n:T) RETURN count(n)")
    assert result.get_next() == [1], statement


@pytest.mark.parametrize("written, engine", [
    ("MATCH ()-[r]->() RETURN type(r)", "MATCH ()-[r]->() RETURN label(r)"),
    ("MATCH (n) RETURN LABELS(n), Type(r)", "MATCH (n) RETURN [label(n)], label(r)"),
    ("MATCH (n) RETURN labels(head([n, n]))", "MATCH (n) RETURN [label(head([n, n]))]"),
    ("MATCH (n:type) WHERE n.type = 'type(r)' // type(r)\nRETURN n.labels, {type: 1}, `type`",
     "MATCH (n:type) WHERE n.type = 'type(r)' // type(r)\nRETURN n.labels, {type: 1}, `type`"),
])
def test_neo4j_functions_become_the_engines_and_nothing_else_changes(written, engine):
    assert neo4j_functions(written) == engine


@pytest.mark.parametrize("statement, names", [
    ("MATCH (a) RETURN a.name, a.id AS `the id`, count(*) AS n", ["a.name", "the id", "n"]),
    ("MATCH (a)-[r]->(b) RETURN label(r), [x IN [1, 2] | x * 2], {k: a.id, l: 1} ORDER BY label(r) LIMIT 2",
     ["label(r)", "[x IN [1, 2] | x * 2]", "{k: a.id, l: 1}"]),
    ("MATCH (a) WITH a, a.limit AS l RETURN DISTINCT l, a.order SKIP 1", ["l", "a.order"]),
    ("MATCH (a) RETURN a.id AS id UNION MATCH (b) RETURN b.id AS id", ["id"]),
    ("MATCH (a) RETURN *", None),
    ("MATCH (a) WHERE EXISTS { MATCH (a)-->(b) RETURN b } RETURN a.x", ["a.x"]),
])
def test_columns_are_named_as_the_return_writes_them(statement, names):
    assert return_columns(statement) == names
