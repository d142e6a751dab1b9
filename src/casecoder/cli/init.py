"""``casecoder init``: lay out a new study folder."""

from __future__ import annotations

import argparse

from ..starter import init_study

HELP = """\
Create a new study folder with a starter codebook (two example codes, every key explained),
an empty transcripts/ and overrides/ folder, one example interview in examples/ and a
README.md listing the commands of a study in order. Nothing is overwritten: a folder that
exists and is not empty is refused (exit 2).

--codebook PATH copies an existing codebook instead of the starter (it is checked first),
e.g. the leadership-actions codebook shipped with casecoder.

example:
  casecoder init my-study
  casecoder init my-study --codebook codebook.yaml
  cd my-study && casecoder code examples/ --codebook codebook.yaml --out codings.csv
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``init`` command."""
    p = sub.add_parser(
        "init",
        help="lay out a new study folder (starter codebook, transcripts/, overrides/)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="FOLDER", help="the study folder to create (new or empty)")
    p.add_argument("--codebook", default=None, help="copy this codebook instead of the starter")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create the folder and say what to do next; return 0 (errors are raised, exit 2)."""
    folder = init_study(args.folder, codebook=args.codebook)
    print(f"created {folder}/: codebook.yaml, transcripts/, overrides/, examples/interview.md, README.md")
    print(f"next: put interviews in {folder}/transcripts/ and run "
          f"`casecoder validate --codebook {folder}/codebook.yaml {folder}/transcripts`")
    return 0
