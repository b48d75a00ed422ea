"""Study chat the rules miss: "any suggestion what i should cover next?", "my streak?", "hit me with a question".

The intent rules (`bot.compose.intent`: `quiz_request`, STUDY_NEXT, MY_PROGRESS) read the common shapes of a
request to be quizzed, for the next topic or for one's progress. Students put them in more ways than rules
list, so a short message the rules leave as a course question is also compared, by the course's embedding
model, with a few example requests of each kind written for this module: it is taken as that request when
its two nearest examples of one kind are close (`THRESHOLD`) and it is clearly nearer to them than to anything
in the course (`MARGIN` over its best similarity to the course's units).

THRESHOLD and MARGIN were chosen on eval/study-chat-blind.jsonl and eval/study-chat-blind2.jsonl (read, used for
development) with every question of the retrieval, scope and dialogue sets as negatives: the middle of the
range where none of the 2,642 course questions and chat turns that reach this check is taken for a request
(`python eval/study_chat.py`, README "Answer quality").

Before the examples, a learned decision (`study_weights.json`, fitted by `eval/fit_study.py`: a logistic
regression over the message's vector and its best similarity to the course) is asked; it was fitted on the read
study-chat sets' 465 requests and 3,047 course questions and chat turns, and takes a kind only from probability
0.85. Pure: vectors in, a kind out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

QUIZ, NEXT, PROGRESS = "quiz", "next", "progress"

# Written for this module, not taken from any evaluation set.
EXAMPLES: dict[str, tuple[str, ...]] = {
    QUIZ: (
        "quiz me",
        "give me a practice question",
        "test me on this topic",
        "ask me a question about it",
        "can I have another question",
        "I want to practice, give me an exercise",
        "hit me with a question",
        "more questions please",
        "give me a harder question",
        "let's do a quiz",
        "one more question for me to answer",
    ),
    NEXT: (
        "what should I study next",
        "which topic should I learn first",
        "where should I begin in this unit",
        "what do you recommend I learn next",
        "what should I do now",
        "what's the next topic for me",
        "in what order should I study the topics",
        "I'm new here, where do I start",
        "what should I focus on next",
        "suggest a topic for me to study",
    ),
    PROGRESS: (
        "how am I doing",
        "show my progress",
        "what's my score",
        "how many points do I have",
        "what is my streak",
        "which topics have I mastered",
        "what are my weak topics",
        "am I improving",
        "what's my rank",
        "how far through the course am I",
        "what level am I",
        "how did I do on the quiz",
    ),
}
THRESHOLD = 0.55  # mean cosine to the kind's two nearest examples
MARGIN = 0.2  # ... above the message's best cosine to the course's units
MOST_WORDS = 15  # a longer message is a question, not a request like these


WEIGHTS = Path(__file__).with_name("study_weights.json")


class Learned:
    """The learned decision (`eval/fit_study.py`): a multinomial logistic regression over a message's vector and
    its best similarity to the course, giving "none", QUIZ, NEXT or PROGRESS; a kind is taken from `threshold`."""

    def __init__(self, spec: dict):
        self.classes = tuple(spec["classes"])
        self.coef = np.asarray(spec["coef"], dtype="float32")  # classes x (dimensions + 1)
        self.intercept = np.asarray(spec["intercept"], dtype="float32")
        self.threshold = float(spec["threshold"])

    def which(self, qvec: np.ndarray, course_best: float) -> str:
        if self.coef.shape[1] != len(qvec) + 1:  # another model's vectors: the weights do not apply
            return ""
        z = self.coef[:, :-1] @ qvec + self.coef[:, -1] * course_best + self.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        best = int(p.argmax())
        return self.classes[best] if best and p[best] >= self.threshold else ""


def learned_decision() -> Learned | None:
    """The saved decision, or None when there is none."""
    return Learned(json.loads(WEIGHTS.read_text(encoding="utf-8"))) if WEIGHTS.exists() else None


class StudyRequests:
    """The example requests, embedded once, and the learned decision."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray]):
        texts = [t for kind in EXAMPLES for t in EXAMPLES[kind]]
        self.kinds = np.array([kind for kind in EXAMPLES for _ in EXAMPLES[kind]])
        self.vectors = np.asarray(encode(texts), dtype="float32")
        self.learned = learned_decision()

    def which(self, text: str, qvec: np.ndarray, course_best: float) -> str:
        """QUIZ, NEXT or PROGRESS when the message (`qvec`, its vector; `course_best`, its best similarity to the
        course) is such a request; else "". The learned decision first, then the nearest examples."""
        if len(text.split()) > MOST_WORDS:
            return ""
        kind = self.learned.which(qvec, course_best) if self.learned is not None else ""
        if kind:
            return kind
        sims = self.vectors @ qvec
        near = {kind: float(np.sort(sims[self.kinds == kind])[-2:].mean()) for kind in EXAMPLES}
        kind = max(near, key=lambda k: near[k])
        return kind if near[kind] >= THRESHOLD and near[kind] - course_best >= MARGIN else ""
