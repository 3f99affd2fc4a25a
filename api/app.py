"""The HTTP API (FastAPI) over a build folder: REST for actors and questions, the SPARQL 1.1
Protocol, read-only Cypher, interactive views, and document upload with an API key.

Everything a client sends that cannot be answered gets an ``application/problem+json`` 4xx
naming the problem; the stores are open read-only, so no query can change the graph.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Optional

from fastapi import FastAPI, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..graph.cypher_guard import CypherRefused, check_read_only, neo4j_functions, parameters
from ..graph.cypher_store import CypherError
from ..graph.errors import stopped_by_time_limit, without_paths
from ..graph.lookup import ActorIndex, ActorLookupError, AmbiguousActor
from ..graph.model import Entity, Relation
from ..graph.networkx_view import EXPORT_FORMATS, export_bytes
from ..graph.ontology import EntityType
from ..graph.sparql_guard import SparqlRefused, check_services
from ..graph.sparql_store import SparqlError
from ..queries.catalog import QuestionError, get_question, load_catalog
from . import models
from .explorer import install_explorer
from .service import BadUpload, GraphService, TooSlow, remember
from .tabular import CSV_MEDIA, csv_text, wants_csv
from .pages import install_pages
from .settings import ApiSettings
from .query_workers import CypherJob, QueryFailed, QueryPool, QueryStopped, SparqlJob
from .sparql_protocol import run_update
from .uploads import UploadRefused, receive_file

log = logging.getLogger("actorgraph.api")
PROBLEM = models.PROBLEM
AG = "https://actorgraph.org/ns#"
ID = "https://actorgraph.org/id/"


class ApiProblem(Exception):
    """A client error: answered as problem+json with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: str, title: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.title = title or {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                               406: "Not acceptable", 408: "Query timeout", 409: "Ambiguous", 413: "Too large",
                               503: "Try again later",
                               415: "Unsupported media type", 422: "Invalid parameter"}.get(status, "Error")


def problem(status: int, detail: str, title: str) -> JSONResponse:
    body = models.Problem(title=title, status=status, detail=without_paths(detail)).model_dump()
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _actor(entity: Entity, actors: ActorIndex | None = None) -> models.Actor:
    return models.Actor(id=entity.id, type=entity.type.value, name=entity.name, aliases=sorted(entity.aliases),
                        attributes=dict(sorted(entity.attributes.items())),
                        jurisdiction=actors.jurisdiction(entity.id) if actors else None)


ACTOR_COLUMNS = ["id", "type", "name", "aliases", "jurisdiction", "attributes"]


def _actor_detail(graph, entity: Entity, relations: list[Relation], actors: ActorIndex) -> models.ActorDetail:
    return models.ActorDetail(**_actor(entity, actors).model_dump(), relations=[models.ActorRelation(
        direction="out" if r.source == entity.id else "in", type=r.type.value,
        other=_actor(graph.entities[r.target if r.source == entity.id else r.source], actors),
        context=r.context, since=r.since, date=r.date,
        evidence=[models.EvidenceOut(**e.to_json()) for e in r.evidence]) for r in relations])


def _actor_jsonld(entity: Entity, relations: list[Relation]) -> dict[str, Any]:
    """The actor as JSON-LD in the vocabulary of graph.ttl (ag:, skos:), with its relations
    as direct links and as statements with their evidence."""
    node: dict[str, Any] = {
        "@context": {"ag": AG, "skos": "http://www.w3.org/2004/02/skos/core#",
                     "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "@base": ID},
        "@id": ID + entity.id, "@type": f"ag:{entity.type.value}",
        "ag:id": entity.id, "ag:name": entity.name,
        "skos:prefLabel": {"@value": entity.name, "@language": "de"},
    }
    if entity.aliases:
        node["skos:altLabel"] = sorted(entity.aliases)
    statements = []
    for relation in relations:
        if relation.source == entity.id:
            node.setdefault(f"ag:{relation.type.value}", []).append({"@id": ID + relation.target})
        statements.append({
            "@type": ["rdf:Statement", "ag:Relation"], "rdf:subject": {"@id": ID + relation.source},
            "rdf:predicate": {"@id": AG + relation.type.value}, "rdf:object": {"@id": ID + relation.target},
            "ag:relationType": relation.type.value,
            "ag:evidence": [{"@type": "ag:Evidence", "ag:sentence": e.sentence, "ag:document": e.doc,
                             "ag:start": e.start, "ag:end": e.end} for e in relation.evidence],
        })
    node["@reverse"] = {"rdf:subject": [s for s in statements if s["rdf:subject"]["@id"] == node["@id"]],
                        "rdf:object": [s for s in statements if s["rdf:object"]["@id"] == node["@id"]
                                       and s["rdf:subject"]["@id"] != node["@id"]]}
    for statement in statements:  # the actor itself is the subject/object the @reverse points from
        if statement["rdf:subject"]["@id"] == node["@id"]:
            del statement["rdf:subject"]
        elif statement["rdf:object"]["@id"] == node["@id"]:
            del statement["rdf:object"]
    return node


def create_app(out_dir: Path, settings: ApiSettings | None = None, *, warm: bool = True) -> FastAPI:
    """An app serving the graph built into ``out_dir``. ``warm=False`` leaves reading the graph
    to ``app.state.service.warm()`` (or the first request that needs it)."""
    settings = settings or ApiSettings.from_env()
    service = GraphService(Path(out_dir), settings.upload_dir, settings.query_timeout_s,
                           uploads=settings.api_key is not None, warm=warm)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if pool_holder:  # the query workers end with the server
            pool_holder.pop().close()

    app = FastAPI(title="actorgraph", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Who coordinates with whom in a crisis, with the evidence. Read-only "
                              "without an API key; errors are application/problem+json.")
    app.state.service = service
    install_pages(app)  # security headers on every answer, /docs offline, /api as an index
    install_explorer(app, service)  # / the explorer, GET /documents/{name}, /queries
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])
    error_responses: dict[int | str, dict[str, Any]] = {
        status: {"model": models.Problem, "description": title, "content": {PROBLEM: {}}}
        for status, title in ((400, "Bad request"), (404, "Not found"), (422, "Invalid parameter"))}
    # where an actor is looked up: 404 with suggestions, 409 with the candidates of a shared name
    actor_responses: dict[int | str, dict[str, Any]] = {
        **error_responses,
        404: {"model": models.ActorProblem, "description": "no such actor (suggestions) or thing",
              "content": {PROBLEM: {}}},
        409: {"model": models.ActorProblem, "description": "a name several actors share (candidates)",
              "content": {PROBLEM: {}}}}
    csv_answer = {"text/csv": {"schema": {"type": "string"}}}

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.detail, exc.title)

    @app.exception_handler(ActorLookupError)
    async def _actor_lookup(request: Request, exc: ActorLookupError) -> JSONResponse:
        listed = "candidates" if isinstance(exc, AmbiguousActor) else "suggestions"
        body = models.ActorProblem(title="Ambiguous actor" if exc.status == 409 else "Unknown actor",
                                   status=exc.status, detail=without_paths(str(exc)), parameter=exc.text,
                                   **{listed: exc.actors}).model_dump()
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return problem(422, f"{where}: {first.get('msg', 'invalid')}", "Invalid parameter")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem(500, "internal error; the server log has the details", "Internal server error")

    def limit_query(default: int = 50) -> Any:
        return Query(default, ge=1, le=settings.max_limit, description=f"rows per page, at most {settings.max_limit}")

    def check_length(text: str, what: str) -> str:
        if len(text) > settings.max_query_chars:
            raise ApiProblem(413, f"{what} of {len(text):,} characters; the limit is {settings.max_query_chars:,}")
        return text

    # -- health and the graph -------------------------------------------------------------

    pool_holder: list[QueryPool] = []  # started at the first query, so /health and tests stay light

    @app.get("/health", response_model=models.Health, summary="Liveness, store versions and graph size")
    def health() -> models.Health:
        import ladybug
        import pyoxigraph

        return models.Health(status="ok", version=__version__,
                             stores={"oxigraph": pyoxigraph.__version__, "ladybug": ladybug.__version__},
                             query_sandbox=pool_holder[0].confinement() if pool_holder else {},
                             files_pending=service.files_pending(), uploads_ready=service.uploads_ready(),
                             **service.snapshot.summary())

    @app.get("/graph.json", summary="The whole graph as graph.json (ONTOLOGY.md)", response_class=FileResponse)
    def graph_json() -> Response:
        # the snapshot's own build, not the current link: an upload swapping the build meanwhile
        # changes nothing for this answer. Opened once, its length taken from the open file: the
        # background rewrite after an upload replaces the file by a rename, and this answer is the
        # file it opened, whole
        handle = open(service.snapshot.folder / "graph.json", "rb")
        size = os.fstat(handle.fileno()).st_size

        def chunks() -> Iterator[bytes]:
            with handle:
                while block := handle.read(1 << 20):
                    yield block

        return StreamingResponse(chunks(), media_type="application/json", headers={"Content-Length": str(size)})

    # -- actors ------------------------------------------------------------------------------

    @app.get("/actors", response_model=models.ActorPage, responses={**error_responses, 200: {"content": csv_answer}},
             summary="Search actors by name, alias or acronym (case- and accent-insensitive; exact id or name "
                     "first, then names starting with the text, then containing it), filter by type; "
                     "CSV with ?format=csv or Accept: text/csv")
    def actors(q: Optional[str] = Query(None, max_length=500, description="text in the name or an alias"),
               type: Optional[str] = Query(None, description="an entity type of ONTOLOGY.md, e.g. Agency"),
               limit: int = limit_query(), offset: int = Query(0, ge=0, le=10_000_000),
               format: Optional[str] = Query(None, pattern="^(json|csv)$", description="json (default) or csv"),
               accept: Optional[str] = Header(None)) -> Any:
        entity_type = None
        if type:
            try:
                entity_type = EntityType(type)
            except ValueError:
                known = ", ".join(t.value for t in EntityType)
                raise ApiProblem(422, f"unknown type {type!r} (types: {known})") from None
        snapshot = service.snapshot
        found = snapshot.actors.search(q, entity_type)
        page = [_actor(snapshot.graph.entities[i], snapshot.actors) for i in found[offset:offset + limit]]
        if wants_csv(format, accept):
            rows = [{**a.model_dump(), "aliases": "|".join(a.aliases)} for a in page]
            return Response(csv_text(ACTOR_COLUMNS, rows), media_type=CSV_MEDIA,
                            headers={"X-Total-Count": str(len(found))})
        return models.ActorPage(total=len(found), limit=limit, offset=offset, items=page)

    @app.get("/actors/{actor_id:path}", response_model=models.ActorDetail, responses={
        **actor_responses, 200: {"content": {"application/ld+json": {}}}},
        summary="One actor (by id, or by a name or alias only it has) with its relations and their "
                "evidence (JSON-LD with Accept: application/ld+json)")
    async def actor(actor_id: str, accept: Optional[str] = Header(None)) -> Any:
        # in-memory and quick: answered on the event loop, from a page cached per snapshot
        snapshot = service.snapshot
        linked_data = bool(accept and "application/ld+json" in accept)

        def render() -> bytes:
            entity = snapshot.graph.entities[snapshot.actors.resolve(actor_id)]
            relations = snapshot.neighbours.get(entity.id, [])
            if linked_data:
                return json.dumps(_actor_jsonld(entity, relations), ensure_ascii=False).encode()
            return _actor_detail(snapshot.graph, entity, relations, snapshot.actors).model_dump_json().encode()

        page = remember(snapshot.pages, (actor_id, linked_data), render, limit=20_000)
        return Response(page, media_type="application/ld+json" if linked_data else "application/json")

    # -- named questions -----------------------------------------------------------------

    @app.get("/questions", response_model=list[models.QuestionOut], summary="The named questions")
    def questions() -> list[models.QuestionOut]:
        return [models.QuestionOut(name=q.name, description=q.description,
                                   parameters=[models.ParameterOut(**vars(p)) for p in q.parameters],
                                   columns=list(q.columns), engines=list(q.engines)) for q in load_catalog()]

    @app.get("/questions/{name}", response_model=models.QuestionAnswer,
             responses={**actor_responses, 200: {"content": csv_answer}},
             summary="Answer a named question; its parameters are query parameters (?actor=NATO; actors by "
                     "id, name or alias, case- and accent-insensitive); CSV with ?format=csv or Accept: text/csv")
    def question(name: str, request: Request, engine: Optional[str] = Query(None, pattern="^(cypher|sparql|networkx)$"),
                 offset: int = Query(0, ge=0, le=10_000_000),
                 format: Optional[str] = Query(None, pattern="^(json|csv)$", description="json (default) or csv"),
                 accept: Optional[str] = Header(None)) -> Any:
        try:
            asked = get_question(name)
        except QuestionError as exc:
            raise ApiProblem(404, str(exc)) from None
        declared = {p.name for p in asked.parameters}
        limit = settings.max_limit
        params: dict[str, str] = {}
        for key, value in request.query_params.items():
            if key in declared:
                params[key] = check_length(value, f"parameter {key!r}")
            elif key == "limit":
                try:
                    limit = int(value)
                except ValueError:
                    raise ApiProblem(422, f"limit: {value!r} is not a whole number") from None
                if not 1 <= limit <= settings.max_limit:
                    raise ApiProblem(422, f"limit: give 1 to {settings.max_limit}, not {limit}")
            elif key not in ("engine", "offset", "format"):
                allowed = ", ".join(sorted(declared | {"engine", "limit", "offset", "format"}))
                raise ApiProblem(400, f"unknown parameter {key!r} for question {name!r} (parameters: {allowed})")
        engine = engine or asked.engines[0]
        try:
            rows = service.answer(name, params, engine)
        except QuestionError as exc:
            raise ApiProblem(400, str(exc)) from None
        except TooSlow as exc:
            raise ApiProblem(503, str(exc)) from None
        except (CypherError, SparqlError) as exc:
            raise _query_problem(exc) from None
        if wants_csv(format, accept):
            return Response(csv_text(list(asked.columns), rows[offset:offset + limit]), media_type=CSV_MEDIA,
                            headers={"X-Total-Count": str(len(rows))})
        return models.QuestionAnswer(question=name, engine=engine, parameters=params,
                                     columns=list(asked.columns), total=len(rows), limit=limit, offset=offset,
                                     rows=jsonable_encoder(rows[offset:offset + limit]))

    # -- query languages -------------------------------------------------------------------

    def query_pool() -> QueryPool:
        """The worker processes queries from outside run in, started on first use."""
        if not pool_holder:
            pool_holder.append(QueryPool(lambda: service.snapshot.folder, settings.query_limits(),
                                         size=settings.query_workers))
        return pool_holder[0]

    async def in_worker(request: Request, job: CypherJob | SparqlJob) -> Any:
        """The job's answer from a query worker; stopped when the client goes away."""
        gone = threading.Event()
        answer = asyncio.ensure_future(run_in_threadpool(query_pool().run, job, gone.is_set))
        while not answer.done():
            await asyncio.wait({answer}, timeout=0.25)
            if not answer.done() and await request.is_disconnected():
                gone.set()
        try:
            return answer.result()
        except QueryStopped as exc:
            raise ApiProblem(exc.status, exc.detail) from None
        except QueryFailed as exc:
            raise ApiProblem(exc.status, f"{exc.language}: {exc.detail}") from None

    async def _sparql(request: Request, query: Optional[str], update: Optional[str], accept: Optional[str],
                      default_graphs: list[str], named_graphs: list[str]) -> Response:
        if update is not None:
            try:
                run_update(service.engines.sparql, check_length(update, "update"))
            except SparqlError as exc:
                raise ApiProblem(403, str(exc)) from None
        if not query:
            raise ApiProblem(400, "give a SPARQL query: ?query=..., a form field query, "
                                  "or a body of type application/sparql-query")
        check_length(query, "query")
        try:
            check_services(query, settings.sparql_services)
        except SparqlRefused as exc:
            raise ApiProblem(400, f"SPARQL: {exc}") from None
        body, media, truncated = await in_worker(request, SparqlJob(
            str(service.snapshot.folder), query, accept, tuple(default_graphs), tuple(named_graphs)))
        headers = {"X-Truncated": "true" if truncated else "false"}
        return Response(body, media_type=media, headers=headers)

    sparql_doc = {"description": "SPARQL results (JSON, XML, CSV, TSV by Accept) or RDF for CONSTRUCT/DESCRIBE",
                  "content": {"application/sparql-results+json": {}, "application/sparql-results+xml": {},
                              "text/csv": {}, "text/tab-separated-values": {}, "text/turtle": {}}}

    @app.get("/sparql", summary="SPARQL 1.1 Protocol: query by GET", response_class=Response,
             responses={200: sparql_doc, **error_responses})
    async def sparql_get(request: Request, query: Optional[str] = Query(None, description="the SPARQL query"),
                         default_graph_uri: list[str] = Query([], alias="default-graph-uri"),
                         named_graph_uri: list[str] = Query([], alias="named-graph-uri"),
                         accept: Optional[str] = Header(None)) -> Response:
        return await _sparql(request, query, None, accept, default_graph_uri, named_graph_uri)

    @app.post("/sparql", summary="SPARQL 1.1 Protocol: query by POST (form or application/sparql-query); "
                                 "updates are refused", response_class=Response,
              responses={200: sparql_doc, **error_responses},
              openapi_extra={"requestBody": {"content": {
                  "application/sparql-query": {"schema": {"type": "string"}},
                  "application/x-www-form-urlencoded": {"schema": {
                      "type": "object", "properties": {"query": {"type": "string"}}}}}}})
    async def sparql_post(request: Request, accept: Optional[str] = Header(None)) -> Response:
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        params = request.query_params
        defaults, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        if media == "application/sparql-query":
            return await _sparql(request, _text(await request.body(), "query"), None, accept, defaults, named)
        if media == "application/sparql-update":
            return await _sparql(request, None, _text(await request.body(), "update"), accept, defaults, named)
        if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                form = await request.form()
            except Exception as exc:  # malformed form bodies
                raise ApiProblem(400, f"unreadable form: {exc}") from None
            query, update = form.get("query"), form.get("update")
            return await _sparql(request, query if isinstance(query, str) else None,
                                 update if isinstance(update, str) else None,
                           accept, defaults + [str(v) for v in form.getlist("default-graph-uri")],
                           named + [str(v) for v in form.getlist("named-graph-uri")])
        raise ApiProblem(415, f"content type {media or 'none'!r}: send application/sparql-query "
                              "or a form (application/x-www-form-urlencoded)")

    @app.post("/cypher", response_model=models.CypherAnswer, responses={**error_responses, 200: {"content": csv_answer}},
              summary="A read-only Cypher query (reading clauses only), run in a confined worker process "
                      "with a time, memory, row and byte limit; answered as Neo4j does (columns as the RETURN "
                      "names them, nodes {id, labels, properties}, relationships {type, start, end, properties}, "
                      "type() and labels()); CSV with ?format=csv or Accept: text/csv")
    async def cypher(body: models.CypherQuery, request: Request,
                     format: Optional[str] = Query(None, pattern="^(json|csv)$", description="json (default) or csv"),
                     accept: Optional[str] = Header(None)) -> Any:
        check_length(body.query, "query")
        try:
            check_read_only(neo4j_functions(body.query))
        except CypherRefused as exc:
            raise ApiProblem(400, f"Cypher: {exc}") from None
        missing = sorted(parameters(body.query) - set(body.params))
        if missing:
            raise ApiProblem(400, f"Cypher: the query uses {', '.join('$' + m for m in missing)} but params "
                                  f"does not give {'it' if len(missing) == 1 else 'them'}")
        columns, rows, truncated = await in_worker(
            request, CypherJob(str(service.snapshot.folder), body.query, body.params))
        if wants_csv(format, accept):
            return Response(csv_text(columns, rows), media_type=CSV_MEDIA,
                            headers={"X-Truncated": "true" if truncated else "false"})
        return models.CypherAnswer(columns=columns, rows=rows, truncated=truncated)

    # -- views ------------------------------------------------------------------------------

    @app.get("/viz", response_class=HTMLResponse, responses=actor_responses,
             summary="An interactive view: an actor's neighbourhood, a question's answer, or the whole graph")
    def viz(actor: Optional[str] = Query(None, max_length=500), question: Optional[str] = Query(None, max_length=100),
            depth: int = Query(1, ge=1, le=2), relation: list[str] = Query([]),
            full: bool = Query(False, description="the whole graph, drawn with WebGL")) -> HTMLResponse:
        from . import views

        try:
            snapshot = service.snapshot
            page = views.page_for(snapshot.graph, snapshot.engines, actor=actor, question=question, depth=depth,
                                  relation_types=relation or None, full=full, adjacency=snapshot.neighbours)
        except views.ViewError as exc:
            raise ApiProblem(404 if isinstance(exc, views.NothingToShow) else 400, str(exc)) from None
        return HTMLResponse(page)

    export_doc = {"description": "the graph file, as a download",
                  "content": {media: {"schema": {"type": "string"}} for media in EXPORT_FORMATS.values()}}

    @app.get("/export", response_class=Response, responses={200: export_doc, **actor_responses,
                                                             413: {"model": models.Problem, "description": "too large"}},
             summary="The whole graph, or the part /viz would draw (an actor's neighbourhood, a question's answer), "
                     "as GEXF (Gephi) or GraphML, for download")
    def export(request: Request, format: str = Query(..., description="gexf or graphml"),
               actor: Optional[str] = Query(None, max_length=500), question: Optional[str] = Query(None, max_length=100),
               depth: int = Query(1, ge=1, le=2), relation: list[str] = Query([])) -> Response:
        from . import views

        if format not in EXPORT_FORMATS:
            raise ApiProblem(400, f"unknown format {format!r} (formats: {', '.join(EXPORT_FORMATS)})")
        known = {"format", "actor", "question", "depth", "relation"}
        declared: set[str] = set()
        if question:
            try:
                declared = {p.name for p in get_question(question).parameters}
            except QuestionError as exc:
                raise ApiProblem(404, str(exc)) from None
        params = {k: check_length(v, f"parameter {k!r}") for k, v in request.query_params.items() if k in declared}
        unknown = sorted(set(request.query_params) - known - declared)
        if unknown:
            raise ApiProblem(400, f"unknown parameter {unknown[0]!r} (parameters: "
                                  f"{', '.join(sorted(known | declared))})")
        snapshot = service.snapshot
        try:
            chosen = views.select(snapshot.graph, snapshot.engines, actor=actor, question=question, params=params,
                                  depth=depth, relation_types=relation or None, adjacency=snapshot.neighbours)
        except views.ViewError as exc:
            raise ApiProblem(404 if isinstance(exc, views.NothingToShow) else 400, str(exc)) from None
        if len(chosen.ids) > settings.max_export_nodes:
            raise ApiProblem(413, f"{len(chosen.ids):,} nodes are more than an export holds "
                                  f"({settings.max_export_nodes:,}): narrow it (an actor, a question, a relation type)")
        body = export_bytes(snapshot.graph, format, chosen.ids, chosen.relations)
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(filter(None, ["actorgraph", question, actor]))).strip("-")
        return Response(body, media_type=EXPORT_FORMATS[format],
                        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'})

    # -- writing, with a key ---------------------------------------------------------------

    def check_key(x_api_key: Optional[str], authorization: Optional[str]) -> None:
        """The API key of a write, from ``X-API-Key`` or ``Authorization: Bearer``, or 401."""
        given = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ")
                              else None)
        if not settings.api_key or not given or not secrets.compare_digest(given.encode(), settings.api_key.encode()):
            raise ApiProblem(401, "changing documents needs the API key (header X-API-Key)" if settings.api_key
                             else "this server takes no uploads: start it with an API key")

    upload_body = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "the document (txt, html, pdf)"}}}}}}

    @app.post("/documents", response_model=models.DocumentAdded, status_code=201, openapi_extra={"requestBody": upload_body},
              responses={401: {"model": models.Problem, "description": "no or wrong API key"},
                         413: {"model": models.Problem, "description": "larger than the upload limit"},
                         **error_responses},
              summary="Add or replace a document (txt, html, pdf) in the running graph; needs the API key")
    async def documents(request: Request, x_api_key: Optional[str] = Header(None),
                        authorization: Optional[str] = Header(None)) -> models.DocumentAdded:
        check_key(x_api_key, authorization)  # first: a stranger's upload costs no more than its headers
        if service.upload_dir is None:
            raise ApiProblem(400, "this server takes no uploads (no upload folder configured)")
        try:
            received = await receive_file(request.headers.get("content-type"), request.headers.get("content-length"),
                                          request.stream(), service.upload_dir, settings.max_upload_bytes)
        except UploadRefused as exc:
            raise ApiProblem(exc.status, exc.detail) from None
        try:
            document, added, replaced = await run_in_threadpool(
                service.add_document, received.filename, received.path, settings.upload_timeout_s)
        except BadUpload as exc:
            raise ApiProblem(exc.status, str(exc)) from None
        finally:
            received.path.unlink(missing_ok=True)
        return models.DocumentAdded(
            document=document.id, title=document.title or "", words=document.word_count, replaced=replaced,
            entities_added=[_actor(e, service.snapshot.actors) for e in added.sorted_entities()],
            relations_added=[r.to_json() for r in added.sorted_relations()],
            graph={"entities": len(service.graph.entities), "relations": len(service.graph.relations)})

    @app.delete("/documents/{name:path}", response_model=models.DocumentRemoved,
                responses={**error_responses,
                           401: {"model": models.Problem, "description": "no or wrong API key", "content": {PROBLEM: {}}},
                           404: {"model": models.Problem, "description": "no such document", "content": {PROBLEM: {}}}},
                summary="Remove a document and every relation only it supported; needs the API key")
    async def remove_document(name: str, x_api_key: Optional[str] = Header(None),
                              authorization: Optional[str] = Header(None)) -> models.DocumentRemoved:
        check_key(x_api_key, authorization)
        if len(name) > 1000 or "\x00" in name:
            raise ApiProblem(404, "no such document (name too long or not a document name)")
        try:
            document, change, file_removed = await run_in_threadpool(service.delete_document, name)
        except KeyError:
            raise ApiProblem(404, f"no document named {name[:200]!r} in the served graph") from None
        counts = change.counts() if change is not None else {}
        return models.DocumentRemoved(
            document=document.id, file_removed=file_removed,
            entities_removed=sorted(set(change.old.entities) - set(change.new.entities)) if change else [],
            relations_removed=[list(k) for k in sorted(set(change.old.relations) - set(change.new.relations))]
            if change else [],
            relations_changed=len(set(change.old.relations) & set(change.new.relations)) if change else 0,
            counts=counts,
            graph={"entities": len(service.graph.entities), "relations": len(service.graph.relations)})

    return app


def _text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiProblem(400, f"the {what} is not UTF-8 (byte {exc.start})") from None


def _query_problem(exc: Exception) -> ApiProblem:
    message = str(exc)
    if stopped_by_time_limit(message):
        return ApiProblem(408, f"the query was stopped at the time limit: {message}")
    language = "Cypher" if isinstance(exc, CypherError) else "SPARQL"
    if "read-only" in message.lower():  # the engine refused a write
        return ApiProblem(403, f"{language}: {message}")
    return ApiProblem(400, f"{language}: {message}")
