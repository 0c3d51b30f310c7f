#!/usr/bin/env python3
"""Benchmark: build the demo data set on SQLite and on PostgreSQL and print rows/s.

    .venv/bin/python bench/demo_data.py --customers 1000000            # both backends
    .venv/bin/python bench/demo_data.py --customers 100000 --backend sqlite

Each backend gets a fresh database (a temporary data dir for SQLite; a new database on the
PostgreSQL server, dropped afterwards), is migrated, then ``kehu demo`` runs with the given size.
Not part of the test suite.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

PG_SERVER = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run(cmd, env):
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def bench(backend: str, customers: int, seed: int) -> dict:
    env = {**os.environ, "KEHU_DATA_DIR": tempfile.mkdtemp(prefix="kehu-bench-")}
    env.pop("DATABASE_URL", None)
    dbname = None
    if backend == "postgresql":
        dbname = f"kehu_bench_{os.getpid()}"
        subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {dbname}"], check=True)
        env["DATABASE_URL"] = f"{PG_SERVER}/{dbname}"
    try:
        run([sys.executable, "-m", "kehu.cli", "migrate", "-v", "0"], env)
        started = time.perf_counter()
        out = run([sys.executable, "-m", "kehu.cli", "demo", "--customers", str(customers), "--seed", str(seed)], env)
        elapsed = time.perf_counter() - started
    finally:
        if dbname:
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
    done = out.strip().splitlines()[-1]
    tables = {name: int(count.replace(",", "")) for name, count in re.findall(r"(\w+) ([\d,]+)(?=[,.])", done)
              if name not in ("in",)}
    return {"backend": backend, "seconds": elapsed, "tables": tables}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"kehu demo --customers {args.customers:,} (machine: {os.cpu_count()} cores)")
    for backend in backends:
        result = bench(backend, args.customers, args.seed)
        rows = sum(result["tables"].values())
        secs = result["seconds"]
        print(f"\n{backend}: {secs:,.1f} s wall, {rows:,} rows, {rows / secs:,.0f} rows/s overall")
        for name, count in result["tables"].items():
            print(f"  {name:<14} {count:>12,} rows  ({100 * count / rows:4.1f} % of the rows)")


if __name__ == "__main__":
    main()
