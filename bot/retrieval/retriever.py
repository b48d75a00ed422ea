"""Find the concept that answers a question: dense passages, concept cards and BM25, fused; then the sentences to quote."""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.course.model import Course
from bot.retrieval.embedder import Embedder
from bot.retrieval.index import BM25, STOPWORDS, TOKEN_RE, FlatIndex, VectorIndex, make_index, tokenize
from bot.retrieval.spelling import Speller, model_lexicon

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
MENTION_RE = re.compile(r"<[@#!][^>]*>")
PASSAGE_WORDS = 160  # paragraphs are merged up to about this many words, and longer ones split
# A sentence that opens with one of these leans on the one before it ("It is the expected reward minus ..."):
# quoted alone it would not say what "it" is.
LEANS_BACK = re.compile(
    r"(it|its|this|these|that|those|they|their|them|such|here|he|she|his|her)\b", re.IGNORECASE
)


def split_sentences(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in SENTENCE_RE.split(flat) if s.strip()]


def split_passages(paragraphs: list[str], limit: int = PASSAGE_WORDS) -> list[str]:
    """Passages of about `limit` words: short paragraphs joined, long ones cut at sentence ends."""
    out: list[str] = []
    current: list[str] = []
    words = 0
    for para in paragraphs:
        for sentence in split_sentences(para):
            n = len(sentence.split())
            if current and words + n > limit:
                out.append(" ".join(current))
                current, words = [], 0
            current.append(sentence)
            words += n
        if words >= limit * 0.6:  # a paragraph boundary is a good place to stop
            out.append(" ".join(current))
            current, words = [], 0
    if current:
        if out and words < limit * 0.3:
            out[-1] += " " + " ".join(current)
        else:
            out.append(" ".join(current))
    return out


# What a learner puts after the part of a name they remember: "the DP something method", "direct preference...?"
_TRAILS_OFF = r"(?:\s*(?:\.\.\.+|…)|[ -](?:something|smth|sth|whatever|thingy|something or other)\b)"


_TRAILING_OFF = re.compile(_TRAILS_OFF, re.IGNORECASE)


def partial_names(course: Course) -> list[tuple[re.Pattern[str], str]]:
    """Patterns for the start of a concept's name said and left unfinished, each with the whole name: an acronym's
    first letters ("DP something": DPO) and at least half a name's words ("direct preference...": Direct Preference
    Optimization), only where the start belongs to one concept. Said without the trailing-off it is left alone:
    "human preference" is a learner's ordinary words."""
    owners: dict[str, set[str]] = {}
    whole: dict[str, str] = {}
    for cid, c in course.concepts.items():
        for name in (c.title, *c.aliases):
            plain = re.sub(r"\s*\([^)]*\)", "", name).strip()
            acronyms = re.findall(r"\(([A-Z]{3,6})\)", name) + ([plain] if re.fullmatch(r"[A-Z]{3,6}", plain) else [])
            starts = [a[:k] for a in acronyms for k in range(2, len(a))]
            words = plain.split()
            if len(words) >= 3:
                # at least half the name: "direct preference..." is DPO's, "reward models..." any learner's words
                starts += [" ".join(words[:k]) for k in range(max(2, (len(words) + 1) // 2), len(words))]
            for start in starts:
                key = start.lower()
                owners.setdefault(key, set()).add(cid)
                full = acronyms[0] if start.isupper() and acronyms else plain
                whole.setdefault(key, full)
    unique = [key for key in sorted(owners, key=len, reverse=True) if len(owners[key]) == 1]
    return [(re.compile(r"(?i)\b" + r"\s+".join(map(re.escape, key.split())) + _TRAILS_OFF), whole[key]) for key in unique]


def course_acronyms(course: Course) -> dict[str, str]:
    """The acronyms the course's text defines ("a reward model (RM)"), lower case, to what they stand for; only
    those no title, alias or ask uses (a learner's "rm" means nothing to the embedding model, while "dpo" and "sft"
    are in the asks already)."""
    said = " ".join(" ".join([c.title, *c.aliases, *c.asks]) for c in course.concepts.values()).lower()
    used = set(re.findall(r"[a-z0-9]+", said))
    out: dict[str, str] = {}
    for c in course.concepts.values():
        for found in re.finditer(r"((?:[A-Za-z][\w-]*\s+){1,6})\(([A-Z]{2,6})\)", f"{c.summary} {c.text}"):
            acronym, before = found.group(2), found.group(1).split()
            key = acronym.lower()
            if key in used or key in out:
                continue
            for start in range(len(before) - 1, -1, -1):
                words = before[start:]
                initials = "".join(part[0] for w in words for part in w.split("-") if part).lower()
                if initials == key:
                    out[key] = " ".join(words)
                    break
    return out


@dataclass(frozen=True)
class Hit:
    concept_id: str
    title: str
    score: float
    excerpt: str = ""
    dense: float = 0.0


@dataclass
class Units:
    """The searchable pieces of a course; `owner[i]` is the concept of row i."""

    texts: list[str] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None


# Chat shorthand with one reading in a course question ("u" and "r" are left: "r" is also a reward, r(x, y))
CHAT_SHORTHAND = {
    "b4": "before",
    "bc": "because",
    "bcz": "because",
    "cuz": "because",
    "coz": "because",
    "abt": "about",
    "smth": "something",
    "sth": "something",
    "ur": "your",
    "wat": "what",
    "wht": "what",
    "thru": "through",
    # "resp A rambles ...": a response, which the model reads ("rest" was the mended word)
    "resp": "response",
    "resps": "responses",
    # "the ratio thing clipped between 1-eps and 1+eps, which algo is that": the words the course writes in full
    "algo": "algorithm",
    "algos": "algorithms",
    "eps": "epsilon",
    "params": "parameters",
}


class Retriever:
    """Built once per (course, embedder); answers queries in a few milliseconds after the query is encoded."""

    # Fusion weights, chosen on the evaluation set (see README, "Retrieval quality").
    W_DENSE = 0.55
    W_SENTENCE = 0.15
    W_LEXICAL = 0.30
    RUNNER_UP = 0.3  # the weight of a concept's second-best unit in its dense score (see `_dense`)
    # a best unit this close (cosine) is the question itself, reworded: its concept leads
    SAME_QUESTION = 0.88

    def __init__(self, course: Course, embedder: Embedder, lexicon: Sequence[str] | None = None):
        """`lexicon`: common English words, most common first, that typos may be mended to and that are never
        "mended" themselves; by default the bundled embedding model's vocabulary (`spelling.model_lexicon`)."""
        self.course = course
        self.embedder = embedder
        self.concept_ids = list(course.concepts)
        self._pos = {cid: i for i, cid in enumerate(self.concept_ids)}
        self.passages = Units()  # the course text, in passages of about PASSAGE_WORDS words
        self.extra = Units()  # per concept: a card (title, aliases, summary) and the questions learners ask
        self.sentences = Units()  # every sentence, to pick the ones to quote
        for cid, c in course.concepts.items():
            for p in split_passages(c.paragraphs):
                self.passages.texts.append(p)
                self.passages.owner.append(cid)
            card = ". ".join(x for x in (c.title, ", ".join(c.aliases), c.summary) if x)
            for text in (card, *c.asks):
                self.extra.texts.append(text)
                self.extra.owner.append(cid)
            for s in split_sentences(c.text):
                self.sentences.texts.append(s)
                self.sentences.owner.append(cid)
        # Passages are embedded with their concept's title, so a passage that says "it" still knows its topic.
        titled = [
            f"{course.concepts[o].title}. {t}"
            for t, o in zip(self.passages.texts, self.passages.owner, strict=True)
        ]
        all_texts = titled + self.extra.texts + self.sentences.texts
        vecs = embedder.encode(all_texts) if all_texts else np.zeros((0, 1), dtype="float32")
        n_p, n_e = len(titled), len(self.extra.texts)
        self.passages.vectors = vecs[:n_p]
        self.extra.vectors = vecs[n_p : n_p + n_e]
        self.sentences.vectors = vecs[n_p + n_e :]
        self.dim = int(vecs.shape[1]) if len(vecs) else 1
        # One faiss index over everything searched densely (passages, cards, asks); ids map to concepts.
        self.passage_index = FlatIndex(self.dim)
        self.passage_index.add(self.passages.vectors)
        self.unit_index = make_index(self.dim, n_p + n_e)
        self.unit_index.add(vecs[: n_p + n_e])
        self._passage_owner = np.array([self._pos[o] for o in self.passages.owner], dtype=np.int64)
        self._unit_owner = np.array(
            [self._pos[o] for o in self.passages.owner + self.extra.owner], dtype=np.int64
        )
        self._sentence_owner = np.array([self._pos[o] for o in self.sentences.owner], dtype=np.int64)
        # Lexical side: one document per concept, title and aliases weighted by repetition.
        docs = [
            " ".join([c.title] * 3 + list(c.aliases) * 2 + [c.summary] * 2 + [c.text] + list(c.asks))
            for c in course.concepts.values()
        ]
        self._docs = docs
        self.bm25 = BM25(docs)
        self.passage_bm25 = BM25(self.passages.texts)
        self.acronyms = course_acronyms(course)
        self.partial_names = partial_names(course)
        # A typo becomes a word of the course's own text first. The `asks` keep learners' spellings ("ppl", "ner",
        # "isnt"): their words are left as they are and nothing is mended into them, except a typo of the course's
        # own word ("alignmnet" in one ask would otherwise stay unmended in every question, and match that ask).
        own = [" ".join([c.title, *c.aliases, c.summary, c.text]) for c in course.concepts.values()]
        taught = Counter(t for text in own for t in TOKEN_RE.findall(text.lower()))
        told = {t for text in own for t in tokenize(text)}
        self.speller = Speller(
            Counter({w: n for w, n in taught.items() if w not in STOPWORDS}),
            known=told | STOPWORDS,
            lexicon=model_lexicon() if lexicon is None else lexicon,
        )
        asked = {t for c in course.concepts.values() for t in tokenize(" ".join(c.asks))} - self.speller.known
        self.speller.known |= {t for t in asked if self.speller.correct(t) in (t, None)}
        self._sentence_rows: dict[str, np.ndarray] = {
            cid: np.flatnonzero(self._sentence_owner == self._pos[cid]) for cid in self.concept_ids
        }
        self._sentence_index: VectorIndex | None = None
        self._sentence_plan: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._index_sentences()
        # Questions are encoded by the bare model: they are not worth caching on disk (nor keeping).
        self._query_encoder = getattr(embedder, "inner", embedder)
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_lock = threading.Lock()

    def _index_sentences(self) -> None:
        """Sentences are scored exactly (one matrix product) while that is cheap; from make_index's threshold on,
        through an approximate index of their own."""
        n = len(self.sentences.texts)
        if self._sentence_index is None and not isinstance(make_index(self.dim, n), FlatIndex):
            self._sentence_index = make_index(self.dim, n)
            self._sentence_index.add(self.sentences.vectors)  # type: ignore[arg-type]

    def add_passages(self, passages: list[tuple[str, str]]) -> None:
        """Add (concept id, text) passages, e.g. instructors' answers: searched and quoted like the course's own."""
        passages = [
            (cid, " ".join(text.split())) for cid, text in passages if cid in self._pos and text.strip()
        ]
        if not passages:
            return
        sentences = [(cid, sent) for cid, text in passages for sent in split_sentences(text)]
        titled = [f"{self.course.concepts[cid].title}. {text}" for cid, text in passages]
        vecs = self.embedder.encode(titled + [sent for _, sent in sentences])
        self.add_embedded(passages, vecs[: len(titled)], sentences, vecs[len(titled) :])

    def add_embedded(
        self,
        passages: list[tuple[str, str]],
        passage_vectors: np.ndarray,
        sentences: list[tuple[str, str]],
        sentence_vectors: np.ndarray,
    ) -> None:
        """Add passages and their sentences with their vectors already computed. When the units outgrow exact
        search (`make_index`'s threshold), the dense index is rebuilt as the approximate one."""
        owners = np.array([self._pos[cid] for cid, _ in passages], dtype=np.int64)
        for cid, text in passages:
            self.passages.texts.append(text)
            self.passages.owner.append(cid)
        self.passages.vectors = np.vstack([self.passages.vectors, passage_vectors])  # type: ignore[list-item]
        self.passage_index.add(passage_vectors)
        grown = len(self.unit_index) + len(passage_vectors)
        if isinstance(self.unit_index, FlatIndex) and not isinstance(make_index(self.dim, grown), FlatIndex):
            # the same units, in the same order, from now on searched approximately
            bigger = make_index(self.dim, grown)
            bigger.add(self.unit_index.vectors())
            self.unit_index = bigger
        self.unit_index.add(passage_vectors)
        self._passage_owner = np.concatenate([self._passage_owner, owners])
        self._unit_owner = np.concatenate([self._unit_owner, owners])
        for cid, sent in sentences:
            self.sentences.texts.append(sent)
            self.sentences.owner.append(cid)
        self.sentences.vectors = np.vstack([self.sentences.vectors, sentence_vectors])  # type: ignore[list-item]
        self._sentence_owner = np.array([self._pos[o] for o in self.sentences.owner], dtype=np.int64)
        if self._sentence_index is not None:
            self._sentence_index.add(sentence_vectors)
        else:
            self._index_sentences()
        for cid in {cid for cid, _ in passages}:
            self._sentence_rows[cid] = np.flatnonzero(self._sentence_owner == self._pos[cid])
        extra: dict[str, list[str]] = {}
        for cid, text in passages:
            extra.setdefault(cid, []).append(text)
        self._docs = [
            d + " " + " ".join(extra.get(cid, []))
            for d, cid in zip(self._docs, self.concept_ids, strict=True)
        ]
        self.bm25 = BM25(self._docs)
        self.passage_bm25 = BM25(self.passages.texts)
        self.speller.known |= {t for _, text in passages for t in tokenize(text)}  # spelt right by definition

    # -- query side ------------------------------------------------------------------------------
    def normalize(self, query: str) -> str:
        """Drop chat mentions, and mend misspelt words (`spelling.Speller`): a word that is neither the course's
        nor common English becomes the course word one keystroke away, or else the common English one."""
        text = MENTION_RE.sub(" ", query)
        text = re.sub(r"\s+", " ", text).strip()
        # "the whole h h h thing", "r l h f": letters spelt out one by one are one word ("hhh", "rlhf")
        text = re.sub(r"\b[A-Za-z](?: [A-Za-z]\b){2,}", lambda m: m.group(0).replace(" ", ""), text)
        # "what are the 3 hs": the three H's (helpful, honest, harmless), not a misspelt "his" or "is"
        text = re.sub(r"(?i)\b(3|three) ?hs\b", r"\1 H's", text)
        # "the DP something method", "direct preference...?": the name the learner half remembers, in full
        if _TRAILING_OFF.search(text):  # most questions trail off nowhere: no pattern to try
            for pattern, name in self.partial_names:
                text = pattern.sub(name, text)
        # "why sft b4 rlhf", "rlhf w/o the rm": chat shorthand in full words, which the model reads
        text = re.sub(r"(?i)\bw/o\b", "without", text)
        text = re.sub(r"(?i)\bw/(?=\s)", "with", text)
        fixed = []
        for word in re.findall(r"[A-Za-z0-9']+|[^A-Za-z0-9'\s]+", text):
            low = word.lower()
            if low in CHAT_SHORTHAND:
                fixed.append(CHAT_SHORTHAND[low])
                continue
            if low in self.acronyms:  # "the rm": the course's reward model (RM), which the model cannot know
                fixed.append(self.acronyms[low])
                continue
            if not low.isalpha() or self.speller.is_known(low):
                fixed.append(word)
                continue
            mended = self.speller.correct(low)  # "sooo hard" is "so hard", "alll" is "all": `Speller.held`
            fixed.append(mended if mended and mended != low else word)
        return " ".join(fixed)

    QUERY_CACHE = (
        256  # recent questions' vectors: one answer asks for its question's vector two or three times
    )

    def encode_query(self, query: str) -> np.ndarray:
        """The question's vector (read-only). An answer needs it for the search, the composition and the excerpts:
        the recent ones are kept, so a question is encoded once per answer, not once per use (measured: /ask
        encoded every question twice, 12.3 ms p50 against 5.0 ms for one encode)."""
        with self._query_lock:
            vec = self._query_vectors.get(query)
            if vec is not None:
                self._query_vectors.move_to_end(query)
                return vec
        vec = np.asarray(self._query_encoder.encode([query])[0], dtype="float32")
        vec.flags.writeable = False
        with self._query_lock:
            self._query_vectors[query] = vec
            while len(self._query_vectors) > self.QUERY_CACHE:
                self._query_vectors.popitem(last=False)
        return vec

    def _dense(
        self, index: VectorIndex, owner: np.ndarray, qvec: np.ndarray, k: int = 256, runner_up: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per concept: (its best cosine similarity among the index's top k units, -1 for concepts not reached;
        that best blended with its second best by `runner_up`, for ranking). A concept whose passage, card and
        asked questions agree with the question then outranks one that a single phrase happens to match. A
        concept with one unit in reach gets the k-th similarity as its second (its others are no closer)."""
        out = np.full(len(self.concept_ids), -1.0, dtype="float32")
        if not len(index):
            return out, out
        scores, ids = index.search(qvec, min(len(index), k))  # best first
        valid = ids >= 0
        sims, owners = scores[valid], owner[ids[valid]]
        _, first = np.unique(owners, return_index=True)
        out[owners[first]] = sims[first]
        if not runner_up:
            return out, out
        rest = np.ones(len(owners), dtype=bool)
        rest[first] = False
        second = out.copy()
        reached = owners[first]
        second[reached] = sims[-1]
        _, first2 = np.unique(owners[rest], return_index=True)
        second[owners[rest][first2]] = sims[rest][first2]
        return out, np.where(out > -1.0, (1 - runner_up) * out + runner_up * second, out)

    def scores(
        self, query: str, method: str = "hybrid", qvec: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ranking score, best dense similarity) per concept, in the order of `concept_ids`."""
        n = len(self.concept_ids)
        if method == "bm25":
            out = np.zeros(n, dtype="float32")
            np.maximum.at(out, self._passage_owner, self.passage_bm25.scores(query))
            return out, np.zeros(n, dtype="float32")
        if qvec is None:
            qvec = self.encode_query(query)
        if method == "dense":
            dense, _ = self._dense(self.passage_index, self._passage_owner, qvec)
            return dense, dense
        # ranked by the blend of each concept's two best units; confidence stays the best similarity itself
        dense, blended = self._dense(self.unit_index, self._unit_owner, qvec, runner_up=self.RUNNER_UP)
        if self._sentence_index is None:  # a course-sized set: every sentence, exactly
            sentence = self._best_sentence(self.sentences.vectors @ qvec)  # type: ignore[operator]
        else:  # hundreds of thousands: the best sentences through the approximate index
            sentence, _ = self._dense(self._sentence_index, self._sentence_owner, qvec)
        lexical = self.bm25.scores(query)
        top = float(lexical.max()) if len(lexical) else 0.0
        lexical = lexical / top if top > 0 else lexical
        fused = self.W_DENSE * blended + self.W_SENTENCE * sentence + self.W_LEXICAL * lexical
        best = int(np.argmax(dense))
        if dense[best] >= self.SAME_QUESTION and fused[best] < fused.max():
            # the question is, in all but words, one the concept answers ("how do u train a reward model", 0.91 to
            # an ask): that concept leads, whatever the other concepts' words share with it
            fused[best] = fused.max() + 1e-3
        return fused, dense

    def _best_sentence(self, sims: np.ndarray) -> np.ndarray:
        """Per concept, its sentences' best similarity (-1 without sentences): the sentences grouped by concept once
        (`np.maximum.at` over every sentence took a sixth of a search)."""
        owner = self._sentence_owner
        plan = self._sentence_plan
        if plan is None or plan[0] is not owner:
            order = np.argsort(owner, kind="stable")
            grouped = owner[order]
            starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else order
            plan = self._sentence_plan = (owner, order, starts, grouped[starts])
        out = np.full(len(self.concept_ids), -1.0, dtype="float32")
        _, order, starts, concepts = plan
        if len(order):
            out[concepts] = np.maximum(out[concepts], np.maximum.reduceat(sims[order], starts))
        return out

    def prepare(self, query: str) -> tuple[str, np.ndarray]:
        """A question as search reads it: its normalised text and that text's vector (for a caller that keeps
        the vector, e.g. to find the same question asked again)."""
        normalized = self.normalize(query)
        return normalized, self.encode_query(normalized)

    def search(
        self,
        query: str,
        k: int = 3,
        method: str = "hybrid",
        prepared: tuple[str, np.ndarray] | None = None,
        excerpts: bool = True,
    ) -> list[Hit]:
        """The k best concepts, best first; `dense` is the best cosine similarity of the concept's text.
        `prepared`: `prepare(query)`, when the caller has it already; `excerpts=False` leaves each hit's
        excerpt empty, for a caller that quotes on its own."""
        if not self.concept_ids:
            return []
        normalized, qvec = prepared if prepared is not None else (self.normalize(query), None)
        if method == "bm25":
            qvec = None
        elif qvec is None:
            qvec = self.encode_query(normalized)
        fused, dense = self.scores(normalized, method, qvec)
        hits = []
        for i in np.argsort(-fused)[:k]:
            cid = self.concept_ids[int(i)]
            excerpt = self.excerpt(cid, qvec) if qvec is not None and excerpts else ""
            hits.append(Hit(cid, self.course.concepts[cid].title, float(fused[i]), excerpt, float(dense[i])))
        return hits

    def excerpt(self, concept_id: str, qvec: np.ndarray, most: int = 3) -> str:
        """The one to three sentences of a concept closest to the question, in the order the course has them. A
        sentence that leans on the one before it ("It ...", "This ...") comes with that one, so a quote never
        starts in the middle of a thought."""
        rows = self._sentence_rows.get(concept_id)
        if rows is None or not len(rows):
            return ""
        sims = self.sentences.vectors[rows] @ qvec  # type: ignore[index]
        best = float(sims.max())
        ranked = [int(j) for j in np.argsort(-sims, kind="stable")[:most]]

        def with_context(j: int) -> list[int]:
            return [j - 1, j] if j > 0 and LEANS_BACK.match(self.sentences.texts[rows[j]]) else [j]

        chosen: list[int] = []
        for place, j in enumerate(ranked[:most]):
            if place and not (sims[j] >= best - 0.12 and sims[j] >= 0.25):
                continue
            group = [x for x in with_context(j) if x not in chosen]
            if len(chosen) + len(group) <= most:
                chosen += group
        # The first sentence of a concept says what it is; it helps when the question is "what is X".
        if len(chosen) < most and 0 not in chosen and sims[0] >= best - 0.2:
            chosen.append(0)
        return " ".join(self.sentences.texts[rows[j]] for j in sorted(chosen))
