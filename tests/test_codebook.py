"""Tests of the codebook loader: the shipped codebook, and every kind of error with its place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from casecoder.codebook import load_codebook, parse_codebook
from casecoder.errors import CodebookError

ROOT = Path(__file__).resolve().parents[1]
SHARED_FRAME = ROOT.parent / "shared" / "reference" / "code_frame.yaml"
FRAME = ROOT / "data" / "reference" / "code_frame.yaml"


def test_codebook_shipped_matches_code_frame_ids_and_labels():
    book = load_codebook(ROOT / "codebook.yaml")
    frame_path = FRAME if FRAME.exists() else SHARED_FRAME
    if not frame_path.exists():
        pytest.skip("the code frame is in neither data/reference nor ../shared/reference")
    frame = yaml.safe_load(frame_path.read_text(encoding="utf-8"))
    assert [(c.id, c.label) for c in book] == [(c["id"], c["label"]) for c in frame["codes"]]
    for code, ref in zip(book, frame["codes"]):
        assert code.definition == " ".join(ref["definition"].split())
        assert code.include and code.exclude
    assert book.settings["key_actions_section"]


GOOD = """\
version: 1
codes:
  - id: partnerships
    label: Build innovative partnerships
    color: '#44AA99'
    phrases: [joint venture, "  partner   organisation "]
    patterns:
      - name: work_with_partners
        pattern: [{LEMMA: work}, {LOWER: with}, {OP: "?"}, {LEMMA: partner}]
    exclusions:
      - name: spouse
        phrases: [my partner]
  - id: joint_ventures
    label: Joint ventures
    parent: partnerships
"""


def test_codebook_parses_patterns_exclusions_and_nesting():
    book = parse_codebook(GOOD)
    assert book.ids == ("partnerships", "joint_ventures")
    code = book["partnerships"]
    assert code.phrases == ("joint venture", "partner organisation")
    assert code.patterns[0].name == "work_with_partners"
    assert code.patterns[0].tokens[1] == {"LOWER": "with"}
    assert code.exclusions[0].phrases == ("my partner",)
    assert book["joint_ventures"].parent == "partnerships"
    assert book.children("partnerships") == (book["joint_ventures"],)
    assert "partnerships" in book and "nope" not in book


@pytest.mark.parametrize("reason", ["the code frame's own words for the concept", "  two   lines\n of reason "])
def test_codebook_corpus_only_reason_kept_on_its_pattern(reason):
    text = GOOD.replace("        pattern: [{LEMMA: work}", f"        corpus_only: {json.dumps(reason)}\n        pattern: [{{LEMMA: work}}")
    code = parse_codebook(text)["partnerships"]
    assert code.patterns[0].corpus_only == " ".join(reason.split())
    assert parse_codebook(GOOD)["partnerships"].patterns[0].corpus_only == ""


@pytest.mark.parametrize(
    ("text", "code", "line", "field"),
    [
        ("codes:\n  - id: a\n    label: A\n    lable: typo\n", "E104", 4, "codes[0].lable"),
        ("codes:\n  - id: a\n", "E105", 2, "codes[0]"),
        ("codes:\n  - id: a\n    label: A\n  - id: a\n    label: B\n", "E106", 4, "codes[1].id"),
        ("codes:\n  - id: a\n    label: A\n    parent: zz\n", "E107", 4, "codes[0].parent"),
        ("codes:\n  - id: a\n    label: A\n    parent: b\n  - id: b\n    label: B\n    parent: a\n", "E108", None, None),
        ("codes:\n  - id: a\n    label: A\n    patterns:\n      - name: p\n        pattern: [{LEMMA: take}, {OP: '?!'}]\n", "E109", 6, "codes[0].patterns[0].pattern"),
        ("codes:\n  - id: Bad-Id\n    label: A\n", "E110", 2, "codes[0].id"),
        ("codes:\n  - id: a\n    label: A\n    color: red\n", "E111", 4, "codes[0].color"),
        ("codes:\n  - id: a\n    label: A\n    patterns:\n      - name: p\n        pattern: [{LEMMA: take}]\n        corpus_only: '  '\n", "E114", 7, "codes[0].patterns[0].corpus_only"),
        ("codes:\n  - id: a\n    label: A\n    patterns:\n      - name: p\n        pattern: [{LEMMA: take}]\n        corpus_only: [x]\n", "E103", 7, "codes[0].patterns[0].corpus_only"),
        ("codes:\n  - id: a\n    label: A\n    exclusions:\n      - name: x\n        phrases: [y]\n        corpus_only: z\n", "E104", 7, "codes[0].exclusions[0].corpus_only"),
        ("codes: [\n", "E102", None, None),
        ("codes: {a: 1}\n", "E103", 1, "codes"),
        ("version: 1\n", "E105", None, None),
    ],
)
def test_codebook_errors_name_file_line_and_field(text, code, line, field):
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, path="my-codebook.yaml")
    found = [p for p in info.value.problems if p.code == code]
    assert found, info.value
    p = found[0]
    assert p.path == "my-codebook.yaml"
    if line is not None:
        assert p.line == line
    if field is not None:
        assert p.field == field
    assert str(p).startswith("my-codebook.yaml")


def test_codebook_reports_all_problems_at_once():
    text = "codes:\n  - id: a\n    label: A\n    colour: x\n  - id: a\n  - id: c\n    label: C\n    parent: q\n"
    with pytest.raises(CodebookError) as info:
        parse_codebook(text)
    assert {p.code for p in info.value.problems} >= {"E104", "E105", "E106", "E107"}


def test_codebook_missing_file(tmp_path):
    with pytest.raises(CodebookError) as info:
        load_codebook(tmp_path / "nope.yaml")
    assert info.value.problems[0].code == "E101"
    assert "nope.yaml" in str(info.value.problems[0])


@pytest.mark.parametrize("content, code", [("cp1252", "E102"), ("folder", "E101")])
def test_codebook_unreadable_file_is_a_codebook_error(tmp_path, content, code):
    # A codebook saved as cp1252 (£, an em dash) or a folder given for the file: a message, no crash.
    path = tmp_path / "codebook.yaml"
    if content == "folder":
        path.mkdir()
    else:
        path.write_bytes("codes:\n  - id: a\n    label: £5 — “cheap”\n".encode(content))
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert [(p.code, p.path) for p in info.value.problems] == [(code, str(path))]


@pytest.mark.parametrize("value,ok", [("[Sam Lee, Ruth Adeyemi]", True), ("Sam Lee", True), ("3", False),
                                      ("[Sam, 3]", False), ("['']", False), ("{a: b}", False)])
def test_codebook_settings_interviewers_are_names(tmp_path, value, ok):
    book = tmp_path / "book.yaml"
    book.write_text(f"settings:\n  interviewers: {value}\ncodes:\n  - id: a\n    label: A\n", encoding="utf-8")
    if ok:
        assert all(isinstance(n, str) and n for n in load_codebook(book, validate_patterns=False).interviewers)
    else:
        with pytest.raises(CodebookError) as info:
            load_codebook(book, validate_patterns=False)
        (p,) = info.value.problems
        assert (p.code, p.line) == ("E103", 2)
