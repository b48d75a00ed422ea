"""Replies -> terminal text. Every reply type has a readable form; unknown ones fall back to plain()."""

from __future__ import annotations

import textwrap

from bot import replies as R


def _wrap(text: str, width: int, indent: str = "") -> str:
    out = []
    for line in text.splitlines() or [""]:
        out.append(
            textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent) if line else ""
        )
    return "\n".join(out)


def render(reply: R.Reply, width: int = 100) -> str:
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
        if reply.covered:
            lines.append("  Covered:")
            lines += [_wrap(f"+ {p}", width, "    ") for p in reply.covered]
        if reply.missed:
            lines.append("  Missed:")
            lines += [_wrap(f"- {p}", width, "    ") for p in reply.missed]
        lines += [_wrap(e, width, "  ") for e in reply.explanations]
        return "\n".join(lines)
    if isinstance(reply, R.RoundResult):
        return reply.plain()
    if isinstance(reply, R.Table):
        return reply.plain()
    if isinstance(reply, R.Image):
        return f"(chart {reply.filename}, shown as a picture on Slack and Discord: {reply.alt})"
    if isinstance(reply, R.File):
        return f"{reply.alt}\n--- {reply.filename} ---\n{reply.data.decode('utf-8', 'replace')}\n--- end ---"
    return reply.plain() or str(reply)
