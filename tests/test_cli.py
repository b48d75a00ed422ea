"""The CLI through subprocesses, as an instructor's script would call it; bad input included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MINI_COURSE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path, embedder):
    e = dict(os.environ)
    e["TUTOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    e["TUTOR_CACHE_DIR"] = str(Path(embedder.path).parent)  # the session's embedding cache: no re-embedding
    e.pop("TUTOR_KNOWLEDGE", None)
    return e


def tutor(*args: str, env: dict, stdin: str = "", timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def test_help_lists_the_commands(env):
    out = tutor("--help", env=env)
    assert out.returncode == 0
    for cmd in ("chat", "ask", "knowledge", "progress", "leaderboard", "export", "serve", "bench", "eval"):
        assert cmd in out.stdout


def test_knowledge_check_and_list(env):
    ok = tutor("knowledge", "check", env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: LLM Alignment:")
    listed = tutor("knowledge", "list", "--json", env=env)
    concepts = json.loads(listed.stdout)
    rlhf = next(c for c in concepts if c["id"] == "reinforcement-learning-from-human-feedback")
    assert {"id", "title", "chapter", "text", "prerequisites", "learn_after", "questions"} <= set(rlhf)
    assert rlhf["questions"] and {"id", "type"} <= set(rlhf["questions"][0])
    assert "reward-models-as-human-expert-proxies-in-llm-alignment" in rlhf["prerequisites"]


def test_knowledge_cues_prints_each_strategy_beside_chance(env):
    out = tutor("knowledge", "cues", "--json", env=env)
    report = json.loads(out.stdout)
    assert [r["cue"] for r in report["rates"]] == [
        "longest option",
        "stem overlap",
        "absolute words",
        "matching by shared words",
    ]
    assert all(r["limit"] == pytest.approx(r["chance"] + 0.10, abs=1e-3) for r in report["rates"])
    assert out.returncode == (0 if report["ok"] else 1)
    table = tutor("knowledge", "cues", env=env).stdout
    assert "longest option" in table and "chance" in table
    part = json.loads(tutor("knowledge", "cues", "--files", "best-of-n*", "--json", env=env).stdout)
    assert part["rates"][0]["questions"] == 4  # the four single-choice questions of one file
    missing = tutor("knowledge", "cues", "--files", "no-such-file*", env=env)
    assert missing.returncode == 1 and "no question file" in missing.stderr


def test_broken_course_names_file_and_line(env, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course)
    (course / "questions" / "basics.yaml").write_text("questions:\n  - id: x\n    type: [oops\n")
    out = tutor("knowledge", "check", str(course), env=env)
    assert out.returncode == 1
    assert "course/questions/basics.yaml:4: not valid YAML" in out.stderr or "basics.yaml:3" in out.stderr
    assert "Traceback" not in out.stderr
    env["TUTOR_KNOWLEDGE"] = str(course)
    chat = tutor("chat", env=env, stdin="hello\n")
    assert chat.returncode != 0 and "basics.yaml" in chat.stderr and "Traceback" not in chat.stderr


def test_ask_json_shape(env):
    out = tutor("ask", "what is RLHF?", "--json", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"question", "answer", "confident", "sources"}
    assert data["confident"] is True
    assert data["sources"][0]["concept_id"] == "reinforcement-learning-from-human-feedback"
    assert set(data["sources"][0]) == {"concept_id", "title", "score", "excerpt"}
    assert len(data["sources"]) == 3


def test_ask_reads_stdin_one_json_line_per_question_in_order(env):
    out = tutor("ask", "-k", "2", env=env, stdin="what is RLHF?\n\nwhat is DPO?\nbanana bread recipe\n")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["what is RLHF?", "what is DPO?", "banana bread recipe"]
    assert [len(x["sources"]) for x in lines] == [2, 2, 2]
    assert lines[2]["confident"] is False and "not sure" in lines[2]["answer"]


def test_ask_replies_to_small_talk_and_the_course_overview_as_the_chat_does(env):
    out = tutor("ask", "--json", env=env, stdin="hello\nwhat is this course about?\n")
    hello, overview = (json.loads(x) for x in out.stdout.splitlines())
    assert hello["answer"].startswith("Hello!") and hello["sources"] == [] and hello["confident"] is False
    assert overview["answer"].startswith("This course is *LLM Alignment*")


def test_ask_bad_input(env):
    empty = tutor("ask", "  ", env=env)
    assert empty.returncode == 1 and len(empty.stderr.strip().splitlines()) == 1 and "empty" in empty.stderr
    long = tutor("ask", "x" * 4001, env=env)
    assert long.returncode != 0 and "limit is 4,000" in long.stderr and "Traceback" not in long.stderr
    nothing = tutor("ask", env=env, stdin="")
    assert nothing.returncode != 0 and "no question" in nothing.stderr


def test_a_full_disk_is_one_line_not_a_traceback(env):
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [sys.executable, "-m", "tutor_cli", "knowledge", "list", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    assert out.returncode == 2
    assert out.stderr.strip() == "tutor: cannot write: No space left on device"


def test_unreachable_database_names_the_variable(env):
    env["TUTOR_DATABASE_URL"] = "postgresql+psycopg://tutor:hunter2@127.0.0.1:1/nope"
    out = tutor("chat", env=env, stdin="/help\n")
    assert out.returncode == 3
    assert (
        "TUTOR_DATABASE_URL" in out.stderr and "hunter2" not in out.stderr and "Traceback" not in out.stderr
    )


def test_invalid_setting_is_named(env):
    env["TUTOR_CONFIDENCE"] = "lots"
    out = tutor("progress", "--user", "ada", env=env)
    assert out.returncode == 2 and "TUTOR_CONFIDENCE" in out.stderr


def test_chat_end_to_end_and_progress_is_kept(env):
    # a single-choice question named by its id: a bare /quiz picks by date and may pick an ordering question
    script = "what is RLHF?\n/quiz reinforcement-learning-from-human-feedback-q2\n/answer A\n/progress\n"
    first = tutor("chat", "--user", "ada", env=env, stdin=script)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Reinforcement Learning from Human Feedback" in out  # an answer drawn from the course
    assert "Question [" in out  # a question
    assert ("✓" in out or "✗" in out) and " — " in out  # feedback with explanations
    assert "Progress of ada" in out and "1 answer " in out
    second = tutor("chat", "--user", "ada", env=env, stdin="/progress\n")
    assert "Progress of ada" in second.stdout and "1 answer " in second.stdout  # kept across runs
    progress = json.loads(tutor("progress", "--user", "ada", "--json", env=env).stdout)
    assert progress["answers"] == 1 and progress["user"] == "ada" and len(progress["concepts"]) == 1
    board = json.loads(tutor("leaderboard", "--class", "console", "--json", env=env).stdout)
    assert board[0]["user"] == "ada" and board[0]["rank"] == 1
    csv_out = tutor("export", "attempts", env=env).stdout.splitlines()
    assert csv_out[0] == "platform,workspace,user_id,question_id,concept_id,correct,score,points,answered_at"
    assert csv_out[1].startswith("console,local,ada,")
    jsonl = [
        json.loads(x) for x in tutor("export", "attempts", "--format", "jsonl", env=env).stdout.splitlines()
    ]
    assert jsonl[0]["user_id"] == "ada" and isinstance(jsonl[0]["correct"], bool)


def test_unknown_learner_and_class(env):
    out = tutor("progress", "--user", "nobody", env=env)
    assert out.returncode == 1 and "no learner 'nobody'" in out.stderr
    out = tutor("leaderboard", "--class", "nowhere", env=env)
    assert out.returncode == 1 and "no class 'nowhere'" in out.stderr


def test_eval_reports_the_three_methods(env, tmp_path):
    f = tmp_path / "set.jsonl"
    f.write_text(
        '{"question": "what is RLHF?", "concepts": ["reinforcement-learning-from-human-feedback"]}\n'
        '{"question": "what is DPO", "concepts": ["direct-preference-optimization"]}\n'
    )
    out = tutor("eval", str(f), env=env)
    assert out.returncode == 0, out.stderr
    assert "tutor (hybrid)" in out.stdout and "BM25 baseline" in out.stdout and "dense baseline" in out.stdout
    f.write_text('{"question": "x", "concepts": ["nope"]}\nnot json\n')
    bad = tutor("eval", str(f), env=env)
    assert (
        bad.returncode == 1
        and "set.jsonl:1: unknown concept nope" in bad.stderr
        and "set.jsonl:2:" in bad.stderr
    )


def test_chat_json_transcript(env):
    script = "what is RLHF?\nthanks!\nwhat is lora?\n/quiz reinforcement-learning-from-human-feedback-q2\nB\n"
    out = tutor("chat", "--json", "--user", "jo", env=env, stdin=script)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["input"] for x in lines] == script.splitlines()
    assert all(set(x) == {"input", "replies", "concepts", "confident", "forwarded"} for x in lines)
    assert all({"type", "text"} <= set(r) for x in lines for r in x["replies"])
    rlhf, thanks, lora, quiz, answer = lines
    assert rlhf["confident"] is True and rlhf["concepts"][0] == "reinforcement-learning-from-human-feedback"
    assert thanks["confident"] is None and not thanks["forwarded"]  # small talk never reaches the inbox
    assert lora["confident"] is False and lora["concepts"] == []
    assert quiz["replies"][0]["type"] == "question" and quiz["confident"] is None
    assert answer["replies"][0]["type"] == "feedback"  # a bare letter answers the open question
