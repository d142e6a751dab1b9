"""REFI-QDA export: casecoder's documents, codebook, cases and codings as ``.qdpx``/``.qdc``.

Users (one per analyst, plus ``casecoder``), the codebook (nesting, colours, descriptions),
cases (one per case, its attributes as variables, its documents as source references), every
document as a UTF-8 ``.txt`` source (no BOM, LF, referenced as ``internal://<guid>.txt``) and
every coded row of the codings table as a ``PlainTextSelection`` carrying one ``Coding`` per
code. GUIDs are uuid5 of stable names, zip entries have fixed times and order and the XML
carries no clock time, so the same input always gives the same bytes. Before the file is
renamed into place the XML is validated against the caller's schema, or, without one, checked
for well-formedness and casecoder's structural invariants (:mod:`casecoder.refi.schemas`).
"""

from __future__ import annotations

import io
import math
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import Problem, RefiError, problem
from ..io import atomic_write_bytes
from ..schema import validate_codings
from ..transcripts import DEFAULT_CASE_KEY
from .model import CASECODER_USER, CODEBOOK_NS, PROJECT_NS, ExportReport, _dedupe, _xml_safe, guid_for
from .positions import _CONVENTION, Convention, _Text
from .schemas import check_export, load_schema

#: What export can write: its texts have LF line ends, so the CRLF variants would count alike.
_EXPORT_CONVENTIONS = ("codepoints", "utf16")

__all__ = ["export_qdc", "export_qdpx"]

# Zip entries carry this time, whatever the clock says: the same input gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


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
    case_key: str | None = None,
    schema: str | os.PathLike[str] | None = None,
    convention: str = "codepoints",
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
    case_key : str, optional
        The key naming the case, not repeated as a case variable (default: the codebook's).
    schema : path, optional
        The REFI-QDA ``Project.xsd`` to validate against. casecoder ships none: without it the
        XML is checked for well-formedness and casecoder's structural invariants only, and the
        report says so (``report.schema == ""``, ``report.checked``).
    convention : {"codepoints", "utf16"}, default "codepoints"
        How ``startPosition``/``endPosition`` count: Unicode code points, as the specification
        says, or UTF-16 code units, as NVivo counts (a character beyond U+FFFF, such as an
        emoji, is two). The texts are written with LF line ends, so the CRLF conventions of
        import would count alike.

    Returns
    -------
    ExportReport

    Raises
    ------
    CodingsError
        If the codings table is malformed or uses codes not in the codebook.
    RefiError
        A coding on a document not given (E712), outside its text or quoting other text
        (E713), duplicate document ids (E714), an unknown convention (E735), a schema file not
        found (E723), the XML failing the schema (E722) or, without one, casecoder's structural
        checks (E715). Nothing is written.

    Examples
    --------
    >>> report = export_qdpx("out/study.qdpx", docs, codings, codebook)  # doctest: +SKIP
    >>> report.counts["codings"]                                        # doctest: +SKIP
    412
    """
    out_path = str(path)
    _check_options(out_path, convention, schema)
    docs = sorted(documents, key=lambda d: d.id)
    coded, excluded = _checked_codings(out_path, docs, codings, codebook)
    analysts = sorted(set(coded["analyst"]) | {CASECODER_USER})
    # the default stays "casecoder <version>" (byte-identical to earlier exports); a UTF-16
    # export says so, which import takes as its tie-break
    origin = f"casecoder {__version__}" + ("" if convention == "codepoints" else f"; positions {convention}")
    root = _project_element(name, analysts, codebook, origin)
    var_type, cases = _add_cases(root, docs, case_key or getattr(codebook, "case_key", None) or DEFAULT_CASE_KEY)
    entries, n_sel, n_cod = _add_sources(root, docs, coded, _CONVENTION[convention])
    xml = _serialise(root)
    schema_name, checked = check_export(xml, schema, path=out_path, element="project.qde")
    atomic_write_bytes(out_path, _zip([("project.qde", xml), *entries]))
    counts = {"users": len(analysts), "codes": len(list(codebook.codes)), "cases": len(cases),
              "variables": len(var_type), "sources": len(docs), "selections": n_sel, "codings": n_cod,
              "excluded_rows": excluded}
    return ExportReport(path=out_path, schema=schema_name, counts=MappingProxyType(counts), convention=convention,
                        checked=checked)


def _check_options(out_path: str, convention: str, schema: str | os.PathLike[str] | None) -> None:
    """E735 for an unknown convention; E723 for a schema file that is not there (before any work)."""
    if convention not in _EXPORT_CONVENTIONS:
        raise RefiError(problem("E735", path=out_path, field="convention", found=convention,
                                allowed=", ".join(_EXPORT_CONVENTIONS)))
    if schema is not None:
        load_schema(schema, out_path)


def _E(tag: str) -> str:
    """A tag in the project namespace: a short name keeps the tree-building code readable."""
    return f"{{{PROJECT_NS}}}{tag}"


def _checked_codings(out_path: str, docs: Sequence[Any], codings: pd.DataFrame, codebook: Any) -> tuple[pd.DataFrame, int]:
    """The coded rows to export and how many excluded rows were left out; every problem raised."""
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
    return coded, excluded


def _project_element(name: str, analysts: Sequence[str], codebook: Any, origin: str) -> ET.Element:
    """The ``<Project>`` root with its users and codebook."""
    machine = guid_for("user", CASECODER_USER)
    ET.register_namespace("", PROJECT_NS)
    root = ET.Element(_E("Project"), {"name": name, "origin": origin, "creatingUserGUID": machine})
    users = ET.SubElement(root, _E("Users"))
    for a in analysts:
        ET.SubElement(users, _E("User"), {"guid": guid_for("user", a), "name": a or "(unnamed)"})
    if list(codebook.codes):
        book = ET.SubElement(root, _E("CodeBook"))
        book.append(_codes_tree(codebook, PROJECT_NS))
    return root


def _add_cases(root: ET.Element, docs: Sequence[Any], case_key: str) -> tuple[dict[str, str], list[str]]:
    """``<Variables>`` and ``<Cases>``; returns each variable's type and the cases."""
    case_vars = _case_variables(docs, case_key)
    var_types: dict[str, set[str]] = {}
    for values in case_vars.values():
        for key, (typ, _) in values.items():
            var_types.setdefault(key, set()).add(typ)
    # a variable must have one type; where cases disagree (a number here, text there) use Text
    var_type = {k: (t.pop() if len(t) == 1 else "Text") for k, t in var_types.items()}
    if var_type:
        variables = ET.SubElement(root, _E("Variables"))
        for key in sorted(var_type):
            ET.SubElement(variables, _E("Variable"), {"guid": guid_for("variable", key), "name": key,
                                                      "typeOfVariable": var_type[key]})
    cases = sorted({d.case for d in docs})
    if cases:
        cases_el = ET.SubElement(root, _E("Cases"))
        for case in cases:
            c_el = ET.SubElement(cases_el, _E("Case"), {"guid": guid_for("case", case), "name": case})
            for key, (typ, text) in sorted(case_vars.get(case, {}).items()):
                vv = ET.SubElement(c_el, _E("VariableValue"))
                ET.SubElement(vv, _E("VariableRef"), {"targetGUID": guid_for("variable", key)})
                ET.SubElement(vv, _E(f"{var_type[key]}Value")).text = _xml_safe(text)
            for d in docs:
                if d.case == case:
                    ET.SubElement(c_el, _E("SourceRef"), {"targetGUID": guid_for("source", d.id)})
    return var_type, cases


def _add_sources(root: ET.Element, docs: Sequence[Any], coded: pd.DataFrame,
                 conv: Convention) -> tuple[list[tuple[str, bytes]], int, int]:
    """``<Sources>`` with every selection and coding, positions counted under ``conv``; returns
    the zip entries of the texts and the numbers of selections and codings."""
    entries: list[tuple[str, bytes]] = []
    n_sel = n_cod = 0
    if not docs:
        return entries, n_sel, n_cod
    machine = guid_for("user", CASECODER_USER)
    sources = ET.SubElement(root, _E("Sources"))
    groups = {k: g for k, g in coded.groupby(["document", "start", "end", "analyst"], sort=True)}
    by_doc: dict[str, list[tuple[tuple[Any, ...], pd.DataFrame]]] = {}
    for key, g in groups.items():
        by_doc.setdefault(key[0], []).append((key, g))
    for d in docs:
        sguid = guid_for("source", d.id)
        entries.append((f"sources/{sguid}.txt", d.text.encode("utf-8")))
        s_el = ET.SubElement(sources, _E("TextSource"), {"guid": sguid, "name": d.id,
                                                         "plainTextPath": f"internal://{sguid}.txt",
                                                         "creatingUser": machine})
        units = _Text(d.text).offsets(conv)  # character index -> position under the convention
        for (doc_id, start, end, analyst), g in by_doc.get(d.id, []):
            uguid = guid_for("user", analyst)
            sel = ET.SubElement(s_el, _E("PlainTextSelection"), {
                "guid": guid_for("selection", doc_id, start, end, analyst),
                "name": _xml_safe(d.text[start:end]),
                "startPosition": str(int(units[start])), "endPosition": str(int(units[end])),
                "creatingUser": uguid,
            })
            notes = sorted({n for n in g["note"] if n})
            if notes:
                ET.SubElement(sel, _E("Description")).text = _xml_safe("\n\n".join(notes))
            n_sel += 1
            for code in sorted(set(g["code"])):
                c = ET.SubElement(sel, _E("Coding"), {"guid": guid_for("coding", doc_id, start, end, analyst, code),
                                                      "creatingUser": uguid})
                ET.SubElement(c, _E("CodeRef"), {"targetGUID": guid_for("code", code)})
                n_cod += 1
    return entries, n_sel, n_cod

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


def export_qdc(
    path: str | os.PathLike[str],
    codebook: Any,
    *,
    schema: str | os.PathLike[str] | None = None,
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
    schema : path, optional
        A REFI-QDA codebook schema (``.xsd``, namespace ``urn:QDA-XML:codebook:1.0``) to validate
        against. casecoder ships none: without it the XML is checked for well-formedness and
        casecoder's structural invariants only, and the report says so.

    Returns
    -------
    ExportReport

    Raises
    ------
    RefiError
        E724 if the codebook has no codes (the format requires one); E723 for a schema file that
        is not there; E722 if the XML fails the schema given, E715 if (without one) it fails
        casecoder's structural checks. Nothing is written.
    """
    out_path = str(path)
    if not list(codebook.codes):
        raise RefiError(problem("E724", path=out_path, field="codes"))
    if schema is not None:
        load_schema(schema, out_path)
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": f"casecoder {__version__}"})
    root.append(_codes_tree(codebook, CODEBOOK_NS))
    xml = _serialise(root)
    schema_name, checked = check_export(xml, schema, path=out_path, element="CodeBook")
    atomic_write_bytes(out_path, xml)
    return ExportReport(path=out_path, schema=schema_name, counts=MappingProxyType({"codes": len(list(codebook.codes))}),
                        checked=checked)
