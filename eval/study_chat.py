"""Study chat in plain words: does the tutor do what a student means by "can i get a hint", "i give up", "idk",
"quiz me on dpo", "what should i study next", "how am i doing", and leave real course questions that use those
words to the course?

    PYTHONPATH=$PWD python eval/study_chat.py eval/study-chat-blind.jsonl [--show]

FILE holds JSON lines {"category", "open_question", "text"}; categories hint, give-up, unsure (said with a quiz
question open), quiz-request, what-next, progress, and course-question (a question about the course that must be
answered as one). Each line is said by a new learner in the console, after `/quiz` when `open_question` is true,
in one temporary SQLite database with a pinned clock. Printed: per category, how many got what they meant, and how
many were forwarded to the instructors (none should be).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.app import ConsoleApp
from bot import replies as R
from bot.runtime import build_tutor
from bot.storage import Store, make_engine
from bot.tutor import Tutor


def did(replies: list[R.Reply]) -> str:
    """What the tutor did, read from its replies as a learner would see them."""
    text = "\n".join(r.plain() for r in replies)
    if any(isinstance(r, R.Question) for r in replies):
        return "quiz-request"
    if text.startswith("Hint"):
        return "hint"
    if "Skipped" in text or "Nothing was recorded for it" in text:
        return "give-up"
    if "/hint" in text and "/skip" in text:
        return "unsure"
    # "where should i start?": the course's overview, which names its first concept; "what should i learn after
    # dpo": where dpo sits in the course's order
    ordered = (
        text.startswith(("After *", "Before *"))
        or re.match(r"\*[^*]+\* first: ", text)
        or re.match(r"\*[^*]+\* (is where its part of the course ends|builds on nothing else)", text)
    )
    if text.startswith(("Learn next", "This course is")) or "mastered every concept" in text or ordered:
        return "what-next"
    if text.startswith("No answers yet") or text.startswith("Progress of"):
        return "progress"
    if any(isinstance(r, R.Passage) for r in replies) or text.startswith("I'm not sure"):
        return "course-question"
    return "other"


def main(args: list[str]) -> None:
    show = "--show" in args
    files = [a for a in args if not a.startswith("--")]
    base = build_tutor()
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'study.sqlite'}")
        try:
            store = Store(engine)
            tutor = Tutor(base.course, store, base.retriever, clock=lambda: moment)
            for name in files:
                # the name before its misses (on stderr), so they are not taken for another file's
                print(f"{name}", flush=True)
                rows = [
                    json.loads(x) for x in Path(name).read_text(encoding="utf-8").splitlines() if x.strip()
                ]
                right: Counter[str] = Counter()
                total: Counter[str] = Counter()
                forwarded: Counter[str] = Counter()
                for i, row in enumerate(rows):
                    app = ConsoleApp(tutor, user=f"{Path(name).stem}-{i}", class_name="eval")
                    if row.get("open_question"):
                        app.say("/quiz")
                    before = store.forwarded_count()
                    got = did(app.say(row["text"]))
                    cat = row["category"]
                    total[cat] += 1
                    right[cat] += got == cat
                    sent = store.forwarded_count() > before
                    forwarded[cat] += sent
                    if show and (got != cat or sent and cat != "course-question"):
                        print(f"  {cat}: {row['text']!r} -> {got}{', forwarded' * sent}", file=sys.stderr)
                print("| category | right | forwarded |\n|---|---:|---:|")
                for cat in total:
                    print(f"| {cat} | {right[cat]}/{total[cat]} | {forwarded[cat]} |")
                print(f"| all | {sum(right.values())}/{sum(total.values())} | {sum(forwarded.values())} |")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
