from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from .models import Category, Post, Thread

# A page number beyond this is nonsense for any thread; refuse before any math.
MAX_PAGE_NUMBER = 1_000_000
PAGE_WINDOW = 2


def requested_page(request) -> int | None:
    """The `?page=` number, None when absent; Http404 when it is not 1..MAX."""
    value = request.GET.get("page")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 7 or not 1 <= int(value) <= MAX_PAGE_NUMBER:
        raise Http404("No such page.")
    return int(value)


def page_links(*, current: int, last: int, base_url: str) -> dict:
    """Numbered page links around `current`, with first/previous/next/last.

    Gaps in the numbers are None, shown as an ellipsis.
    """

    def url(number):
        return base_url if number == 1 else f"{base_url}?{urlencode({'page': number})}"

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
def board_index(request):
    """The board index: top-level categories in order, their subcategories."""
    categories = list(Category.objects.with_last_post())
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
def category_detail(request, slug):
    """A category's threads, pinned first, then by last activity; 25 a page."""
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    page_number = requested_page(request) or 1
    threads = (
        Thread.objects.visible_to(request.user)
        .for_category(category)
        .in_listing_order()
        .with_list_data()
    )
    paginator = Paginator(threads, settings.THREADS_PER_PAGE)
    if page_number > paginator.num_pages:
        raise Http404("No such page.")
    page = paginator.page(page_number)
    return render(
        request,
        "forum/category_detail.html",
        {
            "category": category,
            "subcategories": list(category.children.with_last_post()),
            "threads": page.object_list,
            "page_links": page_links(
                current=page_number,
                last=paginator.num_pages,
                base_url=category.get_absolute_url(),
            ),
        },
    )


@require_safe
def thread_detail(request, pk, slug=None):
    """A page of a thread: 20 posts picked by position, never by OFFSET.

    A wrong or missing slug, or an explicit `?page=1`, redirects (301) to the
    canonical URL.
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
    posts = Post.objects.visible_to(request.user).with_author()
    thread_url = thread.get_absolute_url()
    return render(
        request,
        "forum/thread_detail.html",
        {
            "thread": thread,
            "page": page,
            "posts": posts.on_page(thread, page, settings.POSTS_PER_PAGE),
            "recommended_posts": posts.recommended_in(thread) if page == 1 else [],
            "page_links": page_links(
                current=page, last=thread.page_count, base_url=thread_url
            ),
        },
    )


@require_safe
def post_permalink(request, pk):
    """Redirect to the thread page that shows the post, at its anchor."""
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("thread"), pk=pk
    )
    url = post.thread.get_absolute_url()
    if post.page_number > 1:
        url += f"?{urlencode({'page': post.page_number})}"
    return redirect(f"{url}#post-{post.pk}")
