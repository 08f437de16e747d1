from .coordination import Invitation, ReminderLog, ReminderRule
from .learning import Enrollment, LessonCompletion, QuizAttempt, ReflectionAnswer
from .pages import CourseIndexPage, CoursePage, LessonPage, ModulePage
from .workshops import AttendanceChange, CalendarFeed, WorkshopDate, WorkshopRegistration

__all__ = [
    "AttendanceChange",
    "CalendarFeed",
    "CourseIndexPage",
    "CoursePage",
    "Enrollment",
    "Invitation",
    "LessonCompletion",
    "LessonPage",
    "ModulePage",
    "QuizAttempt",
    "ReflectionAnswer",
    "ReminderLog",
    "ReminderRule",
    "WorkshopDate",
    "WorkshopRegistration",
]
