"""Checks of the shipped case-study corpus (issue 4): data/interviews, provenance, gold, reference.

The corpus is a reconstruction from the published report (Munro, J. (2016) Key Leadership
Actions for Innovation: Final report of the Solace Innovation Research Project. Solace), whose
text sits in ../shared/source/ beside the repository. The conventions checked here are written
down in data/README.md. Checks that need the report text skip, with the reason, when it is absent.
"""

from __future__ import annotations

import csv
import filecmp
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from casecoder.studies.solace import CASE_KEY
from casecoder.transcripts import Document, read_corpus

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = REPO.parent / "shared"
REPORT = SHARED / "source" / "003_aa51f6fa554a6e86.txt"

SECTIONS = (
    "Innovations the council is developing",
    "Leadership actions with the greatest impact",
    "Skills and processes",
    "Challenges",
    "Other learning",
)
KEY_ACTIONS = SECTIONS[1]
SPEAKERS = frozenset(
    {
        "Interviewer",
        "Interviewee",
        "Chief Executive",
        "Strategic Director",
        "Director",
        "Senior Manager",
        "Manager",
    }
)
# The label for a turn whose words the report gives to no role (and for every paraphrase): it
# identifies no one. A paraphrase is the reconstruction's wording, so it must never be given to
# a role; a role that one person holds in a council would put invented words in that person's mouth.
NEUTRAL_ROLES = frozenset({"Interviewee"})
# Roles only one person holds in a council (or that the report ties to one person).
_SINGLE_HOLDER = re.compile(
    r"\b(?:chief\s+executive|leader|mayor|managing\s+director|city\s+director|strategic\s+director"
    r"|head\s+of\s+paid\s+service|chair(?:man|woman)?|portfolio\s+holder|director\s+of\s+\w+)\b",
    re.IGNORECASE,
)
KINDS = frozenset({"notice", "question", "verbatim", "paraphrase"})
FRONT_MATTER = ("council", "council_name", "council_type", "source", "reconstructed")
GOLD_COLUMNS = ["document", "turn", "code", "quote", "reason"]
# The people the report names beside its quotes (attribution blocks and introductions).
# None of them may appear in a transcript: speakers are roles.
REPORT_PEOPLE = (
    "David McNulty",
    "Martin Swales",
    "Paul Matthews",
    "Carolyn Wilkins",
    "Charlie Adan",
    "Donna Hall",
    "Sandy Hopkins",
    "Simon Baker",
    "Max Wide",
)
# How the report's prose names each council (it shortens some partnerships, e.g. "Havant").
ALIASES: Mapping[str, tuple[str, ...]] = {
    "monmouthshire": ("Monmouthshire",),
    "surrey": ("Surrey",),
    "bristol": ("Bristol",),
    "oldham": ("Oldham",),
    "south_tyneside": ("South Tyneside",),
    "wigan": ("Wigan",),
    "east_hampshire_havant": ("East Hampshire and Havant", "East Hampshire", "Havant"),
    "mid_suffolk_babergh": ("Mid Suffolk and Babergh", "Mid Suffolk", "Babergh"),
    "staffordshire_moorlands_high_peak": (
        "Staffordshire Moorlands and High Peak",
        "Staffordshire Moorlands",
        "Staffordshire Moorland",
        "High Peak",
    ),
}

TRANSCRIPTS = sorted((DATA / "interviews").glob("*.md"))
IDS = [p.stem for p in TRANSCRIPTS]

# --------------------------------------------------------------------------------------------
# helpers

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def normalise(text: str) -> str:
    """Fold curly quote characters to straight ones and runs of whitespace to one space."""
    return " ".join(text.translate(_QUOTES).split())


def report_headings(report: str) -> frozenset[str]:
    """Every heading of the report text, without its ``#`` marks and ``**`` emphasis."""
    titles = re.findall(r"(?m)^#{1,6}[ \t]+(.+?)[ \t]*$", report)
    return frozenset(t.strip().strip("*").strip() for t in titles)


def attributed_council(report: str, start: int, end: int, aliases: Mapping[str, Iterable[str]]) -> str | None:
    """The council the (normalised) report attributes the quote at ``report[start:end]`` to.

    A quote whose quoted passage is followed by an attribution block (``**- Role, Council**``)
    belongs to the first council that block names (the turn may be a part of the passage); any
    other quote to the council named last in the 400 characters introducing it ("As Oldham's
    chief executive observed: ...").
    """
    names = sorted(((n, c) for c, ns in aliases.items() for n in ns), key=lambda nc: -len(nc[0]))
    pattern = re.compile("|".join(re.escape(n) for n, _ in names))
    by_name = dict(names)
    block = attribution_block(report, end)
    if block is not None:
        found = pattern.search(block)
        return by_name[found.group(0)] if found else None
    before = list(pattern.finditer(report[max(0, start - 400) : start]))
    return by_name[before[-1].group(0)] if before else None


def attribution_block(report: str, end: int) -> str | None:
    """The attribution block (``**- Role, Council**``, one or more bold spans) after the quoted
    passage that the (normalised) report's quote ending at ``end`` is part of, or None."""
    after = report[end : end + 1200]
    rest = re.match(r'^[^"]{0,900}"', after)  # the rest of the quoted passage, up to its close
    for tail in (after, after[rest.end() :] if rest else None):
        block = re.match(r"^[^\w]{0,8}\*\*\s*-[^*]{0,200}\*\*(?:\s*\*\*[^*]{0,200}\*\*)*", tail or "")
        if block:
            return block.group(0)
    return None


def reported_role_text(report: str, start: int, end: int) -> str:
    """Where the (normalised) report gives the role of whoever said the quote at ``report[start:end]``.

    That is its attribution block if it has one; otherwise the 300 characters introducing it,
    cut after the last attribution block or heading among them (those belong to other quotes),
    e.g. "And one of Surrey's managers reflected:".
    """
    block = attribution_block(report, end)
    if block is not None:
        return block
    intro = report[max(0, start - 300) : start]
    cut = max(intro.rfind("**"), intro.rfind("# "))
    return intro[cut + 2 :] if cut >= 0 else intro


def identifying_role(label: str) -> bool:
    """True for a speaker label naming a role that only one person in a council holds."""
    return bool(_SINGLE_HOLDER.search(label))


@lru_cache(maxsize=1)
def _report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


def report_or_skip() -> str:
    if not REPORT.is_file():
        pytest.skip(f"the report text {REPORT} is absent (it lives in ../shared/source beside the repo)")
    return _report_text()


@lru_cache(maxsize=1)
def _targets() -> dict:
    return yaml.safe_load((DATA / "reference" / "report_targets.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _code_ids() -> tuple[str, ...]:
    frame = yaml.safe_load((DATA / "reference" / "code_frame.yaml").read_text(encoding="utf-8"))
    return tuple(c["id"] for c in frame["codes"])


@lru_cache(maxsize=1)
def _documents() -> dict[str, Document]:
    return {d.id: d for d in read_corpus(TRANSCRIPTS, case_key=CASE_KEY)}


def _provenance(doc_id: str) -> dict:
    return yaml.safe_load((DATA / "provenance" / f"{doc_id}.yaml").read_text(encoding="utf-8"))


def _gold(doc_id: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / "gold" / f"{doc_id}.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _members(doc_id: str) -> set[str]:
    return {code for code, spec in _targets()["codes"].items() if doc_id in spec["members"]}


def _appendix_two(doc_id: str) -> list[dict]:
    for group in _targets()["appendix_two"]["groups"]:
        if doc_id in group["councils"]:
            return group["councils"][doc_id]
    return []


# --------------------------------------------------------------------------------------------
# the helpers themselves (so that the corpus checks can fail)


def test_corpus_normalise_folds_quotes_and_whitespace_only() -> None:
    assert normalise("“We’re  here —\n£5 🙂”") == "\"We're here — £5 🙂\""
    assert normalise("a\u00a0 b") == "a b"
    assert normalise("don’t") != normalise("do not")


@pytest.mark.parametrize(
    ("report", "quote", "expected"),
    [
        ('intro *"We put money in."* **- Director, East Hampshire and Havant** Next, Surrey.', "We put money in.", "east_hampshire_havant"),
        ("Surrey said. As Oldham’s chief executive observed: “Leadership matters.”", "Leadership matters.", "oldham"),
        ('Surrey\'s manager: "Be quick." **-Jane Doe, Chief Executive, Wigan**', "Be quick.", "wigan"),
        ('*"First part. Second part."* **- Manager, Oldham** Surrey', "First part.", "oldham"),
        ("Nothing names a council here: \"Go on.\"", "Go on.", None),
    ],
)
def test_corpus_attributed_council_reads_block_or_introduction(report: str, quote: str, expected: str | None) -> None:
    text = normalise(report)
    start = text.index(quote)
    assert attributed_council(text, start, start + len(quote), ALIASES) == expected


@pytest.mark.parametrize(
    ("report", "quote", "role_text"),
    [
        ('Next. *"We put money in."* **- Director, Havant** Surrey said.', "We put money in.", '"* **- Director, Havant**'),
        ('**- Chief Executive, Wigan** A Surrey manager said: "Be quick."', 'Be quick.', ' A Surrey manager said: "'),
        ('## Pace *"We act."* **- Manager, Oldham**', "We act.", '"* **- Manager, Oldham**'),
        ("Surrey's staff review: \"We review.\" Next.", "We review.", 'Surrey\'s staff review: "'),
    ],
)
def test_corpus_reported_role_text_is_the_block_or_the_introduction(report: str, quote: str, role_text: str) -> None:
    start = report.index(quote)
    assert reported_role_text(report, start, start + len(quote)) == role_text


@pytest.mark.parametrize(
    ("label", "identifying"),
    [
        ("Chief Executive", True), ("Leader of the Council", True), ("Managing Director", True),
        ("Strategic Director of Business Change", True), ("Director of Adult Services", True),
        ("Mayor", True), ("Interviewee", False), ("Senior Manager", False), ("Manager", False),
        ("Director", False), ("Interviewer", False),
    ],
)
def test_corpus_identifying_role(label: str, identifying: bool) -> None:
    assert identifying_role(label) is identifying


def test_corpus_report_headings_strip_marks() -> None:
    headings = report_headings("# APPENDIX ONE\n\n### **Maximising digital expertise**\n\ntext # not\n")
    assert headings == {"APPENDIX ONE", "Maximising digital expertise"}


# --------------------------------------------------------------------------------------------
# the corpus as a whole


def test_corpus_all_nine_councils_present() -> None:
    expected = {c["id"] for c in _targets()["councils"]}
    assert len(expected) == 9
    assert set(IDS) == expected
    for doc_id in expected:
        assert (DATA / "provenance" / f"{doc_id}.yaml").is_file(), f"no provenance for {doc_id}"
        assert (DATA / "gold" / f"{doc_id}.csv").is_file(), f"no gold coding for {doc_id}"


@pytest.mark.parametrize("name", ["code_frame.yaml", "report_targets.yaml"])
def test_corpus_reference_files_identical_to_shared(name: str) -> None:
    shared = SHARED / "reference" / name
    if not shared.is_file():
        pytest.skip(f"{shared} is absent; nothing to compare data/reference/{name} with")
    assert filecmp.cmp(DATA / "reference" / name, shared, shallow=False)


def test_corpus_reference_readme_present() -> None:
    assert (DATA / "reference" / "README.md").is_file()


# --------------------------------------------------------------------------------------------
# each transcript


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_front_matter_complete(doc_id: str) -> None:
    doc = _documents()[doc_id]
    council = {c["id"]: c for c in _targets()["councils"]}[doc_id]
    missing = [k for k in FRONT_MATTER if k not in doc.metadata]
    assert not missing, f"{doc_id}: front matter lacks {missing}"
    assert doc.case == doc_id
    assert doc.metadata["council_name"] == council["name"]
    assert doc.metadata["council_type"] == council["type"]
    assert "Key Leadership Actions for Innovation" in str(doc.metadata["source"])
    assert doc.metadata["reconstructed"] in (True, "true")


def test_corpus_front_matter_notice_is_one_for_the_study() -> None:
    # Every output that shows the transcripts' text or the reproduction's verdict opens with it.
    notices = {d.metadata.get("notice") for d in _documents().values()}
    assert len(notices) == 1, "the nine transcripts must carry the same notice"
    notice = str(notices.pop()).lower()
    assert "reconstruct" in notice and "not independent evidence" in notice and "paraphrase" in notice


def test_corpus_provenance_kinds_are_explained() -> None:
    kinds = yaml.safe_load((DATA / "provenance" / "kinds.yaml").read_text(encoding="utf-8"))
    used = {e["kind"] for doc_id in IDS for e in _provenance(doc_id)["turns"]}
    assert used <= set(kinds) and all(str(kinds[k]).strip() for k in used)


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_notice_says_reconstruction(doc_id: str) -> None:
    doc = _documents()[doc_id]
    notice = doc.turns[0]
    assert notice.speaker == "" and notice.section == ""
    assert "reconstruct" in notice.text.lower()
    assert not re.match(r"^[A-Z][^:\n]{0,40}:", notice.text), "the notice must not begin like a speaker label"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_word_count_in_range(doc_id: str) -> None:
    words = len(_documents()[doc_id].text.split())
    assert 800 <= words <= 2000, f"{doc_id}: {words} words"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_sections_follow_protocol(doc_id: str) -> None:
    seen: list[str] = []
    for turn in _documents()[doc_id].turns[1:]:
        if not seen or seen[-1] != turn.section:
            seen.append(turn.section)
    assert tuple(seen) == SECTIONS


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_speakers_are_roles_not_people(doc_id: str) -> None:
    doc = _documents()[doc_id]
    bad = {t.speaker for t in doc.turns[1:] if t.speaker not in SPEAKERS}
    assert not bad, f"{doc_id}: speakers not in the role list: {sorted(bad)}"
    named = [p for p in REPORT_PEOPLE if p.lower() in doc.text.lower()]
    assert not named, f"{doc_id}: names a person: {named}"


def _role_problem(entry: Mapping, speaker: str) -> str | None:
    """What is wrong with a turn's speaker given its provenance entry (``role``: report | neutral)."""
    kind, role = entry["kind"], entry.get("role")
    if kind == "notice":
        return None if role is None and speaker == "" else "the notice has no speaker and no role"
    if kind == "question":
        return None if role == "neutral" and speaker == "Interviewer" else "a question is the Interviewer's, role neutral"
    if kind == "paraphrase":
        # The reconstruction's words: never given to a role, however many people hold it.
        return None if role == "neutral" and speaker in NEUTRAL_ROLES else "a paraphrase is spoken by a neutral label, role neutral"
    who = str(entry.get("attributed_to", ""))
    if role == "neutral":
        ok = speaker in NEUTRAL_ROLES and "gives no role" in who
        return None if ok else "a verbatim turn with role neutral is spoken by a neutral label and says the report gives no role"
    ok = role == "report" and speaker not in NEUTRAL_ROLES and who.lower().startswith(speaker.lower())
    return None if ok else "a verbatim turn with role report is spoken by the role its attributed_to begins with"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_speaker_roles_match_provenance(doc_id: str) -> None:
    doc = _documents()[doc_id]
    problems = [
        f"turn {turn.index} ({entry['kind']}, speaker {turn.speaker!r}, role {entry.get('role')!r}): {problem}"
        for entry, turn in zip(_provenance(doc_id)["turns"], doc.turns)
        if (problem := _role_problem(entry, turn.speaker))
    ]
    assert not problems, f"{doc_id}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("entry", "speaker", "ok"),
    [
        ({"kind": "paraphrase", "role": "neutral"}, "Interviewee", True),
        ({"kind": "paraphrase", "role": "neutral"}, "Chief Executive", False),
        ({"kind": "paraphrase", "role": "report"}, "Interviewee", False),
        ({"kind": "verbatim", "role": "report", "attributed_to": "Manager, Oldham"}, "Manager", True),
        ({"kind": "verbatim", "role": "report", "attributed_to": "Senior managers, Monmouthshire"}, "Senior Manager", True),
        ({"kind": "verbatim", "role": "report", "attributed_to": "Havant (the report gives no role)"}, "Manager", False),
        ({"kind": "verbatim", "role": "neutral", "attributed_to": "Havant (the report gives no role)"}, "Interviewee", True),
        ({"kind": "verbatim", "role": "neutral", "attributed_to": "Manager, Havant"}, "Interviewee", False),
        ({"kind": "question", "role": "neutral"}, "Interviewer", True),
        ({"kind": "notice", "role": None}, "", True),
    ],
)
def test_corpus_role_problem_reads_provenance(entry: dict, speaker: str, ok: bool) -> None:
    assert (_role_problem(entry, speaker) is None) is ok


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_no_paraphrase_has_identifying_role(doc_id: str) -> None:
    doc = _documents()[doc_id]
    bad = [
        f"turn {e['turn']} ({e['kind']}): {doc.turns[e['turn']].speaker!r}"
        for e in _provenance(doc_id)["turns"]
        if e["kind"] == "paraphrase" or e.get("role") == "neutral"
        if identifying_role(doc.turns[e["turn"]].speaker)
    ]
    assert not bad, f"{doc_id}: invented or unattributed words given to a role one person holds: {bad}"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_verbatim_roles_are_the_reports(doc_id: str) -> None:
    report = normalise(report_or_skip())
    doc = _documents()[doc_id]
    problems = []
    for entry in _provenance(doc_id)["turns"]:
        if entry["kind"] != "verbatim" or entry.get("role") != "report":
            continue
        turn = doc.turns[entry["turn"]]
        start = report.find(normalise(turn.text))
        if start < 0:
            continue  # test_corpus_verbatim_turns_are_in_report_for_their_council reports it
        where = reported_role_text(report, start, start + len(normalise(turn.text)))
        if turn.speaker.lower() not in where.lower():
            problems.append(f"turn {turn.index}: {turn.speaker!r} is not the role the report gives: {where!r}")
    assert not problems, f"{doc_id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_provenance_one_entry_per_turn(doc_id: str) -> None:
    doc = _documents()[doc_id]
    prov = _provenance(doc_id)
    assert prov["document"] == doc_id
    entries = prov["turns"]
    assert [e["turn"] for e in entries] == list(range(len(doc.turns)))
    for entry, turn in zip(entries, doc.turns):
        assert entry["kind"] in KINDS, f"{doc_id} turn {turn.index}: kind {entry['kind']!r}"
        assert entry["starts"] == turn.text[:40], f"{doc_id} turn {turn.index}: starts does not match"
        assert (entry["kind"] == "notice") == (turn.index == 0)
        assert (entry["kind"] == "question") == turn.interviewer, f"{doc_id} turn {turn.index}"
        if entry["kind"] == "verbatim":
            who = entry.get("attributed_to", "")
            assert who, f"{doc_id} turn {turn.index}: verbatim without attributed_to"
            assert not [p for p in REPORT_PEOPLE if p in who]
        assert entry.get("role", "missing") in ("report", "neutral", None), f"{doc_id} turn {turn.index}: role"
        if "basis" in entry:
            assert str(entry["basis"]).strip(), f"{doc_id} turn {turn.index}: empty basis"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_not_coded_readings_say_why_and_have_no_gold_row(doc_id: str) -> None:
    gold = {(int(r["turn"]), r["code"]) for r in _gold(doc_id)[1]}
    for entry in _provenance(doc_id)["turns"]:
        for item in entry.get("not_coded", []):
            where = f"{doc_id} turn {entry['turn']} {item.get('code')}"
            assert item["code"] in _code_ids(), f"{where}: unknown code"
            assert str(item.get("why", "")).strip(), f"{where}: no why"
            assert (entry["turn"], item["code"]) not in gold, f"{where}: not_coded, yet the gold codes it"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_sections_named_exist_in_report(doc_id: str) -> None:
    headings = report_headings(report_or_skip())
    for entry in _provenance(doc_id)["turns"]:
        if entry["kind"] in ("verbatim", "paraphrase"):
            assert entry.get("section"), f"{doc_id} turn {entry['turn']}: no source section"
        if entry.get("section") is not None:
            assert entry["section"] in headings, f"{doc_id} turn {entry['turn']}: no heading {entry['section']!r} in the report"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_verbatim_turns_are_in_report_for_their_council(doc_id: str) -> None:
    report = normalise(report_or_skip())
    doc = _documents()[doc_id]
    checked = 0
    for entry in _provenance(doc_id)["turns"]:
        if entry["kind"] != "verbatim":
            continue
        quote = normalise(doc.turns[entry["turn"]].text)
        start = report.find(quote)
        assert start >= 0, f"{doc_id} turn {entry['turn']}: not word for word in the report: {quote[:60]!r}"
        council = attributed_council(report, start, start + len(quote), ALIASES)
        assert council == doc_id, f"{doc_id} turn {entry['turn']}: the report attributes it to {council}"
        checked += 1
    assert checked, f"{doc_id}: no verbatim turn"


# --------------------------------------------------------------------------------------------
# the gold coding and the report's figures


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_gold_rows_are_well_formed(doc_id: str) -> None:
    doc = _documents()[doc_id]
    columns, rows = _gold(doc_id)
    assert columns == GOLD_COLUMNS
    assert rows, f"{doc_id}: empty gold coding"
    keys = [(int(r["turn"]), r["code"]) for r in rows]
    assert keys == sorted(keys), f"{doc_id}: gold rows not sorted by turn, code"
    for row in rows:
        where = f"{doc_id} turn {row['turn']} {row['code']}"
        assert row["document"] == doc_id, where
        assert row["code"] in _code_ids(), f"{where}: unknown code"
        turn = doc.turns[int(row["turn"])]
        assert turn.index > 0 and not turn.interviewer, f"{where}: interviewer turns and the notice are not coded"
        assert row["quote"] and row["quote"] in turn.text, f"{where}: quote not in the turn text"
        assert row["reason"].strip(), f"{where}: no reason"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_gold_codes_exactly_the_member_cells(doc_id: str) -> None:
    coded = {r["code"] for r in _gold(doc_id)[1]}
    members = _members(doc_id)
    assert not members - coded, f"{doc_id}: member cells with no gold row: {sorted(members - coded)}"
    assert not coded - members, f"{doc_id}: gold rows for non-member cells: {sorted(coded - members)}"


@pytest.mark.parametrize("doc_id", IDS)
def test_corpus_appendix_two_items_in_key_actions_section(doc_id: str) -> None:
    doc = _documents()[doc_id]
    in_section = {r["code"] for r in _gold(doc_id)[1] if doc.turns[int(r["turn"])].section == KEY_ACTIONS}
    items = _appendix_two(doc_id)
    assert items, f"{doc_id}: no Appendix Two items in report_targets.yaml"
    for item in items:
        missing = [c for c in item["codes"] if c not in in_section]
        assert not missing, f"{doc_id}: Appendix Two item {item['item']!r} has no gold row for {missing} in {KEY_ACTIONS!r}"
