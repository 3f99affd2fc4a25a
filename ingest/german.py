"""German word forms: a stem that makes inflected and nominative forms of a name meet, and
the nominative of an inflected name ("des Nationalen Krisenzentrums" → "Nationales Krisenzentrum").

Heads (‑zentrum, ‑ministerium, ‑stelle …), their entity type and grammatical gender are data
(``data/heads.tsv``), so a new kind of body is a line there, not code.

>>> stem("Krisenzentrums") == stem("Krisenzentrum")
True
>>> stem("NCCN")
'NCCN'
>>> nominative(["Nationalen", "Krisenzentrums"])
'Nationales Krisenzentrum'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..graph.ontology import EntityType

_SUFFIXES = ("ern", "en", "em", "er", "es", "e", "n", "s")
_MIN_STEM = 3


def is_acronym(word: str) -> bool:
    """Upper-case tokens (two or more capitals, digits and hyphens allowed): NATO, KRITIS, G7."""
    letters = [c for c in word if c.isalpha()]
    return len(word) >= 2 and len(letters) >= 1 and all(c.isupper() for c in letters) and sum(c.isupper() for c in word) >= 2


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude German stem: lower case with inflectional endings stripped, acronyms kept as they are.

    It need not be a linguistic stem; it must map the case forms of one name to one key.
    """
    if is_acronym(word) or any(c.isdigit() for c in word):
        return word
    result = word.lower()
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if result.endswith(suffix) and len(result) - len(suffix) >= _MIN_STEM and result[-len(suffix) - 1].isalpha():
                result = result[: -len(suffix)]
                changed = True
                break
    return result


@dataclass(frozen=True)
class Head:
    """A head noun ending that makes a phrase a body of some type ("‑ministerium" → Agency, neuter)."""

    suffix: str
    type: EntityType
    gender: str  # m, f, n or pl: picks the nominative adjective ending


@lru_cache(maxsize=1)
def heads() -> tuple[Head, ...]:
    """Head suffixes from ``data/heads.tsv``, longest first so "‑kommission" beats "‑mission"."""
    rows = resources.files("actorgraph.ingest").joinpath("data/heads.tsv").read_text("utf-8")
    found = []
    for line in rows.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        suffix, type_name, gender = line.split("\t")[:3]
        found.append(Head(suffix.strip().lower(), EntityType(type_name.strip()), gender.strip()))
    return tuple(sorted(found, key=lambda h: (-len(h.suffix), h.suffix)))


def _case_forms(word: str) -> list[str]:
    """The word and its forms without a genitive or dative plural ending, most specific first."""
    lower = word.lower()
    forms = [lower]
    for ending in ("es", "s", "n"):
        if lower.endswith(ending) and len(lower) > len(ending) + 2:
            forms.append(lower[: -len(ending)])
    return forms


@lru_cache(maxsize=200_000)
def find_head(word: str) -> tuple[Head, str] | None:
    """The head this word ends in and the word's nominative singular, if it is a head noun.

    >>> find_head("Arbeitsstabes")[1]
    'Arbeitsstab'
    """
    if is_acronym(word):
        return None
    for form in _case_forms(word):
        for head in heads():
            if form.endswith(head.suffix) and (len(form) == len(head.suffix) or form[-len(head.suffix) - 1].isalpha() or form[-len(head.suffix) - 1] == "-"):
                return head, word[: len(form)]
    return None


_ADJECTIVE_ENDING = re.compile(r"^(?P<stem>[A-Za-zÄÖÜäöüß\-]+?)(?P<ending>en|em)$")
_WEAK_ENDING = re.compile(r"^(?P<stem>[A-Za-zÄÖÜäöüß\-]{3,}?)(?P<ending>e)$")
_NOMINATIVE_ENDING = {"m": "er", "f": "e", "n": "es", "pl": "e"}


def nominative(words: list[str]) -> str:
    """The nominative of a name given as words: adjectives before the head get the strong
    nominative ending of the head's gender, the head loses its genitive ending, and words
    after the head (``für Inneres``, ``der EU``) stay as written.

    Place adjectives in ‑er ("Thüringer") never change, so only ‑en/‑em endings are replaced.

    >>> nominative(["Interministeriellen", "Arbeitsstabes", "für", "Notfalllagen"])
    'Interministerieller Arbeitsstab für Notfalllagen'
    >>> nominative(["Europäischen", "Union"])
    'Europäische Union'
    >>> nominative(["Interministerielle", "Arbeitsstab"])
    'Interministerieller Arbeitsstab'
    """
    head_index = None
    head_info = None
    for index, word in enumerate(words):
        found = find_head(word)
        if found:
            head_index, head_info = index, found
            break
    if head_index is None or head_info is None:
        return " ".join(words)
    head, head_nominative = head_info
    result = []
    for index, word in enumerate(words):
        if index < head_index:
            match = _ADJECTIVE_ENDING.match(word)
            if match is None and head.gender in ("m", "n"):
                # "der Interministerielle Arbeitsstab": the weak ending after an article
                match = _WEAK_ENDING.match(word)
            if match and word[:1].isalpha() and not is_acronym(word) and find_head(word) is None:
                word = match.group("stem") + _NOMINATIVE_ENDING.get(head.gender, "e")
        elif index == head_index:
            word = head_nominative if head.gender != "pl" else word
        result.append(word)
    return " ".join(result)
