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
- negation cues: a piece whose polarity (not, never, no need, ...) differs from the anchor it matches
  does not cover that anchor, and counts against the point when the match is close.

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
COVER_THRESHOLD = 0.5
# ... and to an anchor of the opposite stance, to count as contradicting the point.
OPPOSE_THRESHOLD = 0.5
# A piece that matches both stances counts for the nearer one only when it is nearer by this much.
STANCE_MARGIN = 0.03
# A piece with the opposite polarity of the anchor it matches this closely asserts the anchor's negation.
FLIP_THRESHOLD = 0.6
# Model-answer pieces join a point's anchors when this close to the point (and closest to it).
MODEL_ANCHOR_THRESHOLD = 0.45

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
    uses use used takes take took goes go went gets get got""".split()
)
NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|neither|nor|without|cannot|can't|won't|don't|doesn't|didn't|"
    r"isn't|aren't|wasn't|weren't|shouldn't|wouldn't|couldn't|mustn't|needn't|hardly|unnecessary|"
    r"pointless|irrelevant)\b|n't\b",
    re.I,
)
# Negations that do not deny the statement they sit in ("not only X but Y", "no more than").
NEGATION_IDIOMS = re.compile(
    r"\bnot (?:only|just|merely|simply)\b|\bno (?:more|less) than\b|\bnot least\b", re.I
)


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


def negated(text: str) -> bool:
    """Whether the statement denies something (an odd number of negation cues, idioms aside)."""
    cleaned = NEGATION_IDIOMS.sub(" ", text)
    return len(NEGATION.findall(cleaned)) % 2 == 1


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
    # Anchors: (point index, text, stance) with stance +1 for the right stance, -1 for its opposite.
    anchors: list[tuple[int, str, int]] = []
    for i, p in enumerate(rubric):
        anchors.append((i, p.text, 1))
        anchors += [(i, a, 1) for a in p.affirm]
        anchors += [(i, o, -1) for o in p.oppose]
    model_pieces = [m for m in pieces_of(model_answer) if is_prose(m)] if model_answer.strip() else []
    all_pieces = pieces_of(answer)
    prose_pieces = [p for p in all_pieces if is_prose(p)]
    texts = [a[1] for a in anchors] + model_pieces + prose_pieces
    vecs = encode(texts) if texts else np.zeros((0, 1), dtype="float32")
    anchor_vecs = vecs[: len(anchors)]
    model_vecs = vecs[len(anchors) : len(anchors) + len(model_pieces)]
    answer_vecs = vecs[len(anchors) + len(model_pieces) :]

    # Model-answer pieces become right-stance anchors of the point they are nearest to.
    if model_pieces:
        point_rows = [k for k, a in enumerate(anchors) if a[2] == 1]
        sims = model_vecs @ anchor_vecs[point_rows].T
        extra_vecs = []
        for m, row in enumerate(sims):
            best = int(row.argmax())
            if float(row[best]) >= MODEL_ANCHOR_THRESHOLD:
                anchors.append((anchors[point_rows[best]][0], model_pieces[m], 1))
                extra_vecs.append(model_vecs[m])
        if extra_vecs:
            anchor_vecs = np.vstack([anchor_vecs, np.asarray(extra_vecs)])

    anchor_negated = [negated(a[1]) for a in anchors]
    piece_negated = [negated(p) for p in prose_pieces]
    sims = answer_vecs @ anchor_vecs.T if len(prose_pieces) else np.zeros((0, len(anchors)))
    verdicts: list[PointVerdict] = []
    for i in range(len(rubric)):
        cols = [k for k, a in enumerate(anchors) if a[0] == i]
        support, against = 0.0, 0.0
        support_piece, against_piece = "", ""
        for r, piece in enumerate(prose_pieces):
            pro, con = 0.0, 0.0
            for k in cols:
                s = float(sims[r, k])
                same = anchor_negated[k] == piece_negated[r]
                if anchors[k][2] == 1:
                    if same:
                        pro = max(pro, s)
                    elif s >= FLIP_THRESHOLD:
                        con = max(con, s)  # the piece asserts the negation of a right-stance anchor
                else:
                    if same:
                        con = max(con, s)
                    elif s >= FLIP_THRESHOLD:
                        pro = max(pro, s)  # denies the opposite stance
            if pro >= COVER_THRESHOLD and pro > con + STANCE_MARGIN and pro > support:
                support, support_piece = pro, piece
            if con >= OPPOSE_THRESHOLD and con > pro + STANCE_MARGIN and con > against:
                against, against_piece = con, piece
        if support and support >= against:
            verdicts.append(PointVerdict(i, "covered", round(support, 3), round(against, 3), support_piece))
        elif against:
            verdicts.append(
                PointVerdict(i, "contradicted", round(support, 3), round(against, 3), against_piece)
            )
        else:
            verdicts.append(PointVerdict(i, "absent", round(support, 3), round(against, 3)))
    n_cov = sum(v.status == "covered" for v in verdicts)
    n_con = sum(v.status == "contradicted" for v in verdicts)
    score = max(0.0, (n_cov - n_con) / len(rubric))
    return OpenGrade(tuple(verdicts), bool(prose_pieces), round(score, 3), score >= PASS_SCORE)


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
