"""Where a person stands in a course, computed with a fixed number of queries.

A lesson counts while it is live; module status is derived from lessons (and attendance where a
module requires a workshop date); only the course completion date is stored (on Enrollment),
so adding a lesson later re-opens a module but never takes away a recorded course completion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from content import page_cache
from lms.db import fetch_rows, instance_from_row

from .attendance import WorkshopShare, attendance_overview
from .models import (
    CoursePage,
    Enrollment,
    LessonCompletion,
    LessonPage,
    ModulePage,
    QuizAttempt,
    ReflectionAnswer,
    WorkshopDate,
    WorkshopRegistration,
)


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
    def done_pattern(self) -> tuple[bool, ...]:
        """Which of the module's lessons are done, in order (a key for cached markup)."""
        return tuple(state.done for state in self.lessons)

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

    # Computed once: templates ask for these several times per course card (and the states
    # don't change once built).
    @cached_property
    def lessons(self) -> list[LessonState]:
        return [state for module in self.modules for state in module.lessons]

    @cached_property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @cached_property
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

    @cached_property
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

    @property
    def state_key(self) -> tuple:
        """Everything the progress sections show that depends on the person (done lessons,
        attendance, the workshop share): a key for cached markup, with the content version."""
        share = self.workshop_share
        return (
            self.course.pk,
            tuple((state.module.pk, state.done_pattern, state.attended) for state in self.modules),
            (share.percent, share.units, share.attended) if share is not None else None,
        )

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


@dataclass(frozen=True)
class CourseOutline:
    """A course with its live modules and lessons in tree order, the same for everybody.

    Built once per content version and worker process (`course_outline`); the pages carry their
    address as `link`, so templates need no URL lookups. Shared between requests: read only.
    """

    course: CoursePage
    modules: tuple[ModulePage, ...]
    lessons: tuple[LessonPage, ...]

    @property
    def lesson_ids(self) -> list[int]:
        return [lesson.pk for lesson in self.lessons]


def _attach_links(pages) -> None:
    """`page.link`: the page's address as `{% pageurl %}` would give it (relative when there is
    only one site); computed without a request, so it can be shared."""
    holder = SimpleNamespace()  # caches the site root paths for this batch
    for page in pages:
        parts = page.get_url_parts(request=holder)
        if parts is None or parts[2] is None:
            page.link = None
        elif len(page._get_site_root_paths(holder)) == 1:
            page.link = parts[2]
        else:
            page.link = parts[1] + parts[2]


def _build_outline(course_id: int) -> CourseOutline:
    course = CoursePage.objects.get(pk=course_id)
    modules, lessons = course_structure([course])
    _attach_links([course, *modules, *lessons])
    return CourseOutline(course=course, modules=tuple(modules), lessons=tuple(lessons))


def course_outline(course_id: int, *, request) -> CourseOutline:
    """The outline of one course, from this process's content cache (two queries to build)."""
    return page_cache.cached(
        ("outline", course_id), lambda: _build_outline(course_id), request=request
    )


def course_id_for_path(path: str, *, request) -> int | None:
    """The id of the course at tree path `path` (live or not), cached like the outline."""

    def lookup():
        return CoursePage.objects.filter(path=path).values_list("pk", flat=True).first()

    return page_cache.cached(("course-at", path), lookup, request=request)


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


def progress_for_courses(
    *, user, courses: list[CoursePage], request=None
) -> dict[int, CourseProgress]:
    """Progress for several courses at once: three queries (a fourth for workshop attendance),
    whatever the number of lessons.

    With `request` (pages), the course structure comes from the content cache instead of two
    queries, and the returned progress refers to the shared outline pages (read only).
    """
    if not courses:
        return {}
    if request is not None:
        outlines = [course_outline(course.pk, request=request) for course in courses]
        modules = [module for outline in outlines for module in outline.modules]
        lessons = [lesson for outline in outlines for lesson in outline.lessons]
        courses = [outline.course for outline in outlines]
    else:
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


def outline_progress(outline: CourseOutline, done_ids) -> CourseProgress:
    """Progress from an outline and the completed lesson ids, without workshop attendance
    (for pages that don't show it: module states count as not attended)."""
    return CourseProgress(
        course=outline.course,
        modules=_module_states(
            course=outline.course,
            modules=outline.modules,
            lessons=outline.lessons,
            is_done=done_ids.__contains__,
            is_attended=lambda module_id: False,
        ),
    )


def course_progress(*, user, course: CoursePage, request=None) -> CourseProgress:
    return progress_for_courses(user=user, courses=[course], request=request)[course.pk]


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


# --- The reader's state on a lesson page, in one query ------------------------------------


@dataclass(frozen=True)
class AttemptSummary:
    """What the lesson page shows of the latest relevant attempt at a knowledge check."""

    passed: bool
    score: int


@dataclass(frozen=True)
class LessonReaderState:
    enrollment: Enrollment | None
    done_ids: frozenset[int]
    # Per knowledge check: the latest passed attempt, else the latest attempt.
    latest_attempts: dict[str, AttemptSummary]
    # Reflection questions the person has written a note for.
    answered_blocks: frozenset[str]


def _lesson_state_sql(lesson_count: int) -> str:
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    def col(model, name):
        return quote(model._meta.get_field(name).column)

    lessons = ", ".join(["%s"] * lesson_count) or "NULL"
    E, C, A, R = Enrollment, LessonCompletion, QuizAttempt, ReflectionAnswer
    # The attempts come first: their columns give every column of the UNION its type
    # (PostgreSQL types a NULL-only column as text, which then clashes). Only table and column
    # names from the models go into the text; every value is a parameter.
    return (
        f"SELECT 2, {col(A, 'id')}, {col(A, 'block_id')}, {col(A, 'passed')},"  # noqa: S608
        f" {col(A, 'score')}, {col(A, 'submitted_at')} FROM {table(A)}"
        f" WHERE {col(A, 'user')} = %s AND {col(A, 'lesson')} = %s"
        f" UNION ALL SELECT 0, {col(E, 'id')}, {col(E, 'status')}, NULL, NULL,"
        f" {col(E, 'completed_at')} FROM {table(E)}"
        f" WHERE {col(E, 'user')} = %s AND {col(E, 'course')} = %s AND {col(E, 'status')} <> %s"
        f" UNION ALL SELECT 1, {col(C, 'lesson')}, NULL, NULL, NULL, NULL FROM {table(C)}"
        f" WHERE {col(C, 'user')} = %s AND {col(C, 'lesson')} IN ({lessons})"
        f" UNION ALL SELECT 3, {col(R, 'id')}, {col(R, 'block_id')}, NULL, NULL, NULL"
        f" FROM {table(R)} WHERE {col(R, 'user')} = %s AND {col(R, 'lesson')} = %s"
    )


def lesson_reader_state(*, user, outline: CourseOutline, lesson_id: int) -> LessonReaderState:
    """Enrolment, completed lessons of the course, check results and answered reflections of
    one person on one lesson: one query (a UNION of four indexed lookups) instead of four.

    Written in SQL because the ORM would need four queries, and compiling them costs more than
    running them; the result is the same as the ORM lookups' (tests/courses/test_page_caching.py
    compares them).
    """
    lesson_ids = outline.lesson_ids
    params = [
        *(user.pk, lesson_id),
        *(user.pk, outline.course.pk, Enrollment.Status.WITHDRAWN.value),
        *(user.pk, *lesson_ids),
        *(user.pk, lesson_id),
    ]
    rows = fetch_rows(_lesson_state_sql(len(lesson_ids)), params)
    enrollment, done, attempts, answered = None, set(), [], set()
    for kind, number, text, flag, score, moment in rows:
        if kind == 0:
            enrollment = _enrollment_from_row(
                user=user, pk=number, course=outline.course.pk, status=text, completed_at=moment
            )
            enrollment.course = outline.course
        elif kind == 1:
            done.add(number)
        elif kind == 2:
            attempts.append((moment, number, text, bool(flag), score))
        else:
            answered.add(text)
    latest: dict[str, AttemptSummary] = {}
    for _moment, _pk, block_id, passed, score in sorted(attempts):
        if passed or block_id not in latest or not latest[block_id].passed:
            latest[block_id] = AttemptSummary(passed=passed, score=score)
    return LessonReaderState(
        enrollment=enrollment,
        done_ids=frozenset(done),
        latest_attempts=latest,
        answered_blocks=frozenset(answered),
    )


def _enrollment_from_row(*, user, pk, **columns) -> Enrollment:
    """An Enrollment as `.only(*columns)` would give it (other fields load on access)."""
    enrollment = instance_from_row(
        Enrollment, ("id", "user", *columns), (pk, user.pk, *columns.values())
    )
    enrollment.user = user
    return enrollment


# --- The person's own courses for "Mein Lernbereich", in one query ---------------------------


def _dashboard_sql() -> str:
    quote = connection.ops.quote_name
    E, C, R, D = Enrollment, LessonCompletion, WorkshopRegistration, WorkshopDate

    def col(model, name, alias=None):
        column = quote(model._meta.get_field(name).column)
        return f"{alias}.{column}" if alias else column

    # Only table and column names from the models go into the text; values are parameters.
    return (
        f"SELECT 0, {col(E, 'id')}, {col(E, 'course')}, {col(E, 'status')},"  # noqa: S608
        f" {col(E, 'enrolled_at')}, {col(E, 'completed_at')} FROM {quote(E._meta.db_table)}"
        f" WHERE {col(E, 'user')} = %s AND {col(E, 'status')} <> %s"
        f" UNION ALL SELECT 1, {col(C, 'lesson')}, NULL, NULL, NULL, NULL"
        f" FROM {quote(C._meta.db_table)} WHERE {col(C, 'user')} = %s"
        f" UNION ALL SELECT 2, {col(R, 'id', 'r')}, {col(R, 'date', 'r')}, {col(R, 'status', 'r')},"
        f" NULL, NULL FROM {quote(R._meta.db_table)} r"
        f" INNER JOIN {quote(D._meta.db_table)} d ON d.{col(D, 'id')} = {col(R, 'date', 'r')}"
        f" WHERE {col(R, 'user', 'r')} = %s AND {col(R, 'status', 'r')} IN (%s, %s)"
        f" AND {col(D, 'ends_at', 'd')} > %s"
    )


@dataclass(frozen=True)
class LearnerCourses:
    enrollments: list[Enrollment]  # active, newest first
    done_ids: frozenset[int]  # every lesson the person completed
    # Registered or waitlisted for a date that hasn't ended: (registration id, date id, status)
    upcoming_registrations: list[tuple[int, int, str]]


def learner_courses(*, user) -> LearnerCourses:
    """The person's active enrolments, completed lessons and upcoming workshop registrations:
    one query (the ORM needs three). Enrolments in courses that aren't live are left to the
    caller (the course outline knows); the registrations' dates are the caller's to load."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    active = [WorkshopRegistration.Status.REGISTERED, WorkshopRegistration.Status.WAITLISTED]
    rows = fetch_rows(
        _dashboard_sql(),
        [
            *(user.pk, Enrollment.Status.WITHDRAWN.value),
            user.pk,
            *(user.pk, *(status.value for status in active), now),
        ],
    )
    enrollments, done, registrations = [], set(), []
    for kind, number, other_id, status, enrolled_at, completed_at in rows:
        if kind == 1:
            done.add(number)
        elif kind == 2:
            registrations.append((number, other_id, status))
        else:
            enrollments.append(
                _enrollment_from_row(
                    user=user,
                    pk=number,
                    course=other_id,
                    status=status,
                    enrolled_at=enrolled_at,
                    completed_at=completed_at,
                )
            )
    enrollments.sort(key=lambda enrollment: (enrollment.enrolled_at, enrollment.pk), reverse=True)
    return LearnerCourses(
        enrollments=enrollments, done_ids=frozenset(done), upcoming_registrations=registrations
    )
