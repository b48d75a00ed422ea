"""How much of an open-ended answer is copied from what giving up shows (the rubric, the model answer, the
explanation): word-trigram containment, `bot.quiz.open_ended.copied_share`, over the hand-written answers of
the grading sets and over pastes of the rubric and the model answer. Sets COPY_SHARE (issue #12, item 4).

    PYTHONPATH=$PWD python eval/copy_share.py [FILE ...]     # default: eval/grading.jsonl eval/grading-dev.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from bot.course import bundled_course_path, load_course
from bot.course.model import Question
from bot.quiz.open_ended import COPY_SHARE, copied_share

HERE = Path(__file__).resolve().parent


def shown(q: Question) -> list[str]:
    return [*q.rubric, q.model_answer, q.explanation]


def edited(text: str, every: int) -> str:
    """Every `every`-th word replaced: a paste edited to dodge a check."""
    words = text.split()
    return " ".join("really" if i % every == 0 else w for i, w in enumerate(words))


def main(paths: list[str]) -> int:
    course = load_course(bundled_course_path())
    shares: dict[str, list[float]] = {}
    for path in paths or [str(HERE / "grading.jsonl"), str(HERE / "grading-dev.jsonl")]:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                q = course.questions[row["question_id"]]
                shares.setdefault(f"hand-written: {row['kind']}", []).append(
                    copied_share(row["answer"], shown(q))
                )
    pastes = {
        "pasted: the rubric": lambda q: " ".join(q.rubric),
        "pasted: the rubric, reordered": lambda q: " ".join(reversed(q.rubric)),
        "pasted: the model answer": lambda q: q.model_answer,
        "pasted: half the rubric + own words": lambda q: (
            " ".join(q.rubric[: len(q.rubric) // 2])
            + " I think the main thing is to be careful and to check the results with real people first."
        ),
        "edited: every 4th word of the model answer": lambda q: edited(q.model_answer, 4),
    }
    questions = [q for q in course.questions.values() if q.type == "open_ended"]
    for name, make in pastes.items():
        shares[name] = [copied_share(make(q), shown(q)) for q in questions]
    print(f"{'answers':45} {'n':>4} {'mean':>6} {'min':>6} {'max':>6} {'>= ' + format(COPY_SHARE, '.0%'):>7}")
    for name, values in shares.items():
        over = sum(v >= COPY_SHARE for v in values)
        print(
            f"{name:45} {len(values):4} {statistics.mean(values):6.1%} {min(values):6.1%} {max(values):6.1%} "
            f"{over:7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
