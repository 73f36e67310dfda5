"""Every permission decision, in one place: views, templates and actions ask here.

Functions are pure (no queries beyond attributes already loaded) and return bool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User


def can_see_hidden(user: User) -> bool:
    """Staff see hidden threads and posts, marked as such."""
    return bool(user.is_authenticated and user.is_staff)
