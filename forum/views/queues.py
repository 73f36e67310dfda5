"""Moderators' queues (reports, approval) and the moderation log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from .. import actions, permissions
from ..forms import (
    ModerationLogFilterForm,
    ReportCloseForm,
)
from ..models import ModerationLogEntry, Post, Report
from .moderation import form_page
from .pagination import page_links, paginate

# Queues and the log.


def require_moderator(user):
    if refusal := permissions.why_not_moderate_any(user):
        raise PermissionDenied(refusal)


QUEUE_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


@login_required
@require_safe
def report_queue(request):
    """Open reports of the categories the user moderates, oldest first."""
    require_moderator(request.user)
    reports = (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("reporter", "post__author", "post__thread__category")
        .order_by("created_at", "pk")
    )
    scope = permissions.moderator_scope(request.user)
    if scope is not permissions.EVERY_CATEGORY:
        reports = reports.filter(post__thread__category_id__in=scope)
    page, paginator = paginate(request, reports, QUEUE_PAGE_SIZE)
    return render(
        request,
        "forum/report_queue.html",
        {
            "reports": page.object_list,
            "page_links": page_links(
                current=page.number,
                last=paginator.num_pages,
                base_url=reverse("forum:report_queue"),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_close(request, pk, operation):
    """Resolve or dismiss a report (and the other open reports of its post)."""
    if operation not in {"resolve", "dismiss"}:
        raise Http404("No such operation.")
    report = get_object_or_404(
        Report.objects.select_related(
            "reporter", "post__author", "post__thread__category__parent"
        ),
        pk=pk,
        status=Report.Status.OPEN,
    )
    if not permissions.can_see_hidden(request.user, report.post.thread.category_id):
        raise Http404("No such report.")
    form = ReportCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        close = (
            actions.resolve_report if operation == "resolve" else actions.dismiss_report
        )
        close(report=report, actor=request.user, note=form.cleaned_data["note"])
        messages.success(request, f"Report {operation}d.")
        return redirect("forum:report_queue")
    heading = "Resolve this report" if operation == "resolve" else "Dismiss this report"
    return form_page(
        request,
        {
            "heading": heading,
            "intro": "Open reports of the same post are closed with it.",
            "button": operation.capitalize(),
            "report": report,
            "post": report.post,
            "thread": report.post.thread,
            "form": form,
        },
    )


@login_required
@require_safe
def approval_queue(request):
    """Posts waiting for approval in the categories the user moderates."""
    require_moderator(request.user)
    posts = (
        Post.objects.awaiting_approval()
        .in_categories(permissions.moderator_scope(request.user))
        .select_related("author", "thread__category")
    )
    page, paginator = paginate(request, posts, QUEUE_PAGE_SIZE)
    return render(
        request,
        "forum/approval_queue.html",
        {
            "posts": page.object_list,
            "page_links": page_links(
                current=page.number,
                last=paginator.num_pages,
                base_url=reverse("forum:approval_queue"),
            ),
        },
    )


@login_required
@require_safe
def moderation_log(request):
    """Moderation log entries, newest first, filtered by action and people.

    Category moderators see the entries of their categories; global moderators
    and administrators see all, member suspensions included.
    """
    require_moderator(request.user)
    form = ModerationLogFilterForm(
        request.GET or None, actions=ModerationLogEntry.Action.values
    )
    entries = ModerationLogEntry.objects.select_related(
        "actor", "target_user", "category", "thread"
    ).order_by("-created_at", "-pk")
    scope = permissions.moderator_scope(request.user)
    if scope is not permissions.EVERY_CATEGORY:
        entries = entries.filter(category_id__in=scope)
    if form.is_valid():
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["moderator"]:
            entries = entries.filter(actor__username=form.cleaned_data["moderator"])
        if form.cleaned_data["member"]:
            entries = entries.filter(target_user__username=form.cleaned_data["member"])
    elif form.is_bound:
        entries = entries.none()
    page, paginator = paginate(request, entries, LOG_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    base_url = reverse("forum:moderation_log")
    return render(
        request,
        "forum/moderation_log.html",
        {
            "form": form,
            "entries": page.object_list,
            "page_links": page_links(
                current=page.number,
                last=paginator.num_pages,
                base_url=f"{base_url}?{query.urlencode()}" if query else base_url,
            ),
        },
    )
