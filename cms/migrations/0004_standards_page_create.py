"""The standards page under the home page, at /standards/ (its items come from the published standards)."""

from django.db import migrations


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("cms.HomePage")
    StandardsPage = apps.get_model("cms.StandardsPage")
    home = HomePage.objects.first()
    if home is None or StandardsPage.objects.exists():
        return
    page_type, _ = ContentType.objects.get_or_create(model="standardspage", app_label="cms")
    # treebeard's materialized path: the parent's path and a 4-character step after its last child
    last = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path").first()
    step = int(last.path[-4:], 36) + 1 if last else 1
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    code = ""
    for _ in range(4):
        step, digit = divmod(step, 36)
        code = chars[digit] + code
    StandardsPage.objects.create(
        title="车服门店服务标准",
        draft_title="车服门店服务标准",
        slug="standards",
        content_type=page_type,
        path=home.path + code,
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}standards/",
        live=True,
        locale_id=home.locale_id,
        intro="",
    )
    Page.objects.filter(pk=home.pk).update(numchild=Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).count())


def remove(apps, schema_editor):
    apps.get_model("cms.StandardsPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cms", "0003_standards_page")]

    operations = [migrations.RunPython(create, remove)]
