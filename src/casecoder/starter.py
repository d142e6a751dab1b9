"""A new study's folder, laid out so the first commands work: ``casecoder init``.

::

    my-study/
      codebook.yaml        a starter codebook (two example codes, every key explained),
                           or a copy of a codebook you name
      transcripts/         put the interviews here (.txt .md .docx .vtt; cases.csv beside them)
      overrides/           one file per analyst's corrections, written by `casecoder override`
      examples/interview.md  one small transcript to try the commands on
      README.md            the commands of a study, in order

Nothing is overwritten: a folder that exists and is not empty is refused. The folder is built
beside its destination and renamed into place, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from .codebook import load_codebook
from .errors import UsageError, problem
from .io import atomic_dir

__all__ = ["STARTER_CODEBOOK", "init_study"]

#: The codebook a new study starts from when none is named: two example codes that show every
#: key, to be replaced by the study's own code frame.
STARTER_CODEBOOK = """\
# The codebook of this study: one entry per code (a concept of your code frame).
# Replace the two example codes with your own. Check it with:
#     casecoder validate --codebook codebook.yaml transcripts/
#
# Per code:
#   id, label       a fixed id (lower_snake_case) and the name analysts see
#   definition      what the code means; include / exclude: the rules for close calls
#   phrases         matched case-insensitively on lemmas ("partnerships" matches "partnership")
#   patterns        spaCy Matcher token patterns, each {name, pattern}, for phrasings with gaps
#   exclusions      other senses of the code's words; a match they overlap is set aside with
#                   reason other_sense:<name>, so the review shows why it was not coded
#   examples        sentences that should be coded (documentation and tests)
# Write phrases and patterns for the concept, in general words, never copied from one transcript.

version: 1
settings:
  case_key: case            # the front-matter key (or cases.csv column) naming each document's case
  # interviewers: [Sam Lee] # names whose turns are the interviewer's (Zoom/Teams transcripts)

codes:
  - id: partnerships
    label: Work in partnership
    definition: >-
      The organisation builds or uses a partnership with another organisation to do something new.
    include: joint ventures, shared teams, pooled budgets, co-designed services with partners.
    exclude: partners merely listed among stakeholders; a spouse or personal partner.
    color: '#44AA99'
    phrases: ["joint venture", "pooled budget", "partnership"]
    patterns:
      - name: work_with_partners
        pattern: [{"LEMMA": {"IN": ["work", "team"]}}, {"LOWER": "up", "OP": "?"}, {"LOWER": "with"}, {"OP": "?"}, {"LEMMA": "partner"}]
    exclusions:
      - name: personal_partner
        phrases: ["my partner", "her partner", "his partner"]
    examples: ["We set up a joint venture with the housing association."]

  - id: involve_residents
    label: Involve residents
    definition: >-
      Residents or service users take part in shaping a service: asked, listened to, co-designing.
    include: consultation that changes a decision, co-design, citizens' panels, door-knocking.
    exclude: residents only as the people a service is for.
    color: '#CC6677'
    phrases: ["co-design", "co-produce", "citizens' panel", "listen to residents"]
    examples: ["We co-designed the service with families who use it."]
"""

_EXAMPLE = """\
---
case: example-site
---
# What changed in the last two years?

Interviewer: What has changed in how you work?

Director: We set up a joint venture with the housing association. We also co-designed the new
service with the families who use it.

# What got in the way?

Interviewer: Did you work with partners from the start?

Director: Not at first. We listed partners in the plan, but nothing changed until later.
"""

_README = """\
# {name}

A casecoder study. Every step writes plain files you can open, diff and re-run.

```bash
casecoder validate --codebook codebook.yaml transcripts/             # check the inputs
casecoder code transcripts/ --codebook codebook.yaml --out codings.csv
casecoder review codings.csv transcripts/ --out review/                # read the coding
casecoder override add DOCUMENT "the quoted words" CODE transcripts/ \\
    --note "why" --analyst YOUR-NAME                                     # correct the machine
casecoder code transcripts/ --codebook codebook.yaml --overrides overrides/YOUR-NAME.yaml --out codings.csv
casecoder matrix codings.csv --out matrix.csv                           # cases x codes
```

Try them first on `examples/` (one small interview) instead of `transcripts/`.

- `codebook.yaml`: the codes; each document's case comes from the front-matter key
  `settings.case_key` (here `case`) or from a `cases.csv` beside the transcripts
  (columns `file,case`, any others are case attributes, `interviewer` names the interviewer).
- `transcripts/`: `.txt`, `.md`, `.docx` or `.vtt` (Zoom/Teams) files.
- `overrides/`: one YAML file per analyst, written by `casecoder override`.
"""


def init_study(folder: str | os.PathLike[str], *, codebook: str | os.PathLike[str] | None = None) -> Path:
    """Lay out a new study folder and return its path.

    Parameters
    ----------
    folder : path
        Where to create the study; must not exist, or be an empty folder.
    codebook : path, optional
        A codebook to copy into the study (checked first); default: :data:`STARTER_CODEBOOK`.

    Raises
    ------
    UsageError
        E903 when ``folder`` exists and is not empty (nothing is overwritten).
    CodebookError
        When ``codebook`` does not load.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> study = init_study(pathlib.Path(tempfile.mkdtemp()) / "my-study")
    >>> sorted(p.name for p in study.iterdir())
    ['README.md', 'codebook.yaml', 'examples', 'overrides', 'transcripts']
    >>> load_codebook(study / "codebook.yaml").ids
    ('partnerships', 'involve_residents')
    """
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(problem("E903", path=target))
    text = STARTER_CODEBOOK
    if codebook is not None:
        load_codebook(codebook)  # refuse a codebook that does not load before writing anything
        text = Path(codebook).read_text(encoding="utf-8-sig")
    if target.exists():
        target.rmdir()  # empty: replaced whole by the new folder
    with atomic_dir(target) as tmp:
        (tmp / "codebook.yaml").write_text(text, encoding="utf-8")
        for sub in ("transcripts", "overrides", "examples"):
            (tmp / sub).mkdir()
        # Hidden files keep the empty folders in version control; the reader skips them.
        (tmp / "transcripts" / ".gitkeep").write_text("", encoding="utf-8")
        (tmp / "overrides" / ".gitkeep").write_text("", encoding="utf-8")
        (tmp / "examples" / "interview.md").write_text(_EXAMPLE, encoding="utf-8")
        (tmp / "README.md").write_text(_README.format(name=target.name), encoding="utf-8")
    return target
