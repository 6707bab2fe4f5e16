"""Decisions and action items of the extractive drafter: the rules that find them, leave out false alarms and word
them as minutes do, each on phrasings as they were said in the AMI dev meetings of ../shared/data/minutes (cleaned
as the drafter cleans them). The real-data figures are in test_drafting_bench.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from minutes.draft import rewrite
from minutes.draft.extractive import (
    Sentence,
    assignments,
    cue_clause,
    done_in_meeting,
    find_owner,
    has_content,
    is_action,
    load_cues,
    pick_actions,
    pick_decisions,
    split_sentences,
    summing_up,
    written,
)
from minutes.model import Segment, Transcript, Word

EN = load_cues("en")
ROLES = ["Project Manager", "Industrial Designer", "User Interface", "Marketing"]


def sentences_of(turns: Sequence[tuple[str, str]]) -> list[Sentence]:
    """Turns as the drafter sees them: one segment each, 0.35 s a word, sentences cleaned."""
    segments, t = [], 0.0
    for speaker, text in turns:
        words = [Word(f" {w}", t + 0.35 * k, t + 0.35 * (k + 1), 1.0) for k, w in enumerate(text.split())]
        segments.append(Segment(words[0].start, words[-1].end, text, words, speaker))
        t = words[-1].end + 0.5
    spoken = split_sentences(Transcript("en", t, segments), EN.abbreviations, EN.clause_breaks, 32, EN.clause_starts)
    return [replace(s, text=written(s.text, EN)) for s in spoken]


# -- decisions ------------------------------------------------------------------------------------------------------

# ami_ES2006c, the Project Manager summing up near the end (the others acknowledge in between)
RECAP = [
    (
        "Project Manager",
        "Okay . {vocalsound} So we've basically worked out that we're going with a simple battery , the advanced chip",
    ),
    ("Industrial Designer", "Right ."),
    ("Project Manager", "and the buttons are also rubber ."),
    (
        "Project Manager",
        "We're having push-buttons on the outside and then on the inside an L_C_D_ with spinning "
        "wheel , and we're incorporating voice recognition . That's our overall concept ,",
    ),
    ("User Interface", "{vocalsound} Um {disfmarker}"),
    ("Project Manager", "and it's gonna look sort of vegetable ,"),
    ("Marketing", "{vocalsound}"),
    ("Project Manager", "{vocalsound} and be in bright vegetable colours ."),
    (
        "User Interface",
        "Uh-huh . So w w would with have the spinning wheel inside with the L_C_D_ , or would it be "
        "on the outer {disfmarker}",
    ),
    ("Project Manager", "I think the buttons will be rubber as well ."),  # after someone else spoke up: not the recap
]


def test_a_summing_up_gives_one_decision_per_statement_and_fragments_join():
    sentences = sentences_of(RECAP)
    decided = [[sentences[k].text for k in used] for used in summing_up(sentences, EN).values()]
    assert decided[0] == ["We've worked out that we're going with a simple battery, the advanced chip"]
    assert ["The buttons are also rubber."] in decided
    assert ["It's gonna look sort of vegetable", "Be in bright vegetable colours."] in decided
    assert not any("buttons will be rubber" in text for texts in decided for text in texts)


def test_decisions_are_stated_as_what_will_be_and_empty_ones_go():
    sentences = sentences_of(RECAP)
    decisions = pick_decisions(sentences, EN, np.zeros(len(sentences)), n_words=200)
    texts = [text for text, _ in decisions.values()]
    assert (
        "The team will have push-buttons on the outside and then on the inside an LCD with spinning wheel, and "
        "the team will incorporate voice recognition." in texts
    )
    assert "It will look sort of vegetable, be in bright vegetable colours." in texts
    assert not any("overall concept" in text for text in texts), texts  # the recap phrase itself says nothing
    # a joined decision keeps the spans of both fragments
    (used,) = [used for text, used in decisions.values() if "vegetable" in text]
    assert len(used) == 2


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("That's our overall concept.", False),
        ("Because of obviously go with it.", False),  # ami_ES2009a
        ("The buttons are also rubber.", True),
        ("We're going with a simple battery, the advanced chip", True),
    ],
)
def test_a_decision_needs_content_besides_its_cue(text, content):
    assert has_content(text, EN) is content


def test_weighing_options_and_dependent_clauses_are_no_decisions():
    sentences = sentences_of(
        [
            (
                "Industrial Designer",
                "I think uh we'll have uh using the simple battery will be a safer option as "
                "compared to the kinetic energy one , I mean , a although it does seem uh interesting .",
            ),
            ("Project Manager", "'Cause we're going for basic functionality primarily as well ."),
            ("Project Manager", "So we're going with rubber for the case ."),
        ]
    )
    texts = [text for text, _ in pick_decisions(sentences, EN, np.zeros(len(sentences)), 100).values()]
    assert texts == ["The team will go with rubber for the case."]


def test_a_decision_is_the_clause_that_holds_its_cue():
    said = written("I think that's probably a good id okay so let's work on multiple case colours .", EN)
    assert cue_clause(said, EN) == "let's work on multiple case colours."
    assert rewrite.decision(cue_clause(said, EN), EN.rules) == "The team will work on multiple case colours."
    assert cue_clause("We agreed to take half of the overrun from the reserve fund.", EN).startswith("We agreed")


# -- action items ---------------------------------------------------------------------------------------------------


def test_a_question_tag_asks_no_one_to_act():
    (s,) = sentences_of([("Marketing", "You have to have some push-buttons , don't you ?")])
    assert not is_action(s, EN, None)
    (s,) = sentences_of([("Project Manager", "Could you send the drawings to Marketing ?")])
    assert is_action(s, EN, None)


def test_a_request_naming_its_doer_and_a_group_get_their_tasks():
    (s,) = sentences_of(
        [("Project Manager", "and I'd like the um Industrial Designer to get think about what needs to be done")]
    )
    handed = assignments(s.text, ROLES, EN)
    assert [(who, s.text[a:b]) for who, a, b in handed] == [
        ("Industrial Designer", "get think about what needs to be done")
    ]
    text = written(
        "As well as that , the two designers are going to work together on our prototype using modelling clay", EN
    )
    ((who, a, b),) = assignments(text, ROLES, EN)
    assert who == "the two designers" and text[a:b] == "work together on our prototype using modelling clay"


def test_whoever_answers_a_request_said_as_a_statement_owns_it():
    sentences = sentences_of(
        [
            (
                "Project Manager",
                "Um so I need you to tell us what um {vocalsound} we {disfmarker} what the user's gonna want .",
            ),
            ("Marketing", "What they're looking for ."),
        ]
    )
    assert find_owner(sentences, 0, EN) == "Marketing"


def test_a_task_needs_a_doer_and_more_than_a_cue_phrase():
    names = {r: r for r in ROLES}
    sentences = sentences_of(
        [
            (
                "Marketing",
                "so you have to decide whether {disfmarker} you you know , you want to be going so fast or not .",
            ),  # said to nobody in particular
            ("Project Manager", "Okay , so now we've got thirty minutes before our next meeting ."),
            (
                "Project Manager",
                "In the meantime , the Industrial Designer over here is gonna work on the look and feel design",
            ),
            (
                "Project Manager",
                "Right so um let's go ahead and wrap that up here for now , I'm gonna put these "
                "initial ideas that we've got in the um project documents .",
            ),
        ]
    )
    tasks = [item for items in pick_actions(sentences, EN, names, 500).values() for item, _ in items]
    lines = [rewrite.action_sentence(t.task, t.owner, t.due, EN.rules) for t in tasks]
    assert lines == [
        "The Industrial Designer will work on the look and feel design.",
        "The Project Manager will put these initial ideas that the team has got in the project documents.",
    ]


def test_a_doer_alone_makes_no_task():
    """A self-commitment early on, with no due date, no reply taking it on and no hand-out talk near: on free
    conversation such cue phrases are false alarms."""
    talk = [("Industrial Designer", f"The remote has {n} buttons on the front and a rubber case .") for n in range(9)]
    sentences = sentences_of([("Marketing", "Yeah , I'll bring the samples of the rubber ."), *talk])
    assert not pick_actions(sentences, EN, {r: r for r in ROLES}, 500)
    sentences = sentences_of([("Marketing", "Yeah , I'll bring the samples of the rubber by Friday ."), *talk])
    assert pick_actions(sentences, EN, {r: r for r in ROLES}, 500)


def test_a_task_handed_to_someone_named_needs_nothing_more():
    talk = [("Lan", f"The school roof has {n} leaks over the classrooms on the east side .") for n in range(9)]
    names = {"Lan": "Lan", "Sheila": "Sheila"}  # Sheila is at the meeting (a speaker or attendee)
    (tasks,) = pick_actions(
        sentences_of([("Lan", "Sheila will send the figures to the ward office ."), *talk]), EN, names, 500
    ).values()
    assert [(item.owner, item.task) for item, _ in tasks] == [("Sheila", "Send the figures to the ward office.")]
    assert not pick_actions(
        sentences_of([("Lan", "I'll send the figures to the ward office ."), *talk]), EN, names, 500
    )


# Parliamentary and committee sessions (QMSum covid_2, education_18 of ../shared/data/search): a cue phrase, then a
# statement rather than a task; drafted before as "Kirsty Williams AM will which is why ...", "Mr Chair will mr.
# Chair, ...". Each of these was an action item before the rule.
COMMITTEE = ["Kirsty Williams AM", "Huw Morris", "Lynne Neagle AM"]
NOT_TASKS = [
    ("Lynne Neagle AM", "Janet, you will have to wait until the end of the month , when the budget is published ."),
    ("Kirsty Williams AM", "I will , which is why from next year we will have a part-time route into teaching ."),
    ("Kirsty Williams AM", "Kirsty Williams will not wish to see a situation where that happens by Friday ."),
    ("Lynne Neagle AM", "The Right Honourable Prime Minister has 15 seconds or less , please ."),
    ("Huw Morris", "I will , one college was saying it will cost them a million pounds by next year ."),
    ("Lynne Neagle AM", "Mr. Chair , we will continue to support Canadians by the end of the year ."),
    ("Lynne Neagle AM", "Huw Morris will , yesterday , there were two question periods ."),
]


def test_a_cue_followed_by_a_statement_is_no_task():
    talk = [("Huw Morris", f"The access plans have {n} targets for the universities in Wales .") for n in range(9)]
    names = {n: n for n in COMMITTEE}
    for said in NOT_TASKS:
        found = pick_actions(sentences_of([said, *talk]), EN, names, 500).values()
        assert not found, (said, [(item.owner, item.task) for items in found for item, _ in items])
    # the same kind of session, a real task: kept
    asked = ("Lynne Neagle AM", "Kirsty Williams will outline how this will be allocated by Friday .")
    (tasks,) = pick_actions(sentences_of([asked, *talk]), EN, names, 500).values()
    assert [(item.owner, item.task) for item, _ in tasks] == [
        ("Kirsty Williams AM", "Outline how this will be allocated by Friday.")
    ]


@pytest.mark.parametrize(
    "text",
    # AMI TS3010c / IS1006c: a capital that only opens the sentence is no doer ("Has", "The", "Have")
    ["Has to be clear that you can use the arrows .", "Have to go often on the web and look at the others ."],
)
def test_a_word_that_opens_a_sentence_is_no_name(text):
    assert find_owner(sentences_of([("Marketing", text)]), 0, EN) == "Marketing"


def test_what_is_done_there_and_then_is_no_task():
    assert done_in_meeting("Could you repeat the question?", EN)
    assert done_in_meeting("I'm gonna go and sit on my own.", EN)
    assert not done_in_meeting("Could you send the revised estimate by Friday?", EN)


def test_a_task_cut_off_mid_clause_takes_the_rest_of_the_turn():
    sentences = sentences_of(
        [
            (
                "Project Manager",
                "we'll meet in another half an hour or so um and I'd like the um Industrial Designer "
                "to think about what needs to be done , like what the basic function of it .",
            ),
        ]
    )
    names = {r: r for r in ROLES}
    ((item, used),) = [x for items in pick_actions(sentences, EN, names, 500).values() for x in items]
    assert item.owner == "Industrial Designer" and item.task.endswith("basic function of it.")
    assert len(item.spans) == len(used)


def test_action_items_read_as_prose_with_the_owner():
    assert rewrite.action_sentence("Work on product evaluation.", "Marketing", None, EN.rules) == (
        "Marketing will work on product evaluation."
    )
    assert rewrite.action_sentence("Book the room.", "Project Manager", "next Monday", EN.rules) == (
        "The Project Manager will book the room. (next Monday)"
    )
    assert rewrite.action_sentence("Book the room.", None, None, EN.rules) == "Book the room."
    vi = load_cues("vi").rules
    assert rewrite.action_sentence("Gửi báo giá.", "Anh Nam", None, vi) == "Anh Nam: Gửi báo giá."
