"""Honest scope inside a conversation, at its worst: every question of a set asked right after an answer about
the concept nearest to it, three ways: as written, as "so ...?" and as "and what about ...?" (the shapes of a
follow-up, which the tutor answers from the last concept).

    PYTHONPATH=$PWD python eval/scope_in_conversation.py eval/scope-out.jsonl eval/scope-in.jsonl ...

For a set whose name contains "out": how many are answered from the course, with a quoted passage, and not as a
labelled guess (should be none; a small-talk reply such as the one to "are you a bot?" quotes nothing).
For any other set: how many are refused ("I'm not sure about that"). One temporary SQLite database, a pinned
clock, a new learner per question and form.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.app import ConsoleApp
from bot.replies import Passage
from bot.runtime import build_tutor
from bot.storage import Store, make_engine
from bot.tutor import Tutor

FORMS = {
    "as written": lambda q: q,
    "so ...?": lambda q: f"so {q.rstrip('?')}?",
    "and what about ...?": lambda q: f"and what about {q.rstrip('?')}?",
}


def main(files: list[str]) -> None:
    base = build_tutor()
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    print("| set | questions | " + " | ".join(FORMS) + " |")
    print("|---|---:|" + "---:|" * len(FORMS))
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'conversation.sqlite'}")
        try:
            tutor = Tutor(base.course, Store(engine), base.retriever, clock=lambda: moment)
            for f, name in enumerate(files):
                rows = [
                    json.loads(x) for x in Path(name).read_text(encoding="utf-8").splitlines() if x.strip()
                ]
                out = "out" in Path(name).name
                counts = []
                for form, shape in FORMS.items():
                    n = 0
                    for i, row in enumerate(rows):
                        nearest = base.retriever.search(row["question"], k=1)[0].concept_id
                        app = ConsoleApp(tutor, user=f"s{f}-{form[:3]}-{i}", class_name="eval")
                        app.say(f"what is {base.course.concepts[nearest].title}?")
                        replies = app.say(shape(row["question"]))
                        reply = "\n".join(r.plain() for r in replies)
                        # out of scope: wrong when answered from the course (a quoted passage, not a labelled
                        # guess); a small-talk reply ("are you a bot?") answers from no passage
                        quoted = any(isinstance(r, Passage) for r in replies)
                        wrong = (
                            (quoted and not reply.startswith("I'm not sure"))
                            if out
                            else reply.startswith("I'm not sure about")
                        )
                        n += wrong
                        if wrong and os.environ.get("SHOW"):
                            print(f"  {form}: {row['question']!r} after {nearest}", file=sys.stderr)
                    counts.append(n)
                what = "answered" if out else "refused"
                print(f"| {Path(name).name} ({what}) | {len(rows)} | " + " | ".join(map(str, counts)) + " |")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
