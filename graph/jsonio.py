"""``graph.json``: the JSON dump of ONTOLOGY.md, and its schema (``graph.schema.json``).

The dump is deterministic (sorted nodes, edges and evidence; no timestamps), so two builds of
the same corpus give byte-identical files and a diff shows what a change did.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .model import Graph


class GraphJsonError(ValueError):
    """A graph.json that does not follow the schema; the message says where."""


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.files("actorgraph.graph").joinpath("graph.schema.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _compiled() -> Any:
    """The schema compiled to Python code by fastjsonschema: 7 times faster than jsonschema on
    a valid graph, which is every graph a build writes."""
    import fastjsonschema

    return fastjsonschema.compile(schema())


def validate(data: dict[str, Any]) -> None:
    """Raise :class:`GraphJsonError` naming the first place where ``data`` breaks the schema,
    or an edge names a node that is not there. The compiled check says whether; jsonschema,
    only then, says where (its best match is the clearer message)."""
    import fastjsonschema

    try:
        _compiled()(data)
    except fastjsonschema.JsonSchemaException:
        import jsonschema  # half a second to import: only for a graph that fails

        validator = jsonschema.Draft202012Validator(schema())
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
            raise GraphJsonError(f"graph.json at {where}: {error.message}") from None
    ids = {node["id"] for node in data["nodes"]}
    for index, edge in enumerate(data["edges"]):
        for end in ("source", "target"):
            if edge[end] not in ids:
                raise GraphJsonError(f"graph.json at edges/{index}/{end}: unknown node {edge[end]!r}")


def dumps(graph: Graph) -> str:
    return json.dumps(graph.to_json(), ensure_ascii=False, indent=1) + "\n"


def write_json(graph: Graph, path: Path) -> None:
    Path(path).write_text(dumps(graph), encoding="utf-8")


def read_json(path: Path, check: bool = True) -> Graph:
    """The graph in a graph.json file, checked against the schema unless ``check`` is false:
    a build's own graph.json was checked when it was written (``outputs.write_outputs``), and
    checking it again took 12 s of the server's start at 10,000 documents."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if check:
        validate(data)
    return Graph.from_json(data)
