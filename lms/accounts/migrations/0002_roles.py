from django.db import migrations

ROLES_WITH_ADMIN_ACCESS = ["Referent*innen", "Koordination", "Träger-Koordination"]
ALL_ROLES = ["Teilnehmende", *ROLES_WITH_ADMIN_ACCESS]
COORDINATOR_USER_PERMISSIONS = ["add_user", "change_user", "view_user"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    admin_access = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for name in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in ROLES_WITH_ADMIN_ACCESS:
            group.permissions.add(admin_access)

    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    for codename in COORDINATOR_USER_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=user_type,
            codename=codename,
            defaults={"name": f"Can {codename.replace('_', ' ')}"},
        )
        Group.objects.get(name="Koordination").permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ALL_ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
