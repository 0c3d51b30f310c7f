"""Merging two customers into one, and undoing it exactly.

A merge keeps one customer (the *survivor*) and hides the other (the *merged* customer, whose
``merged_into`` then points at the survivor). Nothing is deleted, so every merge can be undone
from its ``identity.Merge`` row.

How related rows follow the survivor
------------------------------------
There is no list of models to keep up to date. ``do_merge_customers`` walks every reverse
relation of ``Customer`` (``Customer._meta.get_fields(include_hidden=True)``): each many-to-one
foreign key of any installed model, including the hidden through tables of many-to-many fields
(e.g. the customer ↔ tag table). For each such key it moves the merged customer's rows to the
survivor with one bulk ``UPDATE … WHERE pk IN (…)`` and records the moved primary keys in
``Merge.moved`` as ``{"app_label.model:field": [pk, …]}``. An app added later is merged
automatically by declaring nothing. Left alone are:

- one-to-one relations (per-customer derived data such as ``MatchProfile`` or ``CustomerScore``,
  rebuilt for the survivor rather than moved);
- ``Customer.merged_into`` itself;
- models that declare the class attribute ``merge_policy = "keep"`` (match keys, the review
  queue, not-a-duplicate decisions, the merges themselves): their rows stay where they happened.
  The audit trail needs nothing: ``AuditEntry.customer_id`` is a plain integer, not a key.

Unique constraints never cost a row. For each constraint (``UniqueConstraint`` with ``fields``,
``unique_together`` or ``unique=True``) that includes the moving key, a row that would collide
with one the survivor already has is

- *conditional* constraint whose condition is a plain ``Q(flag=value)`` on a boolean (e.g. one
  primary contact per customer, one current consent per purpose and channel): the merged
  customer's row gets the opposite flag and moves; the old value goes to ``Merge.changed``
  (``{"app.model": {pk: {field: old}}}``). A model that declares ``merge_latest_by = "<field>"``
  keeps the flag on the newer of the two rows instead (the survivor's row is then the one that
  changes, also recorded);
- otherwise (same team shared twice, same tag on both): the row stays with the merged customer
  and is listed in ``Merge.conflicts``. It is still in the database, just hidden with its customer.

A model with a boolean ``is_primary`` field keeps one primary per customer: a moved primary row
loses the flag when the survivor already has one (per ``merge_primary_per`` fields if the model
declares them, e.g. one primary identity per channel), recorded in ``Merge.changed`` as well.
Constraints written as expressions are not inspected.

``unmerge`` restores the survivor's chosen fields, moves back every recorded row that still points
at the survivor, restores the recorded values and shows the merged customer again.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.fields.related import ForeignKey
from django.db.models.fields.reverse_related import ManyToOneRel, OneToOneRel
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kehu.customers import services
from kehu.customers.models import Customer
from kehu.identity import profiles
from kehu.identity.models import DuplicateCandidate, Merge
from kehu.privacy import audit

MERGE_PERMISSION = "identity.merge_customers"
MERGE_FIELDS = list(services.CUSTOMER_FIELDS)
SURVIVOR, MERGED, COMBINED = "survivor", "merged", "combined"
KEEP = "keep"
# Stored untranslated in Merge.conflicts; shown through gettext.
CONFLICT_REASON = gettext_noop("duplicate of a row the kept customer already has")
_CHUNK = 2000


# --- Field survivorship -------------------------------------------------------------------

def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _attname(name: str) -> str:
    return Customer._meta.get_field(name).attname


def default_field_choices(survivor: Customer, merged: Customer) -> dict[str, str]:
    """Per field, whose value the merged customer keeps: the survivor's, unless it is empty and
    the merged one is not; when both differ, the value of the record updated last. Custom fields
    are combined key by key (the survivor's keys win)."""
    merged_newer = bool(survivor.updated_at and merged.updated_at
                        and merged.updated_at > survivor.updated_at)
    choices = {}
    for name in MERGE_FIELDS:
        if name == "custom_fields":
            choices[name] = COMBINED
            continue
        mine, theirs = getattr(survivor, _attname(name)), getattr(merged, _attname(name))
        if _empty(theirs) or mine == theirs:
            choices[name] = SURVIVOR
        elif _empty(mine) or merged_newer:
            choices[name] = MERGED
        else:
            choices[name] = SURVIVOR
    return choices


def _resolve_choices(survivor, merged, field_choices) -> dict[str, str]:
    choices = default_field_choices(survivor, merged)
    errors = {}
    for name, choice in (field_choices or {}).items():
        allowed = (SURVIVOR, MERGED, COMBINED) if name == "custom_fields" else (SURVIVOR, MERGED)
        if name not in MERGE_FIELDS:
            errors[name] = [_("This field cannot be chosen in a merge.")]
        elif choice not in allowed:
            errors[name] = [_("Choose the kept customer's value or the merged customer's value.")]
        else:
            choices[name] = choice
    if errors:
        raise ValidationError(errors)
    return choices


# --- Planning the moves ---------------------------------------------------------------------

@dataclass
class _Relation:
    model: type[models.Model]
    fk: ForeignKey

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def key(self) -> str:
        return f"{self.label}:{self.fk.name}"

    def value_for(self, customer) -> object:
        return getattr(customer, self.fk.target_field.attname)


@dataclass
class _Plan:
    relation: _Relation
    moving: list = field(default_factory=list)  # pks to move to the survivor
    changes: dict = field(default_factory=dict)  # pk → {attname: [old, new]} (either customer's rows)
    conflicts: list = field(default_factory=list)  # pks left with the merged customer


def _relations() -> list[_Relation]:
    """Every many-to-one key pointing at Customer whose rows follow a merge."""
    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ManyToOneRel) or isinstance(rel, OneToOneRel):
            continue
        fk, model = rel.field, rel.related_model
        if not isinstance(fk, ForeignKey) or fk.one_to_one:
            continue
        if model is Customer and fk.name == "merged_into":
            continue
        if getattr(model, "merge_policy", None) == KEEP or model._meta.proxy:
            continue
        found.append(_Relation(model, fk))
    return sorted(found, key=lambda r: r.key)


def _simple_condition(model, condition: Q) -> dict | None:
    """``{attname: value}`` for a condition that is an AND of ``field=value`` terms, else None."""
    if condition.negated or condition.connector != Q.AND:
        return None
    terms = {}
    for child in condition.children:
        if not isinstance(child, tuple):
            return None
        lookup, value = child
        name = lookup.removesuffix("__exact")
        if "__" in name:
            return None
        try:
            terms[model._meta.get_field(name).attname] = value
        except FieldDoesNotExist:
            return None
    return terms


def _unique_sets(model, fk):
    """(other attnames, condition, nulls distinct) of each unique rule that includes ``fk``."""
    sets = []
    if fk.unique:
        sets.append(((), None, True))
    for fields in model._meta.unique_together:
        if fk.name in fields:
            sets.append((tuple(model._meta.get_field(f).attname for f in fields if f != fk.name),
                         None, True))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk.name in (constraint.fields or ()):
            others = tuple(model._meta.get_field(f).attname for f in constraint.fields if f != fk.name)
            sets.append((others, constraint.condition, constraint.nulls_distinct is not False))
    return sets


def _primary_field(model):
    try:
        flag = model._meta.get_field("is_primary")
    except FieldDoesNotExist:
        return None
    return flag if isinstance(flag, models.BooleanField) else None


def _note(plan: _Plan, row: dict, attname: str, new) -> None:
    entry = plan.changes.setdefault(row["pk"], {}).setdefault(attname, [row[attname], new])
    entry[1] = new
    row[attname] = new


def _older(row: dict, other: dict, latest_by: str | None) -> bool:
    """Is ``row`` (merged customer's) older than ``other`` (survivor's) by ``latest_by``?"""
    if not latest_by:
        return True
    mine, theirs = row[latest_by], other[latest_by]
    if mine is None or theirs is None:
        return mine is None
    return mine <= theirs


def _plan(rel: _Relation, survivor, merged) -> _Plan:
    model, fk = rel.model, rel.fk
    manager = model._base_manager
    plan = _Plan(rel)
    rules = _unique_sets(model, fk)
    primary = _primary_field(model)
    if not rules and primary is None:
        plan.moving = list(manager.filter(**{fk.attname: rel.value_for(merged)})
                           .order_by("pk").values_list("pk", flat=True))
        return plan

    attnames = ["pk"] + [f.attname for f in model._meta.concrete_fields]
    moving = list(manager.filter(**{fk.attname: rel.value_for(merged)}).order_by("pk").values(*attnames))
    kept = list(manager.filter(**{fk.attname: rel.value_for(survivor)}).order_by("pk").values(*attnames))
    conflicts = set()
    latest_by = getattr(model, "merge_latest_by", None)
    latest_by = model._meta.get_field(latest_by).attname if latest_by else None

    for others, condition, nulls_distinct in rules:
        simple = _simple_condition(model, condition) if condition is not None else {}
        if simple is None:  # a condition we cannot evaluate in Python: ask the database
            pks = [r["pk"] for r in moving + kept]
            matching = set(manager.filter(pk__in=pks).filter(condition).values_list("pk", flat=True))

            def matches(row, matching=matching):
                return row["pk"] in matching
        else:
            def matches(row, simple=simple):
                return all(row[a] == v for a, v in simple.items())
        flippable = [(a, not v) for a, v in (simple or {}).items()
                     if isinstance(v, bool) and isinstance(model._meta.get_field(a), models.BooleanField)]
        taken = {tuple(r[a] for a in others): r for r in kept if matches(r)}
        for row in moving:
            if row["pk"] in conflicts or not matches(row):
                continue
            values = tuple(row[a] for a in others)
            if nulls_distinct and any(v is None for v in values):
                continue
            other = taken.get(values)
            if other is None:
                continue
            if condition is None or not flippable:
                conflicts.add(row["pk"])
                continue
            attname, new = flippable[0]
            if _older(row, other, latest_by):
                _note(plan, row, attname, new)
            else:
                _note(plan, other, attname, new)
                taken[values] = row

    if primary is not None:
        per = getattr(model, "merge_primary_per", ())
        per = tuple(model._meta.get_field(f).attname for f in per)
        flag = primary.attname
        has_primary = {tuple(r[a] for a in per) for r in kept if r[flag]}
        for row in moving:
            if row["pk"] not in conflicts and row[flag] and tuple(row[a] for a in per) in has_primary:
                _note(plan, row, flag, False)

    plan.moving = [r["pk"] for r in moving if r["pk"] not in conflicts]
    plan.conflicts = sorted(conflicts)
    return plan


def _chunks(pks):
    for i in range(0, len(pks), _CHUNK):
        yield pks[i:i + _CHUNK]


def _json(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


def merge_preview(survivor: Customer, merged: Customer) -> dict:
    """What a merge would do, for the merge page: rows moving per related model (by
    ``verbose_name_plural``) and the rows that would stay behind as conflicts."""
    moves: dict[str, int] = {}
    conflicts = []
    for rel in _relations():
        plan = _plan(rel, survivor, merged)
        if plan.moving:
            name = str(rel.model._meta.verbose_name_plural)
            moves[name] = moves.get(name, 0) + len(plan.moving)
        conflicts += [{"model": rel.label, "name": str(rel.model._meta.verbose_name), "pk": pk,
                       "reason": _(CONFLICT_REASON)} for pk in plan.conflicts]
    return {"moves": moves, "conflicts": conflicts}


# --- Merge and unmerge ----------------------------------------------------------------------

def _check_permission(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied
    if not (actor.is_superuser or actor.has_perm(MERGE_PERMISSION)):
        raise PermissionDenied


def _lock(*pks) -> dict[int, Customer]:
    rows = Customer.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {c.pk: c for c in rows}


def _existing(model_field, value):
    """``value`` for a field, or None for a foreign key whose target has been deleted since."""
    if value is None or not model_field.is_relation:
        return value
    target = model_field.related_model._base_manager.filter(
        **{model_field.target_field.attname: value})
    return value if target.exists() else None


def _break_referral_loop(survivor: Customer, changed: dict) -> bool:
    """The merged customer's referrals now point at the survivor (``Customer.referred_by`` is one
    of the moved keys). If the survivor itself was referred by the merged customer, or by someone
    the merged customer referred, it would now refer itself or close a loop: clear its referrer,
    recording the original in ``changed`` so an undo puts it back."""
    from kehu.sales.referrals import would_cycle  # the referral graph's rules live with its reports

    original = survivor.referred_by_id  # as locked, before the moves
    current = Customer.objects.filter(pk=survivor.pk).values_list("referred_by_id", flat=True).get()
    if current is not None and would_cycle(survivor.pk, current):
        Customer.objects.filter(pk=survivor.pk).update(referred_by=None)
        changed.setdefault(Customer._meta.label_lower, {}).setdefault(str(survivor.pk), {})[
            "referred_by_id"] = original
        return True
    return False


@transaction.atomic
def do_merge_customers(actor, survivor: Customer, merged: Customer, *, field_choices=None,
                       expected_versions=None) -> Merge:
    """Merge ``merged`` into ``survivor`` (see the module docstring); returns the Merge row."""
    _check_permission(actor)
    if survivor.pk == merged.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    locked = _lock(survivor.pk, merged.pk)
    if len(locked) != 2:
        raise ValidationError(_("One of the two customers no longer exists."))
    s, m = locked[survivor.pk], locked[merged.pk]
    if s.merged_into_id is not None or m.merged_into_id is not None:
        raise ValidationError(_("One of the two customers has already been merged into another "
                                "customer."))
    for customer in (s, m):
        expected = (expected_versions or {}).get(customer.pk,
                                                 (expected_versions or {}).get(str(customer.pk)))
        if expected is not None and int(expected) != customer.version:
            raise services.StaleVersion(customer.version)

    # 1. The survivor's fields.
    choices = _resolve_choices(s, m, field_choices)
    before = audit.snapshot(s, MERGE_FIELDS)
    for name in MERGE_FIELDS:
        if name == "custom_fields":
            if choices[name] == COMBINED:
                s.custom_fields = {**(m.custom_fields or {}), **(s.custom_fields or {})}
            elif choices[name] == MERGED:
                s.custom_fields = dict(m.custom_fields or {})
        elif choices[name] == MERGED:
            setattr(s, _attname(name), getattr(m, _attname(name)))
    services._clean_customer(s)
    delta = audit.diff(before, audit.snapshot(s, MERGE_FIELDS))
    now = timezone.now()
    Customer.objects.filter(pk=s.pk).update(
        version=F("version") + 1, updated_at=now,
        **{_attname(name): getattr(s, _attname(name)) for name in MERGE_FIELDS})

    # 2. Every related row, through the one generic mechanism.
    moved, changed, conflicts = {}, {}, []
    for rel in _relations():
        plan = _plan(rel, s, m)
        manager = rel.model._base_manager
        for pk, values in plan.changes.items():
            manager.filter(pk=pk).update(**{a: new for a, (_old, new) in values.items()})
            rows = changed.setdefault(rel.label, {})
            for a, (old, _new) in values.items():
                rows.setdefault(str(pk), {}).setdefault(a, _json(old))
        for chunk in _chunks(plan.moving):
            manager.filter(pk__in=chunk).update(**{rel.fk.attname: rel.value_for(s)})
        if plan.moving:
            moved[rel.key] = list(plan.moving)
        conflicts += [{"model": rel.label, "pk": pk, "reason": CONFLICT_REASON}
                      for pk in plan.conflicts]
    if _break_referral_loop(s, changed):
        delta["referred_by"] = [s.referred_by_id, None]

    # 3. The merged customer: hidden, pointing at the survivor.
    Customer.objects.filter(pk=m.pk).update(merged_into=s, version=F("version") + 1, updated_at=now)
    open_pairs = DuplicateCandidate.objects.filter(
        Q(customer_a=m) | Q(customer_b=m), status=DuplicateCandidate.Status.OPEN)
    label = DuplicateCandidate._meta.label_lower
    for pk, decided_by_id, decided_at in open_pairs.values_list("pk", "decided_by_id", "decided_at"):
        changed.setdefault(label, {})[str(pk)] = {
            "status": DuplicateCandidate.Status.OPEN, "decided_by_id": decided_by_id,
            "decided_at": _json(decided_at)}
    by = actor if actor.is_authenticated else None
    open_pairs.update(status=DuplicateCandidate.Status.MERGED, decided_by=by, decided_at=now)

    merge = Merge.objects.create(survivor=s, merged=m, actor=by, field_choices=choices,
                                 survivor_before=before, moved=moved, changed=changed,
                                 conflicts=conflicts)
    audit.record(actor, "merge", s, customer_id=s.pk,
                 changes={"merged": [None, m.pk], "merge": [None, merge.pk], **delta})
    audit.record(actor, "merge", m, customer_id=m.pk, changes={"merged_into": [None, s.pk]})
    profiles.refresh([s.pk])
    profiles.remove([m.pk])
    return merge


@transaction.atomic
def unmerge(actor, merge: Merge) -> None:
    """Undo ``merge``: the merged customer comes back with the rows it had."""
    _check_permission(actor)
    given, merge = merge, Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    locked = _lock(merge.survivor_id, merge.merged_id)
    s, m = locked[merge.survivor_id], locked[merge.merged_id]
    if s.merged_into_id is not None:
        raise ValidationError(_("The kept customer has since been merged into another customer. "
                                "Undo that later merge first."))
    if m.merged_into_id != s.pk:
        raise ValidationError(_("The merged customer no longer points at the kept customer, so "
                                "this merge cannot be undone."))

    # 1. Rows back to the merged customer (only those still at the survivor).
    for key, pks in merge.moved.items():
        label, field_name = key.rsplit(":", 1)
        model = apps.get_model(label)
        fk = model._meta.get_field(field_name)
        rel = _Relation(model, fk)
        for chunk in _chunks(pks):
            model._base_manager.filter(pk__in=chunk, **{fk.attname: rel.value_for(s)}).update(
                **{fk.attname: rel.value_for(m)})

    # 2. The values the merge changed (flags, review queue). A value that can no longer be put
    #    back (someone has since taken its unique slot) stays as it is and is noted in the audit.
    not_restored = []
    for label, rows in merge.changed.items():
        model = apps.get_model(label)
        for pk, values in rows.items():
            restore = {}
            for attname, old in values.items():
                model_field = model._meta.get_field(attname)
                restore[attname] = _existing(model_field, model_field.to_python(old))
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**restore)
            except IntegrityError:
                not_restored.append({"model": label, "pk": int(pk)})

    # 3. The survivor's fields the merge took from the other record.
    before = audit.snapshot(s, MERGE_FIELDS)
    restore = {}
    for name in MERGE_FIELDS:
        if merge.field_choices.get(name, SURVIVOR) == SURVIVOR or name not in merge.survivor_before:
            continue
        model_field = Customer._meta.get_field(name)
        value = _existing(model_field, model_field.to_python(merge.survivor_before[name]))
        restore[model_field.attname] = value
        setattr(s, model_field.attname, value)
    now = timezone.now()
    Customer.objects.filter(pk=s.pk).update(version=F("version") + 1, updated_at=now, **restore)
    delta = audit.diff(before, audit.snapshot(s, MERGE_FIELDS))
    Customer.objects.filter(pk=m.pk).update(merged_into=None, version=F("version") + 1, updated_at=now)

    merge.undone_at = now
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    given.undone_at, given.undone_by = merge.undone_at, merge.undone_by
    survivor_changes = {"merged": [m.pk, None], **delta}
    if not_restored:
        survivor_changes["not_restored"] = [None, not_restored]
    audit.record(actor, "unmerge", s, customer_id=s.pk, changes=survivor_changes)
    audit.record(actor, "unmerge", m, customer_id=m.pk, changes={"merged_into": [s.pk, None]})
    profiles.refresh([s.pk, m.pk])
