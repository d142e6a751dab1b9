"""The one reader of anchored YAML files: overrides files and analyst codings read alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.anchored import parse_anchored, read_anchored
from casecoder.errors import AgreementError, OverridesError
from casecoder.overrides import OVERRIDES_FILE
from casecoder.sources import ANALYST_CODING

OVERRIDES = """\
analyst: zoë
overrides:
  - action: add
    document: oldham
    code: considered_risk
    quote: "We took a leap"
    note: "risk taken knowingly"
"""

CODING = """\
analyst: zoë
reviewed: [oldham]
codings:
  - document: oldham
    quote: "We took a leap"
    code: considered_risk
    note: "risk taken knowingly"
"""


@pytest.mark.parametrize("fmt, text, line", [(OVERRIDES_FILE, OVERRIDES, 3), (ANALYST_CODING, CODING, 4)])
def test_anchored_both_formats_read_their_entries_with_lines(fmt, text, line):
    read = parse_anchored(text, "z.yaml", fmt)
    assert read.problems == ()
    assert read.analyst == "zoë"
    (entry,) = read.entries
    assert entry.ok and entry.line == line and entry.index == 0
    assert entry.fields["quote"] == "We took a leap" and entry.fields["code"] == "considered_risk"


@pytest.mark.parametrize("fmt, text, found", [
    (OVERRIDES_FILE, OVERRIDES, [("E403", 5), ("E403", 8), ("E411", 3)]),
    (ANALYST_CODING, CODING, [("E616", 6), ("E616", 8), ("E616", 4)]),
])
def test_anchored_every_shape_problem_is_listed_with_its_line_in_each_format(fmt, text, found):
    # the same three mistakes in either file: a field given twice, a field that is a list, an
    # empty required field; each is reported, in file order, in the format's own messages
    broken = (text.replace('    note: "risk taken knowingly"\n', '    note: "a"\n    note: "b"\n')
                  .replace("code: considered_risk", "code: [a, b]")
                  .replace('quote: "We took a leap"', 'quote: ""'))
    read = parse_anchored(broken, "z.yaml", fmt)
    # the entry's keys where they are written, then its empty field at the entry's first line
    assert [(p.code, p.line) for p in read.problems] == found
    assert all(p.path == "z.yaml" for p in read.problems)
    assert not read.entries[0].ok


@pytest.mark.parametrize("fmt, error, code", [(OVERRIDES_FILE, OverridesError, "E402"),
                                              (ANALYST_CODING, AgreementError, "E612")])
def test_anchored_not_yaml_and_not_utf8_name_the_file(tmp_path: Path, fmt, error, code):
    bad = tmp_path / "bad.yaml"
    bad.write_text("analyst: [oops\n", encoding="utf-8")
    with pytest.raises(error) as err:
        read_anchored(bad, fmt)
    assert [(p.code, p.path, p.line) for p in err.value.problems] == [(code, str(bad), 2)]
    bad.write_bytes("analyst: £\n".encode("cp1252"))
    with pytest.raises(error) as err:
        read_anchored(bad, fmt)
    assert [p.code for p in err.value.problems] == [code]


def test_anchored_unknown_keys_are_problems_in_overrides_and_left_alone_in_codings():
    extra = "turn: 4\n"
    over = parse_anchored(OVERRIDES.replace('    note:', f'    {extra}    note:') + "colour: red\n", "o.yaml",
                          OVERRIDES_FILE)
    assert [(p.code, p.field) for p in over.problems] == [("E404", "colour"), ("E404", "overrides[0].turn")]
    coding = parse_anchored(CODING.replace('    note:', f'    {extra}    note:') + "colour: red\n", "c.yaml",
                            ANALYST_CODING)
    assert coding.problems == () and coding.entries[0].ok and "turn" not in coding.entries[0].fields


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abZë “”'\\:#-")), min_size=1, max_size=30))
def test_anchored_any_quote_reads_back_as_written(quote):
    import yaml

    text = OVERRIDES.replace('"We took a leap"', yaml.safe_dump(quote, default_style='"', allow_unicode=True).strip())
    read = parse_anchored(text, "z.yaml", OVERRIDES_FILE)
    assert read.entries[0].fields["quote"] == quote
