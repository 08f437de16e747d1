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

from .attendance import WorkshopShare, attendance_overview
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
    # Set when the course asks for a minimum share of its workshop dates.
    workshop_share: WorkshopShare | None = None

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
        share_ok = self.workshop_share is None or self.workshop_share.fulfilled
        return bool(required) and share_ok and all(state.is_complete for state in required)

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
        share = self.workshop_share
        if share is not None and not share.fulfilled:
            items.append(
                _(
                    "Präsenztermine: %(attended)s von mindestens %(needed)s besucht "
                    "(%(percent)s %% der Reihe)"
                )
                % {"attended": share.attended, "needed": share.needed, "percent": share.percent}
            )
        return items

    def module_state_for(self, module_id: int) -> ModuleState | None:
        return next((state for state in self.modules if state.module.pk == module_id), None)


def attended_module_ids(*, user, modules: Iterable[ModulePage]) -> set[int]:
    """Modules (among `modules`) whose workshop requirement the person has fulfilled."""
    from .attendance import attended_module_ids as lookup

    return lookup(user=user, module_ids=[m.pk for m in modules if m.workshop_required])


def workshop_attendance(
    *, user, courses: list[CoursePage], modules: list[ModulePage]
) -> tuple[set[int], dict[int, WorkshopShare]]:
    """One query, and only when a module needs a workshop date or a course a minimum share."""
    if not any(m.workshop_required for m in modules) and not any(
        c.workshop_min_share for c in courses
    ):
        return set(), {}
    return attendance_overview(user=user, courses=courses, modules=modules)


def course_structure(courses) -> tuple[list[ModulePage], list[LessonPage]]:
    """The live modules and lessons of the given courses, in tree order: two queries."""
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
    return modules, lessons


def _module_states(*, course, modules, lessons, is_done, is_attended) -> list[ModuleState]:
    states = {
        module.path: ModuleState(module=module, attended=is_attended(module.pk))
        for module in modules
        if module.path[: -ModulePage.steplen] == course.path
    }
    for lesson in lessons:
        parent = states.get(lesson.path[: -LessonPage.steplen])
        if parent is not None:
            parent.lessons.append(LessonState(lesson=lesson, done=is_done(lesson.pk)))
    return list(states.values())


def progress_for_courses(*, user, courses: list[CoursePage]) -> dict[int, CourseProgress]:
    """Progress for several courses at once: four queries (a fifth for workshop attendance),
    whatever the number of lessons."""
    if not courses:
        return {}
    modules, lessons = course_structure(courses)
    done_ids = set(
        LessonCompletion.objects.filter(
            user=user, lesson_id__in=[lesson.pk for lesson in lessons]
        ).values_list("lesson_id", flat=True)
    )
    attended, shares = workshop_attendance(user=user, courses=courses, modules=modules)
    return {
        course.pk: CourseProgress(
            course=course,
            modules=_module_states(
                course=course,
                modules=modules,
                lessons=lessons,
                is_done=done_ids.__contains__,
                is_attended=attended.__contains__,
            ),
            workshop_share=shares.get(course.pk),
        )
        for course in courses
    }


def course_progress(*, user, course: CoursePage) -> CourseProgress:
    return progress_for_courses(user=user, courses=[course])[course.pk]


def progress_for_enrollments(enrollments) -> dict[int, CourseProgress]:
    """Progress of many people at once (reports): five queries, whatever the number of rows.

    Module states include workshop attendance; a course's minimum share of dates is not
    evaluated here (reports show the stored completion date for that).
    """
    from .attendance import attended_modules_by_user

    enrollments = list(enrollments)
    if not enrollments:
        return {}
    courses = {enrollment.course_id: enrollment.course for enrollment in enrollments}
    modules, lessons = course_structure(list(courses.values()))
    user_ids = {enrollment.user_id for enrollment in enrollments}
    done = set(
        LessonCompletion.objects.filter(
            user_id__in=user_ids, lesson_id__in=[lesson.pk for lesson in lessons]
        ).values_list("user_id", "lesson_id")
    )
    attended = attended_modules_by_user(
        user_ids=user_ids, module_ids=[m.pk for m in modules if m.workshop_required]
    )
    return {
        enrollment.pk: CourseProgress(
            course=courses[enrollment.course_id],
            modules=_module_states(
                course=courses[enrollment.course_id],
                modules=modules,
                lessons=lessons,
                is_done=lambda lesson_id, user_id=enrollment.user_id: (user_id, lesson_id) in done,
                is_attended=lambda module_id, user_id=enrollment.user_id: (
                    (user_id, module_id) in attended
                ),
            ),
        )
        for enrollment in enrollments
    }
