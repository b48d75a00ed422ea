"""`tutor eval --dialogues`: the set's loader, the grading of a last reply, and a short run on the real tutor."""

from __future__ import annotations

import json

import pytest

from tutor_cli import dialogues


def write(tmp_path, rows):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_bad_lines_are_named_by_file_and_line(tmp_path):
    path = write(
        tmp_path,
        [
            {
                "id": "a",
                "kind": "why",
                "turns": ["why?"],
                "must": [],
                "may_forward": False,
                "out_of_scope": False,
            },
            "{not json",
            {"id": "b", "kind": "why", "turns": [], "must": []},
            {"id": "c", "kind": "why", "turns": ["x"], "must": [[]]},
        ],
    )
    with pytest.raises(ValueError) as err:
        dialogues.load_dialogues(path)
    message = str(err.value)
    assert f"{path}:2:" in message and f"{path}:3:" in message and f"{path}:4:" in message
    assert f"{path}:1:" not in message


def test_grade_needs_every_group_and_no_forwarding_unless_allowed():
    d = dialogues.Dialogue("x", "how", ("how?",), (("reward model",), ("ppo", "proximal")), False, False, 1)
    assert dialogues.grade(d, "A Reward Model and Proximal policy", False).passed
    assert dialogues.grade(d, "a reward model", False).missing == (("ppo", "proximal"),)
    assert not dialogues.grade(d, "a reward model and PPO", True).passed


def test_an_out_of_scope_dialogue_fails_when_the_course_is_quoted_as_its_answer():
    d = dialogues.Dialogue("x", "off-topic", ("how does lora work",), (), True, True, 1)
    assert dialogues.grade(d, "I'm not sure I can answer that from the course", True).passed
    assert not dialogues.grade(d, "> Fine-tuning strategies are ...", False, answered=True).passed


def test_a_short_run_through_the_console_adapter(course, retriever, tmp_path):
    path = write(
        tmp_path,
        [
            {
                "id": "s",
                "kind": "small-talk",
                "turns": ["thanks, that helps"],
                "must": [],
                "may_forward": False,
            },
            {
                "id": "l",
                "kind": "definition",
                "turns": ["what are the attributes of an aligned LLM?"],
                "must": [["helpful"], ["honest"], ["harmless"]],
                "may_forward": False,
            },
            {
                "id": "o",
                "kind": "off-topic",
                "turns": ["recipe for pancakes"],
                "must": [["doesn't cover"]],
                "may_forward": False,
                "out_of_scope": True,
            },
        ],
    )
    outcomes = dialogues.run(course, retriever, dialogues.load_dialogues(path))
    assert [o.passed for o in outcomes] == [True, True, True], [o.reply for o in outcomes]
    table = dialogues.report(outcomes)
    assert "| small-talk | 1 | 1 | 100% |" in table and "| **overall** | 3 | 3 | 100% |" in table


# The first set's items whose every group is already in the question (eval/README-blind.md): left as written.
ECHOES = {("dialogues.jsonl", i) for i in ("why-13", "how-13", "comparison-03", "comparison-11")}


@pytest.mark.parametrize(
    "name", ["dialogues.jsonl", "dialogues-dev2.jsonl", "dialogues-blind.jsonl", "dialogues-blind2.jsonl"]
)
def test_the_committed_dialogue_sets_load_and_every_graded_one_asks_more_than_its_question(name):
    from pathlib import Path

    items = dialogues.load_dialogues(Path(__file__).resolve().parents[2] / "eval" / name)
    assert {d.kind for d in items} <= set(dialogues.KINDS) and len(items) >= 72
    for d in items:  # echoing the last turn must not pass: some group is not already in it
        if d.must and (name, d.id) not in ECHOES:
            assert any(not any(p.lower() in d.turns[-1].lower() for p in g) for g in d.must), d.id
