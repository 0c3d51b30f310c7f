from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kehu.sales"
    verbose_name = _("Sales")

    def ready(self):
        from kehu.sales.defaults import ensure_defaults
        from kehu.sales.reminders import register_jobs as register_activity_reminders
        from kehu.sales.tasks import register_jobs as register_lead_score_retraining

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="sales.defaults")
        self._add_customer_panel()
        register_activity_reminders()
        register_lead_score_retraining()

    def _add_customer_panel(self):
        """Referrer, referrals, opportunities and activities on the customer page."""
        from kehu.customers.panels import Panel, register

        register(Panel("sales", "sales:customer-panel", "sales.view_opportunity", position=10))
