from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kehu.surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self):
        from kehu.surveys import responses, timeline  # noqa: F401  (register the R series and timeline sources)
        from kehu.surveys.invitations import any_after_order_survey, on_case_closed
        from kehu.surveys.signals import case_closed

        case_closed.connect(on_case_closed, dispatch_uid="surveys.invite_after_case")
        try:
            from kehu import scheduling
        except ImportError:  # the shared scheduler is not there yet: the task can be run by hand
            return
        from kehu.surveys import tasks

        scheduling.register(scheduling.Job("surveys.after_order", timedelta(days=1), tasks.invite_after_orders.enqueue,
                                           enabled=any_after_order_survey))
