"""Tests of casecoder.agreement.comparison: compare, write_comparison (deterministic), the
heatmap (the command: tests/test_cli_compare.py)."""

from __future__ import annotations

import pandas as pd

from casecoder import agreement as ag
from casecoder import sources

from agreement_data import ANALYST_YAML, DemoCodebook, coding_table, corpus_like, documents  # noqa: F401  (documents is a fixture)


def test_agreement_compare_and_write_are_deterministic(documents, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    demo = sources.read_analyst_coding(path, documents)
    other = ag.AnalystCoding("analyst|pipe", coding_table(documents, "analyst|pipe", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("beta_doc", "We took risks", "considered_risk"),
    ]))
    result = ag.compare([demo, other], documents, codebook=DemoCodebook(), replicates=200, seed=1)
    stats = result.statistics
    assert {"alpha_low", "alpha_high"} <= set(stats.columns)
    assert set(stats["scope"]) == {"code", "pooled", "mean of codes"}
    assert list(stats.loc[stats["scope"] == "code", "code"]) == list(DemoCodebook.ids)
    dis = result.disagreements
    assert set(dis["code"]) == {"considered_risk", "move_with_pace"}
    assert "curly quotes" in " ".join(dis["notes"])
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    ag.write_comparison(result, out1)
    ag.write_comparison(ag.compare([demo, other], documents, codebook=DemoCodebook(), replicates=200, seed=1), out2)
    for name in ("agreement.csv", "pairwise.csv", "disagreements.csv", "disagreements.md", "unmapped.csv", "agreement_heatmap.svg"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    md = (out1 / "disagreements.md").read_text(encoding="utf-8")
    assert "analyst\\|pipe" in md and "## considered_risk" in md


def test_agreement_heatmap_has_a_cell_per_code_and_pair():
    from casecoder.figures import plot_agreement_heatmap

    values, _ = corpus_like(analysts=3, codes=3)
    values[:, :, 2] = 0.0  # an undefined code
    stats = ag.agreement_statistics(values, codes=["a", "b", "c"], analysts=["x", "y", "z"])
    pairs = ag.pairwise_agreement(values, codes=["a", "b", "c"], analysts=["x", "y", "z"])
    fig = plot_agreement_heatmap(stats, pairs)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (4, 4)  # 3 codes + pooled, all analysts + 3 pairs
    assert image.mask[2].all()  # the code with no variation: n/a, not 1.0
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("n/a") == 4


def test_agreement_write_comparison_leaves_the_matplotlib_backend_alone(tmp_path):
    # A notebook's inline backend must survive writing a comparison: the library never
    # chooses a backend. Run apart, so the backend this test sets touches no other test.
    import subprocess
    import sys

    script = f"""
import matplotlib
matplotlib.use("svg")
import numpy as np
from casecoder.agreement import AnalystComparison, Ratings, write_comparison
from casecoder.agreement.statistics import agreement_statistics, pairwise_agreement
from casecoder.agreement.report import disagreements
import pandas as pd
values = np.array([[1, 1], [0, 1], [0, 0], [1, 1]], dtype=float)[:, :, None]
units = pd.DataFrame({{"unit": range(4), "document": "d", "case": "c", "section": "", "turn": 0,
                       "speaker": "", "start": range(4), "end": range(1, 5), "text": "x", "documents": "d"}})
r = Ratings(values, units, ("a", "b"), ("k",))
c = AnalystComparison(r, agreement_statistics(values, codes=["k"], analysts=["a", "b"]),
                      pairwise_agreement(values, codes=["k"], analysts=["a", "b"]), disagreements(r), {{}})
write_comparison(c, {str(tmp_path)!r})
print(matplotlib.get_backend())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "svg"
    assert (tmp_path / "agreement_heatmap.png").exists() and (tmp_path / "agreement_heatmap.svg").exists()


def test_agreement_written_csvs_are_spreadsheet_safe(documents, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    demo = sources.read_analyst_coding(path, documents)
    # An analyst whose name a spreadsheet would run as a formula.
    other = ag.AnalystCoding("=cmd|' /C calc'!A0", coding_table(documents, "=cmd|' /C calc'!A0", [
        ("beta_doc", "We took risks", "considered_risk"),
    ]))
    result = ag.compare([demo, other], documents, codebook=DemoCodebook(), replicates=50, seed=1)
    ag.write_comparison(result, tmp_path / "out")
    for name in ("agreement.csv", "pairwise.csv", "disagreements.csv"):
        raw = pd.read_csv(tmp_path / "out" / name, dtype=str, keep_default_na=False)
        cells = [v for col in raw for v in raw[col]] + list(raw.columns)
        assert not any(v.startswith(("=", "+", "@")) for v in cells), name
    assert "'=cmd" in (tmp_path / "out" / "disagreements.csv").read_text(encoding="utf-8")
