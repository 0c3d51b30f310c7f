"""Cases on the customer's timeline, and complaint outcomes in the R series."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers.responses import Response, ResponseSource
from kehu.customers.responses import register as register_response
from kehu.customers.timeline import TimelineEvent, TimelineSource, register
from kehu.service.models import Case


def _cases(customer_id):
    return Case.objects.filter(customer_id=customer_id).select_related("category")


def _render(rows, pii_visible):
    for case in rows:
        lines = [f"{case.get_kind_display()} · {case.category.label()} · {case.get_stage_display()}"]
        if case.outcome:
            lines.append(_("Outcome: %(outcome)s") % {"outcome": case.get_outcome_display()})
        yield TimelineEvent(
            occurred_at=case.created_at, source="service.case", pk=case.pk, kind="case",
            title=_("%(kind)s %(reference)s: %(subject)s") % {"kind": case.get_kind_display(),
                                                              "reference": case.reference, "subject": case.subject},
            lines=tuple(lines), url=reverse("service:case", args=[case.pk]), url_label=_("Open the case"))


register(TimelineSource("service.case", _cases, _render, time_field="created_at", label=gettext_lazy("Service cases")))


def _summary(customer_id: int) -> str:
    counts = Case.objects.filter(customer_id=customer_id, kind=Case.Kind.COMPLAINT).aggregate(
        total=Count("id"), open=Count("id", filter=~Q(stage=Case.Stage.CLOSED)),
        satisfied=Count("id", filter=Q(outcome=Case.Outcome.SATISFIED)),
        unhappy=Count("id", filter=Q(outcome=Case.Outcome.NOT_SATISFIED)))
    if not counts["total"]:
        return ""
    return _("%(total)s complaints: %(open)s open, %(satisfied)s resolved to the customer's satisfaction, "
             "%(unhappy)s not") % counts


def _recent(customer_id: int, limit: int) -> list[Response]:
    out = []
    for case in Case.objects.filter(customer_id=customer_id, kind=Case.Kind.COMPLAINT).order_by("-created_at")[:limit]:
        if case.outcome:
            outcome, good = case.get_outcome_display(), case.outcome == Case.Outcome.SATISFIED
        else:
            rejected = case.proposals.filter(status="rejected").count()
            outcome = case.get_stage_display() + (
                _(" (%(n)s solution rejected)") % {"n": rejected} if rejected else "")
            good = None
        out.append(Response(at=case.closed_at or case.created_at, kind="complaint",
                            title=f"{case.reference} · {case.category.label()}", outcome=outcome,
                            url=reverse("service:case", args=[case.pk]), good=good))
    return out


register_response(ResponseSource("service.complaints", gettext_lazy("Complaints"), _summary, _recent))
