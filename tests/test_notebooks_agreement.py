"""Execute notebooks/agreement.ipynb end to end (nbclient) and check what it shows."""

from __future__ import annotations

from pathlib import Path

# The ``executed`` fixture (tests/conftest.py) runs this notebook once for the module.
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "agreement.ipynb"


def _outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if kind in o.get("data", {})]


def test_notebooks_agreement_runs_and_shows_the_comparison(executed):
    html = "".join(o["data"]["text/html"] for o in _outputs(executed, "text/html"))
    for text in ("pooled", "mean of codes", "alpha_low", "demo-analyst-b"):
        assert text in html, text
    assert len(_outputs(executed, "image/png")) >= 2  # the two heatmaps
    markdown = "".join(o["data"]["text/markdown"] for o in _outputs(executed, "text/markdown"))
    assert "# Disagreements" in markdown and "| document |" in markdown
    last = executed.cells[-1].outputs[0]["data"]["text/plain"]
    assert last.strip() == "0.095"


def test_notebooks_agreement_uses_the_public_api_only(executed):
    source = "\n".join(c.source for c in executed.cells if c.cell_type == "code")
    assert "def " not in source  # a helper function belongs in the package
    assert "casecoder._" not in source and "agreement._" not in source and "import _" not in source
