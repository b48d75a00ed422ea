"""Test-wiseness cues: how far a learner gets on the question bank by strategy alone, without knowledge.

Four strategies, each scored as its expected accuracy (ties split evenly, as a guesser would pick among
them at random), beside the accuracy of blind guessing:

- longest option: on a single-choice question, pick the option with the most characters;
- stem overlap: pick the option that shares the most content words with the prompt;
- absolute words: rule out options with words such as "always", "never", "only" (unless that rules out
  all of them) and guess among the rest;
- shared words (matching): give each left item the unused right side sharing the most content words,
  best pair first; the expected fraction of pairs right.

Chance is the mean of 1/number of options (single choice) or 1/number of pairs (matching). A bank is
within the limit when no strategy beats its chance by more than `MARGIN`. Pure: data in, data out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from bot.course.model import Course, Question

MARGIN = 0.10  # a strategy may beat chance by at most this much over the whole bank

LONGEST = "longest option"
STEM = "stem overlap"
ABSOLUTE = "absolute words"
MATCHING = "matching by shared words"
CUES: tuple[str, ...] = (LONGEST, STEM, ABSOLUTE, MATCHING)

ABSOLUTE_WORDS = frozenset(
    """always never all none only every everything everyone everybody nothing nobody completely
    entirely totally absolutely guaranteed guarantee guarantees impossible must cannot can't solely
    any anything whatsoever exclusively purely perfectly forever""".split()
)

STOP_WORDS = frozenset(
    """a an the and or but nor so yet if then than that this these those there here of to in on at by
    for from with without into onto over under about above below between through during before after
    up down out off again further once is are was were be been being am do does did doing done have has
    had having it its it's they them their theirs we us our ours you your yours he him his she her hers
    i me my mine who whom whose which what when where why how as not no can could should would may might
    will shall also just very more most some such own same other others each both few too many much
    because while until whether either neither one ones itself themselves best
    following statement statements describes describe describing option options answer""".split()
)

# Suffixes stripped (longest first) so that "aligned", "aligning" and "alignment" meet at "align".
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "ly",
    "s",
)


def stem(word: str) -> str:
    """A crude suffix-stripping stemmer: enough to make inflections of one word meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            return base
    return word


def content_words(text: str) -> frozenset[str]:
    """Lowercased, stop words removed, stemmed."""
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())
    return frozenset(stem(w) for w in words if w not in STOP_WORDS and len(w) > 1)


def has_absolute(text: str) -> bool:
    return any(w in ABSOLUTE_WORDS for w in re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower()))


def _pick_rate(scores: Sequence[float], correct: int) -> float:
    """Expected accuracy of picking an option with the top score, ties split evenly."""
    top = max(scores)
    tied = [i for i, s in enumerate(scores) if s == top]
    return 1 / len(tied) if correct in tied else 0.0


def longest_rate(q: Question) -> float:
    return _pick_rate([len(o.text.strip()) for o in q.options], q.correct_index)


def stem_overlap_rate(q: Question) -> float:
    prompt = content_words(q.prompt)
    return _pick_rate([len(content_words(o.text) & prompt) for o in q.options], q.correct_index)


def absolute_rate(q: Question) -> float:
    kept = [i for i, o in enumerate(q.options) if not has_absolute(o.text)] or list(range(len(q.options)))
    return 1 / len(kept) if q.correct_index in kept else 0.0


def matching_rate(q: Question) -> float:
    """Expected fraction of pairs right when matching greedily by shared content words, best pair first.

    At each step the guesser takes one of the still-open (left, right) pairs with the most shared words,
    at random among ties, so the expectation is exact over every tie-break."""
    lefts = [content_words(o.text) for o in q.options]
    rights = [content_words(o.right) for o in q.options]
    n = len(q.options)
    shared = [[len(lefts[i] & rights[j]) for j in range(n)] for i in range(n)]

    @cache
    def expected(left_used: int, right_used: int) -> float:
        open_pairs = [
            (shared[i][j], i, j)
            for i in range(n)
            if not left_used >> i & 1
            for j in range(n)
            if not right_used >> j & 1
        ]
        if not open_pairs:
            return 0.0
        top = max(s for s, _, _ in open_pairs)
        tied = [(i, j) for s, i, j in open_pairs if s == top]
        total = sum((i == j) + expected(left_used | 1 << i, right_used | 1 << j) for i, j in tied)
        return total / len(tied)

    return expected(0, 0) / n if n else 0.0


@dataclass(frozen=True)
class CueRate:
    """One strategy over a set of questions: its expected accuracy beside blind guessing."""

    cue: str
    rate: float
    chance: float
    questions: int
    margin: float = MARGIN

    @property
    def limit(self) -> float:
        return self.chance + self.margin

    @property
    def ok(self) -> bool:
        return self.questions == 0 or self.rate <= self.limit + 1e-9


@dataclass(frozen=True)
class Extreme:
    """A file (or a matching question) where a strategy does far better than chance."""

    file: str
    cue: str
    rate: float
    questions: int
    question_ids: tuple[str, ...]

    def __str__(self) -> str:
        if self.cue == LONGEST:
            what = "the correct option is always the longest"
        elif self.cue == STEM:
            what = "the correct option always shares the most words with the prompt"
        elif self.cue == ABSOLUTE:
            what = "ruling out absolute words always leaves only the correct option"
        else:
            what = f"matching by shared words gets {self.rate:.0%} of the pairs right"
        return f"{self.file}: {what} ({', '.join(self.question_ids)})"


@dataclass(frozen=True)
class CueReport:
    rates: tuple[CueRate, ...]
    extremes: tuple[Extreme, ...]

    def rate(self, cue: str) -> CueRate:
        return next(r for r in self.rates if r.cue == cue)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rates)

    def table(self) -> str:
        """The four rates beside chance, one line each, then the extremes."""
        lines = [f"{'strategy':<26} {'questions':>9} {'rate':>6} {'chance':>7} {'limit':>6}  verdict"]
        for r in self.rates:
            verdict = "ok" if r.ok else f"over by {r.rate - r.limit:.1%}"
            lines.append(
                f"{r.cue:<26} {r.questions:>9} {r.rate:>6.1%} {r.chance:>7.1%} {r.limit:>6.1%}  {verdict}"
            )
        if self.extremes:
            lines.append(f"{len(self.extremes)} extreme file(s) or item(s):")
            lines += [f"  {e}" for e in self.extremes]
        return "\n".join(lines)


_SINGLE_CUES = ((LONGEST, longest_rate), (STEM, stem_overlap_rate), (ABSOLUTE, absolute_rate))
EXTREME_MATCHING = 0.75  # a matching item is "largely solvable" by shared words from here


def _file_of(q: Question) -> str:
    file = q.source.rpartition(":")[0] or q.source
    return PurePath(file).name if file else "?"


def measure(questions: Iterable[Question], margin: float = MARGIN) -> CueReport:
    """Expected accuracy of each strategy over `questions`, its chance, and the files where it always wins.

    A file is extreme for a single-choice strategy when the strategy is sure to pick the correct option
    of every single-choice question in it (two at least); a matching question is extreme when shared
    words get `EXTREME_MATCHING` of its pairs right or more."""
    qs = list(questions)
    single = [
        q
        for q in qs
        if q.type == "single_choice" and len(q.options) >= 2 and any(o.correct for o in q.options)
    ]
    matching = [q for q in qs if q.type == "matching" and len(q.options) >= 2]
    chance_single = sum(1 / len(q.options) for q in single) / len(single) if single else 0.0
    chance_matching = sum(1 / len(q.options) for q in matching) / len(matching) if matching else 0.0
    rates: list[CueRate] = []
    extremes: list[Extreme] = []
    by_file: dict[str, list[Question]] = {}
    for q in single:
        by_file.setdefault(_file_of(q), []).append(q)
    for cue, fn in _SINGLE_CUES:
        scores = {q.id: fn(q) for q in single}
        mean = sum(scores.values()) / len(single) if single else 0.0
        rates.append(CueRate(cue, mean, chance_single, len(single), margin))
        for file, group in sorted(by_file.items()):
            if len(group) >= 2 and all(scores[q.id] == 1.0 for q in group):
                extremes.append(Extreme(file, cue, 1.0, len(group), tuple(q.id for q in group)))
    m_scores = {q.id: matching_rate(q) for q in matching}
    mean = sum(m_scores.values()) / len(matching) if matching else 0.0
    rates.append(CueRate(MATCHING, mean, chance_matching, len(matching), margin))
    for q in sorted(matching, key=lambda q: (_file_of(q), q.id)):
        if m_scores[q.id] >= EXTREME_MATCHING:
            extremes.append(Extreme(_file_of(q), MATCHING, m_scores[q.id], 1, (q.id,)))
    return CueReport(tuple(rates), tuple(extremes))


def measure_course(course: Course, margin: float = MARGIN) -> CueReport:
    return measure(course.questions.values(), margin)
