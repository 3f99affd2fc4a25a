"""Each document's language: detected, written to graph.json and build.json, named by the
build's summary, and never a reason to skip extraction (issue #11, point 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actorgraph.graph.fragments import FRAGMENTS_FILE, read_fragments
from actorgraph.graph.jsonio import validate
from actorgraph.ingest.language import detect_language, sample

from helpers import run_cli

# Paragraphs written for this test, in the style of the pages such collections hold.
PAGES = {
    "lagebericht.txt": (
        "Lagebericht des Landes\n\n"
        "Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe arbeitet bei Hochwasser eng mit "
        "dem Technischen Hilfswerk und den Feuerwehren der Länder zusammen. Die gemeinsame Übung im "
        "Frühjahr hat gezeigt, dass die Abstimmung zwischen Bund und Ländern im Ernstfall gut "
        "funktioniert und die Helferinnen und Helfer schnell vor Ort sind."
    ),
    "security-brief.txt": (
        "Security brief\n\n"
        "The European Union and NATO have agreed to deepen their cooperation on crisis management. "
        "Both organisations will share situational awareness during emergencies, hold joint exercises "
        "every year and coordinate their support to partner countries that are hit by natural disasters."
    ),
    "note-de-synthese.txt": (
        "Note de synthèse\n\n"
        "Le ministère a rappelé que la coopération avec les pays voisins reste essentielle pour la "
        "gestion des crises. Les services de protection civile échangeront leurs informations plus "
        "rapidement et organiseront chaque année un exercice commun le long de la frontière."
    ),
}
EXPECTED = {"lagebericht.txt": "de", "security-brief.txt": "en", "note-de-synthese.txt": "fr"}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One build, through the installed command, of a folder with a German, an English and a
    French page; returns the build folder and the command's standard output."""
    folder = tmp_path_factory.mktemp("languages")
    pages = folder / "pages"
    pages.mkdir()
    for name, text in PAGES.items():
        (pages / name).write_text(text, encoding="utf-8")
    out = folder / "out"
    result = run_cli("build", "--input", str(pages), "--out", str(out), check=True)
    return out, result.stdout


def test_graph_json_documents_carry_their_language(build):
    out, _ = build
    data = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    validate(data)
    assert {d["id"]: d["language"] for d in data["documents"]} == EXPECTED


def test_build_json_lists_the_documents_that_are_not_german(build):
    out, _ = build
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["not_german"] == [{"document": "note-de-synthese.txt", "language": "fr"},
                                      {"document": "security-brief.txt", "language": "en"}]


def test_the_build_summary_counts_and_names_them(build):
    _, stdout = build
    row = next(line for line in stdout.splitlines() if "not German" in line and "│" in line)
    assert row.split("│")[-2].strip() == "2"
    assert "not German (en): security-brief.txt" in stdout
    assert "not German (fr): note-de-synthese.txt" in stdout
    assert "lagebericht.txt" not in stdout


def test_an_english_page_is_still_extracted(build):
    out, _ = build
    fragments = {f.document.id: f for f in read_fragments(out / FRAGMENTS_FILE)}
    assert fragments["security-brief.txt"].document.language == "en"
    found = {e.id for e in fragments["security-brief.txt"].entities}
    assert {"io/nato", "io/eu"} <= found, f"the English page's organisations were missed: {sorted(found)}"
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert {"io/nato", "io/eu"} <= {n["id"] for n in graph["nodes"]}


@pytest.mark.parametrize("text, code", [
    ("Het ministerie werkt nauw samen met de buurlanden bij de bestrijding van overstromingen.", "nl"),
    ("Il ministero collabora strettamente con i paesi vicini nella gestione delle emergenze.", "it"),
    ("", ""),
    ("NATO, EU", ""),
])
def test_detect_language_codes_and_too_short(text: str, code: str):
    assert detect_language(text) == code


def test_long_documents_are_sampled_from_start_middle_and_end():
    text = "Anfang " * 200 + "Mitte " * 200 + "Ende " * 200
    piece = sample(text)
    assert len(piece) < 1000
    assert "Anfang" in piece and "Mitte" in piece and "Ende" in piece
    assert sample("kurz genug") == "kurz genug"
