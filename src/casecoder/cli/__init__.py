"""The ``casecoder`` command line: one thin command per public function.

Each command lives in its own module of this package, which defines
``register(subparsers) -> None``; that adds an ``argparse`` sub-parser whose ``func`` default
is a function ``(args) -> int`` returning the exit code. Commands call the public API and
print; the library never prints or exits. Every :class:`~casecoder.errors.CasecoderError` is
turned here into one line per problem on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from ..errors import CasecoderError

__all__ = ["build_parser", "main"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    # the flow: start a study, check inputs, code, correct, count, draw, the shipped study
    "init",
    "validate",
    "code",
    "override",
    "matrix",
    "chart",
    "cooccurrence",
    "reproduce",
    # beside the flow: read the coding, score it, compare analysts, exchange with other tools
    "review",
    "evaluate",
    "rules",
    "suggest_rules",
    "codebook_diff",
    "compare",
    "reconcile",
    "refi",
)

DESCRIPTION = """\
casecoder: reproducible qualitative coding of interview transcripts.

A typical study (each step writes plain files you can open, diff and re-run):
  casecoder init my-study                                          a new study folder
  casecoder validate --codebook codebook.yaml transcripts/     check the inputs first
  casecoder code transcripts/ --out codings.csv --jobs 2          code every sentence
  casecoder review codings.csv transcripts/ --out review/
                                                       read the coding in a browser
  casecoder override add interview-03 "we went door to door" involve_residents \\
      transcripts/ --note "listening to residents" --analyst alex
                                                       correct the machine
  casecoder code transcripts/ --overrides overrides/alex.yaml --out codings.csv
  casecoder matrix codings.csv --value presence --out matrix.csv   cases x codes
  casecoder chart codings.csv --out chart                          chart.png, chart.svg
  casecoder cooccurrence codings.csv --unit turn --out cooccurrence/   codes coded together
  casecoder compare auto overrides/alex.yaml --transcripts transcripts/ --out agreement/
                                                       machine vs reviewed coding
  casecoder rules codebook.yaml transcripts/ --gold gold/ --out rules/   evidence for each rule
  casecoder suggest-rules codebook.yaml transcripts/ --gold gold/   rules mined from the coding
  casecoder codebook-diff old.yaml codebook.yaml transcripts/ --gold gold/   what a change does
  casecoder export-qdpx codings.csv transcripts/ --out study.qdpx   to NVivo & co.

One grammar: the codings a command reads come first; transcripts are PATH... after them
(compare, whose arguments are all codings, takes --transcripts PATH...); --codebook,
--case-key, --out, --jobs and --no-progress mean the same everywhere.

The shipped study, end to end: casecoder reproduce --out out/

Run `casecoder COMMAND --help` for what a command does, an example and where it writes.
Exit status: 0 done, 1 a check failed (e.g. a target missed), 2 bad input or usage.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that exits 2 with one clear line on a usage error."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised via main()
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message} [E901]\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``casecoder`` argument parser with every registered command."""
    parser = _Parser(
        prog="casecoder",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__  # lazy: casecoder/__init__ is being imported when this module loads

    parser.add_argument("--version", action="version", version=f"casecoder {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(sub)
    return parser


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None, *, shown: set[str]) -> None:
    """Print a warning as the CLI prints errors: one line, the file and field first.

    Warnings that carry a :class:`~casecoder.errors.Problem` (transcripts decoded as cp1252,
    Word lock files skipped, ...) read ``warning: path:line: field: message [E011]``; no Python
    source line is shown, and each distinct line is printed once per run.
    """
    found = getattr(message, "problem", None)
    text = f"warning: {found}" if found is not None else f"warning: {message}"
    if text not in shown:
        shown.add(text)
        print(text, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 a check failed, 2 bad input)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse hands an optional PATH... its (empty) share as soon as the codings before it
        # are read, so transcripts written after an option ("matrix c.csv --by type data/")
        # come back unparsed here: they belong to PATH..., as the grammar says.
        if isinstance(getattr(args, "paths", None), list) and not any(e.startswith("-") for e in extra):
            args.paths = [*args.paths, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # one line per file, not one per source location
            warnings.showwarning = functools.partial(_show_warning, shown=set())
            return int(args.func(args) or 0)
    except CasecoderError as exc:
        for p in exc.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _reader_gone()
    except OSError as exc:
        # An output folder that does not exist or is not writable, a path that is a folder:
        # the user's input, so a message and exit 2 rather than a traceback.
        from ..errors import problem

        print(f"error: {problem('E902', path=exc.filename, error=exc.strerror or exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted; no output was left half-written", file=sys.stderr)
        return 130


def _reader_gone() -> int:
    """The exit status when standard output's reader stopped reading (``casecoder rules ... |
    head``): no message, as any Unix tool piped into ``head``; files a command writes are whole.

    The rest of standard output goes to the null device, so that Python's flush at exit does
    not fail again; the status is that of a process ended by SIGPIPE (128 + 13).
    """
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stand-in stdout (tests) has no descriptor
        pass
    return 128 + 13


def _terminate(signum: int, frame: object) -> None:  # pragma: no cover - tested in a subprocess
    # `kill` (SIGTERM) would end the process without running `finally` blocks, stranding the
    # atomic writers' temporary files; raising here lets them remove their files first.
    raise SystemExit(128 + signum)


def entry() -> None:  # pragma: no cover
    """Console-script entry point (also ``python -m casecoder``)."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    status = main()
    try:
        sys.stdout.flush()  # output still buffered goes now, while a closed pipe can be handled
    except BrokenPipeError:
        status = _reader_gone()
    raise SystemExit(status)
