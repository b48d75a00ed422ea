"""Quiz sessions as rows: finding the one an answer is for, its machine state, and recording a graded answer once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import events as E
from bot.course.model import Question
from bot.features.kit import Kit
from bot.progress import points_for, practice, spaced
from bot.quiz import machine
from bot.quiz.open_ended import COPY_SHARE, copied_share
from bot.storage.models import Attempt, QuizSession
from bot.storage.repo import Encounter, Provisional

# A follow-up continues the learner's conversation in the same place if its last answer is this recent.
CONVERSATION_GAP = timedelta(minutes=30)


def place_of(ev: E.Event) -> str:
    """Where a conversation happens: a channel of a workspace, a thread within it (Slack's answers to mentions
    are threads: each is a conversation of its own), or the learner's direct messages."""
    if ev.where is None:
        return f"{ev.learner.platform}:{ev.learner.workspace}:direct"
    place = f"{ev.where.platform}:{ev.where.workspace}:{ev.where.channel}"
    thread = getattr(ev, "thread", "")
    return f"{place}:{thread}" if thread else place


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


def seen_as(encounter: Encounter, question_type: str) -> practice.Seen:
    """A stored encounter with a question as bot.progress.practice reads it: every answer's feedback shows the
    answer but a failed open-ended one's."""
    if encounter.how == "answer":
        kept_back = question_type == "open_ended" and not encounter.correct
        return practice.Seen(encounter.at, practice.TRIED if kept_back else practice.ANSWERED)
    return practice.Seen(encounter.at, practice.SKIPPED if encounter.how == "skipped" else practice.ROUND)


def shown_text(question: Question) -> list[str]:
    """What giving up on an open-ended question shows: the rubric, the model answer, the explanation."""
    return [*question.rubric, question.model_answer, question.explanation]


def verdict_for(
    ctx: Kit,
    learner_id: int,
    question: Question,
    now: datetime,
    class_id: int | None = None,
    response: str = "",
) -> practice.Verdict:
    """Whether an answer (`response`, if given) to `question` now counts, earns points, or is practice."""
    seen = [seen_as(e, question.type) for e in ctx.store.question_history(learner_id, question.id, class_id)]
    progress = ctx.store.progress_of(learner_id).get(question.concept_id)
    verdict = practice.verdict(seen, spaced.scheduled_due(progress.card) if progress else None, now)
    if (
        response
        and verdict.why != "revealed"
        and question.type == "open_ended"
        and practice.ever_revealed(seen)
        and copied_share(response, shown_text(question)) >= COPY_SHARE
    ):
        return practice.copied(max((s for s in seen if s.revealed), key=lambda s: s.at))
    return verdict


@dataclass(frozen=True)
class Recorded:
    """A graded answer: the machine's step, and the attempt (None: this learner had already answered);
    `provisional`: the grader was unsure, and the attempt is queued for an instructor's review."""

    step: machine.Step
    points: int = 0
    attempt: Attempt | None = None
    verdict: practice.Verdict = practice.FIRST
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
    """Grade `response` and record the attempt once (a double click or a retry records nothing twice). An
    answer to a question the learner met within its review interval is practice (bot.progress.practice)."""
    encode = ctx.retriever.embedder.encode if question.type == "open_ended" else None
    result = machine.step(state_of(row), machine.Respond(response), question, now, encode)
    if result.grade is None:
        return Recorded(result)
    g = result.grade
    verdict = verdict_for(ctx, learner_id, question, now, row.class_id, response)
    first_try = not ctx.store.has_answered(learner_id, question.id)
    points = points_for(g.correct, first_try, hints_used) if verdict.earns else 0
    provisional = None
    if question.type == "open_ended" and g.doubts and verdict.counts:  # practice changes nothing to review
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
        counts=verdict.counts,
        provisional=provisional,
    )
    return Recorded(result, points, attempt, verdict, provisional is not None and attempt is not None)


def practice_note(ctx: Kit, learner_id: int, verdict: practice.Verdict, now: datetime) -> str:
    """Why an answer is practice, in the learner's words and time zone ("" for one that counts)."""
    if not verdict.practice or verdict.seen is None:
        return ""
    from bot.progress.report import zone

    seen = verdict.seen
    when = ""
    if verdict.until is not None:
        learner = ctx.store.learner_by_id(learner_id)
        tz = ctx.learner_zone(learner) if learner else ctx.timezone
        when = verdict.until.astimezone(zone(tz)).strftime("%a %d %b, %H:%M")
    if verdict.why == "revealed":
        return (
            f"You saw this answer {practice.ago(now - seen.at)} ago ({practice.SEEN_AS[seen.how]}): "
            f"practice only, no points, and mastery stays where it is until it is due again ({when})."
        )
    if verdict.why == "copied":
        return (
            "Much of this answer repeats the key points and the strong answer you were shown: practice "
            "only, no points, and mastery stays where it is. Put it in your own words."
        )
    return (
        f"You tried this question {practice.ago(now - seen.at)} ago: mastery counts that first attempt, so "
        f"this retry is practice until it is due again ({when}); a pass still earns points."
    )
