"""Shared inputs of the co-occurrence tests and its command's: a codings table built by hand,
the counts expected of it at each unit, and a codebook of its codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casecoder.schema import CODINGS_COLUMNS

CODES = ["pace", "risk", "culture", "unused"]  # "unused" is never coded


def row(document, case, turn, segment, code, *, source="auto", status="coded", start=None, end=None):
    start = segment * 20 if start is None else start
    end = start + 19 if end is None else end
    return {
        "document": document, "case": case, "section": "Actions", "turn": turn, "speaker": "Chief Executive",
        "segment": segment, "start": start, "end": end, "text": f"Ça bouge — vite ({document} {start}) 🚀",
        "code": code, "rule": "phrase:x" if source == "auto" else "override", "source": source,
        "analyst": "casecoder" if source == "auto" else "åsa", "status": status,
        "reason": "" if status == "coded" else "negated", "note": "",
    }


def hand_codings() -> pd.DataFrame:
    """A codings table built by hand, its units and codes listed below."""
    # Units by hand (document, turn, sentence):           codes coded there
    #   Åland: a1 turn 0 sentence 0                        pace, risk
    #          a1 turn 0 sentence 1                        culture
    #          a1 turn 1 sentence 2                        pace (auto and manual), culture; risk excluded
    #          a2 turn 0 sentence 0                        risk
    #   Bø:    b1 turn 0 sentence 0                        pace
    #          b1 turn 0 sentence 1                        risk, culture
    #          b1 turn 0, a manual span (segment -1)       culture
    rows = [
        row("a1", "Åland", 0, 0, "pace"), row("a1", "Åland", 0, 0, "risk"),
        row("a1", "Åland", 0, 1, "culture"),
        row("a1", "Åland", 1, 2, "pace"), row("a1", "Åland", 1, 2, "pace", source="manual"),
        row("a1", "Åland", 1, 2, "culture"), row("a1", "Åland", 1, 2, "risk", status="excluded"),
        row("a2", "Åland", 0, 0, "risk"),
        row("b1", "Bø", 0, 0, "pace"),
        row("b1", "Bø", 0, 1, "risk"), row("b1", "Bø", 0, 1, "culture"),
        row("b1", "Bø", 0, -1, "culture", source="manual", start=45, end=52),
    ]
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


# counts by hand, rows and columns in CODES order
EXPECTED = {
    "sentence": (7, [[3, 1, 1, 0], [1, 3, 1, 0], [1, 1, 4, 0], [0, 0, 0, 0]]),
    "turn": (4, [[3, 2, 3, 0], [2, 3, 2, 0], [3, 2, 3, 0], [0, 0, 0, 0]]),
    "document": (3, [[2, 2, 2, 0], [2, 3, 2, 0], [2, 2, 2, 0], [0, 0, 0, 0]]),
    "case": (2, [[2, 2, 2, 0], [2, 2, 2, 0], [2, 2, 2, 0], [0, 0, 0, 0]]),
}


def write_codebook(folder: Path) -> Path:
    """A codebook of :data:`CODES`, each label with a non-ASCII mark."""
    path = folder / "codebook.yaml"
    path.write_text("codes:\n" + "".join(f"  - id: {c}\n    label: {c.title()} ✓\n" for c in CODES), encoding="utf-8")
    return path
