"""What to ask next: a topic's concepts, the question to put, and the concepts a learner is ready for."""

from __future__ import annotations

import random

from bot.course.model import Question
from bot.features.kit import Kit
from bot.features.sessions import seen_as
from bot.progress import MASTERED, practice, spaced
from bot.storage.repo import Encounter


def resolve_topic(ctx: Kit, topic: str) -> tuple[list[str], str | None]:
    """Concept ids for a topic (title, id, alias or free text), or an error message."""
    concept = ctx.course.find_concept(topic)
    if concept:
        return [concept.id], None
    hits = ctx.retriever.search(topic, k=3)
    if hits and hits[0].dense >= ctx.confidence * 0.8:
        return [hits[0].concept_id], None
    suggestions = ", ".join(f'"{h.title}"' for h in hits[:3])
    return [], f"I couldn't find a topic matching '{topic[:80]}'. Close ones: {suggestions}."


def pick_question(ctx: Kit, learner_id: int, concept_ids: list[str], review: bool = False) -> Question | None:
    """A question the learner has not tried, else one not yet answered right, leaving aside those they met
    within their review interval (an answer to them is practice); for a review, else the question seen
    longest ago. Only when nothing else is left, a question met within its interval."""
    history = ctx.store.question_history(learner_id)
    answers = [e for e in history if e.how == "answer"]
    right = {e.question_id for e in answers if e.correct}
    tried = {e.question_id for e in answers}
    last_seen = {e.question_id: i for i, e in enumerate(history)}
    met: dict[str, list[Encounter]] = {}
    for e in history:
        met.setdefault(e.question_id, []).append(e)
    progress = ctx.store.progress_of(learner_id)
    now = ctx.clock()

    def fresh(q: Question) -> bool:
        p = progress.get(q.concept_id)
        seen = [seen_as(e, q.type) for e in met.get(q.id, [])]
        return practice.verdict(seen, spaced.scheduled_due(p.card) if p else None, now).practice

    rng = ctx.rng or random.Random(f"{learner_id}:{len(answers)}:{now.date()}")
    for cid in concept_ids:
        pool = ctx.course.questions_of(cid)
        if not pool:
            continue
        stale = [q for q in pool if not fresh(q)]
        for candidates in (
            [q for q in stale if q.id not in tried],
            [q for q in stale if q.id not in right],
        ):
            if candidates:
                return rng.choice(candidates)
        if review and stale:
            return min(stale, key=lambda q: last_seen.get(q.id, -1))
        left = [q for q in pool if q.id not in right]
        if left:
            return rng.choice(left)
        if review:
            return min(pool, key=lambda q: last_seen.get(q.id, -1))
    return None


def next_concepts(ctx: Kit, learner_id: int, limit: int = 3) -> list[str]:
    """Unmastered concepts whose prerequisites are mastered, weakest first (then in course order)."""
    progress = ctx.store.progress_of(learner_id)
    now = ctx.clock()
    mastery = {cid: spaced.mastery(p.mastery, p.card, now) for cid, p in progress.items()}
    ready = [
        cid
        for cid in ctx.course.topological_order()
        if mastery.get(cid, 0.0) < MASTERED
        and all(mastery.get(p, 0.0) >= MASTERED for p in ctx.course.prerequisites_of(cid))
    ]
    if not progress and ctx.course.start in ready:
        ready.remove(ctx.course.start)
        ready.insert(0, ctx.course.start)
    ready.sort(key=lambda c: mastery.get(c, 0.0) if progress else 0.0)  # stable: course order breaks ties
    return ready[:limit]


def question_for(ctx: Kit, learner_id: int, topic: str) -> tuple[Question | None, str | None]:
    """The question for /quiz or /round TOPIC: one named by its id, one on the topic, or (no topic) one on
    what the learner should learn next, then the rest of the course in order. (question, problem)."""
    question = ctx.course.questions.get(topic.strip())
    if question is not None:
        return question, None
    if topic.strip():
        concept_ids, problem = resolve_topic(ctx, topic)
        if problem:
            return None, problem
    else:
        concept_ids = next_concepts(ctx, learner_id, limit=len(ctx.course.concepts))
        concept_ids += [c for c in ctx.course.topological_order() if c not in concept_ids]
    return pick_question(ctx, learner_id, concept_ids), None
