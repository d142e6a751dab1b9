"""Tests of casecoder.sources: the anchored analyst coding and reading codings from any source."""

from __future__ import annotations

import pytest

from casecoder import sources
from casecoder.errors import AgreementError, CasecoderError

from agreement_data import ANALYST_YAML, DemoCodebook, documents  # noqa: F401  (documents is a fixture)


def test_sources_read_analyst_coding_resolves_quotes(documents, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    coding = sources.read_analyst_coding(path, documents, codebook=DemoCodebook())
    assert coding.analyst == "demo-analyst-z" and coding.reviewed == {"alpha_doc", "beta_doc"}
    doc = {d.id: d for d in documents}
    for row in coding.codings.itertuples():
        assert doc[row.document].text[row.start:row.end] == row.text
        assert row.segment >= 0 and row.source == "manual"
    assert "“knowingly”" in coding.codings.loc[coding.codings["code"] == "considered_risk", "text"].iloc[0]


@pytest.mark.parametrize("edit, code", [
    (lambda s: s.replace("We moved with pace.", "We moved slowly."), "E613"),
    (lambda s: s.replace('"We built partnerships with the NHS."', '"We"'), "E614"),
    (lambda s: s.replace("reviewed: [alpha_doc, beta_doc]", "reviewed: [alpha_doc]"), "E615"),
    (lambda s: s.replace("code: move_with_pace", "code: move_fast"), "E604"),
    (lambda s: s.replace("analyst: demo-analyst-z", "analyst: [oops"), "E612"),
    (lambda s: s.replace("reviewed: [alpha_doc, beta_doc]", "reviewed: [alpha_doc, beta_doc, nowhere]"), "E603"),
])
def test_sources_read_analyst_coding_reports_problems_with_lines(documents, tmp_path, edit, code):
    path = tmp_path / "demo.yaml"
    path.write_text(edit(ANALYST_YAML), encoding="utf-8")
    with pytest.raises(AgreementError) as err:
        sources.read_analyst_coding(path, documents, codebook=DemoCodebook())
    found = [p.code for p in err.value.problems]
    assert code in found
    p = next(p for p in err.value.problems if p.code == code)
    assert p.path == str(path)
    if code in ("E613", "E614", "E604"):
        assert p.line is not None and p.line > 3


@pytest.mark.parametrize("name, code", [("demo.yaml", "E612"), ("demo.csv", "E205")])
def test_sources_load_codings_reports_a_file_not_in_utf8(documents, tmp_path, name, code):
    # cp1252 bytes (a £ sign) are not UTF-8; the reader must say so with the path, not crash.
    path = tmp_path / name
    path.write_bytes("analyst: demo\ncodings: []\nnote: £5 — “quoted”\n".encode("cp1252"))
    with pytest.raises(CasecoderError) as err:
        sources.load_codings([path], documents)
    assert [(p.code, p.path) for p in err.value.problems] == [(code, str(path))]


def test_sources_load_codings_codes_then_overrides_as_the_pipeline_does():
    # An overrides file as a source is the pipeline's code-then-override, and "auto" the same
    # run's patterns-only codings, whatever order they come in.
    from pathlib import Path

    from casecoder.codebook import load_codebook
    from casecoder.pipeline import code_and_override, read_transcripts

    repo = Path(__file__).resolve().parents[1]
    book = load_codebook(repo / "codebook.yaml")
    docs = read_transcripts(repo / "data" / "interviews", book)
    overrides = repo / "data" / "overrides" / "reviewing-analyst.yaml"
    coded = code_and_override(docs, book, [overrides])
    reviewed, auto = sources.load_codings([overrides, "auto"], docs, codebook=book)
    assert reviewed.codings.equals(coded.codings) and auto.codings.equals(coded.auto)
    assert reviewed.analyst.startswith("casecoder+") and auto.analyst == "casecoder"
    assert reviewed.reviewed == auto.reviewed == {d.id for d in docs}
    assert not reviewed.codings.equals(auto.codings)  # the file changes something
