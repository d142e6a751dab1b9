"""Tests for casecoder.refi: REFI-QDA export, import, position conventions and bad input.

Files written "as other tools write them" are built here byte by byte (CRLF text with CRLF
counted as two, UTF-16 positions around an emoji, a BOM, attributes left out); the real
exports in ../shared/refi-qda are read from there and the tests skip when it is absent.
"""

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

from casecoder.cli import main
from casecoder.codebook import Code, Codebook
from casecoder.errors import MESSAGES, RefiError
from casecoder.refi import (
    CODEBOOK_XSD,
    export_qdc,
    export_qdpx,
    guid_for,
    import_qdc,
    import_qdpx,
)
from casecoder.schema import normalise_codings
from casecoder.transcripts import read_corpus, read_document

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "refi-qda"
XSD = SHARED / "Project-mrt2019.xsd"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/refi-qda is absent (REFI-QDA samples and schema)")

TEXT_OLDHAM = (
    "# Leadership actions with the greatest impact\n\n"
    "Interviewer: What made the difference?\n\n"
    "Chief Executive: We said “no more silos” — and meant it. The £2m fund helped 🙂 a lot.\n\n"
    "Director: Residents co-designed the service; it’s theirs now.\n"
)
TEXT_SURREY = "Interviewer: And the challenges?\n\nLeader of the Council: Money — always money. Café culture helps.\n"


def _codebook() -> Codebook:
    return Codebook(codes=(
        Code(id="bold_leadership", label="Be bold — and united", definition="Leaders act “together”.",
             include="united leadership", exclude="speed", color="#332288"),
        Code(id="involve_residents", label="Involve residents", definition="Co-design with residents.",
             color="#88CCEE"),
        Code(id="co_design", label="Co-design", definition="A kind of involvement.", parent="involve_residents"),
    ), path="codebook.yaml")


def _docs(tmp: Path) -> list:
    (tmp / "t").mkdir(exist_ok=True)
    (tmp / "t" / "oldham.md").write_text(
        "---\ncouncil: oldham\ncouncil_type: metropolitan\nyear: 2016\n---\n" + TEXT_OLDHAM, encoding="utf-8")
    (tmp / "t" / "surrey.md").write_text(
        "---\ncouncil: surrey\ncouncil_type: county\nyear: 2015\n---\n" + TEXT_SURREY, encoding="utf-8")
    return read_corpus([tmp / "t"])


def _coding(doc, needle: str, code: str, analyst: str = "casecoder", source: str = "auto", note: str = "",
            status: str = "coded") -> dict:
    start = doc.text.index(needle)
    end = start + len(needle)
    return {"document": doc.id, "case": doc.case, "start": start, "end": end, "text": needle, "code": code,
            "analyst": analyst, "source": source, "note": note, "status": status,
            "rule": "override" if source == "manual" else "phrase:x"}


def _codings(docs) -> pd.DataFrame:
    oldham, surrey = docs
    rows = [
        _coding(oldham, "We said “no more silos” — and meant it.", "bold_leadership"),
        _coding(oldham, "The £2m fund helped 🙂 a lot.", "bold_leadership", analyst="Zoë Ellis", source="manual",
                note="emoji inside"),
        _coding(oldham, "Residents co-designed the service; it’s theirs now.", "involve_residents"),
        _coding(oldham, "Residents co-designed the service; it’s theirs now.", "co_design", analyst="Zoë Ellis",
                source="manual"),
        _coding(surrey, "Café culture helps.", "co_design", status="excluded"),
        _coding(surrey, "Money — always money.", "bold_leadership", analyst="Zoë Ellis", source="manual"),
    ]
    return normalise_codings(pd.DataFrame(rows))


def _qdpx(path: Path, qde: str | bytes, files: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    """A .qdpx as another tool would write it."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


# ------------------------------------------------------------------------------------------
# export


@pytest.mark.parametrize("schema", [None, "shared"])
def test_refi_export_valid_and_byte_identical(tmp_path, schema):
    if schema == "shared" and not XSD.is_file():
        pytest.skip("../shared/refi-qda/Project-mrt2019.xsd is absent")
    docs = _docs(tmp_path)
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    rep = export_qdpx(a, docs, _codings(docs), _codebook(), schema=XSD if schema else None)
    export_qdpx(b, list(reversed(docs)), _codings(docs).sample(frac=1, random_state=3), _codebook(),
                schema=XSD if schema else None)
    assert a.read_bytes() == b.read_bytes()
    assert rep.counts["excluded_rows"] == 1
    assert rep.counts["codings"] == 5 and rep.counts["users"] == 2 and rep.counts["cases"] == 2
    with zipfile.ZipFile(a) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde"
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
        root = ET.fromstring(zf.read("project.qde"))
        for src in root.iter("{urn:QDA-XML:project:1.0}TextSource"):
            path = src.get("plainTextPath")
            assert re.fullmatch(r"internal://[0-9A-F-]{36}\.txt", path)
            data = zf.read("sources/" + path[len("internal://"):])
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
            assert data.decode("utf-8") in (TEXT_OLDHAM, TEXT_SURREY)
    assert root.get("origin", "").startswith("casecoder") and root.get("creatingUserGUID")
    assert "DateTime" not in ET.tostring(root, encoding="unicode")  # no clock time anywhere


@needs_shared
def test_refi_export_validates_against_the_published_schema(tmp_path):
    import xmlschema

    docs = _docs(tmp_path)
    export_qdpx(tmp_path / "p.qdpx", docs, _codings(docs), _codebook())
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        xmlschema.XMLSchema(str(XSD)).validate(io.BytesIO(zf.read("project.qde")))


def test_refi_export_qdc_validates_and_imports_back(tmp_path):
    import xmlschema

    book = _codebook()
    export_qdc(tmp_path / "c.qdc", book)
    xmlschema.XMLSchema(CODEBOOK_XSD).validate(str(tmp_path / "c.qdc"))
    back = import_qdc(tmp_path / "c.qdc", book)
    assert [c.id for c in back.report.codes] == ["bold_leadership", "involve_residents", "co_design"]
    assert all(c.known for c in back.report.codes)
    alone = import_qdc(tmp_path / "c.qdc")  # no codebook: ids from names, nesting and colours kept
    by_name = {c.name: c for c in alone.report.codes}
    assert by_name["Co-design"].parent == by_name["Involve residents"].id
    assert by_name["Be bold — and united"].color == "#332288"
    assert by_name["Involve residents"].description == "Co-design with residents."


def test_refi_export_rejects_codings_off_their_text(tmp_path):
    docs = _docs(tmp_path)
    bad = _codings(docs)
    bad.loc[0, "text"] = "something else"
    with pytest.raises(RefiError) as exc:
        export_qdpx(tmp_path / "x.qdpx", docs, bad, _codebook())
    assert exc.value.problems[0].code == "E713"
    assert not (tmp_path / "x.qdpx").exists()


# ------------------------------------------------------------------------------------------
# round trip


def test_refi_round_trip_fixed(tmp_path):
    docs = _docs(tmp_path)
    codings = _codings(docs)
    export_qdpx(tmp_path / "p.qdpx", docs, codings, _codebook())
    got = import_qdpx(tmp_path / "p.qdpx", _codebook())
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
    assert not got.report.unknown_codes and got.codebook.ids == _codebook().ids
    # the segment is the sentence index where a span is one sentence
    full = got.codings[got.codings["text"] == "Money — always money."]
    assert (full["segment"] >= 0).all()


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
            (tmp / f"{name}.md").write_text(f"---\ncouncil: {name}\n---\n{text}", encoding="utf-8")
            docs.append(read_document(tmp / f"{name}.md"))
        by_id = {d.id: d for d in docs}
        table = normalise_codings(pd.DataFrame(
            [{"document": n, "case": n, "start": a, "end": b, "text": by_id[n].text[a:b], "code": c, "analyst": an,
              "source": "manual"} for n, a, b, c, an in rows],
            columns=["document", "case", "start", "end", "text", "code", "analyst", "source"]))
        export_qdpx(tmp / "p.qdpx", docs, table, _codebook())
        got = import_qdpx(tmp / "p.qdpx", _codebook())
    cols = ["document", "case", "start", "end", "text", "code", "analyst"]
    want = table[cols].drop_duplicates().sort_values(cols).reset_index(drop=True)
    assert got.codings[cols].sort_values(cols).reset_index(drop=True).equals(want)
    assert {d.id: d.text for d in got.documents} == {d.id: d.text for d in docs}


# ------------------------------------------------------------------------------------------
# files as other tools write them

_U1 = "29518289-D0E3-447B-B7DD-AE1D8CD880A0"
_U0 = "C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B"
_C1, _C2, _C3 = ("5067D381-1DC9-4816-81DD-AE1DBFEA2AD7", "7142C1BF-1BBE-4073-88DD-AE1DBFEC9F8F",
                 "FD96CA71-E3FE-46B2-92DD-AE1DBFED137B")
_S1 = "68BBDC14-C361-4432-B4DD-AE1DBFC12890"


def _project(selections: list[tuple[int, int, str]], *, text_attr: str = f'plainTextPath="internal://{_S1}.txt"',
             inline: str | None = None, origin: str = "SomeTool 1.0", extra_users: str = "") -> str:
    sels = "".join(
        f'<PlainTextSelection guid="00000000-0000-0000-0000-{i:012d}" name="{quote}" startPosition="{a}" endPosition="{b}" '
        f'creatingUser="{_U1}"><Coding guid="10000000-0000-0000-0000-{i:012d}" creatingUser="{_U1}">'
        f'<CodeRef targetGUID="{_C2 if i % 2 else _C3}"/></Coding></PlainTextSelection>'
        for i, (a, b, quote) in enumerate(selections)
    )
    content = f"<PlainTextContent>{inline}</PlainTextContent>" if inline is not None else ""
    return (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
        f'<Users><User guid="{_U1}" name="Gergő"/>{extra_users}</Users>'
        f'<CodeBook><Codes><Code guid="{_C1}" name="Oltás típusa" isCodable="true">'
        f'<Code guid="{_C2}" name="COVID" isCodable="true"/><Code guid="{_C3}" name="Nem COVID" isCodable="true"/>'
        f"</Code></Codes></CodeBook>"
        f'<Sources><TextSource guid="{_S1}" name="interview.docx" {text_attr}>{content}{sels}</TextSource></Sources>'
        f"</Project>"
    )


WORDS = "Dear “Anna” — the £5 voucher 😀 arrived.\r\nThanks, Béla!\r\nSee you 🙂 soon at the café.\r\n"


def _units(text: str, span: str, *, utf16: bool, crlf2: bool) -> tuple[int, int]:
    """Where a tool counting this way puts ``span`` of the CRLF ``text``."""
    a = text.index(span)

    def count(s: str) -> int:
        n = len(s.encode("utf-16-le")) // 2 if utf16 else len(s)
        return n if crlf2 else n - s.count("\r\n")

    return count(text[:a]), count(text[:a]) + count(span)


@pytest.mark.parametrize(("utf16", "crlf2", "quoted", "expected"), [
    (False, False, True, "codepoints"),
    (False, True, True, "codepoints-crlf"),
    (True, False, True, "utf16"),
    (True, True, True, "utf16-crlf"),
    (True, True, False, "utf16-crlf"),       # as NVivo for Windows: no quote in the selection
    (False, True, False, "codepoints-crlf"),
])
def test_refi_import_detects_position_convention(tmp_path, utf16, crlf2, quoted, expected):
    spans = ["the £5 voucher 😀 arrived.", "Béla!", "soon at the café.", "Thanks", "See you 🙂 soon"]
    sels = [(*_units(WORDS, s, utf16=utf16, crlf2=crlf2), s if quoted else "") for s in spans]
    data = b"\xef\xbb\xbf" + WORDS.encode("utf-8")  # a BOM, CRLF, and no creationDateTime anywhere
    path = _qdpx(tmp_path / "t.qdpx", _project(sels), {f"Sources/{_S1}.txt": data})
    got = import_qdpx(path)
    assert got.report.convention == expected, got.report.evidence
    assert list(got.codings.sort_values("start")["text"]) == sorted(spans, key=lambda s: WORDS.replace("\r\n", "\n").index(s))
    assert got.documents[0].text == WORDS.replace("\r\n", "\n")
    assert set(got.codings["analyst"]) == {"Gergő"}


@pytest.mark.parametrize(("origin", "expected"), [("NVivo for Windows 12.6", "utf16-crlf"), ("Other 1.0", "codepoints")])
def test_refi_import_origin_breaks_a_tie(tmp_path, origin, expected):
    # "Thanks" comes before any CRLF or emoji, so every convention places it alike; only the
    # origin can then decide (NVivo for Windows is known to count UTF-16 units and CRLF as two).
    text = "Thanks\r\n😀 x\r\n"
    path = _qdpx(tmp_path / "t.qdpx", _project([(0, 6, "")], origin=origin), {f"sources/{_S1}.txt": text.encode()})
    got = import_qdpx(path)
    assert got.report.convention == expected
    assert "alike" in got.report.evidence
    assert got.codings["text"].tolist() == ["Thanks"]


def test_refi_import_liberal_container(tmp_path):
    # another .qde name, inline PlainTextContent, a system user, a code unknown to our codebook
    qde = ("\ufeff<?xml version='1.0' encoding='utf-8'?>" + _project(
        [(0, 5, "Hello")], text_attr="", inline="Hello “world” — £1",
        extra_users=f'<User guid="{_U0}" name="ATLAS.ti"/>')).encode("utf-8")
    path = _qdpx(tmp_path / "t.qdpx", qde, qde_name="Export 2024.qde")
    ours = Codebook(codes=(Code(id="covid", label="COVID"),))
    got = import_qdpx(path, ours)
    assert got.codings["text"].tolist() == ["Hello"]
    assert got.codings["code"].tolist() == ["nem_covid"]
    assert got.report.system_users == ("ATLAS.ti",)
    unknown = {c.name: c for c in got.report.unknown_codes}
    assert set(unknown) == {"Oltás típusa", "Nem COVID"}
    assert unknown["Nem COVID"].parent == unknown["Oltás típusa"].id == "oltas_tipusa"
    # ours is authoritative: our code keeps its definition and place; the file's nesting is reported
    assert got.codebook["covid"].parent is None
    assert next(c for c in got.report.codes if c.name == "COVID").parent == "oltas_tipusa"
    assert "nem_covid" in got.codebook.ids and "E730" in {n.code for n in got.report.notes}


# ------------------------------------------------------------------------------------------
# bad input


def _dangling(tmp_path):
    qde = _project([(0, 5, "")]).replace(f'<CodeRef targetGUID="{_C3}"/>', '<CodeRef targetGUID="DEADBEEF-0000-0000-0000-000000000000"/>')
    return _qdpx(tmp_path / "b.qdpx", qde, {f"sources/{_S1}.txt": b"Hello world"})


@pytest.mark.parametrize(("make", "code", "names"), [
    (lambda p: _qdpx(p / "b.qdpx", b"", qde_name="readme.txt"), "E703", ""),
    (lambda p: (p / "b.qdpx").write_bytes(b"not a zip at all") and p / "b.qdpx", "E702", ""),
    (lambda p: _qdpx(p / "b.qdpx", "<Project name='x'><Users></Project>"), "E704", ""),
    (_dangling, "E708", "deadbeef-0000-0000-0000-000000000000"),
    (lambda p: _qdpx(p / "b.qdpx", _project([(3, 99, "")]), {f"sources/{_S1}.txt": b"Hello world"}), "E709",
     "00000000-0000-0000-0000-000000000000"),
])
def test_refi_import_bad_input(tmp_path, capsys, make, code, names):
    path = make(tmp_path)
    with pytest.raises(RefiError) as exc:
        import_qdpx(path)
    assert exc.value.problems[0].code == code
    assert names in str(exc.value)
    out = tmp_path / "out.csv"
    assert main(["import-qdpx", str(path), "--out", str(out), "--texts", str(tmp_path / "texts")]) == 2
    assert f"[{code}]" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "texts").exists()


def test_refi_messages_in_catalogue():
    import casecoder.refi as refi

    used = set(re.findall(r'"(E7\d\d)"', Path(refi.__file__).read_text(encoding="utf-8")))
    assert used and used <= set(MESSAGES)


# ------------------------------------------------------------------------------------------
# the shared samples and real exports


@needs_shared
@pytest.mark.parametrize("name", ["blank-atlas-project", "target-atlas-project"])
def test_refi_import_atlas_samples(name):
    got = import_qdpx(SHARED / "samples" / f"{name}.qdpx")
    assert got.report.system_users == ("ATLAS.ti",)
    if name == "target-atlas-project":
        kids = [c for c in got.report.codes if c.parent]
        assert len(got.report.codes) == 3 and len(kids) == 2
        assert {c.parent for c in kids} == {"commits"}


def _selection_elements(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        qde = next(n for n in zf.namelist() if n.lower().endswith(".qde"))
        root = ET.fromstring(zf.read(qde))
    return sum(1 for el in root.iter() if el.tag.endswith("Selection"))


@needs_shared
def test_refi_import_atlas8_reports_every_selection():
    path = SHARED / "real" / "atlasti8-standard-project.qdpx"
    got = import_qdpx(path)
    assert len(got.codings) == 0  # no text file is inside: nothing can be placed ...
    assert len(got.report.skipped) == _selection_elements(path)  # ... and nothing is dropped silently
    kinds = {i.element for i in got.report.skipped}
    assert {"PictureSelection", "PDFSelection", "VideoSelection", "PlainTextSelection"} <= kinds
    coke = {c.name: c for c in got.report.codes}
    assert coke["Coke::diet Coke"].parent == coke["Coke"].id


@needs_shared
def test_refi_import_nvivo_windows():
    got = import_qdpx(SHARED / "real" / "nvivo12-windows-oltas.qdpx", segments=False)
    assert got.report.convention == "utf16-crlf"
    assert len(got.codings) == 303 and got.report.counts["skipped"] == 0
    texts = {d.id: d.text for d in got.documents}
    on_words = sum(
        (r.start == 0 or not (texts[r.document][r.start - 1].isalnum() and texts[r.document][r.start].isalnum()))
        and not (texts[r.document][r.end - 1].isalnum() and texts[r.document][min(r.end, len(texts[r.document]) - 1)].isalnum())
        for r in got.codings.itertuples())
    assert on_words >= 295  # three selections genuinely start or end inside a word
    # a span read by eye: a whole comment, between the author line and the likes count
    row = got.codings[got.codings["start"] == got.codings["start"].min()].iloc[0]
    doc = texts[row.document]
    assert doc[row.start - 1] == "\n" and doc[row.end] == "\n"


@needs_shared
def test_refi_import_qc():
    got = import_qdpx(SHARED / "real" / "qc-demo.qdpx")
    assert sorted(d.id for d in got.documents) == ["admin-1", "board_2017"]
    assert len(got.codings) == 205
    texts = {d.id: d.text for d in got.documents}
    # qc selects whole lines: every span starts at a line start and ends after its newline
    assert all(r.start == 0 or texts[r.document][r.start - 1] == "\n" for r in got.codings.itertuples())
    assert all(r.text.endswith("\n") for r in got.codings.itertuples())


# ------------------------------------------------------------------------------------------
# command line


def test_refi_cli_round_trip(tmp_path, capsys):
    docs = _docs(tmp_path)
    codings = _codings(docs)
    codings.to_csv(tmp_path / "codings.csv", index=False)
    (tmp_path / "codebook.yaml").write_text(
        "codes:\n"
        "  - {id: bold_leadership, label: Be bold, definition: d, color: '#332288'}\n"
        "  - {id: involve_residents, label: Involve residents, definition: d}\n"
        "  - {id: co_design, label: Co-design, definition: d, parent: involve_residents}\n", encoding="utf-8")
    cb = str(tmp_path / "codebook.yaml")
    assert main(["export-qdpx", str(tmp_path / "t"), "--codings", str(tmp_path / "codings.csv"), "--codebook", cb,
                 "--out", str(tmp_path / "p.qdpx")]) == 0
    assert main(["export-qdc", "--codebook", cb, "--out", str(tmp_path / "c.qdc")]) == 0
    assert main(["import-qdpx", str(tmp_path / "p.qdpx"), "--codebook", cb, "--out", str(tmp_path / "in.csv"),
                 "--texts", str(tmp_path / "texts"), "--codebook-out", str(tmp_path / "cb2.yaml")]) == 0
    assert main(["import-qdc", str(tmp_path / "c.qdc"), "--out", str(tmp_path / "cb3.yaml")]) == 0
    assert "positions: codepoints" in capsys.readouterr().out
    back = read_corpus([tmp_path / "texts"])
    assert {d.id: (d.text, d.case) for d in back} == {d.id: (d.text, d.case) for d in docs}
    got = pd.read_csv(tmp_path / "in.csv", keep_default_na=False)
    for r in got.itertuples():
        assert {d.id: d for d in back}[r.document].text[r.start:r.end] == r.text
    from casecoder.codebook import load_codebook

    assert load_codebook(tmp_path / "cb2.yaml").ids == ("bold_leadership", "involve_residents", "co_design")
    assert load_codebook(tmp_path / "cb3.yaml", validate_patterns=False).ids == (
        "be_bold", "involve_residents", "co_design")


def test_refi_guid_is_stable_and_distinct():
    assert guid_for("code", "a") == guid_for("code", "a") != guid_for("code", "b")
    assert guid_for("code", "a") != guid_for("case", "a")
