"""The fragment cache (ingest/cache.py) through the real command: a rebuild into the same OUT
extracts only new or changed documents, gives the graph a build without the cache gives, and
drops what a removed file said."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import CORPUS, run_cli

# Two documents beside the corpus: one defines an acronym the other uses bare, so a build also
# extracts a document a second time knowing the acronym (pipeline.resolve_across_documents).
DEFINES = """Gründung eines Krisenstabs

Berlin. Die Bundesregierung hat den Interministeriellen Arbeitsstab für Notfalllagen (IMAS) eingerichtet. \
Der Arbeitsstab arbeitet eng mit dem Auswärtigen Amt und dem Technischen Hilfswerk zusammen.
"""
USES = """Hochwasser in Sachsen

Dresden. Der IMAS koordiniert die Hilfe mit dem Deutschen Roten Kreuz. Das Technische Hilfswerk \
unterstützt den IMAS bei der Lagebewertung.
"""
COUNTS = re.compile(r"(\d+) files: (\d+) from the cache, (\d+) extracted")


def make_corpus(folder: Path) -> Path:
    """The bundled corpus and the two acronym documents, in a folder the test may change."""
    shutil.copytree(CORPUS, folder)
    (folder / "100_defines.txt").write_text(DEFINES, encoding="utf-8")
    (folder / "101_uses.txt").write_text(USES, encoding="utf-8")
    return folder


def build(inputs: Path, out: Path, *options: str) -> tuple[int, int, str]:
    """Build through the command; (from the cache, extracted) as its progress line says, and
    the whole stderr."""
    result = run_cli("build", "--input", str(inputs), "--out", str(out), *options, check=True)
    found = COUNTS.search(result.stderr)
    assert found, result.stderr
    return int(found.group(2)), int(found.group(3)), result.stderr


def cache_entries(out: Path) -> list[Path]:
    return sorted((out / "cache" / "fragments").glob("*/*.json"))


@pytest.fixture
def corpus(tmp_path) -> Path:
    return make_corpus(tmp_path / "corpus")


def test_a_rebuild_extracts_only_new_or_changed_documents_and_equals_a_full_build(corpus, tmp_path):
    out = tmp_path / "out"
    cached, extracted, stderr = build(corpus, out)
    assert (cached, extracted) == (0, 7)
    assert "extracted again" in stderr  # the document using IMAS bare
    first = (out / "graph.json").read_bytes()

    cached, extracted, stderr = build(corpus, out)
    assert (cached, extracted) == (7, 0)
    assert "extracted again" not in stderr  # the second extraction came from the cache too
    assert (out / "graph.json").read_bytes() == first

    changed = corpus / "101_uses.txt"
    changed.write_text(USES + "\nDer IMAS tagt gemeinsam mit dem Bundesamt für Bevölkerungsschutz.\n", encoding="utf-8")
    (corpus / "102_new.txt").write_text("Neue Meldung\n\nDie NATO und die Europäische Union arbeiten "
                                        "in der Krise eng zusammen.\n", encoding="utf-8")
    cached, extracted, _ = build(corpus, out)
    assert (cached, extracted) == (6, 2)
    fresh = tmp_path / "fresh"
    build(corpus, fresh, "--no-cache")
    assert (out / "graph.json").read_bytes() == (fresh / "graph.json").read_bytes()
    assert (out / "graph.json").read_bytes() != first

    cached, extracted, _ = build(corpus, fresh, "--no-cache")  # --no-cache reads nothing from it
    assert (cached, extracted) == (0, 8)


def test_a_removed_file_takes_its_document_and_the_relations_only_it_supported(corpus, tmp_path):
    out = tmp_path / "out"
    build(corpus, out)
    before = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    gone = "003_6fca80f1f3ad28fd.txt"
    only_there = {(e["source"], e["type"], e["target"]) for e in before["edges"]
                  if {ev["doc"] for ev in e["evidence"]} == {gone}}
    shared = {(e["source"], e["type"], e["target"]) for e in before["edges"]
              if gone in {ev["doc"] for ev in e["evidence"]}} - only_there
    assert only_there  # the document is the sole support of some relations
    entries = len(cache_entries(out))

    (corpus / gone).unlink()
    cached, extracted, _ = build(corpus, out)
    assert (cached, extracted) == (6, 0)
    after = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert gone not in {d["id"] for d in after["documents"]}
    edges = {(e["source"], e["type"], e["target"]): e for e in after["edges"]}
    assert not only_there & edges.keys()
    assert all(ev["doc"] != gone for e in after["edges"] for ev in e["evidence"])
    assert shared <= edges.keys()  # what other documents also say stays, with their evidence
    assert len(cache_entries(out)) == entries - 1  # its cache entry is dropped too

    fresh = tmp_path / "fresh"
    build(corpus, fresh, "--no-cache")
    assert (out / "graph.json").read_bytes() == (fresh / "graph.json").read_bytes()


def test_a_cut_short_cache_entry_is_extracted_again(corpus, tmp_path):
    out = tmp_path / "out"
    build(corpus, out)
    first = (out / "graph.json").read_bytes()
    # every entry of one document (its first extraction, and a second one knowing other
    # documents' acronyms if it had one), whichever order the keys sort in
    entries = [p for p in cache_entries(out) if '"id": "100_defines.txt"' in p.read_text(encoding="utf-8")
               or '"id":"100_defines.txt"' in p.read_text(encoding="utf-8")]
    assert entries
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])  # as a writer killed mid-write would, were it not for the rename
    entry = entries[0]
    (entry.parent / f".tmp-999999999-{entry.stem}").write_bytes(data[:10])  # a dead writer's leftover

    cached, extracted, _ = build(corpus, out)
    assert extracted == 1 and cached == 6
    assert (out / "graph.json").read_bytes() == first
    for entry in entries:
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem  # whole again
    assert not list(entry.parent.glob(".tmp-*"))


def test_changing_the_judgements_extracts_every_document_again(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    judgements = tmp_path / "judgements.tsv"
    shutil.copy(CORPUS.parent / "judgements.tsv", judgements)
    out = tmp_path / "out"
    assert build(corpus, out, "--judgements", str(judgements))[:2] == (0, 5)
    assert build(corpus, out, "--judgements", str(judgements))[:2] == (5, 0)
    with open(judgements, "a", encoding="utf-8") as handle:
        handle.write("not-same-as\torganization/nato\t000_c687297605e34829.txt\n")
    assert build(corpus, out, "--judgements", str(judgements))[:2] == (0, 5)
    assert build(corpus, out, "--judgements", str(judgements), "--no-model")[:2] == (0, 5)  # settings count too


def test_a_build_killed_with_sigkill_leaves_only_whole_entries(tmp_path):
    import os
    import signal
    import subprocess
    import time

    from helpers import actorgraph_command

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = sorted(CORPUS.iterdir())
    for number in range(20):  # distinct documents of the corpus's kind
        source = texts[number % len(texts)]
        (corpus / f"{number:03d}_{source.name}").write_text(
            source.read_text(encoding="utf-8") + f"\nMeldung Nummer {number}.\n", encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen(actorgraph_command() + ["build", "--input", str(corpus), "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and len(cache_entries(out)) < 3:
            time.sleep(0.05)  # until some entries are written, while more are being written
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    written = cache_entries(out)
    assert 3 <= len(written) < 20, "the build was not killed mid-extraction"
    for entry in written:
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem

    cached, extracted, _ = build(corpus, out)
    assert cached >= len(written) and cached + extracted == 20
    assert not list((out / "cache" / "fragments").glob("*/.tmp-*"))  # the killed writer's leftovers
    fresh = tmp_path / "fresh"
    build(corpus, fresh, "--no-cache")
    assert (out / "graph.json").read_bytes() == (fresh / "graph.json").read_bytes()
