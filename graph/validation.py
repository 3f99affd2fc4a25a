"""SHACL validation of the RDF graph against ``graph/shapes.ttl`` (pyshacl)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import rdflib


@lru_cache(maxsize=1)
def shapes() -> rdflib.Graph:
    text = resources.files("actorgraph.graph").joinpath("shapes.ttl").read_text("utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


def validate_graph(data: rdflib.Graph) -> tuple[bool, str]:
    """``(conforms, report)``: the report is pyshacl's readable text."""
    from pyshacl import validate

    conforms, _, report = validate(data, shacl_graph=shapes(), inference="none", advanced=True)
    return bool(conforms), str(report)


def validate_turtle(path: Path) -> tuple[bool, str]:
    return validate_graph(rdflib.Graph().parse(Path(path), format="turtle"))
