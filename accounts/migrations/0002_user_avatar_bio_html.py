from django.db import migrations, models


def render_existing_bios(apps, schema_editor):
    """Fill bio_html for members whose bio was written before the field existed."""
    from forum.markup import render_markdown

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(bio="").only("pk", "bio").iterator():
        User.objects.filter(pk=user.pk).update(bio_html=render_markdown(user.bio))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="avatar",
            field=models.ImageField(blank=True, editable=False, upload_to="avatars/"),
        ),
        migrations.AddField(
            model_name="user",
            name="bio_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_existing_bios, migrations.RunPython.noop),
    ]
