"""Tests for comparing a REFI-QDA project (.qdpx) with other analysts' codings.

The projects are written here with casecoder.refi.export_qdpx (one user per analyst), so the
expected figures are those computed from the tables they were written from.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from casecoder import agreement as ag
from casecoder import sources
from casecoder.cli import main
from casecoder.codebook import Code, Codebook
from casecoder.errors import AgreementError
from casecoder.refi import export_qdpx
from casecoder.schema import normalise_codings

REPO = Path(__file__).resolve().parents[1]

TRANSCRIPT = """---
council: {case}
---
# Leadership actions with the greatest impact

Interviewer: What made the biggest difference — for you?

Chief Executive: We built partnerships with the NHS. We took risks “knowingly”, at £0 cost 🙂. Culture matters.

Manager: We moved with pace. Nobody waited for permission. Café owners joined in.
"""

CODES = ("partnerships", "considered_risk", "move_with_pace")


def _codebook() -> Codebook:
    return Codebook(codes=tuple(Code(id=c, label=c.replace("_", " ").title()) for c in CODES), path="codebook.yaml")


@pytest.fixture()
def documents(tmp_path):
    from casecoder.transcripts import read_corpus

    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, case in (("alpha_doc", "north"), ("beta_doc", "south"), ("gamma_doc", "south")):
        (folder / f"{name}.md").write_text(TRANSCRIPT.format(case=case), encoding="utf-8")
    return read_corpus(folder)


def _coding(documents, analyst, spans, note=""):
    docs = {d.id: d for d in documents}
    rows = []
    for doc_id, quote, code in spans:
        start = docs[doc_id].text.index(quote)
        rows.append({"document": doc_id, "case": docs[doc_id].case, "start": start, "end": start + len(quote),
                     "text": quote, "code": code, "analyst": analyst, "source": "manual", "status": "coded",
                     "note": note})
    return normalise_codings(pd.DataFrame(rows))


def _three(documents):
    """Three analysts who reviewed all three documents, agreeing on some sentences."""
    zoe = _coding(documents, "Zoë Ellis", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("alpha_doc", "We took risks “knowingly”", "considered_risk"),
        ("beta_doc", "We moved with pace.", "move_with_pace"),
        ("gamma_doc", "Café owners joined in.", "partnerships"),
    ], note="read twice — £0 🙂")
    sam = _coding(documents, "sam", [
        ("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
        ("beta_doc", "We took risks", "considered_risk"),
        ("beta_doc", "We moved with pace.", "move_with_pace"),
        ("gamma_doc", "Nobody waited for permission.", "move_with_pace"),
    ])
    kit = _coding(documents, "kit", [
        ("alpha_doc", "partnerships with the NHS", "partnerships"),
        ("gamma_doc", "We moved with pace.", "move_with_pace"),
    ])
    return zoe, sam, kit


def _stats(inputs, documents, **kw):
    return ag.compare(inputs, documents, codebook=_codebook(), replicates=0, **kw)


def test_agreement_refi_two_users_in_one_project_are_two_analysts(documents, tmp_path):
    zoe, sam, kit = _three(documents)
    project = tmp_path / "nvivo.qdpx"
    export_qdpx(project, documents, pd.concat([zoe, sam]), _codebook())
    table = tmp_path / "kit.csv"
    kit.to_csv(table, index=False)
    inputs = sources.load_codings([str(table), str(project)], documents, codebook=_codebook())
    assert [c.analyst for c in inputs] == ["kit", "Zoë Ellis", "sam"]
    assert all(c.reviewed == {"alpha_doc", "beta_doc", "gamma_doc"} for c in inputs[1:])
    assert inputs[1].path.endswith("nvivo.qdpx#Zoë Ellis") and inputs[1].notes == ()
    assert set(inputs[1].codings["note"]) == {"read twice — £0 🙂"}
    expected = _stats([ag.AnalystCoding("kit", kit), ag.AnalystCoding("Zoë Ellis", zoe), ag.AnalystCoding("sam", sam)],
                      documents, unit="sentence")
    got = _stats(inputs, documents, unit="sentence")
    pd.testing.assert_frame_equal(got.statistics, expected.statistics)
    pd.testing.assert_frame_equal(got.pairwise, expected.pairwise)
    assert list(got.disagreements["notes"]) == list(expected.disagreements["notes"])
    # something to compare: the analysts do differ
    assert (got.statistics["disagreements"] > 0).any()


def test_agreement_refi_front_matter_in_the_source_is_re_anchored(documents, tmp_path):
    zoe, sam, _ = _three(documents)
    head = "---\ncouncil: north\n---\n"  # the tool was given the raw file, front matter and all
    raw = [dataclasses.replace(d, text=head + d.text) for d in documents]
    shifted = zoe.assign(start=zoe["start"] + len(head), end=zoe["end"] + len(head))
    in_head = pd.DataFrame([{**shifted.iloc[0].to_dict(), "start": 4, "end": 11, "text": "council", "code": "partnerships"}])
    project = tmp_path / "raw.qdpx"
    export_qdpx(project, raw, normalise_codings(pd.concat([shifted, in_head])), _codebook())
    (got,) = sources.read_qdpx(project, documents, codebook=_codebook())
    pd.testing.assert_frame_equal(got.codings[["document", "start", "end", "text", "code"]],
                                  zoe[["document", "start", "end", "text", "code"]])
    assert any("re-anchored" in n for n in got.notes)
    assert any("'council'" in n and "outside the transcript" in n for n in got.notes)


def test_agreement_refi_unmatched_source_is_reported_and_none_matched_refused(documents, tmp_path):
    zoe, sam, _ = _three(documents)
    extra = dataclasses.replace(documents[0], id="delta_doc")
    project = tmp_path / "p.qdpx"
    export_qdpx(project, [*documents, extra], pd.concat([zoe, zoe.assign(document="delta_doc")]), _codebook())
    (got,) = sources.read_qdpx(project, documents, codebook=_codebook())
    assert any("'delta_doc' matches no transcript" in n for n in got.notes)
    assert got.reviewed == {"alpha_doc", "beta_doc", "gamma_doc"} and len(got.codings) == len(zoe)
    # names match loosely (case, '-' for '_'); a project of other transcripts is refused
    loose = tmp_path / "loose.qdpx"
    export_qdpx(loose, [dataclasses.replace(d, id=d.id.upper().replace("_", "-")) for d in documents],
                zoe.assign(document=zoe["document"].str.upper().str.replace("_", "-")), _codebook())
    assert sources.read_qdpx(loose, documents, codebook=_codebook())[0].reviewed == {"alpha_doc", "beta_doc", "gamma_doc"}
    other = tmp_path / "other.qdpx"
    export_qdpx(other, [extra], zoe.assign(document="delta_doc"), _codebook())
    with pytest.raises(AgreementError) as err:
        sources.read_qdpx(other, documents, codebook=_codebook())
    assert "[E618]" in str(err.value) and "delta_doc" in str(err.value)


def test_agreement_refi_cli_source_text_differs_exits_2_naming_the_document(documents, tmp_path, capsys):
    zoe, sam, _ = _three(documents)
    edited = [dataclasses.replace(d, text=d.text.replace("Café owners", "Cafe owners")) if d.id == "gamma_doc" else d
              for d in documents]
    project = tmp_path / "edited.qdpx"
    export_qdpx(project, edited, zoe[zoe["document"] != "gamma_doc"], _codebook())
    table = tmp_path / "sam.csv"
    sam.to_csv(table, index=False)
    book = tmp_path / "codebook.yaml"
    book.write_text("codes:\n" + "".join(f"  - id: {c}\n    label: {c}\n    phrases: [{c}]\n" for c in CODES),
                    encoding="utf-8")
    transcripts = Path(documents[0].path).parent
    args = ["compare", str(project), str(table), "--transcripts", str(transcripts), "--codebook", str(book),
            "--replicates", "0", "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "[E619]" in err and "gamma_doc" in err and "Café owners" in err and "Cafe owners" in err
    assert not (tmp_path / "out").exists()
    # the same project on the transcripts it was coded from is compared
    export_qdpx(project, documents, zoe, _codebook())
    assert main(args) == 0, capsys.readouterr().err
    assert "Zoë Ellis, sam" in capsys.readouterr().out


def test_agreement_refi_shipped_corpus_demo_project_against_gold_table(tmp_path, capsys):
    from casecoder.codebook import load_codebook
    from casecoder.transcripts import read_corpus

    codebook = load_codebook(REPO / "codebook.yaml")
    docs = read_corpus(REPO / "data" / "interviews", case_key=codebook.settings.get("case_key", "council"))
    gold, demo = sources.load_codings([REPO / "data" / "gold", REPO / "data" / "analysts" / "demo-analyst-b.yaml"], docs,
                                 codebook=codebook)
    project = tmp_path / "demo.qdpx"
    export_qdpx(project, [d for d in docs if d.id in demo.reviewed], demo.codings, codebook)
    gold_csv = tmp_path / "gold.csv"
    gold.codings.to_csv(gold_csv, index=False)
    common = ["--transcripts", str(REPO / "data" / "interviews"), "--codebook", str(REPO / "codebook.yaml"),
              "--replicates", "100"]
    assert main(["compare", str(REPO / "data" / "gold"), str(REPO / "data" / "analysts" / "demo-analyst-b.yaml"),
                 *common, "--out", str(tmp_path / "orig")]) == 0
    assert main(["compare", str(gold_csv), str(project), *common, "--out", str(tmp_path / "refi")]) == 0
    out = capsys.readouterr().out
    assert "analysts: gold, demo-analyst-b" in out
    for name in ("agreement.csv", "pairwise.csv"):
        assert (tmp_path / "refi" / name).read_bytes() == (tmp_path / "orig" / name).read_bytes(), name
    # the same units and decisions; only notes may differ, as REFI-QDA keeps one note per
    # selection (the export joins the notes of the codes on one span)
    dis = [pd.read_csv(tmp_path / d / "disagreements.csv").drop(columns="notes") for d in ("orig", "refi")]
    pd.testing.assert_frame_equal(dis[1], dis[0])
    stats = pd.read_csv(tmp_path / "refi" / "agreement.csv")
    assert int(stats.loc[stats["scope"] == "pooled", "disagreements"].iloc[0]) > 0
