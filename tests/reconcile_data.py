"""Shared inputs of the reconcile tests and its command's: two transcripts and two analysts'
anchored codings of them that disagree on five units."""

from __future__ import annotations

import pytest

TRANSCRIPT = """\
---
council: {case}
---
# What changed

Interviewer: What made the biggest difference — for you?

Chief Executive: We built partnerships with the NHS. We took risks “knowingly”, at £0 cost. Culture matters.

Manager: We moved with pace. Nobody waited for permission. Culture matters.
"""

ANALYST_A = """\
analyst: analyst-a
reviewed: [north_doc, south_doc]
codings:
  - {document: north_doc, quote: "We built partnerships with the NHS.", code: partnerships, note: "joint work"}
  - {document: north_doc, quote: "We moved with pace.", code: move_with_pace}
  - {document: south_doc, quote: "Nobody waited for permission.", code: empower_leaders, note: "no permission needed"}
"""

ANALYST_B = """\
analyst: analyst-b
reviewed: [north_doc, south_doc]
codings:
  - {document: north_doc, quote: "We built partnerships with the NHS.", code: partnerships}
  - {document: north_doc, quote: "We took risks “knowingly”, at £0 cost.", code: considered_risk, note: "knowing risk"}
  - {document: south_doc, quote: "We moved with pace.", code: move_with_pace}
  - {document: south_doc, quote: "Culture matters.", code: innovative_culture, prefix: "permission.", note: "the second one"}
"""


@pytest.fixture()
def study(tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, case in (("north_doc", "north"), ("south_doc", "south")):
        (folder / f"{name}.md").write_text(TRANSCRIPT.format(case=case), encoding="utf-8")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(ANALYST_A, encoding="utf-8")
    b.write_text(ANALYST_B, encoding="utf-8")
    return {"transcripts": str(folder), "a": str(a), "b": str(b), "tmp": tmp_path}
