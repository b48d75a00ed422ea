"""Open-ended answers graded by what they assert: each rubric point is covered, contradicted or absent.

all-MiniLM-L6-v2 places a sentence near the topic it talks about, whatever it says about it: "X is not a
blocking failure" sits closer to "X is a blocking failure" than an honest paraphrase does. So similarity
to the point alone rewards answers that deny every point and strings of the rubric's own terms. This
grader adds what the embedding lacks:

- a prose gate: only pieces of the answer that read as statements (function words, a verb) can cover a
  point, so a list of terms scores nothing;
- stance anchors: per point, statements of the right stance (`affirm`, plus the model answer's sentences
  nearest to the point) and of its opposite (`oppose`), all written affirmatively, which the embedding
  separates far better than it separates a sentence from its negation; a piece covers a point only when
  it is nearer the right stance than the opposite one;
- negation cues: each negated piece and anchor is also embedded with its negation undone ("X is not Y"
  -> "X is Y"); a pair that comes nearer when exactly one side is un-negated disagrees, so a denial of
  the right stance counts against the point and a denial of the opposite stance for it;
- topic: a piece contradicts only the point it is nearest to, so shared vocabulary with another point's
  opposite stance is not read as a contradiction.

Score: (covered - contradicted) / points, at least 0; the answer passes at PASS_SCORE. `doubts` says when
the grader's own signals leave its pass/fail decision unsure, so that an instructor reviews the answer.
Measured with `tutor eval --grading eval/grading-dev.jsonl eval/grading.jsonl` (see the README).

Pure: data and an `encode` function in, a verdict per point out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.course.model import RubricPoint
from bot.progress import PASS_SCORE

Encode = Callable[[list[str]], np.ndarray]
Status = Literal["covered", "contradicted", "absent"]

# Similarity (cosine on unit vectors) a piece of the answer needs to an anchor of the right stance.
COVER_THRESHOLD = 0.55
# ... and to an anchor of the opposite stance, to count as contradicting the point.
OPPOSE_THRESHOLD = 0.55
# A piece that matches both stances counts for the nearer one only when it is nearer by this much.
STANCE_MARGIN = 0.03
# Model-answer sentences are looser anchors than authored ones: a match to them counts this much less.
MODEL_PENALTY = 0.06
# A piece contradicts a point only when it is this much nearer the opposite stance than the right one:
# an honest sentence restating the case's facts shares most of its words with an oppose anchor.
CONTRA_MARGIN = 0.1
# A piece covers every point it supports within this much of the point it supports best.
COVER_SLACK = 0.1
# A piece is about every point whose anchors it is this close to its nearest point's.
TOPIC_SLACK = 0.05
# Model-answer pieces join a point's anchors when this close to the point (and closest to it).
MODEL_ANCHOR_THRESHOLD = 0.45

# When the pass/fail decision is unsure (`doubts`): a score this close to the pass mark, or a point whose
# similarity is this close to its threshold. Chosen on eval/grading-dev.jsonl only (README, "Instructor review").
REVIEW_SCORE_MARGIN = 0.15
REVIEW_SIMILARITY_MARGIN = 0.03

# Closed-class words: prose has many of them, a list of terms almost none.
FUNCTION_WORDS = frozenset(
    """a an the this that these those it its they them their we our you your he she his her i my
    is are was were be been being am has have had having do does did can could will would should shall
    must may might of in on at by for with from to into onto over under about as than then so because
    since while when where which who whom whose what how why if unless until although though but or nor
    and not no never also only even too very more most less least all any each every both either neither
    some such there here one ones own other another whether before after during without within between
    against through up down out off just still yet instead rather""".split()
)
VERB_HINTS = frozenset(
    """is are was were be been being am has have had do does did can could will would should shall must
    may might need needs needed makes make made gives give gave shows show showed means mean keeps keep
    uses use used takes take took goes go went gets get got cannot can't won't don't doesn't didn't isn't
    aren't wasn't weren't shouldn't wouldn't couldn't i we you they he she""".split()
)
# Words that deny the statement they sit in, and what the statement says without them.
_FLIPS = {
    "not": "",
    "no": "",
    "never": "",
    "none": "some",
    "nothing": "something",
    "nobody": "somebody",
    "without": "with",
    "cannot": "can",
    "can't": "can",
    "won't": "will",
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "shouldn't": "should",
    "wouldn't": "would",
    "couldn't": "could",
    "mustn't": "must",
    "needn't": "need",
    "unnecessary": "necessary",
    "irrelevant": "relevant",
}
NEGATION = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _FLIPS) + r")\b", re.I)
# Negations that do not deny the statement they sit in ("not only X but Y", "no more than").
NEGATION_IDIOMS = re.compile(
    r"\bnot (?:only|just|merely|simply|least)\b|\bno (?:more|less|later|sooner) than\b|\bno matter\b", re.I
)
# A piece and an anchor disagree when undoing the negation in either moves them this much closer.
FLIP_MARGIN = 0.02


def unnegated(text: str) -> str | None:
    """The statement with its negations undone ("X is not Y" -> "X is Y"), or None when it has none."""
    if NEGATION_IDIOMS.search(text) and not NEGATION.search(NEGATION_IDIOMS.sub(" ", text)):
        return None
    if not NEGATION.search(text):
        return None

    def swap(m: re.Match[str]) -> str:
        if NEGATION_IDIOMS.match(text, m.start()):
            return m.group(0)
        return _FLIPS[m.group(0).lower()]

    return re.sub(r"\s+", " ", NEGATION.sub(swap, text)).strip()


@dataclass(frozen=True)
class PointVerdict:
    index: int
    status: Status
    support: float  # best similarity of a prose piece to the point's right stance (same polarity)
    against: float  # best similarity to its opposite stance (or a negated match)
    evidence: str = ""  # the piece of the answer the verdict rests on


@dataclass(frozen=True)
class OpenGrade:
    verdicts: tuple[PointVerdict, ...]
    prose: bool  # False when the answer is a list of terms rather than statements
    score: float
    passed: bool

    @property
    def covered(self) -> tuple[int, ...]:
        return tuple(v.index for v in self.verdicts if v.status == "covered")

    @property
    def contradicted(self) -> tuple[int, ...]:
        return tuple(v.index for v in self.verdicts if v.status == "contradicted")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", text.lower())


def is_prose(text: str) -> bool:
    """A statement, not a list of terms: enough closed-class words of several kinds, and a verb cue."""
    words = _words(text)
    if len(words) < 4:
        return False
    function = [w for w in words if w in FUNCTION_WORDS]
    if len(function) / len(words) < 0.2 or len(set(function)) < 3:
        return False
    return any(w in VERB_HINTS or w.endswith(("ed", "es", "s")) and w not in FUNCTION_WORDS for w in words)


def split_sentences(text: str) -> list[str]:
    from bot.retrieval.retriever import split_sentences as split

    return split(text) or [text]


def pieces_of(text: str) -> list[str]:
    """Sentences, and the clauses of long sentences (one embedding of a long sentence blurs its points)."""
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    pieces = list(sentences)
    for s in sentences:
        parts = [
            p.strip()
            for p in re.split(
                r";|:\s+|,\s*(?:and|but|so|while|because|which|whereas)\s+|\s+-\s+|\(\w\)|\(\d\)", s
            )
            if len(p.split()) >= 4
        ]
        if len(parts) > 1:
            pieces += parts
    seen: set[str] = set()
    return [p for p in pieces if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def _as_point(p: RubricPoint | str) -> RubricPoint:
    return p if isinstance(p, RubricPoint) else RubricPoint(str(p))


def grade_assertions(
    points: Sequence[RubricPoint | str], answer: str, encode: Encode, model_answer: str = ""
) -> OpenGrade:
    """Decide, per rubric point, whether the answer asserts it (covered), asserts its opposite
    (contradicted) or neither (absent). Score: (covered - contradicted) / points, at least 0."""
    rubric = [_as_point(p) for p in points]
    if not rubric:
        return OpenGrade((), False, 0.0, False)
    answer = answer.replace("\u2019", "'")
    # Anchors: (point index, text, stance) with stance +1 for the right stance, -1 for its opposite.
    anchors: list[tuple[int, str, int]] = []
    for i, p in enumerate(rubric):
        anchors.append((i, p.text, 1))
        anchors += [(i, a, 1) for a in p.affirm]
        anchors += [(i, o, -1) for o in p.oppose]
    model_pieces = [m for m in pieces_of(model_answer) if is_prose(m)] if model_answer.strip() else []
    prose_pieces = [p for p in pieces_of(answer) if is_prose(p)]
    if not prose_pieces:
        return OpenGrade(
            tuple(PointVerdict(i, "absent", 0.0, 0.0) for i in range(len(rubric))), False, 0.0, False
        )

    # Model-answer pieces become right-stance anchors of the point they are nearest to.
    n_authored = len(anchors)
    vecs = encode([a[1] for a in anchors] + model_pieces)
    anchor_vecs, model_vecs = vecs[: len(anchors)], vecs[len(anchors) :]
    if model_pieces:
        point_rows = [k for k, a in enumerate(anchors) if a[2] == 1]
        nearest = model_vecs @ anchor_vecs[point_rows].T
        kept = []
        for m, row in enumerate(nearest):
            best = int(row.argmax())
            if float(row[best]) >= MODEL_ANCHOR_THRESHOLD:
                anchors.append((anchors[point_rows[best]][0], model_pieces[m], 1))
                kept.append(m)
        anchor_vecs = np.vstack([anchor_vecs, model_vecs[kept]])

    # Undo the negations of pieces and anchors and compare the four pairings: when a piece and an anchor
    # are nearer with exactly one of them un-negated than as written (or both un-negated), they disagree.
    anchor_flips = [unnegated(a[1]) or a[1] for a in anchors]
    piece_flips = [unnegated(p) or p for p in prose_pieces]
    flipped_anchors = [k for k, a in enumerate(anchors) if anchor_flips[k] != a[1]]
    flipped_pieces = [r for r, p in enumerate(prose_pieces) if piece_flips[r] != p]
    extra = [anchor_flips[k] for k in flipped_anchors] + [piece_flips[r] for r in flipped_pieces]
    all_vecs = encode(prose_pieces + extra)
    piece_vecs = all_vecs[: len(prose_pieces)]
    anchor_flip_vecs, piece_flip_vecs = anchor_vecs.copy(), piece_vecs.copy()
    for j, k in enumerate(flipped_anchors):
        anchor_flip_vecs[k] = all_vecs[len(prose_pieces) + j]
    for j, r in enumerate(flipped_pieces):
        piece_flip_vecs[r] = all_vecs[len(prose_pieces) + len(flipped_anchors) + j]
    sims = piece_vecs @ anchor_vecs.T
    piece_neg = np.zeros((len(prose_pieces), 1), dtype=bool)
    piece_neg[flipped_pieces] = True
    anchor_neg = np.zeros((1, len(anchors)), dtype=bool)
    anchor_neg[0, flipped_anchors] = True
    piece_only = piece_flip_vecs @ anchor_vecs.T  # the piece un-negated
    anchor_only = piece_vecs @ anchor_flip_vecs.T  # the anchor un-negated
    both = piece_flip_vecs @ anchor_flip_vecs.T
    same = np.where(piece_neg & anchor_neg, np.maximum(sims, both), sims)
    crossed = np.where(
        piece_neg & anchor_neg,
        np.maximum(piece_only, anchor_only),
        np.where(piece_neg, piece_only, np.where(anchor_neg, anchor_only, -np.inf)),
    )
    disagree = crossed > same + FLIP_MARGIN

    stance = np.array([a[2] for a in anchors])
    model_penalty = np.array([MODEL_PENALTY if k >= n_authored else 0.0 for k in range(len(anchors))])
    owner = np.array([a[0] for a in anchors])
    # What each piece is about: its nearest point over anchors of either stance. A piece contradicts only
    # the point it is about; nearness to another point's opposite stance is shared vocabulary.
    topic = np.stack([np.where(owner == i, sims, -1.0).max(axis=1) for i in range(len(rubric))], axis=1)
    about = topic >= topic.max(axis=1, keepdims=True) - TOPIC_SLACK
    # Per piece and point: the best match to the point's right stance and to its opposite one.
    rights = np.stack(
        [
            np.where((owner == i) & ((stance == 1) ^ disagree), sims - model_penalty, 0.0).max(axis=1)
            for i in range(len(rubric))
        ],
        axis=1,
    )
    # A piece covers the points it supports best: a vague sentence near several points covers one.
    focus = rights >= rights.max(axis=1, keepdims=True) - COVER_SLACK
    verdicts: list[PointVerdict] = []
    for i in range(len(rubric)):
        cols = owner == i
        right = rights[:, i]
        wrong = np.where(cols & ((stance == -1) ^ disagree), sims, 0.0).max(axis=1)
        pro_ok = (right >= COVER_THRESHOLD) & (right > wrong + STANCE_MARGIN) & focus[:, i]
        con_ok = (wrong >= OPPOSE_THRESHOLD) & (wrong > right + CONTRA_MARGIN) & about[:, i]
        support = float(right[pro_ok].max()) if pro_ok.any() else 0.0
        against = float(wrong[con_ok].max()) if con_ok.any() else 0.0
        if support and support >= against:
            piece = prose_pieces[int(np.where(pro_ok, right, -1).argmax())]
            verdicts.append(PointVerdict(i, "covered", round(support, 3), round(against, 3), piece))
        elif against:
            piece = prose_pieces[int(np.where(con_ok, wrong, -1).argmax())]
            verdicts.append(PointVerdict(i, "contradicted", round(support, 3), round(against, 3), piece))
        else:
            verdicts.append(
                PointVerdict(i, "absent", round(float(right.max()), 3), round(float(wrong.max()), 3))
            )
    n_cov = sum(v.status == "covered" for v in verdicts)
    n_con = sum(v.status == "contradicted" for v in verdicts)
    score = max(0.0, (n_cov - n_con) / len(rubric))
    return OpenGrade(tuple(verdicts), True, round(score, 3), score >= PASS_SCORE)


# An answer whose word trigrams are this much found in the rubric and model answer the learner was shown copies
# them. Measured by eval/copy_share.py on eval/grading*.jsonl: honest answers share at most 0.41 (a close
# paraphrase of the model answer), a pasted rubric or model answer, reordered or not, 0.87 or more.
COPY_SHARE = 0.5


def copied_share(answer: str, sources: Sequence[str], n: int = 3) -> float:
    """The share of the answer's distinct word n-grams that occur in `sources` (n-gram containment): near 1
    for a pasted rubric or model answer, lightly edited or reordered, near 0 for an answer in one's own words."""
    words = _words(answer.replace("\u2019", "'"))
    grams = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    if not grams:
        return 0.0
    known: set[tuple[str, ...]] = set()
    for text in sources:
        w = _words(text.replace("\u2019", "'"))
        known.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return len(grams & known) / len(grams)


def _passes(net: int, n: int) -> bool:
    return max(0.0, net / n) >= PASS_SCORE - 1e-9


def doubts(grade: OpenGrade) -> tuple[str, ...]:
    """Why the grader is unsure of its pass/fail decision (empty when it is sure), from its own signals:

    - the score is within REVIEW_SCORE_MARGIN of the pass mark;
    - a point judged contradicted decides it: the answer also covers points, and read as absent instead of
      contradicted the point would turn a fail into a pass (contradictions are the least reliable verdicts);
    - a point's similarity is within REVIEW_SIMILARITY_MARGIN of its threshold, and the opposite verdict on it
      would flip the decision.

    A contradiction or a borderline point that cannot change pass/fail is no doubt: an answer that denies
    three points and covers one fails either way. A list of terms (no prose) is never in doubt.
    """
    n = len(grade.verdicts)
    if not n or not grade.prose:
        return ()
    covered, contradicted = len(grade.covered), len(grade.contradicted)
    net = covered - contradicted
    out: list[str] = []
    if abs(grade.score - PASS_SCORE) <= REVIEW_SCORE_MARGIN + 1e-9:
        out.append(f"score {grade.score:.0%} is near the {PASS_SCORE:.0%} pass mark")
    if covered and contradicted and _passes(covered, n) != grade.passed:
        out.append("a contradicted point decides pass or fail")
    for v in grade.verdicts:
        if v.status == "covered" and v.support - COVER_THRESHOLD < REVIEW_SIMILARITY_MARGIN:
            flipped, similarity, threshold = net - 1, v.support, COVER_THRESHOLD
        elif v.status == "absent" and 0 < COVER_THRESHOLD - v.support <= REVIEW_SIMILARITY_MARGIN:
            flipped, similarity, threshold = net + 1, v.support, COVER_THRESHOLD
        elif v.status == "contradicted" and v.against - OPPOSE_THRESHOLD < REVIEW_SIMILARITY_MARGIN:
            flipped, similarity, threshold = net + 1, v.against, OPPOSE_THRESHOLD
        else:
            continue
        if _passes(flipped, n) != grade.passed:
            out.append(
                f"point {v.index + 1} is borderline ({v.status}: similarity {similarity:.3f}, "
                f"threshold {threshold:.2f})"
            )
    return tuple(out)


def similarity_grade(rubric: Sequence[str], answer: str, encode: Encode, threshold: float = 0.5) -> list[int]:
    """The grader before this module (kept to measure against): a point is covered when some sentence,
    clause or pair of adjacent sentences of the answer is within `threshold` cosine of it."""
    sentences = split_sentences(answer)
    pieces = list(sentences)
    for s in sentences:
        parts = [
            p.strip()
            for p in re.split(r";|,\s*(?:and|but|so|while|because)\s+|\s+-\s+", s)
            if len(p.split()) >= 3
        ]
        if len(parts) > 1:
            pieces += parts
    pieces += [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    vecs = encode(list(rubric) + pieces)
    sims = vecs[: len(rubric)] @ vecs[len(rubric) :].T
    return [i for i, row in enumerate(sims) if float(row.max()) >= threshold]
