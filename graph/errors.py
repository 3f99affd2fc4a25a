"""Engines' error messages as users see them: one line, never a traceback.

>>> one_line(ValueError("error at 1:10:\\n  expected CONSTRUCT"))
'error at 1:10: expected CONSTRUCT'
"""

from __future__ import annotations


def one_line(exc: BaseException) -> str:
    """An error's message on one line (or the error's class when it has none)."""
    return " ".join(str(exc).split()) or exc.__class__.__name__
