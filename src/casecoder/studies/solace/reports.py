"""Reports: Appendix Two tables, the audit table and the reproduction report (``REPRODUCTION.md``).

The flow is matrix -> comparison -> text:

- :func:`key_actions` is the presence matrix of one section, the one whose question asks for
  the leadership actions with the greatest impact (chosen by the codebook setting
  ``key_actions_section``, not by this module);
- :func:`appendix_two_markdown` / :func:`appendix_two_html` render each case's key actions,
  grouped as the report groups them (COUNTY / METROPOLITAN / DISTRICT COUNCILS);
- :func:`audit_table` sets each published Appendix Two item beside the code it maps to and the
  transcript sentence that supports it, or ``not found``;
- :func:`compare_to_targets` checks a presence matrix and the key actions against the report's
  targets (:mod:`casecoder.studies.solace.targets`) and returns a :class:`TargetComparison`;
- :func:`reproduction_markdown` writes that comparison, with and without the analyst's
  overrides, as ``REPRODUCTION.md``.

Every function returns data or text; writing files is the caller's job (see
:mod:`casecoder.studies.solace.reproduce`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ...matrix import Filter, code_matrix, supporting_segments

if TYPE_CHECKING:  # pragma: no cover
    from ...codebook import Codebook
    from .targets import CountTarget, ReportTargets

__all__ = [
    "CellDifference",
    "CodeResult",
    "CouncilResult",
    "NOT_FOUND",
    "TargetComparison",
    "appendix_two_html",
    "appendix_two_markdown",
    "audit_html",
    "audit_markdown",
    "audit_table",
    "compare_to_targets",
    "key_actions",
    "override_summary",
    "reproduction_markdown",
]

#: What the audit table says when no transcript sentence supports a published item.
NOT_FOUND = "not found"
Groups = Sequence[tuple[str, Sequence[str]]]


def _labels(codes: Codebook | Mapping[str, str]) -> dict[str, str]:
    return dict(codes.labels) if hasattr(codes, "labels") else dict(codes)


def _notice_markdown(notices: Sequence[str]) -> list[str]:
    # What the corpus says about its own making (casecoder.provenance.corpus_notices), quoted as
    # it is, first, so that no reader of an output that shows its text or its verdict misses it.
    return [line for n in notices for line in (f"> **Notice.** {n}", "")]


def _notice_html(notices: Sequence[str]) -> list[str]:
    return [f'<div class="notice" role="note"><p><strong>Notice.</strong> {html.escape(n)}</p></div>'
            for n in notices]


def key_actions(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str],
    *,
    section: str,
    cases: Sequence[str] | pd.DataFrame | None = None,
    sources: Filter = None,
    where: str | None = None,
) -> pd.DataFrame:
    """Each case's key actions: the codes coded in the key-actions section, as 0/1.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    codes : Codebook or sequence of str
        Column order.
    section : str
        The section whose codings count (e.g. ``codebook.settings["key_actions_section"]``).
    cases, sources, where
        As :func:`casecoder.matrix.code_matrix`.

    Returns
    -------
    DataFrame
        Presence matrix (index case, columns code).
    """
    return code_matrix(codings, codes, cases=cases, value="presence", sections=section, sources=sources, where=where)


def _codes_of(row: pd.Series) -> list[str]:
    return [c for c, v in row.items() if v]


def _group_list(key: pd.DataFrame, groups: Groups | None) -> list[tuple[str, list[str]]]:
    if groups is None:
        return [("", list(key.index))]
    out = [(h, [c for c in cs if c in key.index]) for h, cs in groups]
    listed = {c for _, cs in out for c in cs}
    rest = [c for c in key.index if c not in listed]
    if rest:  # report, never drop: a case outside every group still gets its table
        out.append(("OTHER CASES", rest))
    return out


def appendix_two_markdown(
    key: pd.DataFrame,
    labels: Codebook | Mapping[str, str],
    *,
    groups: Groups | None = None,
    names: Mapping[str, str] | None = None,
    title: str = "Appendix Two: Leadership actions being taken by the case study councils",
    notices: Sequence[str] = (),
) -> str:
    """Render each case's key actions as Markdown, grouped as the report groups them.

    Parameters
    ----------
    key : DataFrame
        From :func:`key_actions`.
    labels : Codebook or mapping
        Code id -> label.
    groups : sequence of (heading, cases), optional
        e.g. ``[("COUNTY COUNCILS", ["monmouthshire", "surrey"]), ...]``
        (:meth:`ReportTargets.groups` gives the report's); default one group.
    names : mapping, optional
        Case id -> display name.
    title : str
    notices : sequence of str
        Shown first, under the title (the corpus's notices).

    Returns
    -------
    str
        Markdown, ending with a newline. A case with no key action says so.
    """
    lab, names = _labels(labels), dict(names or {})
    lines = [f"# {title}", "", *_notice_markdown(notices)]
    for heading, cases in _group_list(key, groups):
        if heading:
            lines += [f"## {heading}", ""]
        for case in cases:
            lines += [f"### {names.get(case, case)}", ""]
            codes = _codes_of(key.loc[case])
            lines += [f"- {lab.get(c, c)} (`{c}`)" for c in codes] or ["- (no key action coded)"]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


_HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;"
    "vertical-align:top;text-align:left}th{background:#f3f3f3}.missing{color:#a00}.ok{color:#060}"
    "code{font-size:.9em;color:#555}.notice{border:2px solid #8a6d00;background:#fff8d6;padding:.3rem .8rem}"
)


def _html_page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_HTML_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def appendix_two_html(
    key: pd.DataFrame,
    labels: Codebook | Mapping[str, str],
    *,
    groups: Groups | None = None,
    names: Mapping[str, str] | None = None,
    title: str = "Appendix Two: Leadership actions being taken by the case study councils",
    notices: Sequence[str] = (),
) -> str:
    """Render :func:`appendix_two_markdown`'s content as a standalone HTML page."""
    lab, names = _labels(labels), dict(names or {})
    body = [f"<h1>{html.escape(title)}</h1>", *_notice_html(notices)]
    for heading, cases in _group_list(key, groups):
        if heading:
            body.append(f"<h2>{html.escape(heading)}</h2>")
        for case in cases:
            body.append(f"<h3>{html.escape(names.get(case, case))}</h3>\n<ul>")
            codes = _codes_of(key.loc[case])
            body += [f"<li>{html.escape(lab.get(c, c))} <code>{html.escape(c)}</code></li>" for c in codes] or [
                "<li>(no key action coded)</li>"
            ]
            body.append("</ul>")
    return _html_page(title, body)


_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    "a an and the of to in for with on at by from as is are was were be being we our its it their this that "
    "not but or into".split()
)


def _stems(text: str) -> set[str]:
    # A crude stem (first five letters) so "resourcing" meets "resource" and "partners" meets
    # "partnerships"; good enough to pick the best of a handful of sentences for display.
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def audit_table(
    codings: pd.DataFrame,
    targets: ReportTargets,
    codes: Codebook | Sequence[str],
    *,
    section: str,
    where: str | None = None,
) -> pd.DataFrame:
    """Each published Appendix Two item beside its code and the sentence that supports it.

    For every (item, code) of the report's Appendix Two, the supporting sentence is the coded
    segment of that council and code in the key-actions section that shares most words with
    the item (the first in document order on a tie). When the section holds none, a coded
    segment elsewhere in the council's transcripts is shown and ``found`` says where; when
    there is none at all the sentence is :data:`NOT_FOUND`.

    Parameters
    ----------
    codings : DataFrame
        A codings table (after overrides, for the reproduction).
    targets : ReportTargets
        The published items.
    codes : Codebook or sequence of str
    section : str
        The key-actions section.

    Returns
    -------
    DataFrame
        Columns ``group, council, council_name, item, code, found, document, turn, sentence``;
        ``found`` is ``section``, ``elsewhere`` or ``no``; one row per (item, code) in the
        report's order.
    """
    support = supporting_segments(codings, codes, cases=list(targets.council_ids), where=where)
    names = targets.council_names
    rows = []
    for g in targets.groups:
        for item in g.items:
            for code in item.codes:
                cell = support[(support["case"] == item.council) & (support["code"] == code)]
                in_section = cell[cell["section"] == section]
                pool, found = (in_section, "section") if len(in_section) else (cell, "elsewhere")
                if pool.empty:
                    rows.append([g.heading, item.council, names[item.council], item.item, code, "no", "", -1, NOT_FOUND])
                    continue
                want = _stems(item.item)
                scores = [len(want & _stems(t)) for t in pool["text"]]
                best = pool.iloc[max(range(len(scores)), key=lambda i: (scores[i], -i))]
                rows.append([
                    g.heading, item.council, names[item.council], item.item, code, found,
                    best["document"], int(best["turn"]), " ".join(str(best["text"]).split()),
                ])
    cols = ["group", "council", "council_name", "item", "code", "found", "document", "turn", "sentence"]
    out = pd.DataFrame(rows, columns=cols)
    out["turn"] = out["turn"].astype("int64")
    return out


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def audit_markdown(audit: pd.DataFrame, labels: Codebook | Mapping[str, str], *, notices: Sequence[str] = ()) -> str:
    """Render :func:`audit_table` as a Markdown table, one section per group, ``notices`` first."""
    lab = _labels(labels)
    n_found = int((audit["found"] == "section").sum())
    lines = [
        "# Appendix Two audit: each published item and the transcript sentence behind it",
        "",
        *_notice_markdown(notices),
        f"{n_found} of {len(audit)} published (item, code) pairs have a supporting sentence in the "
        "key-actions section; `elsewhere` means only another section supports it, `no` means "
        f"{NOT_FOUND}.",
        "",
    ]
    for heading, part in audit.groupby("group", sort=False):
        lines += [f"## {heading}", "", "| Council | Published item | Code | Found | Supporting sentence |",
                  "|---|---|---|---|---|"]
        for r in part.itertuples():
            where = f" ({r.document}, turn {r.turn})" if r.turn >= 0 else ""
            sentence = f"“{r.sentence}”{where}" if r.found != "no" else f"**{NOT_FOUND}**"
            lines.append(
                f"| {_md_cell(r.council_name)} | {_md_cell(r.item)} | {_md_cell(lab.get(r.code, r.code))} (`{r.code}`) "
                f"| {r.found} | {_md_cell(sentence)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def audit_html(audit: pd.DataFrame, labels: Codebook | Mapping[str, str], *, notices: Sequence[str] = ()) -> str:
    """Render :func:`audit_table` as a standalone HTML page, ``notices`` first."""
    lab = _labels(labels)
    title = "Appendix Two audit: each published item and the transcript sentence behind it"
    body = [f"<h1>{html.escape(title)}</h1>", *_notice_html(notices)]
    for heading, part in audit.groupby("group", sort=False):
        body.append(f"<h2>{html.escape(heading)}</h2>")
        body.append("<table>\n<tr><th>Council</th><th>Published item</th><th>Code</th><th>Found</th>"
                    "<th>Supporting sentence</th></tr>")
        for r in part.itertuples():
            if r.found == "no":
                sentence = f'<span class="missing">{NOT_FOUND}</span>'
            else:
                sentence = f"“{html.escape(r.sentence)}” <code>{html.escape(r.document)}, turn {r.turn}</code>"
            body.append(
                f"<tr><td>{html.escape(r.council_name)}</td><td>{html.escape(r.item)}</td>"
                f"<td>{html.escape(lab.get(r.code, r.code))} <code>{html.escape(r.code)}</code></td>"
                f"<td>{html.escape(r.found)}</td><td>{sentence}</td></tr>"
            )
        body.append("</table>")
    return _html_page(title, body)


# --- comparison with the report ------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    """One code's reproduced figures against the report's.

    Attributes
    ----------
    code, label, statement : str
    target : CountTarget
    count : int
        Councils taking the code in the reproduction.
    councils : tuple of str
        Which, in the report's order.
    missing_named : tuple of str
        Councils the report names for the code that the reproduction lacks.
    """

    code: str
    label: str
    statement: str
    target: CountTarget
    count: int
    councils: tuple[str, ...]
    missing_named: tuple[str, ...]

    @property
    def count_met(self) -> bool:
        """Whether the count falls within the target."""
        return self.target.met_by(self.count)

    @property
    def met(self) -> bool:
        """Count within target and every named council present."""
        return self.count_met and not self.missing_named

    @property
    def verdict(self) -> str:
        """``met``, or what was missed."""
        if self.met:
            return "met"
        why = []
        if not self.count_met:
            why.append("too few" if self.count < self.target.min else "too many")
        if self.missing_named:
            why.append("named council missing")
        return "MISSED (" + "; ".join(why) + ")"


@dataclass(frozen=True)
class CouncilResult:
    """One council's key actions, reproduced against published (Appendix Two)."""

    council: str
    name: str
    published: tuple[str, ...]
    reproduced: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Published codes the reproduction lacks."""
        return tuple(c for c in self.published if c not in self.reproduced)

    @property
    def extra(self) -> tuple[str, ...]:
        """Reproduced codes the report does not publish."""
        return tuple(c for c in self.reproduced if c not in self.published)

    @property
    def equal(self) -> bool:
        """Whether the two sets are the same."""
        return not self.missing and not self.extra


@dataclass(frozen=True)
class CellDifference:
    """A council × code cell where the reproduction and the reference membership differ."""

    council: str
    code: str
    reproduced: int
    reference: int
    basis: str

    @property
    def kind(self) -> str:
        """``extra`` (reproduced, not a member) or ``missing`` (a member, not reproduced)."""
        return "extra" if self.reproduced else "missing"


@dataclass(frozen=True)
class TargetComparison:
    """The reproduction against every published figure."""

    codes: tuple[CodeResult, ...]
    councils: tuple[CouncilResult, ...]
    cells: tuple[CellDifference, ...]
    n_cells: int

    @property
    def targets_met(self) -> int:
        """How many codes meet count and names."""
        return sum(r.met for r in self.codes)

    @property
    def key_actions_equal(self) -> int:
        """How many councils' key actions equal the published ones."""
        return sum(r.equal for r in self.councils)

    @property
    def cells_equal(self) -> int:
        """How many of the council × code cells equal the reference membership."""
        return self.n_cells - len(self.cells)

    @property
    def ok(self) -> bool:
        """Every target met, every cell equal, every council's key actions equal."""
        return (
            self.targets_met == len(self.codes)
            and not self.cells
            and self.key_actions_equal == len(self.councils)
        )


def compare_to_targets(
    presence: pd.DataFrame,
    key: pd.DataFrame,
    targets: ReportTargets,
    labels: Codebook | Mapping[str, str],
) -> TargetComparison:
    """Check a reproduction against the report's figures.

    Parameters
    ----------
    presence : DataFrame
        Councils × codes presence (anywhere in the transcripts), index in ``targets`` order.
    key : DataFrame
        Councils × codes presence in the key-actions section (:func:`key_actions`).
    targets : ReportTargets
    labels : Codebook or mapping
        Code labels, and the code order of the result.

    Returns
    -------
    TargetComparison
    """
    lab = _labels(labels)
    councils = list(targets.council_ids)
    pres = presence.reindex(index=councils, fill_value=0)
    code_results = []
    for code in lab:
        if code not in targets.codes:
            continue
        t = targets.codes[code]
        col = pres[code] if code in pres.columns else pd.Series(0, index=councils)
        taking = tuple(c for c in councils if col.get(c, 0) > 0)
        code_results.append(
            CodeResult(
                code=code,
                label=lab[code],
                statement=t.statement,
                target=t.count,
                count=len(taking),
                councils=taking,
                missing_named=tuple(n for n in t.named if n not in taking),
            )
        )
    kp = key.reindex(index=councils, fill_value=0)
    order = list(lab)
    council_results = []
    for c in targets.councils:
        published = sorted(targets.key_actions(c.id), key=lambda x: order.index(x) if x in order else len(order))
        row = kp.loc[c.id] if c.id in kp.index else pd.Series(dtype="int64")
        reproduced = tuple(code for code in order if row.get(code, 0) > 0)
        council_results.append(CouncilResult(c.id, c.name, tuple(published), reproduced))
    reference = targets.members_matrix([c for c in lab if c in targets.codes])
    cells = []
    for code in reference.columns:
        basis = {m.council: m.basis for m in targets.codes[code].members}
        for c in councils:
            r = int(pres.at[c, code] > 0) if code in pres.columns else 0
            if r != int(reference.at[c, code]):
                cells.append(CellDifference(c, code, r, int(reference.at[c, code]), basis.get(c, "")))
    return TargetComparison(tuple(code_results), tuple(council_results), tuple(cells), reference.size)


def override_summary(
    codings: pd.DataFrame,
    codes: Codebook | Sequence[str] | None = None,
    *,
    entries: Sequence[object] = (),
) -> pd.DataFrame:
    """Count the analysts' overrides by kind and code: the entries, and the codings they changed.

    Parameters
    ----------
    codings : DataFrame
        A codings table after :func:`casecoder.overrides.apply_overrides`.
    codes : Codebook or sequence of str, optional
        Row order (codebook order); default sorted.
    entries : sequence of OverrideEntry, optional
        The entries of the overrides files applied (each has ``action`` and ``code``).

    Returns
    -------
    DataFrame
        Index code (only codes with an override), int64 columns: ``add_entries`` and
        ``remove_entries`` (entries in the files), ``added`` (manual codings that count: source
        ``manual``, status ``coded``) and ``removed`` (codings set aside with reason
        ``removed_by:<analyst>``).
    """
    added = codings[(codings["source"] == "manual") & (codings["status"] == "coded")]
    removed = codings[codings["reason"].astype(str).str.startswith("removed_by:")]
    ent = pd.DataFrame([(getattr(e, "action"), getattr(e, "code")) for e in entries], columns=["action", "code"])
    out = pd.DataFrame({
        "add_entries": ent[ent["action"] == "add"].groupby("code").size(),
        "remove_entries": ent[ent["action"] == "remove"].groupby("code").size(),
        "added": added.groupby("code").size(),
        "removed": removed.groupby("code").size(),
    }).fillna(0).astype("int64")
    out = out.reindex(columns=["add_entries", "remove_entries", "added", "removed"], fill_value=0)
    if codes is not None:
        ids = list(getattr(codes, "ids", codes))
        out = out.reindex([c for c in ids if c in out.index])
    else:
        out = out.sort_index()
    out.index.name = "code"
    return out


def _names(ids: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(i, i) for i in ids) or "—"


def _comparison_lines(cmp: TargetComparison, targets: ReportTargets, *, heading: str, detail: bool) -> list[str]:
    names = targets.council_names
    n_codes, n_councils = len(cmp.codes), len(cmp.councils)
    lines = [
        f"## {heading}",
        "",
        f"- Targets met: **{cmp.targets_met} of {n_codes}** codes (count within the target and every "
        "named council present).",
        f"- Membership: **{cmp.cells_equal} of {cmp.n_cells}** council × code cells equal the reference "
        "`members`.",
        f"- Key actions: **{cmp.key_actions_equal} of {n_councils}** councils' key actions equal the codes "
        "of their Appendix Two items.",
        "",
        "| Code | Target | Reproduced | Named councils missing | Verdict |",
        "|---|---|---|---|---|",
    ]
    for r in cmp.codes:
        lines.append(
            f"| {_md_cell(r.label)} (`{r.code}`) | {r.target} | {r.count} | {_names(r.missing_named, names)} "
            f"| {r.verdict} |"
        )
    lines.append("")
    if detail:
        lines += ["### The report's statements", ""]
        for r in cmp.codes:
            lines.append(f"- **{_md_cell(r.label)}** (target {r.target}): “{r.statement}”")
        lines.append("")
    lines += ["### Key actions per council (Appendix Two)", "",
              "| Council | Published | Reproduced | Missing | Extra |", "|---|---|---|---|---|"]
    for c in cmp.councils:
        lines.append(
            f"| {c.name} | {len(c.published)} | {len(c.reproduced)} | {', '.join(c.missing) or '—'} "
            f"| {', '.join(c.extra) or '—'} |"
        )
    lines += ["", "### Cells that differ from the reference membership", ""]
    if not cmp.cells:
        lines.append(f"None: all {cmp.n_cells} cells equal.")
    else:
        lines += ["| Council | Code | Reproduced | Reference | Basis of the reference cell |", "|---|---|---|---|---|"]
        for d in cmp.cells:
            lines.append(
                f"| {names.get(d.council, d.council)} | `{d.code}` | {d.reproduced} | {d.reference} "
                f"| {d.basis or 'not a member'} ({d.kind}) |"
            )
    lines.append("")
    return lines


def _overrides_lines(final: TargetComparison, patterns_alone: TargetComparison, overrides: pd.DataFrame,
                     override_files: Sequence[str]) -> list[str]:
    """The report's section on what the overrides changed: entries and codings per code, and
    the counts that moved."""
    lines = ["## What the overrides changed", ""]
    if overrides.empty:
        lines.append("No overrides were applied.")
    else:
        files = ", ".join(f"`{f}`" for f in override_files) or "—"
        lines += [
            f"Overrides from {files}: {int(overrides['add_entries'].sum())} `add` and "
            f"{int(overrides['remove_entries'].sum())} `remove` entries, which added "
            f"{int(overrides['added'].sum())} codings and set aside {int(overrides['removed'].sum())}.",
            "",
            "| Code | `add` entries | `remove` entries | Codings added | Codings removed |",
            "|---|---|---|---|---|",
        ]
        for code, r in overrides.iterrows():
            lines.append(
                f"| `{code}` | {r['add_entries']} | {r['remove_entries']} | {r['added']} | {r['removed']} |"
            )
    lines.append("")
    changed = [
        (a, b) for a, b in zip(patterns_alone.codes, final.codes, strict=True) if a.count != b.count or a.met != b.met
    ]
    if changed:
        lines += ["Counts the overrides changed:", ""]
        lines += [f"- `{b.code}`: {a.count} → {b.count} ({a.verdict} → {b.verdict})" for a, b in changed]
        lines.append("")
    return lines


def reproduction_markdown(
    final: TargetComparison,
    patterns_alone: TargetComparison,
    targets: ReportTargets,
    *,
    overrides: pd.DataFrame,
    override_files: Sequence[str] = (),
    corpus: Mapping[str, object] | None = None,
    outputs: Sequence[str] = (),
    notices: Sequence[str] = (),
) -> str:
    """Write the reproduction report.

    Parameters
    ----------
    final : TargetComparison
        The figures with the analysts' overrides applied.
    patterns_alone : TargetComparison
        The same figures from the codebook's patterns alone.
    targets : ReportTargets
    overrides : DataFrame
        From :func:`override_summary`.
    override_files : sequence of str
        The overrides files applied, as shown to the reader.
    corpus : mapping, optional
        Facts about the inputs to list (e.g. documents, segments, codings).
    outputs : sequence of str
        The files written beside the report.
    notices : sequence of str
        The corpus's notices (:func:`casecoder.provenance.corpus_notices`), shown first: for a
        reconstructed corpus they say what the verdict can and cannot mean.

    Returns
    -------
    str
        Markdown. No timestamps, so a re-run gives the same bytes.
    """
    src = targets.source
    verdict = "REPRODUCED" if final.ok else "NOT REPRODUCED"
    lines = [
        "# Reproduction of the report's findings",
        "",
        *_notice_markdown(notices),
        f"Report: *{src.get('title', '')}*, {src.get('author', '')}, {src.get('published', '')}.",
        "",
        f"**Verdict: {verdict}.** With the reviewing analyst's overrides: {final.targets_met} of "
        f"{len(final.codes)} targets met, {final.cells_equal} of {final.n_cells} membership cells equal, "
        f"{final.key_actions_equal} of {len(final.councils)} councils' key actions equal to Appendix Two. "
        f"From the patterns alone: {patterns_alone.targets_met} of {len(patterns_alone.codes)} targets, "
        f"{patterns_alone.cells_equal} of {patterns_alone.n_cells} cells, {patterns_alone.key_actions_equal} of "
        f"{len(patterns_alone.councils)} councils.",
        "",
        "Regenerate with `casecoder reproduce --out <folder>`; the command exits 1 when any target is "
        "missed. A council takes a code when at least one of its transcript sentences is coded with it "
        "(status `coded`); its key actions are the codes coded in the section on the leadership actions "
        "with the greatest impact.",
        "",
    ]
    if corpus:
        lines += ["## Inputs", ""] + [f"- {k}: {v}" for k, v in corpus.items()] + [""]
    lines += _comparison_lines(final, targets, heading="With the analyst's overrides", detail=True)
    lines += _comparison_lines(patterns_alone, targets, heading="Patterns alone (no overrides)", detail=False)
    lines += _overrides_lines(final, patterns_alone, overrides, override_files)
    if outputs:
        lines += ["## Files", ""]
        if notices:
            lines += ["The notice at the top of this report holds for every file here: the codings, matrix and "
                      "framework tables carry the transcripts' text and the counts made from it (a CSV or "
                      "Parquet file cannot carry the notice itself).", ""]
        lines += [f"- `{o}`" for o in outputs] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
