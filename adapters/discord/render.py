"""The tutor's replies -> Discord messages: content, embeds, buttons and select menus, within Discord's limits.

Limits kept here: 2,000 characters of content per message (longer text is split into several
messages, tables keep their code fences), embeds within 4,096 characters of description, 1,024 per
field, 6,000 in all and 10 per message; button labels 80, menu options 100, 25 options per menu;
attachments within the interaction's size limit (a bigger file is sent gzipped, or described instead).
Pictures and files are real attachments, each with its text alternative in the message or its embed
and as the attachment's description. Every reply type has a form; an unknown one falls back to its
plain text.
"""

from __future__ import annotations

import functools
import gzip
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

import discord

from adapters.discord import parse
from adapters.discord.components import ChoicesSelect, ForgetButton, FormSelect, TutorButton
from adapters.text import clip, split
from bot import commands
from bot import replies as R
from bot.course import Course
from bot.safety import defuse_mentions

CONTENT_LIMIT = 2000
EMBED_DESCRIPTION = 4096
EMBED_FIELD = 1024
EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
OPTION_TEXT = 100
ATTACHMENT_DESCRIPTION = 1024
ATTACHMENT_LIMIT = 10 * 1024 * 1024  # Discord's upload limit for bots when the interaction names none

BLURPLE = discord.Colour.blurple()
GREEN = discord.Colour.green()
RED = discord.Colour.red()
GREY = discord.Colour.light_grey()

STARTERS = {
    "ordering": ("Put the steps in order", "o"),
    "matching": ("Match the items", "m"),
    "open_ended": ("Write your answer", "e"),
}


@dataclass
class Out:
    """One Discord message to send."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)

    def send_kwargs(self) -> dict:
        kw: dict = {"content": self.content or None, "embeds": self.embeds}
        if self.view is not None:
            kw["view"] = self.view
        if self.files:
            kw["files"] = self.files
        return kw

    def edit_kwargs(self) -> dict:
        """For replacing a message (the answer form) with this one: no content or view left behind."""
        kw: dict = {"content": self.content or None, "embeds": self.embeds, "view": self.view}
        if self.files:
            kw["attachments"] = self.files
        return kw


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split at line breaks (or spaces in a very long line) into pieces of at most `limit` characters."""
    return split(text, limit)


def safe_name(name: str) -> str:
    """A learner's name as shown to the class: no markdown, no mentions."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(defuse_mentions(name or "")))


# -- replies -> messages -------------------------------------------------------------------------
@dataclass
class _EmbedPart:
    embed: discord.Embed
    view: discord.ui.View | None = None
    file: discord.File | None = None


@dataclass
class _FilePart:
    """A file with its description as the message's text (e.g. /my-data's JSON)."""

    text: str
    file: discord.File


def render(replies: list[R.Reply], *, attachment_limit: int = ATTACHMENT_LIMIT) -> list[Out]:
    """Pack replies into as few messages as the limits allow, in order. Text that follows an embed goes
    into the same message's content when that is empty (shown above the embed), else into a new one.
    A file gets a message of its own, its description as the text; a picture goes in an embed."""
    outs = [Out()]
    for reply in replies:
        for part in _parts(reply, attachment_limit):
            current = outs[-1]
            if isinstance(part, str):
                if current.content and (
                    current.embeds or current.files or len(current.content) + 2 + len(part) > CONTENT_LIMIT
                ):
                    outs.append(current := Out())
                current.content = f"{current.content}\n\n{part}" if current.content else part
                continue
            if isinstance(part, _FilePart):
                if current.content or current.files:
                    outs.append(current := Out())
                current.content = part.text
                current.files.append(part.file)
                continue
            size = sum(len(e) for e in current.embeds)
            if (
                len(current.embeds) >= EMBEDS_PER_MESSAGE
                or size + len(part.embed) > EMBED_TOTAL
                or (part.view is not None and current.view is not None)
                or (part.file is not None and current.files)
            ):
                outs.append(current := Out())
            current.embeds.append(part.embed)
            if part.view is not None:
                current.view = part.view
            if part.file is not None:
                current.files.append(part.file)
    return [o for o in outs if o.content or o.embeds or o.files]


def attachment_name(filename: str, default: str) -> str:
    """A file name Discord keeps as it is (and `attachment://` can refer to)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", filename or "")[:100] or default


def attachable(filename: str, data: bytes, limit: int) -> tuple[str, bytes] | None:
    """The file as it can be uploaded: as it is, gzipped when that makes it fit, or None."""
    if len(data) <= limit:
        return filename, data
    packed = gzip.compress(data, mtime=0)
    if len(packed) <= limit:
        return f"{filename}.gz", packed
    return None


def _parts(reply: R.Reply, attachment_limit: int = ATTACHMENT_LIMIT) -> list[str | _EmbedPart | _FilePart]:
    if isinstance(reply, R.DirectMessage):
        return []  # another learner's message: the adapter sends it to them directly
    if isinstance(reply, R.Text):
        prefix = "⚠️ " if reply.kind == "error" else ""
        return list(split_text(prefix + reply.text))
    if isinstance(reply, R.Passage):
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in reply.excerpt.splitlines())
        return list(split_text(f"{quoted}\n— from *{reply.title}*"))
    if isinstance(reply, R.Table):
        return list(table_chunks(reply))
    if isinstance(reply, R.Question):
        return [_EmbedPart(question_embed(reply), question_view(reply))]
    if isinstance(reply, R.Feedback):
        return [_EmbedPart(feedback_embed(reply))]
    if isinstance(reply, R.RoundResult):
        return [_EmbedPart(round_embed(reply))]
    if isinstance(reply, R.Image):
        name = attachment_name(reply.filename, "image.png")
        embed = discord.Embed(description=clip(reply.alt, EMBED_DESCRIPTION), colour=BLURPLE)
        if len(reply.data) > attachment_limit or not reply.data:
            return [_EmbedPart(embed)]  # the text alternative alone
        embed.set_image(url=f"attachment://{name}")
        file = discord.File(
            io.BytesIO(reply.data), filename=name, description=clip(reply.alt, ATTACHMENT_DESCRIPTION)
        )
        return [_EmbedPart(embed, file=file)]
    if isinstance(reply, R.File):
        name = attachment_name(reply.filename, "file.bin")
        fitted = attachable(name, reply.data, attachment_limit)
        if fitted is None:
            return list(
                split_text(
                    f"{reply.alt}\n(The file is {len(reply.data):,} bytes, too large to attach here. "
                    "Please ask the people who run the tutor for it.)"
                )
            )
        name, data = fitted
        text = clip(
            reply.alt + (" (gzip-compressed to fit Discord's limit)" if name.endswith(".gz") else ""),
            CONTENT_LIMIT,
        )
        file = discord.File(
            io.BytesIO(data), filename=name, description=clip(reply.alt, ATTACHMENT_DESCRIPTION)
        )
        return [_FilePart(text, file)]
    return list(split_text(reply.plain() or str(reply)))


def confirm_prompt(replies: list[R.Reply], user_id: int | str, **kw: int) -> list[Out]:
    """A typed confirmation (/forget-me) as a Delete everything and a Keep my data button, in place of the
    console's "/forget-me confirm". Replies without one are rendered as they are."""
    confirm = next((r for r in replies if isinstance(r, R.Confirm)), None)
    if confirm is None:
        return render(replies, **kw)
    shown = [
        R.Text(f"{confirm.text} To go ahead, click **{confirm.yes}** below.") if r is confirm else r
        for r in replies
    ]
    outs = render(shown, **kw) or [Out(content="Delete everything the tutor keeps about you?")]
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton.make(user_id, True))
    view.add_item(ForgetButton.make(user_id, False))
    if outs[-1].view is not None:
        outs.append(Out(content="Delete everything the tutor keeps about you?"))
    outs[-1].view = view
    return outs


def table_chunks(table: R.Table) -> list[str]:
    """A table as monospace code blocks, split between rows so every piece keeps its fences."""
    cells = [tuple(clip(str(c).replace("`", "'"), 40) for c in row) for row in (table.headers, *table.rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.headers))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()

    header = [line(cells[0]), line(tuple("-" * w for w in widths))]
    body = [clip(line(r), CONTENT_LIMIT - 200) for r in cells[1:]]
    chunks: list[str] = []
    title = f"**{clip(table.title, 200)}**\n"
    lines: list[str] = []
    for row in body:
        block = "```\n" + "\n".join([*header, *lines, row]) + "\n```"
        if len(title if not chunks else "") + len(block) > CONTENT_LIMIT and lines:
            chunks.append(("" if chunks else title) + "```\n" + "\n".join([*header, *lines]) + "\n```")
            lines = []
        lines.append(row)
    chunks.append(("" if chunks else title) + "```\n" + "\n".join([*header, *lines]) + "\n```")
    if table.note:
        chunks += split_text(table.note)
    return chunks


def _deadline(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except (TypeError, ValueError):
        return None


def question_embed(q: R.Question) -> discord.Embed:
    lines = [clip(q.prompt, 1500), ""]
    if q.type == "single_choice":
        lines += [f"**{c.key})** {clip(c.text, 300)}" for c in q.choices]
        how = "Click the letter of your answer."
    elif q.type == "multiple_response":
        lines += [f"**{c.key})** {clip(c.text, 300)}" for c in q.choices]
        how = "Choose all that apply in the menu below (or `/answer A C`)."
    elif q.type == "ordering":
        lines += [f"**{c.key}.** {clip(c.text, 300)}" for c in q.choices]
        how = f"Click **{STARTERS['ordering'][0]}** and pick the steps one by one."
    elif q.type == "matching":
        lines += [f"**{c.key}.** {clip(c.text, 250)}" for c in q.choices]
        lines += ["", "**Match with:**"]
        lines += [f"**{t.key})** {clip(t.text, 250)}" for t in q.targets]
        how = f"Click **{STARTERS['matching'][0]}** and pick a match for each item."
    else:
        how = f"Click **{STARTERS['open_ended'][0]}** and explain in a few sentences."
    lines += ["", how]
    if q.is_round:
        closes = _deadline(q.deadline)
        lines.append(
            "Everyone answers once; your answer stays private until the round closes"
            + (f" <t:{closes}:R>." if closes else ".")
        )
    title = ("Class round · " if q.is_round else "Question · ") + q.concept_title
    embed = discord.Embed(
        title=clip(title, 256), description=clip("\n".join(lines), EMBED_DESCRIPTION), colour=BLURPLE
    )
    if q.is_round:
        embed.set_footer(text="The poster or an instructor can close the round early.")
    return embed


def question_view(q: R.Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    sid = q.session_id
    if q.type == "single_choice":
        for i, c in enumerate(q.choices[:20]):
            view.add_item(
                TutorButton.make("a", sid, c.key, label=c.key, style=discord.ButtonStyle.primary, row=i // 5)
            )
    elif q.type == "multiple_response":
        options = [
            discord.SelectOption(label=clip(f"{c.key}) {c.text}", 100), value=c.key) for c in q.choices
        ]
        view.add_item(ChoicesSelect.make(sid, options))
    elif q.type in STARTERS:
        label, kind = STARTERS[q.type]
        view.add_item(TutorButton.make("f", sid, kind, label=label, style=discord.ButtonStyle.primary, row=0))
    if q.is_round:
        view.add_item(
            TutorButton.make("c", sid, label="Close round", style=discord.ButtonStyle.danger, row=4)
        )
    else:
        view.add_item(TutorButton.make("h", sid, label="Hint", row=4))
        view.add_item(TutorButton.make("s", sid, label="Skip", row=4))
    return view


def feedback_embed(f: R.Feedback) -> discord.Embed:
    skipped = f.skipped
    mark = "⏭️" if skipped else ("✅" if f.correct else "❌")
    colour = GREY if skipped else (GREEN if f.correct else RED)
    embed = discord.Embed(
        title=clip(f"{mark} {f.summary}", 256),
        description=clip("\n".join(f.explanations), 3000),
        colour=colour,
    )
    if f.marks:
        marked = [f"{'✅' if m.ok else '❌'} {m.text}" + (f": {m.note}" if m.note else "") for m in f.marks]
        embed.add_field(name="Your answer", value=_lines_within(marked), inline=False)
    if f.covered:
        embed.add_field(name="Covered", value=_lines_within([f"+ {p}" for p in f.covered]), inline=False)
    if f.missed:
        embed.add_field(name="Missed", value=_lines_within([f"- {p}" for p in f.missed]), inline=False)
    if f.points:
        embed.set_footer(text=f"+{f.points} points")
    return embed


def _lines_within(lines: list[str], limit: int = EMBED_FIELD) -> str:
    """As many whole lines as fit, then how many were left out."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        line = clip(line, 300)
        more = f"… and {len(lines) - i} more"
        if used + len(line) + 1 > limit - len(more) - 1 and i < len(lines) - 1:
            out.append(more)
            break
        if used + len(line) + 1 > limit:
            out.append(more)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out) or "—"


def round_embed(r: R.RoundResult) -> discord.Embed:
    text = [clip(defuse_mentions(r.prompt), 1200), "", f"**{defuse_mentions(r.summary)}**"]
    text += [defuse_mentions(e) for e in r.explanations]
    embed = discord.Embed(
        title=clip(f"Round closed · {defuse_mentions(r.concept_title)}", 256),
        description=clip("\n".join(text), 3000),
        colour=GREEN,
    )
    if r.tally:
        n = r.answered
        tally = [f"{'✅' if t.correct else '▫️'} **{clip(t.key, 40)}**: {t.count}" for t in r.tally]
        embed.add_field(
            name=f"How the class answered ({n} answer{'s' if n != 1 else ''})",
            value=_lines_within(tally),
            inline=False,
        )
    if r.scores:
        scores = [
            f"{i}. {safe_name(clip(name, 60))}: {result}, +{points}"
            for i, (name, result, points) in enumerate(r.scores, 1)
        ]
        embed.add_field(name="Scores", value=_lines_within(scores), inline=False)
    elif not r.answered:
        embed.add_field(name="Scores", value="Nobody answered this round.", inline=False)
    return embed


# -- the answer form (ordering and matching) and the essay modal -----------------------------------
def form(q: R.Question, picks: str) -> Out:
    """The private form for an ordering or matching answer: one menu at a time, the picks so far above it,
    then Submit. Everything the form knows is in its components' custom_ids."""
    kind = "o" if q.type == "ordering" else "m"
    n = len(q.choices)
    keys = parse.form_keys(kind, n)
    if not parse.valid_picks(kind, n, picks):
        picks = ""
    view = discord.ui.View(timeout=None)
    if kind == "o":
        text = {c.key: c.text for c in q.choices}
        lines = [f"**Put the steps in order** · {clip(q.concept_title, 100)}"]
        lines += [f"{i + 1}. {clip(text[k], 150)} *(step {k})*" for i, k in enumerate(picks)]
        next_label = f"Step in position {len(picks) + 1}"
        options = [
            discord.SelectOption(label=clip(f"{k}. {text[k]}", OPTION_TEXT), value=k)
            for k in keys
            if k not in picks
        ]
    else:
        right = {t.key: t.text for t in q.targets}
        lines = [f"**Match the items** · {clip(q.concept_title, 100)}"]
        lines += [
            f"{i + 1}. {clip(q.choices[i].text, 100)} → **{k})** {clip(right[k], 100)}"
            for i, k in enumerate(picks)
        ]
        if len(picks) < n:
            lines.append(f"Item {len(picks) + 1}: **{clip(q.choices[len(picks)].text, 200)}** matches…")
        next_label = f"Match for item {len(picks) + 1}"
        options = [
            discord.SelectOption(label=clip(f"{k}) {right[k]}", OPTION_TEXT), value=k)
            for k in keys
            if k not in picks
        ]
    sid = q.session_id
    if len(picks) == n:
        lines.append("Submit this answer, or start over.")
        view.add_item(
            TutorButton.make("g", sid, kind + picks, label="Submit", style=discord.ButtonStyle.success)
        )
        view.add_item(TutorButton.make("r", sid, kind, label="Start over"))
    else:
        view.add_item(FormSelect.make(sid, kind, picks, options, next_label))
        if picks:
            view.add_item(TutorButton.make("r", sid, kind, label="Start over", row=1))
    return Out(content=clip("\n".join(lines), CONTENT_LIMIT), view=view)


def answer_modal(session_id: int, max_length: int) -> discord.ui.Modal:
    """The essay modal: its custom_id names the session, so a submission is understood on its own."""
    modal = discord.ui.Modal(title="Your answer", custom_id=parse.modal_id(session_id), timeout=None)
    modal.add_item(
        discord.ui.TextInput(
            label="Your answer",
            style=discord.TextStyle.paragraph,
            custom_id=parse.ESSAY_FIELD,
            placeholder="Explain in a few sentences, in your own words.",
            min_length=1,
            max_length=max(1, min(4000, max_length)),
        )
    )
    return modal


def help_text(course_title: str) -> str:
    """Discord's /help: its slash commands, from the command table."""
    learners = [f"`{c.line}` {c.summary}" for c in commands.CHAT if c.who == commands.LEARNER]
    teachers = ", ".join(f"`{c.line}`" for c in commands.CHAT if c.who == commands.INSTRUCTOR)
    return "\n".join(
        [
            f'I am your tutor for the course "{clip(course_title, 200)}". Ask me anything about it:',
            *learners,
            f"Instructors: {teachers}.",
            "You can also mention me with a question in a channel, or write to me in a DM.",
        ]
    )


# -- /quiz topic autocomplete ---------------------------------------------------------------------
def topic_choices(course: Course, typed: str, limit: int = 25) -> list[tuple[str, str]]:
    """(name, value) pairs: concept titles matching what was typed (title, id or alias), prefix matches first."""
    typed = (typed or "").strip().lower()
    found: list[tuple[int, int, str, str]] = []
    for order, cid in enumerate(course.topological_order()):
        c = course.concepts[cid]
        names = [c.title.lower(), c.id.lower(), *(a.lower() for a in c.aliases)]
        if typed and not any(typed in n for n in names):
            continue
        rank = 0 if not typed or any(n.startswith(typed) for n in names) else 1
        found.append((rank, order, clip(c.title, 100), c.id[:100]))
    found.sort()
    return [(name, value) for _, _, name, value in found[:limit]]


# -- /timezone autocomplete -----------------------------------------------------------------------
@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def zone_choices(typed: str, limit: int = 25) -> list[str]:
    """IANA time zone names matching what was typed: the city or area first, then anywhere in the name."""
    typed = (typed or "").strip().lower().replace(" ", "_")
    if not typed:
        return list(_zones()[:limit])
    first = [
        z for z in _zones() if z.lower().startswith(typed) or z.lower().rsplit("/", 1)[-1].startswith(typed)
    ]
    rest = [z for z in _zones() if typed in z.lower() and z not in first]
    return [z[:100] for z in (first + rest)[:limit]]
