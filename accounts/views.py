from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from forum.models import Post

from .models import User

PROFILE_LATEST_POSTS = 20


@require_safe
def profile(request, username):
    """A member's public profile: name, join date, post count, latest posts."""
    member = get_object_or_404(User, username=username, is_active=True)
    latest_posts = (
        Post.objects.visible_to(request.user)
        .by_author(member)
        .with_thread()[:PROFILE_LATEST_POSTS]
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "latest_posts": latest_posts,
            "posts_per_page": settings.POSTS_PER_PAGE,
        },
    )
