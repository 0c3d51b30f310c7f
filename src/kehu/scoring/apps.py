from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kehu.scoring"
    verbose_name = _("Customer value")
    default_auto_field = "django.db.models.BigAutoField"
