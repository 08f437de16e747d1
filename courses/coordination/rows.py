"""Columns of the participation report that come from workshop dates and certificates.

Both are looked up for a whole page (or export chunk) of rows at once: two queries.
"""

from dataclasses import dataclass, field

from django.db.models import Count


@dataclass
class RowExtras:
    attended_dates: dict[int, int] = field(default_factory=dict)
    certificate_status: dict[int, str] = field(default_factory=dict)


def extra_columns_for_rows(enrollments) -> RowExtras:
    from certificates.models import Certificate

    from ..models import WorkshopRegistration

    extras = RowExtras()
    if not enrollments:
        return extras
    by_pair = {(row.user_id, row.course_id): row.pk for row in enrollments}
    user_ids = {row.user_id for row in enrollments}
    course_ids = {row.course_id for row in enrollments}

    attended = (
        WorkshopRegistration.objects.filter(
            user_id__in=user_ids,
            date__course_id__in=course_ids,
            attendance=WorkshopRegistration.Attendance.PRESENT,
        )
        .values("user_id", "date__course_id")
        .annotate(count=Count("id"))
    )
    for row in attended:
        pk = by_pair.get((row["user_id"], row["date__course_id"]))
        if pk:
            extras.attended_dates[pk] = row["count"]

    labels = dict(Certificate.Status.choices)
    certificates = (
        Certificate.objects.filter(user_id__in=user_ids, course_id__in=course_ids)
        .exclude(status=Certificate.Status.REPLACED)
        .order_by("issued_at")
        .values_list("user_id", "course_id", "status", "number")
    )
    for user_id, course_id, status, number in certificates:
        pk = by_pair.get((user_id, course_id))
        if pk:
            extras.certificate_status[pk] = f"{labels[status]} ({number})"
    return extras
