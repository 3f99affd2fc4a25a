"""Whole sentences from PDFs: real multi-page PDFs made here with fpdf2 (running header, footer
with page numbers, hyphenation, a list, headings, a sentence across a page break) read through
the loader, and :func:`pdf_paragraphs` on plain page texts for the edge cases."""

import pytest
from fpdf import FPDF

from actorgraph.ingest.loaders import load_document
from actorgraph.ingest.pdf_text import pdf_paragraphs
from actorgraph.ingest.text import split_sentences

HEADER = "Bundesamt für Bevölkerungsschutz und Katastrophenhilfe – Jahresbericht 2023"

PAGES = [
    ["Zusammenarbeit im Bevölkerungsschutz",
     "Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe unterstützt die Länder bei",
     "der Vorbereitung auf Großschadenslagen. Der gemeinsame Katastrophen-",
     "schutz von Bund und Ländern beruht auf klaren Zuständigkeiten und auf einer engen",
     "Abstimmung mit der Aufsichts-",
     "und Dienstleistungsdirektion in Trier.",
     "Beteiligt sind:",
     "• Feuerwehr",
     "• Technisches Hilfswerk",
     "• Polizei"],
    ["Übungen",
     "Die Länder üben regelmäßig gemeinsam mit dem Bund, wie sie auf Hochwasser, Stürme und",
     "Stromausfälle reagieren. Die Ergebnisse fließen in die Planung der Katastrophenschutz-",
     "behörden ein und werden im Gemeinsamen Melde- und Lagezentrum ausgewertet.",
     "Im Jahr 2023 hat das Technische Hilfswerk gemeinsam mit der Feuerwehr mehrere"],
    ["Übungen in Nordrhein-Westfalen durchgeführt und die Ergebnisse mit den Bundes-",
     "Ländern und der Europäischen Kommission in Brüssel im Herbst ausführlich besprochen.",
     "Die Auswertung zeigt, dass die Warnung der Bevölkerung schneller werden muss."],
    ["Nächste Schritte",
     "Für das kommende Jahr hat das Bundesamt zwei Schwerpunkte gesetzt, über die der Beirat",
     "im Frühjahr entscheidet und die mit den Innenministerien der Länder abgestimmt werden:",
     "1. den Ausbau der Sirenen in allen Landkreisen,",
     "2. eine gemeinsame Übung mit dem Europäischen Katastrophenschutzverfahren.",
     "Beide Vorhaben werden aus dem Haushalt des Bundesministeriums des Innern finanziert."],
]
CROSS_PAGE_SENTENCE = ("Im Jahr 2023 hat das Technische Hilfswerk gemeinsam mit der Feuerwehr mehrere Übungen in "
                       "Nordrhein-Westfalen durchgeführt und die Ergebnisse mit den Bundes-Ländern und der "
                       "Europäischen Kommission in Brüssel im Herbst ausführlich besprochen.")


def _report_pdf(footer: str) -> bytes:
    """A four-page report with a running header and ``footer`` (formatted with page and total)."""

    class Report(FPDF):
        def header(self):
            self.set_font("helvetica", size=8)
            self.cell(0, 6, HEADER, new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.cell(0, 6, footer.format(page=self.page_no(), total=len(PAGES)), align="C")

    pdf = Report()
    pdf.core_fonts_encoding = "windows-1252"  # bullets, dashes and German quotes in core fonts
    for lines in PAGES:
        pdf.add_page()
        pdf.set_font("helvetica", size=10)
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture(params=["Seite {page} von {total}", "- {page} -", "{page} / {total}", "{page}"])
def report_text(request, tmp_path) -> str:
    path = tmp_path / "bericht.pdf"
    path.write_bytes(_report_pdf(request.param))
    return load_document(path).text


def test_pdf_has_no_running_header_footer_or_page_numbers(report_text):
    assert "Jahresbericht" not in report_text
    assert "Seite" not in report_text
    lines = [line.strip() for line in report_text.splitlines()]
    assert not any(line.replace("-", "").replace("/", "").replace(" ", "").isdigit() for line in lines)


def test_pdf_sentence_across_page_break_is_whole(report_text):
    assert CROSS_PAGE_SENTENCE in report_text
    sentences = [s.text for s in split_sentences(report_text)]
    assert CROSS_PAGE_SENTENCE in sentences


def test_pdf_hyphenation_joined_and_coordination_kept(report_text):
    assert "Der gemeinsame Katastrophenschutz von Bund und Ländern" in report_text
    assert "Katastrophenschutzbehörden ein" in report_text
    assert "mit der Aufsichts- und Dienstleistungsdirektion in Trier." in report_text
    assert "Gemeinsamen Melde- und Lagezentrum" in report_text


def test_pdf_paragraphs_lists_and_headings(report_text):
    lines = report_text.splitlines()
    assert ("Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe unterstützt die Länder bei der "
            "Vorbereitung auf Großschadenslagen.") in report_text
    assert "Zusammenarbeit im Bevölkerungsschutz" in lines
    assert "Übungen" in lines and "Nächste Schritte" in lines
    at = lines.index("Beteiligt sind:")
    assert lines[at + 1:at + 4] == ["• Feuerwehr", "• Technisches Hilfswerk", "• Polizei"]
    assert "1. den Ausbau der Sirenen in allen Landkreisen," in lines
    assert "2. eine gemeinsame Übung mit dem Europäischen Katastrophenschutzverfahren." in lines
    assert ("Beide Vorhaben werden aus dem Haushalt des Bundesministeriums des Innern finanziert."
            in lines)
    # the paragraph after the list and the paragraph before the next heading end where they should
    assert "Stromausfälle reagieren." in report_text and "Lagezentrum ausgewertet. Im Jahr 2023" in report_text
    assert "\n\nÜbungen\n\nDie Länder üben" in report_text


# ------------------------------------------------------------------- on plain page texts

PLACES = ["Trier", "Koblenz", "Mainz", "Speyer", "Worms", "Bingen", "Landau"]


def _body(place: str = "Trier") -> str:
    """A wrapped paragraph naming ``place`` on each line, so pages differ as real pages do."""
    return (f"Der Krisenstab der Landesregierung tagt seit dem Hochwasser in {place} jede Woche\n"
            f"und berät über die Lage in {place} und den Landkreisen, über die Versorgung der\n"
            f"Bevölkerung in {place} und die Hilfe der Bundeswehr und des Technischen Hilfswerks.\n")


BODY = _body()


def test_one_page_keeps_its_first_line_and_drops_its_page_number():
    text = pdf_paragraphs(["Lagebericht Hochwasser\n" + BODY + "- 1 -"])
    assert text.startswith("Lagebericht Hochwasser\n\nDer Krisenstab der Landesregierung tagt")
    assert "- 1 -" not in text
    assert text.endswith("die Hilfe der Bundeswehr und des Technischen Hilfswerks.")


def test_pages_without_headers_lose_nothing():
    pages = [f"Abschnitt {name}\n{_body(place)}" for name, place in zip(("Nord", "Süd", "West"), PLACES)]
    text = pdf_paragraphs(pages)
    for name in ("Nord", "Süd", "West"):
        assert f"Abschnitt {name}" in text.splitlines()
    assert text.count("Der Krisenstab der Landesregierung tagt") == 3
    assert "Hilfe der Bundeswehr und des Technischen Hilfswerks." in text


@pytest.mark.parametrize("with_header,total,dropped", [(2, 4, False), (3, 4, True), (3, 6, True), (3, 7, False)])
def test_header_must_repeat_on_half_the_pages_and_on_three(with_header, total, dropped):
    pages = [("Amtsblatt des Landes\n" if i < with_header else "") + _body(PLACES[i]) for i in range(total)]
    assert ("Amtsblatt des Landes" not in pdf_paragraphs(pages)) is dropped


def test_running_line_in_the_middle_of_a_page_is_kept():
    pages = ["Amtsblatt des Landes\n" + _body(place) + "Amtsblatt des Landes\n" + _body(place) for place in PLACES[:3]]
    assert pdf_paragraphs(pages).count("Amtsblatt des Landes") == 3


@pytest.mark.parametrize("lines,joined", [
    ("Die Aufsichts-\nund Dienstleistungsdirektion.", "Die Aufsichts- und Dienstleistungsdirektion."),
    ("Such- und Rettungs-\noder Bergungsdienste.", "Such- und Rettungs- oder Bergungsdienste."),
    ("Der Katastrophen-\nschutz.", "Der Katastrophenschutz."),
    ("Die Bundes-\nLänder.", "Die Bundes-Länder."),
    ("Die NATO-\ngeführte Mission.", "Die NATO-geführte Mission."),
    ("Die Jahre 2019-\n2020.", "Die Jahre 2019-2020."),
    ("Der Bevölkerungs\u00ad\nschutz.", "Der Bevölkerungsschutz."),
])
def test_hyphenation_at_line_end(lines, joined):
    assert pdf_paragraphs([lines]) == joined


def test_wrapped_date_is_not_a_list_item():
    text = pdf_paragraphs([BODY + "Die nächste gemeinsame Übung von Bund, Ländern und Kommunen findet am\n"
                                  "1. Mai in Koblenz statt, wie der Krisenstab der Landesregierung mitteilt."])
    assert "findet am 1. Mai in Koblenz statt" in text


def test_page_ending_with_a_sentence_starts_a_new_paragraph():
    text = pdf_paragraphs([BODY, BODY])
    assert "Technischen Hilfswerks.\n\nDer Krisenstab" in text


def test_page_ending_mid_word_continues_the_word():
    text = pdf_paragraphs([BODY + "Die Leitung hat der Landrat des Kreises, der den Katastrophen-",
                           "schutz koordiniert und den Krisenstab über die Lage informiert."])
    assert "der den Katastrophenschutz koordiniert" in text


def test_no_pages_give_no_text():
    assert pdf_paragraphs([]) == ""
    assert pdf_paragraphs(["", "  \n "]) == ""


def test_bullet_set_apart_from_its_text_joins_it():
    text = pdf_paragraphs([BODY + "Beteiligt sind:\n•\nFeuerwehr\n•\nPolizei\n"])
    assert text.endswith("Beteiligt sind:\n• Feuerwehr\n• Polizei")


def test_short_line_continued_in_lower_case_is_not_a_heading():
    text = pdf_paragraphs([BODY + "Weitere Informationen unter\nwww.bbk.bund.de"])
    assert "Weitere Informationen unter www.bbk.bund.de" in text


def test_numbered_headings_at_page_tops_are_not_running_headers():
    pages = [f"Abschnitt {n}\n{_body(place)}" for n, place in zip((2, 5, 9, 14), PLACES)]
    lines = pdf_paragraphs(pages).splitlines()
    assert all(f"Abschnitt {n}" in lines for n in (2, 5, 9, 14))


def test_footer_numbered_from_any_first_page_and_fixed_header_dropped():
    pages = [f"Lagebericht – Stand 12.03.2023\n{_body(place)}Landesamt für Katastrophenschutz, Seite {n + 7} von 40"
             for n, place in enumerate(PLACES[:4])]
    text = pdf_paragraphs(pages)
    assert "Stand" not in text and "Landesamt" not in text
    assert text.count("Der Krisenstab der Landesregierung tagt") == 4
