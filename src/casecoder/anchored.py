"""The one reader of anchored YAML files: files that point at transcript text by quoting it.

Two kinds of file name an analyst and list entries anchored to quoted words (found with
:func:`casecoder.positions.find_quote`):

- an analyst's **overrides file** (``analyst:``, ``overrides:``; :mod:`casecoder.overrides`);
- an **analyst coding** (``analyst:``, ``reviewed:``, ``codings:``; :mod:`casecoder.sources`).

Both are read here, the same way: the file decoded (UTF-8, a BOM allowed), its YAML node tree
composed so every problem names its line, the top mapping's keys checked (each once), the
analyst's name required, and each entry of the list checked for its shape: a mapping of text
fields, each key known and given once, the required ones present and not empty. Each problem
found is listed, none stops the reading of the others. What differs between the two kinds is
described by an :class:`AnchoredFormat`: the keys, and the message each kind of problem takes
in its own area of the catalogue (E40x for overrides, E61x for analyst codings). What each
entry means (an action, a code of the codebook, a reviewed document) is checked by its module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ._yaml import compose, error_place, node_line
from .errors import CasecoderError, Problem
from .positions import FrozenMap, clip

__all__ = ["AnchoredEntry", "AnchoredFile", "AnchoredFormat", "parse_anchored", "read_anchored"]

#: ``say(kind, path=..., line=..., field=..., **facts) -> Problem``. Kinds and their facts:
#: ``missing_file`` (), ``not_utf8`` (error), ``not_yaml`` (error), ``shape`` (expected, found),
#: ``unknown_key`` (key, allowed), ``twice`` (key), ``missing`` (), ``empty`` ().
Say = Callable[..., Problem]
#: ``check(entry) -> list of Problem``: what an entry means, checked by its module.
Check = Callable[["AnchoredEntry"], list[Problem]]


@dataclass(frozen=True)
class AnchoredFormat:
    """What one kind of anchored file looks like, and how its problems are told.

    Attributes
    ----------
    name : str
        What the file is, for messages (``"overrides file"``).
    top_keys : tuple of str
        The keys of the top mapping (``analyst`` among them).
    list_key : str
        The top key holding the list of entries.
    entry : str
        What an entry is expected to be, for messages.
    entry_keys : tuple of str
        The keys an entry may have.
    required : tuple of str
        The keys every entry must have, not empty.
    say : callable
        Builds the :class:`~casecoder.errors.Problem` for each kind of problem (see ``Say``).
    error : type
        The :class:`~casecoder.errors.CasecoderError` raised for a file that cannot be read.
    strict : bool
        Whether a key not in ``top_keys``/``entry_keys`` is a problem (overrides files) or is
        left alone (analyst codings, which have always tolerated notes of their own).
    """

    name: str
    top_keys: tuple[str, ...]
    list_key: str
    entry: str
    entry_keys: tuple[str, ...]
    required: tuple[str, ...]
    say: Say
    error: type[CasecoderError]
    strict: bool = True


@dataclass(frozen=True)
class AnchoredEntry:
    """One entry of the list, its fields as written (``yes`` stays ``"yes"``).

    Attributes
    ----------
    index : int
        Its place in the list (0-based).
    line : int
        The 1-based line where it starts.
    fields : Mapping[str, str]
        Every text field given once.
    ok : bool
        False when a problem of its shape was reported (the entry is then not to be used).
    """

    index: int
    line: int
    fields: Mapping[str, str]
    ok: bool


@dataclass(frozen=True)
class AnchoredFile:
    """An anchored file read: its top-level values, its entries and the problems found.

    Attributes
    ----------
    path : str
    text : str
        The file's text as read (for callers that edit it in place).
    root : yaml.MappingNode
        The node tree.
    top : Mapping[str, yaml.Node]
        Each top key given once (and known), with its value node.
    analyst : str
        The analyst's name, stripped ("" when it is missing or wrong: a problem says so).
    entries : tuple of AnchoredEntry
    problems : tuple of Problem
        Every problem of shape found, in file order; the caller adds its own and raises.
    """

    path: str
    text: str
    root: yaml.MappingNode
    top: Mapping[str, yaml.Node]
    analyst: str
    entries: tuple[AnchoredEntry, ...]
    problems: tuple[Problem, ...]


def scalar_text(node: yaml.Node) -> str | None:
    """The text of a scalar node as written (so ``yes`` stays ``"yes"``), else None."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None


def kind_of(node: yaml.Node) -> str:
    """What a node is, for a message: ``a mapping``, ``a list`` or its text in quotes."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{clip(str(node.value), 40)}'"


def is_null(node: yaml.Node) -> bool:
    """Whether a node is YAML's null (``~``, ``null`` or nothing)."""
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def read_anchored(path: str | os.PathLike[str], fmt: AnchoredFormat) -> AnchoredFile:
    """Read an anchored file from disk: :func:`parse_anchored` of its text.

    Raises
    ------
    CasecoderError
        ``fmt.error``, for a missing file, a file that is not UTF-8 or not YAML, or a top
        level that is not a mapping.

    Examples
    --------
    >>> from casecoder.overrides import OVERRIDES_FILE
    >>> read_anchored("no/such.yaml", OVERRIDES_FILE)
    Traceback (most recent call last):
    ...
    casecoder.errors.OverridesError: no/such.yaml: overrides file not found: no/such.yaml [E401]
    """
    p = Path(path)
    if not p.is_file():
        raise fmt.error(fmt.say("missing_file", path=p))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fmt.error(fmt.say("not_utf8", path=p, error=f"not UTF-8 ({exc.reason})")) from exc
    return parse_anchored(text, str(p), fmt)


def parse_anchored(text: str, path: str, fmt: AnchoredFormat,
                   check: Check | None = None) -> AnchoredFile:
    """Read the text of an anchored file: its top keys, its analyst and its entries' shapes.

    Parameters
    ----------
    text : str
        The file's text.
    path : str
        Where it comes from, for messages.
    fmt : AnchoredFormat
        Which kind of file it is.
    check : callable, optional
        ``check(entry) -> list of Problem``: what the entry means, checked by the caller right
        after its shape, so that every problem is listed in file order. An entry with any is
        not ``ok``.

    Returns
    -------
    AnchoredFile
        With every problem of shape found (the file is read to the end whatever it holds).

    Raises
    ------
    CasecoderError
        ``fmt.error``, for text that is not YAML or a top level that is not a mapping.

    Examples
    --------
    >>> from casecoder.overrides import OVERRIDES_FILE
    >>> f = parse_anchored("analyst: zoë\\noverrides:\\n  - action: add\\n    quote: 'Hi'\\n", "z.yaml",
    ...                    OVERRIDES_FILE)
    >>> f.analyst, f.entries[0].line, dict(f.entries[0].fields), f.entries[0].ok
    ('zoë', 3, {'action': 'add', 'quote': 'Hi'}, False)
    >>> print(f.problems[0])
    z.yaml:3: overrides[0].document: missing required field 'overrides[0].document' [E405]
    """
    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        line, reason = error_place(exc)
        raise fmt.error(fmt.say("not_yaml", path=path, line=line, error=reason)) from exc
    if root is None or not isinstance(root, yaml.MappingNode):
        expected = "a mapping with " + " and ".join(f"'{k}'" for k in fmt.top_keys)
        raise fmt.error(fmt.say("shape", path=path, line=1 if root is None else node_line(root),
                                expected=expected, found="an empty file" if root is None else kind_of(root)))
    problems: list[Problem] = []
    top = _top(root, path, fmt, problems)
    analyst = _analyst(top, path, fmt, problems)
    items: list[yaml.Node] = []
    seq = top.get(fmt.list_key)
    if isinstance(seq, yaml.SequenceNode):
        items = list(seq.value)
    elif seq is not None and not is_null(seq):
        # no list (or an empty one) is an analyst with nothing recorded yet
        problems.append(fmt.say("shape", path=path, line=node_line(seq), field=fmt.list_key,
                                expected="a list of entries", found=kind_of(seq)))
    entries = tuple(_entry(i, item, path, fmt, problems, check) for i, item in enumerate(items))
    return AnchoredFile(path=path, text=text, root=root, top=FrozenMap(top), analyst=analyst,
                        entries=tuple(e for e in entries if e is not None), problems=tuple(problems))


def _top(root: yaml.MappingNode, path: str, fmt: AnchoredFormat, problems: list[Problem]) -> dict[str, yaml.Node]:
    top: dict[str, yaml.Node] = {}
    for key_node, value_node in root.value:
        key = scalar_text(key_node) or ""
        if key not in fmt.top_keys:
            if not fmt.strict:
                continue
            problems.append(fmt.say("unknown_key", path=path, line=node_line(key_node), field=key,
                                    key=key, allowed=", ".join(fmt.top_keys)))
        elif key in top:
            problems.append(fmt.say("twice", path=path, line=node_line(key_node), field=key, key=key))
        else:
            top[key] = value_node
    return top


def _analyst(top: Mapping[str, yaml.Node], path: str, fmt: AnchoredFormat, problems: list[Problem]) -> str:
    node = top.get("analyst")
    if node is None:
        problems.append(fmt.say("missing", path=path, line=1, field="analyst"))
        return ""
    value = scalar_text(node)
    if value is None:
        problems.append(fmt.say("shape", path=path, line=node_line(node), field="analyst",
                                expected="the analyst's name", found=kind_of(node)))
    elif not value.strip():
        problems.append(fmt.say("empty", path=path, line=node_line(node), field="analyst"))
    else:
        return value.strip()
    return ""


def _entry(i: int, item: yaml.Node, path: str, fmt: AnchoredFormat, problems: list[Problem],
           check: Check | None) -> AnchoredEntry | None:
    line = node_line(item)
    where = f"{fmt.list_key}[{i}]"
    if not isinstance(item, yaml.MappingNode):
        problems.append(fmt.say("shape", path=path, line=line, field=where, expected=fmt.entry, found=kind_of(item)))
        return None
    values: dict[str, str] = {}
    bad: set[str] = set()  # keys already reported, so a missing field is not reported twice
    ok = True
    for key_node, value_node in item.value:
        key = scalar_text(key_node) or ""
        kline = node_line(key_node)
        if key not in fmt.entry_keys:
            if fmt.strict:
                problems.append(fmt.say("unknown_key", path=path, line=kline, field=f"{where}.{key}",
                                        key=key, allowed=", ".join(fmt.entry_keys)))
                ok = False
            continue
        elif key in values:
            problems.append(fmt.say("twice", path=path, line=kline, field=f"{where}.{key}", key=key))
            ok = False
        elif (value := scalar_text(value_node)) is None:
            problems.append(fmt.say("shape", path=path, line=node_line(value_node), field=f"{where}.{key}",
                                    expected="text", found=kind_of(value_node)))
            bad.add(key)
            ok = False
        else:
            values[key] = value
    for key in fmt.required:
        if key not in values:
            if key not in bad:
                problems.append(fmt.say("missing", path=path, line=line, field=f"{where}.{key}"))
            ok = False
        elif not values[key].strip():
            problems.append(fmt.say("empty", path=path, line=line, field=f"{where}.{key}"))
            ok = False
    entry = AnchoredEntry(index=i, line=line, fields=FrozenMap(values), ok=ok)
    found = check(entry) if check is not None else []
    problems.extend(found)
    return entry if ok and not found else replace(entry, ok=False)
