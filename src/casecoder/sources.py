"""An analyst's coding from any source, ready to compare.

The readers here turn every form a coding comes in into an
:class:`~casecoder.agreement.AnalystCoding`: the patterns-only coding (the coder run on the
transcripts), a reviewed coding (the coder then an overrides file), an anchored analyst coding
(YAML), a gold coding, a codings table (``.csv``/``.parquet``) and a REFI-QDA project
(``.qdpx``, one analyst per user). This module sits above the stages: it is where the coder,
the overrides and the REFI-QDA import are called for a comparison; :mod:`casecoder.agreement`
itself only takes codings already made.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from ._yaml import node_line
from .agreement.comparison import AnalystCoding
from .anchored import AnchoredEntry, AnchoredFile, AnchoredFormat, read_anchored, scalar_text
from .coder import Progress
from .agreement.units import _analyst_name
from .errors import AgreementError, CasecoderError, EvaluationError, Problem, problem
from .evaluate import locate_gold, read_gold, read_unit_gold, read_units
from .overrides import load_overrides
from .pipeline import Coded, code_and_override, read_transcripts
from .positions import containing, find_quote, turn_at
from .refi import import_qdpx
from .schema import empty_codings, normalise_codings, read_codings
from .segments import sentences

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = ["AUTO", "is_units", "load_codings", "read_analyst_coding", "read_coding", "read_documents", "read_qdpx",
           "with_reviewed"]


def read_analyst_coding(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> AnalystCoding:
    """Read an anchored analyst coding (YAML) into a codings table.

    The file names its analyst, the documents reviewed, and each coding as an exact quote::

        analyst: demo-analyst-b
        reviewed: [oldham, wigan, surrey]
        codings:
          - {document: oldham, quote: "exact words of the transcript", code: partnerships,
             note: "why"}

    Quotes are anchored as in overrides files (:func:`casecoder.positions.find_quote`: white
    space and curly/straight quotes need not match; optional ``prefix``/``suffix`` choose among
    several places). Each must resolve to exactly one place; it is resolved to its offsets and to
    the sentence (:func:`casecoder.segments.sentences`) that contains it (``segment`` -1 when it
    spans several). A reviewed document with no coding means the analyst coded nothing there.

    Parameters
    ----------
    path : path
    documents : sequence of Document
        The transcripts the quotes are in.
    codebook : Codebook, optional
        If given, every code must be one of its ids.

    Returns
    -------
    AnalystCoding

    Raises
    ------
    AgreementError
        Listing every problem: E612 invalid YAML, E616 wrong shape or missing key, E603 unknown
        document, E604 unknown code, E613 quote not found, E614 quote ambiguous, E615 a coding
        of a document not in ``reviewed``.
    """
    p = Path(path)
    docs = {d.id: d for d in documents}
    known = list(codebook.ids) if codebook is not None else None
    read = read_anchored(p, ANALYST_CODING)
    problems: list[Problem] = list(read.problems)
    reviewed = _reviewed(read, p, problems)
    for doc in reviewed:
        if doc not in docs:
            problems.append(problem("E603", path=p, field="reviewed", document=doc, count=0, total=len(docs)))
    segs = {d: sentences(docs[d]) for d in reviewed if d in docs}
    rows = []
    for entry in read.entries:
        row = _quoted_coding(entry, p, docs, reviewed, known, problems) if entry.ok else None
        if row is None:
            continue
        doc, start, end = docs[row["document"]], row["start"], row["end"]
        seg = containing(segs[doc.id], start, end)
        turn = turn_at(doc.turns, start)
        rows.append({
            "document": doc.id, "case": doc.case, "section": turn.section if turn else "",
            "turn": turn.index if turn else -1, "speaker": turn.speaker if turn else "",
            "segment": seg.index if seg else -1, "start": start, "end": end, "text": doc.text[start:end],
            "code": row["code"], "rule": "quote", "source": "manual", "analyst": read.analyst,
            "status": "coded", "reason": "", "note": row["note"],
        })
    if problems:
        raise AgreementError(problems)
    table = normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()
    return AnalystCoding(read.analyst, table, frozenset(reviewed), str(p))


def _say(kind: str, *, path: Any = None, line: int | None = None, field: str | None = None, **facts: Any) -> Problem:
    """The analyst coding's message for each kind of problem the anchored-file reader finds."""
    if kind in ("not_utf8", "not_yaml"):
        return problem("E612", path=path, line=line, field=field, **facts)
    why = {
        "missing_file": lambda: "file not found",
        "shape": lambda: f"expected {facts['expected']}, found {facts['found']}",
        "twice": lambda: f"'{facts['key']}' is given twice",
        "missing": lambda: f"'{field}' is missing" + (" (each coding needs document, quote and code)" if "[" in str(field) else ""),
        "empty": lambda: f"'{field}' must not be empty",
    }[kind]()
    return problem("E616", path=path, line=line, field=field, why=why)


#: How an analyst coding is read (see :mod:`casecoder.anchored`): keys of its own are left alone.
ANALYST_CODING = AnchoredFormat(
    name="analyst coding", top_keys=("analyst", "reviewed", "codings"), list_key="codings",
    entry="a mapping (document, quote, code, note)", entry_keys=("document", "quote", "code", "note", "prefix", "suffix"),
    required=("document", "quote", "code"), say=_say, error=AgreementError, strict=False)


def _reviewed(read: AnchoredFile, p: Path, problems: list[Problem]) -> list[str]:
    """The document ids of ``reviewed:``; E616 unless it is a list of them, not empty."""
    node = read.top.get("reviewed")
    ids = [scalar_text(n) for n in node.value] if isinstance(node, yaml.SequenceNode) else []
    if not ids or any(not i for i in ids):
        problems.append(problem("E616", path=p, line=node_line(node) if node is not None else 1, field="reviewed",
                                why="'reviewed' must list the document ids the analyst reviewed"))
    return [i for i in ids if i]


def _quoted_coding(entry: AnchoredEntry, p: Path, docs: Mapping[str, Document], reviewed: Sequence[str],
                   known: Sequence[str] | None, problems: list[Problem]) -> dict[str, Any] | None:
    """One entry of an analyst coding resolved to its place: document, start, end, code and
    note; None, with the problem added, where it cannot be."""
    line, where, f = entry.line, f"codings[{entry.index}]", entry.fields
    doc_id, quote, code = f["document"], f["quote"], f["code"]
    if doc_id not in docs:
        problems.append(problem("E603", path=p, line=line, field=f"{where}.document", document=doc_id, count=1, total=len(docs)))
        return None
    if doc_id not in reviewed:
        problems.append(problem("E615", path=p, line=line, field=f"{where}.document", document=doc_id))
        return None
    if known is not None and code not in known:
        problems.append(problem("E604", path=p, line=line, field=f"{where}.code", code=code, where="", known=", ".join(known)))
        return None
    # The same anchoring as overrides files: tolerant of white space and quote characters,
    # with optional prefix/suffix to choose among several places.
    found = find_quote(docs[doc_id].text, quote, f.get("prefix", ""), f.get("suffix", ""))
    if not found:
        problems.append(problem("E613", path=p, line=line, field=f"{where}.quote", document=doc_id, quote=_short(quote)))
        return None
    if len(found) > 1:
        places = ", ".join(f"{a}:{b}" for a, b in found[:5])
        problems.append(problem("E614", path=p, line=line, field=f"{where}.quote", count=len(found), document=doc_id, places=places))
        return None
    start, end = found[0]
    return {"document": doc_id, "start": start, "end": end, "code": code, "note": f.get("note", "")}


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def read_coding(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> AnalystCoding:
    """Read one analyst's coding from a codings table (``.csv``/``.parquet``) or an anchored
    analyst coding (``.yaml``, see :func:`read_analyst_coding`).

    A codings table is checked against the transcripts: every document must be one of them
    (E603) and every row's ``text`` must be the transcript's text at its offsets (E608); codes
    must be the codebook's (E604). The analyst is the table's ``analyst`` value (several, e.g.
    machine codings reviewed by an analyst, are joined with ``+``).

    Raises
    ------
    AgreementError, CodingsError
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_analyst_coding(p, documents, codebook=codebook)
    table = read_codings(p)
    return _checked_table(table, documents, codebook=codebook, where=str(p))


#: The input name that stands for the patterns-only coding (the coder run on the transcripts).
AUTO = "auto"


def load_codings(
    sources: Sequence[str | os.PathLike[str]],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[AnalystCoding]:
    """Read each analyst's coding for :func:`compare`, whatever its form.

    Each source is one of:

    - ``auto``: the patterns-only coding, made here by :func:`casecoder.coder.code_documents`
      with ``codebook`` (analyst ``casecoder``; every document reviewed);
    - an overrides file (YAML with ``overrides:``): the reviewed coding, i.e. the patterns-only
      coding with the file applied by :func:`casecoder.overrides.apply_overrides` (analyst
      ``casecoder+<analyst>``; every document reviewed);
    - an analyst coding (YAML with ``codings:``, see :func:`read_analyst_coding`);
    - a gold coding (``data/gold/``: a folder of, or one, CSV with columns ``document, turn,
      code, quote, reason``; :func:`casecoder.evaluate.read_gold`): analyst ``gold``, the
      documents it names reviewed;
    - a codings table (``.csv``/``.parquet``, see :func:`read_coding`);
    - a REFI-QDA project (``.qdpx``, see :func:`read_qdpx`): **one analyst per user** who made
      codings, so one source may give several entries.

    Parameters
    ----------
    sources : sequence of str or path
    documents : sequence of Document
    codebook : Codebook, optional
        Needed for ``auto`` and overrides files; checks codes everywhere.
    jobs : int
        Worker processes for the coder.
    progress : callable, optional
        ``progress(done, total)`` for each run of the coder (:func:`casecoder.coder.code_documents`).

    Returns
    -------
    list of AnalystCoding
        In the order of ``sources`` (a ``.qdpx`` contributes its users in name order).

    Raises
    ------
    AgreementError, CodingsError, OverridesError, RefiError
        Whatever the input's reader finds, each problem with its file.
    """
    out: list[AnalystCoding] = []
    runs: dict[Path | None, Coded] = {}  # overrides file (None: none) -> the pipeline's run
    # The coder's run for the first overrides file also gives ``auto``: comparing the machine
    # with one reviewed coding codes the transcripts once.
    first = next((Path(s) for s in sources if str(s) != AUTO and _is_overrides(Path(s))), None)

    def run(overrides: Path | None) -> Coded:
        if codebook is None:
            raise AgreementError(problem("E616", path=str(source), why="the patterns-only coding needs a codebook"))
        if overrides not in runs:
            runs[overrides] = code_and_override(documents, codebook, [overrides] if overrides else [], jobs=jobs,
                                                progress=progress)
        return runs[overrides]

    all_docs = frozenset(d.id for d in documents)
    for source in sources:
        if str(source) == AUTO:
            auto = next(iter(runs.values())).auto if runs else run(first).auto
            out.append(AnalystCoding("casecoder", auto, all_docs, AUTO))
            continue
        p = Path(source)
        if p.suffix.lower() == ".qdpx":
            out.extend(read_qdpx(p, documents, codebook=codebook))
        elif _is_gold(p) or _is_unit_gold(p):
            out.append(_gold_coding(p, documents, codebook))
        elif _is_overrides(p):
            reviewed = run(p).codings
            # Named by the file's analyst, not by the rows: a file that only removes codings (or
            # whose entries change nothing) leaves no row with the analyst's name.
            out.append(AnalystCoding(f"casecoder+{load_overrides(p, codebook=codebook).analyst}", reviewed,
                                     all_docs, str(p)))
        else:
            out.append(read_coding(p, documents, codebook=codebook))
    return out


def _is_overrides(path: Path) -> bool:
    """A YAML file whose top level has ``overrides:`` (an analyst's overrides file)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        head = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the reader of analyst codings reports it with its place
    return isinstance(head, Mapping) and "overrides" in head


def with_reviewed(codings: Sequence[AnalystCoding], documents: Sequence[Document], reviewed: str) -> list[AnalystCoding]:
    """Say which documents the analysts of codings tables reviewed.

    A codings table names only the documents it has codings in, so by default a document an
    analyst reviewed and coded nothing in counts as not reviewed (missing). ``reviewed``
    corrects that for every input whose reviewed documents are not already known (codings
    tables; analyst codings, gold codings and REFI-QDA projects say theirs).

    Parameters
    ----------
    codings : sequence of AnalystCoding
    documents : sequence of Document
    reviewed : str
        ``all`` (every transcript) or comma-separated document ids.

    Returns
    -------
    list of AnalystCoding

    Raises
    ------
    AgreementError
        E603 for a document id that is not a transcript.
    """
    from dataclasses import replace

    ids = sorted(d.id for d in documents)
    if reviewed.strip() == "all":
        chosen = frozenset(ids)
    else:
        chosen = frozenset(d.strip() for d in reviewed.split(",") if d.strip())
        bad = sorted(chosen - set(ids))
        if bad:
            raise AgreementError([problem("E603", field="--reviewed", document=d, count=0, total=len(ids)) for d in bad])
    out = []
    for c in codings:
        if c.reviewed is not None:
            out.append(c)
            continue
        named = set(c.codings["document"].astype(str)) if len(c.codings) else set()
        out.append(replace(c, reviewed=chosen | frozenset(named & set(ids))))
    return out


def _doc_key(name: str) -> str:
    """A source or document name compared loosely: no suffix, case, spaces, ``-`` or ``_``."""
    base = name.strip()
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and suffix.lower() in ("txt", "md", "docx", "doc", "rtf", "pdf", "odt", "html", "htm"):
        base = stem
    return re.sub(r"[\s_\-]+", "_", base.casefold()).strip("_")


def _first_difference(a: str, b: str) -> str:
    """Where two texts first differ, in words, with a few characters of each."""
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return (f"{len(a):,} characters in the project, {len(b):,} in the transcript; first difference at "
            f"character {i:,}: {a[max(i - 15, 0):i + 25]!r} in the project, {b[max(i - 15, 0):i + 25]!r} in the "
            "transcript")


def read_qdpx(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> list[AnalystCoding]:
    """Read a REFI-QDA project (``.qdpx`` from NVivo, ATLAS.ti, MAXQDA, ...): one analyst per user.

    The project is read by :func:`casecoder.refi.import_qdpx` (codes matched to ``codebook`` by
    GUID, id or label; positions in the tool's convention). Each text source is then matched to
    one of ``documents``: by id equal to the source's document id (its name without ``.txt``
    etc.), else by the same name ignoring case, spaces, ``-`` and ``_`` when only one transcript
    has it. A source that matches no transcript is left out and named in ``notes``.

    **Same text.** The codings are kept only on the words they were made on:

    - the source text equals the transcript text (after the BOM and line ends are normalised,
      as import does): offsets are kept;
    - the transcript text occurs **exactly once** inside the source text (a tool given the raw
      file, front matter and all): codings are moved by that offset (re-anchored), and those
      outside the transcript's part (in the front matter) are named in ``notes``;
    - otherwise the project refuses with E619, naming the source, the transcript and the first
      difference.

    Every matched source counts as **reviewed by every user** of the project (as in NVivo's
    coding comparison: a source in the project that a user did not code is "not coded" for
    them, not missing). Each user becomes one :class:`AnalystCoding`, named as the project
    names the user (:attr:`casecoder.refi.ImportReport.analysts`).

    Parameters
    ----------
    path : path
        The ``.qdpx`` file.
    documents : sequence of Document
        Our transcripts.
    codebook : Codebook, optional
        Codes are matched to it, and every coded code must be in it (E604).

    Returns
    -------
    list of AnalystCoding
        One per user who made codings, by name; ``path`` is ``<file>#<user>`` and ``notes``
        what was left out (unmatched sources, codings outside the transcript, selections the
        import skipped).

    Raises
    ------
    RefiError
        The file cannot be read as a REFI-QDA project (E7xx).
    AgreementError
        E618 no source matches a transcript; E619 a source's text differs from its transcript;
        E604 an unknown code; E605 no user made a coding.
    """
    p = Path(path)
    project = import_qdpx(p, codebook)
    ours = {d.id: d for d in documents}
    notes: list[str] = []
    target = _match_sources(project, ours, p, notes)
    for issue in project.report.skipped:
        notes.append(f"not imported: {issue}")
    reviewed = frozenset(doc for doc, _ in target.values())
    moved = _moved_codings(project.codings, target, ours, notes)
    users = sorted(set(project.report.analysts.values()) | set(moved["analyst"].astype(str)))
    if not users:
        raise AgreementError(problem("E605", path=str(p), why="no user of the project made a coding of a text source"))
    out: list[AnalystCoding] = []
    for user in users:
        mine = moved[moved["analyst"].astype(str) == user].reset_index(drop=True)
        where = f"{p}#{user}"
        if len(mine):
            # the same checks as a codings table: codes in the codebook (E604), text at the offsets (E608)
            checked = _checked_table(mine, documents, codebook=codebook, where=where).codings
        else:
            checked = empty_codings()
        out.append(AnalystCoding(user, checked, reviewed, where, tuple(notes)))
    return out


def _match_sources(project: Any, ours: Mapping[str, Document], p: Path, notes: list[str]) -> dict[str, tuple[str, int]]:
    """Project document id -> (our document id, where our text starts in theirs), for each
    project source that matches a transcript with the same text; notes what is left out.

    Raises E619 for a source whose text differs, E618 if no source matches."""
    by_key: dict[str, list[str]] = {}
    for d in ours:
        by_key.setdefault(_doc_key(d), []).append(d)
    problems: list[Problem] = []
    target: dict[str, tuple[str, int]] = {}
    claimed: dict[str, str] = {}
    unmatched: list[str] = []
    for src in project.documents:
        ours_id = src.id if src.id in ours else None
        if ours_id is None:
            cands = by_key.get(_doc_key(src.id), [])
            ours_id = cands[0] if len(cands) == 1 else None
        if ours_id is None:
            unmatched.append(src.id)
            continue
        if ours_id in claimed:
            notes.append(f"project source '{src.id}' matches transcript '{ours_id}', as source '{claimed[ours_id]}' "
                         "already does; its codings are left out")
            continue
        text = ours[ours_id].text
        if src.text == text:
            offset = 0
        else:
            offset = src.text.find(text) if text else -1
            if offset < 0 or src.text.find(text, offset + 1) >= 0:
                problems.append(problem("E619", path=str(p), field=f"source {src.id}", source=src.id, document=ours_id,
                                        detail=_first_difference(src.text, text)))
                continue
            notes.append(f"project source '{src.id}' holds transcript '{ours_id}' from character {offset:,} "
                         f"(and {len(src.text) - offset - len(text):,} characters after it); codings re-anchored by "
                         "that offset")
        claimed[ours_id] = src.id
        target[src.id] = (ours_id, offset)
    if problems:
        raise AgreementError(problems)
    for s in unmatched:
        notes.append(f"project source '{s}' matches no transcript; its codings are left out")
    if not target:
        raise AgreementError(problem(
            "E618", path=str(p), sources=", ".join(unmatched) or "none with text",
            known=", ".join(sorted(ours)[:10]) + (", ..." if len(ours) > 10 else "")))
    return target


def _moved_codings(table: pd.DataFrame, target: Mapping[str, tuple[str, int]], ours: Mapping[str, Document],
                   notes: list[str]) -> pd.DataFrame:
    """The project's codings of matched sources, moved onto our transcripts (offsets shifted,
    turn found again); a coding outside the transcript's part of the source is noted, left out."""
    keep = table["document"].astype(str).map(lambda d: d in target).to_numpy(dtype=bool) if len(table) else np.zeros(0, bool)
    table = table[keep].reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    for r in table.itertuples(index=False):
        doc_id, offset = target[r.document]
        doc = ours[doc_id]
        a, b = int(r.start) - offset, int(r.end) - offset
        if a < 0 or b > len(doc.text):
            notes.append(f"{r.analyst}: coding {r.code!r} at {r.start}:{r.end} of source '{r.document}' lies outside "
                         f"the transcript's text ({_short(str(r.text))!r}); left out")
            continue
        turn = turn_at(doc.turns, a)
        rows.append({
            "document": doc_id, "case": doc.case, "section": turn.section if turn else "",
            "turn": turn.index if turn else -1, "speaker": turn.speaker if turn else "", "segment": -1,
            "start": a, "end": b, "text": doc.text[a:b], "code": r.code, "rule": r.rule, "source": "manual",
            "analyst": r.analyst, "status": "coded", "reason": "", "note": r.note,
        })
    return normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()


def _is_gold(path: Path) -> bool:
    """A folder of CSVs, or a CSV, whose header is the gold coding's (no offsets, a quote)."""
    first = next(iter(sorted(path.glob("*.csv"))), None) if path.is_dir() else path
    if first is None or first.suffix.lower() != ".csv" or not first.is_file():
        return False
    try:
        with open(first, encoding="utf-8-sig") as fh:
            header = [h.strip() for h in fh.readline().split(",")]
    except UnicodeDecodeError:
        return False  # not a gold file; the codings reader reports the encoding with its path
    return "quote" in header and "turn" in header and "start" not in header


def _is_unit_gold(path: Path) -> bool:
    """A CSV whose header is a units set's gold coding (``unit_id, codes, ...``)."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    return {"unit_id", "codes"} <= set(_csv_header(path))


def _csv_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []  # not one of ours; the reader that takes it reports why, with the path


def is_units(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a units file (``unit_id, source, title, text``) or a folder holding
    ``units.csv``: a set of coded passages, each read as a one-turn document.

    Examples
    --------
    >>> is_units("data/interviews")
    False
    """
    p = Path(path)
    if p.is_dir():
        p = p / "units.csv"
    return p.suffix.lower() == ".csv" and p.is_file() and "unit_id" in _csv_header(p)


def read_documents(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    codebook: Codebook | None = None,
    *,
    case_key: str | None = None,
) -> list[Document]:
    """Transcripts from any source: transcript files and folders, or units files.

    A units file (see :func:`is_units`; ``../shared/devset-real/units.csv``) is read with
    :func:`casecoder.evaluate.read_units`: each unit becomes a one-turn document of an
    interviewee, its case the source page. Every other path is read by
    :func:`casecoder.pipeline.read_transcripts` (the codebook's case key and interviewers).

    Parameters
    ----------
    paths : path or sequence of paths
    codebook : Codebook, optional
    case_key : str, optional
        Overrides the codebook's key (transcripts only).

    Returns
    -------
    list of Document
        Sorted by document id.

    Raises
    ------
    TranscriptError, EvaluationError
        Every problem of every path: the transcripts' (E0xx) and the units files' (E45x),
        together; E470 for a document id found twice.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> units = pathlib.Path(tempfile.mkdtemp()) / "units.csv"
    >>> _ = units.write_text("unit_id,source,title,text\\nU1,https://x.org/a,T,We pooled budgets.\\n")
    >>> docs = read_documents(["data/interviews", units], case_key="council")
    >>> len(docs), docs[0].id, docs[0].turns[0].text
    (10, 'U1', 'We pooled budgets.')
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    units = [Path(p) for p in items if is_units(p)]
    others = [p for p in items if not is_units(p)]
    docs: list[Document] = []
    problems: list[Problem] = []
    for u in units:
        try:
            docs.extend(read_units(u / "units.csv" if u.is_dir() else u)[0])
        except CasecoderError as exc:
            problems.extend(exc.problems)
    if others:
        try:
            docs.extend(read_transcripts(others, codebook, case_key=case_key))
        except CasecoderError as exc:
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for d in docs:
        if d.id in seen:
            problems.append(problem("E470", path=d.path, field="id", document=d.id, first=seen[d.id], second=d.path))
        seen.setdefault(d.id, d.path)
    if problems:
        raise EvaluationError(problems)
    return sorted(docs, key=lambda d: d.id)


def _gold_coding(path: Path, documents: Sequence[Document], codebook: Codebook | None) -> AnalystCoding:
    codes = list(codebook.ids) if codebook is not None else None
    gold = read_unit_gold(path, documents, codebook=codebook) if _is_unit_gold(path) else read_gold(path)
    located = locate_gold(gold, documents, codes=codes)
    docs = {d.id: d for d in documents}
    table = pd.DataFrame({
        "document": located["document"].astype(str), "case": located["case"], "turn": located["turn"],
        "start": located["start"], "end": located["end"],
        "text": [docs[d].text[a:b] for d, a, b in zip(located["document"], located["start"], located["end"])],
        "code": located["code"], "rule": "gold", "source": "manual", "analyst": "gold",
        "status": "coded", "note": located["reason"].fillna("").astype(str),
    })
    return AnalystCoding("gold", normalise_codings(table), frozenset(table["document"]), str(path))


def _checked_table(
    table: pd.DataFrame, documents: Sequence[Document], *, codebook: Codebook | None, where: str
) -> AnalystCoding:
    docs = {d.id: d for d in documents}
    problems: list[Problem] = []
    if len(table) == 0:
        raise AgreementError(problem("E605", path=where or None, why="the table has no rows"))
    counts = table["document"].value_counts()
    for doc in sorted(set(counts.index) - set(docs)):
        problems.append(problem("E603", path=where or None, field="document", document=doc, count=int(counts[doc]), total=len(docs)))
    if codebook is not None:
        known = list(codebook.ids)
        code_counts = table["code"].value_counts()
        for code in sorted(set(code_counts.index) - set(known)):
            problems.append(problem("E604", path=where or None, field="code", code=code,
                                    where=f" in {int(code_counts[code])} row(s)", known=", ".join(known)))
    for r, row in enumerate(table.itertuples(index=False)):
        doc = docs.get(row.document)
        if doc is None or not row.text:
            continue
        actual = doc.text[row.start : row.end]
        if actual != row.text:
            problems.append(problem("E608", path=where or None, field="text", start=row.start, end=row.end,
                                    document=row.document, found=_short(actual), expected=_short(row.text), row=r + 2))
            if len(problems) > 20:
                break
    if problems:
        raise AgreementError(problems)
    return AnalystCoding(_analyst_name(table), table, None, where)
