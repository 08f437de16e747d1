"""The `next` parameter of the certificate desk actions (found while fuzzing the forms)."""

import pytest
from django.urls import reverse

from certificates.models import Certificate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("next_url", ["foo", "account_profile", '"><img src=x>'])
def test_next_that_is_not_a_path_falls_back_to_the_list(client, completed, coordinator, next_url):
    """redirect() looked anything without "/" up as a URL name: a 500 or an internal jump."""
    client.force_login(coordinator)
    url = reverse("certificates_eligible:issue_one", args=[completed.pk])
    response = client.post(url, {"next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("certificates_eligible:list")
    assert Certificate.objects.filter(user=completed.user).exists()


def test_local_next_path_is_still_followed(client, completed, coordinator):
    client.force_login(coordinator)
    url = reverse("certificates_eligible:issue_one", args=[completed.pk])
    response = client.post(url, {"next": "/admin/"})
    assert response.url == "/admin/"
