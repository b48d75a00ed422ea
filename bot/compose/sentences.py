"""Split course text into sentences without cutting at "et al.", "e.g.", "Fig. 3", "3.5" or "I. J. Good".

Markdown list items are units of their own (a list written one item a line is a list, not one long sentence),
and so are headings. Pure: text in, sentences out.
"""

from __future__ import annotations

import re

# Words that end with a full stop without ending the sentence. Lower case, without the final full stop.
ABBREVIATIONS = frozenset(
    """al e.g i.e cf vs v fig figs eq eqs eqn tab sec ch chap no nos vol pp p approx ca resp esp incl
    dr mr mrs ms prof st jr sr inc ltd co corp dept univ ed eds et seq viz wrt w.r.t a.k.a aka""".split()
)
# Words that often open a sentence: after "N." a capitalised one of these says the sentence did end there.
OPENERS = frozenset(
    """the a an this that these those it its in on at for from to with by as but and or so if when while
    then there here we you they he she i our their such each every one two some many most both however
    finally first second third next also thus hence yet still what which who why how""".split()
)
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)")
HEADING = re.compile(r"^\s*#{1,6}\s+")
# A candidate end: . ! or ? (with closing quotes or brackets), then space, then what may open a sentence.
CANDIDATE = re.compile(r"([.!?…]+)([\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9α-ωΑ-Ω])")
INITIAL = re.compile(r"^[A-Z]$")


def _last_word(text: str) -> str:
    match = re.search(r"(\S+)$", text)
    return match.group(1) if match else ""


def _first_word(text: str) -> str:
    match = re.match(r"[\"'“‘(\[]?([^\s.,;:!?\"'”’)\]]+)(\.?)", text)
    return (match.group(1) + match.group(2)) if match else ""


def _ends_here(before: str, mark: str, after: str) -> bool:
    """Does the sentence end at `mark`, between `before` (its text so far) and `after` (the rest)?"""
    if mark != ".":
        return True  # "!", "?", "...": a question or an exclamation ends where it ends
    word = _last_word(before).lstrip("\"'“‘([")
    low = word.lower()
    if low in ABBREVIATIONS:
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # "e.g", "U.S", "a.k.a": dotted abbreviations
        return False
    nxt = _first_word(after)
    if INITIAL.match(word):
        # "I. J. Good", "John F. Kennedy": initials of a name; but "grows linearly with N. The ..." ends.
        previous = _last_word(before[: -len(word)].rstrip())
        if re.fullmatch(r"[A-Z]\.", nxt) or re.fullmatch(r"[A-Z]\.", previous):
            return False
        if previous[:1].isupper() and nxt[:1].isupper() and nxt.lower().rstrip(".") not in OPENERS:
            return False
    return True


def _split_prose(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).strip()
    if not flat:
        return []
    out: list[str] = []
    start = 0
    for m in CANDIDATE.finditer(flat):
        before = flat[start : m.start()]
        if not before.strip():
            continue
        if _ends_here(before, m.group(1), flat[m.end() :]):
            out.append(flat[start : m.end(2)].strip())
            start = m.end()
    tail = flat[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_blocks(text: str) -> list[str]:
    """Paragraphs, list items and headings, in order; a list item keeps its continuation lines."""
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    in_item = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            in_item = False
        elif HEADING.match(raw):
            flush()
            blocks.append(HEADING.sub("", raw).strip())
            in_item = False
        elif LIST_ITEM.match(raw):
            flush()
            current.append(LIST_ITEM.sub("", raw).strip())
            in_item = True
        elif in_item and raw[:1].isspace():  # an indented line continues the item
            current.append(line)
        else:
            if in_item:
                flush()
                in_item = False
            current.append(line)
    flush()
    return blocks


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order; each list item and heading is at least one sentence of its own."""
    return [s for block in split_blocks(text) for s in _split_prose(block)]
