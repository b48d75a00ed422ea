"""Moodle GIFT question banks -> tutor question files.

Read as Moodle's own importer reads them (question/format/gift/format.php): blank lines separate questions,
`//` lines are comments, `\\` escapes `~ = # { } :` and itself, `[html]`/`[moodle]`/`[markdown]`/`[plain]`
set the format of a text, `####` starts the general feedback, and the answer block's content decides the type.

Converted: multiple choice with one right answer, multiple response (weighted `~%50%` options and no `=`),
true/false, matching, short answer (weights such as `=%100%Asia` accepted) and essay, with their feedback.
HTML becomes plain text; an image or audio link becomes a visible reference plus a note by line. What
cannot be converted faithfully (numeric, several blanks in one question, partial credit on a single
answer, ...) is reported with its line number: never a question that grades differently from Moodle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Escaped characters are swapped for private-use code points while the structure is parsed, then put back.
_ESCAPES = {
    "\\": "\ue000",
    "~": "\ue001",
    "=": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
}
_UNESCAPE = {v: k for k, v in _ESCAPES.items()}
_ESCAPE_RE = re.compile(r"\\([\\~=#{}:n])")
_NUMERIC_ENTITY_RE = re.compile(r"&#(?=(?:\d+|x[0-9A-Fa-f]+);)")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|markdown|plain)\]", re.I)
_WEIGHT_RE = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>|<!--.*?-->", re.S)
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_PLUGINFILE = "@@PLUGINFILE@@/"
_CLOZE_RE = re.compile(r"^\d*\s*:\s*([A-Za-z_]+)\s*:")
_CLOZE_KINDS = {
    "MC": "choice",
    "MULTICHOICE": "choice",
    "MCV": "choice",
    "MCH": "choice",
    "MULTICHOICE_V": "choice",
    "MULTICHOICE_H": "choice",
    "SA": "short",
    "SHORTANSWER": "short",
    "MW": "short",
}
# Tolerance on "the positive weights add up to 100%": three options at 33.333% are fine.
_WEIGHT_SLACK = 0.5


def _protect(text: str) -> str:
    def swap(m: re.Match[str]) -> str:
        char = m.group(1)
        return "\n" if char == "n" else _ESCAPES[char]

    # A numeric HTML entity (&#39;) is never meant as a feedback separator, though hand-written files leave
    # its '#' unescaped (Moodle's own exporter escapes it).
    return _NUMERIC_ENTITY_RE.sub("&" + _ESCAPES["#"], _ESCAPE_RE.sub(swap, text))


def _unprotect(text: str) -> str:
    for k, v in _UNESCAPE.items():
        text = text.replace(k, v)
    return text


class _HtmlText(HTMLParser):
    """HTML -> text: block elements and <br> become line breaks, images and media become [image: ...]."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
    BLOCKS |= {"blockquote", "section", "article", "header", "footer", "dl", "dt", "dd"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.media: list[str] = []
        self.links: list[str | None] = []
        self.hidden = 0  # inside <script> or <style>: not text

    def _media(self, kind: str, src: str, alt: str = "") -> None:
        name = _media_name(src)
        self.media.append(f"{kind} {name}")
        label = f"{alt} ({name})" if alt and alt != name else name
        self.out.append(f" [{kind}: {label}] ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "sup":
            self.out.append("^")
        elif tag in ("br", "hr"):
            self.out.append("\n")
        elif tag in self.BLOCKS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "img":
            self._media("image", a.get("src", ""), a.get("alt", "").strip())
        elif tag in ("audio", "video", "source", "embed", "iframe", "object") and (
            a.get("src") or a.get("data")
        ):
            kind = "video" if tag in ("video", "iframe") else "audio" if tag == "audio" else "media"
            self._media(kind, a.get("src") or a.get("data", ""))
        elif tag == "a":
            href = a.get("href", "")
            self.links.append(href if href and not href.startswith("#") else None)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                kind = _link_kind(href)
                name = _media_name(href) if kind != "link" else href
                if kind != "link":
                    self.media.append(f"{kind} {name}")
                self.out.append(f" ({kind}: {name})" if kind != "link" else f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def _media_name(src: str) -> str:
    if src.startswith("data:"):
        return "embedded picture"
    return src.replace(_PLUGINFILE, "").strip() or "no source"


def _link_kind(href: str) -> str:
    low = href.lower().split("?", 1)[0]
    if low.endswith((".mp3", ".wav", ".ogg", ".m4a", ".aac", ".oga")):
        return "audio"
    if low.endswith((".mp4", ".webm", ".mov", ".ogv")) or "youtube.com" in low or "youtu.be" in low:
        return "video"
    if low.endswith((".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")):
        return "image"
    if _PLUGINFILE in href:
        return "file"
    return "link"


def _tidy(text: str, one_line: bool) -> str:
    """Collapse spaces in each line, drop empty lines beyond one; one_line joins the lines with spaces."""
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n")]
    if one_line:
        return " ".join(line for line in lines if line)
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


@dataclass
class _Text:
    """One converted text, and the media it referred to."""

    text: str
    media: list[str]


def _convert(raw: str, fmt: str, one_line: bool = False) -> _Text:
    """A GIFT text (escapes still protected) -> plain text in the course's words, formats resolved."""
    m = _FORMAT_RE.match(raw)
    if m:
        fmt, raw = m.group(1).lower(), raw[m.end() :]
    text = _unprotect(raw)
    media: list[str] = []
    if fmt != "plain" and (_TAG_RE.search(text) or _ENTITY_RE.search(text)):
        if fmt == "html":
            text = text.replace("\n", " ")  # in HTML a line break in the source is a space
        # Moodle and Markdown texts keep their line breaks; only the HTML in them becomes text.
        parser = _HtmlText()
        parser.feed(text)
        parser.close()
        text = "".join(parser.out)
        media = parser.media
    if _PLUGINFILE in text:  # a bare reference outside any tag
        for ref in re.findall(r"@@PLUGINFILE@@/(\S+)", text):
            media.append(f"file {ref}")
        text = re.sub(r"@@PLUGINFILE@@/(\S+)", r"[file: \1]", text)
    return _Text(_tidy(text, one_line), media)


@dataclass
class GiftResult:
    questions: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): not converted
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, note): converted, check this
    categories: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[tuple[int, str, str]]:
    """(first line, block text, category) for each question: blank lines separate them (a blank line inside
    an answer block does not); `//` comment lines are dropped wherever they are, as Moodle does."""
    out: list[tuple[int, str, str]] = []
    category = ""
    current: list[str] = []
    start = 0
    depth = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("//"):
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
        depth = max(depth + protected.count("{") - protected.count("}"), 0)
    if current:
        out.append((start, "\n".join(current), category))
    return out


@dataclass
class _Answer:
    marker: str  # "=" or "~"
    weight: float | None  # percent, when written as %50%
    text: str  # still protected, format tag included
    feedback: str  # still protected, format tag included


def _split_answers(body: str) -> tuple[list[_Answer], str]:
    """The '=' and '~' answers of a block, and any text before the first marker."""
    parts = re.split(r"(?=[=~])", body)
    answers: list[_Answer] = []
    stray = ""
    for part in parts:
        if not part.strip():
            continue
        if part[0] not in "=~":
            stray += part
            continue
        marker, rest = part[0], part[1:]
        weight = None
        w = _WEIGHT_RE.match(rest)
        if w:
            weight, rest = float(w.group(1)), rest[w.end() :]
        text, _, feedback = rest.partition("#")
        answers.append(_Answer(marker, weight, text, feedback))
    return answers, stray.strip()


def _answer_blocks(p: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level {...} in a protected question."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, -1
    for i, ch in enumerate(p):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i))
    return spans


_Conv = Callable[[str], str]
_Finish = Callable[..., tuple[str, list[str]]]


def _percent(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def parse_gift(text: str) -> GiftResult:
    """Every question of a GIFT file, converted or reported with its line."""
    result = GiftResult()
    for line, block, category in _blocks(text):
        reason, notes = _parse_question(line, block, category, result)
        if reason:
            result.skipped.append((line, reason))
        result.notes += [(line, n) for n in notes]
    return result


def _parse_question(line: int, block: str, category: str, result: GiftResult) -> tuple[str, list[str]]:
    """Append the converted question to result.questions; return (reason it was not converted, notes)."""
    notes: list[str] = []
    p = _protect(block)
    title = ""
    m = re.match(r"\s*::(.*?)::", p, re.S)
    if m:
        title = _convert(m.group(1), "plain", one_line=True).text
        p = p[m.end() :]
    fmt = "moodle"
    fm = _FORMAT_RE.match(p)
    if fm:
        fmt, p = fm.group(1).lower(), p[fm.end() :]
    spans = _answer_blocks(p)
    if not spans:
        if "{" in p:
            return "an answer block opens with '{' but never closes with '}'", notes
        return (
            "no answer block {...}: a description, not a question (if it introduces the questions after it, "
            "put its words into their text)"
        ), notes
    if len(spans) > 1:
        return (
            f"{len(spans)} answer blocks in one question (a cloze with several blanks): Moodle's GIFT import "
            "keeps only the first and leaves the others in the text; write one question per blank"
        ), notes
    opening, closing = spans[0]
    after = p[closing + 1 :]
    stem_raw = p[:opening] + ("_____" if after.strip() else "") + after  # in place, as Moodle does
    stem = _convert(stem_raw, fmt)
    media = list(stem.media)
    body = p[opening + 1 : closing]
    general = _Text("", [])
    if "####" in body:
        body, _, general_raw = body.rpartition("####")
        general = _convert(general_raw, fmt)
        media += general.media
    body = body.strip()
    if category and category not in result.categories:
        result.categories.append(category)
    if not stem.text:
        return "the question has no text", notes
    q: dict = {"_line": line, "_category": category, "_title": title, "prompt": stem.text}
    if general.text:
        q["explanation"] = general.text

    def conv(raw: str) -> str:
        t = _convert(raw, fmt, one_line=True)
        media.extend(t.media)
        return t.text

    def finish(kind: str, **fields: object) -> tuple[str, list[str]]:
        if kind == "short_answer":  # its own explanation field: the right answer's feedback, then the general
            accepted = fields["answers"]
            assert isinstance(accepted, list)
            parts = [str(fields["explanation"]), general.text]
            first = str(accepted[0])
            fallback = f"The answer is {first}" + ("" if first[-1:] in ".!?" else ".")
            fields["explanation"] = " ".join(x for x in parts if x) or fallback
        q.update(type=kind, **fields)
        for item in dict.fromkeys(media):
            notes.append(
                f"refers to {item}, which is not imported: the text keeps a [..] reference; "
                "add the file to the course or describe it in words"
            )
        result.questions.append(q)
        return "", notes

    cloze = _CLOZE_RE.match(body)
    if cloze:
        # Moodle's embedded-answer (Cloze) syntax, {1:MC:~=a~b} or {1:SA:=word}, written in a GIFT file:
        # Moodle's GIFT import would take "1:SA:" for an answer. One blank of a kind the tutor has is
        # converted as the author meant it; any other kind is reported.
        kind = cloze.group(1).upper()
        if kind not in _CLOZE_KINDS:
            return f"an embedded-answer (Cloze) blank of type {kind} is not supported", notes
        body = body[cloze.end() :].strip()
        if _CLOZE_KINDS[kind] == "choice" and "~" not in body:
            body = "~" + body
    if body.startswith("#"):
        return "numeric questions are not supported", notes
    if body == "":
        if not general.text:
            return "an essay needs rubric points: add general feedback (#### ...) listing them", notes
        points = [
            s.strip() for s in re.split(r"(?<=[.;])\s+|\n", general.text) if len(s.strip().split()) >= 2
        ]
        q.pop("explanation", None)
        return finish("open_ended", rubric=points[:6] or [general.text], model_answer=general.text)
    tf = re.fullmatch(r"(T|TRUE|F|FALSE)\s*(#([^#]*))?(#(.*))?", body, re.S | re.I)
    if tf:
        truth = tf.group(1).upper().startswith("T")
        wrong_fb = conv(tf.group(3) or "")
        right_fb = conv(tf.group(5) or "")
        right_text, wrong_text = ("True", "False") if truth else ("False", "True")
        options = [
            {
                "text": right_text,
                "correct": True,
                "explanation": right_fb or f"The statement is {right_text.lower()}.",
            },
            {
                "text": wrong_text,
                "explanation": wrong_fb
                or f"The statement is {right_text.lower()}, not {wrong_text.lower()}.",
            },
        ]
        if not truth:
            options.reverse()
        return finish("single_choice", options=options)
    # Moodle's order: any '~' makes a multiple choice; else '=' with '->' a matching; else a short answer.
    answers, stray = _split_answers(body)
    if stray:
        # Moodle reads text before the first marker as one more answer: wrong in a multiple choice,
        # right in a short answer ({One} accepts "One").
        answers.insert(0, _Answer("~" if "~" in body else "=", None, *stray.partition("#")[::2]))
    if not answers:
        return "the answer block has no answers", notes
    if any(a.marker == "~" for a in answers):
        return _choice(answers, conv, finish, notes)
    if any("->" in a.text for a in answers):
        return _matching(answers, conv, finish, notes)
    return _short_answer(answers, conv, finish, notes)


def _matching(
    answers: list[_Answer], conv: _Conv, finish: _Finish, notes: list[str]
) -> tuple[str, list[str]]:
    pairs = []
    for a in answers:
        if a.marker != "=" or "->" not in a.text:
            return "a matching question has an answer without '=' and '->'", notes
        left, _, right_side = a.text.partition("->")
        left_text, right_text = conv(left), conv(right_side)
        if not left_text:
            return (
                f"matching with a distractor-only right side ('{right_text[:30]}') is not supported: "
                "remove it or give it a left side"
            ), notes
        if not right_text:
            return f"the matching pair '{left_text[:30]}' has no right side", notes
        pairs.append(
            {"left": left_text, "right": right_text, "explanation": f"{left_text} goes with {right_text}."}
        )
    return finish("matching", pairs=pairs)


def _short_answer(
    answers: list[_Answer], conv: _Conv, finish: _Finish, notes: list[str]
) -> tuple[str, list[str]]:
    accepted: list[str] = []
    feedback = ""
    for a in answers:
        text = conv(a.text)
        weight = 100.0 if a.weight is None else a.weight
        if not text:
            continue
        if weight >= 100:
            if text == "*":
                return "a short answer that accepts anything ('*') is not a question", notes
            accepted.append(text)
            feedback = feedback or conv(a.feedback)
        elif weight > 0:
            notes.append(f"'{text}' earns {_percent(weight)}% in Moodle; the tutor counts it as wrong")
    if not accepted:
        return "a short answer needs an answer worth 100%", notes
    return finish("short_answer", answers=accepted, explanation=feedback)


def _choice(answers: list[_Answer], conv: _Conv, finish: _Finish, notes: list[str]) -> tuple[str, list[str]]:
    options = []
    for a in answers:
        text = conv(a.text)
        if not text:
            continue  # Moodle drops an empty alternative, as in {~=have been~was}
        options.append((a, text, conv(a.feedback)))
    single = any(a.marker == "=" for a, _, _ in options)
    if not options or not single and all((a.weight or 0) <= 0 for a, _, _ in options):
        return "no right answer: mark one with '=' or give weights such as ~%50%", notes
    if len({t.lower() for _, t, _ in options}) < len(options):
        return "two options have the same text", notes
    if not 2 <= len(options) <= (6 if single else 8):
        return f"{len(options)} options; the tutor takes 2 to {6 if single else 8}", notes
    if single:
        right = [t for a, t, _ in options if a.marker == "=" or (a.weight or 0) >= 100]
        partial = [(t, a.weight) for a, t, _ in options if a.marker == "~" and 0 < (a.weight or 0) < 100]
        if partial:
            t, w = partial[0]
            return (
                f"partial credit ({_percent(w or 0)}% for '{t[:30]}') on a one-answer question: the tutor "
                "marks a choice right or wrong; make each option fully right or wrong"
            ), notes
        if len(right) != 1:
            return f"a multiple-choice question needs exactly one right answer (found {len(right)})", notes
        out = [
            {
                "text": t,
                **({"correct": True} if t in right else {}),
                "explanation": fb
                or (
                    "This is the right answer."
                    if t in right
                    else f"Not this one: the answer is '{right[0]}'."
                ),
            }
            for a, t, fb in options
        ]
        return finish("single_choice", options=out)
    positive = sum(a.weight for a, _, _ in options if a.weight and a.weight > 0)
    if abs(positive - 100) > _WEIGHT_SLACK:
        return (
            f"the right options' weights add up to {_percent(positive)}%; Moodle needs 100% "
            "for a multiple-response question"
        ), notes
    if any(abs(a.weight or 0) > 100 for a, _, _ in options):
        return "an option's weight is outside -100% to 100%", notes
    right_texts = [f"'{t[:60]}'" for a, t, _ in options if (a.weight or 0) > 0]
    listing = (
        right_texts[0] if len(right_texts) == 1 else ", ".join(right_texts[:-1]) + " and " + right_texts[-1]
    )
    out = []
    for a, t, fb in options:
        w = a.weight or 0
        fallback = (
            "One of the options to choose."
            if w > 0
            else f"Not one to choose: the right options are {listing}."
        )
        if w > 0 and len(right_texts) == 1:
            fallback = "The option to choose."
        elif w <= 0 and len(right_texts) == 1:
            fallback = f"Not one to choose: the right option is {listing}."
        out.append({"text": t, "weight": _percent(w), "explanation": fb or fallback})
    return finish("multiple_response", options=out)
