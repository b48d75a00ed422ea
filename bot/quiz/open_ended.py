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

Whether a point is covered is decided by a logistic regression over these signals (`point_features`: the
hand-threshold verdict, how well the best piece supports the point and leads the other points, and
answer-level signals such as the share of points contradicted, the mean stance and length), fitted on hand-
judged development answers by eval/fit_grader.py (bot/quiz/open_ended_weights.json); a rubric without
anchors keeps the hand thresholds. A point not covered is contradicted by the hand thresholds.

Score: (covered - contradicted) / points, at least 0; the answer passes at PASS_SCORE. `doubts` says when
the grader's own signals leave its pass/fail decision unsure, so that an instructor reviews the answer.
Measured with `tutor eval --grading eval/grading-dev.jsonl eval/grading-dev2.jsonl eval/grading.jsonl` (README).

Pure: data and an `encode` function in, a verdict per point out.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
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
# ... or, with the learned decision, a point whose probability of being covered is this close to its threshold.
REVIEW_CONFIDENCE_MARGIN = 0.15

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
    # The learned decision's probability that a reader judges the point covered (None: hand thresholds).
    confidence: float | None = None


@dataclass(frozen=True)
class OpenGrade:
    verdicts: tuple[PointVerdict, ...]
    prose: bool  # False when the answer is a list of terms rather than statements
    score: float
    passed: bool
    # With the learned decision: whether the hand thresholds alone would pass the answer (None: not asked).
    rule_passed: bool | None = None

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


def parts_of_point(text: str) -> list[str]:
    """The items of a compound point ("Measures several dimensions, such as A, B and C" -> its head, A, B
    and C; "X; Y" or "X, and Y" -> X, Y), or the point itself."""
    listing = re.search(r",?\s*\b(?:such as|including|e\.g\.|for example)\b,?\s*", text)
    if listing:
        head, body = text[: listing.start()].strip(), text[listing.end() :]
        items = [p.strip(" .") for p in re.split(r";\s*|,\s*(?:and\s+|or\s+)?|\s+and\s+", body)]
        items = ([head] if len(head.split()) >= 2 else []) + [p for p in items if len(p.split()) >= 2]
    else:
        items = [p.strip(" .") for p in re.split(r";\s*|,\s*(?:and|but|while|so)\s+", text)]
        items = [p for p in items if len(p.split()) >= 3]
    return items if len(items) > 1 else [text]


def _as_point(p: RubricPoint | str) -> RubricPoint:
    return p if isinstance(p, RubricPoint) else RubricPoint(str(p))


@dataclass(frozen=True)
class Signals:
    """What the grader measures of an answer, per prose piece (rows) and rubric point (columns)."""

    pieces: list[str]
    rights: np.ndarray  # best match to the point's right stance (model anchors less MODEL_PENALTY)
    wrongs: np.ndarray  # best match to its opposite stance (or a denial of the right one)
    authored: np.ndarray  # best match to the point's text and affirm anchors, same polarity
    model: np.ndarray  # best match to the model-answer sentences that anchor the point (0: none)
    topic: np.ndarray  # nearest anchor of the point, either stance
    about: np.ndarray  # bool: the piece is about the point (nearest point, within TOPIC_SLACK)
    focus: np.ndarray  # bool: the point is among those the piece supports best (within COVER_SLACK)
    negated: np.ndarray  # bool per piece: it carries a negation
    flipped: np.ndarray  # bool: its best right-stance match is a denial of an opposite anchor
    pro_ok: np.ndarray  # bool: the piece covers the point by the hand thresholds
    con_ok: np.ndarray  # bool: the piece contradicts the point by the hand thresholds
    words: int  # words in the answer
    sentences: int  # its sentences
    parts: list[np.ndarray]  # per point: pieces x parts of the point's text (a compound point's items)
    mean2: np.ndarray  # per piece and point: mean of its two best right-stance matches
    reference: np.ndarray  # per point: how near the model answer's best sentence comes to the point
    stance: np.ndarray  # per piece and point: projection on the point's right-minus-opposite direction


def analyse(
    points: Sequence[RubricPoint | str], answer: str, encode: Encode, model_answer: str = ""
) -> Signals | None:
    """Embed the answer's prose pieces and the anchors, and compare them; None when no piece is prose."""
    rubric = [_as_point(p) for p in points]
    answer = answer.replace("\u2019", "'")
    # Anchors: (point index, text, stance) with stance +1 for the right stance, -1 for its opposite.
    anchors: list[tuple[int, str, int]] = []
    for i, p in enumerate(rubric):
        anchors.append((i, p.text, 1))
        anchors += [(i, a, 1) for a in p.affirm]
        anchors += [(i, o, -1) for o in p.oppose]
    model_pieces = [m for m in pieces_of(model_answer) if is_prose(m)] if model_answer.strip() else []
    prose_pieces = [p for p in pieces_of(answer) if is_prose(p)]
    if not rubric or not prose_pieces:
        return None

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

    # A compound point ("several dimensions, such as A, B and C") is also compared part by part.
    point_parts = [parts_of_point(p.text) for p in rubric]
    sentences = [x for x in split_sentences(answer) if x.strip()]
    flat_parts = [t for parts in point_parts for t in parts]
    part_vecs = encode(flat_parts)

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
    is_model = np.arange(len(anchors)) >= n_authored
    model_penalty = np.where(is_model, MODEL_PENALTY, 0.0)
    owner = np.array([a[0] for a in anchors])
    n = len(rubric)

    def per_point(mask: np.ndarray, values: np.ndarray, empty: float = 0.0) -> np.ndarray:
        return np.stack([np.where((owner == i) & mask, values, empty).max(axis=1) for i in range(n)], axis=1)

    # What each piece is about: its nearest point over anchors of either stance. A piece contradicts only
    # the point it is about; nearness to another point's opposite stance is shared vocabulary.
    everything = np.ones_like(sims, dtype=bool)
    topic = per_point(everything, sims, -1.0)
    about = topic >= topic.max(axis=1, keepdims=True) - TOPIC_SLACK
    # Per piece and point: the best match to the point's right stance and to its opposite one.
    right_side = (stance == 1) ^ disagree
    rights = per_point(right_side, sims - model_penalty)
    wrongs = per_point((stance == -1) ^ disagree, sims)
    authored = per_point(right_side & ~is_model, sims)
    model = per_point(right_side & is_model, sims)
    flipped = per_point(right_side & (stance == -1), sims) >= rights - 1e-9
    # A piece covers the points it supports best: a vague sentence near several points covers one.
    focus = rights >= rights.max(axis=1, keepdims=True) - COVER_SLACK
    parts, start = [], 0
    for ps in point_parts:
        parts.append(piece_vecs @ part_vecs[start : start + len(ps)].T)
        start += len(ps)
    masked = np.where(
        right_side[None, :, :] & (owner[None, None, :] == np.arange(n)[:, None, None]), sims, -1.0
    )
    top = np.sort(masked, axis=2)[:, :, -2:]  # point x piece x 2
    mean2 = np.where(top[:, :, 0] > -1, top.mean(axis=2), top[:, :, 1]).T
    # The direction from a point's opposite stance to its right one (mean anchors of each), and each
    # piece's position along it: positive leans right, negative leans opposite.
    direction = np.zeros((n, anchor_vecs.shape[1]))
    for i in range(n):
        pro, con = anchor_vecs[(owner == i) & (stance == 1)], anchor_vecs[(owner == i) & (stance == -1)]
        if len(pro) and len(con):
            d = pro.mean(axis=0) - con.mean(axis=0)
            direction[i] = d / (np.linalg.norm(d) + 1e-9)
    stance_proj = piece_vecs @ direction.T
    model_rows = np.flatnonzero(is_model)
    reference = np.zeros(n)
    for i in range(n):
        own_model = anchor_vecs[model_rows[owner[model_rows] == i]]
        own_authored = anchor_vecs[(owner == i) & (stance == 1) & ~is_model]
        if len(own_model):
            reference[i] = float((own_model @ own_authored.T).max())
    pro_ok = (rights >= COVER_THRESHOLD) & (rights > wrongs + STANCE_MARGIN) & focus
    con_ok = (wrongs >= OPPOSE_THRESHOLD) & (wrongs > rights + CONTRA_MARGIN) & about
    return Signals(
        prose_pieces,
        rights,
        wrongs,
        authored,
        model,
        topic,
        about,
        focus,
        piece_neg[:, 0],
        flipped & (rights > 0),
        pro_ok,
        con_ok,
        len(_words(answer)),
        len(sentences),
        parts,
        mean2,
        reference,
        stance_proj,
    )


FEATURES = (
    "support",  # best right-stance match of any piece
    "support_focus",  # ... of a piece that supports this point best (within COVER_SLACK)
    "margin",  # right minus opposite stance, at the piece with the best margin
    "against_at_best",  # opposite-stance match of the best-supporting piece
    "lead",  # at the best piece: its match to this point minus its best match to another point
    "relative",  # best support minus the answer's mean best support over all points
    "authored",  # best match to the point's text and affirm anchors
    "model",  # best match to model-answer sentences anchoring the point
    "top2",  # mean of the two best pieces' support
    "shared",  # how many other points the best piece also supports (>= COVER_THRESHOLD)
    "negated",  # the best piece carries a negation
    "flipped",  # its support is a denial of an opposite anchor
    "rule_cover",  # the hand-threshold verdict: covered
    "rule_contra",  # ... contradicted
    "log_words",  # length of the answer
    "log_points",  # number of rubric points
    "parts_max",  # best match of a piece to one part of a compound point (the point itself otherwise)
    "parts_mean",  # mean over the point's parts of their best match
    "mean2",  # best mean of a piece's two best right-stance matches
    "reference",  # how near the model answer's nearest sentence comes to the point's authored anchors
    "support_ref",  # support minus reference
    "owned",  # best support among the pieces nearer this point than any other (0: none)
    "answer_mean",  # the answer's mean best support over all points
    "contra_share",  # share of the points the hand thresholds judge contradicted
    "cover_share",  # share of the points the hand thresholds judge covered
    "negated_share",  # share of the answer's pieces that carry a negation
    "sentences_per_point",  # the answer's sentences per rubric point
    "stance_best",  # stance projection of the best-supporting piece
    "stance_min",  # the most opposite-leaning stance among the pieces about the point (0: none)
    "stance_about",  # mean stance of the pieces about the point (0: none)
    "answer_stance",  # the answer's mean stance_best over all points
    "short40",  # how far the answer falls short of 40 words (log scale, 0 from 40 on)
    "short60",
    "short80",
    "dismiss_share",  # share of the answer's pieces that dismiss something ("overkill", "no need", "a waste")
)
# Words and phrases that wave a concern or a step away: a fluent dismissal of a rubric point reads, to the
# embedding model, much like the point itself.
DISMISSAL = re.compile(
    r"\b(?:overkill|waste(?:s|d)? (?:of )?(?:time|money|effort)|pointless|needless(?:ly)?|unnecessary|redundant|"
    r"theat(?:re|er)|bottleneck|overrated|no need|(?:don't|doesn't|do not|does not|won't) need|not (?:needed|necessary|worth)|"
    r"(?:don't|wouldn't|won't|no need to) bother|at face value|just fine|a feature,? not a bug|nothing to worry|"
    r"(?:is|are|would be) enough|good enough|skip(?:ping)?|ignore|purely|simply)\b",
    re.I,
)


def hand_verdicts(s: Signals) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the hand thresholds' verdict: (covered, contradicted). Covered when a piece covers it and
    supports it at least as much as any piece contradicting it opposes it; contradicted when not covered and
    some piece contradicts it."""
    against = np.where(s.con_ok, s.wrongs, 0.0).max(axis=0)
    cover = s.pro_ok.any(axis=0) & (np.where(s.pro_ok, s.rights, 0.0).max(axis=0) >= against)
    return cover, ~cover & s.con_ok.any(axis=0)


def point_features(s: Signals) -> np.ndarray:
    """One row of FEATURES per rubric point."""
    n_pieces, n = s.rights.shape
    best = s.rights.argmax(axis=0)  # the best-supporting piece per point
    cols = np.arange(n)
    support = s.rights[best, cols]
    others = np.where(np.eye(n, dtype=bool)[None, :, :], -1.0, s.rights[:, None, :]).max(
        axis=2
    )  # piece x point
    focus_support = np.where(s.focus, s.rights, 0.0).max(axis=0)
    top = np.sort(s.rights, axis=0)[::-1]
    top2 = top[:2].mean(axis=0) if n_pieces > 1 else top[0]
    shared = ((s.rights[best] >= COVER_THRESHOLD).sum(axis=1) - (support >= COVER_THRESHOLD)).astype(float)
    rule_cover, rule_contra = hand_verdicts(s)
    return np.stack(
        [
            support,
            focus_support,
            (s.rights - s.wrongs).max(axis=0),
            s.wrongs[best, cols],
            support - (others[best, cols] if n > 1 else 0.0),
            support - support.mean(),
            s.authored.max(axis=0),
            s.model.max(axis=0),
            top2,
            shared,
            s.negated[best].astype(float),
            s.flipped[best, cols].astype(float),
            rule_cover.astype(float),
            rule_contra.astype(float),
            np.full(n, np.log1p(s.words)),
            np.full(n, np.log(n)),
            np.array([p.max() for p in s.parts]),
            np.array([p.max(axis=0).mean() for p in s.parts]),
            s.mean2.max(axis=0),
            s.reference,
            support - s.reference,
            np.where(s.rights >= s.rights.max(axis=1, keepdims=True), s.rights, 0.0).max(axis=0),
            np.full(n, support.mean()),
            np.full(n, rule_contra.mean()),
            np.full(n, rule_cover.mean()),
            np.full(n, s.negated.mean()),
            np.full(n, s.sentences / n),
            s.stance[best, cols],
            np.where(s.about, s.stance, np.inf).min(axis=0).clip(-1, 1) * s.about.any(axis=0),
            np.where(s.about, s.stance, 0.0).sum(axis=0) / np.maximum(s.about.sum(axis=0), 1),
            np.full(n, s.stance[best, cols].mean()),
            np.full(n, max(0.0, np.log(40) - np.log1p(s.words))),
            np.full(n, max(0.0, np.log(60) - np.log1p(s.words))),
            np.full(n, max(0.0, np.log(80) - np.log1p(s.words))),
            np.full(n, float(np.mean([bool(DISMISSAL.search(p)) for p in s.pieces]))),
        ],
        axis=1,
    )


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic regression over FEATURES: the probability that a reader judges a point covered."""

    columns: tuple[int, ...]  # into FEATURES
    coef: np.ndarray
    intercept: float
    threshold: float  # the probability from which the point counts as covered

    def prob(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-(x[:, list(self.columns)] @ self.coef + self.intercept))))

    @classmethod
    def load(cls, data: dict) -> Logistic:
        return cls(
            tuple(FEATURES.index(f) for f in data["features"]),
            np.array(data["coef"], dtype=float),
            float(data["intercept"]),
            float(data["threshold"]),
        )


@functools.cache
def learned_decision(path: str = "") -> Logistic:
    """The fitted per-point decision (eval/fit_grader.py, bot/quiz/open_ended_weights.json)."""
    file = Path(path) if path else Path(__file__).with_name("open_ended_weights.json")
    return Logistic.load(json.loads(file.read_text(encoding="utf-8")))


def grade_assertions(
    points: Sequence[RubricPoint | str],
    answer: str,
    encode: Encode,
    model_answer: str = "",
    decide_by: Literal["learned", "thresholds"] = "learned",
) -> OpenGrade:
    """Decide, per rubric point, whether the answer asserts it (covered), asserts its opposite
    (contradicted) or neither (absent). Score: (covered - contradicted) / points, at least 0.

    `decide_by`: "learned" (default) judges each point by the fitted decision over the grader's signals
    (`point_features`, bot/quiz/open_ended_weights.json) when every point has affirm and oppose anchors and
    there is a model answer; otherwise, or with "thresholds", by the hand thresholds alone. Either way a point
    the answer does not cover is contradicted by the hand thresholds (CONTRA_MARGIN etc.)."""
    n = len(points)
    if not n:
        return OpenGrade((), False, 0.0, False)
    s = analyse(points, answer, encode, model_answer)
    if s is None:
        return OpenGrade(tuple(PointVerdict(i, "absent", 0.0, 0.0) for i in range(n)), False, 0.0, False)
    # The decision was fitted on anchored points (affirm and oppose anchors, a model answer): a rubric
    # without them gives signals outside what it has seen, and keeps the hand thresholds.
    anchored = model_answer.strip() and all(
        isinstance(p, RubricPoint) and p.affirm and p.oppose for p in points
    )
    model = learned_decision() if decide_by == "learned" and anchored else None
    probs = model.prob(point_features(s)) if model else None
    rule_cover, rule_contra = hand_verdicts(s)
    verdicts: list[PointVerdict] = []
    for i in range(n):
        right, wrong, pro_ok, con_ok = s.rights[:, i], s.wrongs[:, i], s.pro_ok[:, i], s.con_ok[:, i]
        support = float(right[pro_ok].max()) if pro_ok.any() else 0.0
        against = float(wrong[con_ok].max()) if con_ok.any() else 0.0
        covers, confidence = bool(rule_cover[i]), None
        if model is not None and probs is not None:
            covers, confidence = bool(probs[i] >= model.threshold), round(float(probs[i]), 3)
            if covers and not support:  # covered by the learned decision: its best-supporting piece
                support = float(np.where(s.focus[:, i], right, 0.0).max()) or float(right.max())
                pro_ok = right >= support - 1e-9
        # a point not covered is contradicted by the hand thresholds (unless they found it covered)
        denies = not covers and bool(rule_contra[i])
        if covers:
            piece = s.pieces[int(np.where(pro_ok, right, -1).argmax())]
            verdicts.append(
                PointVerdict(i, "covered", round(support, 3), round(against, 3), piece, confidence)
            )
        elif denies:
            piece = s.pieces[int(np.where(con_ok, wrong, -1).argmax())]
            verdicts.append(
                PointVerdict(i, "contradicted", round(support, 3), round(against, 3), piece, confidence)
            )
        else:
            verdicts.append(
                PointVerdict(
                    i, "absent", round(float(right.max()), 3), round(float(wrong.max()), 3), "", confidence
                )
            )
    n_cov = sum(v.status == "covered" for v in verdicts)
    n_con = sum(v.status == "contradicted" for v in verdicts)
    score = net_score(n_cov - n_con, n)
    rule_passed = _passes(int(rule_cover.sum() - rule_contra.sum()), n) if model is not None else None
    return OpenGrade(tuple(verdicts), True, round(score, 3), score >= PASS_SCORE, rule_passed)


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


def net_score(net: int, n: int) -> float:
    """The score of an answer covering `net` more of the `n` points than it contradicts: at least 0."""
    return max(0.0, net / n)


def _passes(net: int, n: int) -> bool:
    return net_score(net, n) >= PASS_SCORE - 1e-9


def doubts(grade: OpenGrade) -> tuple[str, ...]:
    """Why the grader is unsure of its pass/fail decision (empty when it is sure), from its own signals:

    - the score is within REVIEW_SCORE_MARGIN of the pass mark;
    - a point judged contradicted decides it: the answer also covers points, and read as absent instead of
      contradicted the point would turn a fail into a pass (contradictions are the least reliable verdicts);
    - a point's similarity is within REVIEW_SIMILARITY_MARGIN of its threshold (with the learned decision: its
      probability of being covered within REVIEW_CONFIDENCE_MARGIN of the decision's threshold), and the
      opposite verdict on it would flip the decision.

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
    if grade.passed and grade.rule_passed is False:
        # the learned decision passes what the hand thresholds fail: a fluent dismissal of the points reads
        # much like the points to the embedding model, so a human looks before the pass stands
        out.append("the hand thresholds alone would fail it")
    if covered and contradicted and _passes(covered, n) != grade.passed:
        out.append("a contradicted point decides pass or fail")
    for v in grade.verdicts:
        if v.confidence is not None and v.status != "contradicted":
            threshold = learned_decision().threshold
            if abs(v.confidence - threshold) <= REVIEW_CONFIDENCE_MARGIN:
                flipped = net - 1 if v.status == "covered" else net + 1
                if _passes(flipped, n) != grade.passed:
                    out.append(
                        f"point {v.index + 1} is borderline ({v.status}: confidence {v.confidence:.2f}, "
                        f"threshold {threshold:.2f})"
                    )
            continue
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
