"""Shared inputs of the REFI-QDA tests: two small transcripts with their codings, and projects
built byte by byte as other tools write them (CRLF text with CRLF counted as two, UTF-16
positions around an emoji, a BOM, attributes left out). The real exports in ../shared/refi-qda
are read from there and the tests that need them skip when it is absent."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from casecoder.codebook import Code, Codebook
from casecoder.schema import normalise_codings
from casecoder.transcripts import read_corpus

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "refi-qda"
XSD = SHARED / "Project-mrt2019.xsd"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/refi-qda is absent (REFI-QDA samples and schema)")
needs_xsd = pytest.mark.skipif(not XSD.is_file(), reason="../shared/refi-qda/Project-mrt2019.xsd is absent: "
                               "casecoder ships no REFI-QDA schema, so schema validity is tested only against it")


def codebook_xsd(folder: Path) -> Path:
    """A codebook schema for ``.qdc`` files, derived at test time from the shared Project.xsd.

    The published project schema defines ``CodeBookType``; a ``.qdc`` is that type as its root
    element, in the codebook namespace (``urn:QDA-XML:codebook:1.0``), with the ``origin``
    attribute section 5.2 of the REFI-QDA 1.5 specification gives the codebook file's root.
    Written into ``folder``; the caller skips (``needs_xsd``) when the shared file is absent.
    """
    text = XSD.read_text(encoding="utf-8").replace("urn:QDA-XML:project:1.0", "urn:QDA-XML:codebook:1.0")
    text, roots = re.subn(r'<xsd:element name="Project" type="ProjectType">.*?</xsd:element>',
                          '<xsd:element name="CodeBook" type="CodeBookType"/>', text, count=1, flags=re.S)
    text, origins = re.subn(r'(<xsd:complexType name="CodeBookType">.*?</xsd:sequence>)',
                            r'\1<xsd:attribute name="origin" type="xsd:string"/>', text, count=1, flags=re.S)
    assert roots == origins == 1, "the shared Project.xsd no longer has the shape this derivation expects"
    out = folder / "codebook-derived.xsd"
    out.write_text(text, encoding="utf-8")
    return out

TEXT_OLDHAM = (
    "# Leadership actions with the greatest impact\n\n"
    "Interviewer: What made the difference?\n\n"
    "Chief Executive: We said “no more silos” — and meant it. The £2m fund helped 🙂 a lot.\n\n"
    "Director: Residents co-designed the service; it’s theirs now.\n"
)
TEXT_SURREY = "Interviewer: And the challenges?\n\nLeader of the Council: Money — always money. Café culture helps.\n"


def refi_codebook() -> Codebook:
    return Codebook(codes=(
        Code(id="bold_leadership", label="Be bold — and united", definition="Leaders act “together”.",
             include="united leadership", exclude="speed", color="#332288"),
        Code(id="involve_residents", label="Involve residents", definition="Co-design with residents.",
             color="#88CCEE"),
        Code(id="co_design", label="Co-design", definition="A kind of involvement.", parent="involve_residents"),
    ), path="codebook.yaml")


def refi_docs(tmp: Path) -> list:
    (tmp / "t").mkdir(exist_ok=True)
    (tmp / "t" / "oldham.md").write_text(
        "---\ncase: oldham\ncouncil_type: metropolitan\nyear: 2016\n---\n" + TEXT_OLDHAM, encoding="utf-8")
    (tmp / "t" / "surrey.md").write_text(
        "---\ncase: surrey\ncouncil_type: county\nyear: 2015\n---\n" + TEXT_SURREY, encoding="utf-8")
    return read_corpus([tmp / "t"])


def coding_row(doc, needle: str, code: str, analyst: str = "casecoder", source: str = "auto", note: str = "",
            status: str = "coded") -> dict:
    start = doc.text.index(needle)
    end = start + len(needle)
    return {"document": doc.id, "case": doc.case, "start": start, "end": end, "text": needle, "code": code,
            "analyst": analyst, "source": source, "note": note, "status": status,
            "rule": "override" if source == "manual" else "phrase:x"}


def refi_codings(docs) -> pd.DataFrame:
    oldham, surrey = docs
    rows = [
        coding_row(oldham, "We said “no more silos” — and meant it.", "bold_leadership"),
        coding_row(oldham, "The £2m fund helped 🙂 a lot.", "bold_leadership", analyst="Zoë Ellis", source="manual",
                note="emoji inside"),
        coding_row(oldham, "Residents co-designed the service; it’s theirs now.", "involve_residents"),
        coding_row(oldham, "Residents co-designed the service; it’s theirs now.", "co_design", analyst="Zoë Ellis",
                source="manual"),
        coding_row(surrey, "Café culture helps.", "co_design", status="excluded"),
        coding_row(surrey, "Money — always money.", "bold_leadership", analyst="Zoë Ellis", source="manual"),
    ]
    return normalise_codings(pd.DataFrame(rows))


def write_qdpx(path: Path, qde: str | bytes, files: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    """A .qdpx as another tool would write it."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


_U1 = "29518289-D0E3-447B-B7DD-AE1D8CD880A0"
_U0 = "C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B"
_C1, _C2, _C3 = ("5067D381-1DC9-4816-81DD-AE1DBFEA2AD7", "7142C1BF-1BBE-4073-88DD-AE1DBFEC9F8F",
                 "FD96CA71-E3FE-46B2-92DD-AE1DBFED137B")
_S1 = "68BBDC14-C361-4432-B4DD-AE1DBFC12890"


def project_xml(selections: list[tuple[int, int, str]], *, text_attr: str = f'plainTextPath="internal://{_S1}.txt"',
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


def units_of(text: str, span: str, *, utf16: bool, crlf2: bool) -> tuple[int, int]:
    """Where a tool counting this way puts ``span`` of the CRLF ``text``."""
    a = text.index(span)

    def count(s: str) -> int:
        n = len(s.encode("utf-16-le")) // 2 if utf16 else len(s)
        return n if crlf2 else n - s.count("\r\n")

    return count(text[:a]), count(text[:a]) + count(span)
