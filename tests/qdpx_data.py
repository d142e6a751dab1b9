"""Shared inputs of the tests that compare a REFI-QDA project with other codings (the library's and
the ``compare`` command's): three small transcripts, a codebook of their codes, three analysts."""

from __future__ import annotations

import pandas as pd
import pytest

from casecoder.codebook import Code, Codebook
from casecoder.schema import normalise_codings
from casecoder.transcripts import read_corpus

TRANSCRIPT = """---
case: {case}
---
# Leadership actions with the greatest impact

Interviewer: What made the biggest difference — for you?

Chief Executive: We built partnerships with the NHS. We took risks “knowingly”, at £0 cost 🙂. Culture matters.

Manager: We moved with pace. Nobody waited for permission. Café owners joined in.
"""

CODES = ("partnerships", "considered_risk", "move_with_pace")


def qdpx_codebook() -> Codebook:
    return Codebook(codes=tuple(Code(id=c, label=c.replace("_", " ").title()) for c in CODES), path="codebook.yaml")


def write_documents(tmp_path):
    """The three transcripts written to ``tmp_path/transcripts`` and read back."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, case in (("alpha_doc", "north"), ("beta_doc", "south"), ("gamma_doc", "south")):
        (folder / f"{name}.md").write_text(TRANSCRIPT.format(case=case), encoding="utf-8")
    return read_corpus(folder)


@pytest.fixture()
def documents(tmp_path):
    return write_documents(tmp_path)


def analyst_coding(documents, analyst, spans, note=""):
    docs = {d.id: d for d in documents}
    rows = []
    for doc_id, quote, code in spans:
        start = docs[doc_id].text.index(quote)
        rows.append({"document": doc_id, "case": docs[doc_id].case, "start": start, "end": start + len(quote),
                     "text": quote, "code": code, "analyst": analyst, "source": "manual", "status": "coded",
                     "note": note})
    return normalise_codings(pd.DataFrame(rows))


def three_analysts(documents):
    """Three analysts who reviewed all three documents, agreeing on some sentences."""
    zoe = analyst_coding(documents, "Zoë Ellis", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("alpha_doc", "We took risks “knowingly”", "considered_risk"),
        ("beta_doc", "We moved with pace.", "move_with_pace"),
        ("gamma_doc", "Café owners joined in.", "partnerships"),
    ], note="read twice — £0 🙂")
    sam = analyst_coding(documents, "sam", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("beta_doc", "We took risks", "considered_risk"),
        ("beta_doc", "We moved with pace.", "move_with_pace"),
        ("gamma_doc", "Nobody waited for permission.", "move_with_pace"),
    ])
    kit = analyst_coding(documents, "kit", [
        ("alpha_doc", "partnerships with the NHS", "partnerships"),
        ("gamma_doc", "We moved with pace.", "move_with_pace"),
    ])
    return zoe, sam, kit
