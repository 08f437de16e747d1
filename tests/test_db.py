"""lms.db: instances from hand-written SQL, as the ORM loads them; prepared on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Enrollment
from lms.accounts.models import User
from lms.db import fetch_rows, instance_from_row
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _sql(model, names) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE id = %s"  # noqa: S608


def test_an_instance_from_a_row_equals_the_orms(participant, home_page):
    from tests.factories import build_course

    course = build_course(title="Kurs", modules=1, lessons_per_module=1)
    enrollment = Enrollment.objects.create(user=participant, course=course)
    # In the row's order, not the model's: from_db() gets them in field order all the same.
    names = ("enrolled_at", "status", "id", "course", "user")
    (row,) = fetch_rows(_sql(Enrollment, names), [enrollment.pk])
    loaded = instance_from_row(Enrollment, names, row)
    expected = Enrollment.objects.get(pk=enrollment.pk)
    assert loaded.enrolled_at == expected.enrolled_at  # aware datetimes on SQLite too
    assert loaded.enrolled_at.tzinfo is not None
    assert (loaded.pk, loaded.status, loaded.course_id, loaded.user_id) == (
        expected.pk,
        expected.status,
        expected.course_id,
        expected.user_id,
    )
    assert not loaded._state.adding and loaded._state.db == "default"
    assert "completed_at" in loaded.get_deferred_fields()
    assert not {"enrolled_at", "status", "course_id", "user_id"} & loaded.get_deferred_fields()


def test_fields_left_out_load_on_access():
    person = UserFactory(first_name="Jana")
    (row,) = fetch_rows(_sql(User, ("id", "email")), [person.pk])
    loaded = instance_from_row(User, ("id", "email"), row)
    assert loaded.email == person.email
    with CaptureQueriesContext(connection) as queries:
        assert loaded.first_name == "Jana"
    assert len(queries) == 1


def test_queries_are_counted_like_the_orms():
    person = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        fetch_rows(_sql(User, ("id",)), [person.pk])
    assert len(queries) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_a_repeated_query_is_prepared_once_per_connection(settings):
    person = UserFactory()
    sql = _sql(User, ("id", "email")) + " AND is_active"

    def prepared(sql: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
                [sql.replace("%s", "$1")],  # PostgreSQL sees the server-side placeholder
            )
            return cursor.fetchone()[0]

    for _ in range(6):  # psycopg prepares from the fifth run on (prepare_threshold)
        assert fetch_rows(sql, [person.pk]) == [(person.pk, person.email)]
    assert prepared(sql) == 1

    settings.DATABASE_PREPARED_STATEMENTS = False
    other = sql + " AND id > 0"
    for _ in range(6):
        assert fetch_rows(other, [person.pk]) == [(person.pk, person.email)]
    assert prepared(other) == 0
