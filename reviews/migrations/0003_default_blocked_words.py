from django.db import migrations

# Words that, in a review, usually mean an off-platform deal or a bought review. QA edit the list in the admin.
WORDS = ["好评返现", "返现", "刷单", "加微信", "vx", "微信号", "qq号", "代写评价"]


def forward(apps, schema_editor):
    BlockedWord = apps.get_model("reviews", "BlockedWord")
    for word in WORDS:
        BlockedWord.objects.get_or_create(word=word)


def backward(apps, schema_editor):
    apps.get_model("reviews", "BlockedWord").objects.filter(word__in=WORDS).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_review_rules")]

    operations = [migrations.RunPython(forward, backward)]
