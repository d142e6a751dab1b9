"""The ``casecoder chart`` command: its help's example run, a chart by an attribute in PNG and SVG,
and bad codings refused with nothing written."""

from __future__ import annotations

import pytest

from casecoder.cli import main

from cli_data import examples, shipped_study  # noqa: F401  (the fixture)
from study_data import BAD_CODINGS, check_bad_codings_exit_2_and_write_nothing, codings_file, study  # noqa: F401


def test_cli_chart_help_example_runs_and_writes_png_and_svg(capsys, monkeypatch, shipped_study):
    first = examples(capsys, "chart")[0]
    assert first == ["chart", "codings.csv", "--out", "chart"]
    monkeypatch.chdir(shipped_study)
    assert main(first) == 0
    assert (shipped_study / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (shipped_study / "chart.svg").read_text(encoding="utf-8")


def test_cli_chart_writes_png_and_svg(study, codings_file, tmp_path):
    cb = str(study / "codebook.yaml")
    assert main(["chart", str(codings_file), "--codebook", cb, str(study / "data/interviews"),
                 "--by", "council_type", "--out", str(tmp_path / "c" / "chart")]) == 0
    assert (tmp_path / "c" / "chart.png").stat().st_size > 1000 and (tmp_path / "c" / "chart.svg").is_file()


@pytest.mark.parametrize(("change", "code"), BAD_CODINGS)
def test_cli_chart_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code):
    check_bad_codings_exit_2_and_write_nothing(study, codings_file, tmp_path, capsys, change, code, "chart")
