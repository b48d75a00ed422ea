"""Mend students' typos before retrieval: a word that is neither the course's nor common English is replaced by
the course word (or, failing that, the common English word) one keystroke away.

One keystroke is one Damerau-Levenshtein edit: a letter dropped, added, replaced, or two neighbours swapped
("prefrence", "moedl", "rlfh"); a letter held down ("lllm", "thaat") is squeezed first. A course word is
preferred (the most frequent in the course's own text), then the most common English word. Common English comes from
the embedding model's WordPiece vocabulary (its whole words, which the vocabulary lists roughly by frequency),
so nothing is downloaded, and a valid word that the course never uses ("insurance", "weather") is left alone
rather than bent into a course word.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH = 4  # shorter words ("u", "ai", "rl", "lol") are too ambiguous to mend
ENGLISH_LENGTH = 5  # nor is a short word worth mending into a common word ("shld": "sold"? "should"?)


def edits1(word: str) -> set[str]:
    """Every string one Damerau-Levenshtein edit away from `word` (lower-case letters)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    out |= {a + c + b for a, b in splits for c in LETTERS}
    out.discard(word)
    return out


# Chat spellings that are words, not slips: without their apostrophe, or shortened.
INFORMAL = frozenset(
    "isnt arent wasnt werent dont doesnt didnt cant couldnt wont wouldnt shouldnt havent hasnt hadnt im ive "
    "id youre youve theyre thats whats whos wheres hows theres lets ok okay pls plz thx thanks lol idk imo tbh "
    "btw ppl yrs shld wat wats gonna wanna gotta kinda sorta dunno smth sth abt bc cuz coz tho thru yeah yep "
    "nope info docs diff vs etc eg ie aka asap fyi gimme lemme tldr eli5 prob probs approx esp resp resps".split()
)
# Endings that make another word of a known one ("deploys", "tweaking", "rewords"): such a word is spelt right.
ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "al")

# Prefixes that make another word of a known one ("retrain", "unaligned", "overfitting"): such a word is spelt right.
PREFIXES = ("re", "un", "pre", "mis", "non", "over", "under")


class Speller:
    """`known` words are never changed; a typo one keystroke from a `targets` word (word -> count in the course)
    becomes it, the most frequent first. `lexicon` (common English, most common first) is known too, and a typo
    of five letters or more one keystroke from none of the course's words becomes the most common English word
    in reach."""

    def __init__(self, targets: Counter[str], known: Iterable[str] = (), lexicon: Sequence[str] = ()):
        self.targets = targets
        self.rank = {w: i for i, w in enumerate(lexicon)}
        self.known = set(known) | set(targets) | set(self.rank) | INFORMAL

    def is_known(self, word: str) -> bool:
        if word in self.known:
            return True
        for start in PREFIXES:  # "retrain", "unaligned", "misread": a prefix before a known word
            if word.startswith(start) and len(word) - len(start) >= 4 and self.is_known(word[len(start) :]):
                return True
        for end in ENDINGS:
            if word.endswith(end) and len(word) - len(end) >= 3:
                root = word[: -len(end)]
                if root in self.known or root + "e" in self.known:
                    return True
                # a doubled last letter ("running": "run"), unless dropping it gives a course word: "tunning"
                # is "tuning" mistyped, not a "tun" (a cask) being filled
                if (
                    root[-1:] == root[-2:-1]
                    and root[:-1] in self.known
                    and root[:-1] + end not in self.targets
                ):
                    return True
        return False

    def held(self, word: str) -> str:
        """A word with a key held down ("sooo", "pleeease", "lllm"), said with that letter once or twice, whichever
        is the commoner known word ("alll" is "all", not "al"); "" when neither is a word or nothing was held."""
        if not re.search(r"(.)\1\1", word):
            return ""
        once, twice = re.sub(r"(.)\1+", r"\1", word), re.sub(r"(.)\1\1+", r"\1\1", word)
        words = [w for w in (twice, once) if self.is_known(w)]
        return min(words, key=lambda w: self.rank.get(w, len(self.rank))) if words else ""

    def correct(self, word: str) -> str | None:
        """The mended word (itself when it needs no mending), or None when nothing is one edit away."""
        if not word.isalpha() or self.is_known(word):
            return word
        held = self.held(word)
        if held:
            return held
        if len(word) < MIN_LENGTH:
            return word
        squeezed = re.sub(r"(.)\1\1+", r"\1\1", word)  # "lllm" -> "llm": a key held down, then one slip
        near = edits1(word) | edits1(squeezed)
        course = [w for w in near if w in self.targets]
        if course:
            return max(course, key=lambda w: (self.targets[w], w))
        common = [w for w in near if w in self.rank] if len(word) >= ENGLISH_LENGTH else []
        if common:
            return min(common, key=self.rank.__getitem__)
        return None


def wordpiece_words(vocabulary: Iterable[str]) -> list[str]:
    """The whole lower-case words (two letters or more) of a WordPiece vocabulary, in its order."""
    return [t for t in vocabulary if len(t) > 1 and t.isalpha() and t.islower() and t.isascii()]


def model_lexicon(model: str | None = None, cache_dir: Path | None = None) -> tuple[str, ...]:
    """Common English words from the embedding model's vocabulary: its `vocab.txt` or `tokenizer.json` where the
    model's files are (the bundled model's package), else the tokenizer of its ONNX export in `cache_dir` (a
    runtime image without the package). Empty when neither is found: typos are then mended against the course
    alone."""
    from bot.retrieval.onnx_export import DEFAULT_MODEL

    return _lexicon(model or DEFAULT_MODEL, cache_dir)


@functools.lru_cache(maxsize=4)
def _lexicon(model: str, cache_dir: Path | None) -> tuple[str, ...]:
    from bot.retrieval.onnx_export import VARIANTS, export_dir, model_source

    folders: list[Path] = []
    source = model_source(model)
    if source is not None:
        folders.append(source)
    if cache_dir is not None:
        folders += [export_dir(cache_dir, model, v) for v in VARIANTS]
    for folder in folders:
        try:
            vocab = folder / "vocab.txt"
            if vocab.is_file():
                return tuple(wordpiece_words(vocab.read_text(encoding="utf-8").split("\n")))
            tok = folder / "tokenizer.json"
            if tok.is_file():
                table = json.loads(tok.read_text(encoding="utf-8"))["model"]["vocab"]
                if isinstance(table, dict):
                    return tuple(wordpiece_words(sorted(table, key=table.__getitem__)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read the model's vocabulary in %s (%s)", folder, exc)
    return ()
