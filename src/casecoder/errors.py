"""Every message casecoder gives, with a stable code, and the exception types that carry them.

Exception hierarchy::

    CasecoderError                 any input problem; carries ``problems``
    ├── TranscriptError            E0xx  a transcript or a case list cannot be read
    ├── CodebookError              E1xx  the codebook is invalid (all problems at once)
    ├── CodingsError               E2xx  a codings table is malformed
    ├── CoderError                 E3xx  the coder cannot run as asked
    ├── OverridesError             E40x-E44x  an overrides file is invalid or an anchor fails
    ├── EvaluationError            E45x-E49x  a gold coding cannot be read or compared
    ├── FindingsError              E5xx  matrix, reports, reproduction
    ├── AgreementError             E6xx  analysts cannot be compared as asked
    ├── RefiError                  E7xx  a REFI-QDA file cannot be read or written
    ├── ReviewError                E8xx  the review site cannot be built
    └── UsageError                 E9xx  the command line was used wrongly

The library raises these and never prints or exits; only :mod:`casecoder.cli` turns them into
lines on standard error and exit code 2. Each :class:`Problem` says what was expected, what was
found, where (file, line, field) and, where we can tell, the likely fix.

Messages live in :data:`MESSAGES`, keyed by code, as ``str.format`` templates. Raise with
:func:`problem`, which fills the template, so that the wording of a message is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "MESSAGES",
    "AgreementError",
    "CasecoderError",
    "CasecoderWarning",
    "CodebookError",
    "CoderError",
    "CodingsError",
    "EvaluationError",
    "FindingsError",
    "OverridesError",
    "Problem",
    "RefiError",
    "ReviewError",
    "TranscriptError",
    "UsageError",
    "problem",
]

MESSAGES: dict[str, str] = {
    # --- E0xx transcripts -------------------------------------------------------------------
    "E001": "file or folder not found; check the path",
    "E002": "no transcripts found in {path} (looked for {suffixes})",
    "E003": "the file is empty",
    "E004": "this looks like a binary file ({kind}), not a transcript; convert it to .txt, .md, .docx or .vtt",
    "E005": "front matter is not valid YAML: {error}",
    "E006": "front matter must be a mapping of keys to values, found {found}",
    "E007": "front matter opened with '---' but never closed; add a '---' line after it",
    "E008": "no case for this document: add '{case_key}: <case>' to its front matter or a row to cases.csv beside it",
    "E009": "unsupported file type '{suffix}'; casecoder reads {suffixes}",
    "E010": "cannot decode the file as UTF-8, UTF-16 or cp1252",
    "E011": "decoded as cp1252 (not UTF-8); save it as UTF-8 to be sure of its characters",
    "E012": "cases.csv: {error}",
    "E013": "not a valid Word document: {error}",
    "E014": "not a valid WebVTT file: {error}",
    "E015": "two documents have the same id '{id}' ({other}); rename one of the files",
    "E016": "the document has no text",
    "E017": "skipped: a Word lock file (Word keeps it while the document is open), not a transcript",
    "E018": "expected the interviewer's name or a list of names, found {found}",
    "E019": "two different cases: the front matter says '{front}', cases.csv says '{listed}'; keep one",
    "E020": "cases.csv names '{id}', but no transcript of that name was read from this folder",
    # --- E1xx codebook ----------------------------------------------------------------------
    "E101": "codebook file not found; pass --codebook PATH, or lay out a new study with a starter codebook: casecoder init FOLDER",
    "E102": "codebook is not valid YAML: {error}",
    "E103": "expected {expected}, found {found}",
    "E104": "unknown key '{key}'; allowed keys: {allowed}",
    "E105": "missing required field '{name}'",
    "E106": "duplicate code id '{id}' (first defined on line {first_line})",
    "E107": "unknown parent '{parent}'; it must be the id of another code",
    "E108": "parent cycle: {cycle}",
    "E109": "token pattern rejected by spaCy: {error}",
    "E110": "code id '{id}' must be lower case letters, digits and underscores, starting with a letter",
    "E111": "colour '{color}' is not a #rrggbb hex colour",
    "E112": "an empty phrase",
    "E113": "duplicate pattern name '{name}' in code '{code}'",
    "E114": "pattern '{name}': corpus_only must give the reason the rule is kept though only the shipped transcripts use it",
    # --- E2xx codings tables ----------------------------------------------------------------
    "E201": "codings file not found; check the path",
    "E202": "missing column(s): {columns}; a codings table needs {required}",
    "E203": "unknown code '{code}' in {count} row(s); the codebook has: {known}",
    "E204": "column '{column}' must hold {expected}; found {found} in row {row}",
    "E205": "cannot read the codings table: {error}",
    "E206": "unsupported table format '{suffix}'; use .csv or .parquet",
    "E207": "start/end out of order or negative in row {row}",
    # --- E3xx coder -------------------------------------------------------------------------
    "E301": "token attribute '{key}' is not supported by the coder; use LEMMA or LOWER (with a string, IN or NOT_IN) and OP",
    "E302": "operator OP '{op}' is not supported by the coder; use '?', '*', '+' or '!'",
    "E303": "LEMMA '{value}' never matches: no English word has that lemma (the lemma of '{value}' is '{lemma}'); write the lemma",
    "E304": "the pattern has no token that must match a particular word (every token is optional, negated or a wildcard), so it would match everywhere; add a required word",
    "E305": "value {value!r} of '{key}' must be a string or a mapping with IN or NOT_IN lists of strings",
    "E306": "--jobs must be a positive whole number, found {found}",
    "E307": "the phrase has no words to match",
    "E308": "unsupported output format '{suffix}'; use .csv or .parquet",
    "E309": "progress must be a function called as progress(done, total), or None, found {found}",
    # --- E40x-E44x overrides ----------------------------------------------------------------
    "E401": "overrides file not found: {path}",
    "E402": "overrides file is not valid YAML: {error}",
    "E403": "expected {expected}, found {found}",
    "E404": "unknown key '{key}'; allowed keys: {allowed}",
    "E405": "missing required field '{field}'",
    "E406": "action must be 'add' or 'remove', found '{found}'",
    "E407": "unknown code '{code_id}'; the codebook has: {known}",
    "E408": "no document '{document}' among the {count} transcript(s) given{nearest}; the id is the transcript's file name without its suffix",
    "E409": "the quote is not in document '{document}': \"{quote}\"{candidates}; the transcript may have changed since: copy the passage again",
    "E410": "the quote matches {count} places in document '{document}' ({places}); add a prefix or suffix (the words just before or after it) to say which",
    "E411": "'{field}' must not be empty",
    "E412": "the quote lies outside every turn of document '{document}' (characters {start}:{end}); quote the words of a turn, not a heading",
    "E413": "the file belongs to analyst '{found}', not '{analyst}'; use another --file or --analyst {found}",
    "E414": "no analyst for a new overrides file; give --analyst NAME",
    "E415": "cannot append to this overrides file: {why}",
    "E416": "two overrides files are for analyst '{analyst}' ({other}); keep one file per analyst",
    "E417": "'{analyst}' cannot name an analyst's file: {why}",
    "E418": "analyst '{analyst}' both adds and removes '{code}' on the same passage of '{document}' (lines {first} and {second}); keep one entry",
    "E419": "this 'remove' removes nothing: no automatic '{code}' coding lies on the quoted passage of '{document}'; delete the entry or check the code",
    # --- E45x-E49x evaluation (gold codings and the development set) -----------------------
    "E451": "gold file not found: {path}",
    "E452": "cannot read the gold file: {error}",
    "E453": "missing column(s): {columns}; a gold file needs {required}",
    "E454": "no document '{document}' among the {count} transcript(s) given; point --transcripts at the folder the gold was made from",
    "E455": "document '{document}' has no turn {turn} (it has {count} turns)",
    "E456": "the quote is not in turn {turn} of '{document}': \"{quote}\"{candidates}",
    "E457": "unknown code '{code_id}'; the codebook has: {known}",
    "E458": "unknown level '{level}'; choose one of: {choices}",
    "E459": "the codings name document '{document}' ({count} row(s)), which is not among the {total} transcript(s) given; point --transcripts at the folder the codings were made from",
    "E460": "'{field}' must be {expected}, found {found}",
    "E461": "duplicate id '{id}' (first on line {first_line})",
    "E462": "unit '{unit}' is not in the units file ({units}); the gold and the units must come from the same set",
    "E463": "unknown half '{half}'; choose one of: {choices}",
    # rules mined from an analysts' coding (casecoder.mining)
    "E481": "unknown {option} '{value}'; choose one of: {choices}",
    "E482": "'{field}' must be {expected}, found {found}",
    # rule evidence and codebook diffs
    "E470": "document '{document}' is given twice ({first} and {second}); every transcript or unit id must be unique",
    "E471": "unknown order '{sort}'; choose one of: {choices}",
    "E472": "the analysts' coding must be one analyst's; {path} holds {count}: {analysts}; give one of them (a gold file, a codings table or an analyst coding)",
    # --- E5xx matrix, reports, reproduction ----------------------------------------------
    "E501": "report targets file not found: {path}",
    "E502": "report targets file is not valid YAML: {error}",
    "E503": "expected {expected}, found {found}",
    "E504": "unknown council '{council}'; the report targets list: {known}",
    "E505": "unknown code '{code}'; the codebook has: {known}",
    "E506": "count must be {{min: a, max: b}} with 0 <= a <= b <= {cases} (the number of councils), found {found}",
    "E507": "case '{case}' is in the codings ({count} row(s)) but not in the case list ({known}); add it to the case list or correct the codings' case column",
    "E508": "unknown {option} '{value}'; choose one of: {choices}",
    "E509": "value 'share' needs the number of segments in each case; pass totals=segment_counts(documents) (on the command line: --transcripts DIR)",
    "E510": "no cases to show: the case list is empty",
    "E511": "the codebook has no setting '{setting}'; add it under settings: in codebook.yaml",
    "E512": "no transcript has a section '{section}' (settings.{setting}); sections found: {found}",
    "E513": "input for the reproduction not found: {what} ({path})",
    "E514": "{path} exists and is not a folder; choose another --out",
    "E515": "council '{council}' has no entry in appendix_two; every council needs its published items",
    "E516": "duplicate {what} '{value}'",
    "E517": "{path} exists and is not an earlier reproduction (no .casecoder-reproduction marker) nor empty; choose a new or empty folder for --out",
    # --- E6xx agreement ---------------------------------------------------------------------
    "E601": "only {count} analyst(s) to compare; give two or more codings (one file per analyst)",
    "E602": "the codings cover different documents: no document was reviewed by two or more analysts ({detail}); compare codings of the same transcripts",
    "E603": "the coding names document '{document}' ({count} row(s)), which is not among the {total} transcript(s) given; point --transcripts at the folder the coding was made from",
    "E604": "unknown code '{code}'{where}; the codebook has: {known}",
    "E605": "the coding is empty: {why}",
    "E606": "unknown {option} '{value}'; choose one of: {choices}",
    "E607": "'{field}' must be {expected}, found {found}",
    "E608": "the text at {start}:{end} of document '{document}' is {found!r} in the transcript but {expected!r} in the coding (row {row}); the coding was made on another version of the transcript",
    "E609": "values must be 0, 1 or NaN (missing); found {found}",
    "E610": "expected an array of shape {expected}, found shape {found}",
    "E611": "Cohen's kappa compares exactly two analysts, found {count}; agreement_statistics() reports Light's kappa (the mean of pairwise kappas) for more",
    "E612": "the analyst coding is not valid YAML: {error}",
    "E613": "the quote is not in document '{document}': \"{quote}\"; copy the passage again from the transcript",
    "E614": "the quote matches {count} places in document '{document}' ({places}); quote more words to say which",
    "E615": "document '{document}' has a coding but is not in 'reviewed'; add it to 'reviewed' (a coding of an unreviewed document would be ignored)",
    "E616": "cannot read '{path}' as one analyst's coding: {why}",
    "E617": "two inputs name analyst '{analyst}' ({first} and {second}); each input must be a different analyst",
    "E618": "no source of the REFI-QDA project matches a transcript (project sources: {sources}; transcripts: {known}); a source matches the transcript whose id is its name (without .txt/.docx/...); point --transcripts at the folder the project was coded from",
    "E619": "the text of project source '{source}' differs from transcript '{document}' ({detail}); its codings would fall on other words: code the current transcript (casecoder export-qdpx writes it) or point --transcripts at the version that was coded",
    # reconciliation (casecoder.reconcile)
    "E640": "decisions are anchored to the words of a unit, so reconcile needs sentence or turn units, found '{unit}'; run it with --unit sentence or --unit turn",
    "E641": "no decision yet on code '{code}' in document '{document}': \"{quote}\"; write decision: keep, drop or recode (with decided_by and why) before applying",
    "E642": "cannot read the decisions file: {why}",
    "E643": "bad decision entry: {why}",
    "E644": "this decision on code '{code}' in document '{document}' contradicts the entry on line {other}; decide the unit and code once",
    # --- E7xx REFI-QDA ----------------------------------------------------------------------
    "E701": "REFI-QDA file not found: {path}",
    "E702": "not a zip archive; a .qdpx project is a zip holding project.qde (export it again from the tool as REFI-QDA project)",
    "E703": "no .qde file in the archive (found: {found}); a .qdpx must hold project.qde",
    "E704": "malformed XML at column {column}: {error}",
    "E705": "expected a <{expected}> root element, found <{found}>",
    "E706": "<{element}> {guid} lacks the required attribute '{attribute}'",
    "E707": "<{element}> {guid}: attribute '{attribute}' must be a whole number, found {value!r}",
    "E708": "<{element}> {guid} refers to {target}, which is no {kind} in the file (a dangling GUID reference)",
    "E709": "selection {guid} in source {source!r} spans {start}:{end}, outside its text ({length} units counted as {convention})",
    "E710": "selection {guid} in source {source!r} starts or ends at {start}:{end}, inside a character or a CRLF when counted as {convention}",
    "E711": "<{element}> GUID {guid} appears twice; references to it would be ambiguous",
    "E712": "codings refer to document '{document}', which is not among the {count} document(s) given",
    "E713": "coding on document '{document}' at {start}:{end}: {detail}; re-run the coder on these transcripts",
    "E714": "two documents have the id '{id}'; document ids must be unique",
    "E715": "the exported XML breaks casecoder's structural checks at {where}: {reason} (a bug in casecoder: please report it)",
    "E722": "the exported XML does not validate against the schema at {where}: {reason}",
    "E723": "schema file not found: {schema}",
    "E724": "the codebook has no codes; a REFI-QDA codebook needs at least one",
    "E725": "a {kind} selection; casecoder imports text selections only",
    "E726": "cannot be placed: {reason}",
    "E727": "codes the whole source, not a span; casecoder codes spans",
    "E728": "has no Coding (a quotation only)",
    "E729": "source not imported: {reason}",
    "E730": "code {name!r} is not in the codebook; kept as '{id}'",
    "E731": "{name!r} is the tool's built-in user; skipped",
    "E732": "{count} {what} not imported",
    "E733": "parent of {name!r} inferred from its '::' name",
    "E734": "colour {color!r} is not #rrggbb; left out",
    "E735": "unknown position convention {found!r}; use one of {allowed}",
    "E736": "source {source!r} is also in case {case!r}; kept there",
    "E737": "{detail}; a document in no case is its own case",
    "E738": "repeats code '{code}' on the same span by {analyst}; counted once",
    "E739": "made by no user of the file (or only the tool's built-in user); analyst 'unknown'",
    "E740": "a second source named {name!r}; its document id is {id!r}",
    "E741": "source has no text to code ({detail}); not imported as a document",
    "E742": "a <{element}>, a kind of source casecoder does not know; skipped with its {count} selection(s)",
    "E743": "member {member} is {size} bytes uncompressed, over the read limit of {limit} (--max-member-mb); raise it only for a file you trust",
    "E744": "member {member} inflates {ratio} to 1 ({packed} -> {size} bytes), over the limit of {limit} to 1 (--max-ratio); a zip bomb, or raise the limit for a file you trust",
    "E745": "member name {member!r} leaves the archive's folders ('..' or an absolute path); not read",
    "E746": "member name {member!r} uses backslashes as folder separators; read as {posix!r}",
    "E747": "member {member} cannot be read: {error}",
    "E748": "reading member {member} would bring the text read to {total} bytes, over the limit of {limit} (--max-total-mb); raise it only for a file you trust",
    # --- E8xx review ------------------------------------------------------------------------
    "E801": "no transcript '{document}' among the {count} given ({rows} codings row(s) name it, the first in row {row}); point --transcripts at the folder the codings were made from",
    "E802": "row {row}: start/end {start}:{end} lie outside document '{document}' ({length} characters); the transcript changed after coding, re-run the coder",
    "E803": "row {row}: the text at {start}:{end} of document '{document}' is {found!r}, but the codings say {expected!r}; the transcript changed after coding, re-run the coder",
    "E804": "{path} exists and is not a casecoder review site (no .casecoder-review marker); choose an empty or new folder",
    "E805": "chart image not found: {path}",
    "E806": "the disagreements table needs column(s) {columns}; found {found}",
    "E807": "{what} file not found: {path}",
    "E808": "the correction's '{field}' must be {expected}, found {found}",
    "E809": "unknown action '{found}'; choose one of: {choices}",
    "E810": "sentence {sentence} of document '{document}' does not hold the words sent ({why}); the page is older than the transcript: reload it",
    "E811": "no machine coding of '{code}' on \"{quote}\" in document '{document}' to {action}; to give a code the machine did not, use add",
    "E812": "refusing to serve on {host}: only a loopback address (127.0.0.1, ::1, localhost) is safe for a page that writes files; pass --allow-remote to serve on another address anyway",
    "E813": "turn kinds: {detail}",
    "E814": "turn {turn} is not a turn of document '{document}' ({count} turns, numbered from 0)",
    # --- E9xx usage -------------------------------------------------------------------------
    "E901": "{message}",
    "E902": "{error}; check that the path exists and that you may read and write there",
    "E903": "the folder exists and is not empty; casecoder init never overwrites files: name a new folder",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where.

    Parameters
    ----------
    code : str
        The stable message code, a key of :data:`MESSAGES` (e.g. ``"E105"``).
    message : str
        The filled-in message.
    path : str, optional
        The file the problem is in.
    line : int, optional
        1-based line number in that file, where known.
    field : str, optional
        The field, key, element or code the problem concerns (e.g. ``"codes[3].label"``).
    """

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message} [{self.code}]"


def problem(
    code: str,
    /,
    *,
    path: Any = None,
    line: int | None = None,
    field: str | None = None,
    **values: Any,
) -> Problem:
    """Build a :class:`Problem` from the catalogue template ``code``.

    Parameters
    ----------
    code : str
        A key of :data:`MESSAGES`.
    path, line, field
        Where the problem is.
    **values
        Values for the template's placeholders.

    Raises
    ------
    KeyError
        If ``code`` is not in the catalogue (a bug in casecoder, not in the input).
    """
    # ``path``, ``line`` and ``field`` both place the problem and may fill placeholders of
    # the same names; ``code`` is positional-only so a template may use ``{code}`` too.
    message = MESSAGES[code].format(**{"path": path, "line": line, "field": field, **values})
    return Problem(code, message, None if path is None else str(path), line, field)


class CasecoderWarning(UserWarning):
    """Something was read or done, but deserves the analyst's attention; carries a :class:`Problem`.

    The command line prints it as ``warning: path:line: field: message [E123]``.
    """

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))

    def __reduce__(self) -> tuple[Any, ...]:
        # Warnings raised in worker processes travel back to the parent with their problem.
        return (type(self), (self.problem,))


class CasecoderError(Exception):
    """Base of every input error casecoder raises; carries every problem found.

    Parameters
    ----------
    problems : Problem or sequence of Problem
        What is wrong, each with its place. Never empty.
    """

    def __init__(self, problems: Problem | list[Problem] | tuple[Problem, ...]):
        if isinstance(problems, Problem):
            problems = (problems,)
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a CasecoderError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))


class TranscriptError(CasecoderError):
    """A transcript, a folder of transcripts or a ``cases.csv`` cannot be read (E0xx)."""


class CodebookError(CasecoderError):
    """The codebook is invalid; ``problems`` lists every error found at once (E1xx)."""


class CodingsError(CasecoderError):
    """A codings table is missing columns, holds unknown codes or bad values (E2xx)."""


class CoderError(CasecoderError):
    """The coder cannot run as asked (E3xx)."""


class OverridesError(CasecoderError):
    """An overrides file is invalid or one of its anchors does not resolve (E4xx)."""


class EvaluationError(CasecoderError):
    """A gold coding (or the development set) cannot be read, or compared as asked (E45x-E49x)."""


class FindingsError(CasecoderError):
    """The matrix, reports or the reproduction cannot be built from the inputs (E5xx)."""


class AgreementError(CasecoderError):
    """The analysts' codings cannot be compared as asked (E6xx)."""


class RefiError(CasecoderError):
    """A REFI-QDA project or codebook cannot be read or written (E7xx)."""


class ReviewError(CasecoderError):
    """The review site cannot be built from the inputs (E8xx)."""


class UsageError(CasecoderError):
    """The command line was used wrongly (E9xx)."""
