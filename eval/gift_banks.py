"""Run the GIFT importer over folders of real banks; count converted, reported and wrongly converted questions.

    git show ff7055f:bot/course/gift.py > /tmp/old_gift.py     # the importer before issue #12
    PYTHONPATH=$PWD python eval/gift_banks.py --before /tmp/old_gift.py DIR [DIR ...]

The banks measured for issue #12 are not in the repository (licences): Moodle's fixtures (moodle/moodle,
question/format/gift/tests/fixtures/*.gift.txt and examples.txt, GPL-3), the PEG.js grammar suite
(fuhrmanator/GIFT-grammar-PEG.js, tests/questions, MIT), an English-exam course export of 47 files
(Lentaan/GL02_BTP_logiciel, SujetB_data/, no licence) and jfsanchez/preguntasSBD (3 files, no licence).
"Wrong" is what a learner would notice, found by these checks; read samples too: a check finds only what
it looks for.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from bot.course import gift as current

TAG = re.compile(r"\[(html|moodle|plain|markdown)\]", re.I)
HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("gift_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gift_before"] = module
    spec.loader.exec_module(module)
    return module


def _texts(q: dict) -> list[tuple[str, str]]:
    out = [("prompt", q.get("prompt", "")), ("explanation", q.get("explanation", ""))]
    for o in q.get("options", []):
        out += [("option", o.get("text", "")), ("feedback", o.get("explanation", ""))]
    for p in q.get("pairs", []):
        out += [("left", p["left"]), ("right", p["right"]), ("feedback", p.get("explanation", ""))]
    out += [("answer", a) for a in q.get("answers", [])]
    out += [("model", q.get("model_answer", ""))] + [("rubric", r) for r in q.get("rubric", [])]
    return out


def defects(q: dict, block: str, noted: bool) -> list[str]:
    found = []
    everything = " ".join(t for _, t in _texts(q))
    for kind, t in _texts(q):
        if kind in ("option", "left", "right", "answer") and not t.strip():
            found.append("empty option")
        if TAG.search(t):
            found.append("format tag left")
        if HTML.search(t):
            found.append("HTML tag left")
        if ENTITY.search(t):
            found.append("HTML entity left")
        if "\\\\" in t:
            found.append("doubled backslash")
        if re.match(r"^\d*:(MC|SA|MULTICHOICE|SHORTANSWER):", t):
            found.append("cloze prefix taken for an answer")
    if current._protect(block).count("{") > 1 and ("{" in q["prompt"] or "_____" in q["prompt"]):
        found.append("several blanks merged into one question")
    for a, b in re.findall(r"([A-Za-z]{2,})<(?:br|/p|/div|/li)\s*/?>\s*(?:<[^>]+>\s*)*([A-Za-z]{2,})", block):
        if a + b in everything and a + b not in block:
            found.append("words glued")
            break
    media = re.search(r"<img|@@PLUGINFILE@@|\.mp3|<audio|<video", block, re.I)
    kept = re.search(r"\[(image|file|audio|video|media):|\((audio|video|image|file):", everything)
    if media and not kept and not noted:
        found.append("image/audio reference lost")
    general = re.search(r"####(.*?)}\s*$", current._protect(block), re.S)
    if general:
        words = re.sub(r"<[^>]+>|\[(html|moodle|plain|markdown)\]|&[a-z#0-9]+;|\W", "", general.group(1))
        words = current._unprotect(words)[:25]
        if words and words not in re.sub(r"\W", "", everything):
            found.append("general feedback (####) dropped")
    return sorted(set(found))


def measure(module: ModuleType, files: list[Path]) -> None:
    counts: collections.Counter[str] = collections.Counter()
    wrong: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    example: dict[str, str] = {}
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        blocks = {line: block for line, block, _ in current._blocks(text)}
        result = module.parse_gift(text)
        noted = {line for line, _ in getattr(result, "notes", [])}
        for _, reason in result.skipped:
            if reason.startswith("no answer block"):
                counts["descriptions"] += 1
                continue
            counts["reported"] += 1
            reasons[re.sub(r"-?\d+(\.\d+)?%?|'[^']*'", "N", reason)[:80]] += 1
        for q in result.questions:
            counts["converted"] += 1
            found = defects(q, blocks.get(q["_line"], ""), q["_line"] in noted)
            counts["wrong"] += bool(found)
            for d in found:
                wrong[d] += 1
                example.setdefault(d, f"{f.name}:{q['_line']}")
    total = counts["converted"] + counts["reported"]
    print(
        f"  questions {total} (+{counts['descriptions']} descriptions): converted {counts['converted']}, "
        f"reported {counts['reported']}, converted wrongly {counts['wrong']}"
    )
    for d, n in wrong.most_common():
        print(f"    wrong    {n:4d}  {d} (e.g. {example[d]})")
    for r, n in reasons.most_common():
        print(f"    reported {n:4d}  {r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--before", help="an older bot/course/gift.py to measure beside the current one")
    args = ap.parse_args()
    files = sorted(
        p for d in args.folders for p in d.rglob("*") if p.is_file() and p.suffix in (".gift", ".txt")
    )
    print(f"{len(files)} files")
    if args.before:
        print("before:")
        measure(_load(args.before), files)
    print("after:" if args.before else "now:")
    measure(current, files)


if __name__ == "__main__":
    main()
