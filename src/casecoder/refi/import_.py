"""REFI-QDA import: another tool's ``.qdpx`` project or ``.qdc`` codebook into casecoder's types.

Liberal in what it reads (``Sources/`` or ``sources/``, any ``.qde`` name, a BOM, CRLF,
missing optional attributes, inline ``PlainTextContent``), strict in what it checks (every
GUID reference resolves, every selection lies inside its text). A project is read in named
steps over one :class:`_Project` state, in the order the file's parts depend on each other:
users, codes, variables, sources, cases, codings; then positions are placed, documents made and
the codings table built. Problems are collected along the way and raised together.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

import pandas as pd

from ..errors import Problem, RefiError, problem
from ..positions import turn_of_span
from ..schema import empty_codings, normalise_codings
from ..segments import sentences
from .model import (
    CodebookImport,
    ImportedCode,
    ImportIssue,
    ImportReport,
    ProjectImport,
    _child,
    _children,
    _dedupe,
    _issue,
    _local,
    _norm_guid,
    _text_of,
)
from .positions import _CONVENTION, Convention, ConventionScore, _detect, _Sel, _Text
from .reading import (
    _DOC_SUFFIXES,
    _SYSTEM_USER_NAMES,
    ReadLimits,
    _Archive,
    _build_codebook,
    _decode_source,
    _document,
    _no_text,
    _open_archive,
    _parse_xml,
    _read_codes,
    _read_member,
    _variable_value,
)

__all__ = ["import_qdc", "import_qdpx"]

_MEDIA_SELECTIONS = {"PictureSelection": "picture", "AudioSelection": "audio", "VideoSelection": "video",
                     "PDFSelection": "PDF region", "TranscriptSelection": "transcript"}
_IGNORED_TOP = ("Notes", "Links", "Sets", "Graphs", "NoteRef")


def import_qdpx(
    path: str | os.PathLike[str],
    codebook: Any = None,
    *,
    convention: str | None = None,
    segments: bool = True,
    limits: ReadLimits | None = None,
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
    limits : ReadLimits, optional
        How much may be read from the archive (default ``ReadLimits()``: 64 MiB a member,
        100 to 1 compression, 1 GiB in all): a text member over a limit makes the file an
        error instead of being read.

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
        not resolve (E708), or a selection outside its text or inside a character (E709, E710);
        or a member it must read is over the read limits (E743 size, E744 compression ratio,
        E748 total) or damaged (E747). Every problem names the element and its GUID, or the
        member. Vendor oddities are not errors: they are notes and skipped entries of the
        report (docs/REFI.md lists them).

    Examples
    --------
    >>> got = import_qdpx("nvivo.qdpx", limits=ReadLimits(member_bytes=256 << 20))  # doctest: +SKIP
    >>> got.report.convention                                                      # doctest: +SKIP
    'utf16-crlf'
    """
    arc = _open_archive(path, limits)
    try:
        return _import_project(arc, codebook, convention, segments)
    finally:
        if arc.zf is not None:
            arc.zf.close()


@dataclass
class _Project:
    """What import has read of a project so far; each step fills its part.

    GUIDs are normalised (:func:`casecoder.refi.model._norm_guid`). ``problems`` make the
    import fail (raised together after the reading steps and after placing positions);
    ``notes`` and ``skipped`` go into the :class:`ImportReport`.
    """

    arc: _Archive
    root: ET.Element
    codebook: Any
    problems: list[Problem] = field(default_factory=list)
    notes: list[ImportIssue] = field(default_factory=list)
    skipped: list[ImportIssue] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # user guid -> name
    system: dict[str, str] = field(default_factory=dict)  # a tool's own user: guid -> name
    analysts: dict[str, str] = field(default_factory=dict)  # user guid -> analyst name (unique)
    codes: list[ImportedCode] = field(default_factory=list)
    code_ids: dict[str, str] = field(default_factory=dict)  # code guid -> casecoder code id
    variables: dict[str, str] = field(default_factory=dict)  # variable guid -> name
    texts: dict[str, _Text] = field(default_factory=dict)  # source guid -> its text
    src_name: dict[str, str] = field(default_factory=dict)
    src_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    sels: list[_Sel] = field(default_factory=list)
    n_sources: int = 0
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)  # case name -> variables
    case_of: dict[str, str] = field(default_factory=dict)  # source guid -> case name
    coding_rows: list[tuple[_Sel, str, str, str]] = field(default_factory=list)  # (selection, code id, user, coding guid)
    placed: dict[str, tuple[int, int]] = field(default_factory=dict)  # selection key -> (start, end)
    documents: dict[str, Any] = field(default_factory=dict)  # source guid -> Document

    @property
    def path(self) -> str:
        return self.arc.path

    @property
    def origin(self) -> str:
        return self.root.get("origin") or ""

    def raise_problems(self) -> None:
        if self.problems:
            raise RefiError(_dedupe(self.problems))


def _import_project(arc: _Archive, codebook: Any, forced: str | None, want_segments: bool) -> ProjectImport:
    root = _parse_xml(arc.xml, arc.path, arc.qde_name)
    if _local(root.tag) != "Project":
        raise RefiError(problem("E705", path=arc.path, field=arc.qde_name, expected="Project", found=_local(root.tag)))
    if forced is not None and forced not in _CONVENTION:
        raise RefiError(problem("E735", path=arc.path, field="convention", found=forced,
                                allowed=", ".join(_CONVENTION)))
    st = _Project(arc, root, codebook, notes=list(arc.notes))
    _read_users(st)
    _read_codebook(st)
    _read_variables(st)
    _read_sources(st)
    _read_cases(st)
    _read_codings(st)
    st.raise_problems()
    conv, evidence, scores = _choose_convention(st, forced)
    _place_selections(st, conv)
    st.raise_problems()
    _make_documents(st)
    table, dupes = _codings_table(st, want_segments)
    return _result(st, table, dupes, conv, evidence, scores)


# --------------------------------------------------------------------------------------------
# reading steps, in the order the parts depend on each other


def _read_users(st: _Project) -> None:
    """Users become analysts; a tool's built-in user (ATLAS.ti lists itself as one) is skipped."""
    users_el = _child(st.root, "Users")
    # a user that made codings is an analyst whatever its name (casecoder's machine user is one)
    coders = {_norm_guid(c.get("creatingUser")) for c in st.root.iter() if _local(c.tag) == "Coding"}
    for u in _children(users_el, "User") if users_el is not None else []:
        g = _norm_guid(u.get("guid"))
        name = (u.get("name") or u.get("id") or "").strip() or f"user-{g[:8]}"
        low = name.casefold()
        named_as_tool = low in _SYSTEM_USER_NAMES or (st.origin.casefold().startswith(low) and len(low) > 2)
        if named_as_tool and g not in coders:
            st.system[g] = name
            st.notes.append(_issue("E731", "User", g, name=name))
            continue
        st.users[g] = name
    # two users with one name stay two analysts
    name_count = Counter(st.users.values())
    st.analysts = {g: (n if name_count[n] == 1 else f"{n} ({g[:8]})") for g, n in st.users.items()}


def _read_codebook(st: _Project) -> None:
    book = _child(st.root, "CodeBook")
    st.codes = _read_codes(_child(book, "Codes") if book is not None else None, st.codebook, st.path, st.notes,
                           st.problems)
    st.code_ids = {c.guid: c.id for c in st.codes}


def _read_variables(st: _Project) -> None:
    vars_el = _child(st.root, "Variables")
    for v in _children(vars_el, "Variable") if vars_el is not None else []:
        st.variables[_norm_guid(v.get("guid"))] = v.get("name") or _norm_guid(v.get("guid"))


def _read_sources(st: _Project) -> None:
    """Text sources (and PDF representations) become documents; media are reported."""
    sources_el = _child(st.root, "Sources")
    for el in list(sources_el) if sources_el is not None else []:
        tag = _local(el.tag)
        st.n_sources += 1
        if tag == "TextSource":
            _read_text_source(st, el, tag, "")
        elif tag == "PDFSource":
            _skip_media(st, el)
            rep = _child(el, "Representation")
            if rep is not None:
                _read_text_source(st, rep, "Representation", el.get("name") or "")
        elif tag in ("PictureSource", "AudioSource", "VideoSource"):
            _skip_media(st, el)
            if _children(el, "Transcript"):
                st.notes.append(_issue("E732", "Transcript", _norm_guid(el.get("guid")), el.get("name") or "",
                                       count=len(_children(el, "Transcript")), what="transcript(s) of a media source"))
        else:
            _skip_unknown_source(st, el, tag)
    for tag in _IGNORED_TOP:
        found = _children(st.root, tag)
        if found:
            n = sum(len(list(f)) or 1 for f in found)
            st.notes.append(_issue("E732", tag, "", count=n, what=f"{tag} element(s)"))


def _read_text_source(st: _Project, el: ET.Element, elem: str, display: str) -> None:
    g = _norm_guid(el.get("guid"))
    if not g:
        st.problems.append(problem("E706", path=st.path, field=elem, element=elem, guid="?", attribute="guid"))
        return
    _check_user(st, el, elem, g)
    stored, reason = _source_text(st, el)
    ptp = (el.get("plainTextPath") or "").strip()
    # qc writes no name: fall back on the text file's name, then the GUID
    name = display or el.get("name") or PurePosixPath(ptp.partition("://")[2] or ptp).name or g
    sel_els = _children(el, "PlainTextSelection")
    for cod in _children(el, "Coding"):
        st.skipped.append(_issue("E727", "Coding", _norm_guid(cod.get("guid")), name))
    text = _Text(stored) if stored is not None else None
    empty = _no_text(text.text) if text is not None else ""
    if empty:
        # NVivo for Mac writes sources whose text is only a newline: nothing to code, and no
        # reason to fail the other sources
        st.notes.append(_issue("E741", elem, g, name, detail=empty))
        reason = f"its source has no text ({empty})"
    if text is None or empty:
        for s in sel_els:
            st.skipped.append(_issue("E726", "PlainTextSelection", _norm_guid(s.get("guid")), name, reason=reason))
        if not sel_els and not empty:
            st.notes.append(_issue("E729", elem, g, name, reason=reason))
        return
    st.texts[g] = text
    st.src_name[g] = name
    st.src_meta[g] = _values_of(st, el, elem, g)
    for s in sel_els:
        sg = _norm_guid(s.get("guid"))
        _check_user(st, s, "PlainTextSelection", sg)
        a = _int_attr(st, s, "startPosition", "PlainTextSelection", sg)
        b = _int_attr(st, s, "endPosition", "PlainTextSelection", sg)
        if a is None or b is None:
            continue
        st.sels.append(_Sel(s, sg, g, name, a, b, s.get("name") or ""))


def _source_text(st: _Project, el: ET.Element) -> tuple[str | None, str]:
    """A text source's text as stored (inline or a file in the archive), or None and why not.

    A member over the read limits, or damaged, is a problem of ``st`` (the file is refused).
    """
    arc = st.arc
    content = _child(el, "PlainTextContent")
    ptp = (el.get("plainTextPath") or "").strip()
    if content is not None and content.text is not None:
        return content.text, ""
    if not ptp:
        return None, "it has neither plainTextPath nor PlainTextContent"
    scheme, _, rest = ptp.partition("://")
    if not rest:
        scheme, rest = "internal", ptp  # qc writes a bare file name
    fname = rest.strip("/").rsplit("/", 1)[-1].lower()
    if scheme.lower() != "internal":
        return None, f"its text is outside the archive ({ptp}); casecoder reads only what the file holds"
    if fname not in arc.files:
        return None, f"its text file {ptp} is not in the archive"
    data = _read_member(arc, arc.files[fname], st.problems)
    if data is None:
        return None, f"its text file {ptp} was not read (over a read limit or damaged)"
    stored = _decode_source(data)
    return stored, "" if stored is not None else f"its text file {ptp} is not UTF-8 or UTF-16 text"


def _skip_media(st: _Project, el: ET.Element) -> None:
    name = el.get("name") or _norm_guid(el.get("guid"))
    for child in el.iter():
        tag = _local(child.tag)
        if tag in _MEDIA_SELECTIONS:
            st.skipped.append(_issue("E725", tag, _norm_guid(child.get("guid")), name, kind=_MEDIA_SELECTIONS[tag]))
    for cod in _children(el, "Coding"):
        st.skipped.append(_issue("E727", "Coding", _norm_guid(cod.get("guid")), name))


def _skip_unknown_source(st: _Project, el: ET.Element, tag: str) -> None:
    """A kind of source a newer or non-conforming tool writes: reported, with its selections."""
    name = el.get("name") or _norm_guid(el.get("guid"))
    inner = [c for c in el.iter() if c is not el and _local(c.tag).endswith("Selection")]
    st.notes.append(_issue("E742", tag, _norm_guid(el.get("guid")), name, element=tag, count=len(inner)))
    for c in inner:
        st.skipped.append(_issue("E725", _local(c.tag), _norm_guid(c.get("guid")), name,
                                 kind=f"{_local(c.tag)} (unknown)"))


def _read_cases(st: _Project) -> None:
    """Which case each source belongs to, and the case variables."""
    cases_el = _child(st.root, "Cases")
    sources_el = _child(st.root, "Sources")
    all_sources = {_norm_guid(e.get("guid")) for e in (list(sources_el) if sources_el is not None else [])}
    for c in _children(cases_el, "Case") if cases_el is not None else []:
        cg = _norm_guid(c.get("guid"))
        cname = c.get("name") or cg
        st.cases[cname] = _values_of(st, c, "Case", cg)
        for ref in _children(c, "SourceRef"):
            t = _norm_guid(ref.get("targetGUID"))
            if t not in all_sources:
                st.problems.append(problem("E708", path=st.path, field=f"Case {cg}", element="Case/SourceRef", guid=cg,
                                           target=t or "(none)", kind="source"))
            elif t in st.case_of and st.case_of[t] != cname:
                st.notes.append(_issue("E736", "Case", cg, source=st.src_name.get(t, t), case=st.case_of[t]))
            else:
                st.case_of[t] = cname


def _read_codings(st: _Project) -> None:
    """Every coding of a placed selection; every CodeRef must resolve."""
    for s in st.sels:
        codings = _children(s.element, "Coding")
        if not codings:
            st.skipped.append(_issue("E728", "PlainTextSelection", s.guid, s.source_name))
        for cod in codings:
            cg = _norm_guid(cod.get("guid"))
            _check_user(st, cod, "Coding", cg)
            ref = _child(cod, "CodeRef")
            target = _norm_guid(ref.get("targetGUID") if ref is not None else None)
            if target not in st.code_ids:
                st.problems.append(problem("E708", path=st.path, field=f"Coding {cg}", element="Coding/CodeRef",
                                           guid=cg, target=target or "(none)", kind="Code"))
                continue
            st.coding_rows.append((s, st.code_ids[target], _user_of(st, cod, s.element.get("creatingUser")), cg))


# --------------------------------------------------------------------------------------------
# attribute helpers shared by the steps


def _values_of(st: _Project, el: ET.Element, where: str, guid: str) -> dict[str, Any]:
    """An element's variable values by variable name; an unknown variable is a problem."""
    out: dict[str, Any] = {}
    for vv in _children(el, "VariableValue"):
        ref = _child(vv, "VariableRef")
        target = _norm_guid(ref.get("targetGUID") if ref is not None else None)
        if target not in st.variables:
            st.problems.append(problem("E708", path=st.path, field=f"{where} {guid}", element=f"{where}/VariableValue",
                                       guid=guid, target=target or "(none)", kind="Variable"))
            continue
        out[st.variables[target]] = _variable_value(vv)
    return out


def _user_of(st: _Project, el: ET.Element, *fallbacks: str | None) -> str:
    """The analyst's user GUID: the element's creator, else the fallbacks, else the project's."""
    for g in (el.get("creatingUser"), *fallbacks, st.root.get("creatingUserGUID")):
        n = _norm_guid(g)
        if n and n in st.analysts:
            return n
    return ""


def _check_user(st: _Project, el: ET.Element, elem: str, guid: str) -> None:
    for attr in ("creatingUser", "modifyingUser"):
        g = _norm_guid(el.get(attr))
        if g and g not in st.users and g not in st.system:
            st.problems.append(problem("E708", path=st.path, field=f"{elem} {guid}", element=f"{elem}@{attr}",
                                       guid=guid, target=g, kind="User"))


def _int_attr(st: _Project, el: ET.Element, attr: str, elem: str, guid: str) -> int | None:
    value = el.get(attr)
    if value is None:
        st.problems.append(problem("E706", path=st.path, field=f"{elem} {guid}", element=elem, guid=guid, attribute=attr))
        return None
    try:
        return int(value.strip())
    except ValueError:
        st.problems.append(problem("E707", path=st.path, field=f"{elem} {guid}", element=elem, guid=guid,
                                   attribute=attr, value=value))
        return None


# --------------------------------------------------------------------------------------------
# positions, documents, the codings table, the report


def _choose_convention(st: _Project, forced: str | None) -> tuple[Convention, str, tuple[ConventionScore, ...]]:
    conv, evidence, scores = _detect(st.sels, st.texts, st.origin)
    if forced:
        return _CONVENTION[forced], f"given by the caller; detection alone would take {conv.name}: {evidence}", scores
    return conv, evidence, scores


def _place_selections(st: _Project, conv: Convention) -> None:
    """Every selection's span in code points of the normalised text; E709/E710 where impossible."""
    for s in st.sels:
        t = st.texts[s.source]
        a, b = t.to_index(conv, s.start), t.to_index(conv, s.end)
        if a is None or b is None or a > b:
            length = t.length(conv)
            if 0 <= s.start <= s.end <= length:
                st.problems.append(problem("E710", path=st.path, field=f"PlainTextSelection {s.guid}", guid=s.guid,
                                           source=s.source_name, start=s.start, end=s.end, convention=conv.name))
            else:
                st.problems.append(problem("E709", path=st.path, field=f"PlainTextSelection {s.guid}", guid=s.guid,
                                           source=s.source_name, start=s.start, end=s.end, length=length,
                                           convention=conv.name))
            continue
        st.placed[s.guid + "\x1f" + s.source] = (a, b)


def _document_ids(st: _Project) -> dict[str, str]:
    """A unique, readable document id per text source: its name without a file suffix."""
    doc_id: dict[str, str] = {}
    taken: set[str] = set()
    for g in st.texts:
        base = st.src_name[g]
        for suf in _DOC_SUFFIXES:
            if base.lower().endswith(suf) and len(base) > len(suf):
                base = base[: -len(suf)]
                break
        # a document id becomes a file name in --texts: no folder separators, no '.' or '..'
        base = re.sub(r"[/\\\x00]", "_", base).strip()
        base = g if base.strip(".") == "" else base
        cand, n = base, 2
        while cand in taken:
            cand = f"{base}-{n}"
            n += 1
        if cand != base:
            st.notes.append(_issue("E740", "TextSource", g, st.src_name[g], name=base, id=cand))
        taken.add(cand)
        doc_id[g] = cand
    return doc_id


def _make_documents(st: _Project) -> None:
    doc_id = _document_ids(st)
    for g, t in st.texts.items():
        case = st.case_of.get(g)
        if case is None:
            case = doc_id[g]
            if st.cases:
                st.notes.append(_issue("E737", "TextSource", g, st.src_name[g], detail="in no case of the file"))
        meta = {**st.cases.get(case, {}), **st.src_meta.get(g, {})}
        st.documents[g] = _document(doc_id[g], t.text, case, meta, f"{st.arc.path}!{st.src_name[g]}")
    if st.cases and not st.case_of:
        st.notes.append(_issue("E737", "Cases", "", detail="no case refers to a text source"))
    elif not st.cases:
        st.notes.append(_issue("E737", "Cases", "", detail="the file has no cases"))


def _codings_table(st: _Project, want_segments: bool) -> tuple[pd.DataFrame, int]:
    """The codings table (one row per coding; a repeated one noted, not kept) and the repeats."""
    sentence_index: dict[str, dict[tuple[int, int], int]] = {}
    if want_segments and st.coding_rows:
        for g in {s.source for s, *_ in st.coding_rows}:
            sentence_index[g] = {(seg.start, seg.end): seg.index for seg in sentences(st.documents[g])}
    rows: list[dict[str, Any]] = []
    seen_rows: set[tuple[Any, ...]] = set()
    dupes = 0
    for s, code, ug, cg in st.coding_rows:
        a, b = st.placed[s.guid + "\x1f" + s.source]
        d = st.documents[s.source]
        analyst = st.analysts.get(ug, "")
        if not analyst:
            analyst = "unknown"
            st.notes.append(_issue("E739", "Coding", cg, s.source_name))
        key = (d.id, a, b, code, analyst)
        if key in seen_rows:
            dupes += 1
            st.notes.append(_issue("E738", "Coding", cg, s.source_name, code=code, analyst=analyst))
            continue
        seen_rows.add(key)
        turn = turn_of_span(d.turns, a, b)
        rows.append({
            "document": d.id, "case": d.case,
            "section": turn.section if turn else "", "turn": turn.index if turn else -1,
            "speaker": turn.speaker if turn else "",
            "segment": sentence_index.get(s.source, {}).get((a, b), -1),
            "start": a, "end": b, "text": d.text[a:b], "code": code, "rule": "", "source": "manual",
            "analyst": analyst, "status": "coded", "reason": "",
            "note": _text_of(_child(s.element, "Description")).strip(),
        })
    return (normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()), dupes


def _result(st: _Project, table: pd.DataFrame, dupes: int, conv: Convention, evidence: str,
            scores: tuple[ConventionScore, ...]) -> ProjectImport:
    used_users = {ug for _, _, ug, _ in st.coding_rows if ug}
    report = ImportReport(
        path=st.path, origin=st.origin, convention=conv.name, evidence=evidence, scores=scores,
        analysts=MappingProxyType({g: st.analysts[g] for g in sorted(used_users)}),
        system_users=tuple(sorted(st.system.values())), codes=tuple(st.codes), skipped=tuple(st.skipped),
        notes=tuple(st.notes),
        counts=MappingProxyType({"codes": len(st.codes), "sources": st.n_sources, "documents": len(st.documents),
                                 "selections": len(st.sels), "codings": len(table), "skipped": len(st.skipped),
                                 "duplicates": dupes}),
    )
    docs = tuple(sorted(st.documents.values(), key=lambda d: d.id))
    return ProjectImport(documents=docs, codings=table, codebook=_build_codebook(st.codebook, st.codes, st.path),
                         cases=MappingProxyType({k: MappingProxyType(v) for k, v in sorted(st.cases.items())}),
                         report=report)


# --------------------------------------------------------------------------------------------
# a codebook file


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
