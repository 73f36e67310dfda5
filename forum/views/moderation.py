"""Moderation pages: the tools on threads, posts and members, and the report form
(the queues and the log are in `forum.views.queues`).

Every change is a POST with CSRF; a GET of the same address shows the
confirmation page with its form (an optional reason), so nothing needs
JavaScript. After the change, the browser is redirected (POST/redirect/GET).
Things the user may not see are 404; things they see but may not moderate 403.
The actions check the same permissions again.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import actions, permissions, throttle
from ..forms import (
    ReasonForm,
    ReportForm,
    SuspendForm,
    ThreadMergeForm,
    ThreadMoveForm,
    ThreadRenameForm,
    ThreadSplitForm,
)
from ..models import Category, ModerationLogEntry, Post, Thread
from .pagination import page_links, requested_page
from .reading import post_location, readable_post

User = get_user_model()

FORM_TEMPLATE = "forum/moderation_form.html"


def moderated_thread(request, pk) -> Thread:
    """The thread, if the user sees it (else 404) and moderates it (else 403)."""
    thread = get_object_or_404(
        Thread.objects.visible_to(request.user).select_related(
            "category__parent", "author"
        ),
        pk=pk,
    )
    if refusal := permissions.why_not_moderate(request.user, thread.category_id):
        raise PermissionDenied(refusal)
    return thread


def moderated_post(request, pk) -> Post:
    """The post, if the user sees it (else 404) and moderates it (else 403)."""
    post = readable_post(request, pk)
    if refusal := permissions.why_not_moderate(request.user, post.thread.category_id):
        raise PermissionDenied(refusal)
    return post


def form_page(request, context, *, status=200):
    """The shared page of every moderation form: heading, target, form, buttons."""
    return render(request, FORM_TEMPLATE, context, status=status)


def moderated_categories(user):
    scope = permissions.moderator_scope(user)
    categories = Category.objects.order_by("position", "name")
    if scope is permissions.EVERY_CATEGORY:
        return categories
    return categories.filter(pk__in=scope)


# Thread tools.

Action = ModerationLogEntry.Action


def tool_verb(target: str, operation: str) -> Action:
    """The verb of `target` whose one-step tool is `operation` (else 404)."""
    for action in Action.tools(target):
        if action.operation == operation:
            return action
    raise Http404("No such operation.")


@login_required
@require_http_methods(["GET", "POST"])
def thread_moderate(request, pk, operation):
    """A thread verb's tool (pin, lock, hide...: `Action.tools("thread")`),
    after confirmation."""
    action = tool_verb("thread", operation)
    thread = moderated_thread(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.TOOLS[action](
            thread=thread, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, action.verb.done)
        return redirect(thread.get_absolute_url())
    verb = action.verb
    context = {"heading": verb.heading, "button": verb.button, "thread": thread}
    return form_page(request, {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def thread_rename(request, pk):
    """Give a thread a new title."""
    thread = moderated_thread(request, pk)
    if request.method == "POST":
        form = ThreadRenameForm(request.POST)
    else:
        form = ThreadRenameForm(initial={"title": thread.title})
    if request.method == "POST" and form.is_valid():
        actions.rename_thread(
            thread=thread,
            actor=request.user,
            title=form.cleaned_data["title"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "The thread is renamed.")
        return redirect(thread.get_absolute_url())
    context = {"heading": "Rename this thread", "button": "Rename", "thread": thread}
    return form_page(request, {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def thread_move(request, pk):
    """Move a thread to another category that the moderator moderates."""
    thread = moderated_thread(request, pk)
    categories = moderated_categories(request.user).exclude(pk=thread.category_id)
    data = request.POST if request.method == "POST" else None
    form = ThreadMoveForm(data, categories=categories)
    if request.method == "POST" and form.is_valid():
        actions.move_thread(
            thread=thread,
            actor=request.user,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "The thread is moved.")
        return redirect(thread.get_absolute_url())
    context = {"heading": "Move this thread", "button": "Move", "thread": thread}
    return form_page(request, {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def thread_merge(request, pk):
    """Merge this thread's posts into another thread (this one is then gone)."""
    thread = moderated_thread(request, pk)
    threads = Thread.objects.visible_to(request.user).filter(
        category__in=moderated_categories(request.user)
    )
    data = request.POST if request.method == "POST" else None
    form = ThreadMergeForm(data, thread=thread, threads=threads)
    if request.method == "POST" and form.is_valid():
        merged = actions.merge_thread(
            thread=thread,
            into=form.cleaned_data["into"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "The threads are merged.")
        return redirect(merged.get_absolute_url())
    context = {
        "heading": "Merge this thread into another",
        "intro": "Its posts join the other thread, ordered by time; this thread "
        "is then deleted. Links to single posts keep working.",
        "button": "Merge",
        "thread": thread,
    }
    return form_page(request, {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def thread_split(request, pk):
    """Move chosen posts, from one page of the thread, to a new thread."""
    thread = moderated_thread(request, pk)
    page = requested_page(request) or 1
    if page > thread.page_count:
        raise Http404("No such page.")
    posts = (
        Post.objects.on_page(thread, page, settings.POSTS_PER_PAGE)
        .exclude(position=1)
        .with_author()
    )
    data = request.POST if request.method == "POST" else None
    form = ThreadSplitForm(
        data,
        posts=posts,
        categories=moderated_categories(request.user),
        initial={"category": thread.category_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_thread = actions.split_thread(
                thread=thread,
                actor=request.user,
                post_ids=[post.pk for post in form.cleaned_data["posts"]],
                title=form.cleaned_data["title"],
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The posts are in their new thread.")
            return redirect(new_thread.get_absolute_url())
    context = {
        "heading": "Split posts into a new thread",
        "intro": "Choose posts of this page; they move to a new thread, in order.",
        "button": "Split",
        "thread": thread,
        "form": form,
        "page_links": page_links(
            current=page,
            last=thread.page_count,
            base_url=reverse("forum:thread_split", kwargs={"pk": thread.pk}),
        ),
    }
    return form_page(request, context)


# Post tools.


@login_required
@require_http_methods(["GET", "POST"])
def post_moderate(request, pk, operation):
    """A post verb's tool (hide, restore, approve...: `Action.tools("post")`),
    after confirmation."""
    action = tool_verb("post", operation)
    post = moderated_post(request, pk)
    if action is Action.POST_DELETE and (
        refusal := permissions.why_not_delete_posts(request.user)
    ):
        raise PermissionDenied(refusal)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    verb = action.verb
    if request.method == "POST" and form.is_valid():
        try:
            actions.TOOLS[action](
                post=post, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, verb.done)
            if verb.then == "queue":
                return redirect("forum:approval_queue")
            if verb.then == "thread":
                return redirect(post.thread.get_absolute_url())
            return redirect(post_location(post))
    context = {"heading": verb.heading, "button": verb.button, "post": post}
    return form_page(request, {**context, "form": form, "thread": post.thread})


REPORT_RATE_LIMIT_MESSAGE = (
    "You are sending reports too quickly. Wait a few minutes, then send again."
)


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request, pk):
    """Report a post to its moderators: a reason and an optional text."""
    post = readable_post(request, pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {
        "heading": "Report this post",
        "button": "Send the report",
        "post": post,
        "thread": post.thread,
        "form": form,
    }
    if refusal := permissions.why_not_report(request.user, post):
        if not form.is_bound:
            raise PermissionDenied(refusal)
        form.add_error(None, refusal)
        return form_page(request, context, status=403)
    if request.method == "POST" and form.is_valid():
        if not throttle.allow_report(request.user):
            form.add_error(None, REPORT_RATE_LIMIT_MESSAGE)
            return form_page(request, context, status=429)
        try:
            actions.create_report(
                post=post,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you: the moderators will look at it.")
            return redirect(post_location(post))
    return form_page(request, context)


# Members.


def suspendable_member(request, pk) -> User:
    member = get_object_or_404(User, pk=pk, is_active=True)
    if refusal := permissions.why_not_suspend(request.user, member):
        raise PermissionDenied(refusal)
    return member


@login_required
@require_http_methods(["GET", "POST"])
def user_suspend(request, pk):
    """Suspend a member until a date, or ban for good, with a reason."""
    member = suspendable_member(request, pk)
    form = SuspendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.suspend_user(
            member=member,
            actor=request.user,
            until=form.cleaned_data["until_at"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{member.name} is suspended.")
        return redirect(member.get_absolute_url())
    context = {"heading": f"Suspend {member.name}", "button": "Suspend"}
    return form_page(request, {**context, "member": member, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_unsuspend(request, pk):
    """Lift a member's suspension or ban."""
    member = suspendable_member(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.lift_suspension(
                member=member, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{member.name} may take part again.")
            return redirect(member.get_absolute_url())
    context = {"heading": f"Lift the suspension of {member.name}", "button": "Lift"}
    return form_page(request, {**context, "member": member, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_hide_posts(request, pk):
    """Hide every post of a member, and the threads they started (spam runs)."""
    member = suspendable_member(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        hidden = actions.hide_user_posts(
            member=member, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{hidden} post(s) hidden.")
        return redirect(member.get_absolute_url())
    return form_page(
        request,
        {
            "heading": f"Hide every post of {member.name}",
            "intro": "Their posts and the threads they started are hidden; "
            "moderators can still see and restore them.",
            "button": "Hide all posts",
            "member": member,
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_clear_profile(request, pk):
    """Clear a member's display name, bio and avatar ("user.clear_profile")."""
    member = get_object_or_404(User, pk=pk, is_active=True)
    if refusal := permissions.why_not_clear_profile(request.user, member):
        raise PermissionDenied(refusal)
    action = Action.USER_CLEAR_PROFILE
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # The action lives in accounts (its fields), registered in TOOLS.
        actions.TOOLS[action](
            user=member, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, action.verb.done)
        return redirect(member.get_absolute_url())
    return form_page(
        request,
        {
            "heading": action.verb.heading,
            "intro": "Their display name, bio and avatar are removed; their "
            "username is shown instead. Their posts stay.",
            "button": action.verb.button,
            "member": member,
            "form": form,
        },
    )
