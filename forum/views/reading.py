"""Reading pages: the board index, categories, threads, permalinks."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from pagecache.members import member_page, share_page, wants_shared_page
from pagecache.pages import guest_page

from .. import permissions
from ..cache import page_shows
from ..forms import ReplyForm
from ..models import Category, ModerationLogEntry, Post, Thread
from .pagination import PAGE_QUERY, page_links, paginate, requested_page


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
@guest_page(query=PAGE_QUERY)
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
@guest_page(query=PAGE_QUERY)
@member_page
def thread_detail(request, pk, slug=None):
    """A page of a thread: 20 posts picked by position, never by OFFSET.

    A wrong or missing slug, or an explicit `?page=1`, redirects (301) to the
    canonical URL. Members who moderate nothing may get a rendering shared by
    all of them (pagecache.members).
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
    can_moderate = permissions.can_moderate(user, thread.category_id)
    for post in posts:
        post.thread = thread  # known already; spares a query per post
        post.controls = post_controls(user, post, markers)
        post.tools = one_click_tools(post) if can_moderate else []
        post.can_delete = can_moderate and permissions.can_delete_post(user, post)
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
    reply_refusal = permissions.why_not_reply(user, thread)
    can_reply = not reply_refusal
    context = {
        "thread": thread,
        "page": page,
        "posts": posts,
        "recommended_posts": recommended_posts,
        "page_links": page_links(
            current=page, last=thread.page_count, base_url=thread.get_absolute_url()
        ),
        "can_reply": can_reply,
        "reply_refusal": reply_refusal,
        "reply_form": ReplyForm() if can_reply else None,
        "has_verified_email": permissions.has_verified_email(user),
        "can_moderate": can_moderate,
        "thread_operations": one_click_tools(thread) if can_moderate else [],
    }
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


def one_click_tools(target: Thread | Post) -> list[tuple[str, str]]:
    """The one-click tools of a thread or post in their current direction
    ("pin" or "unpin"...): (operation, button) of each one-click verb of the
    registry whose flag does not have its value yet."""
    kind = "thread" if isinstance(target, Thread) else "post"
    return [
        (action.operation, action.verb.button)
        for action in ModerationLogEntry.Action.tools(kind)
        if action.verb.one_click
        and getattr(target, action.verb.flag[0]) != action.verb.flag[1]
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
