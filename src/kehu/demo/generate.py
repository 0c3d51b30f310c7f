"""Deterministic, vectorised demo data: customers whose purchases follow a repeat-buying process.

Purchases follow the BG/NBD story (Fader, Hardie & Lee 2005) so that value analysis later has
something true to find: each customer buys at their own Poisson rate λ ~ Gamma(r, α) and after
every purchase becomes inactive for good with probability p ~ Beta(a, b). Spend per order is
Gamma around a customer-specific mean (Gamma–Gamma). The result has what real shops have: many
one-time buyers, a few frequent ones, and customers who silently stop buying.

Everything is drawn from ``numpy.random.default_rng([seed, chunk])`` — the same seed and chunk
size give the same rows — and produced as columns (numpy arrays), never row by row.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from kehu.demo import vocab

DAY = 86_400
# A fixed observation window, so a seed always builds the same history whatever today is.
END = int(datetime(2026, 10, 31, tzinfo=UTC).timestamp())
START = END - 3 * 365 * DAY

# BG/NBD and spend parameters (days as the time unit), chosen so a customer averages ~10 orders.
R, ALPHA = 1.0, 22.0
A, B = 0.7, 6.0
MAX_REPEATS = 400


@dataclass
class Chunk:
    """Columns for one chunk of customers and everything that hangs off them."""

    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def rows(self, table):
        cols = self.tables.get(table, {})
        return len(next(iter(cols.values()))) if cols else 0


def _pick(rng, values, n, p=None):
    return values[rng.choice(len(values), size=n, p=p)]


def _concat(*parts):
    """Element-wise string concatenation of numpy arrays / scalars (vectorised)."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


def build_chunk(*, seed: int, chunk: int, first_id: dict[str, int], n: int, users: dict,
                products: dict, tag_ids: np.ndarray) -> Chunk:
    """Build ``n`` customers (ids from ``first_id["customer"]``) with their identities,
    addresses, contacts, interactions, consents, orders and lines."""
    rng = np.random.default_rng([seed, chunk])
    out = Chunk()
    cid = np.arange(first_id["customer"], first_id["customer"] + n, dtype=np.int64)

    # --- who they are ------------------------------------------------------------------
    is_org = rng.random(n) < 0.15
    is_en = ~is_org & (rng.random(n) < 0.15)
    is_zh = ~is_org & ~is_en
    family = np.where(is_zh, _pick(rng, vocab.ZH_FAMILY, n, vocab.ZH_FAMILY_P),
                      _pick(rng, vocab.EN_FAMILY, n, vocab.EN_FAMILY_P))
    given = np.where(is_zh, _pick(rng, vocab.ZH_GIVEN, n), _pick(rng, vocab.EN_GIVEN, n, vocab.EN_GIVEN_P))
    org_kind = rng.choice(3, size=n, p=[0.15, 0.15, 0.70])  # government, special, company
    city = _pick(rng, vocab.CITIES, n)
    company = _concat(city, _pick(rng, vocab.COMPANY_PREFIX, n), _pick(rng, vocab.COMPANY_SUFFIX, n))
    government = _concat(city, _pick(rng, vocab.GOVERNMENT_KINDS, n))
    legal = np.where(org_kind == 0, government, company)
    display = np.where(is_org, legal, np.where(is_zh, _concat(family, given), _concat(given, " ", family)))
    nature = np.where(is_org, np.array(["government", "special", "company"])[org_kind], "individual")
    registration = np.where(is_org, _concat("91", np.char.zfill((cid * 7919 % 10**9).astype(str), 9),
                                            "MA", np.char.zfill((cid % 10**6).astype(str), 6)), "")
    sources = np.array(["store", "online", "referral", "advertising", "trade_show", "telephone",
                        "direct_mail", "sms", "door_to_door", "club", "consulting", "data_lookup",
                        "competitor", "other"])
    source = _pick(rng, sources, n, p=np.array([24, 22, 12, 10, 6, 6, 4, 4, 3, 3, 2, 2, 1, 1]) / 100)

    owners = users["sales"]
    owner_idx = rng.integers(0, len(owners["id"]), n)
    owner_id, team_id = owners["id"][owner_idx], owners["team"][owner_idx]

    # --- what they bought: BG/NBD ------------------------------------------------------
    prospect = rng.random(n) < 0.10
    birth = rng.integers(START, END - 7 * DAY, n)
    lam = rng.gamma(R, 1.0 / ALPHA, n)  # purchases per day while alive
    p_drop = rng.beta(A, B, n)
    repeats_while_alive = np.minimum(rng.geometric(p_drop) - 1, MAX_REPEATS)
    repeats_while_alive[prospect] = 0
    gaps_owner = np.repeat(np.arange(n), repeats_while_alive)
    gaps = rng.exponential(1.0 / lam[gaps_owner]) * DAY
    # per-customer cumulative sum of gaps (segment cumsum without a Python loop)
    csum = np.cumsum(gaps)
    seg_start = np.concatenate(([0], np.cumsum(repeats_while_alive)[:-1]))
    offsets = np.repeat(csum[seg_start - 1] * (seg_start > 0) if len(csum) else np.zeros(n), repeats_while_alive)
    repeat_times = birth[gaps_owner] + (csum - offsets)
    keep = repeat_times < END
    order_owner = np.concatenate((np.flatnonzero(~prospect), gaps_owner[keep]))
    order_time = np.concatenate((birth[~prospect], repeat_times[keep])).astype(np.int64)
    order_time += rng.integers(8 * 3600, 21 * 3600, len(order_time)) - order_time % DAY  # shop hours
    sort = np.lexsort((order_time, order_owner))
    order_owner, order_time = order_owner[sort], order_time[sort]
    n_orders = len(order_owner)

    counts = np.bincount(order_owner, minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, order_owner, order_time)
    since = (END - last) / DAY
    stage = np.select([prospect, since <= 90, since <= 180, since <= 365], ["prospect", "new", "active", "at_risk"],
                      "lost")
    first = np.full(n, END, dtype=np.int64)
    np.minimum.at(first, order_owner, order_time)
    stage = np.where((stage == "new") & (counts > 1), "active", stage)
    won_back = (stage == "active") & (rng.random(n) < 0.06)
    stage = np.where(won_back, "won_back", stage)
    created = np.where(prospect, birth, first - rng.integers(0, 60 * DAY, n))

    out.tables["customer"] = {
        "id": cid, "kind": np.where(is_org, "organisation", "person"), "display_name": display,
        "given_name": np.where(is_org, "", given), "family_name": np.where(is_org, "", family),
        "legal_name": np.where(is_org, legal, ""), "registration_number": registration, "id_number": np.full(n, ""),
        "nature": nature, "lifecycle_stage": stage, "tier": np.full(n, ""), "acquisition_source": source,
        "owner_id": owner_id, "team_id": team_id, "custom_fields": np.full(n, "{}"),
        "created_at": created, "updated_at": np.maximum(created, last), "version": np.ones(n, dtype=np.int64),
    }

    # --- identities: unique phones (an affine permutation of the id), emails, WeChat ------
    has_phone = rng.random(n) < 0.9
    suffix = (cid * 48_271 + 12_345) % 100_000_000
    prefix = vocab.MOBILE_PREFIXES[cid % len(vocab.MOBILE_PREFIXES)]
    middle = np.char.zfill((suffix // 10_000).astype(str), 4)
    tail = np.char.zfill((suffix % 10_000).astype(str), 4)
    mobile = _concat(prefix, middle, tail)
    # as staff type them: half plain, half with spaces (normalised stays E.164)
    entered = np.where(rng.random(n) < 0.5, mobile, _concat(prefix, " ", middle, " ", tail))
    has_email = rng.random(n) < 0.4
    email = np.where(is_en, _concat(np.char.lower(given), ".", np.char.lower(family), cid, "@example.com"),
                     _concat(10_000 + cid * 7, "@qq.com"))
    has_wechat = ~is_org & (rng.random(n) < 0.3)
    wechat = _concat("wxid_", np.char.zfill(np.char.mod("%x", cid * 2_654_435_761 % 2**40), 10))
    ident_owner = np.concatenate((cid[has_phone], cid[has_email], cid[has_wechat]))
    k = len(ident_owner)
    out.tables["identity"] = {
        "id": np.arange(first_id["identity"], first_id["identity"] + k, dtype=np.int64),
        "customer_id": ident_owner,
        "channel": np.concatenate((np.full(has_phone.sum(), "phone"), np.full(has_email.sum(), "email"),
                                   np.full(has_wechat.sum(), "wechat"))),
        "value": np.concatenate((entered[has_phone], email[has_email], wechat[has_wechat])),
        "normalized": np.concatenate((_concat("+86", mobile[has_phone]), np.char.lower(email[has_email]),
                                      wechat[has_wechat])),
        "verified": rng.random(k) < 0.5, "is_primary": np.ones(k, dtype=bool),
        "source": np.full(k, "manual"),
        "created_at": np.concatenate((created[has_phone], created[has_email], created[has_wechat])),
    }

    # --- addresses and contacts --------------------------------------------------------
    has_addr = rng.random(n) < 0.7
    m = int(has_addr.sum())
    out.tables["address"] = {
        "id": np.arange(first_id["address"], first_id["address"] + m, dtype=np.int64),
        "customer_id": cid[has_addr], "kind": np.where(is_org[has_addr], "work", "home"),
        "country": np.full(m, "CN"), "province": _pick(rng, vocab.PROVINCES, m), "city": city[has_addr],
        "district": _concat(_pick(rng, vocab.DISTRICTS, m), "区"),
        "line1": _concat(_pick(rng, vocab.STREETS, m), _pick(rng, np.array(["路", "街", "大道"]), m),
                         rng.integers(1, 999, m), "号"),
        "postal_code": np.char.zfill(rng.integers(100000, 860000, m).astype(str), 6),
        "is_primary": np.ones(m, dtype=bool),
    }
    org_ids = cid[is_org]
    per_org = rng.integers(1, 3, len(org_ids))
    c_owner = np.repeat(org_ids, per_org)
    c = len(c_owner)
    c_rank = np.arange(c) - np.repeat(np.cumsum(per_org) - per_org, per_org)
    out.tables["contact"] = {
        "id": np.arange(first_id["contact"], first_id["contact"] + c, dtype=np.int64), "customer_id": c_owner,
        "name": _concat(_pick(rng, vocab.ZH_FAMILY, c, vocab.ZH_FAMILY_P), _pick(rng, vocab.ZH_GIVEN, c)),
        "role": _pick(rng, vocab.CONTACT_ROLES, c),
        "phone": _concat("+86", vocab.MOBILE_PREFIXES[(c_owner + c_rank) % len(vocab.MOBILE_PREFIXES)],
                         np.char.zfill(((c_owner * 31 + c_rank) * 7_919 % 10**8).astype(str), 8)),
        "email": np.full(c, ""), "is_primary": c_rank == 0,
    }

    # --- interactions ------------------------------------------------------------------
    per = rng.poisson(2.0, n)
    i_owner = np.repeat(np.arange(n), per)
    ni = len(i_owner)
    types = np.array(list(vocab.INTERACTION_SUBJECTS))
    itype = _pick(rng, types, ni)
    subject = np.empty(ni, dtype=object)
    for t in types:  # a handful of types, not rows
        mask = itype == t
        subject[mask] = _pick(rng, np.array(vocab.INTERACTION_SUBJECTS[t]), int(mask.sum()))
    channel_for = {"call": "phone", "visit": "in_person", "email": "email", "chat": "wechat", "meeting": "in_person",
                   "store_visit": "store"}
    span = np.maximum(END - created[i_owner], DAY)
    out.tables["interaction"] = {
        "id": np.arange(first_id["interaction"], first_id["interaction"] + ni, dtype=np.int64),
        "customer_id": cid[i_owner], "channel": np.vectorize(channel_for.get, otypes=[object])(itype).astype(str),
        "direction": np.where(rng.random(ni) < 0.55, "out", "in"), "type": itype, "subject": subject.astype(str),
        "notes": np.full(ni, ""), "occurred_at": created[i_owner] + (rng.random(ni) * span).astype(np.int64),
        "user_id": owner_id[i_owner],
    }

    # --- consents: one current decision per (purpose, channel) -------------------------
    has_mkt = rng.random(n) < 0.6
    has_ana = rng.random(n) < 0.3
    q_owner = np.concatenate((np.flatnonzero(has_mkt), np.flatnonzero(has_ana)))
    nq = len(q_owner)
    out.tables["consent"] = {
        "id": np.arange(first_id["consent"], first_id["consent"] + nq, dtype=np.int64),
        "customer_id": cid[q_owner],
        "purpose": np.concatenate((np.full(has_mkt.sum(), "marketing"), np.full(has_ana.sum(), "analytics"))),
        "channel": np.concatenate((_pick(rng, np.array(["sms", "email", "wechat"]), int(has_mkt.sum())),
                                   np.full(has_ana.sum(), "any"))),
        "granted": rng.random(nq) < 0.8, "recorded_at": created[q_owner] + rng.integers(0, 30 * DAY, nq),
        "source": _pick(rng, np.array(["store", "web_form", "phone", "paper"]), nq),
        "recorded_by_id": owner_id[q_owner], "note": np.full(nq, ""), "is_current": np.ones(nq, dtype=bool),
    }

    # --- orders and lines ----------------------------------------------------------------
    oid = np.arange(first_id["order"], first_id["order"] + n_orders, dtype=np.int64)
    mean_spend = rng.lognormal(np.log(160), 0.7, n)
    target = rng.gamma(4.0, mean_spend[order_owner] / 4.0)
    n_lines = rng.choice([1, 2, 3], size=n_orders, p=[0.7, 0.2, 0.1])
    l_order = np.repeat(np.arange(n_orders), n_lines)
    nl = len(l_order)
    prod = rng.integers(0, len(products["id"]), nl)
    price = products["price"][prod]
    qty = np.clip(np.rint(target[l_order] / n_lines[l_order] / price), 1, 20).astype(np.int64)
    discount = np.where(rng.random(nl) < 0.15, np.round(qty * price * 0.05, 2), 0.0)
    amount = np.round(qty * price - discount, 2)
    total = np.round(np.bincount(l_order, weights=amount, minlength=n_orders), 2)
    channel = _pick(rng, np.array(["store", "online", "wechat", "phone", "sales_rep"]), n_orders,
                    p=[0.45, 0.35, 0.10, 0.05, 0.05])
    recent = order_time > END - 10 * DAY
    status = np.where(recent & (rng.random(n_orders) < 0.5), "shipped",
                      _pick(rng, np.array(["completed", "refunded", "cancelled"]), n_orders, p=[0.95, 0.03, 0.02]))
    out.tables["order"] = {
        "id": oid, "customer_id": cid[order_owner], "ordered_at": order_time, "channel": channel,
        "store": np.where(channel == "store", _pick(rng, vocab.STORES, n_orders), ""), "status": status,
        "total": total, "currency": np.full(n_orders, "CNY"), "external_id": _concat(f"D{seed}-", oid),
    }
    out.tables["orderline"] = {
        "id": np.arange(first_id["orderline"], first_id["orderline"] + nl, dtype=np.int64),
        "order_id": oid[l_order], "product_id": products["id"][prod], "quantity": qty,
        "unit_price": np.round(price, 2), "discount": discount,
    }

    # --- tags and shares ------------------------------------------------------------------
    tagged = rng.random(n) < 0.2
    t_owner = cid[tagged]
    t1 = tag_ids[rng.integers(0, len(tag_ids), len(t_owner))]
    out.tables["customer_tags"] = {
        "id": np.arange(first_id["customer_tags"], first_id["customer_tags"] + len(t_owner), dtype=np.int64),
        "customer_id": t_owner, "tag_id": t1,
    }
    teams = np.unique(users["sales"]["team"])
    shared = (rng.random(n) < 0.02) & (len(teams) > 1)
    s_team = teams[rng.integers(0, len(teams), int(shared.sum()))]
    s_keep = s_team != team_id[shared]
    out.tables["customershare"] = {
        "id": np.arange(first_id["customershare"], first_id["customershare"] + int(s_keep.sum()), dtype=np.int64),
        "customer_id": cid[shared][s_keep], "team_id": s_team[s_keep],
    }

    # Drawn last, so every row above stays what it was for a given seed.
    _birth_dates_and_duplicates(rng, out.tables["customer"], ~is_org, is_zh)
    return out


DUPLICATE_SHARE = 0.02


def _birth_dates_and_duplicates(rng, customers: dict, person: np.ndarray, chinese: np.ndarray) -> None:
    """Birth dates for people, and ~2 % of Chinese customers re-entered as someone else in the
    chunk — as a web form (pinyin), a call centre (a homophone) or a Hong Kong store (traditional
    characters) would — so the duplicate review queue has something true to find."""
    from kehu.identity import names

    n = len(person)
    age = rng.integers(18 * 365, 80 * 365, n)
    born = (np.datetime64("2026-10-31") - age.astype("timedelta64[D]")).astype(str).astype(object)
    born[~person] = None
    zh = np.flatnonzero(chinese)
    k = int(len(zh) * DUPLICATE_SHARE)
    if k < 1 or len(zh) < 2:
        customers["birth_date"] = born
        return
    picks = rng.permutation(zh)[: 2 * k]
    source, copy = picks[:k], picks[k:]
    style = rng.integers(0, 3, k)
    family, given = customers["family_name"], customers["given_name"]
    homophones = {"伟": "玮", "丽": "莉", "静": "婧", "敏": "闽", "军": "君", "杰": "洁", "磊": "垒",
                  "芳": "方", "娟": "鹃", "强": "墙", "明": "鸣", "华": "桦", "平": "萍", "勇": "永"}
    fam, giv, disp = family.astype(object), given.astype(object), customers["display_name"].astype(object)
    for s_i, c_i, how in zip(source.tolist(), copy.tolist(), style.tolist(), strict=True):
        f, g = str(family[s_i]), str(given[s_i])
        if how == 0:  # typed in pinyin on the web: "Wei Zhang"
            gp = "".join(names.syllables(g)).capitalize()
            fp = "".join(names.syllables(f, surname=True)).capitalize()
            fam[c_i], giv[c_i], disp[c_i] = fp, gp, f"{gp} {fp}"
        elif how == 1:  # heard on the phone: a homophone for one character
            g2 = "".join(homophones.get(ch, ch) for ch in g)
            fam[c_i], giv[c_i], disp[c_i] = f, g2, f + g2
        else:  # a traditional-character form
            t = names.to_traditional(f + g)
            fam[c_i], giv[c_i], disp[c_i] = t[: len(f)], t[len(f):], t
        born[c_i] = born[s_i]
    customers["family_name"], customers["given_name"] = fam.astype(str), giv.astype(str)
    customers["display_name"] = disp.astype(str)
    customers["birth_date"] = born


def build_products(seed: int, n: int = 240, first_id: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 10**6])
    price = np.round(rng.lognormal(np.log(68), 0.8, n), 0) + 0.9
    return {
        "id": np.arange(first_id, first_id + n, dtype=np.int64),
        "sku": _concat(f"SKU{seed}-", np.char.zfill(np.arange(1, n + 1).astype(str), 4)),
        "name": _concat(_pick(rng, vocab.PRODUCT_WORDS, n), _pick(rng, vocab.PRODUCT_WORDS, n),
                        _pick(rng, vocab.PRODUCT_CATEGORIES, n)),
        "category": _pick(rng, vocab.PRODUCT_CATEGORIES, n), "price": price,
        "cost": np.round(price * rng.uniform(0.35, 0.7, n), 2), "is_active": np.ones(n, dtype=bool),
    }
