"""Page ids in action URLs beyond 64 bits (found by tests/security/test_fuzz_forms.py).

Lookups by page `pk` go through the one-to-one link to Wagtail's Page, which gets no integer
overflow handling from Django: without the bound in `courses.views._live_page`, SQLite raised
OverflowError (a 500). PostgreSQL answers 404 either way.
"""

import pytest

from tests.factories import build_course

HUGE = 2**63  # one past the largest 64-bit id


@pytest.mark.parametrize(
    "url",
    [
        f"/kurs/{HUGE}/einschreiben/",
        f"/kurs/{HUGE}/abmelden/",
        f"/lerneinheit/{HUGE}/erledigt/",
        f"/lerneinheit/{HUGE}/wissenscheck/check-1-1/",
        f"/lerneinheit/{HUGE}/reflexion/refl-1-1/",
        f"/lerneinheit/{10**40}/reflexion/refl-1-1/",
    ],
)
def test_overlong_page_ids_are_not_found(participant_client, home_page, url):
    build_course(modules=1, lessons_per_module=1)
    assert participant_client.post(url).status_code == 404
