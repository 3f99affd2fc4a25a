"""The shapes of the API's answers (pydantic), so ``/openapi.json`` describes every response.
Nodes and edges keep the keys of ``graph.json`` (ONTOLOGY.md)."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, Field

PROBLEM = "application/problem+json"  # the media type of every error answer (RFC 9457)


class Health(BaseModel):
    status: str
    version: str
    stores: dict[str, str] = Field(description="engine name → version")
    documents: int
    entities: int
    relations: int
    entities_by_type: dict[str, int]
    relations_by_type: dict[str, int]
    query_sandbox: dict[str, bool] = Field(
        default_factory=dict, description="what confines the Cypher and SPARQL workers on this machine "
                                          "(no_network, read_only_files, no_file_writes); empty before the first query")
    files_pending: bool = Field(False, description="true while graph.json and the exports are rewritten after an "
                                                   "upload or delete (they are the previous build's meanwhile)")
    uploads_ready: bool = Field(False, description="true when an extraction worker is prepared for the next upload "
                                                   "(false on a server without uploads, and for a few seconds after start "
                                                   "or a change)")


class EvidenceOut(BaseModel):
    doc: str
    sentence: str
    start: int
    end: int
    context: Optional[str] = None
    since: Optional[str] = None
    date: Optional[str] = None
    extractor: Optional[str] = None
    mentions: Optional[list[list[int]]] = Field(
        None, description="document offsets [[start, end], [start, end]] of the two ends, the edge's source first")
    lead: Optional[list[int]] = Field(None, description="document offsets of the list lead or heading the sentence "
                                                        "belongs to, when an end is named there")


class Actor(BaseModel):
    id: str
    type: str
    name: str
    aliases: list[str]
    attributes: dict[str, str] = {}
    jurisdiction: Optional[str] = Field(None, description="the place the actor belongs to (its jurisdiction "
                                                          "attribute or seat), to tell bodies of one name apart")


class ActorRelation(BaseModel):
    direction: str = Field(description="out: the actor is the source; in: the target")
    type: str
    other: Actor
    context: Optional[str] = None
    since: Optional[str] = None
    date: Optional[str] = None
    evidence: list[EvidenceOut]


class ActorDetail(Actor):
    relations: list[ActorRelation]


class ActorPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Actor]


class ParameterOut(BaseModel):
    name: str
    required: bool
    description: str
    kind: str = Field("text", description="actor: an id, name or alias (case- and accent-insensitive); "
                                          "an unknown one is a 404 with suggestions, a shared name a 409")


class QuestionOut(BaseModel):
    name: str
    description: str
    parameters: list[ParameterOut]
    columns: list[str]
    engines: list[str]


class QuestionAnswer(BaseModel):
    question: str
    engine: str
    parameters: dict[str, str]
    columns: list[str]
    total: int
    limit: int
    offset: int
    rows: list[dict[str, Any]]


class CypherQuery(BaseModel):
    query: str = Field(description="a read-only Cypher query (LadybugDB dialect)")
    params: dict[str, Any] = Field(default_factory=dict, description="query parameters, $name in the query")


class CypherAnswer(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="true when the row cap cut the answer short")


class DocumentAdded(BaseModel):
    document: str
    title: str
    words: int
    replaced: bool = Field(False, description="true when an earlier version under the same name was replaced")
    entities_added: list[Actor]
    relations_added: list[dict[str, Any]]
    graph: dict[str, int] = Field(description="entities and relations in the graph after the upload")


class DocumentRemoved(BaseModel):
    document: str
    file_removed: bool = Field(description="true when the document's file was removed from the upload folder")
    entities_removed: list[str] = Field(description="ids of the entities only this document named")
    relations_removed: list[list[str]] = Field(description="[source, type, target] of the relations only it supported")
    relations_changed: int = Field(description="relations other documents also support, which lost its evidence")
    counts: dict[str, int]
    graph: dict[str, int] = Field(description="entities and relations in the graph after the removal")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class ActorCandidate(BaseModel):
    id: str
    name: str
    type: str
    jurisdiction: Optional[str] = None


class ActorProblem(Problem):
    """An actor parameter naming no single actor: 404 with the closest names as ``suggestions``,
    409 with every actor of that name as ``candidates``."""

    parameter: Optional[str] = Field(None, description="the text that was looked up")
    suggestions: list[ActorCandidate] = Field(default_factory=list)
    candidates: list[ActorCandidate] = Field(default_factory=list)
