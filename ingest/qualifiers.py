"""What a sentence says about the time and circumstances of a relation: stated dates
(``since``/``date`` as ISO dates, months or years) and the crisis context.

>>> stated_times("Seit 1999 leistet KFOR einen Beitrag.")
{'since': '1999'}
>>> stated_times("Das Abkommen wurde am 1. Juni 1992 in Berlin unterzeichnet.")
{'date': '1992-06-01'}
>>> stated_times("Eine Erweiterung wurde im Februar 2021 beschlossen.")
{'date': '2021-02'}
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

MONTHS = {"januar": 1, "jänner": 1, "februar": 2, "märz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
          "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
          "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
          "december": 12}
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_YEAR = r"(?P<year>(?:1[89]|20)\d{2})"
_DAY = r"(?P<day>\d{1,2})\.(?:\s*(?:und|bis|–|-)\s*\d{1,2}\.)?"

_FULL_DATE = re.compile(rf"\b{_DAY}\s*{_MONTH}\s+{_YEAR}\b", re.I)
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:1[89]|20)\d{2})\b")
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.I)
_YEAR_ONLY = re.compile(rf"(?<![\d.,/-]){_YEAR}(?![\d.,]\d)")
_SINCE = re.compile(r"\b(?:seit|ab|since|depuis|sinds)\b\s+(?:de[mnr]\s+|dem\s+Jahr(?:e)?\s+|the\s+year\s+)?", re.I)


def _iso(match: re.Match) -> str:
    groups = match.groupdict()
    year = groups["year"]
    month = groups.get("month")
    if month is None:
        return year
    month_number = int(month) if month.isdigit() else MONTHS[month.lower()]
    if groups.get("day") is None:
        return f"{year}-{month_number:02d}"
    return f"{year}-{month_number:02d}-{int(groups['day']):02d}"


def _times(text: str) -> list[tuple[int, int, str]]:
    """Every stated time as (start, end, ISO value), the most specific form winning overlaps."""
    found: list[tuple[int, int, str]] = []
    for pattern in (_FULL_DATE, _NUMERIC_DATE, _MONTH_YEAR, _YEAR_ONLY):
        for match in pattern.finditer(text):
            if any(s <= match.start() < e or s < match.end() <= e for s, e, _ in found):
                continue
            found.append((match.start(), match.end(), _iso(match)))
    return sorted(found)


def stated_times(text: str) -> dict[str, str]:
    """``since`` for a time introduced by "seit"/"ab", ``date`` for the first other stated time."""
    result: dict[str, str] = {}
    for start, _end, value in _times(text):
        before = text[max(0, start - 30):start]
        since = list(_SINCE.finditer(before))
        if since and since[-1].end() == len(before):
            result.setdefault("since", value)
        else:
            # a citation's year ("BMI, 2009, S. 3") is no time of the relation
            if re.search(r",\s*S\.\s*\d", text[start:start + 12]):
                continue
            result.setdefault("date", value)
    return result


@lru_cache(maxsize=1)
def _crisis_pattern() -> re.Pattern:
    data = resources.files("actorgraph.ingest").joinpath("data/crisis_terms.txt").read_text("utf-8")
    stems = [l.strip() for l in data.splitlines() if l.strip() and not l.startswith("#")]
    return re.compile("|".join(f"(?:{s})" for s in stems), re.I)


def is_crisis_context(*texts: str) -> bool:
    """Whether any of the texts (sentence, list lead, paragraph, heading) speaks of a crisis.

    >>> is_crisis_context("In einer (internationalen) Notsituation übernimmt das NCCN die Aufgaben")
    True
    """
    pattern = _crisis_pattern()
    return any(pattern.search(t) for t in texts if t)
