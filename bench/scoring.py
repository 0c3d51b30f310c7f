#!/usr/bin/env python3
"""Benchmark: `kehu score` end to end on the demo data set, on SQLite and on PostgreSQL.

    .venv/bin/python bench/scoring.py --customers 1000000              # build both, score, drop
    .venv/bin/python bench/scoring.py --customers 1000000 --keep       # keep the data sets
    .venv/bin/python bench/scoring.py --reuse-sqlite DIR --reuse-pg DBNAME

The data set is `kehu demo` (≈10 orders per customer: 1M customers ≈ 9.7M orders). Each run
prints the wall time of `kehu score` and the phase timings the run recorded (load, summary,
fit + predictions, RFM, tiers, diagnostics, write). Not part of the test suite.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PG_SERVER = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run(cmd, env, capture=True):
    return subprocess.run(cmd, env=env, check=True, capture_output=capture, text=True).stdout


def kehu(*args):
    return [sys.executable, "-m", "kehu.cli", *args]


def prepare(backend, customers, seed, reuse):
    env = {**os.environ}
    env.pop("DATABASE_URL", None)
    if backend == "sqlite":
        env["KEHU_DATA_DIR"] = reuse or tempfile.mkdtemp(prefix="kehu-bench-score-")
        created = None if reuse else env["KEHU_DATA_DIR"]
    else:
        env["KEHU_DATA_DIR"] = tempfile.mkdtemp(prefix="kehu-bench-score-pg-")
        dbname = reuse or f"kehu_bench_score_{os.getpid()}"
        if not reuse:
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)
        env["DATABASE_URL"] = f"{PG_SERVER}/{dbname}"
        created = None if reuse else dbname
    run(kehu("migrate", "-v", "0"), env)
    if not reuse:
        started = time.perf_counter()
        run(kehu("demo", "--customers", str(customers), "--seed", str(seed)), env)
        print(f"  {backend}: demo data built in {time.perf_counter() - started:,.0f} s")
    return env, created


def score(env):
    started = time.perf_counter()
    out = run(kehu("score", "--no-progress"), env)
    wall = time.perf_counter() - started
    code = ("import django, json; django.setup(); from kehu.scoring.models import ScoreRun; "
            "r = ScoreRun.objects.order_by('-id').first(); "
            "print(json.dumps({'timings': r.timings, 'customers': r.customers, 'orders': r.transactions}))")
    info = json.loads(run([sys.executable, "-c", code], {**env, "DJANGO_SETTINGS_MODULE": "kehu.settings"}))
    return wall, info, out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the built data sets and print where")
    parser.add_argument("--reuse-sqlite", help="a KEHU_DATA_DIR holding a built demo SQLite database")
    parser.add_argument("--reuse-pg", help="the name of a PostgreSQL database holding a built demo")
    parser.add_argument("--repeat", type=int, default=1, help="score this many times (the best is kept)")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"kehu score on the demo data (machine: {os.cpu_count()} cores)")
    for backend in backends:
        reuse = args.reuse_sqlite if backend == "sqlite" else args.reuse_pg
        env, created = prepare(backend, args.customers, args.seed, reuse)
        try:
            results = [score(env) for _ in range(args.repeat)]
            wall, info, _out = min(results, key=lambda r: r[0])
            phases = ", ".join(f"{k} {v:.2f}" for k, v in info["timings"].items())
            print(f"\n{backend}: kehu score {wall:,.1f} s wall for {info['customers']:,} customers, "
                  f"{info['orders']:,} orders ({info['customers'] / wall:,.0f} customers/s)")
            print(f"  phases (s): {phases}")
        finally:
            if created and not args.keep:
                if backend == "postgresql":
                    subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {created}"],
                                   check=True)
            elif created:
                print(f"  kept: {created}")


if __name__ == "__main__":
    main()
