"""The shipped study, end to end: from the transcripts to the report's published findings.

:func:`reproduce` reads the transcripts (``data/interviews``), the codebook (``codebook.yaml``),
the reviewing analyst's overrides (``data/overrides/*.yaml``) and the report's targets
(``data/reference/report_targets.yaml``), codes every sentence, applies the overrides, and
writes into one output folder:

=============================  ==================================================================
``codings.csv`` / ``.parquet``  every coding, with the overrides applied (:mod:`casecoder.schema`)
``codings-patterns.csv``       the coder's codings alone, before any override
``matrix.csv`` / ``.parquet``  councils × codes, number of coded segments
``presence.csv``               councils × codes, 0/1: the chart's data
``key_actions.csv``            councils × codes, 0/1, in the key-actions section only
``subtotals.csv``              councils taking each code, by council type
``framework_matrix.csv``/.md   councils × codes, the supporting sentences of each cell
``chart.png`` / ``.svg``       the report's chart, reproduced
``chart-by-type.png``/``.svg`` the same, stacked by council type
``appendix_two.md`` / .html    each council's key actions, grouped as Appendix Two
``appendix_two_audit.*``       each published item, its code and the supporting sentence
``REPRODUCTION.md``            every published figure against the reproduced one
``review/``                    the static review site of the coded transcripts
=============================  ==================================================================

The folder is built beside its destination and renamed into place when complete
(:func:`casecoder.io.atomic_dir`), so a failure never leaves a half-written output. Nothing
written holds a timestamp: a re-run gives byte-identical files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ...codebook import Codebook, load_codebook
from ...errors import FindingsError, problem
from ...figures import chart_cases_per_code, save_figure
from ...io import atomic_dir, atomic_write_text
from ...matrix import code_matrix, framework_matrix, subtotals
from ...pipeline import code_and_override, read_transcripts
from ...provenance import corpus_notices, read_turn_kinds
from ...review import build_review
from . import CASE_KEY, CODEBOOK, OVERRIDES, PROVENANCE, TARGETS, TRANSCRIPTS
from .reports import (
    TargetComparison,
    appendix_two_html,
    appendix_two_markdown,
    audit_html,
    audit_markdown,
    audit_table,
    compare_to_targets,
    key_actions,
    override_summary,
    reproduction_markdown,
)
from ...schema import csv_safe_frame, write_codings
from .targets import ReportTargets, load_targets

if TYPE_CHECKING:  # pragma: no cover
    from ...transcripts import Document

__all__ = ["MARKER", "ReproductionResult", "StudyPaths", "reproduce", "run_study", "study_paths"]

#: The file that marks a folder as a reproduction, so that only such a folder is ever replaced.
MARKER = ".casecoder-reproduction"
#: The codebook setting naming the section whose codes are a case's key actions.
KEY_SECTION_SETTING = "key_actions_section"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StudyPaths:
    """Where the shipped study's inputs live, relative to a project root."""

    root: Path
    transcripts: Path
    codebook: Path
    overrides: tuple[Path, ...]
    targets: Path

    def display(self, path: Path) -> str:
        """``path`` relative to the root, with forward slashes, for reports."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def study_paths(
    root: str | os.PathLike[str] = ".",
    *,
    overrides: Sequence[str | os.PathLike[str]] | None = None,
) -> StudyPaths:
    """Find the study's inputs under ``root`` and check they exist.

    Parameters
    ----------
    root : path-like
        The project folder (a clone of casecoder).
    overrides : sequence of path-like, optional
        Override files to apply; default every ``data/overrides/*.yaml`` (sorted). Pass ``[]``
        for none.

    Raises
    ------
    FindingsError
        E513 naming each input that is missing.
    """
    r = Path(root)
    paths = {
        "transcripts": r / TRANSCRIPTS,
        "codebook": r / CODEBOOK,
        "targets": r / TARGETS,
    }
    problems = [problem("E513", path=str(p), what=what) for what, p in paths.items() if not p.exists()]
    if overrides is None:
        found = tuple(sorted((r / OVERRIDES).glob("*.yaml")))
    else:
        found = tuple(Path(p) for p in overrides)
        problems += [problem("E513", path=str(p), what="overrides file") for p in found if not p.is_file()]
    if problems:
        raise FindingsError(problems)
    return StudyPaths(r, paths["transcripts"], paths["codebook"], found, paths["targets"])


@dataclass(frozen=True)
class StudyRun:
    """Everything :func:`run_study` computes, before anything is written.

    Attributes
    ----------
    documents : list of Document
    codebook : Codebook
    targets : ReportTargets
    section : str
        The key-actions section.
    auto : DataFrame
        The coder's codings.
    codings : DataFrame
        The codings with the overrides applied.
    overrides : DataFrame
        :func:`casecoder.studies.solace.reports.override_summary` of ``codings``.
    final, patterns_alone : TargetComparison
        The published figures against the reproduction, with and without overrides.
    """

    paths: StudyPaths
    documents: list[Document]
    codebook: Codebook
    targets: ReportTargets
    section: str
    auto: pd.DataFrame
    codings: pd.DataFrame
    overrides: pd.DataFrame
    final: TargetComparison
    patterns_alone: TargetComparison


def _key_section(codebook: Codebook, documents: Sequence[Document]) -> str:
    section = codebook.settings.get(KEY_SECTION_SETTING)
    if not isinstance(section, str) or not section:
        raise FindingsError(problem("E511", path=codebook.path or None, field="settings", setting=KEY_SECTION_SETTING))
    found = sorted({t.section for d in documents for t in d.turns if t.section})
    if section not in found:
        raise FindingsError(
            problem("E512", path=codebook.path or None, field=f"settings.{KEY_SECTION_SETTING}", section=section,
                    setting=KEY_SECTION_SETTING, found="; ".join(found) or "none")
        )
    return section


def _compare(codings: pd.DataFrame, codebook: Codebook, targets: ReportTargets, section: str) -> TargetComparison:
    cases = list(targets.council_ids)
    presence = code_matrix(codings, codebook, cases=cases, value="presence")
    key = key_actions(codings, codebook, cases=cases, section=section)
    return compare_to_targets(presence, key, targets, codebook)


def run_study(paths: StudyPaths, *, progress: Progress | None = None) -> StudyRun:
    """Read, code, apply the overrides and compare with the report; write nothing.

    Parameters
    ----------
    paths : StudyPaths
        From :func:`study_paths`.
    progress : callable, optional
        Called with a short description before each step.

    Returns
    -------
    StudyRun

    Raises
    ------
    CasecoderError
        Whatever a stage finds wrong with its input (transcripts, codebook, overrides,
        targets), or E507 if a transcript's case is not a council of the targets.
    """
    say = progress or (lambda _msg: None)
    say("reading the codebook and the report's targets")
    codebook = load_codebook(paths.codebook)
    targets = load_targets(paths.targets, codes=codebook.ids)
    say(f"reading transcripts in {paths.display(paths.transcripts)}")
    # the study's own key, whatever the toolkit's default: its transcripts name their council
    documents = read_transcripts(paths.transcripts, codebook, case_key=CASE_KEY)
    section = _key_section(codebook, documents)
    say(f"coding {len(documents)} transcripts and applying {len(paths.overrides)} overrides file(s)")
    coded = code_and_override(documents, codebook, paths.overrides)
    auto, codings, files = coded.auto, coded.codings, coded.overrides
    say("comparing with the report")
    final = _compare(codings, codebook, targets, section)
    alone = _compare(auto, codebook, targets, section)
    entries = [e for f in files for e in f.entries]
    summary = override_summary(codings, codebook, entries=entries)
    return StudyRun(paths, documents, codebook, targets, section, auto, codings, summary, final, alone)


@dataclass(frozen=True)
class ReproductionResult:
    """What :func:`reproduce` wrote and found.

    Attributes
    ----------
    out : Path
        The output folder.
    files : tuple of str
        The files written, relative to ``out``, sorted.
    final, patterns_alone : TargetComparison
        With and without the overrides.
    overrides : DataFrame
        Overrides by code: entries and codings, added and removed.
    """

    out: Path
    files: tuple[str, ...]
    final: TargetComparison
    patterns_alone: TargetComparison
    overrides: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Every published figure reproduced (with the overrides)."""
        return self.final.ok


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise FindingsError(problem("E514", path=str(out)))
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise FindingsError(problem("E517", path=str(out)))


def reproduce(
    out: str | os.PathLike[str] = "reproduction",
    *,
    root: str | os.PathLike[str] = ".",
    overrides: Sequence[str | os.PathLike[str]] | None = None,
    review: bool = True,
    progress: Progress | None = None,
) -> ReproductionResult:
    """Run the shipped study end to end and write every output into ``out``.

    Parameters
    ----------
    out : path-like
        The output folder: new, empty, or an earlier reproduction (replaced whole when the new
        one is complete).
    root : path-like
        The project folder holding ``codebook.yaml`` and ``data/``.
    overrides : sequence of path-like, optional
        Override files; default ``data/overrides/*.yaml``.
    review : bool
        Also build the review site (``out/review``).
    progress : callable, optional
        Called with a short description before each step (the CLI prints them).

    Returns
    -------
    ReproductionResult
        ``result.ok`` is false when any published figure is missed.

    Raises
    ------
    CasecoderError
        Any input problem; nothing is written then.

    Examples
    --------
    >>> result = reproduce("reproduction")  # doctest: +SKIP
    >>> result.final.targets_met, result.final.cells_equal  # doctest: +SKIP
    (17, 153)
    """
    out_path = Path(out)
    _check_out(out_path)
    paths = study_paths(root, overrides=overrides)
    run = run_study(paths, progress=progress)
    say = progress or (lambda _msg: None)
    cb, targets = run.codebook, run.targets
    cases = list(targets.council_ids)
    attrs = targets.case_attributes()
    # what the corpus says about its own making goes first in every output showing its text
    notices = corpus_notices(run.documents)
    provenance = paths.root / PROVENANCE
    labels = read_turn_kinds(provenance, run.documents) if provenance.is_dir() else None
    source_line = (
        f"Source: casecoder reproduction from the reconstructed transcripts ({len(run.documents)} case studies) "
        f"of Munro (2016), {targets.source.get('title', '')}."
    )
    with atomic_dir(out_path) as tmp:
        (tmp / MARKER).write_text("casecoder reproduce output; safe to replace\n", encoding="utf-8")
        say("writing codings and matrices")
        counts, presence, key = _write_matrices(tmp, run, cases, attrs, notices)
        say("drawing the chart")
        _write_charts(tmp, presence, run, cases, attrs, source_line)
        say("writing Appendix Two and its audit")
        _write_appendix(tmp, run, key, notices)
        if review:
            say("building the review site")
            build_review(run.codings, run.documents, cb, tmp / "review", matrix=counts, chart=tmp / "chart.svg",
                         turn_labels=labels)
        files, shown = _outputs(tmp)
        say("writing REPRODUCTION.md")
        report = reproduction_markdown(
            run.final, run.patterns_alone, targets, overrides=run.overrides,
            override_files=[paths.display(p) for p in paths.overrides], corpus=_corpus_facts(run, paths),
            outputs=["REPRODUCTION.md", *shown], notices=notices,
        )
        atomic_write_text(tmp / "REPRODUCTION.md", report)
        files = sorted(["REPRODUCTION.md", *files])
    return ReproductionResult(out_path, tuple(dict.fromkeys(files)), run.final, run.patterns_alone, run.overrides)


def _outputs(tmp: Path) -> tuple[list[str], list[str]]:
    """Every file written so far, and the list shown in REPRODUCTION.md (the review site as one line)."""
    files = sorted(
        p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file() and p.name != MARKER
    )
    shown = [f for f in files if not f.startswith("review/")] + (["review/ (the review site)"] if any(f.startswith("review/") for f in files) else [])
    return files, shown


def _write_matrices(tmp: Path, run: StudyRun, cases: list[str], attrs: pd.DataFrame,
                    notices: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The codings, the matrices (counts, presence, key actions, subtotals) and the framework
    matrix; the counts, presence and key-actions tables."""
    cb, targets = run.codebook, run.targets
    write_codings(run.codings, tmp / "codings.csv")
    write_codings(run.codings, tmp / "codings.parquet")
    write_codings(run.auto, tmp / "codings-patterns.csv")
    counts = code_matrix(run.codings, cb, cases=cases, value="count")
    presence = code_matrix(run.codings, cb, cases=cases, value="presence")
    key = key_actions(run.codings, cb, cases=cases, section=run.section)
    _write_table(counts, tmp / "matrix.csv")
    counts.reset_index().to_parquet(tmp / "matrix.parquet", index=False)
    _write_table(presence, tmp / "presence.csv")
    _write_table(key, tmp / "key_actions.csv")
    _write_table(subtotals(presence, attrs, "council_type"), tmp / "subtotals.csv")
    frame = framework_matrix(run.codings, cb, cases=cases, max_quotes=3)
    _write_table(frame, tmp / "framework_matrix.csv")
    atomic_write_text(tmp / "framework_matrix.md", _framework_markdown(frame, cb, targets, notices))
    return counts, presence, key


def _write_charts(tmp: Path, presence: pd.DataFrame, run: StudyRun, cases: list[str], attrs: pd.DataFrame, source_line: str) -> None:
    """The chart of cases per code, overall and by council type."""
    cb, targets = run.codebook, run.targets
    fig = chart_cases_per_code(presence, cb, title=targets.chart_title or "Cases taking each code",
                               source=source_line, xlabel=f"Number of councils, or district council partnerships (of {len(cases)})")
    save_figure(fig, tmp / "chart")
    fig = chart_cases_per_code(presence, cb, title=targets.chart_title or "Cases taking each code",
                               source=source_line, by=attrs["council_type"],
                               group_order=list(dict.fromkeys(g.type for g in targets.groups)),
                               xlabel=f"Number of councils, or district council partnerships (of {len(cases)})")
    save_figure(fig, tmp / "chart-by-type")


def _write_appendix(tmp: Path, run: StudyRun, key: pd.DataFrame, notices: Sequence[str]) -> None:
    """Appendix Two (Markdown, HTML) and its audit (CSV, Markdown, HTML)."""
    cb, targets = run.codebook, run.targets
    groups = [(g.heading, g.councils) for g in targets.groups]
    names = targets.council_names
    title = f"Appendix Two: {targets.appendix_title}"
    atomic_write_text(tmp / "appendix_two.md",
                      appendix_two_markdown(key, cb, groups=groups, names=names, title=title, notices=notices))
    atomic_write_text(tmp / "appendix_two.html",
                      appendix_two_html(key, cb, groups=groups, names=names, title=title, notices=notices))
    audit = audit_table(run.codings, targets, cb, section=run.section)
    csv_safe_frame(audit).to_csv(tmp / "appendix_two_audit.csv", index=False, lineterminator="\n")
    atomic_write_text(tmp / "appendix_two_audit.md", audit_markdown(audit, cb, notices=notices))
    atomic_write_text(tmp / "appendix_two_audit.html", audit_html(audit, cb, notices=notices))


def _corpus_facts(run: StudyRun, paths: StudyPaths) -> dict[str, str]:
    """What REPRODUCTION.md says the run read and made."""
    return {
        "transcripts": f"{len(run.documents)} in `{paths.display(paths.transcripts)}`",
        "codebook": f"`{paths.display(paths.codebook)}` ({len(run.codebook)} codes); key-actions section: “{run.section}”",
        "targets": f"`{paths.display(paths.targets)}`",
        "codings (patterns alone)": f"{int((run.auto['status'] == 'coded').sum())} coded, "
        f"{int((run.auto['status'] == 'excluded').sum())} set aside by the coder",
        "codings (with overrides)": f"{int((run.codings['status'] == 'coded').sum())} coded, "
        f"{int((run.codings['status'] == 'excluded').sum())} set aside",
    }


def _write_table(df: pd.DataFrame, path: Path) -> None:
    csv_safe_frame(df).to_csv(path, index=True, encoding="utf-8", lineterminator="\n")


def _framework_markdown(frame: pd.DataFrame, codebook: Codebook, targets: ReportTargets,
                        notices: Sequence[str] = ()) -> str:
    names = targets.council_names
    lines = [
        "# Framework matrix: the sentences behind each cell",
        "",
        *(line for n in notices for line in (f"> **Notice.** {n}", "")),
        "For each code, each council taking it, with the number of coded sentences and the first three.",
        "",
    ]
    for code in frame.columns:
        lines += [f"## {codebook[code].label} (`{code}`)", ""]
        cells = [(c, frame.at[c, code]) for c in frame.index if frame.at[c, code]]
        if not cells:
            lines += ["No council.", ""]
            continue
        for case, cell in cells:
            head, *quotes = str(cell).split("\n")
            lines.append(f"- **{names.get(case, case)}** ({head})")
            lines += [f"    - {q}" for q in quotes]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
