"""The Slack adapter: a Bolt app that acknowledges at once and does the work after (lazy listeners).

`tutor serve slack` runs it over HTTP (POST /slack/events for slash commands, interactivity and the Events
API; GET /healthz) or, when SLACK_APP_TOKEN is set, over Socket Mode. Every request's signature is checked
by Bolt. A redelivered event (the same event_id) is dropped before any work. Class rounds live in the
database; the shared worker (bot/worker.py, run against this adapter as its Platform) closes those past
their deadline (a restart included) and posts the results, sends the daily digest of due reviews as direct
messages, the outcomes of instructors' reviews of answers, and retries the instructors' answers whose direct
message to an asker failed (an answer is sent to every learner who asked at once, as a DM). Pictures (the
/progress chart, the /class-report charts) and files (/my-data) are uploaded to the learner's DM with the
tutor, with Slack's upload flow (files.getUploadURLExternal, the upload URL, files.completeUploadExternal).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.context.respond import Respond as BoltRespond
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.signature import SignatureVerifier

from adapters.slack import parse as P
from adapters.slack import render as V
from adapters.slack.settings import SlackSettings
from bot import events as E
from bot import health, worker
from bot import replies as R
from bot.settings import Settings
from bot.tutor import Tutor

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTRUCTOR_CACHE_SECONDS = 600
MAX_RETRY_AFTER = 60
SLACK_NOTE = (
    "In Slack: answer with the buttons under a question (a form opens for written answers). "
    "/quiz in a channel puts a question to the whole class; add a length, e.g. /quiz dpo 90s. "
    "In a direct message, /quiz is a question just for you. Mention me with a question in a channel, "
    "or write to me directly; my Home tab shows your progress. Charts and /my-data come as files in your "
    "direct messages with me. /forget-me asks first, with a button."
)
FORGET_KEPT = "Nothing was deleted. /my-data shows what the tutor keeps about you."
COULD_NOT_READ = "I couldn't read that request."

Respond = Callable[..., Any]
Upload = R.Image | R.File


class WorkPool(ThreadPoolExecutor):
    """Bolt's listener executor, which also knows when all acknowledged work is done (tests, shutdown)."""

    def __init__(self, max_workers: int = 16):
        super().__init__(max_workers=max_workers, thread_name_prefix="tutor-slack")
        self._pending: set[Future[Any]] = set()
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future = super().submit(fn, *args, **kwargs)
        with self._idle:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._idle:
            self._pending.discard(future)
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running (False if `timeout` seconds pass first)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)


class RateLimitRetry(RetryHandler):
    """On HTTP 429 (`ratelimited`), wait as long as Slack's Retry-After says, log it, and try again."""

    def __init__(self, max_retry_count: int = 3):
        super().__init__(max_retry_count=max_retry_count)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = 1
        for name, values in (response.headers if response else {}).items():
            if name.lower() == "retry-after":
                with contextlib.suppress(ValueError, IndexError, TypeError):
                    wait = int(values[0] if isinstance(values, list) else values)
        wait = max(0, min(wait, MAX_RETRY_AFTER))
        method = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
        log.warning(
            "slack: %s rate limited; retrying in %d s (retry %d of %d)",
            method,
            wait,
            state.current_attempt + 1,
            self.max_retry_count,
        )
        state.next_attempt_requested = True
        time.sleep(wait)
        state.increment_current_attempt()


class GuardedApp(App):
    """Bolt's App, except that a request whose envelope Bolt itself cannot read (an `event` that is not an
    object, `actions` that is not a list of actions, a view without a callback_id, a workflow step's
    payload) is answered before Bolt's own middleware sees it: Bolt's authorization step reads the event and
    its kwargs builder the workflow step before any middleware of the app runs, and failed with an HTTP 500
    and a traceback (Slack retries a 500). `guard` answers such a request once its signature is checked
    (see SlackTutor.guard); every other request goes to Bolt as it came."""

    guard: Callable[[BoltRequest], BoltResponse | None] | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if self.guard is not None:
            answered = self.guard(req)
            if answered is not None:
                return answered
        return super().dispatch(req)


@dataclass(frozen=True)
class Private:
    """Where a reply meant for one learner goes: ephemeral in a channel, a plain message in a DM."""

    channel: str
    user: str
    respond: Respond | None = None
    direct: bool = False


class SlackTutor:
    """The tutor behind a Bolt App, and Slack's side of the Platform port (bot/platform.py) that the shared
    `worker` runs against. `app` is the Bolt app; `pool` runs its listeners; `close_due_rounds()` is one tick
    of the round closer and `send_digests()` one of the digest sender, `send_notices()` one of the sender of
    pending notifications (the worker's loops, started by `start()`, call them every `round_interval` and
    `digest_interval` seconds; a digest_interval of None sends no digests, and retries no notifications,
    from this process)."""

    name = P.PLATFORM

    def __init__(
        self,
        tutor: Tutor,
        *,
        bot_token: str,
        signing_secret: str = "",
        api_url: str = "https://slack.com/api/",
        verify_requests: bool = True,
        workers: int = 16,
        round_interval: float = worker.ROUND_INTERVAL,
        digest_interval: float | None = worker.DIGEST_INTERVAL,
    ):
        self.tutor = tutor
        self.worker = worker.Worker(
            tutor, self, round_interval=round_interval, digest_interval=digest_interval
        )
        self.socket: Any = None  # Socket Mode's handler, when serve() runs over Socket Mode
        self.client = WebClient(
            token=bot_token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            retry_handlers=[ConnectionErrorRetryHandler(), RateLimitRetry()],
        )
        self.pool = WorkPool(workers)
        # feedback for answers recorded before their ack: sent here, so a listener thread is free for the
        # next click at once (in a burst, acks queued behind posts of feedback)
        self.deliveries = WorkPool(workers)
        self.recorder = worker.Recorder(tutor, name="tutor-slack-recorder")
        self.verifier = SignatureVerifier(signing_secret) if verify_requests and signing_secret else None
        self.app = GuardedApp(
            signing_secret=signing_secret or None,
            client=self.client,
            token_verification_enabled=False,  # no network call at start-up; auth.test comes with the first request
            request_verification_enabled=verify_requests,
            listener_executor=self.pool,
            # Each request's ack listener runs on the request's own thread: otherwise Bolt parks the request
            # thread in a 10 ms polling loop until a pool thread acks, and a class's burst of clicks burns
            # the cores polling (acks then came late, and Bolt handed un-acked clicks to the next listener).
            # The slow work still runs after the ack, in lazy listeners and the delivery pool.
            process_before_response=True,
            logger=logging.getLogger("adapters.slack.bolt"),
        )
        self._round_messages: dict[int, tuple[str, str, list[dict[str, Any]]]] = {}
        self._profiles: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}
        self._named_users: set[tuple[str, str]] = set()  # learners whose name the tutor has (see _named)
        self._register()

    @property
    def round_interval(self) -> float:
        return self.worker.round_interval

    @round_interval.setter
    def round_interval(self, seconds: float) -> None:
        self.worker.round_interval = seconds

    @property
    def digest_interval(self) -> float | None:
        return self.worker.digest_interval

    # -- wiring ---------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.guard = self.guard
        app.middleware(self._skip_redelivery)
        app.command(P.COMMAND_PATTERN)(ack=self._ack, lazy=[self._on_command])
        # a command this app no longer has (an older manifest still installed): "unknown, try /help", not a
        # 404 that Slack shows as dispatch_failed (Bolt answers 404 to a command no listener matches)
        app.command(re.compile(".*"))(ack=self._ack, lazy=[self._on_command])
        app.event("app_mention")(ack=self._ack, lazy=[self._on_mention])
        app.event("message")(ack=self._ack, lazy=[self._on_direct_message])
        app.event("app_home_opened")(ack=self._ack, lazy=[self._on_home])
        app.action(V.OPEN_ANSWER)(ack=self._ack, lazy=[self._open_answer_form])
        app.action(re.compile(rf"^{V.PICK}_"))(self._ack)  # a select's change: the submit button reads it
        # Answers are recorded before the ack leaves (durable before acknowledged); other clicks ack first.
        app.action(re.compile(rf"^({V.ANSWER}_.+|{V.SUBMIT})$"))(self._on_answer_click)
        app.action(re.compile(rf"^({V.HINT}|{V.SKIP}|{V.CLOSE}|{V.HOME_QUIZ})$"))(
            ack=self._ack, lazy=[self._on_click]
        )
        app.view(V.OPEN_ANSWER)(self._on_written_answer)  # recorded before the ack, as answer clicks
        # a modal the tutor did not open (another app's, an old version's): refused politely, not a 404
        app.view(re.compile(".*"))(ack=self._ack, lazy=[self._on_unknown_view])
        app.action(re.compile(rf"^({V.FORGET_YES}|{V.FORGET_NO})$"))(
            ack=self._ack, lazy=[self._on_forget_click]
        )
        # Last: a click on something the tutor never posted (an old version's button, say) is refused.
        app.action(re.compile(".*"))(ack=self._ack, lazy=[self._on_unknown_action])

    @staticmethod
    def _ack(ack: Callable[..., None]) -> None:
        ack()

    def guard(self, req: BoltRequest) -> BoltResponse | None:
        """A request whose envelope Bolt cannot read: if its signature is good (or requests come over Socket
        Mode's own authenticated socket), acknowledged (200) and refused politely after; if not, left to
        Bolt, which answers 401. None for every readable request (the signature is then Bolt's to check)."""
        try:
            P.check_envelope(req.body)
            return None
        except P.BadPayload as exc:
            reason = str(exc)
        if self.verifier is not None:
            stamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
            signature = (req.headers.get("x-slack-signature") or [""])[0]
            if not stamp.isdigit() or not self.verifier.is_valid(req.raw_body, stamp, signature):
                return None
        self.pool.submit(self.refuse, req.body, reason)
        return BoltResponse(status=200, body="")

    def _skip_redelivery(self, body: dict[str, Any], req: Any, next: Callable[[], None]) -> Any:
        """Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); the same event_id is answered once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.tutor.store.first_delivery(
            P.PLATFORM, f"event:{event_id}", self.tutor.clock()
        ):
            retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
            reason = (req.headers.get("x-slack-retry-reason") or ["?"])[0]
            log.info("slack: event %s delivered again (retry %s, %s): ignored", event_id, retry, reason)
            return BoltResponse(status=200, body="")
        next()
        return None

    # -- slash commands -------------------------------------------------------------------------
    def _on_command(self, body: dict[str, Any], respond: Respond) -> None:
        try:
            event = P.parse_command(body)
            channel = P.channel_of(body)
        except P.BadPayload as exc:
            self.refuse(body, str(exc))
            return
        user = event.learner.user
        name = P.command_name(str(body.get("command") or ""))
        # Only instructor commands and class rounds (an instructor may open several in a channel) ask Slack
        # who is an instructor; the core refuses everyone else politely.
        asks_role = name in P.INSTRUCTOR_COMMANDS or isinstance(event, E.StartRound)
        if asks_role and self.is_instructor(event.learner.workspace, user):
            event = replace(event, learner=replace(event.learner, is_instructor=True))
        replies, notices = worker.split_direct(self.tutor.handle(event))
        if isinstance(event, E.StartRound):
            self._start_round(event, replies, channel, respond)
        elif isinstance(event, (E.StartQuiz, E.Review)):
            # A personal question: in a DM it stays in the conversation; in a channel only the learner sees it.
            self._send_private(Private(channel, user, respond, direct=event.where is None), replies)
        elif any(isinstance(r, R.Confirm) for r in replies):
            for message in V.confirm_prompt(replies, user):
                self._respond_message(respond, message)
        else:
            if isinstance(event, E.Help):
                replies = [*replies, R.Text(SLACK_NOTE)]
            self._respond_with_uploads(respond, replies, user, channel)
        if notices:  # an instructor's answer: each learner who asked gets it as a DM
            self.send_notices(notices)

    def _start_round(
        self, event: E.StartRound, replies: list[R.Reply], channel: str, respond: Respond
    ) -> None:
        question = next((r for r in replies if isinstance(r, R.Question)), None)
        if question is None:  # no question (a topic not found, ...): only the poster needs to know
            self._respond(respond, replies)
            return
        started_by = event.learner.display_name or event.learner.user
        message = V.messages([question], started_by=started_by)[0]
        ts = self._post(channel, message)
        if ts is None:
            # Nobody can see the question, so nobody can answer: the round is closed unposted.
            self.tutor.close_round(question.session_id)
            self._respond(
                respond,
                [
                    R.Text(
                        "I couldn't post the round in this channel. Invite me with /invite and try again.",
                        kind="error",
                    )
                ],
            )
            return
        self._round_messages[question.session_id] = (channel, ts, message.blocks)
        # stored with the round, so that whoever closes it (a click, the deadline, another worker, after a
        # restart) updates this message, never one a click's payload names
        try:
            self.tutor.store.set_round_message(question.session_id, f"{channel}/{ts}")
        except Exception as exc:  # the round stands; only its message keeps its buttons when it closes
            log.warning("slack: could not store where round %s was posted: %s", question.session_id, exc)
        rest = [r for r in replies if r is not question]
        if rest:
            self._respond(respond, rest)

    # -- events ---------------------------------------------------------------------------------
    def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if event.get("channel_type") == "im" or P.is_direct(str(event.get("channel", ""))):
            return  # a mention inside a DM also arrives as message.im, which answers it
        try:
            parsed = P.parse_message(event, P.team_of(body), context.bot_user_id, in_channel=True)
        except P.BadPayload as exc:  # not known to be anyone's question: nobody to answer
            log.warning("slack: could not read an app_mention event: %s", exc)
            return
        if parsed is None:
            return
        thread = str(event.get("thread_ts") or event.get("ts") or "")
        for message in V.messages(self.tutor.handle(self._named(parsed))):
            self._post(str(event.get("channel", "")), message, thread_ts=thread or None)

    def _on_direct_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if event.get("channel_type") != "im":
            return  # the manifest subscribes to message.im only; anything else is not for the tutor
        try:
            parsed = P.parse_message(event, P.team_of(body), context.bot_user_id, in_channel=False)
        except P.BadPayload as exc:
            log.warning("slack: could not read a direct message event: %s", exc)
            return
        if parsed is None:
            return
        for message in V.messages(self.tutor.handle(self._named(parsed))):
            self._post(str(event.get("channel", "")), message, thread_ts=event.get("thread_ts"))

    def _on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str) or not event["user"]:
            return
        try:
            team = P.team_of(body)
        except P.BadPayload as exc:
            log.warning("slack: could not read an app_home_opened event: %s", exc)
            return
        learner = E.LearnerRef(P.PLATFORM, team, event["user"])
        progress = self.tutor.handle(E.ShowProgress(learner))
        next_steps = self.tutor.handle(E.Next(learner))
        view = V.home_view(self.tutor.course.title, progress, next_steps)
        self._call("views.publish", self.client.views_publish, "", user_id=learner.user, view=view)

    # -- clicks and the answer form -------------------------------------------------------------
    def _on_answer_click(self, ack: Callable[..., None], body: dict[str, Any], respond: Respond) -> None:
        """An answer button or Submit: the answer is recorded (committed), then Slack gets its ack, then the
        feedback is sent. Slack never retries an acknowledged click, so an ack that left before the commit
        (a lazy listener; or an ack sent anyway when recording was slow) lost the answer the student saw
        accepted if the worker died in between. When recording is slower than Slack's 3 s the student sees
        Slack's error, and the feedback that follows says the answer was recorded; a second click is told the
        first answer counts. Runs on the request's thread (process_before_response)."""
        recorded: list[R.Reply] | None = None
        try:
            event = P.parse_action(body)
        except P.BadPayload:
            event = None  # _on_click refuses it, after the ack
        if isinstance(event, E.Answer):
            recorded = self.recorder.record(event)  # with the others that came with it: one commit
        ack()
        self.deliveries.submit(self._on_click, body, respond, recorded)

    def _on_click(
        self, body: dict[str, Any], respond: Respond, recorded: list[R.Reply] | None = None
    ) -> None:
        try:
            event = P.parse_action(body)
            channel = P.channel_of(body)
        except P.BadPayload as exc:
            self.refuse(body, str(exc))
            return
        if event is None:
            return
        user = event.learner
        if isinstance(event, E.CloseRound) and self.is_instructor(user.workspace, user.user):
            event = replace(event, learner=replace(user, is_instructor=True))
        replies = recorded if recorded is not None else self.tutor.handle(event)
        direct = event.where is None
        if isinstance(event, E.StartQuiz):  # "Quiz me" on the Home tab: the question goes to the app's DM
            self._send_private(Private(user.user, user.user, None, direct=True), replies)
            return
        results = [r for r in replies if isinstance(r, R.RoundResult)]
        for result in results:
            self.worker.publish_round(channel, result)
        rest = [r for r in replies if not isinstance(r, R.RoundResult)]
        if rest:
            self._send_private(Private(channel, user.user, respond, direct=direct), rest)

    def _on_forget_click(self, body: dict[str, Any], respond: Respond) -> None:
        """/forget-me's buttons: "Delete everything" sends ForgetMe(confirm=True) for the clicker; either button
        replaces the question with the outcome, so a second click finds no button."""
        try:
            action_id = P.action_of(body)["action_id"]
            event = P.parse_action(body)
            user = P.learner_of(body).user
            channel = P.channel_of(body) or user
        except P.BadPayload as exc:
            self.refuse(body, str(exc))
            return
        if action_id == V.FORGET_YES and isinstance(event, E.ForgetMe):
            replies = self.tutor.handle(event)
        else:
            replies = [R.Text(FORGET_KEPT)]
        for i, message in enumerate(V.messages(replies)):
            if not (i == 0 and self._replace_message(respond, message)):
                self._deliver_private(Private(channel, user, respond), message)

    def _replace_message(self, respond: Respond, message: V.Message) -> bool:
        try:
            result = respond(text=message.text, blocks=message.blocks, replace_original=True)
        except Exception as exc:
            log.warning("slack: response_url post failed: %s", exc)
            return False
        return getattr(result, "status_code", 200) == 200

    def _open_answer_form(self, body: dict[str, Any], respond: Respond) -> None:
        try:
            session_id, meta, trigger_id = P.parse_answer_form(body)
        except P.BadPayload as exc:
            self.refuse(body, str(exc))
            return
        row = self.tutor.store.session(session_id) if session_id else None
        question = self.tutor.course.questions.get(row.question_id) if row else None
        view = V.answer_modal(session_id, question.prompt if question else "", meta, self.tutor.max_text)
        opened = self._call(
            "views.open", self.client.views_open, "", trigger_id=trigger_id or None, view=view
        )
        if opened is None:
            self._respond(
                respond, [R.Text("I couldn't open the answer form; please click again.", kind="error")]
            )

    def _on_written_answer(self, ack: Callable[..., None], body: dict[str, Any]) -> None:
        """The answer modal's Submit: the written answer is recorded (graded and committed), then Slack gets
        its ack (the modal closes), then the feedback is sent, as for answer clicks."""
        try:
            event, meta = P.parse_view_submission(body)
        except P.BadPayload as exc:
            ack()
            self.deliveries.submit(self.refuse, body, str(exc))
            return
        replies = self.recorder.record(event)
        ack()
        channel = str(meta.get("channel") or event.learner.user)
        to = Private(channel, event.learner.user, None, direct=event.where is None)
        self.deliveries.submit(self._send_private, to, replies)

    def _on_unknown_action(self, body: dict[str, Any]) -> None:
        self.refuse(body, "the action is not one the tutor posted")

    def _on_unknown_view(self, body: dict[str, Any]) -> None:
        self.refuse(body, "the form is not one the tutor opened")

    def refuse(self, body: Any, reason: str) -> None:
        """A request the adapter cannot read (already acknowledged): one warning line with the reason (never
        the payload, which carries tokens and response URLs), and a short word to whoever sent it, if the
        payload says who: through its response_url, else privately in the channel or a DM."""
        log.warning("slack: could not read a %s: %s", P.payload_kind(body), reason)
        user, channel, url = P.reply_to(body)
        message = V.messages([R.Text(COULD_NOT_READ, kind="error")])[0]
        respond = BoltRespond(response_url=url, proxy=self.client.proxy, ssl=self.client.ssl) if url else None
        if respond is not None and self._respond_message(respond, message):
            return
        if user:
            direct = not channel or P.is_direct(channel)
            self._deliver_private(Private(channel or user, user, None, direct=direct), message)

    def is_instructor(self, team: str, user: str) -> bool:
        """An instructor: named in TUTOR_INSTRUCTORS, or a workspace admin or owner (users.info, cached)."""
        if user in self.tutor.instructors:
            return True
        profile = self._profile(team, user)
        return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))

    def _profile(self, team: str, user: str) -> dict[str, Any]:
        """users.info's `user` object (cached a while; {} when Slack does not answer)."""
        cached = self._profiles.get((team, user))
        if cached and cached[1] > time.monotonic():
            return cached[0]
        info = self._call("users.info", self.client.users_info, "", user=user)
        profile = (info or {}).get("user") or {}
        if info is not None:
            self._profiles[(team, user)] = (profile, time.monotonic() + INSTRUCTOR_CACHE_SECONDS)
        return profile

    def _named(self, event: E.Event) -> E.Event:
        """A message event carries only the user's id: the learner's name from their profile, so that
        instructors and leaderboards read "ada", not "U0ADA". Asked once per learner a while (cached)."""
        who = event.learner
        if who.display_name and who.display_name != who.user:
            return event
        key = (who.workspace, who.user)
        if key in self._named_users:
            return event
        if self.tutor.store.find_learner(who.platform, who.workspace, who.user) is not None:
            self._named_users.add(key)
            return event  # named already (a slash command carries the name), or asked before
        profile = self._profile(who.workspace, who.user)
        shown = (profile.get("profile") or {}).get("display_name") or (profile.get("profile") or {}).get(
            "real_name"
        )
        name = str(shown or profile.get("name") or "")
        if not name:
            return event  # Slack did not say: asked again with the next message
        self._named_users.add(key)
        return replace(event, learner=replace(who, display_name=name))

    # -- rounds: the worker's round closer, and the Platform port ----------------------------------
    def close_due_rounds(self) -> int:
        """One tick of the round closer: close every round past its deadline and post its results."""
        return self.worker.close_due_rounds()

    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        """Replies posted in a channel for everyone (a round's results): True if every message was posted."""
        return all([self._post(channel, message) is not None for message in V.messages(replies)])

    def retire_round(self, session_id: int) -> None:
        """Take the buttons off a closed round's question: the message stored with the round, never one a
        click's payload names (a forged click could name another open round's message and strip its
        buttons)."""
        posted = self._round_message(session_id, self._round_messages.pop(session_id, None))
        if posted is None:
            return
        where, ts, blocks = posted
        self._call(
            "chat.update",
            self.client.chat_update,
            where,
            channel=where,
            ts=ts,
            text="Round closed: results below.",
            blocks=V.closed_question_blocks(blocks, "Round closed: the results are below."),
        )

    def deliverable(self, to: E.LearnerRef) -> bool:
        return to.platform == P.PLATFORM

    def health(self) -> str | None:
        """Over Socket Mode, whether the socket is open; over HTTP nothing to add (the server answers)."""
        if self.socket is not None and not self.socket.client.is_connected():
            return "slack: the Socket Mode connection is not open"
        return None

    def _round_message(
        self, session_id: int, cached: tuple[str, str, list[Any]] | None
    ) -> tuple[str, str, list[Any]] | None:
        """(channel, ts, blocks) of the round's question as posted: this process's copy, or else (another
        worker posted it, or this one restarted) where the database says, the blocks made again from the
        stored round. None for a round that has no stored message (one opened before schema 0009)."""
        if cached is not None:
            return cached
        row = self.tutor.store.session(session_id)
        where, _, ts = (row.message if row else "").partition("/")
        if row is None or not where or not ts:
            return None
        found = self.tutor.shown(session_id)
        blocks: list[Any] = []
        if found is not None:
            poster = self.tutor.store.learner_name(row.created_by) if row.created_by else ""
            blocks = V.messages([found[1]], started_by=poster)[0].blocks
        return where, ts, blocks

    def start(self, warm_up: bool = False) -> None:
        """Start the worker's loops: the round closer (overdue rounds at once, after a restart too, then every
        few seconds) and the digest sender (at once, then every `digest_interval`); with `warm_up`, load the
        embedding model meanwhile."""
        if warm_up:
            self.worker.warm_up_soon()
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop(timeout)
        self.wait_idle(timeout)
        self.recorder.stop(timeout)
        for pool in (self.pool, self.deliveries):
            pool.shutdown(wait=False)

    def wait_idle(self, timeout: float) -> bool:
        """True once every acknowledged request's work is done: listeners, lazy work and deliveries."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            pools = (self.pool, self.deliveries)
            if not all(p.wait_idle(left) for p in pools):
                return False
            if all(p.wait_idle(0) for p in pools):  # nothing new arrived meanwhile
                return True

    # -- talking to Slack -----------------------------------------------------------------------
    def _call(self, method: str, fn: Callable[..., Any], _where: str, /, **kwargs: Any) -> Any:
        """One Web API call; None (and a log line) when Slack says no. Rate limits were already retried."""
        place = f" in {_where}" if _where else ""
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            error = (
                exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            )
            log.warning("slack: %s%s failed: %s", method, place, error)
            return None
        except Exception as exc:  # network trouble after the connection retries
            log.warning("slack: %s%s failed: %s", method, place, exc)
            return None

    def _post(self, channel: str, message: V.Message, **kwargs: Any) -> str | None:
        """chat.postMessage; on not_in_channel, join the (public) channel and try once more. The ts, or None."""
        args = {"channel": channel, "text": message.text, "blocks": message.blocks, **kwargs}
        args = {k: v for k, v in args.items() if v is not None}
        try:
            return str(self.client.chat_postMessage(**args).get("ts", ""))
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            log.warning("slack: chat.postMessage in %s failed: %s", channel, error or exc)
            if error != "not_in_channel":
                return None
        except Exception as exc:
            log.warning("slack: chat.postMessage in %s failed: %s", channel, exc)
            return None
        if self._call("conversations.join", self.client.conversations_join, channel, channel=channel) is None:
            return None
        response = self._call("chat.postMessage", self.client.chat_postMessage, channel, **args)
        return str(response.get("ts", "")) if response is not None else None

    def _respond(self, respond: Respond | None, replies: list[R.Reply]) -> bool:
        """Reply through the response_url: what the core shows the class (an answer, the leaderboard asked in
        a channel) in the channel, everything else to the learner only."""
        if respond is None:
            return False
        sent = []
        for public, run in itertools.groupby(replies, key=lambda r: r.visibility == R.CLASS):
            sent += [self._respond_message(respond, m, public=public) for m in V.messages(list(run))]
        return all(sent)

    def _send_private(self, to: Private, replies: list[R.Reply]) -> None:
        """A reply for one learner: ephemeral in a channel (or a DM message), then the response_url, then a
        DM to the learner. The learner's attempt is already stored; only the delivery can fail here."""
        for message in V.messages(replies):
            self._deliver_private(to, message)

    def _deliver_private(self, to: Private, message: V.Message) -> bool:
        if to.direct:
            delivered = self._post(to.channel, message) is not None
        else:
            delivered = (
                self._call(
                    "chat.postEphemeral",
                    self.client.chat_postEphemeral,
                    to.channel,
                    channel=to.channel,
                    user=to.user,
                    text=message.text,
                    blocks=message.blocks,
                )
                is not None
            )
        if not delivered and to.respond is not None:
            delivered = self._respond_message(to.respond, message)
        if not delivered and to.channel != to.user:
            delivered = self._post(to.user, message) is not None  # the learner's DM with the app
        if not delivered:
            log.error("slack: a reply to %s could not be delivered (the answer itself is stored)", to.user)
        return delivered

    def _respond_message(self, respond: Respond, message: V.Message, *, public: bool = False) -> bool:
        try:
            result = respond(
                text=message.text,
                blocks=message.blocks,
                response_type="in_channel" if public else "ephemeral",
                replace_original=False,
            )
        except Exception as exc:
            log.warning("slack: response_url post failed: %s", exc)
            return False
        if getattr(result, "status_code", 200) != 200:
            log.warning("slack: response_url post failed: HTTP %s", getattr(result, "status_code", "?"))
            return False
        return True

    # -- pictures, files and direct messages ----------------------------------------------------
    def _respond_with_uploads(
        self, respond: Respond | None, replies: list[R.Reply], user: str, channel: str
    ) -> None:
        """A command's replies: text through the response_url (to the channel what the core shows the class);
        pictures and files
        uploaded to the learner's DM with the tutor (an upload cannot be ephemeral, and in a channel everyone
        would see it). An upload that fails is shown as text instead: the picture's description, the file's
        content."""
        if not any(isinstance(r, Upload) for r in replies):
            self._respond(respond, replies)
            return
        dm = self.open_dm(user)
        shown: list[R.Reply] = []
        sent: list[str] = []
        for reply in replies:
            if not isinstance(reply, Upload):
                shown.append(reply)
            elif dm is not None and self.upload(dm, reply):
                sent.append(reply.filename)
            else:
                shown.append(reply)
        if sent and dm != channel:
            shown.append(V.upload_note(sent))
        if shown:
            self._respond(respond, shown)

    def open_dm(self, user: str) -> str | None:
        """The id of the learner's DM with the tutor (conversations.open), or None."""
        response = self._call("conversations.open", self.client.conversations_open, user, users=user)
        if response is None:
            return None
        return str((response.get("channel") or {}).get("id") or "") or None

    def upload(self, channel: str, reply: Upload) -> bool:
        """Upload a picture or a file into `channel`, its text alternative as the message above it. Slack's
        flow (slack_sdk's files_upload_v2): files.getUploadURLExternal, POST the bytes to the URL it returns,
        files.completeUploadExternal with channel_id."""
        if not reply.data:
            return False
        extra: dict[str, Any] = {}
        if isinstance(reply, R.Image):
            extra["alt_txt"] = V.trim(reply.alt, V.COMMENT_MAX)
        done = self._call(
            "files.upload",
            self.client.files_upload_v2,
            channel,
            channel=channel,
            file=reply.data,
            filename=reply.filename,
            title=reply.filename,
            initial_comment=V.upload_comment(reply),
            **extra,
        )
        return done is not None

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        """Replies as direct messages to a learner (conversations.open, then chat.postMessage; pictures and
        files uploaded there). True if everything arrived."""
        dm = self.open_dm(to.user)
        if dm is None:
            return False
        delivered = True
        texts: list[R.Reply] = []

        def flush() -> bool:
            ok = all([self._post(dm, m) is not None for m in V.messages(texts)]) if texts else True
            texts.clear()
            return ok

        for reply in replies:
            if isinstance(reply, Upload):
                delivered = flush() and delivered
                if not self.upload(dm, reply):
                    texts.append(reply)
            else:
                texts.append(reply)
        return flush() and delivered

    # -- the worker's digest sender --------------------------------------------------------------------
    def send_digests(self) -> int:
        """One tick of the digest sender: the due digests of Slack learners, each as a DM; how many arrived."""
        return self.worker.send_digests()

    def send_notices(self, notices: list[R.DirectMessage] | None = None) -> int:
        """The learners' outbox as DMs: the messages a command just made, or (None) what this tick finds owed
        (answers still undelivered, the outcomes of instructors' reviews of answers); how many arrived."""
        return self.worker.send_notices(notices)


# -- HTTP -------------------------------------------------------------------------------------------
class FormRequest(BoltRequest):
    """A request as Bolt reads it, except that a form body that merely contains the word "payload" (a slash
    command `/ask what is a payload in RLHF?`) is read as the form it is. slack-bolt 1.30's `parse_body`
    tests `"payload" in body` rather than for a `payload` parameter, finds none and reads {}: no command,
    HTTP 404, no answer. (To report upstream: slack_bolt/request/internals.py, parse_body.) The copy a lazy
    listener gets is read the same way."""

    def __init__(self, *, body: str, **kwargs: Any):
        super().__init__(body=body, **kwargs)
        if not self.body and body and not body.lstrip().startswith("{") and "payload" in body:
            form = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" not in form:
                self.body = form
                self.context = build_context(self.context, form)

    def to_copyable(self) -> BoltRequest:
        return FormRequest(
            body=self.raw_body, query=self.query, headers=self.headers, context=self.context.to_copyable()
        )


class _BoltHandler(SlackRequestHandler):
    def dispatch(self, request: Any) -> BoltResponse:
        return self.app.dispatch(
            FormRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        )


def wsgi_app(slack: SlackTutor) -> Callable[..., Any]:
    """POST /slack/events to Bolt (signature checked there); GET /healthz and GET /metrics as every worker
    answers them (bot/health.py). A body Bolt cannot even read (it reads ids out of it before the
    signature check) is answered 400, with one log line."""
    bolt = _BoltHandler(slack.app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        answer = health.respond(environ, start_response, slack.tutor)
        if answer is not None:
            return answer
        stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if stamp is not None and not stamp.strip().isdigit():  # not a number, or the header sent twice
            log.warning("slack: refused a request whose X-Slack-Request-Timestamp is not one number (401)")
            start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"invalid request\n"]

        def noting_refusals(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("401"):  # Bolt says why only at INFO, with the whole body: one line here
                log.warning("slack: refused a request with a missing, wrong or stale signature (401)")
            return start_response(status, headers, exc_info)

        try:
            return bolt(environ, noting_refusals)
        except Exception as exc:  # not verified yet, so nobody to answer: the reason is the error's type
            log.warning("slack: could not read a request (%s): refused with 400", type(exc).__name__)
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")], sys.exc_info())
            return [b"bad request\n"]

    return application


class SlackHTTPServer(health.WSGIServerThread):
    """The HTTP endpoint: a threaded WSGI server on (host, port); port 0 picks a free one."""

    def __init__(self, slack: SlackTutor, host: str = "0.0.0.0", port: int = 3000):
        super().__init__(wsgi_app(slack), host, port, "tutor-slack-http")


# -- `tutor serve slack` ----------------------------------------------------------------------------
def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def serve(
    tutor: Tutor, settings: Settings, args: argparse.Namespace, slack_settings: SlackSettings | None = None
) -> int:
    """Run until SIGINT/SIGTERM. Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --host/--port. The
    SLACK_* settings come from the environment unless given."""
    slack_settings = slack_settings or SlackSettings()
    bot_token = _secret(slack_settings.bot_token)
    app_token = _secret(slack_settings.app_token)
    signing_secret = _secret(slack_settings.signing_secret)
    if not bot_token:
        print(
            "tutor: SLACK_BOT_TOKEN is not set (the bot token, xoxb-...; see docs/slack.md)", file=sys.stderr
        )
        return 2
    if app_token and not app_token.startswith("xapp-"):
        print("tutor: SLACK_APP_TOKEN must be an app-level token (xapp-...) for Socket Mode", file=sys.stderr)
        return 2
    if not app_token and not signing_secret:
        print(
            "tutor: SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials; "
            "or set SLACK_APP_TOKEN for Socket Mode)",
            file=sys.stderr,
        )
        return 2
    slack = SlackTutor(
        tutor,
        bot_token=bot_token,
        signing_secret=signing_secret,
        api_url=slack_settings.api_url,
        verify_requests=not app_token,  # Socket Mode messages come over the app's own authenticated socket
        digest_interval=float(settings.digest_interval),
    )
    stop: threading.Event = getattr(args, "stop", None) or threading.Event()
    worker.on_signals(stop.set)
    # The embedding model loads while the first requests are acknowledged, not on the first question.
    slack.start(warm_up=True)
    if app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = slack.socket = SocketModeHandler(slack.app, app_token)
        host, port = getattr(args, "host", "0.0.0.0"), _health_port(args, settings)
        try:  # no HTTP port of its own in Socket Mode: /healthz and /metrics on TUTOR_HEALTH_PORT
            probe = health.start_health_server(tutor, host, port, [slack.health])
        except OSError as exc:
            slack.stop()
            print(
                f"tutor: cannot listen on {host}:{port} for /healthz: {exc.strerror or exc} "
                "(set TUTOR_HEALTH_PORT to a free port, or 0 to turn it off)",
                file=sys.stderr,
            )
            return 2
        handler.connect()
        log.warning("tutor: Slack Socket Mode connected")
        worker.wait(stop)
        handler.close()
        if probe is not None:
            probe.stop()
    else:
        host, port = getattr(args, "host", "0.0.0.0"), getattr(args, "port", 3000)
        try:
            server = SlackHTTPServer(slack, host, port)
        except OSError as exc:
            slack.stop()
            print(f"tutor: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        server.start()
        log.warning("tutor: Slack HTTP mode on %s:%d%s", host, server.port, EVENTS_PATH)
        worker.wait(stop)
        server.stop()
    slack.stop()
    return 0


def _health_port(args: argparse.Namespace, settings: Settings) -> int:
    port = getattr(args, "health_port", None)
    return settings.health_port if port is None else int(port)
