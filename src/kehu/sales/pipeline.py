"""Opportunities and their pipeline: creating one, changing it, moving it between stages (with the
version check and the stage history), winning (an order in the P series) and losing (with a reason).

``create_opportunity`` is also what lead conversion calls (``kehu.sales.leads``).

Every write here is one transaction that checks the actor's permission, locks the opportunity row
and compares the version the user saw (two people dragging the same card: the second is refused,
nothing is written twice), then writes the audit entry. A stage move writes one ``StageChange``
with the seconds spent in the stage it leaves: time in stage and the funnel come from there.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none, require
from kehu.accounts.models import TeamMembership
from kehu.customers.models import Customer
from kehu.customers.services import StaleVersion
from kehu.privacy import audit
from kehu.sales.access import VIEW_ALL_OPPORTUNITIES
from kehu.sales.models import (
    Competitor,
    LostReason,
    Opportunity,
    OpportunityLine,
    Pipeline,
    PipelineStage,
    StageChange,
)

OPPORTUNITY_FIELDS = ["name", "customer", "lead", "pipeline", "stage", "amount", "expected_close", "owner", "team",
                      "lost_reason", "lost_note", "description", "closed_at", "order"]
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# what update_opportunity may change; the stage only moves through move_stage / win
UPDATABLE = {"name", "customer", "amount", "expected_close", "owner", "description"}


class StaleOpportunity(StaleVersion):
    """Someone moved or changed the opportunity after this page was loaded; nothing was written."""

    def __init__(self, opportunity: Opportunity):
        self.opportunity = opportunity
        super().__init__(opportunity.version, _("“%(name)s” was changed by someone else meanwhile, now at “%(stage)s”. "
                           "Reload and try again.") % {"name": opportunity.name, "stage": opportunity.stage.label()})


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.active().first()
    if pipeline is None:
        raise ValidationError(_("There is no active sales pipeline: an administrator must set one up."))
    return pipeline


def first_stage(pipeline: Pipeline) -> PipelineStage:
    stage = pipeline.stages.filter(kind=PipelineStage.Kind.OPEN).order_by("position", "pk").first()
    if stage is None:
        raise ValidationError(_("The pipeline “%(pipeline)s” has no open stage.") % {"pipeline": pipeline.label()})
    return stage


def won_stage(pipeline: Pipeline) -> PipelineStage:
    stage = pipeline.stages.filter(kind=PipelineStage.Kind.WON).order_by("position", "pk").first()
    if stage is None:
        raise ValidationError(_("The pipeline “%(pipeline)s” has no won stage.") % {"pipeline": pipeline.label()})
    return stage


# --- who may own an opportunity -------------------------------------------------------------------

def eligible_owners():
    """Active users who may work opportunities at all (their role can change them)."""
    return get_user_model().objects.with_perm("sales.change_opportunity").order_by("username")


def assignable_owners(actor):
    """Whom ``actor`` may make the owner: anyone eligible for admins and those who see every
    opportunity; otherwise themselves and the people of their teams (a hand-over inside the team)."""
    qs = eligible_owners()
    if actor is None or actor.is_superuser or actor.has_perm(VIEW_ALL_OPPORTUNITIES):
        return qs
    my_teams = TeamMembership.objects.filter(user=actor).values("team_id")
    teammates = TeamMembership.objects.filter(team_id__in=my_teams).values("user_id")
    return qs.filter(Q(pk=actor.pk) | Q(pk__in=teammates))


def check_owner(actor, owner) -> None:
    if owner is not None and not assignable_owners(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": [_("%(user)s cannot own this opportunity: choose yourself or someone "
                                           "of your team who works the pipeline.") % {"user": owner.get_username()}]})


# --- amounts and lines ---------------------------------------------------------------------------

def money(value, field: str = "amount") -> Decimal:
    """A CNY amount: not negative, at most two decimals (never rounded silently)."""
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter an amount such as 12800 or 12800.50.")]}) from None
    if not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount such as 12800 or 12800.50.")]})
    if amount < 0:
        raise ValidationError({field: [_("The amount cannot be negative.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("Use at most two decimals (fen).")]})
    return amount.quantize(CENT)


def lines_total(lines) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def build_lines(lines) -> list[OpportunityLine]:
    """Unsaved lines from dicts of ``product`` (a Product or its id), ``quantity``, ``unit_price``
    (default: the product's price) and ``discount``; errors keyed ``lines.<i>.<field>``."""
    from kehu.orders.models import Product

    lines = list(lines or ())
    wanted = {line["product"].pk if isinstance(line.get("product"), Product) else line.get("product")
              for line in lines}
    products = Product.objects.in_bulk([p for p in wanted if p is not None])
    errors, built = {}, []
    for i, line in enumerate(lines):
        product = line.get("product")
        product = products.get(product.pk if isinstance(product, Product) else product)
        if product is None:
            errors[f"lines.{i}.product"] = [_("Unknown product.")]
            continue
        try:
            unit_price = product.price if line.get("unit_price") in (None, "") else money(line["unit_price"],
                                                                                            "unit_price")
            discount = money(line.get("discount") or 0, "discount")
        except ValidationError as exc:
            errors.update({f"lines.{i}.{k}": v for k, v in exc.message_dict.items()})
            continue
        built_line = OpportunityLine(product=product, quantity=line.get("quantity") or 1, unit_price=unit_price,
                                     discount=discount)
        try:
            built_line.full_clean(exclude=["opportunity"])
        except ValidationError as exc:
            errors.update({f"lines.{i}.{k}": v for k, v in exc.message_dict.items()})
            continue
        if built_line.amount < 0:
            errors[f"lines.{i}.discount"] = [_("The discount is larger than the line amount.")]
            continue
        built.append(built_line)
    if errors:
        raise ValidationError(errors)
    return built


def _line_snapshot(lines) -> list:
    return [[line.product_id, line.quantity, str(line.unit_price), str(line.discount)] for line in lines]


# --- creating and changing -------------------------------------------------------------------------

@transaction.atomic
def create_opportunity(actor, *, customer, name: str, amount: Decimal | int | str = 0, expected_close=None,
                       pipeline: Pipeline | None = None, stage: PipelineStage | None = None, owner=None, lead=None,
                       description: str = "", lines=()) -> Opportunity:
    """A new opportunity in ``pipeline`` (default: the default pipeline) at ``stage`` (default: its
    first open stage); ``lines`` are dicts of product, quantity, unit_price (default the product's
    price), discount. Without an amount, the amount is the lines' total. The first stage is
    recorded in the stage history."""
    require(actor, "sales.add_opportunity")
    pipeline = pipeline or (stage.pipeline if stage else default_pipeline())
    stage = stage or first_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    if not (name or "").strip():
        raise ValidationError({"name": [_("Give the opportunity a name.")]})
    if owner is not None and actor is not None and owner != actor:
        check_owner(actor, owner)
    built = build_lines(lines)
    amount = money(amount)
    if built and not amount:
        amount = lines_total(built)
    now = timezone.now()
    person = person_or_none(actor)
    opportunity = Opportunity(name=name.strip()[:200], customer=customer, lead=lead, pipeline=pipeline, stage=stage,
                              amount=amount, expected_close=expected_close,
                              owner=owner or person or customer.owner, team=customer.team, description=description,
                              stage_entered_at=now, created_by=person,
                              closed_at=now if stage.kind != PipelineStage.Kind.OPEN else None)
    opportunity.full_clean(exclude=["customer", "lead", "pipeline", "stage", "owner", "team", "order",
                                    "lost_reason", "created_by"])
    opportunity.save()
    for line in built:
        line.opportunity = opportunity
    OpportunityLine.objects.bulk_create(built)
    StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage, by=person, at=now)
    changes = audit.diff({}, audit.snapshot(opportunity, OPPORTUNITY_FIELDS))
    if built:
        changes["lines"] = [None, _line_snapshot(built)]
    audit.record(actor, "create", opportunity, customer_id=customer.pk, changes=changes)
    return opportunity


def _locked(opportunity: Opportunity | int, expected_version: int | None = None) -> Opportunity:
    # Lock the bare row first, then read it with its joins. Locking with the joins would go wrong on
    # PostgreSQL: a second mover waiting for the lock gets the row re-checked against the *old*
    # joined stage once the first commits a new stage_id, the join no longer matches and the row
    # vanishes (DoesNotExist instead of the stale message). ``of=("self",)`` keeps the lock off
    # the joined tables either way (PostgreSQL refuses FOR UPDATE on the nullable side of outer joins).
    pk = opportunity.pk if isinstance(opportunity, Opportunity) else opportunity
    list(Opportunity.objects.select_for_update(of=("self",)).filter(pk=pk).values_list("pk", flat=True))
    fresh = Opportunity.objects.select_related("customer", "pipeline", "stage", "owner", "lost_reason").get(pk=pk)
    if expected_version is not None and fresh.version != expected_version:
        raise StaleOpportunity(fresh)
    return fresh


def _touch(opportunity: Opportunity, fields) -> None:
    opportunity.version += 1
    opportunity.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def update_opportunity(actor, opportunity: Opportunity, *, expected_version: int, lines=None, competitors=None,
                       **changes) -> Opportunity:
    """Change name, customer, amount, expected close, owner, description; ``lines`` (dicts as in
    ``create_opportunity``) replace the lines, and without an ``amount`` the amount becomes their
    total; ``competitors`` (Competitor objects or ids) replace the competitors."""
    require(actor, "sales.change_opportunity")
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"unknown opportunity fields: {sorted(unknown)}")
    fresh = _locked(opportunity, expected_version)
    before = audit.snapshot(fresh, OPPORTUNITY_FIELDS)
    old_lines = _line_snapshot(fresh.lines.all()) if lines is not None else None
    if "name" in changes:
        if not (changes["name"] or "").strip():
            raise ValidationError({"name": [_("Give the opportunity a name.")]})
        changes["name"] = changes["name"].strip()[:200]
    if "owner" in changes and changes["owner"] != fresh.owner:
        check_owner(actor, changes["owner"])
    if "customer" in changes and changes["customer"].pk != fresh.customer_id:
        from kehu.customers.access import visible_customers

        if actor is not None and not visible_customers(actor).filter(pk=changes["customer"].pk).exists():
            raise ValidationError({"customer": [_("Unknown customer.")]})
        fresh.team = changes["customer"].team
    if changes.get("amount") is not None:
        changes["amount"] = money(changes["amount"])
    else:
        changes.pop("amount", None)
    built = build_lines(lines) if lines is not None else None
    if built and "amount" not in changes:
        changes["amount"] = lines_total(built)
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.full_clean(exclude=["customer", "lead", "pipeline", "stage", "owner", "team", "order", "lost_reason",
                              "created_by"])
    fields = [("customer_id" if n == "customer" else "owner_id" if n == "owner" else n) for n in changes]
    if "customer" in changes:
        fields.append("team_id")
    _touch(fresh, fields)
    delta = audit.diff(before, audit.snapshot(fresh, OPPORTUNITY_FIELDS))
    if built is not None:
        fresh.lines.all().delete()
        for line in built:
            line.opportunity = fresh
        OpportunityLine.objects.bulk_create(built)
        if _line_snapshot(built) != old_lines:
            delta["lines"] = [old_lines, _line_snapshot(built)]
    if competitors is not None:
        old = sorted(fresh.competitors.values_list("pk", flat=True))
        new = sorted({c.pk if isinstance(c, Competitor) else int(c) for c in competitors})
        if old != new:
            fresh.competitors.set(new)
            delta["competitors"] = [old, new]
    audit.record(actor, "update", fresh, customer_id=fresh.customer_id, changes=delta)
    return fresh


@transaction.atomic
def add_competitor(actor, name: str) -> Competitor:
    """A competitor by name (the existing one when the name is already there, in any case)."""
    name = (name or "").strip()[:200]
    if not name:
        raise ValidationError({"name": [_("Give the competitor's name.")]})
    existing = Competitor.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    require(actor, "sales.add_competitor")
    competitor = Competitor.objects.create(name=name)
    audit.record(actor, "create", competitor, changes={"name": [None, name]})
    return competitor


@transaction.atomic
def delete_opportunity(actor, opportunity: Opportunity) -> None:
    require(actor, "sales.delete_opportunity")
    audit.record(actor, "delete", opportunity, customer_id=opportunity.customer_id,
                 changes=audit.diff({}, audit.snapshot(opportunity, ["name", "amount", "stage", "owner"])))
    opportunity.delete()


# --- moving through the pipeline ----------------------------------------------------------------

@transaction.atomic
def move_stage(actor, opportunity: Opportunity, to_stage: PipelineStage, *, expected_version: int,
               lost_reason: LostReason | None = None, lost_note: str = "") -> Opportunity:
    """Move the opportunity to ``to_stage`` of its pipeline, if nobody changed it since
    ``expected_version``. A lost stage needs the reason; won and lost close it (``closed_at``), an
    open stage reopens it. Writes the StageChange with the time spent in the stage it leaves.
    Moving to the stage it is in changes nothing."""
    require(actor, "sales.change_opportunity")
    fresh = _locked(opportunity, expected_version)
    if to_stage.pipeline_id != fresh.pipeline_id:
        raise ValidationError({"to_stage": [_("This stage belongs to another pipeline.")]})
    if to_stage.pk == fresh.stage_id:
        return fresh
    lost = to_stage.kind == PipelineStage.Kind.LOST
    if lost and lost_reason is None:
        raise ValidationError({"lost_reason": [_("Say why the opportunity was lost.")]})
    if lost and not lost_reason.active:
        raise ValidationError({"lost_reason": [_("This reason is no longer in use.")]})
    now = timezone.now()
    before = audit.snapshot(fresh, ["stage", "closed_at", "lost_reason", "lost_note"])
    from_stage = fresh.stage
    seconds = max(0, int((now - fresh.stage_entered_at).total_seconds()))
    fresh.stage, fresh.stage_entered_at = to_stage, now
    fresh.closed_at = now if to_stage.kind != PipelineStage.Kind.OPEN else None
    fresh.lost_reason = lost_reason if lost else None
    fresh.lost_note = (lost_note or "").strip()[:500] if lost else ""
    _touch(fresh, ["stage", "stage_entered_at", "closed_at", "lost_reason", "lost_note"])
    StageChange.objects.create(opportunity=fresh, from_stage=from_stage, to_stage=to_stage, seconds_in_from=seconds,
                               by=person_or_none(actor), at=now)
    changes = audit.diff(before, audit.snapshot(fresh, ["stage", "closed_at", "lost_reason", "lost_note"]))
    audit.record(actor, "update", fresh, customer_id=fresh.customer_id, changes=changes)
    return fresh


@transaction.atomic
def win(actor, opportunity: Opportunity, *, expected_version: int, create_order: bool = False,
        ordered_at=None) -> Opportunity:
    """Move to the pipeline's won stage; with ``create_order`` also put the order in the customer's
    P series (its lines from the opportunity's lines, or one total when it has none) and link it."""
    require(actor, "sales.change_opportunity")
    if create_order:
        require(actor, "orders.add_order")
    stage = won_stage(opportunity.pipeline)
    fresh = move_stage(actor, opportunity, stage, expected_version=expected_version)
    if create_order:
        if fresh.order_id:
            raise ValidationError({"order": [_("This opportunity already has its order.")]})
        order = _create_order(actor, fresh, ordered_at or timezone.now())
        _first_purchase(actor, fresh.customer)
        fresh.order = order
        _touch(fresh, ["order"])
        audit.record(actor, "update", fresh, customer_id=fresh.customer_id, changes={"order": [None, order.pk]})
    return fresh


def _first_purchase(actor, customer: Customer) -> None:
    """A prospect whose deal is won has bought: they become a new customer (the lifecycle's next
    stage), audited like any other change of the customer record."""
    updated = Customer.objects.filter(pk=customer.pk, lifecycle_stage=Customer.Stage.PROSPECT).update(
        lifecycle_stage=Customer.Stage.NEW, version=F("version") + 1, updated_at=timezone.now())
    if updated:
        audit.record(actor, "update", customer, customer_id=customer.pk,
                     changes={"lifecycle_stage": [Customer.Stage.PROSPECT, Customer.Stage.NEW]})


def _create_order(actor, opportunity: Opportunity, ordered_at):
    from kehu.orders import services as orders
    from kehu.orders.models import Order

    lines = list(opportunity.lines.all())
    order = Order(customer=opportunity.customer, channel=Order.Channel.SALES_REP, status=Order.Status.PENDING)
    if lines:
        total = lines_total(lines)
        if total != opportunity.amount:
            raise ValidationError({"amount": [_("The amount (%(amount)s) is not the lines' total (%(total)s): correct "
                                                "one of them before creating the order.")
                                              % {"amount": opportunity.amount, "total": total}]})
        return orders.save_order(actor, order, ordered_at=ordered_at, lines=[
            {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price,
             "discount": line.discount} for line in lines])
    if not opportunity.amount:
        raise ValidationError({"amount": [_("Nothing to order: give the opportunity an amount or lines.")]})
    return orders.save_order(actor, order, ordered_at=ordered_at, total=opportunity.amount)


def stage_history(opportunity: Opportunity) -> list[StageChange]:
    """The moves, oldest first, each with ``seconds_in_to``: how long it stayed in the stage it
    entered (up to now for the current one)."""
    changes = list(opportunity.stage_changes.select_related("from_stage", "to_stage", "by").order_by("at", "pk"))
    now = timezone.now()
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        if following is not None:
            change.seconds_in_to = following.seconds_in_from
        elif opportunity.stage.kind == PipelineStage.Kind.OPEN:
            change.seconds_in_to = max(0, int((now - opportunity.stage_entered_at).total_seconds()))
        else:
            change.seconds_in_to = None  # closed: no clock runs in won / lost
        change.current = following is None
    return changes
