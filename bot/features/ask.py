"""Asking: an answer quoted from the course, or an honest "not covered" that goes to the instructors' inbox."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot import events as E
from bot import replies as R
from bot.compose import intent as intents
from bot.compose import study
from bot.compose.composer import NOT_A_DETAIL, Composed, overview_reply, plain_words, small_talk_reply
from bot.compose.scope import ADMIN, NAMES_A_CONCEPT, TENSION_WITHIN, Verdict
from bot.features import inbox, picking, standing
from bot.features.kit import Handler, Kit
from bot.features.quiz import QUIZ_SAID, on_answer, on_hint, on_skip, on_start_quiz
from bot.features.sessions import CONVERSATION_GAP, place_of, session_for
from bot.retrieval import Hit

if TYPE_CHECKING:
    import numpy as np

    from bot.course.model import Course
    from bot.storage.models import QuizSession


# How many concepts an answer retrieves
ANSWER_K = 3


@dataclass(frozen=True)
class Searched:
    """A search made for a message before its answer (`_study_request`), which the answer reuses when it asks
    the same question (`asked`, its question part) for as many concepts (`k`)."""

    asked: str
    prepared: tuple[str, np.ndarray]
    hits: list[Hit]
    k: int


@dataclass(frozen=True)
class Source:
    """A concept an answer drew on. Its excerpt (the sentences closest to the question) is worked out only
    when something reads it (`tutor ask --json`): a chat answer quotes its own sentences."""

    concept_id: str
    title: str
    score: float
    excerpt_of: Callable[[], str] = field(default=lambda: "", compare=False, repr=False)

    @cached_property
    def excerpt(self) -> str:
        return self.excerpt_of()


@dataclass(frozen=True)
class AnswerResult:
    """What `tutor ask --json` prints: {"question", "answer", "confident", "sources"}."""

    question: str
    answer: str
    confident: bool
    sources: tuple[Source, ...]
    concept_id: str = ""
    next_concepts: tuple[str, ...] = ()
    composed: Composed | None = None  # the answer's parts, for platforms that render them (not in the JSON)
    # the question's embedding, as retrieval computed it: what finds the same question in the inbox
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "confident": self.confident,
            "sources": [
                {
                    "concept_id": s.concept_id,
                    "title": s.title,
                    "score": round(s.score, 4),
                    "excerpt": s.excerpt,
                }
                for s in self.sources
            ],
        }


# A follow-up without a pronoun pointing back, whose own words are this close to a concept (cosine), names
# its own topic; "is it better than PPO?" still leans on the previous answer.
OWN_TOPIC = 0.5
# A follow-up at least half of whose words the course never uses is about something else.
STRAY = 0.5
# A follow-up's word that the last answer's concepts never use, and at most this many concepts do, is a topic of
# its own that the course tells elsewhere ("disagree": annotators disagree, in the complexity of human values)
BEYOND_DF = 5

# A word that the last answer's concepts never use, and at most this many concepts do, said before a message's
# pronoun, is the message's own topic ("explain the beta distribution and its mean"); a common one is not ("when
# would u NOT want to do that")
OWN_TOPIC_DF = 12

# A question up to this long that points back with a pronoun is tried as a follow-up when alone it is not
# answered: "what happens if you set it too small", "and what if the reward model gets it wrong"
LEANING_WORDS = 12
_POINTS_BACK = re.compile(
    r"\b(it|its|they|them|their|he|she|him|his|her|this one|that one|these|those)\b", re.I
)
# "like what did he actually say" after Norbert Wiener: a person the last answer was about
_LEANS = re.compile(
    r"\b(it|its|they|them|their|he|she|him|his|her|this|that|these|those|one|ones|both|either|other)\b", re.I
)
# a question whether two things are one: "are those basically the same problem", "so whats even different"
_SAME_OR_NOT = re.compile(r"\b(same|different|differ|differs|difference|diff|similar|alike|distinct)\b", re.I)
_THE_TWO = re.compile(r"\b(they|them|those|these|both|the two|the 2)\b", re.I)
# "so what actually gets trained then": it goes on from the last answer, unless it names a concept of its own
# ("why not just use sft then?")
_THEN = re.compile(r"\bthen\W*$", re.I)


def answer(
    ctx: Kit,
    question: str,
    k: int = ANSWER_K,
    intent: intents.Intent | None = None,
    previous: Sequence[str] = (),
    said: str = "",
    searched: Searched | None = None,
) -> AnswerResult:
    """Answer a question from the course, composed by what was asked, or say plainly that the course does
    not seem to cover it. `previous`: the last answer's concepts, which a follow-up leans on; `said`: the
    question that answer answered; `searched`: the search already made for this message, if any."""
    intent = intent or intents.classify(question)
    if intent.kind == intents.SMALL_TALK:  # `tutor ask hello`: the chat's reply, not "not covered"
        return AnswerResult(question, small_talk_reply(intent.social), False, ())
    if intent.kind == intents.OVERVIEW:
        return AnswerResult(question, overview_reply(ctx.course), False, ())
    if intent.kind in (intents.STUDY_NEXT, intents.MY_PROGRESS):  # `tutor ask "what next"`: no learner here
        return AnswerResult(question, STUDYING_REPLY, False, ())
    ctx.sync_instructor_passages()
    asked = intents.question_part(question)  # "hmm ok. what is the KL penalty": the question, not the chat
    prepared: tuple[str, np.ndarray] | None
    if searched is not None and searched.asked == asked and searched.k == max(k, 1):
        prepared, hits = searched.prepared, searched.hits
    else:
        prepared = ctx.retriever.prepare(asked) if ctx.retriever.concept_ids else None
        hits = ctx.retriever.search(asked, k=max(k, 1), prepared=prepared, excerpts=False)
    vector = prepared[1] if prepared else None
    if not hits:
        return AnswerResult(question, "The course has no material yet.", False, ())
    if (
        previous
        and max(h.dense for h in hits) >= OWN_TOPIC
        and not _LEANS.search(asked)
        and not intents.opens_with_why(question)  # "why tho, why not just max the reward"
        and not intents.goes_on_from(question)  # "what are some ways the model can still go wrong?"
        and not (_THEN.search(asked) and not any(ctx.composer.named(h.concept_id, asked) for h in hits))
        and not intents.confirms(question)  # "so there's no reward model at all?" checks the last answer
        # "and do the model weights change at all?" after best-of-N: still best-of-N, unless it names another
        and not (intents.joined(asked) and not any(ctx.composer.named(h.concept_id, asked) for h in hits))
        and hits[0].concept_id not in previous
        # "can u give a non llm example": an example of the last answer, unless it names another topic
        and not (
            intent.kind == intents.EXAMPLE
            and not ctx.composer.named(hits[0].concept_id, re.sub(r"\bnon[- ]?\w+", " ", asked))
        )
        # "and if beta is too large?" after DPO: what follows from a detail the last concept has
        and not (intent.consequence and ctx.composer.mentions(previous[0], intent.subject))
        # "whats the loss" after how the reward model is trained: that loss
        and not (
            intent.kind == intents.DEFINITION
            and intent.follow_up
            and _names_a_detail(ctx, dataclasses.replace(intent, follow_up=False))
            and ctx.composer.mentions(previous[0], intent.subject)
        )
    ):
        previous = ()  # "and what is RLHF?" is short but leans on nothing: it names its own topic
    elif (
        previous
        and hits[0].concept_id not in previous
        and intent.kind not in (intents.COMPARISON, intents.EXAMPLE)
        and not intents.confirms(question)
        and ctx.composer.named(hits[0].concept_id, asked)
        and not any(ctx.composer.named(c, asked) for c in previous if c in ctx.course.concepts)
    ):
        previous = ()  # "and how does dpo do it": "it" is the last topic, but the question is DPO's
    if previous and ADMIN.search(asked):
        # "is this graded?", "will it be on the exam": a question for the instructors, not about the last answer
        previous, intent = (), dataclasses.replace(intent, follow_up=False)
    if (
        previous
        and not (intent.follow_up and (intents.simpler(asked) or intents.turns_round(asked)))
        and not intents.checks_first(question)  # "so B wins? why not A, A has more info": about the last answer
        and _strays(ctx, asked, hits, previous)
    ):
        # "so is the capital of peru lima?", "and what about a recipe for schnitzel?": shaped like a follow-up,
        # about something the course never mentions; judged on its own, not answered from the last concept
        previous, intent = (), dataclasses.replace(intent, follow_up=False)
    composed = ctx.composer.compose(asked, intent, hits, previous, said=said)
    # a confident answer also needs the operator's floor on similarity (TUTOR_CONFIDENCE), unless it
    # continues the conversation ("why?" is close to nothing in the course; the concepts it leans on are)
    follows = bool(intent and intent.follow_up and previous)
    # nor when it names a concept in its title's or an alias's own words ("what are the main challenges"): the
    # embedding model places a bare name far from the passages about it
    # nor when it asks how two things a concept names pull against each other ("can helpful and harmless pull in
    # opposite directions?"): the concept's own words, far from its sentences' wording
    named = composed.verdict is not None and composed.verdict.reason in (NAMES_A_CONCEPT, TENSION_WITHIN)
    confident = composed.confident and (follows or named or max(h.dense for h in hits) >= ctx.confidence)
    if composed.confident and not confident:
        composed = ctx.composer.not_covered(hits, Verdict(False, True, 0.0, "below TUTOR_CONFIDENCE"))
    sources = tuple(
        Source(h.concept_id, h.title, h.score, _excerpt_of(ctx, h, composed.quote_of(h.concept_id), vector))
        for h in hits
    )
    main = composed.concepts[0] if confident and composed.concepts else hits[0].concept_id
    return AnswerResult(
        question, composed.text(), confident, sources, main, composed.next_concepts, composed, vector
    )


def _restated(ctx: Kit, text: str, said: str, previous: Sequence[str]) -> tuple[str, AnswerResult | None]:
    """A message that goes on with the learner's last question ("like list them") or asks it of another topic
    ("and for dpo?"), answered as the whole question it stands for, when the course answers that; else (text,
    None), to be answered as it stands."""
    concept = ctx.course.concepts.get(previous[0]) if previous else None
    if concept is None:
        return text, None
    whole, elsewhere = intents.restate(text, said, (concept.title, *concept.aliases))
    if not whole:
        return text, None
    own = intents.own_question(text)
    if own and not _LEANS.search(own):
        # "like what does alignment actually mean for an llm": a question of its own after a word of chat, answered
        # as it stands when the course answers it from another concept than the last answer's
        alone = answer(ctx, own)
        if alone.confident and alone.concept_id not in previous and _title_words_in(ctx, alone.concept_id, own):
            return text, alone
    ctx.sync_instructor_passages()  # as `answer` does before it searches: it reuses this search
    asked = intents.question_part(whole)
    prepared = ctx.retriever.prepare(asked)
    hits = ctx.retriever.search(asked, k=ANSWER_K, prepared=prepared, excerpts=False)
    result = answer(ctx, whole, searched=Searched(asked, prepared, hits, ANSWER_K))
    if elsewhere and result.confident:
        # "and for DPO?" after "in RLHF, does the model generate new samples during training?": the same question, told
        # by the concept the new topic names, though the rest of the question's words sit closer to the last one
        topic = intents.swap_topic(text)
        named = [c for c in ctx.course.concepts if ctx.composer.named(c, topic)] if topic else []
        lead = next((h for h in hits if named == [h.concept_id]), None)
        if lead is not None and result.concept_id != lead.concept_id:
            hits = [lead, *(h for h in hits if h is not lead)]
            again = answer(ctx, whole, searched=Searched(asked, prepared, hits, ANSWER_K))
            if again.confident and again.concept_id == lead.concept_id:
                return whole, again
    # the answer to the whole question stands if it is of another topic, stays with the last answer's concepts or
    # the one it said to learn next ("just type instructions?": prompting), or the last answer was only a guess
    # ("the adjusting-at-answer-time thing?" + "like not retraining it")
    near = {*previous, *ctx.course.next_after(previous[0])}
    if result.confident and (elsewhere or result.concept_id in near or not answer(ctx, said).confident):
        return whole, result
    if not elsewhere:
        # still about the last answer's concepts ("why is best-of-n expensive" + "like it seems like a free win")
        leaning = dataclasses.replace(intents.classify(whole), follow_up=True)
        again = answer(ctx, whole, intent=leaning, previous=previous, said=said)
        if again.confident:
            return whole, again
    return text, None


def _title_words_in(ctx: Kit, concept_id: str, text: str) -> bool:
    """Does the text hold every word of the concept's title, in any order ("alignment ... for an llm": LLM
    Alignment)?"""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    title = set(re.findall(r"[a-z0-9]+", ctx.course.concepts[concept_id].title.lower())) - _TITLE_FILLER
    return bool(title) and title <= words


_TITLE_FILLER = frozenset({"a", "an", "the", "of", "for", "in", "and", "with", "to", "via", "by", "on"})


def _put_back(ctx: Kit, text: str, said: str) -> tuple[str, AnswerResult] | None:
    """A follow-up with its pronoun put back as what the last question named ("how are they trained tho" after "ok
    reward models" -> "how are reward models trained"), and that question's answer; None when no pronoun stands for
    it or the message checks the last answer ("so basically its just making it polite?")."""
    whole = intents.resolve(text, said)
    if not whole or intents.confirms(text):
        return None
    return whole, answer(ctx, whole)


def _resolved(
    ctx: Kit, text: str, previous: Sequence[str], put: tuple[str, AnswerResult] | None
) -> tuple[str, AnswerResult | None]:
    """A follow-up whose pronoun stands for what the last question named (`put`, from `_put_back`), asked as such,
    when a concept next to the last one in the course's map answers it (how a reward model is trained is told with
    human preference alignment, not with reward models as proxies); else (text, None), to be answered from the last
    answer's concepts."""
    if put is None:
        return text, None
    whole, result = put
    last = previous[0]
    beside = {*ctx.course.prerequisites_of(last), *ctx.course.next_after(last)}
    # "whats different between them" after "sft and rlhf both ...": the two compared, wherever they are
    compared = intents.classify(whole).kind == intents.COMPARISON
    # "the middle one, how is that trained" after the learner's own "sft, then a reward model, then ppo": the item
    # they named, wherever the course tells it
    named = intents.names_a_position(text)
    # "and if we set it really small?" after "what does beta do in dpo": beta, in the same concept, whose sentence
    # on beta the question with its pronoun leaves unfound
    same = result.concept_id == last and _puts_back_a_detail(ctx, text, whole, last)
    return (
        (whole, result)
        if result.confident and (result.concept_id in beside or compared or named or same)
        else (text, None)
    )


def _puts_back_a_detail(ctx: Kit, text: str, whole: str, concept_id: str) -> bool:
    """Does the pronoun put back (`whole`, `text` with it) stand for a detail of the concept ("beta"), not for the
    concept itself ("they" after "helpful honest harmless", answered from the last answer as it is)?"""
    vocabulary = ctx.composer.judge.vocabulary
    names = ctx.composer.names_of(concept_id)
    said = set(vocabulary.terms(text))
    return any(t not in said and t not in names and t not in NOT_A_DETAIL for t in vocabulary.terms(whole))


def _beyond(
    ctx: Kit, text: str, said: str, previous: Sequence[str], intent: intents.Intent
) -> tuple[str, AnswerResult | None]:
    """A follow-up about something the last answer's concepts never mention ("what if the humans disagree" after
    how a reward model is trained): asked with the last question's topic, and answered from the concept that does
    mention it, when the course answers that confidently; else (text, None)."""
    if (
        intent.kind in (intents.EXAMPLE, intents.COMPARISON, intents.DRAWBACK)
        or intent.ordinal is not None
        or intents.simpler(text)
        or intents.confirms(text)  # "so does it update the model?" checks the last answer
    ):
        return text, None
    vocabulary = ctx.composer.judge.vocabulary
    asked = intents.question_part(text)
    own = [
        t
        for t in vocabulary.question_terms(ctx.retriever.normalize(asked))
        if t not in NOT_A_DETAIL and t not in intents.ORDINAL_WORDS and t in vocabulary.vocabulary
    ]
    missing = [t for t in own if not vocabulary.uses_any(previous, t)]
    # a word few concepts use ("disagree"): a topic of its own; a common one ("update") is only put another way
    if not missing or any(vocabulary.df.get(t, 0) > BEYOND_DF for t in missing):
        return text, None
    topic = intents.classify(said).subject
    if not topic or len(topic.split()) > 4:
        topic = ctx.course.concepts[previous[0]].title if previous[0] in ctx.course.concepts else ""
    whole = f"{topic}: {asked}"
    result = answer(ctx, whole)
    if (
        result.confident
        and result.concept_id not in previous
        and all(vocabulary.uses(result.concept_id, t) for t in missing)
    ):
        return whole, result
    return text, None


def _strays(ctx: Kit, asked: str, hits: Sequence[Hit], previous: Sequence[str] = ()) -> bool:
    """Is a message shaped like a follow-up about something else: half its words, two or more, are ones the
    course never uses ("and what about a recipe for schnitzel?"), or, with two words of its own or more and
    nothing that points back ("they", "the human part"), alone it is far outside the course ("and what about how
    do i make carbonara without cream?")?"""
    judge = ctx.composer.judge
    normalized = ctx.retriever.normalize(asked)
    terms = judge.vocabulary.question_terms(normalized)
    unknown = [t for t in terms if t not in judge.vocabulary.vocabulary]
    if len(unknown) >= 2 and len(unknown) >= STRAY * len(terms):  # one ("huh", "tho") is chat
        return True
    topic = intents.swap_topic(asked)  # "what about schnitzel?": a topic the course never uses
    topic_terms = judge.vocabulary.question_terms(ctx.retriever.normalize(topic)) if topic else []
    if topic_terms and all(t not in judge.vocabulary.vocabulary for t in topic_terms):
        return True
    own = [t for t in terms if t not in NOT_A_DETAIL and t not in intents.ORDINAL_WORDS]
    first, mark, _ = asked.partition("?")  # "why is it there? it looks like an ordinary regulariser to me"
    points_back = (
        (len(asked.split()) <= 7 and _LEANS.search(asked))
        or (mark and len(first.split()) <= 7 and _LEANS.search(first))
        or intents.PART_OF.search(asked)
        or intents.the_point(asked)  # "whats the actual quote or idea tho"
        or intents.opens_with_why(asked)  # "why tho, why not just max the reward"
    )
    # longer, when it points back by `_refers_back` ("why tho, what was he worried the machines would do")
    if len(own) < 2 or points_back or _refers_back(ctx, asked, previous):
        return False  # "are they ever in conflict?", "why the human part": it points at the last answer
    if not unknown and any(
        0 < judge.vocabulary.df.get(t, 0) <= OWN_TOPIC_DF and judge.vocabulary.uses_any(previous, t) for t in own
    ):
        # "and why would drifting away be bad?" after the KL penalty: every word the course's, one of them a word few
        # concepts but the last use ("and what about a recipe for schnitzel?" has a word of its own)
        return False
    alone = judge.judge(judge.evidence(normalized, max(h.dense for h in hits), hits[0].concept_id), asked)
    return alone.score < judge.related


def _refers_back(ctx: Kit, asked: str, previous: Sequence[str]) -> bool:
    """Does a message of any length point back at the last answer: what comes before its pronoun (or "instead")
    is the last answer's own words or words common in the course, so the pronoun is not the message's own topic
    ("explain the kv cache and why it makes generation faster", "git says ... how do i resolve it"); at most one
    word of it is not the course's; and at most one is a topic of its own, and then one is the last answer's?
    ("why tho, what was he worried the machines would do" after Wiener; "so what do we stick on top instead")"""
    pronoun = _LEANS.search(asked) or _INSTEAD.search(asked)
    if not pronoun or not previous:
        return False
    vocabulary = ctx.composer.judge.vocabulary
    terms = vocabulary.question_terms(ctx.retriever.normalize(intents.question_part(asked)))
    if sum(t not in vocabulary.vocabulary for t in terms) >= 2:
        return False
    before = vocabulary.question_terms(ctx.retriever.normalize(asked[: pronoun.start()]))
    foreign = [
        t
        for t in before
        if t not in NOT_A_DETAIL and t not in _ASKING and not vocabulary.uses_any(previous, t)
    ]
    if any(vocabulary.df.get(t, 0) <= OWN_TOPIC_DF for t in foreign):
        return False
    own = [t for t in terms if t not in NOT_A_DETAIL and t not in intents.ORDINAL_WORDS and t not in _ASKING]
    theirs = [t for t in own if vocabulary.uses_any(previous, t)]
    # and at most one word of a topic of its own: one the last answer's concepts never use and few others do
    topical = [t for t in own if t not in theirs and 0 < vocabulary.df.get(t, 0) <= OWN_TOPIC_DF]
    return len(topical) <= 1 and (bool(theirs) or not topical)


def _names_a_detail(ctx: Kit, intent: intents.Intent) -> str:
    """A definition asked of one or two words that name no concept ("whats the loss", "what is the policy"): the
    words, which the last answer may explain; else ""."""
    subject = re.sub(r"^(the|a|an)\s+", "", intent.subject.strip())
    if intent.kind != intents.DEFINITION or intent.follow_up or not 1 <= len(subject.split()) <= 2:
        return ""
    vocabulary = ctx.composer.judge.vocabulary
    terms = [t for t in vocabulary.terms(subject) if t not in NOT_A_DETAIL]
    if not terms or any(vocabulary.is_name(t) for t in terms) or vocabulary.mentioned_only(subject):
        return ""  # a concept of its own, or a term the course names and never teaches ("what is lora?")
    return subject


_EXAMPLE_OF = re.compile(r"\b(example|examples|instance|case)s? (of|for) (?P<what>.+)$", re.IGNORECASE)


def _example_of_the_last(ctx: Kit, intent: intents.Intent, previous: Sequence[str]) -> bool:
    """ "could you give me a concrete example of one training instance" right after instruction alignment: an example of
    a detail of the last answer, which names no concept of its own (so not "an example of reward hacking")."""
    of = _EXAMPLE_OF.search(intent.subject)
    if of is None or not previous or previous[0] not in ctx.course.concepts:
        return False
    terms = [t for t in ctx.composer.judge.vocabulary.terms(of.group("what")) if t not in NOT_A_DETAIL]
    return (
        bool(terms)
        and not any(ctx.composer.named(c, of.group("what")) for c in ctx.course.concepts)
        and ctx.composer.mentions(previous[0], of.group("what"))
    )


def _compares_the_last_two(text: str, intent: intents.Intent) -> bool:
    """Does a message ask whether "they" are the same or how they differ, naming neither ("they both use a reward
    model so whats even different")? After an answer about two concepts, it asks about those two."""
    return (
        intent.kind in (intents.COMPARISON, intents.QUESTION, intents.DEFINITION)
        and not intent.sides
        # "is that right or is it the other way round" after two: the two, side by side again
        and bool(_SAME_OR_NOT.search(text) and _THE_TWO.search(text) or intents.turns_round(text))
    )


def _excerpt_of(ctx: Kit, hit: Hit, quoted: str, vector: np.ndarray | None) -> Callable[[], str]:
    """What to quote of `hit` if asked: the answer's own quote of it, else its sentences closest to the
    question."""

    def excerpt() -> str:
        if quoted or vector is None:
            return quoted
        return ctx.retriever.excerpt(hit.concept_id, vector)

    return excerpt


def _about_the_last_answer(
    ctx: Kit,
    question: str,
    intent: intents.Intent,
    last_turn: Callable[[], tuple[str, list[str]]],
    alone: AnswerResult,
) -> AnswerResult | None:
    """ "what's N?" right after an answer about best-of-N sampling: a short name or symbol the course does not
    teach on its own but that the last answer's concepts use is asked about them; so is a question of up to
    `LEANING_WORDS` words put as a follow-up that points back ("what happens if you set it too small") or asks
    what follows ("and what if we set beta to zero?"), when every word of its own is one those concepts use. Tried
    only when the question found nothing confident by itself."""
    subject = intent.subject.strip()
    # "what happens if you set it too small": longer than the follow-ups the intent reads as such, but put as
    # one, pointing back with "it", and every word of its own is one the last answer's concepts use
    # "and what if we set beta to zero?" is a consequence; "so whats bad about making n huge" a drawback
    drawback = intent.kind == intents.DRAWBACK
    pointed = bool(_POINTS_BACK.search(question) or intent.consequence)
    # "why would helpful and harmless ever clash tho" after the three H's: why or how of the last answer's own words
    reason = intent.kind in (intents.WHY, intents.HOW)
    leans = len(question.split()) <= LEANING_WORDS and (
        drawback or reason or pointed and intents.follow_up_shaped(question)
    )
    # ... not a term the course names and never teaches ("what is lora?" after the fine-tuning strategies)
    named = bool(
        intent.kind == intents.DEFINITION
        and subject
        and len(subject.split()) <= 2
        and not ctx.composer.judge.vocabulary.mentioned_only(subject)
    )
    if not (leans or named):
        return None
    said, previous = last_turn()
    said = said.removeprefix(QUIZ_SAID)  # after a quiz question's feedback: its right answer
    if not previous:
        return None
    # either way, every word of its own is one the last answer's concepts use ("guitar" is not, nor "linux" in
    # "what does the 'head' command do in linux")
    vocabulary = ctx.composer.judge.vocabulary
    own = [t for t in vocabulary.question_terms(intents.question_part(question)) if t not in NOT_A_DETAIL]
    theirs = [t for t in own if vocabulary.uses_any(previous, t)]
    # a why or how of the last answer's words may say more in the course's plain words ("why clip tho, feels like
    # ur just throwing away info" after PPO's clipping): none of them foreign, and the question names no other
    # concept ("faster" is a word of "fast-moving alignment field", but does not name it)
    plain = (
        reason
        and bool(theirs)
        and all(t in vocabulary.vocabulary for t in own if t not in theirs)
        and not any(ctx.composer.named(c, question) for c in ctx.course.concepts if c not in previous)
    )
    if len(theirs) < len(own) and not plain:
        return None
    # a why or how that does not point back leans on the last answer only when, asked by itself, it comes near
    # that answer's concepts: "how do companies collect preference data?" after reward hacking uses that answer's
    # words, but by itself it is nearest the preference concepts, not reward hacking's
    # ... or when it says again a word of the last answer's that the learner's own last message said ("why would you
    # want small updates tho" after "the notes say PPO 'keeps each update small'")
    echoes = {t[:5] for t in theirs} & {t[:5] for t in vocabulary.question_terms(said)} if said else set()
    if (
        reason
        and not (drawback or pointed or named)
        and not any(s.concept_id in previous for s in alone.sources[:3])
        and not echoes
    ):
        return None
    if named:  # and the last answer's concepts use the name or symbol
        word = re.compile(rf"(?<![\w-]){re.escape(subject)}(?![\w-])", re.IGNORECASE)
        named = any(word.search(ctx.course.concepts[c].text) for c in previous if c in ctx.course.concepts)
    if not (leans or named):
        return None
    again = answer(
        ctx, question, intent=dataclasses.replace(intent, follow_up=True), previous=previous, said=said
    )
    return again if again.confident else None


# the words of asking, and of the course's running, not of a topic ("list them pls im lost", "i missed that lecture")
_ASKING = frozenset(
    "list lost confus tell give show want know understand instead wonder literal deal handle fix solve tackle".split()
    + "lecture lectur chapter chapt slide slides note notes lesson module week class seminar tutorial".split()
    # "why do ppl like it more than ppo", "do u need a ton of data for it": who and how much, not a topic
    + "ppl people folk folks ton tons lot lots bunch load loads".split()
    # "so what do u put instead", "what do we stick on top": verbs of placing, not a topic
    + "put puts stick sticks place attach plug slap bolt swap top".split()
)
# "so what do we stick on top instead", "can u list them again": it points back without a pronoun
_INSTEAD = re.compile(r"\b(instead|again)\b", re.I)


def _leaning_back(
    ctx: Kit,
    text: str,
    asked: str,
    result: AnswerResult,
    intent: intents.Intent,
    last_turn: Callable[[], tuple[str, list[str]]],
) -> tuple[str, AnswerResult]:
    """A message refused on its own that points back at the last answer ("could u skip it and go straight from
    the base model?" after why RLHF starts from SFT, by `_refers_back`), tried as a follow-up of that answer's
    concepts: its pronoun resolved, then a word of its own told elsewhere, then the concepts themselves; else what
    was found."""
    if not _LEANS.search(text) and not _INSTEAD.search(text):
        return asked, result
    said, previous = last_turn()
    said = said.removeprefix(QUIZ_SAID)  # after a quiz question's feedback: its right answer
    if not previous or not said or not _refers_back(ctx, text, previous):
        return asked, result
    leaning = dataclasses.replace(intent, follow_up=True)
    put = _put_back(ctx, text, said)
    whole, found = _resolved(ctx, text, previous, put)
    if found is None:
        whole, found = _beyond(ctx, text, said, previous, leaning)
    if found is not None:
        return whole, found
    again = answer(ctx, text, intent=leaning, previous=previous, said=said)
    if again.confident:
        return text, again
    # "ok and why do ppl like it more than ppo" after "what does dpo stand for": the question with the name put back,
    # when the last answer's own concept answers it confidently
    if put is not None and put[1].confident and put[1].concept_id in previous:
        return put
    return asked, result


def _go_on(ctx: Kit, ev: E.Ask, result: AnswerResult, learner_id: int, place: str, now: datetime) -> str:
    """The reply to a learner who says where they are without asking yet: an invitation to ask, about the
    nearest concept when they named it ("lecturer kept saying ppo like 20 times today"), which the next "why
    is it used" then leans on."""
    # "teammate keeps saying sft": the concept the message names, when one of the closest is named
    named = next((s for s in result.sources if ctx.composer.named(s.concept_id, ev.text)), None)
    nearest = named or result.sources[0]
    # "so for the exam": no concept to name; "the lecture said models should be helpful and harmless" names none, but
    # is near enough one for a guess, which the next "can those two clash?" leans on
    near = bool(result.composed and result.composed.tentative)
    if not (near or named):
        return "Got it. What would you like to know? Ask me about the course in your own words."
    ctx.store.add_turn(learner_id, place, ev.text, [nearest.concept_id], now)
    return (
        f"Got it. What would you like to know about *{nearest.title}*? Ask in your own words, "
        f"or test yourself with /quiz {nearest.concept_id}."
    )


def round_guard(ctx: Kit, ev: E.Ask, result: AnswerResult) -> list[R.Reply] | None:
    """While a class round is open, a question on its concept gets a hint, not the answer."""
    if not result.confident:
        return None
    for row in ctx.store.open_rounds_in(ev.learner.platform, ev.learner.workspace):
        if row.concept_id != result.concept_id:
            continue
        question = ctx.course.questions.get(row.question_id)
        hint = question.hint if question and question.hint else "Think about what the concept is for."
        title = ctx.course.concepts[row.concept_id].title
        return [
            R.Text(
                f"A class round on *{title}* is open, so no answers from me until it closes. "
                f"A hint instead: {hint}",
                kind="notice",
            )
        ]
    return None


def _study_request(ev: E.Ask, ctx: Kit) -> tuple[list[R.Reply] | None, Searched | None]:
    """A short message the intent rules took for a course question that is nearer the example requests to be
    quizzed, for the next topic or for one's progress than to anything in the course (`bot.compose.study`):
    what /quiz, /next or /progress says, else None; and the search it made, for the answer to reuse."""
    if not ctx.retriever.concept_ids:
        return None, None
    said = ev.text
    if len(said.split()) > study.MOST_WORDS:
        # "commute was 90 min and i reread my notes on reward models, got anything to test me on": its last clause
        said = intents.request_clause(said, study.MOST_WORDS)
        if not said:
            return None, None
    ctx.sync_instructor_passages()  # as `answer` does before it searches: it reuses this search
    asked = intents.question_part(said)
    prepared = ctx.retriever.prepare(asked)
    hits = ctx.retriever.search(asked, k=ANSWER_K, prepared=prepared, excerpts=False)
    searched = Searched(asked, prepared, hits, ANSWER_K)
    kind = ctx.study_requests.which(asked, prepared[1], hits[0].dense if hits else 0.0)
    if kind == study.QUIZ:
        return on_start_quiz(E.StartQuiz(ev.learner, where=ev.where), ctx), searched
    if kind in (study.NEXT, study.PROGRESS):
        return _own_studying(ev, ctx, kind == study.NEXT), searched
    return None, searched


def _own_studying(ev: E.Ask, ctx: Kit, what_next: bool) -> list[R.Reply]:
    """What /next (`what_next`) or /progress says, seen by the learner alone even when asked in a class's
    channel: like those commands, it is about one learner."""
    own = (
        standing.on_next(E.Next(ev.learner, where=ev.where), ctx)
        if what_next
        else standing.on_show_progress(E.ShowProgress(ev.learner, where=ev.where), ctx)
    )
    return [dataclasses.replace(r, visibility=R.PRIVATE) for r in own]


def _course_order(ctx: Kit, direction: str, said: str, other: str = "") -> list[R.Reply]:
    """Where a concept sits in the course's order: what builds on it ("after"), what it builds on ("before"), or
    which of two comes first ("first"), from the course's prerequisites. [] when `said` names no concept (the
    message is then answered as any other)."""
    found, problem = picking.resolve_topic(ctx, said)
    if problem or not found:
        return []
    course, cid = ctx.course, found[0]
    title = course.concepts[cid].title

    def names(ids: Sequence[str]) -> str:  # all of them: at most seven in the bundled course
        shown = [f"*{course.concepts[c].title}*" for c in ids]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    if direction == "after":
        after = course.next_after(cid)
        text = (
            f"After *{title}*, the course goes on to {names(after)}. /quiz {cid} first checks you are ready."
            if after
            else f"*{title}* is where its part of the course ends: nothing builds on it. /next says what to learn "
            "next for you."
        )
    elif direction == "before":
        before = course.prerequisites_of(cid)
        text = (
            f"Before *{title}*, the course has you learn {names(before)}: /quiz {before[0]} checks one."
            if before
            else f"*{title}* builds on nothing else in the course: you can start with it (/quiz {cid})."
        )
    else:
        second, problem = picking.resolve_topic(ctx, other)
        if problem or not second or second[0] == cid:
            return []
        order = course.topological_order()
        first, then = sorted((cid, second[0]), key=order.index)
        needs = first in course.prerequisites_of(then)
        text = f"*{course.concepts[first].title}* first: " + (
            f"*{course.concepts[then].title}* builds on it."
            if needs
            else f"the course puts it before *{course.concepts[then].title}*, though neither needs the other."
        )
    return [R.Text(text)]


_POINTS_AT_THE_QUESTION = re.compile(r"\b(this|these|here)\b", re.IGNORECASE)


def _names_another_concept(text: str, course: Course, row: QuizSession) -> bool:
    """ "In the lecture there was acronym RLHF. Can you tell me what it is meaning?", said with a question on BERT
    open: it names a concept the open question is not about, in words its prompt does not use, so it is a question
    of its own (answered; the quiz question stays open), not a move in the quiz ("tell me what it is" reads as
    asking for the answer). Names of one word count only as acronyms ("RLHF", "DPO"): "alignment" or "prompting"
    may be said of any question."""
    if _POINTS_AT_THE_QUESTION.search(text):
        return False  # "tiny hint for this dpo one?", "can we skip this? ill deal with the ppo stuff another day"
    said = f" {plain_words(text)} "
    question = course.questions.get(row.question_id)
    prompt = f" {plain_words(question.prompt)} " if question is not None else ""
    for cid, concept in course.concepts.items():
        if cid == row.concept_id:
            continue
        for name in (concept.title, *concept.aliases):
            plain = plain_words(name)
            if not plain or (" " not in plain and not (name.isupper() and len(name) <= 6)):
                continue
            if f" {plain} " in said and f" {plain} " not in prompt:
                return True
    return False


def _quiz_move(ev: E.Ask, ctx: Kit, move: str, row: QuizSession | None) -> list[R.Reply]:
    """ "can i get a hint", "skip this one", "idk" said in plain words: with the learner's question open (`row`),
    what /hint and /skip do (and for "idk", the way to either); with none open, where to get one (and for "idk",
    the reply to a learner who is struggling: there is nothing to look up or forward)."""
    if row is None:  # "idk" with nothing open: nothing to look up or forward
        return [R.Text(NO_OPEN_QUESTION if move in ("hint", "skip") else small_talk_reply("struggle"))]
    if move == "hint":
        return on_hint(E.Hint(ev.learner, session_id=row.id, where=ev.where), ctx)
    if move == "skip":
        return on_skip(E.Skip(ev.learner, session_id=row.id, where=ev.where), ctx)
    return [R.Text(UNSURE_REPLY)]


NO_OPEN_QUESTION = "There is no open question right now. /quiz asks you one."
UNSURE_REPLY = (
    "No problem, it's a hard one. Have a go in your own words, ask for /hint, or /skip to see the answer "
    "(nothing is recorded when you skip)."
)

# `answer` has no learner to look up: it says where their own next step and progress are
STUDYING_REPLY = "That's about your own studying: /next says what to learn next, /progress how you are doing."


def on_ask(ev: E.Ask, ctx: Kit) -> list[R.Reply]:
    problem = ctx.check_text(ev.text, "question")
    if problem:
        return [R.Text(problem, kind="error")]
    # looked up once, when first needed (small talk needs no learner row)
    learner_id = functools.cache(lambda: ctx.store.learner(ev.learner).id or 0)
    place = place_of(ev)
    now = ctx.clock()
    # the learner's last question here and its concepts, if recent enough for a follow-up: read once, when needed
    last_turn = functools.cache(lambda: ctx.store.recent_turn(learner_id(), place, now - CONVERSATION_GAP))

    move = intents.quiz_move(ev.text)
    if move or len(ev.text.split()) <= intents.OPEN_CHECK_WORDS:
        row = ctx.store.open_session_of(learner_id())
        row = row if row is not None and row.status == "open" else None
        if not move and row is not None:
            # with the learner's question open, "im kinda stuck on this one, any hint?" is about that question
            move = intents.quiz_move(ev.text, open_question=True)
            if move and _names_another_concept(ev.text, ctx.course, row):
                move = ""
        if move:
            return _quiz_move(ev, ctx, move, row)
    topic = intents.quiz_request(ev.text)
    if topic is None and intents.one_more(ev.text):
        # "another one", "one more!": another question, when the learner was just quizzed or has no conversation
        # going (after an answer it may ask for another example)
        quizzed = ctx.store.quizzed_since(learner_id(), now - CONVERSATION_GAP)
        topic = "" if quizzed or not last_turn()[1] else None
        if not quizzed and ev.text.strip().lower().startswith("sorry") and intents.small_talk(ev.text) == "ask":
            topic = None  # "sorry, one more": a question of their own is coming, not another quiz question
    order = intents.course_order(ev.text)
    if order is not None:  # "what should i learn after dpo": the course's own order, not what dpo is
        replies = _course_order(ctx, *order)
        if replies:
            return replies
    if topic is not None:  # "quiz me on dpo", "next question pls": what /quiz does
        if intents.QUIZ_ON_THE_LAST.fullmatch(topic):  # "quiz me on it": the last answer's concept
            last = last_turn()[1]
            topic = last[0] if last else ""
        return on_start_quiz(E.StartQuiz(ev.learner, topic=topic, where=ev.where), ctx)
    if intents.lost(ev.text) and last_turn()[1]:
        # "idk i just dont get it" right after an answer: that answer again, more simply
        return on_ask(dataclasses.replace(ev, text="can you explain it more simply"), ctx)
    intent = intents.classify(ev.text)
    if intent.kind == intents.SMALL_TALK:  # a short friendly reply, never the instructors' inbox
        return [R.Text(small_talk_reply(intent.social))]
    if intent.kind == intents.OVERVIEW:  # "what is this course about?": the course, not one concept of it
        return [R.Text(overview_reply(ctx.course))]
    # "what should i study next", "how am i doing": the learner's own studying, answered as /next and /progress
    # answer it, and like them seen by the learner alone, even when asked in the class's channel
    if intent.kind in (intents.STUDY_NEXT, intents.MY_PROGRESS):
        return _own_studying(ev, ctx, intent.kind == intents.STUDY_NEXT)
    lid = learner_id()
    # "B" or "4 6 5 1 2 3" while a question is open: the answer
    if intent.kind == intents.QUIZ_ANSWER:
        if session_for(ctx, lid, None, ev.where)[0] is not None:
            return on_answer(E.Answer(ev.learner, where=ev.where, response=ev.text), ctx)
        return [R.Text(NO_OPEN_QUESTION, kind="notice")]  # "B" with nothing open is no question either
    # "so which one should i pick" after a comparison leans on that answer: not a request to study
    studying, searched = (None, None) if intent.follow_up and last_turn()[1] else _study_request(ev, ctx)
    if studying is not None:
        return studying
    goes_on = intents.goes_on(ev.text)  # "like list them", "and for dpo?": the last question, said again
    compares = _compares_the_last_two(ev.text, intent)
    detail = _names_a_detail(ctx, intent)
    if intent.kind == intents.EXAMPLE and not intent.follow_up and _example_of_the_last(ctx, intent, last_turn()[1]):
        intent = dataclasses.replace(intent, follow_up=True)
    said, previous = last_turn() if intent.follow_up or goes_on or compares or detail else ("", [])
    if (
        detail
        and previous
        and previous[0] in ctx.course.concepts
        and ctx.composer.mentions(previous[0], detail)
    ):
        # "ok but whats the loss like, roughly" after how the reward model is trained: the loss of that answer
        intent = dataclasses.replace(intent, follow_up=True)
    if compares and len(previous) >= 2:
        # "are those basically the same problem or nah" after self-driving vs robots: the two, side by side again
        intent = dataclasses.replace(intent, kind=intents.COMPARISON, follow_up=True, sides=())
    asked, result = _restated(ctx, ev.text, said, previous) if goes_on else (ev.text, None)
    if not intent.follow_up:
        said, previous = "", []
    question_text = ev.text
    if said.startswith(QUIZ_SAID):  # after a quiz question's feedback
        said = said[len(QUIZ_SAID) :]
        if intent.kind == intents.WHY and len(ev.text.split()) <= 8:
            # "why?", "but why is that the answer": why the right answer is right, from its concept's sentences
            question_text = f"why {said}"
            said = ""
    # "will it be on the exam" is the instructors' question, whatever "it" is
    leans = bool(previous and said and not ADMIN.search(ev.text))
    if result is None and leans:
        asked, result = _resolved(ctx, ev.text, previous, _put_back(ctx, ev.text, said))
    if result is None and leans:
        asked, result = _beyond(ctx, ev.text, said, previous, intent)
    if result is None:
        result = answer(ctx, question_text, intent=intent, previous=previous, said=said, searched=searched)
    if not result.confident and not intent.follow_up:
        result = _about_the_last_answer(ctx, ev.text, intent, last_turn, result) or result
    if not result.confident and not ADMIN.search(ev.text):
        asked, result = _leaning_back(ctx, ev.text, asked, result, intent, last_turn)
    tentative = bool(result.composed and result.composed.tentative)
    if not result.confident and result.sources and intents.tells(ev.text):
        last = last_turn()[1]
        if (
            last
            and not ctx.composer.named(result.sources[0].concept_id, ev.text)
            and _refers_back(ctx, ev.text, last)  # not "random forest vs xgboost which one should i use"
        ):
            # "i missed that lecture" right after an answer: that answer again, more simply
            return on_ask(dataclasses.replace(ev, text="can you explain it more simply"), ctx)
        # "lecturer kept saying ppo like 20 times today": nothing asked yet, so nothing for the instructors
        return [R.Text(_go_on(ctx, ev, result, lid, place, now))]
    if (result.confident or tentative) and result.composed is not None:  # what the next "why?" leans on
        ctx.store.add_turn(lid, place, asked, list(result.composed.concepts), now)
    if not result.sources:
        return [R.Text(result.answer, kind="error")]
    guarded = round_guard(ctx, ev, result)
    if guarded:
        return guarded
    if not result.confident and result.composed is not None and result.composed.related:
        # only course questions reach the inbox: one refused, or one answered only with a guess
        inbox.forward(ctx, ev, lid, [s.concept_id for s in result.sources], result.vector)
    if not result.confident and not tentative:
        return [R.Text(result.answer, kind="notice")]
    assert result.composed is not None
    out: list[R.Reply] = []
    for part in result.composed.parts:
        if part.role in ("quote", "contrast"):
            score = next((s.score for s in result.sources if s.concept_id == part.concept_id), 0.0)
            out.append(R.Passage(part.title, part.text, part.concept_id, score))
        else:
            out.append(R.Text(part.text))
    return out


HANDLERS: dict[type[E.Event], Handler] = {E.Ask: on_ask}
