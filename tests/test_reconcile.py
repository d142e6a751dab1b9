"""Tests of casecoder.reconcile and ``casecoder reconcile``: the decisions file, undecided entries,
the consensus overrides, and the whole loop compare -> reconcile -> decisions -> consensus ->
compare again."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from casecoder.cli import main
from casecoder.errors import AgreementError

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = str(ROOT / "codebook.yaml")

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


def _run(study, *args):
    return main([*args, "--transcripts", study["transcripts"], "--codebook", CODEBOOK])


def _decide(text: str, choose) -> str:
    """Fill every undecided entry of a decisions file with choose(code) -> (decision, recode_to)."""
    def fill(m):
        decision, to = choose(m.group(1))
        return (m.group(0).split("    decision:")[0]
                + f'    decision: "{decision}"\n    recode_to: "{to}"\n    decided_by: "the team"\n    why: "discussed"')
    pattern = r'code: "([a-z_]+)"\n(?:    (?!decision).*\n)*?    decision: ""\n    recode_to: ""\n    decided_by: ""\n    why: ""'
    return re.sub(pattern, fill, text)


def _values(study, *inputs):
    """The compared analysts' decisions (Ratings) as compare maps them."""
    from casecoder.sources import load_codings
    from casecoder.codebook import load_codebook
    from casecoder.reconcile import ratings_for
    from casecoder.transcripts import read_corpus

    book = load_codebook(CODEBOOK)
    docs = read_corpus(study["transcripts"])
    return ratings_for(load_codings(list(inputs), docs, codebook=book), docs, codebook=book), docs


def test_reconcile_loop_consensus_holds_every_decision(study, capsys):
    decisions = study["tmp"] / "decisions.yaml"
    consensus = study["tmp"] / "consensus.yaml"
    assert _run(study, "reconcile", study["a"], study["b"], "--decisions", str(decisions)) == 0
    first, _ = _values(study, study["a"], study["b"])
    x = first.values
    disputed = int((((x == 1).any(axis=1)) & ((x == 0).any(axis=1))).sum())
    text = decisions.read_text(encoding="utf-8")
    assert text.count("  - document:") == disputed == 5  # one entry per disagreement
    # nothing decided yet: applying names every undecided entry with its line, writes nothing
    assert _run(study, "reconcile", study["a"], study["b"], "--decisions", str(decisions), "--consensus", str(consensus)) == 2
    err = capsys.readouterr().err
    assert err.count("[E641]") == disputed and not consensus.exists()
    assert all(re.search(rf"decisions.yaml:{n}: ", err) for n in [m.start() and text[: m.start()].count("\n") + 1
                                                                  for m in re.finditer("  - document:", text)])
    choices = {"partnerships": ("keep", ""), "considered_risk": ("drop", ""), "move_with_pace": ("keep", ""),
               "empower_leaders": ("recode", "move_with_pace"), "innovative_culture": ("drop", "")}
    decisions.write_text(_decide(text, lambda code: choices[code]), encoding="utf-8")
    # re-running keeps every decision already written
    assert _run(study, "reconcile", study["a"], study["b"], "--decisions", str(decisions)) == 0
    assert "5 decided, 0 to decide" in capsys.readouterr().out
    assert _run(study, "reconcile", study["a"], study["b"], "--decisions", str(decisions), "--consensus", str(consensus)) == 0
    assert "analyst: \"consensus\"" in consensus.read_text(encoding="utf-8")
    # compare again: the consensus against both analysts holds each decided entry
    ratings, docs = _values(study, str(consensus), study["a"], study["b"])
    from casecoder.reconcile import load_decisions

    entries = load_decisions(decisions)
    assert len(entries) == 5 and all(e.decision for e in entries)
    units = ratings.units
    for e in entries:
        doc = next(d for d in docs if d.id == e.document)
        from casecoder.overrides import find_quote

        (a, b), = find_quote(doc.text, e.quote, e.prefix, e.suffix)
        u = units.index[(units["document"] == e.document) & (units["start"] <= a) & (units["end"] >= b)][0]
        k = ratings.codes.index(e.code)
        assert ratings.values[u, 0, k] == (1.0 if e.decision == "keep" else 0.0), e
        if e.decision == "recode":
            assert ratings.values[u, 0, ratings.codes.index(e.recode_to)] == 1.0
    # where the analysts agreed, the consensus agrees with both, except where a recode moved a
    # unit to a code both had left off
    x = ratings.values
    differ = np.argwhere((x[:, 1, :] == x[:, 2, :]) & (x[:, 0, :] != x[:, 1, :]))
    recoded = [(e.document, e.recode_to) for e in entries if e.decision == "recode"]
    assert [(units["document"].iat[u], ratings.codes[k]) for u, k in differ] == recoded


def test_reconcile_decisions_are_checked_with_lines(study, tmp_path):
    from casecoder.codebook import load_codebook
    from casecoder.reconcile import load_decisions

    path = tmp_path / "d.yaml"
    path.write_text(
        "decisions:\n"
        "  - {document: north_doc, code: partnerships, quote: \"x\", decision: maybe, decided_by: me, why: w}\n"
        "  - {document: north_doc, code: partnerships, quote: \"x\", decision: recode, decided_by: me, why: w}\n"
        "  - {document: north_doc, code: nonsense, quote: \"x\", decision: keep}\n", encoding="utf-8")
    with pytest.raises(AgreementError) as err:
        load_decisions(path, codebook=load_codebook(CODEBOOK))
    found = [(p.code, p.line) for p in err.value.problems]
    assert ("E643", 2) in found and ("E643", 3) in found  # not keep/drop/recode; recode without recode_to
    assert ("E643", 4) in found and ("E604", 4) in found  # no decided_by/why; unknown code


def test_reconcile_needs_anchored_units(study, capsys):
    from casecoder.reconcile import ratings_for

    with pytest.raises(AgreementError) as err:
        ratings_for([], [], unit="document")
    assert err.value.problems[0].code == "E640"


def test_reconcile_anchor_adds_a_prefix_for_repeated_words():
    from casecoder.overrides import find_quote
    from casecoder.reconcile import _anchor

    text = "One. Culture matters. Two. Culture matters."
    quote, prefix = _anchor(text, text.rindex("Culture"), len(text))
    assert quote == "Culture matters." and prefix == "Two."
    assert find_quote(text, quote, prefix) == [(text.rindex("Culture"), len(text))]
