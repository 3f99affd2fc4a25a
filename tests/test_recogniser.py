"""The trained entity recogniser (ingest/recogniser.py): the shipped model, the spans it
proposes on sentences written for these tests, and how it joins the rules."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from actorgraph.graph.ontology import EntityType
from actorgraph.ingest.pipeline import RuleExtractor, Settings
from actorgraph.ingest.recogniser import MODEL_RESOURCE, Recogniser, shared_recogniser, spans_of



@pytest.fixture(scope="module")
def with_model() -> RuleExtractor:
    return RuleExtractor()


@pytest.fixture(scope="module")
def rules_only() -> RuleExtractor:
    return RuleExtractor(use_model=False)


def found(extractor: RuleExtractor, text: str) -> set[tuple[str, str, str]]:
    finder = extractor.mention_finder
    return {(m.text, m.type.value, m.name) for m in finder.find(finder.tokenize(text), text)}


def test_the_model_loads_from_the_installed_package() -> None:
    resource = resources.files("actorgraph.ingest").joinpath(MODEL_RESOURCE)
    assert resource.is_file() and len(resource.read_bytes()) > 100_000
    words = ["Gestern", "sprach", "Angela", "Merkel", "in", "Paris", "."]
    assert spans_of(shared_recogniser().tag(words)) == [(2, 4, "PER"), (5, 6, "LOC")]


def test_a_person_in_apposition(with_model: RuleExtractor) -> None:
    text = "Die Delegation traf Maria Kowalski, Präfektin des Departements Haut-Rhin, in Straßburg."
    assert ("Maria Kowalski", "Person", "Maria Kowalski") in found(with_model, text)


def test_a_person_as_object_and_a_later_surname_is_the_same_person(with_model: RuleExtractor) -> None:
    text = "Am Montag empfing der Bundesrat Thomas Brunner in Bern. Brunner sprach über die Zusammenarbeit."
    mentions = found(with_model, text)
    assert ("Thomas Brunner", "Person", "Thomas Brunner") in mentions
    assert ("Brunner", "Person", "Thomas Brunner") in mentions


def test_persons_without_title_keep_their_name_as_written(with_model: RuleExtractor) -> None:
    text = "Der Vertrag wurde von Jean-Claude Juncker und Angela Merkel in Brüssel unterzeichnet."
    persons = {name for _text, kind, name in found(with_model, text) if kind == "Person"}
    assert persons == {"Jean-Claude Juncker", "Angela Merkel"}


def test_an_organisation_without_a_known_head_noun(with_model: RuleExtractor, rules_only: RuleExtractor) -> None:
    text = "Unterstützt wird das Projekt von Greenpeace und der Caritas."
    assert ("Greenpeace", "Organization", "Greenpeace") in found(with_model, text)
    assert not any(name == "Greenpeace" for _t, _k, name in found(rules_only, text))


def test_an_unknown_place_needs_a_word_that_says_what_it_is(with_model: RuleExtractor) -> None:
    assert ("Kleinhausen", "City", "Kleinhausen") in found(with_model, "Die Stadt Kleinhausen liegt am Rhein.")


def test_the_model_never_overrides_a_gazetteer_mention(with_model: RuleExtractor, rules_only: RuleExtractor) -> None:
    # the tagger reads "Caritas Österreich" as one body; the gazetteer's two names win the overlap
    text = "Die Universität Wien und die Caritas Österreich helfen."
    words = [t.text for t in with_model.mention_finder.tokenize(text)]
    assert (5, 7, "ORG") in spans_of(shared_recogniser().tag(words))
    assert found(with_model, text) == found(rules_only, text)
    assert ("Österreich", "Country", "Österreich") in found(with_model, text)


def test_proposals_stay_outside_known_spans() -> None:
    words = ["Die", "Delegation", "traf", "Maria", "Kowalski", "in", "Bern", "."]
    recogniser = shared_recogniser()
    assert [p.entry.name for p in recogniser.propose(words)] == ["Maria Kowalski"]
    known = [(4, 5, recogniser.propose(words)[0].entry)]
    assert recogniser.propose(words, known) == []


def test_titles_pronouns_and_generic_words_are_no_names(with_model: RuleExtractor) -> None:
    text = "Die Ministerin sagte, sie werde das Ministerium und die Behörde informieren."
    assert found(with_model, text) == set()


def test_use_model_false_gives_the_rule_only_result(rules_only: RuleExtractor) -> None:
    assert Settings().use_model is True and Settings(use_model=False).use_model is False
    assert rules_only.mention_finder.recogniser is None
    text = "Die Delegation traf Maria Kowalski, Präfektin des Departements Haut-Rhin, in Straßburg."
    assert found(rules_only, text) == {("Straßburg", "City", "Straßburg")}


def test_the_model_card_names_data_and_licence() -> None:
    card = resources.files("actorgraph.ingest").joinpath("models/MODEL_CARD.md").read_text("utf-8")
    for needed in ("GermEval 2014", "CC BY 4.0", "Benikova", "make model", "held-out"):
        assert needed in card


def _germeval_file(sentences: list[list[tuple[str, str]]]) -> str:
    """Sentences as GermEval 2014 writes them: index, token, outer tag, inner tag; a # line before each."""
    lines = []
    for number, sentence in enumerate(sentences):
        lines.append(f"#\thttp://example.org/{number}\t[2014-01-01]")
        lines += [f"{i}\t{word}\t{tag}\tO" for i, (word, tag) in enumerate(sentence, start=1)]
        lines.append("")
    return "\n".join(lines) + "\n"


def test_training_on_a_few_sentences_gives_a_working_tagger(tmp_path: Path) -> None:
    """The training path on data in GermEval's format written here (the real data is in ../shared/data)."""
    from actorgraph.ingest.train_ner import FILES, train

    people = [("Maria", "Muster"), ("Max", "Beispiel"), ("Anna", "Probe"), ("Karl", "Test"), ("Eva", "Fall")]
    cities = ["Berlin", "Wien", "Bern", "Prag", "Rom"]
    sentences = []
    for (first, last), city in zip(people * 4, cities * 4):
        sentences.append([(first, "B-PER"), (last, "I-PER"), ("wohnt", "O"), ("in", "O"), (city, "B-LOC"), (".", "O")])
        sentences.append([("Die", "O"), ("Stadt", "O"), (city, "B-LOC"), ("grüßt", "O"), (last, "B-PER"), (".", "O")])
    folder = tmp_path / "data" / "germeval2014"
    folder.mkdir(parents=True)
    for index, name in enumerate(FILES):
        (folder / name).write_text(_germeval_file(sentences[index::len(FILES)]), encoding="utf-8")
    report = train(tmp_path / "data", tmp_path / "small.crfsuite", max_iterations=50)
    assert report["sentences"]["train"] + report["sentences"]["held_out"] == len(sentences)
    tags = Recogniser((tmp_path / "small.crfsuite").read_bytes()).tag(["Anna", "Probe", "wohnt", "in", "Prag", "."])
    assert tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]
