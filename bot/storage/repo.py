"""The repository the core calls: one `Store` made of the area stores, each in its own module.

Every read and write the tutor makes is a method of `Store`, each in its own transaction; the methods live by
area (learners, classes, sessions, attempts, concepts, boards, inbox, delivery, outbox, conversation,
reviews, reports, privacy), each area a class deriving from `StoreBase`. A new area is a new module with one such
class, added to `Store`'s bases below. The names callers import from here (the rows and scopes the methods
take and return, `monday_of`, `rebuild_weekly_standings` for migration 0004) are re-exported.
"""

from __future__ import annotations

from bot.progress.concept import Rate
from bot.storage.attempts import AttemptRow, AttemptStore, Encounter, RoundAnswer
from bot.storage.base import StoreBase
from bot.storage.boards import BoardStore, Scope, Workspace, monday_of, rebuild_weekly_standings
from bot.storage.classes import ClassStore
from bot.storage.concepts import ConceptStore
from bot.storage.conversation import ConversationStore
from bot.storage.delivery import DeliveryStore
from bot.storage.inbox import InboxStore
from bot.storage.learners import LearnerStore
from bot.storage.outbox import OutboxStore
from bot.storage.privacy import PrivacyStore
from bot.storage.reports import ReportStore
from bot.storage.reviews import DecisionRow, Provisional, ReviewItem, ReviewStore
from bot.storage.sessions import SessionStore

__all__ = [
    "AttemptRow",
    "DecisionRow",
    "Encounter",
    "Provisional",
    "Rate",
    "ReviewItem",
    "RoundAnswer",
    "Scope",
    "Store",
    "Workspace",
    "monday_of",
    "rebuild_weekly_standings",
]


class Store(
    LearnerStore,
    ClassStore,
    SessionStore,
    AttemptStore,
    ConceptStore,
    BoardStore,
    InboxStore,
    DeliveryStore,
    OutboxStore,
    ConversationStore,
    ReviewStore,
    ReportStore,
    PrivacyStore,
    StoreBase,
):
    """Every read and write the tutor makes: `Store(engine)`, then `store.learner(ref)`,
    `store.record_attempt(...)`, ... The areas' methods share one engine and no state besides."""
