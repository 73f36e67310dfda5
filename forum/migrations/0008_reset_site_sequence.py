"""0002 created the Site with an explicit id, which does not advance the id
sequence on PostgreSQL (Django's own default site resets it; 0002 made that
step skip): the first site added in the admin then failed with a duplicate key.
Reset the sequence to the table's highest id, as Django does."""

from django.core.management.color import no_style
from django.db import migrations


def reset_site_sequence(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    connection = schema_editor.connection
    statements = connection.ops.sequence_reset_sql(no_style(), [Site])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0007_moderation_action_choices"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(reset_site_sequence, migrations.RunPython.noop)]
