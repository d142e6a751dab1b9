"""Shared inputs of the agreement and sources tests: three small transcripts read from disk,
codings tables built from quotes, an anchored analyst coding and decision arrays like a corpus's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

nan = float("nan")


TRANSCRIPT = """---
council: {case}
---
# Leadership actions with the greatest impact

Interviewer: What made the biggest difference — for you?

Chief Executive: We built partnerships with the NHS. We took risks “knowingly”, at £0 cost 🙂. Culture matters.

Manager: We moved with pace. Nobody waited for permission.
"""


@pytest.fixture()
def documents(tmp_path):
    from casecoder.transcripts import read_corpus

    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, case in (("alpha_doc", "north"), ("beta_doc", "south"), ("gamma_doc", "south")):
        (folder / f"{name}.md").write_text(TRANSCRIPT.format(case=case), encoding="utf-8")
    return read_corpus(folder, case_key="council")  # as the shipped codebook (settings.case_key) reads them


def coding_table(documents, analyst, spans, *, status="coded", note=""):
    """A codings table from (document, quote, code) triples."""
    docs = {d.id: d for d in documents}
    rows = []
    for doc_id, quote, code in spans:
        start = docs[doc_id].text.index(quote)
        rows.append({"document": doc_id, "case": docs[doc_id].case, "start": start, "end": start + len(quote),
                     "text": quote, "code": code, "analyst": analyst, "source": "manual", "status": status, "note": note})
    from casecoder.schema import normalise_codings

    return normalise_codings(pd.DataFrame(rows))


ANALYST_YAML = """\
# A demonstration coding by a fictional role.
analyst: demo-analyst-z
reviewed: [alpha_doc, beta_doc]
codings:
  - document: alpha_doc
    quote: "We built partnerships with the NHS."
    code: partnerships
    note: "joint work with health | an external partner"
  - document: alpha_doc
    quote: 'We took risks "knowingly"'
    code: considered_risk
    note: "curly quotes in the transcript, straight here"
  - document: beta_doc
    quote: "We moved with pace."
    code: move_with_pace
"""


class DemoCodebook:
    ids = ("partnerships", "considered_risk", "move_with_pace", "innovative_culture")

    def __getitem__(self, code):
        return type("C", (), {"label": code.replace("_", " ").title()})()


def corpus_like(seed=0, units=400, analysts=3, codes=4):
    rng = np.random.default_rng(seed)
    truth = rng.random((units, 1, codes)) < np.linspace(0.3, 0.08, codes)
    values = (truth ^ (rng.random((units, analysts, codes)) < 0.1)).astype(float)
    docs = np.repeat(np.arange(units // 20), 20)
    values[rng.random((units // 20, analysts))[docs] < 0.1] = nan
    return values, docs

