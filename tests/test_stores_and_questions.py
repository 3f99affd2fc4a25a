"""The stores hold the graph.json graph; every named question gives the same rows on both
engines, on the corpus and on random graphs; writes are refused by the engines; bad queries get
one line; graph.ttl conforms to the SHACL shapes."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings, strategies as st

from actorgraph.graph import cypher_store, sparql_store
from actorgraph.graph.lookup import UnknownActor
from actorgraph.graph.model import Document, Entity, Evidence, Fragment, Relation, merge_fragments
from actorgraph.graph.neo4j_export import write_import_files
from actorgraph.graph.ontology import EntityType, RelationType
from actorgraph.graph.rdf import AG, to_rdf
from actorgraph.graph.sparql_store import query as sparql_query
from actorgraph.graph.validation import shapes, validate_graph, validate_turtle
from actorgraph.queries.catalog import Engines, QuestionError, ask, get_question, load_catalog

from helpers import run_cli

# Parameters that make each question return rows on the corpus graph.
CORPUS_PARAMS = {
    "crisis-coordination": [{}, {"actor": "NATO"}, {"actor": "IMAS"}],
    "actor-profile": [{"actor": "NCCN"}, {"actor": "Berlin"}],
    "path": [{"from": "NCCN", "to": "KFOR"}, {"from": "Flandern", "to": "NATO"}],
    "mission-participants": [{}, {"mission": "KFOR"}],
    "partnerships": [{}, {"actor": "Berlin"}],
    "competence-holders": [{}, {"competence": "PSNV"}],
    "members": [{}, {"organization": "IMAS"}],
}


@pytest.fixture(scope="module")
def engines(built):
    engines = Engines(built)
    yield engines
    engines.close()


def test_both_stores_hold_exactly_the_graph(engines, graph_data):
    nodes, edges = len(graph_data["nodes"]), len(graph_data["edges"])
    assert engines.cypher.query("MATCH (n) RETURN count(n) AS n")[1] == [{"n": nodes}]
    assert engines.cypher.query("MATCH ()-[r]->() RETURN count(r) AS n")[1] == [{"n": edges}]
    count = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x %s }"
    assert sparql_store.query(engines.sparql, count % "ag:id ?id")[1] == [{"n": nodes}]
    assert sparql_store.query(engines.sparql, count % "a ag:Relation")[1] == [{"n": edges}]
    by_type = {row["t"]: row["n"] for row in engines.cypher.query("MATCH (n) RETURN n.type AS t, count(*) AS n")[1]}
    expected: dict[str, int] = {}
    for node in graph_data["nodes"]:
        expected[node["type"]] = expected.get(node["type"], 0) + 1
    assert by_type == expected


@pytest.mark.parametrize("name", sorted(CORPUS_PARAMS))
def test_every_question_gives_the_same_rows_on_both_engines(engines, name):
    answered = 0
    for params in CORPUS_PARAMS[name]:
        _, cypher_rows = ask(engines, name, params, "cypher")
        _, sparql_rows = ask(engines, name, params, "sparql")
        assert cypher_rows == sparql_rows, (name, params)
        answered += len(cypher_rows)
    assert answered > 0, f"{name} returns nothing on the corpus"


NOT_PARTNERS = {"Competence", "Agreement", "Project", "Event"}


def test_crisis_coordination_rows_carry_their_evidence(engines, graph_data):
    _, rows = ask(engines, "crisis-coordination", {}, "sparql")
    types = {n["id"]: n["type"] for n in graph_data["nodes"]}
    crisis_edges = {(e["source"], e["type"], e["target"]) for e in graph_data["edges"]
                    if e.get("context") == "crisis" and e["type"] in ("COOPERATES_WITH", "COORDINATES")
                    and not {types[e["source"]], types[e["target"]]} & NOT_PARTNERS}
    assert {(r["source_id"], r["relation"], r["target_id"]) for r in rows} == crisis_edges
    for row in rows:
        assert row["sentence"] and row["doc"].endswith(".txt")


def test_what_is_coordinated_is_no_coordination_partner(tmp_path):
    """A crisis staff coordinating a competence and a project, and cooperating with an agency:
    only the agency is its partner, on both engines (issue #12, point 6)."""
    from actorgraph.graph.outputs import STORE_WRITERS, current_build, write_outputs

    ev = Evidence("a.txt", "Satz.", 0, 5, context="crisis")
    graph = merge_fragments([Fragment(Document("a.txt"), [
        Entity.create("Committee", "Krisenstab"), Entity.create("Agency", "Amt A"),
        Entity.create("Competence", "Katastrophenschutz"), Entity.create("Project", "Projekt P")], [
        Relation.create("COORDINATES", "committee/krisenstab", "competence/katastrophenschutz", [ev]),
        Relation.create("COORDINATES", "committee/krisenstab", "project/projekt-p", [ev]),
        Relation.create("COOPERATES_WITH", "committee/krisenstab", "agency/amt-a", [ev])])])
    write_outputs(graph, tmp_path, extra=STORE_WRITERS)
    small = Engines(current_build(tmp_path))
    try:
        for engine in ("cypher", "sparql"):
            _, rows = ask(small, "crisis-coordination", {}, engine)
            assert {(r["source_id"], r["target_id"]) for r in rows} == {("agency/amt-a", "committee/krisenstab")} \
                or {(r["source_id"], r["target_id"]) for r in rows} == {("committee/krisenstab", "agency/amt-a")}, engine
    finally:
        small.close()


def test_analytics_questions_run_on_networkx(engines):
    _, brokers = ask(engines, "brokers", {"limit": "5"})
    assert len(brokers) == 5 and brokers[0]["betweenness"] >= brokers[-1]["betweenness"]
    _, groups = ask(engines, "communities", {})
    assert groups and groups[0]["community"] == 1
    with pytest.raises(QuestionError):
        ask(engines, "brokers", {}, "cypher")


def test_brokers_are_bodies_read_from_the_build(engines, graph_data, built):
    from actorgraph.graph.ontology import ACTOR_TYPES, PLACE_TYPES

    bodies = {t.value for t in ACTOR_TYPES - PLACE_TYPES}
    assert {n["type"] for n in graph_data["nodes"]} - bodies, "the corpus has places or competences to leave out"
    _, rows = ask(engines, "brokers", {"limit": "1000"})
    assert rows and {r["type"] for r in rows} <= bodies
    assert len(rows) == sum(n["type"] in bodies for n in graph_data["nodes"])
    bodies_count = rows[0]["pivots"]
    assert all(r["pivots"] == bodies_count == len(rows) for r in rows)  # few bodies: every one is a pivot
    cached = json.loads((built / "brokers.json").read_text())
    assert [r["id"] for r in rows] == [r["id"] for r in cached["ranking"]]


def test_brokers_are_sampled_past_the_pivots_and_find_the_bridge():
    """Two agencies with 150 partners each, partners of each other, all seated in one city:
    sampled from 100 of 302 bodies, the two hubs still rank first, the city not at all."""
    from actorgraph.queries.analytics import PIVOTS, brokers

    hubs = [Entity.create("Agency", "Nabe Nord"), Entity.create("Agency", "Nabe Sued")]
    city = Entity.create("City", "Mittelstadt")
    leaves = [Entity.create("Organization", f"Verein {side} {k}") for side in (0, 1) for k in range(150)]
    ev = Evidence("a.txt", "Satz.", 0, 5)
    relations = [Relation.create("PARTNER_OF", hubs[0].id, hubs[1].id, [ev])]
    relations += [Relation.create("COOPERATES_WITH", hubs[k // 150].id, leaf.id, [ev]) for k, leaf in enumerate(leaves)]
    relations += [Relation.create("LOCATED_IN", e.id, city.id, [ev]) for e in hubs + leaves]
    graph = merge_fragments([Fragment(Document("a.txt"), hubs + [city] + leaves, relations)])
    rows = brokers(graph, limit=3)
    assert {r["id"] for r in rows[:2]} == {h.id for h in hubs}
    assert rows[0]["pivots"] == PIVOTS < len(graph.entities) - 1
    assert rows[2]["betweenness"] < rows[1]["betweenness"] / 10


def test_sampled_betweenness_is_networkx_s():
    """The brokers' own searches give networkx's sampled betweenness, pivot for pivot, on a
    random graph of bodies and places (only the bodies count)."""
    import random

    import networkx as nx

    from actorgraph.queries.analytics import BROKER_TYPES, PIVOTS, SEED, broker_scores, undirected

    rng = random.Random(3)
    entities = [Entity.create(rng.choice(["Agency", "Organization", "City"]), f"Stelle {k}") for k in range(260)]
    ev = Evidence("a.txt", "Satz.", 0, 5)
    relations = {}
    for _ in range(420):
        a, b = rng.sample(entities, 2)
        relation = Relation.create("COOPERATES_WITH", a.id, b.id, [ev])
        relations[relation.key] = relation
    graph = merge_fragments([Fragment(Document("a.txt"), entities, list(relations.values()))])
    ours = {row["id"]: row["betweenness"] for row in broker_scores(graph)["ranking"]}
    expected = nx.betweenness_centrality(undirected(graph, BROKER_TYPES), k=PIVOTS, normalized=True, seed=SEED)
    assert len(ours) == len(expected) > PIVOTS and max(expected.values()) > 0
    assert all(abs(ours[node] - value) < 1e-6 for node, value in expected.items())


def test_parameters_are_checked(engines):
    with pytest.raises(QuestionError, match="unknown parameter 'actr'"):
        ask(engines, "crisis-coordination", {"actr": "NATO"}, "cypher")
    with pytest.raises(QuestionError, match="needs parameter 'actor'"):
        ask(engines, "actor-profile", {}, "sparql")
    with pytest.raises(QuestionError, match="unknown question"):
        ask(engines, "who-is-who", {})
    # a value that looks like query text is only ever a value: no actor is named so (404 over
    # HTTP, graph/lookup.py), and the engines bind it, never splice it into the query text
    question = get_question("actor-profile")
    for value, engine in (("x' OR 1=1 //", "cypher"), ('") } UNION { ?a ?b ?c } #', "sparql")):
        with pytest.raises(UnknownActor):
            ask(engines, "actor-profile", {"actor": value}, engine)
    assert engines.cypher.query(question.text("cypher"), {"actor": "x' OR 1=1 //"})[1] == []
    form = question.sparql_forms({"actor": "x"})[0]
    assert sparql_query(engines.sparql, form, {"param_actor": '") } UNION { ?a ?b ?c } #'})[1] == []


def test_writes_are_refused_by_the_engines_and_change_nothing(engines, graph_data):
    before = engines.cypher.query("MATCH (n) RETURN count(n) AS n")[1]
    for statement in ("CREATE (:Agency {id: 'agency/x', name: 'X'})", "MATCH (n) DETACH DELETE n",
                      "MATCH (n:Agency) SET n.name = 'changed'", "MERGE (:City {id: 'city/y'})"):
        with pytest.raises(cypher_store.CypherError, match="read-only"):
            engines.cypher.query(statement)
    assert engines.cypher.query("MATCH (n) RETURN count(n) AS n")[1] == before
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }",
                   "LOAD <http://example.org/data.ttl>"):
        with pytest.raises(sparql_store.SparqlError):
            sparql_store.query(engines.sparql, update)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?x ag:id ?id }"
    assert sparql_store.query(engines.sparql, count)[1] == [{"n": len(graph_data["nodes"])}]


def test_cli_queries_and_one_line_errors(built):
    result = run_cli("ask", "crisis-coordination", "-o", str(built), "-f", "json", "-p", "actor=NATO", check=True)
    rows = json.loads(result.stdout)
    assert rows and all("NATO" in (r["source"], r["target"]) for r in rows)
    result = run_cli("cypher", "MATCH (n:Agency) RETURN n.id AS id LIMIT 2", "-o", str(built), "-f", "csv", check=True)
    assert result.stdout.splitlines()[0] == "id" and len(result.stdout.splitlines()) == 3
    for args in (["sparql", "SELECT ?x WHERE { ?x", "-o", str(built)],
                 ["cypher", "MATCH (n RETURN n", "-o", str(built)],
                 ["cypher", "CREATE (:City {id: 'city/z'})", "-o", str(built)],
                 ["ask", "path", "-p", "from=NCCN", "-o", str(built)],
                 ["ask", "crisis-coordination", "-p", "bogus=1", "-o", str(built)],
                 ["ask", "nope", "-o", str(built)]):
        result = run_cli(*args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_graph_ttl_conforms_to_the_shapes(built):
    conforms, report = validate_turtle(built / "graph.ttl")
    assert conforms, report
    assert run_cli("validate", "-o", str(built)).returncode == 0


def test_shapes_list_the_ontology():
    text = "\n".join(str(o) for o in shapes().objects())
    for entity_type in EntityType:
        assert str(AG[entity_type.value]) in text
    for relation_type in RelationType:
        assert str(AG[relation_type.value]) in text


def _small_graph():
    ev = Evidence("a.txt", "Satz.", 0, 5)
    return merge_fragments([Fragment(Document("a.txt"), [Entity.create("Agency", "Amt A"), Entity.create("City", "Berlin")],
                                     [Relation.create("LOCATED_IN", "agency/amt-a", "city/berlin", [ev])])])


def test_an_unknown_relation_type_fails_validation_readably():
    rdf = to_rdf(_small_graph())
    relation = next(rdf.subjects(rdflib.RDF.type, AG.Relation))
    rdf.set((relation, AG.relationType, rdflib.Literal("WORKS_WITH")))
    rdf.set((relation, rdflib.RDF.predicate, AG.WORKS_WITH))
    conforms, report = validate_graph(rdf)
    assert not conforms and "unknown relation type" in report and "WORKS_WITH" in report


def test_an_entity_without_a_name_fails_validation_readably():
    rdf = to_rdf(_small_graph())
    rdf.remove((None, rdflib.namespace.SKOS.prefLabel, None))
    conforms, report = validate_graph(rdf)
    assert not conforms and "needs exactly one non-empty name" in report


def test_neo4j_import_files_have_admin_headers(built, graph_data):
    folder = built / "neo4j"
    nodes = sum(len(list(csv.reader(p.open(encoding="utf-8")))) - 1 for p in folder.glob("nodes_*.csv"))
    assert nodes == len(graph_data["nodes"])
    with (folder / "relationships.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == [":START_ID", ":END_ID", ":TYPE"] and len(rows) - 1 == len(graph_data["edges"])
    assert next(csv.reader((folder / "nodes_Agency.csv").open(encoding="utf-8")))[:2] == ["id:ID", ":LABEL"]


# -- random graphs: the two engines agree on every question ------------------------------

_TYPES = [EntityType.AGENCY, EntityType.INTERNATIONAL_ORGANIZATION, EntityType.MISSION, EntityType.CITY,
          EntityType.COMPETENCE, EntityType.COMMITTEE]


@st.composite
def random_graphs(draw):
    count = draw(st.integers(2, 9))
    entities = []
    for index in range(count):
        entity_type = draw(st.sampled_from(_TYPES))
        name = draw(st.sampled_from(["Amt", "Rat", "Stab", "Zentrum", "Mission", "Stadt"])) + f" {index}"
        aliases = {f"A{index}"} if draw(st.booleans()) else set()
        entities.append(Entity.create(entity_type, name, aliases=aliases))
    relations = []
    for _ in range(draw(st.integers(0, 14))):
        source, target = draw(st.sampled_from(entities)), draw(st.sampled_from(entities))
        choices = [r for r in RelationType if r.allows(source.type, target.type)]
        if source.id == target.id or not choices:
            continue
        relation_type = draw(st.sampled_from(choices))
        start = draw(st.integers(0, 50))
        evidence = Evidence("d.txt", f"Satz {start}.", start, start + 8,
                            context=draw(st.sampled_from([None, "crisis"])),
                            since=draw(st.sampled_from([None, "1999", "2021-02"])))
        relations.append(Relation.create(relation_type, source.id, target.id, [evidence]))
    return merge_fragments([Fragment(Document("d.txt"), entities, relations)])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), st.data())
def test_questions_agree_on_random_graphs(graph, data):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "graph.json").write_text(json.dumps(graph.to_json()), encoding="utf-8")
        sparql_store.write_store(graph, out)
        cypher_store.write_store(graph, out)
        engines = Engines(out)
        try:
            names = sorted(e.name for e in graph.entities.values())
            pick = data.draw(st.sampled_from(names))
            other = data.draw(st.sampled_from(names))
            for question in load_catalog():
                if "cypher" not in question.engines:
                    continue
                params = {p.name: (pick if p.name != "to" else other) for p in question.parameters
                          if p.required or data.draw(st.booleans())}
                if question.name == "path" and pick == other:
                    continue
                _, cypher_rows = ask(engines, question.name, params, "cypher")
                _, sparql_rows = ask(engines, question.name, params, "sparql")
                assert cypher_rows == sparql_rows, (question.name, params)
        finally:
            engines.close()


def _written_rdf(graph) -> dict[str, rdflib.Graph]:
    """The graph's streamed RDF files, each read back by rdflib (a parser other than the writer's)."""
    from actorgraph.graph.rdf import write_rdf

    with tempfile.TemporaryDirectory() as folder:
        write_rdf(graph, Path(folder))
        return {name: rdflib.Graph().parse(Path(folder) / name, format=form)
                for name, form in (("graph.nt", "nt"), ("graph.ttl", "turtle"), ("graph.jsonld", "json-ld"))}


def _assert_rdf_holds(graph, parsed: rdflib.Graph) -> None:
    """What the model says is in the RDF, literally: names, aliases, sentences, titles, counts."""
    from actorgraph.graph.rdf import ID

    SKOS = rdflib.namespace.SKOS
    for entity in graph.entities.values():
        node = ID[entity.id]
        assert (node, AG.name, rdflib.Literal(entity.name)) in parsed
        assert (node, SKOS.prefLabel, rdflib.Literal(entity.name, lang="de")) in parsed
        assert set(parsed.objects(node, SKOS.altLabel)) == {rdflib.Literal(a) for a in entity.aliases}
    sentences = {e.sentence for r in graph.relations.values() for e in r.evidence}
    assert {str(o) for o in parsed.objects(None, AG.sentence)} == sentences
    assert len(set(parsed.subjects(rdflib.RDF.type, AG.Relation))) == len(graph.relations)
    DCTERMS = rdflib.namespace.DCTERMS
    for doc_id, document in graph.documents.items():
        node = parsed.value(predicate=DCTERMS.identifier, object=rdflib.Literal(doc_id))
        assert node is not None and str(parsed.value(node, DCTERMS.title) or "") == document.title


@settings(max_examples=10, deadline=None)
@given(random_graphs())
def test_the_streamed_rdf_files_hold_the_graph(graph):
    from rdflib.compare import isomorphic

    graph.documents["d.txt"] = Document("d.txt", title='Titel mit "Anführung"\nund Zeile\\ und \t', sha256="ab")
    graph.add_entity(Entity.create("Agency", 'Amt "Nord"\r\nfür O\'Brien\\Süd', aliases={"a\tb", "«Zentrum» Ω"}))
    files = _written_rdf(graph)
    assert isomorphic(files["graph.nt"], files["graph.ttl"]) and isomorphic(files["graph.nt"], files["graph.jsonld"])
    _assert_rdf_holds(graph, files["graph.ttl"])


def test_the_streamed_rdf_files_on_the_corpus(graph):
    from rdflib.compare import isomorphic

    files = _written_rdf(graph)
    assert isomorphic(files["graph.nt"], files["graph.ttl"]) and isomorphic(files["graph.nt"], files["graph.jsonld"])
    _assert_rdf_holds(graph, files["graph.jsonld"])
    conforms, report = validate_graph(files["graph.jsonld"])
    assert conforms, report
