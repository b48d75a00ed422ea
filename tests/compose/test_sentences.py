"""The sentence splitter: abbreviations, numbers, initials and Markdown lists (pure, table-driven)."""

from __future__ import annotations

import pytest

from bot.compose.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # the case: the old splitter cut after "et al."
            "Direct Preference Optimization (DPO), introduced by Rafailov et al. (2023), trains the policy "
            "on preference pairs. It needs no separate reward model.",
            [
                "Direct Preference Optimization (DPO), introduced by Rafailov et al. (2023), trains the "
                "policy on preference pairs.",
                "It needs no separate reward model.",
            ],
        ),
        (
            "The method of Ouyang et al. Became standard. Then it spread.",
            ["The method of Ouyang et al. Became standard.", "Then it spread."],
        ),
        (
            "Some signals are cheap, e.g. Thumbs up. Others, i.e. Rankings, are not.",
            ["Some signals are cheap, e.g. Thumbs up.", "Others, i.e. Rankings, are not."],
        ),
        ("See Fig. 3 for the loop. It has four steps.", ["See Fig. 3 for the loop.", "It has four steps."]),
        (
            "DPO vs. PPO is a common question. Both use preferences.",
            ["DPO vs. PPO is a common question.", "Both use preferences."],
        ),
        (
            "The loss fell from 3.5 to 2.25 in a day. Then it rose.",
            ["The loss fell from 3.5 to 2.25 in a day.", "Then it rose."],
        ),
        (
            "Early warnings came from I. J. Good in 1965. He wrote about machines.",
            ["Early warnings came from I. J. Good in 1965.", "He wrote about machines."],
        ),
        (  # a one-letter word that does end the sentence
            "The cost grows linearly with N. The candidates are scored.",
            ["The cost grows linearly with N.", "The candidates are scored."],
        ),
        (
            "Tags such as B-PER, I-PER or O. Extractive methods tag spans.",
            ["Tags such as B-PER, I-PER or O.", "Extractive methods tag spans."],
        ),
        (
            "Aligned models are helpful, honest, harmless, etc. Each can be measured.",
            ["Aligned models are helpful, honest, harmless, etc.", "Each can be measured."],
        ),
        ("Is it safe? Yes! It is.", ["Is it safe?", "Yes!", "It is."]),
        (  # a sentence may open with a Greek letter: "β plays ..." was glued to the one before
            "Both often fall. β plays the role of the KL coefficient.",
            ["Both often fall.", "β plays the role of the KL coefficient."],
        ),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        (
            "lower case after a stop. is not a new sentence",
            ["lower case after a stop. is not a new sentence"],
        ),
        ("", []),
    ],
)
def test_prose(text, expected):
    assert split_sentences(text) == expected


def test_markdown_list_items_are_sentences_of_their_own():
    text = (
        "RLHF has three steps:\n"
        "1. Fine-tune on demonstrations\n"
        "2. Train a reward model\n"
        "   on human comparisons.\n"
        "3. Optimise the policy with PPO. Keep it close to the reference.\n"
        "\n"
        "- helpful\n"
        "* honest\n"
        "+ harmless\n"
        "After the list, prose again."
    )
    assert split_sentences(text) == [
        "RLHF has three steps:",
        "Fine-tune on demonstrations",
        "Train a reward model on human comparisons.",
        "Optimise the policy with PPO.",
        "Keep it close to the reference.",
        "helpful",
        "honest",
        "harmless",
        "After the list, prose again.",
    ]


def test_headings_and_paragraphs():
    text = "# Reward models\nA reward model scores a response.\nIt is trained on pairs.\n\nNew paragraph."
    assert split_sentences(text) == [
        "Reward models",
        "A reward model scores a response.",
        "It is trained on pairs.",
        "New paragraph.",
    ]


def test_the_bundled_course_keeps_its_citations_whole(course):
    """No sentence of the course ends in an abbreviation or an initial of a name."""
    for concept in course.concepts.values():
        for sentence in split_sentences(concept.text):
            assert not sentence.endswith((" et al.", " e.g.", " i.e.", " Fig.", " vs.")), sentence
    dpo = course.concepts["direct-preference-optimization"].text
    assert any("Rafailov et al. (2023)" in s for s in split_sentences(dpo))
