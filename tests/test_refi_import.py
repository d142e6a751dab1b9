"""Tests of casecoder.refi.import_: a liberal container, bad input named with element and GUID,
the message catalogue, and the real exports of ATLAS.ti, NVivo and QualCoder."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from casecoder.cli import main
from casecoder.codebook import Code, Codebook
from casecoder.errors import MESSAGES, RefiError
from casecoder.refi import import_qdpx

from refi_data import SHARED, _C3, _S1, _U0, needs_shared, project_xml, write_qdpx


def test_refi_import_liberal_container(tmp_path):
    # another .qde name, inline PlainTextContent, a system user, a code unknown to our codebook
    qde = ("\ufeff<?xml version='1.0' encoding='utf-8'?>" + project_xml(
        [(0, 5, "Hello")], text_attr="", inline="Hello “world” — £1",
        extra_users=f'<User guid="{_U0}" name="ATLAS.ti"/>')).encode("utf-8")
    path = write_qdpx(tmp_path / "t.qdpx", qde, qde_name="Export 2024.qde")
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
    qde = project_xml([(0, 5, "")]).replace(f'<CodeRef targetGUID="{_C3}"/>', '<CodeRef targetGUID="DEADBEEF-0000-0000-0000-000000000000"/>')
    return write_qdpx(tmp_path / "b.qdpx", qde, {f"sources/{_S1}.txt": b"Hello world"})


@pytest.mark.parametrize(("make", "code", "names"), [
    (lambda p: write_qdpx(p / "b.qdpx", b"", qde_name="readme.txt"), "E703", ""),
    (lambda p: (p / "b.qdpx").write_bytes(b"not a zip at all") and p / "b.qdpx", "E702", ""),
    (lambda p: write_qdpx(p / "b.qdpx", "<Project name='x'><Users></Project>"), "E704", ""),
    (_dangling, "E708", "deadbeef-0000-0000-0000-000000000000"),
    (lambda p: write_qdpx(p / "b.qdpx", project_xml([(3, 99, "")]), {f"sources/{_S1}.txt": b"Hello world"}), "E709",
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

    package = Path(refi.__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py")))
    used = set(re.findall(r'"(E7\d\d)"', text))
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
