"""``casecoder export-qdpx | export-qdc | import-qdpx | import-qdc``: REFI-QDA interchange.

Thin commands over :mod:`casecoder.refi`: they read the inputs, call one public function, write
its results (atomically, and only when it succeeded) and print the report.
"""

from __future__ import annotations

import argparse

from ..codebook import load_codebook, write_codebook
from ..pipeline import case_key_of, read_transcripts
from ..refi import CONVENTIONS, ReadLimits, export_qdc, export_qdpx, import_qdc, import_qdpx
from ..schema import read_codings, write_codings
from ..transcripts import write_transcripts
from . import _options

_FMT = argparse.RawDescriptionHelpFormatter
_MIB = 1 << 20

EXPORT_QDPX_HELP = """\
Write transcripts, codebook, cases and codings as a REFI-QDA project (.qdpx) that NVivo,
ATLAS.ti, MAXQDA and QualCoder open: one user per analyst, the codebook with nesting, colours
and descriptions, cases with their attributes as variables, each transcript as a UTF-8 text
source and each coded row as a text selection with its code. Exporting twice gives the same
bytes. Before the file is written the XML is validated against --schema FILE (the REFI-QDA
Project.xsd, which casecoder does not ship); without it, it is checked for well-formedness and
casecoder's structural invariants only, and the output says so.

Positions count Unicode code points, as the REFI-QDA specification says (ATLAS.ti, QualCoder);
give --convention utf16 for NVivo, which counts UTF-16 units (an emoji is two). Only text with
characters beyond U+FFFF differs.

example:
  casecoder export-qdpx out/codings.csv data/interviews --codebook codebook.yaml \\
      --out out/study.qdpx --schema ../shared/refi-qda/Project-mrt2019.xsd
  casecoder export-qdpx out/codings.csv data/interviews --out out/for-nvivo.qdpx \\
      --convention utf16
"""

EXPORT_QDC_HELP = """\
Write the codebook alone as a REFI-QDA codebook file (.qdc). Before the file is written the XML
is validated against --schema FILE (a REFI-QDA codebook schema, which casecoder does not ship);
without it, it is checked for well-formedness and casecoder's structural invariants only, and
the output says so.

example:
  casecoder export-qdc --codebook codebook.yaml --out out/codebook.qdc
  casecoder export-qdc --codebook codebook.yaml --out out/codebook.qdc --schema Codebook.xsd
"""

IMPORT_QDPX_HELP = """\
Read a REFI-QDA project exported by another tool into a casecoder codings table (one analyst
per user of the file, source 'manual') and, with --texts, its source texts as transcripts
that `casecoder compare` and `review` read. Codes not in --codebook are kept under their own
names and listed; media and PDF selections are listed as skipped. The report says how the
file counts positions (code points, UTF-16 units, CRLF as two) and why.

Nothing is written if the file is invalid (exit 2, each problem with its element and GUID).
Vendor oddities (an empty source, a repeated coding, an unknown kind of source, a member name
with backslashes) are notes, listed with --verbose. A text member larger than --max-member-mb
or inflating more than --max-ratio to 1 is refused before it is read (a zip bomb); raise the
limits only for a file you trust.

example:
  casecoder import-qdpx nvivo.qdpx --codebook codebook.yaml --out out/nvivo-codings.csv \\
      --texts out/nvivo-texts --codebook-out out/nvivo-codebook.yaml
"""

IMPORT_QDC_HELP = """\
Read a REFI-QDA codebook (.qdc) and write it as a casecoder codebook.yaml (codes matched to
--codebook where given, the rest kept under their own names and listed).

example:
  casecoder import-qdc atlas.qdc --out out/atlas-codebook.yaml
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the four REFI-QDA commands."""
    p = sub.add_parser("export-qdpx", help="write a REFI-QDA project (.qdpx)", description=EXPORT_QDPX_HELP,
                       formatter_class=_FMT)
    _options.codings(p)
    _options.transcripts(p)
    _options.codebook(p)
    _options.out(p, "the .qdpx file to write", required=True)
    p.add_argument("--name", default="casecoder project", help="project name (default: %(default)s)")
    _options.case_key(p)
    p.add_argument("--schema", default=None, metavar="FILE",
                   help="REFI-QDA Project.xsd to validate against (default: none; structural checks only)")
    p.add_argument("--convention", default="codepoints", choices=["codepoints", "utf16"],
                   help="how positions count: code points as the specification says, or UTF-16 units as NVivo "
                        "counts (default: %(default)s)")
    p.set_defaults(func=run_export_qdpx)

    p = sub.add_parser("export-qdc", help="write a REFI-QDA codebook (.qdc)", description=EXPORT_QDC_HELP,
                       formatter_class=_FMT)
    _options.codebook(p)
    _options.out(p, "the .qdc file to write", required=True)
    p.add_argument("--schema", default=None, metavar="FILE",
                   help="REFI-QDA codebook .xsd to validate against (default: none; structural checks only)")
    p.set_defaults(func=run_export_qdc)

    p = sub.add_parser("import-qdpx", help="read a REFI-QDA project into codings", description=IMPORT_QDPX_HELP,
                       formatter_class=_FMT)
    p.add_argument("file", metavar="FILE", help="a .qdpx project")
    _options.codebook(p, optional=True, help="our codebook.yaml, to match the file's codes against")
    _options.out(p, "codings table to write (.csv or .parquet)", required=True)
    p.add_argument("--texts", default=None, help="folder to write the source texts into, as transcripts")
    p.add_argument("--codebook-out", default=None, help="write the resulting codebook (ours + the file's new codes)")
    p.add_argument("--convention", default=None, choices=[c.name for c in CONVENTIONS],
                   help="force a position convention instead of detecting it")
    _options.case_key(p)
    p.add_argument("--verbose", action="store_true", help="list every skipped selection and note")
    defaults = ReadLimits()
    p.add_argument("--max-member-mb", type=_positive, default=defaults.member_bytes / _MIB, metavar="MB",
                   help="refuse a text member larger than this uncompressed (default: %(default)g)")
    p.add_argument("--max-ratio", type=_positive, default=defaults.ratio, metavar="N",
                   help="refuse a text member over 1 MiB that inflates more than N to 1 (default: %(default)g)")
    p.add_argument("--max-total-mb", type=_positive, default=defaults.total_bytes / _MIB, metavar="MB",
                   help="refuse a file whose text members add up to more than this (default: %(default)g)")
    p.set_defaults(func=run_import_qdpx)

    p = sub.add_parser("import-qdc", help="read a REFI-QDA codebook (.qdc)", description=IMPORT_QDC_HELP,
                       formatter_class=_FMT)
    p.add_argument("file", metavar="FILE", help="a .qdc codebook")
    _options.codebook(p, optional=True, help="our codebook.yaml, to match the file's codes against")
    _options.out(p, "codebook.yaml to write", required=True)
    p.set_defaults(func=run_import_qdc)


def _positive(value: str) -> float:
    """An argparse type: a number above zero."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, found {value!r}")
    return number


def run_export_qdpx(args: argparse.Namespace) -> int:
    """Export; print the counts."""
    book = load_codebook(args.codebook)
    case_key = case_key_of(book, args.case_key)
    docs = read_transcripts(args.paths, book, case_key=case_key)
    codings = read_codings(args.codings, codebook=book)
    report = export_qdpx(args.out, docs, codings, book, name=args.name, case_key=case_key, schema=args.schema,
                         convention=args.convention)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    print(f"{report.path}: {counts}; positions in {report.convention}; {report.checked}")
    return 0


def run_export_qdc(args: argparse.Namespace) -> int:
    """Export the codebook; print the count."""
    report = export_qdc(args.out, load_codebook(args.codebook), schema=args.schema)
    print(f"{report.path}: {report.counts['codes']} codes; {report.checked}")
    return 0


def run_import_qdpx(args: argparse.Namespace) -> int:
    """Import; write codings (and texts, codebook) only after the whole file was read."""
    ours = load_codebook(args.codebook) if args.codebook else None
    limits = ReadLimits(member_bytes=int(args.max_member_mb * _MIB), ratio=args.max_ratio,
                        total_bytes=int(args.max_total_mb * _MIB))
    result = import_qdpx(args.file, ours, convention=args.convention, limits=limits)
    if args.texts:
        write_transcripts(result.documents, args.texts, case_key=case_key_of(ours, args.case_key))
    if args.codebook_out:
        write_codebook(result.codebook, args.codebook_out)
    write_codings(result.codings, args.out)
    print(result.report.summary())
    if args.verbose:
        for item in (*result.report.skipped, *result.report.notes):
            print(f"  {item}")
    print(f"wrote {args.out}" + (f", {args.texts}/" if args.texts else "")
          + (f", {args.codebook_out}" if args.codebook_out else ""))
    return 0


def run_import_qdc(args: argparse.Namespace) -> int:
    """Import a codebook file; write it as YAML."""
    ours = load_codebook(args.codebook) if args.codebook else None
    result = import_qdc(args.file, ours)
    write_codebook(result.codebook, args.out)
    unknown = result.report.unknown_codes
    print(f"{args.file}: {result.report.counts['codes']} codes ({len(unknown)} not in the codebook, kept); wrote {args.out}")
    for n in result.report.notes:
        print(f"  {n}")
    return 0
