"""The notebooks run to the end against a freshly built graph (nbclient, a real kernel)."""

from __future__ import annotations

import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there_and_stored_without_outputs():
    assert [n.name for n in NOTEBOOKS] == ["01-explore.ipynb", "02-crisis-coordination.ipynb",
                                           "03-cypher-and-sparql.ipynb", "04-network-analysis.ipynb"]
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") and not cell.get("execution_count")
                   for cell in book.cells if cell.cell_type == "code"), path.name


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    """An empty place for the graph: 01-explore builds it, the others read it."""
    return tmp_path_factory.mktemp("notebook-build") / "build"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_to_the_end(path, fresh_build, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTORGRAPH_OUT", str(fresh_build))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    workdir = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", workdir)
    os.symlink(ROOT / "data", tmp_path / "data")  # the notebooks find data/ beside notebooks/
    NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert (fresh_build / "graph.json").exists()
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs), "the notebook showed nothing"
