"""`tutor ...`: the command line. Heavy libraries are imported inside the commands, so `tutor --help` is instant."""

from __future__ import annotations

import argparse
import json
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
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            name = name if name.startswith(("SLACK_", "DISCORD_")) else f"TUTOR_{name}"
            lines.append(f"{name}: {err['msg']}")
        raise CliError("invalid environment: " + "; ".join(lines), EXIT_USAGE) from None
    from bot.logs import configure

    configure(settings.log_level, settings.log_format)
    return settings


def _tutor(settings=None, course=None):  # type: ignore[no-untyped-def]
    from bot.course import CourseError
    from bot.runtime import build_tutor
    from bot.storage import StorageUnavailable

    settings = settings or _settings()
    try:
        return build_tutor(settings, course=course)
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

    tutor = _tutor()
    app = ConsoleApp(tutor, user=args.user, class_name=args.class_name, instructor=args.instructor)
    return app.run()


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
            raise CliError('the question is empty: tutor ask "what is RLHF?"', EXIT_USAGE)
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


def cmd_knowledge_check(args: argparse.Namespace) -> int:
    from bot.course import CourseError, load_course

    path = args.path or str(_settings().course_path)
    try:
        course = load_course(path)
    except CourseError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(
            f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in {path}", file=sys.stderr
        )
        return EXIT_INVALID
    types: dict[str, int] = {}
    for q in course.questions.values():
        types[q.type] = types.get(q.type, 0) + 1
    summary = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    print(
        f"ok: {course.title}: {len(course.concepts)} concepts, {len(course.questions)} questions ({summary})"
    )
    return 0


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
    tutor = _tutor()
    class_id = None
    if args.class_name:
        room = tutor.store.find_class(args.platform, args.workspace, args.class_name)
        if room is None:
            raise CliError(f"no class '{args.class_name}' on {args.platform}/{args.workspace} yet")
        class_id = room.id
    standings, _ = tutor.leaderboard(class_id)
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
    settings = _settings()
    if args.platform_name == "slack":
        try:
            from adapters.slack.app import serve
        except ImportError as exc:
            raise CliError(
                f"the Slack adapter needs slack-bolt: pip install 'tutor[slack]' ({exc})", EXIT_USAGE
            ) from None
    else:
        try:
            from adapters.discord.app import serve  # type: ignore[no-redef]
        except ImportError as exc:
            raise CliError(
                f"the Discord adapter needs discord.py: pip install 'tutor[discord]' ({exc})", EXIT_USAGE
            ) from None
    tutor = _tutor(settings)
    return serve(tutor, settings, args)


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import load_eval, report

    if args.dialogues:
        return _eval_dialogues(args)
    if not args.file:
        raise CliError("give a question set FILE, or --dialogues FILE", EXIT_USAGE)
    tutor = _tutor()
    try:
        items = load_eval(args.file, set(tutor.course.concepts))
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    except ValueError as exc:
        raise CliError(f"the evaluation set has problems:\n{exc}") from None
    if not items:
        raise CliError(f"{args.file} has no questions")
    print(report(tutor.retriever, items, show_misses=args.misses))
    return 0


def _eval_dialogues(args: argparse.Namespace) -> int:
    from bot import dialogues

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
        engine = make_engine(settings.database, create=False)
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
    from bot.bench import run_bench

    if args.scale:
        from bot.bench_scale import run_scale

        _settings()
        return run_scale(attempts=args.attempts)
    return run_bench(_settings(), queries=args.queries)


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

    p = sub.add_parser("leaderboard", help="the ranking, of one class or of everyone")
    p.add_argument("--class", dest="class_name", default="", help="class name (console) or channel id")
    _who(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("export", help="export data for the gradebook: attempts, learners, mastery")
    esub = p.add_subparsers(dest="export_what", metavar="WHAT")
    for what, text in (
        ("attempts", "one row per attempt"),
        ("learners", "one row per learner: points, answers, mastered concepts, streak"),
        ("mastery", "one row per learner and concept: mastery, due date"),
    ):
        e = esub.add_parser(what, help=text)
        e.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        e.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="run the tutor on a chat platform: slack or discord")
    p.add_argument("platform_name", choices=["slack", "discord"], metavar="PLATFORM", help="slack or discord")
    p.add_argument("--port", type=int, default=3000, help="Slack HTTP mode: the port (default 3000)")
    p.add_argument(
        "--host", default="0.0.0.0", help="Slack HTTP mode: the address to listen on (default 0.0.0.0)"
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
    p.add_argument("file", nargs="?", help='JSON lines: {"question": "...", "concepts": ["concept-id", ...]}')
    p.add_argument("--misses", action="store_true", help="list the questions the tutor ranks wrong")
    p.add_argument(
        "--dialogues",
        metavar="FILE",
        help='instead: answer quality on dialogues, JSON lines {"id", "kind", "turns", "must", ...}',
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure /ask latency, start-up and memory")
    p.add_argument("--queries", type=int, default=200, help="how many timed questions (default 200)")
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
    try:
        return func(args)
    except CliError as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
