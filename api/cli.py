"""The ``actorgraph`` command: a thin layer over the library (see ../shared/CONTRACT.md).

Errors a user can cause (a missing folder, a missing build) end with one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .. import __version__

if TYPE_CHECKING:
    from ..graph.lookup import ActorLookupError
    from ..queries.catalog import Engines

app = typer.Typer(help="Build and query a knowledge graph of international actors from authorities' documents.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True)
out = Console()

DEFAULT_INPUT = Path("data/corpus")
DEFAULT_OUT = Path("build")
DEFAULT_JUDGEMENTS = Path("data/judgements.tsv")


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit non-zero."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"actorgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """actorgraph: who coordinates with whom, with the sentence that says so."""


@app.command()
def build(
    input: Optional[list[Path]] = typer.Option(None, "--input", "-i",
                                               help="Folder or file to read (repeatable). Default: data/corpus/."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Where the graph files and stores go."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Processes that extract documents in parallel."),
    gazetteer: Optional[list[Path]] = typer.Option(None, "--gazetteer",
                                                   help="Extra gazetteer TSV file (repeatable)."),
    judgements: Optional[Path] = typer.Option(None, "--judgements",
                                              help="same-as / not-same-as file. Default: data/judgements.tsv if present."),
    extractor: Optional[list[str]] = typer.Option(None, "--extractor",
                                                  help="Extra extractor as module:Class (repeatable)."),
    no_model: bool = typer.Option(False, "--no-model", help="Rules only: do not run the trained entity recogniser."),
    relation_model: bool = typer.Option(False, "--relation-model",
                                        help="Also run the learned relation classifier (off by default: see its model card)."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Extract every document again instead of reusing OUT/cache/ (which is refilled)."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Extract on the workers of this dask.distributed scheduler (tcp://host:8786)."),
) -> None:
    """Read every document under the inputs and write graph.json, graph.ttl and the stores.

    A rebuild into the same OUT extracts only new or changed documents (the fragment cache in
    OUT/cache/) and drops the documents of removed files."""
    from ..ingest.distributed import DaskUnavailable
    from ..ingest.gazetteer import GazetteerError
    from ..ingest.judgements import JudgementError, load_judgements
    from ..ingest.pipeline import Settings, build as build_folder, load_extractor
    from ..graph.outputs import summary

    if judgements is None and DEFAULT_JUDGEMENTS.is_file():
        judgements = DEFAULT_JUDGEMENTS
    if judgements is not None:
        if not judgements.is_file():
            fail(f"judgements file {judgements} does not exist")
        try:
            load_judgements(judgements)
        except JudgementError as exc:
            fail(str(exc))
    for spec in extractor or []:
        try:
            load_extractor(spec)
        except ValueError as exc:
            fail(str(exc))
    settings = Settings(tuple(str(p) for p in gazetteer or []), tuple(extractor or []),
                        str(judgements) if judgements else None, use_model=not no_model,
                        use_relation_model=relation_model)

    inputs = input or [DEFAULT_INPUT]
    for path in inputs:
        if not path.exists():
            fail(f"input {path} does not exist")
    for path in gazetteer or []:
        if not path.is_file():
            fail(f"gazetteer file {path} does not exist")
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True,
                        disable=not err.is_terminal)
    with progress:
        task = progress.add_task("reading documents", total=None)
        try:
            result = build_folder(inputs, out_dir, workers=workers, settings=settings,
                                  on_total=lambda n: progress.update(task, total=n),
                                  progress=lambda name: progress.advance(task),
                                  use_cache=not no_cache, dask=dask)
        except (GazetteerError, DaskUnavailable) as exc:
            fail(str(exc))
    again = f", {result.extracted_again} extracted again knowing acronyms other documents define" \
        if result.extracted_again else ""
    where = f" on the Dask cluster at {dask}" if dask else ""
    delta = "; the previous build's stores changed by the delta" if result.by_delta else ""
    err.print(f"{result.cached + result.extracted} files: {result.cached} from the cache, "
              f"{result.extracted} extracted{where}{again}{delta}", highlight=False, soft_wrap=True)
    for item in result.skipped:
        err.print(f"[yellow]skipped[/] {item.path}: {item.reason}", highlight=False, soft_wrap=True)
    if not result.documents:
        fail(f"nothing could be built: no readable document under {', '.join(map(str, inputs))}")
    counts = summary(result.graph)
    table = Table(title=f"actorgraph build → {out_dir}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents read", str(result.documents))
    table.add_row("documents skipped", str(len(result.skipped)))
    other_languages = result.not_german
    table.add_row("not German", str(len(other_languages)))
    for name, count in counts["entities_by_type"].items():
        table.add_row(f"entities: {name}", str(count))
    for name, count in counts["relations_by_type"].items():
        table.add_row(f"relations: {name}", str(count))
    table.add_row("entities", str(counts["entities"]), style="bold")
    table.add_row("relations", str(counts["relations"]), style="bold")
    out.print(table)
    for item in other_languages:
        out.print(f"not German ({item['language']}): {item['document']}", highlight=False, soft_wrap=True)


class OutputFormat(str, Enum):
    json = "json"
    csv = "csv"
    table = "table"


def print_rows(columns: list[str], rows: list[dict[str, Any]], output: OutputFormat) -> None:
    """Rows to stdout: a JSON list of objects, CSV with a header (as the API's, api/tabular.py),
    or a table for people."""
    from .tabular import cell, write_csv

    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1, default=str) + "\n")
    elif output is OutputFormat.csv:
        write_csv(sys.stdout, columns, rows)
    else:
        table = Table(show_header=True, show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold", no_wrap=False)
        for row in rows:
            table.add_row(*(cell(row.get(c)) for c in columns), style=None)
        out.print(table)
        err.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def fail_lookup(exc: "ActorLookupError") -> None:
    """An actor that names none or several: the message and, one a line, the closest names or
    every candidate (with type and jurisdiction), then a non-zero exit."""
    from ..graph.lookup import AmbiguousActor

    err.print(f"[bold red]error:[/] {exc.headline}" + (":" if exc.actors else ""), highlight=False, soft_wrap=True)
    for line in exc.lines():
        err.print(line, highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(2 if isinstance(exc, AmbiguousActor) else 1)


def parse_params(values: Optional[list[str]]) -> dict[str, str]:
    params = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"parameter {item!r} is not NAME=VALUE")
        params[name.strip()] = value
    return params


def _query_text(query: str) -> str:
    """A query given inline, as a file path, or as '-' for standard input."""
    if query == "-":
        return sys.stdin.read()
    path = Path(query)
    if len(query) < 4096 and "\n" not in query and path.suffix in (".rq", ".sparql", ".cypher", ".cql") and path.is_file():
        return path.read_text(encoding="utf-8")
    return query


def _with_examples(text: str, given: dict[str, str]) -> dict[str, Any]:
    """The parameters given with -p, and for the others the examples the query's own
    ``param NAME = VALUE`` lines name (so the files in queries/ run as they are)."""
    from ..queries.catalog import example_parameters

    return {**example_parameters(text), **given}


@app.command()
def sparql(
    query: str = typer.Argument(..., help="SPARQL query text, a .rq file, or - for standard input."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p",
                                              help="Parameter NAME=VALUE: binds ?param_NAME if the query uses it, "
                                                   "else ?NAME (repeatable)."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="json, csv or table."),
) -> None:
    """Run a SPARQL query on the Oxigraph store (read-only). A file with several forms
    (``#-- if NAME`` / ``#-- else``, ``#-- step``, as in queries/) runs the form its parameters
    choose, or each step until one has rows."""
    from ..graph.sparql_store import SparqlError, open_store, query as run
    from ..queries.catalog import sparql_forms

    text = _query_text(query)
    params = _with_examples(text, parse_params(param))
    bound = {(f"param_{k}" if f"?param_{k}" in text else k): v for k, v in params.items()}
    try:
        store = open_store(out_dir)
        columns, rows = [], []
        for form in sparql_forms(text, params):
            columns, rows = run(store, form, bound)
            if rows:
                break
    except (SparqlError, FileNotFoundError, OSError) as exc:
        fail(f"SPARQL: {exc}")
    print_rows(columns, rows, output)


@app.command()
def cypher(
    query: str = typer.Argument(..., help="Cypher query text, a .cypher file, or - for standard input."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="Query parameter NAME=VALUE ($NAME)."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="json, csv or table."),
) -> None:
    """Run a Cypher query on the embedded LadybugDB store (opened read-only: writes are refused),
    answered as Neo4j does: columns as the RETURN names them, nodes and relationships as objects."""
    from ..graph.cypher_guard import parameters
    from ..graph.cypher_store import CypherError, CypherStore

    text = _query_text(query)
    params = _with_examples(text, parse_params(param))
    missing = sorted(parameters(text) - set(params))
    if missing:
        fail(f"Cypher: the query uses {', '.join('$' + m for m in missing)}: give "
             + " ".join(f"-p {m}=VALUE" for m in missing))
    try:
        store = CypherStore(out_dir)
        columns, rows = store.answer(text, params)
    except (CypherError, FileNotFoundError) as exc:
        fail(f"Cypher: {exc}")
    print_rows(columns, rows, output)


@app.command()
def ask(
    question: Optional[str] = typer.Argument(None, help="A named question (see --list)."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="Question parameter NAME=VALUE."),
    engine: Optional[str] = typer.Option(None, "--engine", "-e", help="sparql or cypher (networkx for analytics)."),
    list_questions: bool = typer.Option(False, "--list", help="List the named questions."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="json, csv or table."),
) -> None:
    """Answer a named question from the catalog in queries/ (same rows on either engine)."""
    from ..graph.lookup import ActorLookupError
    from ..queries.catalog import Engines, QuestionError, ask as answer, load_catalog

    if list_questions or not question:
        rows = [{"name": q.name, "engines": ", ".join(q.engines),
                 "parameters": ", ".join(f"{p.name}{'' if p.required else '?'}" for p in q.parameters),
                 "description": q.description} for q in load_catalog()]
        print_rows(["name", "engines", "parameters", "description"], rows, output)
        return
    if engine is not None and engine not in ("sparql", "cypher", "networkx"):
        fail(f"unknown engine {engine!r} (sparql, cypher or networkx)")
    engines = Engines(out_dir)
    try:
        asked, rows = answer(engines, question, parse_params(param), engine)
    except (QuestionError, FileNotFoundError) as exc:
        fail(str(exc))
    except ActorLookupError as exc:
        fail_lookup(exc)
    except ValueError as exc:  # an engine refused a parameter value
        fail(f"{question}: {exc}")
    finally:
        engines.close()
    print_rows(list(asked.columns), rows, output)


@app.command()
def validate(
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
) -> None:
    """Check graph.ttl against the SHACL shapes of the vocabulary (graph/shapes.ttl)."""
    from ..graph.validation import validate_turtle

    path = out_dir / "graph.ttl"
    if not path.is_file():
        fail(f"no graph.ttl in {out_dir}/: run `actorgraph build` first")
    conforms, report = validate_turtle(path)
    if conforms:
        out.print(f"{path}: conforms to the shapes")
        return
    err.print(report, highlight=False, soft_wrap=True)
    fail(f"{path} does not conform to the shapes")


push_app = typer.Typer(help="Push the built graph to a graph database server.", no_args_is_help=True)
app.add_typer(push_app, name="push")


@push_app.command("neo4j")
def push_neo4j(
    uri: Optional[str] = typer.Option(None, "--uri", envvar="NEO4J_URI", help="bolt:// or neo4j:// address."),
    user: str = typer.Option("neo4j", "--user", envvar="NEO4J_USER"),
    password: str = typer.Option("", "--password", envvar="NEO4J_PASSWORD"),
    database: Optional[str] = typer.Option(None, "--database", envvar="NEO4J_DATABASE"),
    batch_size: int = typer.Option(200, "--batch-size", min=1, help="Rows per UNWIND statement, at most."),
    batch_bytes: int = typer.Option(4000, "--batch-bytes", min=500,
                                    help="Data per statement, about (small for FalkorDB; raise for Neo4j)."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
) -> None:
    """Push graph.json to Neo4j (or any Bolt server): MERGE on ids, so pushing twice changes nothing."""
    from ..graph.jsonio import read_json
    from ..graph.neo4j_store import PushError, push

    if not uri:
        fail("no server address: give --uri or set NEO4J_URI")
    if not (out_dir / "graph.json").is_file():
        fail(f"no graph in {out_dir}/: run `actorgraph build` first")
    graph = read_json(out_dir / "graph.json")
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True,
                        disable=not err.is_terminal)
    with progress:
        task = progress.add_task(f"pushing to {uri}", total=len(graph.entities) + len(graph.relations))
        try:
            result = push(graph, uri, user, password, database, batch_size,
                          progress=lambda n: progress.advance(task, n), batch_bytes=batch_bytes)
        except PushError as exc:
            fail(str(exc))
    out.print(f"pushed {result.nodes} nodes and {result.relationships} relationships to {uri} "
              f"(unique ids by {result.constraints})")


@app.command()
def serve(
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="ACTORGRAPH_API_KEY",
                                          help="Key for POST /documents (header X-API-Key). Without one, no uploads."),
    upload_dir: Optional[Path] = typer.Option(None, "--upload-dir", envvar="ACTORGRAPH_UPLOAD_DIR",
                                              help="Where uploads are kept. Default: data/corpus/uploads/."),
    cors: Optional[list[str]] = typer.Option(None, "--cors", help="An origin allowed by CORS (repeatable)."),
    query_timeout: Optional[float] = typer.Option(None, "--query-timeout", min=0.1,
                                                  help="Seconds a Cypher or SPARQL query may run (default 10)."),
    max_rows: Optional[int] = typer.Option(None, "--max-rows", min=1,
                                           help="Rows a Cypher or SPARQL answer may have (default 10,000)."),
    query_workers: Optional[int] = typer.Option(None, "--query-workers", min=1,
                                                help="Worker processes that run Cypher and SPARQL queries (default 2)."),
    query_memory: Optional[int] = typer.Option(None, "--query-memory", min=64,
                                               help="MiB of memory one query's worker may use (default 768)."),
    sparql_service: Optional[list[str]] = typer.Option(
        None, "--sparql-service", help="An endpoint SPARQL SERVICE may call (repeatable; default: none)."),
) -> None:
    """Serve the HTTP API over a built graph (read-only without the API key)."""
    import uvicorn

    from .app import create_app
    from .settings import ApiSettings

    if not (out_dir / "graph.json").is_file():
        fail(f"no graph in {out_dir}/: run `actorgraph build` first")
    settings = ApiSettings.from_env(api_key=api_key, upload_dir=upload_dir, cors_origins=tuple(cors) if cors else None,
                                    query_timeout_s=query_timeout, max_rows=max_rows, query_workers=query_workers,
                                    query_memory_mb=query_memory,
                                    sparql_services=tuple(sparql_service) if sparql_service else None)
    err.print(f"serving {out_dir}/ on http://{host}:{port}/ (API description: /docs); "
              f"uploads {'need the API key' if settings.api_key else 'are off (no --api-key)'}")
    app = create_app(out_dir, settings, warm=False)

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            app.state.service.warm()  # only now: reading a large graph would hold up the start

    Server(uvicorn.Config(app, host=host, port=port, log_level="info")).run()


@contextmanager
def _viewing(out_dir: Path) -> Iterator["Engines"]:
    """The build's engines for a view or an export; a missing build, a bad view and an actor
    parameter that names no single actor end the command with one line (and the choices)."""
    from ..graph.lookup import ActorLookupError
    from ..queries.catalog import Engines
    from . import views

    if not (out_dir / "graph.json").is_file():
        fail(f"no graph in {out_dir}/: run `actorgraph build` first")
    engines = Engines(out_dir)
    try:
        yield engines
    except views.ViewError as exc:
        fail(str(exc))
    except ActorLookupError as exc:
        fail_lookup(exc)
    finally:
        engines.close()


@app.command()
def viz(
    html_file: Path = typer.Option(..., "--html", help="The page to write."),
    actor: Optional[str] = typer.Option(None, "--actor", "-a", help="An actor's neighbourhood (id, name or alias)."),
    question: Optional[str] = typer.Option(None, "--question", "-q", help="A catalog question's answer."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="NAME=VALUE for the question (repeatable)."),
    depth: int = typer.Option(1, "--depth", min=1, max=2, help="Relations away from the actor: 1 or 2."),
    relation: Optional[list[str]] = typer.Option(None, "--relation", "-r", help="Only this relation type (repeatable)."),
    full: bool = typer.Option(False, "--full", help="The whole graph, drawn with WebGL (sigma.js)."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
) -> None:
    """Write an interactive view as one HTML file that opens offline."""
    from . import views

    if not (actor or question or full):
        fail("say what to show: --actor NAME, --question NAME or --full")
    with _viewing(out_dir) as engines:
        page = views.page_for(engines.graph, engines, actor=actor, question=question,
                              params=parse_params(param), depth=depth, relation_types=relation, full=full)
    views.write_page(page, html_file)
    out.print(f"wrote {html_file} ({len(page):,} bytes)")


class ExportFormat(str, Enum):
    gexf = "gexf"
    graphml = "graphml"


@app.command()
def export(
    file: Path = typer.Option(..., "--output", "-O", help="The file to write."),
    format: ExportFormat = typer.Option(ExportFormat.gexf, "--format", "-f", help="gexf (Gephi) or graphml."),
    actor: Optional[str] = typer.Option(None, "--actor", "-a", help="Only this actor's neighbourhood."),
    question: Optional[str] = typer.Option(None, "--question", "-q", help="Only a catalog question's answer."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="NAME=VALUE for the question (repeatable)."),
    depth: int = typer.Option(1, "--depth", min=1, max=2, help="Relations away from the actor: 1 or 2."),
    relation: Optional[list[str]] = typer.Option(None, "--relation", "-r", help="Only this relation type (repeatable)."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder."),
) -> None:
    """Write the whole graph, or what `viz` would draw, as GEXF or GraphML (as GET /export does)."""
    from ..graph.networkx_view import export_bytes
    from . import views

    with _viewing(out_dir) as engines:
        chosen = views.select(engines.graph, engines, actor=actor, question=question, params=parse_params(param),
                              depth=depth, relation_types=relation)
        body = export_bytes(engines.graph, format.value, chosen.ids, chosen.relations)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(body)
    out.print(f"wrote {file}: {len(chosen.ids):,} nodes, {len(chosen.relations):,} relations ({format.value})")


def main() -> None:
    """Entry point of the ``actorgraph`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
