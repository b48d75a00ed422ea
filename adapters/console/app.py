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
        return self._deliver(self.tutor.handle(event))

    def _deliver(self, replies: list[R.Reply]) -> list[R.Reply]:
        """Messages for other learners (an instructor's answer) cannot reach them from this terminal: they stay
        pending, and each learner sees theirs at the start of their next session. One for this learner is
        shown here."""
        mine, direct = worker.split_direct(replies)
        for message in direct:
            here = (message.to.platform, message.to.workspace, message.to.user) == (
                self.learner.platform,
                self.learner.workspace,
                self.learner.user,
            )
            self.tutor.notice_sent(message.notice_id, delivered=here)
            if here:
                mine.append(R.Text(message.text, kind="notice"))
        return mine

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
