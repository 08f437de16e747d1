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


def _counts(prefix: str, course, people) -> dict:
    member = f"{prefix}members" if prefix else "members"
    in_scope = Q(**{f"{member}__in": people}, **{f"{member}__is_active": True})
    enrolled = Q(
        **{f"{member}__enrollments__course": course},
    ) & ~Q(**{f"{member}__enrollments__status": "withdrawn"})
    return {
        "staff": Count(member, filter=in_scope, distinct=True),
        "enrolled": Count(member, filter=in_scope & enrolled, distinct=True),
        "completed": Count(
            member,
            filter=in_scope
            & Q(
                **{
                    f"{member}__enrollments__course": course,
                    f"{member}__enrollments__completed_at__isnull": False,
                }
            ),
            distinct=True,
        ),
        "certified": Count(
            member,
            filter=in_scope
            & Q(
                **{
                    f"{member}__certificates__course": course,
                    f"{member}__certificates__status": "issued",
                }
            ),
            distinct=True,
        ),
    }


def coverage(*, course, viewer) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """Rows per team and per organisation, teams without a certified person first (2 queries)."""
    people = User.objects.visible_to(viewer).values("pk")
    teams = (
        Team.objects.filter(members__in=people)
        .distinct()
        .select_related("organisation")
        .annotate(**_counts("", course, people))
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
        .annotate(**_counts("", course, people))
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
