"""Sentence splitting keeps exact offsets and German abbreviations, dates and lists intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from actorgraph.ingest.text import split_sentences

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_every_segment_is_an_exact_slice_of_the_document(path):
    text = path.read_text(encoding="utf-8")
    segments = split_sentences(text)
    assert segments
    previous_end = 0
    for segment in segments:
        assert text[segment.start:segment.end] == segment.text
        assert segment.text == segment.text.strip() and segment.text
        assert segment.start >= previous_end
        previous_end = segment.end
    covered = " ".join(text[s.start:s.end] for s in segments)
    assert len(covered.split()) == len(text.split())  # no word is lost between segments


def test_abbreviations_and_ordinals_do_not_end_sentences():
    text = ("Die NATO arbeitet z. B. mit der EU zusammen, u.a. im Kosovo. Das Abkommen wurde am 1. Juni 1992 "
            "unterzeichnet. Im 21. Jahrhundert gilt das weiter. Die Strategie (BMI, 2009, S. 3) gilt.")
    assert [s.text for s in split_sentences(text)] == [
        "Die NATO arbeitet z. B. mit der EU zusammen, u.a. im Kosovo.",
        "Das Abkommen wurde am 1. Juni 1992 unterzeichnet.",
        "Im 21. Jahrhundert gilt das weiter.",
        "Die Strategie (BMI, 2009, S. 3) gilt."]


def test_list_items_headings_and_paragraphs():
    text = "Aufgaben\n\nDas NCCN übernimmt folgende Aufgaben:\n  • Kontaktstelle für Partner\n- Beratung\n\nNeuer Absatz."
    segments = split_sentences(text)
    assert [s.text for s in segments] == ["Aufgaben", "Das NCCN übernimmt folgende Aufgaben:",
                                          "• Kontaktstelle für Partner", "- Beratung", "Neuer Absatz."]
    assert segments[0].is_heading and not segments[1].is_heading
    assert [s.is_list_item for s in segments] == [False, False, True, True, False]
    assert segments[1].paragraph == segments[3].paragraph != segments[4].paragraph


def test_wrapped_lines_of_a_pdf_stay_one_sentence():
    text = "Die Stabsstelle koordiniert die\nressortübergreifende Krisenbewältigung. Sie berät\ndie Hausleitung."
    assert [s.text for s in split_sentences(text)] == [
        "Die Stabsstelle koordiniert die\nressortübergreifende Krisenbewältigung.",
        "Sie berät\ndie Hausleitung."]
