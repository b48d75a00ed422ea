"""What the tutor says back, as typed blocks. Each adapter renders every type (plain text as the fallback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.events import LearnerRef

# Who sees a reply: only the learner (an ephemeral message, a DM's reply), the class's channel, or a direct
# message. Adapters map it to their platform; the core decides it, never the adapter.
PRIVATE, CLASS, DIRECT = "private", "class", "direct"


@dataclass(frozen=True)
class Reply:
    # who sees it (PRIVATE, CLASS, DIRECT); "" until the core decides (`bot.visibility.stamp`), which it does
    # for every reply that leaves `Tutor.handle`
    visibility: str = field(default="", kw_only=True)

    def plain(self) -> str:
        """A readable plain-text form: the fallback for any renderer that does not know this type."""
        return ""


@dataclass(frozen=True)
class Text(Reply):
    text: str
    kind: str = "info"  # info | error | notice

    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class Confirm(Reply):
    """A question to say yes to before the tutor acts (/forget-me). Platforms with buttons show `yes` and `no`;
    text says which command confirms. Adapters act on the type, never on the words."""

    text: str  # what a yes does
    action: str  # which confirmation: "forget-me"
    command: str  # the confirming command in text: "/forget-me confirm"
    yes: str = "Delete everything"
    no: str = "Keep my data"

    def plain(self) -> str:
        return f"{self.text} To go ahead, send {self.command}"


@dataclass(frozen=True)
class Passage(Reply):
    """A quotation from the course: the sentences that answer, and where they come from."""

    title: str
    excerpt: str
    concept_id: str
    score: float = 0.0

    def plain(self) -> str:
        quoted = "\n".join(f"> {line}" for line in self.excerpt.splitlines())
        return f"{quoted}\n  (from: {self.title})"


@dataclass(frozen=True)
class Choice:
    key: str  # what the learner sends back: "A", "1", ...
    text: str


@dataclass(frozen=True)
class Question(Reply):
    """A quiz question as shown. For matching, `choices` are the left items and `targets` the shuffled right items."""

    session_id: int
    question_id: str
    concept_id: str
    concept_title: str
    type: str
    prompt: str
    choices: tuple[Choice, ...] = ()
    targets: tuple[Choice, ...] = ()
    how_to_answer: str = ""
    is_round: bool = False
    deadline: str = ""

    def plain(self) -> str:
        lines = [f"Question ({self.concept_title}):", self.prompt]
        if self.type == "matching":
            lines += [f"  {c.key}. {c.text}" for c in self.choices]
            lines.append("  with:")
            lines += [f"  {t.key}) {t.text}" for t in self.targets]
        else:
            if self.type == "multiple_response":
                lines.append("Choose all that apply.")
            lines += [
                f"  {c.key}) {c.text}"
                if self.type in ("single_choice", "multiple_response")
                else f"  {c.key}. {c.text}"
                for c in self.choices
            ]
        if self.how_to_answer:
            lines.append(self.how_to_answer)
        return "\n".join(lines)


@dataclass(frozen=True)
class Mark:
    """One part of an answer marked on its own: a matching pair ("2a", wrong: "2 goes with c") or an
    ordering step ("2nd: step 3", wrong: "out of place: it comes 1st")."""

    text: str
    ok: bool
    note: str = ""  # what is wrong with it (empty when ok)

    def plain(self) -> str:
        return f"{self.text} {'✓' if self.ok else '✗'}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Feedback(Reply):
    """The verdict on an answer, with the explanation of every option."""

    correct: bool
    score: float
    summary: str
    explanations: tuple[str, ...] = ()
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    points: int = 0
    concept_id: str = ""
    skipped: bool = False  # the learner skipped: the answer is shown, nothing was graded
    marks: tuple[Mark, ...] = ()  # matching and ordering: each pair or step of the answer, right or wrong
    provisional: bool = False  # graded, and queued for an instructor's review (the grader was unsure)

    def plain(self) -> str:
        lines = [self.summary]
        if self.marks:
            lines.append("Your answer:")
            lines += [f"  {m.plain()}" for m in self.marks]
        if self.covered:
            lines.append("Covered:")
            lines += [f"  + {p}" for p in self.covered]
        if self.missed:
            lines.append("Missed:")
            lines += [f"  - {p}" for p in self.missed]
        lines += [f"  {e}" for e in self.explanations]
        return "\n".join(lines)


@dataclass(frozen=True)
class Tally:
    key: str
    text: str
    count: int
    correct: bool


@dataclass(frozen=True)
class RoundResult(Reply):
    """A closed class round: the answer with its explanation, how the class answered, and the round's scores."""

    session_id: int
    concept_title: str
    prompt: str
    summary: str
    explanations: tuple[str, ...] = ()
    tally: tuple[Tally, ...] = ()
    scores: tuple[tuple[str, str, int], ...] = ()  # (learner, result, points)
    answered: int = 0

    def plain(self) -> str:
        lines = [f"Round closed ({self.concept_title}): {self.summary}"]
        lines += [f"  {e}" for e in self.explanations]
        if self.tally:
            lines.append(
                f"How the class answered ({self.answered} answer{'s' if self.answered != 1 else ''}):"
            )
            lines += [f"  {'✓' if t.correct else ' '} {t.key}: {t.count}" for t in self.tally]
        if self.scores:
            lines.append("Scores:")
            lines += [f"  {name}: {result}, +{pts}" for name, result, pts in self.scores]
        elif not self.answered:
            lines.append("Nobody answered this round.")
        return "\n".join(lines)


@dataclass(frozen=True)
class Table(Reply):
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    def plain(self) -> str:
        cols = [self.headers, *self.rows]
        widths = [max(len(str(r[i])) for r in cols) for i in range(len(self.headers))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [self.title, fmt.format(*self.headers), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in self.rows]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@dataclass(frozen=True)
class File(Reply):
    """A file to hand to the learner (e.g. /my-data); platforms upload it, the console prints it."""

    filename: str
    alt: str
    data: bytes = field(default=b"", repr=False)
    mime: str = "application/json"

    def plain(self) -> str:
        return self.alt


@dataclass(frozen=True)
class Image(Reply):
    """A picture (PNG bytes) with a text alternative for platforms or terminals that cannot show it."""

    filename: str
    alt: str
    data: bytes = field(default=b"", repr=False)

    def plain(self) -> str:
        return self.alt


@dataclass(frozen=True)
class DirectMessage(Reply):
    """A message for another learner than the one who acted (an instructor's answer, for each learner who
    asked): sent to them directly, the way the review digest is, and never shown to whoever acted. It is an
    entry of their outbox (`notice_id`): the adapter reports whether it arrived (`Tutor.notice_sent`), and one
    that did not stays pending for the next look (the console shows it at the learner's next session)."""

    to: LearnerRef
    text: str
    notice_id: int = 0

    def plain(self) -> str:
        return ""  # nothing for the one who acted: it is someone else's message
