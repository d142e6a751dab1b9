"""Execute notebooks/findings.ipynb end to end (nbclient) and check what it shows."""

from __future__ import annotations

from pathlib import Path

# The ``executed`` fixture (tests/conftest.py) runs this notebook once for the module.
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "findings.ipynb"


def _outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if kind in o.get("data", {})]


def test_notebooks_findings_runs_and_draws_the_chart(executed):
    assert len(_outputs(executed, "image/png")) >= 2  # the chart and the stacked chart
    text = "".join(o["data"]["text/markdown"] for o in _outputs(executed, "text/markdown"))
    for heading in ("COUNTY COUNCILS", "METROPOLITAN COUNCILS", "DISTRICT COUNCILS", "### Monmouthshire"):
        assert heading in text


def test_notebooks_findings_uses_the_public_api_only(executed):
    source = "\n".join(c.source for c in executed.cells if c.cell_type == "code")
    assert "def " not in source  # a helper function belongs in the package
    assert "casecoder._" not in source and "import _" not in source


def test_notebooks_findings_shows_which_actions_go_together(executed):
    cells = [c for c in executed.cells if c.cell_type == "code" and "cooccurrence(codings" in c.source]
    assert cells, "the notebook has no co-occurrence section"
    printed = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "coded turns;" in printed and "pairs of actions share at least one" in printed
    heatmap = [c for c in executed.cells if c.cell_type == "code" and "plot_cooccurrence_heatmap(co" in c.source]
    assert any("image/png" in o.get("data", {}) for o in heatmap[0].get("outputs", []))
