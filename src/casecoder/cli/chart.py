"""``casecoder chart``: the number of cases taking each code, as a bar chart (PNG and SVG)."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError, problem
from ..figures import chart_cases_per_code, save_figure
from ..matrix import code_matrix
from . import _options
from .matrix import add_input_arguments, load_inputs

HELP = """\
Draw one horizontal bar per code: the number of cases with at least one coded sentence of it,
most to fewest (ties in codebook order), each bar labelled with its count, the axis running
from 0 to the number of cases. Labels are the codebook's, in full.

--by ATTR stacks each bar by a case attribute (e.g. council_type; needs --cases or
the transcripts PATH...). The filters (--section, --speaker, --document, --source, --status) are those of
`casecoder matrix`: e.g. --section "Leadership actions with the greatest impact" charts the key
actions only.

Writes OUT.png and OUT.svg (any suffix of --out is replaced), atomically; the same input gives
the same bytes.

examples:
  casecoder chart codings.csv --out chart
  casecoder chart codings.csv data/interviews --by council_type \\
      --title "Key leadership actions identified in case studies" --out chart-by-type
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``chart`` command."""
    p = sub.add_parser(
        "chart",
        help="bar chart of the cases taking each code (PNG + SVG)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(p)
    _options.out(p, "output path without suffix; writes OUT.png and OUT.svg", required=True)
    p.add_argument("--title", default="Cases taking each code", help="chart title (default: %(default)s)")
    p.add_argument("--source-line", default=None, help="a source line printed under the chart")
    p.add_argument("--by", metavar="ATTR", help="stack the bars by this case attribute")
    p.add_argument("--format", action="append", choices=["png", "svg", "pdf"], help="formats to write (default: png and svg)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw and save the chart; return 0 (2 on bad input)."""
    inp = load_inputs(args)
    cases = inp["cases"]
    if args.by and (cases is None or args.by not in cases.columns):
        found = "none" if cases is None else (", ".join(cases.columns) or "none")
        raise UsageError(problem("E901", field="--by", message=f"no case attribute '{args.by}' (attributes: {found}); give --cases or the transcripts (PATH...)"))
    presence = code_matrix(inp["codings"], inp["codebook"], cases=cases, value="presence", where=str(args.codings), **inp["filters"])
    fig = chart_cases_per_code(
        presence,
        inp["codebook"],
        title=args.title,
        source=args.source_line,
        by=cases[args.by] if args.by else None,
    )
    written = save_figure(fig, args.out, formats=args.format or ("png", "svg"))
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0
