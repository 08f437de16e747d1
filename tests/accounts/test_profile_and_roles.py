import pytest
from django.urls import reverse

from lms.accounts.models import User
from lms.accounts.roles import Role
from tests.conftest import sign_in_recently
from tests.factories import TeamFactory, UserFactory


def test_profile_requires_login(client, home_page):
    response = client.get(reverse("account_profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_participant_corrects_own_team(participant_client, participant):
    new_team = TeamFactory(organisation=participant.organisation, name="Verselbstständigung")

    response = participant_client.post(
        reverse("account_profile"),
        {
            "first_name": participant.first_name,
            "last_name": participant.last_name,
            "organisation": participant.organisation_id,
            "team": new_team.pk,
        },
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.team == new_team


def test_profile_refuses_tampered_team(participant_client, participant, other_organisation):
    foreign_team = TeamFactory(organisation=other_organisation)
    before = (participant.organisation_id, participant.team_id)

    response = participant_client.post(
        reverse("account_profile"),
        {
            "first_name": "Neu",
            "last_name": participant.last_name,
            "organisation": participant.organisation_id,
            "team": foreign_team.pk,
        },
    )

    assert response.status_code == 200
    assert "gehört nicht zur gewählten Organisation" in response.content.decode()
    participant.refresh_from_db()
    assert (participant.organisation_id, participant.team_id) == before
    assert participant.first_name != "Neu"


def test_roles_exist_after_migrations(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    for name in ["Referent*innen", "Koordination", "Träger-Koordination"]:
        assert Group.objects.get(name=name).permissions.filter(codename="access_admin").exists()
    assert not Group.objects.get(name="Teilnehmende").permissions.exists()


@pytest.mark.parametrize(
    ("viewer_fixture", "sees_other_org", "sees_same_org"),
    [
        ("coordinator", True, True),
        ("provider_coordinator", False, True),
        ("participant", False, False),
        ("superuser", True, True),
    ],
)
def test_people_visible_to_each_role(
    request, viewer_fixture, sees_other_org, sees_same_org, team, other_organisation
):
    viewer = request.getfixturevalue(viewer_fixture)
    colleague = UserFactory(team=team)
    stranger = UserFactory(team=TeamFactory(organisation=other_organisation))

    visible = set(User.objects.visible_to(viewer))

    assert (stranger in visible) is sees_other_org
    assert (colleague in visible) is sees_same_org
    assert viewer in visible or viewer_fixture == "provider_coordinator" and viewer.team != team


def test_wagtail_admin_login_goes_through_allauth(client, home_page):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=/admin/" in response.url


@pytest.mark.parametrize(
    ("fixture", "admin_status"),
    [("participant", 302), ("trainer", 200), ("coordinator", 200), ("superuser", 200)],
)
def test_wagtail_admin_access_by_role(client, request, fixture, admin_status):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/admin/").status_code == admin_status


@pytest.mark.parametrize(("fixture", "status"), [("coordinator", 302), ("superuser", 200)])
def test_django_admin_is_for_superusers_only(client, request, fixture, status):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/django-admin/").status_code == status


def test_logout_is_post_only(participant_client):
    response = participant_client.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page, not a logout
    assert "_auth_user_id" in participant_client.session
    participant_client.post(reverse("account_logout"))
    assert "_auth_user_id" not in participant_client.session


@pytest.mark.parametrize(
    ("fixture", "status"),
    [("coordinator", 200), ("superuser", 200), ("provider_coordinator", 403), ("trainer", 403)],
)
def test_site_history_is_for_koordination_only(client, request, fixture, status):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/admin/reports/site-history/").status_code == status
    assert client.get("/admin/reports/site-history/results/").status_code == status


def test_role_change_in_the_admin_is_audit_logged(client, superuser, participant):
    from django.contrib.auth.models import Group
    from wagtail.models import ModelLogEntry

    sign_in_recently(client, superuser)
    trainers = Group.objects.get(name="Referent*innen")
    response = client.post(
        f"/admin/users/edit/{participant.pk}/",
        {
            "email": participant.email,
            "first_name": participant.first_name,
            "last_name": participant.last_name,
            "organisation": participant.organisation_id,
            "team": participant.team_id,
            "is_active": "on",
            "groups": [g.pk for g in participant.groups.all()] + [trainers.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    participant.refresh_from_db()
    assert participant.groups.filter(pk=trainers.pk).exists()
    assert ModelLogEntry.objects.filter(object_id=str(participant.pk), user=superuser).exists()
