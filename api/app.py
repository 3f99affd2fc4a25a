"""The HTTP API (FastAPI) over a build folder. Read-only: it serves what ``actorgraph build``
wrote; the full API (SPARQL, Cypher, questions) builds on this app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from pydantic import BaseModel

from .. import __version__
from ..graph.jsonio import read_json
from ..graph.outputs import summary


class Health(BaseModel):
    status: str
    version: str
    documents: int
    entities: int
    relations: int
    entities_by_type: dict[str, int]
    relations_by_type: dict[str, int]


def create_app(out_dir: Path) -> FastAPI:
    """An app serving the graph built into ``out_dir``."""
    out_dir = Path(out_dir)
    graph = read_json(out_dir / "graph.json")
    counts = summary(graph)
    app = FastAPI(title="actorgraph", version=__version__,
                  description="Who coordinates with whom in a crisis, with the evidence.")

    @app.get("/health", response_model=Health, summary="Liveness and graph size")
    def health() -> Health:
        return Health(status="ok", version=__version__, **counts)

    @app.get("/graph.json", summary="The whole graph as graph.json (ONTOLOGY.md)",
             response_class=FileResponse)
    def graph_json() -> FileResponse:
        return FileResponse(out_dir / "graph.json", media_type="application/json")

    return app
