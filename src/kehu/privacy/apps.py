from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kehu.privacy"
    verbose_name = _("Privacy and audit")

    def ready(self):
        from kehu.privacy import timeline  # noqa: F401  (registers timeline sources)
