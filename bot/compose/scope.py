"""Honest scope: is a question one the course teaches, from the retrieval evidence alone?

Three signals, combined by a logistic model calibrated on `eval/scope-in.jsonl` and `eval/scope-out.jsonl`
(never on the blind set): the best dense similarity between the question and the course's units; how much of
the question's distinctive vocabulary the best concept uses (IDF-weighted); and how much of the question's
vocabulary the course never uses at all. A definition question about a term the course only mentions in
passing ("what is LoRA?") is not covered either, whatever the similarity: the course names it but does not
teach it. `python -m bot.compose.scope FILE...` prints the refusal rates per set.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.compose.intent import DEFINITION, HOW, WHY, Intent
from bot.compose.sentences import split_sentences
from bot.course.model import Course
from bot.retrieval.index import stem, tokenize
from bot.retrieval.spelling import INFORMAL

# Calibrated on eval/scope-in.jsonl + eval/scope-out.jsonl (logistic regression, see `calibrate` below).
WEIGHTS = (10.3, 1.83, -3.43)  # dense, coverage, unknown
BIAS = -6.21
IN_SCOPE = 0.5  # logit: at or above, the tutor answers from the course (the lowest round value at which no
# scope-out question is answered, with 20 asks per concept: its closest scores 0.48)
RELATED = -1.5  # logit: at or above (and below IN_SCOPE), "not covered" but worth an instructor's look
# GUESS, a logit: at or above it (and below IN_SCOPE), a near miss: the closest concept, said to be a guess, and
# the question forwarded as well. Informal wording of course questions lands here ("values differ across
# cultures how can one model handle that": 0.45); set on scope-in, scope-out and informal-dev, where it turns
# 10 of informal-dev's 15 refusals into guesses and 2 of scope-out's 99 refusals (its closest, "what's a good
# learning rate for adam", 0.48, and knowledge distillation, 0.29)
GUESS = 0.0


GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "lambda": "λ",
    "theta": "θ",
    "pi": "π",
    "sigma": "σ",
    "tau": "τ",
    "mu": "μ",
}


# Words that say what angle a question takes or how it is put, not what it is about: "the drawbacks of
# best-of-N", "why doesn't SFT alone fully align it", "from an alignment perspective". A question's word the
# course never uses counts against its scope (a topic the course does not teach), unless it is one of these.
# Written from what questions ask in general (evaluation, purpose, difficulty, hedges), not from a test set.
FRAME_WORDS = frozenset(
    stem(form)  # the stemmer is light: "downside" and "downsides" are two stems
    for w in """drawback downside disadvantage advantage benefit upside pros cons tradeoff pitfall weakness strength
    limitation shortcoming difficulty difficult hard harder hardest easy easier tricky challenging purpose reason
    rationale motivation role importance important significance significant relevance relevant perspective viewpoint
    standpoint angle intuition intuitively gist overview summary basics detail example instance analogy
    analyze analyse analysis evaluate assess assessment judge compare contrast relate relationship connection
    similar similarity difference matter matters useful usefulness necessary needed essential
    actually basically exactly fully completely entirely alone merely simply essentially necessarily generally
    typically usually mostly mainly roughly overall whole even still ever always never supposed meant kinda sorta
    literally honestly seriously anyway though tho again main key major biggest primary core central
    math maths mathematically equation formula derivation derive notation
    pls plz dying dead crying ugh lol lmao gimme lemme bullet tldr eli5 idk dunno
    quote quotation saying phrase passage paragraph slide lecture remind reminder recap refresh
    amazing awesome great terrible awful crazy insane wild huge massive tiny super weird strange odd cool nice
    stupid dumb silly fancy magic magical obvious obviously clearly totally pretty""".split()
    for form in (w, w + "s", w + "es")
) | frozenset(stem(w) for w in INFORMAL)  # "10 yrs ago", "ppl": chat spellings, not an unknown topic


_NUMBERS = dict(
    zip(
        "1 2 3 4 5 6 7 8 9 10".split(),
        "one two three four five six seven eight nine ten".split(),
        strict=True,
    )
)


def _phrase(text: str) -> str:
    """Lower case, apostrophes gone, small numbers as words, words one space apart: "3 H's" and "three H's" are
    one phrase."""
    # an apostrophe inside a word goes ("H's"); a quote around one is a space ("what is 'instruction alignment'")
    words = re.sub(r"[^a-z0-9]+", " ", re.sub(r"(?<=[a-z0-9])\s*['’]\s*(?=s\b)|(?<=[a-z])['’](?=[a-z])", "", text.lower())).split()
    return " ".join(_NUMBERS.get(w, w) for w in words)


def _terms(text: str) -> list[str]:
    # "ww1", "nf4", "gpt4" are terms too, a word with a digit as much a topic as one without; "100k", "7b", "2nd"
    # are amounts
    return list(_terms_of(text))


@functools.lru_cache(maxsize=1 << 14)  # the same titles and questions are asked for many times an answer
def _terms_of(text: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokenize(text) if len(t) >= 3 and t.isalnum() and t[0].isalpha())


@dataclass(frozen=True)
class Evidence:
    dense: float  # the best cosine similarity between the question and a unit of the course
    coverage: float  # IDF-weighted share of the question's terms that the best concept uses
    unknown: float  # share of the question's terms the course never uses
    mentioned_only: bool = False  # a definition asked of a term the course mentions but never defines
    named: bool = False  # the question's terms are all in the best concept's names, one naming at most two
    # one of the best concept's names of several words, said in so many words ("the 3 H's thing? what were they")
    named_outright: bool = False
    # a definition or how asked of a phrase with a compound the course never writes ("multi-head attention")
    scattered: bool = False

    def logit(self) -> float:
        w_dense, w_cover, w_unknown = WEIGHTS
        return BIAS + w_dense * self.dense + w_cover * self.coverage + w_unknown * self.unknown


@dataclass(frozen=True)
class Verdict:
    in_scope: bool
    related: bool  # not covered, yet close enough to the course that instructors may want to see it
    score: float  # the logit
    reason: str
    guess: bool = False  # not covered, yet near enough that the closest concept is worth offering as a guess


# Words only a question about the course's running uses ("will it be on the exam?", "is this graded?"): the
# instructors answer it, however close its other words come to a passage
ADMIN = re.compile(
    # "my grade", "final grades" (the model "grades itself" is no course business)
    r"\b(exams?|midterms?|graded|grading|(my|our|your|the|final|course|class|a|good|bad|passing) grades?|homework|"
    r"assignments?|deadlines?|syllabus|office hours|"
    r"on the (test|quiz|final))\b",
    re.IGNORECASE,
)


class CourseVocabulary:
    """The course's terms per concept (title, aliases, summary, text, asks, instructors' passages)."""

    def __init__(self, course: Course):
        self.course = course
        self._terms: dict[str, set[str]] = {}
        self._names: dict[str, set[str]] = {}  # title and alias terms: what a concept is called
        self._aliases: dict[str, set[str]] = {}  # its aliases as `_phrase`s
        self.admin_answered = False  # an instructor's passage tells something of the course's running
        self._sentences: list[str] = []
        self._text: str | None = None  # the course's sentences as one lower-case text, when first asked
        # two-letter acronyms the course writes in capitals (KL, RL, AI): terms, though most two-letter words
        # are not ("kl??" had no term at all, so nothing of it counted as the course's)
        self.acronyms = {
            w.lower()
            for c in course.concepts.values()
            for w in re.findall(r"\b[A-Z]{2}\b", " ".join([c.title, *c.aliases, c.summary, c.text]))
        }
        for cid, c in course.concepts.items():
            text = " ".join([c.title, " ".join(c.aliases), c.summary, c.text, " ".join(c.asks)])
            self._terms[cid] = set(self.terms(text))
            self._names[cid] = set(self.terms(" ".join([c.title, *c.aliases, cid.replace("-", " ")])))
            # the names of several words said as such: the aliases, and a title of two to four words ("instruction
            # alignment"), not a case study's long one
            titled = [c.title] if 2 <= len(_phrase(c.title).split()) <= 4 else []
            self._aliases[cid] = {_phrase(a) for a in [*c.aliases, *titled] if _phrase(a)}
            self._sentences += split_sentences(c.summary) + split_sentences(c.text)
        self._refresh()

    def terms(self, text: str) -> list[str]:
        """The text's terms: `_terms`, and the course's two-letter acronyms."""
        return _terms(text) + [t for t in tokenize(text) if len(t) == 2 and t in self.acronyms]

    def question_terms(self, question: str) -> list[str]:
        """The question's terms that weigh on its scope: its terms less the frame words the course never uses."""
        return [t for t in self.terms(question) if t in self.vocabulary or t not in FRAME_WORDS]

    def _refresh(self) -> None:
        self.df: dict[str, int] = {}
        for terms in self._terms.values():
            for t in terms:
                self.df[t] = self.df.get(t, 0) + 1
        self.vocabulary = set(self.df)

    def add(self, concept_id: str, text: str) -> None:
        """An instructor's passage: its words become course words."""
        if concept_id in self._terms:
            self._terms[concept_id] |= set(self.terms(text))
            self._sentences += split_sentences(text)
            self._text = None
            self._refresh()
            # "The midterm exam is in week 7": the instructors now answer such questions in the course itself
            self.admin_answered = self.admin_answered or bool(ADMIN.search(text))

    def is_name(self, term: str) -> bool:
        """Is the term part of some concept's title, aliases or id?"""
        return any(term in names for names in self._names.values())

    def uses(self, concept_id: str, term: str) -> bool:
        return term in self._terms.get(concept_id, set())

    def uses_any(self, concept_ids: Iterable[str], term: str) -> bool:
        """Does one of the concepts (the last answer's, say) use the term?"""
        return any(self.uses(c, term) for c in concept_ids)

    def idf(self, term: str) -> float:
        n = len(self._terms)
        return math.log((n + 1) / (self.df.get(term, 0) + 0.5))

    def coverage(self, question: str, concept_id: str) -> float:
        terms = self.question_terms(question)
        if not terms or concept_id not in self._terms:
            return 0.0
        used = self._terms[concept_id]
        weights = [self.idf(t) for t in terms]
        return sum(w for t, w in zip(terms, weights, strict=True) if t in used) / (sum(weights) or 1.0)

    def unknown(self, question: str) -> float:
        terms = self.question_terms(question)
        return sum(t not in self.vocabulary for t in terms) / len(terms) if terms else 0.0

    def names_outright(self, question: str, concept_id: str) -> bool:
        """Does the question say one of the concept's names of several words as such ("the three H's")?"""
        phrase = f" {_phrase(question)} "
        return any(" " in a and f" {a} " in phrase for a in self._aliases.get(concept_id, ()))

    def names(self, question: str, concept_id: str) -> bool:
        """Does the question only name the concept ("who is norbert wiener", "best of n?"): every term of it is in
        the concept's title, aliases or id, and one of them names at most two concepts? The embedding model
        places a bare name far from the passages about it (a person's name most of all), so the dense score
        alone would refuse it."""
        names = self._names.get(concept_id, set())
        # "again", "exactly", "main": not a name ("challenges" is one when the concept is called so)
        terms = [t for t in self.terms(question) if t not in FRAME_WORDS or t in names]
        phrase = f" {_phrase(question)} "
        aliases = self._aliases.get(concept_id, ())
        if self.names_outright(question, concept_id):
            return True  # "the three H's an assistant is supposed to have": a name of several words, said as such
        if not terms:  # "what are the 3 H's again": no term, but one of the concept's names in so many words
            return any(f" {a} " in phrase for a in aliases)
        if not set(terms) <= names:
            return False
        return min(sum(t in n for n in self._names.values()) for t in terms) <= 2

    def scattered(self, subject: str) -> bool:
        """Is `subject` a phrase of at most three words, each the course's, with a hyphenated compound the course
        never writes ("multi-head attention": "multi-task", "task head" and "self-attention" are the course's,
        "multi-head" is not)? A name of a concept is never scattered."""
        compounds = re.findall(r"\b([a-z]+)-([a-z]+)\b", subject.lower())
        terms = set(_terms(subject))
        if not compounds or len(subject.split()) > 3 or not terms <= self.vocabulary:
            return False
        if any(terms <= names for names in self._names.values()):
            return False
        if self._text is None:
            self._text = " ".join(self._sentences).lower()
        return any(not re.search(rf"\b{re.escape(a)}[\s-]?{re.escape(b)}", self._text) for a, b in compounds)

    def mentioned_only(self, subject: str) -> bool:
        """Is `subject` a specific term (one or two words, used by few concepts) that the course uses but never
        names as a concept nor defines in a sentence ("X is ...", "... (X)", "X (Author, 2017) does ...")?"""
        terms = _terms(subject)
        if len(terms) != 1 or len(subject.split()) > 2 or terms[0] not in self.vocabulary:
            return False
        if min(self.df.get(t, 0) for t in terms) > 5:
            return False  # a word many concepts use is the course's own
        if any(set(terms) <= names for names in self._names.values()):
            return False
        word = subject.strip().lower()
        term = "(?:" + "|".join(re.escape(w) for w in (word, GREEK.get(word, word))) + ")"
        defining = re.compile(
            rf"\b{term}\b\s*(\([^)]*\)\s*)?,?\s*(is|are|was|were|means|refers|stands|denotes|describes)\b"
            rf"|\(\s*{term}\s*(\)|,[^)]*\d)|\b(known as|called|termed|named)\s+(the\s+)?{term}\b"
            rf"|\b{term}\b(\s*\([^)]*\))?(,[^,]{{0,20}},)?\s+(?!is\b|was\b|has\b)[a-z]{{3,}}s\b"
        )
        return not any(defining.search(s.lower()) for s in self._sentences)


MENTIONED_ONLY = "the course mentions it but does not teach it"
SCATTERED = "the course uses its words, never its compound"
# "why does LoRA work with such a low rank": the word or two asked what they do, without what they do
_ACTOR = re.compile(
    r"\b(?:why|how) (?:does|do|did|would|can|could|will) (?:the |a |an )?([\w-]+(?: [\w-]+)?) (?:work|help|need|use|"
    r"have|make|get|matter|reduce|save|improve)\b",
    re.IGNORECASE,
)


def _actor(question: str) -> str:
    found = _ACTOR.search(question)
    return found.group(1) if found else ""


# A question about the course itself (exams, deadlines, grading) is a real course question for the instructors.
LOGISTICS = re.compile(
    r"\b(exams?|midterms?|finals?|deadlines?|due(?! to\b)|homework|assignments?|(my|our|your|final|course|class|a|good|"
    r"bad|passing) grades?|graded|grading|lectures?|syllabus|"
    r"office hours|instructors?|professor|prof|ta|teaching assistant|course|class|semester|credits?|"
    r"submit|submission|extension|attendance)\b",
    re.IGNORECASE,
)


# Where the learner heard of it, not a question about the course's running: "why is norbert wiener in the
# alignment lecture", "the thing from class today" ("when is the lecture on rlhf?" stays one)
_HEARD_IN = re.compile(
    r"\b(in|from|during|after) (the |today'?s |todays |last |this |our |my )?([\w-]+ ){0,2}(lecture|class|lesson|"
    r"slides?)( today| yesterday| this week| last week)?\b"
    # "the lecture said models should be helpful and harmless", "my prof mentioned DPO": what was said there
    r"|\b(the|my|our|today'?s|todays|last) (lecture|lecturer|prof|professor|teacher|instructor|slides?|notes|class)"
    r"( today| yesterday)? (said|says|mentioned|mentions|claimed|claims|stated|states|told us|explained|talked about|"
    r"showed|described|called it)\b"
    # "does the course have a name for that?", "why does an llm course even talk about self driving cars": what the
    # course teaches, not how it runs
    r"|\b(the|this|an?|our|my) ([\w-]+ )?(course|class|unit|lecture|module)( even| actually| really)? (have|has|use|uses|"
    r"give|gives|call|calls|talk about|talks about|cover|covers|discuss|discusses|mention|mentions|include|includes|"
    r"bring up|brings up)\b",
    re.IGNORECASE,
)

# "how do i jailbreak chatgpt so it ignores its filters?": help to get around a model's safeguards, which a tutor
# does not give, whatever the course says about jailbreaks as a risk ("how do jailbreaks work?" is the course's)
MISUSE = "help to get around a model's safeguards"
_ASK_HOW = (
    r"\b(how (do|can|could|should|would) (i|we|you|u|one)|how to|help me|teach me|show me|tell me how to|"
    r"is there a way to|give me (a|some) (prompts?|ways?|tricks?))\b"
)
_SAFEGUARDS = (
    r"(filters?|safeguards?|guardrails?|safety (filters?|features?|training|measures?|settings?)|refusals?|restrictions?|"
    r"censor\w*|moderation|content polic\w*|its rules|the rules)"
)
_MISUSE = re.compile(
    # "how do i jailbreak chatgpt": the attack named
    rf"{_ASK_HOW}.{{0,40}}?\bjailbreak\w*"
    # "how can i bypass the safety filter", "teach me how to trick the model into ignoring its rules": a safeguard
    # got around
    rf"|{_ASK_HOW}.{{0,40}}?\b(bypass\w*|get around|get past|circumvent\w*|disable\w*|turn off|remove|trick\w*|"
    rf"break\w*|defeat\w*|evade\w*|dodge\w*|sneak\w* past|ignor\w*)\b.{{0,60}}?\b{_SAFEGUARDS}\b",
    re.IGNORECASE,
)
# "how can we break its refusals in a red-team exercise": testing a model's safeguards is the course's own topic
_RED_TEAM = re.compile(r"\bred[- ]?team\w*|\b(test|audit|evaluat)\w*", re.IGNORECASE)


def asks_for_misuse(question: str) -> bool:
    """Does the question ask for help to get around a model's safeguards (a jailbreak, a filter bypass)? The
    composer declines it before any scope or follow-up judgement (`MISUSE`)."""
    return bool(_MISUSE.search(question)) and not _RED_TEAM.search(question)


NAMES_A_CONCEPT = "the question names a concept"
# how two or more things a concept names pull against each other, asked in words far from its sentences (composer)
TENSION_WITHIN = "how two of a concept's things pull against each other"


class ScopeJudge:
    """Decides in or out of scope from the evidence; pure once the vocabulary is built."""

    def __init__(
        self, course: Course, in_scope: float = IN_SCOPE, related: float = RELATED, guess: float = GUESS
    ):
        self.vocabulary = CourseVocabulary(course)
        self.in_scope, self.related, self.guess = in_scope, related, guess

    def evidence(
        self, question: str, dense: float, top_concept: str, intent: Intent | None = None
    ) -> Evidence:
        # "what is lora?", "how does lora work", "why lora": asked of a term the course only mentions
        mentioned = bool(
            intent
            and not intent.follow_up
            and (
                intent.kind in (DEFINITION, HOW, WHY)
                and (
                    self.vocabulary.mentioned_only(intent.subject)
                    # "why does LoRA work with such a low rank": what the question's clause is about
                    or self.vocabulary.mentioned_only(_actor(question))
                )
                # "what is LoRA and should i use it for my project": asked what it is first
                or bool(intent.defines) and self.vocabulary.mentioned_only(intent.defines)
            )
        )
        # "explain multi-head attention": every word is the course's, the thing is not
        scattered = bool(
            intent
            and intent.kind in (DEFINITION, HOW)
            and not intent.follow_up
            and self.vocabulary.scattered(intent.subject)
        )
        return Evidence(
            dense,
            self.vocabulary.coverage(question, top_concept),
            self.vocabulary.unknown(question),
            mentioned,
            self.vocabulary.names(question, top_concept),
            self.vocabulary.names_outright(question, top_concept),
            scattered,
        )

    def _admin_only(self, question: str) -> bool:
        """About the course's running and nothing the course names ("will it be on the exam?", "is this graded?");
        "what's important about rlhf for the exam" names RLHF and is answered."""
        if not ADMIN.search(question) or self.vocabulary.admin_answered:
            return False  # once instructors answer such questions in the course, the course answers them
        return not any(self.vocabulary.is_name(t) for t in self.vocabulary.terms(ADMIN.sub(" ", question)))

    def judge(self, evidence: Evidence, question: str = "") -> Verdict:
        score = evidence.logit()
        logistics = LOGISTICS.search(_HEARD_IN.sub(" ", question))
        if (score < self.in_scope and logistics) or self._admin_only(question):
            return Verdict(False, True, score, "a question about the course for the instructors")
        if evidence.mentioned_only:
            return Verdict(False, True, score, MENTIONED_ONLY)
        if evidence.scattered and not evidence.named:
            # "explain multi-head attention" is worth an instructor's look; "k-means algorithm steps?", far from
            # every passage, is not
            return Verdict(False, score >= self.related, score, SCATTERED)
        if score >= self.in_scope:
            return Verdict(True, False, score, "in scope")
        # a name of several words said outright, and no word the course never uses, needs no similarity floor
        if evidence.named and (score >= self.related or evidence.named_outright and not evidence.unknown):
            return Verdict(True, False, score, NAMES_A_CONCEPT)
        if score >= self.related:
            return Verdict(False, True, score, "close to the course, not covered", score >= self.guess)
        return Verdict(False, False, score, "outside the course")


# -- calibration and the report -----------------------------------------------------------------------
def calibrate(rows: Sequence[tuple[Evidence, bool]], steps: int = 5000) -> tuple[tuple[float, ...], float]:
    """Fit the logistic weights (raw scale) on (evidence, in scope?) pairs; used to set WEIGHTS and BIAS."""
    import numpy as np

    x = np.array([[e.dense, e.coverage, e.unknown] for e, _ in rows], dtype=float)
    y = np.array([inside for _, inside in rows], dtype=float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.c_[(x - mu) / sd, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.5 * (z.T @ (p - y) / len(y) + 0.01 * np.r_[w[:-1], 0])
    raw = w[:-1] / sd
    return tuple(float(v) for v in raw), float(w[-1] - (raw * mu).sum())


def report(files: Iterable[str]) -> str:
    """Per file: how many questions the tutor would refuse ("in" files) or answer confidently ("out" files)."""
    import json
    from pathlib import Path

    from bot.runtime import build_tutor

    tutor = build_tutor()
    lines = [
        "| set | questions | answered confidently | best guess | refused | forwarded |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in files:
        rows = [json.loads(x) for x in Path(name).read_text(encoding="utf-8").splitlines() if x.strip()]
        confident = related = guesses = 0
        # exactly what `tutor ask` does, TUTOR_CONFIDENCE floor included; forwarded: refused or guessed, and
        # close enough to the course for the instructors' inbox
        for row in rows:
            result = tutor.answer(row["question"])
            confident += result.confident
            guesses += bool(result.composed and result.composed.tentative)
            related += bool(not result.confident and result.composed and result.composed.related)
        n = len(rows) or 1
        refused = len(rows) - confident - guesses
        lines.append(
            f"| {Path(name).name} | {len(rows)} | {confident} ({confident / n:.0%}) | {guesses} | "
            f"{refused} ({refused / n:.0%}) | {related} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a measuring tool
    import sys

    print(report(sys.argv[1:]))
