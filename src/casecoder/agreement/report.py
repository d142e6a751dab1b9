"""Disagreements: every unit on which the analysts differ on a code, as a table and Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .units import Ratings

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook

__all__ = ["DECISIONS", "disagreements", "disagreements_markdown"]

#: How the disagreements table writes a decision (1, 0, missing).
DECISIONS: tuple[str, str, str] = ("coded", "not coded", "not reviewed")


def disagreements(ratings: Ratings, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every unit on which the analysts differ on a code: the agenda for the team's discussion.

    Unit of analysis: a unit of ``ratings`` and a code, where at least one analyst coded the
    unit and at least one reviewed it and did not.

    Parameters
    ----------
    ratings : Ratings
    codebook : Codebook, optional
        Adds each code's label.

    Returns
    -------
    DataFrame
        Columns ``code``, ``label``, ``document``, ``case``, ``section``, ``turn``,
        ``speaker``, ``start``, ``end``, ``text``, then one column per analyst holding
        ``coded``, ``not coded`` or ``not reviewed`` (:data:`DECISIONS`), then ``notes``
        (each analyst's note on that unit and code, ``analyst: note`` joined by `` | ``).
        Sorted by code (in the ratings' order), document and start.
    """
    x = ratings.values
    ones = (x == 1.0).any(axis=1)
    zeros = (x == 0.0).any(axis=1)
    u_idx, c_idx = np.nonzero(ones & zeros)
    order = np.lexsort((u_idx, c_idx))
    u_idx, c_idx = u_idx[order], c_idx[order]
    units = ratings.units
    out = pd.DataFrame({
        "code": [ratings.codes[c] for c in c_idx],
        "label": [_label(codebook, ratings.codes[c]) for c in c_idx],
    })
    for col in ("document", "case", "section", "turn", "speaker", "start", "end", "text"):
        out[col] = units[col].to_numpy()[u_idx] if len(u_idx) else pd.Series([], dtype=units[col].dtype)
    if ratings.unit == "case":
        out["document"] = units["documents"].to_numpy()[u_idx] if len(u_idx) else []
    for a, analyst in enumerate(ratings.analysts):
        v = x[u_idx, a, c_idx]
        out[analyst] = np.where(v == 1.0, DECISIONS[0], np.where(v == 0.0, DECISIONS[1], DECISIONS[2]))
    notes: dict[tuple[int, str], list[str]] = {}
    for row in ratings.notes.itertuples(index=False):
        notes.setdefault((int(row.unit), str(row.code)), []).append(f"{row.analyst}: {row.note}")
    out["notes"] = [" | ".join(notes.get((int(u), ratings.codes[c]), [])) for u, c in zip(u_idx, c_idx)]
    return out.reset_index(drop=True)


def _label(codebook: Codebook | None, code: str) -> str:
    if codebook is None:
        return ""
    try:
        return str(codebook[code].label)
    except (KeyError, IndexError):
        return ""


def disagreements_markdown(table: pd.DataFrame, analysts: Sequence[str], statistics: pd.DataFrame | None = None) -> str:
    """Render a :func:`disagreements` table as Markdown, one section per code.

    With ``statistics`` (:func:`agreement_statistics`), the agenda opens with a table of every
    code's units, coded units, disagreements and alpha, and each section says how many units
    its disagreements are out of.
    """
    lines = ["# Disagreements", "", f"{len(table)} unit(s) on which the analysts differ, by code.", ""]
    counts: dict[str, Any] = {}
    if statistics is not None:
        rows = statistics[statistics["scope"].isin(["code", "pooled"])]
        lines += ["| code | units | coded | disagreements | alpha |", "|---|---:|---:|---:|---:|"]
        for r in rows.itertuples(index=False):
            name = r.code if r.scope == "code" else "all codes (pooled)"
            alpha = "n/a" if r.alpha != r.alpha else f"{r.alpha:.3f}"
            lines.append(f"| {_md(str(name))} | {r.units:,} | {r.coded_units:,} | {r.disagreements:,} | {alpha} |")
            counts[str(r.code)] = r
        lines.append("")
    for code, group in table.groupby("code", sort=False):
        label = group["label"].iloc[0]
        r = counts.get(str(code))
        out_of = f" of {r.units:,} units, {r.coded_units:,} coded" if r is not None else ""
        lines += [f"## {code}" + (f": {label}" if label else "") + f" ({len(group)} disagreement(s){out_of})", ""]
        header = ["document", "speaker", "text", *analysts, "notes"]
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in group.itertuples(index=False):
            d = row._asdict()
            cells = [d["document"], d["speaker"], d["text"], *(getattr(row, _field(group, a)) for a in analysts), d["notes"]]
            lines.append("| " + " | ".join(_md(str(c)) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _field(frame: pd.DataFrame, column: str) -> str:
    # itertuples renames columns that are not identifiers (e.g. "demo-analyst-b") to _<pos>.
    pos = list(frame.columns).index(column)
    return column if column.isidentifier() and not column.startswith("_") else f"_{pos}"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
