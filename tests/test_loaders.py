"""Each loader with real files: text in several encodings, an HTML page with navigation, a PDF
made here with fpdf2, and the bad files a build must name and skip."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from actorgraph.ingest.loaders import UnreadableDocument, load_document

GERMAN = "Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe (BBK) arbeitet mit dem Technischen Hilfswerk zusammen."


def test_utf8_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(GERMAN, encoding="utf-8")
    doc = load_document(path)
    assert doc.text == GERMAN
    assert doc.id == "a.txt" and doc.media_type == "text/plain" and len(doc.sha256) == 64


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig"])
def test_other_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "b.txt"
    path.write_bytes((GERMAN + " Größere Maßnahmen für Bürgerinnen.").encode(encoding))
    assert load_document(path).text == GERMAN + " Größere Maßnahmen für Bürgerinnen."


def test_windows_line_endings_are_normalised(tmp_path):
    path = tmp_path / "c.md"
    path.write_bytes(b"# Titel\r\n\r\nErster Satz.\r\nZweiter Satz.")
    doc = load_document(path)
    assert doc.text == "# Titel\n\nErster Satz.\nZweiter Satz."
    assert doc.media_type == "text/markdown"


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Krisenmanagement &ndash; Ministerium</title>
<script>var tracking = "NATO";</script><style>.nav{color:red}</style></head>
<body>
<header><a href="/">Startseite</a> <a href="/presse">Presse</a></header>
<nav class="main-nav"><ul><li>Menü Eintrag Eins</li><li>Menü Eintrag Zwei</li></ul></nav>
<div class="breadcrumb">Sie sind hier: Start &gt; Themen</div>
<main>
<h1>Internationale Zusammenarbeit</h1>
<p>Das Nationale Krisenzentrum arbeitet mit der NATO &amp; der EU zusammen.</p>
<ul><li>Teilnahme an &Uuml;bungen</li><li>Kontakte zu Botschaften</li></ul>
</main>
<aside>Verwandte Themen</aside>
<footer>Impressum &copy; 2024</footer>
</body></html>"""


def test_html_keeps_main_text_and_drops_navigation(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    doc = load_document(path)
    assert "Das Nationale Krisenzentrum arbeitet mit der NATO & der EU zusammen." in doc.text
    assert "• Teilnahme an Übungen" in doc.text
    for noise in ("Startseite", "Menü Eintrag", "Sie sind hier", "Impressum", "tracking", "color:red",
                  "Verwandte Themen"):
        assert noise not in doc.text
    assert doc.title == "Krisenmanagement – Ministerium"
    assert doc.media_type == "text/html"


def test_html_in_latin1_with_meta_charset(tmp_path):
    path = tmp_path / "old.htm"
    path.write_bytes('<html><head><meta charset="iso-8859-1"></head><body><p>Gemeinsames Melde- und '
                     'Lagezentrum für Großschadenslagen</p></body></html>'.encode("latin-1"))
    assert load_document(path).text == "Gemeinsames Melde- und Lagezentrum für Großschadenslagen"


def _pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_text_layer(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(["Die NATO arbeitet eng mit der EU zusammen.", "Seit 1999 leistet KFOR einen Beitrag."]))
    doc = load_document(path)
    assert "Die NATO arbeitet eng mit der EU zusammen." in doc.text
    assert "Seit 1999 leistet KFOR einen Beitrag." in doc.text
    assert doc.media_type == "application/pdf"


def test_pdf_without_text_is_refused(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    with pytest.raises(UnreadableDocument, match="no text layer"):
        load_document(path)


def test_truncated_pdf_is_refused(tmp_path):
    data = _pdf(["Ein Satz, der nie ankommt."])
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(UnreadableDocument):
        load_document(path)


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n \t", "empty file"),
    ("nul.txt", b"\x00\x01\x02binary\x00" * 50, "binary"),
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "unsupported file type"),
])
def test_bad_files_give_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match=reason):
        load_document(path)
