"""Per-(question, concept) features for a learned ranker, computed with the retriever's own internals.

`build(retriever, questions)` returns a FeatureSet: X (questions x concepts x features), the parts of the current
fusion (to re-tune its weights), and the current fused score (which must reproduce `tutor eval`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.retrieval.index import stem, tokenize

SETS = ("questions", "heldout", "students", "informal-dev", "dev4")
TYPOS = {"heldout": "heldout-typos", "students": "students-typos", "informal-dev": "informal-dev-typos"}
EVAL_DIR = Path(__file__).resolve().parent.parent  # eval/

# the base (non-gap) features, in order
BASE = [
    "p1", "p2",  # best / second-best passage cosine
    "card",  # the card's cosine (one card per concept)
    "a1", "a2", "a_top3",  # best / second-best / mean of top-3 ask cosines
    "n_ask_60", "n_ask_70", "n_ask_80",  # asks above a cosine threshold
    "dense", "second", "blended",  # current dense parts: best unit, second (as `_dense` defines it), 0.7/0.3 blend
    "s1", "s2",  # best / second-best sentence cosine
    "bm25n", "bm25log",  # concept BM25 / max over concepts, log(1 + raw)
    "pbm25n",  # best passage-level BM25 / max over passages
    "title_frac", "title_all", "alias_hit", "acro_hit",  # names said in the question
    "fused", "top1", "logrank",  # the current fusion: score, rank 1, log rank
]
GAPPED = ["p1", "card", "a1", "dense", "blended", "s1", "bm25log", "pbm25n", "fused"]
NAMES = BASE + [f"gap_{f}" for f in GAPPED]


@dataclass
class FeatureSet:
    name: str
    questions: list[str]
    X: np.ndarray  # (nq, nc, nf) float64
    y: np.ndarray  # (nq, nc) bool: the concept counts as correct
    dense: np.ndarray  # (nq, nc) parts of the current fusion
    second: np.ndarray
    sentence: np.ndarray
    lexical: np.ndarray  # BM25 / max
    fused: np.ndarray  # the retriever's own `scores` output


def load(name: str, known: list[str]) -> tuple[list[str], np.ndarray]:
    pos = {c: i for i, c in enumerate(known)}
    qs, ys = [], []
    for line in (EVAL_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = json.loads(line)
        y = np.zeros(len(known), dtype=bool)
        y[[pos[c] for c in row["concepts"]]] = True
        qs.append(row["question"])
        ys.append(y)
    return qs, np.array(ys)


def _stems(text: str) -> set[str]:
    return {stem(t) for t in tokenize(text)}


class Namer:
    """The concept's names as a question may say them: title words, aliases, acronyms."""

    ACRO = re.compile(r"\b([A-Z][A-Za-z]*[A-Z][A-Za-z]*)\b")

    def __init__(self, retriever):
        self.title, self.aliases, self.acros = [], [], []
        for cid in retriever.concept_ids:
            c = retriever.course.concepts[cid]
            plain = re.sub(r"\s*\([^)]*\)", "", c.title)
            self.title.append(_stems(plain))
            self.aliases.append([_stems(a) for a in c.aliases if _stems(a)])
            acros = set()
            for name in (c.title, *c.aliases):
                for a in self.ACRO.findall(name):
                    if sum(ch.isupper() for ch in a) >= 2 and len(a) <= 6:
                        acros.add(stem(a.lower()))
            self.acros.append(acros)

    def features(self, question: str) -> np.ndarray:
        q = _stems(question)
        out = np.zeros((len(self.title), 4))
        for i, (t, al, ac) in enumerate(zip(self.title, self.aliases, self.acros, strict=False)):
            frac = len(t & q) / len(t) if t else 0.0
            out[i] = (frac, float(frac == 1.0), float(any(a <= q for a in al)), float(bool(ac & q)))
        return out


def _top2(sims: np.ndarray, owner: np.ndarray, nc: int, fill: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Per concept, its best and second-best similarity among units owned by it."""
    order = np.lexsort((-sims, owner))  # by owner, best first within
    o, s = owner[order], sims[order]
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    best = np.full(nc, fill)
    second = np.full(nc, fill)
    best[o[starts]] = s[starts]
    has2 = np.r_[starts[1:], len(o)] - starts >= 2
    second[o[starts[has2]]] = s[starts[has2] + 1]
    return best, second


class Featurizer:
    def __init__(self, retriever):
        r = self.r = retriever
        self.nc = len(r.concept_ids)
        pos = r._pos
        self.p_owner = np.array([pos[o] for o in r.passages.owner])
        ex_owner = np.array([pos[o] for o in r.extra.owner])
        is_card = np.r_[True, ex_owner[1:] != ex_owner[:-1]]  # each concept's card is its first extra unit
        self.card_rows = np.flatnonzero(is_card)
        assert (ex_owner[self.card_rows] == np.arange(self.nc)).all()
        self.ask_rows = np.flatnonzero(~is_card)
        self.ask_owner = ex_owner[self.ask_rows]
        self.s_owner = np.array([pos[o] for o in r.sentences.owner])
        self.namer = Namer(r)

    def one(self, question: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        r, nc = self.r, self.nc
        text = r.normalize(question)
        qvec = r.encode_query(text)
        fused, dense = r.scores(text, "hybrid", qvec)
        _, second = r._dense(r.unit_index, r._unit_owner, qvec, runner_up=1.0)
        blended = np.where(dense > -1, (1 - r.RUNNER_UP) * dense + r.RUNNER_UP * second, dense)
        psims = r.passages.vectors @ qvec
        esims = r.extra.vectors @ qvec
        ssims = r.sentences.vectors @ qvec
        p1, p2 = _top2(psims, self.p_owner, nc)
        card = esims[self.card_rows]
        asks = esims[self.ask_rows]
        a1, a2 = _top2(asks, self.ask_owner, nc)
        # mean of the top 3 asks per concept
        a_top3 = np.zeros(nc)
        n60, n70, n80 = np.zeros(nc), np.zeros(nc), np.zeros(nc)
        for c in range(nc):
            s = np.sort(asks[self.ask_owner == c])[::-1]
            a_top3[c] = s[:3].mean()
            n60[c], n70[c], n80[c] = (s >= 0.6).sum(), (s >= 0.7).sum(), (s >= 0.8).sum()
        s1, s2 = _top2(ssims, self.s_owner, nc)
        raw = r.bm25.scores(text).astype(np.float64)
        top = raw.max()
        bm25n = raw / top if top > 0 else raw
        praw = r.passage_bm25.scores(text).astype(np.float64)
        pbest = np.zeros(nc)
        np.maximum.at(pbest, self.p_owner, praw)
        pbm25n = pbest / praw.max() if praw.max() > 0 else pbest
        names = self.namer.features(text)
        order = np.argsort(-fused)
        rank = np.empty(nc)
        rank[order] = np.arange(1, nc + 1)
        base = np.column_stack([
            p1, p2, card, a1, a2, a_top3, n60, n70, n80, dense, second, blended, s1, s2,
            bm25n, np.log1p(raw), pbm25n, names, fused, rank == 1, np.log(rank),
        ]).astype(np.float64)
        idx = {f: i for i, f in enumerate(BASE)}
        gaps = np.column_stack([base[:, idx[f]] - base[:, idx[f]].max() for f in GAPPED])
        X = np.hstack([base, gaps])
        parts = dict(dense=dense, second=second, sentence=r._best_sentence(ssims),
                     lexical=bm25n, fused=fused)
        return X, parts


def build(retriever, name: str, featurizer: Featurizer | None = None) -> FeatureSet:
    f = featurizer or Featurizer(retriever)
    qs, y = load(name, retriever.concept_ids)
    Xs, parts = [], {k: [] for k in ("dense", "second", "sentence", "lexical", "fused")}
    for q in qs:
        X, p = f.one(q)
        Xs.append(X)
        for k in parts:
            parts[k].append(np.asarray(p[k], dtype=np.float64))
    return FeatureSet(name, qs, np.array(Xs), y, **{k: np.array(v) for k, v in parts.items()})


def cached(make_retriever, names, path: Path) -> dict[str, FeatureSet]:
    """Every set's features, computed once (with `make_retriever()`) and kept in `path` (an .npz)."""
    if path.exists():
        z = np.load(path, allow_pickle=True)
        if list(z["names"]) == list(NAMES) and set(z["sets"]) >= set(names):
            return {n: FeatureSet(n, list(z[f"{n}/questions"]), z[f"{n}/X"], z[f"{n}/y"], z[f"{n}/dense"],
                                  z[f"{n}/second"], z[f"{n}/sentence"], z[f"{n}/lexical"], z[f"{n}/fused"])
                    for n in names}
    retriever = make_retriever()
    f = Featurizer(retriever)
    out = {n: build(retriever, n, f) for n in names}
    arrays = {"names": np.array(NAMES), "sets": np.array(list(out))}
    for n, fs in out.items():
        arrays |= {f"{n}/questions": np.array(fs.questions, dtype=object), f"{n}/X": fs.X, f"{n}/y": fs.y,
                   f"{n}/dense": fs.dense, f"{n}/second": fs.second, f"{n}/sentence": fs.sentence,
                   f"{n}/lexical": fs.lexical, f"{n}/fused": fs.fused}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return out
