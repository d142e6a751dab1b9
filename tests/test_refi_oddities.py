"""REFI-QDA files with the oddities real tools write: each imports with a note or fails as specified.

Every fixture is built here, byte by byte where a tool writes something unusual: a source whose
text is only a newline (NVivo for Mac), the same code on the same span by the same user twice,
a 200 MB text member compressed into a small zip (and one whose header understates its size),
zip members named with ``..`` or backslashes, an unknown kind of source, and text beyond the
Basic Multilingual Plane (emoji) exported under both position conventions.

What is specified (docs/REFI.md): a vendor oddity is a note or a skipped entry in the report and
the import finishes; only a malformed file is an error (``RefiError``, exit 2, nothing written),
and a member over the read limits is refused quickly in bounded memory.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from casecoder.cli import main
from casecoder.codebook import Code, Codebook
from casecoder.errors import RefiError
from casecoder.refi import export_qdpx, import_qdpx
from casecoder.schema import normalise_codings
from casecoder.transcripts import read_corpus

REPO = Path(__file__).resolve().parents[1]

_USER = "0b6f8a52-5d0e-4f0c-9a47-3c1de3d1a001"
_CODE_A = "0b6f8a52-5d0e-4f0c-9a47-3c1de3d1c001"
_CODE_B = "0b6f8a52-5d0e-4f0c-9a47-3c1de3d1c002"
GOOD_TEXT = "Interviewer: What worked?\n\nLeader: We listened to residents. Then we acted fast.\n"


def _guid(kind: int, i: int) -> str:
    return f"0b6f8a52-5d0e-4f0c-9a47-{kind:04d}{i:08d}"


def _selection(i: int, start: int, end: int, codes: tuple[str, ...] = (_CODE_A,), quote: str = "") -> str:
    codings = "".join(f'<Coding guid="{_guid(2, i * 10 + k)}" creatingUser="{_USER}"><CodeRef targetGUID="{c}"/></Coding>'
                      for k, c in enumerate(codes))
    return (f'<PlainTextSelection guid="{_guid(1, i)}" name="{quote}" startPosition="{start}" endPosition="{end}" '
            f'creatingUser="{_USER}">{codings}</PlainTextSelection>')


def _project(sources: str, origin: str = "NVivo 14 for Mac") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
            f'<Users><User guid="{_USER}" name="Ilona"/></Users>'
            f'<CodeBook><Codes><Code guid="{_CODE_A}" name="Listening" isCodable="true"/>'
            f'<Code guid="{_CODE_B}" name="Pace" isCodable="true"/></Codes></CodeBook>'
            f"<Sources>{sources}</Sources></Project>").encode("utf-8")


def _text_source(i: int, name: str, selections: str = "", path: str | None = None) -> str:
    path = path or f"internal://{_guid(3, i)}.txt"
    return f'<TextSource guid="{_guid(3, i)}" name="{name}" plainTextPath="{path}">{selections}</TextSource>'


def _span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def _qdpx(path: Path, qde: bytes, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _codes_of(issues) -> list[str]:
    return [i.code for i in issues]


# ------------------------------------------------------------------------------------------
# an empty or whitespace-only source


@pytest.mark.parametrize("empty", ["\n", "\r\n", "", "  \t \n\n"])
def test_refi_import_empty_source_is_a_note(tmp_path, capsys, empty):
    a, b = _span(GOOD_TEXT, "We listened to residents.")
    sources = (_text_source(1, "blank.docx") + _text_source(2, "whitespace coded.docx", _selection(9, 0, 1))
               + _text_source(3, "leader.docx", _selection(1, a, b, quote="We listened to residents.")))
    path = _qdpx(tmp_path / "mac.qdpx", _project(sources), {
        f"sources/{_guid(3, 1)}.txt": empty.encode(), f"sources/{_guid(3, 2)}.txt": (empty or " ").encode(),
        f"sources/{_guid(3, 3)}.txt": GOOD_TEXT.encode()})
    got = import_qdpx(path)
    assert [d.id for d in got.documents] == ["leader"]
    assert got.codings["text"].tolist() == ["We listened to residents."]
    empty_notes = [n for n in got.report.notes if n.code == "E741"]
    assert {n.guid for n in empty_notes} == {_guid(3, 1), _guid(3, 2)}
    # the selection on the whitespace source cannot become a coding: listed, not dropped
    assert [(i.code, i.guid) for i in got.report.skipped] == [("E726", _guid(1, 9))]
    out = tmp_path / "out.csv"
    assert main(["import-qdpx", str(path), "--out", str(out), "--texts", str(tmp_path / "texts"), "--verbose"]) == 0
    assert "[E741]" in capsys.readouterr().out
    assert [d.id for d in read_corpus([tmp_path / "texts"])] == ["leader"]


# ------------------------------------------------------------------------------------------
# the same code on the same span by the same user twice


def test_refi_import_repeated_coding_is_merged_with_a_note(tmp_path, capsys):
    a, b = _span(GOOD_TEXT, "Then we acted fast.")
    sels = (_selection(1, a, b, (_CODE_B,)) + _selection(2, a, b, (_CODE_B,))  # two selections, one span
            + _selection(3, a, b, (_CODE_A, _CODE_A)))                          # one selection, the code twice
    path = _qdpx(tmp_path / "dup.qdpx", _project(_text_source(1, "leader.docx", sels)),
                 {f"sources/{_guid(3, 1)}.txt": GOOD_TEXT.encode()})
    got = import_qdpx(path)
    assert sorted(got.codings["code"]) == ["listening", "pace"]
    assert set(got.codings["text"]) == {"Then we acted fast."}
    assert _codes_of(got.report.notes).count("E738") == 2 and got.report.counts["duplicates"] == 2
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "o.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "o.csv")) == 2


# ------------------------------------------------------------------------------------------
# unknown kinds of source, unsafe member names


def test_refi_import_unknown_media_is_a_note(tmp_path):
    a, b = _span(GOOD_TEXT, "We listened to residents.")
    sources = (_text_source(1, "leader.docx", _selection(1, a, b))
               + f'<MapSource guid="{_guid(3, 2)}" name="site map"><MapSelection guid="{_guid(1, 2)}"/></MapSource>')
    path = _qdpx(tmp_path / "m.qdpx", _project(sources), {f"sources/{_guid(3, 1)}.txt": GOOD_TEXT.encode()})
    got = import_qdpx(path)
    assert len(got.codings) == 1
    note = next(n for n in got.report.notes if n.code == "E742")
    assert (note.element, note.guid) == ("MapSource", _guid(3, 2))


def test_refi_import_reports_unsafe_member_names(tmp_path, capsys):
    a, b = _span(GOOD_TEXT, "We listened to residents.")
    # a Windows zip tool writes backslashes as folder separators; the text is still found
    sources = (_text_source(1, "leader.docx", _selection(1, a, b))
               + _text_source(2, "..\\..\\evil.docx", path="internal://../../evil.txt"))
    path = _qdpx(tmp_path / "u.qdpx", _project(sources), {
        f"sources\\{_guid(3, 1)}.txt": GOOD_TEXT.encode(),
        "../../evil.txt": b"Leader: outside the archive's folders\n",
        "/etc/evil.txt": b"Leader: an absolute name\n"})
    got = import_qdpx(path)
    assert [d.text for d in got.documents] == [GOOD_TEXT]
    assert got.codings["text"].tolist() == ["We listened to residents."]
    by_code = {}
    for n in got.report.notes:
        by_code.setdefault(n.code, []).append(n)
    assert {n.guid for n in by_code["E745"]} == {"../../evil.txt", "/etc/evil.txt"}  # named, never read
    assert [n.guid for n in by_code["E746"]] == [f"sources\\{_guid(3, 1)}.txt"]
    assert any(i.guid == _guid(3, 2) for i in got.report.notes if i.code == "E729")  # its text is not read
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "o.csv"), "--texts", str(tmp_path / "texts")]) == 0
    written = sorted(p.name for p in (tmp_path / "texts").iterdir())
    assert written == ["leader.txt"] and not (tmp_path / "evil.txt").exists()


# ------------------------------------------------------------------------------------------
# bounded reading: a member far larger than its compressed size


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of already-deflated members: (name, raw deflate data, CRC-32, size claimed)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        fname = name.encode()
        offset = len(out)
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(fname), 0)
        out += head + fname + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                               len(fname), 0, 0, 0, 0, 0, offset) + fname
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def _deflated(text: bytes, repeat: int) -> tuple[bytes, int, int]:
    """``text`` repeated, deflated cheaply: one block compressed once and repeated (a full flush
    makes each copy independent of the one before), then the empty final block."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(text) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(repeat):
        crc = zlib.crc32(text, crc)
    return block * repeat + comp.flush(zlib.Z_FINISH), crc, len(text) * repeat


_MB = 1 << 20
_CHUNK = (GOOD_TEXT * (_MB // len(GOOD_TEXT) + 1)).encode()[:_MB]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 200 MB text member in a zip of about 200 KB, with a project that refers to it."""
    data, crc, size = _deflated(_CHUNK, 200)
    qde = _project(_text_source(1, "huge.docx", _selection(1, 0, 6)))
    return _raw_zip(tmp_path_factory.mktemp("bomb") / "bomb.qdpx", [
        ("project.qde", zlib.compress(qde)[2:-4], zlib.crc32(qde), len(qde)),
        (f"sources/{_guid(3, 1)}.txt", data, crc, size)])


# Run in a fresh interpreter so that its peak memory is the import's alone (plus the library's
# own imports); the time is the import call's.
_MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from casecoder.errors import RefiError
    from casecoder.refi import import_qdpx
    t = time.perf_counter()
    try:
        import_qdpx(sys.argv[1])
        codes = []
    except RefiError as exc:
        codes = [p.code for p in exc.problems]
        text = str(exc)
    seconds = time.perf_counter() - t
    # VmHWM is this process image's own peak; ru_maxrss would also count the pytest worker
    # this child was forked from (Linux keeps the pre-exec high-water mark across execve).
    try:
        with open("/proc/self/status") as fh:
            peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))  # KiB
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"codes": codes, "seconds": seconds, "peak_mb": peak / 1024, "text": text if codes else ""}))
""")


def _one_gib() -> None:
    """Cap the child's address space: a reader that does inflate the member fails there (a
    MemoryError) instead of taking the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.skipif(sys.platform == "win32", reason="ru_maxrss is POSIX")
def test_refi_import_refuses_an_oversized_member_fast_in_bounded_memory(bomb, tmp_path, capsys):
    assert bomb.stat().st_size < 1_000_000  # about 280 to 1, as deflate packs repeated text
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo(f"sources/{_guid(3, 1)}.txt").file_size == 200 * _MB
    res = subprocess.run([sys.executable, "-c", _MEASURE, str(bomb)], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(REPO / "src"), "PATH": ""}, preexec_fn=_one_gib)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert "E743" in got["codes"], got
    assert f"sources/{_guid(3, 1)}.txt" in got["text"]
    assert got["seconds"] < 2.0 and got["peak_mb"] < 300, got
    out = tmp_path / "out.csv"
    assert main(["import-qdpx", str(bomb), "--out", str(out)]) == 2
    assert "[E743]" in capsys.readouterr().err and not out.exists()


def test_refi_import_limits_can_be_raised(tmp_path, capsys):
    from casecoder.refi import ReadLimits

    data, crc, size = _deflated(_CHUNK, 3)  # 3 MB that deflate to a few KB: over 100 to 1
    qde = _project(_text_source(1, "long.docx", _selection(1, 0, 6)))
    path = _raw_zip(tmp_path / "long.qdpx", [("project.qde", zlib.compress(qde)[2:-4], zlib.crc32(qde), len(qde)),
                                             (f"sources/{_guid(3, 1)}.txt", data, crc, size)])
    with pytest.raises(RefiError) as exc:
        import_qdpx(path)
    assert [p.code for p in exc.value.problems] == ["E744"]  # the ratio, not the size
    with pytest.raises(RefiError) as exc:
        import_qdpx(path, limits=ReadLimits(member_bytes=2 * _MB, ratio=10_000))
    assert [p.code for p in exc.value.problems] == ["E743"]
    got = import_qdpx(path, limits=ReadLimits(ratio=10_000))
    assert len(got.documents[0].text) == 3 * _MB and got.codings["text"].tolist() == ["Interv"]
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    assert "[E744]" in capsys.readouterr().err
    assert main(["import-qdpx", str(path), "--out", str(tmp_path / "o.csv"), "--max-ratio", "10000"]) == 0


def test_refi_import_member_larger_than_its_header_says_is_an_error(tmp_path):
    data, crc, _ = _deflated(_CHUNK, 50)
    qde = _project(_text_source(1, "liar.docx", _selection(1, 0, 6)))
    path = _raw_zip(tmp_path / "liar.qdpx", [("project.qde", zlib.compress(qde)[2:-4], zlib.crc32(qde), len(qde)),
                                             (f"sources/{_guid(3, 1)}.txt", data, crc, 1000)])
    with pytest.raises(RefiError) as exc:
        import_qdpx(path)
    assert [p.code for p in exc.value.problems] == ["E747"]
    assert f"sources/{_guid(3, 1)}.txt" in str(exc.value)


# ------------------------------------------------------------------------------------------
# export: positions around emoji under both conventions, lower-case GUIDs, line breaks


EMOJI = "Interviewer: Why?\n\nLeader: We said 🙂 yes, 👍🏽 to residents first. Then 𝄞 music.\n"
_QUOTES = ("yes, 👍🏽 to residents first.", "Then 𝄞 music.", "We said")


def _emoji_study(tmp_path: Path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "north.md").write_text("---\ncase: north\n---\n" + EMOJI, encoding="utf-8")
    docs = read_corpus([tmp_path / "t"])
    book = Codebook(codes=(Code(id="involve_residents", label="Involve residents",
                                definition="First line.\nSecond line.\n\nA new paragraph."),), path="codebook.yaml")
    rows = [{"document": "north", "case": "north", "start": s, "end": e, "text": q, "code": "involve_residents",
             "analyst": "Zoë", "source": "manual", "status": "coded"}
            for q in _QUOTES for s, e in [_span(docs[0].text, q)]]
    return docs, normalise_codings(pd.DataFrame(rows)), book


def _positions(path: Path) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    return {s.get("name"): (int(s.get("startPosition")), int(s.get("endPosition")))
            for s in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("convention", ["codepoints", "utf16", None])
def test_refi_export_convention_around_emoji(tmp_path, convention):
    docs, codings, book = _emoji_study(tmp_path)
    text = docs[0].text
    kwargs = {} if convention is None else {"convention": convention}
    export_qdpx(tmp_path / "p.qdpx", docs, codings, book, **kwargs)
    count = _utf16 if convention == "utf16" else len  # the default is the specification's code points
    for quote, (start, end) in _positions(tmp_path / "p.qdpx").items():
        a = text.index(quote)
        assert (start, end) == (count(text[:a]), count(text[:a]) + count(quote))
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        origin = ET.fromstring(zf.read("project.qde")).get("origin")
    # a UTF-16 export says so in its origin (import's tie-break); the default one is unchanged
    assert origin.endswith("; positions utf16") == (convention == "utf16") and origin.startswith("casecoder ")
    got = import_qdpx(tmp_path / "p.qdpx", book)  # detected from the quotes; the round trip is exact
    assert got.report.convention == (convention or "codepoints"), got.report.evidence
    cols = ["document", "start", "end", "text", "code", "analyst"]
    assert got.codings[cols].sort_values(cols).reset_index(drop=True).equals(
        codings[cols].sort_values(cols).reset_index(drop=True))


def test_refi_export_guids_are_lower_case(tmp_path):
    docs, codings, book = _emoji_study(tmp_path)
    export_qdpx(tmp_path / "p.qdpx", docs, codings, book)
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        qde = zf.read("project.qde").decode()
        names = zf.namelist()
    guids = re.findall(r'(?:guid|GUID|creatingUser)="([^"]+)"', qde)
    assert guids and all(re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", g) for g in guids)
    assert all(n == n.lower() for n in names)


def test_refi_export_description_keeps_line_breaks(tmp_path):
    docs, codings, book = _emoji_study(tmp_path)
    export_qdpx(tmp_path / "p.qdpx", docs, codings, book)
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        root = ET.fromstring(zf.read("project.qde"))
    desc = root.find(".//{urn:QDA-XML:project:1.0}Code/{urn:QDA-XML:project:1.0}Description")
    assert desc.text == "First line.\nSecond line.\n\nA new paragraph."
    assert import_qdpx(tmp_path / "p.qdpx").report.codes[0].description == desc.text


def test_refi_export_description_keeps_line_breaks_from_codebook_yaml(tmp_path, capsys):
    from casecoder.codebook import load_codebook

    (tmp_path / "codebook.yaml").write_text(
        "codes:\n  - id: pace\n    label: Move with pace\n    definition: |\n      Act quickly.\n"
        "      Do not wait   for permission.\n\n      A second paragraph.\n", encoding="utf-8")
    book = load_codebook(tmp_path / "codebook.yaml", validate_patterns=False)
    assert book["pace"].definition == "Act quickly.\nDo not wait for permission.\n\nA second paragraph."
    assert main(["export-qdc", "--codebook", str(tmp_path / "codebook.yaml"), "--out", str(tmp_path / "c.qdc")]) == 0
    root = ET.parse(tmp_path / "c.qdc").getroot()
    assert root.find(".//{urn:QDA-XML:codebook:1.0}Description").text == book["pace"].definition


# ------------------------------------------------------------------------------------------
# the convention report says what it detected and why


def test_refi_import_convention_evidence_is_true_when_two_others_tie(tmp_path):
    # CRLF before the spans, an emoji only after them: codepoints-crlf and utf16-crlf place every
    # span alike (on word boundaries), codepoints and utf16 put them off by the CRLFs
    text = "Leader: one\r\ntwo\r\nthree words here\r\nfinal 😀\r\n"
    spans = [("three words", 0), ("words here", 0), ("two", 0)]
    sels = ""
    for i, (quote, _) in enumerate(spans):
        a = text.index(quote)
        sels += _selection(i, a, a + len(quote))
    path = _qdpx(tmp_path / "t.qdpx", _project(_text_source(1, "x.docx", sels), origin="Some tool"),
                 {f"sources/{_guid(3, 1)}.txt": text.encode()})
    got = import_qdpx(path)
    assert got.report.convention == "codepoints-crlf"
    assert "specification" not in got.report.evidence
    assert "utf16-crlf" in got.report.evidence  # the one it tied with is named


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_refi_export_files_follow_the_umask(tmp_path, umask):
    import os

    docs, codings, book = _emoji_study(tmp_path)
    old = os.umask(umask)
    try:
        export_qdpx(tmp_path / "p.qdpx", docs, codings, book)
        assert main(["export-qdc", "--codebook", str(REPO / "codebook.yaml"), "--out", str(tmp_path / "c.qdc")]) == 0
    finally:
        os.umask(old)
    for name in ("p.qdpx", "c.qdc"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_refi_import_forced_convention_says_what_detection_found(tmp_path):
    text = "Leader: one\r\ntwo words\r\n"
    a = text.index("two words")
    path = _qdpx(tmp_path / "t.qdpx", _project(_text_source(1, "x.docx", _selection(1, a, a + 9)), origin="Some tool"),
                 {f"sources/{_guid(3, 1)}.txt": text.encode()})
    got = import_qdpx(path, convention="codepoints-crlf")
    assert got.report.convention == "codepoints-crlf" and got.codings["text"].tolist() == ["two words"]
    assert got.report.evidence.startswith("given by the caller; detection alone would take codepoints-crlf: ")


def test_refi_docs_list_every_note_and_error():
    import casecoder.refi as refi

    source = "".join(p.read_text(encoding="utf-8") for p in (
        [Path(refi.__file__)] if Path(refi.__file__).name != "__init__.py"
        else sorted(Path(refi.__file__).parent.rglob("*.py"))))
    notes = set(re.findall(r'_issue\("(E7\d\d)"', source))
    errors = set(re.findall(r'problem\("(E7\d\d)"', source))
    doc = (REPO / "docs" / "REFI.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| (E7\d\d) \|", doc, re.M))
    assert notes and notes == table  # the table lists exactly the notes and skips import gives
    assert {"E743", "E744", "E747", "E748"} <= errors and all(code in doc for code in errors)
