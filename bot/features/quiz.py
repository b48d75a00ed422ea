"""A learner's own questions: /quiz, /answer, /hint, /skip and /review."""

from __future__ import annotations

import json
from dataclasses import replace

from bot import events as E
from bot import replies as R
from bot.course.model import Question
from bot.features import picking, review, rounds
from bot.features.kit import Handler, Kit, aware, plural, takes_answers
from bot.features.sessions import (
    grade_and_record,
    place_of,
    practice_note,
    session_for,
    state_of,
    verdict_for,
)
from bot.progress.report import zone
from bot.quiz import machine
from bot.quiz.grading import presentation_for
from bot.storage.models import QuizSession

ALREADY = "You have already answered that question; your first answer counts."
CLOSED = "That question is closed. Start a new one with /quiz."


def on_start_quiz(ev: E.StartQuiz, ctx: Kit) -> list[R.Reply]:
    too_long = ctx.too_long(ev.topic, "topic")
    if too_long:
        return too_long
    lid = ctx.store.learner(ev.learner).id or 0
    question, problem = picking.question_for(ctx, lid, ev.topic)
    if problem:
        return [R.Text(problem, kind="error")]
    if question is None:
        return [R.Text("You have answered every question on that topic correctly. Try /next for a new one.")]
    return put_question(ctx, lid, question, ev.where)


def put_question(ctx: Kit, learner_id: int, question: Question, where: E.ClassRef | None) -> list[R.Reply]:
    """Open a personal quiz session for `question` and show it, saying first if it can only be practice."""
    class_id = ctx.store.class_room(where).id if where else None
    now = ctx.clock()
    verdict = verdict_for(ctx, learner_id, question, now, class_id)
    note = practice_note(ctx, learner_id, verdict, now) if verdict.why == "revealed" else ""
    shown = open_question(ctx, learner_id, question, class_id, presentation_for(question, ctx.seed()))
    return [R.Text(note, kind="notice"), *shown] if note else shown


def open_question(
    ctx: Kit, learner_id: int, question: Question, class_id: int | None, presentation: list[int]
) -> list[R.Reply]:
    row = ctx.store.open_solo_session(
        learner_id, question.id, question.concept_id, presentation, ctx.clock(), class_id
    )
    begin = machine.Begin(
        row.id or 0, question, tuple(presentation), ctx.course.concepts[question.concept_id].title
    )
    return list(machine.step(machine.QuizState(), begin, None, ctx.clock()).replies)


# A conversation turn that is a quiz question's feedback, not an answer of the tutor's, starts with this
QUIZ_SAID = "quiz: "


def answer_text(question: Question) -> str:
    """What a "why?" after the feedback asks about: the right choices of a choice question, else its prompt."""
    right = [o.text for o in question.options if o.correct] if question.type.endswith("choice") else []
    return " ".join(right) or question.prompt


def on_answer(ev: E.Answer, ctx: Kit) -> list[R.Reply]:
    too_long = ctx.too_long(ev.response, "answer")
    if too_long:
        return too_long
    lid = ctx.store.learner(ev.learner).id or 0
    row, problem = session_for(ctx, lid, ev.session_id, ev.where)
    if row is None:
        return [R.Text(problem or "", kind="error")]
    question = ctx.course.questions.get(row.question_id)
    if question is None:
        return [
            R.Text(
                "That question has been removed from the course. Start a new one with /quiz.", kind="error"
            )
        ]
    if row.kind == "round":
        return rounds.answer_round(ctx, row, question, lid, ev.response)
    if row.status != "open":
        if row.status == "answered":
            return [R.Text(ALREADY, kind="notice")]
        return [R.Text(CLOSED, kind="error")]
    done = grade_and_record(ctx, row, question, lid, ev.response, ctx.clock(), row.hints_used)
    if done.step.grade is None:
        return list(done.step.replies)
    if done.attempt is None:
        return [R.Text(ALREADY, kind="notice")]
    feedback = done.step.replies[0]
    assert isinstance(feedback, R.Feedback)
    progress = ctx.store.progress_of(lid).get(question.concept_id)
    mastery = progress.mastery if progress else 0.0
    why = practice_note(ctx, lid, done.verdict, ctx.clock())
    note = f"+{done.points} points. " if done.points else ""
    note += f"{why} " if why else ""
    title = ctx.course.concepts[question.concept_id].title
    # "why?", "i dont get it" after the feedback: about this question's concept and its right answer, as after an
    # answer of the tutor's
    ctx.store.add_turn(
        lid, place_of(ev), QUIZ_SAID + answer_text(question), [question.concept_id], ctx.clock()
    )
    out: list[R.Reply] = [replace(feedback, points=done.points, provisional=done.provisional)]
    if (
        done.provisional
    ):  # the grader was unsure: an instructor will look, and the learner is told the outcome
        out.append(R.Text(review.PROVISIONAL, kind="notice"))
    if machine.keeps_answer_back(question, done.step.grade):
        # a failed open-ended answer: the rubric stays hidden, and the same question is put again at once
        out.append(
            R.Text(
                f"{note}Mastery of *{title}*: {mastery:.0%}. Try again: send a better answer with /answer, "
                "ask for a /hint, or /skip to give up and see the key points and a strong answer."
            )
        )
        return out + open_question(ctx, lid, question, row.class_id, json.loads(row.presentation))
    out.append(
        R.Text(f"{note}Mastery of *{title}*: {mastery:.0%}. /quiz for another, /next for what to learn next.")
    )
    return out


def on_hint(ev: E.Hint, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    row, problem = session_for(ctx, learner.id or 0, ev.session_id)
    if row is None or row.status != "open":
        return [R.Text(problem or CLOSED, kind="error")]
    question = ctx.course.questions.get(row.question_id)
    result = machine.step(state_of(row), machine.AskHint(), question, ctx.clock())
    if result.state.hints_used > row.hints_used:
        ctx.store.use_hint(row.id or 0)
    return list(result.replies)


def on_skip(ev: E.Skip, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    row, problem = session_for(ctx, learner.id or 0, ev.session_id)
    if row is None or row.status != "open" or row.kind != "solo":
        return [R.Text(problem or CLOSED, kind="error")]
    question = ctx.course.questions.get(row.question_id)
    result = machine.step(state_of(row), machine.SkipQuestion(), question, ctx.clock())
    if not ctx.store.set_session_status(row.id or 0, "open", "skipped", ctx.clock()):
        return [R.Text("That question is already closed.", kind="notice")]
    return [
        *result.replies,
        R.Text(
            "Nothing was recorded for it. Now that you have seen the answer, this question is practice, with "
            "no points, until it is due for review. /quiz for another question."
        ),
    ]


def on_review(ev: E.Review, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    lid = learner.id or 0
    due = [
        p.concept_id for p in ctx.store.due_concepts(lid, ctx.clock()) if p.concept_id in ctx.course.concepts
    ]
    if not due:
        upcoming = ctx.store.next_due(lid)
        if upcoming is None:
            return [R.Text("Nothing to review yet: reviews come from concepts you have answered. Try /quiz.")]
        when = aware(upcoming).astimezone(zone(ctx.learner_zone(learner))).strftime("%a %d %b, %H:%M")
        return [R.Text(f"Nothing is due for review. The next review is due {when}.")]
    question = picking.pick_question(ctx, lid, due, review=True)
    if question is None:
        return [R.Text("Nothing is due for review right now.")]
    replies = put_question(ctx, lid, question, ev.where)
    title = ctx.course.concepts[question.concept_id].title
    return [R.Text(f"Review: *{title}* is due ({plural(len(due), 'concept')} due in all)."), *replies]


HANDLERS: dict[type[E.Event], Handler] = {
    E.StartQuiz: on_start_quiz,
    E.Answer: on_answer,
    E.Hint: on_hint,
    E.Skip: on_skip,
    E.Review: on_review,
}


def shown(ctx: Kit, session_id: int) -> tuple[QuizSession, R.Question] | None:
    """A stored question as its learners saw it (its options in their order, its deadline), for a platform
    that makes its message or answer form again (after a restart, on another worker); None when the session
    or its question is gone."""
    row = ctx.store.session(session_id)
    question = ctx.course.questions.get(row.question_id) if row else None
    if row is None or question is None:
        return None
    concept = ctx.course.concepts.get(question.concept_id)
    title = concept.title if concept else question.concept_id
    deadline = aware(row.deadline).isoformat() if row.deadline is not None else ""
    return row, machine.show_question(
        row.id or 0, question, json.loads(row.presentation), title, row.kind == "round", deadline=deadline
    )


def closed(ctx: Kit, row: QuizSession) -> str:
    """Why a stored question takes no more answers ("" while it does): answered, skipped, closed, past its
    deadline."""
    if takes_answers(row, ctx.clock()):
        return ""
    if row.kind == "round":
        return "This round is closed; its results are posted in the channel."
    return "That question is closed. Start a new one with /quiz."
