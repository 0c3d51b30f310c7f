from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from kehu.accounts.roles import sync_role_groups

        # Permissions only exist after post_migrate, so the role groups are synced there.
        post_migrate.connect(sync_role_groups, sender=self)
