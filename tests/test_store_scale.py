"""The stores at scale, with names a CSV loader can trip over (issue 13, point 6).

LadybugDB's ``COPY`` used to guess the CSV dialect from the first 256 rows of each file, so a
build failed as soon as a later row held a quoted field (an alias with a comma, a quote, a
newline). Both tests put the first troublesome row after row 256 and check that every store
holds every actor with its exact name and aliases. The collection generator is the one
``benchmarks/build_scale.py`` runs."""

from __future__ import annotations

from pathlib import Path

from actorgraph.graph.cypher_store import CypherStore
from actorgraph.graph.jsonio import read_json
from actorgraph.graph.model import Document, Entity, Evidence, Fragment, Graph, Relation, merge_fragments
from actorgraph.graph.outputs import STORE_WRITERS, current_build, write_outputs
from actorgraph.graph.sparql_store import open_store, query

from helpers import benchmark


scale = benchmark("build_scale")

# every troublesome character in a name and an alias; a pipe only in names, since aliases are
# stored as one "|"-separated string
NAMES = ["Amt für Zölle, Steuern und Abgaben", 'Stiftung "Frieden und Recht"', "Bundesamt für O'Brien-Studien",
         "Amt für Häfen; Wege", "Agentur für Nord|Süd", "Amt für Rück\\Schrägstrich", "Zentrum für Neue\nWege",
         'Zentrum "Wege, Ziele"\r\n; \\ | \'', '"', ",", "\\"]
ALIASES = ["AZSA, alt", 'Die "Stiftung"', "O'Brien", "A;B", "Back\\slash", "Neue\nWege", "Zeile\r\nZwei", '""', ""]


def _graph_with_late_troublesome_rows(plain: int = 300) -> Graph:
    """``plain`` agencies and relations with plain text, then agencies whose names, aliases and
    evidence hold each troublesome character (their ids sort last)."""
    entities = [Entity.create("Agency", f"Amt Nummer {n:04d}", id=f"agency/amt-{n:04d}", aliases={f"AN{n:04d}"})
                for n in range(plain)]
    for n, name in enumerate(NAMES):
        entities.append(Entity.create("Agency", name, id=f"agency/zz-{n:02d}",
                                      aliases={ALIASES[n % len(ALIASES)], f"Kurz {n}"}))
    relations = []
    for n, (source, target) in enumerate(zip(entities, entities[1:])):
        sentence = f"Das {source.name} arbeitet mit dem {target.name} zusammen."
        evidence = Evidence(f"doc-{n:04d}.txt", sentence, 0, len(sentence), since=str(2000 + n % 20))
        relations.append(Relation.create("COOPERATES_WITH", source.id, target.id, [evidence]))
    return merge_fragments([Fragment(Document("scale.txt"), entities, relations)])


def _node_rows(store: CypherStore, match: str, database: str | None = None) -> dict[str, tuple]:
    _, rows = store.query(f"{match} RETURN n.id AS id, n.name AS name, n.aliases AS aliases", database=database)
    return {row["id"]: (row["name"], row["aliases"]) for row in rows}


def _assert_stores_hold(graph: Graph, build: Path) -> None:
    """Every store built in ``build`` holds every entity of ``graph`` with its exact name and
    aliases (LadybugDB: one "|"-joined string, NULL when there are none)."""
    expected = {e.id: (e.name, "|".join(sorted(e.aliases)) or None) for e in graph.entities.values()}
    store = CypherStore(build)
    try:
        nodes = _node_rows(store, "MATCH (n)")
        actors = _node_rows(store, "MATCH (n:Actor)", database="links")
        _, counted = store.query("MATCH ()-[r]->() RETURN count(r) AS n")
    finally:
        store.close()
    wrong = [(key, nodes.get(key), value) for key, value in expected.items() if nodes.get(key) != value]
    assert not wrong and len(nodes) == len(expected), f"Cypher store: {len(wrong)} wrong, e.g. {wrong[:3]}"
    wrong = [(key, actors.get(key), value) for key, value in expected.items() if actors.get(key) != value]
    assert not wrong and len(actors) == len(expected), f"links store: {len(wrong)} wrong, e.g. {wrong[:3]}"
    assert counted[0]["n"] == len(graph.relations)
    _, rows = query(open_store(build), "SELECT ?id ?name WHERE { ?e ag:id ?id ; ag:name ?name }")
    assert {r["id"]: r["name"] for r in rows} == {key: name for key, (name, _) in expected.items()}


def test_quoted_names_after_row_256_load_into_every_store(tmp_path):
    graph = _graph_with_late_troublesome_rows()
    assert scale.first_troublesome_row(graph) == 300
    build = write_outputs(graph, tmp_path / "build", extra=list(STORE_WRITERS))
    _assert_stores_hold(graph, build)
    store = CypherStore(build)
    try:
        _, rows = store.query("MATCH (a)-[r]->(b) RETURN a.id AS a, b.id AS b, r.sentence AS sentence")
    finally:
        store.close()
    assert {(r["a"], r["b"]): r["sentence"] for r in rows} == {
        (r.source, r.target): r.evidence[0].sentence for r in graph.relations.values()}


def test_two_thousand_generated_documents_build_in_every_store(tmp_path):
    from actorgraph.ingest.pipeline import build

    collection = scale.generate(tmp_path / "collection", 2000)
    out = tmp_path / "build"
    result = build([collection.documents], out, settings=collection.settings)
    assert result.documents == 2000 and not result.skipped
    graph = read_json(current_build(out) / "graph.json")
    present = set().union(*(scale.troublesome(e.name + "".join(e.aliases)) for e in graph.entities.values()))
    assert present == set(scale.TROUBLESOME), f"missing from names and aliases: {set(scale.TROUBLESOME) - present}"
    assert scale.first_troublesome_row(graph) > scale.SAMPLED_ROWS
    for entity_type in ("Agency", "Organization"):
        assert scale.first_troublesome_row(graph, entity_type) > scale.SAMPLED_ROWS, entity_type
    _assert_stores_hold(graph, current_build(out))
