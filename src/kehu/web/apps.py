from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "kehu.web"
    verbose_name = _("Web")

    def ready(self):
        from kehu import db

        db.register()  # field__any=[…]: IN with one parameter (kehu/db.py)
