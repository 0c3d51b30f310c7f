"""Survey answers in the customer file: on the timeline (this module) and in the R series
(``responses.py``). Both are registered in ``SurveysConfig.ready``."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kehu.customers.timeline import TimelineEvent, TimelineSource, register
from kehu.surveys.models import Answer, Response
from kehu.surveys.responses import outcome

COMMENT_CHARS = 300


def _responses(customer_id):
    # Uses the (customer, -submitted_at, -id) index; the comments come in one more query.
    comments = Prefetch("answers", queryset=Answer.objects.exclude(text="").order_by("id"), to_attr="comments")
    return Response.objects.filter(customer_id=customer_id).select_related("survey").prefetch_related(comments)


def _render(rows, pii_visible):
    language = get_language()
    for response in rows:
        lines = [outcome(response.nps, response.csat)] if (response.nps is not None or response.csat is not None) else []
        lines += [a.text[:COMMENT_CHARS] for a in response.comments]
        yield TimelineEvent(
            occurred_at=response.submitted_at, source="surveys.response", pk=response.pk, kind="survey",
            title=_("Survey answered: %(survey)s") % {"survey": response.survey.title(language)},
            lines=tuple(lines), url=reverse("surveys:response", args=[response.pk]),
            url_label=_("See the answers"),
        )


register(TimelineSource("surveys.response", _responses, _render, time_field="submitted_at",
                        label=gettext_lazy("Survey answers")))
