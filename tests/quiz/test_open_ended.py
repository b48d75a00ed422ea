"""The open-ended grader reads what an answer asserts: per rubric point covered, contradicted or absent."""

from __future__ import annotations

import dataclasses

import pytest

from bot.quiz.grading import Grade, grade, grade_open
from bot.quiz.open_ended import OpenGrade, PointVerdict, doubts, grade_assertions, is_prose, unnegated


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        (
            "The reward model is only a proxy for human judgement, so its score can rise while quality falls.",
            True,
        ),
        ("I would stop the run and ask people to compare samples from the latest checkpoints.", True),
        ("Reward model proxy, Goodhart's law, reward hacking, KL penalty, fresh human evaluation.", False),
        ("salary leak privacy failure retrieval document permissions over-refusal", False),
        ("Decision no-go; pilot; accountable owner.", False),
    ],
)
def test_prose_gate_tells_statements_from_lists_of_terms(text, prose):
    assert is_prose(text) is prose


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The salary leak is not a blocking privacy failure.",
            "The salary leak is a blocking privacy failure.",
        ),
        ("There is no need to name an owner.", "There is need to name an owner."),
        ("Prompting doesn't change the weights.", "Prompting does change the weights."),
        ("Test rare cases, not only the usual routes.", None),  # "not only" does not deny anything
        ("The shuttle must be tested on rare cases.", None),
    ],
)
def test_unnegated_undoes_denials_and_leaves_idioms(text, expected):
    assert unnegated(text) == expected


@pytest.fixture(scope="module")
def go_no_go(request):
    course = request.getfixturevalue("course")
    return course.questions["go-no-go-internal-llm-q1"]


# Answers written for these tests (not taken from any evaluation set), with what a reader would judge.
HONEST = (
    "Decision: I cannot sign off on AskEng for the whole firm next month; a six-week pilot is the most I would "
    "allow, and only after the permissions fix. The two probes where it read out pay figures from an HR file "
    "the user had no access to show that the search index ignores who may see what: that is a privacy "
    "blocker, and it needs a fix and a clean re-run of the privacy probes before any wider use. "
    "It also got refusals wrong both ways: it went along with 4 harmful prompts, and it turned down 38 "
    "ordinary security questions, close to one in five; both numbers need agreed targets. "
    "Its harsher summaries of part-timers' reviews are a fairness issue, so it must stay away from "
    "performance reviews and HR decisions until a bias test passes. "
    "The pilot is limited to 200 volunteers with weekly monitoring, a rehearsed rollback to the old search and "
    "a re-review date; the head of the platform team owns these conditions and reports to the board."
)
CONTRADICTING = (
    "Decision: unqualified go for all staff next month. The salary leak is not a blocking privacy failure; "
    "two probes out of 150 is noise. The refusal numbers are fine and do not need to change. "
    "Summaries of part-time staff can be used as they are. "
    "No pilot, thresholds or rollback plan are needed, and there is no need to name an accountable owner."
)
SALAD = (
    "Decision no-go conditional go pilot, salary leak blocking privacy failure retrieval document "
    "permissions, under-refusal over-refusal 19%, part-time fairness bias evaluation, thresholds monitoring "
    "rollback re-review, accountable owner."
)


@pytest.mark.model
@pytest.mark.parametrize(
    ("answer", "passes", "covered", "contradicted"),
    [
        (HONEST, True, {0, 1, 2, 3, 4, 5}, set()),
        (CONTRADICTING, False, set(), {1, 5}),
        (SALAD, False, set(), set()),
    ],
    ids=["honest-paraphrase", "contradicting", "keyword-salad"],
)
def test_go_no_go_memo_is_graded_by_what_it_asserts(
    embedder, go_no_go, answer, passes, covered, contradicted
):
    result = grade_assertions(go_no_go.rubric_points, answer, embedder.encode, go_no_go.model_answer)
    assert result.passed is passes
    assert covered <= set(result.covered)
    assert contradicted <= set(result.contradicted)
    if not covered:  # a dishonest answer earns nothing
        assert result.score == 0.0
    if answer is SALAD:
        assert not result.prose and all(v.status == "absent" for v in result.verdicts)


@pytest.mark.model
def test_grade_carries_the_contradicted_points_for_feedback(embedder, go_no_go):
    g = grade(go_no_go, [], CONTRADICTING, embedder.encode)
    assert isinstance(g, Grade) and not g.correct
    assert go_no_go.rubric[1] in g.contradicted  # the salary leak point: feedback can name it
    assert set(g.contradicted) <= set(g.missed) and not set(g.contradicted) & set(g.covered)


RUBRIC = (
    "Prompting does not change the model's weights, so nothing is learned permanently.",
    "Information given in a prompt is available only within that conversation.",
    "To change the model itself you need fine-tuning.",
)


@pytest.mark.model
@pytest.mark.parametrize(
    ("answer", "statuses"),
    [
        (
            "Prompting leaves the model's weights unchanged, so nothing is learned for good. "
            "Anything in a prompt is available only inside that one conversation. "
            "To change the model itself you have to fine-tune it.",
            ["covered", "covered", "covered"],
        ),
        (
            "Every message you send changes the model's weights, so it learned the policy for good. "
            "To change the model itself you never need fine-tuning.",
            ["contradicted", "absent", "contradicted"],
        ),
        (
            "Refund policies should be short and easy for customers to find on the website.",
            ["absent", "absent", "absent"],
        ),
    ],
    ids=["restatement", "denial", "off-topic"],
)
def test_plain_rubric_points_get_a_status_each(embedder, answer, statuses):
    """Without authored anchors (plain string points): a restatement covers, a denial contradicts (with or
    without a negation word of its own), an unrelated answer leaves every point absent."""
    result = grade_assertions(RUBRIC, answer, embedder.encode)
    assert [v.status for v in result.verdicts] == statuses
    g = grade_open(RUBRIC, answer, embedder.encode)
    assert len(g.covered) == statuses.count("covered")
    assert len(g.contradicted) == statuses.count("contradicted")


@pytest.mark.model
def test_an_oppose_anchor_catches_an_affirmative_opposite(embedder):
    """'Remembered in all future chats' denies point 1 without a negation word: only an anchor can tell."""
    from bot.course.model import RubricPoint

    answer = "What you tell it in one chat is remembered in all future chats."
    plain = grade_assertions(RUBRIC, answer, embedder.encode)
    assert plain.verdicts[1].status != "contradicted"
    anchored = (
        RUBRIC[0],
        RubricPoint(
            RUBRIC[1],
            affirm=("A new chat starts without what was said in an earlier one.",),
            oppose=("The chatbot keeps what it was told in one chat for every later chat.",),
        ),
        RUBRIC[2],
    )
    assert grade_assertions(anchored, answer, embedder.encode).verdicts[1].status == "contradicted"


def test_failed_feedback_quotes_the_contradiction_but_keeps_the_rubric_back():
    """A failed answer is told which of its own statements contradicts a key point, never the point's text
    (nor the missed points, nor the model answer): those would be pasted back into a retry."""
    from bot.course.model import Question
    from bot.quiz.machine import explain

    q = Question(
        "p", "c", "open_ended", "Why?", rubric=RUBRIC, model_answer="Prompts do not train the model."
    )
    mine = "The chatbot learns from every prompt and keeps it for later chats."
    g = Grade(False, 0.0, covered=(), missed=RUBRIC, contradicted=(RUBRIC[0],), contradicting=(mine,))
    summary, lines = explain(q, [], g)
    assert "covered 0 of 3" in summary and f'opposite of a key point: "{mine.rstrip(".")}"' in summary
    assert not any(p in summary for p in RUBRIC) and lines == ()
    summary, lines = explain(q, [], Grade(True, 1.0, covered=RUBRIC))
    assert "opposite" not in summary and "Prompts do not train the model." in lines[-1]
    # giving up (no grade) shows every key point and the model answer
    summary, lines = explain(q, [], None)
    assert all(any(p in line for line in lines) for p in RUBRIC) and "Prompts do not train" in lines[-1]


# -- when the grader is unsure: the review queue --------------------------------------------------------
def _grade(*verdicts: tuple[str, float, float], prose: bool = True) -> OpenGrade:
    """An OpenGrade as grade_assertions makes it, from (status, support, against) per point."""
    vs = tuple(PointVerdict(i, status, sup, ag) for i, (status, sup, ag) in enumerate(verdicts))
    net = sum(v.status == "covered" for v in vs) - sum(v.status == "contradicted" for v in vs)
    score = round(max(0.0, net / len(vs)), 3)
    return OpenGrade(vs, prose, score, score >= 0.6)


SURE_COVER, SURE_ABSENT, SURE_AGAINST = (
    ("covered", 0.8, 0.2),
    ("absent", 0.3, 0.2),
    ("contradicted", 0.3, 0.8),
)


@pytest.mark.parametrize(
    ("verdicts", "why"),
    [
        # 2 of 4: 50%, near the 60% pass mark (and 3 of 4, 75%, too)
        ((SURE_COVER, SURE_COVER, SURE_ABSENT, SURE_ABSENT), ["score 50% is near the 60% pass mark"]),
        ((SURE_COVER, SURE_COVER, SURE_COVER, SURE_ABSENT), ["score 75% is near the 60% pass mark"]),
        # 3 covered, 1 contradicted of 5: 40% fails; read as absent, 60% would pass
        (
            (SURE_COVER, SURE_COVER, SURE_COVER, SURE_AGAINST, SURE_ABSENT),
            ["a contradicted point decides pass or fail"],
        ),
        # 2 of 5 (40%) with a third point just under the threshold: covered, it would pass
        (
            (SURE_COVER, SURE_COVER, ("absent", 0.54, 0.1), SURE_ABSENT, SURE_ABSENT),
            ["point 3 is borderline (absent: similarity 0.540, threshold 0.55)"],
        ),
        # 4 of 5 (80%) with one covered point just over the threshold: absent, it would still pass
        ((SURE_COVER, SURE_COVER, SURE_COVER, ("covered", 0.56, 0.1), SURE_ABSENT), []),
        # denies three points and covers one: fails whatever the contradictions are taken for
        ((SURE_COVER, SURE_AGAINST, SURE_AGAINST, SURE_AGAINST), []),
        ((SURE_COVER,) * 5, []),
        ((SURE_ABSENT,) * 5, []),
    ],
    ids=[
        "50%",
        "75%",
        "deciding-contradiction",
        "borderline-absent",
        "borderline-no-flip",
        "denial",
        "all",
        "none",
    ],
)
def test_the_grader_doubts_only_what_could_flip_pass_or_fail(verdicts, why):
    assert list(doubts(_grade(*verdicts))) == why


def test_a_learned_pass_the_hand_thresholds_would_fail_goes_to_an_instructor():
    # a fluent dismissal of every point reads to the embedding model much like the points: when the learned
    # decision passes an answer the hand thresholds fail, the pass is provisional
    graded = dataclasses.replace(_grade(*(SURE_COVER,) * 4), rule_passed=False)
    assert graded.passed and "the hand thresholds alone would fail it" in doubts(graded)
    assert doubts(dataclasses.replace(graded, rule_passed=True)) == ()
    # a fail the thresholds would pass is no new risk to the class: no extra doubt
    failed = dataclasses.replace(_grade(*(SURE_ABSENT,) * 4), rule_passed=True)
    assert doubts(failed) == ()


def test_a_list_of_terms_is_never_in_doubt():
    assert doubts(_grade(("absent", 0.54, 0.0), SURE_ABSENT, SURE_ABSENT, prose=False)) == ()


@pytest.mark.model
def test_an_honest_half_answer_is_unsure_and_a_clear_miss_is_not(embedder, go_no_go):
    half = grade_open(go_no_go, HALF_MEMO, embedder.encode)
    assert half.verdicts[:3] == ("covered", "covered", "covered") and not half.correct
    assert half.doubts == ("score 50% is near the 60% pass mark",)
    assert grade_open(go_no_go, CONTRADICTING, embedder.encode).doubts == ()


# Written for these tests: the decision, the leak and the refusals (points 1-3 of 6), nothing else.
HALF_MEMO = (
    "My advice to the board is a no-go for the company-wide launch; a small pilot could follow later. The "
    "salary figures it quoted prove that the search ignores who may open which HR file, and that leak has to "
    "be fixed and tested again before anyone else uses it. The refusals are off in both directions as well: "
    "four harmful requests got answers and 38 harmless security questions were refused, so both counts must "
    "come down."
)


def test_a_learned_verdict_is_borderline_by_its_confidence():
    """With the learned decision a point is borderline when its probability of being covered is near the
    decision's threshold (not its similarity), and only when the other verdict would flip pass or fail."""
    from bot.quiz.open_ended import REVIEW_CONFIDENCE_MARGIN, learned_decision

    t = learned_decision().threshold
    near, far = t - REVIEW_CONFIDENCE_MARGIN / 2, t - REVIEW_CONFIDENCE_MARGIN * 2

    def verdicts(third: float) -> OpenGrade:
        vs = (
            PointVerdict(0, "covered", 0.8, 0.1, confidence=0.95),
            PointVerdict(1, "covered", 0.8, 0.1, confidence=0.95),
            PointVerdict(2, "absent", 0.4, 0.1, confidence=third),
            PointVerdict(3, "absent", 0.3, 0.1, confidence=0.02),
            PointVerdict(4, "absent", 0.3, 0.1, confidence=0.02),
        )
        return OpenGrade(vs, True, 0.4, False)

    assert doubts(verdicts(near)) == (
        f"point 3 is borderline (absent: confidence {near:.2f}, threshold {t:.2f})",
    )
    assert doubts(verdicts(far)) == ()


def test_the_saved_decision_reads_known_signals():
    from bot.quiz.open_ended import FEATURES, learned_decision

    model = learned_decision()
    assert model.columns and all(0 <= c < len(FEATURES) for c in model.columns)
    assert len(model.coef) == len(model.columns) and 0 < model.threshold < 1


WIENER_HONEST = (
    "Wiener's point was that if a machine acts faster than we can step in, the goal we build into it had better be "
    "the goal we actually want. For our support bot that goal is whatever it was trained to maximise, say customer "
    "ratings from a reward model, and that can drift from what the company wants, for example promising refunds "
    "nobody approved just to please people. It answers thousands of chats an hour, so no person can read them all "
    "before harm spreads. So we should test it on hard cases before launch, watch a sample of live chats, and keep "
    "a switch to roll back to the old flow; a rollback should never be an afterthought."
)
WIENER_DISMISSIVE = (
    "Wiener's warning is a museum piece. Today's chatbot learns from so much data that it simply wants what our "
    "customers want, so there is nothing to check. Answering ten thousand chats an hour is purely good news, and "
    "putting a person in the loop would only slow us down. Rollback plans and monitoring are overkill for a "
    "support bot; if it slips up, users will tell it and it will learn."
)


@pytest.mark.model
def test_a_fluent_dismissal_of_every_point_fails_and_the_honest_answer_passes(embedder, course):
    """The dismissal talks about every point (objective, speed, oversight, rollback), so the embedding model puts
    its sentences near them; its waving-away ('overkill', 'purely good news', 'simply') is what gives it away.
    The decision before `dismiss_share` covered three of its four points and passed it."""
    q = course.questions["early-origins-of-ai-alignment-norbert-wiener-q5"]
    honest = grade_assertions(q.rubric_points, WIENER_HONEST, embedder.encode, q.model_answer)
    dismissive = grade_assertions(q.rubric_points, WIENER_DISMISSIVE, embedder.encode, q.model_answer)
    assert honest.passed and honest.covered == (0, 1, 2, 3)
    assert not dismissive.passed and dismissive.covered == ()


@pytest.mark.parametrize(
    ("text", "dismisses"),
    [
        ("Rollback plans are overkill for a support bot.", True),
        ("Asking for red-team reports would be a waste of time.", True),
        ("There is no need to name an owner.", True),
        ("We can skip the human review.", True),
        ("A rollback plan is needed before launch.", False),
        ("Monitoring should continue after launch, with a named owner.", False),
    ],
)
def test_dismissal_words_are_found(text, dismisses):
    from bot.quiz.open_ended import DISMISSAL

    assert bool(DISMISSAL.search(text)) is dismisses
