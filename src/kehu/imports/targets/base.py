"""What every import handler shares: the plan of a chunk and the checks over customer references."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kehu.imports.validate import Row, RowError

CREATE, UPDATE, DUPLICATE, SKIP = "create", "update", "duplicate", "skip"


@dataclass
class PlannedRow:
    row: Row
    action: str  # create, update, duplicate
    target_id: int | None = None  # the record to update, or the possible duplicate
    probability: float = 0.0
    reason: str = ""


@dataclass
class Plan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for p in self.rows if p.action == action)


class Handler:
    """Subclasses set ``unique_in_file`` and implement ``plan`` and ``apply``."""

    unique_in_file: tuple[str, ...] = ()

    def __init__(self, job, actor):
        self.job = job
        self.actor = actor

    def file_keys(self, row: Row) -> list[tuple[str, str]]:
        return [(k, str(row.data[k])) for k in self.unique_in_file if row.data.get(k) not in (None, "")]

    def plan(self, rows: list[Row]) -> Plan:
        raise NotImplementedError

    def apply(self, plan: Plan, changes) -> dict:
        raise NotImplementedError


def resolve_customers(rows: list[Row], errors: list[RowError]) -> dict[int, int]:
    """Row number → customer id from the row's customer reference fields (external id, phone,
    email, registration number, first that is given). Unknown references become errors."""
    from kehu.customers.models import ChannelIdentity, Customer

    lookups = {
        "customer_external_id": lambda vals: Customer.objects.filter(external_id__any=vals)
        .values_list("external_id", "id"),
        "customer_registration_number": lambda vals: Customer.objects.filter(registration_number__any=vals)
        .values_list("registration_number", "id"),
        "customer_phone": lambda vals: ChannelIdentity.objects.filter(channel="phone", normalized__any=vals)
        .values_list("normalized", "customer_id"),
        "customer_email": lambda vals: ChannelIdentity.objects.filter(channel="email", normalized__any=vals)
        .values_list("normalized", "customer_id"),
    }
    found: dict[str, dict] = {}
    for key, query in lookups.items():
        wanted = sorted({str(r.data[key]) for r in rows if r.data.get(key)})
        found[key] = dict(query(wanted)) if wanted else {}
    out = {}
    for row in rows:
        for key in lookups:
            value = row.data.get(key)
            if value:
                cid = found[key].get(str(value))
                if cid is None:
                    errors.append(RowError(row.number, key, str(value), _("no customer with this %(what)s")
                                           % {"what": key.removeprefix("customer_").replace("_", " ")}))
                else:
                    out[row.number] = cid
                break
        else:
            errors.append(RowError(row.number, "", "", _("the row names no customer")))
    return out
