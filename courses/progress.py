"""Where a person stands in a course, computed with a fixed number of queries.

A lesson counts while it is live; module status is derived from lessons (and attendance where a
module requires a workshop date); only the course completion date is stored (on Enrollment),
so adding a lesson later re-opens a module but never takes away a recorded course completion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import CoursePage, LessonCompletion, LessonPage, ModulePage


class ModuleStatus:
    OPEN = "offen"
    STARTED = "begonnen"
    COMPLETE = "abgeschlossen"


@dataclass
class LessonState:
    lesson: LessonPage
    done: bool


@dataclass
class ModuleState:
    module: ModulePage
    lessons: list[LessonState] = field(default_factory=list)
    attended: bool = False

    @property
    def done_count(self) -> int:
        return sum(1 for state in self.lessons if state.done)

    @property
    def lessons_complete(self) -> bool:
        return all(state.done for state in self.lessons)

    @property
    def attendance_missing(self) -> bool:
        return self.module.workshop_required and not self.attended

    @property
    def is_complete(self) -> bool:
        return self.lessons_complete and not self.attendance_missing

    @property
    def status(self) -> str:
        if self.is_complete:
            return ModuleStatus.COMPLETE
        if self.done_count or self.attended:
            return ModuleStatus.STARTED
        return ModuleStatus.OPEN


@dataclass
class CourseProgress:
    course: CoursePage
    modules: list[ModuleState]

    @property
    def lessons(self) -> list[LessonState]:
        return [state for module in self.modules for state in module.lessons]

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def done_count(self) -> int:
        return sum(1 for state in self.lessons if state.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.lesson_count) if self.lesson_count else 0

    @property
    def required_modules(self) -> list[ModuleState]:
        return [state for state in self.modules if state.module.required]

    @property
    def is_complete(self) -> bool:
        required = self.required_modules
        return bool(required) and all(state.is_complete for state in required)

    @property
    def modules_done(self) -> int:
        return sum(1 for state in self.modules if state.is_complete)

    @property
    def next_lesson(self) -> LessonPage | None:
        """The first open lesson: where "Weiter, wo Sie aufgehört haben" leads."""
        return next((state.lesson for state in self.lessons if not state.done), None)

    def missing(self) -> list[str]:
        """Plain-language list of what is still missing for the certificate."""
        items = []
        for number, state in enumerate(self.modules, start=1):
            if not state.module.required:
                continue
            for lesson_number, lesson_state in enumerate(state.lessons, start=1):
                if not lesson_state.done:
                    items.append(
                        _("Modul %(module)s, Lerneinheit %(lesson)s („%(title)s“)")
                        % {
                            "module": number,
                            "lesson": lesson_number,
                            "title": lesson_state.lesson.title,
                        }
                    )
            if state.attendance_missing:
                items.append(_("Präsenztermin Modul %(module)s") % {"module": number})
        return items

    def module_state_for(self, module_id: int) -> ModuleState | None:
        return next((state for state in self.modules if state.module.pk == module_id), None)


def attended_module_ids(*, user, modules: Iterable[ModulePage]) -> set[int]:
    """Modules (among `modules`) whose workshop requirement the person has fulfilled."""
    from .attendance import attended_module_ids as lookup

    return lookup(user=user, module_ids=[m.pk for m in modules if m.workshop_required])


def progress_for_courses(*, user, courses: list[CoursePage]) -> dict[int, CourseProgress]:
    """Progress for several courses at once: four queries, whatever the number of lessons."""
    if not courses:
        return {}
    under_any_course = Q()
    for course in courses:
        under_any_course |= Q(path__startswith=course.path, depth__gt=course.depth)

    modules = list(
        ModulePage.objects.live()
        .filter(under_any_course, depth__in={course.depth + 1 for course in courses})
        .only("title", "path", "depth", "url_path", "required", "workshop_required")
        .order_by("path")
    )
    lessons = list(
        LessonPage.objects.live()
        .filter(under_any_course, depth__in={course.depth + 2 for course in courses})
        .only("title", "path", "depth", "url_path", "reading_minutes")
        .order_by("path")
    )
    done_ids = set(
        LessonCompletion.objects.filter(
            user=user, lesson_id__in=[lesson.pk for lesson in lessons]
        ).values_list("lesson_id", flat=True)
    )
    attended = attended_module_ids(user=user, modules=modules)

    module_states = {
        module.path: ModuleState(module=module, attended=module.pk in attended)
        for module in modules
    }
    for lesson in lessons:
        parent = module_states.get(lesson.path[: -LessonPage.steplen])
        if parent is not None:
            parent.lessons.append(LessonState(lesson=lesson, done=lesson.pk in done_ids))

    result = {}
    for course in courses:
        states = [
            state
            for path, state in module_states.items()
            if path[: -ModulePage.steplen] == course.path
        ]
        result[course.pk] = CourseProgress(course=course, modules=states)
    return result


def course_progress(*, user, course: CoursePage) -> CourseProgress:
    return progress_for_courses(user=user, courses=[course])[course.pk]
