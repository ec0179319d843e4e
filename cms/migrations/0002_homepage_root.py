from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    if HomePage.objects.exists():
        return
    # Wagtail's first migration leaves a placeholder "Welcome" page at depth 2: replace it.
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    homepage_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    root = Page.objects.get(depth=1)
    locale = Locale.objects.order_by("id").first() or Locale.objects.create(language_code="zh-hans")
    home = HomePage.objects.create(
        title="车服 Chefu",
        draft_title="车服 Chefu",
        slug="home",
        content_type=homepage_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        live=True,
        locale_id=locale.id,
        intro="找附近的放心门店：明码标价，在线预约，平台担保。",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page_id": home.id, "site_name": "车服 Chefu"}
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
