from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from kehu.customers.access import visible_customers
from kehu.customers.api import search_customers


@login_required
def home(request):
    return redirect("customers:list")


@login_required
def global_search(request):
    """One box for name, phone or email: a single hit opens the 360 page, else the list."""
    query = request.GET.get("q", "").strip()
    if query:
        hits = list(search_customers(visible_customers(request.user), query).values_list("pk", flat=True)[:2])
        if len(hits) == 1:
            return redirect("customers:detail", pk=hits[0])
    return redirect(reverse("customers:list") + "?" + urlencode({"q": query}))


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
