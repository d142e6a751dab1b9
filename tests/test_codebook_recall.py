"""Concept rules of the codebook for the ways people say an action: each codes a sentence and
leaves a near miss alone.

The sentences are written for these tests (not taken from the shipped transcripts or from a
development set); each pair says the concept in words an interviewee might use, and a sentence
with the same trigger words in another sense. ``rule`` is the rule expected to code the sentence
(the first rule of its code that fires).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from casecoder.coder import Coder, code_document, compile_codebook
from casecoder.transcripts import Document, Turn

CODEBOOK = Path(__file__).resolve().parents[1] / "codebook.yaml"


@pytest.fixture(scope="module")
def coder() -> Coder:
    return compile_codebook(CODEBOOK)


def _coded(text: str, coder: Coder) -> pd.DataFrame:
    """The coded rows of ``text`` spoken by one interviewee (not the interviewer)."""
    turn = Turn(index=0, speaker="Manager", section="S", start=0, end=len(text), text=text, interviewer=False)
    doc = Document(id="d", path="d.md", text=text, case="c", metadata={}, turns=(turn,))
    rows = code_document(doc, coder)
    return rows[rows.status == "coded"]


# (code, rule, sentence that says the concept, near miss with the same trigger words)
CONCEPTS = [
    ("disciplined_focus", "pattern:concentrate_on",
     "Since the election we have concentrated on housing and jobs, and nothing else.",
     "The chemicals were concentrated in the lower tank."),
    ("disciplined_focus", "pattern:focus_effort",
     "We focus our energy on the few things that matter most to residents.",
     "The energy bills were a focus of the meeting."),
    ("disciplined_focus", "pattern:effort_focused",
     "Our attention is now focused on getting the housing programme delivered.",
     "Attention spans are shorter than they used to be."),
    ("learn_from_elsewhere", "pattern:began_abroad",
     "The idea started in Denmark and we adapted it for our estates.",
     "The company started in Denmark before it moved to Leeds."),
    ("learn_from_elsewhere", "pattern:visit_to_learn",
     "The trip to Manchester was a chance to learn how they run their hubs.",
     "The trip to Manchester was lovely and the weather held."),
    ("learn_from_elsewhere", "pattern:look_at_sector",
     "We looked at how the private sector handles complaints.",
     "We looked at the retail park planning application last week."),
    ("learn_from_elsewhere", "pattern:look_at_businesses",
     "When we redesigned the contact centre we looked at supermarkets first.",
     "We looked at the figures first."),
    ("learn_from_elsewhere", "pattern:take_and_adapt",
     "We borrowed their assessment tool and then tailored it to our own services.",
     "We took the minutes and then circulated them."),
    ("learn_from_elsewhere", "pattern:staff_exchange",
     "We ran staff exchanges with a city in Germany.",
     "Staff exchanged greetings in the corridor."),
    ("learn_from_elsewhere", "pattern:learn_from_each_other",
     "Councils can learn from one another far more than they do.",
     "The two depots are a long way from one another."),
    ("recruit_for_innovation", "pattern:recruit_on_values",
     "Applicants are selected on their values as much as their skills.",
     "Applicants are selected on the basis of their exam results."),
    ("recruit_for_innovation", "pattern:newcomers_bring_ideas",
     "New graduates bring fresh ideas and a different perspective.",
     "New graduates bring their own laptops on the first day."),
    ("recruit_for_innovation", "phrase:fresh blood",
     "Councils need fresh blood to keep ideas coming.",
     "Councils need fresh thinking about parking."),
    ("digital_expertise", "phrase:open source",
     "We publish our code as open source so other councils can reuse it.",
     "The source of the complaint was never found."),
    ("digital_expertise", "pattern:ai",
     "We use AI to turn long letters into plain English.",
     "AI is in the news a lot these days."),
    ("digital_expertise", "pattern:as_a_platform",
     "We run the council as a platform that others can build on.",
     "The council met on the platform at the station."),
    ("digital_expertise", "pattern:most_of_technology",
     "We are determined to make the most of digital technology for our residents.",
     "We are determined to make the most of the summer."),
    ("innovation_expertise", "pattern:train_in",
     "We trained our officers in lean and they now lead the reviews.",
     "We trained our officers in first aid."),
    ("innovation_expertise", "pattern:innovation_method",
     "We have built real innovation capacity in the teams that took part.",
     "We have built real capacity in the care homes."),
    ("innovation_expertise", "pattern:think_like_designers",
     "We want more staff to think like designers.",
     "We want more staff to think about their pensions."),
    ("engage_employees", "pattern:staff_at_the_table",
     "Our managers want frontline staff round the table when services are redesigned.",
     "The table in the staff room was broken."),
    ("engage_employees", "pattern:staff_are_experts",
     "Our frontline staff are the real experts on how the service works.",
     "Our consultants are the real experts on tax."),
    ("engage_employees", "pattern:staff_know_best",
     "Frontline staff know best how the service works day to day.",
     "Residents know best how their street works."),
    ("engage_employees", "pattern:work_with_staff",
     "We work with our frontline staff to redesign the rota.",
     "We work with the police to redesign the rota."),
    ("engage_employees", "pattern:staff_part_of",
     "We want staff to be part of the solution, not just told about it.",
     "Parking is part of the solution for the town centre."),
    ("engage_employees", "pattern:what_staff_say",
     "We act on what frontline staff tell us about their customers.",
     "We act on what the auditors tell us."),
    ("engage_employees", "phrase:change champion",
     "A network of change champions spreads the new ways of working.",
     "A network of cycle paths spreads across the town."),
    ("cross_council_working", "pattern:departments_collaborate",
     "We want departments to collaborate rather than compete.",
     "The departments were merged in 2019."),
    ("cross_council_working", "pattern:team_from_services",
     "A mixed team drawn from different services pitched the idea.",
     "A team from the housing association pitched the idea."),
    ("agile_processes", "pattern:start_small",
     "Begin modestly: start with one pilot and build from there.",
     "We started with one budget line."),
    ("agile_processes", "pattern:start_small_bare",
     "Start small, learn, and then grow it.",
     "Small changes started to show."),
    # unity, ambition and speed in everyday idiom
    ("bold_leadership", "pattern:same_direction",
     "The cabinet and the directors now row in the same direction on housing.",
     "The buses and the trams run in the same lane."),
    ("bold_leadership", "pattern:pull_together",
     "When the budget fell, the whole borough pulled together behind the plan.",
     "I pulled together a list of the bins that need replacing."),
    ("move_with_pace", "pattern:within_days",
     "The new helpline was running within days of the flood.",
     "The ferry crossing takes two days."),
    # culture: doing things differently, reframing, breaking with habit, room to explore
    ("innovative_culture", "pattern:on_its_head",
     "We turned the usual model on its head and started from the family's strengths.",
     "The gymnast stood on her hands, not her head."),
    ("innovative_culture", "pattern:break_with_habit",
     "We had to stop doing things the way they had always been done.",
     "The shop has always opened at nine."),
    ("innovative_culture", "pattern:allowed_to_fail",
     "Teams are given room to experiment with how they run the service.",
     "There was no room to park outside the depot."),
    # residents: what users need, from the outside in
    ("involve_residents", "pattern:what_users_need",
     "We start every redesign from what our tenants really need.",
     "We start every redesign from what the budget allows."),
    ("involve_residents", "pattern:outside_in",
     "The service is designed from the outside in, not around our departments.",
     "We sat outside in the sunshine at lunch."),
    # resources: funds for ideas, money behind them
    ("resource_innovation", "pattern:ideas_fund",
     "Any officer can bid to our ideas fund for a trial.",
     "The trust fund pays for the museum's roof."),
    ("involve_residents", "pattern:sessions_with_residents",
     "We ran evening workshops with tenants on the new repairs service.",
     "We ran evening workshops on the new repairs software."),
    ("resource_innovation", "pattern:resources_behind",
     "The best proposals get money put behind them straight away.",
     "The cash was put in the safe."),
    # risk: learning from what did not work
    ("considered_risk", "pattern:learn_from_what_failed",
     "We learn from the projects that didn't work as much as from the rest.",
     "We learn the names of the new starters quickly."),
]


@pytest.mark.parametrize("code, rule, text, near_miss", CONCEPTS, ids=[c[1] for c in CONCEPTS])
def test_codebook_concept_rule_codes_its_concept(coder: Coder, code: str, rule: str, text: str, near_miss: str) -> None:
    rows = _coded(text, coder)
    assert list(rows[rows.code == code].rule) == [rule], rows[["code", "rule"]]


@pytest.mark.parametrize("code, rule, text, near_miss", CONCEPTS, ids=[c[1] for c in CONCEPTS])
def test_codebook_concept_rule_leaves_the_near_miss(coder: Coder, code: str, rule: str, text: str, near_miss: str) -> None:
    assert code not in set(_coded(near_miss, coder).code)


def test_codebook_silos_described_are_not_broken(coder: Coder) -> None:
    assert "cross_council_working" not in set(_coded("The planning side still works in silos.", coder).code)
    assert "cross_council_working" in set(_coded("We broke down the silos between planning and housing.", coder).code)


@pytest.mark.parametrize("text", [
    "Agile working means staff can book a desk in any office.",
    "We built three prototypes of the new bin lorry cab.",
])
def test_codebook_prototypes_and_agile_working_are_not_agile_processes(coder: Coder, text: str) -> None:
    # Prototyping is a design technique (the analysts code it as expertise, never as agile
    # delivery); "agile working" is flexible workplaces.
    assert "agile_processes" not in set(_coded(text, coder).code)
