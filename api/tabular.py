"""Rows as CSV, the same for the command line (``--format csv``) and the API (``Accept: text/csv``
or ``?format=csv``): a header of the columns, then one line per row, quoted by the csv module.
A cell holding a list or an object (a node, a relationship, a path) is its JSON text, so a
spreadsheet keeps all of it and a program can read it back.

>>> print(csv_text(["n", "x"], [{"n": {"id": "io/nato", "labels": ["InternationalOrganization"]}, "x": None}]), end="")
n,x
"{""id"": ""io/nato"", ""labels"": [""InternationalOrganization""]}",
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, TextIO

CSV_MEDIA = "text/csv; charset=utf-8"


def cell(value: Any) -> str:
    """One CSV cell: text as it is, nothing as empty, true/false, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def write_csv(handle: TextIO, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def wants_csv(format: str | None, accept: str | None) -> bool:
    """CSV when ``?format=csv``, or without ``format`` when the client accepts text/csv and
    not JSON before it."""
    if format:
        return format == "csv"
    if not accept or "text/csv" not in accept:
        return False
    return accept.find("text/csv") < accept.find("json") or "json" not in accept
