"""Model instances from hand-written SQL, as the ORM would have loaded them.

A few queries run on nearly every request (the signed-in person, "Mein Lernbereich", the
public verification page). For those, building the ORM query and a RawQuerySet's bookkeeping
cost more than the database does, so they are written once as SQL and their rows are turned
into instances here: one place that knows how the ORM converts column values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def _plan(
    vendor: str, model: type[Model], names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[Callable, ...], Any], ...]]:
    """For the fields `names` (in the order the row has them): the attnames in the model's
    field order, as from_db() takes them, and for each its position in the row, its value
    converters and the column expression those converters expect."""
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    position = {field.attname: index for index, field in enumerate(fields)}
    ordered = tuple(f.attname for f in meta.concrete_fields if f.attname in position)
    steps = []
    for attname in ordered:
        field = meta.get_field(names[position[attname]])
        expression = field.get_col(meta.db_table)
        converters = tuple(
            connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        )
        steps.append((position[attname], converters, expression))
    return ordered, tuple(steps)


def instance_from_row(model: type[M], names: Sequence[str], row: Sequence[Any]) -> M:
    """An instance of `model` as `.only(*names)` would give it (other fields load on access).

    `names` are field names in the order of the row's columns (e.g. "user" for user_id).
    """
    attnames, steps = _plan(connection.vendor, model, tuple(names))
    values = []
    for index, converters, expression in steps:
        value = row[index]
        for converter in converters:
            value = converter(value, expression, connection)
        values.append(value)
    return model.from_db(connection.alias, attnames, values)


def fetch_rows(sql: str, params: Iterable[Any]) -> list[tuple]:
    """Run one of these hand-written queries. On PostgreSQL its parameters are bound on the
    server and it is prepared on its first run on a connection: PostgreSQL then stops planning
    it after a few runs (generic plan); for these indexed lookups planning took two to three
    times the execution. Django's own cursors bind on the client and never prepare (not every
    ORM query can be prepared), so this applies to the queries here only.
    DATABASE_PREPARED_STATEMENTS=0 turns it off (for a pooler that can't keep them)."""
    with _cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _cursor():
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    # What connection.cursor() does first: reconnect after a failed health check (a restarted
    # server, an idle timeout), and then wrap the cursor (logged, counted, errors mapped).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Binds on the server and prepares every statement (psycopg keeps the last 100 per
        connection; after a rollback it prepares them again)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            super().execute(query, params, prepare=True, binary=binary)
            if connection.queries_logged:
                # Django logs a query from `_query`, which psycopg sets only for client-side
                # binding: give it the statement as PostgreSQL got it ($1 placeholders).
                self._query = self._convert_query(query, params)
            return self

    return PreparedCursor
