"""Tests of the cases x codes matrix, the framework matrix and subtotals, on hand-made tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.errors import CodingsError, FindingsError
from casecoder.matrix import (
    MISSING_ATTRIBUTE,
    case_attributes,
    code_matrix,
    filter_codings,
    framework_matrix,
    segment_counts,
    subtotals,
    supporting_segments,
)

CODES = ["pace", "risk", "culture"]  # "culture" is never used below
CASES = ["oldham", "wigan", "surrey"]  # "surrey" has no codings


def row(document, case, start, code, *, section="Actions", speaker="Chief Executive", source="auto",
        status="coded", text=None, turn=1):
    return {
        "document": document, "case": case, "section": section, "turn": turn, "speaker": speaker,
        "segment": start // 10, "start": start, "end": start + 9,
        "text": text or f"We’re moving — at pace £{start} 🚀", "code": code, "rule": "phrase:pace",
        "source": source, "analyst": "casecoder" if source == "auto" else "reviewing-analyst",
        "status": status, "reason": "" if status == "coded" else "negated", "note": "",
    }


@pytest.fixture
def codings() -> pd.DataFrame:
    return pd.DataFrame([
        row("oldham", "oldham", 0, "pace"),
        row("oldham", "oldham", 0, "pace", source="manual"),  # the same span twice: counts once
        row("oldham", "oldham", 20, "pace", section="Challenges", speaker="Manager"),
        row("oldham", "oldham", 40, "risk", status="excluded"),  # set aside: never counts by default
        row("wigan", "wigan", 0, "risk", source="manual", text="A leap of faith—“we jumped”."),
        row("wigan-2", "wigan", 50, "pace", section="Challenges"),
    ])


@pytest.mark.parametrize("value", ["count"])
def test_matrix_counts_distinct_coded_segments(codings, value):
    m = code_matrix(codings, CODES, cases=CASES, value=value)
    assert list(m.index) == CASES and list(m.columns) == CODES
    assert m.loc["oldham", "pace"] == 2  # 0 (auto + manual, once) and 20
    assert m.loc["oldham", "risk"] == 0  # excluded
    assert m.loc["wigan"].tolist() == [1, 1, 0]
    assert m.dtypes.eq("int64").all()


def test_matrix_presence_is_zero_or_one(codings):
    m = code_matrix(codings, CODES, cases=CASES, value="presence")
    assert m.loc["oldham"].tolist() == [1, 0, 0]
    assert m.loc["wigan"].tolist() == [1, 1, 0]
    assert m.sum().tolist() == [2, 1, 0]


def test_matrix_case_without_codings_and_code_never_used_are_zero(codings):
    m = code_matrix(codings, CODES, cases=CASES)
    assert m.loc["surrey"].tolist() == [0, 0, 0]
    assert m["culture"].tolist() == [0, 0, 0]


def test_matrix_follows_given_orders(codings):
    m = code_matrix(codings, list(reversed(CODES)), cases=list(reversed(CASES)))
    assert list(m.index) == list(reversed(CASES)) and list(m.columns) == list(reversed(CODES))


def test_matrix_default_cases_are_the_tables_sorted(codings):
    assert list(code_matrix(codings, CODES).index) == ["oldham", "wigan"]


@pytest.mark.parametrize(
    ("filters", "expected_oldham_pace", "expected_wigan"),
    [
        ({"sections": "Actions"}, 1, [0, 1, 0]),
        ({"sections": ["Challenges"]}, 1, [1, 0, 0]),
        ({"speakers": "Manager"}, 1, [0, 0, 0]),
        ({"documents": ["wigan-2"]}, 0, [1, 0, 0]),
        ({"sources": "manual"}, 1, [0, 1, 0]),
        ({"sources": "auto"}, 2, [1, 0, 0]),
        ({"statuses": None}, 2, [1, 1, 0]),
    ],
)
def test_matrix_filters(codings, filters, expected_oldham_pace, expected_wigan):
    m = code_matrix(codings, CODES, cases=CASES, **filters)
    assert m.loc["oldham", "pace"] == expected_oldham_pace
    assert m.loc["wigan"].tolist() == expected_wigan


def test_matrix_excluded_rows_count_when_asked(codings):
    m = code_matrix(codings, CODES, cases=CASES, statuses="excluded")
    assert m.loc["oldham", "risk"] == 1 and m.loc["oldham", "pace"] == 0


def test_matrix_share_divides_by_case_totals(codings):
    m = code_matrix(codings, CODES, cases=CASES, value="share", totals={"oldham": 8, "wigan": 4, "surrey": 0})
    assert m.loc["oldham", "pace"] == pytest.approx(0.25)
    assert m.loc["wigan", "risk"] == pytest.approx(0.25)
    assert m.loc["surrey"].tolist() == [0.0, 0.0, 0.0]  # no segments: 0, not a division error


def test_matrix_share_without_totals_is_an_error(codings):
    with pytest.raises(FindingsError) as e:
        code_matrix(codings, CODES, value="share")
    assert e.value.problems[0].code == "E509"


def test_matrix_unknown_value_lists_the_choices(codings):
    with pytest.raises(FindingsError) as e:
        code_matrix(codings, CODES, value="percent")
    assert e.value.problems[0].code == "E508" and "presence" in str(e.value)


def test_matrix_unknown_source_filter_is_an_error(codings):
    with pytest.raises(FindingsError, match="E508"):
        code_matrix(codings, CODES, sources="machine")


def test_matrix_unknown_code_is_an_error(codings):
    with pytest.raises(CodingsError) as e:
        code_matrix(codings, ["pace"], where="codings.csv")
    p = e.value.problems[0]
    assert p.code == "E203" and "risk" in p.message and p.path == "codings.csv"


def test_matrix_missing_column_is_an_error(codings):
    with pytest.raises(CodingsError) as e:
        code_matrix(codings.drop(columns=["case"]), CODES)
    assert e.value.problems[0].code == "E202" and "case" in e.value.problems[0].message


def test_matrix_case_absent_from_case_list_is_an_error(codings):
    with pytest.raises(FindingsError) as e:
        code_matrix(codings, CODES, cases=["oldham"])
    p = e.value.problems[0]
    assert p.code == "E507" and "wigan" in p.message and "2 row(s)" in p.message


def test_matrix_duplicate_case_in_case_list_is_an_error(codings):
    with pytest.raises(FindingsError, match="E516"):
        code_matrix(codings, CODES, cases=["oldham", "wigan", "oldham"])


def test_matrix_of_empty_codings_is_all_zero():
    empty = pd.DataFrame([row("d", "a", 0, "pace")]).iloc[0:0]
    m = code_matrix(empty, CODES, cases=CASES, value="presence")
    assert m.shape == (3, 3) and int(m.to_numpy().sum()) == 0


def test_matrix_filter_codings_keeps_coded_by_default(codings):
    assert set(filter_codings(codings)["status"]) == {"coded"}
    assert len(filter_codings(codings, statuses=None)) == len(codings)


def test_matrix_subtotals_group_cases_and_report_missing_attribute(codings):
    m = code_matrix(codings, CODES, cases=CASES, value="presence")
    attrs = pd.DataFrame({"council_type": ["metropolitan", "metropolitan", ""]}, index=CASES)
    s = subtotals(m, attrs, "council_type")
    assert list(s.index) == ["metropolitan", MISSING_ATTRIBUTE, "all"]
    assert s.loc["metropolitan"].tolist() == [2, 1, 0]
    assert s.loc[MISSING_ATTRIBUTE].tolist() == [0, 0, 0]
    assert s.loc["all"].tolist() == m.sum().tolist()


def test_matrix_subtotals_case_missing_from_attributes_is_grouped_missing(codings):
    m = code_matrix(codings, CODES, cases=CASES, value="presence")
    s = subtotals(m, {"oldham": "metropolitan"}, "council_type", total=False)
    assert s.loc[MISSING_ATTRIBUTE].tolist() == [1, 1, 0]


def test_matrix_subtotals_unknown_attribute_is_an_error(codings):
    m = code_matrix(codings, CODES, cases=CASES)
    with pytest.raises(FindingsError, match="'council_typ'; choose one of: region"):
        subtotals(m, pd.DataFrame({"region": ["n", "n", "s"]}, index=CASES), "council_typ")


def test_matrix_framework_cells_hold_sentences(codings):
    f = framework_matrix(codings, CODES, cases=CASES, max_quotes=1)
    cell = f.loc["oldham", "pace"]
    assert cell.startswith("2 segments\n“We’re moving — at pace £0 🚀” (oldham, turn 1)")
    assert cell.endswith("… and 1 more")
    assert f.loc["wigan", "risk"] == "1 segment\n“A leap of faith—“we jumped”.” (wigan, turn 1)"
    assert f.loc["surrey", "pace"] == "" and f["culture"].eq("").all()


def test_matrix_supporting_segments_join_sources(codings):
    s = supporting_segments(codings, CODES, cases=CASES)
    first = s[(s["case"] == "oldham") & (s["code"] == "pace")].iloc[0]
    assert first["sources"] == "auto+manual" and first["start"] == 0
    assert len(s) == 4


def test_matrix_case_attributes_from_documents():
    docs = [
        SimpleNamespace(case="wigan", metadata={"council_type": "metropolitan", "council_name": "Wigan"}),
        SimpleNamespace(case="bristol", metadata={"council_name": "Bristol"}),  # no type
    ]
    a = case_attributes(docs)
    assert list(a.index) == ["bristol", "wigan"]
    assert a.loc["bristol", "council_type"] == "" and a.loc["wigan", "council_type"] == "metropolitan"


def test_matrix_segment_counts_from_transcripts(tmp_path):
    from casecoder.transcripts import read_corpus

    (tmp_path / "a.md").write_text(
        "---\ncase: a\n---\n# Actions\n\nChief Executive: We move fast. We take risks.\n\n"
        "Manager: Culture matters — a lot.\n",
        encoding="utf-8",
    )
    docs = read_corpus([tmp_path])
    assert segment_counts(docs).to_dict() == {"a": 3}
    assert segment_counts(docs, speakers="Manager").to_dict() == {"a": 1}


rows_strategy = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 5), st.sampled_from(CODES),
              st.sampled_from(["auto", "manual"]), st.sampled_from(["coded", "excluded"])),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows_strategy, st.randoms())
def test_matrix_invariants_hold_for_any_table(rows, rnd):
    table = pd.DataFrame(
        [row(case, case, start * 10, code, source=src, status=status) for case, start, code, src, status in rows]
        or [row("a", "a", 0, "pace")]
    ).drop_duplicates(["document", "start", "code", "source"])
    counts = code_matrix(table, CODES, cases=["a", "b", "c"])
    presence = code_matrix(table, CODES, cases=["a", "b", "c"], value="presence")
    shuffled = table.sample(frac=1, random_state=rnd.randint(0, 10_000))
    assert counts.equals(code_matrix(shuffled, CODES, cases=["a", "b", "c"]))  # order does not matter
    assert ((presence == 1) == (counts > 0)).all().all()
    assert (counts <= 6).all().all()  # at most one per distinct span
    coded = table[table["status"] == "coded"]
    expected = coded.drop_duplicates(["case", "code", "document", "start", "end"]).shape[0]
    assert int(counts.to_numpy().sum()) == expected


def test_matrix_by_writes_named_header_and_labelled_subtotals(tmp_path):
    from casecoder.cli import main
    from casecoder.matrix import with_subtotals, write_matrix

    m = pd.DataFrame({"listen": [1, 0, 1]}, index=pd.Index(["=evil", "b", "c"], name="case"))
    table = with_subtotals(m, {"=evil": "county", "b": "district", "c": "county"}, "council_type")
    assert table.index.name == "case"
    assert table.index.tolist()[3:] == ["council_type=county", "council_type=district", "all"]
    out = tmp_path / "m.csv"
    write_matrix(table, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "case,listen" and lines[1] == "'=evil,1" and lines[-1] == "all,2"
    # The same through the command line, on a codings table and a cases.csv.
    codings = tmp_path / "codings.csv"
    cases = tmp_path / "cases.csv"
    cases.write_text("file,case,council_type\nx,north,county\ny,south,district\n", encoding="utf-8")
    rows = [dict(document=d, case=c, section="", turn=0, speaker="", segment=0, start=0, end=1, text="x",
                 code="partnerships", rule="phrase:x", source="auto", analyst="casecoder", status="coded", reason="",
                 note="") for d, c in (("x", "north"), ("y", "south"))]
    pd.DataFrame(rows).to_csv(codings, index=False)
    assert main(["matrix", str(codings), "--cases", str(cases), "--by", "council_type", "--value", "presence",
                 "--codebook", str(Path(__file__).resolve().parents[1] / "codebook.yaml"),
                 "--out", str(tmp_path / "by.csv")]) == 0
    header, *body = (tmp_path / "by.csv").read_text(encoding="utf-8").splitlines()
    assert header.split(",")[0] == "case"
    assert [r.split(",")[0] for r in body] == ["north", "south", "council_type=county", "council_type=district", "all"]
