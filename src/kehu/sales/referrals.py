"""The referral graph — "the law of 250" (CONCEPTS §4): every customer knows about 250 people, so
who introduced whom, and what those introductions were worth, is worth knowing.

The graph's edges are ``Customer.referred_by`` (a customer introduced by another) and
``Lead.referrer_customer`` for leads not converted yet (they hang under their referrer as open
leads). Each customer has at most one referrer, so the graph is a forest; ``would_cycle`` keeps it
one (a link that would close a loop is refused by callers, and a merge clears it, see
``kehu.identity.merge``).

Everything is one SQL statement per question, on SQLite and PostgreSQL alike:

- ``referral_tree``: the chain below a customer by a recursive CTE (``WITH RECURSIVE``), each node
  with its revenue (orders that count, as scoring counts them), CLV (``CustomerScore``), the
  customers it referred and its open leads, and totals for the whole chain (window aggregates
  over every node, computed before the page's depth/node limits cut the list).
- ``top_introducers``: every referred customer walks up to its ancestors (``LEADER_DEPTH`` levels),
  and the (ancestor, member) pairs are grouped per ancestor.
- ``source_comparison``: lead conversion per lead source and revenue/CLV per customer per
  acquisition source, referral sources against the others.

Cycles: walking *down* from a root in a forest can only come back to the root itself (each node
has one parent), so the recursion refuses the root as a child — O(1) per row instead of carrying a
path — and a depth bound (``MAX_DEPTH``) backs it up. Walking *up* uses ``UNION`` (not ``UNION
ALL``): a repeated row ends the recursion on either database.

Visibility: the root must be visible to the user (else 404, through ``access_customer``). Nodes
the user may not see stay in the tree as anonymous placeholders (no name, no values) so the shape
is honest, and every total counts only what the user may see. The scope is the same ``Q`` the rest
of Kehu uses (``customer_scope``, ``lead_scope``), compiled into the statement's WHERE/CASE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from kehu.customers.access import (
    access_customer,
    customer_scope,
    customer_scope_for,
)
from kehu.customers.models import Customer
from kehu.db import aware_datetime
from kehu.orders.models import Order
from kehu.sales.access import lead_scope
from kehu.surveys.metrics import percent

MAX_DEPTH = 10_000  # how deep a chain the tree follows (a bound against runaway data, not a UI limit)
LEADER_DEPTH = 5  # how many levels above a member its revenue/CLV is credited to, for the ranking
DISPLAY_DEPTH = 6  # levels shown on the tree page (deeper nodes: "more below", their own page)
DISPLAY_NODES = 300  # nodes shown on the tree page (breadth first)
EXCLUDED_STATUSES = Order.NOT_REVENUE  # as the value scores count revenue
# Lead sources / acquisition sources that are a referral (the seed's three kinds of introduction).
REFERRAL_SOURCES = ("referral", "celebrity", "key_opinion")
CONVERTED = "converted"

CUSTOMER_TABLE = Customer._meta.db_table
ORDER_TABLE = Order._meta.db_table


def _tables():
    from kehu.sales.models import Lead
    from kehu.scoring.models import CustomerScore

    return Lead._meta.db_table, CustomerScore._meta.db_table


def _where_sql(model, scope: Q) -> tuple[str, list]:
    """``scope`` compiled to a SQL condition on ``model``'s own (unaliased) table, for raw SQL
    that joins that table by its name. ``Q()`` (see everything) is ``1 = 1``."""
    if not scope:
        return "1 = 1", []
    query = model.objects.filter(scope).query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except EmptyResultSet:
        return "1 = 0", []
    return (sql or "1 = 1"), list(params)


def _customer_visible_sql(user) -> tuple[str, list]:
    return _where_sql(Customer, customer_scope(user))  # everything is Q(), which compiles to 1 = 1


def _lead_visible_sql(user) -> tuple[str, list]:
    from kehu.sales.models import Lead

    return _where_sql(Lead, lead_scope(user))


def _excluded_sql() -> str:
    return ", ".join(f"'{s}'" for s in EXCLUDED_STATUSES)


def money(value) -> Decimal:
    """SUMs come back as Decimal (PostgreSQL) or float (SQLite): one type, to the fen."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _fetch(sql: str, params: list, *, one: bool = False):
    """Run a recursive statement. On PostgreSQL without JIT for it: the planner cannot estimate a
    recursive CTE's rows, guesses millions, and JIT-compiles for a second a query that runs in a
    tenth of that (measured in bench/referrals.py)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if one else cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:  # SET LOCAL lasts to its end
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchone() if one else cursor.fetchall()


# --- cycles -------------------------------------------------------------------------------------

def would_cycle(customer_id: int, referrer_id: int | None) -> bool:
    """Would ``customer.referred_by = referrer`` close a loop? True when the referrer is the
    customer or is referred (at any depth) by the customer. One query walking up from the
    referrer; it stops at the customer, at the top of the chain, or at a loop already there."""
    if referrer_id is None:
        return False
    if int(customer_id) == int(referrer_id):
        return True
    sql = f"""
        WITH RECURSIVE up(id) AS (
            SELECT referred_by_id FROM {CUSTOMER_TABLE} WHERE id = %s
            UNION
            SELECT c.referred_by_id FROM {CUSTOMER_TABLE} c JOIN up ON c.id = up.id
            WHERE up.id <> %s
        )
        SELECT 1 FROM up WHERE id = %s LIMIT 1"""  # noqa: S608  (table names are ours; values are parameters)
    return _fetch(sql, [referrer_id, customer_id, customer_id], one=True) is not None


def ancestors(user, customer_id: int, *, limit: int = 20) -> list[dict]:
    """Who introduced this customer, and who introduced them …, nearest first (``limit`` levels);
    invisible ones as placeholders (``visible`` False, no name)."""
    visible, params = _customer_visible_sql(user)
    sql = f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT referred_by_id, 1 FROM {CUSTOMER_TABLE} WHERE id = %s AND referred_by_id IS NOT NULL
            UNION
            SELECT c.referred_by_id, up.depth + 1 FROM {CUSTOMER_TABLE} c JOIN up ON c.id = up.id
            WHERE c.referred_by_id IS NOT NULL AND c.referred_by_id <> %s AND up.depth < %s
        )
        SELECT up.id, up.depth, {CUSTOMER_TABLE}.display_name, CASE WHEN {visible} THEN 1 ELSE 0 END
        FROM up JOIN {CUSTOMER_TABLE} ON {CUSTOMER_TABLE}.id = up.id
        ORDER BY up.depth"""  # noqa: S608
    rows = _fetch(sql, [customer_id, customer_id, limit, *params])
    return [{"id": pk if vis else None, "depth": depth, "name": name if vis else "", "visible": bool(vis)}
            for pk, depth, name, vis in rows]


# --- one customer's tree ------------------------------------------------------------------------

@dataclass
class Node:
    id: int | None  # None when the user may not see this customer
    depth: int
    visible: bool
    name: str = ""
    tier: str = ""
    source: str = ""
    created_at: dt.datetime | None = None
    revenue: Decimal = Decimal("0.00")
    clv: Decimal | None = None
    referred: int = 0  # customers it introduced (children in the tree)
    open_leads: int = 0  # leads it introduced that are not customers yet (visible ones)
    children: list[Node] = field(default_factory=list)
    more_below: bool = False  # has referrals beyond the page's depth/node limit
    leads: list[dict] = field(default_factory=list)  # its open leads, when the page asks (open_leads_of)

    def as_dict(self) -> dict:
        if not self.visible:
            return {"visible": False, "depth": self.depth, "referred": self.referred,
                    "children": [c.as_dict() for c in self.children], "more_below": self.more_below}
        return {"visible": True, "id": self.id, "depth": self.depth, "name": self.name, "tier": self.tier,
                "acquisition_source": self.source,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "revenue": str(self.revenue), "clv": None if self.clv is None else str(self.clv),
                "referred": self.referred, "open_leads": self.open_leads, "more_below": self.more_below,
                "children": [c.as_dict() for c in self.children]}


@dataclass
class Tree:
    root: Node
    customers: int  # descendants (customers won through the chain) the user may see
    hidden: int  # descendants the user may not see (counted, never shown)
    depth: int  # the deepest level of the chain
    revenue: Decimal  # chain revenue: what the visible descendants bought
    clv: Decimal  # chain CLV: the visible descendants' lifetime value
    open_leads: int  # open leads introduced by the root or anyone visible in the chain
    shown: int  # nodes in ``root`` (the page's limits)
    truncated: bool  # the chain has more nodes than shown

    def as_dict(self) -> dict:
        return {"customers": self.customers, "hidden": self.hidden, "depth": self.depth,
                "revenue": str(self.revenue), "clv": str(self.clv), "open_leads": self.open_leads,
                "shown": self.shown, "truncated": self.truncated, "tree": self.root.as_dict()}


def referral_tree(user, customer_id: int, *, display_depth: int = DISPLAY_DEPTH, limit: int = DISPLAY_NODES,
                  max_depth: int = MAX_DEPTH) -> Tree:
    """The referral tree below ``customer_id`` as ``user`` may see it (Http404 if the root is
    invisible or missing). One statement: the recursive chain, per node its values, window totals
    over the whole chain, and then the first ``limit`` nodes breadth first down to ``display_depth``."""
    root = access_customer(user, customer_id)
    lead_table, score_table = _tables()
    c_vis, c_params = _customer_visible_sql(user)
    l_vis, l_params = _lead_visible_sql(user)
    sql = f"""
        WITH RECURSIVE tree(id, parent_id, depth) AS (
            SELECT id, referred_by_id, 0 FROM {CUSTOMER_TABLE} WHERE id = %s
            UNION ALL
            SELECT c.id, c.referred_by_id, t.depth + 1
            FROM tree t JOIN {CUSTOMER_TABLE} c ON c.referred_by_id = t.id
            WHERE c.merged_into_id IS NULL AND c.id <> %s AND t.depth < %s
        ),
        rev AS (
            SELECT o.customer_id, SUM(o.total) AS revenue FROM {ORDER_TABLE} o JOIN tree t ON o.customer_id = t.id
            WHERE o.status NOT IN ({_excluded_sql()}) GROUP BY o.customer_id
        ),
        kids AS (SELECT parent_id, COUNT(*) AS n FROM tree WHERE depth > 0 GROUP BY parent_id),
        leads AS (
            SELECT {lead_table}.referrer_customer_id AS customer_id, COUNT(*) AS n
            FROM {lead_table} JOIN tree t ON {lead_table}.referrer_customer_id = t.id
            WHERE {lead_table}.status <> %s AND {l_vis}
            GROUP BY {lead_table}.referrer_customer_id
        ),
        nodes AS (
            SELECT t.id, t.parent_id, t.depth, {CUSTOMER_TABLE}.display_name AS name, {CUSTOMER_TABLE}.tier AS tier,
                   {CUSTOMER_TABLE}.acquisition_source AS source, {CUSTOMER_TABLE}.created_at AS created_at,
                   CASE WHEN {c_vis} THEN 1 ELSE 0 END AS vis,
                   COALESCE(rev.revenue, 0) AS revenue, s.clv AS clv,
                   COALESCE(kids.n, 0) AS referred, COALESCE(leads.n, 0) AS open_leads
            FROM tree t JOIN {CUSTOMER_TABLE} ON {CUSTOMER_TABLE}.id = t.id
            LEFT JOIN rev ON rev.customer_id = t.id
            LEFT JOIN {score_table} s ON s.customer_id = t.id
            LEFT JOIN kids ON kids.parent_id = t.id
            LEFT JOIN leads ON leads.customer_id = t.id
        ),
        totals AS (
            SELECT nodes.*,
                   COUNT(*) OVER () AS n_all,
                   SUM(CASE WHEN depth > 0 THEN vis ELSE 0 END) OVER () AS n_visible,
                   MAX(depth) OVER () AS max_depth,
                   SUM(CASE WHEN depth > 0 AND vis = 1 THEN revenue ELSE 0 END) OVER () AS chain_revenue,
                   SUM(CASE WHEN depth > 0 AND vis = 1 THEN COALESCE(clv, 0) ELSE 0 END) OVER () AS chain_clv,
                   SUM(CASE WHEN vis = 1 THEN open_leads ELSE 0 END) OVER () AS chain_leads
            FROM nodes
        )
        SELECT id, parent_id, depth, name, tier, source, created_at, vis, revenue, clv, referred, open_leads,
               n_all, n_visible, max_depth, chain_revenue, chain_clv, chain_leads
        FROM totals WHERE depth <= %s ORDER BY depth, id LIMIT %s"""  # noqa: S608
    # placeholders in order: the root twice and the bound | leads: status, scope | nodes: scope | depth, limit
    params = [root.pk, root.pk, max_depth, CONVERTED, *l_params, *c_params, display_depth, limit]
    rows = _fetch(sql, params)
    return _assemble(rows, display_depth=display_depth)


def _assemble(rows: list[tuple], *, display_depth: int) -> Tree:
    nodes: dict[int, Node] = {}
    root = None
    for (pk, parent, depth, name, tier, source, created, vis, revenue, clv, referred, open_leads,
         *_totals) in rows:
        created = aware_datetime(created)
        node = Node(id=pk, depth=depth, visible=bool(vis), name=name, tier=tier or "", source=source or "",
                    created_at=created, revenue=money(revenue), clv=None if clv is None else money(clv),
                    referred=referred, open_leads=open_leads)
        nodes[pk] = node
        if depth == 0:
            root = node
        elif parent in nodes:
            nodes[parent].children.append(node)
    n_all, n_visible, max_depth, chain_revenue, chain_clv, chain_leads = rows[0][12:]
    shown = len(rows)
    for node in nodes.values():
        node.more_below = node.referred > len(node.children)
        if not node.visible:  # nothing about an invisible customer leaves this function
            node.id, node.name, node.tier, node.source, node.created_at = None, "", "", "", None
            node.revenue, node.clv, node.open_leads = Decimal("0.00"), None, 0
    return Tree(root=root, customers=int(n_visible or 0), hidden=int(n_all) - 1 - int(n_visible or 0),
                depth=int(max_depth or 0), revenue=money(chain_revenue), clv=money(chain_clv),
                open_leads=int(chain_leads or 0), shown=shown, truncated=shown < int(n_all))


def open_leads_of(user, customer_ids: list[int], *, limit: int = 200) -> dict[int, list[dict]]:
    """The open leads (not converted) that these customers introduced, as ``user`` may see them:
    the tree page lists them under their referrer. One query."""
    from kehu.sales.models import Lead

    rows = (Lead.objects.filter(lead_scope(user), referrer_customer_id__in=customer_ids)
            .exclude(status=Lead.Status.CONVERTED)
            .order_by("referrer_customer_id", "-created_at", "-id")
            .values("id", "name", "status", "referrer_customer_id", "created_at")[:limit])
    out: dict[int, list[dict]] = {}
    for row in rows:
        row["status_label"] = Lead.Status(row["status"]).label
        out.setdefault(row["referrer_customer_id"], []).append(row)
    return out


# --- the best introducers -----------------------------------------------------------------------

LEADER_SORTS = {"referred": "referred", "chain": "chain_new", "revenue": "chain_revenue", "clv": "chain_clv"}


def top_introducers(user, *, since: dt.datetime, until: dt.datetime, sort: str = "referred", limit: int = 20,
                    depth: int = LEADER_DEPTH) -> list[dict]:
    """The customers whose referral chains did best in [since, until): per introducer the customers
    they referred directly in the period, the chain's members who joined in the period and its
    size (``depth`` levels down), what the chain bought in the period and its CLV. Only customers
    the user may see are ranked, and only members they may see are counted. One statement."""
    order = LEADER_SORTS.get(sort, "referred")
    c_vis, c_params = _customer_visible_sql(user)
    _lead_table, score_table = _tables()
    sql = f"""
        WITH RECURSIVE up(member, ancestor, depth) AS (
            SELECT id, referred_by_id, 1 FROM {CUSTOMER_TABLE}
            WHERE referred_by_id IS NOT NULL AND merged_into_id IS NULL
            UNION ALL
            SELECT up.member, p.referred_by_id, up.depth + 1
            FROM up JOIN {CUSTOMER_TABLE} p ON p.id = up.ancestor
            WHERE p.referred_by_id IS NOT NULL AND p.referred_by_id <> up.member AND up.depth < %s
        ),
        rev AS (
            SELECT o.customer_id, SUM(o.total) AS revenue FROM {ORDER_TABLE} o
            WHERE o.status NOT IN ({_excluded_sql()}) AND o.ordered_at >= %s AND o.ordered_at < %s
              AND o.customer_id IN (SELECT id FROM {CUSTOMER_TABLE} WHERE referred_by_id IS NOT NULL)
            GROUP BY o.customer_id
        ),
        agg AS (
            SELECT up.ancestor AS id,
                   SUM(CASE WHEN up.depth = 1 AND {CUSTOMER_TABLE}.created_at >= %s
                            AND {CUSTOMER_TABLE}.created_at < %s THEN 1 ELSE 0 END) AS referred,
                   SUM(CASE WHEN {CUSTOMER_TABLE}.created_at >= %s AND {CUSTOMER_TABLE}.created_at < %s
                            THEN 1 ELSE 0 END) AS chain_new,
                   COUNT(*) AS chain_size,
                   SUM(COALESCE(rev.revenue, 0)) AS chain_revenue,
                   SUM(COALESCE(s.clv, 0)) AS chain_clv
            FROM up JOIN {CUSTOMER_TABLE} ON {CUSTOMER_TABLE}.id = up.member
            LEFT JOIN rev ON rev.customer_id = up.member
            LEFT JOIN {score_table} s ON s.customer_id = up.member
            WHERE {c_vis}
            GROUP BY up.ancestor
        )
        SELECT agg.id, {CUSTOMER_TABLE}.display_name, {CUSTOMER_TABLE}.tier, agg.referred, agg.chain_new,
               agg.chain_size, agg.chain_revenue, agg.chain_clv
        FROM agg JOIN {CUSTOMER_TABLE} ON {CUSTOMER_TABLE}.id = agg.id
        WHERE {CUSTOMER_TABLE}.merged_into_id IS NULL AND (agg.chain_new > 0 OR agg.chain_revenue > 0) AND {c_vis}
        ORDER BY agg.{order} DESC, agg.chain_revenue DESC, agg.id
        LIMIT %s"""  # noqa: S608
    params = [depth, since, until, since, until, since, until, *c_params, *c_params, limit]
    rows = _fetch(sql, params)
    return [{"id": pk, "name": name, "tier": tier or "", "referred": int(referred), "chain_new": int(chain_new),
             "chain_size": int(size), "chain_revenue": money(revenue), "chain_clv": money(clv)}
            for pk, name, tier, referred, chain_new, size, revenue, clv in rows]


# --- referral chains against the other sources ---------------------------------------------------

def source_comparison(user, *, since: dt.datetime, until: dt.datetime) -> dict:
    """Referral chains against the other sources, for leads and customers that arrived in the
    period: per lead source the leads, how many converted and the conversion rate; per acquisition
    source the new customers, their revenue and CLV per customer; and the two groups' totals
    (referral sources vs the rest). Four SQL aggregates, visibility applied to each."""
    from kehu.labels import pick
    from kehu.sales.models import Lead, LeadSource

    leads = (Lead.objects.filter(lead_scope(user), created_at__gte=since, created_at__lt=until)
             .values("source__code", "source__label_en", "source__label_zh_hans", "source__label_zh_hant")
             .annotate(n=Count("id"), converted=Count("id", filter=Q(status=Lead.Status.CONVERTED)))
             .order_by("source__code"))
    lead_rows = []
    for r in leads:
        code = r["source__code"]
        lead_rows.append({"code": code, "label": pick(r["source__label_en"], r["source__label_zh_hans"],
                                                      r["source__label_zh_hant"]),
                          "referral": code in REFERRAL_SOURCES, "leads": r["n"], "converted": r["converted"],
                          "conversion": percent(r["converted"], r["n"])})
    lead_rows.sort(key=lambda r: (not r["referral"], -(r["conversion"] or 0), r["code"]))

    customers = Customer.objects.filter(customer_scope(user), merged_into__isnull=True, created_at__gte=since,
                                        created_at__lt=until)
    counts = {r["acquisition_source"]: r for r in customers.values("acquisition_source")
              .annotate(n=Count("id"), clv=Sum("score__clv"))
              .order_by()}
    revenue = dict(Order.objects.filter(customer_scope_for(user, "customer__"), customer__merged_into__isnull=True,
                                        customer__created_at__gte=since, customer__created_at__lt=until)
                   .exclude(status__in=EXCLUDED_STATUSES).values("customer__acquisition_source")
                   .annotate(total=Sum("total")).order_by().values_list("customer__acquisition_source", "total"))
    labels = dict(Customer.Source.choices)
    source_labels = {s.customer_source: s.label() for s in LeadSource.objects.all()}
    customer_rows = []
    for code, r in counts.items():
        n, rev, clv = r["n"], money(revenue.get(code)), money(r["clv"])
        customer_rows.append({"code": code, "label": str(labels.get(code) or source_labels.get(code) or code or "—"),
                              "referral": code in REFERRAL_SOURCES, "customers": n,
                              "revenue": rev, "clv": clv, "revenue_per_customer": money(rev / n) if n else None,
                              "clv_per_customer": money(clv / n) if n else None})
    customer_rows.sort(key=lambda r: (not r["referral"], -(r["revenue_per_customer"] or 0), r["code"]))

    groups = {}
    for key, referral in (("referral", True), ("other", False)):
        lr = [r for r in lead_rows if r["referral"] is referral]
        cr = [r for r in customer_rows if r["referral"] is referral]
        n_leads, n_conv = sum(r["leads"] for r in lr), sum(r["converted"] for r in lr)
        n_cust = sum(r["customers"] for r in cr)
        rev, clv = sum((r["revenue"] for r in cr), Decimal("0.00")), sum((r["clv"] for r in cr), Decimal("0.00"))
        groups[key] = {"leads": n_leads, "converted": n_conv, "conversion": percent(n_conv, n_leads),
                       "customers": n_cust, "revenue": rev, "clv": clv,
                       "revenue_per_customer": money(rev / n_cust) if n_cust else None,
                       "clv_per_customer": money(clv / n_cust) if n_cust else None}
    return {"leads": lead_rows, "customers": customer_rows, "groups": groups}
