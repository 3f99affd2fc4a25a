"""What a SPARQL query from outside may ask for: no ``SERVICE`` (federated queries make the
server fetch any URL) unless the operator names the endpoints it may call.

The check reads the query's tokens, so the keyword inside a string, an IRI, a comment, a
variable (``?service``) or a prefixed name (``ex:service``) is not a ``SERVICE`` clause.

>>> check_services("SELECT * WHERE { ?s ?p 'SERVICE' } # SERVICE")
>>> try:
...     check_services("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
... except SparqlRefused as refused:
...     print(refused)
SERVICE <http://example.org/sparql> is not allowed here: this endpoint does not query other endpoints
"""

from __future__ import annotations

import re
from typing import Iterable

# SPARQL 1.1 grammar: IRIREF, the four string forms, comments; anything else is left as is
_SKIPPED = re.compile(
    r"""<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
    r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*\""""
    r"""|\#[^\n\r]*""",
    re.S)
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:\-])", re.I)
_TARGET = re.compile(r"\s*(?:SILENT\s+)?(<[^<>\"{}|^`\\\x00-\x20]*>|[?$]\w+|[\w.\-]*:[\w.\-]*)", re.I)


class SparqlRefused(ValueError):
    """A query asking for something this endpoint does not do (one line, names the clause)."""


def check_services(text: str, allowed: Iterable[str] = ()) -> None:
    """Refuse every ``SERVICE`` clause whose endpoint is not one of ``allowed`` IRIs (an
    endpoint given as a variable or a prefixed name is always refused)."""
    allowed = set(allowed)
    for position, code in _code_pieces(text):
        for match in _SERVICE.finditer(code):
            rest = text[position + match.end():position + match.end() + 2_000]
            target = _TARGET.match(rest)
            endpoint = target.group(1) if target else "?"
            if endpoint.startswith("<") and endpoint[1:-1] in allowed:
                continue
            reason = (f"only {', '.join(sorted(allowed))} may be queried" if allowed
                      else "this endpoint does not query other endpoints")
            raise SparqlRefused(f"SERVICE {endpoint} is not allowed here: {reason}")


def _code_pieces(text: str) -> Iterable[tuple[int, str]]:
    """The stretches of ``text`` outside IRIs, strings and comments, with their offsets."""
    cursor = 0
    for skipped in _SKIPPED.finditer(text):
        yield cursor, text[cursor:skipped.start()]
        cursor = skipped.end()
    yield cursor, text[cursor:]
