from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User

from . import actions, permissions, throttle
from .cache import (
    SharedViewer,
    guest_page,
    member_page,
    page_shows,
    share_page,
    wants_shared_page,
)
from .forms import PostEditForm, ReplyForm, SearchForm, ThreadForm
from .markup import render_markdown
from .models import Category, Post, Thread
from .search import MATCH_ALL, ORDER_RELEVANCE, SearchError, search_posts

# A page number beyond this is nonsense for any thread; refuse before any math.
MAX_PAGE_NUMBER = 1_000_000
PAGE_WINDOW = 2


def requested_page(request) -> int | None:
    """The `?page=` number, None when absent; Http404 when it is not 1..MAX."""
    value = request.GET.get("page")
    if value is None:
        return None
    # isdigit() alone accepts "²", which int() refuses: ASCII digits only.
    if not (value.isascii() and value.isdigit()) or len(value) > 7:
        raise Http404("No such page.")
    if not 1 <= int(value) <= MAX_PAGE_NUMBER:
        raise Http404("No such page.")
    return int(value)


def paginate(request, queryset, per_page):
    """The requested page of a list and its paginator; Http404 past the end."""
    page_number = requested_page(request) or 1
    paginator = Paginator(queryset, per_page)
    if page_number > paginator.num_pages:
        raise Http404("No such page.")
    return paginator.page(page_number), paginator


def page_links(*, current: int, last: int, base_url: str, query: str = "") -> dict:
    """Numbered page links around `current`, with first/previous/next/last.

    `query`, an encoded query string without `page`, is kept on every link.
    Gaps in the numbers are None, shown as an ellipsis.
    """

    def url(number):
        parts = [query] if query else []
        if number > 1:
            parts.append(urlencode({"page": number}))
        return f"{base_url}?{'&'.join(parts)}" if parts else base_url

    shown = {1, last, *range(current - PAGE_WINDOW, current + PAGE_WINDOW + 1)}
    pages, previous = [], 0
    for number in sorted(n for n in shown if 1 <= n <= last):
        if number > previous + 1:
            pages.append(None)
        pages.append(
            {"number": number, "url": url(number), "current": number == current}
        )
        previous = number
    return {
        "current": current,
        "last": last,
        "pages": pages,
        "first_url": url(1) if current > 1 else None,
        "previous_url": url(current - 1) if current > 1 else None,
        "next_url": url(current + 1) if current < last else None,
        "last_url": url(last) if current < last else None,
    }


@require_safe
@guest_page
def board_index(request):
    """The board index: top-level categories in order, their subcategories."""
    categories = list(Category.objects.with_last_post())
    page_shows(
        request,
        categories=[category.pk for category in categories],
        members=[c.last_post.author_id for c in categories if c.last_post],
        category_list=True,
    )
    children = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    sections = [
        {"category": category, "children": children.get(category.pk, [])}
        for category in categories
        if category.parent_id is None
    ]
    return render(request, "forum/board_index.html", {"sections": sections})


@require_safe
@guest_page
def category_detail(request, slug):
    """A category's threads, pinned first, then by last activity; 25 a page."""
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    threads = (
        Thread.objects.visible_to(request.user)
        .for_category(category)
        .in_listing_order()
        .with_list_data()
    )
    page, paginator = paginate(request, threads, settings.THREADS_PER_PAGE)
    threads = list(page.object_list)
    subcategories = list(category.children.with_last_post())
    page_shows(
        request,
        categories=[category.pk, category.parent_id, *(c.pk for c in subcategories)],
        members=[
            *(thread.author_id for thread in threads),
            *(t.last_post.author_id for t in threads if t.last_post),
            *(c.last_post.author_id for c in subcategories if c.last_post),
        ],
    )
    return render(
        request,
        "forum/category_detail.html",
        {
            "category": category,
            "subcategories": subcategories,
            "threads": threads,
            "page_links": page_links(
                current=page.number,
                last=paginator.num_pages,
                base_url=category.get_absolute_url(),
            ),
        },
    )


@require_safe
@guest_page
@member_page
def thread_detail(request, pk, slug=None):
    """A page of a thread: 20 posts picked by position, never by OFFSET.

    A wrong or missing slug, or an explicit `?page=1`, redirects (301) to the
    canonical URL. Members who moderate nothing may get a rendering shared by
    all of them (forum.cache.member_page).
    """
    thread = get_object_or_404(
        Thread.objects.visible_to(request.user).select_related(
            "category__parent", "author"
        ),
        pk=pk,
    )
    page = requested_page(request)
    if slug != thread.slug or page == 1:
        url = thread.get_absolute_url()
        if page and page > 1:
            url += f"?{urlencode({'page': page})}"
        return redirect(url, permanent=True)
    page = page or 1
    if page > thread.page_count:
        raise Http404("No such page.")
    visible_posts = Post.objects.with_author().visible_in_thread(thread, request.user)
    posts = list(visible_posts.on_page(thread, page, settings.POSTS_PER_PAGE))
    markers = None
    # Public threads only: a stored page is served with no visibility check.
    if wants_shared_page(request) and thread.is_public:
        markers = share_page(
            request, private_authors=private_authors_on_page(thread, page, posts)
        )
    user = request.user
    for post in posts:
        post.thread = thread  # known already; spares a query per post
        post.controls = post_controls(user, post, markers)
    recommended_posts = list(visible_posts.recommended_in(thread)) if page == 1 else []
    page_shows(
        request,
        threads=[thread.pk],
        categories=[thread.category_id, thread.category.parent_id],
        members=[
            thread.author_id,
            *(post.author_id for post in posts),
            *(post.author_id for post in recommended_posts),
        ],
    )
    can_reply = permissions.can_reply(user, thread)
    can_moderate = permissions.can_moderate(user, thread.category_id)
    context = {
        "thread": thread,
        "page": page,
        "posts": posts,
        "recommended_posts": recommended_posts,
        "page_links": page_links(
            current=page, last=thread.page_count, base_url=thread.get_absolute_url()
        ),
        "can_reply": can_reply,
        "reply_form": ReplyForm() if can_reply else None,
        "has_verified_email": permissions.has_verified_email(user),
        "can_moderate": can_moderate,
        "is_administrator": permissions.is_administrator(user),
        "thread_operations": thread_operations(thread) if can_moderate else [],
    }
    if markers is not None:
        # The member's name, profile link and CSRF token become markers.
        context.update(user=SharedViewer(markers), csrf_token=markers.csrf)
    return render(request, "forum/thread_detail.html", context)


def private_authors_on_page(thread: Thread, page: int, posts: list[Post]) -> set[int]:
    """Authors of the page's posts that not every member sees (hidden, waiting).

    `posts` are the page's posts as a member sees them: a position missing from
    them is such a post (or a deleted one); asked only when there is a gap.
    """
    first = (page - 1) * settings.POSTS_PER_PAGE + 1
    last = min(first + settings.POSTS_PER_PAGE - 1, thread.last_position)
    authors = {post.author_id for post in posts if not post.is_public}
    missing = set(range(first, last + 1)) - {post.position for post in posts}
    if missing:
        authors.update(
            Post.objects.filter(thread=thread, position__in=missing).values_list(
                "author_id", flat=True
            )
        )
    return authors


def post_controls(user, post: Post, markers) -> list[dict]:
    """The links a post's footer offers the user: Edit, History, Report.

    On a shared page (`markers`), both answers: for the post's author and for
    every other member, each between its markers.
    """

    def controls(authored=None, opening="", closing=""):
        return {
            "edit": permissions.can_edit_post(user, post, authored=authored),
            "history": bool(post.edited_at)
            and permissions.can_see_history(user, post, authored=authored),
            "report": permissions.can_report(user, post, authored=authored),
            "open": opening,
            "close": closing,
        }

    if markers is None:
        return [controls()]
    return [
        controls(True, markers.own(post.author_id), markers.end),
        controls(False, markers.other(post.author_id), markers.end),
    ]


def thread_operations(thread: Thread) -> list[tuple[str, str]]:
    """The one-click thread tools (pin, lock) in their current direction."""
    return [
        ("unpin", "Unpin") if thread.is_pinned else ("pin", "Pin"),
        ("unlock", "Unlock") if thread.is_locked else ("lock", "Lock"),
    ]


@require_safe
def post_permalink(request, pk):
    """Redirect to the thread page that shows the post, at its anchor."""
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("thread"), pk=pk
    )
    return redirect(post_location(post))


def readable_post(request, pk) -> Post:
    """The post with its thread, category and author, if the user may read it
    (else 404): what the post's own pages (edit, history, report) show."""
    return get_object_or_404(
        Post.objects.visible_to(request.user).select_related(
            "thread__category__parent", "author"
        ),
        pk=pk,
    )


def post_location(post: Post) -> str:
    """The URL of the thread page that shows the post, at the post's anchor."""
    url = post.thread.get_absolute_url()
    if post.page_number > 1:
        url += f"?{urlencode({'page': post.page_number})}"
    return f"{url}#post-{post.pk}"


def render_form_page(request, template, context):
    """Render a posting page; with "Preview" pressed, show the rendered body too."""
    form = context["form"]
    if "preview" in request.POST and form.is_valid():
        context["preview_html"] = render_markdown(form.cleaned_data["body"])
    return render(request, template, context)


def refuse(request, template, context, message, *, status):
    """Refuse a write but keep what the person typed in the form."""
    context["form"].add_error(None, message)
    return render(request, template, context, status=status)


def quote_initial(request, thread: Thread) -> dict:
    """The reply form's initial text: a quote of `?quote=<post id>`, if given."""
    quote_id = request.GET.get("quote", "")
    if not quote_id:
        return {}
    if not (quote_id.isascii() and quote_id.isdigit() and len(quote_id) <= 18):
        raise Http404("No such post.")
    quoted = get_object_or_404(
        Post.objects.visible_to(request.user).with_author(),
        pk=int(quote_id),
        thread=thread,
    )
    return {"body": quote_of(quoted)}


def quote_of(post: Post) -> str:
    """Markdown that quotes a post, naming its author and linking to it."""
    quoted = "\n".join(
        f"> {line}" if line else ">" for line in post.body_source.splitlines()
    )
    return (
        f"> **{post.author.name}** wrote ([post #{post.position}]"
        f"({post.get_absolute_url()})):\n>\n{quoted}\n\n"
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_reply(request, pk):
    """The reply form on a page of its own: for quotes, previews and errors.

    The form at the bottom of the thread page posts here too.
    """
    thread = get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("category__parent"),
        pk=pk,
    )
    if request.method == "POST":
        form = ReplyForm(request.POST)
    else:
        form = ReplyForm(initial=quote_initial(request, thread))
    template, context = "forum/thread_reply.html", {"thread": thread, "form": form}
    if not permissions.can_reply(request.user, thread):
        message = actions.reply_refusal(request.user, thread)
        return refuse(request, template, context, message, status=403)
    if request.method == "GET" or "preview" in request.POST or not form.is_valid():
        return render_form_page(request, template, context)
    if not throttle.allow_post(request.user):
        return refuse(request, template, context, RATE_LIMIT_MESSAGE, status=429)
    post = actions.create_reply(
        thread=thread,
        author=request.user,
        body=form.cleaned_data["body"],
        ip_address=client_ip(request),
    )
    if not post.is_approved:
        messages.info(request, AWAITING_APPROVAL_MESSAGE)
    return redirect(post_location(post))


AWAITING_APPROVAL_MESSAGE = (
    "Your post is awaiting approval: a moderator will look at it soon. "
    "Until then only you can see it."
)


def client_ip(request) -> str | None:
    """The address a request came from, as the server saw it.

    REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a
    trusted proxy rewrites it, so a reverse proxy must set REMOTE_ADDR itself
    (gunicorn's --forwarded-allow-ips, or the proxy protocol).
    """
    return request.META.get("REMOTE_ADDR") or None


RATE_LIMIT_MESSAGE = (
    "You are posting too quickly. Wait a minute, then send again: "
    "your text is still here."
)


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request):
    """Start a thread: category, title and opening post."""
    template = "forum/thread_create.html"
    if request.method == "GET":
        initial = {}
        slug = request.GET.get("category", "")
        if slug:
            initial["category"] = Category.objects.filter(slug=slug[:100]).first()
        context = {"form": ThreadForm(initial=initial)}
    else:
        context = {"form": ThreadForm(request.POST)}
    if not permissions.can_post(request.user):
        message = actions.reply_refusal(request.user, None)
        return refuse(request, template, context, message, status=403)
    form = context["form"]
    if request.method == "GET" or "preview" in request.POST or not form.is_valid():
        return render_form_page(request, template, context)
    if not throttle.allow_post(request.user):
        return refuse(request, template, context, RATE_LIMIT_MESSAGE, status=429)
    thread = actions.create_thread(
        category=form.cleaned_data["category"],
        author=request.user,
        title=form.cleaned_data["title"],
        body=form.cleaned_data["body"],
        ip_address=client_ip(request),
    )
    if not thread.is_approved:
        messages.info(request, AWAITING_APPROVAL_MESSAGE)
    return redirect(thread.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    """Edit a post (the opening post's form renames the thread too)."""
    post = readable_post(request, pk)
    if not permissions.can_edit_post(request.user, post):
        if request.user.is_suspended:
            raise PermissionDenied(permissions.suspension_message(request.user))
        raise PermissionDenied("You cannot edit this post.")
    with_title = post.position == 1
    if request.method == "GET":
        initial = {"body": post.body_source, "title": post.thread.title}
        form = PostEditForm(initial=initial, with_title=with_title)
    else:
        form = PostEditForm(request.POST, with_title=with_title)
    context = {"post": post, "thread": post.thread, "form": form}
    template = "forum/post_edit.html"
    if request.method == "GET" or "preview" in request.POST or not form.is_valid():
        return render_form_page(request, template, context)
    actions.edit_post(
        post=post,
        editor=request.user,
        body=form.cleaned_data["body"],
        title=form.cleaned_data.get("title"),
    )
    messages.success(request, "Your changes are saved.")
    return redirect(post_location(post))


@login_required
@require_safe
def post_history(request, pk):
    """A post's earlier versions, newest first: for its author and staff."""
    post = readable_post(request, pk)
    if not permissions.can_see_history(request.user, post):
        raise PermissionDenied("Only the author and moderators see a post's history.")
    return render(
        request,
        "forum/post_history.html",
        {
            "post": post,
            "thread": post.thread,
            "revisions": post.revisions.select_related("editor"),
        },
    )


SEARCH_RATE_LIMIT_MESSAGE = (
    "You are searching too quickly. Wait a minute, then search again "
    "(or sign in: members are not limited)."
)


@require_safe
def search(request):
    """Full-text search with every option of the header's "More options...".

    A GET form, so guests get no cookie. Guests are rate-limited per client
    address (SEARCH_RATE_LIMIT). Messages, not errors, answer a query that
    cannot be searched; the page's query count does not depend on the results.
    """
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None, "message": None}
    if not form.is_bound:
        return render(request, "forum/search.html", context)
    if not request.user.is_authenticated and not throttle.allow_search(
        client_address(request)
    ):
        context["message"] = SEARCH_RATE_LIMIT_MESSAGE
        return render(request, "forum/search.html", context, status=429)
    page_number = requested_page(request) or 1
    if not form.is_valid():
        context["message"] = "Check the search options below."
        return render(request, "forum/search.html", context)
    options = form.cleaned_data
    author = None
    if options["author"]:
        author = User.objects.filter(username__iexact=options["author"]).first()
        if author is None:
            context["message"] = f"No member is called “{options['author']}”."
            return render(request, "forum/search.html", context)
    try:
        found = search_posts(
            query=options["q"],
            user=request.user,
            match=options["match"] or MATCH_ALL,
            titles_only=options["in"] == "titles",
            author=author,
            category=options["category"],
            date_from=options["date_from"],
            date_to=options["date_to"],
            order=options["order"] or ORDER_RELEVANCE,
            page=page_number,
        )
    except SearchError as error:
        context["message"] = str(error)
        return render(request, "forum/search.html", context)
    if not found.results:
        if page_number > 1:
            raise Http404("No such page.")
        context["message"] = (
            "No results. Try fewer or other words, or “Any of my words”."
        )
    query = request.GET.copy()
    query.pop("page", None)
    context["results"] = found
    context["page_links"] = page_links(
        current=page_number,
        last=max(found.last_page, page_number),
        base_url=request.path,
        query=query.urlencode(),
    )
    return render(request, "forum/search.html", context)


def client_address(request) -> str:
    """The client's IP address as allauth's rate limits see it (proxy-aware)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"
