"""Tests of the findings chart: values, order and labels read back from the Figure object."""

from __future__ import annotations

import pandas as pd
import pytest

from casecoder.errors import FindingsError
from casecoder.figures import cases_per_code, chart_cases_per_code, save_figure

LABELS = {
    "bold": "Be bold, ambitious, united and passionate",
    "pace": "Move with pace",
    "risk": "Take considered risks",
    "recruit": "Recruit staff with the right attitudes for innovation — “mindset” first £ 🚀",
    "unused": "A code nobody took",
}


@pytest.fixture
def presence() -> pd.DataFrame:
    # 4 cases; columns in codebook order. pace and risk tie on 2: codebook order keeps pace first.
    return pd.DataFrame(
        {"bold": [1, 1, 1, 1], "pace": [1, 0, 1, 0], "risk": [0, 1, 0, 1], "recruit": [0, 0, 0, 3], "unused": [0, 0, 0, 0]},
        index=pd.Index(["a", "b", "c", "d"], name="case"),
    )


def _bars(fig):
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    # barh patches are drawn in y order 0..n-1; the y axis is inverted, so 0 is the top bar.
    widths = {}
    for p in ax.patches:
        y = round(p.get_y() + p.get_height() / 2)
        widths[y] = widths.get(y, 0) + p.get_width()
    values = [widths[y] for y in sorted(widths)]
    texts = [t.get_text() for t in ax.texts]
    return ax, labels, values, texts


def test_figures_cases_per_code_sorts_descending_ties_in_codebook_order(presence):
    counts = cases_per_code(presence)
    assert list(counts.index) == ["bold", "pace", "risk", "recruit", "unused"]
    assert counts.tolist() == [4, 2, 2, 1, 0]


def test_figures_chart_bar_values_order_and_labels(presence):
    fig = chart_cases_per_code(presence, LABELS, title="Key leadership actions", source="Source: test corpus")
    ax, labels, values, texts = _bars(fig)
    assert values == [4, 2, 2, 1, 0]
    assert labels == [LABELS[c] for c in ["bold", "pace", "risk", "recruit", "unused"]]  # full, never cut
    assert texts == ["4", "2", "2", "1", "0"]
    assert ax.yaxis_inverted()  # most at the top
    assert ax.get_xlim() == (0.0, 4.0)
    assert ax.get_title(loc="left") == "Key leadership actions"
    assert fig._supxlabel.get_text() == "Source: test corpus"


def test_figures_chart_without_labels_uses_ids(presence):
    _, labels, _, _ = _bars(chart_cases_per_code(presence))
    assert labels == ["bold", "pace", "risk", "recruit", "unused"]


def test_figures_chart_stacked_by_attribute_sums_to_totals(presence):
    by = pd.Series({"a": "county", "b": "district", "c": "county"})  # d has no type
    fig = chart_cases_per_code(presence, LABELS, by=by, group_order=["district", "county"])
    ax, _, values, texts = _bars(fig)
    assert values == [4, 2, 2, 1, 0]
    assert texts == ["4", "2", "2", "1", "0"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["district", "county", "(missing)"]
    # the first container is the first group: district (case b) takes bold and risk only
    district = [p.get_width() for p in ax.containers[0]]
    assert district == [1, 0, 1, 0, 0]


def test_figures_chart_needs_cases():
    with pytest.raises(FindingsError, match="E510"):
        chart_cases_per_code(pd.DataFrame(columns=["a"]))


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_figures_save_writes_png_and_svg_identically_twice(presence, tmp_path):
    fig = chart_cases_per_code(presence, LABELS, title="T", source="S")
    first = save_figure(fig, tmp_path / "one" / "chart.png")
    assert [p.name for p in first] == ["chart.png", "chart.svg"]
    again = save_figure(chart_cases_per_code(presence, LABELS, title="T", source="S"), tmp_path / "two" / "chart")
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes()
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "casecoder" in svg
    assert first[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "one").glob(".*tmp*"))  # no temporary files left


def test_figures_save_rejects_unknown_format(presence, tmp_path):
    with pytest.raises(FindingsError) as e:
        save_figure(chart_cases_per_code(presence), tmp_path / "c", formats=["png", "gif"])
    assert e.value.problems[0].code == "E508" and "svg" in str(e.value)
