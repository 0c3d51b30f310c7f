"""The case workflow: opening, answering, the four complaint steps, follow-ups, closing.

Every write is one transaction, checks the step's required data (a clear message naming what is
missing), records the stage history and an audit entry. A stage move carries the version the
user saw: a case moved meanwhile by someone else is not moved twice (kanban drags race).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none, require
from kehu.privacy import audit
from kehu.service import routing, sla
from kehu.service.models import (
    COMPLAINT_STAGES,
    Case,
    CaseCategory,
    CaseMessage,
    FollowUp,
    Proposal,
    StageChange,
)


class StaleCase(Exception):
    """Someone moved or changed the case after this page was loaded; nothing was written."""

    def __init__(self, case: Case):
        self.case = case
        super().__init__(_("Case %(reference)s was changed by someone else meanwhile (it is now at “%(stage)s”). "
                           "Reload it and try again.") % {"reference": case.reference,
                                                          "stage": case.get_stage_display()})


def _locked(case: Case, expected_version: int | None = None) -> Case:
    # ``of=("self",)``: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins.
    fresh = (Case.objects.select_for_update(of=("self",)).select_related("customer", "category")
             .get(pk=case.pk))
    if expected_version is not None and fresh.version != expected_version:
        raise StaleCase(fresh)
    return fresh


def _touch(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


# --- opening -------------------------------------------------------------------------------------

@transaction.atomic
def open_case(actor, *, kind: str, category: CaseCategory, channel: str, subject: str, words: str = "",
              severity: str = Case.Severity.NORMAL, customer=None, contact_name: str = "", contact_phone: str = "",
              contact_email: str = "", orders=(), owner=None, team=None, message_id: str | None = None,
              from_address: str = "") -> Case:
    """A new case; routed to an agent of the category's team unless ``owner`` is given. ``actor``
    is None for the public form and the mailbox (the customer opened it)."""
    require(actor, "service.add_case")
    errors = {}
    if not subject.strip():
        errors["subject"] = [_("Say in a few words what the case is about.")]
    if customer is None and not (contact_phone or contact_email or contact_name):
        errors["customer"] = [_("Choose the customer, or give the contact's name, phone or email.")]
    if not category.active:
        errors["category"] = [_("This category is no longer in use.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    case = Case(kind=kind, category=category, channel=channel, severity=severity, subject=subject.strip()[:200],
                customer=customer, contact_name=contact_name[:120], contact_phone=contact_phone[:32],
                contact_email=contact_email, customer_words=words.strip() if kind == Case.Kind.COMPLAINT else "",
                stage=Case.Stage.LISTEN if kind == Case.Kind.COMPLAINT else Case.Stage.OPEN,
                public_token=secrets.token_urlsafe(32), created_by=actor if person_or_none(actor) else None,
                reference=f"new-{secrets.token_hex(8)}")
    if owner is None and team is None:
        owner, team = routing.assign(category)
    case.owner, case.team = owner, team
    case.created_at = now
    sla.apply_policy(case, since=now)
    case.save()
    case.reference = f"C-{timezone.localtime(now):%Y}-{case.pk:06d}"
    case.save(update_fields=["reference"])
    if orders:
        case.orders.set(orders)
    if words.strip():
        CaseMessage.objects.create(case=case, direction=CaseMessage.Direction.INBOUND, channel=channel,
                                   body=words.strip(), sent_at=now, message_id=message_id,
                                   from_address=from_address[:254])
    StageChange.objects.create(case=case, from_stage="", to_stage=case.stage, by=person_or_none(actor), at=now)
    audit.record(actor, "create", case, customer_id=case.customer_id,
                 changes={"kind": [None, kind], "category": [None, category.code], "channel": [None, channel]})
    return case


# --- talking with the customer -------------------------------------------------------------------

def reply_address(case: Case) -> str:
    if case.customer_id:
        email = case.customer.identities.filter(channel="email").order_by("-is_primary", "pk").values_list(
            "normalized", flat=True).first()
        if email:
            return email
    return case.contact_email


@transaction.atomic
def reply(actor, case: Case, body: str, *, send_email: bool = True) -> CaseMessage:
    """Our answer to the customer (by email when they have an address). The first answer is the
    first response the SLA measures."""
    require(actor, "service.change_case")
    if not body.strip():
        raise ValidationError({"body": [_("Write the reply.")]})
    case = _locked(case)
    now = timezone.now()
    to = reply_address(case) if send_email else ""
    message = CaseMessage.objects.create(
        case=case, direction=CaseMessage.Direction.OUTBOUND, channel=Case.Channel.EMAIL if to else case.channel,
        body=body.strip(), author=person_or_none(actor), sent_at=now,
        message_id=make_msgid(domain=_mail_domain()) if to else None)
    if case.first_response_at is None:
        case.first_response_at = now
        _touch(case, ["first_response_at"])
    audit.record(actor, "create", message, customer_id=case.customer_id, changes={"reply": [None, case.reference]})
    if to:
        transaction.on_commit(lambda: _send_reply(case, message, to))
    return message


def _mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"


def subject_tag(case: Case) -> str:
    return f"[{case.reference}]"


def _send_reply(case: Case, message: CaseMessage, to: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{subject_tag(case)} {case.subject}"
        link = _("Follow your case: %(url)s") % {"url": status_url(case)}
    mail = EmailMessage(subject, f"{message.body}\n\n--\n{link}", to=[to],
                        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-replied"
                                 if message.author_id is None else "no"})
    mail.send()


def status_url(case: Case) -> str:
    return f"{settings.KEHU_PUBLIC_URL}/service/status/{case.public_token}/"


@transaction.atomic
def add_note(actor, case: Case, body: str) -> CaseMessage:
    require(actor, "service.change_case")
    if not body.strip():
        raise ValidationError({"body": [_("Write the note.")]})
    return CaseMessage.objects.create(case=case, direction=CaseMessage.Direction.NOTE, channel=case.channel,
                                      body=body.strip(), author=person_or_none(actor), sent_at=timezone.now())


@transaction.atomic
def add_customer_message(case: Case, body: str, *, channel: str, from_address: str = "",
                         message_id: str | None = None) -> CaseMessage | None:
    """A message from the customer (status page, a mail reply). A closed complaint is not reopened:
    the message is kept and the owner sees it; None if this mail was already filed."""
    if message_id and CaseMessage.objects.filter(message_id=message_id).exists():
        return None
    case = _locked(case)
    message = CaseMessage.objects.create(case=case, direction=CaseMessage.Direction.INBOUND, channel=channel,
                                         body=body.strip()[:20000], from_address=from_address[:254],
                                         message_id=message_id, sent_at=timezone.now())
    if case.is_complaint and case.stage == Case.Stage.LISTEN and not case.customer_words:
        case.customer_words = message.body
        _touch(case, ["customer_words"])
    return message


# --- the four steps ------------------------------------------------------------------------------

@transaction.atomic
def record_words(actor, case: Case, words: str, *, expected_version: int) -> Case:
    """Step 1: the customer's own words, verbatim (letting them vent is the first step)."""
    require(actor, "service.change_case")
    case = _locked(case, expected_version)
    case.customer_words = words.strip()
    _touch(case, ["customer_words"])
    audit.record(actor, "update", case, customer_id=case.customer_id, changes={"customer_words": [None, "…"]})
    return case


KEY_POINTS = ("what_happened", "happened_on", "expectation", "root_cause", "product")


@transaction.atomic
def record_key_points(actor, case: Case, *, expected_version: int, orders=None, **points) -> Case:
    """Step 2: the structured facts — what, when, which product or order, what the customer
    expects, the root cause."""
    require(actor, "service.change_case")
    unknown = set(points) - set(KEY_POINTS)
    if unknown:
        raise TypeError(f"unknown key points: {sorted(unknown)}")
    case = _locked(case, expected_version)
    before = audit.snapshot(case, [k for k in points if k != "product"])
    for name, value in points.items():
        setattr(case, name, value.strip() if isinstance(value, str) else value)
    if case.root_cause and case.root_cause not in Case.RootCause.values:
        raise ValidationError({"root_cause": [_("Choose a root cause from the list.")]})
    _touch(case, list(points))
    if orders is not None:
        case.orders.set(orders)
    audit.record(actor, "update", case, customer_id=case.customer_id,
                 changes=audit.diff(before, audit.snapshot(case, list(before))))
    return case


@transaction.atomic
def propose(actor, case: Case, *, kind: str, amount: Decimal | None = None, description: str = "") -> Proposal:
    """Step 3: a solution for the customer to accept or reject."""
    require(actor, "service.change_case")
    case = _locked(case)
    if case.stage != Case.Stage.PROPOSE:
        raise ValidationError(_("Solutions are proposed in step 3 (the case is at “%(stage)s”).")
                              % {"stage": case.get_stage_display()})
    if case.proposals.filter(status=Proposal.Status.PROPOSED).exists():
        raise ValidationError(_("The customer has not answered the last proposal yet."))
    if kind not in Proposal.Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of solution.")]})
    if kind in (Proposal.Kind.REFUND, Proposal.Kind.COMPENSATION) and not amount:
        raise ValidationError({"amount": [_("A refund or compensation needs an amount.")]})
    proposal = Proposal.objects.create(case=case, kind=kind, amount=amount, description=description.strip(),
                                       proposed_by=person_or_none(actor), proposed_at=timezone.now())
    audit.record(actor, "create", proposal, customer_id=case.customer_id,
                 changes={"proposal": [None, kind], "amount": [None, str(amount) if amount else None]})
    return proposal


@transaction.atomic
def answer_proposal(actor, proposal: Proposal, *, accepted: bool, customer_wants: str = "") -> Proposal:
    """The customer's answer. A rejection records what they asked for instead (the next proposal
    starts from it: 如果客户对方案不满意，问问他的意见)."""
    require(actor, "service.change_case")
    proposal = Proposal.objects.select_for_update().select_related("case").get(pk=proposal.pk)
    if proposal.status != Proposal.Status.PROPOSED:
        raise ValidationError(_("This proposal was already answered."))
    if not accepted and not customer_wants.strip():
        raise ValidationError({"customer_wants": [_("Ask the customer what they would accept, and write it down.")]})
    proposal.status = Proposal.Status.ACCEPTED if accepted else Proposal.Status.REJECTED
    proposal.customer_wants = customer_wants.strip()
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["status", "customer_wants", "answered_at"])
    audit.record(actor, "update", proposal, customer_id=proposal.case.customer_id,
                 changes={"status": [Proposal.Status.PROPOSED, proposal.status]})
    return proposal


@transaction.atomic
def schedule_follow_up(actor, case: Case, *, due_at: dt.datetime, owner=None, title: str = "") -> FollowUp:
    """Step 4: a follow-up call or visit, due at ``due_at``."""
    require(actor, "service.change_case")
    case = _locked(case)
    if case.stage not in (Case.Stage.FOLLOW_UP, Case.Stage.PROPOSE):
        raise ValidationError(_("The follow-up is step 4, after a solution was accepted."))
    follow_up = FollowUp.objects.create(
        case=case, customer=case.customer, owner=owner or case.owner or person_or_none(actor), due_at=due_at,
        source=FollowUp.Source.COMPLAINT,
        title=title.strip() or _("Follow up on %(reference)s") % {"reference": case.reference})
    audit.record(actor, "create", follow_up, customer_id=case.customer_id,
                 changes={"due_at": [None, due_at.isoformat()]})
    return follow_up


@transaction.atomic
def complete_follow_up(actor, follow_up: FollowUp, *, outcome: str, note: str = "") -> FollowUp:
    """The follow-up was made: was the customer satisfied?"""
    require(actor, "service.change_followup")
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_at is not None:
        raise ValidationError(_("This follow-up is already done."))
    if outcome not in Case.Outcome.values:
        raise ValidationError({"outcome": [_("Say whether the customer was satisfied.")]})
    follow_up.done_at, follow_up.outcome, follow_up.note = timezone.now(), outcome, note.strip()
    follow_up.save(update_fields=["done_at", "outcome", "note"])
    audit.record(actor, "update", follow_up, customer_id=follow_up.customer_id, changes={"outcome": [None, outcome]})
    return follow_up


def open_follow_up(*, customer_id: int | None, owner_id: int | None, title: str, detail: str = "",
                   source: str = FollowUp.Source.OTHER, due_in: dt.timedelta = dt.timedelta(days=1)) -> FollowUp:
    """A follow-up task not tied to a case step (an unhappy survey answer)."""
    return FollowUp.objects.create(customer_id=customer_id, owner_id=owner_id, title=title[:200], detail=detail,
                                   source=source, due_at=timezone.now() + due_in)


# --- moving through the stages ---------------------------------------------------------------------

def missing_for(case: Case, to_stage: str) -> list[str]:
    """What the case still needs before it may move to ``to_stage`` (empty: it may)."""
    stage = case.stage
    if stage == Case.Stage.CLOSED:
        return [_("The case is closed.")]
    if not case.is_complaint:
        if to_stage != Case.Stage.CLOSED:
            return [_("Only complaints go through the four steps; close this case when it is answered.")]
        return [] if case.first_response_at else [_("Answer the customer before closing the case.")]
    order = COMPLAINT_STAGES
    if to_stage not in order:
        return [_("Not a stage of a complaint.")]
    if order.index(to_stage) != order.index(stage) + 1:
        return [_("A complaint moves one step at a time: the next step after “%(stage)s” is “%(next)s”.")
                % {"stage": case.get_stage_display(), "next": Case.Stage(order[order.index(stage) + 1]).label}]
    needs = []
    if stage == Case.Stage.LISTEN:
        if not case.customer_words.strip():
            needs.append(_("Step 1: record the customer's own words."))
        if case.first_response_at is None:
            needs.append(_("Step 1: answer the customer (the first response)."))
    elif stage == Case.Stage.RECORD:
        for field, label in (("what_happened", _("what happened")), ("expectation", _("what the customer expects")),
                             ("root_cause", _("the root cause"))):
            if not getattr(case, field):
                needs.append(_("Step 2: record %(what)s.") % {"what": label})
    elif stage == Case.Stage.PROPOSE:
        if not case.proposals.filter(status=Proposal.Status.ACCEPTED).exists():
            needs.append(_("Step 3: the customer has not accepted a solution yet."))
    elif stage == Case.Stage.FOLLOW_UP:
        if not case.follow_ups.filter(done_at__isnull=False).exclude(outcome="").exists():
            needs.append(_("Step 4: make the follow-up and record whether the customer was satisfied."))
    return needs


@transaction.atomic
def advance(actor, case: Case, to_stage: str, *, expected_version: int) -> Case:
    """Move the case to ``to_stage`` if its step's data is there; closing a case records its
    outcome and asks the customer about their satisfaction (the survey app listens)."""
    require(actor, "service.change_case")
    case = _locked(case, expected_version)
    needs = missing_for(case, to_stage)
    if needs:
        raise ValidationError(needs)
    now = timezone.now()
    before = case.stage
    case.stage = to_stage
    fields = ["stage"]
    if to_stage == Case.Stage.FOLLOW_UP and case.resolved_at is None:
        case.resolved_at, fields = now, [*fields, "resolved_at"]
    if to_stage == Case.Stage.CLOSED:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
        done = case.follow_ups.filter(done_at__isnull=False).exclude(outcome="").order_by("-done_at").first()
        case.outcome = done.outcome if done else ""
        fields += ["closed_at", "resolved_at", "outcome"]
    _touch(case, fields)
    StageChange.objects.create(case=case, from_stage=before, to_stage=to_stage, by=person_or_none(actor), at=now)
    audit.record(actor, "update", case, customer_id=case.customer_id, changes={"stage": [before, to_stage]})
    if to_stage == Case.Stage.CLOSED:
        transaction.on_commit(lambda: _announce_closed(case))
    return case


def _announce_closed(case: Case) -> None:
    """Tell whoever listens (the surveys app invites the customer to rate the service)."""
    from kehu.surveys.signals import case_closed

    case_closed.send(sender=Case, case_id=case.pk, customer_id=case.customer_id, owner_id=case.owner_id,
                     language=settings.LANGUAGE_CODE)


@transaction.atomic
def update_case(actor, case: Case, *, expected_version: int, **changes) -> Case:
    """Category, severity, owner, team, customer, subject: a new severity or customer recomputes
    the due times from when the case opened."""
    require(actor, "service.change_case")
    allowed = {"category", "severity", "owner", "team", "customer", "subject", "kind"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    case = _locked(case, expected_version)
    if "kind" in changes and changes["kind"] != case.kind and case.stage not in (Case.Stage.LISTEN, Case.Stage.OPEN):
        raise ValidationError({"kind": [_("The type can only change before the case has moved on.")]})
    names = [n for n in changes if n not in ("category", "owner", "team", "customer")]
    before = audit.snapshot(case, names)
    for name, value in changes.items():
        setattr(case, name, value)
    if "kind" in changes:
        case.stage = Case.Stage.LISTEN if case.kind == Case.Kind.COMPLAINT else Case.Stage.OPEN
    if {"severity", "customer"} & set(changes):
        sla.apply_policy(case, since=case.created_at)
    _touch(case, [*{("customer_id" if n == "customer" else n) for n in changes}, "stage", "sla_policy",
                  "first_response_due", "resolution_due"])
    audit.record(actor, "update", case, customer_id=case.customer_id,
                 changes=audit.diff(before, audit.snapshot(case, names)) | (
                     {"customer": [None, case.customer_id]} if "customer" in changes else {}))
    return case
