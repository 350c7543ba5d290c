"""The admin app with our admin site as its default site.

Kept out of apps.py: Django picks an app's default AppConfig from the classes
in its apps module, and an AdminConfig there would make that choice ambiguous.
"""

from django.contrib.admin.apps import AdminConfig


class VerifiedAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.VerifiedAdminSite"
