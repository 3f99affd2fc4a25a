"""The vocabulary as code and the canonical model's rules: ids, merging, symmetry, round trips."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings, strategies as st

from actorgraph.graph.model import (Document, Entity, Evidence, Fragment, Graph, Relation, make_entity_id,
                                    merge_fragments, slugify)
from actorgraph.graph.ontology import ACTOR_TYPES, EntityType, RelationType


def test_types_match_the_ontology_contract():
    assert {t.value for t in EntityType} == {
        "Agency", "Government", "Committee", "InternationalOrganization", "Mission", "Agreement", "Project",
        "Event", "Country", "Region", "City", "Competence", "Organization", "Person"}
    assert {t.value for t in RelationType} == {
        "COOPERATES_WITH", "COORDINATES", "PART_OF", "MEMBER_OF", "PARTICIPATES_IN", "CONDUCTS", "OPERATES_IN",
        "LOCATED_IN", "RESPONSIBLE_FOR", "PARTNER_OF", "PARTY_TO", "SUPPORTS", "HEADS", "ESTABLISHED", "SUCCEEDS"}
    assert {t for t in RelationType if t.symmetric} == {RelationType.COOPERATES_WITH, RelationType.PARTNER_OF}


def test_unknown_types_fail_where_they_are_created():
    with pytest.raises(ValueError):
        Entity.create("Agencyy", "Amt")
    with pytest.raises(ValueError):
        Relation.create("WORKS_WITH", "agency/a", "agency/b")
    with pytest.raises(ValueError):
        Entity.create(EntityType.AGENCY, "Amt", id="city/amt")  # id prefix contradicts the type
    with pytest.raises(ValueError):
        Entity.create(EntityType.AGENCY, "   ")


def test_relation_type_constraints_follow_the_ontology():
    assert RelationType.RESPONSIBLE_FOR.allows(EntityType.AGENCY, EntityType.COMPETENCE)
    assert not RelationType.RESPONSIBLE_FOR.allows(EntityType.AGENCY, EntityType.CITY)
    assert RelationType.PARTY_TO.allows(EntityType.CITY, EntityType.AGREEMENT)
    assert not RelationType.COOPERATES_WITH.allows(EntityType.AGENCY, EntityType.COMPETENCE)
    assert EntityType.COMPETENCE not in ACTOR_TYPES


def test_ids_are_stable_slugs_with_the_type_prefix():
    assert make_entity_id("Agency", "Thüringer Ministerium für Inneres und Kommunales") == \
        "agency/thueringer-ministerium-fuer-inneres-und-kommunales"
    assert make_entity_id(EntityType.INTERNATIONAL_ORGANIZATION, "Europäische Union") == "io/europaeische-union"
    assert slugify("École française") == "ecole-francaise"
    assert slugify("!!!") == "unnamed"


def _evidence(doc="a.txt", start=0, sentence="Satz.", **kw):
    return Evidence(doc=doc, sentence=sentence, start=start, end=start + len(sentence), **kw)


def test_symmetric_relations_are_stored_once_in_either_direction():
    a = Relation.create(RelationType.COOPERATES_WITH, "io/nato", "agency/nccn", [_evidence()])
    b = Relation.create(RelationType.COOPERATES_WITH, "agency/nccn", "io/nato", [_evidence(start=10)])
    assert a.key == b.key == ("agency/nccn", "COOPERATES_WITH", "io/nato")
    directed = Relation.create(RelationType.PART_OF, "committee/icc", "agency/nccn")
    assert (directed.source, directed.target) == ("committee/icc", "agency/nccn")
    with pytest.raises(ValueError):
        Relation.create(RelationType.PART_OF, "agency/nccn", "agency/nccn")


def test_merge_unites_aliases_prefers_curated_names_and_pools_evidence():
    guessed = Entity.create("Agency", "Nationalen Krisenzentrums", id="agency/nccn", aliases={"NCCN"})
    curated = Entity.create("Agency", "Nationales Krisenzentrum", id="agency/nccn", aliases={"Nationaal Crisiscentrum"},
                            canonical=True, attributes={"jurisdiction": "country/be"})
    nato = Entity.create("InternationalOrganization", "NATO", id="io/nato")
    rel1 = Relation.create("COOPERATES_WITH", "agency/nccn", "io/nato", [_evidence("a.txt", 5)])
    rel2 = Relation.create("COOPERATES_WITH", "io/nato", "agency/nccn",
                           [_evidence("b.txt", 7, context="crisis", since="1999"), _evidence("a.txt", 5)])
    graph = merge_fragments([Fragment(Document("a.txt"), [guessed, nato], [rel1]),
                             Fragment(Document("b.txt"), [curated, nato], [rel2])])
    node = graph.entities["agency/nccn"]
    assert node.name == "Nationales Krisenzentrum"
    assert node.aliases == {"NCCN", "Nationalen Krisenzentrums", "Nationaal Crisiscentrum"}
    assert node.attributes == {"jurisdiction": "country/be"}
    (relation,) = graph.relations.values()
    assert [(e.doc, e.start) for e in relation.evidence] == [("a.txt", 5), ("b.txt", 7)]
    assert relation.context == "crisis" and relation.since == "1999"


def test_relation_to_an_unknown_entity_is_refused():
    graph = Graph()
    with pytest.raises(KeyError):
        graph.add_relation(Relation.create("PART_OF", "committee/x", "agency/y"))


def test_evidence_offsets_must_be_ordered():
    with pytest.raises(ValueError):
        Evidence(doc="a", sentence="x", start=5, end=2)


_names = st.text(alphabet="abcdeäöü ", min_size=1, max_size=8).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a.txt", "b.txt", "c.txt"]), _names,
                          st.sampled_from(list(RelationType)), st.integers(0, 50)), min_size=1, max_size=12),
       st.randoms())
def test_merge_is_independent_of_fragment_order(rows, rnd):
    fragments = {}
    for doc, name, rtype, start in rows:
        a = Entity.create("Agency", name, id=f"agency/{slugify(name)}")
        b = Entity.create("InternationalOrganization", name + "x", id="io/x")
        fragment = fragments.setdefault(doc, Fragment(Document(doc)))
        fragment.entities += [a, b]
        fragment.relations.append(Relation.create(rtype, a.id, b.id, [_evidence(doc, start)]))
    ordered = list(fragments.values())
    shuffled = ordered[:]
    rnd.shuffle(shuffled)
    assert merge_fragments(ordered).to_json() == merge_fragments(shuffled).to_json()


def test_json_round_trip_keeps_everything():
    graph = merge_fragments([Fragment(Document("a.txt", title="A"),
                                      [Entity.create("City", "Berlin", aliases={"Berliner"}),
                                       Entity.create("Agreement", "Abkommen X")],
                                      [Relation.create("PARTY_TO", "city/berlin", "agreement/abkommen-x",
                                                       [_evidence(date="1992-06-01")])])])
    data = graph.to_json()
    assert Graph.from_json(data).to_json() == data
