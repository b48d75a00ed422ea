"""Replies -> Slack Block Kit messages. Every reply type has a form; unknown ones fall back to plain().

Slack's limits are respected here: a section's text is at most 3,000 characters (longer text is split
over several sections), a button's or an option's text at most 75, a header 150, a message 50 blocks
(more become several messages). Every piece of text from the core is escaped (&, <, >) and defused, so
nothing rendered can ping a channel: no <!channel>, <!here>, <!everyone> ever leaves this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.text import clip, split
from bot import commands
from bot import replies as R
from bot.safety import defuse_mentions

SECTION_MAX = 3000
BUTTON_MAX = 75
OPTION_MAX = 75
PLACEHOLDER_MAX = 150
HEADER_MAX = 150
FALLBACK_MAX = 3000
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
FILE_TEXT_MAX = 12000  # a file shown as text (its upload failed): more would not fit in one response
COMMENT_MAX = 1000  # an upload's initial comment; Slack shows it as the message above the file

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One Slack message: the notification text (also shown where blocks cannot be) and the blocks."""

    text: str
    blocks: list[Block]


# -- text helpers ------------------------------------------------------------------------------------
def esc(text: str) -> str:
    """Text safe for Slack: mass mentions defused, and &, <, > escaped as Slack asks (so no <!...> survives)."""
    text = defuse_mentions(str(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim(text: str, limit: int) -> str:
    return clip(text, limit)


def chunks(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Split text into pieces of at most `limit` characters, at line breaks where possible, else at spaces
    (a blank text is one blank piece: a section needs a text)."""
    return split(text, limit) or [""]


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": trim(defuse_mentions(text), limit) or " ", "emoji": True}


def sections(mrkdwn: str) -> list[Block]:
    """One or more section blocks for already escaped mrkdwn text (split at Slack's 3,000 characters)."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks(mrkdwn)]


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": trim(mrkdwn, SECTION_MAX)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    b: Block = {
        "type": "button",
        "text": plain_text(text, BUTTON_MAX),
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def code(text: str) -> list[Block]:
    """Monospaced text (tables), in ``` blocks that each fit in one section."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{c}```"}}
        for c in chunks(esc(text), SECTION_MAX - 6)
    ]


# -- action ids and values: what a click carries back (parse.py reads them) --------------------------
ANSWER = "answer"  # value "<session>:<key>"; action_id "answer_<key>" (unique within a message)
HINT = "hint"  # value "<session>"
SKIP = "skip"
CLOSE = "close_round"
SUBMIT = "submit"  # an ordering or matching answer put together from the selects
PICK = "pick"  # a select's own change: acknowledged, nothing else (the submit button reads the state)
OPEN_ANSWER = "open_answer"  # opens the modal for an open-ended answer; also the modal's callback_id
HOME_QUIZ = "home_quiz"  # "Quiz me" on the App Home tab
FORGET_YES = "forget_me_confirm"  # /forget-me's "Delete everything": value "<user>"
FORGET_NO = "forget_me_keep"  # /forget-me's "Keep my data"


def order_block_id(session_id: int) -> str:
    return f"answer_picks:{session_id}"


# -- the reply types ---------------------------------------------------------------------------------
def _deadline_text(deadline: str) -> str:
    try:
        moment = datetime.fromisoformat(deadline)
    except ValueError:
        return ""
    # Slack shows <!date^...> in each reader's own time zone; the text after | is the fallback.
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment.strftime('%H:%M UTC')}>"


def _question(q: R.Question, started_by: str = "") -> list[Block]:
    sid = q.session_id
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(f"Quiz: {q.concept_title}", HEADER_MAX)},
        *sections(esc(q.prompt)),
    ]
    if q.type == "single_choice":
        listing = "\n".join(f"*{esc(c.key)})* {esc(c.text)}" for c in q.choices)
        blocks += sections(listing)
        buttons = [button(c.key, f"{ANSWER}_{c.key}", f"{sid}:{c.key}") for c in q.choices]
        blocks.append({"type": "actions", "block_id": f"answer_buttons:{sid}", "elements": buttons[:25]})
    elif q.type == "multiple_response":
        blocks += sections("\n".join(f"*{esc(c.key)})* {esc(c.text)}" for c in q.choices))
        blocks.append(context("Choose all that apply, then press *Submit choices*."))
        ticks = [{"text": plain_text(f"{c.key}) {c.text}", OPTION_MAX), "value": c.key} for c in q.choices]
        boxes = {"type": "checkboxes", "action_id": f"{PICK}_choices", "options": ticks[:10]}
        blocks.append({"type": "actions", "block_id": order_block_id(sid), "elements": [boxes]})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"answer_submit:{sid}",
                "elements": [button("Submit choices", SUBMIT, str(sid), "primary")],
            }
        )
    elif q.type == "ordering":
        blocks += sections("\n".join(f"*{esc(c.key)}.* {esc(c.text)}" for c in q.choices))
        blocks.append(context("Pick the step that comes first, second, …, then press *Submit order*."))
        options = [{"text": plain_text(f"{c.key}. {c.text}", OPTION_MAX), "value": c.key} for c in q.choices]
        selects = [
            {
                "type": "static_select",
                "action_id": f"{PICK}_{pos}",
                "placeholder": plain_text(f"{_ordinal(pos)} step", PLACEHOLDER_MAX),
                "options": options,
            }
            for pos in range(1, len(q.choices) + 1)
        ]
        blocks.append({"type": "actions", "block_id": order_block_id(sid), "elements": selects[:24]})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"answer_submit:{sid}",
                "elements": [button("Submit order", SUBMIT, str(sid), "primary")],
            }
        )
    elif q.type == "matching":
        left = "\n".join(f"*{esc(c.key)}.* {esc(c.text)}" for c in q.choices)
        right = "\n".join(f"*{esc(t.key)})* {esc(t.text)}" for t in q.targets)
        blocks += sections(left)
        blocks += sections(f"_match each with:_\n{right}")
        options = [{"text": plain_text(f"{t.key}) {t.text}", OPTION_MAX), "value": t.key} for t in q.targets]
        selects = [
            {
                "type": "static_select",
                "action_id": f"{PICK}_{c.key}",
                "placeholder": plain_text(f"{c.key}. {c.text}", PLACEHOLDER_MAX),
                "options": options,
            }
            for c in q.choices
        ]
        blocks.append({"type": "actions", "block_id": order_block_id(sid), "elements": selects[:24]})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"answer_submit:{sid}",
                "elements": [button("Submit matches", SUBMIT, str(sid), "primary")],
            }
        )
    else:  # open_ended (and any new type): a modal takes the answer
        blocks.append(
            {
                "type": "actions",
                "block_id": f"answer_open:{sid}",
                "elements": [button("Write my answer", OPEN_ANSWER, str(sid), "primary")],
            }
        )
    tools: list[Block] = []
    if q.is_round:
        when = _deadline_text(q.deadline)
        note = "Class round: everyone may answer once; your answer is private until the round closes."
        if when:
            note += f" Closes at {when}."
        if started_by:
            note += f" Started by {esc(started_by)}."
        blocks.append(context(note))
        tools.append(button("Close round", CLOSE, str(sid), "danger"))
    else:
        tools += [button("Hint", HINT, str(sid)), button("Skip", SKIP, str(sid))]
    blocks.append({"type": "actions", "block_id": f"quiz_tools:{sid}", "elements": tools})
    return blocks


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _feedback(f: R.Feedback) -> list[Block]:
    mark = ":white_check_mark:" if f.correct else ":x:"
    head = f"{mark} *{esc(f.summary)}*" + (f"  +{f.points} points" if f.points else "")
    blocks = sections(head)
    if f.marks:
        marked = (
            f"{':white_check_mark:' if m.ok else ':x:'} {esc(m.text)}"
            + (f": {esc(m.note)}" if m.note else "")
            for m in f.marks
        )
        blocks += sections("*Your answer:*\n" + "\n".join(marked))
    if f.covered:
        blocks += sections("*Covered:*\n" + "\n".join(f"• {esc(p)}" for p in f.covered))
    if f.missed:
        blocks += sections("*Missed:*\n" + "\n".join(f"• {esc(p)}" for p in f.missed))
    if f.explanations:
        blocks += sections("\n".join(esc(e) for e in f.explanations))
    return blocks


def _round_result(r: R.RoundResult) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(f"Round closed: {r.concept_title}", HEADER_MAX)}
    ]
    if r.prompt:
        blocks += sections("\n".join(f">{line}" for line in esc(r.prompt).splitlines()))
    blocks += sections(f"*{esc(r.summary)}*")
    if r.explanations:
        blocks += sections("\n".join(esc(e) for e in r.explanations))
    if r.tally:
        most = max((t.count for t in r.tally), default=0) or 1
        lines = []
        for t in r.tally:
            bar = "█" * round(8 * t.count / most) if t.count else ""
            mark = ":white_check_mark:" if t.correct else ":white_small_square:"
            label = esc(t.key) if t.text == t.key else f"{esc(t.key)}) {esc(trim(t.text, 60))}"
            lines.append(f"{mark} *{label}*  `{bar or ' '}` {t.count}")
        n = r.answered
        blocks += sections(
            f"*How the class answered* ({n} answer{'s' if n != 1 else ''}):\n" + "\n".join(lines)
        )
    if r.scores:
        lines = [
            f"{i}. {esc(name)}: {esc(result)}, +{pts}" for i, (name, result, pts) in enumerate(r.scores, 1)
        ]
        blocks += sections("*Scores:*\n" + "\n".join(lines))
    elif not r.answered:
        blocks += sections("Nobody answered this round.")
    return blocks


def blocks_for(reply: R.Reply, started_by: str = "") -> list[Block]:
    """The blocks of one reply."""
    if isinstance(reply, R.DirectMessage):
        return []  # another learner's message: the app sends it to them directly
    if isinstance(reply, R.Text):
        prefix = ":warning: " if reply.kind == "error" else ""
        return sections(prefix + esc(reply.text))
    if isinstance(reply, R.Confirm):
        return sections(esc(reply.plain()))
    if isinstance(reply, R.Passage):
        quoted = "\n".join(f">{line}" for line in esc(reply.excerpt).splitlines())
        return [*sections(quoted), context(f"from the course: *{esc(reply.title)}*")]
    if isinstance(reply, R.Question):
        return _question(reply, started_by)
    if isinstance(reply, R.Feedback):
        return _feedback(reply)
    if isinstance(reply, R.RoundResult):
        return _round_result(reply)
    if isinstance(reply, R.Table):
        out: list[Block] = [*sections(f"*{esc(reply.title)}*")]
        body = R.Table("", reply.headers, reply.rows).plain().split("\n", 1)[1]
        out += code(body)
        if reply.note:
            out.append(context(esc(reply.note)))
        return out
    if isinstance(reply, R.Image):
        # Block Kit shows images by URL only; where the picture is not uploaded, the text alternative stands in.
        return sections(f":frame_with_picture: {esc(reply.alt)}")
    if isinstance(reply, R.File):
        return _file(reply)
    return sections(esc(reply.plain() or str(reply)))


def _file(f: R.File) -> list[Block]:
    """A file shown as text, where it could not be uploaded: its description, then its content."""
    blocks = sections(f":page_facing_up: *{esc(f.filename)}*: {esc(f.alt)}")
    try:
        content = f.data.decode("utf-8")
    except UnicodeDecodeError:
        return [*blocks, context(f"({len(f.data):,} bytes that cannot be shown as text)")]
    if not content.strip():
        return blocks
    shown = content if len(content) <= FILE_TEXT_MAX else content[:FILE_TEXT_MAX]
    blocks += code(shown)
    if len(shown) < len(content):
        blocks.append(context(f"(the first {FILE_TEXT_MAX:,} of {len(content):,} characters)"))
    return blocks


def upload_comment(reply: R.Image | R.File) -> str:
    """The message Slack shows with an uploaded file: the reply's text alternative (escaped, defused)."""
    return trim(esc(reply.alt), COMMENT_MAX) or esc(reply.filename)


def upload_note(filenames: list[str]) -> R.Text:
    """Said privately where a command was typed, when its files went to the learner's DM with the tutor."""
    names = [f"`{name}`" for name in filenames]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    return R.Text(f":paperclip: {listed} {verb} in your direct messages with the tutor.", kind="notice")


def confirm_prompt(replies: list[R.Reply], user: str) -> list[Message]:
    """A typed confirmation (/forget-me) as a *Delete everything* and a *Keep my data* button, in place of the
    console's "/forget-me confirm". Replies without one are plain messages."""
    confirm = next((r for r in replies if isinstance(r, R.Confirm)), None)
    if confirm is None:
        return messages(replies)
    shown = [
        R.Text(f"{confirm.text} To go ahead, press *{confirm.yes}* below.") if r is confirm else r
        for r in replies
    ]
    out = messages(shown)
    ask = {
        "title": plain_text("Delete everything?", 100),
        "text": plain_text("Your answers, progress, points and forwarded questions go for good.", 300),
        "confirm": plain_text("Delete", 30),
        "deny": plain_text("Cancel", 30),
        "style": "danger",
    }
    delete = {**button(confirm.yes, FORGET_YES, user, "danger"), "confirm": ask}
    tools = {
        "type": "actions",
        "block_id": "forget_me",
        "elements": [delete, button(confirm.no, FORGET_NO, user)],
    }
    last = out[-1]
    if len(last.blocks) < MESSAGE_BLOCKS:
        out[-1] = Message(last.text, [*last.blocks, tools])
    else:
        out.append(Message("Delete everything the tutor keeps about you?", [tools]))
    return out


def fallback_text(replies: list[R.Reply]) -> str:
    """The message's top-level text: notifications and clients that cannot show blocks use it."""

    def plain(r: R.Reply) -> str:
        if isinstance(r, R.Question):  # its plain() explains the console's /answer; Slack has buttons
            return f"Quiz ({r.concept_title}): {r.prompt}"
        return r.plain()

    text = "\n".join(p for p in (plain(r) for r in replies) if p)
    return trim(esc(text), FALLBACK_MAX) or "tutor"


def messages(replies: list[R.Reply], started_by: str = "") -> list[Message]:
    """The replies as Slack messages of at most 50 blocks each (a reply's blocks stay together when they fit)."""
    out: list[Message] = []
    batch: list[R.Reply] = []
    blocks: list[Block] = []
    for reply in replies:
        mine = blocks_for(reply, started_by)
        if blocks and len(blocks) + len(mine) > MESSAGE_BLOCKS:
            out.append(Message(fallback_text(batch), blocks))
            batch, blocks = [], []
        while len(mine) > MESSAGE_BLOCKS:
            out.append(Message(fallback_text([reply]), mine[:MESSAGE_BLOCKS]))
            mine = mine[MESSAGE_BLOCKS:]
        batch.append(reply)
        blocks += mine
    if blocks:
        out.append(Message(fallback_text(batch), blocks))
    return out


def closed_question_blocks(blocks: list[Block], note: str) -> list[Block]:
    """A posted question with its buttons and selects replaced by a note (after the round closed)."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    return [*kept, context(esc(note))]


# -- the modal and the App Home tab -------------------------------------------------------------------
def answer_modal(session_id: int, prompt: str, metadata: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """The modal for an open-ended answer (Slack caps a text input at 3,000 characters)."""
    return {
        "type": "modal",
        "callback_id": OPEN_ANSWER,
        "private_metadata": json.dumps({"session": session_id, **metadata}),
        "title": plain_text("Your answer", 24),
        "submit": plain_text("Submit", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            *sections(esc(trim(prompt, SECTION_MAX))),
            {
                "type": "input",
                "block_id": "answer",
                "label": plain_text("Your answer, in a few sentences", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": min(max_chars, 3000),
                },
            },
        ],
    }


def home_view(course_title: str, progress: list[R.Reply], next_steps: list[R.Reply]) -> dict[str, Any]:
    """The App Home tab: the learner's progress and what to learn next."""
    blocks: list[Block] = [{"type": "header", "text": plain_text(f"Tutor: {course_title}", HEADER_MAX)}]
    blocks += sections("*Your progress*")
    for r in progress:
        blocks += blocks_for(r)
    blocks.append({"type": "divider"})
    blocks += sections("*Next steps*")
    for r in next_steps:
        blocks += blocks_for(r)
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_tools",
            "elements": [button("Quiz me", HOME_QUIZ, "next", "primary")],
        }
    )
    blocks.append(
        context(
            "Ask me anything in a direct message, mention me in a channel, or use "
            + ", ".join(f"/{c.name}" for c in commands.CHAT if c.who == commands.LEARNER)
            + "."
        )
    )
    if len(blocks) > HOME_BLOCKS:
        blocks = [*blocks[: HOME_BLOCKS - 1], context("(shortened: /progress shows everything)")]
    return {"type": "home", "blocks": blocks}
