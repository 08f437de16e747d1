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


def test_queries_are_counted_and_logged_like_the_orms():
    person = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        fetch_rows(_sql(User, ("id",)), [person.pk])
    assert len(queries) == 1
    assert User._meta.db_table in queries[0]["sql"]  # tests and debug tools read the text


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements and backends: PostgreSQL"
)


def _prepared(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
            [sql.replace("%s", "$1")],  # PostgreSQL sees the server-side placeholder
        )
        return cursor.fetchone()[0]


@postgresql_only
def test_on_postgresql_a_query_is_prepared_on_its_first_run(settings):
    person = UserFactory()
    sql = _sql(User, ("id", "email")) + " AND is_active"
    assert fetch_rows(sql, [person.pk]) == [(person.pk, person.email)]
    assert _prepared(sql) == 1
    assert fetch_rows(sql, [person.pk]) == [(person.pk, person.email)]  # runs the prepared one
    assert _prepared(sql) == 1

    settings.DATABASE_PREPARED_STATEMENTS = False
    other = sql + " AND id > 0"
    for _ in range(6):
        assert fetch_rows(other, [person.pk]) == [(person.pk, person.email)]
    assert _prepared(other) == 0
    # Django's own queries are never prepared, however often they run.
    for _ in range(6):
        User.objects.filter(pk=person.pk, is_active=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_replaced_before_the_query():
    import psycopg

    from bench.scratch import ADMIN_URL

    person = UserFactory()
    sql = _sql(User, ("id",))
    assert fetch_rows(sql, [person.pk]) == [(person.pk,)]
    assert connection.health_check_enabled
    backend = connection.connection.info.backend_pid
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:  # a restart, a failover
        admin.execute("SELECT pg_terminate_backend(%s)", [backend])
    connection.close_at = None  # a persistent connection (CONN_MAX_AGE), as in production
    connection.close_if_unusable_or_obsolete()  # what Django does when a request starts
    assert connection.connection is not None  # kept: the health check comes with the query
    assert fetch_rows(sql, [person.pk]) == [(person.pk,)]
    assert connection.connection.info.backend_pid != backend
