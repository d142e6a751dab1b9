"""Checking an export before it is written.

casecoder ships no XML schema: the REFI-QDA schemas belong to their publisher, and a copy kept
here would drift from the caller's. An export is checked in one of two ways, and its
:class:`~casecoder.refi.model.ExportReport` says which:

- **against the caller's schema** (``schema=`` of :func:`casecoder.refi.export_qdpx` and
  :func:`casecoder.refi.export_qdc`, ``--schema FILE`` of the commands): a ``Project.xsd`` for a
  project, a codebook ``.xsd`` for a ``.qdc``, validated with ``xmlschema`` (E722 lists up to 20
  failures; E723 for a schema file that is not there);
- **without a schema**: the XML is parsed back (well-formed) and casecoder's own structural
  invariants are checked (:func:`structure_problems`); that is *not* schema validity, and the
  report does not claim it.
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..errors import RefiError, problem
from .model import CODEBOOK_NS, PROJECT_NS

__all__ = ["NO_SCHEMA", "check_export", "load_schema", "structure_problems", "validate"]

#: What an export's report says when no schema was given.
NO_SCHEMA = "no schema given: well-formed XML and casecoder's structural checks only, not schema validity"

# Building an xmlschema schema takes a while; each is built once per process and reused.
_SCHEMA_CACHE: dict[str, Any] = {}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The order of a Project's children in section 5.3 of the specification.
_PROJECT_ORDER = ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                  "Description", "NoteRef")


def load_schema(schema: str | os.PathLike[str], path: str) -> Any:
    """The caller's schema file as an ``xmlschema.XMLSchema`` (built once per process).

    Raises
    ------
    RefiError
        E723 if the file is not there.
    """
    p = Path(schema)
    if not p.is_file():
        raise RefiError(problem("E723", path=path, field="schema", schema=str(p)))
    key = f"file:{p.resolve()}"
    if key not in _SCHEMA_CACHE:
        import xmlschema  # imported here: building a schema is slow and only a checked export needs it

        _SCHEMA_CACHE[key] = xmlschema.XMLSchema(str(p))
    return _SCHEMA_CACHE[key]


def validate(xml: bytes, schema: Any, *, path: str, element: str) -> None:
    """Raise :class:`~casecoder.errors.RefiError` (E722, up to 20 problems) if ``xml`` fails ``schema``."""
    errors = list(schema.iter_errors(io.BytesIO(xml)))
    if errors:
        raise RefiError(
            [
                problem("E722", path=path, field=element, reason=str(getattr(e, "reason", e) or e).splitlines()[0],
                        where=getattr(e, "path", "") or "")
                for e in errors[:20]
            ]
        )


def structure_problems(xml: bytes) -> list[tuple[str, str]]:
    """casecoder's own invariants of an exported ``project.qde`` or ``.qdc``, as (where, what).

    Checked: the XML parses; the root is a ``Project`` (with a ``name``) or a ``CodeBook`` in its
    namespace; a Project's children come in the specification's order; every ``guid`` is a GUID
    and unique; every code has a ``name`` and ``isCodable``; every ``CodeRef``, ``creatingUser``
    and ``VariableRef`` points at an object of the file; every selection's positions are
    ``0 <= start <= end``. Empty when all hold.

    Examples
    --------
    >>> structure_problems(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    []
    >>> structure_problems(b'<Project xmlns="urn:QDA-XML:project:1.0"><Sources/><Users/></Project>')
    [('/Project', "no 'name' attribute"), ('/Project/Users', 'Users comes after Sources')]
    >>> structure_problems(b'<CodeBook')[0][0]
    '/'
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [("/", f"not well-formed XML ({exc})")]
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    local = root.tag.split("}")[-1]
    if (ns, local) not in ((PROJECT_NS, "Project"), (CODEBOOK_NS, "CodeBook")):
        return [("/", f"the root is {root.tag}, not a REFI-QDA Project or CodeBook")]
    found: list[tuple[str, str]] = []
    if local == "Project":
        if not root.get("name"):
            found.append(("/Project", "no 'name' attribute"))
        order = [c.tag.split("}")[-1] for c in root]
        for before, after in zip(order, order[1:]):
            if _rank(after) < _rank(before):
                found.append((f"/Project/{after}", f"{after} comes after {before}"))
    found += _reference_problems(root, ns)
    return found


def _rank(tag: str) -> int:
    return _PROJECT_ORDER.index(tag) if tag in _PROJECT_ORDER else len(_PROJECT_ORDER)


def _reference_problems(root: ET.Element, ns: str) -> list[tuple[str, str]]:
    """GUIDs well formed and unique; references resolved; codes named; positions ordered."""
    found: list[tuple[str, str]] = []
    guids: dict[str, str] = {}
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        guid = el.get("guid")
        if guid is None:
            continue
        if not _GUID.fullmatch(guid):
            found.append((tag, f"guid {guid!r} is not a GUID"))
        elif guid.lower() in guids:
            found.append((tag, f"guid {guid} is also the guid of a {guids[guid.lower()]}"))
        guids.setdefault(guid.lower(), tag)
    codes = {g for g, t in guids.items() if t == "Code"}
    for el in root.iter(f"{{{ns}}}Code"):
        if not el.get("name") or el.get("isCodable") not in ("true", "false", "1", "0"):
            found.append((f"Code {el.get('guid')}", "a code needs a name and isCodable"))
    for el in root.iter(f"{{{ns}}}CodeRef"):
        if (el.get("targetGUID") or "").lower() not in codes:
            found.append(("CodeRef", f"targetGUID {el.get('targetGUID')} is no code of the file"))
    for el in root.iter():
        for attr in ("creatingUser", "modifyingUser"):
            ref = el.get(attr)
            if ref is not None and guids.get(ref.lower()) != "User":
                found.append((el.tag.split("}")[-1], f"{attr} {ref} is no user of the file"))
    for el in root.iter(f"{{{ns}}}PlainTextSelection"):
        start, end = el.get("startPosition", ""), el.get("endPosition", "")
        if not (start.isdigit() and end.isdigit() and int(start) <= int(end)):
            found.append((f"PlainTextSelection {el.get('guid')}", f"positions {start!r}..{end!r} are not 0 <= start <= end"))
    return found


def check_export(xml: bytes, schema: str | os.PathLike[str] | None, *, path: str, element: str) -> tuple[str, str]:
    """Check an export's XML before it is written: against ``schema`` when given, else by
    :func:`structure_problems`.

    Returns
    -------
    schema : str
        The schema file validated against, ``""`` when none was given.
    checked : str
        What was checked, for the report (:data:`NO_SCHEMA` without a schema).

    Raises
    ------
    RefiError
        E723 for a schema file that is not there, E722 for XML failing the schema, E715 for
        each structural invariant broken. Nothing has been written then.
    """
    if schema is not None:
        validate(xml, load_schema(schema, path), path=path, element=element)
        return str(schema), f"valid against {schema}"
    broken = structure_problems(xml)
    if broken:
        raise RefiError([problem("E715", path=path, field=element, where=w, reason=r) for w, r in broken[:20]])
    return "", NO_SCHEMA
