"""Shared inputs of the study tests (``casecoder reproduce``, ``matrix``, ``chart``): a mini study of
two councils written to disk, with its codebook, targets and an analyst's overrides, and its
reproduction's codings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from casecoder.cli import main
from casecoder.studies.solace.reproduce import reproduce

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


@pytest.fixture
def codings_file(study, tmp_path) -> Path:
    reproduce(tmp_path / "o", root=study, review=False)
    return tmp_path / "o" / "codings.csv"


#: Bad codings tables: how each is spoiled, and the message code it must be refused with.
BAD_CODINGS = [
    (lambda df: df.assign(code=df["code"].replace("risk", "riks")), "E203"),
    (lambda df: df.drop(columns=["code"]), "E202"),
    (None, "E507"),  # a case absent from the case list (--cases)
]


def check_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code, command):
    """``command`` on a spoiled copy of ``codings_file`` exits 2, names the file and the message, writes nothing."""
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
