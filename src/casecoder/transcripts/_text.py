"""Text-file rules: decoding bytes, normalising line ends, front matter, and the turns of a
text body (headings, paragraphs, speaker labels, timestamps). The .docx and WebVTT readers
build their turns with the same rules."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .._yaml import error_place
from ..errors import TranscriptError, problem
from ..positions import FrozenMap
from ._model import INTERVIEWER_LABELS, TranscriptWarning, Turn

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
