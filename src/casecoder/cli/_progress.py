"""The progress bar the commands that code transcripts draw on standard error.

The library reports progress through a callback (``progress(done, total)``, see
:func:`casecoder.coder.code_documents`) and never prints; this module is the one place a bar
is drawn. There is no bar with ``--no-progress`` or when standard error is not a terminal
(a log file, CI), so captured output stays clean.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

#: Seconds between two redraws of the bar (tqdm's own throttle).
MININTERVAL = 0.1


class Bar:
    """``progress(done, total)`` drawn as a percentage bar (the units are the library's: bytes
    of the files, or characters of the texts, so the bar shows only the share done)."""

    def __init__(self, desc: str):
        self.desc = desc
        self.bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is not None and (done < self.bar.n or total != self.bar.total):
            self.bar.reset(total=total)  # the coder runs again (compare: once per overrides file)
        if self.bar is None:
            from tqdm import tqdm

            fmt = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}" if total else "{desc}: {elapsed}"
            self.bar = tqdm(total=total, desc=self.desc, bar_format=fmt, leave=False, file=sys.stderr,
                            mininterval=MININTERVAL, miniters=1, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def progress_bar(args: argparse.Namespace, desc: str = "coding") -> Iterator[Bar | None]:
    """A :class:`Bar` to pass as ``progress=``, or None with ``--no-progress`` or when
    standard error is not a terminal; the bar is cleared on exit."""
    if getattr(args, "no_progress", False) or not sys.stderr.isatty():
        yield None
        return
    bar = Bar(desc)
    try:
        yield bar
    finally:
        bar.close()
