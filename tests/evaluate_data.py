"""Shared inputs of the evaluation tests and its command's: two documents built by hand (non-ASCII
text, an interviewer's turn), their gold coding, and a codings row on a sentence of one."""

from __future__ import annotations

import pandas as pd

from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn


def make_doc(doc_id: str, case: str, turns: list[tuple[str, str]]) -> Document:
    parts, out, pos = [], [], 0
    for i, (speaker, text) in enumerate(turns):
        out.append(Turn(i, speaker, "Leadership actions", pos, pos + len(text), text, speaker == "Interviewer"))
        parts.append(text)
        pos += len(text) + 2
    return Document(doc_id, f"{doc_id}.md", "\n\n".join(parts), case, {}, tuple(out))


A = make_doc("a", "oldham", [
    ("Interviewer", "Do you take risks — ever?"),
    ("Manager", "We took a leap of faith. We work with partners in new ways."),
    ("Manager", "Culture and leisure were cut. We set up a joint venture with a housing association."),
])
B = make_doc("b", "wigan", [
    ("Manager", "We put our money where our mouth is. It cost £2m 🙂."),
])
DOCS = [A, B]
GOLD = pd.DataFrame([
    # one quote spanning two sentences of turn 1: two gold sentence units
    {"document": "a", "turn": 1, "code": "considered_risk", "quote": "leap of faith. We work", "reason": "leap of faith"},
    {"document": "a", "turn": 2, "code": "partnerships", "quote": "a joint venture", "reason": "joint venture"},
    {"document": "b", "turn": 0, "code": "resource_innovation", "quote": "money where our mouth is", "reason": "money"},
])


def row(doc: Document, seg: int, code: str, status: str = "coded", rule: str = "phrase:x") -> dict:
    s = sentences(doc)[seg]
    return {"document": doc.id, "case": doc.case, "turn": s.turn, "segment": s.index, "start": s.start,
            "end": s.end, "text": s.text, "code": code, "rule": rule, "source": "auto",
            "analyst": "casecoder", "status": status}
