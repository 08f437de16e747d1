"""Unusual input in the lesson search (found by tests/security/test_fuzz_forms.py).

`courses.views.search` passed NUL to the database (PostgreSQL raises DataError, SQLite's FTS
OperationalError) and unbalanced double quotes to SQLite's FTS (OperationalError): both were a
500. It now drops NUL and searches for words only.
"""

import pytest

from courses import services
from tests.factories import build_course


@pytest.fixture
def searcher(client, participant, home_page):
    course = build_course(modules=1, lessons_per_module=1)
    services.enrol(user=participant, course=course)
    client.force_login(participant)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "\x00",
        "Über\x00gang",
        '"Übergang',
        'a"b"c"',
        "*",
        "NEAR(",
        "<script>alert(1)</script>",
    ],
)
def test_search_answers_any_input(searcher, query):
    response = searcher.get("/suche/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
