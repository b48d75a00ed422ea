"""Typos mended before retrieval: one keystroke from a course word, or else from a common English word."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.retrieval import onnx_export, spelling
from bot.retrieval.spelling import Speller, edits1, model_lexicon

COURSE = Counter({"preference": 5, "model": 9, "rlhf": 4, "llm": 6, "reward": 7, "freeze": 2, "tuning": 3})
ENGLISH = ["the", "which", "about", "mode", "insurance", "steps", "robot", "tweak", "tun", "run"]


@pytest.fixture
def speller() -> Speller:
    return Speller(COURSE, lexicon=ENGLISH)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("prefrence", "preference"),  # a letter dropped
        ("moedl", "model"),  # two letters swapped
        ("rlfh", "rlhf"),  # a short acronym, swapped
        ("lllm", "llm"),  # a key held down
        ("rewrad", "reward"),
        ("frezze", "freeze"),  # a letter replaced
        ("whitch", "which"),  # common English, when no course word is near
        ("abouut", "about"),
    ],
)
def test_a_word_one_keystroke_off_is_mended(speller, typed, meant):
    assert speller.correct(typed) == meant


def test_the_course_word_wins_over_a_common_word_as_near(speller):
    assert "mode" in edits1("modle") and "model" in edits1("modle")
    assert speller.correct("modle") == "model"


def test_known_words_their_endings_chat_words_and_short_ones_are_left_alone(speller):
    for word in (
        "insurance",
        "which",
        "robot",
        "model",
        "models",
        "tweaking",
        "isnt",
        "lol",
        "rl",
        "teh",
        "gpt4",
    ):
        assert speller.correct(word) == word


def test_a_known_word_after_a_prefix_is_spelt_right():
    # "retrain" is one keystroke from "pretrain", but it is "re" + "train": mending it changed the question
    speller = Speller(Counter({"pretrain": 5, "aligned": 3}), lexicon=["train", "safe"])
    for word in ("retrain", "retrained", "unaligned", "misaligned", "unsafe"):
        assert speller.correct(word) == word
    assert speller.correct("pretrian") == "pretrain"


def test_a_doubled_letter_is_a_typo_when_the_single_one_is_a_course_word(speller):
    # "running" is "run" + "ing"; "tunning" could be "tun" (a cask) + "ing", but the course says "tuning"
    assert speller.correct("running") == "running"
    assert speller.correct("tunning") == "tuning"


def test_a_short_word_is_mended_only_into_a_course_word(speller):
    assert speller.correct("rlfh") == "rlhf"
    assert speller.correct("abut") is None  # "about" is one keystroke away, but four letters say too little


def test_a_word_beyond_one_keystroke_is_left_to_the_caller(speller):
    assert speller.correct("xqzvkw") is None


def test_the_lexicon_comes_from_the_export_when_the_model_package_is_absent(tmp_path, monkeypatch):
    """The runtime image has the ONNX export (and its tokenizer.json) but not the model package."""
    spelling._lexicon.cache_clear()
    monkeypatch.setattr(onnx_export, "model_source", lambda model: None)
    folder = onnx_export.export_dir(tmp_path, "all-MiniLM-L6-v2", "onnx")
    folder.mkdir(parents=True)
    vocab = {"[PAD]": 0, "insurance": 4, "the": 2, "##ing": 3, "a": 5, "Paris": 6, "of": 1}
    (folder / "tokenizer.json").write_text(json.dumps({"model": {"vocab": vocab}}))
    try:
        assert model_lexicon(cache_dir=tmp_path) == ("of", "the", "insurance")
        assert model_lexicon(cache_dir=tmp_path / "elsewhere") == ()
    finally:
        spelling._lexicon.cache_clear()


def test_the_bundled_models_vocabulary_gives_common_english_most_common_first():
    words = model_lexicon()
    assert len(words) > 15000 and words[:3] == ("the", "of", "and")
    assert {"which", "insurance", "robot"} <= set(words)


def test_chat_shorthand_is_searched_in_full_words(retriever):
    # "why sft b4 rlhf" was answered with the KL penalty: "b4" meant nothing to the model
    assert retriever.normalize("why sft b4 rlhf") == "why sft before rlhf"
    assert retriever.normalize("rlhf w/o the rm, is it possible bc it seems hard") == (
        "rlhf without the reward model , is it possible because it seems hard"
    )
    # "diff" is "different" as often as "difference": left as it is
    assert "diff" in retriever.normalize("could u use a diff token")


def test_the_three_hs_are_the_three_hs(retriever):
    # "what are the 3 hs" was refused: "hs" read as nothing the course says, or mended into another word
    assert retriever.normalize("what are the 3 hs") == "what are the 3 H's"
    assert retriever.normalize("the three hs?") == "the three H's ?"
    assert retriever.search("what are the 3 hs", k=1)[0].concept_id == "desirable-attributes-of-aligned-llms"
