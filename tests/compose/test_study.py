"""Study requests the intent rules miss, recognised by their nearness to example requests (`bot.compose.study`)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.compose import study
from bot.compose.intent import question_part


@pytest.fixture(scope="module")
def requests(retriever):
    return study.StudyRequests(retriever.embedder.encode)


def kind_of(requests, retriever, text: str) -> str:
    asked = question_part(text)
    prepared = retriever.prepare(asked)
    best = retriever.search(asked, k=1, prepared=prepared, excerpts=False)[0].dense
    return requests.which(asked, prepared[1], best)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("throw a question at me", study.QUIZ),
        ("what would be a good topic for me to do now", study.NEXT),
        # questions about the course that share the requests' words are left to the course
        ("what is the next step after sft", ""),
        ("what does the reward model score", ""),
        ("how does ppo know it is improving", ""),
        ("what are the weak points of rlhf", ""),
        ("give me an example", ""),
    ],
)
def test_a_short_study_request_and_a_course_question_that_shares_its_words(requests, retriever, text, kind):
    assert kind_of(requests, retriever, text) == kind


def test_a_long_message_is_never_taken_for_a_request(requests, retriever):
    text = (
        "what would be a good topic for me to do now, given that i have read the whole chapter on rlhf twice"
    )
    assert len(text.split()) > study.MOST_WORDS and kind_of(requests, retriever, text) == ""


@pytest.mark.parametrize(
    "text, clause, kind",
    [
        (
            "read the rlhf chapter twice on the train and my notes are a mess, what would be a good topic for me "
            "to do now",
            "what would be a good topic for me to do now",
            study.NEXT,
        ),
        # the clause is judged like a short message: a question about the course stays one
        (
            "car trained on normal roads sees a cop waving it through a red light, why is that so hard for it",
            "why is that so hard for it",
            "",
        ),
        # a question of its own before it, or the learner's own piece of work: no request to look for
        ("is rlhf the same as dpo or not? sorry if this is a dumb thing to ask honestly", "", ""),
        (
            "our chatbot said some pretty bad stuff after launch and i need to write the root cause plan. where "
            "do i start",
            "",
            "",
        ),
    ],
)
def test_a_long_message_is_judged_on_the_short_clause_it_ends_on(requests, retriever, text, clause, kind):
    from bot.compose.intent import request_clause

    assert request_clause(text, study.MOST_WORDS) == clause
    if clause:
        assert kind_of(requests, retriever, clause) == kind


def test_the_learned_decision_is_saved_and_takes_what_the_examples_miss(requests, retriever):
    """`eval/fit_study.py` fitted it on the read study-chat sets; these were written for this test."""
    assert requests.learned is not None and requests.learned.threshold >= 0.8
    for text in ("how have my answers been going lately", "rate my progress out of ten"):
        assert kind_of(requests, retriever, text) == study.PROGRESS, text
    # course questions with the requests' words stay with the course
    for text in (
        "what is the reward model's score used for",
        "which comes first, sft or rlhf",
        "how is the quiz graded",
    ):
        assert kind_of(requests, retriever, text) == "", text


def test_weights_for_another_models_vectors_are_not_applied():
    learned = study.learned_decision()
    assert learned is not None
    assert learned.which(np.ones(16, dtype="float32") / 4, 0.1) == ""
