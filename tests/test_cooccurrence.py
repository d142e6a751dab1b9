"""Tests of code co-occurrence: numbers counted by hand on a small table, a brute-force oracle
under hypothesis, the heatmap read back from its Figure, the files and the command."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casecoder.cooccurrence
from casecoder.cooccurrence import PAIR_COLUMNS, SEGMENT_COLUMNS, UNITS, cooccurrence, write_cooccurrence
from casecoder.errors import CodingsError, FindingsError
from casecoder.figures import plot_cooccurrence_heatmap
from casecoder.schema import CODINGS_COLUMNS

from cooccurrence_data import CODES, EXPECTED, hand_codings, row

@pytest.fixture
def codings() -> pd.DataFrame:
    return hand_codings()


@pytest.mark.parametrize("unit", UNITS)
def test_cooccurrence_counts_by_hand(codings, unit):
    n_units, counts = EXPECTED[unit]
    co = cooccurrence(codings, CODES, unit=unit)
    assert co.unit == unit
    assert co.n_units == n_units
    assert co.counts.to_numpy().tolist() == counts
    assert list(co.counts.index) == CODES and list(co.counts.columns) == CODES


@pytest.mark.parametrize(
    ("unit", "a", "b", "jaccard", "share_of_a", "share_of_b"),
    [
        ("sentence", "pace", "risk", 1 / 5, 1 / 3, 1 / 3),
        ("sentence", "pace", "culture", 1 / 6, 1 / 3, 1 / 4),
        ("turn", "pace", "culture", 1.0, 1.0, 1.0),
        ("turn", "pace", "risk", 2 / 4, 2 / 3, 2 / 3),
        ("document", "pace", "risk", 2 / 3, 1.0, 2 / 3),
    ],
)
def test_cooccurrence_normalised_by_hand(codings, unit, a, b, jaccard, share_of_a, share_of_b):
    co = cooccurrence(codings, CODES, unit=unit)
    assert co.jaccard.loc[a, b] == pytest.approx(jaccard)
    assert co.conditional.loc[a, b] == pytest.approx(share_of_a)
    assert co.conditional.loc[b, a] == pytest.approx(share_of_b)
    pair = co.pairs[(co.pairs["code_a"] == a) & (co.pairs["code_b"] == b)].iloc[0]
    assert (pair["jaccard"], pair["share_of_a"], pair["share_of_b"]) == pytest.approx((jaccard, share_of_a, share_of_b))


def test_cooccurrence_unused_code_is_undefined_not_zero(codings):
    co = cooccurrence(codings, CODES, unit="sentence")
    assert co.jaccard.loc["pace", "pace"] == 1.0
    assert math.isnan(co.jaccard.loc["unused", "unused"])
    assert math.isnan(co.jaccard.loc["unused", "pace"]) is False  # pace is used: 0 of 3
    assert co.jaccard.loc["unused", "pace"] == 0.0
    assert co.conditional.loc["unused"].isna().all()


def test_cooccurrence_excluded_rows_never_count(codings):
    # risk is excluded on a1 sentence 2; coded there it would pair with pace and culture.
    recoded = codings.assign(status="coded", reason="")
    assert cooccurrence(recoded, CODES).counts.loc["pace", "risk"] == 2
    assert cooccurrence(codings, CODES).counts.loc["pace", "risk"] == 1


def test_cooccurrence_pairs_table_is_tidy(codings):
    co = cooccurrence(codings, CODES, unit="turn")
    assert tuple(co.pairs.columns) == PAIR_COLUMNS
    assert list(zip(co.pairs["code_a"], co.pairs["code_b"])) == [
        ("pace", "risk"), ("pace", "culture"), ("pace", "unused"),
        ("risk", "culture"), ("risk", "unused"), ("culture", "unused")]
    assert co.pairs["both"].tolist() == [2, 3, 0, 2, 0, 0]
    assert co.pairs["either"].tolist() == [4, 3, 3, 4, 3, 3]


def test_cooccurrence_segments_behind_a_cell(codings):
    co = cooccurrence(codings, CODES, unit="sentence")
    assert tuple(co.segments.columns) == SEGMENT_COLUMNS
    cell = co.segments[(co.segments["code_a"] == "pace") & (co.segments["code_b"] == "culture")]
    # the one sentence coded with both: pace (by the machine and an analyst, once) and culture
    assert cell[["unit", "document", "turn", "segment", "start", "end", "code", "sources"]].values.tolist() == [
        ["a1, sentence 2", "a1", 1, 2, 40, 59, "pace", "auto+manual"],
        ["a1, sentence 2", "a1", 1, 2, 40, 59, "culture", "auto"],
    ]
    assert set(zip(co.segments["code_a"], co.segments["code_b"])) == {
        ("pace", "risk"), ("pace", "culture"), ("risk", "culture")}


def test_cooccurrence_segments_at_turn_list_every_span_of_both_codes(codings):
    co = cooccurrence(codings, CODES, unit="turn")
    cell = co.segments[(co.segments["code_a"] == "risk") & (co.segments["code_b"] == "culture")]
    assert cell[["unit", "start", "code"]].values.tolist() == [
        ["a1, turn 0", 0, "risk"], ["a1, turn 0", 20, "culture"],
        ["b1, turn 0", 20, "risk"], ["b1, turn 0", 20, "culture"], ["b1, turn 0", 45, "culture"],
    ]


def test_cooccurrence_filters_and_codes_default(codings):
    only_auto = cooccurrence(codings, CODES, unit="sentence", sources="auto")
    assert only_auto.counts.loc["culture", "culture"] == 3  # the manual span is left out
    default = cooccurrence(codings)
    assert list(default.counts.index) == ["culture", "pace", "risk"]  # the table's codes, sorted


def test_cooccurrence_rejects_unknown_unit_and_code(codings):
    with pytest.raises(FindingsError) as err:
        cooccurrence(codings, CODES, unit="paragraph")
    assert err.value.problems[0].code == "E508"
    assert "sentence, turn, document, case" in str(err.value)
    with pytest.raises(CodingsError) as err:
        cooccurrence(codings, ["pace", "risk"])
    assert [p.code for p in err.value.problems] == ["E203"]
    assert "culture" in str(err.value)


def test_cooccurrence_empty_table():
    co = cooccurrence(pd.DataFrame(columns=list(CODINGS_COLUMNS)), CODES)
    assert co.n_units == 0
    assert int(co.counts.to_numpy().sum()) == 0
    assert co.jaccard.isna().all().all()
    assert co.segments.empty and tuple(co.segments.columns) == SEGMENT_COLUMNS


def test_cooccurrence_docstring_examples_run():
    result = doctest.testmod(casecoder.cooccurrence, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4 and result.failed == 0


# --------------------------------------------------------------------------------------------
# properties against a brute-force count with Python sets

_row = st.tuples(
    st.sampled_from(["d1", "d2", "d3"]),      # document (its case: the first letter of its id + 1)
    st.integers(0, 2),                         # turn
    st.integers(-1, 3),                        # segment (-1: a span of its own)
    st.sampled_from(["a", "b", "c", "d"]),     # code
    st.sampled_from(["coded", "excluded"]),
    st.sampled_from(["auto", "manual"]),
)


def _table(draw_rows):
    rows = []
    for doc, turn, seg, code, status, source in draw_rows:
        start = 100 + 7 * turn if seg < 0 else 10 * seg
        rows.append(row(doc, "one" if doc != "d3" else "two", turn, seg, code, status=status, source=source,
                        start=start, end=start + 5))
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


def _brute(table, unit):
    units: dict[str, set] = {c: set() for c in "abcd"}
    for r in table[table["status"] == "coded"].itertuples():
        key = {"case": (r.case,), "document": (r.document,),
               "turn": (r.document, r.turn), "sentence": (r.document, r.segment)}[unit]
        if unit == "sentence" and r.segment < 0:
            key = (r.document, "span", r.start, r.end)
        units[r.code].add(key)
    return [[len(units[a] & units[b]) for b in "abcd"] for a in "abcd"]


@settings(max_examples=40)
@given(rows=st.lists(_row, max_size=25), unit=st.sampled_from(UNITS), seed=st.randoms())
def test_cooccurrence_matches_brute_force_and_is_symmetric(rows, unit, seed):
    table = _table(rows)
    co = cooccurrence(table, list("abcd"), unit=unit)
    counts = co.counts.to_numpy()
    assert counts.tolist() == _brute(table, unit)
    assert (counts == counts.T).all()
    assert (co.jaccard.fillna(-1).to_numpy() == co.jaccard.fillna(-1).to_numpy().T).all()
    j = co.jaccard.to_numpy()
    assert ((j[~np.isnan(j)] >= 0) & (j[~np.isnan(j)] <= 1)).all()
    # a pair cannot share more units than either code has
    assert (counts <= np.minimum.outer(np.diag(counts), np.diag(counts))).all()
    # the segments behind a pair lie in exactly the units the pair shares
    behind = co.segments.groupby(["code_a", "code_b"])["unit"].nunique().to_dict()
    assert behind == {(a, b): n for a, b, n in co.pairs[["code_a", "code_b", "both"]].itertuples(index=False) if n}
    # row order does not matter
    shuffled = table.sample(frac=1.0, random_state=seed.randrange(2**32))
    assert cooccurrence(shuffled, list("abcd"), unit=unit).counts.equals(co.counts)


# --------------------------------------------------------------------------------------------
# the heatmap, the files and the command


def test_cooccurrence_heatmap_cells_and_labels(codings):
    co = cooccurrence(codings, CODES, unit="turn")
    labels = {"pace": "Move with pace", "risk": "Take considered risks", "culture": "Créer une culture", "unused": "Nobody"}
    fig = plot_cooccurrence_heatmap(co, labels)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "1. Move with pace", "2. Take considered risks", "3. Créer une culture", "4. Nobody"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    # diagonal: turns coded with the code; elsewhere the turns shared, none where nothing is shared
    assert cells == {(0, 0): "3", (1, 1): "3", (2, 2): "3", (3, 3): "0",
                     (0, 1): "2", (1, 0): "2", (0, 2): "3", (2, 0): "3", (1, 2): "2", (2, 1): "2"}
    image = ax.images[0]
    assert image.get_clim() == (0.0, 1.0)  # the largest Jaccard (pace, culture) is 1.0
    assert ax.get_title(loc="left") == "Codes coded in the same turn"
    with pytest.raises(FindingsError):
        plot_cooccurrence_heatmap(co, value="lift")


def test_cooccurrence_write_files_are_repeatable(codings, tmp_path):
    co = cooccurrence(codings, CODES, unit="sentence")
    first = write_cooccurrence(co, tmp_path / "a")
    second = write_cooccurrence(co, tmp_path / "b")
    names = sorted(p.name for p in first)
    assert names == sorted([
        "sentence-counts.csv", "sentence-jaccard.csv", "sentence-conditional.csv", "sentence-pairs.csv",
        "sentence-pairs.parquet", "sentence-segments.csv", "sentence-segments.parquet",
        "sentence-heatmap.png", "sentence-heatmap.svg"])
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    back = pd.read_csv(tmp_path / "a" / "sentence-counts.csv", index_col=0)
    assert back.to_numpy().tolist() == EXPECTED["sentence"][1]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "sentence-segments.parquet"), co.segments,
                                  check_dtype=False)
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]  # no temporary files left


def test_cooccurrence_csv_outputs_are_spreadsheet_safe_parquet_raw(codings, tmp_path):
    codings = codings.copy()
    codings["text"] = "=HYPERLINK(\"http://x\") " + codings["text"]
    co = cooccurrence(codings, unit="sentence", codes=CODES)
    write_cooccurrence(co, tmp_path)
    csv_text = (tmp_path / "sentence-segments.csv").read_text(encoding="utf-8")
    assert "\n'=HYPERLINK" in csv_text or ",'=HYPERLINK" in csv_text or "\"'=HYPERLINK" in csv_text
    raw = pd.read_csv(tmp_path / "sentence-segments.csv", dtype=str, keep_default_na=False)
    assert not any(v.startswith("=") for col in raw for v in raw[col])
    parquet = pd.read_parquet(tmp_path / "sentence-segments.parquet")
    assert parquet["text"].str.startswith("=HYPERLINK").all()
