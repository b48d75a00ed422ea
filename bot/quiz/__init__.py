"""Quizzes: the pure state machine and one grader per question type."""

from bot.quiz.grading import Grade, InvalidAnswer, grade, presentation_for
from bot.quiz.machine import AskHint, Begin, QuizState, Respond, SkipQuestion, Step, show_question, step

__all__ = [
    "AskHint",
    "Begin",
    "Grade",
    "InvalidAnswer",
    "QuizState",
    "Respond",
    "SkipQuestion",
    "Step",
    "grade",
    "presentation_for",
    "show_question",
    "step",
]
