"""The pipeline's verbs: the case key, code then override, and validate agreeing with code."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecoder.cli import main
from casecoder.codebook import Codebook, load_codebook, parse_codebook
from casecoder.errors import CodebookError, CoderError
from casecoder.pipeline import case_key_of, code_and_override, code_files, read_transcripts, validate
from casecoder.schema import read_codings, write_codings
from casecoder.transcripts import DEFAULT_CASE_KEY

ROOT = Path(__file__).resolve().parents[1]

HEAD = "codes:\n  - id: listen\n    label: Listen to residents\n"

#: Codebooks the coder cannot compile, and the line of the phrase or pattern at fault.
REJECTED = [
    # a pattern with no required word (E304), on line 7 (its `pattern:`), not line 2 (the code's)
    (HEAD + "    phrases: [listen]\n    patterns:\n      - name: any\n        pattern: [{OP: '*'}]\n",
     "E304", 7),
    # LEMMA given a word that is not a lemma (E303)
    (HEAD + "    patterns:\n      - name: heard\n        pattern: [{LEMMA: listened}]\n", "E303", 6),
    # an operator spaCy accepts and the coder does not (E302)
    (HEAD + "    patterns:\n      - name: many\n        pattern: [{LOWER: we}, {LOWER: listen, OP: '{2}'}]\n",
     "E302", 6),
    # a token attribute spaCy knows and the coder does not (E301)
    (HEAD + "    patterns:\n      - name: shape\n        pattern: [{SHAPE: xxxx}]\n", "E301", 6),
    # an exclusion's pattern with no required word (E304), named by its own line
    (HEAD + "    phrases: [listen]\n    exclusions:\n      - name: music\n        phrases: [music]\n"
     "        pattern: [{LOWER: {NOT_IN: [music]}}]\n", "E304", 8),
]


@pytest.mark.parametrize(("text", "code", "line"), REJECTED)
def test_pipeline_validate_rejects_what_code_rejects_naming_the_pattern_line(tmp_path, capsys, text, code, line):
    book = tmp_path / "book.yaml"
    book.write_text(text, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.md").write_text("---\ncase: north\n---\nLead: We listened to residents.\n", encoding="utf-8")
    result = validate(book, [tmp_path / "t"])
    assert [(p.code, p.line) for p in result.problems] == [(code, line)]
    assert result.codebook is None and len(result.documents) == 1
    # the command line: validate and code both exit 2 with the same message
    assert main(["validate", "--codebook", str(book), str(tmp_path / "t")]) == 2
    from_validate = capsys.readouterr().err
    assert main(["code", str(tmp_path / "t"), "--codebook", str(book), "--out", str(tmp_path / "c.csv")]) == 2
    from_code = capsys.readouterr().err
    assert f"{book}:{line}:" in from_validate and f"[{code}]" in from_validate
    assert from_validate.strip() == from_code.strip()
    assert not (tmp_path / "c.csv").exists()


def test_pipeline_validate_accepts_the_shipped_codebook():
    result = validate(ROOT / "codebook.yaml")
    assert result.ok and result.codebook is not None and len(result.codebook) == 17


@pytest.mark.parametrize(
    ("settings", "code", "line", "field"),
    [
        ("  case_kee: site\n", "E104", 2, "settings.case_kee"),
        ("  case_key: ''\n", "E103", 2, "settings.case_key"),
        ("  case_key: site\n  key_actions_section: [a, b]\n", "E103", 3, "settings.key_actions_section"),
    ],
)
def test_codebook_settings_checked_at_load(settings, code, line, field):
    with pytest.raises(CodebookError) as info:
        parse_codebook("settings:\n" + settings + HEAD, path="book.yaml", validate_patterns=False)
    assert [(p.code, p.line, p.field) for p in info.value.problems] == [(code, line, field)]


def test_pipeline_case_key_one_default():
    assert case_key_of() == DEFAULT_CASE_KEY == Codebook(codes=()).case_key
    book = parse_codebook("settings:\n  case_key: site\n" + HEAD, validate_patterns=False)
    assert case_key_of(book) == "site" == book.case_key
    assert case_key_of(book, "school") == "school"


def test_pipeline_read_transcripts_uses_the_codebook_case_key(tmp_path):
    (tmp_path / "a.md").write_text("---\nsite: Ærø\ncase: other\n---\nLead: We listened.\n", encoding="utf-8")
    book = parse_codebook("settings:\n  case_key: site\n" + HEAD, validate_patterns=False)
    assert [d.case for d in read_transcripts(tmp_path, book)] == ["Ærø"]
    assert [d.case for d in read_transcripts(tmp_path)] == ["other"]
    assert [d.case for d in read_transcripts(tmp_path, book, case_key="case")] == ["other"]


def test_pipeline_code_files_with_overrides_equals_code_then_override(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.md").write_text(
        "---\ncase: north\n---\nLead: We listened to residents.\n\nLead: Café owners came to every meeting.\n",
        encoding="utf-8")
    overrides = tmp_path / "alex.yaml"
    overrides.write_text(
        "analyst: alex\noverrides:\n  - document: a\n    quote: Café owners came to every meeting.\n"
        "    code: listen\n    action: add\n    note: they were listened to\n", encoding="utf-8")
    bookfile = tmp_path / "book.yaml"
    bookfile.write_text(HEAD + "    phrases: [listen]\n", encoding="utf-8")
    book = load_codebook(bookfile)
    out = code_files([tmp_path / "t"], bookfile, tmp_path / "c.csv", overrides=[overrides])
    docs = read_transcripts([tmp_path / "t"], book)
    coded = code_and_override(docs, book, [overrides])
    written = read_codings(out)
    write_codings(coded.codings, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()
    assert sorted(zip(written["text"], written["source"])) == [
        ("Café owners came to every meeting.", "manual"), ("We listened to residents.", "auto")]
    assert len(coded.codings) == 2 and len(coded.auto) == 1 and coded.overrides[0].analyst == "alex"
    # without overrides the streaming coder writes the auto codings alone
    plain = read_codings(code_files([tmp_path / "t"], book, tmp_path / "p.csv"))
    assert plain["text"].tolist() == ["We listened to residents."]


def test_pipeline_code_files_rejects_an_unknown_format_before_reading(tmp_path):
    with pytest.raises(CoderError) as info:
        code_files([tmp_path], ROOT / "codebook.yaml", tmp_path / "c.xlsx", overrides=[tmp_path / "none.yaml"])
    assert info.value.problems[0].code == "E308"
