from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kehu.scoring"
    verbose_name = _("Customer value")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from kehu.customers.panels import Panel, register

        # the value card (tier, CLV, RFM, churn odds) first on the customer page
        register(Panel("value", "scoring:value-card", "scoring.view_customerscore", position=0))
