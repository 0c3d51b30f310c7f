#!/usr/bin/env python3
"""Benchmark: ``kehu import`` rows per second, customers (identity matching on) and order lines.

    .venv/bin/python bench/import.py --rows 100000 --backend sqlite,postgresql

Each run: a fresh database (SQLite file in a temp dir / a new PostgreSQL database), ``kehu migrate``,
a CSV of ``--rows`` synthetic Chinese customers (Faker zh_CN: name, mobile, email, city, address,
birth date, tags), ``kehu import customers`` (upsert by external id, duplicates checked against the
customers already imported), then a products file and an orders file with ``--rows`` order lines
(≈ 2.5 lines per order, one row per line) imported with ``kehu import orders``. Prints wall time,
rows/s and peak RSS of each import process. Not part of the test suite.
"""

import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEHU = str(ROOT / ".venv" / "bin" / "kehu")
PG = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


# Allocated Chinese mobile prefixes (154 is not one: phonenumbers rightly rejects it).
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in "01235789"] + [f"18{d}" for d in range(10)]


def write_customers(path: Path, n: int, seed: int) -> None:
    from faker import Faker

    fake = Faker("zh_CN")
    Faker.seed(seed)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["客户编号", "姓名", "手机", "邮箱", "城市", "地址", "生日", "标签"])
        for i in range(n):
            w.writerow([f"C{i:07d}", fake.name(), f"{rng.choice(MOBILE_PREFIXES)}{i:08d}",
                        f"u{i}@example.com" if rng.random() < 0.6 else "", fake.city_name(),
                        fake.street_address(), fake.date_of_birth(minimum_age=18, maximum_age=80).isoformat(),
                        rng.choice(["", "VIP", "新客", "VIP,老客"])])


def write_orders(folder: Path, n_lines: int, n_customers: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    products = folder / "products.csv"
    with products.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["商品编码", "商品名称", "价格"])
        for p in range(500):
            w.writerow([f"SKU{p:04d}", f"商品{p}", f"{rng.uniform(5, 500):.2f}"])
    orders = folder / "orders.csv"
    with orders.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["订单号", "客户编号", "下单时间", "商品编码", "数量", "单价"])
        line = order = 0
        while line < n_lines:
            order += 1
            customer = f"C{rng.randrange(n_customers):07d}"
            at = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 21):02d}:00"
            for _ in range(min(rng.randint(1, 4), n_lines - line)):
                w.writerow([f"O{order:08d}", customer, at, f"SKU{rng.randrange(500):04d}", rng.randint(1, 3),
                            f"{rng.uniform(5, 500):.2f}"])
                line += 1
    return products, orders


def timed(args, env, *, probe: bool = False) -> tuple[float, float, str]:
    """Run one import; with ``probe``, bench/import_ui_probe.py measures the web beside it."""
    stop = Path(env["KEHU_DATA_DIR"]) / "probe.stop"
    stop.unlink(missing_ok=True)
    prober = None
    if probe:
        prober = subprocess.Popen([sys.executable, str(ROOT / "bench" / "import_ui_probe.py"), str(stop)],
                                  env=env, stdout=subprocess.PIPE, text=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(child.pid, 0)  # this process's own peak, not the probe's
        seconds = time.perf_counter() - started
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if prober is not None:
        stop.touch()
        print("   ", prober.communicate()[0].strip())
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"failed: {' '.join(args)}\n{stdout}\n{stderr}")
    return seconds, usage.ru_maxrss / 1024, stdout


def engine_rate(stdout: str) -> str:
    """The import's own time and rate, as ``kehu import`` prints them (without start-up)."""
    found = re.search(r"\(([\d,]+) rows in ([\d.]+) s, ([\d,]+) rows/s\)", stdout)
    return f"engine {found[2]} s = {found[3]} rows/s" if found else "engine: ?"


def counts(stdout: str) -> str:
    lines = stdout.strip().splitlines()
    return lines[-1].strip() if lines else ""


def run(backend: str, rows: int, seed: int, folder: Path, probe: bool) -> None:
    env = {**os.environ, "KEHU_DATA_DIR": str(folder / f"data-{backend}")}
    if backend == "postgresql":
        db = f"kehu_bench_import_{os.getpid()}"
        subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True)
        subprocess.run(["psql", PG, "-qc", f"CREATE DATABASE {db}"], check=True)
        env["DATABASE_URL"] = f"{PG}/{db}"
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([KEHU, "migrate", "-v0"], env=env, check=True)
    subprocess.run([KEHU, "createadmin"], env=env, check=True, capture_output=True)
    customers = folder / "customers.csv"
    products, orders = folder / "products.csv", folder / "orders.csv"
    s, mib, out = timed([KEHU, "import", "customers", str(customers)], env, probe=probe)
    print(f"  {backend}: customers {rows:,} rows: process {s:.1f} s = {rows / s:,.0f} rows/s, {engine_rate(out)}, "
          f"peak {mib:,.0f} MiB ({counts(out)})")
    timed([KEHU, "import", "products", str(products)], env)
    s, mib, out = timed([KEHU, "import", "orders", str(orders), "--key", "order_external_id"], env, probe=probe)
    print(f"  {backend}: order lines {rows:,} rows: process {s:.1f} s = {rows / s:,.0f} rows/s, {engine_rate(out)}, "
          f"peak {mib:,.0f} MiB ({counts(out)})")
    if backend == "postgresql":
        subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {env['DATABASE_URL'].rsplit('/', 1)[1]}"],
                       check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--probe-ui", action="store_true",
                        help="measure list-page and write latency while each import runs")
    parser.add_argument("--files", type=Path, help="keep the generated files here and reuse them next time "
                        "(1M customers take Faker about two minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.files / f"{args.rows}-{args.seed}" if args.files else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if not (folder / "orders.csv").exists():
            write_customers(folder / "customers.csv", args.rows, args.seed)
            write_orders(folder, args.rows, args.rows, args.seed)
        print(f"files: {args.rows:,} customers, {args.rows:,} order lines ({time.perf_counter() - started:.1f} s)")
        for backend in args.backend.split(","):
            data = folder / f"data-{backend}"
            if data.exists():
                shutil.rmtree(data)
            run(backend, args.rows, args.seed, folder, args.probe_ui)


if __name__ == "__main__":
    main()
