"""Documents a stranger might upload to knock the loaders over: HTML nested 100,000 deep, 200,000
unclosed tags, a 5 MB attribute, a PDF that inflates past pypdf's limits, broken and empty
files. Each is a real file read through ``load_document``; each must give its text or a reason
(without a server path), never hang or raise anything else. Speed is measured in
benchmarks/loaders.py, not here."""

from __future__ import annotations

import zlib

import pytest
from fpdf import FPDF

from actorgraph.ingest.loaders import UnreadableDocument, load_document
from actorgraph.ingest.markup import MAX_DEPTH, bounded_markup

DEEP = 100_000


def _load(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return load_document(path)


def _refusal(tmp_path, name: str, content: bytes) -> str:
    with pytest.raises(UnreadableDocument) as caught:
        _load(tmp_path, name, content)
    message = str(caught.value)
    assert "/tmp" not in message and str(tmp_path) not in message
    return message


# ------------------------------------------------------------------------------------ HTML

def test_100000_nested_divs_give_their_text(tmp_path):
    page = "<html><body>" + "<div>Ebene " * DEEP + "Das THW hilft der NATO." + "</div>" * DEEP + "</body></html>"
    doc = _load(tmp_path, "deep.html", page.encode())
    lines = doc.text.splitlines()
    assert lines[0] == "Ebene" and lines[-1] == "Ebene Das THW hilft der NATO."
    assert doc.text.count("Ebene") == DEEP


def test_nesting_the_parser_sees_is_bounded_and_the_rest_kept_as_lines():
    page = "<div>a" * (MAX_DEPTH + 50) + "</div>" * (MAX_DEPTH + 50)
    bounded = bounded_markup(page)
    assert bounded.count("<div>") == MAX_DEPTH and bounded.count("</div>") == MAX_DEPTH
    assert bounded.count("<br>") == 100  # the 50 start and 50 end tags left out, as line breaks
    assert bounded.count("a") == MAX_DEPTH + 50


def test_200000_unclosed_p_and_b_tags(tmp_path):
    page = "<p><b>Absatz" * 200_000 + "<p>Schluss mit EUFOR."
    doc = _load(tmp_path, "unclosed.html", page.encode())
    assert doc.text.count("Absatz") == 200_000
    assert doc.text.endswith("Absatz\n\nSchluss mit EUFOR.")


def test_a_5_mb_attribute(tmp_path):
    page = ('<html><head><title>Groß</title></head><body><div title="' + "x" * 5_000_000 + '" class="'
            + "y " * 100_000 + '"><p>Der Text nach dem Attribut.</p></div></body></html>')
    doc = _load(tmp_path, "attr.html", page.encode())
    assert doc.text == "Der Text nach dem Attribut."
    assert doc.title == "Groß"


def test_an_unclosed_5_mb_attribute_swallows_the_rest_as_browsers_do(tmp_path):
    page = '<p>Vorher.</p><div title="' + "x" * 5_000_000 + "<p>nie sichtbar</p>"
    doc = _load(tmp_path, "open-attr.html", page.encode())
    assert doc.text == "Vorher."


def test_deep_nesting_in_a_table(tmp_path):
    depth = 20_000
    page = "<table><tr><td>Zelle " * depth + "innen" + "</td></tr></table>" * depth + "<p>danach</p>"
    doc = _load(tmp_path, "tables.html", page.encode())
    assert doc.text.count("Zelle") == depth
    assert "innen" in doc.text and doc.text.endswith("danach")


def test_deep_nesting_hidden_from_a_naive_tag_count(tmp_path):
    # End tags inside comments, attributes and scripts close nothing in a browser; a pass that
    # believed them would let the real nesting grow unbounded (and the parse quadratic).
    tricks = ("<div><!--</div>-->", '<div title="</div>">', "<div><script><!--<script></script></div></script>")
    for number, trick in enumerate(tricks):
        assert bounded_markup(trick * 1_000).count("<div") == MAX_DEPTH
        doc = _load(tmp_path, f"trick{number}.html", (trick * 30_000 + "<p>Ende</p>").encode())
        assert doc.text.endswith("Ende")


def test_latin1_html_without_charset(tmp_path):
    page = ("<html><body><h1>Gemeinsames Melde- und Lagezentrum</h1><p>Für Großschadenslagen "
            "übernimmt das Lagezentrum die Koordinierung.</p></body></html>")
    doc = _load(tmp_path, "alt.html", page.encode("latin-1"))
    assert doc.text == ("Gemeinsames Melde- und Lagezentrum\n\nFür Großschadenslagen übernimmt das "
                        "Lagezentrum die Koordinierung.")
    assert doc.title == "Gemeinsames Melde- und Lagezentrum"


def test_utf16_html_without_bom(tmp_path):
    page = "<html><body><p>Bundesamt für Bevölkerungsschutz</p></body></html>"
    assert _load(tmp_path, "wide.html", page.encode("utf-16-le")).text == "Bundesamt für Bevölkerungsschutz"


def test_svg_and_math_are_cut_out(tmp_path):
    page = ('<p>Vor<svg viewBox="0 0 1 1"><style>p{}</style><title>Icon</title><path d="M0"/></svg> dem '
            '<svg/>Bild<math><mi>x</mi></math>.</p>')
    assert _load(tmp_path, "icons.html", page.encode()).text == "Vor dem Bild."


def test_empty_html_file(tmp_path):
    assert _refusal(tmp_path, "empty.html", b"") == "empty file"
    assert _refusal(tmp_path, "blank.htm", b" \n\t ") == "empty file"


def test_html_with_markup_but_no_text(tmp_path):
    page = b"<!doctype html><html><head><title>Nur Titel</title><script>var a = 1;</script></head><body> </body></html>"
    assert _refusal(tmp_path, "hollow.html", page) == "no text after extraction"


# ------------------------------------------------------------------------------------- PDF

def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalogue) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _zeros_deflated(size: int) -> bytes:
    """``size`` zero bytes, deflated a megabyte at a time (about 1,000:1)."""
    packer, chunk = zlib.compressobj(9), bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk) + 1)]
    return b"".join(parts) + packer.flush()


def test_pdf_whose_content_inflates_past_pypdf_limit(tmp_path):
    from pypdf import get_configuration

    limit = get_configuration().zlib_maximum_output_length  # 75,000,000 bytes in pypdf 7.1
    bomb = _zeros_deflated(limit + (8 << 20))
    assert len(bomb) < limit // 100
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>")
    pdf = _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                _stream(bomb, b"/Filter /FlateDecode"),
                page])
    message = _refusal(tmp_path, "bomb.pdf", pdf)
    assert message.startswith("the PDF exceeds a limit of the PDF reader:")
    assert "decompressing" in message


def test_pdf_with_no_pages(tmp_path):
    pdf = _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    assert _refusal(tmp_path, "nopages.pdf", pdf) == "the PDF has no pages"


def _one_line_pdf(line: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, line)
    return bytes(pdf.output())


def test_truncated_pdf(tmp_path):
    data = _one_line_pdf("Ein Satz, der nie ankommt.")
    message = _refusal(tmp_path, "cut.pdf", data[: len(data) // 2])
    assert message.startswith("unreadable or truncated PDF")


def test_pdf_with_deeply_nested_arrays(tmp_path):
    nested = b"[" * 50_000 + b"]" * 50_000  # pypdf reads arrays recursively
    pdf = _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 5 0 R >> >> >>",
                _stream(b"BT /F1 12 Tf 72 700 Td " + nested + b" TJ ET"),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])
    assert _refusal(tmp_path, "nested.pdf", pdf) == "the PDF nests its objects too deeply to be read"


def test_pdf_text_still_read(tmp_path):
    doc = _load(tmp_path, "ok.pdf", _one_line_pdf("Die NATO arbeitet mit der EU zusammen."))
    assert doc.text == "Die NATO arbeitet mit der EU zusammen."


def test_unreadable_file_reason_names_no_server_path(tmp_path):
    folder = tmp_path / "folder.html"
    folder.mkdir()
    with pytest.raises(UnreadableDocument) as caught:
        load_document(folder)
    assert str(tmp_path) not in str(caught.value) and "folder.html" in str(caught.value)
