"""Tests of casecoder._yaml: the line of a YAML node by its path, and the place of a YAML error."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from casecoder._yaml import KEY, compose, error_place, load_with_lines

TEXT = """\
version: 1
codes:
  - id: partnerships
    label: “Build” partnerships — £5 🙂
    patterns:
      - name: work_with
        pattern: [{LEMMA: work}, {LOWER: with}]
  - id: pace
    label:
      Move with pace
    phrases: [at pace, fast]
"""


def line_of(text: str, marker: str) -> int:
    """1-based line of the first line of ``text`` containing ``marker`` (so no line is hard-coded)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        (("version",), "version: 1"),
        (("codes", 0, "label"), "“Build”"),
        (("codes", 0, "patterns", 0, "name"), "name: work_with"),
        (("codes", 0, "patterns", 0, "pattern", 1, "LOWER"), "{LOWER: with}"),
        (("codes", 1, "phrases", 1), "fast]"),
    ],
)
def test_yaml_lines_nested_keys(path, marker):
    data, lines = load_with_lines(TEXT)
    assert data == yaml.safe_load(TEXT)
    assert lines(*path) == line_of(TEXT, marker)


def test_yaml_lines_sequence_items():
    data, lines = load_with_lines(TEXT)
    assert [lines("codes", i) for i in range(len(data["codes"]))] == [
        line_of(TEXT, "id: partnerships"),
        line_of(TEXT, "id: pace"),
    ]


def test_yaml_lines_key_marker_gives_the_key_not_its_value():
    _, lines = load_with_lines(TEXT)
    key_line = TEXT.splitlines().index("    label:") + 1
    assert lines("codes", 1, "label", KEY) == key_line
    assert lines("codes", 1, "label") == line_of(TEXT, "Move with pace")
    assert lines("codes", 1, "label", KEY) != lines("codes", 1, "label")


@pytest.mark.parametrize(
    ("path", "ancestor"),
    [
        (("codes", 0, "colour"), ("codes", 0)),  # a missing field: where its mapping starts
        (("codes", 0, "colour", KEY), ("codes", 0)),
        (("codes", 7, "label"), ("codes",)),  # no such item: the list
        (("codes", -1), ("codes",)),  # no counting from the end
        (("codes", 0, "id", "deeper"), ("codes", 0, "id")),  # below a scalar: the scalar
        (("codes", "0"), ("codes",)),  # a list is indexed by int only
        (("nothing", "at", "all"), ()),  # nothing matches: the root
        (("codes", ["unhashable"]), ("codes",)),
    ],
)
def test_yaml_lines_fall_back_to_nearest_ancestor(path, ancestor):
    _, lines = load_with_lines(TEXT)
    assert lines(*path) == lines(*ancestor)
    assert lines(*path) is not None


def test_yaml_lines_empty_document_has_no_lines():
    data, lines = load_with_lines("# only a comment\n")
    assert data is None
    assert lines() is None and lines("codes", 0) is None


def test_yaml_lines_duplicate_key_last_wins_as_in_data():
    text = "a: 1\nb: 2\na: 3\n"
    data, lines = load_with_lines(text)
    assert data["a"] == 3
    assert lines("a") == line_of(text, "a: 3")


def test_yaml_lines_non_string_key_is_placed_at_its_parent():
    # As the four loaders always did, keys are matched by their text as written: the data's
    # int key 1 (from ``1:``) is not found, and its mapping's line is given ...
    text = "top:\n  x: 0\n  1: one\n"
    data, lines = load_with_lines(text)
    assert data["top"][1] == "one"
    assert lines("top", 1, KEY) == lines("top")
    # ... while the text "1" finds the key.
    assert lines("top", "1", KEY) == line_of(text, "1: one")


def test_yaml_lines_merged_keys_are_found_where_written():
    text = "base: &b\n  colour: red\ncode:\n  <<: *b\n  id: x\n"
    data, lines = load_with_lines(text)
    assert data["code"] == {"colour": "red", "id": "x"}
    assert lines("code", "colour", KEY) == line_of(text, "colour: red")
    assert lines("code", "id") == line_of(text, "id: x")


@pytest.mark.parametrize(
    ("text", "marker", "reason"),
    [
        ("a: 1\nb: c: d\n", "b: c: d", "mapping values are not allowed here"),
        ("a: “curly” £\nb: [1, 2\nc: 3\n", "c: 3", "expected ',' or ']'"),
        ("codes:\n  - id: x\n  label: “y”\n", "label", "expected <block end>"),
        ("a: 'unclosed 🙂\n", None, "found unexpected end of stream"),
    ],
)
def test_yaml_error_place_gives_line_and_reason(text, marker, reason):
    with pytest.raises(yaml.YAMLError) as info:
        load_with_lines(text)
    line, why = error_place(info.value)
    expected = line_of(text, marker) if marker else len(text.splitlines()) + 1  # end of stream
    assert line == expected
    assert why.startswith(reason)


def test_yaml_error_place_without_a_mark():
    assert error_place(yaml.YAMLError("not YAML at all\nsecond line")) == (None, "not YAML at all")
    assert error_place(yaml.YAMLError()) == (None, "YAMLError")


def test_yaml_compose_single_document():
    assert compose("") is None
    node = compose("a: [1, 2]\n")
    assert isinstance(node, yaml.MappingNode)
    with pytest.raises(yaml.YAMLError, match="single document"):
        compose("a: 1\n---\nb: 2\n")


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12)


@given(st.lists(st.dictionaries(st.sampled_from(["id", "label", "note"]), _text, min_size=1), min_size=1, max_size=6))
def test_yaml_lines_items_of_dumped_list(items):
    text = yaml.safe_dump({"items": items}, allow_unicode=True, default_flow_style=False, width=2**31 - 1)
    data, lines = load_with_lines(text)
    assert data == {"items": items}
    # safe_dump writes each item of a block list on a line of its own starting "- ".
    starts = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("- ")]
    assert [lines("items", i) for i in range(len(items))] == starts
    for i, item in enumerate(items):
        for key in item:
            assert lines("items", i, key, KEY) >= starts[i]
