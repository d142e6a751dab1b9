"""Reading a REFI-QDA file's parts: the container (zip, ``.qde``, sources), the XML, codes
matched to our codebook, and the documents and codebook casecoder builds from them.

The container is read within :class:`ReadLimits`: member names are checked (``..``, absolute
paths and backslashes are reported) and only the members import needs are inflated, each
through a bounded stream.
"""

from __future__ import annotations

import os
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..codebook import Code, Codebook
from ..errors import Problem, RefiError, TranscriptError, problem
from ..positions import FrozenMap
from ..transcripts import document_from_text
from .model import ImportedCode, ImportIssue, _child, _children, _issue, _local, _norm_guid, _text_of, _text_or, guid_for
from .positions import _collapse

__all__ = ["ReadLimits"]


_MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """How much an import reads from one archive before it refuses the file.

    A ``.qdpx`` is a zip: a member of a few hundred kilobytes can inflate to gigabytes. Import
    reads only the project XML and the text sources it refers to, each through a bounded
    stream, and refuses the file (``RefiError``, nothing returned) when a member it would read
    passes a limit. Media members (audio, video, pictures, PDFs) are never read, so they are not
    limited.

    Attributes
    ----------
    member_bytes : int, default 64 MiB
        The largest uncompressed size of one member read (the ``.qde`` or a text source).
    ratio : float, default 100
        The largest compression ratio (uncompressed / compressed size) of a member read that is
        over ``ratio_floor`` bytes; text deflates about 3 to 10 to 1, a zip bomb about 1000 to 1.
    total_bytes : int, default 1 GiB
        The largest total of uncompressed bytes read from the archive.
    ratio_floor : int, default 1 MiB
        Members up to this size are not held to ``ratio`` (a short, repetitive text may
        compress well beyond it harmlessly).

    Examples
    --------
    >>> ReadLimits().member_bytes // (1 << 20)
    64
    >>> ReadLimits(member_bytes=256 << 20, ratio=1000).ratio
    1000
    """

    member_bytes: int = 64 * _MIB
    ratio: float = 100.0
    total_bytes: int = 1024 * _MIB
    ratio_floor: int = _MIB


_CHUNK = _MIB  # read members a mebibyte at a time


def _safe_member(name: str) -> tuple[str | None, str]:
    """(the member's name with '/' separators, or None if unsafe; why it was changed or refused)."""
    posix = name.replace("\\", "/")
    parts = posix.split("/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix) or ".." in parts:
        return None, "unsafe"
    return posix, ("backslash" if posix != name else "")


def _read_member(arc: _Archive, name: str, problems: list[Problem]) -> bytes | None:
    """A member's bytes read through a bounded stream, or None (a problem added) if refused."""
    assert arc.zf is not None
    info = arc.zf.getinfo(name)
    lim = arc.limits
    size, packed = info.file_size, info.compress_size
    refused = False
    if size > lim.member_bytes:
        problems.append(problem("E743", path=arc.path, field="archive", member=name, size=f"{size:,}",
                                limit=f"{lim.member_bytes:,}"))
        refused = True
    if size > lim.ratio_floor and size > lim.ratio * max(packed, 1):
        problems.append(problem("E744", path=arc.path, field="archive", member=name, size=f"{size:,}",
                                packed=f"{packed:,}", ratio=f"{size / max(packed, 1):,.0f}", limit=f"{lim.ratio:g}"))
        refused = True
    if not refused and arc.read + size > lim.total_bytes:
        problems.append(problem("E748", path=arc.path, field="archive", member=name, total=f"{arc.read + size:,}",
                                limit=f"{lim.total_bytes:,}"))
        refused = True
    if refused:
        return None
    # zipfile stops at the size the header states and checks the CRC there, so a member that
    # inflates to more than it claims ends in BadZipFile, never in unbounded memory
    buf = bytearray()
    try:
        with arc.zf.open(info) as fh:
            while chunk := fh.read(min(_CHUNK, size + 1 - len(buf)) or 1):
                buf += chunk
                if len(buf) > size:
                    raise zipfile.BadZipFile(f"holds more than the {size} bytes its header states")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        problems.append(problem("E747", path=arc.path, field="archive", member=name, error=str(exc) or type(exc).__name__))
        return None
    arc.read += len(buf)
    return bytes(buf)


@dataclass
class _Archive:
    path: str
    qde_name: str
    xml: bytes
    files: dict[str, str]  # lower-case file name (no folder) -> zip entry name, for sources
    zf: zipfile.ZipFile | None
    limits: ReadLimits
    notes: list[ImportIssue]  # member names changed or refused (E745, E746)
    read: int = 0  # uncompressed bytes read so far


def _open_archive(path: str | os.PathLike[str], limits: ReadLimits | None = None) -> _Archive:
    p = Path(path)
    if not p.is_file():
        raise RefiError(problem("E701", path=p))
    if not zipfile.is_zipfile(p):
        raise RefiError(problem("E702", path=p))
    try:
        zf = zipfile.ZipFile(p)
        raw = [n for n in zf.namelist() if not n.endswith(("/", "\\"))]
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefiError(problem("E702", path=p)) from exc
    notes: list[ImportIssue] = []
    names: dict[str, str] = {}  # name with '/' separators -> the member's name as stored
    for n in raw:
        posix, why = _safe_member(n)
        if posix is None:
            notes.append(_issue("E745", "member", n, member=n))
            continue
        if why:
            notes.append(_issue("E746", "member", n, member=n, posix=posix))
        names.setdefault(posix, n)
    qdes = [n for n in names if n.lower().endswith(".qde")]
    if not qdes:
        zf.close()
        raise RefiError(problem("E703", path=p, found=", ".join(list(names)[:8]) or "nothing"))
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
            files.setdefault(parts[-1].lower(), names[n])
    arc = _Archive(str(p), qde, b"", files, zf, limits or ReadLimits(), notes)
    problems: list[Problem] = []
    xml = _read_member(arc, names[qde], problems)
    if xml is None:
        zf.close()
        raise RefiError(problems)
    arc.xml = xml
    return arc


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


def _no_text(text: str) -> str:
    """Why a source's (normalised) text has nothing to code, or ``""`` if it has.

    A document needs a turn; a text that is empty, only white space or only headings has none.
    """
    if not text:
        return "empty"
    if not text.strip():
        return "only white space"
    try:
        document_from_text("source", text, case="")
    except TranscriptError:
        return "no paragraph of text, only headings"
    return ""


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


def _build_codebook(codebook: Any, imported: Sequence[ImportedCode], path: str) -> Any:
    """Our codebook (if any) followed by the imported codes it lacks, as a casecoder Codebook."""
    ours = list(codebook.codes) if codebook is not None else []
    new = []
    known = {c.id for c in ours}
    for ic in imported:
        if ic.known or ic.id in known:
            continue
        known.add(ic.id)
        new.append(Code(id=ic.id, label=ic.name or ic.id, definition=ic.description,
                               parent=ic.parent or None, color=ic.color.lower() or None))
    settings = dict(getattr(codebook, "settings", {}) or {}) if codebook is not None else {}
    cb_path = getattr(codebook, "path", "") if codebook is not None else path
    return Codebook(codes=tuple(ours + new), path=cb_path, settings=FrozenMap(settings))


def _document(doc_id: str, text: str, case: str, metadata: Mapping[str, Any], path: str) -> Any:
    """A casecoder Document for imported text: turns found as the transcript reader finds them."""
    return document_from_text(doc_id, text, case=case, metadata=metadata, path=path)


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
