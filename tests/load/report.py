"""What the burst scripts share: their common options, and N runs on fresh databases printed with their medians."""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=300, help="how many clicks (default 300)")
    parser.add_argument("--seconds", type=float, default=1.0, help="spread over this long (default 1)")
    parser.add_argument("--runs", type=int, default=1, help="bursts, each on a fresh worker (default 1)")
    parser.add_argument("--db", help="a database URL (default: a temporary SQLite file per run)")
    parser.add_argument("--log", type=Path, help="append the worker's output to this file")
    return parser


def show(figures: dict[str, Any]) -> str:
    return "\n".join(
        f"{name:>34}: {value:.3f}" if isinstance(value, float) else f"{name:>34}: {value}"
        for name, value in figures.items()
    )


def run(args: argparse.Namespace, one: Callable[[str], dict[str, Any]]) -> None:
    """`one(database url)` --runs times, each on `--db` or a fresh temporary SQLite file; prints each run's
    figures and then the medians (one run: its figures)."""
    runs = []
    for number in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            figures = one(args.db or f"sqlite:///{Path(tmp) / 'burst.sqlite'}")
        runs.append(figures)
        if args.runs > 1:
            print(f"run {number + 1}:\n{show(figures)}", flush=True)
    if args.runs > 1:
        medians = {
            k: statistics.median(r[k] for r in runs)
            for k, v in runs[0].items()
            if isinstance(v, (int, float))
        }
        print(f"median of {args.runs} runs:\n{show(medians)}")
    else:
        print(show(runs[0]))
