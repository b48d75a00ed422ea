"""`tutor knowledge new` and `tutor knowledge import FILE.gift`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.course import load_course
from bot.course.gift import parse_gift
from bot.course.scaffold import import_gift, new_course
from tests.conftest import DATA, MINI_COURSE


def test_new_course_is_valid_and_never_overwrites(tmp_path):
    path = tmp_path / "my-course"
    new_course(path)
    course = load_course(path)
    assert list(course.concepts) == ["example-concept"] and len(course.questions) == 1
    with pytest.raises(FileExistsError):
        new_course(path)


def test_gift_types_feedback_and_line_numbers():
    result = parse_gift((DATA / "bank.gift").read_text())
    kinds = [q["type"] for q in result.questions]
    assert kinds == [
        "single_choice",
        "single_choice",
        "matching",
        "short_answer",
        "open_ended",
        "multiple_response",
    ]
    mc = result.questions[0]
    assert [o.get("correct", False) for o in mc["options"]] == [True, False, False]
    assert mc["options"][1]["explanation"] == "That is pre-training data."
    tf = result.questions[1]
    assert [o["text"] for o in tf["options"]] == ["True", "False"] and tf["options"][1]["correct"]
    assert tf["options"][1]["explanation"] == "Right: no labels are needed."
    assert result.questions[2]["pairs"][2] == {
        "left": "Reward modelling",
        "right": "human comparisons",
        "explanation": "Reward modelling goes with human comparisons.",
    }
    assert result.questions[3]["answers"] == ["SFT", "supervised fine tuning"]
    assert len(result.questions[4]["rubric"]) == 3
    assert [o["weight"] for o in result.questions[5]["options"]] == [50, 50, -100]
    assert [line for line, _ in result.skipped] == [25, 27, 31]
    reasons = " ".join(r for _, r in result.skipped)
    assert "numeric" in reasons and "rubric" in reasons and "no answer block" in reasons


def test_escapes_and_inline_blank():
    result = parse_gift("The sign \\= means {=equals ~differs} in maths.\n")
    q = result.questions[0]
    assert q["prompt"] == "The sign = means _____ in maths."
    assert q["options"][0]["text"] == "equals"


def test_import_writes_a_valid_question_file(tmp_path):
    course_path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course_path)
    out = course_path / "questions" / "bank.yaml"
    result, notes = import_gift(DATA / "bank.gift", load_course(course_path), out)
    assert len(notes) == 6 and notes[0].startswith(
        "bank.gift:4: bank-q1 (single_choice) -> concept reward-models"
    )
    course = load_course(course_path)  # the imported file passes the course lint
    assert course.questions["bank-q4"].type == "short_answer"
    assert course.questions["bank-q1"].concept_id == "reward-models"
    multi = course.questions["bank-q6"]
    assert multi.type == "multiple_response" and [o.weight for o in multi.options] == [50, 50, -100]


def test_import_assigns_a_concept_by_words_without_a_category(tmp_path, mini_course):
    gift = tmp_path / "b.gift"
    gift.write_text(
        "Which dataset does fine-tuning use for one task? {=a small labelled dataset ~the whole web}\n"
    )
    result, notes = import_gift(gift, mini_course, tmp_path / "out.yaml")
    assert "concept fine-tuning (matched by words: check it)" in notes[0]


def test_short_answer_grading():
    from bot.quiz.grading import matches_short_answer

    assert matches_short_answer("the SFT.", ["SFT"])
    assert matches_short_answer("supervized fine tuning", ["supervised fine tuning"])
    assert not matches_short_answer("RLHF", ["SFT"])


def test_import_cli_reports_what_it_could_not_convert(tmp_path):
    import subprocess
    import sys

    course = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutor_cli",
            "knowledge",
            "import",
            str(DATA / "bank.gift"),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "6 questions written" in out.stdout
    assert "bank.gift:25: not converted: numeric questions are not supported" in out.stderr
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutor_cli",
            "knowledge",
            "import",
            str(DATA / "bank.gift"),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert again.returncode == 1 and "exists; pass --force" in again.stderr


# -- Moodle banks as instructors keep them: one test per defect found on real GIFT files ----------------


def _one(gift: str) -> dict:
    result = parse_gift(gift)
    assert not result.skipped, result.skipped
    assert len(result.questions) == 1
    return result.questions[0]


def test_an_empty_alternative_is_dropped_as_moodle_drops_it():
    q = _one("She {~=have been~was} to Paris twice.\n")
    assert q["prompt"] == "She _____ to Paris twice."
    assert [(o["text"], o.get("correct", False)) for o in q["options"]] == [
        ("have been", True),
        ("was", False),
    ]


def test_format_tags_are_stripped_from_answers_and_feedback():
    q = _one(
        "::Q2:: What's between orange and green?\n{\n    =[moodle]yellow # [plain]right; good!\n"
        "    ~red # [html]wrong, it's <b>yellow</b>\n    ~[plain]blue # [markdown]wrong\n}\n"
    )
    assert [o["text"] for o in q["options"]] == ["yellow", "red", "blue"]
    assert [o["explanation"] for o in q["options"]] == ["right; good!", "wrong, it's yellow", "wrong"]


def test_html_becomes_text_with_entities_decoded_and_no_words_glued():
    q = _one(
        "[html]<p>Read the sentence.</p><p>Is it&nbsp;&quot;right&quot; &amp; fair?</p>word<br>next<br />last"
        "{=<p>Yes,&nbsp;it&#39;s fine</p> ~No<br>never}\n"
    )
    assert q["prompt"] == 'Read the sentence.\n\nIs it "right" & fair?\nword\nnext\nlast'
    assert [o["text"] for o in q["options"]] == ["Yes, it's fine", "No never"]
    assert all("<" not in o["text"] and "&" not in o["text"] for o in q["options"])
    q = _one("[html]<style>p \\{color: red\\}</style>Area is r<sup>2</sup> times pi? {T}\n")
    assert q["prompt"] == "Area is r^2 times pi?"


def test_several_blanks_in_one_question_are_reported_not_merged():
    result = parse_gift(
        "::Grammar:: I {=have ~has} lived here since I {=was ~were} ten.\n\nFine {=one ~two} blank.\n"
    )
    assert [q["prompt"] for q in result.questions] == ["Fine _____ blank."]
    assert len(result.skipped) == 1
    line, reason = result.skipped[0]
    assert line == 1 and "2 answer blocks" in reason and "one question per blank" in reason


def test_every_gift_escape_and_a_literal_backslash():
    q = _one(r"Which is \{not\} a control character\: a\~b, a\=b, a\#b? {=a \\ b ~\~ ~\= ~\# ~\{ ~\}}" + "\n")
    assert q["prompt"] == "Which is {not} a control character: a~b, a=b, a#b?"
    assert [o["text"] for o in q["options"]] == ["a \\ b", "~", "=", "#", "{", "}"]


def test_escaped_backslash_is_single_in_a_short_answer_and_its_feedback():
    q = _one(r"Windows paths use {=\\#a single \\ backslash}" + "\n")
    assert q["answers"] == ["\\"] and q["explanation"] == "a single \\ backslash"


def test_weighted_short_answers_as_moodle_exports_them():
    q = _one(
        "::Geo:: Which is the largest continent? {\n=%100%Asia#Right: the largest.\n=%50%Africa#Second.\n}\n"
    )
    assert q["type"] == "short_answer" and q["answers"] == ["Asia"]
    assert q["explanation"] == "Right: the largest."
    result = parse_gift("::Geo:: Which is the largest continent? {=%100%Asia# =%50%Africa#}\n")
    assert [n for _, n in result.notes] == ["'Africa' earns 50% in Moodle; the tutor counts it as wrong"]


def test_images_and_audio_keep_a_reference_and_a_note_by_line():
    result = parse_gift(
        "// an export\n"
        '::Pic::[html]<p>Which animal is this?</p><img src\\="@@PLUGINFILE@@/cat.png" alt\\="a photo"><br>'
        '<a href\\="http\\://example.org/meow.mp3">Listen</a>{=cat ~dog}\n'
    )
    q = result.questions[0]
    assert "[image: a photo (cat.png)]" in q["prompt"]
    assert "Listen (audio: http://example.org/meow.mp3)" in q["prompt"]
    assert [line for line, _ in result.notes] == [2, 2]
    assert "image cat.png" in result.notes[0][1] and "not imported" in result.notes[0][1]


def test_general_feedback_becomes_the_explanation():
    q = _one("Pick the prime. {=7 ~8 ~9 ####[html]<p>A prime has <b>two</b> divisors.</p>}\n")
    assert q["explanation"] == "A prime has two divisors."
    tf = _one("The sun is a star.{TRUE####It is a G-type star.}\n")
    assert tf["explanation"] == "It is a G-type star."
    sa = _one("Two plus two? {=four#Yes. ####Counting on fingers works.}\n")
    assert sa["explanation"] == "Yes. Counting on fingers works."


def test_multiple_response_from_weights_and_what_cannot_be_converted():
    q = _one("Which are prime? {~%50%2 ~%50%3 ~%-100%4#Four is 2 times 2.}\n")
    assert q["type"] == "multiple_response"
    assert [(o["text"], o["weight"]) for o in q["options"]] == [("2", 50), ("3", 50), ("4", -100)]
    assert q["options"][2]["explanation"] == "Four is 2 times 2."
    assert q["options"][0]["explanation"] == "One of the options to choose."
    plain = _one("Which are prime? {~%50%2 ~%50%3 ~%-100%4}\n")
    assert plain["options"][2]["explanation"] == "Not one to choose: the right options are '2' and '3'."
    sa = _one("Say it. {=They are here.}\n")
    assert sa["explanation"] == "The answer is They are here."
    result = parse_gift(
        "Half right? {~%50%a ~%40%b ~c}\n\nPartial one? {=a ~%50%b ~c}\n\nNumber? {#3:1}\n\nNo right one {~a ~b}\n"
    )
    reasons = [r for _, r in result.skipped]
    assert [line for line, _ in result.skipped] == [1, 3, 5, 7]
    assert "add up to 90%" in reasons[0] and "partial credit (50%" in reasons[1]
    assert "numeric" in reasons[2] and "no right answer" in reasons[3]


def test_converted_questions_pass_the_course_lint(tmp_path):
    course_path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course_path)
    gift = tmp_path / "real.gift"
    gift.write_text(
        "$CATEGORY: $course$/top/reward-models\n\n"
        "She {~=have been~was} there.\n\n"
        "[html]Pick <b>all</b> self-supervised ones{~%50%MLM ~%50%next token ~%-100%[plain]RLHF####Both predict text.}\n\n"
        "Largest? {=%100%Asia#Yes.}\n",
        encoding="utf-8",
    )
    import_gift(gift, load_course(course_path), course_path / "questions" / "real.yaml")
    course = load_course(course_path)
    multi = course.questions["real-q2"]
    assert multi.type == "multiple_response" and multi.explanation == "Both predict text."
    assert [o.correct for o in multi.options] == [True, True, False]


def test_a_single_cloze_blank_is_converted_as_its_author_meant():
    mc = _one("What sports do you get excited {1:MC:~with~=about}?\n")
    assert mc["prompt"] == "What sports do you get excited _____?"
    assert [(o["text"], o.get("correct", False)) for o in mc["options"]] == [("with", False), ("about", True)]
    sa = _one("We hope it {1:SA:=will be found} (find).\n")
    assert sa["answers"] == ["will be found"]  # never "1:SA:"
    result = parse_gift("It {1:SA:=has happened} and {1:SA:=has been stolen}.\n\nPi is {1:NM:=3.14}.\n")
    assert [r.split(" (")[0] for _, r in result.skipped] == [
        "2 answer blocks in one question",
        "an embedded-answer",
    ]
