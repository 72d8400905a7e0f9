"""Question sets: the questions of a reflection prompt or a peer debrief."""

from __future__ import annotations

from dataclasses import dataclass

from slackapp.content.model_fields import require_bool, require_items, require_slug, require_text, require_unique

# Question sets become Slack modals: the title is the modal title (24 characters at most) and
# each question an input block whose label is the question text.
QUESTION_SET_TITLE_MAX = 24
QUESTION_TEXT_MAX = 150
QUESTION_HINT_MAX = 150
QUESTIONS_MIN, QUESTIONS_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Question:
    """One reflection or debrief question; ``text`` becomes the label of a Slack input."""

    id: str
    text: str
    hint: str = ""
    required: bool = False

    def __post_init__(self) -> None:
        require_slug(self.id, "Question.id", "what-went-well")
        require_text(self.text, "Question.text", QUESTION_TEXT_MAX)
        if self.hint != "":
            require_text(self.hint, "Question.hint", QUESTION_HINT_MAX)
        require_bool(self.required, "Question.required")


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """A short set of questions asked together (a reflection prompt or a debrief)."""

    id: str
    title: str
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        require_slug(self.id, "QuestionSet.id", "one-on-one-reflection")
        require_text(self.title, "QuestionSet.title", QUESTION_SET_TITLE_MAX)
        require_items(self.questions, "QuestionSet.questions", Question, QUESTIONS_MIN, QUESTIONS_MAX, "questions")
        require_unique([question.id for question in self.questions], "QuestionSet.questions")

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"question set '{self.id}' has no question '{question_id}'")
