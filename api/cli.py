"""The ``actorgraph`` command: a thin layer over the library (see ../shared/CONTRACT.md).

Errors a user can cause (a missing folder, a missing build) end with one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .. import __version__

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
) -> None:
    """Read every document under the inputs and write graph.json, graph.ttl and the stores."""
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
                        str(judgements) if judgements else None)

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
                                  progress=lambda name: progress.advance(task))
        except GazetteerError as exc:
            fail(str(exc))
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
    for name, count in counts["entities_by_type"].items():
        table.add_row(f"entities: {name}", str(count))
    for name, count in counts["relations_by_type"].items():
        table.add_row(f"relations: {name}", str(count))
    table.add_row("entities", str(counts["entities"]), style="bold")
    table.add_row("relations", str(counts["relations"]), style="bold")
    out.print(table)


@app.command()
def serve(
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="The build folder to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
) -> None:
    """Serve the HTTP API over a built graph."""
    import uvicorn

    from .app import create_app

    if not (out_dir / "graph.json").is_file():
        fail(f"no graph in {out_dir}/: run `actorgraph build` first")
    uvicorn.run(create_app(out_dir), host=host, port=port, log_level="info")


def main() -> None:
    """Entry point of the ``actorgraph`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
