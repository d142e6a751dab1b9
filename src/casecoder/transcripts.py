"""Read interview transcripts (.txt, .md, .docx, .vtt) into :class:`Document` objects.

A document is one transcript file: its normalised text, its case, its metadata (front matter
and case attributes) and its ordered turns. Every offset casecoder uses counts code points
into ``Document.text``: the file decoded, a BOM removed, CRLF/CR turned into LF and the front
matter block removed. ``turn.text == document.text[turn.start:turn.end]`` always holds.

Text files (.txt, .md)
    Optional YAML front matter between ``---`` lines at the top. ``#``/``##`` headings start
    sections (interview questions). Each paragraph (blank-line separated) is a turn; a
    paragraph starting with a speaker label (``Chief Executive:``, ``Q:``, ``R1:``,
    ``**Director:**``) sets the speaker and the label is left out of the turn's text; a
    paragraph without a label continues the previous speaker. A leading timestamp
    (``[00:12:34]``, ``(12:34)``) is left out too and kept as turn metadata.
Word (.docx)
    Heading styles start sections; other paragraphs are turns, with the same label rule.
WebVTT (.vtt)
    Cues with ``<v Speaker>`` voice tags or ``Speaker: text`` become turns; consecutive cues
    of one speaker merge into one turn, whose metadata keep the first and last cue times.

Encodings: UTF-8 (with or without BOM), UTF-16 with a BOM (as Word saves "Unicode text"), and
cp1252 as a last resort, with a :class:`TranscriptWarning` naming the file.
"""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ._yaml import error_place
from .errors import CasecoderWarning, Problem, TranscriptError, problem
from .io import atomic_dir
# FrozenMap lives in positions; it stays importable from here for code written before the move.
from .positions import FrozenMap

__all__ = [
    "DEFAULT_CASE_KEY",
    "INTERVIEWER_LABELS",
    "SUFFIXES",
    "Document",
    "TranscriptWarning",
    "Turn",
    "document_from_text",
    "find_transcripts",
    "iter_corpus",
    "load_cases",
    "read_corpus",
    "read_document",
    "write_transcripts",
]

#: Word writes ``~$name.docx`` beside a document while it is open: a lock file, never a transcript.
LOCK_PREFIX = "~$"
#: File types the reader understands.
SUFFIXES: tuple[str, ...] = (".txt", ".md", ".docx", ".vtt")
#: Speaker labels (lower case) that mark the interviewer's turns.
INTERVIEWER_LABELS: frozenset[str] = frozenset(
    {"interviewer", "q", "i", "int", "moderator", "facilitator", "question", "researcher"}
)
CASES_FILE = "cases.csv"
#: The front-matter key naming a document's case when neither the caller nor the codebook's
#: ``settings.case_key`` names one. This is the one place the default is written; everything
#: else asks :attr:`casecoder.codebook.Codebook.case_key` or takes the key as a parameter.
DEFAULT_CASE_KEY = "council"


class TranscriptWarning(CasecoderWarning):
    """A transcript was read, but something about it deserves the analyst's attention."""


@dataclass(frozen=True)
class Turn:
    """One speaker's contribution: a paragraph of a transcript, or merged subtitle cues.

    Attributes
    ----------
    index : int
        0-based position among the document's turns.
    speaker : str
        The speaker label as written (``"Chief Executive"``), ``""`` if unknown.
    section : str
        The heading the turn falls under, ``""`` before the first heading.
    start, end : int
        Code points into ``Document.text``; ``text == document.text[start:end]``.
    text : str
        The turn's words, without speaker label or leading timestamp.
    interviewer : bool
        True when the speaker label is one of :data:`INTERVIEWER_LABELS`.
    metadata : Mapping[str, str]
        E.g. ``{"timestamp": "00:12:34"}`` or, for WebVTT, ``cue_start``/``cue_end``.
    """

    index: int
    speaker: str
    section: str
    start: int
    end: int
    text: str
    interviewer: bool = False
    metadata: Mapping[str, str] = field(default_factory=lambda: FrozenMap({}))


@dataclass(frozen=True)
class Document:
    """One transcript, read and validated.

    Attributes
    ----------
    id : str
        The file name without its suffix; unique within a corpus.
    path : str
        Where it was read from.
    text : str
        The normalised text every offset points into.
    case : str
        The case (e.g. council) the document belongs to.
    metadata : Mapping[str, Any]
        Front matter merged with the case's attributes from ``cases.csv``.
    turns : tuple of Turn
        In document order.
    """

    id: str
    path: str
    text: str
    case: str
    metadata: Mapping[str, Any]
    turns: tuple[Turn, ...]

    @property
    def sections(self) -> tuple[str, ...]:
        """The section headings in order of first appearance."""
        return tuple(dict.fromkeys(t.section for t in self.turns))


# --------------------------------------------------------------------------------------------
# decoding

_MAGIC = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "zip archive or Office file"),
    (b"\xd0\xcf\x11\xe0", "legacy Office file"),
    (b"\x7fELF", "executable"),
)


def _decode(data: bytes, path: Path) -> str:
    """Decode transcript bytes; raise E003/E004/E010, warn E011 for cp1252."""
    if not data or data.isspace():  # (not ``data.strip()``: that copies the whole file)
        raise TranscriptError(problem("E003", path=path))
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TranscriptError(problem("E010", path=path)) from exc
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise TranscriptError(problem("E004", path=path, kind=kind))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        encoding = "utf-16-le" if odd > even else "utf-16-be"
        if max(even, odd) > len(head) // 4:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                text = None
            if text is not None and _looks_like_text(text):
                return text
        raise TranscriptError(problem("E004", path=path, kind="binary data"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise TranscriptError(problem("E010", path=path)) from exc
        if not _looks_like_text(text):
            raise TranscriptError(problem("E004", path=path, kind="binary data"))
        warnings.warn(TranscriptWarning(problem("E011", path=path)), stacklevel=3)
        return text
    # In UTF-8 a control character is its own byte and no other character uses that byte: a
    # file without those bytes (nearly every one) has no control characters to count.
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) and not _looks_like_text(text):
        raise TranscriptError(problem("E004", path=path, kind="binary data"))
    return text


# Control characters other than \t \n \f \r (a regex: this runs on every file the coder reads).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])


def _looks_like_text(text: str) -> bool:
    sample = text[:8192]
    controls = len(_CONTROLS.findall(sample))
    return controls <= max(2, len(sample) // 100)


def _normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # (a test is cheaper than two copies of every file)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --------------------------------------------------------------------------------------------
# front matter

_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Return (front matter, body) for text that may start with a ``---`` block."""
    if not (text.startswith("---\n") or text.rstrip("\n") == "---"):
        return {}, text
    close = _FENCE.search(text, 4)
    if close is None:
        raise TranscriptError(problem("E007", path=path, line=1))
    raw = text[4 : close.start()]
    try:
        # LibYAML's C loader when present: the pure-Python one costs as much as tokenizing.
        meta = yaml.load(raw, Loader=_YAML_LOADER) if raw.strip() else {}
    except yaml.YAMLError as exc:
        line, reason = error_place(exc)
        # The YAML text starts after the opening fence, on the file's second line.
        raise TranscriptError(problem("E005", path=path, line=line + 1 if line else 1, error=reason)) from exc
    if not isinstance(meta, dict):
        raise TranscriptError(problem("E006", path=path, line=2, found=type(meta).__name__))
    body_start = close.end() + 1 if close.end() < len(text) else close.end()
    return {str(k): _plain(v) for k, v in meta.items()}, text[body_start:]


def _plain(value: Any) -> Any:
    """YAML dates become ISO strings so metadata round-trips and sorts deterministically."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return FrozenMap({str(k): _plain(v) for k, v in value.items()})
    return value


# --------------------------------------------------------------------------------------------
# turns from blocks

# A leading timestamp: [00:12:34], [12:34], (12:34), [00:12:34.5]
_TIMESTAMP = r"(?:\[(?P<ts1>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]|\((?P<ts2>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\))"
# A speaker label: 1-5 words, the first capitalised (or a code such as R1, Q, I), then a colon.
_LABEL_WORDS = r"(?:[A-Z][\w'’.&/-]*|[A-Z]\d+)(?:[ \t]+(?:[A-Z][\w'’.&/-]*|of|the|and|for|to|&|\d+)){0,4}"
_TURN_HEAD = re.compile(
    rf"^[ \t]*(?:{_TIMESTAMP}[ \t]*)?"
    rf"(?:(?:\*\*(?P<l1>{_LABEL_WORDS})[ \t]*:\*\*|\*\*(?P<l2>{_LABEL_WORDS})\*\*[ \t]*:|(?P<l3>{_LABEL_WORDS})[ \t]*:)(?=\s|$)[ \t]*)?"
)
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(?P<title>.*?)[ \t#]*$")


@dataclass
class _Block:
    kind: str  # "heading" or "para"
    start: int
    end: int


def _text_blocks(body: str) -> list[_Block]:
    """Split a text body into heading lines and blank-line separated paragraphs."""
    blocks: list[_Block] = []
    para_start: int | None = None
    para_end = 0
    pos = 0
    for line in body.splitlines(keepends=True):
        content = line.rstrip("\n")
        line_end = pos + len(content)
        if not content.strip():
            if para_start is not None:
                blocks.append(_Block("para", para_start, para_end))
                para_start = None
        elif "#" in content[:4] and _HEADING.match(content):  # (a heading has "#" within 4)
            if para_start is not None:
                blocks.append(_Block("para", para_start, para_end))
                para_start = None
            blocks.append(_Block("heading", pos, line_end))
        else:
            # A line that opens with a speaker label starts a new turn even without a blank
            # line before it, as in transcripts that put one speaker per line.
            if para_start is not None and _starts_with_label(content):
                blocks.append(_Block("para", para_start, para_end))
                para_start = None
            if para_start is None:
                para_start = pos
            para_end = line_end
        pos += len(line)
    if para_start is not None:
        blocks.append(_Block("para", para_start, para_end))
    return blocks


def _starts_with_label(line: str) -> bool:
    head = _TURN_HEAD.match(line)
    return bool(head and (head.group("l1") or head.group("l2") or head.group("l3")))


def _heading_title(line: str) -> str:
    m = _HEADING.match(line)
    title = m.group("title") if m else line
    return title.strip().strip("*_").strip()


# The same head without the ``^``: matched at a block's start inside the whole text
# (``pattern.match(text, pos, endpos)``), so no block is copied just to find its label.
_TURN_HEAD_AT = re.compile(_TURN_HEAD.pattern[1:])
_new_object = object.__new__
_set_attr = object.__setattr__


def _make_turn(index: int, speaker: str, section: str, start: int, end: int, text: str,
               interviewer: bool, metadata: Mapping[str, str]) -> Turn:
    """A :class:`Turn` equal to ``Turn(index, ...)``, built at a third of the cost.

    The frozen dataclass's ``__init__`` sets each of the eight fields through
    ``object.__setattr__``; a transcript has dozens of turns and the coder reads every file,
    so the reader sets the instance dictionary once instead (same fields, same order: equal,
    same ``repr``, same pickle).
    """
    turn = _new_object(Turn)
    _set_attr(turn, "__dict__", {
        "index": index, "speaker": speaker, "section": section, "start": start, "end": end,
        "text": text, "interviewer": interviewer, "metadata": metadata,
    })
    return turn


def _turns_from_blocks(text: str, blocks: Iterable[_Block], *, headings_are_marked: bool = True) -> tuple[Turn, ...]:
    turns: list[Turn] = []
    section = ""
    speaker = ""
    interviewer = False
    head_at = _TURN_HEAD_AT.match
    for block in blocks:
        if block.kind == "heading":
            raw = text[block.start : block.end]
            section = _heading_title(raw) if headings_are_marked else raw.strip()
            continue
        start = block.start
        end = block.end
        head = head_at(text, start, end)
        meta: dict[str, str] = {}
        if head and head.end() > start:
            ts1, ts2, l1, l2, l3 = head.groups()
            label = l1 or l2 or l3
            ts = ts1 or ts2
            if ts:
                meta["timestamp"] = ts
            if label:
                speaker = label.strip()
                interviewer = speaker.lower() in INTERVIEWER_LABELS
            if label or ts:
                start = head.end()
        # Trim white space inside the block so the turn text starts and ends on a character
        # (``str.strip`` and ``str.isspace`` agree on what white space is).
        body = text[start:end]
        trimmed = body.strip()
        if not trimmed:
            continue  # a label on its own line: it sets the speaker for what follows
        if len(trimmed) != len(body):
            start += len(body) - len(body.lstrip())
            end = start + len(trimmed)
        turns.append(_make_turn(len(turns), speaker, section, start, end, trimmed, interviewer, FrozenMap(meta)))
    return tuple(turns)


# --------------------------------------------------------------------------------------------
# formats


def _read_text_file(path: Path) -> tuple[str, dict[str, Any], tuple[Turn, ...]]:
    text = _normalise(_decode(path.read_bytes(), path))
    meta, body = _split_front_matter(text, path)
    turns = _turns_from_blocks(body, _text_blocks(body))
    return body, meta, turns


def _read_docx(path: Path) -> tuple[str, dict[str, Any], tuple[Turn, ...]]:
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise TranscriptError(problem("E013", path=path, error="python-docx is not installed")) from exc
    try:
        word = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise TranscriptError(problem("E013", path=path, error=str(exc) or type(exc).__name__)) from exc
    parts: list[str] = []
    blocks: list[_Block] = []
    pos = 0
    for para in word.paragraphs:
        content = _normalise(para.text).strip()
        if not content:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        kind = "heading" if style.lower().startswith(("heading", "title")) else "para"
        if parts:
            parts.append("\n\n")
            pos += 2
        blocks.append(_Block(kind, pos, pos + len(content)))
        parts.append(content)
        pos += len(content)
    text = "".join(parts)
    props = word.core_properties
    meta = {k: v for k, v in (("title", props.title), ("author", props.author)) if v}
    return text, meta, _turns_from_blocks(text, blocks, headings_are_marked=False)


_VTT_TIME = re.compile(
    r"^(?P<start>(?:\d+:)?\d{2}:\d{2}[.,]\d{3})[ \t]+-->[ \t]+(?P<end>(?:\d+:)?\d{2}:\d{2}[.,]\d{3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+(?P<name>[^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d{2}:[\d:.]+>")


def _unescape(text: str) -> str:
    """Decode HTML character references and turn no-break spaces into spaces."""
    return html.unescape(text).replace("\u00a0", " ").strip()


def _read_vtt(path: Path) -> tuple[str, dict[str, Any], tuple[Turn, ...]]:
    raw = _normalise(_decode(path.read_bytes(), path))
    lines = raw.split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TranscriptError(problem("E014", path=path, line=1, error="the first line must be 'WEBVTT'"))
    cues: list[tuple[str, str, str, str]] = []  # (speaker, text, start, end)
    i = 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith(("NOTE", "STYLE", "REGION")):
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        timing = _VTT_TIME.match(line)
        if timing is None and i + 1 < len(lines):
            timing = _VTT_TIME.match(lines[i + 1])  # the line was a cue identifier
            i += 1
        if timing is None:
            raise TranscriptError(problem("E014", path=path, line=i + 1, error=f"expected a cue timing line, found {line!r}"))
        i += 1
        payload: list[str] = []
        while i < len(lines) and lines[i].strip():
            payload.append(lines[i])
            i += 1
        text = " ".join(p.strip() for p in payload)
        voice = _VOICE.search(text)
        # Character references (&amp; &lt; &nbsp; &apos; ...) are decoded after the tags are
        # removed, as the WebVTT cue-text parser does, so "&lt;v" in speech stays text.
        speaker = _unescape(voice.group("name")) if voice else ""
        text = " ".join(_unescape(_TAG.sub("", text)).split())
        if not voice:
            head = _TURN_HEAD.match(text)
            if head and (head.group("l3") or head.group("l1") or head.group("l2")):
                speaker = (head.group("l1") or head.group("l2") or head.group("l3")).strip()
                text = text[head.end():].strip()
        if text:
            cues.append((speaker, text, timing.group("start"), timing.group("end")))
    # Merge consecutive cues of one speaker; write "Speaker: text" paragraphs.
    merged: list[list[Any]] = []
    for speaker, text, start, end in cues:
        if merged and merged[-1][0] == speaker:
            merged[-1][1].append(text)
            merged[-1][3] = end
            merged[-1][4] += 1
        else:
            merged.append([speaker, [text], start, end, 1])
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for speaker, texts, start, end, count in merged:
        if parts:
            parts.append("\n\n")
            pos += 2
        label = f"{speaker}: " if speaker else ""
        body = " ".join(texts)
        parts.append(label + body)
        turn_start = pos + len(label)
        pos += len(label) + len(body)
        turns.append(
            Turn(len(turns), speaker, "", turn_start, pos, body, speaker.lower() in INTERVIEWER_LABELS,
                 FrozenMap({"cue_start": start, "cue_end": end, "cues": str(count)}))
        )
    text = "".join(parts)
    return text, {}, tuple(turns)


_READERS = {".txt": _read_text_file, ".md": _read_text_file, ".docx": _read_docx, ".vtt": _read_vtt}


# --------------------------------------------------------------------------------------------
# cases


def load_cases(path: str | Path) -> dict[str, dict[str, str]]:
    """Read a ``cases.csv`` mapping transcript files to cases and case attributes.

    The file needs a ``file`` column (a file name or document id) and a ``case`` column; every
    other column is a case attribute (as NVivo's case classifications).

    Returns
    -------
    dict
        ``{document id: {"case": ..., attribute: value, ...}}``.

    Raises
    ------
    TranscriptError
        E012 naming the line, for a missing column, an empty case or a repeated file.
    """
    p = Path(path)
    try:
        text = _normalise(_decode(p.read_bytes(), p))
    except FileNotFoundError as exc:
        raise TranscriptError(problem("E001", path=p)) from exc
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    missing = [c for c in ("file", "case") if c not in fields]
    if missing:
        raise TranscriptError(problem("E012", path=p, line=1, error=f"missing column(s) {', '.join(missing)}; found {', '.join(fields) or 'none'}"))
    out: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        doc_id = Path(row["file"]).stem if row["file"] else ""
        if not doc_id or not row["case"]:
            problems.append(problem("E012", path=p, line=lineno, error="'file' and 'case' must not be empty"))
            continue
        if doc_id in out:
            problems.append(problem("E012", path=p, line=lineno, error=f"'{row['file']}' is listed twice"))
            continue
        out[doc_id] = {k: v for k, v in row.items() if k != "file"}
    if problems:
        raise TranscriptError(problems)
    return out


# --------------------------------------------------------------------------------------------
# public readers


def read_document(
    path: str | Path,
    *,
    case_key: str = DEFAULT_CASE_KEY,
    cases: Mapping[str, Mapping[str, str]] | None = None,
    interviewers: Iterable[str] = (),
) -> Document:
    """Read one transcript file into a :class:`Document`.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``, ``.docx`` or ``.vtt`` file.
    case_key : str, default DEFAULT_CASE_KEY
        The front-matter key that names the document's case.
    cases : mapping, optional
        Rows of a ``cases.csv`` (see :func:`load_cases`), used when the front matter has no
        case; their other columns become case attributes in ``metadata``.
    interviewers : iterable of str, optional
        Speaker names that are the interviewer in every document of the study (a Zoom or
        Teams transcript names the interviewer, ``<v Ruth Adeyemi>``). A document also declares
        its own with front matter ``interviewer: Name`` (or a list) or an ``interviewer``
        column of ``cases.csv`` (names separated by ``;``). Turns of these speakers, and of the
        labels in :data:`INTERVIEWER_LABELS`, have ``interviewer=True``; names compare
        case-insensitively.

    Returns
    -------
    Document

    Raises
    ------
    TranscriptError
        With a problem naming the file (and line): missing (E001), empty (E003), binary
        (E004), bad front matter (E005-E007), no case (E008), unsupported type (E009),
        undecodable (E010), broken .docx (E013) or .vtt (E014).

    Examples
    --------
    >>> doc = read_document("data/interviews/oldham.md")  # doctest: +SKIP
    >>> doc.case, doc.turns[1].speaker                       # doctest: +SKIP
    ('oldham', 'Interviewer')
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _READERS:
        raise TranscriptError(problem("E009", path=p, suffix=suffix or "(none)", suffixes=", ".join(SUFFIXES)))
    if not p.is_file():
        raise TranscriptError(problem("E001", path=p))
    text, meta, turns = _READERS[suffix](p)
    if not turns:
        raise TranscriptError(problem("E016", path=p))
    row = dict((cases or {}).get(p.stem, {}))
    case = meta.get(case_key)
    listed = row.get("case", "")
    if case is not None and str(case).strip() and listed and str(case).strip() != listed:
        # Two declarations that disagree: choosing one silently would file the document under
        # a case the analyst may not have meant.
        raise TranscriptError(problem("E019", path=p, field=case_key, front=str(case).strip(), listed=listed))
    if case is None or str(case).strip() == "":
        case = row.get("case")
    if case is None or str(case).strip() == "":
        raise TranscriptError(problem("E008", path=p, field=case_key, case_key=case_key))
    declared = _declared_interviewers(p, meta, row, interviewers)
    if declared:
        turns = tuple(replace(t, interviewer=True) if t.speaker.casefold() in declared else t for t in turns)
    attributes = {k: v for k, v in row.items() if k not in ("case", "interviewer")}
    metadata = {**attributes, **meta}
    return Document(
        id=p.stem,
        path=str(p),
        text=text,
        case=str(case).strip(),
        metadata=FrozenMap(metadata),
        turns=turns,
    )


def _declared_interviewers(path: Path, meta: Mapping[str, Any], row: Mapping[str, str],
                           given: Iterable[str]) -> frozenset[str]:
    """Interviewer names for one document: the study's, its front matter's, its cases.csv row's."""
    names = [str(n) for n in given]
    value = meta.get("interviewer")
    if isinstance(value, str):
        names.append(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        names.extend(value)
    elif value is not None:
        raise TranscriptError(problem("E018", path=path, field="interviewer", found=repr(value)))
    names.extend(row.get("interviewer", "").split(";"))
    return frozenset(n.strip().casefold() for n in names if n.strip())


def document_from_text(
    id: str,
    text: str,
    *,
    case: str,
    metadata: Mapping[str, Any] | None = None,
    path: str = "",
) -> Document:
    """Build a :class:`Document` from text already in memory (e.g. a REFI-QDA source).

    The text is normalised as the reader normalises files (BOM removed, CRLF/CR to LF) and its
    turns found by the text-file rules (headings, paragraphs, speaker labels). No front matter
    is looked for: ``metadata`` and ``case`` are given.

    Raises
    ------
    TranscriptError
        E016 if the text has no turns.
    """
    text = _normalise(text)
    turns = _turns_from_blocks(text, _text_blocks(text))
    if not turns:
        raise TranscriptError(problem("E016", path=path or id))
    return Document(id=id, path=path, text=text, case=case, metadata=FrozenMap(dict(metadata or {})), turns=turns)


def find_transcripts(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of transcript files they hold.

    Folders are searched recursively for :data:`SUFFIXES`; hidden files and folders are
    skipped. Raises :class:`TranscriptError` for a missing path (E001) or a folder with no
    transcripts (E002).
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside = []
            for f in sorted(p.rglob("*")):
                if not f.is_file() or f.suffix.lower() not in SUFFIXES:
                    continue
                if any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue  # hidden files and folders (.git, editors' backups) are not data
                if f.name.startswith(LOCK_PREFIX):
                    warnings.warn(TranscriptWarning(problem("E017", path=f)), stacklevel=2)
                    continue
                inside.append(f)
            if not inside:
                problems.append(problem("E002", path=p, suffixes=", ".join(SUFFIXES)))
            found.extend(inside)
        elif p.is_file():
            found.append(p)
        else:
            problems.append(problem("E001", path=p))
    if problems:
        raise TranscriptError(problems)
    return sorted(dict.fromkeys(found), key=lambda f: (f.stem, str(f)))


def warn_unmatched_cases(cache: Mapping[Path, Mapping[str, Any]], ids: Iterable[str]) -> None:
    """Warn (E020) for every ``cases.csv`` row that names no document read from its folder."""
    found = set(ids)
    for folder, rows in sorted(cache.items()):
        for doc_id in sorted(set(rows) - found):
            warnings.warn(TranscriptWarning(problem("E020", path=Path(folder) / CASES_FILE, field="file", id=doc_id)),
                          stacklevel=3)


def _cases_for(path: Path, cache: dict[Path, dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    folder = path.parent
    if folder not in cache:
        cases_file = folder / CASES_FILE
        cache[folder] = load_cases(cases_file) if cases_file.is_file() else {}
    return cache[folder]


def iter_corpus(paths: Iterable[str | Path], *, case_key: str = DEFAULT_CASE_KEY,
                interviewers: Iterable[str] = ()) -> Iterator[Document]:
    """Stream the documents of files and folders, one at a time, in document-id order.

    A ``cases.csv`` in a transcript's folder supplies cases and case attributes. The first
    unreadable file raises :class:`TranscriptError`; use :func:`read_corpus` to collect every
    problem at once.
    """
    cache: dict[Path, dict[str, dict[str, str]]] = {}
    seen: dict[str, str] = {}
    for f in find_transcripts(paths):
        doc = read_document(f, case_key=case_key, cases=_cases_for(f, cache), interviewers=interviewers)
        if doc.id in seen:
            raise TranscriptError(problem("E015", path=f, id=doc.id, other=seen[doc.id]))
        seen[doc.id] = str(f)
        yield doc
    warn_unmatched_cases(cache, seen)


def read_corpus(paths: Iterable[str | Path] | str | Path, *, case_key: str = DEFAULT_CASE_KEY,
                interviewers: Iterable[str] = ()) -> list[Document]:
    """Read every transcript in files and folders, reporting every problem at once.

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and folders (searched recursively).
    case_key : str, default DEFAULT_CASE_KEY
        The front-matter key naming each document's case.
    interviewers : iterable of str, optional
        The study's interviewer names (see :func:`read_document`).

    Returns
    -------
    list of Document
        Sorted by document id.

    Raises
    ------
    TranscriptError
        Whose ``problems`` list every unreadable file, each with its path and line.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    docs: list[Document] = []
    problems: list[Problem] = []
    cache: dict[Path, dict[str, dict[str, str]]] = {}
    seen: dict[str, str] = {}
    for f in find_transcripts(paths):
        try:
            doc = read_document(f, case_key=case_key, cases=_cases_for(f, cache), interviewers=interviewers)
        except TranscriptError as exc:
            problems.extend(exc.problems)
            continue
        if doc.id in seen:
            problems.append(problem("E015", path=f, id=doc.id, other=seen[doc.id]))
            continue
        seen[doc.id] = str(f)
        docs.append(doc)
    if problems:
        raise TranscriptError(problems)
    warn_unmatched_cases(cache, seen)
    return sorted(docs, key=lambda d: d.id)


def write_transcripts(
    documents: Iterable[Document],
    folder: str | Path,
    *,
    case_key: str = DEFAULT_CASE_KEY,
) -> Path:
    """Write documents as ``.txt`` transcripts that :func:`read_corpus` reads back.

    Each file is ``<id>.txt``: front matter holding the case under ``case_key`` and the
    document's scalar metadata, then the text. The folder is written beside its destination
    and renamed into place when complete.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "texts"
    >>> doc = document_from_text("a", "Lead: We listened.\\n", case="Nørre")
    >>> [d.case for d in read_corpus(write_transcripts([doc], out, case_key="site"), case_key="site")]
    ['Nørre']
    """
    with atomic_dir(folder) as tmp:
        for doc in documents:
            scalars = {k: v for k, v in doc.metadata.items() if isinstance(v, (str, int, float, bool))}
            header = yaml.safe_dump({case_key: doc.case, **scalars}, allow_unicode=True, sort_keys=True)
            (Path(tmp) / f"{doc.id}.txt").write_bytes(f"---\n{header}---\n{doc.text}".encode())
    return Path(folder)
