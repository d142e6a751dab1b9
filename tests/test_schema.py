"""The codings table: canonical form, validation with places, atomic deterministic writing."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecoder.codebook import parse_codebook
from casecoder.errors import CodingsError
from casecoder.io import spreadsheet_safe
from casecoder.schema import CODINGS_COLUMNS, csv_safe_rows, empty_codings, read_codings, validate_codings, write_codings

BOOK = parse_codebook("codes:\n  - id: partnerships\n    label: P\n  - id: considered_risk\n    label: R\n")


def table(**extra):
    rows = [
        {"document": "b", "case": "oldham", "start": 10, "end": 20, "code": "partnerships", "text": "ventures —"},
        {"document": "a", "case": "surrey", "start": 0, "end": 5, "code": "considered_risk", "text": "risk£"},
    ]
    df = pd.DataFrame(rows)
    for k, v in extra.items():
        df[k] = v
    return df


def test_schema_normalise_fills_defaults_sorts_and_orders_columns():
    out = validate_codings(table(), codebook=BOOK)
    assert tuple(out.columns) == CODINGS_COLUMNS
    assert list(out["document"]) == ["a", "b"]
    assert list(out["segment"]) == [-1, -1] and list(out["status"]) == ["coded", "coded"]
    assert out["start"].dtype == "int64"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_schema_write_read_round_trip_byte_identical(tmp_path, suffix):
    df = validate_codings(table())
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    write_codings(df, a)
    write_codings(df.sample(frac=1, random_state=1), b)
    assert a.read_bytes() == b.read_bytes()
    back = read_codings(a, codebook=BOOK)
    pd.testing.assert_frame_equal(back, df)
    assert not list(tmp_path.glob(".*tmp*"))


def test_schema_unknown_code_and_missing_column(tmp_path):
    bad = table()
    bad.loc[0, "code"] = "innovative_culture"
    with pytest.raises(CodingsError) as info:
        validate_codings(bad, codebook=BOOK, where="c.csv")
    p = info.value.problems[0]
    assert p.code == "E203" and "innovative_culture" in p.message and p.path == "c.csv"
    with pytest.raises(CodingsError) as info:
        validate_codings(table().drop(columns=["case"]), where="c.csv")
    assert info.value.problems[0].code == "E202" and "case" in info.value.problems[0].message


def test_schema_bad_numbers_and_spans_name_row():
    with pytest.raises(CodingsError) as info:
        validate_codings(table(start=["x", 0]))
    assert info.value.problems[0].code == "E204" and info.value.problems[0].field == "start"
    with pytest.raises(CodingsError) as info:
        validate_codings(table(end=[1, 2]))
    assert info.value.problems[0].code == "E207"


def test_schema_read_errors(tmp_path):
    with pytest.raises(CodingsError) as info:
        read_codings(tmp_path / "missing.csv")
    assert info.value.problems[0].code == "E201"
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(CodingsError) as info:
        read_codings(tmp_path / "x.xlsx")
    assert info.value.problems[0].code == "E206"
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(CodingsError) as info:
        read_codings(tmp_path / "bad.parquet")
    assert info.value.problems[0].code == "E205"


def test_schema_empty_table_has_all_columns():
    assert tuple(empty_codings().columns) == CODINGS_COLUMNS and empty_codings().empty


_CELLS = st.one_of(st.integers(-3, 3), st.sampled_from(["", "doc", "=1+2", "+44", "-x", "@a", "\tx", "\rx", "'=x",
                                                        "'quoted", "a\x00=b", "résumé", "x-y"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=3, max_size=3).map(tuple), max_size=6),
       st.lists(_CELLS, max_size=4).map(tuple))
def test_schema_csv_safe_rows_guards_each_cell_as_spreadsheet_safe_does(rows, odd) -> None:
    # Columns of text, of numbers or of both; with and without a row of another length.
    for table in (rows, rows + [odd]):
        expected = [tuple(spreadsheet_safe(v) if isinstance(v, str) else v for v in row) for row in table]
        assert csv_safe_rows(table) == expected
