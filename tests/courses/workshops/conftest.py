import pytest

from courses.models import Enrollment
from lms.accounts.roles import Role
from tests.factories import UserFactory, build_course, workshop_date


@pytest.fixture
def course(home_page):
    """Two modules with one lesson each; module 1 requires a workshop date."""
    return build_course(modules=2, lessons_per_module=1, workshop_modules=(1,))


@pytest.fixture
def module(course):
    return course.get_modules().first()


@pytest.fixture
def make_date(course, module, trainer):
    def make(**fields):
        return workshop_date(
            course=course, trainers=[trainer], **{"module": module, "room": "Raum 2.14", **fields}
        )

    return make


@pytest.fixture
def date(make_date):
    return make_date()


@pytest.fixture
def enrol():
    def enrol_person(user, course):
        Enrollment.objects.get_or_create(user=user, course=course)
        return user

    return enrol_person


@pytest.fixture
def learner(participant, course, enrol):
    return enrol(participant, course)


@pytest.fixture
def learners(course, enrol):
    def make(count):
        return [enrol(UserFactory(), course) for _ in range(count)]

    return make


@pytest.fixture
def other_trainer(home_page):
    return UserFactory(roles=[Role.TRAINER], email="zweite-referentin@example.org")
