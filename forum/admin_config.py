"""`django.contrib.admin` with the checked site (forum.admin_site) as `admin.site`.

A module of its own: INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "forum.admin_site.AdminSite"
