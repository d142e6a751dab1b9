"""Tests of casecoder.reconcile: the decisions file checked line by line, the units it needs, the
anchors it writes (the whole loop through the command line: tests/test_cli_reconcile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecoder.errors import AgreementError

from reconcile_data import study  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = str(ROOT / "codebook.yaml")


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
