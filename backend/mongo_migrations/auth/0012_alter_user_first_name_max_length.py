# Written by hand, on purpose empty: a name anchor, not a schema change.
#
# backend/accounts/migrations/0001_initial.py is shared by SQL and MongoDB and depends on
# ('auth', '0012_alter_user_first_name_max_length'), the last of Django's own auth migrations when it was made.
# This tree's 0001_initial already creates auth's final state, so on MongoDB the dependency only needs a node
# of that name after it. New auth migrations that `make mongo-migrations` generates follow this one.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0001_initial'),
    ]

    operations = []
