"""Gold codings and held-out sets, read and checked: the inputs of an evaluation.

A gold coding (``data/gold/``: CSV rows of document, turn, code, quote, reason, each quote found
with :func:`casecoder.positions.find_quote`), a development set (:func:`read_devset`), and units
with their gold codes (:func:`read_units`, :func:`read_unit_gold`, :func:`read_set`). Every
problem is listed with its file and line (E45x).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd

from ..errors import EvaluationError, Problem, problem
from ..positions import FrozenMap, find_quote, nearest_passages
from ..segments import sentences
from ..transcripts import Document, Turn

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook

__all__ = [
    "DEVSET_COLUMNS",
    "GOLD_COLUMNS",
    "HALVES",
    "UNIT_COLUMNS",
    "UNIT_GOLD_COLUMNS",
    "locate_gold",
    "read_devset",
    "read_gold",
    "read_set",
    "read_unit_gold",
    "read_units",
    "source_half",
    "source_key",
]

GOLD_COLUMNS: tuple[str, ...] = ("document", "turn", "code", "quote", "reason")
DEVSET_COLUMNS: tuple[str, ...] = ("id", "section", "text", "codes", "reason")
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "source", "title", "text")
UNIT_GOLD_COLUMNS: tuple[str, ...] = ("unit_id", "codes", "rationale")
# A unit is coded as a one-turn transcript of an interviewee under a heading, as the coder sees
# a transcript (an interviewer's turn would not be coded at all).
UNIT_SPEAKER = "Manager"
UNIT_SECTION = "Leadership actions"
HALVES: tuple[str, ...] = ("A", "B")


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
