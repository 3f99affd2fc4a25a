"""Resolution is correctable without code (judgements), and extra extractors plug in."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from actorgraph.ingest.judgements import JudgementError, parse_judgements

from helpers import CORPUS, actorgraph_command, run_cli

TEXT = ("Das Technische Hilfswerk (THW) arbeitet eng mit dem Bundesamt für Bevölkerungsschutz und "
        "Katastrophenhilfe (BBK) zusammen.\nDas THW startet das Leuchtturmprojekt Wasserwerk.\n")


def _graph(out):
    return json.loads((out / "graph.json").read_text(encoding="utf-8"))


def test_judgements_merge_and_split_entities(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "b.txt").write_text("Das Auswärtige Amt arbeitet mit der NATO zusammen.", encoding="utf-8")
    plain = tmp_path / "plain"
    run_cli("build", "-i", str(corpus), "-o", str(plain), check=True)
    ids = {n["id"] for n in _graph(plain)["nodes"]}
    assert {"agency/thw", "agency/bbk", "agency/auswaertiges-amt"} <= ids

    judgements = tmp_path / "judgements.tsv"
    judgements.write_text("# a wrong merge and a missed one, fixed without code\n"
                          "same-as\tagency/thw\tagency/bbk\n"
                          "not-same-as\tagency/auswaertiges-amt\tb.txt\n", encoding="utf-8")
    judged = tmp_path / "judged"
    run_cli("build", "-i", str(corpus), "-o", str(judged), "--judgements", str(judgements), check=True)
    graph = _graph(judged)
    ids = {n["id"] for n in graph["nodes"]}
    assert "agency/bbk" not in ids and "agency/thw" in ids
    assert "agency/auswaertiges-amt-b-txt" in ids and "agency/auswaertiges-amt" not in ids
    thw = next(n for n in graph["nodes"] if n["id"] == "agency/thw")
    assert "Bundesamt für Bevölkerungsschutz und Katastrophenhilfe" in thw["aliases"]
    # the relation between the two merged bodies is gone; the NATO one follows the split node
    assert not [e for e in graph["edges"] if {e["source"], e["target"]} == {"agency/thw"}]
    assert any("agency/auswaertiges-amt-b-txt" in (e["source"], e["target"]) for e in graph["edges"])


def test_malformed_judgements_are_named(tmp_path):
    bad = tmp_path / "j.tsv"
    bad.write_text("same-as\tonly-one-column\n", encoding="utf-8")
    result = run_cli("build", "-i", str(CORPUS), "-o", str(tmp_path / "o"), "--judgements", str(bad))
    assert result.returncode != 0 and "j.tsv:1" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(JudgementError):
        parse_judgements("same-as\tagency/a\tnot-an-id\n")


def test_an_extra_extractor_adds_its_candidates(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(CORPUS.parent.parent / "tests"))
    result = subprocess.run(actorgraph_command() + ["build", "-i", str(corpus), "-o", str(out), "--workers", "2",
                                                    "--extractor", "example_extractor:LighthouseExtractor"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    graph = _graph(out)
    assert "project/wasserwerk" in {n["id"] for n in graph["nodes"]}
    conducts = [e for e in graph["edges"] if e["type"] == "CONDUCTS" and e["target"] == "project/wasserwerk"]
    assert conducts and conducts[0]["evidence"][0]["extractor"] == "lighthouse-example/1.0"
    # the rule extractor still ran beside it
    assert any(e["type"] == "COOPERATES_WITH" for e in graph["edges"])
    document = graph["documents"][0]
    assert "lighthouse-example/1.0" in document["extractor"] and "actorgraph-rules" in document["extractor"]


def test_an_unloadable_extractor_is_one_line(tmp_path):
    result = run_cli("build", "-i", str(CORPUS), "-o", str(tmp_path / "o"), "--extractor", "no_such_module:X")
    assert result.returncode != 0 and "no_such_module:X" in result.stderr and "Traceback" not in result.stderr
