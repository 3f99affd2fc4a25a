"""Documents from files: ``.txt``/``.md`` (any common encoding), ``.html``/``.htm`` (main text
only) and ``.pdf`` (its text layer).

A file that cannot be read raises :class:`UnreadableDocument` with a reason a person can act
on ("empty file", "binary content", "PDF has no text layer"); the build names it and goes on.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from ..graph.model import Document

SUPPORTED_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html",
                      ".htm": "text/html", ".pdf": "application/pdf"}

# Elements that hold navigation, chrome or code rather than the page's own text.
_HTML_NOISE = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside",
               "form", "button", "svg", "iframe", "menu"]
_HTML_NOISE_ROLES = re.compile(r"navigation|banner|contentinfo|search|menu", re.I)
_HTML_NOISE_CLASSES = re.compile(r"(^|[-_ ])(nav|navbar|navigation|menu|breadcrumb|cookie|footer|header|sidebar|skip)([-_ ]|$)", re.I)
_HTML_BLOCKS = ["p", "div", "section", "article", "main", "li", "ul", "ol", "h1", "h2", "h3", "h4",
                "h5", "h6", "br", "tr", "table", "dd", "dt", "blockquote", "figcaption", "pre"]


class UnreadableDocument(Exception):
    """A document that cannot be turned into text; the message says why."""


def load_document(path: Path, doc_id: str | None = None) -> Document:
    """Read one file into a :class:`Document` (text, title, media type, content hash)."""
    path = Path(path)
    media_type = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if media_type is None:
        raise UnreadableDocument(f"unsupported file type {path.suffix or '(none)'!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise UnreadableDocument("empty file")
    if media_type == "application/pdf":
        text, title = pdf_to_text(data)
    elif media_type == "text/html":
        text, title = html_to_text(data)
    else:
        text = decode_text(data)
        title = _first_line(text)
    text = normalise_text(text)
    if not text.strip():
        raise UnreadableDocument("no text after extraction")
    return Document(id=doc_id or path.name, text=text, title=title or _first_line(text),
                    media_type=media_type, sha256=hashlib.sha256(data).hexdigest())


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) first, then the best guess of charset-normalizer.

    Binary content (NUL bytes, or nothing that decodes to mostly printable text) is refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary content (NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # Authorities in Europe write UTF-8 or a Western code page; naming them keeps short
    # German texts from being guessed as a Cyrillic or Greek page.
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850", "mac_roman"]).best()
    if best is None:
        raise UnreadableDocument("binary content or unknown encoding")
    text = str(best)
    if _printable_ratio(text) < 0.95:
        raise UnreadableDocument("binary content or unknown encoding")
    return text


def html_to_text(data: bytes) -> tuple[str, str]:
    """The main text of an HTML page, navigation and scripts removed, entities decoded.

    Returns ``(text, title)``. Prefers ``<main>``, then ``<article>``, then ``<body>``.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_HTML_NOISE):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": _HTML_NOISE_ROLES}):
        tag.decompose()
    for tag in soup.find_all(class_=_HTML_NOISE_CLASSES):
        if tag.name not in ("main", "article", "body"):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for block in root.find_all(_HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    for item in root.find_all("li"):
        item.insert(0, "• ")
    text = root.get_text()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not title:
        heading = root.find(["h1", "h2"])
        title = heading.get_text(" ", strip=True) if heading else ""
    return text, title


def pdf_to_text(data: bytes) -> tuple[str, str]:
    """The text layer of a PDF, page by page. A scanned PDF without text is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise UnreadableDocument(f"unreadable or truncated PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise UnreadableDocument("PDF has no text layer (scanned image?)")
    return text, str(title)


def normalise_text(text: str) -> str:
    """Line endings to ``\\n`` and control characters dropped; offsets refer to this text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\t")
    return printable / len(text)
