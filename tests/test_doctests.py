"""The docstring examples of every module are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest



SUBPACKAGES = ("graph", "ingest", "queries", "api")


def _modules() -> list[str]:
    names = []
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"actorgraph.{sub}")
        names += [info.name for info in pkgutil.walk_packages(package.__path__, f"actorgraph.{sub}.")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_examples_exist():
    total = sum(doctest.testmod(importlib.import_module(n)).attempted for n in _modules())
    assert total >= 15
