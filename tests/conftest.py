"""Fixtures shared by several test modules, and the hypothesis profiles."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Shared machines are slow at times: no deadlines and no "too slow" health check anywhere. On CI
# the examples are derandomized, so a submission's result does not depend on the draw; locally
# they stay random, to keep finding new cases (as the REFI round trip's empty selection was).
settings.register_profile("local", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("local"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")


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
