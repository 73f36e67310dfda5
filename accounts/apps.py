from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import actions  # noqa: F401 - registers the "user.clear_profile" tool
        from .site import sync_site

        post_migrate.connect(sync_site, sender=self)
