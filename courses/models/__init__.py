from .learning import Enrollment, LessonCompletion, QuizAttempt, ReflectionAnswer
from .pages import CourseIndexPage, CoursePage, LessonPage, ModulePage

__all__ = [
    "CourseIndexPage",
    "CoursePage",
    "Enrollment",
    "LessonCompletion",
    "LessonPage",
    "ModulePage",
    "QuizAttempt",
    "ReflectionAnswer",
]
