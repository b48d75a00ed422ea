"""Class rounds: one question put to a whole channel, answers recorded quietly, results posted when it closes."""

from __future__ import annotations

import json
from datetime import timedelta

from bot import events as E
from bot import replies as R
from bot.course.model import Question
from bot.features import picking
from bot.features.kit import Handler, Kit, takes_answers
from bot.features.sessions import grade_and_record, latest_open_round, practice_note, state_of, verdict_for
from bot.progress import points_for, spaced
from bot.quiz import machine
from bot.quiz.grading import letters, presentation_for
from bot.safety import defuse_reply
from bot.storage import RoundAnswer
from bot.storage.models import Learner, QuizSession

ROUND_CLOSED = "This round is closed; its results are posted in the channel."
ALREADY_ANSWERED = "You have already answered this round; your first answer counts."


def on_start_round(ev: E.StartRound, ctx: Kit) -> list[R.Reply]:
    if ev.where is None:
        return [R.Text("A class round runs in a channel: use /quiz there.", kind="error")]
    too_long = ctx.too_long(ev.topic, "topic")
    if too_long:
        return too_long
    poster = ctx.store.learner(ev.learner)
    room = ctx.store.class_room(ev.where)
    if ctx.store.open_rounds(room.id) and not ctx.is_instructor(ev.learner):
        # one open round a channel (an instructor may open more): a replayed or repeated /quiz must not
        # fill the channel with rounds
        return [
            R.Text(
                "A round is already open in this channel: answer it, or wait until it closes "
                "(its poster or an instructor can /close it).",
                kind="notice",
            )
        ]
    question, problem = picking.question_for(ctx, poster.id or 0, ev.topic)
    if problem:
        return [R.Text(problem, kind="error")]
    if question is None:
        return [R.Text("No question left on that topic. Try another topic.")]
    now = ctx.clock()
    deadline = now + timedelta(seconds=ev.seconds or ctx.round_seconds)
    presentation = presentation_for(question, ctx.seed())
    row = ctx.store.open_round(
        room.id or 0, question.id, question.concept_id, presentation, now, deadline, poster.id or 0
    )
    title = ctx.course.concepts[question.concept_id].title
    begin = machine.Begin(
        row.id or 0, question, tuple(presentation), title, is_round=True, deadline=deadline.isoformat()
    )
    return list(machine.step(machine.QuizState(), begin, None, now).replies)


def answer_round(
    ctx: Kit, row: QuizSession, question: Question, learner_id: int, response: str
) -> list[R.Reply]:
    now = ctx.clock()
    if not takes_answers(row, now):
        return [R.Text(ROUND_CLOSED, kind="notice")]
    done = grade_and_record(ctx, row, question, learner_id, response, now)
    if done.step.grade is None:
        return list(done.step.replies)
    if done.attempt is None:
        return [R.Text(ALREADY_ANSWERED, kind="notice")]
    shown = done.step.grade.chosen if question.type != "open_ended" else "your answer"
    later = (
        " The grader was not sure about it, so an instructor will review it; you will be told the outcome."
        if done.provisional
        else ""
    )
    why = practice_note(ctx, learner_id, done.verdict, now)
    return [_got_it(shown, later + (f" {why}" if why else ""))]


def answer_round_together(
    ctx: Kit, row: QuizSession, question: Question, answers: list[E.Answer]
) -> list[list[R.Reply]]:
    """`answer_round` for many learners' answers to one round that arrived together (a class's burst): the
    same grading, points and replies, each answer's, with all the attempts recorded in one transaction."""
    now = ctx.clock()
    if not takes_answers(row, now):
        return [[R.Text(ROUND_CLOSED, kind="notice")] for _ in answers]
    ids = ctx.store.learner_ids([a.learner for a in answers])
    if question.type == "open_ended":  # written answers: the copy check and the review queue, one at a time
        return [
            answer_round(ctx, row, question, lid, a.response) for lid, a in zip(ids, answers, strict=True)
        ]
    state = state_of(row)
    steps = [machine.step(state, machine.Respond(a.response), question, now, None) for a in answers]
    before = ctx.store.answered_before([ids[i] for i, s in enumerate(steps) if s.grade], question.id)
    graded: list[RoundAnswer] = []
    notes: dict[int, str] = {}
    for i, step in enumerate(steps):
        if step.grade is None:
            continue
        g, first_try = step.grade, ids[i] not in before
        # a learner who saw this answer within its review interval (a skip, a closed round) practises: no points,
        # and mastery keeps their first attempt (bot.progress.practice), as for one answer at a time
        verdict = verdict_for(ctx, ids[i], question, now, row.class_id)
        why = practice_note(ctx, ids[i], verdict, now)
        if why:
            notes[ids[i]] = f" {why}"
        graded.append(
            RoundAnswer(
                learner_id=ids[i],
                correct=g.correct,
                score=g.score,
                response=g.chosen,
                points=points_for(g.correct, first_try) if verdict.earns else 0,
                first_try=first_try,
                rating=spaced.rating_for(g.correct, g.score, question.type),
                counts=verdict.counts,
            )
        )
    recorded = ctx.store.record_round_attempts(row, graded, now, ctx.timezone)
    out: list[list[R.Reply]] = []
    for i, step in enumerate(steps):
        if step.grade is None:
            out.append(list(step.replies))
        elif ids[i] in recorded:
            recorded.discard(ids[i])  # a second click of the same learner in the same burst: not twice
            out.append([_got_it(step.grade.chosen, notes.get(ids[i], ""))])
        else:
            out.append([R.Text(ALREADY_ANSWERED, kind="notice")])
    return out


def _got_it(shown: str, more: str = "") -> R.Text:
    return R.Text(
        f"Got it: {shown} is recorded. The answer and the explanation come when the round closes.{more}",
        kind="notice",
    )


def on_close_round(ev: E.CloseRound, ctx: Kit) -> list[R.Reply]:
    row = ctx.store.session(ev.session_id) if ev.session_id else None
    if row is None and not ev.session_id and ev.where is not None:  # the latest open round of this class
        row = latest_open_round(ctx, ev.where)
    if row is None or row.kind != "round" or not _held_in(ctx, row, ev.where):
        return [R.Text("There is no open round to close.", kind="error")]
    learner = ctx.store.learner(ev.learner)
    if row.created_by != learner.id and not ctx.is_instructor(ev.learner):
        return [
            R.Text("Only the person who started this round, or an instructor, can close it.", kind="error")
        ]
    result = close_round(ctx, row.id or 0)
    if result is None:
        return [R.Text("This round is already closed.", kind="notice")]
    return [result]


def _held_in(ctx: Kit, row: QuizSession, where: E.ClassRef | None) -> bool:
    """A click names a round by id; the channel it came from must be the round's own, so a forged click
    cannot close (and post the results of) another channel's round."""
    if where is None:
        return True  # the console and direct commands carry no channel to check
    room = ctx.store.find_class(where.platform, where.workspace, where.channel)
    return room is not None and room.id == row.class_id


def close_round(ctx: Kit, session_id: int) -> R.RoundResult | None:
    """Close an open round once (the first worker to close it wins) and build its results."""
    if not ctx.store.set_session_status(session_id, "open", "closed", ctx.clock()):
        return None
    row = ctx.store.session(session_id)
    assert row is not None
    return defuse_reply(round_result(ctx, row))  # learners' names are in it


def close_due_rounds(ctx: Kit, platform: str | None = None) -> list[tuple[QuizSession, R.RoundResult]]:
    """Close the rounds past their deadline (restarts included: deadlines are stored), of one platform if
    given, so that workers of another platform sharing the database post their own; adapters post these."""
    out = []
    for row in ctx.store.due_rounds(ctx.clock(), platform):
        result = close_round(ctx, row.id or 0)
        if result is not None:
            out.append((row, result))
    return out


def public_name(learner: Learner) -> str:
    """How a learner appears in anything posted to a channel."""
    if learner.privacy == "pseudonym" and learner.pseudonym:
        return learner.pseudonym
    return learner.display_name or learner.user_id


def round_result(ctx: Kit, row: QuizSession) -> R.RoundResult:
    question = ctx.course.questions.get(row.question_id)
    concept = ctx.course.concepts.get(row.concept_id)
    title = concept.title if concept else row.concept_id
    if question is None:
        return R.RoundResult(row.id or 0, title, "", "The question was removed from the course.")
    answers = ctx.store.round_answers(row.id or 0)
    presentation = json.loads(row.presentation)
    summary, lines = machine.explain(question, presentation, None)
    counts: dict[str, int] = {}
    for attempt, _ in answers:
        counts[attempt.response] = counts.get(attempt.response, 0) + 1
    tally: list[R.Tally] = []
    if question.type == "single_choice":
        for i, p in enumerate(presentation):
            key = letters(len(presentation))[i]
            option = question.options[p]
            tally.append(R.Tally(key, option.text, counts.get(key, 0), option.correct))
    elif question.type == "open_ended":
        passed = sum(1 for a, _ in answers if a.correct)
        tally = [
            R.Tally("passed", "covered most rubric points", passed, True),
            R.Tally("not yet", "missed key points", len(answers) - passed, False),
        ]
    else:
        right_attempts = {a.response for a, _ in answers if a.correct}
        for key, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            tally.append(R.Tally(key, key, count, key in right_attempts))
    ranked = sorted(answers, key=lambda al: (-al[0].points, -al[0].score, al[0].id or 0))
    # Posted in the channel: the same privacy as the leaderboards. Hidden learners are counted in the
    # number who answered but never named; a pseudonym stands in for the name.
    scores = tuple(
        (
            public_name(learner),
            "right" if a.correct else ("partly right" if a.score > 0 else "wrong"),
            a.points,
        )
        for a, learner in ranked
        if learner.privacy != "hidden"
    )
    return R.RoundResult(
        row.id or 0, title, question.prompt, summary, lines, tuple(tally), scores, len(answers)
    )


HANDLERS: dict[type[E.Event], Handler] = {E.StartRound: on_start_round, E.CloseRound: on_close_round}
