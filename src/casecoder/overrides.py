"""Analysts' manual overrides: corrections of the machine, anchored to quoted text.

Each analyst keeps one YAML file::

    analyst: alice
    overrides:
      - action: add                 # or remove
        document: oldham            # the transcript id (file name without suffix)
        code: considered_risk       # a code id of the codebook
        quote: "We were willing to jump off that cliff"
        prefix: "We were bloody minded."   # optional: the words just before the quote
        suffix: "whether our parachute"    # optional: the words just after it
        note: "a leap of faith: risk taken knowingly"

An entry is anchored the way the W3C Web Annotation *TextQuoteSelector* anchors: by the exact
quoted words, optionally with the words just before (``prefix``) and after (``suffix``), never by
offsets. So an override survives edits anywhere else in the transcript. Matching is tolerant of
what an analyst cannot see or type reliably: every run of white space (spaces, tabs, line
breaks, CRLF or LF) counts as one space, and curly quotes count as straight ones. Everything else
must match exactly (case, punctuation, spelling).

Resolution rules (:func:`resolve_overrides`):

- the quote is found once: that is the anchor (prefix and suffix are not needed, and a change
  to the words around a unique quote does not break it);
- the quote is found several times: prefix and suffix choose among the places; exactly one must
  fit, else the entry is ambiguous (E410);
- the quote is found nowhere: the entry is stale (E409), reported with the nearest sentences.

Every failing entry of every file is reported at once, each with its file and line, and none is
ever skipped silently.

Application (:func:`apply_overrides`), after auto-coding:

- ``remove`` sets every ``auto`` coding of that code on the sentences the quote covers to
  status ``excluded`` with reason ``removed_by:<analyst>`` and the entry's note (the rows stay,
  so the correction is visible);
- ``add`` creates one ``manual`` coding (rule ``override``) per sentence the quote covers, with
  the analyst's name and note. Sentences are those of :func:`casecoder.segments.sentences`.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml

from ._yaml import node_line
from .anchored import AnchoredEntry, AnchoredFormat, parse_anchored, read_anchored, scalar_text
from .errors import CasecoderWarning, OverridesError, Problem, problem
from .io import atomic_write_text
from .positions import clip, find_quote, nearest_passages, overlapping, turn_at
from .schema import CODINGS_COLUMNS, normalise_codings
from .segments import Segment, sentences

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = [
    "ACTIONS",
    "OverrideEntry",
    "Overrides",
    "OverridesWarning",
    "ResolvedOverride",
    "add_override",
    "analyst_file",
    "apply_overrides",
    "load_overrides",
    "nearest_sentences",
    "resolve_overrides",
]

ACTIONS: tuple[str, ...] = ("add", "remove")
TOP_KEYS: tuple[str, ...] = ("analyst", "overrides")
ENTRY_KEYS: tuple[str, ...] = ("action", "document", "code", "quote", "prefix", "suffix", "note")
REQUIRED_KEYS: tuple[str, ...] = ("action", "document", "code", "quote", "note")
MANUAL_RULE = "override"

_PLAIN_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = frozenset("true false yes no on off null y n ~".split())


# --------------------------------------------------------------------------------------------
# typed objects


@dataclass(frozen=True)
class OverrideEntry:
    """One correction: add or remove ``code`` on the passage ``quote`` of ``document``.

    Attributes
    ----------
    action : {"add", "remove"}
    document : str
        The transcript id.
    code : str
        A code id of the codebook.
    quote : str
        The exact words of the passage (white space and quote style may differ).
    note : str
        Why: the analyst's reason, in the code frame's terms.
    prefix, suffix : str
        Optional words just before / after the quote, to choose among repeated quotes.
    line : int
        1-based line of the entry in its file (0 for an entry not read from a file).
    """

    action: Literal["add", "remove"]
    document: str
    code: str
    quote: str
    note: str
    prefix: str = ""
    suffix: str = ""
    line: int = 0


@dataclass(frozen=True)
class Overrides:
    """One analyst's overrides file, validated.

    Attributes
    ----------
    analyst : str
        Whose corrections these are; written into every coding they produce.
    path : str
        The file they were read from.
    entries : tuple of OverrideEntry
        In file order, each with its line number.
    """

    analyst: str
    path: str
    entries: tuple[OverrideEntry, ...]


@dataclass(frozen=True)
class ResolvedOverride:
    """An entry whose quote was found: ``document.text[start:end]`` is the quoted passage.

    Attributes
    ----------
    entry : OverrideEntry
    analyst : str
    path : str
        The overrides file the entry is in.
    start, end : int
        Code points into the document text (the one offset unit of casecoder).
    """

    entry: OverrideEntry
    analyst: str
    path: str
    start: int
    end: int

    @property
    def document(self) -> str:
        """The document id of the entry."""
        return self.entry.document


# --------------------------------------------------------------------------------------------
# anchoring


def nearest_sentences(document: Document, quote: str, limit: int = 3) -> list[Segment]:
    """The sentences of ``document`` most like ``quote``, best first, for an error message.

    :func:`casecoder.positions.nearest_passages` over the document's sentences: a sentence
    scores by how much of the quote it holds in order averaged with difflib's similarity
    ratio, so that a clause cut from a longer sentence still finds its sentence; sentences
    scoring under 0.4 are left out.

    Examples
    --------
    >>> from casecoder.transcripts import document_from_text
    >>> doc = document_from_text("d", "A: We met twice. We took a leap of faith.", case="c")
    >>> [s.text for s in nearest_sentences(doc, "took a leep")]
    ['We took a leap of faith.']
    """
    return nearest_passages(sentences(document), quote, limit)


def _candidates(document: Document, quote: str) -> str:
    near = nearest_sentences(document, quote)
    if not near:
        return "; no sentence of the document is close"
    return "; nearest: " + " | ".join(f'turn {s.turn}: "{clip(s.text)}"' for s in near)


def _turn_at(document: Document, pos: int) -> int:
    turn = turn_at(document.turns, pos)
    return -1 if turn is None else turn.index


def _places(document: Document, quote: str) -> str:
    text = document.text
    out = []
    for a, b in find_quote(text, quote)[:5]:
        before = clip(text[max(0, a - 30):a], 30)
        after = clip(text[b:b + 30], 30)
        out.append(f'turn {_turn_at(document, a)} at {a}: "…{before}" [quote] "{after}…"')
    return "; ".join(out)


# --------------------------------------------------------------------------------------------
# reading


def _say(kind: str, *, path: Any = None, line: int | None = None, field: str | None = None, **facts: Any) -> Problem:
    """The overrides file's message for each kind of problem the anchored-file reader finds."""
    if kind == "twice":
        return problem("E403", path=path, line=line, field=field, expected=f"'{facts['key']}' once", found="it twice")
    code = {"missing_file": "E401", "not_utf8": "E402", "not_yaml": "E402", "shape": "E403", "unknown_key": "E404",
            "missing": "E405", "empty": "E411"}[kind]
    return problem(code, path=path, line=line, field=field, **facts)


#: How an overrides file is read (see :mod:`casecoder.anchored`).
OVERRIDES_FILE = AnchoredFormat(
    name="overrides file", top_keys=TOP_KEYS, list_key="overrides",
    entry="a mapping (action, document, code, quote, note)", entry_keys=ENTRY_KEYS, required=REQUIRED_KEYS,
    say=_say, error=OverridesError)


def _parse(text: str, path: str, codebook: Codebook | None) -> tuple[Overrides, yaml.MappingNode]:
    """Validate the text of an overrides file; return it typed, and its YAML node tree."""
    known = list(codebook.ids) if codebook is not None else None

    def check(item: AnchoredEntry) -> list[Problem]:
        where, found = f"overrides[{item.index}]", []
        action = item.fields.get("action", "").strip()
        if action and action not in ACTIONS:
            found.append(problem("E406", path=path, line=item.line, field=f"{where}.action", found=action))
        code = item.fields.get("code", "").strip()
        if code and known is not None and code not in known:
            found.append(problem("E407", path=path, line=item.line, field=f"{where}.code", code_id=code,
                                 known=", ".join(known)))
        return found

    read = parse_anchored(text, path, OVERRIDES_FILE, check)
    if read.problems:
        raise OverridesError(read.problems)
    entries = tuple(
        OverrideEntry(
            action=e.fields["action"].strip(),  # type: ignore[arg-type]
            document=e.fields["document"].strip(),
            code=e.fields["code"].strip(),
            quote=e.fields["quote"],
            note=e.fields["note"].strip(),
            prefix=e.fields.get("prefix", ""),
            suffix=e.fields.get("suffix", ""),
            line=e.line,
        ) for e in read.entries if e.ok)
    return Overrides(analyst=read.analyst, path=path, entries=entries), read.root


def load_overrides(path: str | os.PathLike[str], *, codebook: Codebook | None = None) -> Overrides:
    """Read and validate one analyst's overrides file.

    Parameters
    ----------
    path : str or PathLike
        The YAML file (see the module docstring for its shape).
    codebook : Codebook, optional
        If given, every entry's code must be one of its ids.

    Returns
    -------
    Overrides
        The analyst, the path and the entries, each with its line in the file.

    Raises
    ------
    OverridesError
        Listing every problem of the file, each with its line: missing file (E401), invalid
        YAML (E402), wrong shapes (E403), unknown keys (E404), missing fields (E405), a bad
        action (E406), an unknown code (E407), an empty field (E411). Anchors are not checked
        here (they need the transcripts): see :func:`resolve_overrides`.
    """
    read = read_anchored(path, OVERRIDES_FILE)
    return _parse(read.text, read.path, codebook)[0]


# --------------------------------------------------------------------------------------------
# resolving and applying


def _by_id(documents: Iterable[Document] | Mapping[str, Document]) -> dict[str, Document]:
    if isinstance(documents, Mapping):
        return dict(documents)
    return {d.id: d for d in documents}


def _as_list(overrides: Overrides | Iterable[Overrides]) -> list[Overrides]:
    return [overrides] if isinstance(overrides, Overrides) else list(overrides)


def _resolve_entry(entry: OverrideEntry, analyst: str, path: str,
                   docs: Mapping[str, Document]) -> ResolvedOverride | Problem:
    doc = docs.get(entry.document)
    where = dict(path=path or None, line=entry.line or None)
    if doc is None:
        near = difflib.get_close_matches(entry.document, list(docs), n=3, cutoff=0.5)
        nearest = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
        return problem("E408", **where, field="document", document=entry.document, count=len(docs),
                       nearest=nearest)
    places = find_quote(doc.text, entry.quote, entry.prefix, entry.suffix)
    if not places:
        if find_quote(doc.text, entry.quote):
            # The quote is there several times and the context fits none of them.
            return problem("E410", **where, field="quote", document=doc.id,
                           count=len(find_quote(doc.text, entry.quote)), places=_places(doc, entry.quote))
        return problem("E409", **where, field="quote", document=doc.id, quote=clip(entry.quote, 120),
                       candidates=_candidates(doc, entry.quote))
    if len(places) > 1:
        return problem("E410", **where, field="quote", document=doc.id, count=len(places),
                       places=_places(doc, entry.quote))
    start, end = places[0]
    if _turn_at(doc, start) < 0 and _turn_at(doc, end - 1) < 0:
        return problem("E412", **where, field="quote", document=doc.id, start=start, end=end)
    return ResolvedOverride(entry=entry, analyst=analyst, path=path, start=start, end=end)


def resolve_overrides(
    overrides: Overrides | Iterable[Overrides],
    documents: Iterable[Document] | Mapping[str, Document],
) -> tuple[ResolvedOverride, ...]:
    """Find every entry's quote in its document.

    Parameters
    ----------
    overrides : Overrides or iterable of Overrides
        One analyst's file or several (one per analyst).
    documents : iterable of Document, or mapping of id to Document
        The transcripts the overrides refer to.

    Returns
    -------
    tuple of ResolvedOverride
        One per entry, in file order, each with ``start``/``end`` into its document's text.

    Raises
    ------
    OverridesError
        Listing every entry that fails, with its file and line: a missing document (E408, with
        the nearest ids), a quote found nowhere (E409, with the nearest sentences), a quote
        found more than once that prefix/suffix do not settle (E410, with every place), a quote
        outside every turn (E412); two files for one analyst (E416); and an analyst who both
        adds and removes one code on overlapping passages (E418).
    """
    docs = _by_id(documents)
    files = _as_list(overrides)
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for ov in files:
        if ov.analyst in seen:
            problems.append(problem("E416", path=ov.path, field="analyst", analyst=ov.analyst, other=seen[ov.analyst]))
        seen.setdefault(ov.analyst, ov.path)
    out: list[ResolvedOverride] = []
    for ov in files:
        for entry in ov.entries:
            got = _resolve_entry(entry, ov.analyst, ov.path, docs)
            if isinstance(got, Problem):
                problems.append(got)
            else:
                out.append(got)
    problems.extend(_contradictions(out))
    if problems:
        raise OverridesError(problems)
    return tuple(out)


def apply_overrides(
    codings: pd.DataFrame,
    documents: Iterable[Document] | Mapping[str, Document],
    overrides_list: Overrides | Iterable[Overrides],
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Apply analysts' overrides to a codings table.

    Parameters
    ----------
    codings : DataFrame
        A codings table (see :mod:`casecoder.schema`), usually the coder's.
    documents : iterable of Document, or mapping of id to Document
        The transcripts the codings and overrides refer to.
    overrides_list : Overrides or iterable of Overrides
        One file per analyst.
    codebook : Codebook, optional
        If given, every entry's code must be one of its ids (E407).

    Returns
    -------
    DataFrame
        The codings in canonical form, with

        - each ``auto`` coding of a removed code on a covered sentence set to status
          ``excluded``, reason ``removed_by:<analyst>`` (analysts joined by ``,`` when several
          remove it) and the entries' notes;
        - one ``manual`` coding per added code and covered sentence: rule ``override``,
          the analyst and the note. An addition already present is not duplicated.

    Raises
    ------
    OverridesError
        Every unknown code and every entry whose anchor does not resolve, all at once (see
        :func:`resolve_overrides`).

    Warns
    -----
    OverridesWarning
        E419 for each ``remove`` that finds no automatic coding of its code on its passage.

    Examples
    --------
    >>> ov = load_overrides("overrides/alice.yaml", codebook=cb)      # doctest: +SKIP
    >>> final = apply_overrides(codings, docs, [ov], cb)              # doctest: +SKIP
    """
    files = _as_list(overrides_list)
    if codebook is not None:
        known = list(codebook.ids)
        problems = [
            problem("E407", path=ov.path, line=e.line or None, field="code", code_id=e.code, known=", ".join(known))
            for ov in files for e in ov.entries if e.code not in known
        ]
        if problems:
            raise OverridesError(problems)
    docs = _by_id(documents)
    resolved = resolve_overrides(files, docs)
    out = normalise_codings(codings).copy()
    removals, additions = _targets(resolved, docs, out)
    _exclude(out, resolved, removals)
    rows = _manual_rows(additions, docs)
    if rows:
        out = pd.concat([out, pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))], ignore_index=True)
    key = ["document", "start", "end", "code", "source", "analyst", "rule", "status"]
    out = out.drop_duplicates(subset=key, keep="first")
    return normalise_codings(out)


_Additions = dict[tuple[str, int, str, str], tuple[Segment, ResolvedOverride]]


def _targets(resolved: Sequence[ResolvedOverride], docs: Mapping[str, Document],
             out: pd.DataFrame) -> tuple[dict[int, list[ResolvedOverride]], _Additions]:
    """What each entry does: the rows of ``out`` each removal excludes, the sentences each
    addition codes (one per document, sentence, code and analyst)."""
    segs = {doc_id: sentences(doc) for doc_id, doc in docs.items()
            if any(r.document == doc_id for r in resolved)}
    removals: dict[int, list[ResolvedOverride]] = {}
    additions: _Additions = {}
    for r in resolved:
        # An empty span covers only a sentence it falls strictly inside (none at the sentence's
        # first character): the rule overrides have always kept.
        covered = overlapping(segs[r.document], r.start, r.end, empty="inside")
        if r.entry.action == "remove":
            spans = [(s.start, s.end) for s in covered]
            mask = (
                (out["document"] == r.document) & (out["code"] == r.entry.code)
                & (out["source"] == "auto") & (out["status"] == "coded")
            )
            for idx in out.index[mask]:
                a, b = int(out.at[idx, "start"]), int(out.at[idx, "end"])
                if any(a < e and b > s for s, e in spans):
                    removals.setdefault(idx, []).append(r)
        else:
            for seg in covered:
                # The first entry (in file order, analysts in the order given) keeps its note.
                additions.setdefault((r.document, seg.index, r.entry.code, r.analyst), (seg, r))
    return removals, additions


def _exclude(out: pd.DataFrame, resolved: Sequence[ResolvedOverride],
             removals: Mapping[int, list[ResolvedOverride]]) -> None:
    """Mark the removed rows of ``out`` excluded (in place); warn E419 for a removal that
    removed nothing."""
    effective = {id(r) for rs in removals.values() for r in rs}
    for r in resolved:
        if r.entry.action == "remove" and id(r) not in effective:
            # Never drop an analyst's correction silently: say that this one had nothing to do.
            warnings.warn(OverridesWarning(problem("E419", path=r.path or None, line=r.entry.line or None,
                                                   field="quote", code=r.entry.code, document=r.document)),
                          stacklevel=3)
    for idx, rs in removals.items():
        rs = sorted(rs, key=lambda r: (r.analyst, r.path, r.entry.line))
        analysts = list(dict.fromkeys(r.analyst for r in rs))
        out.at[idx, "status"] = "excluded"
        out.at[idx, "reason"] = "removed_by:" + ",".join(analysts)
        out.at[idx, "note"] = " | ".join(dict.fromkeys(r.entry.note for r in rs))


def _manual_rows(additions: _Additions, docs: Mapping[str, Document]) -> list[dict[str, Any]]:
    """One ``manual`` codings row per added code and covered sentence."""
    rows = []
    for (doc_id, _, code, analyst), (seg, r) in additions.items():
        doc = docs[doc_id]
        turn = doc.turns[seg.turn]
        rows.append({
            "document": doc_id, "case": doc.case, "section": turn.section, "turn": turn.index,
            "speaker": turn.speaker, "segment": seg.index, "start": seg.start, "end": seg.end,
            "text": seg.text, "code": code, "rule": MANUAL_RULE, "source": "manual",
            "analyst": analyst, "status": "coded", "reason": "", "note": r.entry.note,
        })
    return rows


class OverridesWarning(CasecoderWarning):
    """An override was applied but did nothing, or something about it deserves a look."""


_NOT_A_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def analyst_file(analyst: str, folder: str | os.PathLike[str] = "overrides") -> Path:
    """The overrides file of an analyst: ``folder/<analyst>.yaml``, the name checked first.

    An analyst's name becomes a file name, so it must stay one: no path separators, no
    ``..``, no leading dot, no control or reserved characters, at most 100 characters.
    Letters of any script, digits, spaces, ``.``, ``-``, ``_`` and apostrophes are fine.

    Raises
    ------
    OverridesError
        E417 naming the name and what is wrong with it.

    Examples
    --------
    >>> analyst_file("Zoë O'Neil").as_posix()
    "overrides/Zoë O'Neil.yaml"
    >>> analyst_file("../../escaped")
    Traceback (most recent call last):
    ...
    casecoder.errors.OverridesError: analyst: '../../escaped' cannot name an analyst's file: ...
    """
    name = analyst.strip()
    why = ""
    if not name:
        why = "it is empty"
    elif _NOT_A_NAME.search(name):
        why = "it holds a path separator or a character file names cannot hold (/ \\ : * ? \" < > |)"
    elif name.startswith("."):
        why = "it starts with a dot (a hidden file, or a step up the folder tree)"
    elif len(name) > 100:
        why = "it is longer than 100 characters"
    if why:
        raise OverridesError(problem("E417", field="analyst", analyst=analyst, why=why))
    return Path(folder) / f"{name}.yaml"


def _contradictions(resolved: Sequence[ResolvedOverride]) -> list[Problem]:
    """E418 for each add and remove of one code by one analyst on overlapping passages."""
    found: list[Problem] = []
    by_key: dict[tuple[str, str, str], list[ResolvedOverride]] = {}
    for r in resolved:
        by_key.setdefault((r.analyst, r.document, r.entry.code), []).append(r)
    for (analyst, document, code), rs in sorted(by_key.items()):
        adds = [r for r in rs if r.entry.action == "add"]
        for rem in (r for r in rs if r.entry.action == "remove"):
            for add in adds:
                if add.start < rem.end and rem.start < add.end:
                    first, second = sorted((add.entry.line, rem.entry.line))
                    found.append(problem("E418", path=rem.path or None, line=second or None, field="action",
                                         analyst=analyst, code=code, document=document, first=first, second=second))
    return found


# --------------------------------------------------------------------------------------------
# writing


def _yaml_value(value: str) -> str:
    if _PLAIN_ID.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    # A double-quoted scalar with escapes: any text round-trips, on one line.
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=2**31 - 1).rstrip("\n")


def _entry_text(entry: OverrideEntry, indent: int, newline: str) -> str:
    pad = " " * indent
    lines = [f"{pad}- action: {_yaml_value(entry.action)}"]
    for key in ("document", "code", "quote", "prefix", "suffix", "note"):
        value = getattr(entry, key)
        if key in ("prefix", "suffix") and not value:
            continue
        lines.append(f"{pad}  {key}: {_yaml_value(value)}")
    return newline.join(lines) + newline


def _last_scalar(node: yaml.Node) -> yaml.Node:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _append(text: str, root: yaml.MappingNode, entry: OverrideEntry, path: str) -> str:
    """Return ``text`` with ``entry`` inserted at the end of its ``overrides`` list.

    Only text is inserted: the file's other entries, comments and layout are kept as written.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    seq = next((v for k, v in root.value if scalar_text(k) == "overrides"), None)
    if isinstance(seq, yaml.SequenceNode) and seq.value and not seq.flow_style:
        indent = seq.start_mark.column
        pos = _last_scalar(seq.value[-1]).end_mark.index
        if not (pos > 0 and text[pos - 1] == "\n"):
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl + 1
        head = text[:pos]
        if head and not head.endswith("\n"):
            head += newline
        return head + _entry_text(entry, indent, newline) + text[pos:]
    if isinstance(seq, yaml.SequenceNode) and seq.value:
        raise OverridesError(problem("E415", path=path, line=node_line(seq), field="overrides",
                                     why="'overrides' is written as a [flow, list]; write it as a block list ('- action: ...' lines)"))
    block = newline + _entry_text(entry, 2, newline)
    if seq is None:
        head = text if not text or text.endswith("\n") else text + newline
        return head + "overrides:" + block
    # ``overrides:`` with nothing, ``~`` or ``[]``: replace that value by the block list.
    a, b = seq.start_mark.index, seq.end_mark.index
    rest = text[b:]
    if rest.startswith(newline):
        rest = rest[len(newline):]
    elif rest.startswith("\n"):
        rest = rest[1:]
    return text[:a].rstrip(" ") + block + rest


def _same(a: OverrideEntry, b: OverrideEntry) -> bool:
    return replace(a, line=0, note="") == replace(b, line=0, note="")


def add_override(
    path: str | os.PathLike[str],
    entry: OverrideEntry,
    documents: Iterable[Document] | Mapping[str, Document],
    *,
    analyst: str | None = None,
    codebook: Codebook | None = None,
) -> ResolvedOverride:
    """Check an override against the transcripts, then append it to an analyst's file.

    The anchor is resolved first, so a stale or ambiguous quote is refused before anything is
    written. The file is then extended by text insertion (its entries, comments and layout stay
    as written), the result is read back and checked, and written atomically. A missing file is
    created with ``analyst:`` and the entry.

    Parameters
    ----------
    path : str or PathLike
        The analyst's overrides file.
    entry : OverrideEntry
        The correction to add (its ``line`` is ignored).
    documents : iterable of Document, or mapping of id to Document
        The transcripts, to check the anchor now.
    analyst : str, optional
        Required for a new file; for an existing file it must match the file's analyst.
    codebook : Codebook, optional
        If given, ``entry.code`` must be one of its ids.

    Returns
    -------
    ResolvedOverride
        The entry as written (with its line in the file) and its place in the document.

    Raises
    ------
    OverridesError
        An invalid entry or existing file (E40x), an unresolved anchor (E408-E412), another
        analyst's file (E413), no analyst for a new file (E414), a file this cannot append to
        or that already holds the same override (E415), an entry that undoes one of the file's
        own (E418).
    """
    p = Path(path)
    entry = _checked_entry(entry, p, codebook)
    docs = _by_id(documents)
    if p.exists():
        new_text, before, got, opposite = _appended(p, entry, docs, analyst, codebook)
    else:
        if analyst is None or not analyst.strip():
            raise OverridesError(problem("E414", path=p, field="analyst"))
        who = analyst.strip()
        got = _resolve_entry(entry, who, str(p), docs)
        if isinstance(got, Problem):
            raise OverridesError(got)
        opposite = []
        new_text = (
            "# casecoder overrides: one analyst's corrections of the automatic coding.\n"
            "# Each entry adds or removes a code on the passage quoted; see docs/OVERRIDES.md.\n"
            f"analyst: {_yaml_value(who)}\n"
            "overrides:\n" + _entry_text(entry, 2, "\n")
        )
        before = 0
    written, _ = _parse(new_text, str(p), codebook)
    if len(written.entries) != before + 1 or replace(written.entries[-1], line=0) != entry:
        # A safety net: never write a file that does not read back as intended.
        raise OverridesError(problem("E415", path=p, why="the entry did not read back as written; add it by hand"))
    clash = _contradictions([*opposite, replace(got, entry=written.entries[-1])])
    if clash:
        raise OverridesError(clash)
    atomic_write_text(p, new_text)
    return replace(got, entry=written.entries[-1], analyst=written.analyst)


def _checked_entry(entry: OverrideEntry, p: Path, codebook: Codebook | None) -> OverrideEntry:
    """The entry stripped as the reader strips it; every missing field, bad action or unknown
    code raised at once."""
    # The reader strips these fields, so the entry must be stripped to read back equal.
    entry = replace(entry, document=entry.document.strip(), code=entry.code.strip(),
                    note=entry.note.strip(), action=entry.action.strip(), line=0)  # type: ignore[arg-type]
    problems: list[Problem] = []
    for key in REQUIRED_KEYS:
        if not str(getattr(entry, key)).strip():
            problems.append(problem("E411", path=p, field=key))
    if entry.action not in ACTIONS:
        problems.append(problem("E406", path=p, field="action", found=entry.action))
    if codebook is not None and entry.code and entry.code not in codebook.ids:
        problems.append(problem("E407", path=p, field="code", code_id=entry.code, known=", ".join(codebook.ids)))
    if problems:
        raise OverridesError(problems)
    return entry


def _appended(p: Path, entry: OverrideEntry, docs: Mapping[str, Document], analyst: str | None,
              codebook: Codebook | None) -> tuple[str, int, ResolvedOverride, list[ResolvedOverride]]:
    """An existing file's text with ``entry`` appended, its number of entries before, the entry
    resolved, and the file's own entries of the opposite action on that code and document."""
    text = p.read_text(encoding="utf-8-sig")
    current, root = _parse(text, str(p), codebook)
    if analyst is not None and analyst.strip() and analyst.strip() != current.analyst:
        raise OverridesError(problem("E413", path=p, field="analyst", found=current.analyst, analyst=analyst.strip()))
    who = current.analyst
    for old in current.entries:
        if _same(old, entry):
            raise OverridesError(problem("E415", path=p, line=old.line, why=f"it already holds this override (line {old.line})"))
    got = _resolve_entry(entry, who, str(p), docs)
    if isinstance(got, Problem):
        raise OverridesError(got)
    opposite = [o for o in (_resolve_entry(old, who, str(p), docs) for old in current.entries
                            if old.document == entry.document and old.code == entry.code
                            and old.action != entry.action) if isinstance(o, ResolvedOverride)]
    return _append(text, root, entry, str(p)), len(current.entries), got, opposite
