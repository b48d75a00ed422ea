"""Instructor review of open-ended answers, as Moodle does for essays: /review-answers.

An answer the grader is unsure of (`bot.quiz.open_ended.doubts`) is recorded as graded, flagged provisional
and queued (`Store.record_attempt(provisional=...)`); the learner is told that an instructor will review it.
Instructors list the queue, keep a grade (accept) or re-score it by the rubric points the answer covers
(score): the attempt's score, points, standings and mastery follow, every decision is audited, and the learner
is sent a notice through their outbox (bot/features/outbox.py: a direct message on Slack and Discord, the
start of the next console session).

Scale: a grade is the share of rubric points covered, 0 to 1, passing at PASS_SCORE, as the grader's own
(which also subtracts contradicted points; an instructor's covered points are the points asserted correctly).
"""

from __future__ import annotations

import json
import re

from bot import events as E
from bot import replies as R
from bot.course.model import Question
from bot.features.kit import Handler, Kit, aware, plural
from bot.progress import PASS_SCORE, points_for, spaced
from bot.storage.repo import ReviewItem

SHOWN = 10  # queued answers listed at once: each is a few paragraphs
COMMENT_MAX = 1000
PROVISIONAL = (
    "This grade is provisional: the grader was not sure about your answer, so an instructor will review it. "
    "You will be told the outcome."
)
USAGE = (
    "/review-answers lists the answers to review; /review-answers accept ID [COMMENT] keeps a grade; "
    "/review-answers score ID COVERED [COMMENT] re-scores one, COVERED being the rubric points the answer "
    "covers as numbered in the list (e.g. 1,3 or none)."
)
MARKS = {"covered": "✓ covered", "contradicted": "✗ contradicted", "absent": "· absent"}


def verdict_of(score: float) -> str:
    return f"{score:.0%} ({'passed' if score >= PASS_SCORE - 1e-9 else 'not passed'})"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def on_review_answers(ev: E.ReviewAnswers, ctx: Kit) -> list[R.Reply]:
    """The instructors' gate (bot.features.instructor_gate) lets instructors only in."""
    if ev.action == "list":
        return list_queue(ev, ctx)
    if ev.action not in ("accept", "score"):
        return [R.Text(USAGE, kind="error")]
    item = ctx.store.review_item(ev.item_id) if ev.item_id else None
    if item is None or (item.learner.platform, item.learner.workspace) != (
        ev.learner.platform,
        ev.learner.workspace,
    ):
        return [R.Text(f"No answer #{ev.item_id} to review. /review-answers lists them.", kind="error")]
    comment = ev.text.strip()
    if len(comment) > COMMENT_MAX:
        return [
            R.Text(
                f"The comment is {len(comment):,} characters long; the limit is {COMMENT_MAX:,}. Nothing was "
                "changed: shorten it and send it again.",
                kind="error",
            )
        ]
    question = ctx.course.questions.get(item.review.question_id)
    if ev.action == "accept":
        return accept(ctx, ev, item, question, comment)
    return rescore(ctx, ev, item, question, comment)


def accept(
    ctx: Kit, ev: E.ReviewAnswers, item: ReviewItem, question: Question | None, comment: str
) -> list[R.Reply]:
    review = item.review
    if review.status != "pending":
        return [
            R.Text(
                f"Answer #{review.id} was already reviewed: its grade is {verdict_of(review.score)}. "
                f"Re-score it with /review-answers score {review.id} COVERED [COMMENT].",
                kind="notice",
            )
        ]
    notice = (
        f"An instructor reviewed your answer to {_about(ctx, item, question)} and kept its grade: "
        f"{verdict_of(review.score)}." + _comment(comment)
    )
    return _decide(
        ctx,
        ev,
        item,
        "accept",
        review.score,
        item.attempt.correct,
        item.attempt.points,
        json.loads(review.covered),
        comment,
        notice,
        f"Answer #{review.id} ({item.learner.display_name or item.learner.user_id}): grade kept at "
        f"{verdict_of(review.score)}.",
    )


def rescore(
    ctx: Kit, ev: E.ReviewAnswers, item: ReviewItem, question: Question | None, comment: str
) -> list[R.Reply]:
    review = item.review
    if question is None or len(question.rubric) != review.rubric_size:
        return [
            R.Text(
                f"The question of answer #{review.id} has changed in the course since it was graded, so it "
                "cannot be re-scored against its rubric. Accept its grade instead, or leave it.",
                kind="error",
            )
        ]
    covered, problem = parse_covered(ev.covered, review.rubric_size)
    if problem:
        return [R.Text(problem, kind="error")]
    score = round(len(covered) / review.rubric_size, 3)
    correct = score >= PASS_SCORE - 1e-9
    hints = item.session.hints_used if item.session is not None and item.session.kind == "solo" else 0
    points = points_for(correct, item.attempt.first_try, hints)
    old = item.attempt
    if correct != old.correct:
        outcome = "it now passes" if correct else "it no longer passes"
    else:
        outcome = "it still passes" if correct else "it still does not pass"
    notice = (
        f"An instructor reviewed your answer to {_about(ctx, item, question)} and changed its grade from "
        f"{old.score:.0%} to {score:.0%}: {outcome}."
        + (f" Points for it: {old.points} → {points}." if points != old.points else "")
        + _comment(comment)
        + " /progress shows your mastery now."
    )
    name = item.learner.display_name or item.learner.user_id
    return _decide(
        ctx,
        ev,
        item,
        "override",
        score,
        correct,
        points,
        covered,
        comment,
        notice,
        f"Answer #{review.id} ({name}) re-scored: {verdict_of(old.score)} → {verdict_of(score)}, points "
        f"{old.points} → {points}.",
    )


def _decide(
    ctx: Kit,
    ev: E.ReviewAnswers,
    item: ReviewItem,
    action: str,
    score: float,
    correct: bool,
    points: int,
    covered: list[int],
    comment: str,
    notice: str,
    done: str,
) -> list[R.Reply]:
    reviewer = ctx.store.learner(ev.learner)
    decision = ctx.store.decide_review(
        item,
        action=action,
        reviewer_id=reviewer.id or 0,
        score=score,
        correct=correct,
        points=points,
        covered=covered,
        comment=comment,
        notice=notice,
        now=ctx.clock(),
        rate=lambda qid, ok, sc: _rating(ctx, qid, ok, sc),
        zone=ctx.timezone,
    )
    if decision is None:
        return [
            R.Text(
                f"Answer #{item.review.id} was reviewed by someone else a moment ago; nothing was changed. "
                "/review-answers shows where it stands.",
                kind="notice",
            )
        ]
    name = item.learner.display_name or item.learner.user_id
    return [R.Text(f"{done} {name} will be told.")]


def _rating(ctx: Kit, question_id: str, correct: bool, score: float) -> int:
    question = ctx.course.questions.get(question_id)
    return spaced.rating_for(correct, score, question.type if question else "")


def _about(ctx: Kit, item: ReviewItem, question: Question | None) -> str:
    concept = ctx.course.concepts.get(item.attempt.concept_id)
    title = concept.title if concept else item.attempt.concept_id
    when = aware(item.attempt.answered_at).strftime("%d %b")
    prompt = f' ("{_clip(question.prompt, 80)}")' if question else ""
    return f"*{title}*{prompt}, sent {when},"


def _comment(comment: str) -> str:
    return f' Their comment: "{comment}"' if comment else ""


def parse_covered(text: str, n: int) -> tuple[list[int], str]:
    """COVERED ("1,3,4", "none") -> 0-based rubric points, or a message saying how to write it."""
    text = text.strip().lower()
    how = (
        f"Say which rubric points the answer covers, numbered 1 to {n} as in the list: e.g. "
        f"/review-answers score ID 1,3 [COMMENT], or none."
    )
    if text in ("none", "-"):
        return [], ""
    if not text or not re.fullmatch(r"\d{1,3}(,\d{1,3})*,?", text):
        return [], f"'{_clip(text, 40)}' is not a list of rubric points. {how}" if text else how
    numbers = [int(x) for x in text.rstrip(",").split(",")]
    bad = sorted({x for x in numbers if not 1 <= x <= n})
    if bad:
        return [], f"This question has rubric points 1 to {n}; {', '.join(map(str, bad))} is not one. {how}"
    return sorted({x - 1 for x in numbers}), ""


def list_queue(ev: E.ReviewAnswers, ctx: Kit) -> list[R.Reply]:
    items, total = ctx.store.review_queue(ev.learner.platform, ev.learner.workspace, limit=SHOWN)
    if not items:
        return [
            R.Text("No answers await review: the grader was sure of every open-ended answer, or you decided.")
        ]
    shown = f", the oldest {len(items)} below" if total > len(items) else ""
    out: list[R.Reply] = [
        R.Text(
            f"{plural(total, 'open-ended answer')} await review{shown}. The grader was unsure of them; each counts "
            "as graded until you decide."
        )
    ]
    out += [R.Text(_entry(ctx, item)) for item in items]
    out.append(R.Text(USAGE))
    return out


def _entry(ctx: Kit, item: ReviewItem) -> str:
    review, attempt = item.review, item.attempt
    question = ctx.course.questions.get(review.question_id)
    concept = ctx.course.concepts.get(attempt.concept_id)
    when = aware(attempt.answered_at).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"#{review.id} · {item.learner.display_name or item.learner.user_id} · {when} · grader: "
        f"{verdict_of(review.graded_score)}",
        "Why unsure: " + "; ".join(json.loads(review.doubts)),
        f"Question ({concept.title if concept else attempt.concept_id}): "
        + (_clip(question.prompt, 300) if question else f"{review.question_id} (no longer in the course)"),
        f"Answer: {_clip(attempt.response, 700)}",
    ]
    verdicts = json.loads(review.verdicts)
    if question is not None and len(question.rubric) == len(verdicts):
        lines.append("Rubric, as the grader judged it:")
        lines += [
            f"  {i}. {MARKS.get(v, v)}: {_clip(point, 140)}"
            for i, (v, point) in enumerate(zip(verdicts, question.rubric, strict=True), 1)
        ]
    return "\n".join(lines)


HANDLERS: dict[type[E.Event], Handler] = {E.ReviewAnswers: on_review_answers}
