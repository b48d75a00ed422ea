"""Honest scope: the judgement from evidence (pure) and the course's vocabulary (the bundled course)."""

from __future__ import annotations

import pytest

from bot.compose.intent import classify
from bot.compose.scope import Evidence, ScopeJudge


@pytest.fixture(scope="module")
def judge(course):
    return ScopeJudge(course)


@pytest.mark.parametrize(
    ("evidence", "question", "in_scope", "related"),
    [
        (Evidence(0.85, 0.9, 0.0), "what is RLHF?", True, False),
        (Evidence(0.62, 0.7, 0.0), "why compare two answers?", True, False),
        (Evidence(0.48, 0.2, 0.5), "how do I center a div", False, False),
        (Evidence(0.25, 0.0, 1.0), "recipe for pancakes", False, False),
        (Evidence(0.55, 0.3, 0.25), "what is knowledge distillation", False, True),
        (Evidence(0.9, 1.0, 0.0, mentioned_only=True), "what is lora?", False, True),
        (Evidence(0.3, 0.1, 0.5), "when is the midterm exam?", False, True),  # for the instructors
    ],
)
def test_judge(judge, evidence, question, in_scope, related):
    verdict = judge.judge(evidence, question)
    assert (verdict.in_scope, verdict.related) == (in_scope, related), verdict


@pytest.mark.parametrize(
    ("subject", "mentioned_only"),
    [
        ("lora", True),  # named beside adapters, never explained
        ("ppo", False),  # "PPO (Schulman et al., 2017) updates the policy ..."
        ("glue", False),  # "GLUE bundles nine ... tasks"
        ("dpo", False),  # a concept of its own
        ("beta", False),  # written β in the course
        ("reward model", False),  # two words: the rule is for single terms
        ("pancakes", False),  # not in the course at all: for the other signals to judge
    ],
)
def test_terms_the_course_only_mentions(judge, subject, mentioned_only):
    assert judge.vocabulary.mentioned_only(subject) is mentioned_only


@pytest.mark.parametrize(
    ("subject", "scattered"),
    [
        ("multi-head attention", True),  # "multi-task", "self-attention": the words, never the compound
        ("self-attention", False),  # the course writes it
        ("best-of-n sampling", False),  # a concept's name
        ("freeze encoder", False),  # no compound: the words are the course's
    ],
)
def test_a_compound_the_course_never_writes_is_not_taught(judge, subject, scattered):
    assert judge.vocabulary.scattered(subject) is scattered


def test_a_near_miss_is_a_guess_a_distant_one_and_the_course_only_mentions_are_not(judge):
    near = Evidence(0.57, 0.4, 0.0)  # logit 0.39: between GUESS (0) and IN_SCOPE (0.5)
    assert judge.guess <= near.logit() < judge.in_scope
    verdict = judge.judge(near, "values differ across cultures, how can one model handle that")
    assert (verdict.in_scope, verdict.related, verdict.guess) == (False, True, True)
    distant = Evidence(0.55, 0.3, 0.25)
    assert judge.related <= distant.logit() < judge.guess
    assert not judge.judge(distant, "what is knowledge distillation").guess
    assert not judge.judge(Evidence(0.9, 1.0, 0.0, mentioned_only=True), "what is lora?").guess
    assert not judge.judge(near, "when is the exam?").guess  # for the instructors


def test_why_or_how_a_term_the_course_only_mentions_works_is_not_answered(judge):
    # "lora work with such a low rank" is the subject; LoRA is what the question asks about
    intent = classify("why does LoRA work with such a low rank, whats the mechanism")
    evidence = judge.evidence("why does LoRA work with such a low rank", 0.6, "fine-tuning-strategies", intent)
    assert evidence.mentioned_only
    intent = classify("why does rlhf need a reward model")
    assert not judge.evidence("why does rlhf need a reward model", 0.6, "fine-tuning-strategies", intent).mentioned_only


def test_the_courses_two_letter_acronyms_are_terms(judge):
    assert judge.vocabulary.terms("kl??") == ["kl"] and judge.vocabulary.terms("ok so") == []
    assert judge.vocabulary.coverage("kl??", "reinforcement-learning-from-human-feedback") == 1.0


def test_instructors_passages_become_course_words(judge, course):
    before = judge.vocabulary.unknown("when is the midterm exam")
    judge.vocabulary.add("llm-alignment", "The midterm exam is in week 7.")
    assert judge.vocabulary.unknown("when is the midterm exam") < before


def test_words_that_frame_a_question_are_not_an_unknown_topic(judge):
    # "drawbacks" and "perspective" say what angle is asked, not what about: the course never uses them, and
    # they used to count as a topic it does not teach ("what are the drawbacks of best-of-N sampling?" refused)
    vocabulary = judge.vocabulary
    assert vocabulary.unknown("what are the drawbacks of best-of-N sampling") == 0.0
    assert vocabulary.coverage("what are the drawbacks of best-of-N sampling", "best-of-n-sampling") == 1.0
    assert vocabulary.unknown("why doesnt sft alone fully align the model") == 0.0
    # in the plural too: the stemmer is light, and "downsides" used to count as a topic ("downsides of best of n?")
    assert vocabulary.unknown("downsides of best of n?") == 0.0
    # chat spellings are no topic either: "10 yrs ago" counted a fifth of the question unknown
    assert vocabulary.unknown("wait but why now and not like 10 yrs ago") == 0.0
    # the topic words of a question the course does not teach still count
    assert vocabulary.unknown("what are the drawbacks of python") == 1.0
    terms = vocabulary.question_terms("schnitzel from an austrian perspective")
    assert "schnitzel" in terms and "austrian" in terms and len(terms) == 2


def test_a_name_of_several_words_said_as_such_names_the_concept(judge):
    vocabulary = judge.vocabulary
    hhh = "desirable-attributes-of-aligned-llms"
    # "three H's" is one of its names, whatever else the question says around it
    assert vocabulary.names("what are the three H's an assistant is supposed to have", hhh)
    # a one-word name is not enough with other words around it, nor a name of another concept
    assert not vocabulary.names("what does an assistant have to be", hhh)
    assert not vocabulary.names("the three H's of good cooking", "direct-preference-optimization")
    # a short title said as such is a name too, quoted or not, with a word of the learner's own beside it
    quoted = "what is 'instruction alignment'? is that the same as following orders"
    assert vocabulary.names(quoted, "instruction-alignment")
    assert not vocabulary.names(quoted, "llm-alignment")


def test_grades_as_a_verb_is_not_a_question_for_the_instructors():
    from bot.compose.scope import ADMIN, LOGISTICS

    assert not ADMIN.search("wait so the model grades itself?") and not LOGISTICS.search(
        "the model grades itself"
    )
    assert ADMIN.search("will this count toward my grade") and ADMIN.search("is this graded?")


def test_a_word_with_a_digit_is_a_topic_and_an_amount_is_not(judge):
    vocabulary = judge.vocabulary
    assert "ww1" in vocabulary.question_terms("when did ww1 actually start")
    assert vocabulary.unknown("what is the nf4 data type") > 0
    assert vocabulary.unknown("and if they had 100k examples") == 0.0


def test_where_the_learner_heard_of_it_is_not_a_question_for_the_instructors(judge):
    from bot.compose.scope import NAMES_A_CONCEPT, Evidence

    named = Evidence(0.56, 0.35, 0.0, named=True, named_outright=True)
    heard = "why is norbert wiener in the alignment lecture lol he was around in like 1960"
    assert judge.judge(named, heard).reason == NAMES_A_CONCEPT
    assert not judge.judge(named, "when is the lecture on wiener").in_scope  # a question about the lecture


@pytest.mark.parametrize(
    ("question", "misuse"),
    [
        ("how do i jailbreak chatgpt so it ignores its filters?", True),
        ("how can i bypass the safety filter on gpt", True),
        ("teach me how to trick the model into ignoring its rules", True),
        # the course's own questions about attacks and safeguards
        ("how do jailbreaks work?", False),
        ("why do jailbreak prompts get past refusals", False),
        ("how can we break the model's refusals in a red team exercise", False),
        ("how do i remove bias from a model", False),
        ("how do you get around reward hacking", False),
    ],
)
def test_help_to_get_around_safeguards_is_declined(question, misuse):
    from bot.compose.scope import asks_for_misuse

    assert asks_for_misuse(question) is misuse


def test_what_the_course_teaches_is_not_a_question_about_how_it_runs():
    from bot.compose.scope import _HEARD_IN, LOGISTICS

    for question in (
        "the ai does what you said but not what you meant... does the course have a name for that?",
        "why does an llm course even talk about self driving cars and robots?",
    ):
        assert not LOGISTICS.search(_HEARD_IN.sub(" ", question))
    assert LOGISTICS.search(_HEARD_IN.sub(" ", "does the course have an exam?"))


def test_words_of_praise_or_surprise_are_no_topic_the_course_lacks(judge):
    vocabulary = judge.vocabulary
    assert vocabulary.unknown("why would a model thats amazing at predicting text still say harmful stuff") == 0.0
    assert vocabulary.unknown("what is the best pizza topping") > 0.0
