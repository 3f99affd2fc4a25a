"""The learned relation component (issue #12, point 3): the shipped model, the ontology's say
over its labels, and its place beside the cue frames in the extractor."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from actorgraph.graph.model import Document
from actorgraph.graph.ontology import EntityType, RelationType
from actorgraph.ingest.mentions import Mention
from actorgraph.ingest.pipeline import RuleExtractor
from actorgraph.ingest.relation_classifier import (NONE, Candidate, RelationClassifier, choose, relation_of,
                                                   shared_classifier)


def _mention(entity_id: str, kind: EntityType, start: int = 0) -> Mention:
    return Mention(start, start + 3, entity_id, entity_id, kind, entity_id)


def test_the_shipped_model_loads_from_the_package_and_names_ontology_relations():
    model = shared_classifier()
    assert model is not None, "ingest/models/relations.json is missing from the package"
    assert NONE in model.labels
    for label in model.labels:
        if label != NONE:
            relation, _ = relation_of(label)
            assert isinstance(relation, RelationType)
    assert 0.0 < model.threshold <= 1.0
    data = json.loads(resources.files("actorgraph.ingest").joinpath("models/relations.json").read_text("utf-8"))
    held_out = data["cross_validation"]["held_out"]
    assert 0.0 <= held_out["p"] <= 1.0 and 0.0 <= held_out["r"] <= 1.0, "the model states its held-out figure"


def test_choose_takes_the_best_label_the_ontology_allows_for_the_two_types():
    agency, country = _mention("agency/x", EntityType.AGENCY), _mention("country/y", EntityType.COUNTRY, 10)
    candidate = Candidate(agency, country, [])
    # an agency is not responsible for a country, nor does a country operate in an agency
    probabilities = {NONE: 0.1, "RESPONSIBLE_FOR>": 0.4, "OPERATES_IN<": 0.2, "OPERATES_IN>": 0.2,
                     "COOPERATES_WITH>": 0.1}
    assert not RelationType.RESPONSIBLE_FOR.allows(EntityType.AGENCY, EntityType.COUNTRY)
    assert not RelationType.OPERATES_IN.allows(EntityType.COUNTRY, EntityType.AGENCY)
    assert choose(probabilities, candidate, 0.5) == "OPERATES_IN>"


def test_choose_says_nothing_when_the_pair_is_probably_unrelated():
    candidate = Candidate(_mention("agency/x", EntityType.AGENCY), _mention("io/y", EntityType.INTERNATIONAL_ORGANIZATION, 9), [])
    assert choose({NONE: 0.7, "COOPERATES_WITH>": 0.3}, candidate, 0.5) is None
    assert choose({NONE: 0.3, "COOPERATES_WITH>": 0.7}, candidate, 0.5) == "COOPERATES_WITH>"


def test_probabilities_are_a_softmax_over_the_pairs_features():
    model = RelationClassifier({"labels": [NONE, "COOPERATES_WITH>"], "intercepts": [0.0, 0.0], "threshold": 0.5,
                                "weights": {"bs=bündel": [[1, 2.0]]}})
    unrelated, related = model.probabilities(["tab=x"]), model.probabilities(["bs=bündel", "tab=x"])
    assert unrelated == pytest.approx([0.5, 0.5])
    assert related[1] == pytest.approx(1 / (1 + pow(2.718281828459045, -2.0)))


TEXT = ("Das Technische Hilfswerk und das Welternährungsprogramm bündeln seit Jahren ihre Kräfte.\n")


def test_a_pair_the_cue_frames_miss_is_related_by_the_learned_component_with_both_mentions_in_its_sentence():
    """A cue word the frames do not know ("bündeln ihre Kräfte") and a model that learned it: the relation
    appears, grounded in the sentence; without the model it does not."""
    extractor = RuleExtractor(use_model=False)
    document = Document("t.txt", TEXT, "", "text/plain", "0" * 64, "")
    without = extractor.extract(document)
    assert not [r for r in without.relations if r.type is RelationType.COOPERATES_WITH]
    extractor.pair_model = RelationClassifier({"labels": [NONE, "COOPERATES_WITH>"], "intercepts": [0.0, -1.0],
                                               "threshold": 0.5, "weights": {"last=kräfte": [[1, 4.0]]}})
    learned = [r for r in extractor.extract(document).relations if r.type is RelationType.COOPERATES_WITH]
    assert len(learned) == 1
    evidence = learned[0].evidence[0]
    ends = sorted(TEXT[s:e] for s, e in evidence.mentions)
    assert ends == ["Technische Hilfswerk", "Welternährungsprogramm"]
    assert all(evidence.start <= s and e <= evidence.end for s, e in evidence.mentions)


def test_the_learned_component_runs_only_when_asked():
    """Off by default (its model card says why); `build --relation-model` switches it on."""
    from actorgraph.ingest.pipeline import Settings

    assert Settings().use_relation_model is False
    assert RuleExtractor(use_model=False).pair_model is None
    assert isinstance(RuleExtractor(use_model=False, use_relation_model=True).pair_model, RelationClassifier)
