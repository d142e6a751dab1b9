"""The ``casecoder review`` command: its help's example run on the shipped study, a site built,
turn kinds and the corpus notice shown, and a codings table naming a missing transcript refused
(exit 2) with nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from casecoder.cli import main
from casecoder.schema import CODINGS_COLUMNS
from casecoder.segments import sentences
from casecoder.transcripts import read_document

from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from test_notices import NOTICE, _kinds_folder, _visible
from test_review import row


def test_cli_review_help_example_runs_on_the_shipped_study(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "review")[0]
    assert run == ["review", "out/codings.csv", "data/interviews", "--out", "out/review"]
    (shipped_study / "out").mkdir(exist_ok=True)
    (shipped_study / "out" / "codings.csv").write_bytes((shipped_study / "codings.csv").read_bytes())
    monkeypatch.chdir(shipped_study)
    assert main(run) == 0
    assert (shipped_study / "out" / "review" / "index.html").is_file()
    assert (shipped_study / "out" / "review" / "documents" / "oldham.html").is_file()


CODEBOOK_YAML = """\
codes:
  - id: partnerships
    label: Build innovative partnerships
    phrases: [joint venture]
  - id: innovative_culture
    label: Create an innovative culture
    phrases: [culture]
"""

TRANSCRIPT = """\
---
case: oldham
---
This is a reconstruction, not a record.

# Innovations

Interviewer: What did you build?

Chief Executive: We built a joint venture \u2014 it cost \u00a32m. Someone typed <script>alert(1)</script>.
"""


def cli_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "oldham.md").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    doc = read_document(tmp_path / "interviews" / "oldham.md")
    seg = next(s for s in sentences(doc) if "joint venture" in s.text)
    rows = [row(doc, seg, "partnerships"), {**row(doc, seg, "partnerships"), "document": "bristol"}]
    table = pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))
    table.to_csv(tmp_path / "codings.csv", index=False)
    table.iloc[:1].to_csv(tmp_path / "good.csv", index=False)
    return tmp_path / "interviews", tmp_path / "codebook.yaml", tmp_path / "codings.csv"


def test_review_cli_builds_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    interviews, book, _ = cli_inputs(tmp_path)
    code = main(["review", str(tmp_path / "good.csv"), str(interviews), "--codebook", str(book),
                 "--out", str(tmp_path / "site")])
    assert code == 0
    assert (tmp_path / "site/documents/oldham.html").is_file()
    assert "index.html" in capsys.readouterr().out


def test_review_cli_missing_document_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    interviews, book, table = cli_inputs(tmp_path)
    code = main(["review", str(table), str(interviews), "--codebook", str(book),
                 "--out", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{table}:3: document: no transcript 'bristol'" in err and "[E801]" in err
    assert not (tmp_path / "site").exists()


def test_review_cli_turn_kinds(tmp_path: Path) -> None:
    interviews = tmp_path / "interviews"
    interviews.mkdir()
    (interviews / "oldham.md").write_text(
        f"---\ncase: oldham\nnotice: '{NOTICE}'\n---\nA note.\n\n# Innovations\n\n"
        "Interviewer: What did you build?\n\nInterviewee: We built a joint venture.\n", encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    doc = read_document(interviews / "oldham.md")
    seg = next(s for s in sentences(doc) if "joint venture" in s.text)
    pd.DataFrame([row(doc, seg, "partnerships")], columns=list(CODINGS_COLUMNS)).to_csv(tmp_path / "c.csv", index=False)
    kinds = _kinds_folder(tmp_path, {"oldham.yaml": "turns: [{turn: 2, kind: paraphrase}]\n",
                                     "kinds.yaml": "paraphrase: Nobody said these words.\n"})
    args = ["review", str(tmp_path / "c.csv"), str(interviews), "--codebook",
            str(tmp_path / "codebook.yaml"), "--out", str(tmp_path / "site")]
    assert main([*args, "--turn-kinds", str(kinds)]) == 0
    page = (tmp_path / "site" / "documents" / "oldham.html").read_text(encoding="utf-8")
    assert '<span class="kind" title="Nobody said these words.">paraphrase</span>' in page
    assert _visible((tmp_path / "site" / "index.html").read_text(encoding="utf-8")).startswith(
        "Coded transcripts: review Notice. " + " ".join(NOTICE.split()))
    (kinds / "oldham.yaml").write_text("turns: [{turn: 7, kind: paraphrase}]\n", encoding="utf-8")
    assert main([*args, "--turn-kinds", str(kinds)]) == 2


def test_review_cli_lists_every_stale_row_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    interviews, book, _ = cli_inputs(tmp_path)
    good = pd.read_csv(tmp_path / "good.csv", keep_default_na=False)
    stale = pd.concat([good] * 3, ignore_index=True)
    stale.loc[0, "text"] = "We built a bridge."
    stale.loc[1, "end"] = 10_000
    stale.loc[2, "text"] = "We built a tunnel."
    stale.to_csv(tmp_path / "stale.csv", index=False)
    code = main(["review", str(tmp_path / "stale.csv"), str(interviews), "--codebook", str(book),
                 "--out", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 2
    for line in (2, 3, 4):
        assert f"{tmp_path / 'stale.csv'}:{line}: " in err and f"row {line}:" in err
    assert re.findall(r"\[(E80\d)\]", err) == ["E803", "E802", "E803"]
    assert not (tmp_path / "site").exists()
