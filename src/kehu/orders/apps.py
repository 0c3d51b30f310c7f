from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "kehu.orders"
    verbose_name = _("Orders")

    def ready(self):
        from kehu.orders import timeline  # noqa: F401  (registers the P series on the timeline)
