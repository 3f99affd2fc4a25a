"""Whole sentences from a PDF's text layer: the text pypdf gives page by page keeps the layout's
line breaks inside sentences, words split by hyphenation at line ends, running headers and
footers on every page and page numbers. :func:`pdf_paragraphs` removes these, so the sentence
splitter and the extractor see the sentences the author wrote.

1. Running headers and footers: a line (digits aside) in the first or last three lines of at least
   half of the pages, and of three, whose numbers stay fixed or run with the page, is dropped
   there; so are page-number lines ("3", "- 3 -", "Seite 3 von 12", "3 / 12").
2. Hyphenation: "Katastrophen-|schutz" becomes one word; the hyphen stays before a capital, after
   an acronym or digit ("Bundes-Länder", "NATO-geführte") and before a conjunction ("Aufsichts- und").
3. Paragraphs: lines are joined with a space; a paragraph ends at a blank line, after a short line
   that ends a sentence, before a list item and around a short line without final punctuation (a
   heading). List items keep their own lines; a page that ends mid-sentence runs on into the next.

>>> pdf_paragraphs(["Der Katastrophen-\\nschutz der Aufsichts-\\nund Dienstleistungsdirektion.\\n3"])
'Der Katastrophenschutz der Aufsichts- und Dienstleistungsdirektion.'
"""

from __future__ import annotations

import re

_EDGE_LINES = 3  # a running header or footer sits in a page's first or last lines
_MIN_RUNNING_PAGES = 3
_SHORT = 0.7  # "clearly shorter" than the page's typical line
_PAGE_NUMBER = re.compile(
    r"(?:[-–—]\s*)?\d{1,3}(?:\s*[-–—])?"                   # 3, - 3 -
    r"|(?:seite|page|s\.)\s*\d{1,3}(?:\s*(?:von|of|/)\s*\d{1,3})?"  # Seite 3 von 12, Page 3
    r"|\d{1,3}\s*(?:/|von|of)\s*\d{1,3}",                  # 3 / 12, 3 von 12
    re.I)
_BULLET = re.compile(r"[•●▪◦·*■□➢►‣]\s*\S")
_ENUMERATOR = re.compile(r"(?:[-–—]|\d{1,2}[.)]|[a-z]\)|\([a-z0-9]{1,3}\))\s+\S")
_LONE_MARKER = re.compile(r"[•●▪◦·*■□➢►‣]|\d{1,2}[.)]|[a-z]\)|\([a-z0-9]{1,3}\)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'“”„»«’)\]]*$")
_CONJUNCTIONS = frozenset(["und", "oder", "bzw", "bzw.", "sowie", "als", "wie", "noch", "respektive",
                           "beziehungsweise", "resp.", "&", "and", "or", "et", "ou"])


def pdf_paragraphs(pages: list[str]) -> str:
    """One text of paragraphs from a PDF's page texts, without running headers, footers and page
    numbers, with line-end hyphenation joined; list items and headings stay on their own lines."""
    page_lines = [[" ".join(line.split()) for line in page.splitlines()] for page in pages]
    page_lines = [_attach_lone_markers(lines) for lines in _drop_running_lines(page_lines)]
    every = [line for lines in page_lines for line in lines if line]
    document_typical = _typical_length(every)
    blocks: list[list[str]] = []  # each block: lines of one paragraph, or one list item
    for lines in page_lines:
        body = [line for line in lines if line]
        typical = _typical_length(body) if len(body) >= 4 else document_typical
        previous = None
        first = _first_text(lines)
        for index, line in enumerate(lines):
            if not line:
                previous = None
                continue
            if (blocks and index == first and _continues(blocks[-1][-1], line, typical)
                    and not _is_list_item(line, blocks[-1][-1], typical)):
                blocks[-1].append(line)  # the page ended mid-sentence: the sentence runs on
            elif previous is not None and not _breaks(previous, line, typical, _is_item(blocks[-1][0])):
                blocks[-1].append(line)
            else:
                blocks.append([line])
            previous = line
    return _render(blocks)


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without page-number lines and without lines repeated at the top or bottom of at least
    half of the pages (and of three): headers and footers, whatever page number they carry."""
    seen: dict[str, dict[int, tuple[int, ...]]] = {}  # shape -> page -> the numbers in its line
    for page, lines in enumerate(pages):
        for i in _edge_indices(lines):
            seen.setdefault(_shape(lines[i]), {}).setdefault(page, _numbers(lines[i]))
    needed = max(_MIN_RUNNING_PAGES, (len(pages) + 1) // 2)
    running = {shape for shape, numbers in seen.items()
               if shape and len(numbers) >= needed and _page_like(numbers)}
    cleaned = []
    for lines in pages:
        drop = {i for i in _edge_indices(lines)
                if _shape(lines[i]) in running or _PAGE_NUMBER.fullmatch(lines[i])}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _numbers(line: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d{1,9}", line))


def _page_like(numbers: dict[int, tuple[int, ...]]) -> bool:
    """Whether each number of a repeated line stays the same on every page ("Stand 2023", "von 12")
    or runs with the page ("Seite 3"), as in a header or footer; headings such as "Abschnitt 4"
    and "Abschnitt 9" at the tops of pages do neither."""
    rows = list(numbers.items())
    for position in range(len(rows[0][1])):
        values = {row[position] for _, row in rows if len(row) > position}
        offsets = {row[position] - page for page, row in rows if len(row) > position}
        if len(values) > 1 and len(offsets) > 1:
            return False
    return True


def _attach_lone_markers(lines: list[str]) -> list[str]:
    """A bullet or enumerator that the PDF set apart ("•", "1.") joined to the text it marks."""
    out: list[str] = []
    for line in lines:
        if out and _LONE_MARKER.fullmatch(out[-1]) and line:
            out[-1] = out[-1] + " " + line
        else:
            out.append(line)
    return out


def _edge_indices(lines: list[str]) -> list[int]:
    """Indices of the first and last few non-empty lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _shape(line: str) -> str:
    """A line with digits replaced and case folded, so "Seite 3" and "Seite 4" compare equal."""
    return re.sub(r"\d+", "#", line).casefold()


def _typical_length(lines: list[str]) -> int:
    """The length most full lines reach: the 80th percentile of the lines' lengths."""
    if not lines:
        return 0
    lengths = sorted(len(line) for line in lines)
    return lengths[min(len(lengths) - 1, int(len(lengths) * 0.8))]


def _first_text(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line), -1)


def _ends_sentence(line: str) -> bool:
    """Whether a line ends with a sentence's (or a list intro's) final punctuation."""
    return bool(_SENTENCE_END.search(line[-8:]))


def _is_short(line: str, typical: int) -> bool:
    return len(line) < _SHORT * typical


def _is_list_item(line: str, previous: str | None, typical: int) -> bool:
    """A bullet always starts a list item; a dash or enumerator ("1.", "a)") only after a line that
    ends a sentence or is short, since "am\\n1. Mai" is a wrapped line, not a list."""
    if _BULLET.match(line):
        return True
    if not _ENUMERATOR.match(line):
        return False
    return previous is None or _ends_sentence(previous) or _is_short(previous, typical)


def _is_heading(line: str, typical: int) -> bool:
    """A short line without final punctuation: a heading, a list item's last line, a caption."""
    return _is_short(line, typical) and not _ends_sentence(line) and not line.endswith((",", "-"))


def _breaks(previous: str, line: str, typical: int, in_item: bool = False) -> bool:
    """Whether ``line`` starts a new paragraph or list item after ``previous`` on the same page;
    ``in_item``: ``previous`` belongs to a list item, which ends with its sentence."""
    if in_item and (_BULLET.match(line) or _ENUMERATOR.match(line) or _ends_sentence(previous)):
        return True
    if _cut_word(previous) is not None or previous.endswith(","):
        return False
    if _is_list_item(line, previous, typical):
        return True
    if line[:1].islower() and not _ends_sentence(previous):
        return False  # "Weitere Informationen unter\nwww.bbk.bund.de": the sentence runs on
    if _ends_sentence(previous) and (_is_short(previous, typical) or _is_heading(line, typical)):
        return True
    return _is_heading(previous, typical)


def _continues(last: str, first: str, typical: int) -> bool:
    """Whether the sentence of a page's last line runs on into the next page's first line."""
    if first[:1].islower() or _cut_word(last) is not None:
        return True
    return not _ends_sentence(last) and not _is_short(last, typical) and not _BULLET.match(first)


def _join(lines: list[str]) -> str:
    """The lines of one paragraph as one line: a space between, hyphenation joined."""
    parts = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        if previous.endswith("\u00ad"):  # a soft hyphen marks where the layout broke a word
            parts[-1] = parts[-1][:-1]
            parts.append(line)
            continue
        stem = _cut_word(previous)
        next_word = line.split(" ", 1)[0]
        if stem is None or next_word.casefold() in _CONJUNCTIONS:
            parts.append(" " + line)                  # "Aufsichts- und Dienstleistungsdirektion"
        elif next_word[:1].islower() and not stem.isupper() and not any(ch.isdigit() or ch == "-" for ch in stem):
            parts[-1] = parts[-1][:-1]                # "Katastrophen-schutz" -> "Katastrophenschutz"
            parts.append(line)
        else:
            parts.append(line)                        # "Bundes-Länder", "NATO-geführte"
    return "".join(parts)


def _cut_word(line: str) -> str | None:
    """The word a line ends with when it ends cut by a hyphen ("Katastrophen-"), without it."""
    if len(line) < 2 or line[-1] != "-" or not line[-2].isalnum():
        return None
    return line.rsplit(" ", 1)[-1][:-1]


def _render(blocks: list[list[str]]) -> str:
    """Blocks as text: a blank line between paragraphs, a line break between a list's items."""
    out: list[str] = []
    for block in blocks:
        text = _join(block)
        if out:
            in_list = _BULLET.match(text) or _ENUMERATOR.match(text)
            out.append("\n" if in_list and (out[-1].rstrip().endswith(":") or _is_item(out[-1])) else "\n\n")
        out.append(text)
    return "".join(out)


def _is_item(text: str) -> bool:
    return bool(_BULLET.match(text) or _ENUMERATOR.match(text))
