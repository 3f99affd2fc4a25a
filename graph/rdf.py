"""The graph as RDF: the project's vocabulary plus the standard terms where they fit.

- entities: ``ag:<Type>`` and W3C ORG / schema.org / SKOS classes; ``skos:prefLabel`` (the
  canonical name, German) and ``skos:altLabel`` (aliases); ``ag:id`` is the graph.json id;
- relations: the direct triple ``s ag:TYPE o`` (and ``org:subOrganizationOf`` /
  ``org:memberOf`` for PART_OF / MEMBER_OF), plus one n-ary node per relation, an
  ``rdf:Statement`` with ``rdf:subject/predicate/object``, ``ag:context``, ``ag:since``,
  ``ag:date`` and its ``ag:evidence`` nodes (``prov:wasDerivedFrom`` the document,
  ``ag:sentence``, ``ag:start``, ``ag:end``). This one reification is used everywhere.
- documents: ``foaf:Document`` with Dublin Core terms.

The triples are made once, as Oxigraph terms, by :func:`triples`, and streamed to
``graph.nt``; Turtle and JSON-LD are streamed from that file by Oxigraph's serialisers, and the
SPARQL store bulk-loads it. No build holds the RDF graph in memory: rdflib, which would, is
used only to check the shapes (``graph/validation.py``) when asked.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, XSD, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDFS, SKOS

if TYPE_CHECKING:
    import rdflib

from .model import Evidence, Graph, Relation
from .ontology import EntityType, RelationType

AG = Namespace("https://actorgraph.org/ns#")
ID = Namespace("https://actorgraph.org/id/")
DOC = Namespace("https://actorgraph.org/doc/")
SCHEMA = Namespace("https://schema.org/")

STANDARD_CLASSES: dict[EntityType, tuple[URIRef, ...]] = {
    EntityType.AGENCY: (ORG.Organization, SCHEMA.GovernmentOrganization),
    EntityType.GOVERNMENT: (ORG.Organization, SCHEMA.GovernmentOrganization),
    EntityType.COMMITTEE: (ORG.Organization,),
    EntityType.INTERNATIONAL_ORGANIZATION: (ORG.FormalOrganization, SCHEMA.Organization),
    EntityType.MISSION: (ORG.Organization,),
    EntityType.ORGANIZATION: (ORG.Organization, SCHEMA.Organization),
    EntityType.AGREEMENT: (SCHEMA.Legislation,),
    EntityType.PROJECT: (SCHEMA.Project,),
    EntityType.EVENT: (SCHEMA.Event,),
    EntityType.COUNTRY: (SCHEMA.Country,),
    EntityType.REGION: (SCHEMA.AdministrativeArea,),
    EntityType.CITY: (SCHEMA.City,),
    EntityType.COMPETENCE: (SKOS.Concept,),
    EntityType.PERSON: (FOAF.Person, SCHEMA.Person),
}
STANDARD_PROPERTIES: dict[RelationType, URIRef] = {
    RelationType.PART_OF: ORG.subOrganizationOf,
    RelationType.MEMBER_OF: ORG.memberOf,
}


def entity_uri(entity_id: str) -> URIRef:
    return ID[entity_id]


def document_uri(doc_id: str) -> URIRef:
    return DOC[quote(doc_id, safe="/._-~")]


def relation_uri(relation: Relation) -> URIRef:
    digest = hashlib.sha1("|".join(relation.key).encode("utf-8")).hexdigest()[:16]
    return ID[f"relation/{digest}"]


def evidence_uri(relation: Relation, evidence: Evidence) -> URIRef:
    digest = hashlib.sha1(f"{relation.key}|{evidence.doc}|{evidence.start}|{evidence.end}".encode()).hexdigest()[:16]
    return ID[f"evidence/{digest}"]


PREFIXES = {"ag": str(AG), "id": str(ID), "doc": str(DOC), "org": str(ORG), "schema": str(SCHEMA),
            "skos": str(SKOS), "prov": str(PROV), "dcterms": str(DCTERMS), "foaf": str(FOAF),
            "rdfs": str(RDFS), "rdf": str(RDF), "xsd": str(XSD)}


class _Terms(dict):
    """Oxigraph IRIs by text, each made once (a build names the same predicates millions of times)."""

    def __missing__(self, iri: str) -> ox.NamedNode:
        node = self[iri] = ox.NamedNode(iri)
        return node


def _time(value: str, iri: _Terms) -> ox.Literal:
    """``1999`` → xsd:gYear, ``2021-02`` → xsd:gYearMonth, ``1992-06-01`` → xsd:date."""
    return ox.Literal(value, datatype=iri[str(XSD) + {4: "gYear", 7: "gYearMonth"}.get(len(value), "date")])


def triples(graph: Graph) -> Iterator[ox.Triple]:
    """Every triple of the graph's RDF, in a fixed order (entities, relations, documents by id;
    each subject's triples together, so the Turtle groups them)."""
    iri = _Terms()
    T = ox.Triple
    a, integer = iri[str(RDF.type)], iri[str(XSD.integer)]
    for entity in graph.sorted_entities():
        node = iri[str(entity_uri(entity.id))]
        yield T(node, a, iri[str(AG[entity.type.value])])
        for cls in STANDARD_CLASSES[entity.type]:
            yield T(node, a, iri[str(cls)])
        yield T(node, iri[str(AG.id)], ox.Literal(entity.id))
        yield T(node, iri[str(SKOS.prefLabel)], ox.Literal(entity.name, language="de"))
        yield T(node, iri[str(AG.name)], ox.Literal(entity.name))  # plain, so a query can look a name up directly
        for alias in sorted(entity.aliases):
            yield T(node, iri[str(SKOS.altLabel)], ox.Literal(alias))
        for key, value in sorted(entity.attributes.items()):
            yield T(node, iri[str(AG[key])], ox.Literal(value))
    for relation in graph.sorted_relations():
        source, target = iri[str(entity_uri(relation.source))], iri[str(entity_uri(relation.target))]
        predicate = iri[str(AG[relation.type.value])]
        yield T(source, predicate, target)
        if relation.type in STANDARD_PROPERTIES:
            yield T(source, iri[str(STANDARD_PROPERTIES[relation.type])], target)
        node = ox.NamedNode(str(relation_uri(relation)))
        yield T(node, a, iri[str(RDF.Statement)])
        yield T(node, a, iri[str(AG.Relation)])
        yield T(node, iri[str(RDF.subject)], source)
        yield T(node, iri[str(RDF.predicate)], predicate)
        yield T(node, iri[str(RDF.object)], target)
        yield T(node, iri[str(AG.relationType)], ox.Literal(relation.type.value))
        if relation.context:
            yield T(node, iri[str(AG.context)], ox.Literal(relation.context))
        if relation.since:
            yield T(node, iri[str(AG.since)], _time(relation.since, iri))
        if relation.date:
            yield T(node, iri[str(AG.date)], _time(relation.date, iri))
        evidence_nodes = [ox.NamedNode(str(evidence_uri(relation, e))) for e in relation.evidence]
        for ev in evidence_nodes:
            yield T(node, iri[str(AG.evidence)], ev)
        if evidence_nodes:  # the first supporting sentence, by document and offset: what questions show
            yield T(node, iri[str(AG.firstEvidence)], evidence_nodes[0])
        for ev, evidence in zip(evidence_nodes, relation.evidence):
            yield T(ev, a, iri[str(AG.Evidence)])
            yield T(ev, a, iri[str(PROV.Entity)])
            yield T(ev, iri[str(PROV.wasDerivedFrom)], iri[str(document_uri(evidence.doc))])
            yield T(ev, iri[str(AG.sentence)], ox.Literal(evidence.sentence))
            yield T(ev, iri[str(AG.start)], ox.Literal(str(evidence.start), datatype=integer))
            yield T(ev, iri[str(AG.end)], ox.Literal(str(evidence.end), datatype=integer))
            if evidence.context:
                yield T(ev, iri[str(AG.context)], ox.Literal(evidence.context))
            if evidence.extractor:
                yield T(ev, iri[str(AG.extractor)], ox.Literal(evidence.extractor))
    for doc_id in sorted(graph.documents):
        document = graph.documents[doc_id]
        node = iri[str(document_uri(doc_id))]
        yield T(node, a, iri[str(FOAF.Document)])
        yield T(node, iri[str(DCTERMS.identifier)], ox.Literal(doc_id))
        if document.title:
            yield T(node, iri[str(DCTERMS.title)], ox.Literal(document.title))
        yield T(node, iri[str(DCTERMS.format)], ox.Literal(document.media_type))
        if document.sha256:
            yield T(node, iri[str(AG.sha256)], ox.Literal(document.sha256))
        if document.extractor:
            yield T(node, iri[str(AG.extractor)], ox.Literal(document.extractor))


NTRIPLES_FILE = "graph.nt"


def write_ntriples(graph: Graph, path: Path) -> Path:
    """Stream the graph's triples to ``path`` in N-Triples (Oxigraph escapes the literals)."""
    ox.serialize(triples(graph), str(path), ox.RdfFormat.N_TRIPLES)
    return Path(path)


def write_rdf(graph: Graph, folder: Path) -> None:
    """Write ``graph.nt``, then ``graph.ttl`` and ``graph.jsonld`` streamed from it, into
    ``folder``. The same graph gives the same bytes: the triples come in a fixed order and
    the serialisers add nothing of their own (no blank nodes, no dates)."""
    folder = Path(folder)
    nt = write_ntriples(graph, folder / NTRIPLES_FILE)
    for name, rdf_format in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), str(folder / name), rdf_format,
                     prefixes=PREFIXES)


def ntriples(graph: Graph) -> Iterator[str]:
    """The graph's triples as N-Triples lines (for tests and benchmarks; a build streams them
    to a file with :func:`write_ntriples`)."""
    yield from ox.serialize(triples(graph), format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines(keepends=True)


def to_rdf(graph: Graph) -> "rdflib.Graph":
    """The graph's triples in an rdflib graph, for SHACL validation (``graph/validation.py``)
    of a graph in memory; builds never make one."""
    import rdflib

    rdf = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        rdf.bind(prefix, namespace)
    return rdf.parse(data="".join(ntriples(graph)), format="nt")


LINKS_GRAPH = "https://actorgraph.org/graph/links"


def link_nquads(graph: Graph) -> Iterator[str]:
    """The traversal index of the SPARQL store, in N-Quads: ``ag:linked`` both ways for every
    related pair, in the named graph ``LINKS_GRAPH`` (queries on the default graph do not see
    it). Shortest paths over one predicate are joins a store can do fast; over the 30 forward
    and inverse relation predicates they took 24 s at a million relations. (Entity ids are
    slugs, so the IRIs need no escaping.)"""
    linked, graph_iri = f"<{AG.linked}>", f"<{LINKS_GRAPH}>"
    pairs = {(relation.source, relation.target) for relation in graph.relations.values()}
    pairs |= {(target, source) for source, target in pairs}
    for source, target in sorted(pairs):
        yield f"<{entity_uri(source)}> {linked} <{entity_uri(target)}> {graph_iri} .\n"
