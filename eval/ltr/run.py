"""Leave-one-set-out comparison of the current fusion, its re-tuned weights and learned rankers.

    TUTOR_CACHE_DIR=/tmp/tcache PYTHONPATH=. python -m ltr.run [--fresh]

Features are computed once with the real retriever and kept in ltr/.features.npz (--fresh recomputes them)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ltr.features import NAMES, SETS, TYPOS, cached
from ltr.models import Boosted, Current, Linear, Retuned, metrics, ranks

CACHE = Path(__file__).resolve().parent / ".features.npz"

SMALL = ["p1", "p2", "card", "a1", "a2", "s1", "bm25n", "bm25log", "pbm25n", "title_frac", "alias_hit", "acro_hit",
         "fused"]


# no gap features (for a linear score a feature minus its per-question max only shifts every concept of the
# question alike: it cannot change the ranking) and no rank features (which need the fusion sorted first)
COMPACT = ["p1", "p2", "card", "a1", "a2", "a_top3", "n_ask_60", "n_ask_70", "n_ask_80", "dense", "second", "s1", "s2",
           "bm25n", "bm25log", "pbm25n", "title_frac", "title_all", "alias_hit", "acro_hit", "fused"]


def models():
    return [
        Current(),
        Retuned(),
        Linear("listwise LR, all features", loss="listwise"),
        Linear("listwise LR, 13 features", features=SMALL, loss="listwise"),
        Linear("listwise LR, compact (21)", features=COMPACT, loss="listwise"),
        Linear("pairwise LR, all features", loss="pairwise"),
        Linear("listwise LR, all, fused penalised", loss="listwise", free=()),
        Boosted(),
    ]


def retriever():
    from tutor_cli.cli import _tutor

    return _tutor().retriever


def main(argv: list[str]) -> int:
    if "--fresh" in argv and CACHE.exists():
        CACHE.unlink()
    names = list(SETS) + list(TYPOS.values())
    t0 = time.time()
    data = cached(retriever, names, CACHE)
    print(f"features: {len(NAMES)} per (question, concept), {time.time() - t0:.1f}s")
    for n in names:  # the stored fused score is the retriever's own: it must reproduce `tutor eval`
        assert (ranks(Current().score(data[n]), data[n].y) == ranks(data[n].fused, data[n].y)).all(), n
    results: dict[str, dict[str, tuple]] = {}
    rks: dict[str, dict[str, np.ndarray]] = {}
    chosen: dict[str, dict[str, str]] = {}
    fold_weights: dict[str, dict[str, float]] = {}
    for m in models():
        results[m.name], chosen[m.name], rks[m.name] = {}, {}, {}
        t = time.time()
        for held in SETS:
            m.fit([data[s] for s in SETS if s != held])
            if m.name.startswith("listwise LR, compact"):
                fold_weights[held] = m.weights()
            chosen[m.name][held] = (f"{m.params}" if isinstance(m, Retuned) else
                                    f"lam={m.lam:g}" if isinstance(m, Linear) else "")
            for name in (held, TYPOS.get(held)):
                if name:
                    rks[m.name][name] = ranks(m.score(data[name]), data[name].y)
                    results[m.name][name] = metrics(rks[m.name][name])
        print(f"  {m.name}: {time.time() - t:.1f}s", file=sys.stderr)
    base = results["current fusion"]
    print("\nleave-one-set-out: each set scored by a model fitted on the other four (a typo copy: by the model "
          "fitted without its original)\n")
    print(f"| {'set':<18} | {'n':>3} | {'method':<34} | r@1   | r@3   | MRR   | d r@1  | d r@3  | d MRR  | fold |")
    print(f"|{'-' * 20}|-----|{'-' * 36}|-------|-------|-------|--------|--------|--------|------|")
    for name in names:
        for mname, res in results.items():
            r = res[name]
            d = [a - b for a, b in zip(r, base[name], strict=False)]
            held = next(s for s in SETS if name in (s, TYPOS.get(s)))
            print(f"| {name:<18} | {len(data[name].y):>3} | {mname:<34} | {r[0]:.3f} | {r[1]:.3f} | {r[2]:.3f} | "
                  f"{d[0]:+.3f} | {d[1]:+.3f} | {d[2]:+.3f} | {chosen[mname].get(held, '')} |")
        print(f"|{'':20}|     |{'':36}|       |       |       |        |        |        |      |")
    print("\nsummary over the five sets (typo copies aside): mean delta vs current, sets gained / lost by > 0.01 "
          "(r@1 or MRR), worst delta")
    for mname, res in results.items():
        d1 = np.array([res[s][0] - base[s][0] for s in SETS])
        dm = np.array([res[s][2] - base[s][2] for s in SETS])
        d3 = np.array([res[s][1] - base[s][1] for s in SETS])
        gained = int(((d1 > 0) | (dm > 0)).sum() - 0)
        lost = int(((d1 < -0.01) | (dm < -0.01) | (d3 < -0.01)).sum())
        print(f"  {mname:<34} mean d r@1 {d1.mean():+.3f}  d r@3 {d3.mean():+.3f}  d MRR {dm.mean():+.3f}  "
              f"gains(r@1 or MRR up) on {gained}/5, loses >0.01 on {lost}/5, worst {min(d1.min(), d3.min(), dm.min()):+.3f}")
    from scipy.stats import binomtest

    print("\nper question, pooled over the five held-out sets (781 questions; typo copies aside): rank 1 gained / lost "
          "against the current fusion, sign-test p; top 3 gained / lost")
    b = np.concatenate([rks["current fusion"][s] for s in SETS])
    for mname in list(results)[1:]:
        r = np.concatenate([rks[mname][s] for s in SETS])
        up, down = int(((r == 1) & (b != 1)).sum()), int(((r != 1) & (b == 1)).sum())
        up3, down3 = int(((r <= 3) & (b > 3)).sum()), int(((r > 3) & (b <= 3)).sum())
        p = binomtest(up, up + down).pvalue if up + down else 1.0
        print(f"  {mname:<34} r@1 +{up} / -{down} (p={p:.2f})   r@3 +{up3} / -{down3}")
    print("\nlistwise LR, compact: weights per leave-one-set-out fold, in the features' own units, each divided by "
          "the fold's weight on 'fused' (the current fused score): what the model adds to it")
    feats = list(next(iter(fold_weights.values())))
    print(f"  {'feature':<11} " + " ".join(f"{'w/o ' + h:>16}" for h in fold_weights))
    for f in feats:
        print(f"  {f:<11} " + " ".join(f"{w[f] / w['fused']:>+16.4f}" for w in fold_weights.values()))
    print("\nfitted on all five sets:")
    for m in models()[1:]:
        m.fit([data[s] for s in SETS])
        if isinstance(m, Retuned):
            print(f"  {m.name}: W_DENSE, W_SENTENCE, W_LEXICAL, RUNNER_UP = {m.params}")
        elif isinstance(m, Linear):
            print(f"  {m.name} (lam={m.lam:g}), weights in the features' own units:")
            for f, w in sorted(m.weights().items(), key=lambda kv: -abs(kv[1] * np.std(
                    np.concatenate([data[s].X[:, :, NAMES.index(kv[0])] for s in SETS])))):
                print(f"      {f:<12} {w:+.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
