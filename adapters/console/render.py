"""Replies -> terminal text. Every reply type has a readable form; unknown ones fall back to plain()."""

from __future__ import annotations

import re
import shutil
import textwrap

from bot import replies as R

# a command and its first argument ("/quiz some-topic", "/answer B") stay on one line, so they can be copied
_COMMAND_ARG = re.compile(r"(?<!\S)(/[a-z][a-z-]*) (?=\S)")


def terminal_width() -> int:
    """The terminal's width (COLUMNS, else the tty's), 100 when there is none (piped output)."""
    return max(30, shutil.get_terminal_size((100, 24)).columns)


def _wrap(text: str, width: int, indent: str = "") -> str:
    """Lines filled to `width`, never broken inside a word, a hyphenated name or a command (a word longer
    than the line stands alone on its line, whole, so it can still be copied)."""
    out = []
    for line in text.splitlines() or [""]:
        if not line.strip():
            out.append("")
            continue
        own = indent + line[: len(line) - len(line.lstrip())]  # a line's own indentation is kept,
        hang = "  " if line[:1].isspace() else ""  # and an indented item's continuation hangs under it
        out.append(
            textwrap.fill(
                _COMMAND_ARG.sub("\\1\x00", line.strip()),
                width,
                initial_indent=own,
                subsequent_indent=own + hang,
                break_long_words=False,
                break_on_hyphens=False,
            ).replace("\x00", " ")
        )
    return "\n".join(out)


def render(reply: R.Reply, width: int | None = None) -> str:
    width = width or terminal_width()
    if isinstance(reply, R.DirectMessage):
        return ""  # another learner's message (ConsoleApp keeps it for their next session)
    if isinstance(reply, R.Text):
        prefix = {"error": "! ", "notice": ""}.get(reply.kind, "")
        return _wrap(prefix + reply.text.replace("*", ""), width)
    if isinstance(reply, R.Confirm):
        return _wrap(reply.plain(), width)
    if isinstance(reply, R.Passage):
        return _wrap(reply.excerpt, width, "  > ") + f"\n  (course: {reply.title})"
    if isinstance(reply, R.Question):
        lines = [f"Question [{reply.concept_title}]", _wrap(reply.prompt, width)]
        if reply.type == "matching":
            lines += [_wrap(f"{c.key}. {c.text}", width, "  ") for c in reply.choices]
            lines.append("  match each with:")
            lines += [_wrap(f"{t.key}) {t.text}", width, "    ") for t in reply.targets]
        elif reply.type in ("single_choice", "multiple_response"):
            if reply.type == "multiple_response":
                lines.append("Choose all that apply.")
            lines += [_wrap(f"{c.key}) {c.text}", width, "  ") for c in reply.choices]
        else:
            lines += [_wrap(f"{c.key}. {c.text}", width, "  ") for c in reply.choices]
        lines.append(reply.how_to_answer)
        return "\n".join(lines)
    if isinstance(reply, R.Feedback):
        mark = "✓" if reply.correct else "✗"
        lines = [f"{mark} {reply.summary}" + (f" (+{reply.points} points)" if reply.points else "")]
        if reply.marks:
            lines.append("  Your answer:")
            lines += [_wrap(m.plain(), width, "    ") for m in reply.marks]
        if reply.covered:
            lines.append("  Covered:")
            lines += [_wrap(f"+ {p}", width, "    ") for p in reply.covered]
        if reply.missed:
            lines.append("  Missed:")
            lines += [_wrap(f"- {p}", width, "    ") for p in reply.missed]
        lines += [_wrap(e, width, "  ") for e in reply.explanations]
        return "\n".join(lines)
    if isinstance(reply, R.RoundResult | R.Table):
        return _wrap(reply.plain(), width)
    if isinstance(reply, R.Image):
        return f"(chart {reply.filename}, shown as a picture on Slack and Discord: {reply.alt})"
    if isinstance(reply, R.File):
        return f"{reply.alt}\n--- {reply.filename} ---\n{reply.data.decode('utf-8', 'replace')}\n--- end ---"
    return _wrap(reply.plain() or str(reply), width)
