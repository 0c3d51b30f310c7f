from datetime import timedelta

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kehu.service"
    verbose_name = _("Customer service")

    def ready(self):
        from kehu import scheduling
        from kehu.service import mailbox, tasks, timeline  # noqa: F401  (timeline registers itself)
        from kehu.service.defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="service.defaults")

        scheduling.register(scheduling.Job("service.sla", timedelta(minutes=5), tasks.refresh_sla.enqueue))
        scheduling.register(scheduling.Job("service.mailbox", timedelta(minutes=1), tasks.poll_mailbox.enqueue,
                                           enabled=mailbox.configured))
        scheduling.register(scheduling.Job("service.link", timedelta(hours=1), tasks.link_unidentified_cases.enqueue))
        self._listen_to_surveys()

    def _listen_to_surveys(self):
        """An unhappy survey answer opens a follow-up for the customer's owner."""
        from kehu.service.receivers import follow_up_detractor
        from kehu.surveys.signals import detractor_answered

        detractor_answered.connect(follow_up_detractor, dispatch_uid="service.follow_up_detractor")
