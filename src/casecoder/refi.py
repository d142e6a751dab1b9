"""REFI-QDA interchange: export casecoder's work to ``.qdpx``/``.qdc`` and import other tools'.

REFI-QDA (QDA-XML 1.0) is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and
others. A project (``.qdpx``) is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and a ``sources/`` folder; a codebook (``.qdc``) is one XML file
in ``urn:QDA-XML:codebook:1.0``.

Export (:func:`export_qdpx`, :func:`export_qdc`)
    Users (one per analyst, plus ``casecoder``), the codebook (nesting, colours,
    descriptions), cases (one per case, its attributes as variables, its documents as source
    references), every document as a UTF-8 ``.txt`` source (no BOM, LF, referenced as
    ``internal://<guid>.txt``) and every coded row of the codings table as a
    ``PlainTextSelection`` carrying one ``Coding`` per code. GUIDs are uuid5 of stable names,
    zip entries have fixed times and order and the XML carries no clock time, so the same input
    always gives the same bytes. The XML is validated against a schema before the zip is
    renamed into place.

Import (:func:`import_qdpx`, :func:`import_qdc`)
    Liberal in what it reads (``Sources/`` or ``sources/``, any ``.qde`` name, a BOM, CRLF,
    missing optional attributes, inline ``PlainTextContent``), strict in what it checks (every
    GUID reference resolves, every selection lies inside its text). It returns the documents,
    a codings table (one analyst per REFI user; ``source`` ``manual``; ``segment`` -1 where a
    span is not a sentence), the codebook (codes unknown to ours kept under their own names)
    and an :class:`ImportReport` that lists every selection it could not place, with element
    and GUID, and the position convention it detected.

Positions
    The specification counts Unicode code points from 0, end exclusive. Some tools count
    UTF-16 code units (an emoji is two) or count a CRLF line break as two characters. On import
    the convention is detected per file from the selections' quoted text where tools give it
    (the ``name`` attribute), else from how many spans fall on word boundaries, with the
    ``origin`` as a tie-break, and every position is converted into code points of the
    normalised text (BOM removed, CRLF/CR turned into LF) that the rest of casecoder uses.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import MESSAGES, Problem, RefiError, problem
from .io import atomic_write_bytes
from .transcripts import FrozenMap

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = [
    "CONVENTIONS",
    "CodebookImport",
    "Convention",
    "ConventionScore",
    "ExportReport",
    "ImportIssue",
    "ImportReport",
    "ImportedCode",
    "ProjectImport",
    "export_qdc",
    "export_qdpx",
    "guid_for",
    "import_qdc",
    "import_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: The namespace every casecoder GUID is derived in (uuid5), so GUIDs are stable across runs.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/casecoder/casecoder/refi-qda")
#: The user every export is created by (the machine); analysts are users beside it.
CASECODER_USER = "casecoder"
#: A fixed zip entry time (the earliest a zip can hold), so exports are byte-identical.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# ============================================================================================
# public result types


@dataclass(frozen=True)
class Convention:
    """How a tool counts text positions.

    Attributes
    ----------
    name : str
        ``codepoints`` (the specification, on the LF-normalised text), ``codepoints-crlf``
        (code points of the file as stored, a CRLF counting two), ``utf16`` (UTF-16 code
        units, a character beyond the Basic Multilingual Plane counting two) or
        ``utf16-crlf`` (both).
    utf16 : bool
        Characters beyond U+FFFF count as two units.
    crlf_as_two : bool
        A CRLF line break in the source file counts as two units.
    """

    name: str
    utf16: bool
    crlf_as_two: bool


#: The conventions import can detect, in order of preference when the evidence ties.
CONVENTIONS: tuple[Convention, ...] = (
    Convention("codepoints", False, False),
    Convention("codepoints-crlf", False, True),
    Convention("utf16", True, False),
    Convention("utf16-crlf", True, True),
)
_CONVENTION = {c.name: c for c in CONVENTIONS}
#: Tools whose convention has been seen in files they wrote (see docs/REFI.md): a tie-break.
_ORIGIN_PRIORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"nvivo.*windows", re.I), "utf16-crlf"),
    (re.compile(r"^casecoder\b", re.I), "codepoints"),
)


@dataclass(frozen=True)
class ImportIssue:
    """Something import set aside, changed or kept, with the element and GUID it concerns.

    Attributes
    ----------
    code : str
        A message code of :mod:`casecoder.errors` (E7xx).
    element : str
        The XML element (``PlainTextSelection``, ``PDFSelection``, ``Code``, ...).
    guid : str
        Its GUID (``""`` where it has none).
    message : str
        What happened and why.
    source : str
        The name of the source it belongs to, if any.
    """

    code: str
    element: str
    guid: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.element} {self.guid}".strip()
        src = f" in source {self.source!r}" if self.source else ""
        return f"{where}{src}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class ConventionScore:
    """The evidence for one position convention over a whole file.

    Attributes
    ----------
    convention : str
        A :data:`CONVENTIONS` name.
    selections : int
        Text selections whose source text is available.
    invalid : int
        Selections that fall outside the text or inside a character under this convention.
    quotes : int
        Selections whose ``name`` equals (or, when truncated with an ellipsis, begins) the
        text the convention points at.
    boundaries : int
        Selections whose start and end both fall on word boundaries.
    """

    convention: str
    selections: int
    invalid: int
    quotes: int
    boundaries: int


@dataclass(frozen=True)
class ImportedCode:
    """A code as the file gives it, and the casecoder code id it was mapped to.

    Attributes
    ----------
    guid, name : str
        From the file.
    id : str
        The casecoder code id (ours where it matched, else derived from ``name``).
    parent : str
        The parent's casecoder id (``""`` at the top level).
    color, description : str
        ``""`` when the file gives none.
    codable : bool
        The file's ``isCodable``.
    known : bool
        Whether it matched a code of the codebook given to import.
    """

    guid: str
    name: str
    id: str
    parent: str
    color: str
    description: str
    codable: bool
    known: bool


@dataclass(frozen=True)
class ImportReport:
    """What an import read, what it set aside and how it placed positions.

    Attributes
    ----------
    path : str
        The file imported.
    origin : str
        The ``origin`` attribute (the tool that wrote the file), ``""`` if absent.
    convention : str
        The detected position convention (a :data:`CONVENTIONS` name).
    evidence : str
        Why that convention was chosen, in words.
    scores : tuple of ConventionScore
        The evidence for every convention.
    analysts : Mapping[str, str]
        User GUID -> analyst name, for every user some imported coding is attributed to.
    system_users : tuple of str
        Names of the tools' built-in users that were skipped.
    codes : tuple of ImportedCode
        Every code of the file, in file order.
    skipped : tuple of ImportIssue
        Every selection or coding not imported (media, PDF regions, texts absent from the
        archive, whole-source codings, quotations without codes), with its reason.
    notes : tuple of ImportIssue
        Everything else worth knowing: codes not in our codebook (kept), parents inferred,
        system users skipped, elements not imported, duplicate codings dropped.
    counts : Mapping[str, int]
        ``codes``, ``sources``, ``documents``, ``selections``, ``codings``, ``skipped``.
    """

    path: str
    origin: str
    convention: str
    evidence: str
    scores: tuple[ConventionScore, ...]
    analysts: Mapping[str, str]
    system_users: tuple[str, ...]
    codes: tuple[ImportedCode, ...]
    skipped: tuple[ImportIssue, ...]
    notes: tuple[ImportIssue, ...]
    counts: Mapping[str, int]

    @property
    def unknown_codes(self) -> tuple[ImportedCode, ...]:
        """Codes that are not in the codebook given to import (kept under their own names)."""
        return tuple(c for c in self.codes if not c.known)

    def summary(self) -> str:
        """A few lines for a person: counts, the convention and why, what was skipped."""
        c = self.counts
        lines = [
            f"{self.path}: origin {self.origin or '(none)'}",
            f"  {c.get('codes', 0)} codes ({len(self.unknown_codes)} not in the codebook, kept), "
            f"{c.get('documents', 0)} documents, {c.get('codings', 0)} codings from "
            f"{c.get('selections', 0)} selections, {c.get('skipped', 0)} skipped",
            f"  positions: {self.convention} ({self.evidence})",
        ]
        reasons = Counter(i.code for i in self.skipped)
        for code, n in sorted(reasons.items()):
            example = next(i for i in self.skipped if i.code == code)
            lines.append(f"  skipped {n} x [{code}] e.g. {example}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ProjectImport:
    """The result of :func:`import_qdpx`.

    Attributes
    ----------
    documents : tuple of Document
        One per text source whose text is in the file, sorted by id; ``text`` is the source
        text normalised as the transcript reader does (BOM removed, LF line ends).
    codings : DataFrame
        A codings table (:mod:`casecoder.schema`), ``source`` ``manual``, one analyst per user.
    codebook : Codebook
        The codebook given to import (if any) followed by the file's codes it lacked.
    cases : Mapping[str, Mapping[str, Any]]
        Case name -> its variable values.
    report : ImportReport
    """

    documents: tuple[Any, ...]
    codings: pd.DataFrame
    codebook: Any
    cases: Mapping[str, Mapping[str, Any]]
    report: ImportReport


@dataclass(frozen=True)
class CodebookImport:
    """The result of :func:`import_qdc`: the codebook and the report (codes, notes)."""

    codebook: Any
    report: ImportReport


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote.

    Attributes
    ----------
    path : str
        The file written.
    schema : str
        What the XML was validated against: the path of the XSD given, or ``built-in``.
    counts : Mapping[str, int]
        ``users``, ``codes``, ``cases``, ``variables``, ``sources``, ``selections``,
        ``codings``, and ``excluded_rows`` (rows with status ``excluded``, which are not
        codings and are not exported).
    """

    path: str
    schema: str
    counts: Mapping[str, int]


# ============================================================================================
# GUIDs and small helpers


def guid_for(kind: str, *parts: str) -> str:
    """The deterministic GUID casecoder gives an exported object.

    Parameters
    ----------
    kind : str
        ``user``, ``code``, ``case``, ``variable``, ``source``, ``selection`` or ``coding``.
    *parts : str
        The stable names that identify it (a code id; a document id, start, end, analyst...).

    Returns
    -------
    str
        An upper-case uuid5 string, the same on every run.

    Examples
    --------
    >>> guid_for("code", "build_trust") == guid_for("code", "build_trust")
    True
    """
    name = "\x1f".join((kind, *map(str, parts)))
    return str(uuid.uuid5(GUID_NAMESPACE, name)).upper()


def _norm_guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text_of(el: ET.Element | None) -> str:
    return "" if el is None or el.text is None else el.text


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 cannot hold (C0 controls) so an attribute stays valid."""
    return _INVALID_XML.sub("\ufffd", text)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# ============================================================================================
# schemas

# Pieces the two schemas below share, written once so that they cannot drift apart.


def _xsd_open(namespace: str) -> str:
    """The XML declaration and opening ``<xsd:schema>`` tag of QDA-XML ``namespace`` 1.0."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xsd:schema xmlns="urn:QDA-XML:{namespace}:1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n'
        f'  targetNamespace="urn:QDA-XML:{namespace}:1.0" elementFormDefault="qualified"\n'
        '  attributeFormDefault="unqualified" version="1.0">\n'
    )


_XSD_CODE_TYPE = """  <xsd:complexType name="CodeType">
    <xsd:sequence>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
      <xsd:element name="Code" type="CodeType" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string" use="required"/>
    <xsd:attribute name="isCodable" type="xsd:boolean" use="required"/>
    <xsd:attribute name="color" type="RGBType"/>
  </xsd:complexType>
"""

_XSD_GUID_RGB_TYPES = """  <xsd:simpleType name="GUIDType">
    <xsd:restriction base="xsd:token">
      <xsd:pattern value="([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|(\\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\})"/>
    </xsd:restriction>
  </xsd:simpleType>
  <xsd:simpleType name="RGBType">
    <xsd:restriction base="xsd:token">
      <xsd:pattern value="#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})"/>
    </xsd:restriction>
  </xsd:simpleType>
"""

#: The REFI-QDA codebook schema (QDA-XML codebook 1.0), written from section 5.2 of the
#: REFI-QDA 1.5 specification; every exported ``.qdc`` is validated against it.
CODEBOOK_XSD = _xsd_open("codebook") + """  <xsd:element name="CodeBook" type="CodeBookType"/>
  <xsd:complexType name="CodeBookType">
    <xsd:sequence>
      <xsd:element name="Codes" type="CodesType"/>
      <xsd:element name="Sets" type="SetsType" minOccurs="0"/>
    </xsd:sequence>
    <xsd:attribute name="origin" type="xsd:string"/>
  </xsd:complexType>
  <xsd:complexType name="CodesType">
    <xsd:sequence>
      <xsd:element name="Code" type="CodeType" maxOccurs="unbounded"/>
    </xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="SetsType">
    <xsd:sequence>
      <xsd:element name="Set" type="SetType" maxOccurs="unbounded"/>
    </xsd:sequence>
  </xsd:complexType>
""" + _XSD_CODE_TYPE + """  <xsd:complexType name="SetType">
    <xsd:sequence>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
      <xsd:element name="MemberCode" type="MemberCodeType" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string" use="required"/>
  </xsd:complexType>
  <xsd:complexType name="MemberCodeType">
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
  </xsd:complexType>
""" + _XSD_GUID_RGB_TYPES + """</xsd:schema>
"""

#: The part of the REFI-QDA project schema that casecoder writes (users, codebook, variables,
#: cases, text sources, text selections, codings), written from section 5.3 of the REFI-QDA
#: 1.5 specification with the same types, order and required attributes. Exports are
#: validated against it when the full ``Project.xsd`` is not given; a document valid here is
#: valid against the full schema, which only adds optional elements.
PROJECT_SUBSET_XSD = _xsd_open("project") + """  <xsd:element name="Project" type="ProjectType"/>
  <xsd:complexType name="ProjectType">
    <xsd:sequence>
      <xsd:element name="Users" type="UsersType" minOccurs="0"/>
      <xsd:element name="CodeBook" type="CodeBookType" minOccurs="0"/>
      <xsd:element name="Variables" type="VariablesType" minOccurs="0"/>
      <xsd:element name="Cases" type="CasesType" minOccurs="0"/>
      <xsd:element name="Sources" type="SourcesType" minOccurs="0"/>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
    </xsd:sequence>
    <xsd:attribute name="name" type="xsd:string" use="required"/>
    <xsd:attribute name="origin" type="xsd:string"/>
    <xsd:attribute name="creatingUserGUID" type="GUIDType"/>
    <xsd:attribute name="creationDateTime" type="xsd:dateTime"/>
    <xsd:attribute name="modifyingUserGUID" type="GUIDType"/>
    <xsd:attribute name="modifiedDateTime" type="xsd:dateTime"/>
    <xsd:attribute name="basePath" type="xsd:string"/>
  </xsd:complexType>
  <xsd:complexType name="UsersType">
    <xsd:sequence><xsd:element name="User" type="UserType" maxOccurs="unbounded"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="UserType">
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string"/>
    <xsd:attribute name="id" type="xsd:string"/>
  </xsd:complexType>
  <xsd:complexType name="CodeBookType">
    <xsd:sequence><xsd:element name="Codes" type="CodesType"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CodesType">
    <xsd:sequence><xsd:element name="Code" type="CodeType" maxOccurs="unbounded"/></xsd:sequence>
  </xsd:complexType>
""" + _XSD_CODE_TYPE + """  <xsd:complexType name="VariablesType">
    <xsd:sequence><xsd:element name="Variable" type="VariableType" maxOccurs="unbounded"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="VariableType">
    <xsd:sequence><xsd:element name="Description" type="xsd:string" minOccurs="0"/></xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string" use="required"/>
    <xsd:attribute name="typeOfVariable" type="typeOfVariableType" use="required"/>
  </xsd:complexType>
  <xsd:complexType name="CasesType">
    <xsd:sequence><xsd:element name="Case" type="CaseType" maxOccurs="unbounded"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CaseType">
    <xsd:sequence>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
      <xsd:element name="VariableValue" type="VariableValueType" minOccurs="0" maxOccurs="unbounded"/>
      <xsd:element name="SourceRef" type="RefType" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string"/>
  </xsd:complexType>
  <xsd:complexType name="VariableValueType">
    <xsd:sequence>
      <xsd:element name="VariableRef" type="RefType"/>
      <xsd:choice>
        <xsd:element name="TextValue" type="xsd:string" minOccurs="0"/>
        <xsd:element name="BooleanValue" type="xsd:boolean" minOccurs="0"/>
        <xsd:element name="IntegerValue" type="xsd:integer" minOccurs="0"/>
        <xsd:element name="FloatValue" type="xsd:decimal" minOccurs="0"/>
        <xsd:element name="DateValue" type="xsd:date" minOccurs="0"/>
        <xsd:element name="DateTimeValue" type="xsd:dateTime" minOccurs="0"/>
      </xsd:choice>
    </xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="SourcesType">
    <xsd:choice maxOccurs="unbounded"><xsd:element name="TextSource" type="TextSourceType"/></xsd:choice>
  </xsd:complexType>
  <xsd:complexType name="TextSourceType">
    <xsd:sequence>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
      <xsd:element name="PlainTextContent" type="xsd:string" minOccurs="0"/>
      <xsd:element name="PlainTextSelection" type="PlainTextSelectionType" minOccurs="0" maxOccurs="unbounded"/>
      <xsd:element name="VariableValue" type="VariableValueType" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string"/>
    <xsd:attribute name="richTextPath" type="xsd:string"/>
    <xsd:attribute name="plainTextPath" type="xsd:string"/>
    <xsd:attribute name="creatingUser" type="GUIDType"/>
    <xsd:attribute name="creationDateTime" type="xsd:dateTime"/>
    <xsd:attribute name="modifyingUser" type="GUIDType"/>
    <xsd:attribute name="modifiedDateTime" type="xsd:dateTime"/>
  </xsd:complexType>
  <xsd:complexType name="PlainTextSelectionType">
    <xsd:sequence>
      <xsd:element name="Description" type="xsd:string" minOccurs="0"/>
      <xsd:element name="Coding" type="CodingType" minOccurs="0" maxOccurs="unbounded"/>
    </xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="name" type="xsd:string"/>
    <xsd:attribute name="startPosition" type="xsd:integer" use="required"/>
    <xsd:attribute name="endPosition" type="xsd:integer" use="required"/>
    <xsd:attribute name="creatingUser" type="GUIDType"/>
    <xsd:attribute name="creationDateTime" type="xsd:dateTime"/>
    <xsd:attribute name="modifyingUser" type="GUIDType"/>
    <xsd:attribute name="modifiedDateTime" type="xsd:dateTime"/>
  </xsd:complexType>
  <xsd:complexType name="CodingType">
    <xsd:sequence><xsd:element name="CodeRef" type="RefType"/></xsd:sequence>
    <xsd:attribute name="guid" type="GUIDType" use="required"/>
    <xsd:attribute name="creatingUser" type="GUIDType"/>
    <xsd:attribute name="creationDateTime" type="xsd:dateTime"/>
  </xsd:complexType>
  <xsd:complexType name="RefType">
    <xsd:attribute name="targetGUID" type="GUIDType" use="required"/>
  </xsd:complexType>
""" + _XSD_GUID_RGB_TYPES + """  <xsd:simpleType name="typeOfVariableType">
    <xsd:restriction base="xsd:token">
      <xsd:enumeration value="Text"/><xsd:enumeration value="Boolean"/>
      <xsd:enumeration value="Integer"/><xsd:enumeration value="Float"/>
      <xsd:enumeration value="Date"/><xsd:enumeration value="DateTime"/>
    </xsd:restriction>
  </xsd:simpleType>
</xsd:schema>
"""

_SCHEMA_CACHE: dict[str, Any] = {}


def _schema(source: str, *, key: str) -> Any:
    """Build (once per process) an ``xmlschema`` schema from XSD text or a file path."""
    if key not in _SCHEMA_CACHE:
        import xmlschema  # imported here: building a schema is slow and only export needs it

        _SCHEMA_CACHE[key] = xmlschema.XMLSchema(source)
    return _SCHEMA_CACHE[key]


def _validate(xml: bytes, schema: Any, *, path: str, element: str) -> None:
    errors = list(schema.iter_errors(io.BytesIO(xml)))
    if errors:
        raise RefiError(
            [
                problem("E722", path=path, field=element, reason=str(getattr(e, "reason", e) or e).splitlines()[0],
                        where=getattr(e, "path", "") or "")
                for e in errors[:20]
            ]
        )


def _project_schema(schema: str | os.PathLike[str] | None, path: str) -> tuple[Any, str]:
    """The schema to validate an export against, and how to name it in the report."""
    if schema is None:
        schema = os.environ.get("CASECODER_REFI_SCHEMA") or None
    if schema is None:
        return _schema(PROJECT_SUBSET_XSD, key="project-subset"), "built-in"
    p = Path(schema)
    if not p.is_file():
        raise RefiError(problem("E723", path=path, field="schema", schema=str(p)))
    return _schema(str(p), key=f"file:{p.resolve()}"), str(p)


# ============================================================================================
# export


def _code_description(code: Any) -> str:
    """A code's REFI description: its definition, then its include/exclude rules."""
    parts = [str(getattr(code, "definition", "") or "").strip()]
    for label, attr in (("Include", "include"), ("Exclude", "exclude")):
        value = getattr(code, attr, None)
        if not value:
            continue
        items = [value] if isinstance(value, str) else list(value)
        items = [str(i).strip() for i in items if str(i).strip()]
        if items:
            parts.append(f"{label}: " + "; ".join(items))
    return "\n\n".join(p for p in parts if p)


def _codes_tree(codebook: Any, ns: str) -> ET.Element:
    """A ``<Codes>`` element holding the codebook, nested by ``parent``, in codebook order."""
    codes = list(codebook.codes)
    by_parent: dict[str, list[Any]] = {}
    ids = {c.id for c in codes}
    for c in codes:
        parent = c.parent if getattr(c, "parent", None) in ids else ""
        by_parent.setdefault(parent or "", []).append(c)
    codes_el = ET.Element(f"{{{ns}}}Codes")

    def add(parent_el: ET.Element, code: Any) -> None:
        attrs = {"guid": guid_for("code", code.id), "name": str(code.label or code.id), "isCodable": "true"}
        color = str(getattr(code, "color", "") or "")
        if re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", color):
            attrs["color"] = color.upper()
        el = ET.SubElement(parent_el, f"{{{ns}}}Code", attrs)
        desc = _code_description(code)
        if desc:
            ET.SubElement(el, f"{{{ns}}}Description").text = _xml_safe(desc)
        for child in by_parent.get(code.id, []):
            add(el, child)

    for top in by_parent.get("", []):
        add(codes_el, top)
    return codes_el


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def _variable(value: Any) -> tuple[str, str] | None:
    """(typeOfVariable, text) for a metadata value that can be a REFI variable, else None."""
    if isinstance(value, bool):
        return "Boolean", "true" if value else "false"
    if isinstance(value, int):
        return "Integer", str(value)
    if isinstance(value, float):
        # xsd:decimal has no exponent, infinity or NaN: write those as text
        return ("Float", format(value, "f").rstrip("0").rstrip(".") or "0") if math.isfinite(value) else ("Text", repr(value))
    if isinstance(value, datetime):
        return "Text", value.isoformat()
    if isinstance(value, date):
        return "Date", value.isoformat()
    if isinstance(value, str):
        return "Text", value
    return None


def _case_variables(documents: Sequence[Any], case_key: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Case -> {variable: (type, value)}: the metadata every document of the case agrees on."""
    per_case: dict[str, list[Mapping[str, Any]]] = {}
    for d in documents:
        per_case.setdefault(d.case, []).append(d.metadata or {})
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for case, metas in per_case.items():
        keys = set.intersection(*(set(m) for m in metas)) if metas else set()
        values: dict[str, tuple[str, str]] = {}
        for key in sorted(keys - {case_key}):
            converted = {_variable(m[key]) for m in metas}
            if len(converted) == 1 and None not in converted:
                values[key] = converted.pop()  # type: ignore[assignment]
        out[case] = values
    return out


def export_qdpx(
    path: str | os.PathLike[str],
    documents: Iterable[Any],
    codings: pd.DataFrame,
    codebook: Any,
    *,
    name: str = "casecoder project",
    case_key: str = "council",
    schema: str | os.PathLike[str] | None = None,
) -> ExportReport:
    """Write documents, codebook, cases and codings as a REFI-QDA project (``.qdpx``).

    Parameters
    ----------
    path : path
        The ``.qdpx`` file to write (atomically; an existing file is replaced only when the
        new one is complete and valid).
    documents : iterable of Document
        The documents the codings were made on; each becomes a text source, ``document.text``
        written as UTF-8 without BOM.
    codings : DataFrame
        A codings table (:mod:`casecoder.schema`). Rows with status ``coded`` are exported,
        one ``PlainTextSelection`` per (document, start, end, analyst) with one ``Coding`` per
        code; ``excluded`` rows are not codings and are counted in the report instead.
    codebook : Codebook
        Every code is exported, nested by ``parent``, with its colour and description.
    name : str, default "casecoder project"
        The project name.
    case_key : str, default "council"
        The metadata key that names the case; it is not repeated as a case variable.
    schema : path, optional
        The REFI-QDA ``Project.xsd`` to validate against (or the environment variable
        ``CASECODER_REFI_SCHEMA``); without it the built-in schema of the exported subset is
        used.

    Returns
    -------
    ExportReport

    Raises
    ------
    CodingsError
        If the codings table is malformed or uses codes not in the codebook.
    RefiError
        A coding on a document not given (E712), outside its text or quoting other text
        (E713), duplicate document ids (E714), a schema file not found (E723), or the XML
        failing the schema (E722). Nothing is written.

    Examples
    --------
    >>> report = export_qdpx("out/study.qdpx", docs, codings, codebook)  # doctest: +SKIP
    >>> report.counts["codings"]                                        # doctest: +SKIP
    412
    """
    from . import __version__
    from .schema import validate_codings

    out_path = str(path)
    docs = sorted(documents, key=lambda d: d.id)
    problems: list[Problem] = []
    seen: dict[str, Any] = {}
    for d in docs:
        if d.id in seen:
            problems.append(problem("E714", path=out_path, field="documents", id=d.id))
        seen[d.id] = d
    table = validate_codings(codings, codebook=codebook)
    excluded = int((table["status"] != "coded").sum())
    coded = table[table["status"] == "coded"]
    for row in coded.itertuples(index=False):
        doc = seen.get(row.document)
        if doc is None:
            problems.append(problem("E712", path=out_path, field="codings.document", document=row.document,
                                    count=len(docs)))
            continue
        if not (0 <= row.start <= row.end <= len(doc.text)):
            problems.append(problem("E713", path=out_path, field="codings", document=row.document, start=row.start,
                                    end=row.end, detail=f"outside its {len(doc.text)} characters"))
        elif row.text and doc.text[row.start : row.end] != row.text:
            problems.append(problem("E713", path=out_path, field="codings", document=row.document, start=row.start,
                                    end=row.end, detail=f"the text there is {doc.text[row.start:row.end][:60]!r}, "
                                    f"the table says {row.text[:60]!r}"))
    if problems:
        raise RefiError(_dedupe(problems))
    validator, schema_name = _project_schema(schema, out_path)

    ns = PROJECT_NS
    E = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731 - a local shorthand keeps the tree readable
    machine = guid_for("user", CASECODER_USER)
    analysts = sorted(set(coded["analyst"]) | {CASECODER_USER})
    ET.register_namespace("", ns)
    root = ET.Element(E("Project"), {"name": name, "origin": f"casecoder {__version__}", "creatingUserGUID": machine})
    users = ET.SubElement(root, E("Users"))
    for a in analysts:
        ET.SubElement(users, E("User"), {"guid": guid_for("user", a), "name": a or "(unnamed)"})
    if list(codebook.codes):
        book = ET.SubElement(root, E("CodeBook"))
        book.append(_codes_tree(codebook, ns))

    case_vars = _case_variables(docs, case_key)
    var_types: dict[str, set[str]] = {}
    for values in case_vars.values():
        for key, (typ, _) in values.items():
            var_types.setdefault(key, set()).add(typ)
    # a variable must have one type; where cases disagree (a number here, text there) use Text
    var_type = {k: (t.pop() if len(t) == 1 else "Text") for k, t in var_types.items()}
    if var_type:
        variables = ET.SubElement(root, E("Variables"))
        for key in sorted(var_type):
            ET.SubElement(variables, E("Variable"), {"guid": guid_for("variable", key), "name": key,
                                                     "typeOfVariable": var_type[key]})
    cases = sorted({d.case for d in docs})
    if cases:
        cases_el = ET.SubElement(root, E("Cases"))
        for case in cases:
            c_el = ET.SubElement(cases_el, E("Case"), {"guid": guid_for("case", case), "name": case})
            for key, (typ, text) in sorted(case_vars.get(case, {}).items()):
                vv = ET.SubElement(c_el, E("VariableValue"))
                ET.SubElement(vv, E("VariableRef"), {"targetGUID": guid_for("variable", key)})
                ET.SubElement(vv, E(f"{var_type[key]}Value")).text = _xml_safe(text)
            for d in docs:
                if d.case == case:
                    ET.SubElement(c_el, E("SourceRef"), {"targetGUID": guid_for("source", d.id)})

    entries: list[tuple[str, bytes]] = []
    n_sel = n_cod = 0
    if docs:
        sources = ET.SubElement(root, E("Sources"))
        groups = {k: g for k, g in coded.groupby(["document", "start", "end", "analyst"], sort=True)}
        by_doc: dict[str, list[tuple[tuple[Any, ...], pd.DataFrame]]] = {}
        for key, g in groups.items():
            by_doc.setdefault(key[0], []).append((key, g))
        for d in docs:
            sguid = guid_for("source", d.id)
            entries.append((f"sources/{sguid}.txt", d.text.encode("utf-8")))
            s_el = ET.SubElement(sources, E("TextSource"), {"guid": sguid, "name": d.id,
                                                            "plainTextPath": f"internal://{sguid}.txt",
                                                            "creatingUser": machine})
            for (doc_id, start, end, analyst), g in by_doc.get(d.id, []):
                uguid = guid_for("user", analyst)
                sel = ET.SubElement(s_el, E("PlainTextSelection"), {
                    "guid": guid_for("selection", doc_id, start, end, analyst),
                    "name": _xml_safe(d.text[start:end]),
                    "startPosition": str(int(start)), "endPosition": str(int(end)),
                    "creatingUser": uguid,
                })
                notes = sorted({n for n in g["note"] if n})
                if notes:
                    ET.SubElement(sel, E("Description")).text = _xml_safe("\n\n".join(notes))
                n_sel += 1
                for code in sorted(set(g["code"])):
                    c = ET.SubElement(sel, E("Coding"), {"guid": guid_for("coding", doc_id, start, end, analyst, code),
                                                         "creatingUser": uguid})
                    ET.SubElement(c, E("CodeRef"), {"targetGUID": guid_for("code", code)})
                    n_cod += 1
    xml = _serialise(root)
    _validate(xml, validator, path=out_path, element="project.qde")
    data = _zip([("project.qde", xml), *entries])
    atomic_write_bytes(out_path, data)
    counts = {"users": len(analysts), "codes": len(list(codebook.codes)), "cases": len(cases),
              "variables": len(var_type), "sources": len(docs), "selections": n_sel, "codings": n_cod,
              "excluded_rows": excluded}
    return ExportReport(path=out_path, schema=schema_name, counts=MappingProxyType(counts))


def _zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of ``entries`` in the order given, with fixed times and modes: same input, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system exports: the header bytes stay equal
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def export_qdc(
    path: str | os.PathLike[str],
    codebook: Any,
) -> ExportReport:
    """Write the codebook alone as a REFI-QDA codebook file (``.qdc``).

    Codes keep their nesting (``parent``), colours and descriptions (definition, then the
    include and exclude rules). GUIDs are those :func:`export_qdpx` gives the same codes, so a
    tool that imports both sees one code.

    Parameters
    ----------
    path : path
        The ``.qdc`` file to write (atomically).
    codebook : Codebook

    Returns
    -------
    ExportReport

    Raises
    ------
    RefiError
        E724 if the codebook has no codes (the format requires one); E722 if the XML fails the
        codebook schema of the specification. Nothing is written.
    """
    from . import __version__

    out_path = str(path)
    if not list(codebook.codes):
        raise RefiError(problem("E724", path=out_path, field="codes"))
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": f"casecoder {__version__}"})
    root.append(_codes_tree(codebook, CODEBOOK_NS))
    xml = _serialise(root)
    _validate(xml, _schema(CODEBOOK_XSD, key="codebook"), path=out_path, element="CodeBook")
    atomic_write_bytes(out_path, xml)
    return ExportReport(path=out_path, schema="built-in codebook schema (REFI-QDA 1.5, section 5.2)",
                        counts=MappingProxyType({"codes": len(list(codebook.codes))}))


# ============================================================================================
# import: reading the container


@dataclass
class _Archive:
    path: str
    qde_name: str
    xml: bytes
    files: dict[str, str]  # lower-case file name (no folder) -> zip entry name, for sources
    zf: zipfile.ZipFile | None


def _open_archive(path: str | os.PathLike[str]) -> _Archive:
    p = Path(path)
    if not p.is_file():
        raise RefiError(problem("E701", path=p))
    if not zipfile.is_zipfile(p):
        raise RefiError(problem("E702", path=p))
    try:
        zf = zipfile.ZipFile(p)
        names = [n for n in zf.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefiError(problem("E702", path=p)) from exc
    qdes = [n for n in names if n.lower().endswith(".qde")]
    if not qdes:
        raise RefiError(problem("E703", path=p, found=", ".join(names[:8]) or "nothing"))
    # the specification names it project.qde at the root; accept any name, preferring that one
    qdes.sort(key=lambda n: (n.count("/"), PurePosixPath(n).name.lower() != "project.qde", n))
    qde = qdes[0]
    base = str(PurePosixPath(qde).parent)
    base = "" if base == "." else base + "/"
    files: dict[str, str] = {}
    for n in sorted(names):
        rel = n[len(base):] if n.startswith(base) else n
        parts = rel.split("/")
        # sources/ or Sources/ (any case), or beside the .qde for tools that write bare paths
        if len(parts) == 2 and parts[0].lower() == "sources" or len(parts) == 1:
            files.setdefault(parts[-1].lower(), n)
    return _Archive(str(p), qde, zf.read(qde), files, zf)


def _parse_xml(data: bytes, path: str, where: str) -> ET.Element:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise RefiError(problem("E704", path=path, line=line, field=where, column=col,
                                error=str(exc).split(":")[0])) from exc


def _decode_source(data: bytes) -> str | None:
    """Source text as stored (BOM removed, line ends kept), or None if it is not text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


# ============================================================================================
# import: positions


class _Text:
    """A source text and the unit offsets of each character under every convention."""

    def __init__(self, stored: str):
        self.stored = stored
        crlf: list[int] = []  # indices in the normalised text of line breaks stored as CRLF
        parts: list[str] = []
        pos = shift = 0
        for m in re.finditer(r"\r\n?", stored):
            parts.append(stored[pos : m.start()])
            if m.group() == "\r\n":
                crlf.append(m.start() - shift)
                shift += 1
            parts.append("\n")
            pos = m.end()
        parts.append(stored[pos:])
        self.text = "".join(parts)
        n = len(self.text)
        cps = np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32) if n else np.zeros(0, np.uint32)
        self.astral = cps > 0xFFFF
        self.crlf = np.zeros(n, dtype=bool)
        if crlf:
            self.crlf[np.asarray(crlf, dtype=np.int64)] = True
        self.has_crlf = bool(crlf)
        self.has_astral = bool(self.astral.any())
        self._offsets: dict[str, np.ndarray] = {}

    def offsets(self, conv: Convention) -> np.ndarray:
        """Unit offset of every character boundary (length ``len(text) + 1``)."""
        if conv.name not in self._offsets:
            widths = np.ones(len(self.text), dtype=np.int64)
            if conv.utf16:
                widths += self.astral
            if conv.crlf_as_two:
                widths += self.crlf
            self._offsets[conv.name] = np.concatenate(([0], np.cumsum(widths)))
        return self._offsets[conv.name]

    def to_index(self, conv: Convention, unit: int) -> int | None:
        """The character index at ``unit`` units, or None if it falls outside or inside a char."""
        offs = self.offsets(conv)
        if unit < 0 or unit > offs[-1]:
            return None
        i = int(np.searchsorted(offs, unit))
        return i if offs[i] == unit else None

    def length(self, conv: Convention) -> int:
        return int(self.offsets(conv)[-1])


def _collapse(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def _quote_matches(quote: str, span: str) -> bool:
    """Whether a selection's ``name`` quotes ``span`` (tools truncate long quotes with '…')."""
    q = _collapse(quote)
    if not q:
        return False
    s = _collapse(span)
    for ellipsis in ("…", "..."):
        if q.endswith(ellipsis) and len(q) > len(ellipsis):
            head = q[: -len(ellipsis)].rstrip()
            return bool(head) and s.startswith(head)
    return s == q


def _on_boundaries(text: str, start: int, end: int) -> bool:
    def boundary(i: int) -> bool:
        return i <= 0 or i >= len(text) or not (_is_word_char(text[i - 1]) and _is_word_char(text[i]))

    return boundary(start) and boundary(end)


@dataclass
class _Sel:
    element: ET.Element
    guid: str
    source: str  # source guid
    source_name: str
    start: int
    end: int
    name: str


def _detect(sels: Sequence[_Sel], texts: Mapping[str, _Text], origin: str) -> tuple[Convention, str, tuple[ConventionScore, ...]]:
    """Choose the convention that best explains the selections, and say why."""
    scores: list[ConventionScore] = []
    spans: dict[str, list[tuple[int, int] | None]] = {}
    for conv in CONVENTIONS:
        invalid = quotes = bounds = 0
        placed: list[tuple[int, int] | None] = []
        for s in sels:
            t = texts[s.source]
            a, b = t.to_index(conv, s.start), t.to_index(conv, s.end)
            if a is None or b is None or a > b:
                invalid += 1
                placed.append(None)
                continue
            placed.append((a, b))
            if s.name and _quote_matches(s.name, t.text[a:b]):
                quotes += 1
            # An empty selection says nothing about where words start and end: counting it
            # would let a shifted convention win on a span that merely lands between words.
            if a < b and _on_boundaries(t.text, a, b):
                bounds += 1
        spans[conv.name] = placed
        scores.append(ConventionScore(conv.name, len(sels), invalid, quotes, bounds))
    prior = next((name for rx, name in _ORIGIN_PRIORS if rx.search(origin or "")), None)
    order = {c.name: i for i, c in enumerate(CONVENTIONS)}

    def key(sc: ConventionScore) -> tuple[int, ...]:
        return (-sc.invalid, sc.quotes, sc.boundaries, int(sc.convention == prior), -order[sc.convention])

    best = max(scores, key=key)
    conv = _CONVENTION[best.convention]
    if not sels:
        return CONVENTIONS[0], "no text selections to place", tuple(scores)
    same = [s.convention for s in scores if spans[s.convention] == spans[best.convention]]
    if len(same) == len(CONVENTIONS):
        has_crlf = any(t.has_crlf for t in texts.values())
        has_astral = any(t.has_astral for t in texts.values())
        why = "every convention places these selections alike"
        if not has_crlf and not has_astral:
            why += " (no CRLF and no character beyond U+FFFF in the texts)"
        return conv, why, tuple(scores)
    ties = [s for s in scores if key(s)[:3] == key(best)[:3]]
    if best.quotes and len(ties) == 1:
        why = f"quoted text matched {best.quotes} of {best.selections} selections"
    elif len(ties) == 1:
        why = (f"{best.boundaries} of {best.selections} selections fall on word boundaries"
               + ("" if not best.quotes else f", {best.quotes} quotes matched"))
    elif prior == best.convention:
        why = f"the evidence ties; the origin '{origin}' is known to count this way"
    else:
        why = "the evidence ties; the specification's convention was taken"
    runner = sorted((s for s in scores if s.convention != best.convention), key=key, reverse=True)[0]
    why += f"; next best {runner.convention}: {runner.quotes} quotes, {runner.boundaries} on boundaries, {runner.invalid} invalid"
    return conv, why, tuple(scores)


# ============================================================================================
# import: codes, users, documents


_SYSTEM_USER_NAMES = frozenset({"atlas.ti", "nvivo", "maxqda", "qualcoder", "quirkos", "dedoose", "system",
                                "transana", "f4analyse"})
_DOC_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".md", ".odt", ".html", ".htm")


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    if not s:
        s = "code"
    if not s[0].isalpha():
        s = "c_" + s
    return s


def _read_codes(codes_el: ET.Element | None, codebook: Any, path: str, notes: list[ImportIssue],
                problems: list[Problem]) -> list[ImportedCode]:
    """Every ``<Code>`` in file order, mapped to casecoder ids (ours where they match)."""
    ours_by_guid: dict[str, str] = {}
    ours_by_id: dict[str, str] = {}
    ours_by_label: dict[str, str] = {}
    if codebook is not None:
        for c in codebook.codes:
            ours_by_guid[_norm_guid(guid_for("code", c.id))] = c.id
            ours_by_id[c.id] = c.id
            ours_by_label.setdefault(_collapse(str(c.label or "")).casefold(), c.id)
    raw: list[tuple[ET.Element, str, str]] = []  # (element, guid, parent guid)

    def walk(el: ET.Element, parent: str) -> None:
        for c in _children(el, "Code"):
            g = _norm_guid(c.get("guid"))
            if not g:
                problems.append(problem("E706", path=path, field="Code", element="Code",
                                        guid=c.get("name", "?"), attribute="guid"))
            raw.append((c, g, parent))
            walk(c, g)

    if codes_el is not None:
        walk(codes_el, "")
    seen: dict[str, int] = {}
    for i, (_, g, _) in enumerate(raw):
        if g in seen and g:
            problems.append(problem("E711", path=path, field="Code", element="Code", guid=g))
        seen[g] = i
    # ATLAS.ti 8 flattens groups into names "Parent::Child" beside a code named "Parent"
    top_names = {(_text_or(c.get("name"))): g for c, g, p in raw if not p}
    used: set[str] = set(ours_by_id)
    id_of: dict[str, str] = {}
    parent_of: dict[str, str] = {}
    out_tmp: list[tuple[ET.Element, str, str, bool]] = []
    for c, g, parent in raw:
        name = _text_or(c.get("name"))
        if not parent and "::" in name and name.rsplit("::", 1)[0] in top_names:
            parent = top_names[name.rsplit("::", 1)[0]]
            notes.append(_issue("E733", "Code", g, name=name))
        parent_of[g] = parent
        ours = ours_by_guid.get(g) or ours_by_id.get(name) or ours_by_label.get(_collapse(name).casefold())
        if ours:
            id_of[g] = ours
            out_tmp.append((c, g, ours, True))
            continue
        out_tmp.append((c, g, "", False))
    for idx, (c, g, cid, known) in enumerate(out_tmp):
        if known:
            continue
        name = _text_or(c.get("name"))
        base = _slug(name.rsplit("::", 1)[-1] if "::" in name else name)
        cand = base
        if cand in used and parent_of.get(g) in id_of:
            cand = f"{id_of[parent_of[g]]}__{base}"
        n = 2
        while cand in used:
            cand = f"{base}_{n}"
            n += 1
        used.add(cand)
        id_of[g] = cand
        out_tmp[idx] = (c, g, cand, False)
    out: list[ImportedCode] = []
    for c, g, cid, known in out_tmp:
        color = c.get("color") or ""
        if color and not re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", color):
            notes.append(_issue("E734", "Code", g, color=color))
            color = ""
        codable = (c.get("isCodable") or "true").strip().lower() not in ("false", "0")
        item = ImportedCode(guid=g, name=_text_or(c.get("name")), id=cid, parent=id_of.get(parent_of.get(g, ""), ""),
                            color=color, description=_text_of(_child(c, "Description")).strip(),
                            codable=codable, known=known)
        out.append(item)
        if not known and codebook is not None:
            notes.append(_issue("E730", "Code", g, name=item.name, id=cid))
    return out


def _issue(code: str, element: str, guid: str, source: str = "", **values: Any) -> ImportIssue:
    """An :class:`ImportIssue` whose message comes from the catalogue in :mod:`casecoder.errors`."""
    return ImportIssue(code, element, guid, MESSAGES[code].format(**values), source)


def _text_or(value: str | None) -> str:
    return value if value is not None else ""


def _build_codebook(codebook: Any, imported: Sequence[ImportedCode], path: str) -> Any:
    """Our codebook (if any) followed by the imported codes it lacks, as a casecoder Codebook."""
    from . import codebook as cb_mod

    ours = list(codebook.codes) if codebook is not None else []
    new = []
    known = {c.id for c in ours}
    for ic in imported:
        if ic.known or ic.id in known:
            continue
        known.add(ic.id)
        new.append(cb_mod.Code(id=ic.id, label=ic.name or ic.id, definition=ic.description,
                               parent=ic.parent or None, color=ic.color.lower() or None))
    settings = dict(getattr(codebook, "settings", {}) or {}) if codebook is not None else {}
    cb_path = getattr(codebook, "path", "") if codebook is not None else path
    return cb_mod.Codebook(codes=tuple(ours + new), path=cb_path, settings=FrozenMap(settings))


def _document(doc_id: str, text: str, case: str, metadata: Mapping[str, Any], path: str) -> Any:
    """A casecoder Document for imported text: turns found as the transcript reader finds them."""
    from . import transcripts as tr

    return tr.document_from_text(doc_id, text, case=case, metadata=metadata, path=path)


def _variable_value(vv: ET.Element) -> Any:
    for child in vv:
        tag = _local(child.tag)
        text = _text_of(child)
        if tag == "VariableRef":
            continue
        if tag == "BooleanValue":
            return text.strip().lower() in ("true", "1")
        if tag == "IntegerValue":
            try:
                return int(text.strip())
            except ValueError:
                return text
        if tag == "FloatValue":
            try:
                return float(text.strip())
            except ValueError:
                return text
        return text
    return ""


# ============================================================================================
# import: the project


_MEDIA_SELECTIONS = {"PictureSelection": "picture", "AudioSelection": "audio", "VideoSelection": "video",
                     "PDFSelection": "PDF region", "TranscriptSelection": "transcript"}
_IGNORED_TOP = ("Notes", "Links", "Sets", "Graphs", "NoteRef")


def import_qdpx(
    path: str | os.PathLike[str],
    codebook: Any = None,
    *,
    convention: str | None = None,
    segments: bool = True,
) -> ProjectImport:
    """Read a REFI-QDA project written by another tool into casecoder's documents and codings.

    Parameters
    ----------
    path : path
        A ``.qdpx`` file.
    codebook : Codebook, optional
        Ours. File codes are matched to it by GUID (casecoder's own exports), then by name
        against code ids, then against labels (ignoring case); codes that match none are
        reported and kept under their own names, with their parents.
    convention : str, optional
        Force a position convention (a :data:`CONVENTIONS` name) instead of detecting it.
    segments : bool, default True
        Set ``segment`` to the sentence index where a span is exactly a sentence
        (:func:`casecoder.segments.sentences`); False leaves every ``segment`` at -1, which is
        faster on very long sources.

    Returns
    -------
    ProjectImport
        Documents, codings, codebook, cases and the :class:`ImportReport`.

    Raises
    ------
    RefiError
        The file is missing (E701), not a zip (E702), holds no ``.qde`` (E703), has malformed
        XML (E704) or another root element (E705), lacks a required attribute or has a
        non-integer position (E706), a duplicate code GUID (E711), a GUID reference that does
        not resolve (E708), or a selection outside its text or inside a character (E709, E710).
        Every problem names the element and its GUID.
    """
    arc = _open_archive(path)
    try:
        return _import_project(arc, codebook, convention, segments)
    finally:
        if arc.zf is not None:
            arc.zf.close()


def _import_project(arc: _Archive, codebook: Any, forced: str | None, want_segments: bool) -> ProjectImport:
    path = arc.path
    root = _parse_xml(arc.xml, path, arc.qde_name)
    if _local(root.tag) != "Project":
        raise RefiError(problem("E705", path=path, field=arc.qde_name, expected="Project", found=_local(root.tag)))
    if forced is not None and forced not in _CONVENTION:
        raise RefiError(problem("E735", path=path, field="convention", found=forced,
                                allowed=", ".join(_CONVENTION)))
    origin = root.get("origin") or ""
    problems: list[Problem] = []
    notes: list[ImportIssue] = []
    skipped: list[ImportIssue] = []

    # users: skip a tool's built-in user (ATLAS.ti lists itself as one)
    users: dict[str, str] = {}
    system: dict[str, str] = {}
    users_el = _child(root, "Users")
    # a user that made codings is an analyst whatever its name (casecoder's machine user is one)
    coders = {_norm_guid(c.get("creatingUser")) for c in root.iter() if _local(c.tag) == "Coding"}
    for u in _children(users_el, "User") if users_el is not None else []:
        g = _norm_guid(u.get("guid"))
        name = (u.get("name") or u.get("id") or "").strip() or f"user-{g[:8]}"
        low = name.casefold()
        named_as_tool = low in _SYSTEM_USER_NAMES or (origin.casefold().startswith(low) and len(low) > 2)
        if named_as_tool and g not in coders:
            system[g] = name
            notes.append(_issue("E731", "User", g, name=name))
            continue
        users[g] = name
    # two users with one name stay two analysts
    name_count = Counter(users.values())
    analysts = {g: (n if name_count[n] == 1 else f"{n} ({g[:8]})") for g, n in users.items()}

    book = _child(root, "CodeBook")
    codes = _read_codes(_child(book, "Codes") if book is not None else None, codebook, path, notes, problems)
    code_ids = {c.guid: c.id for c in codes}

    variables: dict[str, str] = {}
    vars_el = _child(root, "Variables")
    for v in _children(vars_el, "Variable") if vars_el is not None else []:
        variables[_norm_guid(v.get("guid"))] = v.get("name") or _norm_guid(v.get("guid"))

    def values_of(el: ET.Element, where: str, guid: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for vv in _children(el, "VariableValue"):
            ref = _child(vv, "VariableRef")
            target = _norm_guid(ref.get("targetGUID") if ref is not None else None)
            if target not in variables:
                problems.append(problem("E708", path=path, field=f"{where} {guid}", element=f"{where}/VariableValue",
                                        guid=guid, target=target or "(none)", kind="Variable"))
                continue
            out[variables[target]] = _variable_value(vv)
        return out

    # sources: text sources (and PDF representations) become documents; media are reported
    sources_el = _child(root, "Sources")
    texts: dict[str, _Text] = {}
    src_name: dict[str, str] = {}
    src_meta: dict[str, dict[str, Any]] = {}
    sels: list[_Sel] = []
    n_sources = 0

    def user_of(el: ET.Element, *fallbacks: str | None) -> str:
        for g in (el.get("creatingUser"), *fallbacks, root.get("creatingUserGUID")):
            n = _norm_guid(g)
            if n and n in analysts:
                return n
        return ""

    def check_user(el: ET.Element, elem: str, guid: str) -> None:
        for attr in ("creatingUser", "modifyingUser"):
            g = _norm_guid(el.get(attr))
            if g and g not in users and g not in system:
                problems.append(problem("E708", path=path, field=f"{elem} {guid}", element=f"{elem}@{attr}", guid=guid,
                                        target=g, kind="User"))

    def int_attr(el: ET.Element, attr: str, elem: str, guid: str) -> int | None:
        value = el.get(attr)
        if value is None:
            problems.append(problem("E706", path=path, field=f"{elem} {guid}", element=elem, guid=guid, attribute=attr))
            return None
        try:
            return int(value.strip())
        except ValueError:
            problems.append(problem("E707", path=path, field=f"{elem} {guid}", element=elem, guid=guid, attribute=attr,
                                    value=value))
            return None

    def read_text_source(el: ET.Element, elem: str, display: str) -> None:
        g = _norm_guid(el.get("guid"))
        if not g:
            problems.append(problem("E706", path=path, field=elem, element=elem, guid="?", attribute="guid"))
            return
        check_user(el, elem, g)
        stored: str | None = None
        content = _child(el, "PlainTextContent")
        ptp = (el.get("plainTextPath") or "").strip()
        reason = ""
        if content is not None and content.text is not None:
            stored = content.text
        elif ptp:
            scheme, _, rest = ptp.partition("://")
            if not rest:
                scheme, rest = "internal", ptp  # qc writes a bare file name
            fname = rest.strip("/").rsplit("/", 1)[-1].lower()
            if scheme.lower() == "internal" and fname in arc.files:
                assert arc.zf is not None
                stored = _decode_source(arc.zf.read(arc.files[fname]))
                if stored is None:
                    reason = f"its text file {ptp} is not UTF-8 or UTF-16 text"
            elif scheme.lower() == "internal":
                reason = f"its text file {ptp} is not in the archive"
            else:
                reason = f"its text is outside the archive ({ptp}); casecoder reads only what the file holds"
        else:
            reason = "it has neither plainTextPath nor PlainTextContent"
        # qc writes no name: fall back on the text file's name, then the GUID
        name = display or el.get("name") or PurePosixPath(ptp.partition("://")[2] or ptp).name or g
        sel_els = _children(el, "PlainTextSelection")
        for cod in _children(el, "Coding"):
            skipped.append(_issue("E727", "Coding", _norm_guid(cod.get("guid")), name))
        if stored is None:
            for s in sel_els:
                skipped.append(_issue("E726", "PlainTextSelection", _norm_guid(s.get("guid")), name, reason=reason))
            if not sel_els:
                notes.append(_issue("E729", elem, g, name, reason=reason))
            return
        texts[g] = _Text(stored)
        src_name[g] = name
        src_meta[g] = values_of(el, elem, g)
        for s in sel_els:
            sg = _norm_guid(s.get("guid"))
            check_user(s, "PlainTextSelection", sg)
            a = int_attr(s, "startPosition", "PlainTextSelection", sg)
            b = int_attr(s, "endPosition", "PlainTextSelection", sg)
            if a is None or b is None:
                continue
            sels.append(_Sel(s, sg, g, name, a, b, s.get("name") or ""))

    def skip_media(el: ET.Element, elem: str) -> None:
        name = el.get("name") or _norm_guid(el.get("guid"))
        for child in el.iter():
            tag = _local(child.tag)
            if tag in _MEDIA_SELECTIONS:
                skipped.append(_issue("E725", tag, _norm_guid(child.get("guid")), name, kind=_MEDIA_SELECTIONS[tag]))
        for cod in _children(el, "Coding"):
            skipped.append(_issue("E727", "Coding", _norm_guid(cod.get("guid")), name))

    for el in list(sources_el) if sources_el is not None else []:
        tag = _local(el.tag)
        n_sources += 1
        if tag == "TextSource":
            read_text_source(el, tag, "")
        elif tag == "PDFSource":
            skip_media(el, tag)
            rep = _child(el, "Representation")
            if rep is not None:
                read_text_source(rep, "Representation", el.get("name") or "")
        elif tag in ("PictureSource", "AudioSource", "VideoSource"):
            skip_media(el, tag)
            if _children(el, "Transcript"):
                notes.append(_issue("E732", "Transcript", _norm_guid(el.get("guid")), el.get("name") or "",
                                    count=len(_children(el, "Transcript")), what="transcript(s) of a media source"))
    for tag in _IGNORED_TOP:
        found = _children(root, tag)
        if found:
            n = sum(len(list(f)) or 1 for f in found)
            notes.append(_issue("E732", tag, "", count=n, what=f"{tag} element(s)"))

    # cases: which case each source belongs to, and the case variables
    cases: dict[str, dict[str, Any]] = {}
    case_of: dict[str, str] = {}
    cases_el = _child(root, "Cases")
    all_sources = {_norm_guid(e.get("guid")) for e in (list(sources_el) if sources_el is not None else [])}
    for c in _children(cases_el, "Case") if cases_el is not None else []:
        cg = _norm_guid(c.get("guid"))
        cname = c.get("name") or cg
        cases[cname] = values_of(c, "Case", cg)
        for ref in _children(c, "SourceRef"):
            t = _norm_guid(ref.get("targetGUID"))
            if t not in all_sources:
                problems.append(problem("E708", path=path, field=f"Case {cg}", element="Case/SourceRef", guid=cg,
                                        target=t or "(none)", kind="source"))
            elif t in case_of and case_of[t] != cname:
                notes.append(_issue("E736", "Case", cg, source=src_name.get(t, t), case=case_of[t]))
            else:
                case_of[t] = cname

    # codings: every CodeRef must resolve
    coding_rows: list[tuple[_Sel, str, str, str]] = []  # (selection, code id, user guid, coding guid)
    for s in sels:
        codings = _children(s.element, "Coding")
        if not codings:
            skipped.append(_issue("E728", "PlainTextSelection", s.guid, s.source_name))
        for cod in codings:
            cg = _norm_guid(cod.get("guid"))
            check_user(cod, "Coding", cg)
            ref = _child(cod, "CodeRef")
            target = _norm_guid(ref.get("targetGUID") if ref is not None else None)
            if target not in code_ids:
                problems.append(problem("E708", path=path, field=f"Coding {cg}", element="Coding/CodeRef", guid=cg,
                                        target=target or "(none)", kind="Code"))
                continue
            coding_rows.append((s, code_ids[target], user_of(cod, s.element.get("creatingUser")), cg))
    if problems:
        raise RefiError(_dedupe(problems))

    # positions
    if forced:
        conv = _CONVENTION[forced]
        _, _, scores = _detect(sels, texts, origin)
        evidence = "given by the caller"
    else:
        conv, evidence, scores = _detect(sels, texts, origin)
    placed: dict[str, tuple[int, int]] = {}
    for s in sels:
        t = texts[s.source]
        a, b = t.to_index(conv, s.start), t.to_index(conv, s.end)
        if a is None or b is None or a > b:
            length = t.length(conv)
            if 0 <= s.start <= s.end <= length:
                problems.append(problem("E710", path=path, field=f"PlainTextSelection {s.guid}", guid=s.guid,
                                        source=s.source_name, start=s.start, end=s.end, convention=conv.name))
            else:
                problems.append(problem("E709", path=path, field=f"PlainTextSelection {s.guid}", guid=s.guid,
                                        source=s.source_name, start=s.start, end=s.end, length=length,
                                        convention=conv.name))
            continue
        placed[s.guid + "\x1f" + s.source] = (a, b)
    if problems:
        raise RefiError(_dedupe(problems))

    # documents, ids unique and readable
    doc_id: dict[str, str] = {}
    taken: set[str] = set()
    for g in texts:
        base = src_name[g]
        for suf in _DOC_SUFFIXES:
            if base.lower().endswith(suf) and len(base) > len(suf):
                base = base[: -len(suf)]
                break
        base = base.replace("/", "_").strip() or g
        cand, n = base, 2
        while cand in taken:
            cand = f"{base}-{n}"
            n += 1
        if cand != base:
            notes.append(_issue("E740", "TextSource", g, src_name[g], name=base, id=cand))
        taken.add(cand)
        doc_id[g] = cand
    documents: dict[str, Any] = {}
    for g, t in texts.items():
        case = case_of.get(g)
        if case is None:
            case = doc_id[g]
            if cases:
                notes.append(_issue("E737", "TextSource", g, src_name[g], detail="in no case of the file"))
        meta = {**cases.get(case, {}), **src_meta.get(g, {})}
        documents[g] = _document(doc_id[g], t.text, case, meta, f"{arc.path}!{src_name[g]}")
    if cases and not case_of:
        notes.append(_issue("E737", "Cases", "", detail="no case refers to a text source"))
    elif not cases:
        notes.append(_issue("E737", "Cases", "", detail="the file has no cases"))

    # the codings table
    sentence_index: dict[str, dict[tuple[int, int], int]] = {}
    if want_segments and coding_rows:
        from .segments import sentences

        for g in {s.source for s, *_ in coding_rows}:
            sentence_index[g] = {(seg.start, seg.end): seg.index for seg in sentences(documents[g])}
    rows: list[dict[str, Any]] = []
    seen_rows: set[tuple[Any, ...]] = set()
    dupes = 0
    for s, code, ug, cg in coding_rows:
        a, b = placed[s.guid + "\x1f" + s.source]
        d = documents[s.source]
        analyst = analysts.get(ug, "")
        if not analyst:
            analyst = "unknown"
            notes.append(_issue("E739", "Coding", cg, s.source_name))
        key = (d.id, a, b, code, analyst)
        if key in seen_rows:
            dupes += 1
            notes.append(_issue("E738", "Coding", cg, s.source_name, code=code, analyst=analyst))
            continue
        seen_rows.add(key)
        turn = _turn_at(d.turns, a, b)
        rows.append({
            "document": d.id, "case": d.case,
            "section": turn.section if turn else "", "turn": turn.index if turn else -1,
            "speaker": turn.speaker if turn else "",
            "segment": sentence_index.get(s.source, {}).get((a, b), -1),
            "start": a, "end": b, "text": d.text[a:b], "code": code, "rule": "", "source": "manual",
            "analyst": analyst, "status": "coded", "reason": "",
            "note": _text_of(_child(s.element, "Description")).strip(),
        })
    from .schema import empty_codings, normalise_codings

    table = normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()
    new_codebook = _build_codebook(codebook, codes, path)
    used_users = {ug for _, _, ug, _ in coding_rows if ug}
    report = ImportReport(
        path=path, origin=origin, convention=conv.name, evidence=evidence, scores=scores,
        analysts=MappingProxyType({g: analysts[g] for g in sorted(used_users)}),
        system_users=tuple(sorted(system.values())), codes=tuple(codes), skipped=tuple(skipped),
        notes=tuple(notes),
        counts=MappingProxyType({"codes": len(codes), "sources": n_sources, "documents": len(documents),
                                 "selections": len(sels), "codings": len(table), "skipped": len(skipped),
                                 "duplicates": dupes}),
    )
    docs = tuple(sorted(documents.values(), key=lambda d: d.id))
    return ProjectImport(documents=docs, codings=table, codebook=new_codebook,
                         cases=MappingProxyType({k: MappingProxyType(v) for k, v in sorted(cases.items())}),
                         report=report)


def _turn_at(turns: Sequence[Any], start: int, end: int) -> Any:
    """The turn a span starts in (or, for a span between turns, the next one it reaches)."""
    starts = [t.start for t in turns]
    i = bisect_right(starts, start) - 1
    if i >= 0 and start < turns[i].end:
        return turns[i]
    if i + 1 < len(turns) and turns[i + 1].start < end:
        return turns[i + 1]
    return turns[i] if i >= 0 and start <= turns[i].end and start == end else None


# ============================================================================================
# import: a codebook file


def import_qdc(path: str | os.PathLike[str], codebook: Any = None) -> CodebookImport:
    """Read a REFI-QDA codebook (``.qdc``) into a casecoder codebook.

    Parameters
    ----------
    path : path
        A ``.qdc`` file (``urn:QDA-XML:codebook:1.0``; a project ``CodeBook`` is accepted too).
    codebook : Codebook, optional
        Ours: codes are matched to it as in :func:`import_qdpx`; the others are kept and
        reported.

    Returns
    -------
    CodebookImport

    Raises
    ------
    RefiError
        Missing file (E701), malformed XML (E704), another root element (E705), a code without
        a GUID (E706) or a duplicate GUID (E711).
    """
    p = Path(path)
    if not p.is_file():
        raise RefiError(problem("E701", path=p))
    root = _parse_xml(p.read_bytes(), str(p), p.name)
    tag = _local(root.tag)
    if tag == "Project":
        root = _child(root, "CodeBook") or ET.Element("CodeBook")
    elif tag != "CodeBook":
        raise RefiError(problem("E705", path=p, field=p.name, expected="CodeBook", found=tag))
    notes: list[ImportIssue] = []
    problems: list[Problem] = []
    codes = _read_codes(_child(root, "Codes"), codebook, str(p), notes, problems)
    if problems:
        raise RefiError(_dedupe(problems))
    report = ImportReport(path=str(p), origin=root.get("origin") or "", convention="", evidence="",
                          scores=(), analysts=MappingProxyType({}), system_users=(), codes=tuple(codes),
                          skipped=(), notes=tuple(notes),
                          counts=MappingProxyType({"codes": len(codes)}))
    return CodebookImport(codebook=_build_codebook(codebook, codes, str(p)), report=report)
