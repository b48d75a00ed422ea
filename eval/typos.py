"""Write noisy copies of the non-blind sets, `eval/<set>-typos.jsonl`: every question in lower case without
punctuation, hyphens merged or split, and one word in five with a slip (a letter dropped, added, doubled,
swapped with the next, replaced by a neighbouring key, or a vowel left out; the first letter too).

They measure how much typing noise costs retrieval, and what mending typos (bot/retrieval/spelling.py) wins
back, without tuning on the blind set (never copied here). Deterministic: `python eval/typos.py` rewrites the
same files.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("heldout", "students", "informal-dev")
KEYS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEAR = {row[i]: row[max(0, i - 1) : i] + row[i + 1 : i + 2] for row in KEYS for i in range(len(row))}


def slip(word: str, rng: random.Random) -> str:
    if len(word) < 3 or not word.isalpha():
        return word
    i = rng.randrange(len(word))
    kind = rng.randrange(6)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i:]
    if kind == 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 3 and word[i] in NEAR:
        return word[:i] + rng.choice(NEAR[word[i]]) + word[i + 1 :]
    if kind == 4:
        vowels = [j for j, c in enumerate(word) if c in "aeiou" and j > 0]
        if vowels:
            j = rng.choice(vowels)
            return word[:j] + word[j + 1 :]
    return word[:i] + word[i] + word[i:]


def noisy(question: str, rng: random.Random) -> str:
    q = question.lower()
    q = re.sub(r"(\w)-(\w)", lambda m: m.group(1) + ("" if rng.random() < 0.5 else " ") + m.group(2), q)
    q = re.sub(r"[^\w\s']", " ", q)
    return " ".join(slip(w, rng) if rng.random() < 0.2 else w for w in q.split())


def main() -> None:
    rng = random.Random(7)
    for name in SETS:
        rows = []
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows.append(json.dumps({"question": noisy(row["question"], rng), "concepts": row["concepts"]}))
        (HERE / f"{name}-typos.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
