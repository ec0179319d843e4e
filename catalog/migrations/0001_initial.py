import django.db.models.deletion
from django.db import migrations, models

CATEGORIES = [
    ("maintenance", "保养维修", "Maintenance", 10),
    ("washing", "洗车美容", "Washing", 20),
    ("parts_install", "配件安装", "Parts installation", 30),
    ("consignment", "二手车寄售", "Used-car consignment", 40),
]


def load_categories(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for code, zh, en, order in CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order})


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[
                ("code", models.SlugField(max_length=40, primary_key=True, serialize=False)),
                ("name_zh", models.CharField(max_length=60, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=60, verbose_name="name (English)")),
                ("sort_order", models.PositiveSmallIntegerField(default=0)),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="catalog.category",
                    ),
                ),
            ],
            options={
                "verbose_name": "service category",
                "verbose_name_plural": "service categories",
                "ordering": ["sort_order", "code"],
            },
        ),
        migrations.RunPython(load_categories, migrations.RunPython.noop),
    ]
