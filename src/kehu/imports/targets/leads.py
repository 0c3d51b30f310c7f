"""Leads (``kehu import leads FILE``, the wizard's "Leads"): a trade-show list, a bought list, a
spreadsheet from the old system.

Lead files are small (hundreds to tens of thousands of rows), so this handler works row by row on
``Chunk.rows`` but writes a chunk in bulk: the rows are checked by the same rules as the lead form
(``kehu.sales.leads``: normalised phone and email, the source, the referrer a referral needs and
the importer may see, the owner), then the leads and their audit entries go in with one
``bulk_create`` each. A row's source may be its code, its label in English or Chinese ("连锁介绍",
"Chain referral", "referral") or a common name for it (展会, 转介绍, KOL: ``SOURCE_ALIASES``); a referral's referrer is named by the customer's phone or email.
The same phone or email twice in one file is reported on the second row. Possible duplicates of
existing leads and customers are not refused: the lead page shows them.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none
from kehu.customers.access import customer_scope_for
from kehu.customers.models import ChannelIdentity
from kehu.identity.names import to_simplified
from kehu.imports.targets.base import CREATE, Handler, Plan, PlannedRow
from kehu.imports.validate import RowError
from kehu.privacy.models import AuditEntry
from kehu.sales import leads as rules
from kehu.sales.defaults import SOURCE_ALIASES
from kehu.sales.models import Lead, LeadSource

TEXT = ("company", "job_title", "wechat", "region", "campaign", "notes")


def _fold(text: str) -> str:
    return " ".join(to_simplified(unicodedata.normalize("NFKC", text or "")).casefold().split())


class LeadImport(Handler):
    unique_in_file = ("phone", "email")

    def __init__(self, job, actor):
        super().__init__(job, actor)
        self.users = {}
        for uid, username, email in rules.assignable_owners().values_list("id", "username", "email"):
            self.users[username.lower()] = uid
            if email:
                self.users.setdefault(email.lower(), uid)
        self.sources: dict[str, LeadSource] = {}
        active = list(LeadSource.objects.filter(active=True).order_by("-position"))  # earlier ones win a clash
        by_code = {source.code: source for source in active}
        for code, aliases in SOURCE_ALIASES.items():  # first, so a real code or label wins
            if code in by_code:
                self.sources.update({_fold(alias): by_code[code] for alias in aliases})
        for source in active:
            for name in (source.code, source.label_en, source.label_zh_hans, source.label_zh_hant):
                if name:
                    self.sources[_fold(name)] = source
        self.teams: dict[int | None, int | None] = {None: None}
        # problems name the file's column, as the parser's do
        self.header_of = {key: header for header, key in (job.mapping or {}).items() if key}

    def _team(self, owner_id):
        if owner_id not in self.teams:
            self.teams[owner_id] = rules.owners_team_id(owner_id)
        return self.teams[owner_id]

    def _referrers(self, rows) -> dict[tuple[str, str], int]:
        """(channel, value) → customer id for the referrers named in the chunk, among the
        customers the importer may see."""
        wanted = {("phone", r.data["referrer_phone"]) for r in rows if r.data.get("referrer_phone")}
        wanted |= {("email", r.data["referrer_email"]) for r in rows if r.data.get("referrer_email")}
        if not wanted:
            return {}
        found = {}
        scope = customer_scope_for(self.actor, "customer__") if self.actor is not None else Q()
        for channel in ("phone", "email"):
            values = sorted(v for c, v in wanted if c == channel)
            if not values:
                continue
            visible = (ChannelIdentity.objects.filter(scope, channel=channel, normalized__any=values,
                                                      customer__merged_into__isnull=True)
                       .values_list("normalized", "customer_id"))
            found.update({(channel, value): cid for value, cid in visible})
        return found

    def plan(self, chunk) -> Plan:
        rows = chunk.rows
        referrers = self._referrers(rows)
        errors: list[RowError] = []
        planned = []
        for row in rows:
            problems, lead = self._lead(row, referrers)
            if problems:
                errors.extend(problems)
            else:
                row.data["_lead"] = lead
                planned.append(PlannedRow(row, CREATE))
        return Plan.of(planned, errors)

    def _lead(self, row, referrers) -> tuple[list[RowError], Lead | None]:
        d = row.data
        problems = []

        def problem(key, reason):
            value = d.get(key)
            problems.append(RowError(row.number, self.header_of.get(key, key), "" if value is None else str(value),
                                     reason))

        source = self.sources.get(_fold(d.get("source") or ""))
        if source is None:
            problem("source", _("no lead source with this code or name"))
        owner_id = None
        if d.get("owner"):
            owner_id = self.users.get(str(d["owner"]).lower())
            if owner_id is None:
                problem("owner", _("no user with this name or email"))
        elif person_or_none(self.actor) is not None:
            owner_id = self.actor.pk
        referrer_id = None
        for key, channel in (("referrer_phone", "phone"), ("referrer_email", "email")):
            if d.get(key) and referrer_id is None:
                referrer_id = referrers.get((channel, d[key]))
                if referrer_id is None:
                    problem(key, _("no customer you can see has this %(what)s") % {"what": channel})
        if source is not None and source.needs_referrer and referrer_id is None and not problems:
            problem("source", _("a referral: give the referrer's phone or email"))
        if problems:
            return problems, None
        lead = Lead(name=d["name"], phone=d.get("phone") or "", email=d.get("email") or "", source=source,
                    referrer_customer_id=referrer_id, owner_id=owner_id, team_id=self._team(owner_id),
                    created_by=person_or_none(self.actor),
                    **{k: d.get(k) or "" for k in TEXT})
        fields = rules.normalise_contact(lead)
        lead.name = rules.clean_text(lead.name)
        for key, messages in fields.items():
            problem(key, " ".join(messages))
        for key, limit in rules.TEXT_LIMITS.items():
            if len(getattr(lead, key) or "") > limit and key not in fields:
                problem(key, _("longer than %(max)s characters (%(length)s)") % {
                    "max": limit, "length": len(getattr(lead, key))})
        return problems, (None if problems else lead)

    def apply(self, plan, changes) -> dict:
        new = [p.row.data["_lead"] for p in plan.planned]
        Lead.objects.bulk_create(new)
        changes.created(Lead, [lead.pk for lead in new])
        actor = person_or_none(self.actor)
        AuditEntry.objects.bulk_create([
            AuditEntry(actor=actor, action="create", object_type="sales.lead", object_id=str(lead.pk),
                       object_repr=str(lead)[:200], changes={
                           **rules.audit_snapshot(lead), "import": [None, self.job.pk]})
            for lead in new])
        return {"created": len(new)}
