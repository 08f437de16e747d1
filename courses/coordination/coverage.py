"""Coverage: does every team and every provider have a currently certified Fachkraft?"""

from dataclasses import dataclass

from django.db.models import Count, Q

from lms.accounts.models import Organisation, Team, User


@dataclass
class CoverageRow:
    label: str
    organisation: str
    staff: int
    enrolled: int
    completed: int
    certified: int

    @property
    def covered(self) -> bool:
        return self.certified > 0


def _counts(course, people) -> dict:
    """Annotations for teams and organisations alike (both reach people via `members`)."""
    from certificates.models import Certificate

    from ..models import Enrollment

    in_scope = Q(members__in=people, members__is_active=True)
    enrolled_here = Q(
        members__enrollments__course=course,
        members__enrollments__status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
    )
    completed_here = Q(
        members__enrollments__course=course, members__enrollments__completed_at__isnull=False
    )
    certified_here = Q(
        members__certificates__course=course,
        members__certificates__status=Certificate.Status.ISSUED,
    )
    return {
        "staff": Count("members", filter=in_scope, distinct=True),
        "enrolled": Count("members", filter=in_scope & enrolled_here, distinct=True),
        "completed": Count("members", filter=in_scope & completed_here, distinct=True),
        "certified": Count("members", filter=in_scope & certified_here, distinct=True),
    }


def coverage(*, course, viewer) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """Rows per team and per organisation, teams without a certified person first (2 queries)."""
    people = User.objects.visible_to(viewer).values("pk")
    teams = (
        Team.objects.filter(members__in=people)
        .distinct()
        .select_related("organisation")
        .annotate(**_counts(course, people))
    )
    team_rows = sorted(
        (
            CoverageRow(
                label=team.name,
                organisation=team.organisation.name,
                staff=team.staff,
                enrolled=team.enrolled,
                completed=team.completed,
                certified=team.certified,
            )
            for team in teams
        ),
        key=lambda row: (row.covered, row.organisation, row.label),
    )
    organisations = (
        Organisation.objects.filter(members__in=people)
        .distinct()
        .annotate(**_counts(course, people))
    )
    organisation_rows = sorted(
        (
            CoverageRow(
                label=organisation.name,
                organisation=organisation.get_kind_display(),
                staff=organisation.staff,
                enrolled=organisation.enrolled,
                completed=organisation.completed,
                certified=organisation.certified,
            )
            for organisation in organisations
        ),
        key=lambda row: (row.covered, row.label),
    )
    return team_rows, organisation_rows
