"""The import rules of ARCHITECTURE.md, checked on the source: which room may import which.

Each module's imports of casecoder are read with ``ast`` (imports under ``if TYPE_CHECKING:``
are for type checkers only and are not counted) and checked against :data:`ALLOWED`. A room is
the first part of a module's name under ``casecoder`` (``agreement`` for
``casecoder.agreement.units``); a room may always import itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "casecoder"

#: Modules every room may import: messages, atomic writes, YAML lines, the codings table's
#: schema, the offline English pipeline, positions in text, the reader of anchored YAML files.
CROSS = frozenset({"errors", "io", "_yaml", "schema", "nlp", "positions", "anchored"})
#: The stages, in the order data flows through them.
STAGES = ("transcripts", "segments", "codebook", "assertion", "compiler", "coder", "overrides", "matrix", "figures",
          "cooccurrence")

#: room -> the rooms it may import besides itself and CROSS (the cross-cutting modules import
#: only each other, and are listed with their own sets).
ALLOWED: dict[str, frozenset[str]] = {
    # cross-cutting
    "errors": frozenset(),
    "io": frozenset(),
    "_yaml": frozenset(),
    "nlp": frozenset(),
    "positions": frozenset(),
    "anchored": frozenset({"_yaml", "errors", "positions"}),
    "schema": frozenset({"errors", "io"}),
    # the stages: each imports only earlier stages
    "transcripts": CROSS,
    "segments": CROSS | {"transcripts"},
    # the codebook checks the coder's word-list settings (assertion) when it loads
    "codebook": CROSS | {"transcripts", "assertion"},
    "assertion": CROSS,
    "compiler": CROSS | {"codebook", "assertion"},
    "coder": CROSS | {"transcripts", "segments", "codebook", "assertion", "compiler"},
    "overrides": CROSS | {"transcripts", "segments", "codebook"},
    "matrix": CROSS | {"transcripts", "segments", "codebook"},
    "figures": CROSS | {"codebook"},
    # what a corpus says about how it was made (a notice, the kind of each turn), read beside it
    "provenance": CROSS | {"transcripts"},
    "cooccurrence": CROSS | {"transcripts", "segments", "codebook", "matrix", "figures"},
    # the one place the stages are combined
    "pipeline": CROSS | {"transcripts", "segments", "codebook", "coder", "overrides"},
    # beside the flow: they take codings and documents and never make codings
    "agreement": CROSS | {"transcripts", "segments", "codebook", "figures"},
    # evaluate finds gold quotes with positions.find_quote, as overrides anchor theirs
    "evaluate": CROSS | {"transcripts", "segments", "codebook", "agreement"},
    "refi": CROSS | {"casecoder", "transcripts", "segments", "codebook"},
    # the review shows the co-occurrence of codes; served, it writes an analyst's overrides
    "review": CROSS | {"casecoder", "transcripts", "segments", "codebook", "matrix", "cooccurrence", "overrides",
                       "provenance"},
    "starter": CROSS | {"codebook"},
    # above the stages: an analyst's coding from any source (the coder, overrides, REFI-QDA)
    "sources": CROSS | {"transcripts", "segments", "codebook", "coder", "overrides", "pipeline", "agreement",
                        "evaluate", "refi"},
    # candidate rules mined from an analysts' coding, each run through the coder for its evidence
    "mining": CROSS | {"transcripts", "segments", "codebook", "compiler", "coder", "agreement"},
    # the evidence for each rule: the coder run rule by rule, units mapped as evaluate maps them
    "evidence": CROSS | {"transcripts", "segments", "codebook", "compiler", "coder", "agreement", "evaluate"},
    # the team's decisions on disagreements -> a consensus overrides file over the coder's coding
    "reconcile": CROSS | {"transcripts", "segments", "codebook", "coder", "overrides", "agreement"},
    # the worked study may use the whole toolkit, and nothing in the toolkit may use it
    "studies": CROSS | set(STAGES) | {"pipeline", "provenance", "agreement", "evaluate", "refi", "review", "sources"},
    # the command line sits on top of everything
    "cli": CROSS | set(STAGES) | {"casecoder", "pipeline", "provenance", "agreement", "evaluate", "refi", "review", "sources",
                                  "starter", "studies", "reconcile", "mining", "evidence"},
    "__main__": frozenset({"cli"}),
    "casecoder": frozenset(),  # __init__.py loads its names lazily, by name, through importlib
}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "casecoder"


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(path: Path) -> list[tuple[int, str, bool]]:
    """``(line, imported casecoder module, at the top of the file)`` for each import, typing-only ones left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = _type_checking_lines(tree)
    top = {id(node) for node in tree.body}
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            found.append((node.lineno, target, id(node) in top))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("casecoder"):
            found.append((node.lineno, node.module or "", id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, id(node) in top) for a in node.names if a.name.startswith("casecoder")]
    return found


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_architecture_each_module_imports_only_what_its_room_may(path: Path) -> None:
    room = _room(_name(path))
    assert room in ALLOWED, f"{_name(path)}: room '{room}' is not in ALLOWED; add it with the rooms it may import"
    wrong = [f"line {line}: {target}" for line, target, _ in imports(path)
             if _room(target) != room and _room(target) not in ALLOWED[room]]
    assert wrong == [], f"{_name(path)} ({room}) may not import: {wrong}"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_architecture_internal_imports_at_the_top(path: Path) -> None:
    # A lazy import of another part of casecoder hides a dependency; the only reason to delay
    # one is a heavy third-party library behind it (spaCy, matplotlib), said in a comment on
    # the line or the line above.
    lines = path.read_text(encoding="utf-8").splitlines()

    def has_reason(line: int) -> bool:
        # a comment on the import, or on the line above the block of imports it belongs to
        i = line - 1
        if "#" in lines[i]:
            return True
        while i > 0 and lines[i - 1].strip().startswith(("from ", "import ")):
            i -= 1
        return i > 0 and lines[i - 1].strip().startswith("#")

    hidden = [f"line {line}: {target}" for line, target, at_top in imports(path) if not at_top and not has_reason(line)]
    assert hidden == [], f"{_name(path)}: internal imports inside functions without a reason: {hidden}"


def test_architecture_the_toolkit_does_not_know_the_study() -> None:
    users = sorted(_name(p) for p in _modules() if _room(_name(p)) not in ("studies", "cli")
                   and any(_room(t) == "studies" for _, t, _ in imports(p)))
    assert users == []


def test_architecture_rules_catch_a_forbidden_import(tmp_path: Path) -> None:
    # the checker itself: an earlier stage importing a later one is caught
    fake = tmp_path / "casecoder" / "segments.py"
    fake.parent.mkdir()
    fake.write_text("from .coder import code_documents\n", encoding="utf-8")
    global SRC
    saved, SRC = SRC, tmp_path / "casecoder"
    try:
        found = imports(fake)
    finally:
        SRC = saved
    assert found == [(1, "casecoder.coder", True)]
    assert "coder" not in ALLOWED["segments"]


#: The longest a function may be, from its ``def`` line to its last line (docstring included).
LONGEST = 80
#: What a function over :data:`LONGEST` lines must say, in a comment of its own, to be allowed.
LONG_BECAUSE = "# long because:"


def long_functions(path: Path) -> list[str]:
    """The functions of ``path`` over :data:`LONGEST` lines without a ``# long because:`` comment
    (in the comment block right above the ``def``, or anywhere inside it)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - node.lineno + 1
            above = first - 1  # the comment block right above the def (or its decorators)
            while above > 0 and lines[above - 1].strip().startswith("#"):
                above -= 1
            said = any(LONG_BECAUSE in line for line in lines[above:node.end_lineno])
            if length > LONGEST and not said:
                found.append(f"{node.name} (line {node.lineno}, {length} lines)")
    return found


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_architecture_no_function_over_80_lines_without_a_reason(path: Path) -> None:
    too_long = long_functions(path)
    assert too_long == [], (f"{_name(path)}: functions over {LONGEST} lines; split them, or say why in a "
                            f"'{LONG_BECAUSE} ...' comment: {too_long}")


@pytest.mark.parametrize("body, reason, expected", [
    (81, "", ["f (line 1, 81 lines)"]),
    (80, "", []),
    (81, "    # long because: one table of cases, read top to bottom\n", []),
    (81, "# long because: a reason may open the comment block above\n# and go on here\n", []),
    (81, "# long because: a comment further up says nothing of this function\n\n", ["f (line 3, 81 lines)"]),
])
def test_architecture_the_length_check_counts_lines_and_reads_the_reason(tmp_path: Path, body, reason, expected):
    # the checker itself: 81 lines fail, 80 pass, a reason in the function lets it through
    fake = tmp_path / "m.py"
    inside = reason.startswith("    ")
    head = "" if inside else reason
    fake.write_text(head + "def f():\n" + (reason if inside else "") + "    x = 1\n" * (body - 1 - inside), encoding="utf-8")
    assert long_functions(fake) == expected


def test_architecture_no_module_over_800_lines() -> None:
    big = {_name(p): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert big == {}


def test_architecture_every_command_has_its_test_file() -> None:
    # one grammar, one test file per command: tests/test_cli_<command>.py ("-" read as "_")
    commands = sorted(_commands())
    missing = [c for c in commands if not (Path(__file__).parent / f"test_cli_{c.replace('-', '_')}.py").is_file()]
    assert len(commands) >= 19 and missing == []


def _documented_rules() -> dict[str, frozenset[str]]:
    """The table of ARCHITECTURE.md's "Which room may import which": room -> the rooms named in
    its second column (in backticks)."""
    import re

    text = (SRC.parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Which room may import which", 1)[1].split("\n## ", 1)[0]
    rules: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        named = frozenset(re.findall(r"`([^`]+)`", cells[1]))
        for room in re.findall(r"`([^`]+)`", cells[0]):
            rules[room] = named
    return rules


def test_architecture_the_document_draws_the_same_rules() -> None:
    # ARCHITECTURE.md's table lists, for each room, what it may import besides itself and the
    # cross-cutting modules (which list their own): the same sets as ALLOWED, room for room
    documented = _documented_rules()
    assert sorted(documented) == sorted(ALLOWED)
    own_sets = {room for room in ALLOWED if room in CROSS or room in ("__main__", "casecoder")}
    expected = {room: allowed if room in own_sets else allowed - CROSS for room, allowed in ALLOWED.items()}
    assert {r: sorted(s) for r, s in documented.items()} == {r: sorted(s) for r, s in expected.items()}


def test_architecture_the_document_names_every_module() -> None:
    # every module is named in ARCHITECTURE.md: a top-level one by its name ("`anchored.py`"), a
    # part of a package by its own ("`_matching`", "`gold`", "`reports.py`"); the command modules
    # of cli/ are "one thin module per command", each named by its command
    from casecoder.cli import COMMANDS

    text = (SRC.parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for path in _modules():
        rel = path.relative_to(SRC)
        names = {f"`{rel.name}`", f"`{rel.stem}`", f"`{rel.as_posix()}`"}
        if len(rel.parts) > 1 and rel.stem == "__init__":
            names = {"`" + "/".join(rel.parts[:-1]) + "/"}  # the package: "`refi/`", "`studies/solace/`"
        if rel.parts[0] == "cli" and rel.stem in COMMANDS:
            continue
        if not any(n in text for n in names):
            missing.append(rel.as_posix())
    assert missing == []


def _commands() -> dict[str, object]:
    import argparse

    from casecoder.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_architecture_every_command_reading_transcripts_has_case_key_and_no_default_corpus() -> None:
    # one grammar: a command that reads transcripts (PATH... or --transcripts) lets the caller
    # name the case key, and no command but the study's has a default corpus
    reading, without_key, with_corpus = [], [], []
    for name, parser in sorted(_commands().items()):
        dests = {a.dest: a for a in parser._actions}
        if "paths" in dests:
            reading.append(name)
            if "case_key" not in dests:
                without_key.append(name)
        if name != "reproduce" and any("interviews" in str(a.default) for a in parser._actions):
            with_corpus.append(name)
    assert len(reading) >= 13 and without_key == [] and with_corpus == []


def test_architecture_the_library_never_switches_the_matplotlib_backend() -> None:
    # a notebook's inline backend is the researcher's: figures are saved through
    # figures.save_figure on their own Figure, never by switching pyplot's backend
    found = [f"{_name(p)}:{i}" for p in _modules() for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if "matplotlib.use(" in line or "plt.switch_backend(" in line]
    assert found == []
