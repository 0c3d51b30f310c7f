"""Load the demo data set: demo users and teams, products, then customers chunk by chunk."""

import time
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from kehu.accounts.models import Team, TeamMembership
from kehu.accounts.services import create_user, generate_password
from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomerShare,
    Interaction,
    Tag,
)
from kehu.demo import vocab
from kehu.demo.generate import build_chunk, build_products
from kehu.demo.writer import BulkWriter
from kehu.env import write_secret_file
from kehu.orders.models import Order, OrderLine, Product
from kehu.privacy.models import Consent

TABLES = {
    "customer": Customer, "identity": ChannelIdentity, "address": Address, "contact": Contact,
    "interaction": Interaction, "consent": Consent, "order": Order, "orderline": OrderLine,
    "customer_tags": Customer.tags.through, "customershare": CustomerShare,
}
TEAMS = [("East", "east"), ("North", "north"), ("South", "south")]


def ensure_demo_users() -> dict:
    """Teams with a manager and three reps each, plus service agents and marketers.

    Passwords are generated and written to ``var/demo-users`` (mode 600), never fixed.
    """
    User = get_user_model()
    created = []
    for name, slug in TEAMS:
        team, _ = Team.objects.get_or_create(name=name)
        wanted = [(f"manager_{slug}", "manager", True)] + [(f"sales_{slug}_{i}", "sales", False) for i in (1, 2, 3)]
        for username, role, is_manager in wanted:
            if not User.objects.filter(username=username).exists():
                password = generate_password()
                create_user(username, role=role, password=password, team=team, is_manager=is_manager)
                created.append((username, role, name, password))
    for role in ("service", "marketing"):
        for i in (1, 2):
            username = f"{role}_{i}"
            if not User.objects.filter(username=username).exists():
                password = generate_password()
                create_user(username, role=role, password=password)
                created.append((username, role, "", password))
    if created:
        path = settings.DATA_DIR / "demo-users"
        old = path.read_text(encoding="utf-8") if path.exists() else "# username\trole\tteam\tpassword\n"
        write_secret_file(path, old + "".join("\t".join(row) + "\n" for row in created))
    reps = TeamMembership.objects.filter(user__groups__name="sales", user__username__startswith="sales_")
    pairs = sorted(reps.values_list("user_id", "team_id"))
    return {"sales": {"id": np.array([p[0] for p in pairs]), "team": np.array([p[1] for p in pairs])}}


def ensure_products(writer: BulkWriter, seed: int) -> dict:
    existing = Product.objects.filter(sku__startswith=f"SKU{seed}-")
    if not existing.exists():
        products = build_products(seed, first_id=writer.next_id(Product._meta.db_table))
        writer.write(Product._meta.db_table, products)
        writer.reset_sequences([Product._meta.db_table])
    rows = list(existing.order_by("id").values_list("id", "price"))
    return {"id": np.array([r[0] for r in rows]), "price": np.array([float(r[1]) for r in rows])}


def ensure_tags() -> np.ndarray:
    Tag.objects.bulk_create([Tag(name=t) for t in vocab.TAGS], ignore_conflicts=True)
    return np.array(sorted(Tag.objects.filter(name__in=vocab.TAGS).values_list("id", flat=True)))


def build_demo(*, customers: int, seed: int, chunk_size: int = 50_000,
               progress: Callable[[str], None] = print) -> dict[str, int]:
    """Write ``customers`` demo customers and everything around them. Returns rows per table."""
    writer = BulkWriter()
    with transaction.atomic():
        users = ensure_demo_users()
        products = ensure_products(writer, seed)
        tag_ids = ensure_tags()
    db_tables = {key: model._meta.db_table for key, model in TABLES.items()}
    next_id = {key: writer.next_id(table) for key, table in db_tables.items()}
    totals = dict.fromkeys(TABLES, 0)
    skip_triggers = _skip_fk_triggers()
    started = time.perf_counter()
    # On an empty database, build the secondary indexes once at the end: keeping a dozen large
    # B-trees (and PostgreSQL's trigram index) sorted row by row costs more than the rows.
    fresh = not Customer.objects.exists()
    with writer.indexes_built_after(list(TABLES.values()), enabled=fresh, progress=progress):
        _load_chunks(writer, db_tables, next_id, totals, customers=customers, seed=seed,
                     chunk_size=chunk_size, users=users, products=products, tag_ids=tag_ids,
                     started=started, progress=progress)
    if skip_triggers:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    writer.reset_sequences(list(db_tables.values()))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load (both backends)
    return totals


def _skip_fk_triggers() -> bool:
    """On PostgreSQL, skip per-row foreign-key triggers for the bulk load (a third of its time).

    The generator builds every reference from ids it has just assigned, and the demo tests check
    the result; the setting needs superuser rights, so without them the load simply keeps the
    checks. Never used outside this loader.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        return True
    except Exception:  # noqa: BLE001 - not a superuser: keep the checks
        return False


def _load_chunks(writer, db_tables, next_id, totals, *, customers, seed, chunk_size, users, products,
                 tag_ids, started, progress):
    for chunk, offset in enumerate(range(0, customers, chunk_size)):
        n = min(chunk_size, customers - offset)
        data = build_chunk(seed=seed, chunk=chunk, first_id=next_id, n=n, users=users, products=products,
                           tag_ids=tag_ids)
        with transaction.atomic():
            for key, table in db_tables.items():
                written = writer.write(table, data.tables.get(key, {}))
                next_id[key] += written
                totals[key] += written
        elapsed = time.perf_counter() - started
        rows = sum(totals.values())
        progress(f"  {offset + n:>10,} customers · {totals['order']:>11,} orders · "
                 f"{rows / elapsed:>10,.0f} rows/s")
