"""Quiz sessions as rows: finding the one an answer is for, its machine state, and recording a graded answer once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot import events as E
from bot.course.model import Question
from bot.features.kit import Kit
from bot.progress import points_for, spaced
from bot.quiz import machine
from bot.storage.models import Attempt, QuizSession
from bot.storage.repo import Provisional


def session_for(
    ctx: Kit, learner_id: int, session_id: int | None, where: E.ClassRef | None = None
) -> tuple[QuizSession | None, str | None]:
    """The session a click names, else the learner's open question, else (in a class) its latest open round."""
    if session_id is not None:
        row = ctx.store.session(session_id)
        if row is None:
            return None, "That question is no longer available. Start a new one with /quiz."
        if row.kind == "solo" and row.learner_id != learner_id:
            return None, "That question was put to someone else. Start your own with /quiz."
        return row, None
    row = ctx.store.open_session_of(learner_id)
    if row is None and where is not None:
        row = latest_open_round(ctx, where)
    if row is None:
        return None, "There is no open question to answer. Start one with /quiz [topic]."
    return row, None


def latest_open_round(ctx: Kit, where: E.ClassRef) -> QuizSession | None:
    room = ctx.store.find_class(where.platform, where.workspace, where.channel)
    rounds = ctx.store.open_rounds(room.id) if room else []
    return rounds[-1] if rounds else None


def state_of(row: QuizSession) -> machine.QuizState:
    return machine.QuizState(
        row.id,
        row.question_id,
        tuple(json.loads(row.presentation)),
        row.status,
        row.hints_used,
        row.kind == "round",
    )


@dataclass(frozen=True)
class Recorded:
    """A graded answer: the machine's step, and the attempt (None: this learner had already answered);
    `provisional`: the grader was unsure, and the attempt is queued for an instructor's review."""

    step: machine.Step
    points: int = 0
    attempt: Attempt | None = None
    provisional: bool = False


def grade_and_record(
    ctx: Kit,
    row: QuizSession,
    question: Question,
    learner_id: int,
    response: str,
    now: datetime,
    hints_used: int = 0,
) -> Recorded:
    """Grade `response` and record the attempt once (a double click or a retry records nothing twice)."""
    encode = ctx.retriever.embedder.encode if question.type == "open_ended" else None
    result = machine.step(state_of(row), machine.Respond(response), question, now, encode)
    if result.grade is None:
        return Recorded(result)
    g = result.grade
    first_try = not ctx.store.has_answered(learner_id, question.id)
    points = points_for(g.correct, first_try, hints_used)
    provisional = None
    if question.type == "open_ended" and g.doubts:
        provisional = Provisional(
            len(question.rubric),
            g.verdicts,
            g.doubts,
            tuple(i for i, v in enumerate(g.verdicts) if v == "covered"),
        )
    attempt = ctx.store.record_attempt(
        row,
        learner_id,
        correct=g.correct,
        score=g.score,
        response=response if question.type == "open_ended" else g.chosen,
        points=points,
        first_try=first_try,
        now=now,
        rating=spaced.rating_for(g.correct, g.score, question.type),
        zone=ctx.timezone,
        provisional=provisional,
    )
    return Recorded(result, points, attempt, provisional is not None and attempt is not None)
