from django.db import migrations

HOME_INTRO = (
    "<p>Die Fortbildungsreihe „Fachkraft Leaving Care“ des Jugendamts für Stadt und Landkreis "
    "Hildesheim richtet sich an Fachkräfte des öffentlichen und der freien Träger, die junge "
    "Menschen beim Übergang aus der stationären Jugendhilfe in ein eigenständiges Leben begleiten."
    "</p>"
)


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("content.HomePage")

    # Wagtail's own first migration leaves a placeholder "Welcome" page at depth 2.
    Page.objects.filter(depth=2, content_type__app_label="wagtailcore").delete()

    homepage_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="content")
    homepage = HomePage.objects.create(
        title="Fachkraft Leaving Care",
        draft_title="Fachkraft Leaving Care",
        slug="home",
        content_type=homepage_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        intro=HOME_INTRO,
        locale_id=Page.objects.get(depth=1).locale_id,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": homepage,
                  "site_name": "Fachkraft Leaving Care"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("content.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
