from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kehu.sales"
    verbose_name = _("Sales")

    def ready(self):
        from kehu.sales.defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="sales.defaults")
