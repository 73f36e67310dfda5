"""Seed the Terms of Use, Privacy Policy and Cookie Settings pages.

They are flat pages, so an administrator edits their text in the admin.
"""

from django.conf import settings
from django.db import migrations

TERMS = """
<p>By using this forum you agree to these terms.</p>
<h2>Your posts</h2>
<p>You keep the rights to what you write. By posting you allow this forum to
show it to readers here. Do not post anything you have no right to share.</p>
<h2>Behaviour</h2>
<p>Be civil. No harassment, hate speech, spam, or illegal content. Moderators may
hide posts and suspend accounts that break these rules.</p>
<h2>No warranty</h2>
<p>The forum is provided as is. Administrators may change these terms; the
current version is always on this page.</p>
"""

PRIVACY = """
<p>This forum keeps as little about you as it needs to run.</p>
<h2>What is stored</h2>
<ul>
<li>Guests: nothing. Reading the forum as a guest stores no cookie and creates no record of you.</li>
<li>Members: your username, e-mail address, password (as a one-way hash), your profile,
and what you post, with its time.</li>
<li>Server logs may hold IP addresses for a short time, to fight abuse.</li>
</ul>
<h2>What is shared</h2>
<p>Nothing is sold or given to advertisers. The forum loads no third-party scripts.</p>
<h2>Your rights</h2>
<p>Ask an administrator to see, correct or delete your data.</p>
"""

COOKIES = """
<p>This forum uses cookies only when you sign in.</p>
<ul>
<li><strong>Guests</strong>: no cookies at all. Browsing, reading and searching set none.</li>
<li><strong>Members</strong>: a session cookie (<code>sessionid</code>) keeps you signed in,
and a security cookie (<code>csrftoken</code>) protects your forms. Both are strictly
necessary; neither tracks you across sites.</li>
</ul>
<p>There are no analytics, advertising or tracking cookies, so there is nothing to turn off.
To remove the cookies, sign out or clear them in your browser.</p>
"""

PAGES = [
    ("/terms/", "Terms of Use", TERMS),
    ("/privacy/", "Privacy Policy", PRIVACY),
    ("/cookies/", "Cookie Settings", COOKIES),
]


def create_pages(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site, _ = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "localhost", "name": "Forum"}
    )
    for url, title, content in PAGES:
        page, created = FlatPage.objects.get_or_create(
            url=url, defaults={"title": title, "content": content.strip()}
        )
        page.sites.add(site)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
        ("flatpages", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
