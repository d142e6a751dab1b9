"""Evidence for each rule of a codebook: what it codes, right and wrong, against an analyst's coding.

Every phrase, mention and token pattern of every code is a *rule*; the coder codes a sentence
with a code when one of the code's rules matches it and survives the precision rules
(``docs/CODER.md``). A coding row names only the first rule that fired, so here the coder runs
with ``every_rule=True`` (:func:`casecoder.coder.code_documents`), which gives each rule that
fired its own row. Both sides are then mapped onto units exactly as :func:`casecoder.evaluate.
evaluate` maps them (:func:`casecoder.agreement.units.units_table` with the interviewer's units,
:func:`casecoder.agreement.units.span_units` with ``empty_counts=True``), so a code's figures
here are the evaluation's figures for the same inputs.

Per rule, counted in units of the level:

- ``hits``: units the rule coded (a match that survived negation, other senses and the other
  precision rules); ``tp`` of them the analyst coded with the rule's code, ``fp`` not;
  ``precision`` = tp / hits (empty when the rule never fires);
- ``unique_tp`` / ``unique_fp``: the true / false positives no other rule of the same code
  coded: what the coding gains / loses if this rule alone is removed from the codebook;
- ``excluded``: units where the rule matched but every match was set aside (negated, another
  sense, a question...), and no match of it was coded.

Per code, the *misses*: units the analyst coded and no rule of the code coded.

:func:`codebook_diff` runs the coder with two codebooks on the same documents and lists every
coding one makes and the other does not, with the rule that made it and, given the analysts'
coding, the precision, recall and F1 of both (the same units again).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .agreement.units import span_units, units_table
from .codebook import Codebook
from .coder import Coder, Progress, code_documents, compile_codebook
from .errors import EvaluationError, problem
from .evaluate import LEVELS, scores_from_counts
from .io import atomic_write_text
from .schema import csv_safe_frame, validate_codings
from .transcripts import Document

__all__ = [
    "CHANGE_COLUMNS",
    "CODE_COLUMNS",
    "MISS_COLUMNS",
    "RULE_COLUMNS",
    "SORTS",
    "CodebookDiff",
    "RuleEvidence",
    "codebook_diff",
    "rule_evidence",
    "rule_table",
]

#: How many example sentences each kind of evidence shows at most.
EXAMPLES = 3
RULE_COLUMNS: tuple[str, ...] = (
    "code", "rule", "kind", "hits", "tp", "fp", "precision", "unique_tp", "unique_fp", "excluded",
    *(f"tp_example_{i}" for i in range(1, EXAMPLES + 1)), *(f"fp_example_{i}" for i in range(1, EXAMPLES + 1)),
)
MISS_COLUMNS: tuple[str, ...] = ("code", "document", "case", "turn", "segment", "unit_text", "gold_text")
CODE_COLUMNS: tuple[str, ...] = ("code", "rules", "silent", "gold", "coded", "tp", "fp", "misses",
                                 "precision", "recall", "f1")
#: Orders of the rules table: harm (false positives first), value (unique true positives
#: first), codebook (as written).
SORTS: tuple[str, ...] = ("harm", "value", "codebook")


def rule_table(coder: Coder) -> pd.DataFrame:
    """Every coding rule of a compiled codebook, in codebook order.

    Parameters
    ----------
    coder : Coder
        From :func:`casecoder.coder.compile_codebook`.

    Returns
    -------
    DataFrame
        Columns ``code``, ``rule`` (``phrase:<text>`` or ``pattern:<name>``, as the codings'
        ``rule`` column names it), ``kind`` (``phrase``, ``mention`` or ``pattern``), ``order``
        (position in the codebook). Exclusions are not coding rules and are left out.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> book = pathlib.Path(tempfile.mkdtemp()) / "codebook.yaml"
    >>> _ = book.write_text("codes:\\n  - id: risk\\n    label: Risk\\n    phrases: [appetite for risk]\\n"
    ...                     "    mentions: [risk register]\\n", encoding="utf-8")
    >>> rule_table(compile_codebook(book))[["code", "rule", "kind"]].values.tolist()
    [['risk', 'phrase:appetite for risk', 'phrase'], ['risk', 'phrase:risk register', 'mention']]
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in coder.rules:
        if r.exclusion or (r.code, r.label) in rows:
            continue
        kind = "pattern" if r.label.startswith("pattern:") else ("mention" if r.mention else "phrase")
        rows[(r.code, r.label)] = {"code": r.code, "rule": r.label, "kind": kind, "order": len(rows)}
    return pd.DataFrame(list(rows.values()), columns=["code", "rule", "kind", "order"])


@dataclass(frozen=True)
class RuleEvidence:
    """The evidence for each rule of a codebook at one level.

    Attributes
    ----------
    level : str
        ``sentence``, ``turn`` or ``case``: the unit counted.
    units : int
        How many units the documents have.
    rules : DataFrame
        One row per rule, in codebook order: :data:`RULE_COLUMNS` (examples are
        ``document: sentence``, ``""`` when there are fewer). A rule that never fires has
        ``hits`` 0 and an empty (NaN) precision.
    codes : DataFrame
        One row per code, in codebook order: :data:`CODE_COLUMNS` (``rules`` the code's rules,
        ``silent`` how many never fire, ``coded`` the units the rules coded, ``misses`` the units
        the analyst coded that no rule caught: the words of the page; ``gold``, ``tp``, ``fp`` and
        the scores as :func:`casecoder.evaluate.evaluate`, whose ``predicted`` and ``fn`` they are).
    misses : DataFrame
        Every unit the analyst coded that no rule of the code coded: :data:`MISS_COLUMNS`
        (``gold_text`` the analyst's coded words), sorted by code (codebook order) and place.
    """

    level: str
    units: int
    rules: pd.DataFrame
    codes: pd.DataFrame
    misses: pd.DataFrame

    def sorted_rules(self, sort: str = "harm") -> pd.DataFrame:
        """The rules table in one of :data:`SORTS` (ties in codebook order).

        Raises
        ------
        EvaluationError
            E471 for an unknown order.
        """
        _check_sort(sort)
        df = self.rules
        if sort == "harm":
            keys, asc = ["fp", "unique_fp", "precision"], [False, False, True]
        elif sort == "value":
            keys, asc = ["unique_tp", "tp", "precision"], [False, False, False]
        else:
            return df.reset_index(drop=True)
        # mergesort is stable: equal keys keep the codebook order.
        return df.sort_values(keys, ascending=asc, kind="mergesort", na_position="last").reset_index(drop=True)

    def to_markdown(self, *, sort: str = "harm") -> str:
        """A page a researcher reads: per code, the rules (sorted), their examples, the misses."""
        return _markdown(self, self.sorted_rules(sort), sort)

    def write(self, out_dir: str | os.PathLike[str], *, sort: str = "harm") -> list[Path]:
        """Write ``rules.csv``, ``misses.csv``, ``codes.csv`` and ``rules.md`` into ``out_dir``.

        Atomic, spreadsheet-safe CSV (a cell a spreadsheet would run is quoted, as in every CSV
        casecoder writes); floats to 6 places, so reruns are byte-identical.

        Returns
        -------
        list of Path
        """
        d = Path(out_dir)
        paths = []
        for name, df in (("rules", self.sorted_rules(sort)), ("codes", self.codes), ("misses", self.misses)):
            p = d / f"{name}.csv"
            atomic_write_text(p, csv_safe_frame(df).to_csv(index=False, lineterminator="\n", float_format="%.6f"))
            paths.append(p)
        p = d / "rules.md"
        atomic_write_text(p, self.to_markdown(sort=sort))
        paths.append(p)
        return paths


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise EvaluationError(problem("E471", field="sort", sort=sort, choices=", ".join(SORTS)))


def _as_coder(codebook: Coder | Codebook | str | os.PathLike[str]) -> Coder:
    return codebook if isinstance(codebook, Coder) else compile_codebook(codebook)


def rule_evidence(
    documents: Iterable[Document],
    codebook: Coder | Codebook | str | os.PathLike[str],
    gold: pd.DataFrame,
    *,
    level: str = "sentence",
    jobs: int = 1,
    progress: Progress | None = None,
) -> RuleEvidence:
    """Evidence for every rule of a codebook on documents, against an analyst's coding.

    Parameters
    ----------
    documents : iterable of Document
        The transcripts (or units) both sides refer to; their units are the universe.
    codebook : Coder, Codebook or path
        The rules to judge; the coder runs with them (``every_rule=True``).
    gold : DataFrame
        The analyst's coding as a codings table (columns ``document, start, end, code``, and
        ``status``: only ``coded`` rows count), e.g. the ``codings`` of
        :func:`casecoder.sources.load_codings` for a gold CSV, an analyst coding, a reviewed
        coding or a codings table.
    level : {"sentence", "turn", "case"}, default "sentence"
        The unit counted, as in :func:`casecoder.evaluate.evaluate`.
    jobs : int, default 1
        Worker processes for the coder.
    progress : callable, optional
        ``progress(done, total)`` as :func:`casecoder.coder.code_documents` calls it.

    Returns
    -------
    RuleEvidence

    Raises
    ------
    EvaluationError
        E458 an unknown level; E459 a gold row naming a document not given; E457 a gold code
        the codebook does not have.

    Examples
    --------
    Two rules of one code over three sentences the analyst coded two of:

    >>> import pathlib, tempfile
    >>> from casecoder.transcripts import document_from_text
    >>> from casecoder.segments import sentences
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "codebook.yaml").write_text(
    ...     "codes:\\n  - id: pace\\n    label: Pace\\n    phrases: [quickly, at pace, slowly]\\n", encoding="utf-8")
    >>> doc = document_from_text("d1", "Manager: We moved quickly. We moved at pace, quickly. We ate quickly.",
    ...                          case="c1")
    >>> s = sentences(doc)
    >>> gold = pd.DataFrame({"document": "d1", "start": [s[0].start, s[1].start], "end": [s[0].end, s[1].end],
    ...                      "code": "pace", "status": "coded"})
    >>> ev = rule_evidence([doc], d / "codebook.yaml", gold)
    >>> ev.rules[["rule", "hits", "tp", "fp", "unique_tp"]].values.tolist()
    [['phrase:quickly', 3, 2, 1, 1], ['phrase:at pace', 1, 1, 0, 0], ['phrase:slowly', 0, 0, 0, 0]]
    >>> round(float(ev.rules["precision"][0]), 3)
    0.667
    """
    if level not in LEVELS:
        raise EvaluationError(problem("E458", field="level", level=level, choices=", ".join(LEVELS)))
    coder = _as_coder(codebook)
    docs = {d.id: d for d in documents}
    gold_rows = _gold_rows(gold, docs, coder.codes)
    rows = code_documents(docs.values(), coder, jobs=jobs, every_rule=True, progress=progress)
    units = units_table(docs.values(), level, include_interviewer=True)
    gold_units = _units_by(gold_rows, units, level, ["code"])
    coded = rows[rows["status"] == "coded"].reset_index(drop=True)
    hit = _units_by(coded, units, level, ["code", "rule"])
    set_aside = _units_by(rows[rows["status"] != "coded"].reset_index(drop=True), units, level, ["code", "rule"])
    texts = _example_texts(coded)
    by_code = _rules_per_unit(hit)
    rules = pd.DataFrame([_rule_row(r, hit, by_code, gold_units, set_aside, texts)
                          for r in rule_table(coder).to_dict("records")], columns=list(RULE_COLUMNS))
    coded_by_code = {code: set(by_code.get(code, {})) for code in coder.codes}
    codes = _code_scores(coder.codes, rules, gold_units, coded_by_code)
    misses = _misses(coder.codes, gold_units, coded_by_code, units, gold_rows)
    return RuleEvidence(level=level, units=len(units), rules=rules, codes=codes, misses=misses)


def _rules_per_unit(hit: Mapping[tuple[str, str], Mapping[int, Any]]) -> dict[str, dict[int, int]]:
    """How many rules of each code coded each unit: a unit coded by one rule only is its unique hit."""
    by_code: dict[str, dict[int, int]] = {}
    for (code, _), mine in hit.items():
        counts = by_code.setdefault(code, {})
        for u in mine:
            counts[u] = counts.get(u, 0) + 1
    return by_code


def _rule_row(r: dict[str, Any], hit: Mapping[Any, Any], by_code: Mapping[str, Mapping[int, int]],
              gold_units: Mapping[Any, Any], set_aside: Mapping[Any, Any], texts: Sequence[str]) -> dict[str, Any]:
    """One rule's evidence: its hits, true and false positives (and those no other rule of its
    code made), precision, matches set aside, and examples."""
    code, label = r["code"], r["rule"]
    mine = hit.get((code, label), {})
    others = {u for u, n in by_code.get(code, {}).items() if n > 1 or u not in mine}
    g = gold_units.get((code,), {})
    tp = sorted(u for u in mine if u in g)
    fp = sorted(u for u in mine if u not in g)
    row = {**r, "hits": len(mine), "tp": len(tp), "fp": len(fp),
           "precision": len(tp) / len(mine) if mine else math.nan,
           "unique_tp": sum(u not in others for u in tp), "unique_fp": sum(u not in others for u in fp),
           "excluded": len(set(set_aside.get((code, label), {})) - set(mine))}
    row.update(_examples("tp", [texts[mine[u]] for u in tp]))
    row.update(_examples("fp", [texts[mine[u]] for u in fp]))
    return row


def _gold_rows(gold: pd.DataFrame, docs: Mapping[str, Document], codes: Sequence[str]) -> pd.DataFrame:
    """The gold's coded rows, index reset; every document and code checked (E459, E457)."""
    table = gold if {"status", "rule", "source"} <= set(gold.columns) else _as_codings(gold, docs)
    table = validate_codings(table)
    table = table[table["status"] == "coded"].reset_index(drop=True)
    problems = [problem("E459", field="document", document=d, count=int(n), total=len(docs))
                for d, n in table["document"].value_counts().sort_index().items() if d not in docs]
    problems += [problem("E457", field="code", code_id=c, known=", ".join(codes))
                 for c in sorted(set(table["code"]) - set(codes))]
    if problems:
        raise EvaluationError(problems)
    return table


def _as_codings(gold: pd.DataFrame, docs: Mapping[str, Document]) -> pd.DataFrame:
    """A bare table of spans (document, start, end, code) completed into a codings table."""
    df = gold.copy()
    for col, value in (("status", "coded"), ("rule", "gold"), ("source", "manual"), ("analyst", "gold")):
        if col not in df.columns:
            df[col] = value
    if "text" not in df.columns:
        df["text"] = [docs[d].text[a:b] if d in docs else "" for d, a, b in zip(df["document"], df["start"], df["end"])]
    if "case" not in df.columns:
        df["case"] = [docs[d].case if d in docs else "" for d in df["document"]]
    return df


def _units_by(table: pd.DataFrame, units: pd.DataFrame, level: str, keys: list[str]) -> dict[tuple[str, ...], dict[int, int]]:
    """``{key: {unit: first row}}``: the units each group of rows counts for, with the first row
    (in table order) that put it there."""
    out: dict[tuple[str, ...], dict[int, int]] = {}
    if table.empty:
        return out
    u, r = span_units(table[["document", "start", "end"]], units, level, empty_counts=True)
    order = np.lexsort((u, r))
    vals = table[keys].to_numpy(dtype=object)
    for i in order:
        slot = out.setdefault(tuple(vals[r[i]]), {})
        slot.setdefault(int(u[i]), int(r[i]))
    return out


def _example_texts(rows: pd.DataFrame) -> list[str]:
    return [f"{d}: {' '.join(str(t).split())}" for d, t in zip(rows["document"], rows["text"])]


def _examples(kind: str, texts: Sequence[str]) -> dict[str, str]:
    shown = list(dict.fromkeys(texts))[:EXAMPLES]
    return {f"{kind}_example_{i}": shown[i - 1] if i <= len(shown) else "" for i in range(1, EXAMPLES + 1)}


def _code_scores(codes: Sequence[str], rules: pd.DataFrame, gold_units: Mapping[tuple[str, ...], Mapping[int, int]],
                 coded: Mapping[str, set[int]]) -> pd.DataFrame:
    out = []
    for code in codes:
        g, p = set(gold_units.get((code,), {})), coded.get(code, set())
        mine = rules[rules["code"] == code]
        tp, fp, fn = len(g & p), len(p - g), len(g - p)
        s = scores_from_counts(tp, fp, fn, 0)
        out.append({"code": code, "rules": len(mine), "silent": int((mine["hits"] == 0).sum()), "gold": len(g),
                    "coded": len(p), "tp": tp, "fp": fp, "misses": fn,
                    "precision": s["precision"], "recall": s["recall"], "f1": s["f1"]})
    return pd.DataFrame(out, columns=list(CODE_COLUMNS))


def _misses(codes: Sequence[str], gold_units: Mapping[tuple[str, ...], Mapping[int, int]], coded: Mapping[str, set[int]],
            units: pd.DataFrame, gold_rows: pd.DataFrame) -> pd.DataFrame:
    info = units[["document", "case", "turn", "segment", "text"]].to_dict("records")
    gold_text = gold_rows["text"].tolist()
    out = []
    for code in codes:
        g = gold_units.get((code,), {})
        for u in sorted(set(g) - coded.get(code, set())):
            rec = info[u]
            out.append({"code": code, "document": rec["document"], "case": rec["case"], "turn": rec["turn"],
                        "segment": rec["segment"], "unit_text": " ".join(str(rec["text"]).split()),
                        "gold_text": " ".join(str(gold_text[g[u]]).split())})
    return pd.DataFrame(out, columns=list(MISS_COLUMNS))


# --------------------------------------------------------------------------------------------
# the page


def _f(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _md(text: Any, n: int = 200) -> str:
    s = " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return s if len(s) <= n else s[: n - 1] + "…"


def _markdown(ev: RuleEvidence, ordered: pd.DataFrame, sort: str) -> str:
    silent = ordered[ordered["hits"] == 0]
    fired = ordered[ordered["hits"] > 0]
    how = {"harm": "most false positives first", "value": "most unique true positives first",
           "codebook": "in codebook order"}[sort]
    out = [f"# Evidence for each rule ({ev.level} level, {ev.units} units)", "",
           f"{len(ev.rules)} rules, {len(fired)} of them fire, {len(silent)} never do; "
           f"{len(ev.misses)} coded unit(s) no rule caught.", "",
           "A *hit* is a unit the rule coded; TP the analyst coded too, FP not; *unique* TP/FP no other rule "
           "of the code coded (what removing the rule alone would lose or save).", "",
           "## Codes", "", "| code | rules | silent | gold | coded | TP | FP | misses | P | R | F1 |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in ev.codes.to_dict("records"):
        out.append(f"| {c['code']} | {c['rules']} | {c['silent']} | {c['gold']} | {c['coded']} | {c['tp']} | "
                   f"{c['fp']} | {c['misses']} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} |")
    out += ["", f"## Rules that fire ({how})", "",
            "| code | rule | hits | TP | FP | precision | unique TP | unique FP | excluded |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in fired.to_dict("records"):
        out.append(f"| {r['code']} | `{_md(r['rule'])}` | {r['hits']} | {r['tp']} | {r['fp']} | {_f(r['precision'])} | "
                   f"{r['unique_tp']} | {r['unique_fp']} | {r['excluded']} |")
    out += ["", f"## Rules that never fire ({len(silent)})", ""]
    out += [f"- {r['code']}: `{_md(r['rule'])}`" + (f" (matched, always set aside: {r['excluded']})" if r["excluded"] else "")
            for r in silent.to_dict("records")] or ["None."]
    out += ["", "## Examples", ""]
    for r in fired.to_dict("records"):
        out.append(f"### {r['code']}: `{_md(r['rule'])}`")
        out.append("")
        for kind, name in (("tp", "true positives"), ("fp", "false positives")):
            shown = [r[f"{kind}_example_{i}"] for i in range(1, EXAMPLES + 1) if r[f"{kind}_example_{i}"]]
            if shown:
                out.append(f"{name} ({r[kind]}):")
                out += [f"- {_md(t)}" for t in shown]
        out.append("")
    out += ["## Misses (coded units no rule caught)", ""]
    if ev.misses.empty:
        out.append("None.")
    for code, group in ev.misses.groupby("code", sort=False):
        out.append(f"### {code} ({len(group)})")
        out.append("")
        out += [f"- {rec['document']}: {_md(rec['gold_text'])}" for rec in group.head(EXAMPLES).to_dict("records")]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------
# what a codebook change does to the coding

#: Columns of :attr:`CodebookDiff.changes`.
CHANGE_COLUMNS: tuple[str, ...] = ("change", "code", "document", "case", "turn", "segment", "start", "end", "text",
                                   "rule", "reason", "in_gold")
_KEY = ["document", "segment", "code"]


@dataclass(frozen=True)
class CodebookDiff:
    """The codings one codebook makes and another does not, on the same documents.

    Attributes
    ----------
    level : str
        The unit the gold is compared on (``sentence``, ``turn``, ``case``).
    changes : DataFrame
        One row per coding gained (made by the new codebook only) or lost (by the old only):
        :data:`CHANGE_COLUMNS`, sorted by change, code (codebook order), document and place.
        ``rule`` made the coding (the new codebook's for a gain, the old's for a loss);
        ``reason`` is the other codebook's reason when it matched there but set the match aside
        (``negated``, ``other_sense:<name>``...), else ``""``; ``in_gold`` whether the analysts
        coded the coding's unit with its code (``""`` without a gold coding).
    codes : DataFrame
        Per code (the new codebook's order, then codes only the old one has), then ``all``:
        ``code, old, new, gained, lost`` (codings); with a gold coding also, per codebook
        (``_old``, ``_new``) and their difference (``_change``), ``tp fp fn precision recall
        f1``, counted in units as :func:`casecoder.evaluate.evaluate` counts them, and the rows
        ``micro`` (pooled counts) and ``macro`` (mean over codes) instead of ``all``.
    cases : DataFrame
        Per case: ``case, gained, lost``.
    """

    level: str
    changes: pd.DataFrame
    codes: pd.DataFrame
    cases: pd.DataFrame

    def to_markdown(self) -> str:
        """The diff as a page for a codebook's review: the counts, the scores, every change."""
        return _diff_markdown(self)

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write ``changes.csv``, ``codes.csv``, ``cases.csv`` and ``diff.md`` into ``out_dir``
        (atomic, spreadsheet-safe, byte-identical on rerun).

        Returns
        -------
        list of Path
        """
        d = Path(out_dir)
        paths = []
        for name, df in (("changes", self.changes), ("codes", self.codes), ("cases", self.cases)):
            p = d / f"{name}.csv"
            atomic_write_text(p, csv_safe_frame(df).to_csv(index=False, lineterminator="\n", float_format="%.6f"))
            paths.append(p)
        p = d / "diff.md"
        atomic_write_text(p, self.to_markdown())
        paths.append(p)
        return paths


def codebook_diff(
    documents: Iterable[Document],
    old: Coder | Codebook | str | os.PathLike[str],
    new: Coder | Codebook | str | os.PathLike[str],
    *,
    gold: pd.DataFrame | None = None,
    level: str = "sentence",
    jobs: int = 1,
    progress: Progress | None = None,
) -> CodebookDiff:
    """What changing a codebook from ``old`` to ``new`` does to the coding of ``documents``.

    Parameters
    ----------
    documents : iterable of Document
    old, new : Coder, Codebook or path
        The two codebooks; the coder runs with each (default settings, no overrides).
    gold : DataFrame, optional
        The analysts' coding as a codings table (see :func:`rule_evidence`); gives each change
        ``in_gold`` and the precision, recall and F1 of both codebooks per code, micro and macro.
    level : {"sentence", "turn", "case"}, default "sentence"
        The unit the gold is compared on.
    jobs : int, default 1
    progress : callable, optional
        ``progress(done, total)`` for each of the coder's two runs (see :func:`rule_evidence`).

    Returns
    -------
    CodebookDiff

    Raises
    ------
    EvaluationError
        E458 an unknown level; E459, E457 a gold row naming a document not given or a code
        neither codebook has.

    Examples
    --------
    A codebook gains the phrase "at pace":

    >>> import pathlib, tempfile
    >>> from casecoder.transcripts import document_from_text
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> head = "codes:\\n  - id: pace\\n    label: Pace\\n    phrases: "
    >>> _ = (d / "old.yaml").write_text(head + "[quickly]\\n", encoding="utf-8")
    >>> _ = (d / "new.yaml").write_text(head + "[quickly, at pace]\\n", encoding="utf-8")
    >>> doc = document_from_text("d1", "Manager: We moved quickly. We moved at pace.", case="c1")
    >>> diff = codebook_diff([doc], d / "old.yaml", d / "new.yaml")
    >>> diff.changes[["change", "code", "text", "rule"]].values.tolist()
    [['gained', 'pace', 'We moved at pace.', 'phrase:at pace']]
    """
    if level not in LEVELS:
        raise EvaluationError(problem("E458", field="level", level=level, choices=", ".join(LEVELS)))
    coders = (_as_coder(old), _as_coder(new))
    docs = {d.id: d for d in documents}
    codes = list(dict.fromkeys([*coders[1].codes, *coders[0].codes]))
    gold_rows = _gold_rows(gold, docs, codes) if gold is not None else None
    tables = [code_documents(docs.values(), c, jobs=jobs, progress=progress) for c in coders]
    units = units_table(docs.values(), level, include_interviewer=True)
    gold_units = _units_by(gold_rows, units, level, ["code"]) if gold_rows is not None else None
    changes = _changes(tables[0], tables[1], codes, units, level, gold_units)
    coded = [t[t["status"] == "coded"].reset_index(drop=True) for t in tables]
    per_code = _diff_codes(codes, coded, changes, units, level, gold_units)
    cases = (changes.groupby("case")["change"].value_counts().unstack(fill_value=0)
             .reindex(columns=["gained", "lost"], fill_value=0).reset_index())
    cases.columns.name = None
    return CodebookDiff(level=level, changes=changes, codes=per_code,
                        cases=cases[["case", "gained", "lost"]].astype({"gained": int, "lost": int}))


def _changes(old: pd.DataFrame, new: pd.DataFrame, codes: Sequence[str], units: pd.DataFrame, level: str,
             gold_units: Mapping[tuple[str, ...], Mapping[int, int]] | None) -> pd.DataFrame:
    """Every coding one table has coded and the other not, with the other side's reason."""
    coded = [t[t["status"] == "coded"] for t in (old, new)]
    reasons = [dict(zip(map(tuple, t.loc[t["status"] != "coded", _KEY].to_numpy(dtype=object).tolist()),
                        t.loc[t["status"] != "coded", "reason"])) for t in (old, new)]
    keys = [set(map(tuple, t[_KEY].to_numpy(dtype=object).tolist())) for t in coded]
    parts = []
    for change, mine, other, other_reasons in (("gained", 1, 0, reasons[0]), ("lost", 0, 1, reasons[1])):
        t = coded[mine]
        rows = t[[k not in keys[other] for k in map(tuple, t[_KEY].to_numpy(dtype=object).tolist())]].copy()
        rows["change"] = change
        rows["reason"] = [other_reasons.get(k, "") for k in map(tuple, rows[_KEY].to_numpy(dtype=object).tolist())]
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    out["in_gold"] = ""
    if gold_units is not None and len(out):
        u, r = span_units(out[["document", "start", "end"]], units, level, empty_counts=True)
        hit = {(int(ri), out["code"].iat[int(ri)]) for ui, ri in zip(u, r)
               if int(ui) in gold_units.get((out["code"].iat[int(ri)],), {})}
        out["in_gold"] = ["yes" if (i, c) in hit else "no" for i, c in enumerate(out["code"])]
    order = {c: i for i, c in enumerate(codes)}
    out["_code"] = out["code"].map(order)
    out = out.sort_values(["change", "_code", "document", "start", "end"], kind="mergesort")
    out["text"] = [" ".join(str(t).split()) for t in out["text"]]
    return out[list(CHANGE_COLUMNS)].reset_index(drop=True)


def _diff_codes(codes: Sequence[str], coded: Sequence[pd.DataFrame], changes: pd.DataFrame, units: pd.DataFrame,
                level: str, gold_units: Mapping[tuple[str, ...], Mapping[int, int]] | None) -> pd.DataFrame:
    """Per code: codings before, after, gained, lost; with gold, the scores before and after."""
    counts = [t["code"].value_counts() for t in coded]
    moved = changes.groupby(["code", "change"]).size()
    rows = [{"code": c, "old": int(counts[0].get(c, 0)), "new": int(counts[1].get(c, 0)),
             "gained": int(moved.get((c, "gained"), 0)), "lost": int(moved.get((c, "lost"), 0))} for c in codes]
    if gold_units is None:
        total = {"code": "all", **{k: sum(r[k] for r in rows) for k in ("old", "new", "gained", "lost")}}
        return pd.DataFrame([*rows, total])
    pred = [_units_by(t, units, level, ["code"]) for t in coded]
    stats = ("tp", "fp", "fn", "precision", "recall", "f1")
    pooled = {side: [0, 0, 0] for side in ("old", "new")}
    for r in rows:
        g = set(gold_units.get((r["code"],), {}))
        for side, p in zip(("old", "new"), pred):
            mine = set(p.get((r["code"],), {}))
            tp, fp, fn = len(g & mine), len(mine - g), len(g - mine)
            pooled[side] = [a + b for a, b in zip(pooled[side], (tp, fp, fn))]
            r.update({f"{k}_{side}": v for k, v in zip(stats, (tp, fp, fn, *_prf(tp, fp, fn)))})
    micro: dict[str, Any] = {"code": "micro", **{k: sum(r[k] for r in rows) for k in ("old", "new", "gained", "lost")}}
    macro: dict[str, Any] = {"code": "macro", **{k: micro[k] for k in ("old", "new", "gained", "lost")}}
    for side in ("old", "new"):
        tp, fp, fn = pooled[side]
        micro.update({f"{k}_{side}": v for k, v in zip(stats, (tp, fp, fn, *_prf(tp, fp, fn)))})
        macro.update({f"{k}_{side}": micro[f"{k}_{side}"] for k in ("tp", "fp", "fn")})
        for k in ("precision", "recall", "f1"):
            vals = [r[f"{k}_{side}"] for r in rows if not math.isnan(r[f"{k}_{side}"])]
            macro[f"{k}_{side}"] = sum(vals) / len(vals) if vals else math.nan
    out = pd.DataFrame([*rows, micro, macro])
    for k in ("precision", "recall", "f1"):
        out[f"{k}_change"] = out[f"{k}_new"] - out[f"{k}_old"]
    cols = ["code", "old", "new", "gained", "lost", *(f"{k}_{s}" for s in ("old", "new") for k in stats),
            *(f"{k}_change" for k in ("precision", "recall", "f1"))]
    return out[cols]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    s = scores_from_counts(tp, fp, fn, 0)
    return s["precision"], s["recall"], s["f1"]


def _signed(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.3f}"


def _diff_markdown(diff: CodebookDiff) -> str:
    gained = int((diff.changes["change"] == "gained").sum())
    lost = len(diff.changes) - gained
    scored = "f1_old" in diff.codes.columns
    out = [f"# Codebook diff ({diff.level} level for the scores)", "",
           f"{gained} coding(s) gained, {lost} lost.", "", "## Codes", ""]
    if scored:
        out += ["| code | codings before | after | gained | lost | P before | P after | R before | R after | "
                "F1 before | F1 after | F1 change |", "|---|" + "---:|" * 11]
        for r in diff.codes.to_dict("records"):
            name = f"**{r['code']}**" if r["code"] in ("micro", "macro") else r["code"]
            out.append(f"| {name} | {r['old']} | {r['new']} | {r['gained']} | {r['lost']} | {_f(r['precision_old'])} | "
                       f"{_f(r['precision_new'])} | {_f(r['recall_old'])} | {_f(r['recall_new'])} | {_f(r['f1_old'])} | "
                       f"{_f(r['f1_new'])} | {_signed(r['f1_change'])} |")
    else:
        out += ["| code | codings before | after | gained | lost |", "|---|---:|---:|---:|---:|"]
        out += [f"| {r['code']} | {r['old']} | {r['new']} | {r['gained']} | {r['lost']} |"
                for r in diff.codes.to_dict("records")]
    out += ["", "## Cases", "", "| case | gained | lost |", "|---|---:|---:|"]
    out += [f"| {_md(r['case'])} | {r['gained']} | {r['lost']} |" for r in diff.cases.to_dict("records")] or ["None."]
    for change in ("gained", "lost"):
        rows = diff.changes[diff.changes["change"] == change]
        out += ["", f"## Codings {change} ({len(rows)})", ""]
        if rows.empty:
            out.append("None.")
            continue
        out += ["| code | document | sentence | rule | " + ("other codebook | analysts |" if scored else "other codebook |"),
                "|---|---|---|---|---|" + ("---|" if scored else "")]
        for r in rows.to_dict("records"):
            cells = [r["code"], _md(r["document"]), _md(r["text"]), f"`{_md(r['rule'])}`", _md(r["reason"])]
            out.append("| " + " | ".join(cells + ([r["in_gold"]] if scored else [])) + " |")
    return "\n".join(out) + "\n"
