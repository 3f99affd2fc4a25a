"""Extraction quality measured against the hand-annotated gold files (tests/gold/): the floors
of the extraction issue. The scorer is the one benchmarks/score_extraction.py prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from actorgraph.ingest.evaluation import GoldFormatError, load_gold, parse_gold, score
from actorgraph.ingest.pipeline import build_graph

from helpers import CORPUS, ROOT

GOLD = ROOT / "tests" / "gold"


@pytest.fixture(scope="module")
def corpus_report():
    return score(build_graph([CORPUS]).graph, load_gold(GOLD / "corpus.gold"))


@pytest.fixture(scope="module")
def dev_report():
    return score(build_graph([GOLD / "dev"]).graph, load_gold(GOLD / "dev.gold"))


def test_corpus_entity_f1_floor(corpus_report):
    print(corpus_report.table())
    assert corpus_report.entities.f1 >= 0.90
    assert corpus_report.typed_entities.f1 >= 0.90


def test_corpus_relation_f1_floor(corpus_report):
    assert corpus_report.relations.f1 >= 0.75, corpus_report.missed_relations


def test_dev_set_entity_f1_floor(dev_report):
    print(dev_report.table())
    assert dev_report.entities.f1 >= 0.80


def test_dev_set_relation_f1_floor(dev_report):
    assert dev_report.relations.f1 >= 0.60, dev_report.missed_relations


def test_the_dev_set_is_not_the_corpus():
    dev_docs = {p.read_text(encoding="utf-8") for p in (GOLD / "dev").glob("*.txt")}
    corpus_docs = {p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    assert len(dev_docs) >= 10 and not dev_docs & corpus_docs
    gold = load_gold(GOLD / "dev.gold")
    assert set(gold.documents) == {p.name for p in (GOLD / "dev").glob("*.txt")}
    assert len(gold.relations) >= 60


def test_scorer_counts_what_it_should():
    from actorgraph.graph.model import Document, Entity, Evidence, Fragment, Relation, merge_fragments

    gold = parse_gold("doc\ta.txt\nE\tAgency\tNationales Krisenzentrum\tNCCN\nE\tInternationalOrganization\tNATO\n"
                      "E\tCity\tBerlin\nR\tNationales Krisenzentrum\tCOOPERATES_WITH\tNATO\n"
                      "R\tBerlin\tPARTNER_OF\tNATO\n")
    ev = Evidence("a.txt", "Satz.", 0, 5)
    graph = merge_fragments([Fragment(Document("a.txt"), [
        Entity.create("Agency", "NCCN", id="agency/nccn"),            # matched by alias
        Entity.create("InternationalOrganization", "NATO", id="io/nato"),
        Entity.create("Country", "Belgien", id="country/be")], [      # not in the gold
        Relation.create("COOPERATES_WITH", "io/nato", "agency/nccn", [ev]),   # symmetric, reversed
        Relation.create("PART_OF", "agency/nccn", "io/nato", [ev])])])        # wrong type
    report = score(graph, gold)
    assert (report.entities.true_positives, report.entities.predicted, report.entities.expected) == (2, 3, 3)
    assert (report.relations.true_positives, report.relations.predicted, report.relations.expected) == (1, 2, 2)
    assert report.relations.precision == 0.5 and report.relations.recall == 0.5
    assert report.missed_entities == ["City Berlin"]


def test_gold_files_must_be_well_formed():
    with pytest.raises(GoldFormatError, match="not an entity"):
        parse_gold("doc\ta.txt\nR\tX\tPART_OF\tY\n")
    with pytest.raises(ValueError):
        parse_gold("doc\ta.txt\nE\tAgencyy\tX\n")


def test_scorer_script_prints_the_figures():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "score_extraction.py"), "--set", "corpus"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "entities (untyped)" in result.stdout and "relations" in result.stdout
