#!/usr/bin/env python3
"""Benchmark: the referral graph's queries on a deep chain and a wide tree, SQLite and PostgreSQL.

    .venv/bin/python bench/referrals.py                      # both backends, fresh databases
    .venv/bin/python bench/referrals.py --backend sqlite --wide 100000 --deep 10000

Builds, in a fresh migrated database: a chain 10,000 customers deep (each referred by the one
before) and a wide tree of 100,000 customers (each introducer refers 10, five levels), every
customer with one order and a CLV score, half of the wide tree owned by a sales rep. Then prints
the best of ``--repeat`` timings of:

- ``referral_tree`` of the chain's root and of the wide tree's root (the whole chain's totals
  plus the page's first nodes), as an admin and as the rep (visibility compiled into the query);
- ``top_introducers`` over the last year (every referred customer walks up LEADER_DEPTH levels);
- ``would_cycle`` from the chain's root to its deepest member (a 10,000-step walk up);
- ``ancestors`` of the deepest member.

Not part of the test suite.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PG_SERVER = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def child(deep: int, wide: int, repeat: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from kehu.accounts.models import Team
    from kehu.accounts.services import create_user
    from kehu.customers.models import Customer
    from kehu.orders.models import Order
    from kehu.sales import referrals
    from kehu.scoring.models import CustomerScore, ScoreRun

    started = time.perf_counter()
    admin = create_user("bench-admin", role="admin", password=None)
    team = Team.objects.create(name="Bench")
    rep = create_user("bench-rep", role="sales", password=None, team=team)
    now = timezone.now()

    def insert(n: int, owner=None) -> list[int]:
        rows = Customer.objects.bulk_create(
            [Customer(display_name=f"客{i}", owner=None if i % 2 else owner) for i in range(n)], batch_size=5000)
        return [c.pk for c in rows]

    def link(pairs):  # (child, parent) in chunks, one UPDATE … CASE per chunk
        Customer.objects.bulk_update([Customer(pk=c, referred_by_id=p) for c, p in pairs], ["referred_by"],
                                     batch_size=2000)

    chain = insert(deep + 1)
    link(list(zip(chain[1:], chain, strict=False)))
    tree = insert(wide + 1, owner=rep)
    parents, level, start, pairs = [tree[0]], 0, 1, []
    while start < len(tree):
        kids = []
        for parent in parents:
            for child_id in tree[start:start + 10]:
                pairs.append((child_id, parent))
                kids.append(child_id)
            start += 10
            if start >= len(tree):
                break
        parents, level = kids, level + 1
    link(pairs)
    ids = chain + tree
    Order.objects.bulk_create([Order(customer_id=pk, total=Decimal("100.00"), ordered_at=now - dt.timedelta(days=pk % 300))
                               for pk in ids], batch_size=5000)
    run = ScoreRun.objects.create(status=ScoreRun.Status.DONE)
    CustomerScore.objects.bulk_create([CustomerScore(customer_id=pk, run=run, clv=Decimal("50.00")) for pk in ids],
                                      batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built = time.perf_counter() - started

    def best(fn) -> tuple[float, object]:
        times, result = [], None
        for _ in range(repeat):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        return min(times), result

    out = {"customers": len(ids), "wide_levels": level, "built_s": round(built, 1), "timings_ms": {}}
    timings = out["timings_ms"]
    t, result = best(lambda: referrals.referral_tree(admin, chain[0]))
    timings["tree: chain root, admin"] = (t, f"{result.customers:,} customers, depth {result.depth:,}")
    t, result = best(lambda: referrals.referral_tree(admin, tree[0]))
    timings["tree: wide root, admin"] = (t, f"{result.customers:,} customers, depth {result.depth}")
    t, result = best(lambda: referrals.referral_tree(rep, tree[0]))
    timings["tree: wide root, rep (visibility)"] = (t, f"{result.customers:,} visible, {result.hidden:,} hidden")
    t, result = best(lambda: referrals.referral_tree(admin, chain[deep // 2]))
    timings["tree: middle of the chain, admin"] = (t, f"{result.customers:,} customers")
    year = (now - dt.timedelta(days=365), now + dt.timedelta(minutes=1))
    t, result = best(lambda: referrals.top_introducers(admin, since=year[0], until=year[1]))
    timings["leaders: last year, admin"] = (t, f"top {result[0]['referred']} referred, chain {result[0]['chain_size']}")
    t, result = best(lambda: referrals.top_introducers(rep, since=year[0], until=year[1], sort="revenue"))
    timings["leaders: last year, rep"] = (t, f"{len(result)} rows")
    t, result = best(lambda: referrals.would_cycle(chain[0], chain[-1]))
    timings["would_cycle: root under its deepest member"] = (t, str(result))
    t, result = best(lambda: referrals.ancestors(admin, chain[-1], limit=referrals.MAX_DEPTH))
    timings["ancestors of the deepest member (all)"] = (t, f"{len(result):,} levels")
    for key, (seconds, note) in timings.items():
        timings[key] = [round(seconds * 1000, 1), note]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--deep", type=int, default=10_000)
    parser.add_argument("--wide", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.deep, args.wide, args.repeat)))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"referral graph: a chain {args.deep:,} deep and a wide tree of {args.wide:,} "
          f"(machine: {os.cpu_count()} cores)")
    for backend in backends:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kehu.settings"}
        env.pop("DATABASE_URL", None)
        env["KEHU_DATA_DIR"] = tempfile.mkdtemp(prefix="kehu-bench-referrals-")
        dbname = None
        if backend == "postgresql":
            dbname = f"kehu_bench_referrals_{os.getpid()}"
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)
            env["DATABASE_URL"] = f"{PG_SERVER}/{dbname}"
        try:
            out = subprocess.run([sys.executable, __file__, "--child", "--deep", str(args.deep), "--wide",
                                  str(args.wide), "--repeat", str(args.repeat)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            print(f"\n{backend}: {result['customers']:,} customers built in {result['built_s']} s "
                  f"(wide tree {result['wide_levels']} levels)")
            for key, (ms, note) in result["timings_ms"].items():
                print(f"  {key:<45} {ms:>9,.1f} ms   {note}")
        finally:
            if dbname:
                subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {dbname}"],
                               check=True)


if __name__ == "__main__":
    main()
