"""The codebook: ``codebook.yaml`` loaded once and validated into typed, immutable objects.

Layout of the file::

    version: 1
    settings:                       # optional; the keys allowed are listed in SETTINGS
      case_key: council
      key_actions_section: Leadership actions with the greatest impact
      assertion:                    # optional: replace word lists of casecoder.assertion
        hypothetical: [if, whether, would, could, might]
      interviewers: [Sam Lee]       # named interviewers (Zoom/Teams transcripts)
    codes:
      - id: partnerships            # lower_snake_case, unique
        label: Build innovative partnerships
        definition: ...             # the analyst's coding rules
        include: ...
        exclude: ...
        parent: null                # the id of a parent code, for nested codebooks
        color: '#44AA99'
        phrases: [joint venture, partner organisation]     # matched on lemmas
        mentions: [partner]         # a topic/organisation/job title: coded only in an action frame
        patterns:                   # spaCy Matcher token patterns
          - name: work_with_partners
            pattern: [{LEMMA: work}, {LOWER: with}, {OP: "?"}, {LEMMA: partner}]
            # frame: action           # (optional) this pattern, too, needs an action frame
        exclusions:                 # other senses: a match they overlap is set aside
          - name: spouse
            phrases: [my partner]
        examples: [We set up a joint venture with a housing association.]

:func:`load_codebook` reports every problem at once (as spaCy's ``MatchPatternError`` lists
every bad pattern), each with the file, the line, the code id and the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._yaml import KEY, Lines, error_place, load_with_lines
from .errors import CodebookError, Problem, problem
from .io import atomic_write_text
from .positions import FrozenMap
from .transcripts import DEFAULT_CASE_KEY

__all__ = [
    "DEFAULT_CASE_KEY",
    "SETTINGS",
    "Code",
    "Codebook",
    "Exclusion",
    "TokenPattern",
    "codebook_yaml",
    "load_codebook",
    "parse_codebook",
    "write_codebook",
]

#: The ``settings`` a codebook may hold: key -> (the type of its value, what it means).
#: This is the one list: a stage that reads a new setting adds its key here, and a key that is
#: not here is an error at load (E104, naming its line), so a misspelt setting is never ignored.
SETTINGS: Mapping[str, tuple[type, str]] = {
    "case_key": (str, "the front-matter key (or cases.csv column) naming a document's case"),
    "key_actions_section": (str, "the interview section whose codings are a case's key actions"),
    "assertion": (dict, "word lists of casecoder.assertion to replace, {list name: [words]}"),
    "interviewers": (list, "speaker names that are the interviewer in every transcript of the study "
                           "(as Zoom or Teams name them); their turns are not coded"),
}

_TOP_KEYS = ("version", "settings", "codes")
_CODE_KEYS = (
    "id", "label", "definition", "include", "exclude", "parent", "color",
    "phrases", "mentions", "patterns", "exclusions", "examples", "description",
)
_PATTERN_KEYS = ("name", "pattern", "frame", "corpus_only")
_EXCLUSION_KEYS = ("name", "phrases", "pattern")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class TokenPattern:
    """A named spaCy Matcher token pattern (a list of token dicts).

    ``corpus_only`` is empty, or the reason an analyst accepts for keeping a rule that codes the
    shipped transcripts and no other text the project holds
    (``tests/test_codebook_generality.py`` fails on such a rule without one; ``docs/CODER.md``,
    *How rules are written*).
    """

    name: str
    tokens: tuple[Mapping[str, Any], ...]
    #: the line of the pattern's ``pattern:`` list in the codebook file, for messages
    line: int | None = field(default=None, compare=False)
    #: ``frame: action`` in the codebook: the pattern names a topic, an organisation or a job
    #: title and codes only with an action frame (:mod:`casecoder.assertion`).
    mention: bool = False
    corpus_only: str = ""


@dataclass(frozen=True)
class Exclusion:
    """Another sense of a code's words: phrases and/or a token pattern that veto a match."""

    name: str
    phrases: tuple[str, ...] = ()
    pattern: TokenPattern | None = None
    #: the line of each phrase in the codebook file, for messages
    phrase_lines: tuple[int | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Code:
    """One code of the codebook: its coding rules and the patterns the coder matches.

    Attributes
    ----------
    id, label : str
        Fixed identity and the label shown to people.
    definition, include, exclude : str
        The analyst's coding rules.
    parent : str or None
        The id of the parent code, for nested codebooks.
    color : str or None
        ``#rrggbb``, used by figures, the review site and REFI-QDA export.
    phrases : tuple of str
        Matched case-insensitively on lemmas.
    mentions : tuple of str
        Phrases that name a topic, an organisation or a job title ("partners", "technology"):
        matched like ``phrases``, but coded only with an action frame near them in their clause
        (a verb of doing, recommending or valuing; :mod:`casecoder.assertion`).
    patterns : tuple of TokenPattern
        spaCy Matcher token patterns.
    exclusions : tuple of Exclusion
        Other senses that veto an overlapping match.
    examples : tuple of str
        Sentences that should be coded with this code.
    """

    id: str
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    parent: str | None = None
    color: str | None = None
    phrases: tuple[str, ...] = ()
    patterns: tuple[TokenPattern, ...] = ()
    mentions: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    examples: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    #: the line of each phrase in the codebook file, for messages
    phrase_lines: tuple[int | None, ...] = field(default=(), compare=False)
    mention_lines: tuple[int | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: codes in file order, and free-form settings."""

    codes: tuple[Code, ...]
    path: str = ""
    settings: Mapping[str, Any] = field(default_factory=lambda: FrozenMap({}))

    @property
    def ids(self) -> tuple[str, ...]:
        """Code ids in codebook order."""
        return tuple(c.id for c in self.codes)

    @property
    def labels(self) -> dict[str, str]:
        """``{id: label}`` in codebook order."""
        return {c.id: c.label for c in self.codes}

    def __getitem__(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def __contains__(self, code_id: object) -> bool:
        return any(c.id == code_id for c in self.codes)

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def children(self, code_id: str) -> tuple[Code, ...]:
        """The codes whose parent is ``code_id``."""
        return tuple(c for c in self.codes if c.parent == code_id)

    @property
    def case_key(self) -> str:
        """The front-matter key naming a document's case: ``settings.case_key``, else the default.

        Examples
        --------
        >>> Codebook(codes=()).case_key
        'case'
        >>> Codebook(codes=(), settings={"case_key": "site"}).case_key
        'site'
        """
        return str(self.settings.get("case_key") or DEFAULT_CASE_KEY)

    @property
    def interviewers(self) -> tuple[str, ...]:
        """The study's interviewer names: ``settings.interviewers``, else none.

        Examples
        --------
        >>> Codebook(codes=(), settings={"interviewers": ["Sam Lee"]}).interviewers
        ('Sam Lee',)
        """
        return tuple(str(n).strip() for n in self.settings.get("interviewers") or ())


# --------------------------------------------------------------------------------------------


def _field(*path: Any) -> str:
    out = ""
    for p in path:
        if p == KEY:
            continue
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _paragraphs(text: str) -> str:
    r"""Whitespace runs within a line collapsed, line breaks kept (at most one blank line).

    A definition written as a YAML block (``|``) keeps its lines and paragraphs, which the
    review site and REFI-QDA descriptions show; a folded one (``>``) is one line already.

    Examples
    --------
    >>> _paragraphs("  Act   quickly.\nDo not wait.\n\n\n\nA second  paragraph.\n")
    'Act quickly.\nDo not wait.\n\nA second paragraph.'
    """
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def load_codebook(path: str | os.PathLike[str] = "codebook.yaml", *, validate_patterns: bool = True) -> Codebook:
    """Load and validate a codebook file.

    Parameters
    ----------
    path : path, default "codebook.yaml"
        The YAML file.
    validate_patterns : bool, default True
        Check token patterns with spaCy's ``Matcher(validate=True)``.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing every problem at once, each with file, line, code id and field: a missing file
        (E101), invalid YAML (E102), wrong types (E103), unknown keys (E104), missing fields
        (E105), duplicate ids (E106), unknown parents (E107) or cycles (E108), token patterns
        spaCy rejects (E109), bad ids (E110) or colours (E111).

    Examples
    --------
    >>> book = load_codebook("codebook.yaml")   # doctest: +SKIP
    >>> book["partnerships"].label              # doctest: +SKIP
    'Build innovative partnerships'
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise CodebookError(problem("E101", path=p)) from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(problem("E102", path=p, error=f"not UTF-8 ({exc.reason})")) from exc
    return parse_codebook(text, path=str(p), validate_patterns=validate_patterns)


def parse_codebook(text: str, *, path: str = "<codebook>", validate_patterns: bool = True) -> Codebook:
    """Validate codebook YAML given as text; see :func:`load_codebook`."""
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        line, reason = error_place(exc)
        raise CodebookError(problem("E102", path=path, line=line, error=reason)) from exc
    problems: list[Problem] = []

    def err(code: str, *where: Any, **values: Any) -> None:
        problems.append(problem(code, path=path, line=lines(*where), field=_field(*where) or None, **values))

    if not isinstance(data, dict):
        err("E103", expected="a mapping with a 'codes' list", found=type(data).__name__)
        raise CodebookError(problems)
    for key in data:
        if key not in _TOP_KEYS:
            err("E104", key, KEY, key=key, allowed=", ".join(_TOP_KEYS))
    settings = _settings(data.get("settings"), err)
    _check_assertion_settings(settings.get("assertion"), err)
    raw_codes = data.get("codes")
    if raw_codes is None:
        err("E105", name="codes")
        raise CodebookError(problems)
    if not isinstance(raw_codes, list):
        err("E103", "codes", expected="a list of codes", found=type(raw_codes).__name__)
        raise CodebookError(problems)

    codes: list[Code] = []
    first_line: dict[str, int | None] = {}
    pattern_checks: list[tuple[tuple[Any, ...], str, list[Any]]] = []
    for i, raw in enumerate(raw_codes):
        code = _code(raw, ("codes", i), err, lines, first_line, pattern_checks)
        if code is not None:
            codes.append(code)
    _check_parents(codes, raw_codes, err)

    if validate_patterns and pattern_checks:
        problems.extend(_check_patterns(pattern_checks, path, lines))
    if problems:
        raise CodebookError(problems)
    return Codebook(codes=tuple(codes), path=path, settings=FrozenMap(settings))


def _code(raw: Any, where: tuple[Any, ...], err: Any, lines: Lines, first_line: dict[str, int | None],
          pattern_checks: list[tuple[tuple[Any, ...], str, list[Any]]]) -> Code | None:
    """One entry of ``codes`` checked (its problems reported through ``err``); the Code, or None
    when it has no usable id or label."""
    if not isinstance(raw, dict):
        err("E103", *where, expected="a mapping for each code", found=type(raw).__name__)
        return None
    cid = _code_id(raw, where, err, lines, first_line)
    texts = _code_texts(raw, where, err)
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        err("E103", *where, "parent", expected="a code id", found=type(parent).__name__)
        parent = None
    color = raw.get("color")
    if color is not None and (not isinstance(color, str) or not _COLOR.match(color)):
        err("E111", *where, "color", color=color)
        color = None
    phrases, phrase_lines = _phrases(raw.get("phrases"), where + ("phrases",), err, lines)
    mentions, mention_lines = _phrases(raw.get("mentions"), where + ("mentions",), err, lines)
    examples, _ = _phrases(raw.get("examples"), where + ("examples",), err, lines)
    patterns: list[TokenPattern] = []
    names: set[str] = set()
    for j, rp in enumerate(_list(raw.get("patterns"), where + ("patterns",), err)):
        pw = where + ("patterns", j)
        tp = _token_pattern(rp, pw, err, pattern_checks, lines)
        if tp is not None:
            if tp.name in names:
                err("E113", *pw, "name", name=tp.name, code=cid)
            names.add(tp.name)
            patterns.append(tp)
    exclusions = _exclusions(raw, where, err, lines, pattern_checks)
    if not (isinstance(cid, str) and isinstance(texts.get("label"), str)):
        return None
    return Code(
        id=cid, label=texts["label"], definition=texts.get("definition", ""), include=texts.get("include", ""),
        exclude=texts.get("exclude", ""), parent=parent, color=color, phrases=phrases, mentions=mentions,
        patterns=tuple(patterns), exclusions=tuple(exclusions), examples=examples, line=lines(*where),
        phrase_lines=phrase_lines, mention_lines=mention_lines,
    )


def _code_id(raw: dict[str, Any], where: tuple[Any, ...], err: Any, lines: Lines,
             first_line: dict[str, int | None]) -> str | None:
    """A code's id, checked: its keys known, id and label given, the id well formed and new."""
    cid = raw.get("id")
    for key in raw:
        if key not in _CODE_KEYS:
            err("E104", *where, key, KEY, key=key, allowed=", ".join(_CODE_KEYS))
    for required in ("id", "label"):
        value = raw.get(required)
        if value is None or (isinstance(value, str) and not value.strip()):
            err("E105", *where, name=required)
    if cid is not None and not isinstance(cid, str):
        err("E103", *where, "id", expected="a string", found=type(cid).__name__)
        return None
    if isinstance(cid, str):
        if not _ID.match(cid):
            err("E110", *where, "id", id=cid)
        if cid in first_line:
            err("E106", *where, "id", id=cid, first_line=first_line[cid])
        else:
            first_line[cid] = lines(*where)
    return cid


def _code_texts(raw: dict[str, Any], where: tuple[Any, ...], err: Any) -> dict[str, str]:
    """A code's label (on one line) and its definition, include and exclude (paragraphs)."""
    texts: dict[str, str] = {}
    for key in ("label", "definition", "include", "exclude", "description"):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            err("E103", *where, key, expected="text", found=type(value).__name__)
            continue
        texts[key] = " ".join(value.split()) if key == "label" else _paragraphs(value)
    if texts.get("description") and not texts.get("definition"):
        texts["definition"] = texts["description"]
    return texts


def _exclusions(raw: dict[str, Any], where: tuple[Any, ...], err: Any, lines: Lines,
                pattern_checks: list[tuple[tuple[Any, ...], str, list[Any]]]) -> list[Exclusion]:
    """A code's ``exclusions``: each a name with phrases or a pattern."""
    exclusions: list[Exclusion] = []
    for j, rx in enumerate(_list(raw.get("exclusions"), where + ("exclusions",), err)):
        xw = where + ("exclusions", j)
        if not isinstance(rx, dict):
            err("E103", *xw, expected="a mapping {name, phrases | pattern}", found=type(rx).__name__)
            continue
        for key in rx:
            if key not in _EXCLUSION_KEYS:
                err("E104", *xw, key, KEY, key=key, allowed=", ".join(_EXCLUSION_KEYS))
        name = rx.get("name")
        if not isinstance(name, str) or not name.strip():
            err("E105", *xw, name="name")
            continue
        xphrases, xlines = _phrases(rx.get("phrases"), xw + ("phrases",), err, lines)
        xpattern = None
        if rx.get("pattern") is not None:
            xpattern = _token_pattern({"name": name, "pattern": rx["pattern"]}, xw, err, pattern_checks, lines)
        if not xphrases and xpattern is None:
            err("E105", *xw, name="phrases or pattern")
            continue
        exclusions.append(Exclusion(name.strip(), xphrases, xpattern, phrase_lines=xlines))
    return exclusions


def _check_parents(codes: list[Code], raw_codes: list[Any], err: Any) -> None:
    """E107 for a parent that is not a code, E108 for each cycle of parents."""
    ids = {c.id for c in codes}
    index: dict[str, int] = {}
    for i, c in enumerate(raw_codes):
        if isinstance(c, dict) and isinstance(c.get("id"), str):
            index.setdefault(c["id"], i)
    for c in codes:
        if c.parent is not None and c.parent not in ids:
            err("E107", "codes", index.get(c.id, 0), "parent", parent=c.parent)
    parents = {c.id: c.parent for c in codes if c.parent in ids}
    reported: set[str] = set()
    for start in parents:
        seen: list[str] = []
        node_id: str | None = start
        while node_id is not None and node_id not in seen:
            seen.append(node_id)
            node_id = parents.get(node_id)
        if node_id is not None and node_id not in reported:
            cycle = seen[seen.index(node_id):] + [node_id]
            reported.update(cycle)
            err("E108", "codes", index.get(node_id, 0), "parent", cycle=" -> ".join(cycle))


def _check_assertion_settings(value: Any, err: Any) -> None:
    """``settings: assertion:`` replaces word lists of :mod:`casecoder.assertion` by name."""
    if value is None:
        return
    from .assertion import WORD_LISTS  # lazy: assertion loads spaCy, which a codebook without the setting never needs

    if not isinstance(value, dict):
        err("E103", "settings", "assertion", expected="a mapping {list name: [words]}", found=type(value).__name__)
        return
    for name, words in value.items():
        if name not in WORD_LISTS:
            err("E104", "settings", "assertion", name, KEY, key=name, allowed=", ".join(WORD_LISTS))
        elif not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            err("E103", "settings", "assertion", name, expected="a non-empty list of words", found=repr(words)[:60])


def _list(value: Any, where: tuple[Any, ...], err: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        err("E103", *where, expected="a list", found=type(value).__name__)
        return []
    return value


def _settings(value: Any, err: Any) -> dict[str, Any]:
    """The ``settings`` mapping, every key checked against :data:`SETTINGS`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        err("E103", "settings", expected="a mapping", found=type(value).__name__)
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in SETTINGS:
            err("E104", "settings", key, KEY, key=key, allowed=", ".join(SETTINGS))
            continue
        kind, _ = SETTINGS[key]
        if kind is list and isinstance(item, str):
            item = [item]  # one name written without brackets
        if kind is list and isinstance(item, list) and not all(isinstance(v, str) and v.strip() for v in item):
            err("E103", "settings", key, expected="a list of names", found=repr(item))
            continue
        if not isinstance(item, kind) or (kind is str and not item.strip()):
            err("E103", "settings", key, expected=f"a non-empty {kind.__name__}" if kind is str else kind.__name__,
                found=repr(item))
            continue
        out[key] = item
    return out


def _phrases(value: Any, where: tuple[Any, ...], err: Any, lines: Lines) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    out: list[str] = []
    at: list[int | None] = []
    for j, item in enumerate(_list(value, where, err)):
        if not isinstance(item, str):
            err("E103", *where, j, expected="text", found=type(item).__name__)
        elif not item.strip():
            err("E112", *where, j)
        else:
            out.append(" ".join(item.split()))
            at.append(lines(*where, j))
    return tuple(out), tuple(at)


def _token_pattern(raw: Any, where: tuple[Any, ...], err: Any, checks: list[Any], lines: Lines) -> TokenPattern | None:
    if not isinstance(raw, dict):
        err("E103", *where, expected="a mapping {name, pattern}", found=type(raw).__name__)
        return None
    for key in raw:
        if key not in _PATTERN_KEYS:
            err("E104", *where, key, KEY, key=key, allowed=", ".join(_PATTERN_KEYS))
    name = raw.get("name")
    tokens = raw.get("pattern")
    if not isinstance(name, str) or not name.strip():
        err("E105", *where, name="name")
        return None
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, dict) for t in tokens):
        err("E109", *where, "pattern", error="a pattern must be a non-empty list of token mappings")
        return None
    frame = raw.get("frame")
    if frame is not None and frame != "action":
        err("E103", *where, "frame", expected="'action' (or no frame key)", found=repr(frame))
    checks.append((where + ("pattern",), name, tokens))
    reason = raw.get("corpus_only")
    if reason is not None and not isinstance(reason, str):
        err("E103", *where, "corpus_only", expected="the reason, as text", found=type(reason).__name__)
        reason = None
    elif reason is not None and not reason.strip():
        err("E114", *where, "corpus_only", name=name.strip())
    return TokenPattern(name.strip(), tuple(dict(t) for t in tokens), line=lines(*where, "pattern"),
                        mention=frame == "action", corpus_only=" ".join((reason or "").split()))


def _check_patterns(checks: list[Any], path: str, lines: Lines) -> list[Problem]:
    """Validate token patterns with spaCy's own schema, one problem per rejected pattern."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    from .nlp import get_nlp  # lazy, as spaCy above: loading a codebook without checking patterns stays light

    vocab = get_nlp().vocab
    out: list[Problem] = []
    for where, name, tokens in checks:
        matcher = Matcher(vocab, validate=True)
        try:
            matcher.add(name, [tokens])
        except MatchPatternError as exc:
            detail = "; ".join(line.strip() for line in str(exc).splitlines()[1:] if line.strip()) or str(exc)
            out.append(problem("E109", path=path, line=lines(*where), field=_field(*where), error=detail))
        except (ValueError, TypeError, KeyError) as exc:
            out.append(problem("E109", path=path, line=lines(*where), field=_field(*where), error=str(exc)))
    return out


def codebook_yaml(codebook: Codebook) -> str:
    """A codebook as the text of a ``codebook.yaml``: settings, then each code's id, label,
    rules, parent, colour and phrases (what a REFI-QDA codebook can carry).

    Parameters
    ----------
    codebook : Codebook

    Returns
    -------
    str
        YAML that :func:`parse_codebook` reads back to the same codes.

    Examples
    --------
    >>> book = Codebook(codes=(Code(id="listen", label="Listen", phrases=("listen",)),))
    >>> print(codebook_yaml(book), end="")
    codes:
    - id: listen
      label: Listen
      phrases:
      - listen
    >>> parse_codebook(codebook_yaml(book), validate_patterns=False).codes == book.codes
    True
    """
    codes = []
    for c in codebook.codes:
        item: dict[str, Any] = {"id": c.id, "label": c.label}
        for key in ("definition", "include", "exclude", "parent", "color"):
            value = getattr(c, key, None)
            if value:
                item[key] = value
        if c.phrases:
            item["phrases"] = list(c.phrases)
        codes.append(item)
    data: dict[str, Any] = {"codes": codes}
    if codebook.settings:
        data = {"settings": dict(codebook.settings), **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def write_codebook(codebook: Codebook, path: str | os.PathLike[str]) -> Path:
    """Write :func:`codebook_yaml` of ``codebook`` to ``path``, atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "codebook.yaml"
    >>> book = Codebook(codes=(Code(id="listen", label="Listen"),))
    >>> load_codebook(write_codebook(book, out)).ids
    ('listen',)
    """
    return atomic_write_text(path, codebook_yaml(codebook))
