"""Revisions keep only their Markdown source; their HTML is rendered when shown.

Every revision row already holds its source (`body_source`), so dropping the
stored HTML loses nothing: the history page renders each version again.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("forum", "0005_post_search")]

    operations = [migrations.RemoveField(model_name="postrevision", name="body_html")]
