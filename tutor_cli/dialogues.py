"""`tutor eval --dialogues FILE`: short dialogues played through the console adapter, graded on the last reply.

Each line of FILE is `{"id", "kind", "turns": [...], "must": [[phrasing, ...], ...], "may_forward", "out_of_scope"}`.
A dialogue passes when the reply to its last turn contains one phrasing of every `must` group (case-insensitive),
when `may_forward` is false, when none of its turns reached the instructors' inbox, and, when `out_of_scope` is
true, when that reply is not a confident answer from the course (a quoted passage not said to be a guess). Every dialogue is a
fresh learner on one temporary SQLite database, with a pinned clock, so a run does not depend on the day.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.course.model import Course
from bot.retrieval import Retriever

KINDS = ("definition", "why", "how", "list", "comparison", "follow-up", "vague", "small-talk", "off-topic")


@dataclass(frozen=True)
class Dialogue:
    id: str
    kind: str
    turns: tuple[str, ...]
    must: tuple[tuple[str, ...], ...]
    may_forward: bool
    out_of_scope: bool
    line: int


@dataclass(frozen=True)
class Outcome:
    dialogue: Dialogue
    reply: str
    missing: tuple[tuple[str, ...], ...]  # the must groups the last reply does not satisfy
    forwarded: bool
    answered: bool = False  # the last reply quotes the course as an answer, not as a guess

    @property
    def passed(self) -> bool:
        return (
            not self.missing
            and (self.dialogue.may_forward or not self.forwarded)
            and not (self.dialogue.out_of_scope and self.answered)
        )


def load_dialogues(path: str | Path) -> list[Dialogue]:
    """Read the set; every problem names the file and line (ValueError)."""
    items, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
            turns, must = row["turns"], row["must"]
            if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
                raise ValueError("'turns' must be a non-empty list of texts")
            if not isinstance(must, list) or not all(
                isinstance(g, list) and g and all(isinstance(p, str) for p in g) for g in must
            ):
                raise ValueError("'must' must be a list of non-empty lists of phrasings")
            items.append(
                Dialogue(
                    str(row["id"]),
                    str(row["kind"]),
                    tuple(turns),
                    tuple(tuple(g) for g in must),
                    bool(row.get("may_forward", False)),
                    bool(row.get("out_of_scope", False)),
                    n,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path}:{n}: {exc}")
    if problems:
        raise ValueError("\n".join(problems))
    return items


def grade(dialogue: Dialogue, reply: str, forwarded: bool, answered: bool = False) -> Outcome:
    low = reply.lower()
    missing = tuple(g for g in dialogue.must if not any(p.lower() in low for p in g))
    return Outcome(dialogue, reply, missing, forwarded, answered)


def run(course: Course, retriever: Retriever, dialogues: list[Dialogue]) -> list[Outcome]:
    """Play every dialogue through the console adapter, each as a new learner, on a temporary database."""
    from adapters.console.app import ConsoleApp
    from bot.replies import Passage
    from bot.storage import Store, make_engine
    from bot.tutor import Tutor

    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'dialogues.sqlite'}")
        try:
            tutor = Tutor(course, Store(engine), retriever, clock=lambda: moment)
            for d in dialogues:
                app = ConsoleApp(tutor, user=f"eval-{d.line}", class_name="eval")
                before = tutor.store.forwarded_count()
                replies: list = []
                for turn in d.turns:
                    replies = app.say(turn)
                forwarded = tutor.store.forwarded_count() > before
                said = "\n".join(r.plain() for r in replies)
                quotes = any(isinstance(r, Passage) for r in replies)
                outcomes.append(grade(d, said, forwarded, quotes and "not sure" not in said.lower()))
        finally:
            engine.dispose()
    return outcomes


def report(outcomes: list[Outcome], show_misses: bool = False) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.dialogue.kind].append(o)
    order = [k for k in KINDS if k in by_kind] + sorted(k for k in by_kind if k not in KINDS)
    lines = ["| kind | passed | of | rate |", "|---|---:|---:|---:|"]
    for kind in order:
        group = by_kind[kind]
        ok = sum(o.passed for o in group)
        lines.append(f"| {kind} | {ok} | {len(group)} | {ok / len(group):.0%} |")
    ok = sum(o.passed for o in outcomes)
    lines.append(f"| **overall** | {ok} | {len(outcomes)} | {ok / max(len(outcomes), 1):.0%} |")
    if show_misses:
        lines.append("")
        for o in outcomes:
            if o.passed:
                continue
            why = []
            if o.missing:
                why.append("missing " + "; ".join("/".join(g[:3]) for g in o.missing))
            if o.forwarded and not o.dialogue.may_forward:
                why.append("forwarded")
            if o.dialogue.out_of_scope and o.answered:
                why.append("answered out of scope")
            reply = " ".join(o.reply.split())
            lines.append(f"{o.dialogue.id} {list(o.dialogue.turns)}: {', '.join(why)}")
            lines.append(f"    -> {reply[:300]}")
    return "\n".join(lines)
