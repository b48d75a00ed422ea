"""The tutorbot: the console adapter in-process, synchronous, on a temporary database (after errbot's test backend)."""

from __future__ import annotations

from adapters.console.app import ConsoleApp
from adapters.console.render import render
from bot import replies as R
from bot.course import Course
from bot.retrieval import Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor


class TutorBot:
    def __init__(
        self,
        course: Course,
        retriever: Retriever,
        db_url: str,
        clock,
        user: str = "ada",
        class_name: str = "cs-101",
    ):
        self.engine = make_engine(db_url)
        self.store = Store(self.engine)
        self.tutor = Tutor(course, self.store, retriever, clock=clock)
        self.clock = clock
        self.apps: dict[str, ConsoleApp] = {}
        self.user, self.class_name = user, class_name
        self.last: list[R.Reply] = []
        self.instructors = {"prof"}

    def app(self, user: str | None = None) -> ConsoleApp:
        user = user or self.user
        if user not in self.apps:
            instructor = user in self.instructors
            self.apps[user] = ConsoleApp(
                self.tutor, user=user, class_name=self.class_name, instructor=instructor
            )
        return self.apps[user]

    def say(self, line: str, user: str | None = None) -> list[R.Reply]:
        self.last = self.app(user).say(line)
        return self.last

    def new_session(self, user: str | None = None) -> list[R.Reply]:
        """The learner leaves and starts `tutor chat` again: what the new session opens with."""
        self.apps.pop(user or self.user, None)
        self.last = self.app(user).start()
        return self.last

    def text(self, replies: list[R.Reply] | None = None) -> str:
        return "\n".join(render(r) for r in (self.last if replies is None else replies))

    def question(self) -> R.Question:
        found = [r for r in self.last if isinstance(r, R.Question)]
        assert found, f"no question in: {self.text()}"
        return found[-1]

    def feedback(self) -> R.Feedback:
        found = [r for r in self.last if isinstance(r, R.Feedback)]
        assert found, f"no feedback in: {self.text()}"
        return found[-1]

    def right_answer(self, user: str | None = None) -> str:
        """The correct /answer text for the learner's open question, worked out from the course file."""
        learner = self.store.learner(self.app(user).learner)
        row = self.store.open_session_of(learner.id or 0)
        assert row is not None
        return self.right_answer_for_session(row.id or 0)

    def right_answer_for_session(self, session_id: int) -> str:
        return right_answer(self.tutor, session_id)


def right_answer(tutor: Tutor, session_id: int) -> str:
    """The right answer to a quiz session as the learner would send it, worked out from the course file."""
    import json

    row = tutor.store.session(session_id)
    assert row is not None
    q = tutor.course.questions[row.question_id]
    shown = json.loads(row.presentation)
    letters = "ABCDEFGH"
    if q.type == "single_choice":
        return letters[shown.index(q.correct_index)]
    if q.type == "multiple_response":
        return " ".join(letters[i] for i, k in enumerate(shown) if q.options[k].correct)
    if q.type == "ordering":
        return " ".join(str(shown.index(k) + 1) for k in range(len(q.options)))
    if q.type == "matching":
        return " ".join(f"{k + 1}{letters[shown.index(k)].lower()}" for k in range(len(q.options)))
    if q.type == "short_answer":
        return q.options[0].text
    return q.model_answer
