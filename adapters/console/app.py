"""The console tutor: one learner in a terminal, or a script piping lines in. Answers each line in order."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from adapters.console.parse import parse_line
from adapters.console.render import render
from bot import events as E
from bot import worker
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

    def say(self, line: str) -> list:
        """Handle one line; returns the replies (the tutorbot fixture asserts on them)."""
        event = parse_line(line, self.learner, self.where)
        if event is None:
            return []
        return self.tutor.handle(event)

    def print_replies(self, replies: list) -> None:
        for r in replies:
            print(render(r), file=self.out)
        if replies:
            print(file=self.out)
        self.out.flush()

    def run(self, stream: TextIO | None = None) -> int:
        stream = stream or sys.stdin
        interactive = stream.isatty()
        if interactive:
            # Load the model while the learner types: the first answer then comes quickly.
            threading.Thread(target=worker.warm_up, args=(self.tutor,), daemon=True).start()
            print(
                f'Tutor for "{self.tutor.course.title}". Ask a question, or /help. Ctrl-D to leave.',
                file=self.out,
            )
        while True:
            if interactive:
                print("you> ", end="", file=self.out, flush=True)
            line = stream.readline()
            if not line:
                break
            self.print_replies(self.say(line))
        return 0
