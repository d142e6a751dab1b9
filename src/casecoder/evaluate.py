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

import csv
import hashlib
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .errors import EvaluationError, Problem, problem
from .io import atomic_write_text
from .agreement.units import span_units, units_table
from .positions import FrozenMap, find_quote, nearest_passages
from .schema import csv_safe_frame, validate_codings
from .segments import sentences
from .transcripts import Document, Turn

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook

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
GOLD_COLUMNS: tuple[str, ...] = ("document", "turn", "code", "quote", "reason")
DEVSET_COLUMNS: tuple[str, ...] = ("id", "section", "text", "codes", "reason")
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "source", "title", "text")
UNIT_GOLD_COLUMNS: tuple[str, ...] = ("unit_id", "codes", "rationale")
# A unit is coded as a one-turn transcript of an interviewee under a heading, as the coder sees
# a transcript (an interviewer's turn would not be coded at all).
UNIT_SPEAKER = "Manager"
UNIT_SECTION = "Leadership actions"
HALVES: tuple[str, ...] = ("A", "B")
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
# gold


def _by_id(documents: Iterable[Document] | Mapping[str, Document]) -> dict[str, Document]:
    if isinstance(documents, Mapping):
        return dict(documents)
    return {d.id: d for d in documents}


def _read_csv_rows(path: Path, required: Sequence[str], err_missing: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV file with the line each starts on; checks the header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(problem("E452", path=path, error=str(exc))) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise EvaluationError(problem(err_missing, path=path, line=1, columns=", ".join(missing),
                                      required=", ".join(required)))
    rows = []
    line = 2
    try:
        for row in reader:
            rows.append((line, {k: (v or "") for k, v in row.items() if k is not None}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise EvaluationError(problem("E452", path=path, line=line, error=str(exc))) from exc
    return rows


def read_gold(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """Read gold codings from CSV files (a file, a folder of ``*.csv``, or several).

    Returns
    -------
    DataFrame
        Columns ``document, turn, code, quote, reason, path, line`` (``turn`` as int), one row
        per gold row, in file order. Pass it to :func:`locate_gold` or :func:`evaluate`.

    Raises
    ------
    EvaluationError
        A missing file (E451), an unreadable one (E452), missing columns (E453), a turn that
        is not a whole number (E460), each with its file and line.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in items:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(p.glob("*.csv")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(problem("E451", path=p))
    if problems:
        raise EvaluationError(problems)
    records = []
    for f in files:
        for line, row in _read_csv_rows(f, GOLD_COLUMNS, "E453"):
            turn = row["turn"].strip()
            if not turn.lstrip("-").isdigit():
                problems.append(problem("E460", path=f, line=line, field="turn", expected="a whole number",
                                        found=repr(row["turn"])))
                continue
            records.append({
                "document": row["document"].strip(), "turn": int(turn), "code": row["code"].strip(),
                "quote": row["quote"], "reason": row["reason"], "path": str(f), "line": line,
            })
    if problems:
        raise EvaluationError(problems)
    return pd.DataFrame(records, columns=[*GOLD_COLUMNS, "path", "line"])


def read_devset(path: str | os.PathLike[str], *, codebook: Codebook | None = None) -> tuple[list[Document], pd.DataFrame]:
    """Turn the development set (``report_sentences.csv``) into documents and a gold coding.

    Each row (``id, section, text, codes, reason``) becomes a one-turn document whose id is the
    row's id, whose text is the sentence and whose case is its section; each of its
    ``;``-separated codes becomes a gold row quoting the whole sentence. A row with no codes
    is a sentence that describes no action: any coding of it is a false alarm.

    Returns
    -------
    (list of Document, DataFrame)
        The documents, sorted by id, and the gold table (as :func:`read_gold` returns).

    Raises
    ------
    EvaluationError
        A missing or unreadable file (E451, E452), missing columns (E453), an empty id or text
        (E460), a duplicate id (E461), an unknown code when ``codebook`` is given (E457).
    """
    p = Path(path)
    if not p.is_file():
        raise EvaluationError(problem("E451", path=p))
    problems: list[Problem] = []
    docs: list[Document] = []
    gold = []
    first: dict[str, int] = {}
    known = set(codebook.ids) if codebook is not None else None
    for line, row in _read_csv_rows(p, DEVSET_COLUMNS, "E453"):
        rid, text, section = row["id"].strip(), row["text"].strip(), row["section"].strip()
        if not rid or not text:
            problems.append(problem("E460", path=p, line=line, field="id" if not rid else "text",
                                    expected="non-empty text", found="nothing"))
            continue
        if rid in first:
            problems.append(problem("E461", path=p, line=line, field="id", id=rid, first_line=first[rid]))
            continue
        first[rid] = line
        turn = Turn(index=0, speaker="", section=section, start=0, end=len(text), text=text)
        docs.append(Document(id=rid, path=str(p), text=text, case=section or "(none)",
                             metadata=FrozenMap({"section": section}), turns=(turn,)))
        for code in (c.strip() for c in row["codes"].split(";")):
            if not code:
                continue
            if known is not None and code not in known:
                problems.append(problem("E457", path=p, line=line, field="codes", code_id=code,
                                        known=", ".join(codebook.ids)))  # type: ignore[union-attr]
                continue
            gold.append({"document": rid, "turn": 0, "code": code, "quote": text, "reason": row["reason"],
                         "path": str(p), "line": line})
    if problems:
        raise EvaluationError(problems)
    docs.sort(key=lambda d: d.id)
    return docs, pd.DataFrame(gold, columns=[*GOLD_COLUMNS, "path", "line"])


def source_key(source: str) -> str:
    """A source address as host and path: scheme, a leading ``www.`` and trailing slashes removed.

    Two addresses of one page (``http``/``https``, with or without ``www.`` or a final ``/``)
    give the same key; the query string and fragment are ignored, the host is lower-cased.

    Examples
    --------
    >>> source_key("https://www.Example.org/a/b/?q=1")
    'example.org/a/b'
    >>> source_key("http://example.org/a/b") == source_key("example.org/a/b/")
    True
    """
    s = source.strip()
    parts = urlsplit(s if "://" in s else "//" + s)
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    return host + parts.path.rstrip("/")


def source_half(source: str) -> str:
    """The half (``"A"`` or ``"B"``) a source belongs to, from a hash of :func:`source_key`.

    The first hex digit of the SHA-256 of the key decides: even gives ``A``, odd ``B``. Every
    unit of a page falls in the same half, so rules written from half A can be measured on
    half B without the same page on both sides; the split is the same on every machine.

    Examples
    --------
    >>> source_half("https://example.org/a") in HALVES
    True
    >>> source_half("https://example.org/a") == source_half("http://www.example.org/a/")
    True
    """
    return "A" if int(hashlib.sha256(source_key(source).encode("utf-8")).hexdigest()[0], 16) % 2 == 0 else "B"


def _unit_documents(p: Path, problems: list[Problem]) -> dict[str, Document]:
    """The units of a units file as one-turn documents, keyed by unit id, in file order."""
    docs: dict[str, Document] = {}
    first: dict[str, int] = {}
    for line, row in _read_csv_rows(p, UNIT_COLUMNS, "E453"):
        uid, text = row["unit_id"].strip(), row["text"].strip()
        if not uid or not text:
            problems.append(problem("E460", path=p, line=line, field="unit_id" if not uid else "text",
                                    expected="non-empty text", found="nothing"))
            continue
        if uid in first:
            problems.append(problem("E461", path=p, line=line, field="unit_id", id=uid, first_line=first[uid]))
            continue
        first[uid] = line
        source = row["source"].strip()
        turn = Turn(index=0, speaker=UNIT_SPEAKER, section=UNIT_SECTION, start=0, end=len(text), text=text)
        meta = {"source": source, "title": row["title"].strip(), "half": source_half(source)}
        docs[uid] = Document(id=uid, path=str(p), text=text, case=source_key(source) or uid,
                             metadata=FrozenMap(meta), turns=(turn,))
    return docs


def read_units(
    units: str | os.PathLike[str],
    gold: str | os.PathLike[str] | None = None,
    *,
    codebook: Codebook | None = None,
    half: str | None = None,
) -> tuple[list[Document], pd.DataFrame]:
    """Read a set of coded units (``units.csv`` and one analyst's ``gold_*.csv``).

    ``units`` has the columns ``unit_id, source, title, text``; ``gold`` has ``unit_id, codes,
    rationale`` (``codes`` separated by ``;``, empty for a unit with no code). Each unit becomes
    a one-turn document (speaker ``Manager``, heading ``Leadership actions``; its case is the
    source's :func:`source_key`, its metadata holds ``source``, ``title`` and ``half``) and each
    of its codes a gold row quoting the whole unit, so :func:`evaluate` at level ``turn`` scores
    unit by unit. A unit the gold does not list has no code.

    Parameters
    ----------
    units, gold : path
        The two files; without ``gold`` the gold table is empty.
    codebook : Codebook, optional
        When given, a code it does not have is an error (E457).
    half : {"A", "B"}, optional
        Keep only the units whose source is in this half (:func:`source_half`).

    Returns
    -------
    (list of Document, DataFrame)
        The documents sorted by id and the gold table (as :func:`read_gold` returns).

    Raises
    ------
    EvaluationError
        Every problem with its file and line: a missing or unreadable file (E451, E452), missing
        columns (E453), an empty id or text (E460), a duplicate id (E461), a gold unit not in the
        units (E462), an unknown code (E457), an unknown half (E463).

    Examples
    --------
    >>> docs, gold = read_units("../shared/devset-real/units.csv",
    ...                         "../shared/devset-real/gold_a.csv", half="A")  # doctest: +SKIP
    >>> res = evaluate(code_documents(docs, book), gold, docs, level="turn")  # doctest: +SKIP
    """
    if half is not None and half not in HALVES:
        raise EvaluationError(problem("E463", field="half", half=half, choices=", ".join(HALVES)))
    paths = [Path(units)] + ([Path(gold)] if gold is not None else [])
    missing = [problem("E451", path=q) for q in paths if not q.is_file()]
    if missing:
        raise EvaluationError(missing)
    problems: list[Problem] = []
    docs = _unit_documents(paths[0], problems)
    rows = _unit_gold_rows(Path(gold), docs, codebook, problems, str(paths[0])) if gold is not None else []
    if problems:
        raise EvaluationError(problems)
    kept = sorted((d for d in docs.values() if half is None or d.metadata["half"] == half), key=lambda d: d.id)
    ids = {d.id for d in kept}
    table = pd.DataFrame([r for r in rows if r["document"] in ids], columns=[*GOLD_COLUMNS, "path", "line"])
    return kept, table


def _unit_gold_rows(g: Path, docs: Mapping[str, Document], codebook: Codebook | None, problems: list[Problem],
                    units: str) -> list[dict[str, Any]]:
    """The gold rows of a units gold file (one per unit and code, quoting the whole unit);
    every bad row is added to ``problems``."""
    known = set(codebook.ids) if codebook is not None else None
    first: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for line, row in _read_csv_rows(g, UNIT_GOLD_COLUMNS, "E453"):
        uid = row["unit_id"].strip()
        if uid in first:
            problems.append(problem("E461", path=g, line=line, field="unit_id", id=uid, first_line=first[uid]))
            continue
        first[uid] = line
        if uid not in docs:
            problems.append(problem("E462", path=g, line=line, field="unit_id", unit=uid, units=units))
            continue
        for code in (c.strip() for c in row["codes"].split(";")):
            if not code:
                continue
            if known is not None and code not in known:
                problems.append(problem("E457", path=g, line=line, field="codes", code_id=code,
                                        known=", ".join(codebook.ids)))  # type: ignore[union-attr]
                continue
            rows.append({"document": uid, "turn": 0, "code": code, "quote": docs[uid].text,
                         "reason": row["rationale"], "path": str(g), "line": line})
    return rows


def read_unit_gold(
    path: str | os.PathLike[str],
    documents: Iterable[Document] | Mapping[str, Document],
    *,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Read one analyst's coding of a units set (``unit_id, codes, rationale``) for units already read.

    The gold half of :func:`read_units`, for units read on their own (as transcripts, by
    :func:`casecoder.sources.read_documents`): each code of a unit becomes a gold row quoting the
    whole unit.

    Parameters
    ----------
    path : path
        The gold file (``gold_a.csv``).
    documents : iterable of Document, or mapping of id to Document
        The units, as :func:`read_units` makes them (one turn each).
    codebook : Codebook, optional
        When given, a code it does not have is an error (E457).

    Returns
    -------
    DataFrame
        As :func:`read_gold` returns it (``document, turn, code, quote, reason, path, line``).

    Raises
    ------
    EvaluationError
        Every problem with its line: a missing or unreadable file (E451, E452), missing columns
        (E453), a duplicate unit (E461), a unit not among ``documents`` (E462), an unknown code
        (E457).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "units.csv").write_text("unit_id,source,title,text\\nU1,https://x.org/a,T,We pooled budgets.\\n")
    >>> _ = (d / "gold.csv").write_text("unit_id,codes,rationale\\nU1,resource_innovation,pooled money\\n")
    >>> docs, _ = read_units(d / "units.csv")
    >>> read_unit_gold(d / "gold.csv", docs)[["document", "code", "quote"]].values.tolist()
    [['U1', 'resource_innovation', 'We pooled budgets.']]
    """
    g = Path(path)
    if not g.is_file():
        raise EvaluationError(problem("E451", path=g))
    docs = _by_id(documents)
    problems: list[Problem] = []
    units = ", ".join(sorted({d.path for d in docs.values()})) or "none given"
    rows = _unit_gold_rows(g, docs, codebook, problems, units)
    if problems:
        raise EvaluationError(problems)
    return pd.DataFrame(rows, columns=[*GOLD_COLUMNS, "path", "line"])


def read_set(
    path: str | os.PathLike[str],
    gold: str | os.PathLike[str] | None = None,
    *,
    codebook: Codebook | None = None,
    half: str | None = None,
) -> tuple[list[Document], pd.DataFrame, str]:
    """Read a coded set of either format, telling them apart by the header.

    A units file (``unit_id, source, title, text``, or a folder holding ``units.csv``) is read
    with :func:`read_units` and its ``gold`` file (a path, or ``"a"``/``"b"`` for ``gold_a.csv``
    / ``gold_b.csv`` beside the units); it is scored by unit, at level ``turn``. A sentence set
    (``id, section, text, codes, reason``) carries its own gold and is read with
    :func:`read_devset`; it is scored at level ``sentence``, and ``half`` needs sources, so it is
    refused there (E460).

    Returns
    -------
    (list of Document, DataFrame, str)
        The documents, the gold table and the level to score at.

    Examples
    --------
    >>> docs, gold, level = read_set("data/heldout/sentences.csv")
    >>> level, len(docs) > 100, set(gold.columns) >= set(GOLD_COLUMNS)
    ('sentence', True, True)
    """
    p = Path(path)
    if p.is_dir():
        p = p / "units.csv"
    if not p.is_file():
        raise EvaluationError(problem("E451", path=p))
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationError(problem("E452", path=p, error=str(exc))) from exc
    if "unit_id" in header:
        if gold is not None and str(gold).lower() in ("a", "b"):
            gold = p.parent / f"gold_{str(gold).lower()}.csv"
        docs, table = read_units(p, gold, codebook=codebook, half=half)
        return docs, table, "turn"
    if half is not None:
        raise EvaluationError(problem("E460", path=p, line=1, field="half",
                                      expected="used only with a units file (the halves split by source)",
                                      found=repr(half)))
    docs, table = read_devset(p, codebook=codebook)
    return docs, table, "sentence"


def locate_gold(
    gold: pd.DataFrame,
    documents: Iterable[Document] | Mapping[str, Document],
    *,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Check gold rows against the documents and find each quote's offsets.

    Parameters
    ----------
    gold : DataFrame
        Columns ``document, turn, code, quote, reason`` (``path``, ``line`` optional, used in
        messages).
    documents : iterable of Document, or mapping of id to Document
    codes : sequence of str, optional
        The valid code ids; other codes are an error (E457).

    Returns
    -------
    DataFrame
        ``gold`` plus ``case``, ``start`` and ``end`` (code points into the document text).

    Raises
    ------
    EvaluationError
        Every bad row, with its file and line: unknown document (E454), turn (E455) or code
        (E457); a quote not in its turn (E456, with the nearest sentences).
    """
    docs = _by_id(documents)
    missing = [c for c in GOLD_COLUMNS if c not in gold.columns]
    if missing:
        raise EvaluationError(problem("E453", columns=", ".join(missing), required=", ".join(GOLD_COLUMNS)))
    problems: list[Problem] = []
    out = []
    for rec in gold.to_dict("records"):
        where = {"path": rec.get("path") or None, "line": int(rec["line"]) if rec.get("line") is not None else None}
        doc = docs.get(str(rec["document"]))
        if doc is None:
            problems.append(problem("E454", **where, field="document", document=rec["document"], count=len(docs)))
            continue
        t = int(rec["turn"])
        if not 0 <= t < len(doc.turns):
            problems.append(problem("E455", **where, field="turn", document=doc.id, turn=t, count=len(doc.turns)))
            continue
        if codes is not None and rec["code"] not in codes:
            problems.append(problem("E457", **where, field="code", code_id=rec["code"], known=", ".join(codes)))
            continue
        turn = doc.turns[t]
        quote = str(rec["quote"])
        i = turn.text.find(quote) if quote.strip() else -1
        if i >= 0:
            start, end = turn.start + i, turn.start + i + len(quote)
        else:
            # The gold promises an exact substring; tolerate white space and quote style only.
            places = find_quote(turn.text, quote)
            if not places:
                near = [s for s in nearest_passages(sentences(doc), quote) if s.turn == t] or nearest_passages(sentences(doc), quote)
                cands = "; nearest: " + " | ".join(f'turn {s.turn}: "{s.text[:90]}"' for s in near) if near else ""
                problems.append(problem("E456", **where, field="quote", turn=t, document=doc.id,
                                        quote=quote[:120], candidates=cands))
                continue
            start, end = turn.start + places[0][0], turn.start + places[0][1]
        out.append({**rec, "case": doc.case, "start": start, "end": end})
    if problems:
        raise EvaluationError(problems)
    cols = [*gold.columns, "case", "start", "end"]
    return pd.DataFrame(out, columns=list(dict.fromkeys(cols)))


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
