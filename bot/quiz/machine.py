"""The quiz as a pure state machine: (state, event, now) -> (state, replies, graded attempt or None).

No I/O here: the tutor loads the state from its quiz session row, steps it, and stores the result with a
status check, so a double click or a redelivered event cannot record an answer twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot import replies as R
from bot.course.model import Question
from bot.quiz import multiple_response
from bot.quiz.grading import Encode, Grade, InvalidAnswer, grade, how_to_answer, letters


@dataclass(frozen=True)
class QuizState:
    session_id: int | None = None
    question_id: str | None = None
    presentation: tuple[int, ...] = ()
    status: str = "idle"  # idle | open | answered | skipped | closed
    hints_used: int = 0
    is_round: bool = False


@dataclass(frozen=True)
class Begin:
    session_id: int
    question: Question
    presentation: tuple[int, ...]
    concept_title: str
    is_round: bool = False
    deadline: str = ""


@dataclass(frozen=True)
class Respond:
    response: str


@dataclass(frozen=True)
class AskHint:
    pass


@dataclass(frozen=True)
class SkipQuestion:
    pass


QuizEvent = Begin | Respond | AskHint | SkipQuestion


@dataclass(frozen=True)
class Step:
    state: QuizState
    replies: tuple[R.Reply, ...]
    grade: Grade | None = None


def show_question(
    session_id: int,
    question: Question,
    presentation: Sequence[int],
    concept_title: str,
    is_round: bool = False,
    deadline: str = "",
) -> R.Question:
    """The question as a learner sees it, options in the order of `presentation`."""
    n = len(question.options)
    choices: tuple[R.Choice, ...] = ()
    targets: tuple[R.Choice, ...] = ()
    if question.type in ("single_choice", "multiple_response"):
        choices = tuple(R.Choice(letters(n)[i], question.options[p].text) for i, p in enumerate(presentation))
    elif question.type == "ordering":
        choices = tuple(R.Choice(str(i + 1), question.options[p].text) for i, p in enumerate(presentation))
    elif question.type == "matching":
        choices = tuple(R.Choice(str(i + 1), o.text) for i, o in enumerate(question.options))
        targets = tuple(
            R.Choice(letters(n)[i].lower(), question.options[p].right) for i, p in enumerate(presentation)
        )
    return R.Question(
        session_id=session_id,
        question_id=question.id,
        concept_id=question.concept_id,
        concept_title=concept_title,
        type=question.type,
        prompt=question.prompt,
        choices=choices,
        targets=targets,
        how_to_answer=how_to_answer(question),
        is_round=is_round,
        deadline=deadline,
    )


def explain(question: Question, presentation: Sequence[int], g: Grade | None) -> tuple[str, tuple[str, ...]]:
    """A one-line verdict and the explanation of every option, step or pair (then the general feedback).

    A failed open-ended answer gets its verdict only: the rubric and the model answer would be an answer to
    paste back, so they wait until the learner gives up (/skip) or passes."""
    summary, lines = _explain(question, presentation, g)
    if keeps_answer_back(question, g):
        return summary, ()
    if question.explanation:
        lines += (question.explanation,)
    return summary, lines


def keeps_answer_back(question: Question, g: Grade | None) -> bool:
    """Whether the feedback on this grade keeps the answer back (a failed open-ended answer: try again)."""
    return question.type == "open_ended" and g is not None and not g.correct


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def marks(question: Question, presentation: Sequence[int], g: Grade | None) -> tuple[R.Mark, ...]:
    """Each pair (matching) or step (ordering) of a graded answer, marked right or wrong, and what is wrong."""
    if g is None or not g.chosen or not presentation:
        return ()
    n = len(question.options)
    if question.type == "ordering":
        out = []
        for pos, shown in enumerate(int(x) for x in g.chosen.split()):
            belongs = presentation[shown - 1]  # the step's place in the right order (0-based)
            ok = belongs == pos
            note = "" if ok else f"out of place: it comes {ordinal(belongs + 1)}"
            out.append(R.Mark(f"{ordinal(pos + 1)}: step {shown}", ok, note))
        return tuple(out)
    if question.type == "matching":
        letter_of = {p: letters(n)[i].lower() for i, p in enumerate(presentation)}
        out = []
        for pair in g.chosen.split():
            item, letter = int(pair[:-1]), pair[-1]
            right = letter_of[item - 1]
            ok = letter == right
            out.append(R.Mark(pair, ok, "" if ok else f"{item} goes with {right}"))
        return tuple(out)
    return ()


def _explain(question: Question, presentation: Sequence[int], g: Grade | None) -> tuple[str, tuple[str, ...]]:
    n = len(question.options)
    if question.type == "multiple_response":
        return multiple_response.explain(question, presentation, g)
    if question.type == "single_choice":
        shown = {p: i for i, p in enumerate(presentation)}
        right = letters(n)[shown[question.correct_index]]
        lines = tuple(
            f"{'✓' if o.correct else '✗'} {letters(n)[shown[k]]}) {o.text} — {o.explanation}"
            for k, o in sorted(enumerate(question.options), key=lambda kv: shown[kv[0]])
        )
        if g is None:
            return f"The answer is {right}.", lines
        if g.correct:
            return f"Correct! The answer is {right}.", lines
        return f"Not quite: you chose {g.chosen}; the answer is {right}.", lines
    if question.type == "ordering":
        at = {p: i + 1 for i, p in enumerate(presentation)}
        right = " ".join(str(at[k]) for k in range(n))
        lines = tuple(
            f"{k + 1}. {o.text} (shown as {at[k]}) — {o.explanation}" for k, o in enumerate(question.options)
        )
        if g is None:
            return f"The right order is {right}.", lines
        if g.correct:
            return f"Correct! The right order is {right}.", lines
        return f"Not quite: {round(g.score * n)} of {n} steps in place. The right order is {right}.", lines
    if question.type == "matching":
        letter_of = {p: letters(n)[i].lower() for i, p in enumerate(presentation)}
        right = " ".join(f"{k + 1}{letter_of[k]}" for k in range(n))
        lines = tuple(
            f"{k + 1}{letter_of[k]}: {o.text} ↔ {o.right} — {o.explanation}"
            for k, o in enumerate(question.options)
        )
        if g is None:
            return f"The matches are {right}.", lines
        if g.correct:
            return f"Correct! The matches are {right}.", lines
        return f"Not quite: {round(g.score * n)} of {n} matched. The matches are {right}.", lines
    if question.type == "short_answer":
        accepted = " or ".join(f"'{o.text}'" for o in question.options)
        lines = (
            (question.options[0].explanation,) if question.options and question.options[0].explanation else ()
        )
        if g is None:
            return f"The answer is {accepted}.", lines
        if g.correct:
            return f"Correct! The answer is {accepted}.", lines
        return f"Not quite: the answer is {accepted}.", lines
    lines = (f"A strong answer: {question.model_answer}",) if question.model_answer else ()
    if g is None:
        points = tuple(f"- {p}" for p in question.rubric)
        return "Here is what a strong answer covers.", (
            ("The key points:", *points) if points else ()
        ) + lines
    covered = len(g.covered)
    verdict = f"You covered {covered} of {len(question.rubric)} rubric points."
    if g.correct:
        against = "".join(f" Your answer asserts the opposite of: {p}" for p in g.contradicted)
        return f"Well argued! {verdict}{against}", lines
    # failed: name none of the rubric's points (they would be pasted back); quote the learner's own words
    quoted = "; ".join(f'"{p.rstrip(".;: ")}"' for p in g.contradicting)
    against = f" This asserts the opposite of a key point: {quoted}." if quoted else ""
    return f"A start, but it misses key points. {verdict}{against}", ()


def step(
    state: QuizState, event: QuizEvent, question: Question | None, now: datetime, encode: Encode | None = None
) -> Step:
    """Apply one event. `question` is the open question (None when idle)."""
    del now  # the clock matters for rounds' deadlines; solo questions do not expire
    if isinstance(event, Begin):
        new = QuizState(event.session_id, event.question.id, event.presentation, "open", 0, event.is_round)
        shown = show_question(
            event.session_id,
            event.question,
            event.presentation,
            event.concept_title,
            event.is_round,
            event.deadline,
        )
        return Step(new, (shown,))
    if state.status != "open" or question is None:
        if isinstance(event, Respond):
            msg = (
                "That question was already answered."
                if state.status == "answered"
                else "There is no open question. Start one with /quiz [topic]."
            )
            return Step(state, (R.Text(msg, kind="error"),))
        return Step(
            state, (R.Text("There is no open question. Start one with /quiz [topic].", kind="error"),)
        )
    if isinstance(event, AskHint):
        if not question.hint:
            return Step(
                state, (R.Text("No hint for this one: trust your reading of the concept.", kind="notice"),)
            )
        return Step(
            replace(state, hints_used=state.hints_used + 1),
            (R.Text(f"Hint: {question.hint}", kind="notice"),),
        )
    if isinstance(event, SkipQuestion):
        summary, lines = explain(question, state.presentation, None)
        return Step(
            replace(state, status="skipped"),
            (
                R.Feedback(
                    False, 0.0, f"Skipped. {summary}", lines, concept_id=question.concept_id, skipped=True
                ),
            ),
        )
    try:
        g = grade(question, state.presentation, event.response, encode)
    except InvalidAnswer as exc:
        return Step(state, (R.Text(str(exc), kind="error"),))
    summary, lines = explain(question, state.presentation, g)
    open_book = not keeps_answer_back(question, g)
    feedback = R.Feedback(
        g.correct,
        g.score,
        summary,
        lines,
        g.covered if open_book else (),
        g.missed if open_book else (),
        concept_id=question.concept_id,
        marks=marks(question, state.presentation, g),
    )
    return Step(replace(state, status="answered"), (feedback,), g)
