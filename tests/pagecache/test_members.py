"""Members' shared thread pages (pagecache.members.member_page): one rendering per
kind of member, filled in for each member from their card, and every change
that must show at once. Writes run under `committed()`, so their on-commit
bumps happen as they would after a real commit."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.actions import update_profile
from forum import actions
from forum.permissions import GLOBAL_MODERATORS_GROUP
from pagecache import members, versions
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    # The setting with REDIS_URL: sessions read from the cache.
    settings.SESSION_ENGINE = "accounts.cached_sessions"


@pytest.fixture
def board(committed):
    """A 25-post thread (pages of 20 and 5): Alice wrote the odd posts, Bob the
    even ones; Carol reads."""
    category = CategoryFactory(name="Garden", slug="garden")
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")
    carol = UserFactory(username="carol", display_name="Carol")
    with committed():
        thread = actions.create_thread(
            category=category, author=alice, title="Roses", body="Post 1"
        )
        for number in range(2, 26):
            actions.create_reply(
                thread=thread,
                author=(alice, bob)[number % 2 == 0],
                body=f"Post {number}",
            )
    return {"thread": thread, "alice": alice, "bob": bob, "carol": carol}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(client, url):
    """The page and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens (masked anew for every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def article(page: str, position: int, thread) -> str:
    """The <article> of the post at `position` on a page."""
    post = thread.posts.get(position=position)
    found = re.search(
        rf'<article id="post-{post.pk}".*?</article>', page, flags=re.DOTALL
    )
    assert found, f"post #{position} is not on the page"
    return found.group(0)


def test_a_members_second_read_runs_no_query(board):
    """Session and card from the cache, the page from the shared rendering."""
    url = board["thread"].get_absolute_url()
    carol = signed_in(board["carol"])
    first, first_queries = read(carol, url)
    second, second_queries = read(carol, url)

    assert first_queries > 0
    assert second_queries == 0
    assert without_tokens(second) == without_tokens(first)


def test_every_member_gets_their_own_name_links_and_token(board):
    """One shared rendering, filled in for each member: header, own posts'
    Edit links, other members' Report links, the CSRF token of their forms."""
    thread, alice, bob = board["thread"], board["alice"], board["bob"]
    url = thread.get_absolute_url()
    bob_client = signed_in(bob)
    bob_client.get(f"{url}?page=2")  # Bob's card, from another page
    alice_page, _ = read(signed_in(alice), url)
    bob_page, bob_queries = read(bob_client, url)

    assert bob_queries == 0  # Alice's read rendered the page Bob gets
    assert "<summary>Alice</summary>" in alice_page
    assert "<summary>Bob</summary>" in bob_page
    assert 'href="/u/bob/">Profile</a>' in bob_page
    alice_post, bob_post = article(bob_page, 1, thread), article(bob_page, 2, thread)
    assert ">Edit</a>" not in alice_post and ">Report</a>" in alice_post
    assert ">Edit</a>" in bob_post and ">Report</a>" not in bob_post
    alice_post = article(alice_page, 1, thread)
    assert ">Edit</a>" in alice_post and ">Report</a>" not in alice_post
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', bob_page)[1]
    assert (
        token != re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', alice_page)[1]
    )


def test_no_marker_ever_reaches_a_page(board):
    marker = members.markers().token
    url = board["thread"].get_absolute_url()
    for client in (signed_in(board["carol"]), signed_in(board["alice"]), Client()):
        for _ in range(2):
            assert marker not in client.get(url).content.decode()
            assert marker not in client.get(f"{url}?page=2").content.decode()


def test_the_token_in_a_shared_page_posts_a_reply(board):
    """The CSRF token filled in is the member's own: the reply form works."""
    thread = board["thread"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(board["carol"])
    client.get(thread.get_absolute_url())
    page = client.get(thread.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = client.post(
        f"/reply/{thread.pk}/", {"csrfmiddlewaretoken": token, "body": "Lovely."}
    )

    assert response.status_code == 302
    assert thread.posts.filter(body_source="Lovely.").exists()


def test_a_reply_shows_at_once_to_members(board, committed):
    thread, carol = board["thread"], signed_in(board["carol"])
    url = f"{thread.get_absolute_url()}?page=2"
    read(carol, url)
    with committed():
        actions.create_reply(thread=thread, author=board["bob"], body="Fresh news")

    assert "Fresh news" in read(carol, url)[0]


def test_a_new_name_shows_at_once_in_the_header(board, committed):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    read(carol, url)
    with committed():
        update_profile(user=board["carol"], display_name="Caroline", bio="")

    assert "<summary>Caroline</summary>" in read(carol, url)[0]


def test_confirming_the_email_address_brings_the_reply_form_at_once(committed):
    """allauth confirms by saving the address: forum.signals makes the card stale."""
    thread = actions.create_thread(
        category=CategoryFactory(),
        author=UserFactory(),
        title="Welcome",
        body="Say hello.",
    )
    newcomer = UserFactory(verified_email=False)
    with committed():
        address = EmailAddress.objects.create(
            user=newcomer, email=newcomer.email, primary=True
        )
    client = signed_in(newcomer)
    url = thread.get_absolute_url()
    before, _ = read(client, url)
    assert "Confirm your e-mail address before posting" in before
    assert 'name="body"' not in before

    with committed():
        assert address.set_verified()  # what allauth's confirmation view calls

    after, _ = read(client, url)
    assert 'name="body"' in after
    assert "Confirm your e-mail address" not in after


def test_a_new_moderator_gets_the_moderation_menus_at_once(board, committed):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    assert "Moderation" not in read(carol, url)[0]
    with committed():
        board["thread"].category.moderators.add(board["carol"])

    page, _ = read(carol, url)
    assert "<summary>Moderation</summary>" in page
    with committed():
        board["thread"].category.moderators.clear()
    assert "<summary>Moderation</summary>" not in read(carol, url)[0]


def test_joining_the_global_moderators_shows_at_once(board, committed):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    read(carol, url)
    group, _ = Group.objects.get_or_create(name=GLOBAL_MODERATORS_GROUP)
    with committed():
        group.user_set.add(board["carol"])

    assert "<summary>Moderation</summary>" in read(carol, url)[0]


def test_a_suspension_shows_at_once(board, committed):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    read(carol, url)
    with committed():
        actions.suspend_user(
            member=board["carol"], actor=UserFactory(is_staff=True), until=None
        )

    page, _ = read(carol, url)
    assert "Your account is banned." in page
    assert 'name="body"' not in page


def test_a_password_changed_elsewhere_ends_the_old_session(board, committed):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    read(carol, url)
    with committed():
        board["carol"].set_password("a whole new secret 77")
        board["carol"].save()

    page, _ = read(carol, url)
    assert "<summary>Carol</summary>" not in page
    assert "Sign In" in page


def test_a_members_hidden_post_is_theirs_alone(board, committed):
    """The author sees their hidden post, on a page rendered for them alone;
    other members get the shared page without it, even just after the author
    read the thread."""
    thread, bob = board["thread"], board["bob"]
    url = thread.get_absolute_url()
    carol = signed_in(board["carol"])
    read(carol, url)  # Carol's card
    hidden = thread.posts.get(position=4)
    with committed():
        actions.hide_post(
            post=hidden, actor=UserFactory(is_staff=True), reason="Off topic"
        )
    bob_client = signed_in(bob)
    bob_client.get(url)
    bob_page, bob_queries = read(bob_client, url)
    carol_page, _ = read(carol, url)
    bob_again, _ = read(bob_client, url)  # after Carol's shared rendering

    assert f'id="post-{hidden.pk}"' in bob_page
    assert "Hidden by a moderator: Off topic" in bob_page
    assert bob_queries > 0
    assert f'id="post-{hidden.pk}"' not in carol_page
    assert read(carol, url)[1] == 0
    assert f'id="post-{hidden.pk}"' in bob_again


def test_an_unapproved_thread_is_never_shared(committed, settings):
    settings.APPROVAL_FIRST_POSTS = 1
    author = UserFactory()
    with committed():
        thread = actions.create_thread(
            category=CategoryFactory(), author=author, title="New here", body="Hi"
        )
    assert not thread.is_approved
    url = thread.get_absolute_url()
    author_client = signed_in(author)
    author_client.get(url)
    assert author_client.get(url).status_code == 200

    assert signed_in(UserFactory()).get(url).status_code == 404


def test_moderators_always_get_a_page_of_their_own(board):
    moderator = UserFactory(is_staff=True)
    client = signed_in(moderator)
    url = board["thread"].get_absolute_url()
    client.get(url)
    page, queries = read(client, url)

    assert "<summary>Moderation</summary>" in page
    assert queries > 0


def test_a_message_waiting_is_shown_not_skipped(board):
    """A member with a message waiting gets a page of their own, even while
    the shared page is current (a report changes no page)."""
    thread, alice = board["thread"], signed_in(board["alice"])
    url = thread.get_absolute_url()
    read(alice, url)
    assert read(alice, url)[1] == 0  # the shared page, stored and current
    bobs_post = thread.posts.get(position=2)
    response = alice.post(f"/p/{bobs_post.pk}/report/", {"reason": "spam"}, follow=True)

    assert "Thank you: the moderators will look at it." in response.content.decode()
    page, queries = read(alice, url)
    assert "Thank you" not in page
    assert queries == 0


def test_a_card_is_not_stored_across_a_change(board, committed):
    """A change committed while a card was made leaves no card behind."""
    carol = board["carol"]
    started = versions.clock()
    with committed():
        members.viewer_changed(carol.pk)
    members.store_card(carol, members.member_kind(carol), started, 300)

    assert versions.state().get(f"{members.CARD_PREFIX}{carol.pk}") is None


def test_a_shared_page_carries_the_security_headers(board):
    carol = signed_in(board["carol"])
    url = board["thread"].get_absolute_url()
    rendered = carol.get(url)
    hit = carol.get(url)

    for header in ("Content-Security-Policy", "X-Frame-Options", "Vary"):
        assert hit[header] == rendered[header]
    assert hit["Cache-Control"] == "private, no-cache"


def member_value_context_processor(request):
    """A per-member value put on every page the wrong way: read from
    `request.user` (what a notifications badge would naturally do)."""
    user = request.user
    return {"member_value": user.username if user.is_authenticated else ""}


@pytest.mark.parametrize("page", [1, 2])
def test_a_shared_page_filled_in_is_the_page_rendered_for_the_member(
    board, settings, page
):
    """Each member's filled-in shared page is exactly what a render for them
    alone shows (CSRF tokens aside), for two members whose own state differs
    (names, posts on the page): nothing per-member passes outside the markers."""
    thread, alice, bob = board["thread"], board["alice"], board["bob"]
    url = thread.get_absolute_url() + (f"?page={page}" if page > 1 else "")
    bob_client = signed_in(bob)
    bob_client.get(f"/u/{bob.username}/")  # Bob's card, from another page
    bob_client.get(thread.get_absolute_url() + ("?page=2" if page == 1 else ""))
    read(signed_in(alice), url)  # renders and stores the shared page
    shared, queries = read(bob_client, url)
    assert queries == 0  # the page rendered for Alice, filled in for Bob
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    own, _ = read(signed_in(bob), url)

    def text(page):  # markers leave line breaks of their own: whitespace aside
        return " ".join(without_tokens(page).split())

    assert text(shared) == text(own)
    assert "alice" not in without_tokens(shared).replace("/u/alice/", "")


def test_a_per_member_value_read_from_the_user_fails_loudly(board, settings):
    """A context processor reading the member while a shared page renders gets
    `SharedPageLeak`, not a page with one member's value served to others."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    f"{__name__}.member_value_context_processor",
                ],
            },
        }
    ]
    client = signed_in(board["carol"])

    with pytest.raises(members.SharedPageLeak, match="username"):
        client.get(board["thread"].get_absolute_url())


def test_the_stand_in_answers_only_what_the_kind_shares(board):
    """The stand-in knows the kind's facts and the header markers, nothing else."""
    kind, facts = members.member_kind(board["carol"])
    viewer = members.SharedViewer(members.markers(), facts)

    assert kind == "member"
    assert viewer.is_authenticated and not viewer.is_staff
    assert viewer.name == members.markers().name
    for attribute in ("pk", "id", "username", "email", "notification_count"):
        with pytest.raises(members.SharedPageLeak):
            getattr(viewer, attribute)
