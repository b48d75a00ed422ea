"""The concept classifier: a softmax regression from question vectors to concepts, fitted on the course's asks."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retrieval import CachedEmbedder, HashingEmbedder, Retriever
from bot.retrieval.classifier import ConceptClassifier
from tutor_cli.evaluate import evaluate, load_eval


def _clusters(n_concepts: int = 5, per: int = 12, dim: int = 32, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_concepts, dim))
    x = np.vstack([c + 0.6 * rng.standard_normal((per, dim)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return centres, x.astype("float32"), np.repeat(np.arange(n_concepts), per)


def test_it_tells_concepts_apart_from_examples_and_is_deterministic():
    centres, x, y = _clusters()
    model = ConceptClassifier.fit(x, y, 5)
    again = ConceptClassifier.fit(x, y, 5)
    assert np.array_equal(model.weights, again.weights)
    rng = np.random.default_rng(1)
    for k, c in enumerate(centres):  # new questions near each concept's examples
        q = c + 0.6 * rng.standard_normal(len(c))
        p = model.probabilities(q / np.linalg.norm(q))
        assert int(p.argmax()) == k
        assert p.sum() == pytest.approx(1.0, abs=1e-5)


def test_a_fitted_classifier_is_kept_in_the_embedding_cache(tmp_path, monkeypatch):
    _, x, y = _clusters()
    store = CachedEmbedder(HashingEmbedder(dim=32), tmp_path / "cache.sqlite")
    first = ConceptClassifier.for_course(x, y, 5, store=store)
    assert first is not None

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted again although the cache holds it")

    monkeypatch.setattr(ConceptClassifier, "fit", no_fit)
    reopened = CachedEmbedder(HashingEmbedder(dim=32), tmp_path / "cache.sqlite")
    second = ConceptClassifier.for_course(x, y, 5, store=reopened)
    assert second is not None
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.bias, second.bias)
    # other training vectors are another classifier
    monkeypatch.undo()
    third = ConceptClassifier.for_course(x[::-1].copy(), y, 5, store=reopened)
    assert third is not None and not np.array_equal(third.weights, first.weights)


def test_a_course_with_one_card_per_concept_gets_no_classifier():
    _, x, y = _clusters(per=2)
    assert ConceptClassifier.for_course(x, y, 5) is None


@pytest.mark.model
def test_the_classifier_raises_recall_at_1_on_the_development_sets(course, embedder):
    """Measured in the README ("Retrieval quality"): the channel lifts every development set; here, on the three
    sets of students' and authors' wording, it must not lose a question overall and must gain some."""
    retriever = Retriever(course, embedder)
    assert retriever.classifier is not None
    gained = lost = 0
    for name in ("questions", "informal-dev", "dev4"):
        items = load_eval(f"eval/{name}.jsonl", set(course.concepts))
        with_it = evaluate(retriever, items, "hybrid").recall1
        retriever.W_CLASSIFIER = 0.0
        without = evaluate(retriever, items, "hybrid").recall1
        del retriever.W_CLASSIFIER  # back to the class's weight
        gained += round((with_it - without) * len(items))
        lost += with_it < without
    assert gained >= 5 and lost == 0


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "concept"),
    [
        # each ranked a neighbour first without the classifier (eval/*.jsonl; README, "Retrieval quality")
        ("whats sft", "instruction-alignment"),
        ("teach a model to follow instructions", "instruction-alignment"),
        ("how do human rankings turn into a training signal", "human-preference-alignment-via-reward-models"),
        ("Can you align a model without touching its weights at all?", "inference-time-llm-alignment"),
        ("where do ppl use bert style models in practice", "applications-of-ptms"),
    ],
)
def test_questions_the_classifier_brings_to_the_top(retriever, question, concept):
    assert retriever.search(question, k=1)[0].concept_id == concept
