"""The surveys' part of the R series (``kehu.customers.responses``): "NPS 9 · CSAT 80% (3 answers)"
and the customer's latest responses, one query each."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from kehu.customers.responses import Response as RSeriesRow
from kehu.customers.responses import ResponseSource, register
from kehu.surveys import metrics
from kehu.surveys.models import Response


def outcome(nps: int | None, csat: int | None) -> str:
    """"NPS 9 (promoter) · CSAT 4/5"."""
    parts = []
    if nps is not None:
        band = {"promoter": _("promoter"), "passive": _("passive"), "detractor": _("detractor")}[metrics.nps_band(nps)]
        parts.append(_("NPS %(score)s (%(band)s)") % {"score": nps, "band": band})
    if csat is not None:
        parts.append(_("CSAT %(score)s/5") % {"score": csat})
    return " · ".join(parts) or _("answered")


def _good(nps: int | None, csat: int | None) -> bool | None:
    if metrics.is_detractor(nps, csat):
        return False
    if (nps is not None and nps >= metrics.PROMOTER_MIN) or (csat is not None and csat >= metrics.CSAT_GOOD_MIN):
        return True
    return None


def summary(customer_id: int) -> str:
    counts = Response.objects.filter(customer_id=customer_id).aggregate(
        n=Count("pk"), csat_answers=Count("csat"), satisfied=Count("pk", filter=Q(csat__gte=metrics.CSAT_GOOD_MIN)))
    if not counts["n"]:
        return ""
    parts = []
    last_nps = (Response.objects.filter(customer_id=customer_id, nps__isnull=False)
                .order_by("-submitted_at", "-id").values_list("nps", flat=True).first())
    if last_nps is not None:
        parts.append(_("NPS %(score)s") % {"score": last_nps})
    csat = metrics.csat(counts["satisfied"], counts["csat_answers"])
    if csat is not None:
        parts.append(_("CSAT %(percent)s%%") % {"percent": f"{csat:g}"})
    answers = ngettext("%(count)s answer", "%(count)s answers", counts["n"]) % {"count": counts["n"]}
    return f"{' · '.join(parts)} ({answers})" if parts else answers


def recent(customer_id: int, limit: int) -> list[RSeriesRow]:
    language = get_language()
    rows = (Response.objects.filter(customer_id=customer_id).select_related("survey")
            .order_by("-submitted_at", "-id")[:limit])
    return [RSeriesRow(at=r.submitted_at, kind="survey", title=r.survey.title(language),
                       outcome=outcome(r.nps, r.csat), url=reverse("surveys:response", args=[r.pk]),
                       good=_good(r.nps, r.csat)) for r in rows]


register(ResponseSource("surveys", gettext_lazy("Satisfaction surveys"), summary, recent))
