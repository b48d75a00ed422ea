"""The learner's own settings and data: /privacy, /digest (and the daily digests), /timezone, /my-data, /forget-me."""

from __future__ import annotations

import json
import re

from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit, plural
from bot.progress.report import valid_zone, zone

PRIVACY_SHOWN = {
    "visible": "You appear on leaderboards under your name again.",
    "hidden": "You have left the leaderboards. Your progress is still yours: /progress.",
}


def on_privacy(ev: E.Privacy, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    mode = ev.mode.strip().lower()
    if not mode:
        shown = {
            "visible": f"under your name ({learner.display_name})",
            "hidden": "nowhere (you left them)",
            "pseudonym": f"as {learner.pseudonym}",
        }[learner.privacy or "visible"]
        return [
            R.Text(
                f"On leaderboards you appear {shown}. Change it with /privacy visible, /privacy hidden "
                "or /privacy pseudonym NAME."
            )
        ]
    if mode not in ("visible", "hidden", "pseudonym"):
        return [R.Text("Use /privacy visible, /privacy hidden or /privacy pseudonym NAME.", kind="error")]
    name = " ".join(ev.name.split())[:32]
    if mode == "pseudonym" and not name:
        return [R.Text("Give the name to show: /privacy pseudonym NAME", kind="error")]
    ctx.store.update_learner(learner.id or 0, privacy=mode, pseudonym=name if mode == "pseudonym" else "")
    return [R.Text(PRIVACY_SHOWN.get(mode) or f"You appear on leaderboards as {name}.")]


def on_digest(ev: E.Digest, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    fields: dict[str, object] = {}
    if ev.setting.lower() in ("on", "off"):
        fields["digest"] = ev.setting.lower() == "on"
    elif ev.setting:
        return [R.Text("Use /digest on [22-8] or /digest off.", kind="error")]
    if ev.quiet:
        m = re.fullmatch(r"(\d{1,2})\s*-\s*(\d{1,2})", ev.quiet.strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 23:
            return [R.Text("Quiet hours look like 22-8 (from 22:00 to 08:00, your time).", kind="error")]
        fields["quiet_start"], fields["quiet_end"] = int(m.group(1)), int(m.group(2))
    if fields:
        learner = ctx.store.update_learner(learner.id or 0, **fields) or learner
    state = "on" if learner.digest else "off"
    return [
        R.Text(
            f"Daily review digest: {state}; quiet hours {learner.quiet_start:02d}:00-{learner.quiet_end:02d}:00 "
            f"({ctx.learner_zone(learner)}). /digest on|off [22-8], /timezone Area/City."
        )
    ]


def on_set_timezone(ev: E.SetTimezone, ctx: Kit) -> list[R.Reply]:
    """A learner's own zone; a class's (`for_class`: instructors only, through the tutor's gate)."""
    name = ev.zone.strip()
    if not name or not valid_zone(name):
        return [R.Text("Name a time zone like Europe/Berlin or America/New_York.", kind="error")]
    if ev.for_class:
        if ev.where is None:
            return [R.Text("Set a class's time zone in its channel.", kind="error")]
        room = ctx.store.class_room(ev.where)
        ctx.store.update_class(room.id or 0, timezone=name)
        return [R.Text(f"This class's week now starts on Monday at 00:00 {name}.")]
    learner = ctx.store.learner(ev.learner)
    ctx.store.update_learner(learner.id or 0, timezone=name)
    return [R.Text(f"Your time zone is {name}.")]


def on_forget_me(ev: E.ForgetMe, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.find_learner(ev.learner.platform, ev.learner.workspace, ev.learner.user)
    if learner is None:
        return [R.Text("The tutor keeps nothing about you.")]
    if not ev.confirm:
        return [
            R.Confirm(
                "This deletes everything the tutor keeps about you: your answers, progress, points and "
                "forwarded questions. It cannot be undone.",
                action="forget-me",
                command="/forget-me confirm",
            )
        ]
    n = ctx.store.forget_learner(learner.id or 0)
    return [
        R.Text(
            f"Done: everything about you is deleted ({plural(n, 'answer')}). Goodbye, or welcome back any time."
        )
    ]


def on_my_data(ev: E.MyData, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    data = ctx.store.learner_data(learner.id or 0)
    body = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
    n = len(data.get("attempts", []))
    return [
        R.File(
            f"tutor-data-{learner.user_id}.json",
            f"Your data: {n} answers, progress and questions, as JSON.",
            body,
        )
    ]


def digests(ctx: Kit, platform: str | None = None) -> list[tuple[E.LearnerRef, list[R.Reply]]]:
    """Daily direct messages of due reviews for learners who opted in, outside their quiet hours, once a day.

    Adapters call this on a timer and send each reply list as a direct message.
    """
    now = ctx.clock()
    out: list[tuple[E.LearnerRef, list[R.Reply]]] = []
    for learner, n_due in ctx.store.digest_candidates(now):
        if platform is not None and learner.platform != platform:
            continue  # that platform's worker sends it (and claims it)
        local = now.astimezone(zone(ctx.learner_zone(learner)))
        today = local.date().isoformat()
        if learner.digest_sent_on == today or in_quiet_hours(
            local.hour, learner.quiet_start, learner.quiet_end
        ):
            continue
        if not ctx.store.claim_digest(learner.id or 0, today):
            continue  # another worker sent it
        due = [p.concept_id for p in ctx.store.due_concepts(learner.id or 0, now)]
        names = ", ".join(f"*{ctx.course.concepts[c].title}*" for c in due[:5] if c in ctx.course.concepts)
        ref = E.LearnerRef(learner.platform, learner.workspace, learner.user_id, learner.display_name)
        text = (
            f"Time for a review: {plural(n_due, 'concept')} due ({names}). "
            "Send /review to start. /digest off stops these messages."
        )
        out.append((ref, [R.Text(text)]))
    return out


def in_quiet_hours(hour: int, start: int, end: int) -> bool:
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


HANDLERS: dict[type[E.Event], Handler] = {
    E.Privacy: on_privacy,
    E.Digest: on_digest,
    E.SetTimezone: on_set_timezone,
    E.ForgetMe: on_forget_me,
    E.MyData: on_my_data,
}
