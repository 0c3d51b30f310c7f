"""Opportunities and their pipeline: creating one, moving it between stages (with the version
check and the stage history), winning (an order in the P series) and losing (with a reason).

``create_opportunity`` is also what lead conversion calls (``kehu.sales.leads``)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.privacy import audit
from kehu.sales.models import Opportunity, OpportunityLine, Pipeline, PipelineStage, StageChange

OPPORTUNITY_FIELDS = ["name", "customer", "lead", "pipeline", "stage", "amount", "expected_close", "owner", "team",
                      "lost_reason", "lost_note", "description", "closed_at", "order"]


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(active=True).order_by("-is_default", "position", "pk").first()
    if pipeline is None:
        raise ValidationError(_("There is no active sales pipeline: an administrator must set one up."))
    return pipeline


def first_stage(pipeline: Pipeline) -> PipelineStage:
    stage = pipeline.stages.filter(kind=PipelineStage.Kind.OPEN).order_by("position", "pk").first()
    if stage is None:
        raise ValidationError(_("The pipeline “%(pipeline)s” has no open stage.") % {"pipeline": pipeline.label()})
    return stage


@transaction.atomic
def create_opportunity(actor, *, customer, name: str, amount: Decimal | int | str = 0, expected_close=None,
                       pipeline: Pipeline | None = None, stage: PipelineStage | None = None, owner=None, lead=None,
                       description: str = "", lines=()) -> Opportunity:
    """A new opportunity in ``pipeline`` (default: the default pipeline) at ``stage`` (default: its
    first open stage); ``lines`` are dicts of product, quantity, unit_price, discount. The first
    stage is recorded in the stage history."""
    if actor is not None and not actor.has_perm("sales.add_opportunity"):
        raise PermissionDenied
    pipeline = pipeline or (stage.pipeline if stage else default_pipeline())
    stage = stage or first_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    if not (name or "").strip():
        raise ValidationError({"name": [_("Give the opportunity a name.")]})
    now = timezone.now()
    person = actor if actor is not None and actor.is_authenticated else None
    opportunity = Opportunity(name=name.strip()[:200], customer=customer, lead=lead, pipeline=pipeline, stage=stage,
                              amount=Decimal(str(amount or 0)), expected_close=expected_close,
                              owner=owner or person or customer.owner, team=customer.team, description=description,
                              stage_entered_at=now, created_by=person,
                              closed_at=now if stage.kind != PipelineStage.Kind.OPEN else None)
    opportunity.full_clean(exclude=["customer", "lead", "pipeline", "stage", "owner", "team", "order",
                                    "lost_reason", "created_by"])
    opportunity.save()
    OpportunityLine.objects.bulk_create([OpportunityLine(opportunity=opportunity, **line) for line in lines])
    StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage, by=person, at=now)
    audit.record(actor, "create", opportunity, customer_id=customer.pk,
                 changes=audit.diff({}, audit.snapshot(opportunity, OPPORTUNITY_FIELDS)))
    return opportunity
