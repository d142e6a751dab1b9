"""The comparison's traps, each pinned: one .qdpx with two users is two analysts; a codings table
can say "reviewed, coded nothing"; coded_units and prevalence on one base; the reason for a code
applied only where one analyst looked; no interval where the data cannot hold one; Fleiss and
Brennan-Prediger per code against irrCAC."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder import agreement as ag
from casecoder.cli import main

from agreement_data import coding_table, documents  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = str(ROOT / "codebook.yaml")
nan = math.nan


def test_traps_cli_compare_one_project_with_two_users(documents, tmp_path, capsys):  # noqa: F811
    from casecoder.codebook import load_codebook
    from casecoder.refi import export_qdpx

    zoe = coding_table(documents, "zoe", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                          ("beta_doc", "We moved with pace.", "move_with_pace")])
    sam = coding_table(documents, "sam", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                          ("gamma_doc", "We moved with pace.", "move_with_pace")])
    project = tmp_path / "team.qdpx"
    export_qdpx(project, documents, pd.concat([zoe, sam]), load_codebook(CODEBOOK))
    transcripts = str(Path(documents[0].path).parent)
    code = main(["compare", str(project), "--transcripts", transcripts, "--codebook", CODEBOOK,
                 "--replicates", "0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "analysts: sam, zoe" in captured.out
    # one user only is still one analyst: E601 after reading
    solo = tmp_path / "solo.qdpx"
    export_qdpx(solo, documents, zoe, load_codebook(CODEBOOK))
    assert main(["compare", str(solo), "--transcripts", transcripts, "--codebook", CODEBOOK, "--out", str(tmp_path / "o")]) == 2
    assert "[E601]" in capsys.readouterr().err


def test_traps_reviewed_all_makes_coded_nothing_differ_from_not_reviewed(documents, tmp_path, capsys):  # noqa: F811
    # analyst b coded nothing in gamma_doc; without --reviewed, gamma_doc is "not reviewed" for b
    a = coding_table(documents, "a", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                      ("gamma_doc", "We built partnerships with the NHS.", "partnerships")])
    b = coding_table(documents, "b", [("alpha_doc", "We built partnerships with the NHS.", "partnerships")])
    files = []
    for name, table in (("a", a), ("b", b)):
        files.append(str(tmp_path / f"{name}.csv"))
        table.to_csv(files[-1], index=False)
    transcripts = str(Path(documents[0].path).parent)
    common = ["--transcripts", transcripts, "--codebook", CODEBOOK, "--codes", "partnerships", "--replicates", "0"]
    assert main(["compare", *files, *common, "--out", str(tmp_path / "named")]) == 0
    assert main(["compare", *files, *common, "--reviewed", "all", "--out", str(tmp_path / "all")]) == 0
    named = pd.read_csv(tmp_path / "named" / "agreement.csv").set_index("code")
    every = pd.read_csv(tmp_path / "all" / "agreement.csv").set_index("code")
    assert named.at["partnerships", "disagreements"] == 0  # gamma_doc left out: b "did not review" it
    assert every.at["partnerships", "disagreements"] == 1  # b reviewed it and coded nothing
    assert every.at["partnerships", "units"] > named.at["partnerships", "units"]
    assert main(["compare", *files, *common, "--reviewed", "alpha_doc,nowhere", "--out", str(tmp_path / "x")]) == 2
    assert "nowhere" in capsys.readouterr().err


def _three_with_missing():
    # units 0-3 reviewed by all three; unit 4 only by analyst 0, who coded it
    v = np.array([
        [[1], [1], [0]],
        [[0], [0], [0]],
        [[1], [1], [1]],
        [[0], [1], [0]],
        [[1], [nan], [nan]],
        [[nan], [0], [0]],
    ], dtype=float)
    return v


def test_traps_coded_units_and_prevalence_on_one_base():
    stats = ag.agreement_statistics(_three_with_missing(), codes=["x"], analysts=["p", "q", "r"])
    row = stats.iloc[0]
    assert row["units"] == 5  # units reviewed by two or more
    assert row["coded_units"] == 3  # of those, coded by someone (unit 4 is not pairable)
    assert row["prevalence_units"] == 4  # units every analyst reviewed
    assert [row["prevalence:p"], row["prevalence:q"], row["prevalence:r"]] == [0.5, 0.75, 0.25]


def test_traps_reason_names_codings_on_units_only_one_analyst_saw():
    v = np.array([[[0], [0]], [[0], [0]], [[1], [nan]], [[1], [nan]]], dtype=float)
    row = ag.agreement_statistics(v, codes=["x"]).iloc[0]
    assert math.isnan(row["alpha"])
    assert "2 coding(s) on units only one analyst reviewed" in row["reason"]
    plain = ag.agreement_statistics(np.zeros((3, 2, 1)), codes=["x"]).iloc[0]
    assert plain["reason"] == "no analyst applied the code"


def _compare_arrays(values, docs):
    """compare()'s interval step on a bare array (the Ratings a compare would build)."""
    n = len(values)
    units = pd.DataFrame({"unit": np.arange(n), "document": [f"d{d}" for d in docs], "case": "c", "section": "",
                          "turn": 0, "speaker": "", "start": np.arange(n) * 10, "end": np.arange(n) * 10 + 9,
                          "text": "", "documents": [f"d{d}" for d in docs]})
    ratings = ag.Ratings(values, units, ("a", "b"), ("x",), "sentence")
    stats = ag.agreement_statistics(values, codes=["x"], analysts=["a", "b"])
    from casecoder.agreement.comparison import _with_intervals

    settings_: dict = {}
    return _with_intervals(stats, ratings, "auto", 400, 0, 0.95, settings_), settings_


@pytest.mark.parametrize("documents_, expect_interval", [(3, False), (5, False), (9, False), (12, True)])
def test_traps_no_interval_from_too_few_documents(documents_, expect_interval):
    rng = np.random.default_rng(documents_)
    n = 40 * documents_
    truth = rng.random(n) < 0.3
    values = np.stack([truth ^ (rng.random(n) < 0.1), truth ^ (rng.random(n) < 0.1)], axis=1)[:, :, None].astype(float)
    stats, notes = _compare_arrays(values, np.repeat(np.arange(documents_), 40))
    row = stats.iloc[0]
    assert np.isfinite(row["alpha_low"]) == expect_interval
    assert (row["interval"] == "") == expect_interval
    if not expect_interval:
        assert "too few documents" in row["interval"] and f"only {documents_} document" in notes["warning"]


def test_traps_single_disagreeing_unit_gives_no_zero_width_interval():
    # the case: one unit coded, by one analyst; alpha 0, and a percentile bootstrap
    # would give [0, 0] with no warning
    values = np.zeros((200, 2, 1))
    values[7, 0, 0] = 1.0
    stats, _ = _compare_arrays(values, np.repeat(np.arange(20), 10))
    row = stats.iloc[0]
    assert row["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(row["alpha_low"]) and math.isnan(row["alpha_high"])
    assert "only 1 unit(s) with a disagreement" in row["interval"]
    boot = ag.bootstrap_alpha(values, replicates=300, method="percentile")
    assert boot["alpha_high"].iloc[0] - boot["alpha_low"].iloc[0] < 0.02  # what it replaces


irr_raw = pytest.importorskip("irrCAC.raw")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 5), st.integers(8, 40))
def test_traps_per_code_fleiss_and_brennan_prediger_equal_irrcac(seed, m, n):
    rng = np.random.default_rng(seed)
    v = (rng.random((n, m)) < rng.uniform(0.1, 0.6)).astype(float)
    v[rng.random((n, m)) < 0.15] = nan
    v[0, :2] = [0.0, 1.0]  # variation on a unit rated twice
    v[1, :2] = [0.0, 0.0]
    row = ag.agreement_statistics(v[:, :, None], codes=["x"]).iloc[0]
    cac = irr_raw.CAC(pd.DataFrame(v), categories=[0.0, 1.0], digits=15)
    assert row["fleiss_kappa"] == pytest.approx(cac.fleiss()["est"]["coefficient_value"], abs=1e-9)
    assert row["brennan_prediger"] == pytest.approx(cac.bp()["est"]["coefficient_value"], abs=1e-9)
