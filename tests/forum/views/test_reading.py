import itertools
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import actions
from forum.models import Category, Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

# Queries a guest's page runs, whatever the number of rows it shows.
BOARD_INDEX_QUERIES = 1
CATEGORY_PAGE_QUERIES = 4
THREAD_PAGE_QUERIES = 3
THREAD_DEEP_PAGE_QUERIES = 2
PROFILE_QUERIES = 2
PERMALINK_QUERIES = 1


# A small DOM, enough to ask "which links, in which element, in which order".

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link"}
VOID_TAGS |= {"meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def iter(self):
        """Descendant elements in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, attrs=None, text=None, css_class=None):
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(k) == v for k, v in (attrs or {}).items())
            and (text is None or node.text == text)
            and (css_class is None or css_class in node.classes)
        ]

    def find(self, tag=None, attrs=None, text=None, css_class=None):
        """The one element that matches; fails when there are none or several."""
        found = self.find_all(tag, attrs, text, css_class)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs} {text!r}> elements"
        return found[0]

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def text(self):
        parts = []

        def collect(node):
            for child in node.children:
                if isinstance(child, Node):
                    collect(child)
                else:
                    parts.append(child)

        collect(self)
        return " ".join("".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID_TAGS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response):
    assert response.status_code == 200, response.status_code
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


_thread_numbers = itertools.count(1)


def write_thread(*, category, authors, posts, title=None):
    """A thread of `posts` posts through the actions, authors taking turns."""
    turns = itertools.cycle(authors)
    title = title or f"Thread {next(_thread_numbers)}"
    thread = actions.create_thread(
        category=category, author=next(turns), title=title, body="Post 1"
    )
    for number in range(2, posts + 1):
        actions.create_reply(thread=thread, author=next(turns), body=f"Post {number}")
    return thread


def facts(definition_list):
    """A <dl> as {term: definition}."""
    terms = [node.text for node in definition_list.find_all("dt")]
    definitions = [node.text for node in definition_list.find_all("dd")]
    return dict(zip(terms, definitions, strict=True))


def article_positions(page):
    """Positions of the posts shown on a page, read from their article ids."""
    ids = [
        int(node.attrs["id"].removeprefix("post-")) for node in page.find_all("article")
    ]
    by_id = dict(Post.objects.filter(pk__in=ids).values_list("pk", "position"))
    return [by_id[pk] for pk in ids]


def html_datetime(moment):
    """A `<time datetime>` as the templates write it: seconds, numeric offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def page_url(thread, page):
    return f"{thread.get_absolute_url()}?{urlencode({'page': page})}"


@pytest.fixture
def authors(db):
    return [UserFactory() for _ in range(3)]


@pytest.fixture
def long_thread(category, authors):
    """45 posts: pages of 20, 20 and 5."""
    return write_thread(category=category, authors=authors, posts=45, title="Long")


@pytest.fixture
def reference_thread(db):
    """A two-post thread in a subcategory, its opening post recommended."""
    parent = CategoryFactory(name="Politics", slug="politics")
    category = CategoryFactory(name="Campaigns", slug="campaigns", parent=parent)
    organizer = UserFactory(username="organizer", display_name="Field Organizer")
    watcher = UserFactory(username="watcher", display_name="Debate Watcher")
    thread = actions.create_thread(
        category=category,
        author=organizer,
        title="The Bernie Sanders Campaign Should Have Gone Further",
        body="After the end of the Bernie Sanders campaign, ...",
    )
    # A second post elsewhere, so the two authors' post counts differ.
    actions.create_thread(
        category=parent, author=organizer, title="Field notes", body="Iowa."
    )
    actions.create_reply(
        thread=thread, author=watcher, body="Bernie lost in all the debates."
    )
    Post.objects.filter(thread=thread, position=1).update(is_recommended=True)
    return thread


# The board index.


def test_board_index_lists_categories_in_position_order(client, user):
    """Categories appear by position, each with description, counts and last post."""
    third = CategoryFactory(name="Third", position=3, description="Last one.")
    first = CategoryFactory(name="First", position=1, description="Start here.")
    second = CategoryFactory(name="Second", position=2, description="Middle.")
    thread = actions.create_thread(
        category=first, author=user, title="Opening topic", body="Hi."
    )
    replier = UserFactory(display_name="Quick Replier")
    actions.create_reply(thread=thread, author=replier, body="Hello.")
    last = actions.create_reply(thread=thread, author=replier, body="Hello again.")

    page = parse(client.get("/"))

    rows = page.find_all("li", css_class="category-row")
    assert [row.find("h2").text for row in rows] == ["First", "Second", "Third"]
    assert [row.find("h2").find("a").attrs["href"] for row in rows] == [
        first.get_absolute_url(),
        second.get_absolute_url(),
        third.get_absolute_url(),
    ]
    assert "Start here." in rows[0].text
    assert "Last one." in rows[2].text
    assert facts(rows[0].find("dl", css_class="stats")) == {
        "Threads": "1",
        "Posts": "3",
    }
    last_post = rows[0].find("div", css_class="last-post")
    assert last_post.find("a").attrs["href"] == f"/p/{last.pk}/"
    assert last_post.find("a").text == "Opening topic"
    assert "by Quick Replier" in last_post.text
    assert last_post.find("time").attrs["datetime"] == html_datetime(last.created_at)
    assert "No posts yet" in rows[1].text


def test_board_index_shows_subcategories_under_their_parent(client):
    """A subcategory is linked from its parent's row, not listed as a row itself."""
    parent = CategoryFactory(name="Movies", position=1)
    CategoryFactory(name="Books", position=2)
    child = CategoryFactory(name="Classic cinema", parent=parent, position=0)

    page = parse(client.get("/"))

    rows = page.find_all("li", css_class="category-row")
    assert [row.find("h2").text for row in rows] == ["Movies", "Books"]
    subcategories = rows[0].find("p", css_class="subcategories")
    assert subcategories.find("a").attrs["href"] == child.get_absolute_url()
    assert subcategories.find("a").text == "Classic cinema"
    assert not rows[1].find_all("p", css_class="subcategories")


# The category page.


def thread_titles(page):
    return [
        row.find("h2").find("a").text
        for row in page.find_all("li", css_class="thread-row")
    ]


def test_category_page_lists_pinned_threads_first_then_by_activity(
    client, category, user
):
    """Pinned threads come first, then the others by their latest post."""
    old = actions.create_thread(category=category, author=user, title="Old", body="1")
    actions.create_thread(category=category, author=user, title="Middle", body="2")
    pinned = actions.create_thread(
        category=category, author=user, title="Pinned", body="3"
    )
    actions.create_thread(category=category, author=user, title="New", body="4")
    actions.create_reply(thread=old, author=user, body="Revived.")
    Thread.objects.filter(pk=pinned.pk).update(is_pinned=True)

    page = parse(client.get(category.get_absolute_url()))

    assert thread_titles(page) == ["Pinned", "Old", "New", "Middle"]
    pinned_row = page.find_all("li", css_class="thread-row")[0]
    assert pinned_row.find("span", css_class="badge").text == "Pinned"


def test_category_page_shows_reply_count_author_and_last_poster(client, category, user):
    """Each row shows replies (posts minus the opening one) and the last poster."""
    replier = UserFactory(display_name="Late Replier")
    thread = write_thread(category=category, authors=[user, replier], posts=4)

    page = parse(client.get(category.get_absolute_url()))

    row = page.find("li", css_class="thread-row")
    assert facts(row.find("dl", css_class="stats")) == {"Replies": "3"}
    assert row.find("p", css_class="byline").find("a").text == user.name
    last_post = row.find("div", css_class="last-post")
    assert last_post.find("a").attrs["href"] == thread.last_post.get_absolute_url()
    assert "by Late Replier" in last_post.text


def test_category_page_shows_25_threads_a_page(client, category, user):
    """30 threads make two pages: 25 on the first, the 5 oldest on the second."""
    for number in range(30):
        actions.create_thread(
            category=category, author=user, title=f"Topic {number}", body="x"
        )
    newest_first = [f"Topic {number}" for number in reversed(range(30))]

    first = parse(client.get(category.get_absolute_url()))
    second = parse(client.get(f"{category.get_absolute_url()}?page=2"))

    assert thread_titles(first) == newest_first[:25]
    assert thread_titles(second) == newest_first[25:]
    assert client.get(f"{category.get_absolute_url()}?page=3").status_code == 404
    links = first.find_all("a", attrs={"href": f"{category.get_absolute_url()}?page=2"})
    assert links


def test_category_page_hides_hidden_threads_from_guests(client, category, user):
    """A hidden thread is not listed for a guest."""
    actions.create_thread(category=category, author=user, title="Shown", body="x")
    hidden = actions.create_thread(
        category=category, author=user, title="Secret", body="x"
    )
    Thread.objects.filter(pk=hidden.pk).update(is_hidden=True)

    page = parse(client.get(category.get_absolute_url()))

    assert thread_titles(page) == ["Shown"]


def test_category_page_lists_subcategories(client, category, user):
    """A category's subcategories are listed above its threads, with counts."""
    child = CategoryFactory(name="Subtopic", parent=category)
    actions.create_thread(category=child, author=user, title="Inside", body="x")

    page = parse(client.get(category.get_absolute_url()))

    section = page.find("section", attrs={"aria-labelledby": "subcategories-heading"})
    assert section.find("h3").find("a").attrs["href"] == child.get_absolute_url()
    assert facts(section.find("dl", css_class="stats")) == {
        "Threads": "1",
        "Posts": "1",
    }


# The thread page: the reference structure (DESIGN.md, items 1-8).


def test_thread_page_skip_link_is_the_first_focusable_element(client, reference_thread):
    """Item 1: "Jump to content" is the body's first link and targets #content."""
    page = parse(client.get(reference_thread.get_absolute_url()))

    body = page.find("body")
    focusable = [
        node
        for node in body.iter()
        if node.tag in {"a", "button", "input", "select", "textarea", "summary"}
    ]
    assert focusable[0].tag == "a"
    assert focusable[0].text == "Jump to content"
    assert focusable[0].attrs["href"] == "#content"
    assert page.find(attrs={"id": "content"}).tag == "main"


def test_thread_page_search_form_has_its_options(client, reference_thread):
    """Item 2: a GET search form with "More options..." and both choices."""
    page = parse(client.get(reference_thread.get_absolute_url()))

    form = page.find("form", attrs={"role": "search"})
    assert form.attrs["method"].lower() == "get"
    assert not form.find_all("input", attrs={"name": "csrfmiddlewaretoken"})
    assert form.find("input", attrs={"name": "q"}).attrs["type"] == "search"
    assert form.find("summary").text == "More options..."
    legends = [node.text for node in form.find_all("legend")]
    assert legends == ["Find results that contain...", "Find results in..."]
    radios = {
        label.text: label.find("input").attrs
        for label in form.find_all("label")
        if label.find_all("input", attrs={"type": "radio"})
    }
    assert set(radios) == {
        "All of my words",
        "Any of my words",
        "Content titles and body",
        "Content titles only",
    }
    assert "checked" in radios["All of my words"]
    assert "checked" in radios["Content titles and body"]
    assert form.find("strong", text="All")
    assert form.find("strong", text="Any")


def test_thread_page_has_breadcrumbs_and_one_h1(client, reference_thread, settings):
    """Item 3: breadcrumbs lead to the board and the categories; the title is the h1."""
    settings.SITE_NAME = "Agora"

    page = parse(client.get(reference_thread.get_absolute_url()))

    breadcrumbs = page.find("nav", attrs={"aria-label": "Breadcrumbs"})
    assert [(a.text, a.attrs["href"]) for a in breadcrumbs.find_all("a")] == [
        ("Agora", "/"),
        ("Politics", "/c/politics/"),
        ("Campaigns", "/c/campaigns/"),
    ]
    headings = page.find_all("h1")
    assert [h1.text for h1 in headings] == [
        "The Bernie Sanders Campaign Should Have Gone Further"
    ]


def test_thread_page_shows_recommended_posts(client, reference_thread):
    """Item 4: a "Recommended Posts" section links to each recommended post."""
    opening = Post.objects.get(thread=reference_thread, position=1)

    page = parse(client.get(reference_thread.get_absolute_url()))

    section = page.find("section", css_class="recommended")
    assert section.find("h2").text == "Recommended Posts"
    links = section.find_all("a")
    assert [link.attrs["href"] for link in links] == [f"/p/{opening.pk}/"]
    assert "Field Organizer" in links[0].text
    assert "After the end of the Bernie Sanders campaign" in section.text


def test_thread_page_without_recommended_posts_has_no_such_section(
    client, reference_thread
):
    """Item 4: with nothing recommended, the section is absent."""
    Post.objects.update(is_recommended=False)

    response = client.get(reference_thread.get_absolute_url())

    assert not parse(response).find_all("section", css_class="recommended")
    assert b"Recommended Posts" not in response.content


def test_thread_page_posts_are_articles_with_author_time_and_links(
    client, reference_thread
):
    """Item 5: each post is an article with author facts, time, permalink, sharing."""
    posts = list(
        Post.objects.filter(thread=reference_thread)
        .select_related("author")
        .order_by("position")
    )
    assert [post.author.post_count for post in posts] == [2, 1]

    page = parse(client.get(reference_thread.get_absolute_url()))

    articles = page.find_all("article")
    assert [article.attrs["id"] for article in articles] == [
        f"post-{post.pk}" for post in posts
    ]
    for article, post in zip(articles, posts, strict=True):
        author_link = article.find("a", css_class="author-name")
        assert author_link.attrs["href"] == f"/u/{post.author.username}/"
        assert author_link.text == post.author.display_name
        author_facts = article.find("dl", css_class="author-facts")
        assert facts(author_facts) == {
            "Posts": str(post.author.post_count),
            "Joined": post.author.date_joined.strftime("%b %Y"),
        }
        joined = author_facts.find("time")
        assert joined.attrs["datetime"] == post.author.date_joined.strftime("%Y-%m-%d")
        stamp = article.find("p", css_class="post-meta").find("time")
        assert stamp.attrs["datetime"] == html_datetime(post.created_at)
        assert article.find("div", css_class="post-body").text == post.body_source
        permalink = article.find("a", text="Link to post")
        assert permalink.attrs["href"] == f"/p/{post.pk}/"
        share = article.find("details", css_class="share")
        assert share.find("summary").text == "Share on other sites"
        copy = share.find("input")
        assert copy.attrs["value"] == f"{settings.SITE_URL}/p/{post.pk}/"
        assert share.find("a", text="E-mail").attrs["href"].startswith("mailto:?")


def test_thread_page_has_pagination_above_and_below_the_posts(client, long_thread):
    """Item 6: the same page links appear before the first and after the last post."""
    page = parse(client.get(page_url(long_thread, 2)))

    elements = list(page.iter())
    top = page.find("nav", attrs={"aria-label": "Pages, top"})
    bottom = page.find("nav", attrs={"aria-label": "Pages, bottom"})
    articles = page.find_all("article")
    assert elements.index(top) < elements.index(articles[0])
    assert elements.index(bottom) > elements.index(articles[-1])
    base = long_thread.get_absolute_url()
    for nav in (top, bottom):
        links = [(a.text, a.attrs["href"]) for a in nav.find_all("a")]
        assert links == [
            ("First", base),
            ("Previous", base),
            ("Page 1", base),
            ("Page 2", f"{base}?page=2"),
            ("Page 3", f"{base}?page=3"),
            ("Next", f"{base}?page=3"),
            ("Last", f"{base}?page=3"),
        ]
        current = nav.find("a", attrs={"aria-current": "page"})
        assert current.text == "Page 2"


def test_thread_page_of_one_page_has_no_pagination(client, reference_thread):
    """Item 6: a thread that fits one page shows no page links."""
    page = parse(client.get(reference_thread.get_absolute_url()))

    assert not page.find_all("nav", css_class="pagination")


def test_thread_page_invites_guests_to_join(client, reference_thread):
    """Item 7: the guest block has both columns, their texts and links back here."""
    url = reference_thread.get_absolute_url()

    response = client.get(url)

    block = parse(response).find("section", css_class="join")
    assert block.find("h2").text == "Create an account or sign in to comment"
    assert block.find("p", text="You need to be a member in order to leave a comment")
    columns = block.find_all("div", css_class="join-column")
    assert [column.find("h3").text for column in columns] == [
        "Create an account",
        "Sign in",
    ]
    assert columns[0].find("p").text == (
        "Sign up for a new account in our community. It's easy!"
    )
    assert columns[1].find("p").text == "Already have an account? Sign in here."
    next_query = urlencode({"next": url})
    register = columns[0].find("a")
    assert register.text == "Register a new account"
    assert register.attrs["href"] == f"{reverse('account_signup')}?{next_query}"
    sign_in = columns[1].find("a")
    assert sign_in.text == "Sign In Now"
    assert sign_in.attrs["href"] == f"{reverse('account_login')}?{next_query}"
    assert b"It's easy!" in response.content or b"It&#x27;s easy!" in response.content


def test_guest_block_links_return_to_the_page_being_read(client, long_thread):
    """Item 7: on page 2, sign-up and sign-in return to page 2."""
    url = page_url(long_thread, 2)

    block = parse(client.get(url)).find("section", css_class="join")

    next_query = urlencode({"next": url})
    assert block.find("a", text="Register a new account").attrs["href"] == (
        f"/accounts/signup/?{next_query}"
    )
    assert block.find("a", text="Sign In Now").attrs["href"] == (
        f"/accounts/login/?{next_query}"
    )


def test_signed_in_members_do_not_see_the_guest_block(client, reference_thread):
    """Item 7: members get no invitation to sign up."""
    client.force_login(UserFactory())

    response = client.get(reference_thread.get_absolute_url())

    assert not parse(response).find_all("section", css_class="join")
    assert b"Create an account or sign in to comment" not in response.content
    assert b"Sign In Now" not in response.content


def test_thread_page_footer_has_year_site_name_and_policy_links(
    client, reference_thread, settings
):
    """Item 8: the footer names the year and site and links the three policies."""
    settings.SITE_NAME = "Town Square"

    page = parse(client.get(reference_thread.get_absolute_url()))

    footer = page.find("footer", css_class="site-footer")
    assert f"© {timezone.now().year} Town Square" in footer.text
    assert [(a.text, a.attrs["href"]) for a in footer.find_all("a")] == [
        ("Terms of Use", "/terms/"),
        ("Privacy Policy", "/privacy/"),
        ("Cookie Settings", "/cookies/"),
    ]


@pytest.mark.parametrize(
    ("url", "title", "text"),
    [
        ("/terms/", "Terms of Use", "By using this forum you agree to these terms."),
        (
            "/privacy/",
            "Privacy Policy",
            "This forum keeps as little about you as it needs to run.",
        ),
        (
            "/cookies/",
            "Cookie Settings",
            "This forum uses cookies only when you sign in.",
        ),
    ],
)
def test_policy_pages_show_their_seeded_text(client, url, title, text):
    """The footer's policy pages exist from the first migration, in the site layout."""
    page = parse(client.get(url))

    assert page.find("h1").text == title
    assert text in page.find("main").text
    assert page.find("footer", css_class="site-footer")


# Pages of 20 posts, picked by position.


@pytest.mark.parametrize(
    ("page_number", "positions"),
    [(1, range(1, 21)), (2, range(21, 41)), (3, range(41, 46))],
)
def test_thread_pages_hold_20_posts_by_position(
    client, long_thread, page_number, positions
):
    """A 45-post thread has pages of posts 1-20, 21-40 and 41-45."""
    url = long_thread.get_absolute_url()
    if page_number > 1:
        url = page_url(long_thread, page_number)

    page = parse(client.get(url))

    assert article_positions(page) == list(positions)


def test_thread_page_past_the_last_is_not_found(client, long_thread):
    """A 45-post thread has no page 4."""
    assert client.get(page_url(long_thread, 4)).status_code == 404


def test_hidden_post_is_left_out_for_guests_and_shown_to_staff(
    client, long_thread, staff
):
    """A hidden post leaves a gap for guests; its neighbours keep their pages."""
    hidden = Post.objects.get(thread=long_thread, position=22)
    Post.objects.filter(pk=hidden.pk).update(is_hidden=True)

    guest_page = parse(client.get(page_url(long_thread, 2)))
    client.force_login(staff)
    staff_page = parse(client.get(page_url(long_thread, 2)))

    assert article_positions(guest_page) == [21, *range(23, 41)]
    assert article_positions(staff_page) == list(range(21, 41))
    assert "is-hidden" in staff_page.find(attrs={"id": f"post-{hidden.pk}"}).classes


def test_deep_thread_page_selects_posts_by_position_range(client, long_thread):
    """Page 3 reads its posts with a position range, never an OFFSET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(long_thread, 3))

    assert response.status_code == 200
    post_queries = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "forum_post"' in query["sql"]
    ]
    assert post_queries
    for sql in post_queries:
        assert "OFFSET" not in sql.upper()
    assert any("BETWEEN 41 AND 60" in sql for sql in post_queries), post_queries


# Queries: the same count whatever the number of rows.


@pytest.mark.parametrize("post_total", [1, 20])
def test_thread_page_query_count_is_constant(
    client, category, authors, django_assert_num_queries, post_total
):
    """A thread page runs the same queries for 1 post as for 20, authors varied."""
    thread = write_thread(category=category, authors=authors, posts=post_total)
    Post.objects.filter(thread=thread).update(is_recommended=True)

    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        response = client.get(thread.get_absolute_url())

    assert len(parse(response).find_all("article")) == post_total


@pytest.mark.parametrize("post_total", [25, 200])
def test_deep_thread_page_costs_what_a_shallow_one_costs(
    client, category, authors, django_assert_num_queries, post_total
):
    """The last page of a long thread runs the same queries as a page 2."""
    thread = write_thread(category=category, authors=authors, posts=post_total)
    last_page = thread.page_count

    with django_assert_num_queries(THREAD_DEEP_PAGE_QUERIES):
        response = client.get(page_url(thread, last_page))

    assert article_positions(parse(response))[-1] == post_total


def test_member_thread_page_query_count_is_constant_and_small(
    client, category, authors
):
    """For a signed-in member, 1 post and 20 posts cost the same, at most 8 queries."""
    short = write_thread(category=category, authors=authors, posts=1)
    full = write_thread(category=category, authors=authors, posts=20)
    Post.objects.update(is_recommended=True)
    client.force_login(authors[0])
    counts = []

    for thread in (short, full):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 8, counts


@pytest.mark.parametrize("category_total", [3, 30])
def test_board_index_query_count_is_constant(
    client, authors, django_assert_num_queries, category_total
):
    """The board index runs the same queries for 3 categories as for 30."""
    for number in range(category_total):
        parent = CategoryFactory()
        child = CategoryFactory(parent=parent)
        for category in (parent, child):
            write_thread(
                category=category,
                authors=authors[number % 3 :] + authors[: number % 3],
                posts=2,
            )

    with django_assert_num_queries(BOARD_INDEX_QUERIES):
        response = client.get("/")

    rows = parse(response).find_all("li", css_class="category-row")
    assert len(rows) == category_total


@pytest.mark.parametrize("thread_total", [3, 30])
def test_category_page_query_count_is_constant(
    client, category, authors, django_assert_num_queries, thread_total
):
    """A category page runs the same queries for 3 threads as for 30."""
    write_thread(category=CategoryFactory(parent=category), authors=authors, posts=2)
    for number in range(thread_total):
        write_thread(
            category=category,
            authors=[authors[number % 3], authors[(number + 1) % 3]],
            posts=2,
        )

    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        response = client.get(category.get_absolute_url())

    rows = parse(response).find_all("li", css_class="thread-row")
    assert len(rows) == min(thread_total, 25)


@pytest.mark.parametrize("post_total", [3, 30])
def test_profile_query_count_is_constant(
    client, user, django_assert_num_queries, post_total
):
    """A profile runs the same queries for 3 posts as for 30, across categories."""
    for number in range(post_total):
        actions.create_thread(
            category=CategoryFactory(), author=user, title=f"T{number}", body="x"
        )

    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(user.get_absolute_url())

    assert len(
        parse(response).find("ol", css_class="post-excerpts").find_all("li")
    ) == (min(post_total, 20))


@pytest.mark.parametrize("position", [1, 45])
def test_permalink_query_count_is_constant(
    client, long_thread, django_assert_num_queries, position
):
    """A permalink costs one query wherever the post is."""
    post = Post.objects.get(thread=long_thread, position=position)

    with django_assert_num_queries(PERMALINK_QUERIES):
        response = client.get(post.get_absolute_url())

    assert response.status_code == 302


# Canonical URLs and permalinks.


@pytest.mark.parametrize(
    ("path", "query", "target_query"),
    [
        ("/t/{pk}/wrong-slug/", "", ""),
        ("/t/{pk}/", "", ""),
        ("/t/{pk}/{slug}/", "?page=1", ""),
        ("/t/{pk}/wrong-slug/", "?page=1", ""),
        ("/t/{pk}/wrong-slug/", "?page=2", "?page=2"),
        ("/t/{pk}/", "?page=3", "?page=3"),
    ],
)
def test_thread_url_redirects_permanently_to_the_canonical_one(
    client, long_thread, path, query, target_query
):
    """A wrong or missing slug, or ?page=1, is a 301 to the canonical URL."""
    url = path.format(pk=long_thread.pk, slug=long_thread.slug) + query

    response = client.get(url)

    assert response.status_code == 301
    assert response["Location"] == f"/t/{long_thread.pk}/long/{target_query}"
    assert client.get(response["Location"]).status_code == 200


def test_thread_with_a_non_ascii_title_is_served_at_its_dash_slug(client, user):
    """A title without ASCII letters gets the slug "-", and that URL works."""
    thread = actions.create_thread(
        category=CategoryFactory(), author=user, title="Новости", body="x"
    )

    assert client.get(f"/t/{thread.pk}/").headers["Location"] == f"/t/{thread.pk}/-/"
    assert parse(client.get(f"/t/{thread.pk}/-/")).find("h1").text == "Новости"


@pytest.mark.parametrize(
    ("position", "query"),
    [
        (1, ""),
        (20, ""),
        (21, "?page=2"),
        (40, "?page=2"),
        (41, "?page=3"),
        (45, "?page=3"),
    ],
)
def test_permalink_redirects_to_the_page_showing_the_post(
    client, long_thread, position, query
):
    """/p/<id>/ leads to the post's page (no ?page for page 1) at #post-<id>."""
    post = Post.objects.get(thread=long_thread, position=position)

    response = client.get(f"/p/{post.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/t/{long_thread.pk}/long/{query}#post-{post.pk}"
    target = parse(client.get(response["Location"]))
    assert target.find_all("article", attrs={"id": f"post-{post.pk}"})


# Bad input: always a 404, never a 500.

LONG_SEGMENT = "x" * 5000


@pytest.mark.parametrize(
    "url",
    [
        "/t/999999/whatever/",
        "/t/999999/",
        "/t/999999999999999999/whatever/",
        "/t/" + "9" * 30 + "/whatever/",
        "/t/" + "9" * 30 + "/",
        "/t/999999/" + LONG_SEGMENT + "/",
        "/t/abc/whatever/",
        "/c/no-such-category/",
        "/c/" + LONG_SEGMENT + "/",
        "/c/bad%00slug/",
        "/t/999999/bad%00slug/",
        "/u/nobody/",
        "/u/" + LONG_SEGMENT + "/",
        "/p/999999/",
        "/p/" + "9" * 30 + "/",
        "/{thread}?page=abc",
        "/{thread}?page=",
        "/{thread}?page=0",
        "/{thread}?page=-1",
        "/{thread}?page=1.5",
        "/{thread}?page=4",
        "/{thread}?page=999999",
        "/{thread}?page=99999999999999999999",
        "/{category}?page=abc",
        "/{category}?page=0",
        "/{category}?page=-1",
        "/{category}?page=2",
        "/{category}?page=999999",
        "/{category}?page=99999999999999999999",
        "/{thread_short}?page=abc",
        "/no-such-page/",
    ],
)
def test_bad_input_is_not_found(client, long_thread, url):
    """Unknown ids, slugs and names, and bad page numbers are a plain 404."""
    url = url.format(
        thread=long_thread.get_absolute_url().lstrip("/"),
        thread_short=f"t/{long_thread.pk}/",
        category=long_thread.category.get_absolute_url().lstrip("/"),
    )

    client.raise_request_exception = False

    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["%C2%B2", "%C2%B9"])
@pytest.mark.parametrize("target", ["thread", "category"])
def test_superscript_page_number_is_not_found(client, long_thread, target, page):
    """`?page=²` is not a page number: a 404, not a 500."""
    client.raise_request_exception = False
    page_of = long_thread if target == "thread" else long_thread.category
    base = page_of.get_absolute_url()

    response = client.get(f"{base}?page={page}")

    assert response.status_code == 404


@pytest.mark.parametrize("slug", [LONG_SEGMENT, "%F0%9F%98%80"])
def test_odd_slug_of_a_real_thread_redirects_to_the_canonical_url(
    client, long_thread, slug
):
    """A 5,000-character or binary slug on a real thread id is just a wrong slug."""
    response = client.get(f"/t/{long_thread.pk}/{slug}/")

    assert response.status_code == 301
    assert response["Location"] == long_thread.get_absolute_url()


def test_nul_byte_in_the_address_is_refused(client, long_thread):
    """A NUL byte (PostgreSQL cannot store one): 404 in a path, 400 in a query."""
    client.raise_request_exception = False
    assert client.get(f"/t/{long_thread.pk}/bad%00slug/").status_code == 404
    url = long_thread.category.get_absolute_url()
    assert client.get(f"{url}?page=1%00").status_code == 400
    assert client.get("/new/?category=x%00y").status_code == 400


def test_inactive_member_profile_is_not_found(client):
    """A deactivated member's profile is a 404."""
    member = UserFactory(is_active=False)

    assert client.get(member.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_reading_pages_refuse_writes(client, reference_thread, method):
    """Read-only pages answer 405 to other methods, never 500."""
    response = getattr(client, method)(reference_thread.get_absolute_url())

    assert response.status_code == 405


# Guests get no cookies.


def test_guests_get_no_cookies(client, long_thread, user):
    """Reading as a guest, 404s included, sets no cookie and creates no session."""
    post = Post.objects.get(thread=long_thread, position=30)
    permalink = client.get(post.get_absolute_url())
    urls = [
        "/",
        long_thread.category.get_absolute_url(),
        long_thread.get_absolute_url(),
        page_url(long_thread, 3),
        permalink["Location"],
        user.get_absolute_url(),
        "/terms/",
        "/privacy/",
        "/cookies/",
        "/t/999999/nothing/",
        "/no-such-page/",
    ]
    sessions = Session.objects.count()

    responses = [permalink] + [client.get(url) for url in urls]

    assert [r.status_code for r in responses] == [302] + [200] * 9 + [404, 404]
    for response in responses:
        assert not response.cookies, response.request["PATH_INFO"]
        assert "Set-Cookie" not in response.headers
    assert not client.cookies
    assert Session.objects.count() == sessions


def test_members_do_get_a_session(client, reference_thread):
    """Signed-in pages do use the session cookie (the guest test can fail)."""
    client.force_login(UserFactory())

    client.get(reference_thread.get_absolute_url())

    assert "sessionid" in client.cookies


# Hidden threads.


def test_hidden_thread_is_not_found_for_guests_and_members(
    client, reference_thread, user
):
    """A hidden thread and its permalinks are 404 unless the reader is staff."""
    Thread.objects.filter(pk=reference_thread.pk).update(is_hidden=True)
    post = Post.objects.get(thread=reference_thread, position=2)
    urls = [reference_thread.get_absolute_url(), post.get_absolute_url()]

    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(user)
    assert [client.get(url).status_code for url in urls] == [404, 404]


def test_hidden_thread_is_visible_to_staff(client, reference_thread, staff):
    """Staff read a hidden thread, marked as hidden."""
    Thread.objects.filter(pk=reference_thread.pk).update(is_hidden=True)
    client.force_login(staff)

    page = parse(client.get(reference_thread.get_absolute_url()))

    assert page.find("h1").text == reference_thread.title
    assert page.find("p", css_class="byline").find("span", text="Hidden")


# Error pages and headers.


def test_not_found_page_uses_the_site_layout(client, settings, db):
    """A 404 page carries the site's name, header and footer."""
    settings.SITE_NAME = "Town Square"

    response = client.get("/t/999999/nothing/")

    assert response.status_code == 404
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    page = builder.root
    assert page.find("h1").text == "Page not found"
    assert page.find("title").text == "Page not found - Town Square"
    assert page.find("a", css_class="site-name").text == "Town Square"
    assert page.find("footer", css_class="site-footer")


@pytest.mark.parametrize("url", ["/", "/{thread}", "/no-such-page/"])
def test_pages_send_a_strict_content_security_policy(client, reference_thread, url):
    """Every page forbids inline and foreign scripts."""
    response = client.get(url.format(thread=reference_thread.get_absolute_url()[1:]))

    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in policy.split(";")
        if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["object-src"] == ["'none'"]


def test_server_error_page_is_styled_and_plain(client, monkeypatch, db):
    """A crash shows the site's own 500 page, which needs no database or context."""

    def crash():
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Category.objects, "with_last_post", crash)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    content = response.content.decode()
    assert "<h1>Something went wrong</h1>" in content
    assert '<link rel="stylesheet" href="/static/css/site.css">' in content
    assert "database on fire" not in content
    assert not response.cookies
