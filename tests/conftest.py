"""Shared fixtures: the bundled corpus and a graph built from it once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import CORPUS, run_cli


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The corpus built once through the command line, as a user would."""
    out = tmp_path_factory.mktemp("build") / "build"
    run_cli("build", "--input", str(CORPUS), "--out", str(out), check=True)
    return out


@pytest.fixture(scope="session")
def graph_data(built) -> dict:
    return json.loads((built / "graph.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def graph(built):
    from actorgraph.graph.jsonio import read_json

    return read_json(built / "graph.json")
