"""What the corpus graph must get right whatever the rules: one node per body across its
names, two nodes for two bodies with one name, evidence that points at the text, and times."""

from __future__ import annotations

import re

from helpers import CORPUS


def _node(graph_data, node_id):
    return next(n for n in graph_data["nodes"] if n["id"] == node_id)


def test_nccn_its_acronym_and_its_genitive_are_one_node(graph_data):
    holders = [n for n in graph_data["nodes"]
               if {"NCCN", "Nationalen Krisenzentrums"} & ({n["name"]} | set(n["aliases"]))
               or n["name"] == "Nationales Krisenzentrum"]
    assert len(holders) == 1
    (nccn,) = holders
    assert nccn["name"] == "Nationales Krisenzentrum"
    assert {"NCCN", "Nationalen Krisenzentrums"} <= set(nccn["aliases"])
    assert nccn["type"] == "Agency"


def test_the_flemish_and_the_german_foreign_office_are_two_nodes(graph_data):
    offices = [n for n in graph_data["nodes"] if "Auswärtiges Amt" in {n["name"], *n["aliases"]}]
    assert len(offices) == 2
    docs_by_node = {}
    for edge in graph_data["edges"]:
        for end in ("source", "target"):
            docs_by_node.setdefault(edge[end], set()).update(e["doc"] for e in edge["evidence"])
    flemish = next(n for n in offices if n.get("jurisdiction") == "region/flandern")
    german = next(n for n in offices if n.get("jurisdiction") == "country/de")
    assert flemish["id"] != german["id"]
    assert docs_by_node.get(flemish["id"]) == {"001_f6219eca8eabd05e.txt"}


def test_every_evidence_is_the_exact_slice_of_its_document(graph_data):
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    count = 0
    for edge in graph_data["edges"]:
        assert edge["evidence"], edge
        for evidence in edge["evidence"]:
            assert texts[evidence["doc"]][evidence["start"]:evidence["end"]] == evidence["sentence"]
            count += 1
    assert count >= len(graph_data["edges"])


_ANAPHOR = re.compile(r"^(?:[Ee]r|[Ss]ie|[Ee]s|[Dd]iese[rs]?|[Ww]ir|[Uu]ns(?:er\w*)?|[Dd](?:ie|er|as|en|em|es) \w+)$")


def test_every_evidence_names_both_mentions_in_its_sentence_or_lead(graph_data):
    """ONTOLOGY: evidence names the spans of both ends, the edge's source first, each inside the
    sentence or its lead; a span reads as a name of its end, or as an anaphor."""
    from actorgraph.ingest.german import stem
    from actorgraph.ingest.phrases import anaphors

    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    nodes = {n["id"]: {n["name"], *n["aliases"]} for n in graph_data["nodes"]}
    checked = 0
    for edge in graph_data["edges"]:
        for evidence in edge["evidence"]:
            text = texts[evidence["doc"]]
            windows = [(evidence["start"], evidence["end"])] + ([tuple(evidence["lead"])] if "lead" in evidence else [])
            assert len(evidence["mentions"]) == 2, evidence
            for end, (start, stop) in zip((edge["source"], edge["target"]), evidence["mentions"]):
                assert any(a <= start < stop <= b for a, b in windows), (edge["type"], evidence)
                written = text[start:stop]
                assert written in nodes[end] or _ANAPHOR.match(written) or stem(written).endswith(tuple(anaphors())) or \
                    any(written in name or name in written for name in nodes[end]), (end, written)
                checked += 1
    assert checked >= 2 * len(graph_data["edges"])


_TIME = re.compile(r"\b(?:seit|am|im|vom)\b[^.]{0,20}\b(1[89]|20)\d{2}\b|\b(?:seit|im Jahr)\s+(1[89]|20)\d{2}\b")


def test_relations_from_sentences_that_state_a_time_carry_it(graph_data):
    stated = 0
    for edge in graph_data["edges"]:
        for evidence in edge["evidence"]:
            if _TIME.search(evidence["sentence"]):
                stated += 1
                assert edge.get("since") or edge.get("date"), (edge["type"], evidence["sentence"])
    assert stated >= 3


def test_crisis_context_is_marked(graph_data):
    crisis = [e for e in graph_data["edges"] if e.get("context") == "crisis"]
    assert crisis, "the corpus speaks of crises; some relations must carry the context"
    for edge in crisis:
        assert any(e.get("context") == "crisis" for e in edge["evidence"])


def test_an_acronym_defined_in_one_document_resolves_in_another(tmp_path):
    from actorgraph.ingest.pipeline import build_graph

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Der Interministerielle Arbeitsstab für Notfalllagen (IMAS) tritt bei Krisen "
                                  "zusammen.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Die Thüringer Staatskanzlei arbeitet eng mit dem IMAS zusammen.\n", encoding="utf-8")
    graph = build_graph([folder]).graph
    imas = [e for e in graph.entities.values() if "IMAS" in e.aliases]
    assert len(imas) == 1 and imas[0].name == "Interministerieller Arbeitsstab für Notfalllagen"
    (relation,) = graph.relations_of(imas[0].id)
    assert relation.type.value == "COOPERATES_WITH" and relation.evidence[0].doc == "b.txt"


def test_the_page_s_own_acronym_beats_the_gazetteer_s(tmp_path):
    """A page that defines an acronym a known body also has keeps its own body for it; a page that
    only uses the acronym gets the known body."""
    from actorgraph.ingest.pipeline import build_graph

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Das Bundesministerium für Landesplanung und Inneres (BMI) in Wien koordiniert "
                                  "die Katastrophenhilfe. Das BMI arbeitet dazu mit Hilfsorganisationen zusammen.\n",
                                  encoding="utf-8")
    (folder / "b.txt").write_text("Das BMI in Berlin ist für den Bevölkerungsschutz zuständig.\n", encoding="utf-8")
    graph = build_graph([folder]).graph
    holders = {e.name for e in graph.entities.values() if "BMI" in e.aliases}
    assert holders == {"Bundesministerium für Landesplanung und Inneres", "Bundesministerium des Innern und für Heimat"}
    located = {(graph.entities[r.source].name, graph.entities[r.target].name) for r in graph.relations.values()
               if r.type.value == "LOCATED_IN"}
    assert located == {("Bundesministerium für Landesplanung und Inneres", "Wien"),
                       ("Bundesministerium des Innern und für Heimat", "Berlin")}


def test_inflected_names_become_one_nominative_node(graph_data):
    names = {n["name"] for n in graph_data["nodes"]}
    assert "Interministerieller Arbeitsstab für Notfalllagen" in names
    assert "Thüringer Ministerium für Inneres und Kommunales" in names
    assert not any(n.endswith(("Krisenzentrums", "Ministeriums", "Arbeitsstabes")) for n in names)


def test_a_word_that_contains_a_name_is_no_alias_of_it(tmp_path):
    """"NATO-Beitrag" mentions NATO, but it is not one of NATO's names."""
    from actorgraph.ingest.pipeline import build_graph

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Im NATO-Rahmen leistet Deutschland einen NATO-Beitrag. Aus EU-Programmen wird "
                                  "das Projekt gefördert.\n", encoding="utf-8")
    graph = build_graph([folder]).graph
    aliases = {alias for entity in graph.entities.values() for alias in entity.aliases}
    assert {"NATO", "EU"} <= {e.name for e in graph.entities.values()} | aliases
    assert not {"NATO-Rahmen", "NATO-Beitrag", "EU-Programmen"} & aliases
