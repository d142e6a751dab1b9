"""The message catalogue: every code well formed, every template fillable, problems readable."""

from __future__ import annotations

import re
import string

import pytest

from casecoder import errors
from casecoder.errors import MESSAGES, CasecoderError, Problem, problem


def test_errors_catalogue_codes_are_stable_and_unique_by_area():
    assert all(re.fullmatch(r"E\d{3}", code) for code in MESSAGES)
    # A dict literal silently keeps the last of two equal keys: count them in the source.
    import ast
    from pathlib import Path

    tree = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    keys = [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "MESSAGES"
        for k in node.value.keys
    ]
    assert len(keys) == len(MESSAGES)
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_errors_every_template_formats(code):
    fields = {f for _, f, _, _ in string.Formatter().parse(MESSAGES[code]) if f}
    values = {f: f"<{f}>" for f in fields - {"path", "line", "field"}}
    p = problem(code, path="x.yaml", line=3, field="codes[0]", **values)
    assert str(p).startswith("x.yaml:3: codes[0]: ")
    assert str(p).endswith(f"[{code}]")
    assert all(v in p.message for v in values.values())


def test_errors_exception_carries_every_problem():
    a, b = Problem("E003", "empty", "a.txt"), Problem("E001", "missing", "b.txt")
    exc = errors.TranscriptError([a, b])
    assert isinstance(exc, CasecoderError)
    assert exc.problems == (a, b)
    assert str(exc) == "a.txt: empty [E003]\nb.txt: missing [E001]"
    with pytest.raises(ValueError):
        CasecoderError([])
