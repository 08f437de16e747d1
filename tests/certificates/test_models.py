"""Certificate.objects.held_by: the person's list in one SQL query, as the ORM would give it."""

import pytest
from django.db.models import F

from certificates import services
from certificates.models import Certificate
from tests.certificates.conftest import complete_course
from tests.factories import UserFactory, build_course

pytestmark = pytest.mark.django_db


def _orm(user, limit=None):
    rows = Certificate.objects.filter(user=user).annotate(
        replacement_number=F("replaced_by__number")
    )
    return list(rows if limit is None else rows[:limit])


def _shown(certificate):
    return (
        certificate.pk,
        certificate.number,
        certificate.status,
        certificate.issued_at,
        certificate.has_pdf,
        certificate.course_title,
        certificate.replacement_number,
    )


def test_held_by_matches_the_orm(participant, coordinator, django_capture_on_commit_callbacks):
    other = UserFactory()
    issued = []
    for index in range(3):
        course = build_course(title=f"Kurs {index}", modules=1, lessons_per_module=1)
        for person in (participant, other):
            enrollment = complete_course(user=person, course=course)
            with django_capture_on_commit_callbacks(execute=False):
                certificate = services.issue_certificate(
                    enrollment=enrollment, issued_by=coordinator
                )
            if person == participant:
                issued.append(certificate)
    Certificate.objects.filter(pk=issued[0].pk).update(status=Certificate.Status.ISSUED)
    with django_capture_on_commit_callbacks(execute=False):
        services.reissue_certificate(
            certificate=Certificate.objects.get(pk=issued[0].pk),
            issued_by=coordinator,
            reason="Namensänderung",
        )

    mine = Certificate.objects.held_by(participant)
    assert [_shown(c) for c in mine] == [_shown(c) for c in _orm(participant)]
    assert len(mine) == 4 and {c.user_id for c in mine} == {participant.pk}
    assert sum(c.replacement_number is not None for c in mine) == 1
    two = Certificate.objects.held_by(participant, limit=2)
    assert [_shown(c) for c in two] == [_shown(c) for c in _orm(participant, 2)]
    assert Certificate.objects.held_by(UserFactory()) == []
