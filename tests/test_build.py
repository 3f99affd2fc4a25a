"""`actorgraph build` through its entry point: outputs, their validity, determinism, bad input
and the promise that a failed build leaves the previous one intact."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from rdflib.compare import isomorphic

from actorgraph.graph.jsonio import GraphJsonError, read_json, validate
from actorgraph.graph.model import Entity, Evidence, Graph, Relation
from actorgraph.graph.networkx_view import graphml_lines, to_networkx
from actorgraph.graph.outputs import write_outputs
from actorgraph.graph.rdf import to_rdf

from helpers import CORPUS, run_cli


def test_build_writes_every_output(built):
    for name in ("graph.json", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml", "build.json", "brokers.json"):
        assert (built / name).stat().st_size > 0, name
    assert not list(built.parent.glob(".build.tmp-*")), "no staging folder is left behind"


def test_graph_json_validates_against_the_schema(graph_data):
    validate(graph_data)
    assert {d["id"] for d in graph_data["documents"]} == {p.name for p in CORPUS.glob("*.txt")}
    assert len(graph_data["nodes"]) >= 30 and len(graph_data["edges"]) >= 20


def test_schema_rejects_what_the_contract_forbids(graph_data):
    broken = json.loads(json.dumps(graph_data))
    broken["nodes"][0]["type"] = "Agencyy"
    with pytest.raises(GraphJsonError, match="nodes/0/type"):
        validate(broken)
    dangling = json.loads(json.dumps(graph_data))
    dangling["edges"][0]["target"] = "agency/does-not-exist"
    with pytest.raises(GraphJsonError, match="unknown node"):
        validate(dangling)
    no_evidence = json.loads(json.dumps(graph_data))
    no_evidence["edges"][0]["evidence"] = []
    with pytest.raises(GraphJsonError):
        validate(no_evidence)


def test_schema_enums_are_the_ontology(graph_data):
    from actorgraph.graph.jsonio import schema
    from actorgraph.graph.ontology import EntityType, RelationType

    props = schema()["properties"]
    assert set(props["nodes"]["items"]["properties"]["type"]["enum"]) == {t.value for t in EntityType}
    assert set(props["edges"]["items"]["properties"]["type"]["enum"]) == {t.value for t in RelationType}


def test_turtle_parses_back_to_the_same_triples(built, graph):
    parsed = rdflib.Graph().parse(built / "graph.ttl", format="turtle")
    expected = to_rdf(graph)
    assert len(parsed) == len(expected) > 500
    assert isomorphic(parsed, expected)
    jsonld = rdflib.Graph().parse(built / "graph.jsonld", format="json-ld")
    assert len(jsonld) == len(parsed)


def test_graphml_holds_every_node_and_edge(built, graph_data):
    view = nx.read_graphml(built / "graph.graphml")
    assert view.number_of_nodes() == len(graph_data["nodes"])
    assert view.number_of_edges() == len(graph_data["edges"])


def test_the_streamed_graphml_is_what_networkx_writes(graph):
    """graph.graphml is written line by line; networkx, building its graph and XML tree first,
    writes the same bytes: for the corpus, a graph of troublesome names (quotes, ampersands,
    angle brackets, line breaks in ids, names and sentences) and the empty graph."""
    hostile = Graph()
    names = ['Amt "A" & <B>', "Zentrum\r\nNord\tSüd", "O'Brien > Ämter", "Amt für Wege"]
    for number, name in enumerate(names):
        hostile.add_entity(Entity.create("Agency", name, id=f"agency/{number}-{name}", aliases={name + " & Co"}))
    ids = sorted(hostile.entities)
    for source, target in zip(ids, ids[1:]):
        hostile.add_relation(Relation.create("COOPERATES_WITH", source, target,
                                             [Evidence("d<1>.txt", f"{source} &\r\n {target}", 0, 3)]))
    hostile.add_relation(Relation.create("PART_OF", ids[0], ids[2], []))
    for subject in (graph, hostile, Graph()):
        written = io.BytesIO()
        nx.write_graphml(to_networkx(subject), written)
        assert "".join(graphml_lines(subject)).encode() == written.getvalue()


def test_two_builds_are_byte_identical(built, tmp_path):
    second = tmp_path / "again"
    run_cli("build", "--input", str(CORPUS), "--out", str(second), "--workers", "2", check=True)
    for name in ("graph.json", "graph.nt", "graph.ttl", "graph.jsonld", "brokers.json"):
        assert (second / name).read_bytes() == (built / name).read_bytes(), name


def test_build_summary_names_counts(tmp_path):
    result = run_cli("build", "--input", str(CORPUS), "--out", str(tmp_path / "b"), check=True)
    assert "documents read" in result.stdout and "relations: COOPERATES_WITH" in result.stdout


LATIN1_TEXT = ("Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe (BBK) arbeitet eng mit dem "
               "Gemeinsamen Melde- und Lagezentrum zusammen. Die Stäbe üben regelmäßig gemeinsam.")


@pytest.fixture()
def messy_corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(500))
    (folder / "latin1.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    return folder


def test_bad_files_are_named_and_skipped_and_latin1_is_read(messy_corpus, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "--input", str(messy_corpus), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "empty.txt: empty file" in result.stderr
    assert "binary.txt: binary" in result.stderr
    assert "photo.jpg: unsupported file type" in result.stderr
    assert "Traceback" not in result.stderr
    graph = read_json(out / "graph.json")
    assert "latin1.txt" in graph.documents
    bbk = graph.entities["agency/bbk"]
    assert bbk.name == "Bundesamt für Bevölkerungsschutz und Katastrophenhilfe"
    sentences = [e.sentence for r in graph.relations_of("agency/bbk") for e in r.evidence if e.doc == "latin1.txt"]
    assert sentences and all("für Bevölkerungsschutz" in s for s in sentences)
    manifest = json.loads((out / "build.json").read_text())
    assert {Path(s["path"]).name for s in manifest["skipped"]} == {"empty.txt", "binary.txt", "photo.jpg"}


def test_nothing_readable_exits_non_zero_and_keeps_the_previous_build(tmp_path, built):
    out = tmp_path / "keep"
    shutil.copytree(built, out)
    before = (out / "graph.json").read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    result = run_cli("build", "--input", str(bad), "--out", str(out))
    assert result.returncode != 0
    assert "nothing could be built" in result.stderr and "empty.txt: empty file" in result.stderr
    assert (out / "graph.json").read_bytes() == before


def test_missing_input_is_one_line_without_traceback(tmp_path):
    result = run_cli("build", "--input", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert result.returncode != 0
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_failing_writer_leaves_the_previous_build_in_place(tmp_path, graph):
    out = tmp_path / "build"
    write_outputs(graph, out)
    current = os.readlink(out / "current")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert "graph.json" in before

    def broken_store(_graph, folder):
        (folder / "half-written.db").write_text("...")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_outputs(graph, out, extra=[broken_store])
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert os.readlink(out / "current") == current
    assert [p.name for p in (out / "builds").iterdir()] == [Path(current).name], "no staging folder is left"
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_build_folder_of_the_earlier_layout_becomes_the_first_build(tmp_path, graph, built):
    out = tmp_path / "old"
    out.mkdir()
    for name in ("graph.json", "build.json"):
        (out / name).write_bytes((built / name).read_bytes())
    write_outputs(graph, out)
    assert sorted(p.name for p in (out / "builds").iterdir()) == ["000000", "000001"]
    assert (out / "builds" / "000000" / "graph.json").read_bytes() == (built / "graph.json").read_bytes()
    assert os.readlink(out / "current") == os.path.join("builds", "000001")
    assert json.loads((out / "graph.json").read_text(encoding="utf-8"))["nodes"]


def test_staging_folders_of_builds_that_died_are_removed(tmp_path, graph):
    out = tmp_path / "build"
    write_outputs(graph, out)
    dead = out / "builds" / ".tmp-999999999-abc"  # no process has this id
    dead.mkdir()
    (dead / "graph.json").write_text("{")
    write_outputs(graph, out)
    assert not dead.exists()
