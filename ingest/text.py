"""Text structure with character offsets kept: paragraphs, sentences, headings, list items.

Offsets always index the document text itself, so ``text[s.start:s.end] == s.text`` holds for
every :class:`Segment` this module returns — evidence depends on it.

>>> [s.text for s in split_sentences("Das NCCN arbeitet z. B. mit der EU. Seit 1999 gilt das.\\n• Punkt")]
['Das NCCN arbeitet z. B. mit der EU.', 'Seit 1999 gilt das.', '• Punkt']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Segment:
    """A stretch of the document: ``text == document[start:end]``."""

    start: int
    end: int
    text: str
    paragraph: int = 0  # index of the paragraph (blank-line separated block) it belongs to
    is_list_item: bool = False
    is_heading: bool = False


_BULLET = re.compile(r"^\s*(?:[•\-–—*▪◦·]|\d{1,2}[.)])\s+")
# A sentence may end after . ! ? (optionally closed by a quote or bracket) before white space
# and an upper-case letter, digit, quote or bullet.
_SENTENCE_END = re.compile(r"[.!?][\"“”»)\]]?(?=\s+[\"„“«(]?[A-ZÄÖÜ0-9•])")
_MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember", "jänner")


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    """Abbreviations after which a period does not end a sentence (data file, one a line)."""
    data = resources.files("actorgraph.ingest").joinpath("data/abbreviations.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in data.splitlines()
                     if line.strip() and not line.startswith("#"))


def _is_false_end(line: str, dot: int) -> bool:
    """Whether the period at ``dot`` belongs to an abbreviation, initial or ordinal number."""
    if line[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not line[word_start - 1].isspace() and line[word_start - 1] not in "(„\"":
        word_start -= 1
    word = line[word_start:dot + 1].lower()
    if word in abbreviations():
        return True
    stem = word[:-1]
    if len(stem) == 1 and stem.isalpha():  # initials: "A. Merkel", "z. B."
        return True
    if stem.isdigit() and len(stem) <= 2:  # ordinals and dates: "1. Juni", "21. Jahrhundert"
        return True
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", stem):  # "1.6." as a day and month
        return True
    following = line[dot + 1:].lstrip().lower()
    return stem.isdigit() and following.startswith(_MONTHS)


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Logical lines: a line break is kept inside a sentence when the text runs on across it
    (a wrapped line ending in a letter or comma, followed by a lower-case word), as in PDFs."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(r"\n", text):
        end = match.start()
        before = text[start:end].rstrip()
        after = text[match.end():match.end() + 2]
        runs_on = (before and (before[-1].isalpha() or before[-1] in ",-") and after[:1].islower()
                   and not _BULLET.match(text[match.end():match.end() + 4]))
        if runs_on:
            continue
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[Segment]:
    """Sentences, list items and headings of ``text``, in order, each with exact offsets."""
    segments: list[Segment] = []
    paragraph = 0
    previous_blank = False
    for line_start, line_end in _line_spans(text):
        line = text[line_start:line_end]
        if not line.strip():
            if segments and not previous_blank:
                paragraph += 1
            previous_blank = True
            continue
        previous_blank = False
        is_item = bool(_BULLET.match(line))
        pieces: list[tuple[int, int]] = []
        cursor = 0
        for match in _SENTENCE_END.finditer(line):
            dot = match.start()
            if _is_false_end(line, dot):
                continue
            pieces.append((cursor, match.end()))
            cursor = match.end()
        pieces.append((cursor, len(line)))
        for piece_start, piece_end in pieces:
            chunk = line[piece_start:piece_end]
            stripped = chunk.strip()
            if not stripped:
                continue
            offset = line_start + piece_start + (len(chunk) - len(chunk.lstrip()))
            end = offset + len(stripped)
            is_heading = (len(pieces) == 1 and not is_item and len(stripped) < 90
                          and not stripped.endswith((".", ";", ",")) and " " in stripped + " ")
            segments.append(Segment(offset, end, text[offset:end], paragraph, is_item,
                                    is_heading and not stripped.endswith(":")))
    return segments
