from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_email_change_pending"),
    ]

    operations = [
        # With a database default: the release before it keeps inserting users during the rollout (docs/deploy.md).
        migrations.AddField(
            model_name="user",
            name="email_verified_once",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
    ]
