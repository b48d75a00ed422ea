"""The console tutor: one learner in a terminal, or a script piping lines in. Answers each line in order."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import fields, is_dataclass
from typing import Any, TextIO

from adapters.console.parse import parse_line
from adapters.console.render import render
from bot import events as E
from bot import replies as R
from bot import worker
from bot.compose import intent
from bot.tutor import Tutor

PLATFORM = "console"
WORKSPACE = "local"


class ConsoleApp:
    """The terminal as a platform. It implements the Platform port (the terminal is both the class's channel
    and this learner's direct messages) and runs the shared worker's ticks itself, once before each line: a
    round past its deadline is closed and its results shown then; a message for another learner stays in
    their outbox for their next session."""

    name = PLATFORM

    def __init__(
        self,
        tutor: Tutor,
        user: str = "learner",
        class_name: str = "console",
        instructor: bool = False,
        out: TextIO | None = None,
    ):
        self.tutor = tutor
        self.learner = E.LearnerRef(PLATFORM, WORKSPACE, user, display_name=user, is_instructor=instructor)
        self.where = E.ClassRef(PLATFORM, WORKSPACE, class_name, name=class_name)
        self.out = out or sys.stdout
        self.worker = worker.Worker(tutor, self, digest_interval=None)  # ticks called here, no threads
        self._shown: list[R.Reply] = []  # what the worker sent to this terminal, shown with the next replies

    # -- the Platform port -----------------------------------------------------------------------------
    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        """The class's channel is this terminal; another class's is not here."""
        if channel != self.where.channel:
            return False
        self._shown += replies
        return True

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        if not self.deliverable(to):
            return False
        self._shown += [R.Text(r.plain(), kind="notice") if isinstance(r, R.Text) else r for r in replies]
        return True

    def retire_round(self, session_id: int) -> None:
        """A terminal's lines have no buttons to take off."""

    def deliverable(self, to: E.LearnerRef) -> bool:
        me = self.learner
        return (to.platform, to.workspace, to.user) == (me.platform, me.workspace, me.user)

    def health(self) -> str | None:
        return None

    def start(self) -> list[R.Reply]:
        """The start of a session: what the learner is to be told since their last one (their outbox: an
        instructor's answer to their question, the outcome of an instructor's review of their answer), shown now
        and so delivered."""
        return self.tutor.handle(E.SessionStart(self.learner, where=self.where))

    def say(self, line: str) -> list:
        """Handle one line; returns the replies (the tutorbot fixture asserts on them)."""
        event = parse_line(line, self.learner, self.where)
        if event is None:
            return []
        self.worker.close_due_rounds()  # a round past its deadline: closed now, its results shown first
        return self._deliver(self.tutor.handle(event))

    def _deliver(self, replies: list[R.Reply]) -> list[R.Reply]:
        """The replies for this learner, after what the worker showed here (a round's results). Messages for
        other learners (an instructor's answer) go through the worker's outbox: they cannot reach them from
        this terminal, so they stay pending, and each learner sees theirs at the start of their next
        session; one for this learner is shown here."""
        mine, direct = worker.split_direct(replies)
        self.worker.send_notices(direct)
        shown, self._shown = self._shown, []
        return [*shown, *mine]

    def print_replies(self, replies: list) -> None:
        for r in replies:
            print(render(r), file=self.out)
        if replies:
            print(file=self.out)
        self.out.flush()

    def transcript(self, line: str) -> dict[str, Any] | None:
        """`tutor chat --json`: one object a line, {"input", "replies": [{"type", "text", ...}], "concepts",
        "confident" (true/false for a question, null for anything else), "forwarded"}."""
        event = parse_line(line, self.learner, self.where)
        if event is None:
            return None
        inbox_before = self.tutor.store.forwarded_count()
        self.worker.close_due_rounds()
        replies = self._deliver(self.tutor.handle(event))
        concepts = list(dict.fromkeys(r.concept_id for r in replies if isinstance(r, R.Passage)))
        confident: bool | None = None
        if isinstance(event, E.Ask) and intent.classify(event.text).kind != intent.SMALL_TALK:
            confident = bool(concepts)
        return {
            "input": line.rstrip("\n"),
            "replies": [_reply_json(r) for r in replies],
            "concepts": concepts,
            "confident": confident,
            "forwarded": self.tutor.store.forwarded_count() > inbox_before,
        }

    def run(self, stream: TextIO | None = None, json_lines: bool = False) -> int:
        """Answer each line of `stream`. A session starts with what the learner is to be told since the last
        one (not in `json_lines` mode: its output is one object per input line; those wait for a session)."""
        stream = stream or sys.stdin
        if json_lines:
            for line in stream:
                entry = self.transcript(line)
                if entry is not None:
                    print(json.dumps(entry, ensure_ascii=False), file=self.out, flush=True)
            return 0
        interactive = stream.isatty()
        if interactive:
            # Load the model while the learner types: the first answer then comes quickly.
            threading.Thread(target=worker.warm_up, args=(self.tutor,), daemon=True).start()
            print(
                f'Tutor for "{self.tutor.course.title}". Ask a question, or /help. Ctrl-D to leave.',
                file=self.out,
            )
        self.print_replies(self.start())  # not in --json: a transcript has one object per input line
        while True:
            if interactive:
                print("you> ", end="", file=self.out, flush=True)
            line = stream.readline()
            if not line:
                break
            self.print_replies(self.say(line))
        return 0


def _reply_json(reply: R.Reply) -> dict[str, Any]:
    """A reply as JSON: its type, its plain text, and its scalar fields (concept_id, session_id, kind, ...)."""
    out: dict[str, Any] = {"type": type(reply).__name__.lower(), "text": reply.plain()}
    if is_dataclass(reply):
        for f in fields(reply):
            value = getattr(reply, f.name)
            if isinstance(value, str | int | float | bool) and f.name not in out:
                out[f.name] = value
    return out
