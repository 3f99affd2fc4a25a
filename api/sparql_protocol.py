"""The SPARQL 1.1 Protocol's query operation over the Oxigraph store: content negotiation for
the results (JSON, XML, CSV, TSV; Turtle and other RDF syntaxes for CONSTRUCT and DESCRIBE).

Updates are handed to the store too, which is open read-only and refuses them: the endpoint
never decides from the query text whether it writes.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from ..graph.errors import one_line
from ..graph.sparql_store import PREFIXES, SparqlError

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


class NotAcceptable(ValueError):
    """No result format the client accepts."""


def accepted(header: str | None) -> list[str]:
    """Media types of an ``Accept`` header, best first (by ``q``, then order).

    >>> accepted("text/csv;q=0.5, application/sparql-results+json")
    ['application/sparql-results+json', 'text/csv']
    """
    ranked = []
    for position, part in enumerate((header or "*/*").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, position, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def _choose(header: str | None, offered: dict[str, Any], default: str) -> str:
    """The first accepted media type on offer; ``*/*`` means the default, ``text/*`` the
    first offered text type."""
    for media in accepted(header):
        if media in offered:
            return media
        if media == "*/*":
            return default
        if media.endswith("/*"):
            family = media[:-1]
            match = default if default.startswith(family) else next((m for m in offered if m.startswith(family)), None)
            if match:
                return match
    raise NotAcceptable(f"no result format for Accept: {header!r} (offered: {', '.join(offered)})")


def run_query(store: ox.Store, text: str, accept: str | None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> tuple[bytes, str]:
    """Run a SPARQL query on the read-only store; returns the serialised answer and its media type."""
    options: dict[str, Any] = {"prefixes": PREFIXES}
    try:
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    except ValueError as exc:
        raise SparqlError(f"default-graph-uri / named-graph-uri: {exc}") from None
    try:
        result = store.query(text, **options)
    except (SyntaxError, ValueError, OSError) as exc:
        raise SparqlError(one_line(exc)) from None
    # results are bound to this thread (pyoxigraph): serialised here, and never left in a
    # traceback that another thread would drop
    offered, default = ((GRAPH_TYPES, "text/turtle") if isinstance(result, ox.QueryTriples)
                        else (RESULT_TYPES, "application/sparql-results+json"))
    try:
        media = _choose(accept, offered, default)
    except NotAcceptable as exc:
        message, result = str(exc), None
        raise NotAcceptable(message) from None
    try:
        return result.serialize(format=offered[media]), media
    except (ValueError, OSError) as exc:
        message, result = one_line(exc), None
        raise SparqlError(message) from None


def run_update(store: ox.Store, text: str) -> None:
    """Hand an update to the store, which is read-only and refuses it (raised as SparqlError)."""
    try:
        store.update(text, prefixes=PREFIXES)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        raise SparqlError(f"updates are refused: {one_line(exc)}") from None
