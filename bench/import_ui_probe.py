#!/usr/bin/env python3
"""While an import runs (bench/import.py starts this beside it): how long the web takes to answer.

After one warm-up request, every 0.25 s, as the admin, it renders the customer list page (a read) and records an interaction
on a customer (a write, through the ORM in its own transaction), until ``STOP_FILE`` exists. Then
prints one line: requests, p50/p95/max milliseconds for reads and for writes.
"""

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402


def main(stop_file: str) -> None:
    from django.test.utils import override_settings

    from kehu.customers.models import Customer, Interaction

    # the bench database has no collectstatic manifest; page rendering is what is measured
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
    admin = get_user_model().objects.filter(is_superuser=True).first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    client.get("/customers/")  # warm-up: templates, translations, the first connection
    reads, writes = [], []
    while not Path(stop_file).exists():
        started = time.perf_counter()
        response = client.get("/customers/")
        reads.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        customer = Customer.objects.order_by("pk").first()
        if customer is not None:
            started = time.perf_counter()
            Interaction.objects.create(customer=customer, occurred_at=timezone.now(), channel="phone",
                                       direction="in", type="call", subject="probe")
            writes.append(time.perf_counter() - started)
        time.sleep(0.25)

    def stats(xs):
        if not xs:
            return "none"
        xs = sorted(xs)
        return (f"p50 {xs[len(xs) // 2] * 1000:,.0f} ms, p95 {xs[int(len(xs) * 0.95)] * 1000:,.0f} ms, "
                f"max {xs[-1] * 1000:,.0f} ms")

    print(f"UI while importing: {len(reads)} list pages {stats(reads)}; {len(writes)} writes {stats(writes)}")


if __name__ == "__main__":
    main(sys.argv[1])
