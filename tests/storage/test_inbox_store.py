"""The inbox's storage on SQLite and PostgreSQL alike: merged askers and counts, the order instructors read,
answers that leave one entry in each asker's outbox (claimed once, retried when a send fails), dismissals, and
/forget-me leaving other askers' items alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events import LearnerRef
from bot.storage.outbox import ANSWER

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LAPSE = timedelta(minutes=5)


def _learners(store, *names: str, platform: str = "slack", workspace: str = "T1") -> list[int]:
    return [store.learner(LearnerRef(platform, workspace, f"U{n}", display_name=n)).id for n in names]


def test_a_merged_question_counts_every_asking_and_remembers_each_asker_once(store):
    ada, bob, cy = _learners(store, "ada", "bob", "cy")
    exam = store.add_inbox(ada, None, "when is the midterm exam?", ["c1"], T0, b"\x00" * 8, "m")
    lora = store.add_inbox(bob, None, "what is lora?", ["c2"], T0 + timedelta(minutes=1))
    assert store.merge_inbox(lora, cy, "What is LoRA exactly", T0 + timedelta(minutes=2))
    assert store.merge_inbox(lora, cy, "what is lora", T0 + timedelta(minutes=3))  # cy again
    items = store.inbox(platform="slack", workspace="T1")
    # the most asked first; its first asker and words stay its face
    assert [(i.id, i.asked, i.text) for i in items] == [
        (lora, 3, "what is lora?"),
        (exam, 1, "when is the midterm exam?"),
    ]
    askers = store.inbox_askers(lora)
    assert [(a.learner_id, name, a.text, a.times) for a, name in askers] == [
        (bob, "bob", "what is lora?", 1),
        (cy, "cy", "What is LoRA exactly", 2),
    ]
    assert store.forwarded_count() == 4
    # what a new question is compared with: every asking of the workspace's open items, with embeddings
    asks = store.inbox_asks("slack", "T1")
    assert {(a.inbox_id, a.text) for a in asks} == {
        (exam, "when is the midterm exam?"),
        (lora, "what is lora?"),
        (lora, "What is LoRA exactly"),
    }
    assert next(a for a in asks if a.inbox_id == exam).embedding == b"\x00" * 8
    assert store.inbox_asks("slack", "T2") == []


def test_the_inbox_reads_most_asked_first_then_longest_waiting(store):
    ada, bob = _learners(store, "ada", "bob")
    late = store.add_inbox(ada, None, "q late", [], T0 + timedelta(hours=2))
    early = store.add_inbox(ada, None, "q early", [], T0)
    popular = store.add_inbox(ada, None, "q popular", [], T0 + timedelta(hours=3))
    store.merge_inbox(popular, bob, "q popular", T0 + timedelta(hours=4))
    assert [i.id for i in store.inbox()] == [popular, early, late]


def test_an_answer_leaves_one_entry_in_each_askers_outbox_in_their_words_once(store):
    ada, bob, prof = _learners(store, "ada", "bob", "prof")
    item = store.add_inbox(ada, None, "when is the midterm exam?", [], T0)
    store.merge_inbox(item, bob, "When is the midterm exam??", T0)
    done = store.answer_inbox(item, "Week 7, Monday.", prof, T0 + timedelta(hours=1))
    assert done is not None
    row, notices = done
    assert (row.status, row.answer, row.answered_by) == ("answered", "Week 7, Monday.", prof)
    assert [(n.learner_id, n.kind, n.ref_id, n.question, n.text) for n in notices] == [
        (ada, ANSWER, item, "when is the midterm exam?", "Week 7, Monday."),
        (bob, ANSWER, item, "When is the midterm exam??", "Week 7, Monday."),
    ]
    assert all(n.id and n.claimed_at is not None and n.delivered_at is None for n in notices)
    # a second answer (another instructor, a retry) changes nothing and tells nobody twice
    assert store.answer_inbox(item, "Week 8.", prof, T0 + timedelta(hours=2)) is None
    assert store.inbox_item(item).answer == "Week 7, Monday."
    assert len(store.outbox_of(ada, ANSWER)) == 1
    # an answered item is no longer a merge target
    assert not store.merge_inbox(item, bob, "when is the midterm exam?", T0)
    assert store.inbox_item(item).asked == 2


def test_answers_in_the_outbox_are_claimed_once_and_a_failed_send_is_tried_again(store):
    ada, bob, prof = _learners(store, "ada", "bob", "prof")
    dee = store.learner(LearnerRef("discord", "discord", "42", display_name="dee")).id
    item = store.add_inbox(ada, None, "q", [], T0)
    store.merge_inbox(item, bob, "q", T0)
    store.merge_inbox(item, dee, "q", T0)
    now = T0 + timedelta(hours=1)
    _, notices = store.answer_inbox(item, "a", prof, now)
    by = {n.learner_id: n.id for n in notices}
    # held by whoever answered: nobody else takes them while the claim is fresh
    assert store.claim_outbox(now, now - LAPSE, platform="slack") == []
    store.outbox_sent(by[ada], True, now)
    store.outbox_sent(by[bob], False, now)  # bob's DM failed: released at once
    later = now + timedelta(seconds=30)
    claimed = store.claim_outbox(later, later - LAPSE, platform="slack")
    assert [(n.id, learner.user_id) for n, learner in claimed] == [(by[bob], "Ubob")]
    assert store.claim_outbox(later, later - LAPSE, platform="slack") == []  # taken: once
    # a sender that died without saying: its claim lapses, and the next look takes it
    much_later = later + LAPSE + timedelta(seconds=1)
    assert [n.id for n, _ in store.claim_outbox(much_later, much_later - LAPSE, platform="slack")] == [
        by[bob]
    ]
    store.outbox_sent(by[bob], True, much_later)
    store.outbox_sent(by[bob], False, much_later)  # a late failure report cannot undo a delivery
    assert store.claim_outbox(much_later + LAPSE * 2, much_later + LAPSE, platform="slack") == []
    # the Discord learner's is the Discord worker's, never Slack's
    [(notice, learner)] = store.claim_outbox(much_later, much_later - LAPSE, platform="discord")
    assert (notice.id, learner.user_id) == (by[dee], "42")
    # shown in a reply (the console's next session): claimed and delivered in one step
    other = store.add_inbox(ada, None, "q2", [], T0)
    store.answer_inbox(other, "a2", prof, now)
    store.outbox_sent(store.outbox_of(ada, ANSWER)[-1].id, False, now)
    [(shown, _)] = store.claim_outbox(now, now - LAPSE, learner_id=ada, deliver=True)
    assert shown.delivered_at is not None and shown.text == "a2"
    assert store.claim_outbox(now + LAPSE * 3, now + LAPSE * 2, learner_id=ada, deliver=True) == []


def test_dismissing_keeps_who_and_when_and_only_open_items(store):
    ada, prof = _learners(store, "ada", "prof")
    item = store.add_inbox(ada, None, "q", [], T0)
    assert store.dismiss_inbox(item, prof, T0 + timedelta(hours=1))
    row = store.inbox_item(item)
    assert (row.status, row.dismissed_by) == ("dismissed", prof)
    assert row.dismissed_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)
    assert store.inbox() == [] and [i.id for i in store.inbox(status="dismissed")] == [item]
    assert not store.dismiss_inbox(item, prof, T0)  # already dismissed
    assert store.outbox_of(ada) == []  # nobody is told of a dismissal
    answered = store.add_inbox(ada, None, "q2", [], T0)
    store.answer_inbox(answered, "a", prof, T0)
    assert not store.dismiss_inbox(answered, prof, T0)
    assert store.inbox_item(answered).status == "answered"


def test_forget_me_leaves_merged_items_to_the_other_askers(store):
    ada, bob, cy, prof = _learners(store, "ada", "bob", "cy", "prof")
    shared = store.add_inbox(ada, None, "ada's words", [], T0)
    store.merge_inbox(shared, ada, "ada's words", T0 + timedelta(minutes=1))  # ada asked twice
    store.merge_inbox(shared, bob, "bob's words", T0 + timedelta(minutes=2))
    store.merge_inbox(shared, cy, "cy's words", T0 + timedelta(minutes=3))
    alone = store.add_inbox(ada, None, "only ada asked this", [], T0)
    answered = store.add_inbox(bob, None, "bob asked, ada too", [], T0)
    store.merge_inbox(answered, ada, "ada asked it too", T0)
    store.answer_inbox(answered, "an answer", prof, T0)
    store.dismiss_inbox(alone, prof, T0)  # dismissed: still ada's alone
    data = store.learner_data(ada)
    assert [(q["text"], q["times"]) for q in data["questions_forwarded"]] == [
        ("ada's words", 2),
        ("only ada asked this", 1),
        ("ada asked it too", 1),
    ]
    assert "bob's words" not in str(data["questions_forwarded"])  # nothing of other askers
    assert [(n["question"], n["answer"]) for n in data["notifications"]] == [
        ("ada asked it too", "an answer")
    ]

    store.forget_learner(ada)
    item = store.inbox_item(shared)  # bob's and cy's question stays, counted without ada's two
    assert (item.asked, item.learner_id, item.text) == (2, bob, "bob's words")
    assert [a.learner_id for a, _ in store.inbox_askers(shared)] == [bob, cy]
    assert store.inbox_item(alone) is None  # asked by ada alone: gone
    assert store.inbox_item(answered).asked == 1 and store.inbox_item(answered).answer == "an answer"
    assert store.outbox_of(ada, ANSWER) == [] and len(store.outbox_of(bob, ANSWER)) == 1
    # forgetting the instructor leaves their answers and dismissals, unsigned
    store.dismiss_inbox(shared, prof, T0)
    store.forget_learner(prof)
    assert store.inbox_item(shared).dismissed_by is None and store.inbox_item(answered).answered_by is None
