"""Moodle GIFT question banks -> tutor question files.

Converted: multiple choice (one right answer), true/false, matching, short answer and essay, with their
feedback. Anything else (numeric, multiple right answers, missing blocks) is reported with its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ESCAPED = {
    "\\~": "\x00",
    "\\=": "\x01",
    "\\#": "\x02",
    "\\{": "\x03",
    "\\}": "\x04",
    "\\:": "\x05",
    "\\n": "\n",
}
_RESTORE = {"\x00": "~", "\x01": "=", "\x02": "#", "\x03": "{", "\x04": "}", "\x05": ":"}


def _protect(text: str) -> str:
    for k, v in _ESCAPED.items():
        text = text.replace(k, v)
    return text


def _restore(text: str) -> str:
    for k, v in _RESTORE.items():
        text = text.replace(k, v)
    text = re.sub(r"<[^>]+>", "", text)  # [html] questions: keep the words
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class GiftResult:
    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    categories: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[tuple[int, str, str]]:
    """(first line, block text, category) for each question: blank lines separate them; // comments dropped."""
    out: list[tuple[int, str, str]] = []
    category = ""
    current: list[str] = []
    start = 0
    depth = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if depth == 0 and stripped.startswith("//"):
            continue
        if depth == 0 and stripped.startswith("$CATEGORY:"):
            category = stripped.split(":", 1)[1].strip()
            continue
        if not stripped and depth == 0:
            if current:
                out.append((start, "\n".join(current), category))
                current = []
            continue
        if not current:
            start = n
        current.append(line)
        protected = _protect(line)
        depth += protected.count("{") - protected.count("}")
        depth = max(depth, 0)
    if current:
        out.append((start, "\n".join(current), category))
    return out


def _split_answers(body: str) -> list[tuple[str, str, str]]:
    """(marker, text, feedback) for each '=' or '~' answer of a block."""
    parts = re.split(r"(?=[=~])", body)
    answers = []
    for part in parts:
        part = part.strip()
        if not part or part[0] not in "=~":
            if part:
                answers.append(("?", part, ""))
            continue
        marker, rest = part[0], part[1:]
        text, _, feedback = rest.partition("#")
        answers.append((marker, text.strip(), feedback.strip()))
    return answers


def parse_gift(text: str) -> GiftResult:
    result = GiftResult()
    for line, block, category in _blocks(text):
        p = _protect(block)
        title = ""
        m = re.match(r"\s*::(.*?)::", p, re.S)
        if m:
            title = _restore(m.group(1))
            p = p[m.end() :]
        p = re.sub(r"^\s*\[(html|markdown|plain|moodle)\]", "", p)
        opening, closing = p.find("{"), p.rfind("}")
        if opening < 0 or closing < opening:
            result.skipped.append((line, "no answer block {...}: not a GIFT question"))
            continue
        stem = _restore(
            (p[:opening] + (" _____ " if p[closing + 1 :].strip() else "") + p[closing + 1 :]).strip()
        )
        body = p[opening + 1 : closing].strip()
        general = ""
        if "####" in body:
            body, general = body.split("####", 1)
            general = _restore(general)
            body = body.strip()
        if category and category not in result.categories:
            result.categories.append(category)
        q: dict = {"_line": line, "_category": category, "_title": title, "prompt": stem}
        if not stem:
            result.skipped.append((line, "the question has no text"))
            continue
        if body.startswith("#"):
            result.skipped.append((line, "numeric questions are not supported"))
            continue
        if body == "":
            if not general:
                result.skipped.append(
                    (line, "an essay needs rubric points: add general feedback (#### ...) listing them")
                )
                continue
            points = [s.strip() for s in re.split(r"(?<=[.;])\s+|\n", general) if len(s.strip().split()) >= 2]
            q.update(type="open_ended", rubric=points[:6] or [general], model_answer=general)
            result.questions.append(q)
            continue
        tf = re.fullmatch(r"(T|TRUE|F|FALSE)\s*(#([^#]*))?(#(.*))?", body, re.S | re.I)
        if tf:
            truth = tf.group(1).upper().startswith("T")
            wrong_fb = _restore(tf.group(3) or "")
            right_fb = _restore(tf.group(5) or "")
            right_text = "True" if truth else "False"
            wrong_text = "False" if truth else "True"
            options = [
                {
                    "text": right_text,
                    "correct": True,
                    "explanation": right_fb or general or f"The statement is {right_text.lower()}.",
                },
                {
                    "text": wrong_text,
                    "explanation": wrong_fb
                    or general
                    or f"The statement is {right_text.lower()}, not {wrong_text.lower()}.",
                },
            ]
            if not truth:
                options.reverse()
            q.update(type="single_choice", options=options)
            result.questions.append(q)
            continue
        answers = _split_answers(body)
        if any(marker == "?" for marker, _, _ in answers):
            result.skipped.append((line, "the answer block has text outside '=' and '~' answers"))
            continue
        if any("->" in text for marker, text, _ in answers if marker == "="):
            pairs = []
            for _, text, fb in answers:
                left, _, right_side = text.partition("->")
                pairs.append(
                    {
                        "left": _restore(left),
                        "right": _restore(right_side),
                        "explanation": _restore(fb)
                        or general
                        or f"{_restore(left)} goes with {_restore(right_side)}.",
                    }
                )
            if not all(pr["left"] for pr in pairs):
                result.skipped.append(
                    (line, "matching questions with distractor-only right sides are not supported")
                )
                continue
            q.update(type="matching", pairs=pairs)
            result.questions.append(q)
            continue
        weighted = [a for a in answers if re.match(r"%-?\d+(\.\d+)?%", a[1])]
        if weighted:
            result.skipped.append(
                (line, "weighted (partial credit or multiple right) answers are not supported")
            )
            continue
        right = [a for a in answers if a[0] == "="]
        wrong = [a for a in answers if a[0] == "~"]
        if right and not wrong:
            accepted = [_restore(a[1]) for a in right]
            q.update(
                type="short_answer",
                answers=accepted,
                explanation=_restore(right[0][2]) or general or f"The answer is {accepted[0]}.",
            )
            result.questions.append(q)
            continue
        if len(right) != 1:
            result.skipped.append(
                (line, f"a multiple-choice question needs exactly one '=' answer (found {len(right)})")
            )
            continue
        right_text = _restore(right[0][1])
        options = []
        for marker, text, fb in answers:
            t = _restore(text)
            if marker == "=":
                options.append(
                    {
                        "text": t,
                        "correct": True,
                        "explanation": _restore(fb) or general or "This is the right answer.",
                    }
                )
            else:
                options.append(
                    {"text": t, "explanation": _restore(fb) or f"Not this one: the answer is '{right_text}'."}
                )
        if not 2 <= len(options) <= 6:
            result.skipped.append((line, f"{len(options)} options; the tutor takes 2 to 6"))
            continue
        q.update(type="single_choice", options=options)
        result.questions.append(q)
    return result
