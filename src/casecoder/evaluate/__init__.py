"""Codings against a gold coding: precision, recall, F1 and Cohen's kappa per code.

A gold coding is a table with one row per (turn, code) and the words that carry the code::

    document,turn,code,quote,reason
    oldham,7,bold_leadership,Leadership must be a collective endeavour.,"collective leadership"

``quote`` is an exact substring of the turn's text (white space may differ). Both sides are
compared unit by unit at one of three levels:

============  ======================================================================
level         a gold unit is ...                      a coding counts for ...
============  ======================================================================
``sentence``  each sentence overlapping the quote      each sentence its span overlaps
``turn``      the turn                                 its turn
``case``      the document's case                      its case
============  ======================================================================

The units of a level are all the sentences (turns, cases) of the documents given, so every unit
neither side codes is a true negative, and Cohen's kappa is computed over all of them. Only
rows with status ``coded`` count (excluded matches and removed codings do not).

For each code, with TP, FP, FN and TN counted over units:

- precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2TP / (2TP + FP + FN); a 0/0
  precision or recall is 0 when the code has gold units or predictions (scikit-learn's
  ``zero_division=0``), and undefined (NaN) for a code neither side uses at this level;
- Cohen's kappa = (p_o - p_e) / (1 - p_e) over the 2x2 table (Cohen, 1960), NaN when p_e = 1.

The micro average pools the 2x2 tables of all codes; the macro average is the mean over codes
of each figure, leaving out undefined ones. :func:`read_devset` turns the development set of
``data/devset/`` (sentences of the report, each coded) into documents and gold, so the same
function scores it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import EvaluationError, Problem, problem
from ..io import atomic_write_text
from ..agreement.units import span_units, units_table
from ..schema import csv_safe_frame, validate_codings
from ..transcripts import Document
from .gold import (DEVSET_COLUMNS, GOLD_COLUMNS, HALVES, UNIT_COLUMNS, UNIT_GOLD_COLUMNS, _by_id, locate_gold,
                   read_devset, read_gold, read_set, read_unit_gold, read_units, source_half, source_key)

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook

__all__ = [
    "DEVSET_COLUMNS",
    "GOLD_COLUMNS",
    "HALVES",
    "LEVELS",
    "UNIT_COLUMNS",
    "UNIT_GOLD_COLUMNS",
    "EvaluationResult",
    "evaluate",
    "locate_gold",
    "read_devset",
    "read_gold",
    "read_set",
    "read_unit_gold",
    "read_units",
    "scores_from_counts",
    "source_half",
    "source_key",
]

LEVELS: tuple[str, ...] = ("sentence", "turn", "case")
SCORE_COLUMNS: tuple[str, ...] = (
    "code", "gold", "predicted", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "kappa",
)
ERROR_COLUMNS: tuple[str, ...] = (
    "kind", "code", "document", "case", "turn", "segment", "text", "quote", "reason", "rule",
)


# --------------------------------------------------------------------------------------------
# statistics


def scores_from_counts(tp: int, fp: int, fn: int, tn: int) -> dict[str, float]:
    """Precision, recall, F1 and Cohen's kappa of one 2x2 table.

    Parameters
    ----------
    tp, fp, fn, tn : int
        Units both code / only the codings code / only the gold codes / neither codes.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``kappa`` (floats, NaN where undefined; see the
        module docstring).

    Examples
    --------
    The worked example of Wikipedia's "Cohen's kappa" article (50 proposals, two readers:
    20 both yes, 15 both no, 5 and 10 split) has kappa 0.4:

    >>> round(scores_from_counts(20, 5, 10, 15)["kappa"], 6)
    0.4
    """
    n = tp + fp + fn + tn
    used = tp + fp + fn > 0
    precision = tp / (tp + fp) if tp + fp else (0.0 if used else math.nan)
    recall = tp / (tp + fn) if tp + fn else (0.0 if used else math.nan)
    f1 = 2 * tp / (2 * tp + fp + fn) if used else math.nan
    kappa = math.nan
    if n:
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        if pe < 1:
            kappa = (po - pe) / (1 - pe)
    return {"precision": precision, "recall": recall, "f1": f1, "kappa": kappa}


# --------------------------------------------------------------------------------------------
# units


def _unit_sets(table: pd.DataFrame, units: pd.DataFrame, level: str) -> tuple[np.ndarray, np.ndarray]:
    """(unit number, row position) for every row of ``table`` and unit of ``level`` its span
    overlaps (:func:`casecoder.agreement.units.span_units`; an empty span counts for the unit it
    sits in, as :func:`casecoder.segments.overlapping` has it)."""
    return span_units(table[["document", "start", "end"]].reset_index(drop=True), units, level, empty_counts=True)


# --------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class EvaluationResult:
    """The comparison of codings with a gold coding at one level.

    Attributes
    ----------
    level : str
        ``sentence``, ``turn`` or ``case``.
    units : int
        How many units of that level the documents have (the N of every 2x2 table).
    scores : DataFrame
        One row per code (codebook or sorted order), then ``micro`` and ``macro``; columns
        ``code, gold, predicted, tp, fp, fn, tn, precision, recall, f1, kappa`` (``gold`` and
        ``predicted`` count units; the counts of ``macro`` are sums).
    errors : DataFrame
        Every miss (a gold unit the codings lack) and false alarm (a coded unit the gold
        lacks), sorted: columns ``kind`` (``miss`` / ``false_alarm``), ``code``, ``document``,
        ``case``, ``turn``, ``segment``, ``text`` (the unit's text), ``quote`` and ``reason``
        (the gold's, for a miss), ``rule`` (what fired, for a false alarm).
    """

    level: str
    units: int
    scores: pd.DataFrame
    errors: pd.DataFrame

    @property
    def micro(self) -> dict[str, float]:
        """Micro-averaged precision, recall, F1 and kappa."""
        row = self.scores[self.scores["code"] == "micro"].iloc[0]
        return {k: float(row[k]) for k in ("precision", "recall", "f1", "kappa")}

    @property
    def macro(self) -> dict[str, float]:
        """Macro-averaged precision, recall, F1 and kappa."""
        row = self.scores[self.scores["code"] == "macro"].iloc[0]
        return {k: float(row[k]) for k in ("precision", "recall", "f1", "kappa")}

    def table(self) -> str:
        """The scores as a fixed-width text table (what the command line prints)."""
        df = self.scores
        width = max(len("code"), *(len(c) for c in df["code"]))
        head = f"{'code':<{width}}  {'gold':>5} {'pred':>5} {'tp':>5} {'fp':>5} {'fn':>5}  {'P':>5} {'R':>5} {'F1':>5} {'kappa':>6}"
        lines = [f"level: {self.level} ({self.units} units)", head, "-" * len(head)]
        for rec in df.to_dict("records"):
            if rec["code"] == "micro":
                lines.append("-" * len(head))
            lines.append(
                f"{rec['code']:<{width}}  {rec['gold']:>5} {rec['predicted']:>5} {rec['tp']:>5} {rec['fp']:>5} "
                f"{rec['fn']:>5}  {_f(rec['precision']):>5} {_f(rec['recall']):>5} {_f(rec['f1']):>5} {_f(rec['kappa']):>6}"
            )
        n_miss = int((self.errors["kind"] == "miss").sum())
        n_fa = int((self.errors["kind"] == "false_alarm").sum())
        lines.append(f"{n_miss} misses, {n_fa} false alarms")
        return "\n".join(lines)

    def to_markdown(self, *, max_errors: int | None = None) -> str:
        """The scores and the misses and false alarms as Markdown tables."""
        cols = ["code", "gold", "predicted", "tp", "fp", "fn", "precision", "recall", "f1", "kappa"]
        out = [f"## Level: {self.level} ({self.units} units)", "",
               "| " + " | ".join(cols) + " |", "|" + "|".join("---" if c == "code" else "---:" for c in cols) + "|"]
        for rec in self.scores.to_dict("records"):
            cells = [f"**{rec['code']}**" if rec["code"] in ("micro", "macro") else rec["code"]]
            cells += [str(rec[c]) for c in ("gold", "predicted", "tp", "fp", "fn")]
            cells += [_f(rec[c]) for c in ("precision", "recall", "f1", "kappa")]
            out.append("| " + " | ".join(cells) + " |")
        for kind, title in (("miss", "Misses"), ("false_alarm", "False alarms")):
            rows = self.errors[self.errors["kind"] == kind]
            out += ["", f"### {title} ({len(rows)})", ""]
            if rows.empty:
                out.append("None.")
                continue
            out += ["| code | where | text | " + ("gold quote" if kind == "miss" else "rule") + " |",
                    "|---|---|---|---|"]
            shown = rows if max_errors is None else rows.head(max_errors)
            for rec in shown.to_dict("records"):
                where = rec["case"] if self.level == "case" else f"{rec['document']} t{rec['turn']}"
                extra = rec["quote"] if kind == "miss" else rec["rule"]
                out.append(f"| {rec['code']} | {where} | {_md(rec['text'])} | {_md(extra)} |")
            if max_errors is not None and len(rows) > max_errors:
                out.append(f"| … | | {len(rows) - max_errors} more | |")
        return "\n".join(out) + "\n"

    def write(self, out_dir: str | os.PathLike[str], *, prefix: str = "") -> list[Path]:
        """Write ``scores_<level>.csv``, ``errors_<level>.csv`` and ``evaluation_<level>.md``.

        Files are written atomically; floats are rounded to 6 places so reruns are
        byte-identical.
        """
        d = Path(out_dir)
        paths = []
        for name, df in (("scores", self.scores), ("errors", self.errors)):
            p = d / f"{prefix}{name}_{self.level}.csv"
            atomic_write_text(p, csv_safe_frame(df).to_csv(index=False, lineterminator="\n", float_format="%.6f"))
            paths.append(p)
        p = d / f"{prefix}evaluation_{self.level}.md"
        atomic_write_text(p, self.to_markdown())
        paths.append(p)
        return paths


def _f(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _md(text: Any) -> str:
    s = " ".join(str(text).split()).replace("|", "\\|")
    return s if len(s) <= 160 else s[:159] + "…"


def evaluate(
    codings: pd.DataFrame,
    gold: pd.DataFrame,
    documents: Iterable[Document] | Mapping[str, Document],
    *,
    level: str = "sentence",
    codes: Sequence[str] | None = None,
) -> EvaluationResult:
    """Compare codings with a gold coding, code by code, over all units of one level.

    Parameters
    ----------
    codings : DataFrame
        A codings table (:mod:`casecoder.schema`); only rows with status ``coded`` count,
        whatever their source.
    gold : DataFrame
        Gold rows as :func:`read_gold` or :func:`read_devset` return them
        (``document, turn, code, quote, reason``).
    documents : iterable of Document, or mapping of id to Document
        The transcripts both sides refer to; their units are the universe of the comparison.
    level : {"sentence", "turn", "case"}, default "sentence"
    codes : sequence of str, optional
        The codes to score, in this order (e.g. ``codebook.ids``); other codes in either table
        are an error. Default: every code either side uses, sorted.

    Returns
    -------
    EvaluationResult
        Per-code and averaged scores, and every miss and false alarm with its text.

    Raises
    ------
    EvaluationError
        An unknown level (E458); gold rows that do not fit the documents (see
        :func:`locate_gold`); codings naming a document not given (E459) or a code not in
        ``codes`` (E457).

    Examples
    --------
    >>> docs, gold = read_devset("data/devset/report_sentences.csv")       # doctest: +SKIP
    >>> res = evaluate(code_documents(docs, book), gold, docs, level="turn")  # doctest: +SKIP
    >>> res.micro["f1"]                                                     # doctest: +SKIP
    """
    if level not in LEVELS:
        raise EvaluationError(problem("E458", field="level", level=level, choices=", ".join(LEVELS)))
    docs = _by_id(documents)
    located = locate_gold(gold, docs, codes=codes)
    coded = _coded_rows(codings, docs, codes)

    # Every sentence and turn is a unit here, the interviewer's too: the gold may code them.
    units = units_table(docs.values(), level, include_interviewer=True)
    gold_sets: dict[str, set[int]] = {}
    gold_why: dict[tuple[str, int], tuple[str, str]] = {}
    gold_recs = located.to_dict("records")
    for u, r in zip(*_unit_sets(located, units, level)):
        rec = gold_recs[r]
        gold_sets.setdefault(rec["code"], set()).add(int(u))
        gold_why.setdefault((rec["code"], int(u)), (str(rec["quote"]), str(rec["reason"])))
    pred_sets: dict[str, set[int]] = {}
    pred_rule: dict[tuple[str, int], list[str]] = {}
    pred_recs = coded[["code", "rule"]].to_dict("records")
    for u, r in zip(*_unit_sets(coded, units, level)):
        code, rule = pred_recs[r]["code"], pred_recs[r]["rule"]
        pred_sets.setdefault(code, set()).add(int(u))
        rules = pred_rule.setdefault((code, int(u)), [])
        if rule and rule not in rules:
            rules.append(rule)
    code_list = list(codes) if codes is not None else sorted(set(gold_sets) | set(pred_sets))
    scores = _scores(code_list, gold_sets, pred_sets, len(units))
    err = _errors(code_list, gold_sets, pred_sets, gold_why, pred_rule, units)
    return EvaluationResult(level=level, units=len(units), scores=scores, errors=err)


def _coded_rows(codings: pd.DataFrame, docs: Mapping[str, Document], codes: Sequence[str] | None) -> pd.DataFrame:
    """The rows with status ``coded``, index reset; E459 for a document not given, E457 for a
    code not in ``codes``."""
    coded = validate_codings(codings)
    coded = coded[coded["status"] == "coded"]
    problems: list[Problem] = []
    for doc_id, n in coded["document"].value_counts().sort_index().items():
        if doc_id not in docs:
            problems.append(problem("E459", field="document", document=doc_id, count=int(n), total=len(docs)))
    if codes is not None:
        for code, n in coded["code"].value_counts().sort_index().items():
            if code not in codes:
                problems.append(problem("E457", field="code", code_id=code, known=", ".join(codes)))
    if problems:
        raise EvaluationError(problems)
    return coded.reset_index(drop=True)


def _scores(code_list: Sequence[str], gold_sets: Mapping[str, set[int]], pred_sets: Mapping[str, set[int]],
            n: int) -> pd.DataFrame:
    """Per code, then micro and macro: the 2x2 counts over ``n`` units and the scores."""
    rows = []
    for code in code_list:
        g, p = gold_sets.get(code, set()), pred_sets.get(code, set())
        tp, fp, fn = len(g & p), len(p - g), len(g - p)
        rows.append({"code": code, "gold": len(g), "predicted": len(p), "tp": tp, "fp": fp, "fn": fn,
                     "tn": n - tp - fp - fn, **scores_from_counts(tp, fp, fn, n - tp - fp - fn)})
    per_code = pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
    sums = {c: int(per_code[c].sum()) if len(per_code) else 0 for c in ("gold", "predicted", "tp", "fp", "fn", "tn")}
    micro = {"code": "micro", **sums, **scores_from_counts(sums["tp"], sums["fp"], sums["fn"], sums["tn"])}
    macro = {"code": "macro", **sums}
    for k in ("precision", "recall", "f1", "kappa"):
        vals = [v for v in per_code[k].tolist() if not math.isnan(v)] if len(per_code) else []
        macro[k] = sum(vals) / len(vals) if vals else math.nan
    return pd.concat([per_code, pd.DataFrame([micro, macro], columns=list(SCORE_COLUMNS))], ignore_index=True)


def _errors(code_list: Sequence[str], gold_sets: Mapping[str, set[int]], pred_sets: Mapping[str, set[int]],
            gold_why: Mapping[tuple[str, int], tuple[str, str]], pred_rule: Mapping[tuple[str, int], list[str]],
            units: pd.DataFrame) -> pd.DataFrame:
    """Every miss and false alarm, with the unit's place and text, sorted."""
    info = units[["document", "case", "turn", "segment", "text"]].to_dict("records")
    errors = []
    for code in code_list:
        g, p = gold_sets.get(code, set()), pred_sets.get(code, set())
        for u in sorted(g - p):
            quote, reason = gold_why[(code, u)]
            errors.append({"kind": "miss", "code": code, **info[u], "quote": quote, "reason": reason, "rule": ""})
        for u in sorted(p - g):
            errors.append({"kind": "false_alarm", "code": code, **info[u], "quote": "", "reason": "",
                           "rule": "; ".join(pred_rule.get((code, u), []))})
    err = pd.DataFrame(errors, columns=list(ERROR_COLUMNS))
    if not err.empty:
        err = err.sort_values(["kind", "code", "document", "case", "turn", "segment"], kind="mergesort").reset_index(drop=True)
    return err
