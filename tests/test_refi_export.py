"""Tests of casecoder.refi.export: valid, byte-identical exports (checked by casecoder's structural
invariants without a schema, validated against the published one when given), .qdc, codings off
their text, export then import round trips and stable GUIDs (the command line round trip:
tests/test_cli_export_qdpx.py)."""

from __future__ import annotations

import io
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecoder.errors import RefiError
from casecoder.refi import NO_SCHEMA, export_qdc, export_qdpx, guid_for, import_qdc, import_qdpx
from casecoder.schema import normalise_codings
from casecoder.transcripts import read_document

from refi_data import (
    TEXT_OLDHAM,
    TEXT_SURREY,
    XSD,
    codebook_xsd,
    needs_shared,
    needs_xsd,
    refi_codebook,
    refi_codings,
    refi_docs,
)


@pytest.mark.parametrize("schema", [None, "shared"])
def test_refi_export_valid_and_byte_identical(tmp_path, schema):
    if schema == "shared" and not XSD.is_file():
        pytest.skip("../shared/refi-qda/Project-mrt2019.xsd is absent")
    docs = refi_docs(tmp_path)
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    rep = export_qdpx(a, docs, refi_codings(docs), refi_codebook(), schema=XSD if schema else None)
    export_qdpx(b, list(reversed(docs)), refi_codings(docs).sample(frac=1, random_state=3), refi_codebook(),
                schema=XSD if schema else None)
    assert a.read_bytes() == b.read_bytes()
    # without a schema the report claims no schema validity; with one it names it
    assert (rep.schema, rep.checked) == (("", NO_SCHEMA) if schema is None else (str(XSD), f"valid against {XSD}"))
    assert rep.counts["excluded_rows"] == 1
    assert rep.counts["codings"] == 5 and rep.counts["users"] == 2 and rep.counts["cases"] == 2
    with zipfile.ZipFile(a) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde"
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
        root = ET.fromstring(zf.read("project.qde"))
        for src in root.iter("{urn:QDA-XML:project:1.0}TextSource"):
            path = src.get("plainTextPath")
            assert re.fullmatch(r"internal://[0-9a-f-]{36}\.txt", path)
            data = zf.read("sources/" + path[len("internal://"):])
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
            assert data.decode("utf-8") in (TEXT_OLDHAM, TEXT_SURREY)
    assert root.get("origin", "").startswith("casecoder") and root.get("creatingUserGUID")
    assert "DateTime" not in ET.tostring(root, encoding="unicode")  # no clock time anywhere


@needs_shared
def test_refi_export_validates_against_the_published_schema(tmp_path):
    import xmlschema

    docs = refi_docs(tmp_path)
    export_qdpx(tmp_path / "p.qdpx", docs, refi_codings(docs), refi_codebook())
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        xmlschema.XMLSchema(str(XSD)).validate(io.BytesIO(zf.read("project.qde")))


@needs_xsd
def test_refi_export_qdc_validates_and_imports_back(tmp_path):
    import xmlschema

    book = refi_codebook()
    xsd = codebook_xsd(tmp_path)
    report = export_qdc(tmp_path / "c.qdc", book, schema=xsd)
    assert (report.schema, report.checked) == (str(xsd), f"valid against {xsd}")
    xmlschema.XMLSchema(str(xsd)).validate(str(tmp_path / "c.qdc"))
    back = import_qdc(tmp_path / "c.qdc", book)
    assert [c.id for c in back.report.codes] == ["bold_leadership", "involve_residents", "co_design"]
    assert all(c.known for c in back.report.codes)
    alone = import_qdc(tmp_path / "c.qdc")  # no codebook: ids from names, nesting and colours kept
    by_name = {c.name: c for c in alone.report.codes}
    assert by_name["Co-design"].parent == by_name["Involve residents"].id
    assert by_name["Be bold — and united"].color == "#332288"
    assert by_name["Involve residents"].description == "Co-design with residents."


def test_refi_export_rejects_codings_off_their_text(tmp_path):
    docs = refi_docs(tmp_path)
    bad = refi_codings(docs)
    bad.loc[0, "text"] = "something else"
    with pytest.raises(RefiError) as exc:
        export_qdpx(tmp_path / "x.qdpx", docs, bad, refi_codebook())
    assert exc.value.problems[0].code == "E713"
    assert not (tmp_path / "x.qdpx").exists()


def test_refi_round_trip_fixed(tmp_path):
    docs = refi_docs(tmp_path)
    codings = refi_codings(docs)
    export_qdpx(tmp_path / "p.qdpx", docs, codings, refi_codebook())
    got = import_qdpx(tmp_path / "p.qdpx", refi_codebook())
    assert got.report.convention == "codepoints"
    cols = ["document", "case", "start", "end", "text", "code", "analyst", "note"]
    want = codings[codings["status"] == "coded"][cols].sort_values(cols).reset_index(drop=True)
    assert got.codings[cols].sort_values(cols).reset_index(drop=True).equals(want)
    # turn, speaker and section come from the documents' turns, as the reader finds them
    by_id = {d.id: d for d in docs}
    for r in got.codings.itertuples():
        turn = by_id[r.document].turns[r.turn]
        assert turn.start <= r.start < r.end <= turn.end
        assert (r.speaker, r.section) == (turn.speaker, turn.section)
    assert {d.id: d.text for d in got.documents} == {d.id: d.text for d in docs}
    assert {k: dict(v) for k, v in got.cases.items()} == {
        "oldham": {"council_type": "metropolitan", "year": 2016},
        "surrey": {"council_type": "county", "year": 2015},
    }
    assert not got.report.unknown_codes and got.codebook.ids == refi_codebook().ids
    # the segment is the sentence index where a span is one sentence
    full = got.codings[got.codings["text"] == "Money — always money."]
    assert len(full) >= 1 and (full["segment"] >= 0).all()  # not vacuous: the sentence is coded


_ALPHABET = list("abcdefgh ") + ["’", "“", "”", "—", "£", "é", "😀", "🙂", "\n", ".", ","]


@st.composite
def _corpus(draw):
    texts = {}
    for name in ("bristol", "wigan"):
        paras = draw(st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=40).map(lambda s: "Q: " + s.strip("\n") + "x"),
                              min_size=1, max_size=4))
        texts[name] = "\n\n".join(paras) + "\n"
    rows = []
    for name, text in texts.items():
        for _ in range(draw(st.integers(0, 5))):
            a = draw(st.integers(0, len(text)))
            b = draw(st.integers(a, len(text)))
            rows.append((name, a, b, draw(st.sampled_from(["bold_leadership", "co_design"])),
                         draw(st.sampled_from(["casecoder", "Zoë", "Ann O’Neil"]))))
    return texts, rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpus())
def test_refi_round_trip_property(data):
    texts, rows = data
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs = []
        for name, text in texts.items():
            (tmp / f"{name}.md").write_text(f"---\ncase: {name}\n---\n{text}", encoding="utf-8")
            docs.append(read_document(tmp / f"{name}.md"))
        by_id = {d.id: d for d in docs}
        table = normalise_codings(pd.DataFrame(
            [{"document": n, "case": n, "start": a, "end": b, "text": by_id[n].text[a:b], "code": c, "analyst": an,
              "source": "manual"} for n, a, b, c, an in rows],
            columns=["document", "case", "start", "end", "text", "code", "analyst", "source"]))
        export_qdpx(tmp / "p.qdpx", docs, table, refi_codebook())
        got = import_qdpx(tmp / "p.qdpx", refi_codebook())
    cols = ["document", "case", "start", "end", "text", "code", "analyst"]
    want = table[cols].drop_duplicates().sort_values(cols).reset_index(drop=True)
    assert got.codings[cols].sort_values(cols).reset_index(drop=True).equals(want)
    assert {d.id: d.text for d in got.documents} == {d.id: d.text for d in docs}


def test_refi_guid_is_stable_and_distinct():
    assert guid_for("code", "a") == guid_for("code", "a") != guid_for("code", "b")
    assert guid_for("code", "a") != guid_for("case", "a")


def test_refi_export_schema_is_a_parameter_not_the_environment(tmp_path, monkeypatch):
    # The library reads no environment variable: a schema is passed in (the CLI's --schema).
    monkeypatch.setenv("CASECODER_REFI_SCHEMA", str(tmp_path / "missing.xsd"))
    docs = refi_docs(tmp_path)
    report = export_qdpx(tmp_path / "a.qdpx", docs, refi_codings(docs), refi_codebook())
    assert report.schema == "" and report.checked == NO_SCHEMA
    with pytest.raises(RefiError) as err:
        export_qdpx(tmp_path / "b.qdpx", docs, refi_codings(docs), refi_codebook(), schema=tmp_path / "missing.xsd")
    assert [p.code for p in err.value.problems] == ["E723"]
    assert not (tmp_path / "b.qdpx").exists()


@pytest.mark.parametrize("name", ["CODEBOOK_XSD", "PROJECT_SUBSET_XSD"])
def test_refi_no_schema_ships_with_casecoder(name):
    # The REFI-QDA schemas are the publisher's: none is copied into the package, none is named
    # by it, and the package data lists none.
    import tomllib

    import casecoder.refi as refi

    with pytest.raises(AttributeError):
        getattr(refi, name)
    src = Path(__file__).resolve().parents[1] / "src" / "casecoder"
    assert sorted(src.rglob("*.xsd")) == []
    data = tomllib.loads((src.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert not any(".xsd" in p for p in data["tool"]["setuptools"]["package-data"]["casecoder"])


def test_refi_export_qdc_without_a_schema_is_checked_for_structure(tmp_path):
    report = export_qdc(tmp_path / "c.qdc", refi_codebook())
    assert report.schema == "" and report.checked == NO_SCHEMA
    assert report.counts["codes"] == 3
    ET.parse(tmp_path / "c.qdc")  # well-formed


@pytest.mark.parametrize("break_it, where", [
    (lambda xml: xml.replace(b'name="casecoder project"', b""), "/Project"),
    (lambda xml: re.sub(rb'(<CodeRef targetGUID=")[0-9a-f]', rb"\g<1>z", xml, count=1), "CodeRef"),
    (lambda xml: re.sub(rb'startPosition="\d+"', b'startPosition="999999"', xml, count=1), "PlainTextSelection"),
    (lambda xml: xml[:-20], "/"),
])
def test_refi_structure_checks_catch_a_broken_project(tmp_path, break_it, where):
    # the checks an export goes through without a schema: each break of an exported project is found
    from casecoder.refi.schemas import structure_problems

    docs = refi_docs(tmp_path)
    export_qdpx(tmp_path / "a.qdpx", docs, refi_codings(docs), refi_codebook())
    with zipfile.ZipFile(tmp_path / "a.qdpx") as zf:
        xml = zf.read("project.qde")
    assert structure_problems(xml) == []
    broken = break_it(xml)
    assert broken != xml
    assert any(w.startswith(where) for w, _ in structure_problems(broken)), structure_problems(broken)


@needs_xsd
def test_refi_export_qdc_fails_a_schema_it_does_not_meet(tmp_path):
    # E722 from the caller's schema, and nothing written: a codebook schema without 'origin'
    xsd = codebook_xsd(tmp_path)
    xsd.write_text(xsd.read_text(encoding="utf-8").replace('<xsd:attribute name="origin" type="xsd:string"/>', ""),
                   encoding="utf-8")
    with pytest.raises(RefiError) as err:
        export_qdc(tmp_path / "c.qdc", refi_codebook(), schema=xsd)
    assert {p.code for p in err.value.problems} == {"E722"}
    assert not (tmp_path / "c.qdc").exists()


@pytest.mark.parametrize("module", ["model", "positions", "export", "import_", "reading", "schemas"])
def test_refi_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"casecoder.refi.{module}")
    assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0
