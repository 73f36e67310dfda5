"""The member journey in Django's test client, from sign-up to sign-out."""

import re

from django.urls import reverse

from forum.models import Post, PostRevision, Thread
from tests.accounts.pages import parse

PASSWORD = "a long enough passphrase"


def test_sign_up_verify_reply_start_edit_quote_preview_sign_out(
    client, thread, category, mailoutbox, settings
):
    """A guest joins from a thread and takes part; every step lands where it should."""
    settings.NEW_ACCOUNT_POST_RATE_LIMIT = "20/60"
    thread_url = thread.get_absolute_url()

    # Sign up from the thread's guest block.
    register_url = parse(client.get(thread_url)).links["Register a new account"]
    response = client.post(
        register_url,
        {
            "email": "joiner@example.com",
            "username": "joiner",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": thread_url,
        },
    )
    assert response.status_code == 302

    # Verify: the link in the mail, confirmed by POST, lands on the thread.
    (message,) = mailoutbox
    confirm_path = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == thread_url
    page = client.get(thread_url).content.decode()
    assert "Reply to this thread" in page

    # Reply.
    reply_url = reverse("forum:thread_reply", kwargs={"pk": thread.pk})
    response = client.post(reply_url, {"body": "Hello, *everyone*."})
    reply = Post.objects.get(thread=thread, position=2)
    assert response["Location"] == f"{thread_url}#post-{reply.pk}"
    assert "Hello, <em>everyone</em>." in client.get(thread_url).content.decode()

    # Quote the opening post, preview, then post.
    opening = thread.posts.get(position=1)
    quote_form = client.get(reply_url, {"quote": opening.pk}).context["form"]
    quoted_body = quote_form.initial["body"] + "Well said."
    preview = client.post(reply_url, {"body": quoted_body, "preview": "1"})
    assert "<blockquote>" in preview.content.decode()
    assert thread.posts.count() == 2
    client.post(reply_url, {"body": quoted_body})
    assert "<blockquote>" in thread.posts.get(position=3).body_html

    # Start a thread.
    response = client.post(
        reverse("forum:thread_create"),
        {"category": category.pk, "title": "My first thread", "body": "Hi all"},
    )
    mine = Thread.objects.get(title="My first thread")
    assert response["Location"] == mine.get_absolute_url()

    # Edit its opening post: the page shows it was edited.
    first = mine.posts.get()
    client.post(
        reverse("forum:post_edit", kwargs={"pk": first.pk}),
        {"title": "My first thread", "body": "Hi all, edited"},
    )
    assert PostRevision.objects.filter(post=first).count() == 1
    assert "Edited <time" in client.get(mine.get_absolute_url()).content.decode()

    # Sign out (POST) and be a guest again.
    client.post(reverse("account_logout"))
    page = client.get(thread_url).content.decode()
    assert "Create an account or sign in to comment" in page
