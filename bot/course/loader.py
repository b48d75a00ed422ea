"""Load and validate a course folder. Every problem is reported with its file and line."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.course.model import QUESTION_TYPES, Concept, Course, Option, Question, RubricPoint

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?", re.S)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CourseError(Exception):
    """The course folder cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _LineDict(dict):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


# Course files come from instructors' folders and imports: a few kilobytes each. These limits make a
# hostile or broken file a clear message instead of minutes of work and gigabytes of memory.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40

# libyaml's parser when PyYAML has it: the pure-Python one took ~80% of a worker's start-up on the course.
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


class _LineLoader(_FAST):  # type: ignore[misc,valid-type]
    """SafeLoader whose mappings are _LineDicts (built eagerly, so nested ones keep their lines too)."""


def _refuse_hostile(text: str) -> None:
    """Aliases (`*name`) are refused: a course never needs them, and expanding them is how a 700-byte
    "billion laughs" file becomes gigabytes. Nesting deeper than MAX_DEPTH is refused too. One pass of
    libyaml's scanner over the tokens, before anything is built."""
    depth = 0
    for token in yaml.scan(text, Loader=_FAST):
        if isinstance(token, yaml.AliasToken):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in course files; write the value out",
                token.start_mark,
            )
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", token.start_mark
                )
        elif isinstance(token, _CLOSE):
            depth -= 1


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_dict)


def _line_of(obj: Any, key: str | None = None, default: int = 1) -> int:
    if isinstance(obj, _LineDict):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line
    return default


class _Checker:
    """Collects problems while reading one file."""

    def __init__(self, file: str, problems: list[Problem], line_offset: int = 0):
        self.file, self.problems, self.offset = file, problems, line_offset

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line + self.offset, message))

    def text(self, obj: dict, key: str, where: str, required: bool = True, default: str = "") -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.error(_line_of(obj), f"{where}: missing '{key}'")
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(_line_of(obj, key), f"{where}: '{key}' must be text")
            return default
        text = str(value).strip()
        if required and not text:
            self.error(_line_of(obj, key), f"{where}: '{key}' is empty")
        return text

    def id_list(self, obj: dict, key: str, where: str) -> tuple[str, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(_line_of(obj, key), f"{where}: '{key}' must be a list of text")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def load_yaml(self, text: str) -> Any:
        try:
            _refuse_hostile(text)
            return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else 1
            if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow (NUL, ...)
                line = text.count("\n", 0, exc.position) + 1
                problem = f"a character YAML does not allow ({exc.character!r}): is this a text file?"
            else:
                problem = getattr(exc, "problem", None) or str(exc)
            self.error(line, f"not valid YAML: {problem}")
            return None

    def read(self, path: Path) -> str | None:
        """The file's text; None (and a problem) when it is missing, too large or not UTF-8 text."""
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                self.error(1, f"the file is {size:,} bytes; a course file may be at most {MAX_FILE_BYTES:,}")
                return None
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.error(1, f"not UTF-8 text (byte {exc.start:,} cannot be read): is this a text file?")
        except OSError as exc:
            self.error(1, f"cannot read the file: {exc.strerror or exc}")
        return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_concept(path: Path, root: Path, problems: list[Problem]) -> Concept | None:
    name = _rel(path, root)
    check = _Checker(name, problems)
    raw = check.read(path)
    if raw is None:
        return None
    match = FRONT_MATTER_RE.match(raw)
    if not match:
        check.error(1, "a concept file starts with YAML front matter between two '---' lines")
        return None
    check.offset = 1  # the front matter starts on line 2
    meta = check.load_yaml(match.group(1))
    if meta is None:
        return None
    if not isinstance(meta, dict):
        check.error(1, "the front matter must be a mapping of fields")
        return None
    where = "concept"
    cid = check.text(meta, "id", where)
    if cid and not ID_RE.match(cid):
        check.error(
            _line_of(meta, "id"), f"concept id '{cid}' may hold only lowercase letters, digits and '-'"
        )
    title = check.text(meta, "title", where)
    chapter = check.text(meta, "chapter", where, required=False)
    summary = check.text(meta, "summary", where, required=False)
    prerequisites = check.id_list(meta, "prerequisites", where)
    learn_after = check.id_list(meta, "learn_after", where)
    tags = check.id_list(meta, "tags", where)
    aliases = check.id_list(meta, "aliases", where)
    asks = check.id_list(meta, "asks", where)
    known = {"id", "title", "chapter", "summary", "prerequisites", "learn_after", "tags", "aliases", "asks"}
    for key in meta:
        if key not in known:
            check.error(
                _line_of(meta, str(key)), f"unknown field '{key}' (known: {', '.join(sorted(known))})"
            )
    body = raw[match.end() :].strip()
    check.offset = 0
    if not body:
        check.error(raw[: match.end()].count("\n") + 1, "the concept has no text after its front matter")
    if not (cid and title and body):
        return None
    return Concept(
        id=cid,
        title=title,
        chapter=chapter,
        summary=summary,
        text=body,
        prerequisites=prerequisites,
        learn_after=learn_after,
        tags=tags,
        aliases=aliases,
        asks=asks,
        source=f"{name}:1",
    )


def _load_options(check: _Checker, q: dict, qtype: str, where: str) -> tuple[Option, ...]:
    key = {
        "single_choice": "options",
        "multiple_response": "options",
        "ordering": "steps",
        "matching": "pairs",
    }[qtype]
    items = q.get(key)
    if not isinstance(items, list) or not items:
        check.error(_line_of(q, key), f"{where}: a {qtype} question needs a list '{key}'")
        return ()
    low, high = (2, 8) if qtype == "multiple_response" else (2, 6)
    if not low <= len(items) <= high:
        check.error(
            _line_of(q, key), f"{where}: '{key}' has {len(items)} entries; {low} to {high} are allowed"
        )
    options: list[Option] = []
    for n, item in enumerate(items, 1):
        here = f"{where}, {key} {n}"
        if not isinstance(item, dict):
            check.error(_line_of(q, key), f"{here}: must be a mapping")
            continue
        explanation = check.text(item, "explanation", here)
        if qtype == "matching":
            left = check.text(item, "left", here)
            right = check.text(item, "right", here)
            options.append(Option(text=left, right=right, explanation=explanation))
        else:
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                check.error(_line_of(item, "correct"), f"{here}: 'correct' must be true or false")
                correct = False
            if qtype == "ordering" and "correct" in item:
                check.error(
                    _line_of(item, "correct"), f"{here}: ordering steps are listed in order; no 'correct'"
                )
            weight = 0.0
            if "weight" in item:
                raw = item["weight"]
                if qtype != "multiple_response":
                    check.error(
                        _line_of(item, "weight"), f"{here}: only multiple_response options have a 'weight'"
                    )
                elif isinstance(raw, bool) or not isinstance(raw, int | float) or not -100 <= raw <= 100:
                    check.error(_line_of(item, "weight"), f"{here}: 'weight' is a percent from -100 to 100")
                else:
                    weight = float(raw)
            options.append(
                Option(
                    text=check.text(item, "text", here),
                    explanation=explanation,
                    correct=correct,
                    weight=weight,
                )
            )
    texts = [o.text.lower() for o in options]
    for text, count in Counter(texts).items():
        if count > 1 and text:
            check.error(_line_of(q, key), f"{where}: two {key} have the same text '{text[:60]}'")
    if qtype == "matching":
        rights = [o.right.lower() for o in options]
        for text, count in Counter(rights).items():
            if count > 1 and text:
                check.error(_line_of(q, key), f"{where}: two pairs have the same right side '{text[:60]}'")
    if qtype == "single_choice":
        n_correct = sum(o.correct for o in options)
        if n_correct != 1:
            check.error(_line_of(q, key), f"{where}: exactly one option must be correct (found {n_correct})")
    if qtype == "multiple_response" and len(options) == len(items):
        options = _weigh_options(check, q, items, options, where)
    return tuple(options)


def _weigh_options(check: _Checker, q: dict, items: list, options: list[Option], where: str) -> list[Option]:
    """Multiple response, scored as Moodle scores it: each option carries a percent of the mark. Either every
    option has a `weight` (the positive ones add up to 100), or none has and `correct: true` marks the right
    ones: each right option is then worth 100/k and each wrong one -100/k, so choosing everything scores 0."""
    weighted = ["weight" in item for item in items]
    line = _line_of(q, "options")
    if any(weighted) and not all(weighted):
        check.error(
            line,
            f"{where}: give every option a 'weight', or none (then 'correct: true' marks the right ones)",
        )
        return options
    if all(weighted):
        total = sum(o.weight for o in options if o.weight > 0)
        if abs(total - 100) > 0.5:
            check.error(line, f"{where}: the positive weights add up to {total:g}; they must add up to 100")
        for n, (item, o) in enumerate(zip(items, options, strict=True), 1):
            if "correct" in item and o.correct != (o.weight > 0):
                check.error(
                    _line_of(item, "correct"),
                    f"{where}, options {n}: 'correct' says {str(o.correct).lower()} but the weight is {o.weight:g}",
                )
        return [replace(o, correct=o.weight > 0) for o in options]
    right = sum(o.correct for o in options)
    if right == 0:
        check.error(line, f"{where}: at least one option must be correct (correct: true) or carry a weight")
        return options
    share = 100.0 / right
    return [replace(o, weight=share if o.correct else -share) for o in options]


def _load_rubric(check: _Checker, q: dict, points: list, where: str) -> tuple[RubricPoint, ...]:
    """Rubric points: plain text, or a mapping {point, affirm: [...], oppose: [...]} with stance anchors."""
    out: list[RubricPoint] = []
    for n, item in enumerate(points, 1):
        here = f"{where}, rubric point {n}"
        if isinstance(item, str):
            out.append(RubricPoint(item.strip()))
            continue
        for key in item:
            if key not in ("point", "affirm", "oppose"):
                check.error(
                    _line_of(item, str(key)), f"{here}: unknown field '{key}' (known: affirm, oppose, point)"
                )
        text = check.text(item, "point", here)
        anchors: dict[str, tuple[str, ...]] = {}
        for key in ("affirm", "oppose"):
            value = item.get(key, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                check.error(_line_of(item, key), f"{here}: '{key}' must be a list of statements")
                value = []
            anchors[key] = tuple(v.strip() for v in value)
        if text:
            out.append(RubricPoint(text, anchors["affirm"], anchors["oppose"]))
    return tuple(out)


def _load_questions(path: Path, root: Path, problems: list[Problem]) -> list[Question]:
    name = _rel(path, root)
    check = _Checker(name, problems)
    raw = check.read(path)
    if raw is None:
        return []
    data = check.load_yaml(raw)
    if data is None:
        if not any(p.file == name for p in problems):
            check.error(1, "the file is empty; it needs a 'questions' list")
        return []
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        check.error(_line_of(data), "a question file is a mapping with a list 'questions'")
        return []
    out: list[Question] = []
    for n, q in enumerate(data["questions"], 1):
        if not isinstance(q, dict):
            check.error(_line_of(data, "questions"), f"question {n}: must be a mapping")
            continue
        qid = check.text(q, "id", f"question {n}")
        where = f"question '{qid or n}'"
        if qid and not ID_RE.match(qid):
            check.error(_line_of(q, "id"), f"{where}: id may hold only lowercase letters, digits and '-'")
        concept = check.text(q, "concept", where)
        qtype = check.text(q, "type", where)
        prompt = check.text(q, "prompt", where)
        hint = check.text(q, "hint", where, required=False)
        difficulty = q.get("difficulty", 2)
        if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 3:
            check.error(_line_of(q, "difficulty"), f"{where}: difficulty is 1, 2 or 3")
            difficulty = 2
        known = {
            "id",
            "concept",
            "type",
            "prompt",
            "hint",
            "difficulty",
            "options",
            "steps",
            "pairs",
            "rubric",
            "model_answer",
            "answers",
            "explanation",
        }
        for key in q:
            if key not in known:
                check.error(_line_of(q, str(key)), f"{where}: unknown field '{key}'")
        if qtype and qtype not in QUESTION_TYPES:
            check.error(
                _line_of(q, "type"), f"{where}: type '{qtype}' is not one of {', '.join(QUESTION_TYPES)}"
            )
            continue
        options: tuple[Option, ...] = ()
        rubric: tuple[str, ...] = ()
        rubric_points: tuple[RubricPoint, ...] = ()
        model_answer = ""
        explanation = check.text(q, "explanation", where, required=False) if qtype != "short_answer" else ""
        if qtype == "open_ended":
            points = q.get("rubric")
            if not isinstance(points, list) or not all(
                (isinstance(p, str) and p.strip()) or isinstance(p, dict) for p in points
            ):
                check.error(
                    _line_of(q, "rubric"), f"{where}: an open_ended question needs a 'rubric' list of points"
                )
            elif not 1 <= len(points) <= 6:
                check.error(
                    _line_of(q, "rubric"), f"{where}: a rubric has 1 to 6 points (found {len(points)})"
                )
            else:
                rubric_points = _load_rubric(check, q, points, where)
                rubric = tuple(p.text for p in rubric_points)
            model_answer = check.text(q, "model_answer", where)
        elif qtype == "short_answer":
            accepted = q.get("answers")
            if (
                not isinstance(accepted, list)
                or not accepted
                or not all(isinstance(a, str | int | float) and str(a).strip() for a in accepted)
            ):
                check.error(
                    _line_of(q, "answers"), f"{where}: a short_answer question needs a list 'answers'"
                )
            else:
                explanation = check.text(q, "explanation", where)
                options = tuple(Option(str(a).strip(), explanation, correct=True) for a in accepted)
        elif qtype:
            options = _load_options(check, q, qtype, where)
        if qid and concept and qtype and prompt:
            out.append(
                Question(
                    id=qid,
                    concept_id=concept,
                    type=qtype,  # type: ignore[arg-type]
                    prompt=prompt,
                    options=options,
                    rubric=rubric,
                    model_answer=model_answer,
                    hint=hint,
                    difficulty=difficulty,
                    source=f"{name}:{_line_of(q)}",
                    explanation=explanation,
                    rubric_points=rubric_points,
                )
            )
    return out


def _split_source(source: str) -> tuple[str, int]:
    file, _, line = source.rpartition(":")
    return file, int(line or 1)


def _lint_course(concepts: list[Concept], questions: list[Question], problems: list[Problem]) -> None:
    by_id: dict[str, Concept] = {}
    titles: dict[str, Concept] = {}
    for c in concepts:
        if c.id in by_id:
            problems.append(
                Problem(*_split_source(c.source), f"concept id '{c.id}' is also used in {by_id[c.id].source}")
            )
        by_id.setdefault(c.id, c)
        if c.title.lower() in titles:
            problems.append(
                Problem(
                    *_split_source(c.source),
                    f"title '{c.title}' is also used in {titles[c.title.lower()].source}",
                )
            )
        titles.setdefault(c.title.lower(), c)
    for c in concepts:
        for field_name in ("prerequisites", "learn_after"):
            for ref in getattr(c, field_name):
                if ref not in by_id:
                    problems.append(
                        Problem(*_split_source(c.source), f"{field_name} names unknown concept '{ref}'")
                    )
                elif ref == c.id:
                    problems.append(
                        Problem(*_split_source(c.source), f"{field_name} names the concept itself")
                    )
    seen: dict[str, Question] = {}
    for q in questions:
        if q.id in seen:
            problems.append(
                Problem(*_split_source(q.source), f"question id '{q.id}' is also used in {seen[q.id].source}")
            )
        seen.setdefault(q.id, q)
        if q.concept_id not in by_id:
            problems.append(
                Problem(*_split_source(q.source), f"question '{q.id}' names unknown concept '{q.concept_id}'")
            )


def _lint_graph(course: Course, problems: list[Problem]) -> None:
    order = course.topological_order()
    placed: set[str] = set()
    indeg = {c: len(course.prerequisites_of(c)) for c in course.concepts}
    # Kahn's algorithm again, to find the concepts that sit on a cycle.
    ready = [c for c, d in indeg.items() if d == 0]
    while ready:
        c = ready.pop()
        placed.add(c)
        for n in course.next_after(c):
            indeg[n] -= 1
            if indeg[n] == 0:
                ready.append(n)
    for cid in order:
        if cid not in placed:
            concept = course.concepts[cid]
            problems.append(
                Problem(*_split_source(concept.source), f"concept '{cid}' is on a cycle of prerequisites")
            )


def _lint_positions(questions: list[Question], problems: list[Problem], root: str) -> None:
    single = [q for q in questions if q.type == "single_choice" and any(o.correct for o in q.options)]
    if len(single) < 8:
        return
    positions = Counter(q.correct_index for q in single)
    top, count = positions.most_common(1)[0]
    if count > len(single) / 2:
        problems.append(
            Problem(
                root,
                1,
                f"{count} of {len(single)} single-choice questions have the correct option in position "
                f"{chr(65 + top)}; spread the correct answers over the positions",
            )
        )


def load_course(path: str | Path) -> Course:
    """Read a course folder; raise CourseError listing every problem found."""
    root = Path(path).expanduser()
    problems: list[Problem] = []
    meta_file = root / "course.yaml"
    if not root.is_dir():
        raise CourseError([Problem(str(root), 1, "no such course folder")])
    meta: dict = {}
    if meta_file.is_file():
        check = _Checker(_rel(meta_file, root), problems)
        text = check.read(meta_file)
        loaded = check.load_yaml(text) if text is not None else None
        if isinstance(loaded, dict):
            meta = loaded
        elif loaded is not None:
            check.error(1, "course.yaml must be a mapping (id, title, description)")
    else:
        problems.append(Problem(_rel(meta_file, root), 1, "missing course.yaml (id, title, description)"))
    concept_files = sorted((root / "concepts").glob("*.md"))
    if not concept_files:
        problems.append(Problem(_rel(root / "concepts", root), 1, "the course has no concepts/*.md files"))
    concepts = [c for f in concept_files if (c := _load_concept(f, root, problems))]
    questions = [
        q for f in sorted((root / "questions").glob("*.y*ml")) for q in _load_questions(f, root, problems)
    ]
    _lint_course(concepts, questions, problems)
    course = Course(
        id=str(meta.get("id") or root.name),
        title=str(meta.get("title") or root.name),
        description=str(meta.get("description") or ""),
        path=str(root),
        concepts={c.id: c for c in concepts},
        questions={q.id: q for q in questions},
        start=str(meta.get("start") or ""),
    )
    if course.start and course.start not in course.concepts:
        problems.append(
            Problem(
                _rel(meta_file, root),
                _line_of(meta, "start"),
                f"start names unknown concept '{course.start}'",
            )
        )
    _lint_graph(course, problems)
    _lint_positions(questions, problems, _rel(root / "questions", root))
    if problems:
        raise CourseError(problems)
    return course
