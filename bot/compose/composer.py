"""The Composer port and its offline floor: an extractive composer that answers by question type.

It opens with what was asked (a definition with the concept's one-line summary, "why" and "how" with the
causal or procedural sentences, a list question with the whole list, a comparison with both sides and the
contrast), then quotes the supporting sentences with their concept, then says what to learn next. A question
outside the course gets "not covered" with the closest concepts, never a confident quote.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from bot.compose import intent as I
from bot.compose.scope import (
    GREEK,
    MENTIONED_ONLY,
    MISUSE,
    TENSION_WITHIN,
    ScopeJudge,
    Verdict,
    _terms,
    asks_for_misuse,
)
from bot.compose.sentences import split_sentences
from bot.course.model import Course
from bot.retrieval import Hit, Retriever
from bot.retrieval.index import tokenize

MAX_CHARS = 1500  # well under Slack's and Discord's 2,000-character message limits
# The sentences quoted for a why, a how, an example or a follow-up before the concept's gist. Three, not two: the
# sentence that says what was asked is often the third closest to the question (20 of the read dev sets' misses);
# median answer 818 -> 852 characters.
QUOTED = 3
# what a why or a how takes off the concept's opening sentence (a definition) when that sentence gives no reason or
# step
OPENING_PENALTY = 0.2
CAUSAL = re.compile(
    r"\b(because|so that|since|therefore|thus|hence|reasons?|in order to|to avoid|to prevent|prevents?|"
    r"otherwise|without|helps?|lets|allows?|costs?|expensive|cheap\w*|risk\w*|so the|which means|keeps?)\b",
    re.IGNORECASE,
)
PROCEDURE = re.compile(
    r"\b(first|then|next|finally|steps?|stage|trains?|trained|uses?|samples?|scores?|selects?|computes?|"
    r"updates?|optimi[sz]es?|fits?|collects?|compares?|ranks?|picks?|generates?|adds?|replaces?|keeps?)\b",
    re.IGNORECASE,
)
LIMITS = re.compile(
    r"\b(costs?|costly|expensive|limited|limitations?|drawbacks?|downsides?|risks?|risky|fails?|failure|"
    r"cannot|can't|however|problems?|sensitive|delicate|unstable|instability|slow\w*|weak\w*|hard|difficult|"
    r"trade-?offs?|price|grows|overfit\w*|exploit\w*|hack\w*|only as good)\b",
    re.IGNORECASE,
)
# "how does dpo avoid ...", "how do reward models ...": the concept that does it
_HOW_DOES = re.compile(
    r"^(?:\w+ )*?how (?:does|do|did|can|could|would|is|are) (?:the |a |an )?(\w+(?: \w+)?)\b"
)
# "so whats the alternative" after fine-tuning: the sentences that set the concept against another way
_ALTERNATIVE_ASK = re.compile(
    r"^(the )?(alternatives?|other (options?|ways?|approach(es)?|choices?))\b", re.IGNORECASE
)
ALTERNATIVE = re.compile(
    r"\b(alternatives?|apart from|rather than|instead of|unlike|compared (with|to)|whereas|other than)\b",
    re.IGNORECASE,
)
# "why train a reward model at all instead of just having humans judge every answer?", "cant the humans just rate every
# output directly": the alternative the learner has in mind, which the reason has to rule out
_INSTEAD_ASK = re.compile(
    r"\b(instead of|rather than|why not( just)?|(can'?t|cant|couldn'?t|couldnt|cannot|can not|why can'?t|why cant) "
    r"(we|they|you|u|people|humans|the humans|one|i)( just| simply)?|(why|what'?s wrong with|whats wrong with) "
    r"(just )?(using|having|asking|letting))\s+(?P<alt>[^?.;]{8,90})",
    re.IGNORECASE,
)
# "so what do u put instead", "what replaces it": what takes the place of what the last answer removed
_REPLACEMENT_ASK = re.compile(
    r"\b(put|stick|use|add|place|plug|attach)\b.*\b(instead|in (its|their) place|on top)\b|\bwhat replaces\b"
    r"|\breplaced? (it|them) with\b|\bwhat (goes|comes) (there|in its place|instead)\b",
    re.IGNORECASE,
)
REPLACEMENT = re.compile(r"\breplac\w*|\bin (its|their) place\b|\bsubstitut\w*", re.IGNORECASE)
_STEPS_OF = re.compile(r"\b(steps|stages|phases|pipeline|recipe)\s+(of|in|for|behind)\s+(?P<x>[\w\s-]{2,40})", re.I)
_CONCLUDES = re.compile(r"\b(therefore|thus|hence|so|which is why)\b", re.IGNORECASE)
# "the honest one", "the harmless one": an item of the last answer's list, named as such
_ITEM_ONE = re.compile(r"\bthe ([a-z][a-z-]{2,}) one\b", re.IGNORECASE)
STOPPING = re.compile(r"\b(prevent|stop|avoid|mitigate|fix|reduce|counter|guard against|deal with)\b", re.I)
REMEDY = re.compile(
    r"\b(prevents?|avoids?|mitigat\w*|reduc\w*|penal\w*|keeps?|regulari[sz]\w*|guards?|checks?|monitor\w*|"
    r"constrain\w*|limits?|clip\w*|close to|red[- ]team\w*|ensembles?|KL)\b",
    re.IGNORECASE,
)
# "what happens if N is too big": the sentences that say what follows from a setting or an absence
CONSEQUENCE = re.compile(
    r"\b(without|too (large|small|big|high|low|much|little|strong|weak|many|few)|with (a |an )?(very )?(large|"
    r"larger|small|smaller|high|higher|low|lower|big|bigger|strong|weak)|becomes?|more likely|less likely|"
    r"leads? to|results? in|causes?|drifts?|collapses?|barely|if)\b",
    re.IGNORECASE,
)
# "can they conflict?", "helpful vs harmless - don't those clash?": the sentences that say how they pull apart
TENSION = re.compile(
    r"\b(pulls? against|pulling against|conflicts?|conflicting|clash\w*|tensions?|at odds|trade-?offs?|balanc\w*|"
    r"compet\w*|contradict\w*|against each other|against one another)\b",
    re.IGNORECASE,
)
TENSION_ASK = re.compile(
    r"\b(conflicts?|conflicting|clash\w*|tensions?|at odds|contradict\w*|trade-?offs?|compete|competing|"
    r"pull (against|apart)|work against|go against|against each other|(pull|push|go|point)( \w+)? (in )?"
    r"(opposite|different) directions)\b",
    re.IGNORECASE,
)
# The words of asking for a tension, beside the things that pull against each other
_TENSION_WORDS = frozenset(
    "conflict clash tension odd contradict tradeoff trade compete pull push opposite direction compare contrast two "
    "both each other against".split()
)
EXAMPLE = re.compile(
    r"\b(for example|for instance|e\.g\.|such as|example|imagine|suppose|say)\b", re.IGNORECASE
)
# "how much data do u need for it", "does it need a ton of data or nah": a sentence with an amount in it
AMOUNT_ASK = re.compile(
    r"\bhow (much|many)\b|\b(a ton|tons|a lot|lots|loads|a bunch|huge amounts?|masses|heaps|millions|billions|"
    r"thousands) of (data|examples?|samples?|demonstrations?|pairs|labels|comparisons|text|tokens|compute)\b",
    re.IGNORECASE,
)
# "SFT needs very little data compared with pre-training": a sentence that says whether the amount is large
SIZE = re.compile(
    r"\b(very little|little|few|fewer|small|smaller|tiny|less|only|large|larger|huge|vast|massive|enormous)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"\b\d[\d,.]*\b|\b(thousands?|millions?|billions?|hundreds?|dozens?|a few|a handful)\b", re.IGNORECASE
)
# "who proposed DPO?", "and in what year was it published?", "which came first, PPO or DPO?": who and when, which the
# course says in the sentences that cite a paper or give a year
WHEN_ASK = re.compile(
    r"\b(what year|which year|when (was|were|did)|"
    r"(who|first) (proposed|introduced|invented|came up with|created|developed|published|wrote)|who (is|was) behind|"
    r"(was|were) (it|they|this|that|[\w-]+) (first )?(proposed|introduced|invented|published|released|developed))\b",
    re.IGNORECASE,
)
# "which came first, PPO or DPO?": of two methods, the older (but "why does sft have to come first" asks the order of
# one recipe's steps)
FIRST_ASK = re.compile(r"\b(came first|was first|is older|is newer|older|newer)\b", re.IGNORECASE)
# "reward model in rlhf": a detail (1) in the concept that places it (3)
_WITHIN = re.compile(r"(.+?) (in|for|within|during|under) (.+)$")
_TITLE_SMALL = frozenset({"a", "an", "the", "of", "for", "from", "in", "and", "with", "to", "via", "by", "on"})
DATED = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# "why would anyone go with dpo", "what's the point of best-of-n": what the choice gains, not what it is
BENEFIT_ASK = re.compile(
    r"\bwhy (would|do|does|should|did|might|will) (anyone|any ?one|people|we|you|u|i|one|someone|teams?|they|labs?|"
    r"companies) (ever |even |actually )?(use|choose|pick|go with|go for|prefer|bother with|adopt|switch to|opt for)\b"
    r"|\b(what'?s|whats|what is) the (point|appeal|advantage|benefit|upside|draw) of\b|^(so |but |and )?why (use|"
    r"choose|pick|prefer|go with|bother with)\b",
    re.IGNORECASE,
)
BENEFIT = re.compile(
    r"\b(simpler|cheaper|cheap|faster|more stable|stabler|easier|avoids?|no need|needs only|only needs|efficient|"
    r"saves?|lighter|fewer|without (retraining|changing|training|fitting|any))\b",
    re.IGNORECASE,
)
# "why was DPO proposed if RLHF with PPO already works?", "why did they invent dpo": what the method was made for, told
# by the method it names (not the reason a concept named later gives)
MOTIVE_ASK = re.compile(
    r"^(so |but |and |ok )?why (was|were|is|are|did|do|does|would) (they |people |someone |researchers |anyone )?"
    r"(?P<x>[\w-]+(?: [\w-]+){0,2}?) (even )?(proposed|introduced|invented|created|developed|come up with|invent|"
    r"create|develop|propose|introduce|come up with)\b",
    re.IGNORECASE,
)
# "is instruction alignment the same as human preference alignment?", "are sft and instruction tuning the same thing":
# whether two names are one thing, answered first when the course names both
SAME_ASK = re.compile(
    r"^(so |wait |but |ok )?(is|are|isnt|isn'?t|arent|aren'?t) (?P<a>[\w' -]{2,50}?) (just )?(the )?same( thing)? (as|like) "
    r"(?P<b>[\w' -]{2,50}?)\W*$"
    r"|^(so |wait |but |ok )?(is|are|isnt|isn'?t|arent|aren'?t) (?P<a2>[\w' -]{2,50}?) and (?P<b2>[\w' -]{2,50}?) "
    r"(just )?(the )?same( thing)?\W*$",
    re.IGNORECASE,
)
# "walk me through each one step by step", "what are the stages": the sentence that lists the steps
STAGES_ASK = re.compile(
    r"\b(step by step|step-by-step|each (one|step|stage|phase|of them)|all (the |three |3 |four |4 )?(steps|stages|"
    r"phases)|walk (me|us) through|one by one|in order)\b",
    re.IGNORECASE,
)
STAGES = re.compile(r"\(1\)[^()]{3,300}\(2\)|\b(first|1st)\b[^.]{3,200}\b(then|second|next)\b", re.IGNORECASE)
# Kinds of sentence that come first when asked for, rather than a nudge of 0.08 (`_ranked`); when the concept has
# one, only they are quoted (`_pick`)
FIRST = (LIMITS, REMEDY, CONSEQUENCE, TENSION, EXAMPLE, AMOUNT, BENEFIT, STAGES)
ENUMERATION = re.compile(
    r"\b[\w-]+(?: [\w-]+){0,3}, (?:[\w-]+ ){0,4}[\w-]+,? (?:and|or) [\w-]+"
    r"|\(1\)[^()]{3,200}\(2\)",  # "(1) supervised fine-tuning ...; (2) training a reward model ..."
    re.IGNORECASE,
)
# "sft vs rlhf" then "which one comes first": the order of the two, and a sentence that says it
_ORDER_ASK = re.compile(
    r"\b(comes? first|goes? first|happens? first|done first|first or|which first|what order|in what order|the order|"
    r"before or after|after or before|comes? before|comes? after|sequence)\b",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"\b(first|then|next|after|afterwards|before|followed by|follows|precedes|preceded)\b|\(1\)", re.I
)
# a list of three or more short items: "helpful, honest and harmless", "SFT, reward modelling, and PPO"
_ITEMS = re.compile(
    r"\b[\w-]+(?: [\w-]+){0,3}(?:, [\w-]+(?: [\w-]+){0,3})+,? (?:and|or) [\w-]+(?: [\w-]+){0,2}\b"
)
# "what are the steps of rlhf": a list of steps, said as steps, stages or phases
_SEQUENCE_ASK = re.compile(r"\b(steps?|stages?|phases?|pipeline|recipe|process|order)\b", re.IGNORECASE)
_SEQUENCE = re.compile(r"\b(steps?|stages?|phases?|recipe|first|\(1\))", re.IGNORECASE)
CONTRAST = re.compile(
    r"\b(unlike|whereas|instead|while|rather than|without|compared|than|differs?|difference|but)\b",
    re.IGNORECASE,
)
# "so which one is actually better?", "does dpo beat ppo": in a comparison, the sentences that weigh one against the
# other ("simpler, more stable and cheaper than PPO", "the price is ...")
BETTER_ASK = re.compile(r"\b(better|best|worse|beats?|outperforms?|superior|prefer\w*|worth it|wins?)\b", re.I)
WEIGHS = re.compile(
    r"\b(simpler|cheaper|faster|easier|stabler|more stable|less stable|better|worse|stronger|weaker|more efficient|"
    r"advantages?|drawbacks?|downsides?|the price|trade-?offs?|outperforms?|matches)\b",
    re.I,
)
# "which is cheaper?", "which costs less": in a comparison, the sentences about what each costs
COST = re.compile(
    r"\b(costs?|costly|cheap\w*|expensive|budget|compute|price\w*|pricey|afford\w*|resources|gpus?)\b", re.I
)
# "why"/"how": the second concept leads when the fused scores are this close and its best explaining sentence
# is this much closer to the question than the first concept's best (cosine, with the same bonus).
EXPLAIN_TIE = 0.05
EXPLAIN_MARGIN = 0.1
# "regular fine-tuning", "plain RLHF", "vanilla SFT": the thing itself, as a side of a comparison
_ORDINARY = re.compile(
    r"^((regular|normal|plain|standard|vanilla|ordinary|traditional|classic|classical|usual|basic|"
    r"good old|old school|just|the|a|an)\s+)+"
)
# A sentence that lists three or more things, however long each ("A through B, C through D, and E")
_SERIES = re.compile(r",[^,.;]+,[^,.;]*\b(and|or)\b")
LEANS_BACK = re.compile(
    r"(it|its|this|these|that|those|they|their|them|such|here)\b"
    # "Without this term the policy drifts", "For these reasons ...", "In such cases ...": early in the sentence
    r"|(\w+,?\s+){1,2}(this|these|those|such)\s+(?!as\b)\w+"
    # "The benefit grows much more slowly.": a short sentence that compares with what the one before said
    r"|(?!.*\bthan\b)[^.]{0,60}\b(more|less)\s+\w+\.?$",
    re.IGNORECASE,
)
# What may follow the verb of a summary that defines its subject ("Fine-tuning adapts a ...", "A reward model
# stands in for ..."): an article, a preposition or a determiner, so "strategies are" is not taken for a verb.
_DEFINER_NEXT = frozenset(
    "a an the in for to on of from with its their each every one two any by how what when that this these "
    "whether why".split()
)
_PARTICIPLE = re.compile(r"(ed|used|done|made|given|seen|known|taken|shown)$")


# Words of a follow-up that ask, point back or judge, never a detail of the concept to look for.
# the frame of a question about a detail, not the detail: "why does the rlhf setup keep a reference model around"
_FRAME = frozenset("setup set-up keep keeps kept around there have has having".split())
NOT_A_DETAIL = frozenset(
    """here there again more mean means meant work works worked need needed needs used use uses important matter
    matters point role simpler simple simply explain say said example examples part bit thing things stuff one
    ones other else about exactly actually basically really ever even kind sort way case cases good bad better best
    happen happens happened would could should too big small high low much many zero large larger huge tiny bigger
    smaller higher lower infinite infinity make makes making made mak set sets setting sett get gets getting gett
    not no now then""".split()
)


# "These costs motivated ...": a sentence that says nothing without the one before (the contrast of a comparison
# brings it)
DEMONSTRATIVE = re.compile(r"(These|This|Those|Such)\b")


def _leans_on_previous(texts: list[str], j: int, opens: frozenset[int] = frozenset()) -> bool:
    """Does sentence j lean on the one before ("It ...", "These ...")? Not when j opens a paragraph: the last
    sentence of another paragraph is not what "These attributes" means."""
    return bool(j and j not in opens and LEANS_BACK.match(texts[j]))


def _with_antecedent(texts: list[str], j: int, opens: frozenset[int] = frozenset()) -> list[str]:
    """Sentence j, and the one before when it leans on it."""
    return texts[j - 1 : j + 1] if _leans_on_previous(texts, j, opens) else [texts[j]]


def announces(sentence: str, opens_paragraph: bool = False) -> bool:
    """A sentence that only announces the next ("The method has limits too.", "It works in three steps:", a
    short sentence that opens a paragraph: "These attributes can pull against each other.")."""
    return len(sentence) < (60 if opens_paragraph else 45) or sentence.rstrip().endswith(":")


@functools.lru_cache(maxsize=1 << 14)
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled pattern built from a concept's names: `re`'s own cache holds 512, fewer than a course's names
    in every shape an answer tries, and recompiling them was a third of composing an answer."""
    return re.compile(pattern, flags)


@functools.lru_cache(maxsize=1 << 14)
def plain_words(text: str) -> str:
    """Lower case, hyphens as spaces, words only: "Fine-tuning" and "fine tuning" compare equal."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("-", " ")))



@functools.lru_cache(maxsize=1 << 14)  # asked of every concept's summary for a subject
def defines(summary: str, subject: str) -> bool:
    """Whether a one-line summary opens by defining `subject`: "Fine-tuning adapts a pre-trained model ...",
    "A reward model stands in for ...", "PPO is the ...", and not "Fine-tuning is used at many points"
    (what it is used for) or "Fine-tuning strategies are ..." (another subject)."""
    want = plain_words(subject)
    if not want:
        return False
    want = re.sub(r"^(a|an|the) ", "", want)
    head = re.sub(r"^(a|an|the) ", "", plain_words(re.sub(r"\([^)]*\)", " ", summary)))
    stem = want[:-1] if want.endswith("s") and len(want) > 3 else want
    # "LLM alignment is ..." defines alignment too: one word of qualification may come first
    m = re.match(rf"(?:\w+ )?{re.escape(stem)}s? (\w+) (\w+)", head)
    if not m:
        return False
    verb, after = m.groups()
    if verb in ("is", "are"):
        return not _PARTICIPLE.search(after)
    if verb in ("means", "refers", "describes", "denotes"):
        return True
    return verb.endswith("s") and after in _DEFINER_NEXT


def _closest(hits: Sequence[Hit], verdict: Verdict) -> str:
    """What a reply that does not answer says last: the closest concepts, and that the question went to the
    instructors when it did."""
    names = ", ".join(f'"{h.title}"' for h in hits[:3])
    forwarded = " I've passed your question on to the instructors." if verdict.related else ""
    return f"The closest concepts are {names}.{forwarded}"


@dataclass(frozen=True)
class Part:
    """One piece of an answer. `role`: lead, quote, contrast, scope or next."""

    role: str
    text: str
    concept_id: str = ""
    title: str = ""


@dataclass(frozen=True)
class Composed:
    parts: tuple[Part, ...]
    sources: tuple[str, ...]  # concept ids quoted, in order
    concepts: tuple[str, ...]  # what the answer is about, first the main one
    confident: bool
    related: bool = False  # not confident, yet close to the course: worth an instructor's look
    next_concepts: tuple[str, ...] = ()
    verdict: Verdict | None = field(default=None, compare=False)
    # a question near the course under the confidence bar: a best guess, said to be one (forwarded when
    # `related`: a near miss, not a vague question)
    tentative: bool = False

    def quote_of(self, concept_id: str) -> str:
        return " ".join(
            p.text for p in self.parts if p.role in ("quote", "contrast") and p.concept_id == concept_id
        )

    def text(self) -> str:
        """The whole answer as one chat message (Markdown-ish: *bold*, > quotes)."""
        lines = []
        for p in self.parts:
            if p.role in ("quote", "contrast"):
                lines.append(f"> {p.text}\n  (from: {p.title})")
            else:
                lines.append(p.text)
        return "\n".join(lines)


class Composer(Protocol):
    def compose(
        self,
        question: str,
        intent: I.Intent,
        hits: Sequence[Hit],
        previous: Sequence[str] = (),
        said: str = "",
    ) -> Composed: ...


class ExtractiveComposer:
    """Offline: every word of an answer is the course's own (or a fixed connective of ours)."""

    def __init__(self, course: Course, retriever: Retriever, judge: ScopeJudge | None = None):
        self.course = course
        self.retriever = retriever
        self.judge = judge or ScopeJudge(course)
        self._bank: dict[str, tuple[int, list[str], np.ndarray]] = {}
        self._opens: dict[str, frozenset[int]] = {}  # per concept: the sentences that open a paragraph
        self._names_of: tuple[object, int, dict[str, dict[str, int]]] | None = None
        self._counted: tuple[int, dict[str, int]] = (-1, {})

    # -- evidence ------------------------------------------------------------------------------
    def _extra_passages(self, concept_id: str) -> list[str]:
        """Instructors' passages the retriever holds for this concept (beyond the course file's text)."""
        own = " ".join(self.course.concepts[concept_id].text.split())
        return [
            t
            for t, o in zip(self.retriever.passages.texts, self.retriever.passages.owner, strict=True)
            if o == concept_id and " ".join(t.split()) not in own
        ]

    def sentences(self, concept_id: str) -> tuple[list[str], np.ndarray]:
        """The concept's sentences (our splitter) and their vectors (the embedder's cache makes this cheap)."""
        count = self._passage_counts().get(concept_id, 0)
        cached = self._bank.get(concept_id)
        if cached is None or cached[0] != count:
            concept = self.course.concepts[concept_id]
            texts: list[str] = []
            opens: set[int] = set()
            extras = self._extra_passages(concept_id)
            for paragraph in [*re.split(r"\n\s*\n", concept.text), *extras]:
                said = split_sentences(paragraph)
                if said:
                    opens.add(len(texts))
                texts += said
            for extra in extras:
                self.judge.vocabulary.add(concept_id, extra)
            self._opens[concept_id] = frozenset(opens)
            vecs = self.retriever.embedder.encode(texts) if texts else np.zeros((0, 1), dtype="float32")
            self._bank[concept_id] = (count, texts, vecs)
            cached = self._bank[concept_id]
        return cached[1], cached[2]

    def _passage_counts(self) -> dict[str, int]:
        """Passages per concept; counted again only when passages were added (instructors' passages are appended,
        never removed): counting them for every sentence lookup was a tenth of composing an answer."""
        owner = self.retriever.passages.owner
        if self._counted[0] != len(owner):
            self._counted = (len(owner), dict(Counter(owner)))
        return self._counted[1]

    def _ranked(
        self, concept_id: str, qvec: np.ndarray, bonus: re.Pattern[str] | None
    ) -> list[tuple[float, int]]:
        texts, vecs = self.sentences(concept_id)
        if not texts:
            return []
        sims = vecs @ qvec
        # a nudge towards the kind of sentence asked for; for "what's the catch?" and "how do you prevent it?"
        # a rule: the sentences about costs and limits, or about remedies, come first (the closest sentence to
        # "<concept>. the catch?" is its definition)
        weight = 1.0 if bonus in FIRST else 0.08
        scored = [
            (float(s) + (weight if bonus is not None and bonus.search(t) else 0.0), j)
            for j, (s, t) in enumerate(zip(sims, texts, strict=True))
        ]
        if bonus in (CAUSAL, PROCEDURE) and scored and not bonus.search(texts[0]):
            # a why or a how: the concept's opening sentence says what it is, not why or how; it is nearest
            # "<concept>. why ..."
            scored[0] = (scored[0][0] - OPENING_PENALTY, 0)
        return sorted(scored, reverse=True)

    def _pick(
        self, concept_id: str, qvec: np.ndarray, bonus: re.Pattern[str] | None, most: int, skip: str = ""
    ) -> str:
        """The best `most` sentences, in the course's order; a sentence leaning on the one before brings it."""
        texts, _ = self.sentences(concept_id)
        return " ".join(texts[j] for j in self._chosen(concept_id, qvec, bonus, most, skip))

    def _chosen(
        self, concept_id: str, qvec: np.ndarray, bonus: re.Pattern[str] | None, most: int, skip: str = ""
    ) -> list[int]:
        """`_pick`'s sentences, as their places in the concept's text, in order."""
        texts, _ = self.sentences(concept_id)
        chosen: list[int] = []
        ranked = self._ranked(concept_id, qvec, bonus)
        if bonus in FIRST and any(bonus.search(texts[j]) for _, j in ranked):
            # "how do you prevent it", "give an example": only the sentences of that kind, not the definition
            # that is nearest "<concept>. how do you prevent it"
            ranked = [(score, j) for score, j in ranked if bonus.search(texts[j])]
        for _, j in ranked:
            if len(chosen) >= most:
                break
            if texts[j] in skip or texts[j] in (texts[c] for c in chosen):
                continue
            opens = self._opens[concept_id]
            group = [j - 1, j] if _leans_on_previous(texts, j, opens) and j - 1 not in chosen else [j]
            if announces(texts[j], j in opens) and j + 1 < len(texts) and j + 1 not in chosen:
                group.append(j + 1)  # "The method has limits too." says nothing without what follows
            if len(chosen) + len(group) > most + 1:
                continue
            chosen += group
        return sorted(set(chosen))

    def _with_conclusion(self, concept_id: str, chosen: list[int]) -> str:
        """A quote of how things pull against each other (`chosen`, from `_chosen`), with the sentence of the same
        paragraph, one or two on, that says what follows for the model ("An aligned model therefore balances the
        attributes ..."): a gap left out is marked with an ellipsis."""
        texts, _ = self.sentences(concept_id)
        opens = self._opens[concept_id]
        quoted = " ".join(texts[j] for j in chosen)
        if not chosen:
            return quoted
        last = chosen[-1]
        for k in (last + 1, last + 2):
            if k >= len(texts) or any(i in opens for i in range(last + 1, k + 1)):
                break
            if _CONCLUDES.search(texts[k]) and TENSION.search(texts[k]):
                return f"{quoted} {'… ' if k > last + 1 else ''}{texts[k]}"
        return quoted

    def _defining_sentence(self, subject: str, concept_ids: Sequence[str]) -> tuple[str, str]:
        """(concept id, sentence) that defines `subject` ("PPO (Schulman et al., 2017) updates ..."), or ("", "")."""
        word = re.escape(subject.strip().lower())
        if not word:
            return "", ""
        pattern = _rx(
            rf"\b{word}\b\s*(\([^)]*\)\s*)?,?\s*(is|are|means|refers|stands|[a-z]{{3,}}s)\b|\(\s*{word}\s*(\)|,[^)]*\d)"
        )
        for cid in concept_ids:
            for sentence in self.sentences(cid)[0]:
                if pattern.search(sentence.lower()):
                    return cid, sentence
        return "", ""

    def _best(self, concept_id: str, qvec: np.ndarray, bonus: re.Pattern[str] | None) -> float:
        """The score of the concept's sentence nearest the question (with `bonus`), -1 when it has none."""
        return self._nearest(concept_id, qvec, bonus)[0]

    def _nearest(self, concept_id: str, qvec: np.ndarray, bonus: re.Pattern[str] | None) -> tuple[float, str]:
        """(score, text) of the concept's sentence nearest the question (with `bonus`); (-1, "") when it has none."""
        ranked = self._ranked(concept_id, qvec, bonus)
        return (ranked[0][0], self.sentences(concept_id)[0][ranked[0][1]]) if ranked else (-1.0, "")

    def _called(self, said: str) -> str:
        """The concept called `said` (plain words) by its title or an alias; of several with the alias, the one
        that lists it earliest ("sft" is instruction alignment's first alias, a later one of others'); or ""."""
        # "finetuning" is "fine tuning", "bestofn" "best of n"
        named = self._name_index().get(said.replace(" ", ""))
        return min(named, key=named.__getitem__) if named else ""

    def _name_index(self) -> dict[str, dict[str, int]]:
        """Each title and alias in plain words without spaces -> {concept: where it is in the concept's list of
        names}, concepts in the course's order; built once per course (it was rebuilt for every name asked)."""
        concepts = self.course.concepts
        if self._names_of is None or self._names_of[0] is not concepts or self._names_of[1] != len(concepts):
            index: dict[str, dict[str, int]] = {}
            for cid, c in concepts.items():
                for i, name in enumerate((c.title, *c.aliases)):
                    index.setdefault(plain_words(name).replace(" ", ""), {}).setdefault(cid, i)
            self._names_of = (concepts, len(concepts), index)
        return self._names_of[2]

    def _definer(self, intent: I.Intent, concepts: Sequence[str], qvec: np.ndarray) -> str:
        """For "what is X?" when the top concept is not X itself: the concept called X, else the concept whose
        summary defines X (the retrieved ones first, then the closest of the rest), or ""."""
        top = concepts[0]
        called = self._called(plain_words(intent.subject)) if intent.subject else ""
        if not called and intent.subject:
            # "whats DPO in alignment?": the concept called DPO, unless a retrieved title says both ("alignment in
            # robotics" is *AI Alignment in Robotics*, not alignment)
            within = _WITHIN.match(plain_words(intent.subject))
            if within:
                both = set(_terms(f"{within.group(1)} {within.group(3)}"))
                titled = any(both <= set(_terms(self.course.concepts[c].title)) for c in concepts[:3])
                called = "" if titled else self._called(within.group(1)) or self._defined_apart(intent.subject, top)
        if called:
            return called if called != top else ""
        user = self._user_of(plain_words(intent.subject), top, concepts[:3]) if intent.subject else ""
        if user:  # "what's a value model": PPO, which uses the phrase, not human values, which is closer
            return user
        if not intent.subject:
            return ""
        said = plain_words(intent.subject)
        headed = [
            c for c in concepts[:3] if f"{plain_words(self.course.concepts[c].title)} ".startswith(f"{said} ")
        ]
        if headed and headed[0] != top and defines(self.course.concepts[headed[0]].summary, intent.subject):
            # "what is prompting": *Prompting in Language Models*, before a concept on prompting's efficiency
            return headed[0]
        if defines(self.course.concepts[top].summary, intent.subject):
            return ""
        if set(_terms(intent.subject)) == self._names(top):
            return ""
        found = [c for c in self.course.concepts if defines(self.course.concepts[c].summary, intent.subject)]
        if not found:
            return ""
        retrieved = [c for c in concepts if c in found]
        if retrieved:
            return retrieved[0]
        return max(found, key=lambda c: self._best(c, qvec, None))

    def _same_or_not(self, question: str) -> tuple[str, str] | None:
        """For "is A the same as B?" when the course names both, by a title, an alias or the start of a title: the two
        concepts (equal when A and B name one), else None."""
        m = SAME_ASK.match(question.strip())
        if not m:
            return None
        named = []
        for side in (m.group("a") or m.group("a2"), m.group("b") or m.group("b2")):
            said = plain_words(re.sub(r"^(the|a|an) ", "", side.strip(), flags=re.IGNORECASE))
            cid = self._called(said)
            if not cid and len(said.split()) >= 2:  # "human preference alignment": *Human Preference Alignment via ...*
                cid = next((c for c, x in self.course.concepts.items() if f"{plain_words(x.title)} ".startswith(f"{said} ")), "")
            if not cid:
                return None
            named.append(cid)
        return named[0], named[1]

    def _spelt_out(self, subject: str, concept_id: str) -> str:
        """ "SFT stands for supervised fine-tuning.", when the subject starts with an acronym among the concept's
        aliases whose title does not spell it out, and another of its names has those initials; else ""."""
        words = subject.split()
        c = self.course.concepts[concept_id]
        acronym = next((a for a in c.aliases if words and a.isupper() and a.lower() == words[0].lower()), "")
        if not acronym or f"({acronym})" in c.title:
            return ""
        for name in (re.sub(r"\s*\([^)]*\)", "", c.title), *c.aliases):
            initials = [w[0] for w in re.split(r"[\s-]+", name.lower()) if w and w not in _TITLE_SMALL]
            if name != acronym and "".join(initials) == acronym.lower():
                return f"{acronym} stands for {name}."
        return ""

    def _dated(self, concept_id: str, qvec: np.ndarray) -> str:
        """The concept's sentence nearest the question among those that give a year (with the sentence it leans on),
        or "" when none does."""
        texts, _ = self.sentences(concept_id)
        for _, j in self._ranked(concept_id, qvec, None):
            if DATED.search(texts[j]):
                return " ".join(_with_antecedent(texts, j, self._opens[concept_id]))
        return ""

    def _defined_apart(self, subject: str, top: str) -> str:
        """For "X in Y" ("a reward model in RLHF"): the one concept whose summary defines X, when it is not `top`
        and `top`'s summary does not, else "": the reward model's own definition, before RLHF's passing mention."""
        within = _WITHIN.match(plain_words(subject))
        if not within or defines(self.course.concepts[top].summary, within.group(1)):
            return ""
        found = [c for c, concept in self.course.concepts.items() if defines(concept.summary, within.group(1))]
        return found[0] if len(found) == 1 and found[0] != top else ""

    def _focus(self, subject: str, concept_id: str, phrase_only: bool = False) -> re.Pattern[str] | None:
        """For a follow-up that names a detail of the last answer's concept ("what does beta do in it?", "what
        is honesty here?"): a pattern for the sentences that mention it, or None (no such detail, or the words
        only name the concept itself)."""
        names = self._names(concept_id)
        alternatives, stems = [], []
        for word in tokenize(subject):
            if word in NOT_A_DETAIL or word in names or not word.isalpha():
                continue
            root = _terms(word)[0].rstrip("y") if _terms(word) else word
            if len(root) >= 5 and root[-1] == root[-2]:
                root = root[:-1]  # "clipping" -> "clipp" -> "clip"
            pattern = rf"\b{re.escape(root)}\w*" if len(root) >= 4 else rf"\b{re.escape(word)}s?\b"
            stems.append(rf"{re.escape(root)}\w*" if len(root) >= 4 else rf"{re.escape(word)}s?")
            if word in GREEK:
                pattern += "|" + re.escape(GREEK[word])
            alternatives.append(pattern)
        texts = self.sentences(concept_id)[0]
        if len(stems) >= 2:  # "the value model": the words together, where the concept says them together
            phrase = re.compile(r"\b" + r"[\s-]+".join(stems) + r"\b", re.IGNORECASE)
            if any(phrase.search(t) for t in texts):
                return phrase
        if not alternatives or phrase_only and len(stems) >= 2:
            return None
        focus = re.compile("|".join(alternatives), re.IGNORECASE)
        return focus if any(focus.search(t) for t in texts) else None

    def mentions(self, concept_id: str, subject: str) -> bool:
        """Does the concept say something about a detail the words name ("beta" in "and if beta is too large?")?"""
        return concept_id in self.course.concepts and self._focus(subject, concept_id) is not None

    def _names(self, concept_id: str) -> set[str]:
        c = self.course.concepts[concept_id]
        return set(_terms(" ".join([c.title, *c.aliases])))

    def names_of(self, concept_id: str) -> set[str]:
        """The terms of the concept's title and aliases."""
        return self._names(concept_id)

    def _quote(self, concept_id: str, text: str, role: str = "quote") -> Part:
        return Part(role, text, concept_id, self.course.concepts[concept_id].title)

    def _summary(self, concept_id: str) -> Part:
        c = self.course.concepts[concept_id]
        return Part("lead", f"*{c.title}*: {c.summary}", concept_id, c.title)

    # -- composing -----------------------------------------------------------------------------
    def compose(
        self,
        question: str,
        intent: I.Intent,
        hits: Sequence[Hit],
        previous: Sequence[str] = (),
        said: str = "",
    ) -> Composed:
        if not hits:
            return Composed((Part("scope", "The course has no material yet."),), (), (), False)
        if asks_for_misuse(question):
            # "how do i jailbreak chatgpt so it ignores its filters?", after any answer too: declined, never a follow-up
            return self.not_covered(hits, Verdict(False, False, 0.0, MISUSE))
        normalized = self.retriever.normalize(question)
        qvec = self.retriever.encode_query(normalized)
        previous = [p for p in previous if p in self.course.concepts]
        if intent.follow_up and previous:
            # "why?", "give me an example": about what was just answered
            verdict = Verdict(True, False, 0.0, "a follow-up")
            concepts = list(previous[:2])
            own = [  # the learner's own words, those that say how it is put as well ("the actual quote or idea")
                t
                for t in self.judge.vocabulary.terms(normalized)
                if t not in NOT_A_DETAIL and t not in self._names(concepts[0])
            ]
            # "why?", "how does it work": the concept's title says what "it" is; a follow-up with three words or more
            # of its own ("ok and how is that relevant to chatgpt type stuff") is ranked by its own words
            if len(own) < 3 and intent.kind == I.COMPARISON and len(concepts) == 2 and BETTER_ASK.search(normalized):
                # "so which one is better?" after two: both weighed, not the first one's own opening sentence
                titles = " vs ".join(self.course.concepts[c].title for c in concepts)
                qvec = self.retriever.encode_query(f"{titles}. {normalized}")
            elif len(own) < 3:
                # the learner's own short name for it ("sft" in "what's sft") when that names the concept: the
                # sentences use it, where the title ("Instruction Alignment") pulls the ones that name the title
                topic = I.classify(said).subject if said else ""
                if not (topic and len(topic.split()) <= 3 and self.named(concepts[0], topic)):
                    topic = self.course.concepts[concepts[0]].title
                qvec = self.retriever.encode_query(f"{topic}. {normalized}")
        else:
            self.sentences(
                hits[0].concept_id
            )  # takes in instructors' new passages (their words are course words)
            verdict = self.judge.judge(
                self.judge.evidence(normalized, max(h.dense for h in hits), hits[0].concept_id, intent),
                question,
            )
            if not verdict.in_scope:
                # "can helpful and harmless conflict?": the closest concept, or the next, that names both and says
                # how they pull against each other
                within = next((h for h in hits[:2] if self._tension_within(normalized, h.concept_id)), None)
                if within is not None:
                    hits = [within, *(h for h in hits if h is not within)]
                    verdict = Verdict(True, False, verdict.score, TENSION_WITHIN)
            concepts = [h.concept_id for h in hits]
            if not self.named(concepts[0], normalized) and (
                # "ppo based rlhf needs like 4 models in memory": of two nearly tied, the one the message names
                (intent.kind == I.QUESTION and len(hits) > 1 and hits[0].score - hits[1].score <= EXPLAIN_TIE)
                # "who proposed DPO?": DPO's own history, not the concept on research in general that "proposed" drew
                or (WHEN_ASK.search(normalized) and intent.kind != I.WHY)
            ):
                runner = self._named_runner_up(hits, normalized)
                concepts = [runner, *(c for c in concepts if c != runner)] if runner else concepts
        if not verdict.in_scope:
            if intent.follow_up and not previous:  # "why?" with nothing before it: ask, don't forward
                return self.not_covered(
                    hits, Verdict(False, False, verdict.score, "a follow-up without context")
                )
            if verdict.related and not intent.follow_up and (intent.vague or verdict.guess):
                return self.best_guess(hits, verdict, qvec, near_miss=not intent.vague)
            if verdict.reason == MENTIONED_ONLY:
                # "what is LoRA and should i use it ...": the term it asked the meaning of first
                first = intent.defines and self.judge.vocabulary.mentioned_only(intent.defines)
                return self.mentioned(hits, verdict, intent.defines if first else intent.subject)
            return self.not_covered(hits, verdict)
        same = self._same_or_not(question)  # both named, so even after another answer it leans on nothing
        if same is not None and same[0] == same[1]:
            # "is sft the same as instruction tuning?": two names of one thing
            title = self.course.concepts[same[0]].title
            parts = [Part("verdict", f"Yes: the course uses both names for one thing, *{title}*."), self._summary(same[0])]
            parts.append(self._quote(same[0], self._pick(same[0], qvec, None, 2, skip=parts[1].text)))
        elif same is not None:
            # "is instruction alignment the same as human preference alignment?": no; each, then what sets them apart
            a, b = (self.course.concepts[c].title for c in same)
            sides = replace(intent, kind=I.COMPARISON, sides=(a, b))
            parts = [
                Part("verdict", f"No, they are different things: *{a}* and *{b}*."),
                *self._comparison(sides, list(same), qvec, (), normalized),
            ]
        elif intent.kind == I.COMPARISON:
            parts = self._comparison(intent, concepts, qvec, previous, normalized)
        else:
            parts = self._single(
                intent,
                concepts,
                qvec,
                () if intent.follow_up and previous else hits,
                normalized,
                said if intent.follow_up and previous else "",
            )
        main = next(p.concept_id for p in parts if p.concept_id)
        nexts = tuple(self.course.next_after(main)[:2])
        if nexts:
            names = " and ".join(f"*{self.course.concepts[n].title}*" for n in nexts)
            parts.append(Part("next", f"Learn next: {names}. Test yourself with /quiz {main}"))
        else:
            parts.append(Part("next", f"Test yourself with /quiz {main}"))
        parts = self._trim(parts)
        sources = tuple(dict.fromkeys(p.concept_id for p in parts if p.role in ("quote", "contrast")))
        about = tuple(dict.fromkeys(p.concept_id for p in parts if p.concept_id))
        return Composed(tuple(parts), sources, about, True, False, nexts, verdict)

    def _tension_within(self, question: str, concept_id: str) -> bool:
        """ "can helpful and harmless pull in opposite directions?": asks whether two or more things the concept
        itself names pull against each other, and the concept says how they do; in scope, however far the
        question's wording is from its sentences."""
        if not TENSION_ASK.search(question):
            return False
        vocabulary = self.judge.vocabulary
        things = [t for t in vocabulary.question_terms(question) if t not in _TENSION_WORDS]
        if len(things) < 2 or not all(vocabulary.uses(concept_id, t) for t in things):
            return False
        return any(TENSION.search(t) for t in self.sentences(concept_id)[0])

    def named(self, concept_id: str, question: str) -> bool:
        """Whether the question names the concept: its title or one of its aliases, as words."""
        c = self.course.concepts[concept_id]
        said = f" {plain_words(question)} "
        return any(f" {plain_words(name)} " in said for name in (c.title, *c.aliases) if plain_words(name))

    def _settled(self, question: str, hits: Sequence[Hit]) -> bool:
        """Does the closest concept stand: ahead of the second by more than EXPLAIN_TIE, or named by the question
        ("why is there a KL penalty in RLHF?" is asked of RLHF)?"""
        first, second = hits[0], hits[1]
        return first.score - second.score > EXPLAIN_TIE or self.named(first.concept_id, question)

    def _named_runner_up(self, hits: Sequence[Hit], text: str) -> str:
        """The second or third closest concept that `text` names by its title or an alias, else ""."""
        return next((h.concept_id for h in hits[1:3] if self.named(h.concept_id, text)), "")

    def _nth_item(self, ordinal: int, said: str, concept_id: str) -> str:
        """The item an ordinal points at ("the second one" is 2, "the last" -1, "the middle one" 0) in the list the
        learner's last question named ("what do helpful, honest and harmless mean"), else in the concept's summary;
        "" if none."""
        for text in (said, self.course.concepts[concept_id].summary):
            found = _ITEMS.search(text)
            if not found:
                continue
            items = [i.strip() for i in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", found.group(0))]
            items = [i for i in items if i]
            width = max(len(i.split()) for i in items[1:]) if len(items) > 1 else 1
            items[0] = " ".join(items[0].split()[-width:])  # "what do helpful": "helpful"
            item = I.nth(items, ordinal)
            if item:
                return item
        return ""

    def _lists_better(self, question: str, hits: Sequence[Hit]) -> str:
        """A list question whose two closest concepts are nearly tied: the one whose summary is a list ("list
        the alignment methods we covered": the concept that names the three approaches, not the one on what
        alignment is), unless the question names the first; one of the next two if the question names it ("what
        are the steps of rlhf": RLHF's stages, not the alignment steps after pre-training)."""
        first, second = hits[0], hits[1]
        of = _STEPS_OF.search(question)
        if of and not self.named(first.concept_id, question):
            # "steps of rlhf list pls": the steps of the concept named after "of", though the concept titled with
            # alignment's steps is well ahead
            # ("main steps of RLHF.": RLHF by its name, though its generic words left it below the closest three)
            owner = self._named_runner_up(hits, of.group("x")) or self._called(plain_words(of.group("x")))
            if owner:
                return owner
        if self._settled(question, hits):
            return first.concept_id
        named = self._named_runner_up(hits, question)
        if named:
            return named
        if _SEQUENCE_ASK.search(question):
            # "list the steps of alignment": the concept whose title says it is a sequence of steps, when it is among
            # the closest and the others merely talk about alignment
            titled = [
                h.concept_id
                for h in hits[:3]
                if _SEQUENCE_ASK.search(self.course.concepts[h.concept_id].title)
            ]
            if titled:
                return titled[0]
        listed = [bool(_SERIES.search(self.course.concepts[h.concept_id].summary)) for h in (first, second)]
        return second.concept_id if listed == [False, True] else first.concept_id

    def _explains_better(
        self, question: str, hits: Sequence[Hit], qvec: np.ndarray, bonus: re.Pattern[str] | None
    ) -> str:
        """A "why"/"how" question whose two closest concepts are nearly tied: the one with the sentence that
        explains it ("why are human values hard to align to?" is answered by the concept on how diverse and
        conflicting values are, not by the one that defines value alignment)."""
        first, second = hits[0], hits[1]
        doer = _HOW_DOES.match(plain_words(question)) if bonus in (PROCEDURE, REMEDY) else None
        does = doer.group(1) if doer else ""
        if does and not self.named(first.concept_id, does):
            # "how does dpo avoid needing RL": what DPO does, told by DPO, when "how does X" names it
            named = self._named_runner_up(hits, does)
            if named:
                return named
        if self._settled(question, hits):
            return first.concept_id
        if bonus is CAUSAL:
            # "why doesnt sft alone fully align the model?": SFT's own limits (a "how" keeps the closest: "how does
            # the kl penalty get into the reward in rlhf" is told with PPO's per-token penalty)
            named = self._named_runner_up(hits, question)
            if named:
                return named
        (ours, our_sentence), (theirs, their_sentence) = (
            self._nearest(h.concept_id, qvec, bonus) for h in (first, second)
        )
        if theirs - ours < EXPLAIN_MARGIN:
            return first.concept_id
        # "how do you train a reward model from rankings": best-of-N's sentence ("... score every one with the reward
        # model ...") is nearer by the model's measure, but says less of what is asked than the first concept's
        # ("first train a reward model that predicts ..."): the runner-up explains it only if it says as much
        asked = set(_terms(question))
        said = [len(asked & set(_terms(sentence))) for sentence in (our_sentence, their_sentence)]
        return second.concept_id if said[1] >= said[0] else first.concept_id

    def _single(
        self,
        intent: I.Intent,
        concepts: Sequence[str],
        qvec: np.ndarray,
        hits: Sequence[Hit] = (),
        question: str = "",
        said: str = "",
    ) -> list[Part]:
        top = concepts[0]
        parts: list[Part] = []
        # (not "why was DPO proposed if RLHF already works?", a reason)
        dated = self._dated(top, qvec) if WHEN_ASK.search(question) and intent.kind != I.WHY else ""
        if dated:  # "who proposed DPO?": the sentence that cites the paper and its year, then the gist
            return [self._quote(top, dated), self._summary(top)]
        consequence = intent.kind == I.QUESTION and intent.consequence
        instead = _INSTEAD_ASK.search(question) if intent.kind == I.WHY else None
        if instead:
            # the reason is the one that rules the learner's alternative out: ranked by the question and by it
            mixed = qvec + self.retriever.encode_query(instead.group("alt"))
            qvec = mixed / (np.linalg.norm(mixed) or 1.0)
        focus = (
            self._focus(intent.subject, top)
            if intent.follow_up and intent.ordinal is None and intent.kind in (I.DEFINITION, I.QUESTION)
            else None
        )
        if (
            intent.follow_up
            and _ALTERNATIVE_ASK.search(intent.subject)
            and any(ALTERNATIVE.search(t) for t in self.sentences(top)[0])
        ):
            focus = ALTERNATIVE  # "so whats the alternative": what the concept is set against ("apart from prompting")
        if (
            intent.follow_up
            and _REPLACEMENT_ASK.search(question)
            and any(REPLACEMENT.search(t) for t in self.sentences(top)[0])
        ):
            focus = REPLACEMENT  # "so what do u put instead" after the head is discarded: what takes its place
        called = _ITEM_ONE.search(question) if intent.ordinal is None else None
        if (
            called
            and called.group(1).lower() not in I.ORDINAL_WORDS
            and intent.kind in (I.QUESTION, I.DEFINITION, I.EXAMPLE)
            and re.search(rf"\b{re.escape(called.group(1))}\b", self.course.concepts[top].summary, re.IGNORECASE)
        ):
            # "and what does the honest one look like in practice?" after the three H's: the item of the concept's
            # list named as such
            item_word = re.compile(rf"\b{re.escape(called.group(1))}\w*", re.IGNORECASE)
            told = self._detail(top, qvec, item_word, explained=True)
            if told:
                return told
        if intent.follow_up and intent.ordinal is not None and intent.kind in (I.QUESTION, I.DEFINITION):
            # "the second one?" after "helpful, honest and harmless": what the course says of "honest"
            item = self._nth_item(intent.ordinal, said, top)
            # the item as written, even when it is part of the concept's own name ("honest" in HHH)
            about = re.compile(rf"\b{re.escape(item)}\w*", re.IGNORECASE) if item else None
            if about is not None and not any(about.search(t) for t in self.sentences(top)[0]):
                about = None
            told = self._detail(top, qvec, about, explained=True) if about is not None else None
            if told:
                return told
        if focus is not None and consequence:
            # "what happens if N is too big": of the sentences about N, the one that says what follows
            texts, _ = self.sentences(top)
            ranked = [(s, j) for s, j in self._ranked(top, qvec, CONSEQUENCE) if focus.search(texts[j])]
            if ranked and CONSEQUENCE.search(texts[ranked[0][1]]):
                return [
                    self._quote(top, " ".join(_with_antecedent(texts, ranked[0][1], self._opens[top]))),
                    self._summary(top),
                ]
        tension = bool(TENSION_ASK.search(question))
        if focus is not None and AMOUNT_ASK.search(question):
            # "how much data do u need for it": of the sentences that give an amount, the nearest (those about the
            # data nudged first), not the sentence on what the data are
            texts, _ = self.sentences(top)
            nearest = [j for _, j in self._ranked(top, qvec, focus)]
            amounts = [j for j in nearest if AMOUNT.search(texts[j])]
            if amounts:
                lead = _with_antecedent(texts, amounts[0], self._opens[top])
                # "like millions of examples?": whether it is a lot, said in words, before the figure
                sized = next((j for j in nearest if focus.search(texts[j]) and SIZE.search(texts[j])), None)
                if sized is not None and texts[sized] not in lead:
                    in_words = _with_antecedent(texts, sized, self._opens[top])
                    lead = [t for t in texts if t in in_words or t in lead]  # in the course's order
                return [self._quote(top, " ".join(lead)), self._summary(top)]
        if focus is not None and not tension:
            # "what does beta do in it?": the sentences about beta lead, then the gist
            return self._detail(top, qvec, focus) or []
        if tension and intent.kind in (I.QUESTION, I.DEFINITION, I.WHY):
            # "can they conflict?": how the things pull against each other, not what they are
            return [self._quote(top, self._with_conclusion(top, self._chosen(top, qvec, TENSION, 2))), self._summary(top)]
        if intent.kind == I.LIST:
            if len(hits) > 1 and not intent.follow_up:
                top = self._lists_better(question, hits)
            texts, _ = self.sentences(top)
            summary = self.course.concepts[top].summary
            enumerations = [
                (s, j) for s, j in self._ranked(top, qvec, ENUMERATION) if ENUMERATION.search(texts[j])
            ]
            if _SEQUENCE_ASK.search(intent.subject):  # the steps, before another list of the concept
                enumerations.sort(key=lambda ranked: not _SEQUENCE.search(texts[ranked[1]]))
            if ENUMERATION.search(summary) or _SERIES.search(summary):
                parts.append(self._summary(top))
            elif enumerations:
                j = enumerations[0][1]
                listed = texts[j : j + 2] if announces(texts[j], j in self._opens[top]) else texts[j : j + 1]
                parts.append(self._quote(top, " ".join(listed)))
            else:
                parts.append(self._summary(top))
            parts.append(self._quote(top, self._pick(top, qvec, ENUMERATION, 2, skip=parts[0].text)))
            return parts
        if intent.kind == I.DEFINITION and not intent.follow_up:
            # "what is the policy in rlhf", "in rlhf when they say 'policy' what is that": the sentence of the
            # named concept that says what its detail is, not another concept with the word in its title
            context = (
                self._in_context(intent.subject, concepts[:3], question, qvec)
                if not self._defined_apart(intent.subject, concepts[0])
                else []
            )
            if context:
                return context
        if intent.kind == I.DEFINITION or intent.kind == I.QUESTION and not intent.follow_up:
            subject_terms = set(_terms(intent.subject))
            definer = (
                self._definer(intent, concepts, qvec)
                if intent.kind == I.DEFINITION and not intent.follow_up
                else ""
            )
            if definer:  # "what is fine-tuning?": the concept whose summary says what fine-tuning is
                top = definer
            elif intent.kind == I.DEFINITION and subject_terms and not subject_terms <= self._names(top):
                cid, sentence = self._defining_sentence(intent.subject, concepts[:3])
                if sentence:  # "what is PPO?": the sentence that says what PPO is, wherever it is
                    parts.append(self._quote(cid, sentence))
                    parts.append(self._summary(cid))
                    return parts
                # "what's the value model": the sentence that says what it is, in PPO
                detail = (
                    self._focus(intent.subject, top, phrase_only=True) if len(subject_terms) <= 3 else None
                )
                explained = self._detail(top, qvec, detail, explained=True) if detail else None
                if explained:
                    return explained
            spelt = self._spelt_out(intent.subject, top) if intent.kind == I.DEFINITION else ""
            if spelt:  # "sft meaning??": what the letters stand for, which the title (*Instruction Alignment*) does not say
                parts.append(Part("verdict", spelt))
            parts.append(self._summary(top))
            if intent.follow_up and not intent.subject:
                # "explain it simpler", "give me the intuition not the math": the gist and the passage's opening,
                # not the sentences nearest the learner's words (the loss formula is nearest "the math")
                texts, _ = self.sentences(top)
                if texts:
                    parts.append(self._quote(top, " ".join(_with_antecedent(texts, 0, self._opens[top]))))
                return parts
            parts.append(
                self._quote(top, self._pick(top, qvec, None, 2, skip=self.course.concepts[top].summary))
            )
            return parts
        motive = MOTIVE_ASK.search(question) if intent.kind == I.WHY and not intent.follow_up else None
        made = next((c for c in concepts[:3] if self.named(c, motive.group("x"))), "") if motive else ""
        if made:
            # "why was DPO proposed if RLHF already works?": what DPO gains, from DPO
            return [self._quote(made, self._pick(made, qvec, BENEFIT, 2)), self._summary(made)]
        if intent.kind == I.WHY and not intent.follow_up:
            # "why is there a KL penalty in RLHF?": the reason about the penalty, not RLHF's definition
            reason = self._in_context(intent.subject, concepts[:3], question, qvec, why=True)
            if reason:
                return reason
            # "why do we need the kl thing", naming no concept: the closest concept's reason about the detail it
            # names (KL), not the sentence nearest "need" (the costs that "motivated" DPO)
            named = any(self.named(c, question) for c in concepts[:3])
            about = None if named else self._detail_focus(intent.subject, top, phrase_only=True)
            reason = self._reason_about(top, qvec, about) if about is not None else None
            if reason:
                return reason
        if intent.kind == I.WHY and said and focus is None:
            # "why tho, wouldnt it learn faster without it" after that question: still about the penalty; in the
            # concept the last message named whose reason says more of it ("the rlhf objective has a KL term ..."
            # answered from PPO, whose per-token KL sentence gives no reason, then "why is it there?")
            earlier = I.classify(said).subject
            options = [top, *(c for c in self.course.concepts if c != top and self.named(c, said))]
            reasons: list[tuple[int, bool, int, str, re.Pattern[str]]] = []
            for cid in options:
                about = self._said_detail(earlier, cid)
                if about is not None:
                    named = cid != top or self.named(top, said)  # among equals, the one the learner named
                    reasons.append((-self._reason_reach(cid, about), not named, len(reasons), cid, about))
            for *_, cid, about in sorted(reasons, key=lambda r: r[:3]):
                reason = self._reason_about(cid, qvec, about)
                if reason:
                    return reason
        if (
            intent.kind == I.EXAMPLE
            and intent.follow_up
            and said
            and not self._terms_beyond_example(question)
        ):
            # "example?" after "what is the kl penalty in rlhf for": an example of the penalty at work (what goes
            # wrong without it), not of RLHF as a whole
            about = self._detail_focus(I.classify(said).subject, top)
            texts, _ = self.sentences(top)
            if about is not None and not any(about.search(t) and EXAMPLE.search(t) for t in texts):
                reason = self._reason_about(top, qvec, about)
                if reason:
                    return reason
        bonus = {I.WHY: CAUSAL, I.HOW: PROCEDURE, I.EXAMPLE: EXAMPLE, I.DRAWBACK: LIMITS}.get(intent.kind)
        if intent.kind in (I.HOW, I.QUESTION) and STOPPING.search(question):
            bonus = REMEDY  # "how do you prevent that": what keeps it from happening, not how the thing works
        if intent.kind == I.QUESTION and intent.ordinal is not None:
            bonus = ENUMERATION
        elif consequence:
            bonus = CONSEQUENCE  # "what happens if N is too big": what follows from it
        elif intent.kind in (I.HOW, I.QUESTION) and AMOUNT_ASK.search(question):
            bonus = AMOUNT  # "how much data do u need for it": how much, not what the data are
        elif intent.kind == I.WHY and BENEFIT_ASK.search(question):
            bonus = BENEFIT  # "why would anyone go with dpo": what it gains
        if intent.kind in (I.WHY, I.HOW) and not intent.follow_up and len(hits) > 1:
            top = self._explains_better(question, hits, qvec, bonus)
        if intent.kind in (I.HOW, I.QUESTION) and STAGES_ASK.search(question) and bonus in (PROCEDURE, None):
            # "walk me through each one step by step": the sentence that lists the steps, in order (once the concept
            # is chosen: "how does rlhf work step by step" is RLHF's steps, not the alignment pipeline's)
            bonus = STAGES
        summary = self.course.concepts[top].summary
        # a why or a how only: in "is rlhf fine tuning or not" the name is what is asked
        if not intent.follow_up and intent.kind in (I.WHY, I.HOW):
            qvec = self._within(top, question, qvec)
        if intent.kind == I.HOW and bonus is PROCEDURE and not intent.follow_up:
            # "how does ppo use the value model": the sentence that says what the value model is and does, not the
            # ones nearest "ppo"
            about = self._detail_focus(intent.subject, top, phrase_only=True)
            how = self._detail(top, qvec, about, explained=True) if about is not None else None
            if how:
                return parts + how
        if (
            intent.kind == I.HOW
            and bonus is PROCEDURE
            and len({m.lower() for m in PROCEDURE.findall(summary)}) >= 2
        ):
            # the summary already says how it works ("draws N candidates, scores each ..."): it leads
            parts.append(self._summary(top))
            parts.append(self._quote(top, self._pick(top, qvec, bonus, 2, skip=summary)))
            return parts
        parts.append(self._quote(top, self._pick(top, qvec, bonus, QUOTED)))
        parts.append(self._summary(top))
        return parts

    def _terms_beyond_example(self, question: str) -> bool:
        """Does an example request name something of its own ("an example of reward hacking")?"""
        rest = re.sub(
            r"\b(examples?|give|me|an?|some|one|another|pls|please|like|of|for|real|world|concrete)\b",
            " ",
            question.lower(),
        )
        return bool(_terms(rest))

    def _within(self, concept_id: str, question: str, qvec: np.ndarray) -> np.ndarray:
        """The question's vector for ranking the concept's own sentences: its names said as "it", when the question
        says more than the name ("how does the reward model get used during ppo": within PPO, "ppo" tells no
        sentence from another, and the sentences that say "PPO" were nearest); `qvec` otherwise."""
        c = self.course.concepts[concept_id]
        plain = question
        for name in sorted({c.title, *c.aliases}, key=len, reverse=True):
            if name.strip():
                plain = _rx(rf"(?<![\w-]){re.escape(name)}s?(?![\w-])", re.IGNORECASE).sub("it", plain)
        names = self._names(concept_id)
        own = [
            t for t in self.judge.vocabulary.question_terms(plain) if t not in NOT_A_DETAIL and t not in names
        ]
        if plain == question or len(own) < 2:
            return qvec
        return self.retriever.encode_query(plain)

    def _detail_focus(self, subject: str, cid: str, phrase_only: bool = False) -> re.Pattern[str] | None:
        """The pattern for the concept's sentences about the detail `subject` names (`_detail_of`, `_focus`), or
        None when it names none."""
        words = self._detail_of(subject, cid)
        return self._focus(words, cid, phrase_only=phrase_only) if words else None

    def _detail_of(self, subject: str, cid: str) -> str:
        """The words of `subject` that name a detail of the concept ("kl penalty" in "there a kl penalty in
        rlhf"), without its own names; "" when nothing is left, the rest names a concept of its own ("ppo in
        rlhf") or is more than three terms."""
        rest = f" {plain_words(subject)} "
        c = self.course.concepts[cid]
        for name in sorted((c.title, *c.aliases), key=len, reverse=True):
            rest = _rx(rf" ((in|of|for|during|with|from|inside) )?{re.escape(plain_words(name))} ").sub(" ", rest)
        # "the kl term in the ppo objective for rlhf": "for rlhf" places it, another concept's name is no detail
        rest = re.sub(
            r"\b(in|of|for|during|with|from|inside) (\w+)\b",
            lambda m: " " if self._called(m.group(2)) else m.group(0),
            rest,
        )
        # "rlhf setup keep a reference model around": the detail is the reference model; "why not just sft, why do we
        # need rlhf": SFT is a concept of its own, no detail of RLHF
        rest = " ".join(
            w for w in rest.split() if w not in NOT_A_DETAIL and w not in _FRAME and self._called(w) in ("", cid)
        )
        # "the kl thing": with no other term, the course's two-letter acronyms (KL, RL) are the detail
        terms = set(_terms(rest)) or {w for w in rest.split() if w in self.judge.vocabulary.acronyms}
        if not terms or terms <= self._names(cid) or len(terms) > 3 or self._called(rest):
            return ""
        return rest

    def _in_context(
        self, subject: str, concepts: Sequence[str], question: str, qvec: np.ndarray, why: bool = False
    ) -> list[Part] | None:
        """For "what is X in Y?" where Y is a retrieved concept the question names by title or alias and X is a
        detail of it that names no concept itself: Y's sentence that says what X is, then Y's gist; else None.
        `why` ("why is there a KL penalty in RLHF?"): Y's sentence that gives a reason about X; of several named
        concepts ("the KL term in the ppo objective for rlhf"), the one whose reason says most of X's words."""
        named = [cid for cid in concepts if self.named(cid, question)]
        if why and len(named) > 1:
            strength = {}
            for cid in named:
                rest = self._detail_of(subject, cid)
                focus = self._focus(rest, cid) if rest else None
                strength[cid] = self._reason_reach(cid, focus) if focus is not None else 0
            named.sort(key=lambda cid: -strength[cid])  # stable: retrieval order among equals
        for cid in named:
            rest = self._detail_of(subject, cid)
            if not rest:
                continue  # "what is ppo in rlhf": PPO names a concept of its own
            focus = self._focus(rest, cid, phrase_only=not why)
            head = re.split(r" (?:in|of|for|during|inside|within) (?:the |a |an )?", rest)[0]
            if focus is None and head != rest:  # "beta in the kl penalty" (of RLHF): beta
                focus = self._focus(head, cid, phrase_only=not why)
            if focus is not None:
                if why:
                    return self._reason_about(cid, qvec, focus)
                told = self._detail(cid, qvec, focus, explained=True)
                if told is None and len(rest.split()) >= 2 and focus.pattern.count("[\\s-]+"):
                    # "what is the reference model in rlhf": no sentence says "the reference model is ...", but the
                    # one that places it in RLHF ("... a frozen reference model π_ref, usually the SFT model")
                    # tells more than RLHF's gist
                    told = self._detail(cid, qvec, focus)
                return told
        return None

    def _said_detail(self, subject: str, cid: str) -> re.Pattern[str] | None:
        """`_detail_focus` of what an earlier message said; when it says too much to name one detail ("the rlhf
        loss has this kl term subtracted from the reward"), the course's two-letter acronyms in it (KL)."""
        about = self._detail_focus(subject, cid)
        if about is None:
            acronyms = [w for w in tokenize(subject) if w in self.judge.vocabulary.acronyms]
            about = self._focus(" ".join(acronyms), cid) if acronyms else None
        return about

    def _reason_reach(self, cid: str, focus: re.Pattern[str]) -> int:
        """How many of a detail's words ("kl", "term", "objective") the concept says within a paragraph's stretch
        of three sentences that ends in a reason: RLHF's "The objective ... minus β times the KL divergence ...
        Without this term the policy can drift ..." says all three, PPO's clip sentence only "terms"."""
        texts, _ = self.sentences(cid)
        opens = self._opens[cid]
        best = 0
        for j, text in enumerate(texts):
            if not CAUSAL.search(text):
                continue
            start = j
            while start > max(0, j - 2) and start not in opens:
                start -= 1
            said = {m.group(0).lower()[:4] for k in range(start, j + 1) for m in focus.finditer(texts[k])}
            best = max(best, len(said))
        return best

    def _reason_about(self, cid: str, qvec: np.ndarray, focus: re.Pattern[str]) -> list[Part] | None:
        """Of the sentences about a detail (and those that continue them: "Without this term ..."), the two that
        give a reason (else are nearest the question), in the course's order with what they lean on; then the
        concept's gist. None if no sentence is about it."""
        texts, _ = self.sentences(cid)
        opens = self._opens[cid]
        about = {j for j, t in enumerate(texts) if focus.search(t)}
        about |= {j + 1 for j in about if j + 1 < len(texts) and _leans_on_previous(texts, j + 1, opens)}
        if not any(CAUSAL.search(texts[j]) for j in about):
            # no reason said where the detail is named: one given a sentence or two on, in the same paragraph
            # ("... a frozen reference model π_ref ..." / "In practice ..." / "Without this term the policy ...")
            about |= {
                k
                for j in about
                for k in (j + 1, j + 2)
                if k < len(texts)
                and not any(i in opens for i in range(j + 1, k + 1))
                and CAUSAL.search(texts[k])
            }
        chosen: list[int] = []
        ranked = sorted(
            (
                (bool(CAUSAL.search(texts[j])), score, j)
                for score, j in self._ranked(cid, qvec, None)
                if j in about
            ),
            reverse=True,
        )  # a sentence that gives a reason first
        for _, _, j in ranked:
            if j in chosen:
                continue
            group = [j - 1, j] if _leans_on_previous(texts, j, opens) and j - 1 not in chosen else [j]
            if chosen and len(chosen) + len(group) > 3:
                break
            chosen += group
            if len(chosen) >= 2:
                break
        if not chosen:
            return None
        return [self._quote(cid, " ".join(texts[j] for j in sorted(set(chosen)))), self._summary(cid)]

    def _detail(
        self, top: str, qvec: np.ndarray, focus: re.Pattern[str], explained: bool = False
    ) -> list[Part] | None:
        """The sentence about a detail of a concept ("Honest means ...", "β plays the same role as ...", "a value
        model, or critic, which predicts ..."), before one that only names it in passing, then the concept's
        gist. `explained`: only a sentence that says what the detail is will do (else None)."""
        texts, _ = self.sentences(top)
        opens = re.compile(rf"^(the |a |an )?({focus.pattern})", re.IGNORECASE)
        says = re.compile(
            # "β plays the same role as ...", "The clip keeps ...": what the detail is, or what it does
            rf"^(the |a |an )?({focus.pattern})\s+(is|are|means|refers|stands|measures|plays|controls|sets|"
            rf"determines|decides|governs|scales|weighs|weights|keeps|holds|limits|acts|serves)\b",
            re.I,
        )
        explains = re.compile(
            rf"({focus.pattern})\s*(\(|,\s*(or|which|that|i\.e\.)\b|\s+(is|are|means|which|that)\b)"
            rf"|\b(is|are|called|known as) (the |a |an )?({focus.pattern})\s*[,:(]",  # "the model is the policy, ..."
            re.I,
        )
        best = max(
            self._ranked(top, qvec, focus),
            key=lambda ranked: (
                bool(says.search(texts[ranked[1]])),
                bool(explains.search(texts[ranked[1]])),
                bool(opens.search(texts[ranked[1]])),
                focus.search(texts[ranked[1]]) is not None,
                ranked[0],
            ),
        )[1]
        if explained and not (says.search(texts[best]) or explains.search(texts[best])):
            return None
        lead = _with_antecedent(texts, best, self._opens[top])
        if announces(texts[best], best in self._opens[top]) and best + 1 < len(texts):
            lead.append(texts[best + 1])
        return [self._quote(top, " ".join(lead)), self._summary(top)]

    def _side(self, side: str, previous: Sequence[str]) -> str:
        """The concept a side of a comparison stands for: the last answer's for "it" or "that", the concept
        the side names by title or alias ("sft" is instruction alignment), else the closest one."""
        if I.anaphoric_side(side):
            second = side.strip().lower() in (
                "the other",
                "the other one",
                "the second",
                "the second one",
                "the latter",
            )
            return previous[1] if second and len(previous) > 1 else previous[0] if previous else ""
        said = plain_words(side)
        # "regular finetuning", "plain rlhf": the thing itself
        bare = _ORDINARY.sub("", said).strip() or said
        named = self._called(said) or self._called(bare)
        if named:
            return named
        found = self.retriever.search(side, k=10)
        if not found:
            return ""
        # "finetuning": the concept whose summary says what fine-tuning is, of those the side finds
        defined = [h.concept_id for h in found if defines(self.course.concepts[h.concept_id].summary, bare)]
        if defined and found[0].concept_id not in defined and len(bare.split()) <= 2:
            return defined[0]
        return self._user_of(said, found[0].concept_id) or found[0].concept_id

    def _user_of(self, said: str, closest: str, retrieved: Sequence[str] = ()) -> str:
        """For a phrase of two to four words ("a value model") that the closest concept by meaning never uses
        (human *values*): the first of the `retrieved` that uses it, else the concept that uses it most (PPO's
        critic); "" when the closest uses it or nothing does."""
        words = [w for w in said.split() if w not in ("a", "an", "the")]
        if not 2 <= len(words) <= 4 or len(tokenize(" ".join(words))) != len(words):  # content words only
            return ""
        phrase = _rx(r"\b" + r"[\s-]+".join(map(re.escape, words)) + r"s?\b", re.IGNORECASE)

        def uses(cid: str) -> int:
            c = self.course.concepts[cid]
            text = f"{c.title} {' '.join(c.aliases)} {c.summary} {c.text}"
            low = text.lower()
            if not all(w in low for w in words):  # the phrase needs each word as it is written
                return 0
            return len(phrase.findall(text))

        if uses(closest):
            return ""
        for cid in retrieved:
            if uses(cid):
                return cid
        counts = {cid: uses(cid) for cid in self.course.concepts}
        best = max(counts.values())
        return next(cid for cid in self.course.concepts if counts[cid] == best) if best else ""

    def _comparison(
        self,
        intent: I.Intent,
        concepts: Sequence[str],
        qvec: np.ndarray,
        previous: Sequence[str] = (),
        question: str = "",
    ) -> list[Part]:
        named = [self._side(side, previous) for side in intent.sides]
        if len(named) >= 2 and named[0] and len(set(named)) == 1:
            # "helpful vs harmless": two parts of one concept, answered from it (how they pull apart when asked)
            cid = named[0]
            if TENSION_ASK.search(question):
                return [self._quote(cid, self._with_conclusion(cid, self._chosen(cid, qvec, TENSION, 2))), self._summary(cid)]
            asked = self._focus(" ".join(intent.sides), cid)
            return [self._quote(cid, self._pick(cid, qvec, asked, 2)), self._summary(cid)]
        sides: list[str] = []
        for found in named:
            if found and found not in sides:
                sides.append(found)
        for cid in concepts:
            if len(sides) >= 2:
                break
            if cid not in sides:
                sides.append(cid)
        # "sft, rlhf and dpo": each of three or four named sides, when each names a concept of its own
        sides = sides[: len(sides) if len(sides) == len(intent.sides) > 2 else 2]
        parts = [self._summary(cid) for cid in sides]
        # the contrast: a sentence of either side that sets one against the other
        best: tuple[float, str, str] = (-1.0, "", "")
        # "which is cheapest": only what each costs, when a side says it (the definition is nearest "<title>. which")
        asks_cost = bool(COST.search(question)) and any(
            COST.search(t) for cid in sides for t in self.sentences(cid)[0]
        )
        # "which one comes first": a sentence that puts the two in order and names the other, when one does
        asks_order = bool(_ORDER_ASK.search(question)) and any(
            _ORDER.search(t) and self._names(other) & set(_terms(t))
            for cid, other in ((sides[0], sides[-1]), (sides[-1], sides[0]))
            for t in self.sentences(cid)[0]
        )
        when = WHEN_ASK.search(question) or FIRST_ASK.search(question)
        dates = [self._dated(cid, qvec) for cid in sides] if when and len(sides) > 1 else []
        if dates and all(dates):
            # "which came first, PPO or DPO?": each side's dated sentence, then the two gists
            return [*(self._quote(cid, d, "contrast") for cid, d in zip(sides, dates, strict=True)), *parts]
        if len(sides) == 1 and not asks_cost and not asks_order:
            # "so which one does chatgpt use" after the three approaches: which of the things one concept sets out
            cid = sides[0]
            return [self._quote(cid, self._pick(cid, qvec, None, 2)), self._summary(cid)]
        weighs = bool(BETTER_ASK.search(question))
        for cid, other in itertools.permutations(sides, 2) if len(sides) > 1 else [(sides[0], sides[0])]:
            other_names = self._names(other) | set(_terms(self.course.concepts[other].title))
            texts, vecs = self.sentences(cid)
            for j, (t, s) in enumerate(zip(texts, vecs @ qvec if len(texts) else [], strict=True)):
                bonus = 0.1 * bool(CONTRAST.search(t)) + 0.1 * bool(other_names & set(_terms(t)))
                bonus += 0.1 * (weighs and bool(WEIGHS.search(t)))
                if asks_cost and not COST.search(t):
                    continue
                if asks_order and not (_ORDER.search(t) and self._names(other) & set(_terms(t))):
                    continue
                if float(s) + bonus > best[0]:
                    # "These costs motivated simpler alternatives such as DPO.": with the sentence it leans on
                    lead = _with_antecedent(texts, j, self._opens[cid]) if DEMONSTRATIVE.match(t) else [t]
                    best = (float(s) + bonus, cid, " ".join(lead))
        if best[1]:
            # the order, asked for, leads; otherwise the contrast follows the two gists
            parts.insert(0 if asks_order else len(parts), self._quote(best[1], best[2], "contrast"))
        return parts

    def not_covered(self, hits: Sequence[Hit], verdict: Verdict) -> Composed:
        text = (
            "I'm not sure about that: as far as I can tell the course doesn't cover it, so I won't guess. "
            + _closest(hits, verdict)
        )
        if verdict.reason == MISUSE:
            text = (
                "I won't help get around a model's safeguards. What the course teaches is why such attacks work "
                "and how alignment and red-teaming defend against them: " + _closest(hits, verdict)
            )
        if not verdict.related and verdict.reason == "a follow-up without context":
            text += ' If you meant something I said before, ask again with its name, e.g. "why does RLHF use a reward model?"'
        closest = tuple(h.concept_id for h in hits[:3])
        return Composed((Part("scope", text),), (), closest, False, verdict.related, (), verdict)

    def mentioned(self, hits: Sequence[Hit], verdict: Verdict, subject: str) -> Composed:
        """A term the course uses but never teaches ("what is rlaif?"): where the course mentions it, said to be
        all it says, and the question passed on; "not covered" when no sentence names it."""
        said = subject.strip()
        word = _rx(rf"(?<![\w-]){re.escape(said)}(?![\w-])", re.IGNORECASE)
        order = dict.fromkeys([*(h.concept_id for h in hits), *self.course.concepts])
        for cid in order:
            sentence = next((t for t in self.sentences(cid)[0] if word.search(t)), "")
            found = word.search(sentence)
            if found:
                text = (
                    f"I'm not sure I can answer that from the course: it only mentions {found.group(0)} and "
                    f"doesn't cover it further. This is what it says, in *{self.course.concepts[cid].title}*:"
                )
                parts = (
                    Part("scope", text),
                    self._quote(cid, sentence),
                    Part("scope", _closest(hits, verdict)),
                )
                closest = tuple(h.concept_id for h in hits[:3])
                # quoted to show what the course says, not as an answer: no sources, and not confident
                return Composed(parts, (), closest, False, verdict.related, (), verdict)
        return self.not_covered(hits, verdict)

    def best_guess(
        self, hits: Sequence[Hit], verdict: Verdict, qvec: np.ndarray, near_miss: bool = False
    ) -> Composed:
        """A question close to the course but under the confidence bar: the closest concept's gist, said to be a
        guess, and the other candidates to name instead. A vague one ("can u explain the rl thing") is the
        learner's to check, not the instructors' business; a specific one the course may not cover (`near_miss`,
        from `Verdict.guess`) is also forwarded, as it was when it got only "not covered"."""
        top = hits[0].concept_id
        others = [h.title for h in hits[1:3] if h.concept_id != top]
        vague = not near_miss
        opening = (
            "I'm not sure which part you mean, so here is my best guess."
            if vague
            else "I'm not sure the course covers exactly this, so here is my best guess from its closest part."
        )
        parts = [
            Part("scope", opening),
            self._summary(top),
            self._quote(top, self._pick(top, qvec, None, 1, skip=self.course.concepts[top].summary)),
        ]
        ask = "If you meant something else, ask again with its name"
        if others:
            ask += " (close by: " + ", ".join(f"*{t}*" for t in others) + ")"
        ask += f", or test yourself with /quiz {top}"
        if not vague:
            ask = "I've passed your question on to the instructors as well. " + ask
        parts.append(Part("next", ask))
        return Composed(
            tuple(self._trim(parts)), (top,), (top,), False, not vague, (), verdict, tentative=True
        )

    @staticmethod
    def _trim(parts: list[Part]) -> list[Part]:
        """Keep the answer one chat message: drop supporting quotes from the end, then cut the longest."""
        parts = [p for p in parts if p.text]
        while sum(len(p.text) + 12 for p in parts) > MAX_CHARS and len(parts) > 2:
            drop = next((i for i in range(len(parts) - 2, 0, -1) if parts[i].role == "quote"), None)
            if drop is None:
                break
            parts.pop(drop)
        if sum(len(p.text) + 12 for p in parts) > MAX_CHARS:
            parts = [
                Part(p.role, p.text[:500].rsplit(" ", 1)[0] + " …", p.concept_id, p.title)
                if len(p.text) > 500
                else p
                for p in parts
            ]
        return parts


SMALL_TALK_REPLIES = {
    "greeting": "Hello! Ask me anything about the course in plain words, or try /quiz to test yourself.",
    "thanks": "You're welcome! Ask another question whenever you like, or test yourself with /quiz.",
    "praise": "Thank you, that's kind! Ask another question whenever you like, or test yourself with /quiz.",
    "bye": "Bye, and good luck with the course!",
    "luck": "Good luck! For a last look, /review brings back what is due and /quiz asks you a question; I'm here "
    "if anything is still unclear.",
    "about": "I'm this course's tutor, a bot. Ask me about the course in your own words: I answer from the course's "
    "own material and show the passages I used. /quiz tests you, /progress shows how you're doing, /next says what "
    "to learn next, and /help lists everything. What the course doesn't cover I pass on to your instructors.",
    "joke": "I only know alignment jokes, and in every one the model finds a loophole in its reward. Ask me about the "
    "course instead, or try /quiz.",
    "ask": "Sure, go ahead: ask me anything about the course, in your own words.",
    "wait": "Sure, take your time. I'm here when you're ready.",
    "back": "Welcome back! Ask me about the course whenever you're ready, or test yourself with /quiz.",
    "ack": "Good. Anything else about the course? /quiz tests what you've learned, /next says what to study next.",
    "struggle": "That's normal: this is a lot to take in. Take it one idea at a time: ask me about any term in "
    'your own words ("what is a reward model?"), or say "explain it simpler" after an answer; /next says '
    "where to start.",
    "study": "Happy to help you study. /quiz asks you a question (/quiz TOPIC for one topic), /review brings back "
    "what is due for review, /next says what to learn next, and you can ask me about any concept in plain words.",
}


def small_talk_reply(social: str) -> str:
    return SMALL_TALK_REPLIES.get(social, SMALL_TALK_REPLIES["ack"])


def overview_reply(course: Course) -> str:
    """The answer to "what is this course about?": the course's own description and where to start."""
    text = f"This course is *{course.title}*"
    text += f": {' '.join(course.description.split())}" if course.description.strip() else "."
    if not text.endswith((".", "!", "?")):
        text += "."
    start = course.concepts.get(course.start) if course.start else None
    if start:
        text += f" It starts with *{start.title}* (/quiz {start.id})."
    return text + " Ask me about any part of it in plain words; /next says what to learn next."
