"""Retrieval with the real model on the bundled course."""

from __future__ import annotations

import pytest

from bot.retrieval import CachedEmbedder, HashingEmbedder, Retriever
from bot.retrieval.retriever import split_passages, split_sentences

pytestmark = pytest.mark.model


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("what is RLHF?", "reinforcement-learning-from-human-feedback"),
        ("How does DPO differ from RLHF?", "direct-preference-optimization"),
        ("What did Norbert Wiener warn about in 1960?", "early-origins-of-ai-alignment-norbert-wiener"),
        ("why freeze the encoder when fine-tuning BERT", "freezing-encoder-parameters-during-fine-tuning"),
        (
            "how is a reward model trained from pairwise comparisons",
            "human-preference-alignment-via-reward-models",
        ),
    ],
)
def test_finds_the_concept(retriever, question, concept):
    hits = retriever.search(question, k=3)
    assert concept in [h.concept_id for h in hits]


def test_off_topic_question_is_not_confident(retriever):
    on = retriever.search("what is RLHF?", k=1)[0]
    off = retriever.search("what is the best recipe for banana bread?", k=1)[0]
    assert on.dense > 0.5 > off.dense + 0.1


def test_excerpt_quotes_one_to_three_sentences_of_the_concept(retriever, course):
    hit = retriever.search("what is RLHF?", k=1)[0]
    sentences = split_sentences(hit.excerpt)
    assert 1 <= len(sentences) <= 3
    text = " ".join(course.concepts[hit.concept_id].text.split())
    for s in sentences:
        assert s in text


def test_typos_are_mended_against_the_course_vocabulary(retriever):
    assert "preference" in retriever.normalize("how do prefrence models work")


def test_an_acronym_the_course_defines_and_learners_were_never_seen_using_is_said_in_full(retriever):
    # "a reward model (RM)": the embedding model does not know "rm"; "dpo" is in the asks, so it stays
    assert retriever.acronyms == {"rm": "reward model"}
    assert retriever.normalize("isnt the rm just a worse version of asking ppl") == (
        "isnt the reward model just a worse version of asking ppl"
    )
    assert retriever.normalize("dpo vs rlhf") == "dpo vs rlhf"
    found = retriever.search("isnt the rm just a worse version of asking ppl", k=1)[0]
    assert found.concept_id == "reward-models-as-human-expert-proxies-in-llm-alignment"


def test_letters_spelt_out_one_by_one_are_one_word(retriever):
    assert retriever.normalize("i dont get the whole h h h thing") == "i dont get the whole hhh thing"
    assert "rlhf" in retriever.normalize("what is r l h f")
    assert retriever.normalize("is it a or b") == "is it a or b"  # two letters apart are two words


def test_a_contraction_is_a_stopword_with_or_without_its_apostrophe():
    from bot.retrieval.index import tokenize

    # "doesnt" (and "doesn't", read as "doesn" and "t") counted as words the course never uses
    assert tokenize("why doesn't SFT align the model") == tokenize("why doesnt sft align the model")
    assert tokenize("why doesnt sft align the model") == ["sft", "align", "model"]
    assert "won" in tokenize("which response won")  # a word, not a contraction


def test_unchanged_course_is_not_embedded_again(mini_course, embedder, tmp_path):
    cache = CachedEmbedder(embedder.inner, tmp_path / "cache.sqlite")
    Retriever(mini_course, cache)
    assert cache.misses > 0
    again = CachedEmbedder(embedder.inner, tmp_path / "cache.sqlite")
    Retriever(mini_course, again)
    assert again.misses == 0 and again.hits == cache.misses + cache.hits


def test_passages_split_long_text_at_sentences():
    para = " ".join(f"Sentence number {i} says something." for i in range(80))
    parts = split_passages([para], limit=60)
    assert len(parts) >= 4 and all(len(p.split()) <= 70 for p in parts)
    assert " ".join(parts) == para


def test_hashing_embedder_is_deterministic():
    e = HashingEmbedder()
    a, b = e.encode(["reward model"]), e.encode(["reward model"])
    assert (a == b).all() and abs(float((a * a).sum()) - 1) < 1e-5


@pytest.mark.parametrize("name", ["questions", "heldout", "students"])
def test_the_tutor_beats_both_baselines_on_each_evaluation_set(retriever, course, name):
    """The evaluation sets in eval/ (README, "Retrieval quality"): the tutor finds the concept a student means
    far more often than BM25 or plain dense retrieval on the same passages, and nearly always within three."""
    from pathlib import Path

    from tutor_cli.evaluate import evaluate, load_eval

    items = load_eval(Path(__file__).resolve().parents[2] / "eval" / f"{name}.jsonl", set(course.concepts))
    assert len(items) >= 150
    tutor, bm25, dense = (evaluate(retriever, items, m) for m in ("hybrid", "bm25", "dense"))
    assert tutor.recall1 > bm25.recall1 + 0.2 and tutor.recall1 > dense.recall1 + 0.2
    assert tutor.recall3 >= 0.95 and tutor.mrr > max(bm25.mrr, dense.mrr)


def test_a_quote_never_starts_in_the_middle_of_a_thought(retriever, course):
    """A sentence that leans on the one before it ("It is ...", "This ...") is quoted with that one, so the
    student never reads an "it" whose referent was cut away (or, worse, is the previous quoted sentence's)."""
    from pathlib import Path

    from bot.retrieval.retriever import LEANS_BACK
    from tutor_cli.evaluate import load_eval

    items = load_eval(Path(__file__).resolve().parents[2] / "eval" / "heldout.jsonl", set(course.concepts))
    leaning = 0
    for item in items:
        hit = retriever.search(item.question, k=1)[0]
        sentences = [s for s in retriever.sentences.texts if s in hit.excerpt]
        order = [
            s
            for s, o in zip(retriever.sentences.texts, retriever.sentences.owner, strict=True)
            if o == hit.concept_id
        ]
        quoted = [i for i, s in enumerate(order) if s in hit.excerpt]
        assert 1 <= len(quoted) <= 3 and sentences
        for i in quoted:
            if i and LEANS_BACK.match(order[i]):
                leaning += 1
                assert i - 1 in quoted, (item.question, order[i])
    assert leaning  # the course has such sentences, and the questions reach them


def test_a_course_that_outgrows_exact_search_moves_to_hnsw_and_still_finds_its_passages(
    mini_course, monkeypatch
):
    from bot.retrieval import index

    monkeypatch.setattr(index, "HNSW_THRESHOLD", 40)  # the real threshold is 50,000 vectors
    retriever = Retriever(mini_course, HashingEmbedder())
    assert isinstance(retriever.unit_index, index.FlatIndex) and retriever._sentence_index is None
    concepts = list(mini_course.concepts)
    words = ["falcon", "granite", "harbour", "juniper", "lantern", "meadow", "orchid", "quartz"]
    added = [
        (concepts[i % len(concepts)], f"The {w} {v} protocol keeps the {w} ledger in order number {i}.")
        for i, (w, v) in enumerate((w, v) for w in words for v in ("north", "south", "east", "west", "upper"))
    ]
    retriever.add_passages(added)
    assert isinstance(retriever.unit_index, index.HNSWIndex) and retriever._sentence_index is not None
    assert len(retriever.unit_index) == len(retriever._unit_owner)
    for cid, text in added[::7]:
        hit = retriever.search(text, k=1)[0]
        assert hit.concept_id == cid and text in hit.excerpt


class _Counting:
    """An embedder that counts how often each text is encoded."""

    def __init__(self, inner):
        self.wrapped, self.name, self.seen = inner, inner.name, {}

    def encode(self, texts):
        for t in texts:
            self.seen[t] = self.seen.get(t, 0) + 1
        return self.wrapped.encode(texts)


def test_an_answer_encodes_its_question_once(mini_course, tmp_path, clock):
    """The search, the composition and the excerpts all need the question's vector: one encode serves them
    (it was encoded twice per answer, doubling /ask's time)."""
    from bot.storage import Store, make_engine
    from bot.tutor import Tutor

    counting = _Counting(HashingEmbedder())
    tutor = Tutor(
        mini_course,
        Store(make_engine(f"sqlite:///{tmp_path}/t.db")),
        Retriever(mini_course, counting),
        clock=clock,
    )
    question = "how does a reward model learn from comparisons"
    before = dict(counting.seen)
    tutor.answer(question)
    asked = {t: n - before.get(t, 0) for t, n in counting.seen.items() if n - before.get(t, 0)}
    assert asked, "the question was never encoded"
    assert all(n == 1 for n in asked.values()), asked
    tutor.answer(question)  # asked again at once: the recent vector serves
    assert counting.seen == {t: before.get(t, 0) + asked.get(t, 0) for t in set(before) | set(asked)}


def test_a_chat_question_searches_the_course_once(mini_course, tmp_path, clock):
    """A short chat message is checked against the example study requests, which needs the search; the answer
    reuses that search instead of making it again."""
    from bot import events as E
    from bot.storage import Store, make_engine
    from bot.tutor import Tutor

    class Counting(Retriever):
        searches = 0

        def search(self, *args, **kwargs):
            Counting.searches += 1
            return super().search(*args, **kwargs)

    tutor = Tutor(
        mini_course,
        Store(make_engine(f"sqlite:///{tmp_path}/t.db")),
        Counting(mini_course, HashingEmbedder()),
        clock=clock,
    )
    said = tutor.handle(
        E.Ask(E.LearnerRef("console", "local", "ada", "ada"), text="how does a reward model learn")
    )
    assert said and Counting.searches == 1, Counting.searches


def test_common_words_are_not_bent_into_course_words(retriever):
    """ "which" is not a course word (a stop word), and an `ask` spells it "whch": it must stay "which"."""
    assert retriever.normalize("train a scorer on which answer humans liked more") == (
        "train a scorer on which answer humans liked more"
    )
    assert (
        retriever.normalize("does the weather change car insurance")
        == "does the weather change car insurance"
    )


@pytest.mark.parametrize(
    ("typed", "mended"),
    [
        ("how does rlfh work", "how does rlhf work"),
        ("fine tune the moedl or frezing it", "fine tune the model or freezing it"),
        ("why do we need a refrence moedl in dpo", "why do we need a reference model in dpo"),
        ("isnt it just tweaking the rewards lol", "isnt it just tweaking the rewards lol"),
        # a typo that a learner's ask in the course also makes is still a typo of the course's word
        (
            "when did people first start worrying about alignmnet",
            "when did people first start worrying about alignment",
        ),
        ("teaching a model to follow instrucitons", "teaching a model to follow instructions"),
    ],
)
def test_short_and_swapped_typos_are_mended_and_chat_words_kept(retriever, typed, mended):
    assert retriever.normalize(typed) == mended


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("whats a rewrad moedl", "human-preference-alignment-via-reward-models"),
        ("robto alignment", "ai-alignment-in-robotics"),
    ],
)
def test_a_question_with_its_key_words_misspelt_finds_its_concept(retriever, question, concept):
    """Before the speller these ranked nowhere in the top five and fourth: every content word was misspelt."""
    assert retriever.search(question, k=1)[0].concept_id == concept


def test_a_name_half_remembered_is_said_in_full(retriever):
    # the first letters of an acronym, or most of a name's words, with the learner trailing off
    assert retriever.normalize("the DP something method, the one that skips the reward robot?").startswith("the DPO method")
    assert "Direct Preference Optimization" in retriever.normalize("the notes keep mentioning direct preference...?")
    assert retriever.normalize("RLH-something") == "RLHF"
    # without the trailing-off, or with too little of a name, the learner's words stay as they are
    assert retriever.normalize("direct preference data") == "direct preference data"
    assert "Reward Models as" not in retriever.normalize("so the reward models...")


def test_chat_shorthand_for_a_response_is_read_as_one_and_prob_is_left_alone(retriever):
    assert retriever.normalize("resp A rambles, resp B says call a doctor") == "response A rambles , response B says call a doctor"
    # "the prob of the chosen one" (probability) or "the main prob with ppo" (problem): not mended into "probe"
    assert retriever.normalize("the prob of the chosen one") == "the prob of the chosen one"


def test_a_letter_held_down_is_said_once(retriever):
    assert retriever.normalize("why are human values sooo hard") == "why are human values so hard"
    assert retriever.normalize("pleeease explain dpo") == "please explain dpo"
    assert retriever.normalize("so sft is alll there is") == "so sft is all there is"  # the commoner word
