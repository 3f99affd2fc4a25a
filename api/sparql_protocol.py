"""The SPARQL 1.1 Protocol's query operation over the Oxigraph store: content negotiation for
the results (JSON, XML, CSV, TSV; Turtle and other RDF syntaxes for CONSTRUCT and DESCRIBE),
and answers cut at a row cap (``truncated``) so no query can answer gigabytes.

Updates are handed to the store too, which is open read-only and refuses them: the endpoint
never decides from the query text whether it writes.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import islice
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

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
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              max_rows: int | None = None) -> tuple[bytes, str, bool]:
    """Run a SPARQL query on the read-only store; returns the serialised answer, its media type,
    and whether ``max_rows`` (solutions or triples) cut it short."""
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
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:  # RuntimeError: unknown functions
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
        if isinstance(result, ox.QueryBoolean):
            return result.serialize(format=offered[media]), media, False
        if isinstance(result, ox.QueryTriples):
            triples, truncated = _first(result, max_rows)
            return ox.serialize(triples, format=offered[media], prefixes=PREFIXES), media, truncated
        variables = [v.value for v in result.variables]
        solutions, truncated = _first(result, max_rows)
        rows = [[solution[v] for v in variables] for solution in solutions]
        return SOLUTION_WRITERS[offered[media]](variables, rows, truncated), media, truncated
    except (ValueError, OSError, RuntimeError) as exc:  # a query fails while it is evaluated
        message, result = one_line(exc), None
        raise SparqlError(message) from None


def _first(results: Any, max_rows: int | None) -> tuple[list[Any], bool]:
    """At most ``max_rows`` of a result's solutions or triples (all without a cap), and whether
    there were more; reads one past the cap, never the rest."""
    taken = list(islice(results, None if max_rows is None else max_rows + 1))
    return taken[:max_rows], max_rows is not None and len(taken) > max_rows


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        data: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            data["xml:lang"] = term.language
        elif term.datatype and term.datatype.value != XSD_STRING:
            data["datatype"] = term.datatype.value
        return data
    return {"type": "triple", "value": {"subject": _json_term(term.subject),  # RDF-star
                                        "predicate": _json_term(term.predicate), "object": _json_term(term.object)}}


def _solutions_json(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    """SPARQL 1.1 Query Results JSON; a cut answer says so in a top-level ``truncated`` member,
    which clients that do not know it ignore."""
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    answer: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        answer["truncated"] = True
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype and term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def _solutions_xml(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    """SPARQL Query Results XML; a cut answer carries ``<link href="#truncated"/>`` in its head."""
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    if truncated:
        head += '<link href="#truncated"/>'
    body = "".join("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                         for v, t in zip(variables, row) if t is not None) + "</result>"
                   for row in rows)
    return ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{body}</results></sparql>").encode()


def _solutions_csv(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([["" if t is None else t.value if not isinstance(t, ox.Triple) else str(t) for t in row]
                      for row in rows])
    return out.getvalue().encode()


def _solutions_tsv(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    lines: Iterable[str] = ["\t".join(f"?{v}" for v in variables)]
    lines = [*lines, *("\t".join("" if t is None else str(t) for t in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SOLUTION_WRITERS = {ox.QueryResultsFormat.JSON: _solutions_json, ox.QueryResultsFormat.XML: _solutions_xml,
                    ox.QueryResultsFormat.CSV: _solutions_csv, ox.QueryResultsFormat.TSV: _solutions_tsv}


def run_update(store: ox.Store, text: str) -> None:
    """Hand an update to the store, which is read-only and refuses it (raised as SparqlError)."""
    try:
        store.update(text, prefixes=PREFIXES)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        raise SparqlError(f"updates are refused: {one_line(exc)}") from None
