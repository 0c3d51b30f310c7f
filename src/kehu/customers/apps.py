from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    verbose_name = _("Customers")

    def ready(self):
        from kehu.customers import timeline_sources  # noqa: F401  (registers interactions)
