"""Order pages: the P series across every customer the user may see."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils.dateparse import parse_date

from kehu.customers.access import customer_scope_for
from kehu.orders.models import Order, Product
from kehu.web.pagination import page_of

PAGE_SIZE = 50


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list(request):
    params = request.GET
    qs = Order.objects.filter(customer_scope_for(request.user, "customer__")).select_related("customer")
    for name in ("channel", "status"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if params.get("store"):
        qs = qs.filter(store=params["store"])
    start, end = parse_date(params.get("from") or ""), parse_date(params.get("to") or "")
    if start:
        qs = qs.filter(ordered_at__date__gte=start)
    if end:
        qs = qs.filter(ordered_at__date__lte=end)
    try:
        page = int(params.get("page", 1))
    except ValueError:
        page = 1
    rows, has_next = page_of(qs.order_by("-ordered_at", "-id"), page, PAGE_SIZE)
    query = params.copy()
    query.pop("page", None)
    return render(request, "orders/list.html", {
        "orders": rows, "page": page, "has_next": has_next, "filters": params, "nav": "orders",
        "query_string": query.urlencode(), "channels": Order.Channel.choices, "statuses": Order.Status.choices,
    })


@login_required
@permission_required("orders.view_product", raise_exception=True)
def product_list(request):
    qs = Product.objects.all()
    if request.GET.get("q"):
        qs = qs.filter(name__icontains=request.GET["q"]) | qs.filter(sku__iexact=request.GET["q"])
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    rows, has_next = page_of(qs.order_by("sku"), page, PAGE_SIZE)
    q = request.GET.get("q", "")
    return render(request, "orders/products.html", {"products": rows, "page": page, "has_next": has_next,
                                                    "q": q, "query_string": urlencode({"q": q}),
                                                    "nav": "products"})
