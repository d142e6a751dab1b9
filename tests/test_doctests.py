"""Every docstring example in the package runs and shows what it says (the examples are tests)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import casecoder

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(casecoder.__path__, "casecoder.")
    if not info.name.endswith("__main__")
)


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_examples_run(name: str, monkeypatch) -> None:
    # Examples name the shipped files (codebook.yaml, data/...) as a reader would from the
    # project folder; those that write, write under tempfile.mkdtemp().
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples of {name} failed (see the output above)"


def test_doctests_some_examples_are_run() -> None:
    # a guard against the test above passing on modules with no example at all
    finder = doctest.DocTestFinder()
    runnable = sum(len([e for e in t.examples if not e.options.get(doctest.SKIP)])
                   for name in MODULES for t in finder.find(importlib.import_module(name)))
    assert runnable >= 30
