"""Tests of ``casecoder reproduce`` (a mini study written here, then the shipped corpus) and of the
``matrix`` and ``chart`` commands on good and bad codings files."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from casecoder.cli import main
from casecoder.errors import CasecoderError
from casecoder.studies.solace.reproduce import MARKER, reproduce

REPO = Path(__file__).parents[1]

CODEBOOK = """\
version: 1
settings:
  case_key: council
  key_actions_section: Actions
codes:
  - id: pace
    label: Move with pace
    definition: Acting quickly, despite uncertainty.
    phrases: [pace, bias for action]
  - id: risk
    label: Take considered risks
    definition: Reviewing the appetite for risk.
    phrases: [appetite for risk, leap of faith]
"""

NORTH = """\
---
council: north
council_type: metropolitan
---
# Actions

Interviewer: Do you move with pace?

Chief Executive: We move forward with pace — despite uncertainty. We have a bias for action.

# Challenges

Manager: Our appetite for risk has grown; it was a “leap of faith”.
"""

SOUTH = """\
---
council: south
council_type: district
---
# Actions

Chief Executive: We took a leap of faith with the £3 million joint venture.

# Challenges

Manager: Speed is everything here — we never wait 🚀.
"""

TARGETS = """\
source: {title: Mini report, author: A. Author, published: 2016-04}
councils:
  - {id: north, name: North, type: metropolitan}
  - {id: south, name: South, type: district}
chart: {title: Actions taken, unit: councils}
codes:
  pace:
    statement: "Both councils emphasised pace."
    count: {min: 2, max: 2}
    named: [north]
    members: {north: named, south: stated}
  risk:
    statement: "A few reviewed their appetite for risk."
    count: {min: 1, max: 2}
    named: []
    members: {north: named, south: appendix}
appendix_two:
  title: Actions
  groups:
    - type: metropolitan
      heading: METROPOLITAN COUNCILS
      councils:
        north:
          - {item: A bias for action, codes: [pace]}
    - type: district
      heading: DISTRICT COUNCILS
      councils:
        south:
          - {item: Leaps of faith, codes: [risk]}
"""

OVERRIDES = """\
analyst: reviewing-analyst
overrides:
  - action: add
    document: south
    code: pace
    quote: "Speed is everything here — we never wait 🚀."
    note: "move_with_pace: acting quickly rather than deliberating; no pace word a pattern could take"
"""


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    for rel, text in {
        "codebook.yaml": CODEBOOK,
        "data/interviews/north.md": NORTH,
        "data/interviews/south.md": SOUTH,
        "data/reference/report_targets.yaml": TARGETS,
        "data/overrides/reviewing-analyst.yaml": OVERRIDES,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


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


def test_reproduce_cli_exit_codes(study, tmp_path, capsys):
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o"), "--no-review"]) == 0
    out = capsys.readouterr()
    assert "REPRODUCED" in out.out and "coding 2 transcripts" in out.err
    # patterns alone (no overrides files): a target is missed -> exit 1, and the outputs are still written
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "p"), "--no-review", "--overrides"]) == 1
    assert "missed: pace: 1 councils, target 2" in capsys.readouterr().out
    assert (tmp_path / "p" / "REPRODUCTION.md").is_file()


def test_reproduce_refuses_a_folder_that_is_not_a_reproduction(study, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work", encoding="utf-8")
    assert main(["reproduce", "--root", str(study), "--out", str(precious), "--no-review"]) == 2
    assert "E517" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.docx"]


def test_reproduce_missing_inputs_exit_2_and_write_nothing(study, tmp_path, capsys):
    (study / "codebook.yaml").unlink()
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "E513" in err and "codebook.yaml" in err
    assert not (tmp_path / "o").exists()


def test_reproduce_case_not_in_targets_exit_2(study, tmp_path, capsys):
    (study / "data/interviews/east.md").write_text(NORTH.replace("council: north", "council: east"), encoding="utf-8")
    assert main(["reproduce", "--root", str(study), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "E507" in err and "'east'" in err
    assert not (tmp_path / "o").exists()


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


# --- casecoder matrix / chart on any codings file ------------------------------------------------


@pytest.fixture
def codings_file(study, tmp_path) -> Path:
    reproduce(tmp_path / "o", root=study, review=False)
    return tmp_path / "o" / "codings.csv"


def test_reproduce_matrix_command_writes_csv_and_parquet(study, codings_file, tmp_path):
    cb = str(study / "codebook.yaml")
    out = tmp_path / "m.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--value", "presence", "--out", str(out)]) == 0
    m = pd.read_csv(out, index_col="case")
    assert list(m.columns) == ["pace", "risk"] and m.loc["south"].tolist() == [1, 1]
    assert main(["matrix", str(codings_file), "--codebook", cb, "--source", "auto", "--out", str(tmp_path / "m.parquet")]) == 0
    assert pd.read_parquet(tmp_path / "m.parquet").set_index("case").loc["south"].tolist() == [0, 1]
    by = tmp_path / "by.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--value", "presence",
                 str(study / "data/interviews"), "--by", "council_type", "--out", str(by)]) == 0
    assert pd.read_csv(by, index_col=0).loc["all"].tolist() == [2, 2]
    fw = tmp_path / "fw.csv"
    assert main(["matrix", str(codings_file), "--codebook", cb, "--framework", "1", "--out", str(fw)]) == 0
    assert pd.read_csv(fw, index_col="case").loc["north", "pace"].startswith("2 segments\n“We move forward")


def test_reproduce_chart_command_writes_png_and_svg(study, codings_file, tmp_path):
    cb = str(study / "codebook.yaml")
    assert main(["chart", str(codings_file), "--codebook", cb, str(study / "data/interviews"),
                 "--by", "council_type", "--out", str(tmp_path / "c" / "chart")]) == 0
    assert (tmp_path / "c" / "chart.png").stat().st_size > 1000 and (tmp_path / "c" / "chart.svg").is_file()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda df: df.assign(code=df["code"].replace("risk", "riks")), "E203"),
        (lambda df: df.drop(columns=["code"]), "E202"),
        (None, "E507"),  # a case absent from the case list (--cases)
    ],
)
@pytest.mark.parametrize("command", ["matrix", "chart"])
def test_reproduce_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code, command):
    df = pd.read_csv(codings_file, dtype=str, keep_default_na=False)
    bad = tmp_path / "bad.csv"
    (change(df) if change else df).to_csv(bad, index=False)
    args = [command, str(bad), "--codebook", str(study / "codebook.yaml"), "--out", str(tmp_path / "res" / "x.csv")]
    if change is None:
        cases = tmp_path / "cases.csv"
        cases.write_text("file,case,council_type\nnorth.md,north,metropolitan\n", encoding="utf-8")
        args += ["--cases", str(cases)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"[{code}]" in err and str(bad) in err
    assert not (tmp_path / "res").exists() or not any((tmp_path / "res").iterdir())


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
    docs = {d.id: d for d in read_corpus(REPO / "data" / "interviews")}
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
