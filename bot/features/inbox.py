"""The instructors' inbox: the course questions the tutor could not answer, the same question asked again
merged into one item with a count, and `/inbox` (list; answer, add to the course, dismiss). When an
instructor answers, every learner who asked is told: the answer comes back as a `DirectMessage` per asker
(a DM on Slack and Discord, sent the way the review digest is), each an entry of the learner's outbox kept
until it is delivered (bot/features/outbox.py); the console shows a learner's at the start of their next
session.

Whether a question repeats an open item is `bot.retrieval.duplicates` (its threshold is measured there).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from bot import commands
from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit, aware
from bot.features.outbox import direct_message
from bot.retrieval.duplicates import same_question

LISTED = 20


def model_name(ctx: Kit) -> str:
    """The embedding model, without how it runs ("all-MiniLM-L6-v2@onnx": the same vectors as @torch)."""
    return str(getattr(ctx.retriever.embedder, "name", "")).split("@", 1)[0]


def forward(
    ctx: Kit,
    ev: E.Ask,
    learner_id: int,
    closest: list[str],
    vector: np.ndarray | None,
) -> int:
    """Pass a question on to the instructors: a repeat of an open item of the workspace counts there (and
    remembers the asker), anything else is a new item. Returns the item's id."""
    now = ctx.clock()
    model = model_name(ctx) if vector is not None else ""
    asks = ctx.store.inbox_asks(ev.learner.platform, ev.learner.workspace)
    match = same_question(ev.text, vector, model, [(a.inbox_id, a.text, a.embedding, a.model) for a in asks])
    embedding = None if vector is None else np.asarray(vector, dtype="float32").tobytes()
    if match is not None and ctx.store.merge_inbox(match[0], learner_id, ev.text, now, embedding, model):
        return match[0]
    class_id = ctx.store.class_room(ev.where).id if ev.where else None
    return ctx.store.add_inbox(learner_id, class_id, ev.text, closest, now, embedding, model)


# -- /inbox ---------------------------------------------------------------------------------------------
def _times(n: int) -> str:
    return "asked once" if n == 1 else f"asked {n} times"


def _names(names: Sequence[str], most: int = 2) -> str:
    shown = list(names[:most])
    return ", ".join(shown) + (f" +{len(names) - most}" if len(names) > most else "")


def _told(names: Sequence[str]) -> str:
    if not names:
        return "nobody asked it any more"
    if len(names) == 1:
        return f"{names[0]} is told"
    if len(names) <= 3:
        return f"{', '.join(names[:-1])} and {names[-1]} are told"
    return f"{', '.join(names[:2])} and {len(names) - 2} others are told"


def usage() -> str:
    forms = [f"/inbox {form}" for form in commands.command("inbox").forms]
    return f"Use /inbox, {', '.join(forms[:-1])} or {forms[-1]}."


def on_inbox(ev: E.Inbox, ctx: Kit) -> list[R.Reply]:
    if ev.action == "list":
        return _list(ev, ctx)
    if ev.action not in commands.command("inbox").subcommands:
        return [R.Text(usage(), kind="error")]
    item = ctx.store.inbox_item(ev.item_id)
    asker = ctx.store.learner_by_id(item.learner_id) if item else None
    if (
        item is None
        or asker is None
        or (asker.platform, asker.workspace) != (ev.learner.platform, ev.learner.workspace)
    ):
        return [R.Text(f"No inbox question #{ev.item_id}. /inbox lists them.", kind="error")]
    instructor = ctx.store.learner(ev.learner)
    if ev.action == "answer":
        return _answer(ev, ctx, item.id or 0, instructor.id or 0)
    if ev.action == "dismiss":
        return _dismiss(ctx, item.id or 0, instructor.id or 0)
    if not item.answer:
        return [R.Text(f"Answer #{item.id} first: /inbox answer {item.id} TEXT", kind="error")]
    concept_id = ev.text.strip() or (json.loads(item.closest) or [""])[0]
    concept = ctx.course.find_concept(concept_id) if concept_id else None
    if concept is None:
        return [R.Text(f"No concept '{concept_id}'. Name one: /inbox add {item.id} CONCEPT_ID", kind="error")]
    ctx.store.add_instructor_passage(
        ctx.course.id,
        concept.id,
        item.text,
        item.answer,
        instructor.id or 0,
        ctx.clock(),
        inbox_id=item.id,
    )
    ctx.sync_instructor_passages(force=True)
    return [
        R.Text(
            f"Added to the course under *{concept.title}*: the tutor now quotes it for questions like "
            f'"{item.text[:80]}".'
        )
    ]


def _list(ev: E.Inbox, ctx: Kit) -> list[R.Reply]:
    items = ctx.store.inbox(platform=ev.learner.platform, workspace=ev.learner.workspace)
    if not items:
        return [R.Text("The inbox is empty: every question was answered.")]
    rows = []
    for entry in items[:LISTED]:
        names = [name for _, name in ctx.store.inbox_askers(entry.id or 0)]
        rows.append(
            (
                str(entry.id),
                _times(entry.asked),
                _names(names or [ctx.store.learner_name(entry.learner_id)]),
                aware(entry.asked_at).strftime("%Y-%m-%d %H:%M"),
                entry.text[:80],
                ", ".join(json.loads(entry.closest)[:2]),
            )
        )
    more = f"; the {LISTED} most asked are shown" if len(items) > LISTED else ""
    return [
        R.Table(
            f"Questions the tutor could not answer ({len(items)} open{more})",
            ("id", "how often", "asked by", "first asked (UTC)", "question", "closest concepts"),
            tuple(rows),
            "Answer (everyone who asked is told): /inbox answer ID TEXT · add that answer to the course: "
            "/inbox add ID [CONCEPT] · take it off the list: /inbox dismiss ID",
        )
    ]


def _answer(ev: E.Inbox, ctx: Kit, item_id: int, instructor_id: int) -> list[R.Reply]:
    text = ev.text.strip()
    problem = ctx.check_text(text, "answer")
    if problem:
        return [R.Text(problem, kind="error")]
    done = ctx.store.answer_inbox(item_id, text, instructor_id, ctx.clock())
    if done is None:  # answered before (by another instructor, or a retry of this command)
        return [
            R.Text(
                f"Inbox #{item_id} is already answered, and its askers were told. "
                f"/inbox add {item_id} adds the answer to the course.",
                kind="error",
            )
        ]
    _, owed = done
    learners = {n.learner_id: ctx.store.learner_by_id(n.learner_id) for n in owed}
    messages = [
        direct_message(n, learner) for n in owed if (learner := learners.get(n.learner_id)) is not None
    ]
    names = [m.to.display_name or m.to.user for m in messages]
    return [
        R.Text(
            f"Inbox #{item_id} is answered; {_told(names)}. /inbox add {item_id} adds the answer to the course."
        ),
        *messages,
    ]


def _dismiss(ctx: Kit, item_id: int, instructor_id: int) -> list[R.Reply]:
    if ctx.store.dismiss_inbox(item_id, instructor_id, ctx.clock()):
        return [R.Text(f"Inbox #{item_id} is dismissed: it leaves the list, and nobody is told.")]
    item = ctx.store.inbox_item(item_id)
    if item is not None and item.status == "answered":
        return [R.Text(f"Inbox #{item_id} is answered already: there is nothing to dismiss.", kind="error")]
    return [R.Text(f"Inbox #{item_id} was dismissed already.", kind="error")]


HANDLERS: dict[type[E.Event], Handler] = {E.Inbox: on_inbox}
