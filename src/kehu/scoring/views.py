"""Customer value pages: the dashboard, run progress, the value card on the 360 page. Thin views:
numbers come from ``kehu.scoring.reports``, runs are started through ``kehu.scoring.services``."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from kehu.customers.access import access_customer
from kehu.scoring import reports, services
from kehu.scoring.models import ScoreRun


@login_required
@permission_required("scoring.view_customerscore", raise_exception=True)
def dashboard(request):
    run = services.latest_run()
    context = {"nav": "value", "run": run, "active": services.active_run(),
               "can_run": request.user.has_perm("scoring.add_scorerun"),
               "can_configure": request.user.has_perm("scoring.change_scoringsettings")}
    if run is not None:
        context.update(reports.dashboard_data(request.user, run))
    return render(request, "scoring/dashboard.html", context)


@login_required
@permission_required("scoring.add_scorerun", raise_exception=True)
@require_POST
def start_run(request):
    try:
        run = services.request_run(request.user, trigger=ScoreRun.Trigger.WEB)
    except services.RunAlreadyActive as exc:
        run = exc.run
    return render(request, "scoring/run_status.html", {"active": run, "can_run": True})


@login_required
@permission_required("scoring.view_scorerun", raise_exception=True)
def run_status(request, pk):
    run = get_object_or_404(ScoreRun, pk=pk)
    response = render(request, "scoring/run_status.html", {"active": run, "can_run":
                                                          request.user.has_perm("scoring.add_scorerun")})
    if run.status == ScoreRun.Status.DONE and request.GET.get("reload"):
        response["HX-Refresh"] = "true"  # a finished run: show its numbers
    return response


@login_required
def value_card(request, pk):
    customer = access_customer(request.user, pk)
    if not request.user.has_perm("scoring.view_customerscore"):
        return HttpResponse(status=204)
    return render(request, "scoring/value_card.html", reports.value_card(customer))
