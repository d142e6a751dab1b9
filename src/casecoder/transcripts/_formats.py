"""Readers per format: .docx (python-docx) and WebVTT; text files are read by
:mod:`casecoder.transcripts._text`."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from ..errors import TranscriptError, problem
from ..positions import FrozenMap
from ._model import INTERVIEWER_LABELS, Turn
from ._text import _TURN_HEAD, _Block, _decode, _normalise, _turns_from_blocks

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
