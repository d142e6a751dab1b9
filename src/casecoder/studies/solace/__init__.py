"""The Solace study: the worked reproduction of a published report's findings.

The only code in casecoder that knows the shipped corpus. Its modules:

* :mod:`.targets`: the report's published figures (``data/reference/report_targets.yaml``),
  validated into :class:`~.targets.ReportTargets`;
* :mod:`.reports`: key actions by council, Appendix Two and its audit, the comparison with the
  report and ``REPRODUCTION.md``;
* :mod:`.reproduce`: the study end to end (``casecoder reproduce``).

Its inputs, relative to a clone of casecoder, are the constants below; the case of each
transcript is its ``council`` (the shipped codebook's ``settings.case_key``).
"""

from __future__ import annotations

#: The study's transcripts, relative to the project root.
TRANSCRIPTS = "data/interviews"
#: The study's codebook.
CODEBOOK = "codebook.yaml"
#: The reviewing analysts' overrides files (every ``*.yaml`` in it, sorted).
OVERRIDES = "data/overrides"
#: The report's published figures.
TARGETS = "data/reference/report_targets.yaml"
#: Each transcript's provenance (``<council>.yaml``: the kind of every turn), and ``kinds.yaml``
#: saying what each kind means; the review site labels every turn from it.
PROVENANCE = "data/provenance"
#: The front-matter key naming a transcript's case (a council), as the codebook sets it.
CASE_KEY = "council"

__all__ = ["CASE_KEY", "CODEBOOK", "OVERRIDES", "PROVENANCE", "TARGETS", "TRANSCRIPTS"]
