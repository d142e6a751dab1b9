"""Tests of casecoder.refi.positions: the position convention a file counts in is detected
(code points, UTF-16, CRLF counted as two) and the origin breaks a tie."""

from __future__ import annotations


import pytest

from casecoder.refi import import_qdpx

from refi_data import WORDS, _S1, project_xml, units_of, write_qdpx


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
    sels = [(*units_of(WORDS, s, utf16=utf16, crlf2=crlf2), s if quoted else "") for s in spans]
    data = b"\xef\xbb\xbf" + WORDS.encode("utf-8")  # a BOM, CRLF, and no creationDateTime anywhere
    path = write_qdpx(tmp_path / "t.qdpx", project_xml(sels), {f"Sources/{_S1}.txt": data})
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
    path = write_qdpx(tmp_path / "t.qdpx", project_xml([(0, 6, "")], origin=origin), {f"sources/{_S1}.txt": text.encode()})
    got = import_qdpx(path)
    assert got.report.convention == expected
    assert "alike" in got.report.evidence
    assert got.codings["text"].tolist() == ["Thanks"]
