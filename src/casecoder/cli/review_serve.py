"""``casecoder review --serve``: serve the review site on loopback until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ReviewError, UsageError, problem
from ..review import build_review


def serve(args: argparse.Namespace, book: Any, codings: pd.DataFrame, docs: list[Any], **site: Any) -> int:
    """Build the site in a temporary folder, serve it, remove it on exit; return 0."""
    # lazy: the server (http.server, threads) is only needed with --serve
    from ..review.serve import ReviewServer, is_loopback
    from ..review.session import ReviewSession

    if args.overrides:
        path = Path(args.overrides)
    elif args.analyst and args.analyst.strip():
        path = Path("overrides") / f"{args.analyst.strip()}.yaml"
    else:
        raise UsageError(problem("E901", field="--analyst",
                                 message="--serve needs whose corrections these are: --analyst NAME (or --overrides FILE of an existing file)"))
    if not is_loopback(args.host) and not args.allow_remote:
        raise ReviewError(problem("E812", field="--host", host=args.host))  # before any work
    session = ReviewSession(codings, docs, book, path, analyst=args.analyst)
    with tempfile.TemporaryDirectory(prefix="casecoder-review-") as tmp:
        folder = Path(tmp) / "site"

        def rebuild(current: pd.DataFrame) -> None:
            build_review(current, docs, book, folder, **site)

        rebuild(session.codings)
        server = ReviewServer(session, folder, host=args.host, port=args.port, allow_remote=args.allow_remote,
                              rebuild=rebuild, log=lambda line: print(line, file=sys.stderr, flush=True))
        if not is_loopback(args.host):
            print(f"warning: serving on {args.host}: anyone who can reach this address and open a page can "
                  f"write into {path}", file=sys.stderr)
        print(f"{server.url}  ({session.analyst}'s corrections go to {path}; Ctrl+C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0
