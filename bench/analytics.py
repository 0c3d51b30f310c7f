#!/usr/bin/env python3
"""Benchmark: kehu.analytics against lifetimes on synthetic purchase histories.

    .venv/bin/python bench/analytics.py                       # 10k, 100k, 1M customers
    .venv/bin/python bench/analytics.py --sizes 10000000      # 10M (lifetimes takes minutes there)
    .venv/bin/python bench/analytics.py --no-lifetimes --sizes 1000000 10000000

Histories follow BG/NBD (days; r=0.5, α=30, a=0.8, b=2.4) with Gamma-Gamma spend (p=6, q=4,
γ=15), first purchases spread over a year, ≈3 transactions per customer. Every measurement runs in
a fresh process (so its peak RSS is its own), on the same files, and prints wall seconds and the
process's peak resident memory. Both libraries fit on the same summary. Not part of the test suite.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

DAY = 86_400
END = np.datetime64("2026-10-31T00:00:00", "s")
TRUTH = {"r": 0.5, "alpha": 30.0, "a": 0.8, "b": 2.4, "p": 6.0, "q": 4.0, "gamma": 15.0}


def simulate(n: int, directory: str, seed: int = 1) -> int:
    """Write customer_id, timestamp (epoch s), amount as .npy files; returns the transaction count."""
    rng = np.random.default_rng(seed)
    t = TRUTH
    birth = rng.uniform(0, 365, n)  # days before END that the customer first bought (T)
    lam = rng.gamma(t["r"], 1 / t["alpha"], n)
    p_drop = rng.beta(t["a"], t["b"], n)
    # BG/NBD: a customer can only drop out right after a repeat purchase, so the number of repeat
    # purchases made while alive is geometric (≥ 1); the observation window then cuts it at T
    counts = np.minimum(rng.geometric(p_drop), 200)
    owner = np.repeat(np.arange(n), counts)
    gaps = rng.exponential(1 / lam[owner])
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    csum = np.cumsum(gaps)
    offset = np.repeat(np.where(start > 0, csum[np.maximum(start - 1, 0)], 0.0), counts)
    times = csum - offset
    keep = times < birth[owner]
    cid = np.concatenate((np.arange(n), owner[keep]))
    days_before_end = np.concatenate((birth, birth[owner[keep]] - times[keep]))
    nu = rng.gamma(t["q"], 1 / t["gamma"], n)
    amount = rng.gamma(t["p"], 1 / nu[cid])
    ts = (END - (days_before_end * DAY).astype("timedelta64[s]")).astype(np.int64)
    order = rng.permutation(len(cid))  # transaction logs are not sorted by customer
    np.save(os.path.join(directory, "cid.npy"), cid[order].astype(np.int64))
    np.save(os.path.join(directory, "ts.npy"), ts[order])
    np.save(os.path.join(directory, "amount.npy"), np.round(amount[order], 2))
    return len(cid)


STEPS = {
    "kehu": ["summary", "bgnbd", "paretonbd", "gammagamma"],
    "lifetimes": ["summary", "bgnbd", "paretonbd", "gammagamma"],
}


def step(library: str, name: str, directory: str) -> dict:
    """One measurement, in this (fresh) process."""
    # the fits read only the summary: the transaction log is loaded for the summary step alone
    load = ({k: np.load(os.path.join(directory, f"{k}.npy")) for k in ("cid", "ts", "amount")}
            if name == "summary" else {})
    summary_file = os.path.join(directory, "summary.npz")
    if name != "summary":
        s = np.load(summary_file)
        x, t_x, big_t, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    if library == "kehu":
        from kehu import analytics

        started = time.perf_counter()
        if name == "summary":
            out = analytics.summarize_transactions(load["cid"], load["ts"].astype("datetime64[s]"),
                                                   load["amount"], observation_end=END, time_unit="D")
            elapsed = time.perf_counter() - started
            np.savez(summary_file, **{c: out[c].to_numpy() for c in ("frequency", "recency", "T",
                                                                      "monetary_value")})
            result = {"customers": out.height}
        elif name == "gammagamma":
            repeat = x > 0
            model = analytics.GammaGammaModel().fit(x[repeat], m[repeat])
            elapsed, result = time.perf_counter() - started, model.params_
        else:
            cls = analytics.BetaGeoModel if name == "bgnbd" else analytics.ParetoNBDModel
            model = cls().fit(x, t_x, big_t)
            elapsed, result = time.perf_counter() - started, model.params_
    else:
        import warnings

        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
        from lifetimes.utils import summary_data_from_transaction_data

        warnings.simplefilter("ignore")
        started = time.perf_counter()
        if name == "summary":
            frame = pd.DataFrame({"cid": load["cid"], "ts": load["ts"].astype("datetime64[s]"),
                                  "amount": load["amount"]})
            started = time.perf_counter()
            out = summary_data_from_transaction_data(frame, "cid", "ts", monetary_value_col="amount",
                                                     observation_period_end=pd.Timestamp(END), freq="D")
            elapsed, result = time.perf_counter() - started, {"customers": len(out)}
        else:
            # lifetimes fits every row (no compression) unless given weights: give it the same
            # input an analyst would, one row per customer
            if name == "gammagamma":
                repeat = x > 0
                model = GammaGammaFitter().fit(pd.Series(x[repeat]), pd.Series(m[repeat]))
            else:
                cls = BetaGeoFitter if name == "bgnbd" else ParetoNBDFitter
                model = cls().fit(pd.Series(x), pd.Series(t_x), pd.Series(big_t))
            elapsed, result = time.perf_counter() - started, model.params_.to_dict()
    peak = _peak_mib()
    return {"seconds": elapsed, "peak_mib": peak, "result": {k: float(v) for k, v in result.items()}}


def _peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: the latter keeps the
    parent's high-water mark across fork + exec, so every child would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(library, name, directory, timeout):
    try:
        out = subprocess.run([sys.executable, __file__, "--step", library, name, directory],
                             capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"> {timeout} s"}
    except subprocess.CalledProcessError as exc:
        return {"seconds": None, "note": "failed: " + exc.stderr.strip().splitlines()[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-lifetimes", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per measurement")
    parser.add_argument("--step", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(*args.step)))
        return
    libraries = ["kehu"] if args.no_lifetimes else ["kehu", "lifetimes"]
    print(f"kehu.analytics vs lifetimes (machine: {os.cpu_count()} cores); truth: {TRUTH}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="kehu-bench-analytics-") as directory:
            transactions = simulate(n, directory)
            print(f"\n{n:,} customers, {transactions:,} transactions")
            print(f"  {'step':<12}" + "".join(f"{lib:>26}" for lib in libraries))
            measure("kehu", "summary", directory, args.timeout)  # the fits read its summary file
            for name in STEPS["kehu"]:
                cells = []
                for lib in libraries:
                    r = measure(lib, name, directory, args.timeout)
                    cells.append(f"{r['seconds']:>9.2f} s {r['peak_mib']:>8,.0f} MiB" if r["seconds"] is not None
                                 else f"{r['note']:>26}")
                print(f"  {name:<12}" + "".join(f"{c:>26}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
