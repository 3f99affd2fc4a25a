"""Documents from files: ``.txt``/``.md`` (any common encoding), ``.html``/``.htm`` (main text
only) and ``.pdf`` (its text layer).

A file that cannot be read raises :class:`UnreadableDocument` with a reason a person can act
on ("empty file", "binary content", "PDF has no text layer"); the build names it and goes on.
The reasons never show where the server keeps the file.

Documents come from strangers (``POST /documents``), so each reader must finish in time linear
in the file's size. HTML is parsed by Lexbor (selectolax), whose tree builder, like every
HTML5 one, walks the stack of open elements for each tag: 100,000 nested ``<div>`` cost
minutes. :func:`~.markup.bounded_markup` therefore first cuts the nesting the parser will see to
:data:`~.markup.MAX_DEPTH` open elements, in one pass over the tags (``ingest/markup.py``).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

from ..graph.errors import one_line, without_paths
from ..graph.model import Document
from .markup import BLOCK_ELEMENTS as _HTML_BLOCKS
from .markup import bounded_markup
from .pdf_text import pdf_paragraphs

SUPPORTED_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html",
                      ".htm": "text/html", ".pdf": "application/pdf"}

# Elements that hold navigation, chrome or code rather than the page's own text.
_HTML_NOISE = frozenset(["script", "style", "noscript", "template", "nav", "header", "footer", "aside",
                         "form", "button", "svg", "iframe", "menu"])
_HTML_NOISE_ROLES = re.compile(r"navigation|banner|contentinfo|search|menu", re.I)
_HTML_NOISE_CLASSES = re.compile(r"(^|[-_ ])(nav|navbar|navigation|menu|breadcrumb|cookie|footer|header|sidebar|skip)([-_ ]|$)", re.I)
_NOT_NOISE_BY_CLASS = frozenset(["html", "body", "main", "article"])
_MESSAGE_CHARS = 200


class UnreadableDocument(Exception):
    """A document that cannot be turned into text; the message says why."""

    status = 422  # over HTTP: the upload arrived whole, its content cannot be used


def load_document(path: Path, doc_id: str | None = None, data: bytes | None = None) -> Document:
    """Read one file into a :class:`Document` (text, title, media type, content hash).

    With ``data`` given, those are the file's bytes and ``path`` only names it (its suffix says
    the type): how a worker on another machine reads a document sent to it."""
    path = Path(path)
    media_type = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if media_type is None:
        raise UnreadableDocument(f"unsupported file type {path.suffix or '(none)'!r}")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableDocument(f"cannot read file {path.name!r}: {exc.strerror or _engine_message(exc)}") from exc
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
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument("starts as UTF-16 but is not valid UTF-16 text") from exc
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


# --------------------------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([-\w.:]+)", re.I)
_ROOTS = frozenset(["main", "article", "body"])


def html_to_text(data: bytes) -> tuple[str, str]:
    """The main text of an HTML page, navigation and scripts removed, entities decoded.

    Returns ``(text, title)``. Prefers ``<main>``, then ``<article>``, then ``<body>``; block
    elements become line breaks and list items start with "• ". Linear in the page's size.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(bounded_markup(decode_html(data)))
    title_node = tree.css_first("title")
    title = " ".join((title_node.text() or "").split()) if title_node is not None else ""
    pieces, first, headings = _visible_text(tree.root)
    start, end = first.get("main") or first.get("article") or first.get("body") or (0, len(pieces))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(pieces[start:end]).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not title:
        heading = next(((s, e) for s, e in headings if start <= s < end), None)
        title = " ".join("".join(pieces[heading[0]:heading[1]]).split()) if heading else ""
    return text, title[:200]


def decode_html(data: bytes) -> str:
    """An HTML page's bytes as text: by its byte-order mark, else by the ``<meta>`` charset in
    its first 4 KB, else as :func:`decode_text` finds (UTF-8, then a guess)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data)
    if data[:2] in (b"<\x00", b"\x00<") and data[:4].count(0) == 2:  # UTF-16 without a BOM
        try:
            return data.decode("utf-16-le" if data[0] else "utf-16-be")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument("looks like UTF-16 but is not valid UTF-16 text") from exc
    declared = _META_CHARSET.search(data, 0, 4096)
    codec = _html_codec(declared.group(1).decode("ascii", "replace")) if declared else None
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass  # the label lies; guess instead
    return decode_text(data)


def _html_codec(label: str) -> str | None:
    """Python's codec for a charset label, read as browsers read it (latin-1 and ASCII mean
    windows-1252; a UTF-16 label on bytes that declare it in ASCII means UTF-8)."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def _visible_text(root) -> tuple[list[str], dict[str, tuple[int, int]], list[tuple[int, int]]]:
    """The page's text pieces outside noise, in order, with a line break around each block and
    "• " before each list item; also the span of pieces of the first main/article/body and of
    each h1/h2. Walks the tree with its own stack: no recursion, whatever the depth."""
    pieces: list[str] = []
    first: dict[str, list[int]] = {}
    headings: list[list[int]] = []
    stack: list[tuple[object, str, list[int] | None]] = []
    node = root
    while True:
        if node is None:
            if not stack:
                break
            parent, tag, span = stack.pop()
            if tag in _HTML_BLOCKS:
                pieces.append("\n")
            if span is not None:
                span[1] = len(pieces)
            node = parent.next if stack else None
            continue
        if node.is_text_node:
            pieces.append(node.text_content or "")
        elif node.is_element_node:
            tag = node.tag
            if not _is_noise(node, tag):
                span = None
                if tag in _ROOTS and tag not in first:
                    span = first[tag] = [len(pieces), len(pieces)]
                elif tag in ("h1", "h2"):
                    span = [len(pieces), len(pieces)]
                    headings.append(span)
                if tag in _HTML_BLOCKS:
                    pieces.append("\n")
                if tag == "li":
                    pieces.append("• ")
                stack.append((node, tag, span))
                node = node.child
                continue
        node = node.next if stack else None
    return pieces, {tag: (s, e) for tag, (s, e) in first.items()}, [(s, e) for s, e in headings]


def _is_noise(node, tag: str) -> bool:
    """Navigation, chrome or code: by element, by ARIA role, or by a class such as ``main-nav``."""
    if tag in _HTML_NOISE:
        return True
    attrs = node.attrs
    role = attrs.get("role")
    if role and _HTML_NOISE_ROLES.search(role):
        return True
    if tag in _NOT_NOISE_BY_CLASS:
        return False
    classes = attrs.get("class")
    return bool(classes) and any(_HTML_NOISE_CLASSES.search(name) for name in classes.split())


# ---------------------------------------------------------------------------------- PDF

# What pypdf raises on a broken or hostile file, besides its own errors (PyPdfError): it
# parses with plain Python, and bad input surfaces as any of these.
_PDF_FAILURES = (ValueError, LookupError, TypeError, AttributeError, ArithmeticError, OSError,
                 NotImplementedError, AssertionError, zlib.error, struct.error)


def pdf_to_text(data: bytes) -> tuple[str, str]:
    """The text layer of a PDF as whole paragraphs (:func:`~.pdf_text.pdf_paragraphs`: no running
    headers, footers or page numbers, hyphenation joined). A scanned PDF without text is refused,
    and so is one that trips pypdf's limits (a stream that inflates too far, too many objects...)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnreadableDocument("the PDF is encrypted")
        if len(reader.pages) == 0:
            raise UnreadableDocument("the PDF has no pages")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or ""
    except LimitReachedError as exc:
        raise UnreadableDocument(f"the PDF exceeds a limit of the PDF reader: {_engine_message(exc)}") from exc
    except (FileNotDecryptedError, DependencyError) as exc:
        raise UnreadableDocument(f"the PDF is encrypted: {_engine_message(exc)}") from exc
    except RecursionError as exc:
        raise UnreadableDocument("the PDF nests its objects too deeply to be read") from exc
    except MemoryError as exc:
        raise UnreadableDocument("the PDF needs more memory than a document may take") from exc
    except (PyPdfError, *_PDF_FAILURES) as exc:
        raise UnreadableDocument(f"unreadable or truncated PDF: {_engine_message(exc)}") from exc
    text = pdf_paragraphs(pages)
    if not text.strip():
        raise UnreadableDocument("PDF has no text layer (scanned image?)")
    return text, str(title)


def normalise_text(text: str) -> str:
    """Line endings to ``\\n`` and control characters dropped; offsets refer to this text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def _engine_message(exc: BaseException) -> str:
    """A library's error message fit for a stranger: one line, short, no server paths."""
    message = without_paths(one_line(exc))
    return message if len(message) <= _MESSAGE_CHARS else message[:_MESSAGE_CHARS - 1] + "…"


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
