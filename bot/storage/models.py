"""SQLModel tables. Attempts are append-only; progress rows are derived from them and can be rebuilt."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Learner(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id", name="uq_learner_identity"),
        # the few hidden learners, found without reading a class's standings (schema 0004)
        Index("ix_learner_privacy", "privacy"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    workspace: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    display_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    privacy: str = Field(default="visible", max_length=16)  # visible | hidden | pseudonym
    pseudonym: str = Field(default="", max_length=64)
    timezone: str = Field(default="", max_length=64)  # IANA zone; empty: the class's or TUTOR_TIMEZONE
    digest: bool = False  # opted in to a daily direct message of due reviews
    quiet_start: int = 22  # quiet hours, local time: no digest from quiet_start to quiet_end
    quiet_end: int = 8
    digest_sent_on: str = Field(default="", max_length=10)  # local date of the last digest


class ClassRoom(SQLModel, table=True):
    __tablename__ = "class_room"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_class_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    workspace: str = Field(max_length=128)
    channel: str = Field(max_length=128)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    timezone: str = Field(default="", max_length=64)  # the week of the weekly leaderboard starts Monday here


class QuizSession(SQLModel, table=True):
    """One question put to one learner (kind 'solo') or to a whole class (kind 'round')."""

    __tablename__ = "quiz_session"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="solo", max_length=16)
    learner_id: int | None = Field(default=None, foreign_key="learner.id", index=True)
    class_id: int | None = Field(default=None, foreign_key="class_room.id", index=True)
    question_id: str = Field(max_length=200)
    concept_id: str = Field(max_length=200)
    presentation: str = Field(default="[]")  # JSON: the order the options were shown in
    status: str = Field(default="open", max_length=16, index=True)  # open | answered | skipped | closed
    hints_used: int = 0
    created_by: int | None = Field(default=None, foreign_key="learner.id")
    created_at: datetime = Field(default_factory=utcnow)
    deadline: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0
    # where a class round's question was posted, as its platform names it ("<channel>/<message>"), so that
    # closing it updates that message and no other (a click's payload names a message too, but anyone who
    # can sign a request can name another round's); empty for solo questions and older rounds (schema 0008)
    message: str = Field(default="", max_length=300)


class Attempt(SQLModel, table=True):
    """One learner's answer to one question instance. Never deleted (but by /forget-me); never updated but by
    an instructor's re-score of an open-ended answer, which keeps the old grade in `review_decision`."""

    __table_args__ = (
        UniqueConstraint("session_id", "learner_id", name="uq_attempt_once"),
        # covering: the weekly leaderboard reads only these columns, so the index alone answers it (schema 0003)
        Index("ix_attempt_class_week", "class_id", "answered_at", "learner_id", "points", "correct"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="quiz_session.id", index=True)
    class_id: int | None = None  # the session's class, copied so leaderboards need no join (schema 0002)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    question_id: str = Field(max_length=200, index=True)
    concept_id: str = Field(max_length=200)
    correct: bool
    score: float
    response: str = Field(default="", max_length=4000)
    points: int = 0
    first_try: bool = False
    answered_at: datetime = Field(default_factory=utcnow, index=True)


class ClassStanding(SQLModel, table=True):
    """Points and right answers per learner and class (class 0: no class), kept with each attempt: the all-time
    leaderboard reads these rows instead of summing every attempt. Derived; rebuildable from attempts."""

    __tablename__ = "class_standing"
    # a class's board, best first (schema 0004)
    __table_args__ = (Index("ix_class_standing_board", "class_id", "points", "correct"),)

    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    class_id: int = Field(default=0, primary_key=True)
    points: int = 0
    correct: int = 0
    answers: int = 0


class WeeklyStanding(SQLModel, table=True):
    """Points and right answers per class, week and learner, kept with each attempt made in a class: the weekly
    leaderboard reads a class's rows for this week instead of summing its attempts. `week` is the Monday that
    starts the week in the class's time zone when the attempt was made. Derived; rebuildable from attempts."""

    __tablename__ = "weekly_standing"
    __table_args__ = (Index("ix_weekly_standing_board", "class_id", "week", "points", "correct"),)

    class_id: int = Field(primary_key=True)
    week: date = Field(primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True, index=True)
    points: int = 0
    correct: int = 0
    answers: int = 0


class ConceptProgress(SQLModel, table=True):
    """A learner's standing on one concept, derived from attempts (a cache that can be rebuilt)."""

    __tablename__ = "concept_progress"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    concept_id: str = Field(max_length=200, primary_key=True)
    attempts: int = 0
    correct: int = 0
    mastery: float = 0.0  # moving average of scores; /progress multiplies it by FSRS retrievability
    last_answered_at: datetime | None = None
    card: str = ""  # the FSRS card, as JSON
    due: datetime | None = Field(default=None, index=True)


class InboxQuestion(SQLModel, table=True):
    """A question the tutor could not answer confidently, passed on to the instructors. The same question
    asked again (by anyone in the workspace, while it is open) adds to `asked` and an `InboxAsk` instead of
    a row; `learner_id`, `text` and `asked_at` are its first asker's (schema 0006)."""

    __tablename__ = "inbox_question"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    class_id: int | None = Field(default=None, foreign_key="class_room.id")
    text: str = Field(max_length=4000)
    closest: str = Field(default="[]")  # JSON list of concept ids
    asked_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="open", max_length=16, index=True)  # open | answered | dismissed
    answer: str = Field(default="", max_length=4000)
    answered_by: int | None = Field(default=None, foreign_key="learner.id")
    answered_at: datetime | None = None
    added_to_course: bool = False
    asked: int = 1  # how many times it was asked, merged duplicates included
    dismissed_by: int | None = Field(default=None, foreign_key="learner.id")
    dismissed_at: datetime | None = None


class InboxAsk(SQLModel, table=True):
    """One learner's asking of an inbox question, in their own words: who is told when it is answered. The
    embedding of their words (as the ask path computed it) finds the same question reworded (schema 0006)."""

    __tablename__ = "inbox_ask"
    __table_args__ = (UniqueConstraint("inbox_id", "learner_id", name="uq_inbox_ask_once"),)

    id: int | None = Field(default=None, primary_key=True)
    inbox_id: int = Field(foreign_key="inbox_question.id")
    learner_id: int = Field(foreign_key="learner.id", index=True)
    text: str = Field(max_length=4000)
    asked_at: datetime = Field(default_factory=utcnow)
    times: int = 1
    embedding: bytes | None = None  # float32, unit length; None when none was computed
    model: str = Field(default="", max_length=200)  # the embedding model, so vectors of two models never meet


class ConversationTurn(SQLModel, table=True):
    """One question a learner asked in one place (a console session, a channel or thread, a DM) and the
    concepts its answer was about: what a follow-up ("why?", "give me an example") leans on. Rows, so a
    restart or another worker continues the conversation."""

    __tablename__ = "conversation_turn"
    __table_args__ = (Index("ix_conversation_turn_place", "learner_id", "place", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    place: str = Field(max_length=300)
    text: str = Field(max_length=4000)
    concepts: str = Field(default="[]")  # JSON list of concept ids, best first
    at: datetime = Field(default_factory=utcnow)


class InstructorPassage(SQLModel, table=True):
    """An instructor's answer added to the course: searched and quoted like the course's own passages."""

    __tablename__ = "instructor_passage"

    id: int | None = Field(default=None, primary_key=True)
    course_id: str = Field(max_length=200, index=True)
    concept_id: str = Field(max_length=200)
    question: str = Field(max_length=4000)
    text: str = Field(max_length=4000)
    author_id: int | None = Field(default=None, foreign_key="learner.id")
    created_at: datetime = Field(default_factory=utcnow)


class DeliveredEvent(SQLModel, table=True):
    """A platform event already handled: a redelivery (same key) is ignored, across workers and restarts."""

    __tablename__ = "delivered_event"

    platform: str = Field(max_length=32, primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, index=True)


class RequestLog(SQLModel, table=True):
    """Recent /ask and /quiz requests per learner, for the rate limit shared by all workers."""

    __tablename__ = "request_log"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class AnswerReview(SQLModel, table=True):
    """An open-ended answer the grader was unsure of (schema 0007): provisional until an instructor accepts or
    re-scores it in /review-answers. Its attempt counts as graded meanwhile. `score` and `covered` are the
    current grade (the grader's, or the last instructor's); `graded_score` the grader's own."""

    __tablename__ = "answer_review"

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", unique=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    question_id: str = Field(max_length=200)
    rubric_size: int  # the question's rubric points when graded: `covered` indexes that rubric
    verdicts: str = Field(default="[]")  # JSON: the grader's verdict per rubric point
    doubts: str = Field(default="[]")  # JSON: why the grader was unsure
    graded_score: float
    score: float
    covered: str = Field(default="[]")  # JSON: 0-based rubric points behind `score`
    status: str = Field(default="pending", max_length=16, index=True)  # pending | accepted | overridden
    queued_at: datetime = Field(default_factory=utcnow)
    version: int = 0  # each decision moves it on: two instructors deciding at once cannot both apply


class ReviewDecision(SQLModel, table=True):
    """The audit of /review-answers: every accept and re-score, by whom, when, the grade before and after."""

    __tablename__ = "review_decision"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="answer_review.id", index=True)
    reviewer_id: int | None = Field(default=None, foreign_key="learner.id")
    action: str = Field(max_length=16)  # accept | override
    old_score: float
    new_score: float
    old_points: int
    new_points: int
    covered: str = Field(default="[]")  # JSON: 0-based rubric points behind new_score
    comment: str = Field(default="", max_length=1000)
    at: datetime = Field(default_factory=utcnow)


class OutboxEntry(SQLModel, table=True):
    """What a learner is owed a message about (schema 0009, one table for every kind): an instructor's answer to
    their question (kind 'answer': `ref_id` the inbox item, `question` their words, `text` the answer) or the
    outcome of an instructor's review of their answer (kind 'review': `ref_id` the review decision, `text` the
    message). A direct message on Slack, Discord and the webhook, the start of the next console session. Kept
    until delivered: a sender claims it (`claimed_at`) and reports it delivered or gives it back; a claim
    nobody reports lapses, so a send that failed or died is tried again, and two workers never send it at once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "claimed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    kind: str = Field(max_length=16)  # answer | review
    ref_id: int | None = None  # what it is about: the inbox item (answer) or the review decision (review)
    question: str = Field(default="", max_length=4000)  # answer: the learner's question, in their words
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    delivered_at: datetime | None = None
