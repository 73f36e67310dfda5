"""Keep members' cards (pagecache.members) in step with every change that may alter
them, from the admin, allauth or our own code alike: a member's row, their
e-mail addresses (verified or not), their categories to moderate and their
groups (the global moderators).
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from config.cache import recovered
from pagecache.members import viewer_changed
from pagecache.versions import SITE, bump

from .models import Category

User = get_user_model()


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def member_saved(sender, instance, **kwargs):
    """Name, password, active flag, staff: anything on the member's row."""
    viewer_changed(instance.pk)


@receiver(post_save, sender=EmailAddress)
@receiver(post_delete, sender=EmailAddress)
def email_address_saved(sender, instance, **kwargs):
    """An address added, confirmed or removed: may the member post?"""
    viewer_changed(instance.user_id)


@receiver(m2m_changed, sender=Category.moderators.through)
@receiver(m2m_changed, sender=User.groups.through)
def roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Moderators added to or removed from a category, members to or from a
    group: from either side of the relation."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if isinstance(instance, User):
        viewer_changed(instance.pk)
        return
    if action == "pre_clear":  # the members the clear will remove
        users = (
            instance.moderators if isinstance(instance, Category) else instance.user_set
        )
        pk_set = set(users.values_list("pk", flat=True))
    for user_id in pk_set or ():
        viewer_changed(user_id)


@receiver(post_save, sender=Group)
@receiver(pre_delete, sender=Group)
def group_changed(sender, instance, **kwargs):
    """A renamed or deleted group: the global moderators' group, maybe."""
    for user_id in instance.user_set.values_list("pk", flat=True):
        viewer_changed(user_id)


@receiver(recovered)
def cache_recovered(sender, **kwargs):
    """Redis is back after an outage (config/cache.py): writes made meanwhile
    could not bump their versions, so every stored page is stale."""
    bump(SITE)
