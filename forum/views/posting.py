"""Writing pages: new threads, replies, edits, and a post's history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .. import actions, permissions, throttle
from ..forms import PostEditForm, ReplyForm, ThreadForm
from ..markup import render_markdown
from ..models import Category, Post, Thread
from .reading import post_location, readable_post


def render_form_page(request, template, context):
    """Render a posting page; with "Preview" pressed, show the rendered body too.

    Previews are rate-limited (`throttle.allow_preview`): each one renders a
    whole body. Past the limit the form comes back with the text kept (429).
    """
    form = context["form"]
    if "preview" in request.POST and form.is_valid():
        if not throttle.allow_preview(request.user):
            return refuse(
                request, template, context, PREVIEW_RATE_LIMIT_MESSAGE, status=429
            )
        context["preview_html"] = render_markdown(form.cleaned_data["body"])
    return render(request, template, context)


PREVIEW_RATE_LIMIT_MESSAGE = (
    "You are asking for previews too quickly. Wait a minute, then preview "
    "again: your text is still here."
)


def refuse(request, template, context, message, *, status):
    """Refuse a write but keep what the person typed in the form.

    Before anything was typed (the GET of the page), there is no form to keep:
    the refusal page says why instead.
    """
    if not context["form"].is_bound:
        raise PermissionDenied(message)
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
    if refusal := permissions.why_not_reply(request.user, thread):
        return refuse(request, template, context, refusal, status=403)
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
    if refusal := permissions.why_not_post(request.user):
        return refuse(request, template, context, refusal, status=403)
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
    if refusal := permissions.why_not_edit_post(request.user, post):
        raise PermissionDenied(refusal)
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
    if not throttle.allow_edit(request.user):
        return refuse(request, template, context, EDIT_RATE_LIMIT_MESSAGE, status=429)
    actions.edit_post(
        post=post,
        editor=request.user,
        body=form.cleaned_data["body"],
        title=form.cleaned_data.get("title"),
    )
    if post.is_approved:
        messages.success(request, "Your changes are saved.")
    else:
        messages.info(request, EDIT_AWAITING_APPROVAL_MESSAGE)
    return redirect(post_location(post))


EDIT_RATE_LIMIT_MESSAGE = (
    "You are editing too quickly. Wait a minute, then save again: "
    "your text is still here."
)
EDIT_AWAITING_APPROVAL_MESSAGE = (
    "Your changes are saved and awaiting approval: a moderator will look at "
    "them soon. Until then only you can see the post."
)


@login_required
@require_safe
def post_history(request, pk):
    """A post's earlier versions, newest first: for its author and staff."""
    post = readable_post(request, pk)
    if refusal := permissions.why_not_see_history(request.user, post):
        raise PermissionDenied(refusal)
    return render(
        request,
        "forum/post_history.html",
        {
            "post": post,
            "thread": post.thread,
            "revisions": post.revisions.select_related("editor"),
        },
    )
