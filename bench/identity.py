#!/usr/bin/env python3
"""Benchmark: kehu.identity — accuracy on synthetic records, on-entry latency, batch scan, file dedupe.

    .venv/bin/python bench/identity.py                                     # every part
    .venv/bin/python bench/identity.py --part accuracy --sizes 100000,1000000
    .venv/bin/python bench/identity.py --part entry,scan --backend sqlite --profile
    .venv/bin/python bench/identity.py --part files --file-rows 100000

Parts
    accuracy  ``identity_data.generate(n, seed)`` (truth in entity_id; seed 7 by default, not 11,
              which trained the shipped model) → ``features.prepare`` → ``pipeline.link`` (trains
              its own model). Pairwise and cluster precision/recall/F1, largest cluster, hanzi ↔
              Latin-name recall, time and peak RSS of prepare and of link, and the same scores for
              the naive baseline "connected components of every pair ≥ 0.7".
    entry     ``services.find_matches`` for ~300 records against the 1M-customer demo database:
              half are existing customers re-typed (pinyin, homophones, typos, phone formats),
              half fresh people. p50/p95/p99 latency and how often the right customer is found.
              Runs ``kehu identity index`` first when the match profiles are missing (timed).
              Scoring uses the newest learned model (every scan stores one); ``--shipped-model``
              deletes those first, so the shipped weights score.
    scan      ``services.request_scan(None, enqueue=False)`` + ``services.execute_scan`` over the
              whole database: wall time per step (``run.stats["timings"]``) and peak RSS.
    files     ``kehu identity dedupe IN.csv --out … --pairs …`` on generate(100_000) written as CSV.

Databases (as bench/scoring.py): SQLite in ``--sqlite-dir`` (a KEHU_DATA_DIR holding
kehu.sqlite3), PostgreSQL database ``--pg-db`` on ``$KEHU_BENCH_PG``. Both must hold the demo data
(``kehu demo --customers 1000000 --seed 42``); this script runs ``kehu migrate`` on them first.

Every measured step runs in a fresh process, so its peak RSS (``ru_maxrss``) is its own. Not part
of the test suite.
"""

import argparse
import contextlib
import cProfile
import importlib.util
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

BENCH = Path(__file__).resolve().parent
PG_SERVER = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CACHE = Path(tempfile.gettempdir()) / "kehu-bench-identity"
RESULT = "RESULT "
MIB = 1024 * 1024


# --------------------------------------------------------------------------------- helpers

def _identity_data():
    spec = importlib.util.spec_from_file_location("identity_data", BENCH / "identity_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_mib() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measured(cmd, env=None) -> dict:
    """Run ``cmd``; wall seconds, its peak RSS (MiB, from wait4), stdout and a parsed RESULT line."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        sys.stderr.write(stdout[-5000:] + stderr[-5000:])
        raise SystemExit(f"{' '.join(map(str, cmd[:6]))} … failed with exit code {proc.returncode}")
    result = None
    lines = []
    for line in stdout.splitlines():
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT):])
        else:
            lines.append(line)
    return {"wall": wall, "peak_mib": usage.ru_maxrss / 1024, "stdout": "\n".join(lines),
            "stderr": stderr, "result": result}


def worker(name, env=None, **kwargs):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--worker-args",
           json.dumps(kwargs)]
    run = measured(cmd, env)
    if run["stdout"].strip():
        print("\n".join("    " + line for line in run["stdout"].splitlines()))
    return run


def kehu(*args):
    return [sys.executable, "-m", "kehu.cli", *args]


def db_env(backend, args) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    env.pop("DATABASE_URL", None)
    if backend == "sqlite":
        env["KEHU_DATA_DIR"] = args.sqlite_dir
    else:
        env["KEHU_DATA_DIR"] = str(CACHE / "pg-data-dir")
        env["DATABASE_URL"] = f"{PG_SERVER}/{args.pg_db}"
    Path(env["KEHU_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def emit(result: dict) -> None:
    print(RESULT + json.dumps(result, default=float), flush=True)


def pct(values, q) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def profile_text(profiler: cProfile.Profile, top: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    django.setup()


class StageTimer:
    """Wall time per stage of ``pipeline.link``, by wrapping the functions it calls."""

    def __init__(self):
        from kehu.identity import blocking, pipeline

        self.seconds = defaultdict(float)
        self._in_train = False
        blocking.candidate_pairs = self._wrap("blocking", blocking.candidate_pairs)
        pipeline.compare = self._wrap("compare", pipeline.compare)
        pipeline.train = self._wrap("train", pipeline.train)
        pipeline.score_pairs = self._wrap("score", pipeline.score_pairs)
        pipeline.cluster = self._wrap("cluster", pipeline.cluster)

    def _wrap(self, name, fn):
        def timed(*args, **kwargs):
            stage = "train: compare random pairs" if name == "compare" and self._in_train else name
            if name == "train":
                self._in_train = True
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                if name == "train":
                    self._in_train = False

        return timed


# ------------------------------------------------------------------------------- accuracy

def data_path(n, seed) -> Path:
    return CACHE / f"records_{n}_{seed}.parquet"


def w_generate(n, seed):
    path = data_path(n, seed)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        df, kind = _identity_data()._generate(n, seed)
        df = df.with_columns(pl.Series("kind", kind.tolist(), dtype=pl.Utf8))
        df.write_parquet(path)
        print(f"generated {n:,} records (seed {seed}) in {time.perf_counter() - started:.1f} s → {path}")
    emit({"path": str(path)})


def w_prepare(n, seed):
    from kehu.identity import features

    raw = pl.read_parquet(data_path(n, seed)).drop("entity_id", "kind")
    before = rss_mib()
    started = time.perf_counter()
    feats = features.prepare(raw)
    seconds = time.perf_counter() - started
    peak = peak_mib()
    feats.write_parquet(CACHE / f"features_{n}_{seed}.parquet")
    emit({"seconds": seconds, "peak_mib": peak, "rss_before_mib": before})


def _label_scores(labels, truth, is_hanzi, is_latin, is_pinyin):
    from kehu.identity import evaluate

    pair = evaluate.pairwise_scores(labels, truth)
    clus = evaluate.cluster_scores(labels, truth)
    return {"pair_precision": pair["precision"], "pair_recall": pair["recall"], "pair_f1": pair["f1"],
            "cluster_precision": clus["precision"], "cluster_recall": clus["recall"],
            "cluster_f1": clus["f1"], "largest_cluster": clus["largest_cluster"],
            "clusters_multi": clus["n_clusters_multi"], "entities_multi": clus["n_entities_multi"],
            "hanzi_latin_recall": evaluate.hanzi_pinyin_recall(labels, truth, is_hanzi, is_latin),
            "hanzi_pinyin_recall": evaluate.hanzi_pinyin_recall(labels, truth, is_hanzi, is_pinyin)}


def script_flags(raw: pl.DataFrame):
    """Hanzi- vs Latin-written records of Chinese entities (those with at least one hanzi record).

    From the name column (surname + given name when it is empty): hanzi if it holds a CJK
    character. ``is_pinyin`` narrows Latin to the records the generator wrote in pinyin (not
    "David Wang")."""
    name = pl.coalesce(pl.col("name"), pl.concat_str(["surname", "given_name"], ignore_nulls=True))
    flags = raw.select(
        "entity_id", "kind",
        name.str.contains(r"[\u3400-\u4dbf\u4e00-\u9fff]").fill_null(False).alias("hz"),
        name.is_not_null().alias("named"),
    ).with_columns(pl.col("hz").any().over("entity_id").alias("chinese"))
    is_hanzi = (flags["hz"] & flags["chinese"]).to_numpy()
    is_latin = (~flags["hz"] & flags["named"] & flags["chinese"]).to_numpy()
    is_pinyin = is_latin & (flags["kind"] == "pinyin").to_numpy()
    return is_hanzi, is_latin, is_pinyin


def w_link(n, seed):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from kehu.identity import pipeline

    feats = pl.read_parquet(CACHE / f"features_{n}_{seed}.parquet")
    stages = StageTimer()
    before = rss_mib()
    started = time.perf_counter()
    result = pipeline.link(feats)
    seconds = time.perf_counter() - started
    peak = peak_mib()

    raw = pl.read_parquet(data_path(n, seed), columns=["entity_id", "kind", "name", "surname", "given_name"])
    truth = raw["entity_id"].to_numpy()
    flags = script_flags(raw)
    out = {"seconds": seconds, "peak_mib": peak, "rss_before_mib": before, "stages": dict(stages.seconds),
           "candidate_pairs": result.stats["candidate_pairs"],
           "pairs_ge_threshold": int((result.pairs["probability"] >= pipeline.LINK_THRESHOLD).sum()),
           "entities": int(raw["entity_id"].n_unique()),
           "skipped_blocks": {k: v["skipped_blocks"] for k, v in result.stats.items()
                              if isinstance(v, dict) and v["skipped_blocks"]},
           "prior": result.model.prior}
    out["linked"] = _label_scores(result.labels, truth, *flags)
    strong = result.pairs.filter(pl.col("probability") >= pipeline.LINK_THRESHOLD)
    graph = coo_matrix((np.ones(strong.height, dtype=np.int8),
                        (strong["l"].to_numpy(), strong["r"].to_numpy())), shape=(n, n))
    _count, components = connected_components(graph, directed=False)
    out["baseline"] = _label_scores(components, truth, *flags)
    emit(out)


def part_accuracy(args, results):
    print(f"\n== accuracy: identity_data.generate(n, seed={args.seed}) → prepare → link")
    for n in args.sizes:
        worker("generate", n=n, seed=args.seed)
        prep = worker("prepare", n=n, seed=args.seed)
        link = worker("link", n=n, seed=args.seed)
        p, r = prep["result"], link["result"]
        print(f"  {n:,} records ({r['entities']:,} entities): prepare {p['seconds']:.1f} s, "
              f"peak {prep['peak_mib']:,.0f} MiB (input frame {p['rss_before_mib']:,.0f} MiB); "
              f"link {r['seconds']:.1f} s, peak {link['peak_mib']:,.0f} MiB "
              f"(features {r['rss_before_mib']:,.0f} MiB)")
        print("    link stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items()))
        print(f"    {r['candidate_pairs']:,} candidate pairs, {r['pairs_ge_threshold']:,} ≥ 0.7; "
              f"blocks skipped for size: {r['skipped_blocks']}")
        for label in ("linked", "baseline"):
            s = r[label]
            name = "kehu cluster" if label == "linked" else "conn. components ≥ 0.7"
            print(f"    {name:<24} pairwise P/R/F1 {s['pair_precision']:.4f} / {s['pair_recall']:.4f} / "
                  f"{s['pair_f1']:.4f}; cluster P/R/F1 {s['cluster_precision']:.4f} / "
                  f"{s['cluster_recall']:.4f} / {s['cluster_f1']:.4f}; largest {s['largest_cluster']:,}; "
                  f"hanzi↔Latin recall {s['hanzi_latin_recall']:.4f} "
                  f"(hanzi↔pinyin {s['hanzi_pinyin_recall']:.4f})")
        results.setdefault("accuracy", {})[n] = {"prepare": {**p, "process_peak_mib": prep["peak_mib"]},
                                                 "link": {**r, "process_peak_mib": link["peak_mib"]}}


# ---------------------------------------------------------------------------------- entry

HANZI = r"[\u3400-\u4dbf\u4e00-\u9fff]"
FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def _homophones():
    """Toneless pinyin → name characters with that reading (what an agent may type instead)."""
    from pypinyin import lazy_pinyin

    from kehu.demo import vocab

    data = _identity_data()
    pool = set(data.MALE_CHARS + data.FEMALE_CHARS + data.HOMOPHONE_CHARS) | {str(c) for c in vocab.ZH_GIVEN}
    groups = defaultdict(list)
    for ch in sorted(pool):
        groups[lazy_pinyin(ch)[0]].append(ch)
    return {ch: [o for o in groups[lazy_pinyin(ch)[0]] if o != ch] for ch in pool}


def _pinyin_name(rng, surname, given):
    from pypinyin import lazy_pinyin

    s = "".join(lazy_pinyin(surname)).replace("ü", "v")
    g = "".join(lazy_pinyin(given)).replace("ü", "v")
    style = rng.randrange(5)
    full = (f"{s.capitalize()} {g.capitalize()}", f"{g.capitalize()} {s.capitalize()}",
            f"{s}{g}", f"{s.upper()} {g.upper()}", f"{g} {s}")[style]
    return full, s.capitalize(), g.capitalize()


def _latin_typo(rng, text):
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(3)
    if op == 0:
        return text[:i] + text[i + 1:]
    if op == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice("aeiounrst") + text[i + 1:]


def _phone_variant(rng, digits, typo):
    if typo:
        i = rng.randrange(3, 11)
        digits = digits[:i] + str((int(digits[i]) + rng.randrange(1, 10)) % 10) + digits[i + 1:]
    a, b, c = digits[:3], digits[3:7], digits[7:]
    return rng.choice([digits, f"{a} {b} {c}", f"{a}-{b}-{c}", f"+86 {a}-{b}-{c}", f"+86{digits}",
                       f"0086 {a} {b} {c}", digits.translate(FULLWIDTH)])


def retyped_records(rng, customers, homophones):
    """Existing customers re-typed with variations; returns (record, customer id, variations)."""
    out = []
    for c in customers:
        zh = bool(c["family_name"]) and unicodedata.name(c["family_name"][0], "").startswith("CJK")
        ops = ["phone_format", "phone_typo", "name_pinyin" if zh else "name_order",
               "homophone" if zh else "name_typo", "email_case", "drop_phone", "add_city", "fields"]
        chosen = set(rng.sample(ops, rng.randint(1, 3)))
        if "drop_phone" in chosen and not c["email"]:
            chosen.discard("drop_phone")
        if not c["phone"]:
            chosen -= {"phone_format", "phone_typo"}
        surname, given = c["family_name"], c["given_name"]
        if "homophone" in chosen:
            alts = homophones.get(given[-1:]) or []
            if alts:
                given = given[:-1] + rng.choice(alts)
            else:
                chosen.discard("homophone")
        name = f"{surname}{given}" if zh else f"{given} {surname}"
        record = {}
        if "name_pinyin" in chosen:
            name, surname, given = _pinyin_name(rng, surname, given)
        if "name_order" in chosen:
            name = rng.choice([f"{surname}, {given}", f"{surname.upper()} {given}", name.lower()])
        if "name_typo" in chosen:
            surname = _latin_typo(rng, surname)
            name = f"{given} {surname}"
        record["name"] = name
        if "fields" in chosen:
            record["surname"], record["given_name"] = surname, given
        if c["phone"] and "drop_phone" not in chosen:
            digits = c["phone"].removeprefix("+86")
            if "phone_format" in chosen or "phone_typo" in chosen:
                record["phone"] = _phone_variant(rng, digits, "phone_typo" in chosen)
            else:
                record["phone"] = c["phone_entered"] or digits
        if c["email"]:
            email = c["email"]
            if "email_case" in chosen:
                email = email[:1].upper() + email[1:] + " "
            if "drop_phone" in chosen or "email_case" in chosen or rng.random() < 0.5:
                record["email"] = email
        if "add_city" in chosen and c["city"]:
            record["city"] = c["city"] + rng.choice(["", "市"])
        if c["birth_date"] and rng.random() < 0.6:
            y, m, d = (int(x) for x in c["birth_date"].split("-"))
            record["birth_date"] = rng.choice([c["birth_date"], f"{y}/{m}/{d}", f"{y}年{m}月{d}日",
                                               f"{y}{m:02d}{d:02d}", f"{d:02d}/{m:02d}/{y}"])
        out.append((record, c["id"], sorted(chosen)))
    return out


def _sample_customers(rng, count):
    from django.db.models import Max, Min

    from kehu.customers.models import Address, ChannelIdentity, Customer

    bounds = Customer.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    picked = []
    while len(picked) < count:
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count * 2)]
        rows = Customer.objects.filter(pk__in=ids, kind="person", merged_into__isnull=True).values(
            "id", "display_name", "family_name", "given_name", "birth_date")
        picked.extend(r for r in rows if r["id"] not in {p["id"] for p in picked})
    picked = picked[:count]
    ids = [p["id"] for p in picked]
    idents = defaultdict(dict)
    for cid, channel, value, normalized in ChannelIdentity.objects.filter(
            customer_id__in=ids, channel__in=["phone", "email"]).values_list(
            "customer_id", "channel", "value", "normalized"):
        idents[cid].setdefault(channel, (value, normalized))
    cities = dict(Address.objects.filter(customer_id__in=ids, is_primary=True).values_list("customer_id", "city"))
    for p in picked:
        phone = idents[p["id"]].get("phone")
        email = idents[p["id"]].get("email")
        p.update(phone=phone[1] if phone else None, phone_entered=phone[0] if phone else None,
                 email=email[0] if email else None, city=cities.get(p["id"]),
                 birth_date=p["birth_date"].isoformat() if p["birth_date"] else None)
    return picked


def fresh_records(n, seed):
    """People who are not in the demo database: one record of each of ``n`` synthetic entities."""
    df = _identity_data().generate(n * 3, seed=seed + 1000)
    first = df.unique("entity_id", keep="first", maintain_order=True).head(n)
    cols = ["name", "given_name", "surname", "phone", "email", "birth_date", "city", "address",
            "postcode", "id_number"]
    return [{k: v for k, v in row.items() if v is not None} for row in first.select(cols).iter_rows(named=True)]


def w_entry(records, seed, profile):
    _django()
    from django.db import connection

    from kehu.identity import services
    from kehu.identity.models import MatchModelVersion

    rng = random.Random(seed)
    retyped = retyped_records(rng, _sample_customers(rng, records // 2), _homophones())
    fresh = fresh_records(records - len(retyped), seed)
    warm = fresh_records(5, seed + 1)

    parts = defaultdict(list)
    calls = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                calls[name] = calls.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    services.features.prepare = timed("prepare", services.features.prepare)
    services._candidate_ids = timed("candidate keys (SQL)", services._candidate_ids)
    services._profiles_frame = timed("profiles (SQL)", services._profiles_frame)
    services.score_candidates = timed("score", services.score_candidates)
    services.current_model = timed("model lookup", services.current_model)
    sizes = []
    original = services.score_candidates

    def count_candidates(feats, candidates, model):
        sizes.append(candidates.height)
        return original(feats, candidates, model)

    services.score_candidates = count_candidates

    started = time.perf_counter()
    services.find_matches(warm[0])
    cold = time.perf_counter() - started
    for record in warm[1:]:
        services.find_matches(record)
    calls.clear()
    sizes.clear()

    out = {"cold_ms": cold * 1000, "model": "learned (scan)" if MatchModelVersion.objects.exists() else "shipped default",
           "vendor": connection.vendor}
    latencies = {"retyped": [], "fresh": []}
    found = top1 = false_alarms = 0
    reachable = {"with phone or email": [0, 0], "name (and birth date) only": [0, 0]}
    misses, alarms = [], []
    for kind, items in (("retyped", retyped), ("fresh", [(r, None, []) for r in fresh])):
        for record, cid, ops in items:
            calls.clear()
            started = time.perf_counter()
            matches = services.find_matches(record)
            latencies[kind].append((time.perf_counter() - started) * 1000)
            for name, seconds in calls.items():
                parts[name].append(seconds * 1000)
            if cid is None:
                false_alarms += bool(matches)
                if matches and len(alarms) < 5:
                    alarms.append({"record": record, "matches": [(m.customer_id, round(m.probability, 4))
                                                                 for m in matches[:3]]})
                continue
            ids = [m.customer_id for m in matches]
            found += cid in ids
            top1 += bool(ids) and ids[0] == cid
            group = reachable["with phone or email" if record.get("phone") or record.get("email")
                              else "name (and birth date) only"]
            group[0] += cid in ids
            group[1] += 1
            if cid not in ids and len(misses) < 8:
                misses.append({"ops": ops, "record": record})
    every = latencies["retyped"] + latencies["fresh"]
    out.update({
        "n_retyped": len(retyped), "n_fresh": len(fresh), "found": found, "top1": top1,
        "false_alarms": false_alarms, "misses": misses, "alarms": alarms, "found_by_kind": reachable,
        "candidates_p50": pct(sizes, 50), "candidates_max": max(sizes) if sizes else 0,
        "latency": {k: {"p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99), "max": max(v)}
                    for k, v in {**latencies, "all": every}.items()},
        "parts_p50": {k: pct(v, 50) for k, v in parts.items()},
        "parts_p95": {k: pct(v, 95) for k, v in parts.items()},
    })
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for record, _cid, _ops in retyped + [(r, None, []) for r in fresh]:
            services.find_matches(record)
        profiler.disable()
        print(profile_text(profiler))
    emit(out)


def w_dbinfo(forget_models=False):
    _django()
    from kehu.customers.models import Customer
    from kehu.identity.models import MatchKey, MatchModelVersion, MatchProfile, ScanRun

    if forget_models:  # on-entry matching falls back to the shipped model
        MatchModelVersion.objects.all().delete()
    stale = ScanRun.objects.filter(status__in=[ScanRun.Status.QUEUED, ScanRun.Status.RUNNING])
    marked = stale.update(status=ScanRun.Status.FAILED, error="left over by an interrupted benchmark")
    emit({"customers": Customer.objects.filter(merged_into__isnull=True).count(),
          "profiles": MatchProfile.objects.count(), "keys": MatchKey.objects.count(),
          "models": MatchModelVersion.objects.count(), "stale_scans_marked_failed": marked})


def ensure_index(backend, env, args, results, forget_models=False):
    info = worker("dbinfo", env, forget_models=forget_models)["result"]
    print(f"  {backend}: {info['customers']:,} live customers, {info['profiles']:,} match profiles, "
          f"{info['keys']:,} keys, {info['models']} learned models")
    if info["stale_scans_marked_failed"]:
        print(f"  ({info['stale_scans_marked_failed']} interrupted scan runs marked failed)")
    if info["customers"] < 900_000:
        print("  warning: this is not the 1M-customer demo database")
    reindex = args.reindex and backend not in results.get("index", {})
    if reindex or info["profiles"] != info["customers"]:
        run = measured(kehu("identity", "index", "--no-progress"), env)
        print(f"  kehu identity index: {run['stdout'].strip()} (wall {run['wall']:.1f} s, "
              f"peak {run['peak_mib']:,.0f} MiB)")
        results.setdefault("index", {})[backend] = {"wall": run["wall"], "peak_mib": run["peak_mib"],
                                                     "message": run["stdout"].strip()}
        info = worker("dbinfo", env)["result"]
        print(f"  now {info['profiles']:,} profiles, {info['keys']:,} keys")


def migrate(backend, env):
    started = time.perf_counter()
    subprocess.run(kehu("migrate", "-v", "0"), env=env, check=True)
    print(f"  {backend}: kehu migrate {time.perf_counter() - started:.1f} s")


def part_entry(args, results):
    print(f"\n== on entry: services.find_matches, {args.entry_records} records")
    for backend in args.backends:
        env = db_env(backend, args)
        migrate(backend, env)
        ensure_index(backend, env, args, results, forget_models=args.shipped_model)
        run = worker("entry", env, records=args.entry_records, seed=args.seed, profile=args.profile)
        r = run["result"]
        lat = r["latency"]
        print(f"  {backend} ({r['model']} model): cold first call {r['cold_ms']:.0f} ms; candidates per "
              f"record p50 {r['candidates_p50']:.0f}, max {r['candidates_max']}")
        for k in ("retyped", "fresh", "all"):
            v = lat[k]
            print(f"    {k:<8} p50 {v['p50']:6.1f} ms  p95 {v['p95']:6.1f} ms  p99 {v['p99']:6.1f} ms  "
                  f"max {v['max']:6.1f} ms")
        print("    parts p50/p95 (ms): " + ", ".join(f"{k} {r['parts_p50'][k]:.1f}/{r['parts_p95'][k]:.1f}"
                                                   for k in r["parts_p50"]))
        print(f"    re-typed customers found: {r['found']}/{r['n_retyped']} "
              f"(first match: {r['top1']}); fresh people with a match ≥ 0.5: "
              f"{r['false_alarms']}/{r['n_fresh']}")
        print("    found by what the record carries: " + "; ".join(
            f"{k} {v[0]}/{v[1]}" for k, v in r["found_by_kind"].items()))
        for miss in r["misses"]:
            print(f"      missed ({', '.join(miss['ops'])}): {miss['record']}")
        for alarm in r["alarms"]:
            print(f"      fresh record matched {alarm['matches']}: {alarm['record']}")
        results.setdefault("entry", {})[backend] = {**r, "process_peak_mib": run["peak_mib"]}


# ----------------------------------------------------------------------------------- scan

def w_scan(profile):
    _django()
    from kehu.identity import services

    stages = StageTimer()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    run = services.request_scan(None, enqueue=False)
    if profiler:
        profiler.enable()
    run = services.execute_scan(run.pk)
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    peak = peak_mib()
    if profiler:
        print(profile_text(profiler, 30))
    emit({"wall": wall, "peak_mib": peak, "timings": run.stats.get("timings", {}),
          "match_stages": dict(stages.seconds), "records": run.records, "pairs": run.pairs,
          "clusters": run.clusters, "proposed": run.proposed, "status": run.status,
          "blocking": run.stats.get("blocking", {}), "model": run.stats.get("model", {})})


def part_scan(args, results):
    print("\n== batch scan: request_scan(None, enqueue=False) + execute_scan" +
          (" (under cProfile: times inflated)" if args.profile else ""))
    for backend in args.backends:
        env = db_env(backend, args)
        migrate(backend, env)
        ensure_index(backend, env, args, results)
        run = worker("scan", env, profile=args.profile)
        r = run["result"]
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["timings"].items())
        print(f"  {backend}: {r['wall']:.1f} s wall ({steps}), process peak {run['peak_mib']:,.0f} MiB; "
              f"{r['records']:,} customers, {r['pairs']:,} pairs, {r['clusters']:,} groups, "
              f"{r['proposed']:,} pairs queued")
        print("    match stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["match_stages"].items()))
        skipped = {k: v["skipped_blocks"] for k, v in r["blocking"].items() if v.get("skipped_blocks")}
        print(f"    pairs per rule: { {k: v['pairs'] for k, v in r['blocking'].items()} }; "
              f"blocks skipped for size: {skipped}")
        results.setdefault("scan", {})[backend] = {**r, "process_peak_mib": run["peak_mib"]}


# ---------------------------------------------------------------------------------- files

def w_files_input(n, seed, path):
    if not Path(path).exists():
        df = _identity_data().generate(n, seed)
        df.drop("entity_id").write_csv(path)
        df.select("id", "entity_id").write_parquet(str(path) + ".truth.parquet")
    emit({"path": path})


def part_files(args, results):
    from kehu.identity import evaluate

    n = args.file_rows
    print(f"\n== file dedupe: kehu identity dedupe, generate({n:,}, seed={args.seed}) as CSV")
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dedupe_{n}_{args.seed}.csv"
    worker("files_input", n=n, seed=args.seed, path=str(path))
    env = {**os.environ, "KEHU_DATA_DIR": str(CACHE / "files-data-dir")}
    env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        clusters, pairs = Path(tmp) / "clusters.csv", Path(tmp) / "pairs.csv"
        run = measured(kehu("identity", "dedupe", str(path), "--out", str(clusters), "--pairs", str(pairs)), env)
        got = pl.read_csv(clusters, infer_schema=False)
        n_pairs = pl.read_csv(pairs, infer_schema=False).height
    truth = pl.read_parquet(str(path) + ".truth.parquet")
    joined = got.join(truth, on="id")
    scores = evaluate.pairwise_scores(joined["cluster_id"], joined["entity_id"])
    print(f"  {run['stdout'].strip()}")
    print(f"  wall {run['wall']:.1f} s end to end ({n / run['wall']:,.0f} rows/s), peak {run['peak_mib']:,.0f} MiB; "
          f"pairwise P/R/F1 {scores['precision']:.4f} / {scores['recall']:.4f} / {scores['f1']:.4f}")
    results["files"] = {"rows": n, "wall": run["wall"], "rows_per_s": n / run["wall"],
                        "peak_mib": run["peak_mib"], "pairs": n_pairs, "message": run["stdout"].strip(),
                        "pair_scores": scores}


# ----------------------------------------------------------------------------------- main

WORKERS = {"generate": w_generate, "prepare": w_prepare, "link": w_link, "entry": w_entry,
           "dbinfo": w_dbinfo, "scan": w_scan, "files_input": w_files_input}
PARTS = {"accuracy": part_accuracy, "entry": part_entry, "scan": part_scan, "files": part_files}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="accuracy,entry,scan,files",
                        help="comma-separated: accuracy, entry, scan, files (default: all; always run in this order)")
    parser.add_argument("--sizes", default="100000,1000000", help="record counts for the accuracy part")
    parser.add_argument("--seed", type=int, default=7, help="synthetic data seed (11 trained the shipped model)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite-dir", default="/work/bench-data/sqlite1m",
                        help="KEHU_DATA_DIR of the SQLite demo database")
    parser.add_argument("--pg-db", default="kehu_bench_1m", help="PostgreSQL demo database on $KEHU_BENCH_PG")
    parser.add_argument("--entry-records", type=int, default=300)
    parser.add_argument("--file-rows", type=int, default=100_000)
    parser.add_argument("--shipped-model", action="store_true",
                        help="delete the learned models (every scan stores one) so entry uses the shipped one")
    parser.add_argument("--reindex", action="store_true", help="run `kehu identity index` even if profiles exist")
    parser.add_argument("--profile", action="store_true", help="cProfile the entry calls (a second pass) and the scan")
    parser.add_argument("--json", help="also write every number to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker](**json.loads(args.worker_args))
        return
    parts = [p.strip() for p in args.part.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    commit = subprocess.run(["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"kehu.identity benchmark at {commit or '?'} (machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 1024**3:.0f} GiB)")
    results = {}
    for part in PARTS:
        if part in parts:
            PARTS[part](args, results)
    if args.json:
        with contextlib.suppress(OSError):
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
