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
from casecoder.errors import AgreementError
from casecoder.refi import export_qdpx
from casecoder.schema import normalise_codings

from qdpx_data import documents, qdpx_codebook, three_analysts  # noqa: F401  (documents is a fixture)

REPO = Path(__file__).resolve().parents[1]

def _stats(inputs, documents, **kw):
    return ag.compare(inputs, documents, codebook=qdpx_codebook(), replicates=0, **kw)


def test_agreement_refi_two_users_in_one_project_are_two_analysts(documents, tmp_path):
    zoe, sam, kit = three_analysts(documents)
    project = tmp_path / "nvivo.qdpx"
    export_qdpx(project, documents, pd.concat([zoe, sam]), qdpx_codebook())
    table = tmp_path / "kit.csv"
    kit.to_csv(table, index=False)
    inputs = sources.load_codings([str(table), str(project)], documents, codebook=qdpx_codebook())
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
    zoe, sam, _ = three_analysts(documents)
    head = "---\ncouncil: north\n---\n"  # the tool was given the raw file, front matter and all
    raw = [dataclasses.replace(d, text=head + d.text) for d in documents]
    shifted = zoe.assign(start=zoe["start"] + len(head), end=zoe["end"] + len(head))
    in_head = pd.DataFrame([{**shifted.iloc[0].to_dict(), "start": 4, "end": 11, "text": "council", "code": "partnerships"}])
    project = tmp_path / "raw.qdpx"
    export_qdpx(project, raw, normalise_codings(pd.concat([shifted, in_head])), qdpx_codebook())
    (got,) = sources.read_qdpx(project, documents, codebook=qdpx_codebook())
    pd.testing.assert_frame_equal(got.codings[["document", "start", "end", "text", "code"]],
                                  zoe[["document", "start", "end", "text", "code"]])
    assert any("re-anchored" in n for n in got.notes)
    assert any("'council'" in n and "outside the transcript" in n for n in got.notes)


def test_agreement_refi_unmatched_source_is_reported_and_none_matched_refused(documents, tmp_path):
    zoe, sam, _ = three_analysts(documents)
    extra = dataclasses.replace(documents[0], id="delta_doc")
    project = tmp_path / "p.qdpx"
    export_qdpx(project, [*documents, extra], pd.concat([zoe, zoe.assign(document="delta_doc")]), qdpx_codebook())
    (got,) = sources.read_qdpx(project, documents, codebook=qdpx_codebook())
    assert any("'delta_doc' matches no transcript" in n for n in got.notes)
    assert got.reviewed == {"alpha_doc", "beta_doc", "gamma_doc"} and len(got.codings) == len(zoe)
    # names match loosely (case, '-' for '_'); a project of other transcripts is refused
    loose = tmp_path / "loose.qdpx"
    export_qdpx(loose, [dataclasses.replace(d, id=d.id.upper().replace("_", "-")) for d in documents],
                zoe.assign(document=zoe["document"].str.upper().str.replace("_", "-")), qdpx_codebook())
    assert sources.read_qdpx(loose, documents, codebook=qdpx_codebook())[0].reviewed == {"alpha_doc", "beta_doc", "gamma_doc"}
    other = tmp_path / "other.qdpx"
    export_qdpx(other, [extra], zoe.assign(document="delta_doc"), qdpx_codebook())
    with pytest.raises(AgreementError) as err:
        sources.read_qdpx(other, documents, codebook=qdpx_codebook())
    assert "[E618]" in str(err.value) and "delta_doc" in str(err.value)
