"""Engines' error messages as users see them: one line, never a traceback.

>>> one_line(ValueError("error at 1:10:\\n  expected CONSTRUCT"))
'error at 1:10: expected CONSTRUCT'
"""

from __future__ import annotations

import re


def one_line(exc: BaseException) -> str:
    """An error's message on one line (or the error's class when it has none)."""
    return " ".join(str(exc).split()) or exc.__class__.__name__


_PATH = re.compile(r"(?<![\w:/.~-])(?:~|\.{1,2})?/(?:[^\s'\"<>/]+/)+(?=[^\s'\"<>/]*)")


def without_paths(message: str) -> str:
    """A message for strangers: every file path cut to its last part, so no answer shows
    where the server keeps things (URLs and IRIs are left alone).

    >>> without_paths("IO exception: Cannot open file /srv/build/builds/000002/ladybug/graph.lbug: denied")
    'IO exception: Cannot open file graph.lbug: denied'
    >>> without_paths("no such IRI <http://example.org/a/b> in '/tmp/x/y.csv'")
    "no such IRI <http://example.org/a/b> in 'y.csv'"
    """
    return _PATH.sub("", message)


def stopped_by_time_limit(message: str) -> bool:
    """Whether an engine's error says it stopped the query at its time limit (LadybugDB:
    "timeout", "interrupted")."""
    lowered = message.lower()
    return "timeout" in lowered or "interrupted" in lowered
