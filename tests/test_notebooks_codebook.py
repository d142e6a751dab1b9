"""Execute notebooks/codebook.ipynb end to end (nbclient) and check what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

# The ``executed`` fixture (tests/conftest.py) runs this notebook once for the module.
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "codebook.ipynb"
DEVSET = Path(__file__).parents[2] / "shared" / "devset-real" / "units.csv"

pytestmark = pytest.mark.skipif(not DEVSET.is_file(), reason=f"{DEVSET} is absent: the notebook walks through it")


def _printed(nb, needle):
    cells = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert cells, needle
    return "".join("".join(o.get("text", "")) + o.get("data", {}).get("text/plain", "") for o in cells[0].outputs)


def test_notebooks_codebook_walks_evidence_suggestions_and_diff(executed):
    assert "335 units; 257 codings by analyst A; 17 codes" in _printed(executed, "read_documents(")
    evidence = _printed(executed, 'sorted_rules("harm")')
    assert "unique_tp" in evidence and "phrase:" in evidence
    per_code = _printed(executed, "evidence.codes[")
    assert "coded" in per_code and "misses" in per_code and "predicted" not in per_code  # the page's words
    assert "candidates passed the guards;" in _printed(executed, "cc.suggest_rules(")
    snippet = _printed(executed, "cc.suggestions_yaml(")
    entries = yaml.safe_load(snippet)["codes"]
    assert entries and all("id" in e and ("phrases" in e or "patterns" in e) for e in entries)
    assert "# adds " in snippet and "(added precision " in snippet
    changes = _printed(executed, "codebook_diff(")
    assert "added:" in changes and "gained" in changes and "yes" in changes
    assert "f1_change" in _printed(executed, 'diff.codes["code"]')


def test_notebooks_codebook_uses_the_public_api_only(executed):
    source = "\n".join(c.source for c in executed.cells if c.cell_type == "code")
    assert "def " not in source  # a helper function belongs in the package
    assert "casecoder._" not in source and "import _" not in source
