"""What a corpus says about how it was made: a notice, and the kind of each turn.

Two optional things a study may ship with its transcripts, which every output that shows their
text should pass on to its reader:

* a **notice**: the ``notice`` key of a document's front matter, e.g. that the transcripts are a
  reconstruction and what a result computed from them can and cannot mean.
  :func:`corpus_notices` gives the distinct notices of a corpus, in document order; a corpus
  whose documents have none gives an empty tuple, and the outputs then show nothing.
* **turn kinds**: a folder of sidecar files, ``<document id>.yaml`` each, listing the kind of
  each turn (e.g. ``verbatim`` for a quote, ``paraphrase`` for a restatement written by whoever
  built the transcript)::

      turns:
        - {turn: 0, kind: notice}
        - {turn: 1, kind: question}
        - {turn: 2, kind: paraphrase}

  and, optionally, ``kinds.yaml`` in the same folder saying what each kind means
  (``verbatim: Quoted word for word from the source``). :func:`read_turn_kinds` reads them into
  a :class:`TurnLabel` per turn, which the review site shows beside the speaker. Other keys of
  an entry (a study's own provenance fields) are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._yaml import Lines, error_place, load_with_lines
from .errors import Problem, ReviewError, problem
from .transcripts import Document

__all__ = ["KINDS_FILE", "NOTICE_KEY", "TurnLabel", "corpus_notices", "read_turn_kinds"]

#: The front-matter key of a document's notice.
NOTICE_KEY = "notice"
#: The file of a turn-kinds folder that says what each kind means.
KINDS_FILE = "kinds.yaml"


@dataclass(frozen=True)
class TurnLabel:
    """The label shown beside a turn, and the longer description a reader can ask for.

    Attributes
    ----------
    label : str
        Short, shown as it is (``"paraphrase"``).
    title : str
        What the label means; shown as the label's title text and in the page's legend.
    """

    label: str
    title: str


def corpus_notices(documents: Iterable[Document]) -> tuple[str, ...]:
    """The distinct non-empty ``notice`` values of the documents' front matter, in document order.

    Examples
    --------
    >>> from casecoder.transcripts import document_from_text
    >>> a = document_from_text("a", "Q: Hi?", case="a", metadata={"notice": "Made up."})
    >>> b = document_from_text("b", "Q: Hi?", case="b", metadata={"notice": "Made up."})
    >>> c = document_from_text("c", "Q: Hi?", case="c")
    >>> corpus_notices([a, b, c])
    ('Made up.',)
    >>> corpus_notices([c])
    ()
    """
    seen: dict[str, None] = {}
    for doc in documents:
        value = doc.metadata.get(NOTICE_KEY)
        if isinstance(value, str) and value.strip():
            seen.setdefault(" ".join(value.split()), None)
    return tuple(seen)


def _load(path: Path, problems: list[Problem]) -> tuple[Any, Lines] | None:
    try:
        return load_with_lines(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line, reason = error_place(exc)
        problems.append(problem("E813", path=path, line=line, detail=f"not valid YAML: {reason}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(problem("E813", path=path, detail=f"cannot be read: {exc}"))
    return None


def _kind_titles(folder: Path, problems: list[Problem]) -> dict[str, str]:
    path = folder / KINDS_FILE
    if not path.is_file():
        return {}
    loaded = _load(path, problems)
    if loaded is None:
        return {}
    data, lines = loaded
    if not isinstance(data, Mapping) or not all(isinstance(v, str) and v.strip() for v in data.values()):
        problems.append(problem("E813", path=path, line=lines(), detail="must map each kind to its description (text)"))
        return {}
    return {str(k): " ".join(str(v).split()) for k, v in data.items()}


def read_turn_kinds(
    folder: str | os.PathLike[str], documents: Sequence[Document]
) -> dict[str, dict[int, TurnLabel]]:
    """Read the turn kinds of ``documents`` from the sidecar files in ``folder``.

    Parameters
    ----------
    folder : path-like
        Holds ``<document id>.yaml`` for the documents that have turn kinds (a document
        without one gets no labels) and, optionally, ``kinds.yaml``.
    documents : sequence of Document
        The documents whose turns are labelled; sidecars of other documents are ignored.

    Returns
    -------
    dict
        Document id -> turn index -> :class:`TurnLabel`. A kind that ``kinds.yaml`` does not
        describe gets the title ``"Turn kind: <kind>"``.

    Raises
    ------
    ReviewError
        E813 if ``folder`` is not a folder, and for every sidecar that is not valid YAML or
        whose entries are not ``{turn: <index>, kind: <text>}`` under ``turns:``, naming the
        file and line; E814 for every entry naming a turn the document does not have. All
        problems are listed; nothing is returned then.

    Examples
    --------
    >>> labels = read_turn_kinds("data/provenance", read_corpus(["data/interviews"]))  # doctest: +SKIP
    >>> labels["oldham"][13].label  # doctest: +SKIP
    'verbatim'
    """
    root = Path(folder)
    if not root.is_dir():
        raise ReviewError([problem("E813", path=root, detail="not a folder")])
    problems: list[Problem] = []
    titles = _kind_titles(root, problems)
    out: dict[str, dict[int, TurnLabel]] = {}
    for doc in documents:
        path = root / f"{doc.id}.yaml"
        if not path.is_file():
            continue
        loaded = _load(path, problems)
        if loaded is None:
            continue
        data, lines = loaded
        entries = data.get("turns") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            problems.append(problem("E813", path=path, line=lines("turns"), detail="no list under 'turns:'"))
            continue
        labels: dict[int, TurnLabel] = {}
        for i, entry in enumerate(entries):
            turn = entry.get("turn") if isinstance(entry, Mapping) else None
            kind = entry.get("kind") if isinstance(entry, Mapping) else None
            if not isinstance(turn, int) or isinstance(turn, bool) or not isinstance(kind, str) or not kind.strip():
                problems.append(problem("E813", path=path, line=lines("turns", i), field=f"turns[{i}]",
                                        detail="an entry must be {turn: <index>, kind: <text>}"))
                continue
            if not 0 <= turn < len(doc.turns):
                problems.append(problem("E814", path=path, line=lines("turns", i, "turn"), field=f"turns[{i}].turn",
                                        turn=turn, document=doc.id, count=len(doc.turns)))
                continue
            kind = kind.strip()
            labels[turn] = TurnLabel(kind, titles.get(kind, f"Turn kind: {kind}"))
        out[doc.id] = labels
    if problems:
        raise ReviewError(problems)
    return out
