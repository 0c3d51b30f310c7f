"""The sales panel on the customer page: where the customer came from (source, referrer), whom
they brought in, their opportunities and activities. Loaded by htmx (``kehu.customers.panels``)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.urls import path

from kehu.customers.access import access_customer, customer_scope
from kehu.customers.models import Customer
from kehu.sales.access import lead_scope, visible_opportunities
from kehu.sales.models import Lead, PipelineStage


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def customer_panel(request, pk):
    customer = access_customer(request.user, pk)
    referrer = (Customer.objects.filter(customer_scope(request.user), pk=customer.referred_by_id).first()
                if customer.referred_by_id else None)
    referrals = Customer.objects.filter(referred_by=customer, merged_into__isnull=True).aggregate(
        total=Count("pk"), visible=Count("pk", filter=customer_scope(request.user)))
    referred_leads = Lead.objects.filter(lead_scope(request.user), referrer_customer=customer).exclude(
        status=Lead.Status.CONVERTED).count()
    opportunities = visible_opportunities(request.user).filter(customer=customer).select_related("stage", "owner")
    open_ones = opportunities.filter(stage__kind=PipelineStage.Kind.OPEN)
    totals = opportunities.aggregate(open_amount=Sum("amount", filter=Q(stage__kind=PipelineStage.Kind.OPEN)),
                                     won_amount=Sum("amount", filter=Q(stage__kind=PipelineStage.Kind.WON)),
                                     won=Count("pk", filter=Q(stage__kind=PipelineStage.Kind.WON)))
    lead = Lead.objects.filter(lead_scope(request.user), customer=customer).select_related("source").first()
    return render(request, "sales/customer_panel.html", {
        "customer": customer, "referrer": referrer, "referrals": referrals, "referred_leads": referred_leads,
        "opportunities": list(open_ones.order_by("expected_close", "pk")[:5]), "totals": totals, "lead": lead})


urlpatterns = [path("customers/<int:pk>/panel/", customer_panel, name="customer-panel")]
