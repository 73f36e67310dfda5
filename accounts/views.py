from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from forum import permissions, throttle
from forum.cache import page_shows
from forum.models import Post
from pagecache.pages import guest_page

from .actions import update_profile
from .forms import ProfileSettingsForm
from .models import User

PROFILE_LATEST_POSTS = 20


@require_safe
@guest_page
def profile(request, username):
    """A member's public profile: name, join date, post count, latest posts."""
    member = get_object_or_404(User, username=username, is_active=True)
    latest_posts = list(
        Post.objects.visible_to(request.user)
        .by_author(member)
        .with_thread()[:PROFILE_LATEST_POSTS]
    )
    page_shows(
        request,
        members=[member.pk],
        posts_by=[member.pk],
        threads=[post.thread_id for post in latest_posts],
        categories=[post.thread.category_id for post in latest_posts],
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "latest_posts": latest_posts,
            "posts_per_page": settings.POSTS_PER_PAGE,
            "can_suspend": permissions.can_suspend(request.user, member),
            "can_clear_profile": permissions.can_clear_profile(request.user, member),
        },
    )


AVATAR_RATE_LIMIT_MESSAGE = (
    "You have uploaded too many avatars lately, so nothing was saved. Wait a "
    "while before choosing a new image; your other changes can be saved without one."
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_settings(request):
    """The signed-in member edits their display name, bio and avatar.

    Avatar uploads are rate-limited (`throttle.allow_avatar_upload`), before
    the image is decoded. Past the limit the whole save is refused (429) with
    the typed text kept: saving the name and bio without the image the member
    also asked for would look like success and lose the avatar silently.

    A suspended or banned member's profile is frozen
    (`permissions.why_not_edit_profile`): the page shows why, and a POST is
    refused (403) before anything is decoded or counted.
    """
    user = request.user
    if refusal := permissions.why_not_edit_profile(user):
        form = ProfileSettingsForm(
            initial={"display_name": user.display_name, "bio": user.bio},
            has_avatar=bool(user.avatar),
            member_pk=user.pk,
        )
        for field in form.fields.values():
            field.disabled = True
        return render(
            request,
            "accounts/profile_settings.html",
            {"form": form, "refusal": refusal},
            status=403 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        too_many = "avatar" in request.FILES and not throttle.allow_avatar_upload(user)
        form = ProfileSettingsForm(
            request.POST,
            None if too_many else request.FILES,  # never decoded when refused
            has_avatar=bool(user.avatar),
            member_pk=user.pk,
        )
        if too_many:
            form.add_error("avatar", AVATAR_RATE_LIMIT_MESSAGE)
            return render(
                request, "accounts/profile_settings.html", {"form": form}, status=429
            )
        if form.is_valid():
            update_profile(
                user=user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                avatar_webp=form.cleaned_data["avatar"],
                remove_avatar=form.cleaned_data.get("remove_avatar", False),
            )
            messages.success(request, "Your profile has been saved.")
            return redirect("accounts:profile_settings")
    else:
        form = ProfileSettingsForm(
            initial={"display_name": user.display_name, "bio": user.bio},
            has_avatar=bool(user.avatar),
            member_pk=user.pk,
        )
    return render(request, "accounts/profile_settings.html", {"form": form})


@require_safe
def avatar(request, name):
    """Serve an avatar from the default storage, with DEBUG off too.

    Names are `<user id>-<random>.webp` (the URL pattern admits nothing else, so
    no path leaves avatars/) and a replaced avatar gets a new name, so the
    response may be cached for good.
    """
    path = f"avatars/{name}"
    if not default_storage.exists(path):
        raise Http404("No such avatar.")
    response = FileResponse(default_storage.open(path), content_type="image/webp")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
