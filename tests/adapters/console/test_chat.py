"""The console tutor end to end through the tutorbot fixture (the real model, a temporary database)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from bot import replies as R


def test_unsure_answer_is_forwarded_to_instructors(tutorbot):
    tutorbot.say("/ask what is lora?")  # the course names LoRA but never teaches it
    assert "not sure" in tutorbot.text() and "doesn't cover" in tutorbot.text()
    assert "instructors" in tutorbot.text() and not any(isinstance(r, R.Passage) for r in tutorbot.last)
    assert [q.text for q in tutorbot.store.inbox()] == ["what is lora?"]


def test_a_question_far_outside_the_course_is_not_covered_and_not_forwarded(tutorbot):
    tutorbot.say("/ask what is the best recipe for banana bread?")
    assert "doesn't cover" in tutorbot.text() and "closest concepts" in tutorbot.text()
    assert "instructors" not in tutorbot.text() and tutorbot.store.inbox() == []


@pytest.mark.parametrize(
    "question_id",
    [
        "reinforcement-learning-from-human-feedback-q2",  # a letter
        "best-of-n-sampling-q4",  # an order: "4 6 5 1 2 3"
        "ai-alignment-in-autonomous-driving-q4",  # matches: "1b 2a 3c"
    ],
)
def test_a_bare_answer_while_a_question_is_open_is_the_answer(tutorbot, question_id):
    tutorbot.say(f"/quiz {question_id}")
    assert tutorbot.question().question_id == question_id
    tutorbot.say(tutorbot.right_answer())  # typed without /answer
    assert tutorbot.feedback().correct
    assert tutorbot.store.inbox() == []
    tutorbot.say("B")  # no question open any more: a one-letter message is not forwarded either
    assert tutorbot.store.inbox() == []


def test_a_list_question_gets_the_whole_list(tutorbot):
    tutorbot.say("what are the attributes of an aligned LLM?")
    text = tutorbot.text().lower()
    assert "helpful" in text and "honest" in text and "harmless" in text


def test_quiz_answer_feedback_progress(tutorbot):
    tutorbot.say("/quiz reward models")
    q = tutorbot.question()
    assert q.concept_id in {
        "human-preference-alignment-via-reward-models",
        "reward-models-as-human-expert-proxies-in-llm-alignment",
    }
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    fb = tutorbot.feedback()
    assert fb.correct and fb.points == 15 and fb.explanations
    tutorbot.say("/progress")
    table = next(r for r in tutorbot.last if isinstance(r, R.Table))
    assert (
        "15 points" in table.note and table.rows[0][0] == tutorbot.tutor.course.concepts[q.concept_id].title
    )


def test_button_click_on_an_answered_question_changes_nothing(tutorbot):
    from bot.events import Answer

    tutorbot.say("/quiz dpo")
    sid = tutorbot.question().session_id
    learner = tutorbot.app().learner
    first = tutorbot.tutor.handle(Answer(learner, response="A", session_id=sid))
    second = tutorbot.tutor.handle(Answer(learner, response="B", session_id=sid))
    assert any(isinstance(r, R.Feedback) for r in first)
    assert "already answered" in second[0].plain()
    assert len(tutorbot.store.attempts_of(tutorbot.store.learner(learner).id)) == 1


def test_invalid_answers_record_nothing(tutorbot):
    tutorbot.say("/answer A")
    assert "no open question" in tutorbot.text()
    tutorbot.say("/quiz what is rlhf")
    q = tutorbot.question()
    bad = {"single_choice": "Z", "ordering": "9 9", "matching": "1z", "open_ended": "no"}[q.type]
    tutorbot.say(f"/answer {bad}")
    assert isinstance(tutorbot.last[0], R.Text) and tutorbot.last[0].kind == "error"
    assert tutorbot.store.attempt_count() == 0
    # the question is still open: the right answer is still accepted
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    assert tutorbot.feedback().correct


def test_hint_skip_and_next(tutorbot):
    tutorbot.say("/quiz")
    assert tutorbot.question()
    tutorbot.say("/hint")
    assert tutorbot.text().startswith(("Hint:", "No hint"))
    tutorbot.say("/skip")
    assert "Skipped" in tutorbot.text() and tutorbot.store.attempt_count() == 0
    tutorbot.say("/next")
    assert "Learn next" in tutorbot.text()


def test_sorry_one_more_with_nothing_before_is_a_question_coming_not_a_quiz(tutorbot):
    tutorbot.say("sorry, one more")  # it opened a quiz question, which ate the learner's next question
    assert "go ahead" in tutorbot.text() and not any(isinstance(r, R.Question) for r in tutorbot.last)
    tutorbot.say("another one")  # with nothing before: a quiz question, as before
    assert tutorbot.question()


def test_a_question_about_another_concept_while_a_question_is_open_is_answered_not_a_skip(tutorbot, course):
    """ "Can you tell me what it is meaning?" reads as asking for the open question's answer; said of RLHF with a
    question on BERT's fine-tuning open, it was taken as giving up (the answer shown, the question spent)."""
    q = next(q for q in course.questions.values() if q.concept_id == "pre-train-and-fine-tune-paradigm-for-encoder-models")
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say("In the lecture there was acronym RLHF. Can you tell me what it is meaning?")
    said = tutorbot.text()
    assert "Skipped" not in said and "Reinforcement Learning from Human Feedback" in said
    tutorbot.say("ok just tell me the answer")  # about the open question: still a skip
    assert "Skipped" in tutorbot.text()
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say("tiny hint for this dpo one?")  # a concept named, but "this" is the open question: a hint
    assert tutorbot.text().startswith(("Hint:", "No hint"))


def test_every_question_type_can_be_answered_right(tutorbot, course):
    for qtype in ("single_choice", "ordering", "matching", "open_ended"):
        q = next(q for q in course.questions.values() if q.type == qtype)
        tutorbot.say(f"/quiz {q.id}")  # a question can be named by its id
        assert tutorbot.question().question_id == q.id
        tutorbot.say(f"/answer {tutorbot.right_answer()}")
        assert tutorbot.feedback().correct, tutorbot.text()


def test_wrong_answers_of_every_type_get_the_explanations(tutorbot, course):
    for qtype, wrong in (
        ("ordering", None),
        ("matching", None),
        ("open_ended", "I would simply ship it and hope."),
    ):
        q = next(q for q in course.questions.values() if q.type == qtype)
        tutorbot.say(f"/quiz {q.id}")
        if wrong is None:
            # reverse the right answer: never fully right for 3+ items
            wrong = " ".join(reversed(tutorbot.right_answer().split()))
            if qtype == "matching":
                right = tutorbot.right_answer().split()
                letters = [p[-1] for p in right]
                wrong = " ".join(f"{i + 1}{letters[(i + 1) % len(letters)]}" for i in range(len(letters)))
        tutorbot.say(f"/answer {wrong}")
        fb = tutorbot.feedback()
        assert not fb.correct, tutorbot.text()
        if qtype == "open_ended":
            # the rubric and the model answer wait until the learner gives up: a retry is put at once
            assert not fb.missed and not fb.explanations and tutorbot.question().question_id == q.id
            assert "/skip to give up" in tutorbot.text()
            tutorbot.say("/skip")
            shown = tutorbot.feedback()
            assert shown.skipped and all(any(p in e for e in shown.explanations) for p in q.rubric)
            assert any("A strong answer" in e for e in shown.explanations)
        else:
            assert len(fb.explanations) == len(q.options)
            assert len(fb.marks) == len(q.options) and not all(m.ok for m in fb.marks)


def test_bad_input(tutorbot):
    assert "empty" in tutorbot.say("/ask")[0].plain()
    assert tutorbot.say("   ") == []


def test_leaderboard_ranks_the_class(tutorbot):
    for user in ("ada", "bob"):
        tutorbot.say("/quiz rlhf", user=user)
        tutorbot.say(f"/answer {tutorbot.right_answer(user)}", user=user)
    tutorbot.say("/quiz dpo", user="cy")
    tutorbot.say("/answer Z", user="cy")
    tutorbot.say("/leaderboard", user="cy")
    table = next(r for r in tutorbot.last if isinstance(r, R.Table))
    assert [row[1] for row in table.rows] == ["ada", "bob"]
    assert "not on it yet" in table.note


def test_help_lists_every_command(tutorbot):
    text = tutorbot.say("/help")[0].plain()
    for cmd in ("/ask", "/quiz", "/answer", "/hint", "/skip", "/progress", "/leaderboard", "/next", "/help"):
        assert cmd in text


def test_a_class_round_with_three_students(tutorbot, clock):
    tutorbot.say("/round reward models", user="prof")
    q = tutorbot.question()
    assert q.is_round and q.deadline
    right = tutorbot.right_answer_for_session(q.session_id)
    wrong = next(c.key for c in q.choices if c.key != right) if q.type == "single_choice" else None
    tutorbot.say(f"/answer {right}", user="ada")
    assert (
        "recorded" in tutorbot.text() and "Correct" not in tutorbot.text()
    )  # nothing leaked before the close
    tutorbot.say(f"/answer {right}", user="bob")
    if wrong:
        tutorbot.say(f"/answer {wrong}", user="cy")
    tutorbot.say(f"/answer {right}", user="ada")  # a second answer does not count
    assert "first answer counts" in tutorbot.text()
    tutorbot.say("/close", user="ada")  # only the poster or an instructor may close it
    assert "Only the person who started" in tutorbot.text()
    clock.advance(seconds=121)
    seen = tutorbot.say(f"/answer {right}", user="di")  # too late: the deadline closed the round first
    [result] = [r for r in seen if isinstance(r, R.RoundResult)]  # its results, shown in the class's terminal
    assert (
        isinstance(seen[0], R.RoundResult) and "closed" in tutorbot.text()
    )  # the results, then di's refusal
    assert tutorbot.tutor.close_due_rounds() == []  # closed once
    assert not any(isinstance(r, R.RoundResult) for r in tutorbot.say("/progress", user="di"))
    assert result.answered == (3 if wrong else 2)
    assert [name for name, _, _ in result.scores][:2] == ["ada", "bob"]
    assert result.explanations
    if wrong:
        counts = {t.key: t.count for t in result.tally}
        assert counts[right] == 2 and counts[wrong] == 1


def test_a_round_closed_early_by_its_poster(tutorbot):
    tutorbot.say("/round dpo", user="prof")
    tutorbot.say("/close", user="prof")
    assert "Round closed" in tutorbot.text() and "Nobody answered" in tutorbot.text()
    tutorbot.say("/close", user="prof")
    assert "no open round" in tutorbot.text()


def test_multiple_response_in_the_console(tmp_path, sqlite_url, clock):
    """/quiz ID shows the options and "Choose all that apply"; /answer A C is graded as Moodle grades it."""
    import shutil

    from bot.course import load_course
    from bot.retrieval import HashingEmbedder, Retriever
    from tests.conftest import MINI_COURSE
    from tests.course.test_loader import MULTI
    from tests.tutorbot import TutorBot

    path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, path)
    (path / "questions" / "multi.yaml").write_text(MULTI)
    course = load_course(path)
    bot = TutorBot(course, Retriever(course, HashingEmbedder()), sqlite_url, clock)
    bot.say("/quiz mr-q1")
    text = bot.text()
    assert "Choose all that apply" in text
    assert "A) Masked language modelling" in text and "C) Reward modelling" in text
    assert "/answer A C" in text
    bot.say("/answer A E")
    assert "'E' is not one of the options" in bot.text()
    bot.say("/answer a,c")  # one right, one -100%: the score is clamped at 0
    fb = bot.feedback()
    assert not fb.correct and fb.score == 0.0
    assert "you chose A C; C is not right and you missed B" in bot.text()
    assert "Both predict parts of the text itself." in bot.text()  # the general feedback
    bot.say("/quiz mr-q1")
    assert "Choose all that apply" in bot.text()
    answer = bot.right_answer()
    assert answer == "A B"
    bot.say(f"/answer {answer}")
    assert bot.feedback().correct
    assert "Correct! The right options are A and B." in bot.text()


def test_a_follow_up_with_nothing_before_it_asks_for_the_topic_and_is_not_forwarded(tutorbot):
    tutorbot.say("give me an example", user="newcomer")
    assert "ask again with its name" in tutorbot.text() and tutorbot.store.inbox() == []


def test_a_vague_question_gets_a_best_guess_and_its_follow_up_continues_it(tutorbot):
    tutorbot.say("the thing with the scores")
    guess = tutorbot.text()
    assert "best guess" in guess
    assert tutorbot.store.inbox() == []  # a guess checked with the learner, not the instructors' business
    title = guess.split("\n")[1].split(":")[0].strip("* ")  # the guessed concept, the line after the opening
    tutorbot.say("why?")
    assert title and title in tutorbot.text() and tutorbot.store.inbox() == []


def test_a_course_question_in_informal_words_gets_a_guess_and_reaches_the_instructors(tutorbot):
    tutorbot.say("values differ across cultures how can one model handle that")
    text = tutorbot.text()
    assert "best guess" in text and "Complexity of Human Values" in text and "passed your question" in text
    assert len(tutorbot.store.inbox()) == 1  # the tutor was not sure: an instructor can answer it properly
    tutorbot.say("why?")  # and the conversation continues from the guess
    assert "Complexity of Human Values" in tutorbot.text()


@pytest.mark.parametrize(
    "stray",
    [
        "and what about a recipe for schnitzel?",
        "so is the capital of peru lima?",
        "what about schnitzel?",
        # long, with a pronoun, but its topic is its own: what comes before "it" is not the last answer's
        "explain the beta distribution and its mean",
        "git says i have a merge conflict, how do i resolve it without losing my changes",
    ],
)
def test_a_question_shaped_like_a_follow_up_about_something_else_is_not_answered_from_the_last_concept(
    tutorbot, stray
):
    tutorbot.say("what is rlhf?")
    tutorbot.say(stray)
    assert (
        "doesn't cover" in tutorbot.text() and "Reinforcement Learning" not in tutorbot.text().split(".")[0]
    )
    tutorbot.say("what is rlhf?")
    tutorbot.say("and if beta is too large?")  # a real follow-up still is one
    assert "β too large" in tutorbot.text()
    tutorbot.say("can you explain helpful honest harmless")
    tutorbot.say("are they ever in conflict?")  # alone far from the course, but "they" points back
    assert "Maximum helpfulness" in tutorbot.text()


def test_help_studying_and_the_course_overview_are_answered_not_forwarded(tutorbot):
    tutorbot.say("hello! can you help me study for the alignment quiz?")
    assert "/quiz" in tutorbot.text() and "/review" in tutorbot.text()
    tutorbot.say("so what is this chapter even about")
    assert "This course is LLM Alignment" in tutorbot.text() and "/quiz" in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_a_longer_question_that_points_back_follows_the_conversation(tutorbot):
    tutorbot.say("whats the kl penalty in rlhf")
    tutorbot.say("what happens if you set it too small")  # eight words, "it" is the penalty
    assert "Without this term the policy can drift" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("what is dpo?")
    tutorbot.say("and if beta is too large?")  # β is DPO's too: not RLHF's answer
    assert "a larger β holds the policy closer" in tutorbot.text()
    tutorbot.say("what does beta do in dpo")
    tutorbot.say("and if we set it really small?")  # "it" is β, in DPO: its sentence on β, not DPO's opening
    assert "a very small β lets it drift far" in tutorbot.text()
    tutorbot.say("case study: our customer support bot leaked a user's email address in a reply")
    tutorbot.say("what should we do first?")  # the case's first step; it was /next's list of what to study
    assert "confirm the report" in tutorbot.text() and "Learn next" not in tutorbot.text()
    tutorbot.say("so humans compare two answers and pick the better one")
    tutorbot.say("why not just give each answer a score from 1 to 10 then")  # it was a guess from best-of-N
    assert "Comparing is easier and more consistent" in " ".join(tutorbot.text().replace("> ", "").split())
    assert "not sure" not in tutorbot.text()
    tutorbot.say("looking at the rlhf objective on slide 14")
    tutorbot.say("why is there a KL thing in it? feels random")  # "it" is RLHF's objective: it was best-of-N's KL
    assert "Without this term the policy can drift" in " ".join(tutorbot.text().replace("> ", "").split())
    tutorbot.say("the response A vs B thing with the 103 fever question")
    tutorbot.say("so B wins? why not A, A has more info")  # a check, then more: refused and forwarded before
    assert "/quiz analysis-of-an-ai-assistants-behavior" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("the KL penalty part again pls")
    tutorbot.say("how is it actually computed while training? per token or what")  # "it" the question's subject
    assert "charged at every token" in tutorbot.text()  # it was BERT's fine-tuning, read as a question of its own
    tutorbot.say("the ratio thing clipped between 1-eps and 1+eps, which algo is that")  # chat shorthand in full
    assert tutorbot.text().startswith("Proximal Policy Optimization (PPO):") and "not sure" not in tutorbot.text()
    tutorbot.say("what is fine-tuning?")
    tutorbot.say("how do i fine-tune my guitar so it stays in tune")  # "it", but nothing of the last answer
    assert "doesn't cover" in tutorbot.text()
    tutorbot.say("ok so chapter 4")  # finding their way: the course, never the inbox
    assert "This course is LLM Alignment" in tutorbot.text()
    tutorbot.say("what are the 3 H's again")  # "three H's" is the concept's name
    assert "helpful, honest and harmless" in tutorbot.text() and "not sure" not in tutorbot.text()
    forwarded = {item.text for item in tutorbot.store.inbox()}
    assert not forwarded & {
        "what happens if you set it too small",
        "ok so chapter 4",
        "what are the 3 H's again",
    }


def test_second_turns_in_everyday_words_follow_the_conversation(tutorbot):
    tutorbot.say("how does best-of-n work in practice")
    tutorbot.say("isnt that super slow tho")  # what it costs, not a new topic
    assert re.search(r"compute grows roughly linearly with N|about N times", tutorbot.text()), tutorbot.text()
    assert "not sure" not in tutorbot.text() and not tutorbot.text().lstrip("> ").startswith("The benefit grows")
    tutorbot.say("how does dpo train without a reward model??")
    tutorbot.say("give me the intuition not the math")  # the gist again, not the loss formula
    assert "DPO trains an LLM directly on preference pairs" in tutorbot.text()
    assert "log σ" not in tutorbot.text()
    tutorbot.say("prompting vs finetuning whats the diff")
    tutorbot.say("which one would you pick for a quick demo by friday")  # one of the two just compared
    assert "Prompting" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("why is there a KL penalty in rlhf")
    tutorbot.say("why tho, wouldnt it learn faster without it")  # ten words, "it" is the penalty
    assert (
        "Reinforcement Learning from Human Feedback" in tutorbot.text() and "not sure" not in tutorbot.text()
    )
    tutorbot.say("whats best of n")
    tutorbot.say("so whats bad about making n huge")  # its costs, not a question of its own
    assert re.search(r"compute grows roughly linearly with N|about N times", tutorbot.text()), tutorbot.text()
    assert "not sure" not in tutorbot.text() and not tutorbot.text().lstrip("> ").startswith("The benefit grows")
    tutorbot.say("what is dpo")
    tutorbot.say("what happens if you set beta too high")  # DPO's beta, not RLHF's
    assert "a larger β holds the policy closer" in tutorbot.text()
    tutorbot.say("alignment research kinda exploded recently right")
    tutorbot.say("why tho")
    assert "Surge in LLM Alignment Research" in tutorbot.text() and "not sure" not in tutorbot.text()
    # its own question, far from every passage by meaning (cosine 0.33) but named by the concept's title
    tutorbot.say("what are the main challenges then")
    assert "Challenges in LLM Alignment" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_a_second_turn_that_goes_on_with_the_last_question_or_asks_it_of_another_topic(tutorbot):
    tutorbot.say("what does the beta do in the rlhf kl penalty")
    tutorbot.say("and for dpo?")  # the same question of DPO: its beta, not DPO's definition alone
    assert "a larger β holds the policy closer" in tutorbot.text()
    tutorbot.say("what kinds of alignment approaches does the book cover")
    tutorbot.say("like list them")  # the learner goes on with their own question
    assert "inference-time alignment" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("who is norbert wiener and why is he in an alignment course")
    tutorbot.say("like what did he actually say")  # "he" is Wiener
    assert "the purpose we really want" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("why is best-of-n expensive")
    tutorbot.say("like it seems like a free win")  # still best-of-N's cost, not prompting's
    assert "Best-of-N" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("what does freezing the encoder mean")
    tutorbot.say("so what actually gets trained then")  # ends on "then": about the last answer
    assert "task head" in tutorbot.text() and "Reward Models" not in tutorbot.text()
    tutorbot.say("the 3 H's thing? what were they")  # the concept's name of several words, said outright
    assert "helpful, honest and harmless" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("i dont get the whole h h h thing")  # a guess: "hhh" is the attributes'
    tutorbot.say("from the alignment slides")  # where it came from: the same question, not a new one
    said = " ".join(tutorbot.text().split())  # the console wraps lines
    assert "helpful, honest and harmless" in said and "not sure" not in said
    tutorbot.say("quick question")  # about to ask: go ahead, never the inbox
    assert "go ahead" in tutorbot.text()
    tutorbot.say("can i ask you stuff at 3am or do you sleep")
    assert "I'm this course's tutor, a bot" in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_a_follow_up_is_answered_where_the_course_answers_it(tutorbot):
    tutorbot.say("ok reward models")
    tutorbot.say("how are they trained tho")  # "they" are reward models: trained on people's comparisons
    assert "comparisons" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("what if the humans disagree")  # told with the complexity of human values
    assert "Annotators disagree with each other" in " ".join(tutorbot.text().split())
    tutorbot.say("wait so the model grades itself?")  # "grades" as a verb: no question for the instructors
    assert "instructors" not in tutorbot.text()
    tutorbot.say("why does the rlhf setup keep a reference model around")
    tutorbot.say("cant we just drop it")  # why it is needed
    assert "Without this term the policy can drift" in " ".join(tutorbot.text().split())
    tutorbot.say("who was norbert wiener in the alignment story")
    tutorbot.say("ok and how is that relevant to chatgpt type stuff")  # its own words find the sentence
    assert "a model trained only to predict the next token" in " ".join(
        tutorbot.text().replace(">", " ").split()
    )
    tutorbot.say("ok im studying for the midterm. rlhf, what is it")  # not a question about the midterm
    assert "RLHF fine-tunes an LLM" in " ".join(tutorbot.text().split())
    assert tutorbot.store.inbox() == []


def test_a_learner_checking_their_understanding_is_answered_from_the_last_answer(tutorbot):
    tutorbot.say("hey whats llm alignment in simple terms")
    tutorbot.say("so basically its just making it polite?")  # not a question about safety: what alignment is
    said = " ".join(tutorbot.text().split())
    assert "human intentions" in said and "Enhancing LLM Safety" not in said
    tutorbot.say("whats a reward model")
    tutorbot.say("how does it know which one is better")  # how it is trained, not two concepts side by side
    said = " ".join(tutorbot.text().split())
    assert "comparisons" in said and "Complexity of Human Values" not in said
    tutorbot.say("what is the kl term in rlhf")
    tutorbot.say("wait so the reference model is what exactly")  # not a citation ("reference") in an answer
    said = " ".join(tutorbot.text().split())
    assert "SFT model" in said and "Analysis of an AI Assistant" not in said
    tutorbot.say("whats dpo")
    tutorbot.say("ok but in normal words pls my brain is fried")  # DPO more simply, not small talk
    assert "preference pairs" in " ".join(tutorbot.text().split())
    tutorbot.say("how is the reward model trained")
    tutorbot.say("ok but whats the loss like, roughly")  # the reward model's loss, not instruction tuning's
    assert "−log σ(r(x, y_w) − r(x, y_l))" in " ".join(tutorbot.text().split())
    tutorbot.say("why is everyone suddenly researching alignment")
    tutorbot.say("wait but why now and not like 10 yrs ago")  # why that surge, in chat spelling
    assert "Surge in LLM Alignment Research" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("who was norbert wiener and why is he in the alignment chapter")
    tutorbot.say("whats the actual quote or idea tho")  # the point of Wiener's warning, not "not covered"
    assert "what we actually desire" in " ".join(tutorbot.text().split())
    tutorbot.say("sft = instruction tuning right")
    tutorbot.say("how much data do u need for it tho")  # an amount: the 1,000 examples of LIMA
    assert "1,000" in tutorbot.text() and "LIMA" in tutorbot.text()
    tutorbot.say("how do u do best of n")
    tutorbot.say("and do the model weights change at all?")  # still best-of-N, not prompting
    assert "weights remain unchanged" in " ".join(tutorbot.text().split())
    tutorbot.say("what are the main fine-tuning strategies")
    tutorbot.say("what is lora?")  # the strategies mention LoRA; the course does not teach it
    assert "only mentions LoRA" in " ".join(tutorbot.text().split())
    tutorbot.say("how do you get human preference data in practice")  # "in practice" is how it is asked
    assert "not sure" not in tutorbot.text() and "comparisons" in " ".join(tutorbot.text().split())
    assert [q.text for q in tutorbot.store.inbox()] == ["what is lora?"]  # the only question not answered


def test_questions_about_the_tutor_and_about_the_course_running_are_not_answered_from_a_passage(tutorbot):
    tutorbot.say("are you a bot?")
    assert "I'm this course's tutor, a bot" in tutorbot.text()
    tutorbot.say("what is dpo")
    tutorbot.say("is this graded?")  # "this" is not DPO: a question for the instructors
    assert "not sure" in tutorbot.text() and "DPO" not in tutorbot.text().split("closest")[0]
    tutorbot.say("will it be on the exam")  # close to a passage on evaluation, but about the exam
    assert "not sure" in tutorbot.text()
    assert {item.text for item in tutorbot.store.inbox()} == {"is this graded?", "will it be on the exam"}


def test_a_consequence_and_a_learners_situation_are_understood(tutorbot):
    tutorbot.say("what's the kl penalty for")
    # no pronoun, but put as what follows from the last answer
    tutorbot.say("and what if we set beta to zero?")
    assert "Without this term the policy can drift" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("i missed the part about aligning at inference time, what did i miss")
    assert "Inference-Time LLM Alignment" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("downsides of best of n?")
    assert "Best-of-N" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("ugh im so lost")
    assert "one idea at a time" in tutorbot.text()
    tutorbot.say("night!")
    assert "Bye" in tutorbot.text()
    assert tutorbot.store.inbox() == []
    tutorbot.say("what is fine-tuning?")
    tutorbot.say("and what about how do i fine-tune my guitar so it stays in tune?")  # a question of its own
    assert "not sure" in tutorbot.text()  # judged alone: at most a labelled guess, not fine-tuning's answer


def test_a_symbol_from_the_last_answer_is_asked_about_it(tutorbot):
    tutorbot.say("how does best-of-n work?")
    tutorbot.say("what's N?")
    assert "Best-of-N" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []
    tutorbot.say("what's N?", user="bob")  # bob asked nothing before: a bare letter means nothing
    assert "not sure" in tutorbot.text()


def test_a_follow_up_continues_the_conversation_after_a_restart(course, retriever, sqlite_url, clock):
    """The conversation is rows: a new worker (or a restart) resolves "why?" against the last answer."""
    from tests.tutorbot import TutorBot

    first = TutorBot(course, retriever, sqlite_url, clock)
    first.say("what is direct preference optimization?")
    assert "Direct Preference Optimization" in first.text()
    first.engine.dispose()
    clock.advance(minutes=5)
    second = TutorBot(course, retriever, sqlite_url, clock)  # another process, the same database
    second.say("why?")
    assert "Direct Preference Optimization" in second.text() and second.store.inbox() == []
    data = json.loads(second.say("/my-data")[0].data)
    assert [t["text"] for t in data["conversation"]] == ["what is direct preference optimization?", "why?"]
    clock.advance(hours=2)  # a follow-up long after the conversation ended asks for the topic instead
    second.say("give me an example")
    assert "Direct Preference Optimization" not in second.text()
    second.say("/forget-me confirm")
    assert second.store.recent_concepts(1, "console:local:cs-101", clock() - timedelta(days=1)) == []
    second.engine.dispose()


@pytest.mark.model
def test_an_unsure_answer_is_reviewed_and_the_learner_is_told_at_the_next_session(tutorbot):
    import io

    from adapters.console.app import ConsoleApp
    from tests.quiz.test_open_ended import HALF_MEMO

    def said() -> str:  # the console wraps lines to the terminal's width
        return " ".join(tutorbot.text().split())

    tutorbot.say("/quiz go-no-go-internal-llm-q1")
    tutorbot.say(f"/answer {HALF_MEMO}")
    assert tutorbot.feedback().provisional and "an instructor will review it" in said()
    tutorbot.say("/review-answers", user="ada")
    assert "for instructors" in said()

    tutorbot.say("/review-answers", user="prof")
    assert "#1 · ada" in said() and "3. ✓ covered: Names both refusal problems" in said()
    tutorbot.say("/review-answers score 1 1,2,3,5 Your pilot has the right conditions.", user="prof")
    assert "re-scored: 50% (not passed) → 67% (passed), points 0 → 15. ada will be told." in said()

    def session(user: str) -> str:
        out = io.StringIO()
        ConsoleApp(tutorbot.tutor, user=user, class_name="cs-101", out=out).run(io.StringIO("/progress\n"))
        return " ".join(out.getvalue().split())

    shown = session("ada")
    assert "changed its grade from 50% to 67%: it now passes" in shown
    assert 'Their comment: "Your pilot has the right conditions."' in shown and "15 points" in shown
    assert shown.index("changed its grade") < shown.index("15 points")  # told first, at the start
    assert "changed its grade" not in session("ada")  # told once
    assert "changed its grade" not in session("bob")


def test_a_long_second_turn_that_points_back_is_answered_from_the_last_answer(tutorbot):
    tutorbot.say("whats the kl penalty thing in the rlhf objective")
    # fourteen words, alone far from the course: "it" is the penalty
    tutorbot.say("ok but why do we need it tho, why not just max the reward as hard as possible")
    assert (
        "not sure" not in tutorbot.text() and "Reinforcement Learning from Human Feedback" in tutorbot.text()
    )
    tutorbot.say("what did wiener warn about in like 1960")
    tutorbot.say("why tho, what was he worried the machines would do")
    assert "purpose" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("why is aligning an llm with human values so complicated")
    tutorbot.say("ok so how do real companies deal with that then")  # common words before "that"
    assert "Complexity of Human Values" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("the challenges of alignment lecture was a LOT")
    tutorbot.say("can u list the main ones again pls")
    assert "reward hacking" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_saying_where_one_is_gets_an_invitation_to_ask_and_is_not_forwarded(tutorbot):
    tutorbot.say("lecturer kept saying ppo like 20 times today")
    text = tutorbot.text()
    assert "What would you like to know about Proximal Policy Optimization (PPO)?" in text
    assert "not sure" not in text and "passed your question" not in text
    tutorbot.say("why do they use it")  # "it" is PPO, the concept the invitation named
    assert "Proximal Policy Optimization" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("so for the exam")  # no concept named: no concept guessed
    assert tutorbot.text().startswith("Got it. What would you like to know? Ask me about the course")
    assert tutorbot.store.inbox() == []


def test_what_the_notes_said_then_a_question_about_it_follows_on(tutorbot):
    tutorbot.say("the lecture said models should be helpful and harmless")  # told, near the three H's: not forwarded
    assert "Desirable Attributes of Aligned LLMs" in tutorbot.text() and "passed your question" not in tutorbot.text()
    tutorbot.say("can those two clash? like refusing vs answering")
    assert "Maximum helpfulness" in tutorbot.text()
    tutorbot.say("the notes say PPO 'keeps each update small'")
    tutorbot.say("why would you want small updates tho, wouldnt bigger = faster?")  # the learner's own words again
    assert "Proximal Policy Optimization" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


@pytest.mark.parametrize("again", ["so what do we stick on top instead", "so what do u put instead"])
def test_what_takes_the_place_of_what_was_removed(tutorbot, again):
    tutorbot.say("why do we discard the mlm head when fine tuning bert")
    tutorbot.say(again)  # a verb of placing is no topic of its own; the answer is the new head
    assert "The replacement head is new and usually small" in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_the_honest_one_after_the_three_hs_is_what_honest_means(tutorbot):
    tutorbot.say("helpful, honest, harmless, got it")
    tutorbot.say("and what does the honest one look like in practice?")
    assert "Honest means it gives accurate information" in tutorbot.text()


def test_help_to_jailbreak_is_declined_even_right_after_an_answer(tutorbot):
    tutorbot.say("what are the three H's?")
    tutorbot.say("how do i jailbreak chatgpt so it ignores its filters?")  # was answered as a follow-up on HHH
    assert tutorbot.text().startswith("I won't help get around a model's safeguards")
    assert tutorbot.store.inbox() == []


def test_a_name_half_remembered_is_answered(tutorbot):
    tutorbot.say("the notes keep mentioning DP something, direct preference...?")
    assert "Direct Preference Optimization" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("what actually is it?")
    assert "Direct Preference Optimization" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_a_why_in_the_last_answers_words_and_a_first_short_question_follow_the_conversation(tutorbot):
    tutorbot.say("what does hhh stand for in alignment")
    tutorbot.say(
        "why would helpful and harmless ever clash tho"
    )  # alone not confident; the last answer's words
    assert "Maximum helpfulness" in tutorbot.text()
    tutorbot.say("sft and rlhf both fine tune the model right")
    tutorbot.say("so whats actually different between them")  # them: SFT and RLHF, side by side
    assert (
        "Instruction Alignment:" in tutorbot.text()
        and "Reinforcement Learning from Human Feedback (RLHF):" in tutorbot.text()
    )
    tutorbot.say("so the reward model gives a score")
    tutorbot.say("but how is it trained?? what data does it even learn from")  # "it": the reward model
    assert "comparisons" in tutorbot.text() and "Pre-training on vast amounts" not in tutorbot.text()
    tutorbot.say(
        "why is norbert wiener in the alignment lecture lol he was around in like 1960, there were no llms"
    )
    assert (
        "Wiener" in tutorbot.text() and "not sure" not in tutorbot.text()
    )  # where it was heard, not logistics
    assert tutorbot.store.inbox() == []


def test_a_new_how_question_in_the_last_answers_words_is_not_taken_as_about_that_answer(tutorbot):
    """Every word of "how do companies collect preference data?" is used by reward hacking's concept, but asked by
    itself it comes nearest the preference concepts: it is a new question, not a follow-up to reward hacking."""
    tutorbot.say("what is reward hacking?")
    assert "Unintended Consequences of AI Optimization" in tutorbot.text()
    tutorbot.say("how do companies collect preference data?")
    assert "Unintended Consequences of AI Optimization:" not in tutorbot.text()
    assert "CoastRunners" not in tutorbot.text() and "reward hacking" not in tutorbot.text().lower()


def test_a_polite_reminder_request_is_answered_and_thanks_for_patience_is_thanked(tutorbot):
    tutorbot.say("Could you remind me what DPO is?")  # "remind" was read as a topic the course lacks
    assert "Direct Preference Optimization (DPO):" in tutorbot.text() and "not sure" not in tutorbot.text()
    tutorbot.say("And what is the role of the beta parameter in it, please?")
    assert "β plays the same role" in tutorbot.text()
    tutorbot.say("thank you for the patience")
    assert "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_whether_two_things_a_concept_names_pull_apart_is_answered_from_it(tutorbot):
    """The wording is far from the concept's sentences ("pull in opposite directions", adjectives for its nouns),
    but both things are the concept's and it says how they pull against each other."""
    for question in (
        "can helpful and harmless pull in opposite directions? compare the two please",
        "can helpful and harmless conflict?",
    ):
        tutorbot.say(question)
        assert "These attributes can pull against each other" in tutorbot.text(), question
    tutorbot.say("do lions and tigers conflict?")  # things no concept names: not covered
    assert "not sure" in tutorbot.text()


def test_the_last_question_asked_of_another_topic_is_told_by_that_topic(tutorbot):
    """"and for DPO?": the same question of DPO. Its other words (samples, training) sit closer to RLHF, which
    answered it first; the concept the new topic names tells it."""
    tutorbot.say("in RLHF, does the model have to generate new samples during training?")
    assert "on-policy" in tutorbot.text()
    tutorbot.say("and for DPO?")
    assert "Direct Preference Optimization (DPO)" in tutorbot.text()
    assert "sample-score-update" in tutorbot.text() and "on-policy" not in tutorbot.text()


def test_the_steps_of_alignment_are_the_alignment_steps(tutorbot):
    """Two concepts on why alignment matters came a hair closer than the one titled with the steps; a list of
    steps is told by the concept whose title says it is one."""
    tutorbot.say("list the steps of alignment")
    assert "Post-Pre-training Alignment Steps" in tutorbot.text()
    assert "supervised fine-tuning" in tutorbot.text() and "not sure" not in tutorbot.text()


def test_an_example_outside_the_last_topic_and_the_math_of_a_named_concept(tutorbot):
    tutorbot.say("what do they mean by unintended consequences of optimization")
    tutorbot.say("can u give a non llm example")  # "llm" is not the topic asked about: the boat race is
    assert "CoastRunners" in tutorbot.text()
    tutorbot.say("explain the dpo math pls im dying")  # "math", "dying": not topics the course lacks
    assert "Direct Preference Optimization" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_how_does_x_is_told_by_x_and_why_research_grew_says_why(tutorbot):
    tutorbot.say("how does dpo avoid needing RL")  # closest is the concept on combining methods; DPO does it
    assert "/quiz direct-preference-optimization" in tutorbot.text()
    tutorbot.say("why did alignment suddenly blow up as a research area in the last few years")
    said = " ".join(tutorbot.text().replace(">", " ").split())
    assert "made the risks of harmful, false and uncontrolled behaviour concrete" in said


def test_not_getting_the_last_answer_gets_it_again_more_simply(tutorbot):
    tutorbot.say("i dont get it")  # nothing before: encouragement, not the inbox
    assert "That's normal" in tutorbot.text()
    tutorbot.say("ok so the pretrain then align thing")
    tutorbot.say("idk i just dont get it")  # the gist of the last answer, not "not covered"
    assert "Pre-train-then-align" in tutorbot.text() and "not sure" not in tutorbot.text()
    assert tutorbot.store.inbox() == []


def test_what_ppo_optimises_in_rlhf_is_said_first(tutorbot):
    tutorbot.say("what is ppo")
    assert "to raise the reward model's score" in " ".join(tutorbot.text().split())


def test_the_alternative_is_what_the_last_concept_is_set_against(tutorbot):
    tutorbot.say("is fine tuning still the standard way to adapt llms")
    tutorbot.say("so whats the alternative")  # the course sets fine-tuning against prompting
    assert "apart from prompting" in " ".join(tutorbot.text().replace(">", " ").split())


def test_whether_the_two_just_compared_are_the_same_is_asked_of_those_two(tutorbot):
    tutorbot.say("alignment for self driving cars vs for robots")
    tutorbot.say("are those basically the same problem or nah")  # refused and forwarded before
    said = tutorbot.text()
    assert "AI Alignment in Autonomous Driving" in said and "AI Alignment in Robotics" in said, said
    assert "not sure" not in said
    tutorbot.say("best of n vs rlhf")
    tutorbot.say("they both use a reward model so whats even different")  # was answered with DPO
    said = tutorbot.text()
    assert "Best-of-N Sampling" in said and "Reinforcement Learning from Human Feedback" in said, said
    assert "Direct Preference Optimization" not in said
    assert tutorbot.store.inbox() == []


def test_a_why_that_says_more_in_plain_course_words_stays_with_the_last_answer(tutorbot):
    tutorbot.say("in ppo whats the clipping part")
    tutorbot.say("why clip tho, feels like ur just throwing away info")  # refused and forwarded before
    said = tutorbot.text()
    assert "Proximal Policy Optimization" in said and "not sure" not in said, said
    assert tutorbot.store.inbox() == []


def test_missing_the_lecture_on_the_last_topic_gets_its_short_version(tutorbot):
    tutorbot.say("something about human values being complicated??")  # "complicated": refused before
    first = tutorbot.text()
    assert "Complexity of Human Values" in first and "not sure" not in first, first
    tutorbot.say("i missed that lecture")  # was "Got it. What would you like to know?"
    said = tutorbot.text()
    assert "Complexity of Human Values" in said and "diverse" in said, said
    assert tutorbot.store.inbox() == []
    tutorbot.say("random forest vs xgboost which one should i use for tabular data")  # not the last topic
    assert "Complexity of Human Values" not in tutorbot.text()


def test_gimme_and_a_format_request_are_not_topics(tutorbot):
    tutorbot.say("gimme the big challenges in alignment, bullet points pls")  # a guess, forwarded, before
    said = tutorbot.text()
    assert "Challenges in LLM Alignment" in said and "not sure" not in said, said
    assert "reward hacking" in said  # the list itself
    assert tutorbot.store.inbox() == []


def test_the_middle_one_of_the_learners_own_list_is_that_item(tutorbot):
    tutorbot.say("so rlhf = sft, then a reward model, then ppo right?")
    tutorbot.say("cool. the middle one, how does that get trained")  # refused and forwarded before
    said = tutorbot.text()
    assert "Human Preference Alignment via Reward Models" in said and "not sure" not in said, said
    assert tutorbot.store.inbox() == []


def test_whether_it_takes_a_lot_of_data_is_answered_in_words_and_figures(tutorbot):
    tutorbot.say("what's sft")
    tutorbot.say("does it need a ton of data or nah")  # what the data are, before
    said = " ".join(tutorbot.text().split())
    assert "very little data compared with pre-training" in said and "1,000" in said, said


def test_a_follow_up_in_the_last_answers_own_words_is_not_taken_for_another_topic(tutorbot):
    tutorbot.say("why is there a KL penalty in rlhf")
    tutorbot.say("and why would drifting away be bad?")  # "drift" is RLHF's word: refused and forwarded before
    said = " ".join(tutorbot.text().split())
    assert "reward hacking" in said and "not sure" not in said, said
    assert tutorbot.store.inbox() == []


def test_praise_for_an_answer_and_what_the_learner_does_not_mean(tutorbot):
    tutorbot.say("haha ok that kl explanation was actually good")
    assert "not sure" not in tutorbot.text() and tutorbot.store.inbox() == []
    tutorbot.say("dpo = ? (not the gdpr thing lol)")  # an incident triage plan, before
    assert "Direct Preference Optimization" in tutorbot.text()
    tutorbot.say("why does LoRA work with such a low rank, whats the mechanism")  # answered from a passing mention
    assert "not sure" in tutorbot.text()


def test_who_proposed_a_method_and_when_is_answered_from_that_method(tutorbot):
    tutorbot.say("Who proposed DPO?")  # was the concept on the surge of research ("methods proposed")
    said = " ".join(tutorbot.text().split())
    assert "Rafailov et al. (2023)" in said, said
    tutorbot.say("And in what year was it published?")
    assert "2023" in tutorbot.text()
    tutorbot.say("Which came first, PPO or DPO?")  # each side's dated sentence, not two gists
    said = tutorbot.text()
    assert "2017" in said and "2023" in said, said
    tutorbot.say("yeah ok but why does ppo have to come first")  # an order, not a date: no dated sentence asked
    assert tutorbot.store.inbox() == []


def test_a_draft_writers_question_is_read_without_what_the_answer_is_for(tutorbot):
    tutorbot.say("What is a reward model in RLHF? I want a precise definition that I can cite in my paper.")
    said = tutorbot.text()  # was "not sure", and forwarded
    assert "Reward Models as Human Expert Proxies" in said and "not sure" not in said, said
    tutorbot.say("Can you explain what Norbert Wiener warned about regarding machines and purpose?")
    tutorbot.say("brb")
    tutorbot.say("ok back. what year was that, so i can cite it")  # was "Got it. What would you like to know?"
    assert "1960" in tutorbot.text()
    tutorbot.say("What is instruction alignment?")
    tutorbot.say("Could you give me a concrete example of one training instance I can put in my essay?")
    said = tutorbot.text()  # was refused and forwarded
    assert "Instruction Alignment" in said and "instruction" in said and "target response" in said, said
    assert tutorbot.store.inbox() == []


def test_whether_two_names_are_one_thing_is_said_first(tutorbot):
    tutorbot.say("Is instruction alignment the same as human preference alignment?")
    said = tutorbot.text()
    assert said.startswith("No, they are different things"), said
    assert "Human Preference Alignment via Reward Models" in said
    tutorbot.say("is sft the same as instruction tuning")  # two aliases of one concept
    assert tutorbot.text().startswith("Yes: the course uses both names for one thing, Instruction Alignment.")


def test_the_steps_of_a_named_method_are_its_own_steps(tutorbot):
    tutorbot.say("Give me the main steps of RLHF as bullet points.")  # was the alignment steps after pre-training
    said = " ".join(tutorbot.text().replace(">", " ").split())
    assert "Reinforcement Learning from Human Feedback" in said and "(2) training a reward model" in said, said


def test_a_teammates_word_or_a_return_from_lunch_is_no_question(tutorbot):
    tutorbot.say("teammate keeps saying sft")
    assert "Instruction Alignment" in tutorbot.text()  # which "sft meaning??" then leans on
    tutorbot.say("sft meaning?? in alignment context")
    said = tutorbot.text()
    assert said.startswith("SFT stands for supervised fine-tuning.\nInstruction Alignment:"), said
    tutorbot.say("ok back from lunch")
    assert tutorbot.text().startswith("Welcome back!")
    assert tutorbot.store.inbox() == []


def test_an_acronym_whose_concept_is_titled_otherwise_is_spelt_out(tutorbot):
    tutorbot.say("what is sft")
    assert tutorbot.text().startswith("SFT stands for supervised fine-tuning.")
    tutorbot.say("what is rlhf")  # the title spells it out already
    assert "stands for" not in tutorbot.text()


def test_then_why_not_the_learners_own_alternative_leans_on_the_last_answer(tutorbot):
    tutorbot.say("so the reward model is trained on people's rankings, right")
    tutorbot.say("then why not just have humans score everything directly during the RL part?")
    said = " ".join(tutorbot.text().replace(">", " ").split())  # was a forwarded guess about the KL penalty
    assert "Human Preference Alignment via Reward Models" in said and "not sure" not in said, said
    assert "score any response" in said
    assert tutorbot.store.inbox() == []


def test_of_two_nearly_tied_concepts_the_one_the_message_names_answers(tutorbot):
    tutorbot.say("my prof said ppo based rlhf needs like 4 models in memory")  # was DPO (which needs two)
    said = " ".join(tutorbot.text().replace(">", " ").split())
    assert "Proximal Policy Optimization" in said, said
    assert "the policy, the reference model, the reward model and the value model" in said, said


def test_a_short_follow_up_with_a_remark_after_it_still_leans_on_the_last_answer(tutorbot):
    tutorbot.say("the RLHF objective in the notes has a KL term between the policy and the reference model")
    tutorbot.say("why is it there? it looks like an ordinary regulariser to me")  # "regulariser" made it stray
    said = " ".join(tutorbot.text().replace(">", " ").split())
    assert "reward hacking" in said and "not sure" not in said, said
