"""What integrating the compact listwise model into `Retriever.scores` would take, checked and timed.

    TUTOR_CACHE_DIR=/tmp/tcache PYTHONPATH=. python -m ltr.integrate

1. fits the compact listwise model on all five sets (lam by leave-one-set-out among them) and writes its weights,
   in the features' own units, to ltr/ranker.json;
2. `LearnedScores` computes those 21 features from the retriever's internals, vectorised, at query time, and
   scores sum(w_f * x_f) (a per-question constant such as the standardisation's mean cannot change a ranking, so
   no intercept or scaling is stored), then the retriever's same-question override;
3. checks that it ranks every question of the development sets exactly as the experiment's model, and times the
   added work per query against `Retriever.scores` itself (the question's vector given: encoding not counted)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from bot.retrieval.index import stem, tokenize
from ltr.features import SETS, TYPOS, Namer, cached
from ltr.models import Linear, override, ranks
from ltr.run import CACHE, COMPACT, retriever

WEIGHTS = Path(__file__).resolve().parent / "ranker.json"


def _padded(owner: np.ndarray, nc: int) -> np.ndarray:
    """(nc, most units of a concept) row numbers of each concept's units, -1 padding."""
    counts = np.bincount(owner, minlength=nc)
    out = np.full((nc, max(int(counts.max()), 2)), -1, dtype=np.int64)
    for c in range(nc):
        rows = np.flatnonzero(owner == c)
        out[c, : len(rows)] = rows
    return out


class FastNamer:
    """`features.Namer`, by the question's words: each stem looks up the titles, aliases and acronyms holding it."""

    def __init__(self, namer: Namer):
        nc = len(namer.title)
        self.nc = nc
        self.title_len = np.array([max(len(t), 1) for t in namer.title], dtype=np.float64)
        self.has_title = np.array([bool(t) for t in namer.title])
        self.title: dict[str, list[int]] = {}
        self.alias: dict[str, list[int]] = {}
        self.acro: dict[str, list[int]] = {}
        alias_owner, alias_size = [], []
        for c in range(nc):
            for t in namer.title[c]:
                self.title.setdefault(t, []).append(c)
            for a in namer.aliases[c]:
                for t in a:
                    self.alias.setdefault(t, []).append(len(alias_owner))
                alias_owner.append(c)
                alias_size.append(len(a))
            for t in namer.acros[c]:
                self.acro.setdefault(t, []).append(c)
        self.alias_owner = np.array(alias_owner)
        self.alias_size = np.array(alias_size)

    def features(self, question: str) -> np.ndarray:
        q = {stem(t) for t in tokenize(question)}
        title = np.zeros(self.nc)
        alias = np.zeros(len(self.alias_size))
        acro = np.zeros(self.nc)
        for t in q:
            for c in self.title.get(t, ()):
                title[c] += 1
            for a in self.alias.get(t, ()):
                alias[a] += 1
            for c in self.acro.get(t, ()):
                acro[c] = 1
        frac = np.where(self.has_title, title / self.title_len, 0.0)
        hit = np.zeros(self.nc)
        hit[self.alias_owner[alias == self.alias_size]] = 1
        return np.column_stack([frac, frac == 1.0, hit, acro])


class LearnedScores:
    def __init__(self, r, weights: dict[str, float]):
        self.r = r
        self.nc = nc = len(r.concept_ids)
        self.names = list(weights)
        self.w = np.array([weights[f] for f in self.names])
        pos = r._pos
        ex_owner = np.array([pos[o] for o in r.extra.owner])
        is_card = np.r_[True, ex_owner[1:] != ex_owner[:-1]]
        self.card_rows = np.flatnonzero(is_card)
        ask_rows = np.flatnonzero(~is_card)
        self.asks = ask_rows[_padded(ex_owner[ask_rows], nc)]
        self.asks[_padded(ex_owner[ask_rows], nc) < 0] = -1
        self.p_owner = np.array([pos[o] for o in r.passages.owner])
        self.passages = _padded(self.p_owner, nc)
        self.sentences = _padded(np.array([pos[o] for o in r.sentences.owner]), nc)
        # one matrix for the passages, the cards and asks (the unit index's own order)
        self.units = np.vstack([r.passages.vectors, r.extra.vectors])
        self.n_p = len(r.passages.vectors)
        self.namer = FastNamer(Namer(r))

    @staticmethod
    def _sorted(sims: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """Each concept's k best similarities, best first; missing ones 0 (as the experiment's features)."""
        x = np.where(rows >= 0, sims[rows], -np.inf)
        top = -np.sort(-x, axis=1)[:, :k]
        return np.where(np.isfinite(top), top, 0.0)

    def scores(self, text: str, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = self.r
        fused, dense = r.scores(text, "hybrid", qvec)  # includes the override: harmless, it is applied again
        _, second = r._dense(r.unit_index, r._unit_owner, qvec, runner_up=1.0)  # inside r.scores in an integration
        usims = self.units @ qvec
        psims, esims = usims[: self.n_p], usims[self.n_p :]
        ssims = r.sentences.vectors @ qvec  # r.scores has these already (`sentence`)
        p = self._sorted(psims, self.passages, 2)
        a = self._sorted(esims, self.asks, 3)
        s = self._sorted(ssims, self.sentences, 2)
        asks = np.where(self.asks >= 0, esims[self.asks], -np.inf)
        raw = r.bm25.scores(text).astype(np.float64)  # r.scores has it already
        top = raw.max()
        praw = r.passage_bm25.scores(text).astype(np.float64)
        pbest = np.zeros(self.nc)
        np.maximum.at(pbest, self.p_owner, praw)
        feats = {
            "p1": p[:, 0], "p2": p[:, 1], "card": esims[self.card_rows], "a1": a[:, 0], "a2": a[:, 1],
            "a_top3": a.mean(1), "n_ask_60": (asks >= 0.6).sum(1), "n_ask_70": (asks >= 0.7).sum(1),
            "n_ask_80": (asks >= 0.8).sum(1), "dense": dense, "second": second, "s1": s[:, 0], "s2": s[:, 1],
            "bm25n": raw / top if top > 0 else raw, "bm25log": np.log1p(raw),
            "pbm25n": pbest / praw.max() if praw.max() > 0 else pbest, "fused": fused,
        }
        names = self.namer.features(text)
        feats |= {"title_frac": names[:, 0], "title_all": names[:, 1], "alias_hit": names[:, 2],
                  "acro_hit": names[:, 3]}
        X = np.column_stack([feats[f] for f in self.names])
        return override((X @ self.w)[None, :], dense[None, :])[0], dense


    def integrated(self, text: str, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As `scores`, but as it would run inside `Retriever.scores`: the fusion's own dense search, sentence
        similarities and BM25 computed once and shared (the same numbers, so the same ranking)."""
        r = self.r
        dense, second = r._dense(r.unit_index, r._unit_owner, qvec, runner_up=1.0)
        blended = np.where(dense > -1.0, (1 - r.RUNNER_UP) * dense + r.RUNNER_UP * second, dense)
        ssims = r.sentences.vectors @ qvec
        sentence = r._best_sentence(ssims)
        raw = r.bm25.scores(text)
        top = float(raw.max())
        lexical = raw / top if top > 0 else raw
        fused = r.W_DENSE * blended + r.W_SENTENCE * sentence + r.W_LEXICAL * lexical
        fused = override(fused[None, :], dense[None, :])[0]  # the current ranking, a feature
        # the added work: every unit's similarity, each concept's best few, passage BM25, names
        usims = self.units @ qvec
        esims = usims[self.n_p :]
        p = self._sorted(usims[: self.n_p], self.passages, 2)
        asks = np.where(self.asks >= 0, esims[self.asks], -np.inf)
        a = -np.sort(-asks, axis=1)[:, :3]
        s = self._sorted(ssims, self.sentences, 2)
        praw = r.passage_bm25.scores(text)
        pbest = np.zeros(self.nc, dtype=np.float32)
        np.maximum.at(pbest, self.p_owner, praw)
        ptop = float(praw.max())
        names = self.namer.features(text)
        feats = {
            "p1": p[:, 0], "p2": p[:, 1], "card": esims[self.card_rows], "a1": a[:, 0], "a2": a[:, 1],
            "a_top3": a.mean(1), "n_ask_60": (asks >= 0.6).sum(1), "n_ask_70": (asks >= 0.7).sum(1),
            "n_ask_80": (asks >= 0.8).sum(1), "dense": dense, "second": second, "s1": s[:, 0], "s2": s[:, 1],
            "bm25n": lexical, "bm25log": np.log1p(raw), "pbm25n": pbest / ptop if ptop > 0 else pbest,
            "fused": fused, "title_frac": names[:, 0], "title_all": names[:, 1], "alias_hit": names[:, 2],
            "acro_hit": names[:, 3],
        }
        X = np.column_stack([feats[f] for f in self.names])
        return override((X @ self.w)[None, :], dense[None, :])[0], dense


def main() -> int:
    r = retriever()
    data = cached(lambda: r, list(SETS) + list(TYPOS.values()), CACHE)
    m = Linear("listwise LR, compact (21)", features=COMPACT, loss="listwise").fit([data[s] for s in SETS])
    weights = {f: float(w) for f, w in m.weights().items()}
    WEIGHTS.write_text(json.dumps({
        "model": "listwise logistic regression (softmax over a question's concepts), L2 on all but 'fused'",
        "lam": m.lam, "trained_on": [f"eval/{s}.jsonl" for s in SETS],
        "score": "sum of weight * feature; then the same-question override", "weights": weights}, indent=1) + "\n")
    print(f"wrote {WEIGHTS} (lam={m.lam:g})")
    learned = LearnedScores(r, json.loads(WEIGHTS.read_text())["weights"])
    namer = Namer(r)
    for fn in (learned.scores, learned.integrated):
        same = total = 0
        for _name, fs in data.items():
            expect = ranks(m.score(fs), fs.y)
            got = []
            for q, y in zip(fs.questions, fs.y, strict=False):
                text = r.normalize(q)
                assert (learned.namer.features(text) == namer.features(text)).all()
                sc, _ = fn(text, r.encode_query(text))
                got.append(int(np.flatnonzero(y[np.argsort(-sc)])[0]) + 1)
            same += int((np.array(got) == expect).sum())
            total += len(expect)
        print(f"query-time features ({fn.__name__}) rank the first correct concept as the experiment's model: "
              f"{same}/{total} questions")
    # timing: the question's text normalised and its vector encoded beforehand (both cached)
    prepared = []
    for fs in data.values():
        for q in fs.questions:
            text = r.normalize(q)
            prepared.append((text, r.encode_query(text)))
    from threadpoolctl import threadpool_limits

    print(f"time per query, best of 5 passes over {len(prepared)} prepared questions (vector given):")
    for threads in (1, None):
        with threadpool_limits(threads):
            times = {}
            for label, fn in (("Retriever.scores (now)", lambda t, v: r.scores(t, "hybrid", v)),
                              ("learned, inside Retriever.scores", learned.integrated)):
                best = np.inf
                for _ in range(5):
                    t0 = time.perf_counter()
                    for t, v in prepared:
                        fn(t, v)
                    best = min(best, (time.perf_counter() - t0) / len(prepared))
                times[label] = best
            now, new = times.values()
            print(f"  BLAS threads {threads or 'default'}: now {now * 1e3:.3f} ms, learned {new * 1e3:.3f} ms, "
                  f"added {(new - now) * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
