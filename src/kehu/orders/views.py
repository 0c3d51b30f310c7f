"""Order pages: the P series across every customer the user may see."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from kehu.orders.listing import filter_orders
from kehu.orders.models import Order, Product
from kehu.web.pagination import page_of

PAGE_SIZE = 50


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list(request):
    params = request.GET
    qs = filter_orders(request.user, params).select_related("customer")  # the rows exports write
    try:
        page = int(params.get("page", 1))
    except ValueError:
        page = 1
    rows, has_next = page_of(qs, page, PAGE_SIZE)
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
