"""Rankers over FeatureSets: the current fusion, its weights re-tuned, linear (listwise / pairwise) and boosted models.

Every ranker has `fit(list of FeatureSet)` and `score(FeatureSet) -> (nq, nc)` (higher is better); the "same
question" override of `Retriever.scores` is applied after any model (`override`)."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from ltr.features import NAMES

SAME_QUESTION = 0.88


def override(score: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """The retriever's rule: a unit at >= 0.88 cosine is the question itself, its concept leads."""
    score = score.copy()
    rows = np.arange(len(score))
    best = dense.argmax(1)
    hit = (dense[rows, best] >= SAME_QUESTION) & (score[rows, best] < score.max(1))
    score[rows[hit], best[hit]] = score.max(1)[hit] + 1e-3
    return score


def ranks(score: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The rank of the first correct concept, ranking like `Retriever.search` (np.argsort(-score))."""
    out = np.empty(len(score), dtype=int)
    for i, (s, yy) in enumerate(zip(score, y, strict=False)):
        order = np.argsort(-s)
        out[i] = int(np.flatnonzero(yy[order])[0]) + 1
    return out


def fast_ranks(score: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 + the concepts strictly above the best correct one (ties aside, as `ranks`); for grid searches."""
    best = np.where(y, score, -np.inf).max(1)
    return 1 + (score > best[:, None]).sum(1)


def metrics(rk: np.ndarray) -> tuple[float, float, float]:
    return float((rk == 1).mean()), float((rk <= 3).mean()), float((1 / rk).mean())


def stack(sets):
    return (np.concatenate([s.X for s in sets]), np.concatenate([s.y for s in sets]),
            np.concatenate([s.dense for s in sets]))


# -- the current fusion and its re-tuned weights ---------------------------------------------------------------
def fusion(fs, wd=0.55, ws=0.15, wl=0.30, runner=0.3) -> np.ndarray:
    blended = np.where(fs.dense > -1, (1 - runner) * fs.dense + runner * fs.second, fs.dense)
    return wd * blended + ws * fs.sentence + wl * fs.lexical


class Current:
    name = "current fusion"

    def fit(self, sets):
        return self

    def score(self, fs):
        return override(fusion(fs), fs.dense)


class Retuned:
    """W_DENSE, W_SENTENCE, W_LEXICAL (summing to 1: only their ratios rank) and RUNNER_UP on a grid, chosen for the
    training questions' MRR (then recall@1, then closeness to the current weights)."""

    name = "re-tuned weights"
    GRID = [(wd, ws, round(1 - wd - ws, 2)) for wd in np.arange(0, 1.001, 0.05) for ws in np.arange(0, 1.001, 0.05)
            if wd + ws <= 1.0001]
    RUNNERS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)

    def fit(self, sets):
        best = None
        for (wd, ws, wl), r in itertools.product(self.GRID, self.RUNNERS):
            rk = np.concatenate([fast_ranks(override(fusion(s, wd, ws, wl, r), s.dense), s.y) for s in sets])
            r1, _, mrr = metrics(rk)
            key = (round(mrr, 6), round(r1, 6), -abs(wd - 0.55) - abs(ws - 0.15) - abs(r - 0.3))
            if best is None or key > best[0]:
                best = (key, (wd, ws, wl, r))
        self.params = tuple(round(float(x), 2) for x in best[1])
        return self

    def score(self, fs):
        return override(fusion(fs, *self.params), fs.dense)


# -- linear models -------------------------------------------------------------------------------------------
class Linear:
    """A linear score w.x over standardised features. `loss`: "listwise" (softmax over a question's concepts, the
    correct ones' total probability) or "pairwise" (logistic on correct minus each of the fusion's top-`hard` wrong
    ones). L2 on w, except on the features in `free` (the current fused score: strong L2 falls back to the current
    ranking). `lam` chosen by leave-one-set-out inside the training sets when given as a tuple."""

    def __init__(self, name, features=None, loss="listwise", lam=(1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0),
                 free=("fused",), hard=10):
        self.name = name
        self.features = list(features or NAMES)
        self.cols = [NAMES.index(f) for f in self.features]
        self.loss, self.lams, self.hard = loss, lam, hard
        self.free = np.array([f in free for f in self.features])

    def _fit_one(self, sets, lam):
        X, y, _ = stack(sets)
        X = X[:, :, self.cols]
        mu = X.reshape(-1, X.shape[2]).mean(0)
        sd = X.reshape(-1, X.shape[2]).std(0)
        sd[sd == 0] = 1
        Z = (X - mu) / sd
        pen = np.where(self.free, 0.0, lam)
        nq = len(Z)
        if self.loss == "listwise":
            def f(w):
                s = Z @ w
                lse = logsumexp(s, 1)
                lsp = logsumexp(np.where(y, s, -np.inf), 1)
                p_all = np.exp(s - lse[:, None])
                p_pos = np.where(y, np.exp(s - lsp[:, None]), 0.0)
                loss = (lse - lsp).mean() + 0.5 * (pen * w * w).sum()
                g = (p_all - p_pos).reshape(-1) @ Z.reshape(-1, Z.shape[2]) / nq + pen * w
                return loss, g
        else:
            diffs, wts = [], []
            base = np.concatenate([s.fused for s in sets])
            for q in range(nq):
                order = np.argsort(-base[q])
                neg = [c for c in order if not y[q, c]][: self.hard]
                pos = np.flatnonzero(y[q])
                d = (Z[q, pos][:, None, :] - Z[q, neg][None, :, :]).reshape(-1, Z.shape[2])
                diffs.append(d)
                wts.append(np.full(len(d), 1.0 / len(d)))
            D, W = np.concatenate(diffs), np.concatenate(wts) / nq

            def f(w):
                m = D @ w
                loss = (W * np.logaddexp(0, -m)).sum() + 0.5 * (pen * w * w).sum()
                g = -(W / (1 + np.exp(m))) @ D + pen * w
                return loss, g
        w0 = np.zeros(Z.shape[2])
        if self.free.any():
            w0[self.free] = 1.0
        res = minimize(f, w0, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
        return res.x, mu, sd

    def _score(self, fs, params):
        w, mu, sd = params
        return ((fs.X[:, :, self.cols] - mu) / sd) @ w

    def fit(self, sets):
        lams = self.lams if isinstance(self.lams, tuple) else (self.lams,)
        if len(lams) > 1:  # inner leave-one-set-out
            results = []
            for lam in lams:
                rk = []
                for i, held in enumerate(sets):
                    p = self._fit_one([s for j, s in enumerate(sets) if j != i], lam)
                    rk.append(fast_ranks(override(self._score(held, p), held.dense), held.y))
                r1, _, mrr = metrics(np.concatenate(rk))
                results.append((round(mrr, 6), round(r1, 6), lam))  # ties: the larger lam (simpler)
            self.lam = max(results)[2]
        else:
            self.lam = lams[0]
        self.params = self._fit_one(sets, self.lam)
        return self

    def score(self, fs):
        return override(self._score(fs, self.params), fs.dense)

    def weights(self):
        """Weights in the features' own units (w / sd), and the intercept-free form score = sum w_f * x_f."""
        w, mu, sd = self.params
        return dict(zip(self.features, w / sd, strict=False))


class Boosted:
    """sklearn's HistGradientBoostingClassifier, pointwise (is this concept correct?), reranking the fusion's top
    `top` concepts (the others keep the fusion's order below them)."""

    def __init__(self, name="boosted trees (top-10 rerank)", top=10, **kw):
        self.name, self.top = name, top
        self.kw = dict(max_depth=3, learning_rate=0.05, max_iter=200, min_samples_leaf=20, l2_regularization=1.0,
                       random_state=0) | kw

    def fit(self, sets):
        from sklearn.ensemble import HistGradientBoostingClassifier

        X, y, _ = stack(sets)
        self.model = HistGradientBoostingClassifier(**self.kw).fit(X.reshape(-1, X.shape[2]), y.reshape(-1))
        return self

    def score(self, fs):
        nq, nc, nf = fs.X.shape
        p = self.model.predict_proba(fs.X.reshape(-1, nf))[:, 1].reshape(nq, nc)
        rank = np.exp(fs.X[:, :, NAMES.index("logrank")])
        out = np.where(rank <= self.top, 2.0 + p, -rank / nc)
        return override(out, fs.dense)
