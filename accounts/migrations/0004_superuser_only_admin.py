from django.db import migrations, models


def superusers_only_admins(apps, schema_editor):
    # Before the rule a superuser needed no role: such a user loses the flag rather than gaining the admin role.
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_superuser=True).exclude(roles__contains=["admin"]).update(is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_session_generation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(superusers_only_admins, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="user",
            name="user_staff_only_admin",
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("is_staff", False), ("is_superuser", False)),
                    ("roles__contains", ["admin"]),
                    _connector="OR",
                ),
                name="user_staff_only_admin",
                violation_error_message="Only platform admins (role admin) may sign in to /django-admin/ or be "
                "superusers.",
            ),
        ),
    ]
