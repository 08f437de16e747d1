"""Attendance at workshop dates, as the completion rule and certificates see it.

A module that requires a workshop date is fulfilled by attending any one of its dates. A course
may also ask for a minimum share of its series: the alternative dates of one module count as one
unit, every course-wide date (kick-off, closing day) as a unit of its own. How "entschuldigt"
counts is the course's choice (`CoursePage.workshop_excused`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery

from .models import CoursePage, ModulePage, WorkshopDate, WorkshopRegistration

PRESENT = WorkshopRegistration.Attendance.PRESENT
EXCUSED = WorkshopRegistration.Attendance.EXCUSED


@dataclass(frozen=True)
class WorkshopShare:
    """Where a person stands against a course's minimum share of workshop dates."""

    percent: int
    units: int
    attended: int

    @property
    def needed(self) -> int:
        # At least one date: a person excused from everything has not taken part in the series.
        return max(1, math.ceil(self.units * self.percent / 100))

    @property
    def fulfilled(self) -> bool:
        return self.attended >= self.needed


def _counts(attendance: str | None, excused_rule: str) -> bool:
    return attendance == PRESENT or (
        attendance == EXCUSED and excused_rule == CoursePage.ExcusedAbsence.ATTENDED
    )


def _fulfilling_registrations(**filters):
    """Registrations at held dates that fulfil a module's workshop requirement (the rule)."""
    return WorkshopRegistration.objects.filter(
        date__status=WorkshopDate.Status.SCHEDULED, **filters
    ).filter(
        Q(attendance=PRESENT)
        | Q(
            attendance=EXCUSED,
            date__course__workshop_excused=CoursePage.ExcusedAbsence.ATTENDED,
        )
    )


def attended_module_ids(*, user, module_ids: list[int]) -> set[int]:
    """Modules (among `module_ids`) with a date the person attended; one query."""
    if not module_ids or not user.is_authenticated:
        return set()
    return set(
        _fulfilling_registrations(user=user, date__module_id__in=module_ids).values_list(
            "date__module_id", flat=True
        )
    )


def attendance_overview(
    *, user, courses: Iterable[CoursePage], modules: Iterable[ModulePage]
) -> tuple[set[int], dict[int, WorkshopShare]]:
    """Attended workshop modules and, per course with a minimum share, the share; one query."""
    courses = {course.pk: course for course in courses}
    modules = list(modules)
    if not courses or not user.is_authenticated:
        return set(), {}
    required_modules = {module.pk for module in modules if module.workshop_required}
    live_modules = {module.pk for module in modules}
    mine = WorkshopRegistration.objects.filter(date=OuterRef("pk"), user=user)
    rows = (
        WorkshopDate.objects.scheduled()
        .filter(course_id__in=list(courses))
        .annotate(my_attendance=Subquery(mine.values("attendance")[:1]))
        .values_list("pk", "course_id", "module_id", "my_attendance")
    )
    attended_modules: set[int] = set()
    units: dict[int, dict[tuple[str, int], set[str]]] = {pk: {} for pk in courses}
    for pk, course_id, module_id, attendance in rows:
        rule = courses[course_id].workshop_excused
        if module_id in required_modules and _counts(attendance, rule):
            attended_modules.add(module_id)
        if module_id is not None and module_id not in live_modules:
            continue
        key = ("module", module_id) if module_id is not None else ("date", pk)
        units[course_id].setdefault(key, set()).add(attendance or "")

    shares = {}
    for course_id, course in courses.items():
        if not course.workshop_min_share:
            continue
        rule = course.workshop_excused
        attended = excused_only = 0
        for marks in units[course_id].values():
            if any(_counts(mark, rule) for mark in marks):
                attended += 1
            elif EXCUSED in marks and rule == CoursePage.ExcusedAbsence.NEUTRAL:
                excused_only += 1
        shares[course_id] = WorkshopShare(
            percent=course.workshop_min_share,
            units=len(units[course_id]) - excused_only,
            attended=attended,
        )
    return attended_modules, shares


def attended_dates(*, user, course) -> list[WorkshopDate]:
    """The dates of `course` the person attended (present), oldest first; for certificates."""
    if not user.is_authenticated:
        return []
    return list(
        WorkshopDate.objects.scheduled()
        .filter(
            course=course,
            registrations__user=user,
            registrations__attendance=PRESENT,
        )
        .order_by("starts_at", "pk")
    )


def attended_modules_by_user(*, user_ids, module_ids: list[int]) -> set[tuple[int, int]]:
    """(user id, module id) pairs whose workshop requirement is fulfilled; one query (reports)."""
    if not module_ids or not user_ids:
        return set()
    return set(
        _fulfilling_registrations(user_id__in=user_ids, date__module_id__in=module_ids).values_list(
            "user_id", "date__module_id"
        )
    )
