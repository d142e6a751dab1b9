"""The ``casecoder reconcile`` command: its help's example run on the shipped analysts, and the whole
loop compare -> reconcile -> decisions -> consensus -> compare again, undecided entries refused
(exit 2) with their lines."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from casecoder.cli import main

from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from reconcile_data import study  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = str(ROOT / "codebook.yaml")


def test_cli_reconcile_help_example_runs_on_the_shipped_analysts(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "reconcile")[0]
    assert run == ["reconcile", "data/gold", "data/analysts/demo-analyst-b.yaml", "--transcripts", "data/interviews",
                   "--decisions", "decisions.yaml"]
    monkeypatch.chdir(shipped_study)
    assert main(run) == 0
    assert "0 decided" in capsys.readouterr().out
    assert "  - document:" in (shipped_study / "decisions.yaml").read_text(encoding="utf-8")


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
    docs = read_corpus(study["transcripts"], case_key=book.case_key)
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
