"""Tests of the Solace reproduction (a mini study, from tests/study_data.py, then the shipped corpus);
the commands are tested in tests/test_cli_reproduce.py, test_cli_matrix.py and test_cli_chart.py."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from casecoder.errors import CasecoderError
from casecoder.studies.solace import CASE_KEY
from casecoder.studies.solace.reproduce import reproduce

from study_data import CODEBOOK, study  # noqa: F401  (the fixture)

REPO = Path(__file__).parents[1]

def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_reproduce_mini_study_meets_targets_with_overrides(study, tmp_path):
    steps: list[str] = []
    result = reproduce(tmp_path / "out", root=study, review=False, progress=steps.append)
    assert result.ok and result.final.targets_met == 2 and result.final.cells_equal == 4
    assert not result.patterns_alone.ok  # without the analyst's addition South lacks pace
    assert [r.count for r in result.patterns_alone.codes] == [1, 2]
    assert result.overrides.loc["pace"].tolist() == [1, 0, 1, 0]
    for name in ("codings.csv", "codings.parquet", "matrix.csv", "matrix.parquet", "framework_matrix.csv",
                 "chart.png", "chart.svg", "appendix_two.md", "appendix_two.html", "appendix_two_audit.md",
                 "REPRODUCTION.md"):
        assert (tmp_path / "out" / name).is_file(), name
    assert len(steps) >= 6  # progress was reported
    matrix = pd.read_parquet(tmp_path / "out" / "matrix.parquet").set_index("case")
    assert matrix.loc["north"].tolist() == [2, 1]  # the interviewer's question is set aside
    report = (tmp_path / "out" / "REPRODUCTION.md").read_text(encoding="utf-8")
    assert "**Verdict: REPRODUCED.**" in report and "- `pace`: 1 → 2" in report
    key = pd.read_csv(tmp_path / "out" / "key_actions.csv", index_col="case")
    assert key.loc["south"].tolist() == [0, 1]  # its pace is in Challenges, not the key-actions section


def test_reproduce_rerun_gives_identical_bytes(study, tmp_path):
    reproduce(tmp_path / "a", root=study, review=False)
    reproduce(tmp_path / "b", root=study, review=False)
    first = _tree(tmp_path / "a")
    assert first == _tree(tmp_path / "b")
    reproduce(tmp_path / "a", root=study, review=False)  # replacing an earlier reproduction
    assert _tree(tmp_path / "a") == first


def test_reproduce_failure_midway_leaves_no_partial_output(study, tmp_path, monkeypatch):
    import casecoder.studies.solace.reproduce as rep

    reproduce(tmp_path / "o", root=study, review=False)
    before = _tree(tmp_path / "o")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(rep, "save_figure", broken)
    with pytest.raises(OSError):
        reproduce(tmp_path / "o", root=study, review=False)
    assert _tree(tmp_path / "o") == before  # the earlier output is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "study"]  # no temporary folder left


def test_reproduce_key_section_setting_must_exist(study, tmp_path):
    text = CODEBOOK.replace("key_actions_section: Actions", "key_actions_section: Greatest impact")
    (study / "codebook.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CasecoderError) as e:
        reproduce(tmp_path / "o", root=study, review=False)
    assert e.value.problems[0].code == "E512" and "Actions; Challenges" in str(e.value)


# --- the shipped study ----------------------------------------------------------------------------


def test_reproduce_shipped_corpus_meets_every_published_figure(tmp_path):
    if not any((REPO / "data" / "overrides").glob("*.yaml")):
        pytest.fail("no shipped overrides in data/overrides/")
    t0 = time.perf_counter()
    result = reproduce(tmp_path / "reproduction", root=REPO)
    seconds = time.perf_counter() - t0
    f = result.final
    missed = [(r.code, r.count, str(r.target), r.missing_named) for r in f.codes if not r.met]
    assert missed == []
    assert f.targets_met == 17
    assert [(d.council, d.code, d.kind) for d in f.cells] == [] and f.cells_equal == 153
    assert [(c.council, c.missing, c.extra) for c in f.councils if not c.equal] == []
    assert result.ok
    assert seconds < 60
    audit = pd.read_csv(tmp_path / "reproduction" / "appendix_two_audit.csv")
    assert (audit["found"] == "section").all()
    assert (tmp_path / "reproduction" / "review").is_dir()
    # the verdict and the transcripts' text are read with the reconstruction notice first
    report = (tmp_path / "reproduction" / "REPRODUCTION.md").read_text(encoding="utf-8").splitlines()
    assert report[2].startswith("> **Notice.** A reconstruction") and "not independent evidence" in report[2]
    index = (tmp_path / "reproduction" / "review" / "index.html").read_text(encoding="utf-8")
    assert index.index('class="notice"') < index.index('class="meta"')
    oldham = (tmp_path / "reproduction" / "review" / "documents" / "oldham.html").read_text(encoding="utf-8")
    assert re.search(r'id="t13"><p class="who">Manager <span class="kind" title="[^"]+">verbatim</span>', oldham)
    assert re.search(r'id="t8"><p class="who">Interviewee <span class="kind" title="[^"]+">paraphrase</span>', oldham)
    shutil.rmtree(tmp_path / "reproduction")


def test_reproduce_gold_coding_meets_every_published_figure():
    """The gold coding, counted like the machine's, must give the report's figures: this separates
    a corpus problem (a statement in the wrong section) from a coder problem."""
    from casecoder.codebook import load_codebook
    from casecoder.evaluate import locate_gold, read_gold
    from casecoder.matrix import code_matrix
    from casecoder.studies.solace.reports import compare_to_targets, key_actions
    from casecoder.studies.solace.targets import load_targets
    from casecoder.transcripts import read_corpus

    cb = load_codebook(REPO / "codebook.yaml")
    docs = {d.id: d for d in read_corpus(REPO / "data" / "interviews", case_key=CASE_KEY)}
    targets = load_targets(REPO / "data" / "reference" / "report_targets.yaml", codes=cb.ids)
    gold = locate_gold(read_gold(REPO / "data" / "gold"), docs, codes=list(cb.ids))
    codings = pd.DataFrame([
        {"document": r.document, "case": r.case, "section": docs[r.document].turns[r.turn].section,
         "turn": r.turn, "start": r.start, "end": r.end, "code": r.code, "source": "manual", "status": "coded"}
        for r in gold.itertuples()
    ])
    section = cb.settings["key_actions_section"]
    cases = list(targets.council_ids)
    cmp = compare_to_targets(code_matrix(codings, cb, cases=cases, value="presence"),
                             key_actions(codings, cb, cases=cases, section=section), targets, cb)
    assert [r.code for r in cmp.codes if not r.met] == []
    assert [(d.council, d.code) for d in cmp.cells] == []
    # A council's key-actions section must hold its Appendix Two actions and no other action.
    assert [(c.council, c.missing, c.extra) for c in cmp.councils if not c.equal] == []


def test_reproduce_audit_and_codings_csv_are_spreadsheet_safe(study, tmp_path):
    # A council name and the sentence behind an Appendix Two item start as formulas would: the CSVs
    # a researcher opens carry the leading apostrophe of casecoder.io.spreadsheet_safe, the
    # Parquet keeps the raw text.
    said = "We took a leap of faith with the £3 million joint venture."
    south = study / "data/interviews/south.md"
    south.write_text(south.read_text(encoding="utf-8").replace(said, "@" + said), encoding="utf-8")
    targets = study / "data/reference/report_targets.yaml"
    targets.write_text(targets.read_text(encoding="utf-8").replace("name: South,", 'name: "=South",'),
                       encoding="utf-8")
    result = reproduce(tmp_path / "out", root=study, review=False)
    assert result.ok
    audit = pd.read_csv(tmp_path / "out" / "appendix_two_audit.csv", dtype=str, keep_default_na=False)
    row = audit[audit["council"] == "south"].iloc[0]
    assert (row["council_name"], row["sentence"]) == ("'=South", "'@" + said)
    text_cells = [v for col in audit.columns if col != "turn" for v in audit[col]] + list(audit.columns)
    assert not [v for v in text_cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    csv_text = pd.read_csv(tmp_path / "out" / "codings.csv", dtype=str, keep_default_na=False)["text"]
    parquet_text = pd.read_parquet(tmp_path / "out" / "codings.parquet")["text"]
    assert "'@" + said in set(csv_text) and "@" + said not in set(csv_text)
    assert "@" + said in set(parquet_text) and "'@" + said not in set(parquet_text)
    assert "@" + said in (tmp_path / "out" / "appendix_two_audit.md").read_text(encoding="utf-8")
