"""The ``casecoder compare`` command: its help's example run on the shipped analysts, two codings
compared and written, a .qdpx with two users, "reviewed" units, the shipped gold against a REFI-QDA
project, and bad input (one analyst, an unknown code, a source text edited) refused with exit 2."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from casecoder import sources
from casecoder.cli import main
from casecoder.refi import export_qdpx
from casecoder.schema import read_codings, write_codings

from agreement_data import ANALYST_YAML, coding_table, documents  # noqa: F401  (the fixture)
from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from qdpx_data import CODES, qdpx_codebook, three_analysts, write_documents

REPO = ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = str(ROOT / "codebook.yaml")


@pytest.fixture
def qdpx_documents(tmp_path):
    """The three transcripts of tests/qdpx_data.py (the other tests' ``documents`` are agreement_data's)."""
    return write_documents(tmp_path)


def test_cli_compare_help_example_runs_on_the_shipped_study(capsys, monkeypatch, shipped_study):
    run = examples(capsys, "compare")[0]
    assert run == ["compare", "auto", "overrides/alice.yaml", "--transcripts", "data/interviews"]
    # the shipped analyst's overrides stand in for alice's
    (shipped_study / "overrides").mkdir(exist_ok=True)
    (shipped_study / "overrides" / "alice.yaml").write_bytes(
        (REPO / "data" / "overrides" / "reviewing-analyst.yaml").read_bytes())
    monkeypatch.chdir(shipped_study)
    assert main([*run, "--replicates", "0"]) == 0
    assert "[pooled]" in capsys.readouterr().out
    assert (shipped_study / "compare-out" / "agreement.csv").is_file()


def test_agreement_cli_compare(documents, tmp_path, capsys):
    transcripts = Path(documents[0].path).parent
    path = tmp_path / "demo.yaml"
    path.write_text(ANALYST_YAML, encoding="utf-8")
    table = tmp_path / "other.csv"
    coding_table(documents, "other-role", [("alpha_doc", "We built partnerships with the NHS.", "partnerships")]).to_csv(table, index=False)
    out = tmp_path / "out"
    code = main(["compare", str(path), str(table), "--transcripts", str(transcripts), "--replicates", "50", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "[pooled]" in captured.out and "[mean of codes]" in captured.out
    assert (out / "disagreements.md").exists() and (out / "agreement_heatmap.png").exists()
    # Bad input: one analyst, an unknown code, a table over another corpus: exit 2.
    assert main(["compare", str(path), "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E601]" in capsys.readouterr().err
    assert main(["compare", str(path), str(table), "--codes", "nonsense", "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E604]" in capsys.readouterr().err
    moved = pd.read_csv(table).assign(document="elsewhere")
    moved.to_csv(table, index=False)
    assert main(["compare", str(path), str(table), "--transcripts", str(transcripts), "--out", str(out)]) == 2
    assert "[E603]" in capsys.readouterr().err


def test_traps_cli_compare_one_project_with_two_users(documents, tmp_path, capsys):
    from casecoder.codebook import load_codebook
    from casecoder.refi import export_qdpx

    zoe = coding_table(documents, "zoe", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                          ("beta_doc", "We moved with pace.", "move_with_pace")])
    sam = coding_table(documents, "sam", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                          ("gamma_doc", "We moved with pace.", "move_with_pace")])
    project = tmp_path / "team.qdpx"
    export_qdpx(project, documents, pd.concat([zoe, sam]), load_codebook(CODEBOOK))
    transcripts = str(Path(documents[0].path).parent)
    code = main(["compare", str(project), "--transcripts", transcripts, "--codebook", CODEBOOK,
                 "--replicates", "0", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "analysts: sam, zoe" in captured.out
    # one user only is still one analyst: E601 after reading
    solo = tmp_path / "solo.qdpx"
    export_qdpx(solo, documents, zoe, load_codebook(CODEBOOK))
    assert main(["compare", str(solo), "--transcripts", transcripts, "--codebook", CODEBOOK, "--out", str(tmp_path / "o")]) == 2
    assert "[E601]" in capsys.readouterr().err


def test_traps_reviewed_all_makes_coded_nothing_differ_from_not_reviewed(documents, tmp_path, capsys):
    # analyst b coded nothing in gamma_doc; without --reviewed, gamma_doc is "not reviewed" for b
    a = coding_table(documents, "a", [("alpha_doc", "We built partnerships with the NHS.", "partnerships"),
                                      ("gamma_doc", "We built partnerships with the NHS.", "partnerships")])
    b = coding_table(documents, "b", [("alpha_doc", "We built partnerships with the NHS.", "partnerships")])
    files = []
    for name, table in (("a", a), ("b", b)):
        files.append(str(tmp_path / f"{name}.csv"))
        table.to_csv(files[-1], index=False)
    transcripts = str(Path(documents[0].path).parent)
    common = ["--transcripts", transcripts, "--codebook", CODEBOOK, "--codes", "partnerships", "--replicates", "0"]
    assert main(["compare", *files, *common, "--out", str(tmp_path / "named")]) == 0
    assert main(["compare", *files, *common, "--reviewed", "all", "--out", str(tmp_path / "all")]) == 0
    named = pd.read_csv(tmp_path / "named" / "agreement.csv").set_index("code")
    every = pd.read_csv(tmp_path / "all" / "agreement.csv").set_index("code")
    assert named.at["partnerships", "disagreements"] == 0  # gamma_doc left out: b "did not review" it
    assert every.at["partnerships", "disagreements"] == 1  # b reviewed it and coded nothing
    assert every.at["partnerships", "units"] > named.at["partnerships", "units"]
    assert main(["compare", *files, *common, "--reviewed", "alpha_doc,nowhere", "--out", str(tmp_path / "x")]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_agreement_refi_cli_source_text_differs_exits_2_naming_the_document(qdpx_documents, tmp_path, capsys):
    zoe, sam, _ = three_analysts(qdpx_documents)
    edited = [dataclasses.replace(d, text=d.text.replace("Café owners", "Cafe owners")) if d.id == "gamma_doc" else d
              for d in qdpx_documents]
    project = tmp_path / "edited.qdpx"
    export_qdpx(project, edited, zoe[zoe["document"] != "gamma_doc"], qdpx_codebook())
    table = tmp_path / "sam.csv"
    sam.to_csv(table, index=False)
    book = tmp_path / "codebook.yaml"
    book.write_text("codes:\n" + "".join(f"  - id: {c}\n    label: {c}\n    phrases: [{c}]\n" for c in CODES),
                    encoding="utf-8")
    transcripts = Path(qdpx_documents[0].path).parent
    args = ["compare", str(project), str(table), "--transcripts", str(transcripts), "--codebook", str(book),
            "--replicates", "0", "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "[E619]" in err and "gamma_doc" in err and "Café owners" in err and "Cafe owners" in err
    assert not (tmp_path / "out").exists()
    # the same project on the transcripts it was coded from is compared
    export_qdpx(project, qdpx_documents, zoe, qdpx_codebook())
    assert main(args) == 0, capsys.readouterr().err
    assert "Zoë Ellis, sam" in capsys.readouterr().out


def test_agreement_refi_shipped_corpus_demo_project_against_gold_table(tmp_path, capsys):
    from casecoder.codebook import load_codebook
    from casecoder.transcripts import read_corpus

    codebook = load_codebook(REPO / "codebook.yaml")
    docs = read_corpus(REPO / "data" / "interviews", case_key=codebook.case_key)
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


def _named_interviewer_study(folder: Path, declare: bool) -> Path:
    t = folder / "t"
    t.mkdir()
    (t / "call.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ruth Adeyemi>Did you build partnerships? Who took the risks?\n\n"
        "00:00:03.500 --> 00:00:06.000\n<v Director>We built a partnership with the university.\n",
        encoding="utf-8")
    (t / "cases.csv").write_text("file,case,interviewer\ncall.vtt,wigan," + ("Ruth Adeyemi" if declare else "") + "\n",
                                 encoding="utf-8")
    return t


def test_cli_compare_leaves_out_a_named_interviewers_turns(tmp_path, capsys):
    # Issue 16, item 4: an interviewer Zoom names (<v Ruth Adeyemi>) and cases.csv declares is
    # not coded and her sentences are not units of the comparison.
    units = {}
    for declare in (False, True):
        folder = tmp_path / f"declared-{declare}"
        folder.mkdir()
        t = _named_interviewer_study(folder, declare)
        assert main(["code", str(t), "--codebook", CODEBOOK, "--out", str(folder / "c.csv"), "--no-progress"]) == 0
        capsys.readouterr()
        write_codings(read_codings(folder / "c.csv").assign(analyst="alex"), folder / "alex.csv")
        assert main(["compare", "auto", str(folder / "alex.csv"), "--transcripts", str(t), "--codebook", CODEBOOK,
                     "--replicates", "0", "--out", str(folder / "agreement")]) == 0
        out = capsys.readouterr().out
        units[declare] = int(out.split("units: ", 1)[1].split()[0])
        speakers = set(pd.read_csv(folder / "c.csv", dtype=str, keep_default_na=False)["speaker"])
        assert ("Ruth Adeyemi" in speakers) is not declare
    assert units == {False: 3, True: 1}  # her two questions, then the Director's one sentence
