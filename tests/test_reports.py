"""Tests of the report targets loader, Appendix Two tables, the audit table and REPRODUCTION.md."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from casecoder.errors import FindingsError
from casecoder.matrix import code_matrix
from casecoder.studies.solace.reports import (
    NOT_FOUND,
    appendix_two_html,
    appendix_two_markdown,
    audit_markdown,
    audit_table,
    compare_to_targets,
    key_actions,
    override_summary,
    reproduction_markdown,
)
from casecoder.studies.solace.targets import load_targets

KEY = "Leadership actions with the greatest impact"
LABELS = {"pace": "Move with pace", "risk": "Take considered risks", "digital": "Maximise digital expertise"}

TARGETS = textwrap.dedent(
    """\
    source: {title: "A report — with “quotes”", author: A. Author, published: 2016-04}
    councils:
      - {id: oldham, name: Oldham, type: metropolitan}
      - {id: havant, name: East Hampshire and Havant, type: district}
      - {id: surrey, name: Surrey, type: county}
    chart: {title: Key actions, unit: councils}
    codes:
      pace:
        statement: "Two councils emphasised pace."
        count: {min: 2, max: 2}
        named: [oldham]
        members: {oldham: named, havant: appendix}
      risk:
        statement: "Several councils reviewed their appetite for risk."
        count: {min: 1, max: 3}
        named: [havant]
        members: {havant: {basis: inferred, why: "a leap of faith"}}
      digital:
        statement: "Very few mentioned digital."
        count: {min: 0, max: 1}
        named: []
        members: {}
    appendix_two:
      title: Leadership actions
      groups:
        - type: county
          heading: COUNTY COUNCILS
          councils:
            surrey:
              - {item: "Being digital £", codes: [digital]}
        - type: metropolitan
          heading: METROPOLITAN COUNCILS
          councils:
            oldham:
              - {item: Moving forward at pace, codes: [pace]}
        - type: district
          heading: DISTRICT COUNCILS
          councils:
            havant:
              - {item: "Moving with pace, and taking intelligent risks", codes: [pace, risk]}
    """
)


@pytest.fixture
def targets_path(tmp_path: Path) -> Path:
    p = tmp_path / "report_targets.yaml"
    p.write_text(TARGETS, encoding="utf-8")
    return p


def coding(case, start, code, section=KEY, text="We move at pace — “now”.", source="auto", status="coded", reason=""):
    return {"document": case, "case": case, "section": section, "turn": start // 100, "speaker": "Manager",
            "segment": start // 10, "start": start, "end": start + 9, "text": text, "code": code,
            "rule": "phrase:x", "source": source, "analyst": "casecoder" if source == "auto" else "reviewing-analyst",
            "status": status, "reason": reason, "note": ""}


@pytest.fixture
def codings() -> pd.DataFrame:
    return pd.DataFrame([
        coding("oldham", 100, "pace", text="We are moving forward at pace, despite uncertainty."),
        coding("oldham", 200, "pace", section="Challenges", text="Pace is hard."),
        coding("havant", 100, "pace", text="We move with pace."),
        coding("havant", 300, "risk", section="Other learning", text="We take intelligent risks 🚀."),
        coding("havant", 400, "risk", source="auto", status="excluded", reason="removed_by:reviewing-analyst"),
        coding("havant", 500, "pace", source="manual", text="Speed matters."),
    ])


def test_reports_load_targets_typed(targets_path):
    t = load_targets(targets_path, codes=list(LABELS))
    assert t.council_ids == ("oldham", "havant", "surrey")
    assert t.codes["risk"].count.min == 1 and not t.codes["risk"].count.exact and str(t.codes["risk"].count) == "1–3"
    assert t.codes["risk"].members[0].why == "a leap of faith"
    assert t.key_actions("havant") == frozenset({"pace", "risk"})
    assert t.members_matrix().loc["havant"].tolist() == [1, 1, 0]
    assert [g.heading for g in t.groups] == ["COUNTY COUNCILS", "METROPOLITAN COUNCILS", "DISTRICT COUNCILS"]


def test_reports_load_shipped_targets():
    t = load_targets(Path(__file__).parents[1] / "data" / "reference" / "report_targets.yaml")
    members = t.members_matrix()
    assert members.shape == (9, 17)
    for code, target in t.codes.items():  # the reference membership meets every published count
        assert target.count.met_by(int(members[code].sum())), code
        assert set(target.named) <= set(target.member_ids), code


@pytest.mark.parametrize(
    ("old", "new", "code", "field"),
    [
        ("count: {min: 2, max: 2}", "count: {min: 3, max: 2}", "E506", "codes.pace.count"),
        ("named: [oldham]", "named: [oldam]", "E504", "codes.pace.named"),
        ("members: {oldham: named, havant: appendix}", "members: {oldham: guessed, havant: appendix}", "E503", "codes.pace.members.oldham"),
        ("codes: [digital]}", "codes: [digitl]}", "E505", "appendix_two.groups[0].councils.surrey[0].codes"),
    ],
)
def test_reports_bad_targets_name_field_and_line(targets_path, old, new, code, field):
    targets_path.write_text(TARGETS.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FindingsError) as e:
        load_targets(targets_path, codes=list(LABELS))
    p = next(p for p in e.value.problems if p.code == code)
    assert p.field == field and p.line is not None and p.path == str(targets_path)
    line = targets_path.read_text(encoding="utf-8").splitlines()[p.line - 1]
    assert new.split(":")[0].strip() in line or field.split(".")[-1] in line


def test_reports_targets_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(FindingsError, match="E501"):
        load_targets(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("councils: [\n", encoding="utf-8")
    with pytest.raises(FindingsError, match="E502"):
        load_targets(bad)


def test_reports_council_without_appendix_items(targets_path):
    text = TARGETS.replace('      councils:\n        surrey:\n          - {item: "Being digital £", codes: [digital]}\n',
                           "      councils: {}\n")
    assert text != TARGETS
    targets_path.write_text(text, encoding="utf-8")
    with pytest.raises(FindingsError) as e:
        load_targets(targets_path)
    assert any(p.code == "E515" and "surrey" in p.message for p in e.value.problems)


def test_reports_key_actions_use_the_section_only(codings, targets_path):
    t = load_targets(targets_path)
    key = key_actions(codings, list(LABELS), cases=t.council_ids, section=KEY)
    assert key.loc["havant"].tolist() == [1, 0, 0]  # its risk coding is in another section
    assert key.loc["oldham"].tolist() == [1, 0, 0]


def test_reports_appendix_two_markdown_grouped_in_report_order(codings, targets_path):
    t = load_targets(targets_path)
    key = key_actions(codings, list(LABELS), cases=t.council_ids, section=KEY)
    md = appendix_two_markdown(key, LABELS, groups=[(g.heading, g.councils) for g in t.groups], names=t.council_names)
    order = [md.index(h) for h in ("## COUNTY COUNCILS", "### Surrey", "## METROPOLITAN COUNCILS", "### Oldham",
                                   "## DISTRICT COUNCILS", "### East Hampshire and Havant")]
    assert order == sorted(order)
    assert "### Surrey\n\n- (no key action coded)" in md
    assert "### Oldham\n\n- Move with pace (`pace`)\n" in md


def test_reports_appendix_two_html_escapes(codings):
    key = key_actions(codings, list(LABELS), cases=["oldham", "havant", "surrey"], section=KEY)
    page = appendix_two_html(key, {**LABELS, "pace": "Pace <fast> & “sure”"}, names={"havant": "Havant & Co"})
    assert "Pace &lt;fast&gt; &amp; “sure”" in page and "Havant &amp; Co" in page
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_reports_audit_table_finds_best_sentence_or_not_found(codings, targets_path):
    t = load_targets(targets_path)
    a = audit_table(codings, t, list(LABELS), section=KEY)
    assert list(a["code"]) == ["digital", "pace", "pace", "risk"]  # report order: county, metropolitan, district
    by = {(r.council, r.code): r for r in a.itertuples()}
    assert by[("surrey", "digital")].sentence == NOT_FOUND and by[("surrey", "digital")].found == "no"
    # two Havant pace sentences in the section: the one sharing words with the item wins
    assert by[("havant", "pace")].sentence == "We move with pace." and by[("havant", "pace")].found == "section"
    assert by[("havant", "risk")].found == "elsewhere"  # coded only in another section
    assert by[("oldham", "pace")].sentence.startswith("We are moving forward at pace")
    md = audit_markdown(a, LABELS)
    assert "2 of 4 published (item, code) pairs" in md and f"**{NOT_FOUND}**" in md


def test_reports_compare_counts_names_cells_and_key_actions(codings, targets_path):
    t = load_targets(targets_path)
    pres = code_matrix(codings, list(LABELS), cases=t.council_ids, value="presence")
    key = key_actions(codings, list(LABELS), cases=t.council_ids, section=KEY)
    cmp = compare_to_targets(pres, key, t, LABELS)
    assert [r.count for r in cmp.codes] == [2, 1, 0]
    assert all(r.met for r in cmp.codes) and cmp.targets_met == 3
    assert cmp.cells == () and cmp.cells_equal == 9
    havant = next(c for c in cmp.councils if c.council == "havant")
    assert havant.missing == ("risk",) and not havant.equal
    surrey = next(c for c in cmp.councils if c.council == "surrey")
    assert surrey.missing == ("digital",)
    assert cmp.key_actions_equal == 1 and not cmp.ok


def test_reports_compare_reports_missed_targets(codings, targets_path):
    t = load_targets(targets_path)
    few = codings[codings["case"] != "oldham"]
    pres = code_matrix(few, list(LABELS), cases=t.council_ids, value="presence")
    cmp = compare_to_targets(pres, pres, t, LABELS)
    pace = cmp.codes[0]
    assert pace.count == 1 and pace.missing_named == ("oldham",)
    assert pace.verdict == "MISSED (too few; named council missing)"
    assert [(d.council, d.code, d.kind, d.basis) for d in cmp.cells] == [("oldham", "pace", "missing", "named")]


def test_reports_override_summary_counts_kinds(codings):
    from types import SimpleNamespace

    entries = [SimpleNamespace(action="add", code="pace"), SimpleNamespace(action="remove", code="risk")]
    s = override_summary(codings, list(LABELS), entries=entries)
    assert list(s.index) == ["pace", "risk"]
    assert s.loc["pace"].tolist() == [1, 0, 1, 0] and s.loc["risk"].tolist() == [0, 1, 0, 1]


def test_reports_reproduction_markdown_is_honest_and_repeatable(codings, targets_path):
    t = load_targets(targets_path)
    auto = codings[codings["source"] == "auto"]

    def cmp(table):
        pres = code_matrix(table, list(LABELS), cases=t.council_ids, value="presence")
        return compare_to_targets(pres, key_actions(table, list(LABELS), cases=t.council_ids, section=KEY), t, LABELS)

    args = (cmp(codings), cmp(auto), t)
    md = reproduction_markdown(*args, overrides=override_summary(codings, list(LABELS)), override_files=["o.yaml"])
    assert md == reproduction_markdown(*args, overrides=override_summary(codings, list(LABELS)), override_files=["o.yaml"])
    assert "**Verdict: NOT REPRODUCED.**" in md
    assert "## Patterns alone (no overrides)" in md and "## What the overrides changed" in md
    assert "| Move with pace (`pace`) | 2 | 2 |" in md
    assert "“Two councils emphasised pace.”" in md
    assert "Overrides from `o.yaml`" in md
