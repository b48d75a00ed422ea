"""`tutor ...`: the command line. Heavy libraries are imported inside the commands, so `tutor --help` is instant."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

EXIT_USAGE = 2
EXIT_INVALID = 1
EXIT_UNAVAILABLE = 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


def _settings():  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = f"TUTOR_{str(err['loc'][0]).upper()}" if err["loc"] else "?"
            lines.append(f"{name}: {err['msg']}")
        raise CliError("invalid environment: " + "; ".join(lines), EXIT_USAGE) from None
    from bot.logs import configure

    configure(settings.log_level, settings.log_format)
    return settings


def _tutor(settings=None, course=None, serving=False):  # type: ignore[no-untyped-def]
    """The tutor for a command. `serving` (chat, serve) bounds every database wait; exports, reports and
    evaluations may run long statements on a large database."""
    from bot.course import CourseError
    from bot.runtime import build_tutor
    from bot.storage import StorageUnavailable

    settings = settings or _settings()
    try:
        return build_tutor(settings, course=course, serving=serving)
    except CourseError as exc:
        raise CliError("the course cannot be loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
    except StorageUnavailable as exc:
        raise CliError(str(exc), EXIT_UNAVAILABLE) from None


def _learner(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.events import LearnerRef

    return LearnerRef(args.platform, args.workspace, args.user, display_name=args.user)


# -- commands --------------------------------------------------------------------------------------
def cmd_chat(args: argparse.Namespace) -> int:
    from adapters.console.app import ConsoleApp

    tutor = _tutor(serving=True)
    app = ConsoleApp(tutor, user=args.user, class_name=args.class_name, instructor=args.instructor)
    return app.run(json_lines=args.json)


def cmd_ask(args: argparse.Namespace) -> int:
    settings = _settings()
    tutor = _tutor(settings)
    if args.k < 1 or args.k > 20:
        raise CliError("-k takes a number from 1 to 20", EXIT_USAGE)

    def one(question: str) -> dict[str, Any] | None:
        if not question.strip():
            return None
        if len(question) > settings.max_text:
            raise CliError(
                f"the question is {len(question):,} characters long; the limit is {settings.max_text:,}"
            )
        return tutor.answer(question, k=args.k).to_json()

    if args.question:
        question = " ".join(args.question)
        if not question.strip():
            raise CliError('the question is empty: tutor ask "what is RLHF?"')
        result = one(question)
        assert result is not None
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(result["answer"])
            if result["confident"]:
                print(f"\n(source: {result['sources'][0]['title']})")
        return 0
    # No question: one question a line from standard input, one JSON object a line out, in order.
    count = 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        try:
            result = one(line)
        except CliError as exc:
            result = {"question": line[:200], "error": str(exc)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        count += 1
    if count == 0:
        raise CliError(
            'no question given: tutor ask "QUESTION", or one question a line on standard input', EXIT_USAGE
        )
    return 0


def _course_or_problems(path: str) -> Any:
    """The course at `path`, or None after printing its problems (`file:line: message`) and their count."""
    from bot.course import CourseError, load_course

    try:
        return load_course(path)
    except CourseError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(
            f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in {path}", file=sys.stderr
        )
        return None


def cmd_knowledge_check(args: argparse.Namespace) -> int:
    path = args.path or str(_settings().course_path)
    course = _course_or_problems(path)
    if course is None:
        return EXIT_INVALID
    types: dict[str, int] = {}
    for q in course.questions.values():
        types[q.type] = types.get(q.type, 0) + 1
    summary = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    print(
        f"ok: {course.title}: {len(course.concepts)} concepts, {len(course.questions)} questions ({summary})"
    )
    return 0


def cmd_knowledge_cues(args: argparse.Namespace) -> int:
    """Print how far each test-taking strategy gets on the course's items, beside chance."""
    from bot.course.cues import measure, measure_course

    path = args.path or str(_settings().course_path)
    course = _course_or_problems(path)
    if course is None:
        return EXIT_INVALID
    if args.files:
        from fnmatch import fnmatch
        from pathlib import PurePath

        questions = [
            q
            for q in course.questions.values()
            if fnmatch(PurePath(q.source.rpartition(":")[0]).name, args.files)
        ]
        if not questions:
            print(f"no question file in {path} matches {args.files!r}", file=sys.stderr)
            return EXIT_INVALID
        report = measure(questions)
    else:
        report = measure_course(course)
    if args.json:
        rates = [
            {
                "cue": r.cue,
                "questions": r.questions,
                "rate": round(r.rate, 4),
                "chance": round(r.chance, 4),
                "limit": round(r.limit, 4),
                "ok": r.ok,
            }
            for r in report.rates
        ]
        extremes = [
            {"file": e.file, "cue": e.cue, "rate": round(e.rate, 4), "questions": list(e.question_ids)}
            for e in report.extremes
        ]
        print(json.dumps({"rates": rates, "extremes": extremes, "ok": report.ok}))
    else:
        print(report.table())
    return 0 if report.ok else EXIT_INVALID


def cmd_knowledge_list(args: argparse.Namespace) -> int:
    from bot.course import CourseError, load_course

    path = args.path or str(_settings().course_path)
    try:
        course = load_course(path)
    except CourseError as exc:
        raise CliError("the course cannot be loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
    rows = []
    for cid in course.topological_order():
        c = course.concepts[cid]
        rows.append(
            {
                "id": c.id,
                "title": c.title,
                "chapter": c.chapter,
                "summary": c.summary,
                "text": c.text,
                "prerequisites": course.prerequisites_of(cid),
                "learn_after": course.next_after(cid),
                "tags": list(c.tags),
                "aliases": list(c.aliases),
                "questions": [
                    {"id": q.id, "type": q.type, "difficulty": q.difficulty} for q in course.questions_of(cid)
                ],
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['id']:<60} {len(r['questions']):>2} questions  {r['title']}")
    return 0


def cmd_knowledge_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.course.scaffold import new_course

    path = Path(args.path)
    try:
        files = new_course(path)
    except FileExistsError as exc:
        raise CliError(str(exc)) from None
    for f in files:
        print(f"created {f}")
    print(f"next: edit the files, run `tutor knowledge check {path}`, then TUTOR_KNOWLEDGE={path} tutor chat")
    return 0


def cmd_knowledge_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.course import CourseError, load_course
    from bot.course.scaffold import import_gift, slugify

    course_path = Path(args.course) if args.course else _settings().course_path
    try:
        course = load_course(course_path)
    except CourseError as exc:
        raise CliError("the course cannot be loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"no such file: {source}")
    out = Path(args.out) if args.out else course_path / "questions" / f"{slugify(source.stem)}.yaml"
    if out.exists() and not args.force:
        raise CliError(f"{out} exists; pass --force to replace it, or --out FILE")
    try:
        result, notes = import_gift(source, course, out, concept=args.concept)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(str(exc)) from None
    for note in notes:
        print(note)
    for line, reason in result.skipped:
        print(f"{source}:{line}: not converted: {reason}", file=sys.stderr)
    for line, note in result.notes:
        print(f"{source}:{line}: note: {note}", file=sys.stderr)
    print(f"{len(result.questions)} questions written to {out}; {len(result.skipped)} not converted")
    try:
        load_course(course_path)
    except CourseError as exc:
        print(
            "the course has problems after the import (fix them, then `tutor knowledge check`):",
            file=sys.stderr,
        )
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_INVALID
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    tutor = _tutor()
    learner = tutor.store.find_learner(args.platform, args.workspace, args.user)
    if learner is None:
        raise CliError(f"no learner '{args.user}' on {args.platform}/{args.workspace} yet")
    report = tutor.progress_report(learner.id or 0)
    if args.json:
        print(
            json.dumps({"user": args.user, "platform": args.platform, "workspace": args.workspace, **report})
        )
        return 0
    from adapters.console.render import render
    from bot.events import ShowProgress

    for reply in tutor.handle(ShowProgress(_learner(args))):
        print(render(reply))
    return 0


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from bot.storage import Scope, Workspace

    tutor = _tutor()
    scope: Scope = Workspace(args.platform, args.workspace)  # never everyone: one workspace at most
    if args.class_name:
        room = tutor.store.find_class(args.platform, args.workspace, args.class_name)
        if room is None:
            raise CliError(f"no class '{args.class_name}' on {args.platform}/{args.workspace} yet")
        scope = room.id or 0
    standings, _ = tutor.leaderboard(scope)
    if args.json:
        print(
            json.dumps(
                [
                    {"rank": s.rank, "user": s.name, "points": s.points, "correct": s.correct}
                    for s in standings
                ]
            )
        )
        return 0
    if not standings:
        print("No answers yet.")
    for s in standings:
        print(f"{s.rank:>3}. {s.name:<30} {s.points:>6} points  {s.correct:>4} right")
    return 0


def _export_rows(tutor, what: str) -> tuple[list[str], list[dict]]:  # type: ignore[no-untyped-def]
    """The rows of one export: attempts, learners, or mastery per learner and concept."""
    from bot.progress import spaced

    now = tutor.clock()
    if what == "attempts":
        fields = [
            "platform",
            "workspace",
            "user_id",
            "question_id",
            "concept_id",
            "correct",
            "score",
            "points",
            "answered_at",
        ]
        rows = []
        for row in tutor.store.export_attempts():
            values = {f: getattr(row, f) for f in fields}
            values["answered_at"] = row.answered_at.isoformat()
            rows.append(values)
        return fields, rows
    if what == "reviews":
        fields = [
            "decision_id",
            "review_id",
            "platform",
            "workspace",
            "user_id",
            "question_id",
            "action",
            "old_score",
            "new_score",
            "old_points",
            "new_points",
            "covered",
            "comment",
            "reviewer",
            "at",
        ]
        rows = []
        for decision in tutor.store.export_review_decisions():
            values = {f: getattr(decision, f) for f in fields}
            values["covered"] = [
                i + 1 for i in json.loads(decision.covered)
            ]  # as numbered in /review-answers
            values["at"] = decision.at.isoformat()
            rows.append(values)
        return fields, rows
    if what == "learners":
        fields = [
            "platform",
            "workspace",
            "user_id",
            "display_name",
            "points",
            "answers",
            "correct",
            "mastered",
            "streak",
            "joined_at",
        ]
        rows = []
        for learner in tutor.store.all_learners():
            report = tutor.progress_report(learner.id or 0)
            rows.append(
                {
                    "platform": learner.platform,
                    "workspace": learner.workspace,
                    "user_id": learner.user_id,
                    "display_name": learner.display_name,
                    "points": report["points"],
                    "answers": report["answers"],
                    "correct": report["correct"],
                    "mastered": report["mastered"],
                    "streak": report["streak"],
                    "joined_at": learner.created_at.isoformat(),
                }
            )
        return fields, rows
    fields = [
        "platform",
        "workspace",
        "user_id",
        "concept_id",
        "concept_title",
        "attempts",
        "correct",
        "mastery",
        "due",
    ]
    rows = []
    for p, learner in tutor.store.all_progress():
        concept = tutor.course.concepts.get(p.concept_id)
        rows.append(
            {
                "platform": learner.platform,
                "workspace": learner.workspace,
                "user_id": learner.user_id,
                "concept_id": p.concept_id,
                "concept_title": concept.title if concept else "",
                "attempts": p.attempts,
                "correct": p.correct,
                "mastery": spaced.mastery(p.mastery, p.card, now),
                "due": p.due.isoformat() if p.due else "",
            }
        )
    return fields, rows


def cmd_export_calibration(args: argparse.Namespace) -> int:
    """`tutor export calibration`: the answers instructors re-scored, as a `tutor eval --grading` set."""
    tutor = _tutor()
    skipped = 0
    for review, answer, covered in tutor.store.instructor_labels():
        question = tutor.course.questions.get(review.question_id)
        if question is None or question.type != "open_ended" or len(question.rubric) != review.rubric_size:
            skipped += 1  # the rubric the instructor scored against is not the course's any more
            continue
        row = {"question_id": review.question_id, "kind": "instructor", "answer": answer, "covered": covered}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    if skipped:
        print(
            f"tutor: {skipped} re-scored answers left out: their question's rubric changed or is gone",
            file=sys.stderr,
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import csv

    tutor = _tutor()
    fields, rows = _export_rows(tutor, args.export_what)
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """`tutor serve NAME`: the platform's `serve` from the registry (`tutor_cli.platforms`), given the tutor."""
    from tutor_cli import platforms

    try:
        entry = platforms.find(args.platform_name)
    except platforms.UnknownPlatform as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    settings = _settings()
    try:
        serve = platforms.load(entry)
    except platforms.PlatformUnavailable as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    tutor = _tutor(settings, serving=True)
    return serve(tutor, settings, args)


def cmd_eval_grading(args: argparse.Namespace) -> int:
    from bot.course import CourseError, load_course
    from bot.runtime import make_embedder
    from tutor_cli.evaluate_grading import (
        GRADERS,
        answer_line,
        grade_items,
        load_grading_set,
        summarise,
        table,
    )

    settings = _settings()
    try:
        course = load_course(settings.course_path)
    except CourseError as exc:
        raise CliError("the course cannot be loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
    sets = []
    for path in args.grading:
        try:
            items = load_grading_set(path, course)
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise CliError(f"the grading set has problems:\n{exc}") from None
        if not items:
            raise CliError(f"{path} has no answers")
        sets.append((path, items))
    encode = make_embedder(settings).encode
    rows = []
    for path, items in sets:
        for label, grader in GRADERS:
            results = grade_items(items, course, encode, grader)
            summary = summarise(results, course)
            rows.append((path, label, summary))
            if args.json and grader == "assertions":
                for r in results:
                    print(json.dumps(answer_line(r), ensure_ascii=False))
                before = next(s for p, label, s in rows if p == path and label == GRADERS[1][0])
                print(json.dumps({"file": path, **summary, "before": before}, ensure_ascii=False))
    if not args.json:
        print(table(rows))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.grading:
        return cmd_eval_grading(args)
    if args.dialogues:
        return _eval_dialogues(args)
    if not args.file:
        raise CliError(
            "tutor eval FILE (retrieval), --grading FILE (open-ended grading) or --dialogues FILE (answers)",
            EXIT_USAGE,
        )
    from tutor_cli.evaluate import load_eval, report

    tutor = _tutor()
    sets = {}
    for file in args.file:
        try:
            items = load_eval(file, set(tutor.course.concepts))
        except OSError as exc:
            raise CliError(f"cannot read {file}: {exc.strerror}") from None
        except ValueError as exc:
            raise CliError(f"the evaluation set has problems:\n{exc}") from None
        if not items:
            raise CliError(f"{file} has no questions")
        sets[file] = items
    if args.encoders:
        return _eval_encoders(tutor, sets, args.encoders)
    for file, items in sets.items():
        if len(sets) > 1:
            print(f"\n{file}")
        print(report(tutor.retriever, items, show_misses=args.misses))
    return 0


def _eval_encoders(tutor, sets, encoders: str) -> int:  # type: ignore[no-untyped-def]
    """`tutor eval --encoders torch,onnx FILE...`: one table, exit 1 when an encoder moves a score by more than
    0.01 from the first one's."""
    from pathlib import Path

    from bot.retrieval import ENCODERS, Retriever
    from bot.runtime import make_embedder
    from tutor_cli.evaluate import encoder_report

    names = [e.strip() for e in encoders.split(",") if e.strip()]
    unknown = [e for e in names if e not in ENCODERS]
    if unknown or not names:
        raise CliError(f"--encoders takes a comma-separated list of {', '.join(ENCODERS)}", EXIT_USAGE)
    settings = _settings()
    retrievers = {name: Retriever(tutor.course, make_embedder(settings, name)) for name in names}
    table, worst = encoder_report(retrievers, {Path(f).stem: items for f, items in sets.items()})
    print(
        f"retrieval by encoder, one run ({len(tutor.course.concepts)} concepts; the same course and fusion)\n"
    )
    print(table)
    verdict = "within" if worst <= 0.01 else "MORE than"
    print(f"\nlargest difference from {names[0]}: {worst:.3f} ({verdict} 0.01)")
    return 0 if worst <= 0.01 else 1


def _eval_dialogues(args: argparse.Namespace) -> int:
    from tutor_cli import dialogues

    tutor = _tutor()
    try:
        items = dialogues.load_dialogues(args.dialogues)
    except OSError as exc:
        raise CliError(f"cannot read {args.dialogues}: {exc.strerror}") from None
    except ValueError as exc:
        raise CliError(f"the dialogue set has problems:\n{exc}") from None
    if not items:
        raise CliError(f"{args.dialogues} has no dialogues")
    outcomes = dialogues.run(tutor.course, tutor.retriever, items)
    print(dialogues.report(outcomes, show_misses=args.misses))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.storage import StorageUnavailable, make_engine, migrate, redact

    settings = _settings()
    try:
        engine = make_engine(settings.database, create=False, serving=False)
    except StorageUnavailable as exc:
        raise CliError(str(exc), EXIT_UNAVAILABLE) from None
    where = redact(settings.database)
    if args.db_command == "current":
        print(f"{where}: schema {migrate.current(engine) or '(empty)'}; this tutor's is {migrate.head()}")
        return 0
    before, after = migrate.upgrade(engine)
    print(f"{where}: schema {before or '(empty)'} -> {after}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from tutor_cli.bench import run_bench

    if args.scale:
        from tutor_cli.bench_scale import run_scale

        _settings()
        return run_scale(attempts=args.attempts)
    encoders = tuple(e.strip() for e in args.encoders.split(",") if e.strip())
    from bot.retrieval import ENCODERS

    if not encoders or any(e not in ENCODERS for e in encoders):
        raise CliError(f"--encoders takes a comma-separated list of {', '.join(ENCODERS)}", EXIT_USAGE)
    return run_bench(_settings(), queries=args.queries, encoders=encoders)


# -- parser ----------------------------------------------------------------------------------------
def _who(p: argparse.ArgumentParser, user_required: bool = False) -> None:
    if user_required:
        p.add_argument("--user", required=True, help="the learner's user name (console) or id")
    p.add_argument("--platform", default="console", help="console, slack or discord (default console)")
    p.add_argument("--workspace", default="local", help="Slack team or Discord guild id (default local)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor", description="A course tutor: answers from the course, quizzes, progress."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("chat", help="talk to the tutor in the terminal (reads piped input too)")
    p.add_argument("--user", default="learner", help="your name (default learner)")
    p.add_argument(
        "--class", dest="class_name", default="console", help="the class you are in (default console)"
    )
    p.add_argument("--instructor", action="store_true", help="act as an instructor")
    p.add_argument(
        "--json",
        action="store_true",
        help='a transcript for scripts: one JSON object per input line, {"input", "replies", "concepts", '
        '"confident", "forwarded"}',
    )
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "ask", help="answer a question from the course (no QUESTION: one a line from stdin, JSON lines out)"
    )
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--json", action="store_true", help="print JSON: question, answer, confident, sources")
    p.add_argument("-k", type=int, default=3, help="how many sources (default 3)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("knowledge", help="check or list a course")
    ksub = p.add_subparsers(dest="knowledge_command", metavar="ACTION")
    k = ksub.add_parser("check", help="validate a course folder (exit 0 when valid)")
    k.add_argument("path", nargs="?", help="course folder (default TUTOR_KNOWLEDGE or the bundled course)")
    k.set_defaults(func=cmd_knowledge_check)
    k = ksub.add_parser(
        "cues", help="how far test-taking strategies get on the items, beside chance (exit 1 over the limit)"
    )
    k.add_argument("path", nargs="?", help="course folder (default TUTOR_KNOWLEDGE or the bundled course)")
    k.add_argument("--json", action="store_true", help="print JSON: rates, extremes, ok")
    k.add_argument("--files", metavar="GLOB", help="measure only the question files whose names match GLOB")
    k.set_defaults(func=cmd_knowledge_cues)
    k = ksub.add_parser("list", help="list the concepts")
    k.add_argument("path", nargs="?", help="course folder (default TUTOR_KNOWLEDGE or the bundled course)")
    k.add_argument("--json", action="store_true", help="print JSON")
    k.set_defaults(func=cmd_knowledge_list)

    k = ksub.add_parser("new", help="scaffold a new course folder with one example concept and question")
    k.add_argument("path", help="the folder to create")
    k.set_defaults(func=cmd_knowledge_new)
    k = ksub.add_parser("import", help="convert a Moodle GIFT question bank into a question file")
    k.add_argument("file", help="the .gift file")
    k.add_argument("--course", help="the course folder (default TUTOR_KNOWLEDGE or the bundled course)")
    k.add_argument(
        "--concept", help="put every question under this concept id (default: from $CATEGORY, or by words)"
    )
    k.add_argument("--out", help="the question file to write (default COURSE/questions/<file name>.yaml)")
    k.add_argument("--force", action="store_true", help="replace an existing question file")
    k.set_defaults(func=cmd_knowledge_import)

    p = sub.add_parser("progress", help="a learner's progress")
    _who(p, user_required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("leaderboard", help="the ranking, of one class or of one workspace")
    p.add_argument("--class", dest="class_name", default="", help="class name (console) or channel id")
    _who(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser(
        "export", help="export data for the gradebook: attempts, learners, mastery; reviews of answers"
    )
    esub = p.add_subparsers(dest="export_what", metavar="WHAT")
    for what, text in (
        ("attempts", "one row per attempt"),
        ("learners", "one row per learner: points, answers, mastered concepts, streak"),
        ("mastery", "one row per learner and concept: mastery, due date"),
        ("reviews", "one row per /review-answers decision: who, when, old and new score and points, comment"),
    ):
        e = esub.add_parser(what, help=text)
        e.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        e.set_defaults(func=cmd_export)
    e = esub.add_parser(
        "calibration",
        help="the answers instructors re-scored, as JSON lines for tutor eval --grading: "
        '{"question_id", "kind": "instructor", "answer", "covered"}',
    )
    e.set_defaults(func=cmd_export_calibration)

    p = sub.add_parser("serve", help="run the tutor on a chat platform: slack, discord or webhook")
    p.add_argument(
        "platform_name",
        metavar="PLATFORM",
        help="slack, discord or webhook, or another platform installed in the tutor.platforms entry points",
    )
    p.add_argument(
        "--port", type=int, default=3000, help="Slack HTTP mode and webhook: the port (default 3000)"
    )
    p.add_argument(
        "--host",
        default="0.0.0.0",
        help="Slack HTTP mode and webhook: the address to listen on (default 0.0.0.0)",
    )
    p.add_argument(
        "--sharded", action="store_true", help="Discord: use AutoShardedClient (large deployments)"
    )
    p.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="Discord and Slack Socket Mode: the port of GET /healthz and /metrics "
        "(default TUTOR_HEALTH_PORT or 8080; 0 turns it off)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="the database schema: upgrade it, or show its revision")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION")
    d = dsub.add_parser("upgrade", help="apply the schema migrations (back up first)")
    d.set_defaults(func=cmd_db)
    d = dsub.add_parser("current", help="show the database's schema revision and this tutor's")
    d.set_defaults(func=cmd_db)

    p = sub.add_parser(
        "eval", help="retrieval quality on a question set: recall@1, recall@3, MRR vs BM25 and dense"
    )
    p.add_argument("file", nargs="*", help='JSON lines: {"question": "...", "concepts": ["concept-id", ...]}')
    p.add_argument("--misses", action="store_true", help="list the questions the tutor ranks wrong")
    p.add_argument(
        "--grading",
        nargs="+",
        metavar="FILE",
        help='instead: open-ended grading quality on hand-judged answers, JSON lines {"question_id", "kind", '
        '"answer", "covered": [...]}; before (similarity) and after (assertions), one table row each',
    )
    p.add_argument(
        "--json", action="store_true", help="with --grading: one JSON line per answer, then the summary"
    )
    p.add_argument(
        "--encoders",
        metavar="LIST",
        help="compare encoders (e.g. torch,onnx,onnx-int8) on every FILE in one table; "
        "exit 1 when one moves a score by more than 0.01 from the first",
    )
    p.add_argument(
        "--dialogues",
        metavar="FILE",
        help='instead: answer quality on dialogues, JSON lines {"id", "kind", "turns", "must", ...}',
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure /ask latency, start-up and memory")
    p.add_argument("--queries", type=int, default=200, help="how many timed questions (default 200)")
    p.add_argument(
        "--encoders",
        metavar="LIST",
        default="torch,onnx,onnx-int8",
        help="the encoders measured side by side, each in a worker of its own (default torch,onnx,onnx-int8; "
        "torch, the floor, is always among them)",
    )
    p.add_argument(
        "--scale",
        action="store_true",
        help="instead: answers/s with 1, 2, 4 workers; leaderboards at 10,000 learners and "
        "1,000,000 attempts; vector search at 100,000 passages (minutes; uses PostgreSQL)",
    )
    p.add_argument("--attempts", type=int, default=1_000_000, help="with --scale: how many attempts to load")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else EXIT_USAGE
    with contextlib.suppress(
        AttributeError, ValueError
    ):  # bytes that are not UTF-8 become U+FFFD, not a crash
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        code = func(args)
        sys.stdout.flush()  # a full disk shows here, not as a traceback at exit
        return code
    except CliError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 0
    except OSError as exc:  # a full disk, a read-only or vanished output: one line, nothing half-printed
        _discard_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"tutor: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush has nothing to fail on."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
