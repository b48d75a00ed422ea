"""Asking: an answer quoted from the course, or an honest "not covered" that goes to the instructors' inbox."""

from __future__ import annotations

from dataclasses import dataclass

from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit
from bot.retrieval import Hit


@dataclass(frozen=True)
class Source:
    concept_id: str
    title: str
    score: float
    excerpt: str


@dataclass(frozen=True)
class AnswerResult:
    """What `tutor ask --json` prints: {"question", "answer", "confident", "sources"}."""

    question: str
    answer: str
    confident: bool
    sources: tuple[Source, ...]
    concept_id: str = ""
    next_concepts: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "confident": self.confident,
            "sources": [
                {
                    "concept_id": s.concept_id,
                    "title": s.title,
                    "score": round(s.score, 4),
                    "excerpt": s.excerpt,
                }
                for s in self.sources
            ],
        }


def answer(ctx: Kit, question: str, k: int = 3) -> AnswerResult:
    """Answer a question from the course, or say plainly that the course does not seem to cover it."""
    ctx.sync_instructor_passages()
    hits = ctx.retriever.search(question, k=max(k, 1))
    sources = tuple(
        Source(h.concept_id, h.title, h.score, h.excerpt or _excerpt(ctx, h, question)) for h in hits
    )
    if not hits:
        return AnswerResult(question, "The course has no material yet.", False, ())
    top = hits[0]
    confident = top.dense >= ctx.confidence
    concept = ctx.course.concepts[top.concept_id]
    nexts = tuple(ctx.course.next_after(concept.id)[:2])
    if confident:
        text = f"{concept.title}: {sources[0].excerpt}"
        if nexts:
            names = " and ".join(f'"{ctx.course.concepts[n].title}"' for n in nexts)
            text += f"\nLearn next: {names}."
    else:
        names = ", ".join(f'"{h.title}"' for h in hits[:3])
        text = (
            f"I'm not sure the course covers that, so I won't guess. The closest concepts are {names}. "
            "I've passed your question on to the instructors."
        )
    return AnswerResult(question, text, confident, sources, concept.id, nexts)


def _excerpt(ctx: Kit, hit: Hit, question: str) -> str:
    return ctx.retriever.excerpt(hit.concept_id, ctx.retriever.encode_query(question))


def round_guard(ctx: Kit, ev: E.Ask, result: AnswerResult) -> list[R.Reply] | None:
    """While a class round is open, a question on its concept gets a hint, not the answer."""
    if not result.confident:
        return None
    for row in ctx.store.open_rounds_in(ev.learner.platform, ev.learner.workspace):
        if row.concept_id != result.concept_id:
            continue
        question = ctx.course.questions.get(row.question_id)
        hint = question.hint if question and question.hint else "Think about what the concept is for."
        title = ctx.course.concepts[row.concept_id].title
        return [
            R.Text(
                f"A class round on *{title}* is open, so no answers from me until it closes. "
                f"A hint instead: {hint}",
                kind="notice",
            )
        ]
    return None


def on_ask(ev: E.Ask, ctx: Kit) -> list[R.Reply]:
    problem = ctx.check_text(ev.text, "question")
    if problem:
        return [R.Text(problem, kind="error")]
    result = answer(ctx, ev.text)
    if not result.sources:
        return [R.Text(result.answer, kind="error")]
    guarded = round_guard(ctx, ev, result)
    if guarded:
        return guarded
    if not result.confident:
        learner = ctx.store.learner(ev.learner)
        class_id = ctx.store.class_room(ev.where).id if ev.where else None
        ctx.store.add_inbox(
            learner.id or 0, class_id, ev.text, [s.concept_id for s in result.sources], ctx.clock()
        )
        return [R.Text(result.answer, kind="notice")]
    top = result.sources[0]
    concept = ctx.course.concepts[top.concept_id]
    out: list[R.Reply] = [
        R.Text(f"This is about *{concept.title}*."),
        R.Passage(concept.title, top.excerpt, concept.id, top.score),
    ]
    if result.next_concepts:
        names = ", ".join(f"*{ctx.course.concepts[n].title}*" for n in result.next_concepts)
        out.append(R.Text(f"Learn next: {names}. Test yourself with /quiz {concept.id}"))
    else:
        out.append(R.Text(f"Test yourself with /quiz {concept.id}"))
    return out


HANDLERS: dict[type[E.Event], Handler] = {E.Ask: on_ask}
