"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def executed(request):
    """The notebook at the test module's ``NOTEBOOK`` path, executed end to end with nbclient.

    Skips the module's tests when nbformat or nbclient is not installed. Cells run with the
    notebook's own folder as working directory, as they do when a person opens it.
    """
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = request.module.NOTEBOOK
    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails
    return nb
