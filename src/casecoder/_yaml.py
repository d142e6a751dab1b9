"""Reading YAML with the line of each node, so a problem can name its place.

The codebook, analyst codings, overrides and report targets are all YAML files whose problems
must say which line is wrong. They share this one way of finding it:

* :func:`load_with_lines` parses text once and returns the data and a :class:`Lines`, which
  gives the 1-based line of a node by its path of keys and indexes into the data, e.g.
  ``lines("codes", 3, "label")``; a part of the path the file does not have falls back to the
  nearest ancestor it does, so a missing field is reported where its parent starts.
* :data:`KEY` after a key asks for the line of the key itself rather than of its value:
  ``lines("codes", 3, "labl", KEY)`` points at a misspelt key.
* :func:`error_place` turns a :class:`yaml.YAMLError` into ``(line, reason)``.
* :func:`compose` and :func:`node_line` serve callers that validate the node tree itself
  (overrides, which must see duplicate keys and edit the file in place).

Everything is read with PyYAML's pure-Python ``SafeLoader``, as these files always were: they
are small, and their lines and messages then do not depend on whether LibYAML is installed.
"""

from __future__ import annotations

from typing import Any

import yaml

#: A path step after a key: the line of the key, not of its value.
KEY = "<key>"


def node_line(node: yaml.Node) -> int:
    """The 1-based line on which ``node`` starts."""
    return node.start_mark.line + 1


def error_place(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """Where a YAML error is and what it is, for a message.

    Parameters
    ----------
    exc : yaml.YAMLError

    Returns
    -------
    line : int or None
        1-based line of the problem, None when PyYAML gives no place.
    reason : str
        PyYAML's problem (``"mapping values are not allowed here"``), else the first line of
        the error's text.

    Examples
    --------
    >>> try:
    ...     yaml.safe_load("a: 1\\nb: [2, 3\\n")
    ... except yaml.YAMLError as exc:
    ...     error_place(exc)
    (3, "expected ',' or ']', but got '<stream end>'")
    """
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return line, reason


def compose(text: str) -> yaml.Node | None:
    """The node tree of a single-document YAML text (None for an empty one).

    Raises
    ------
    yaml.YAMLError
        If the text is not YAML or holds several documents.
    """
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class Lines:
    """Lines of the nodes of one YAML document, by path: ``lines("codes", 3, "label")``.

    Call it with the keys and list indexes that lead to a value in the loaded data. It returns
    the 1-based line where that value starts, or, with :data:`KEY` after a key, where the key
    is. A path the document does not have gives the line of its longest prefix that it does
    have (the root's line for none; None for an empty document). With a key written twice, the
    last counts, as in the data.

    Keys are matched by their text as written, so a key the data holds as a number or a
    boolean (``1:``, ``yes:``) is not found and its parent's line is given: that is how every
    caller placed such keys before this module, and their messages must not move.
    """

    def __init__(self, root: yaml.Node | None):
        self.root = root
        self._keys: dict[int, dict[Any, tuple[yaml.Node, yaml.Node]]] = {}

    def _children(self, node: yaml.MappingNode) -> dict[Any, tuple[yaml.Node, yaml.Node]]:
        # Built once per mapping, on first use: most documents are asked about few places.
        found = self._keys.get(id(node))
        if found is None:
            found = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):  # other keys cannot be loaded as data keys
                    found[key.value] = (key, value)
            self._keys[id(node)] = found
        return found

    def __call__(self, *path: Any) -> int | None:
        node = self.root
        if node is None:
            return None
        for i, step in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                try:
                    pair = self._children(node).get(step)
                except TypeError:  # an unhashable step names no key
                    pair = None
                if pair is None:
                    break
                if path[i + 1 : i + 2] == (KEY,):
                    return node_line(pair[0])
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                break
        return node_line(node)


def load_with_lines(text: str) -> tuple[Any, Lines]:
    """Parse YAML text once into its data and the lines of its nodes.

    Parameters
    ----------
    text : str
        One YAML document.

    Returns
    -------
    data : Any
        As :func:`yaml.safe_load` gives it (None for an empty text).
    lines : Lines
        ``lines(*path) -> int | None``, see :class:`Lines`.

    Raises
    ------
    yaml.YAMLError
        If the text is not YAML (see :func:`error_place` for its line and reason).

    Examples
    --------
    >>> data, lines = load_with_lines("codes:\\n  - id: a\\n    label: A\\n")
    >>> data["codes"][0]["label"], lines("codes", 0, "label"), lines("codes", 0, "colour")
    ('A', 3, 2)
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        # Constructed from the same nodes (as safe_load does), so merged keys (<<) are found
        # at the lines they were written on.
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, Lines(node)
