"""The graph as RDF (rdflib): the project's vocabulary plus the standard terms where they fit.

- entities: ``ag:<Type>`` and W3C ORG / schema.org / SKOS classes; ``skos:prefLabel`` (the
  canonical name, German) and ``skos:altLabel`` (aliases); ``ag:id`` is the graph.json id;
- relations: the direct triple ``s ag:TYPE o`` (and ``org:subOrganizationOf`` /
  ``org:memberOf`` for PART_OF / MEMBER_OF), plus one n-ary node per relation, an
  ``rdf:Statement`` with ``rdf:subject/predicate/object``, ``ag:context``, ``ag:since``,
  ``ag:date`` and its ``ag:evidence`` nodes (``prov:wasDerivedFrom`` the document,
  ``ag:sentence``, ``ag:start``, ``ag:end``). This one reification is used everywhere.
- documents: ``foaf:Document`` with Dublin Core terms.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from rdflib import RDF, XSD, Graph as RDFGraph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDFS, SKOS

from .model import Entity, Graph, Relation
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


def time_literal(value: str) -> Literal:
    """``1999`` → xsd:gYear, ``2021-02`` → xsd:gYearMonth, ``1992-06-01`` → xsd:date."""
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return Literal(value, datatype=datatype)


def _add_entity(rdf: RDFGraph, entity: Entity) -> None:
    node = entity_uri(entity.id)
    rdf.add((node, RDF.type, AG[entity.type.value]))
    for cls in STANDARD_CLASSES[entity.type]:
        rdf.add((node, RDF.type, cls))
    rdf.add((node, AG.id, Literal(entity.id)))
    rdf.add((node, SKOS.prefLabel, Literal(entity.name, lang="de")))
    rdf.add((node, AG.name, Literal(entity.name)))  # plain, so a query can look a name up directly
    for alias in sorted(entity.aliases):
        rdf.add((node, SKOS.altLabel, Literal(alias)))
    for key, value in sorted(entity.attributes.items()):
        rdf.add((node, AG[key], Literal(value)))


def _add_relation(rdf: RDFGraph, relation: Relation) -> None:
    source, target = entity_uri(relation.source), entity_uri(relation.target)
    predicate = AG[relation.type.value]
    rdf.add((source, predicate, target))
    if relation.type in STANDARD_PROPERTIES:
        rdf.add((source, STANDARD_PROPERTIES[relation.type], target))
    node = relation_uri(relation)
    rdf.add((node, RDF.type, RDF.Statement))
    rdf.add((node, RDF.type, AG.Relation))
    rdf.add((node, RDF.subject, source))
    rdf.add((node, RDF.predicate, predicate))
    rdf.add((node, RDF.object, target))
    rdf.add((node, AG.relationType, Literal(relation.type.value)))
    if relation.context:
        rdf.add((node, AG.context, Literal(relation.context)))
    if relation.since:
        rdf.add((node, AG.since, time_literal(relation.since)))
    if relation.date:
        rdf.add((node, AG.date, time_literal(relation.date)))
    for position, evidence in enumerate(relation.evidence):
        digest = hashlib.sha1(f"{relation.key}|{evidence.doc}|{evidence.start}|{evidence.end}".encode()).hexdigest()[:16]
        ev = ID[f"evidence/{digest}"]
        rdf.add((node, AG.evidence, ev))
        if position == 0:  # the first supporting sentence, by document and offset: what questions show
            rdf.add((node, AG.firstEvidence, ev))
        rdf.add((ev, RDF.type, AG.Evidence))
        rdf.add((ev, RDF.type, PROV.Entity))
        rdf.add((ev, PROV.wasDerivedFrom, document_uri(evidence.doc)))
        rdf.add((ev, AG.sentence, Literal(evidence.sentence)))
        rdf.add((ev, AG.start, Literal(evidence.start, datatype=XSD.integer)))
        rdf.add((ev, AG.end, Literal(evidence.end, datatype=XSD.integer)))
        if evidence.context:
            rdf.add((ev, AG.context, Literal(evidence.context)))
        if evidence.extractor:
            rdf.add((ev, AG.extractor, Literal(evidence.extractor)))


def to_rdf(graph: Graph) -> RDFGraph:
    """An rdflib graph holding everything in ``graph``."""
    rdf = RDFGraph()
    for prefix, namespace in (("ag", AG), ("id", ID), ("doc", DOC), ("org", ORG), ("schema", SCHEMA),
                              ("skos", SKOS), ("prov", PROV), ("dcterms", DCTERMS), ("foaf", FOAF),
                              ("rdfs", RDFS)):
        rdf.bind(prefix, namespace)
    for entity in graph.sorted_entities():
        _add_entity(rdf, entity)
    for relation in graph.sorted_relations():
        _add_relation(rdf, relation)
    for doc_id in sorted(graph.documents):
        document = graph.documents[doc_id]
        node = document_uri(doc_id)
        rdf.add((node, RDF.type, FOAF.Document))
        rdf.add((node, DCTERMS.identifier, Literal(doc_id)))
        if document.title:
            rdf.add((node, DCTERMS.title, Literal(document.title)))
        rdf.add((node, DCTERMS.format, Literal(document.media_type)))
        if document.sha256:
            rdf.add((node, AG.sha256, Literal(document.sha256)))
        if document.extractor:
            rdf.add((node, AG.extractor, Literal(document.extractor)))
    return rdf


def write_rdf(graph: Graph, folder: Path) -> RDFGraph:
    """Write ``graph.ttl`` and ``graph.jsonld`` into ``folder``; returns the rdflib graph."""
    rdf = to_rdf(graph)
    rdf.serialize(destination=str(Path(folder) / "graph.ttl"), format="turtle", encoding="utf-8")
    rdf.serialize(destination=str(Path(folder) / "graph.jsonld"), format="json-ld", encoding="utf-8",
                  auto_compact=True)
    return rdf


# -- N-Triples without rdflib: the same triples as to_rdf, fast enough for millions ---------

_RDF_NS = str(RDF)
_XSD_NS = str(XSD)


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def _time(value: str) -> str:
    return _lit(value, _XSD_NS + {4: "gYear", 7: "gYearMonth"}.get(len(value), "date"))


LINKS_GRAPH = "https://actorgraph.org/graph/links"


def link_nquads(graph: Graph) -> Iterator[str]:
    """The traversal index of the SPARQL store, in N-Quads: ``ag:linked`` both ways for every
    related pair, in the named graph ``LINKS_GRAPH`` (queries on the default graph do not see
    it). Shortest paths over one predicate are joins a store can do fast; over the 30 forward
    and inverse relation predicates they took 24 s at a million relations."""
    linked, graph_iri = _iri(str(AG.linked)), _iri(LINKS_GRAPH)
    pairs = {(relation.source, relation.target) for relation in graph.relations.values()}
    pairs |= {(target, source) for source, target in pairs}
    for source, target in sorted(pairs):
        yield f"{_iri(str(entity_uri(source)))} {linked} {_iri(str(entity_uri(target)))} {graph_iri} .\n"


def ntriples(graph: Graph) -> Iterator[str]:
    """The lines of ``to_rdf(graph)`` in N-Triples, written directly (a test checks they are
    the same triples)."""
    rdf_type = _iri(_RDF_NS + "type")
    for entity in graph.sorted_entities():
        node = _iri(str(entity_uri(entity.id)))
        yield f"{node} {rdf_type} {_iri(str(AG[entity.type.value]))} .\n"
        for cls in STANDARD_CLASSES[entity.type]:
            yield f"{node} {rdf_type} {_iri(str(cls))} .\n"
        yield f"{node} {_iri(str(AG.id))} {_lit(entity.id)} .\n"
        yield f"{node} {_iri(str(SKOS.prefLabel))} {_lit(entity.name, lang='de')} .\n"
        yield f"{node} {_iri(str(AG.name))} {_lit(entity.name)} .\n"
        for alias in sorted(entity.aliases):
            yield f"{node} {_iri(str(SKOS.altLabel))} {_lit(alias)} .\n"
        for key, value in sorted(entity.attributes.items()):
            yield f"{node} {_iri(str(AG[key]))} {_lit(value)} .\n"
    for relation in graph.sorted_relations():
        source, target = _iri(str(entity_uri(relation.source))), _iri(str(entity_uri(relation.target)))
        predicate = _iri(str(AG[relation.type.value]))
        yield f"{source} {predicate} {target} .\n"
        if relation.type in STANDARD_PROPERTIES:
            yield f"{source} {_iri(str(STANDARD_PROPERTIES[relation.type]))} {target} .\n"
        node = _iri(str(relation_uri(relation)))
        yield f"{node} {rdf_type} {_iri(_RDF_NS + 'Statement')} .\n"
        yield f"{node} {rdf_type} {_iri(str(AG.Relation))} .\n"
        yield f"{node} {_iri(_RDF_NS + 'subject')} {source} .\n"
        yield f"{node} {_iri(_RDF_NS + 'predicate')} {predicate} .\n"
        yield f"{node} {_iri(_RDF_NS + 'object')} {target} .\n"
        yield f"{node} {_iri(str(AG.relationType))} {_lit(relation.type.value)} .\n"
        if relation.context:
            yield f"{node} {_iri(str(AG.context))} {_lit(relation.context)} .\n"
        if relation.since:
            yield f"{node} {_iri(str(AG.since))} {_time(relation.since)} .\n"
        if relation.date:
            yield f"{node} {_iri(str(AG.date))} {_time(relation.date)} .\n"
        for position, evidence in enumerate(relation.evidence):
            digest = hashlib.sha1(f"{relation.key}|{evidence.doc}|{evidence.start}|{evidence.end}".encode()).hexdigest()[:16]
            ev = _iri(str(ID[f"evidence/{digest}"]))
            yield f"{node} {_iri(str(AG.evidence))} {ev} .\n"
            if position == 0:
                yield f"{node} {_iri(str(AG.firstEvidence))} {ev} .\n"
            yield f"{ev} {rdf_type} {_iri(str(AG.Evidence))} .\n"
            yield f"{ev} {rdf_type} {_iri(str(PROV.Entity))} .\n"
            yield f"{ev} {_iri(str(PROV.wasDerivedFrom))} {_iri(str(document_uri(evidence.doc)))} .\n"
            yield f"{ev} {_iri(str(AG.sentence))} {_lit(evidence.sentence)} .\n"
            yield f"{ev} {_iri(str(AG.start))} {_lit(str(evidence.start), _XSD_NS + 'integer')} .\n"
            yield f"{ev} {_iri(str(AG.end))} {_lit(str(evidence.end), _XSD_NS + 'integer')} .\n"
            if evidence.context:
                yield f"{ev} {_iri(str(AG.context))} {_lit(evidence.context)} .\n"
            if evidence.extractor:
                yield f"{ev} {_iri(str(AG.extractor))} {_lit(evidence.extractor)} .\n"
    for doc_id in sorted(graph.documents):
        document = graph.documents[doc_id]
        node = _iri(str(document_uri(doc_id)))
        yield f"{node} {rdf_type} {_iri(str(FOAF.Document))} .\n"
        yield f"{node} {_iri(str(DCTERMS.identifier))} {_lit(doc_id)} .\n"
        if document.title:
            yield f"{node} {_iri(str(DCTERMS.title))} {_lit(document.title)} .\n"
        yield f"{node} {_iri(str(DCTERMS.format))} {_lit(document.media_type)} .\n"
        if document.sha256:
            yield f"{node} {_iri(str(AG.sha256))} {_lit(document.sha256)} .\n"
        if document.extractor:
            yield f"{node} {_iri(str(AG.extractor))} {_lit(document.extractor)} .\n"
