"""Inviting customers: one unguessable link per recipient, by email (real SMTP) or SMS (a list
for staff to send, there being no SMS gateway), one at a time or in batches.

Triggers:
- staff invite one customer (``invite_customer``);
- a service case closes: the service app sends ``signals.case_closed`` and ``on_case_closed``
  invites the customer to the active "after case closure" survey;
- a completed order is N days old: ``invite_after_orders`` (a daily task, ``tasks.py``);
- a segment: the customer list's filters (``preview_segment``, ``send_to_segment``); large
  segments are written by the background worker in chunks (``run_batch``).

Nobody is invited whose current consent for purpose "service" on the channel is refused (or
refused for "any" channel without a grant on this one); customers without an email address or
phone number for the channel are skipped. Batches count both.

The token is ``secrets.token_urlsafe(32)``; only its SHA-256 is stored. Mail is sent after the
invitation is committed (``transaction.on_commit``), over one SMTP connection per batch.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.customers import listing as customer_listing
from kehu.customers.access import access_customer
from kehu.customers.models import ChannelIdentity, Customer
from kehu.env import setting_int
from kehu.privacy import audit
from kehu.privacy.models import Consent
from kehu.surveys import access
from kehu.surveys.models import BatchSend, Invitation, Survey, language_key

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
CHUNK_SIZE = 1000
# Orders a missed daily run may still catch up on, past the survey's delay.
CATCH_UP_DAYS = 3
# After an order, a customer invited to the same survey this recently is not invited again.
REINVITE_AFTER_DAYS = 30
LINK_PLACEHOLDER = "__KEHU_SURVEY_LINK__"
CONTACT_CHANNEL = {Survey.Channel.EMAIL: ChannelIdentity.Channel.EMAIL,
                   Survey.Channel.SMS: ChannelIdentity.Channel.PHONE}
CONSENT_CHANNEL = {Survey.Channel.EMAIL: Consent.Channel.EMAIL, Survey.Channel.SMS: Consent.Channel.SMS}
SERVICE = Consent.Purpose.SERVICE


def inline_limit() -> int:
    """Segments up to this many customers are sent during the request; larger ones by the worker."""
    return setting_int("KEHU_SURVEY_INLINE_SEND", 200)


class NotInvited(ValidationError):
    """Why a customer was not invited (``code``: opted_out, no_contact, inactive, already)."""


# --- tokens and links --------------------------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_link(token: str) -> str:
    return settings.KEHU_PUBLIC_URL + reverse("surveys:respond", args=[token])


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link belongs to, or None for a forged or malformed token."""
    if not token or len(token) > 100:
        return None
    return (Invitation.objects.select_related("survey", "customer")
            .filter(token_hash=token_hash(token)).first())


# --- who may be reached --------------------------------------------------------------------

def refused_q(channel: str, prefix: str = "") -> Q:
    """Customers (reached through ``prefix``) whose current service consent for ``channel`` is
    refused, or refused for "any" channel with nothing said for this one."""
    pk = OuterRef(f"{prefix}pk" if prefix else "pk")
    current = Consent.objects.filter(customer_id=pk, purpose=SERVICE, is_current=True)
    ch = CONSENT_CHANNEL[channel]
    on_channel = current.filter(channel=ch)
    on_any = current.filter(channel=Consent.Channel.ANY)
    return Q(Exists(on_channel.filter(granted=False))) | (
        Q(Exists(on_any.filter(granted=False))) & ~Q(Exists(on_channel)))


def reachable_q(channel: str) -> Q:
    return Q(Exists(ChannelIdentity.objects.filter(customer_id=OuterRef("pk"), channel=CONTACT_CHANNEL[channel])))


def refused_ids(customer_ids: list[int], channel: str) -> set[int]:
    """Of ``customer_ids``, those who refused service messages on ``channel`` (one query)."""
    ch = CONSENT_CHANNEL[channel]
    rows = Consent.objects.filter(customer_id__any=customer_ids, purpose=SERVICE, is_current=True,
                                  channel__in=[ch, Consent.Channel.ANY]).values_list("customer_id", "channel", "granted")
    on_channel, on_any = {}, {}
    for customer_id, consent_channel, granted in rows:
        (on_channel if consent_channel == ch else on_any)[customer_id] = granted
    return ({c for c, granted in on_channel.items() if not granted}
            | {c for c, granted in on_any.items() if not granted and c not in on_channel})


def contacts_of(customer_ids: list[int], channel: str) -> dict[int, str]:
    """The primary (else first) email address or phone number of each customer (one query)."""
    rows = (ChannelIdentity.objects.filter(customer_id__any=customer_ids, channel=CONTACT_CHANNEL[channel])
            .order_by("customer_id", "-is_primary", "id").values_list("customer_id", "normalized"))
    out: dict[int, str] = {}
    for customer_id, value in rows:
        out.setdefault(customer_id, value)
    return out


# --- composing -------------------------------------------------------------------------------

@dataclass
class Outgoing:
    invitation_id: int
    message: EmailMultiAlternatives


class _Composer:
    """Renders the email (text + HTML) or SMS once per survey and language, with a placeholder
    for the link, so a batch of a thousand invitations renders its templates once."""

    def __init__(self, survey: Survey):
        self.survey = survey
        self._cache: dict[str, tuple[str, str, str, str]] = {}

    def _parts(self, language: str):
        if language not in self._cache:
            with translation.override(language):
                context = {"survey": self.survey, "title": self.survey.title(language),
                           "intro": self.survey.intro(language), "link": LINK_PLACEHOLDER,
                           "language": language}
                subject = self.survey.title(language)
                text = render_to_string("surveys/email/invitation.txt", context)
                html = render_to_string("surveys/email/invitation.html", context)
                sms = _("%(title)s: please tell us how we did. %(link)s") % {
                    "title": self.survey.title(language), "link": LINK_PLACEHOLDER}
            self._cache[language] = (subject, text, html, sms)
        return self._cache[language]

    def email(self, language: str, token: str, to: str) -> EmailMultiAlternatives:
        subject, text, html, _sms = self._parts(language)
        link = survey_link(token)
        message = EmailMultiAlternatives(subject=subject, body=text.replace(LINK_PLACEHOLDER, link),
                                         to=[to])
        message.attach_alternative(html.replace(LINK_PLACEHOLDER, link), "text/html")
        return message

    def sms(self, language: str, token: str) -> str:
        return self._parts(language)[3].replace(LINK_PLACEHOLDER, survey_link(token))


def deliver(outgoing: list[Outgoing]) -> tuple[int, int]:
    """Send the emails over one SMTP connection; mark each invitation sent or failed.
    Returns (sent, failed). Never raises for a mail problem: it is recorded on the invitation."""
    if not outgoing:
        return 0, 0
    sent: list[int] = []
    failed: dict[str, list[int]] = {}
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - the server is down: every message of the batch failed
        failed[f"{type(exc).__name__}: {exc}"[:300]] = [o.invitation_id for o in outgoing]
        logger.warning("survey mail: could not connect to the SMTP server: %s", exc)
    else:
        try:
            for item in outgoing:
                item.message.connection = connection
                try:
                    item.message.send()
                    sent.append(item.invitation_id)
                except Exception as exc:  # noqa: BLE001 - one refused address must not stop the rest
                    failed.setdefault(f"{type(exc).__name__}: {exc}"[:300], []).append(item.invitation_id)
        finally:
            connection.close()
    now = timezone.now()
    if sent:
        Invitation.objects.filter(pk__any=sent).update(status=Invitation.Status.SENT, sent_at=now)
    for error, ids in failed.items():
        Invitation.objects.filter(pk__any=ids).update(status=Invitation.Status.FAILED, error=error)
    return len(sent), sum(len(ids) for ids in failed.values())


# --- inviting --------------------------------------------------------------------------------

@dataclass
class Batch:
    """What inviting a chunk of customers did."""

    invitations: list[Invitation] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    opted_out: int = 0
    no_contact: int = 0
    already: int = 0


def _check_channel(channel: str) -> None:
    if channel not in Survey.Channel.values:
        raise ValidationError({"channel": [_("Choose email or SMS.")]})


def _language(survey: Survey, language: str | None) -> str:
    return language_key(language) if language else survey.default_language


def _invite_chunk(survey: Survey, customer_ids: list[int], *, channel: str, language: str, trigger: str,
                  actor=None, batch: BatchSend | None = None, orders: Mapping[int, int] | None = None,
                  skip_invited: bool = False, case_id: int | None = None) -> Batch:
    """Invite ``customer_ids`` (in this order): skips who already has an invitation to the survey
    (when asked), who refused, who has no address for the channel. Bulk-inserts the rest."""
    out = Batch()
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return out
    already = set()
    if skip_invited:
        already = set(Invitation.objects.filter(survey=survey, customer_id__any=ids)
                      .values_list("customer_id", flat=True))
    refused = refused_ids(ids, channel)
    contacts = contacts_of(ids, channel)
    composer = _Composer(survey)
    tokens: list[tuple[Invitation, str]] = []
    for customer_id in ids:
        if customer_id in already:
            out.already += 1
        elif customer_id in refused:
            out.opted_out += 1
        elif customer_id not in contacts:
            out.no_contact += 1
        else:
            token = new_token()
            invitation = Invitation(
                survey=survey, customer_id=customer_id, channel=channel, language=language,
                token_hash=token_hash(token), trigger=trigger, batch=batch, case_id=case_id,
                order_id=(orders or {}).get(customer_id),
                created_by=actor if actor is not None and actor.is_authenticated else None,
                sms_text=composer.sms(language, token) if channel == Survey.Channel.SMS else "")
            tokens.append((invitation, token))
    if tokens:
        out.invitations = Invitation.objects.bulk_create([inv for inv, _t in tokens], batch_size=500)
        if channel == Survey.Channel.EMAIL:
            out.outgoing = [Outgoing(inv.pk, composer.email(language, token, contacts[inv.customer_id]))
                            for inv, token in tokens]
    return out


def _send_after_commit(outgoing: list[Outgoing]) -> None:
    if outgoing:
        transaction.on_commit(lambda: deliver(outgoing))


def invite_customer(actor, survey: Survey, customer_id: int, *, channel: str | None = None,
                    language: str | None = None, trigger: str = Invitation.Trigger.MANUAL,
                    case_id: int | None = None) -> Invitation:
    """Invite one customer (by staff: needs ``surveys.send_survey`` and sight of the customer;
    ``actor=None`` for automatic triggers). Raises ``NotInvited`` with the reason."""
    if actor is not None:
        access.check(access.can_send(actor))
        customer_id = access_customer(actor, customer_id).pk
    elif not Customer.objects.filter(pk=customer_id, merged_into__isnull=True).exists():
        raise NotInvited(_("No such customer."), code="missing")
    channel = channel or survey.channel
    _check_channel(channel)
    language = _language(survey, language)
    with transaction.atomic():
        survey = Survey.objects.get(pk=survey.pk)
        if not survey.is_active:
            raise NotInvited(_("This survey is not active."), code="inactive")
        if case_id is not None and Invitation.objects.filter(survey=survey, case_id=case_id).exists():
            raise NotInvited(_("This case's customer was already invited."), code="already")
        batch = _invite_chunk(survey, [customer_id], channel=channel, language=language, trigger=trigger,
                              actor=actor, case_id=case_id)
        if batch.opted_out:
            raise NotInvited(_("The customer refused service messages on this channel."), code="opted_out")
        if batch.no_contact:
            message = (_("The customer has no email address.") if channel == Survey.Channel.EMAIL
                       else _("The customer has no phone number."))
            raise NotInvited(message, code="no_contact")
        (invitation,) = batch.invitations
        audit.record(actor, "create", invitation, customer_id=customer_id, changes={
            "survey": [None, survey.pk], "channel": [None, channel], "trigger": [None, trigger],
            **({"case_id": [None, case_id]} if case_id is not None else {})})
        _send_after_commit(batch.outgoing)
    return invitation


def on_case_closed(sender, *, case_id, customer_id, owner_id=None, language="", **kwargs):
    """``signals.case_closed`` receiver: invite the customer to the active after-case survey.
    A problem here never breaks closing the case: it is logged and the case closes."""
    survey = Survey.objects.filter(is_active=True, trigger=Survey.Trigger.CASE_CLOSED).first()
    if survey is None:
        return None
    try:
        with transaction.atomic():
            return invite_customer(None, survey, customer_id, language=language or None,
                                   trigger=Invitation.Trigger.CASE_CLOSED, case_id=case_id)
    except NotInvited as exc:
        logger.info("case %s: customer %s not invited to survey %s: %s", case_id, customer_id, survey.pk,
                    "; ".join(exc.messages))
    except Exception:
        logger.exception("case %s: inviting customer %s to survey %s failed", case_id, customer_id, survey.pk)
    return None


# --- batches: segments and after-order runs --------------------------------------------------

def _add_counts(batch: BatchSend, out: Batch, matched: int) -> None:
    BatchSend.objects.filter(pk=batch.pk).update(
        matched=F("matched") + matched, invited=F("invited") + len(out.invitations),
        skipped_opted_out=F("skipped_opted_out") + out.opted_out,
        skipped_no_contact=F("skipped_no_contact") + out.no_contact,
        skipped_already=F("skipped_already") + out.already)


def _segment(user, params: Mapping):
    params = customer_listing.list_params(params)
    params.pop("sort", None)
    try:
        qs, _sort = customer_listing.filter_customers(user, params)
    except (ValueError, TypeError, ValidationError) as exc:
        raise ValidationError({"filters": [_("These filters are not valid: %(error)s") % {"error": exc}]}) from None
    return params, qs.order_by()


def preview_segment(user, params: Mapping, channel: str) -> dict:
    """How many customers the filters match, and how many of them would be skipped (one query)."""
    access.check(access.can_send_to_segment(user))
    _check_channel(channel)
    params, qs = _segment(user, params)
    counts = qs.aggregate(matched=Count("pk"), opted_out=Count("pk", filter=refused_q(channel)),
                          no_contact=Count("pk", filter=~reachable_q(channel) & ~refused_q(channel)))
    counts["reachable"] = counts["matched"] - counts["opted_out"] - counts["no_contact"]
    counts["filters"] = params
    return counts


def send_to_segment(user, survey: Survey, params: Mapping, *, channel: str, language: str | None = None,
                    enqueue: bool = True) -> BatchSend:
    """Invite the customers the filters match (as ``user`` sees them). Up to ``inline_limit()``
    are invited now; a larger segment is queued for the worker (``tasks.run_batch_send``)."""
    access.check(access.can_send_to_segment(user))
    _check_channel(channel)
    if not survey.is_active:
        raise ValidationError({"__all__": [_("Activate the survey before sending it.")]})
    params, qs = _segment(user, params)
    language = _language(survey, language)
    limit = inline_limit()
    small = qs[: limit + 1].count() <= limit
    with transaction.atomic():
        batch = BatchSend.objects.create(survey=survey, kind=BatchSend.Kind.SEGMENT, channel=channel,
                                         language=language, filters=params, requested_by=user)
        audit.record(user, "create", batch, changes={"survey": [None, survey.pk], "channel": [None, channel],
                                                     "filters": [None, params]})
        if not small and enqueue:
            from kehu.surveys.tasks import run_batch_send

            batch_id = batch.pk
            transaction.on_commit(lambda: run_batch_send.enqueue(batch_id))
    if small:
        batch = run_batch(batch.pk)
    return batch


def _chunks(ids_qs, size: int = CHUNK_SIZE) -> Iterable[list[int]]:
    """Customer ids in keyset chunks (``pk > last``), so a million rows are never held at once."""
    last = 0
    while True:
        chunk = list(ids_qs.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        last = chunk[-1]
        yield chunk


def run_batch(batch_id: int) -> BatchSend:
    """Write a queued segment send: chunk by chunk, each in its own transaction, its mail sent
    after the chunk commits. Idempotent: a finished batch is left as it is."""
    batch = BatchSend.objects.select_related("survey", "requested_by").get(pk=batch_id)
    if batch.status in (BatchSend.Status.DONE, BatchSend.Status.FAILED):
        return batch
    BatchSend.objects.filter(pk=batch.pk).update(status=BatchSend.Status.RUNNING)
    failed_mail = 0
    try:
        _params, qs = _segment(batch.requested_by, batch.filters)
        for chunk in _chunks(qs.values_list("pk", flat=True)):
            with transaction.atomic():
                out = _invite_chunk(batch.survey, chunk, channel=batch.channel, language=batch.language,
                                    trigger=Invitation.Trigger.SEGMENT, actor=batch.requested_by,
                                    batch=batch, skip_invited=True)
                _add_counts(batch, out, len(chunk))
            failed_mail += deliver(out.outgoing)[1]
    except Exception as exc:
        logger.exception("survey batch %s failed", batch.pk)
        BatchSend.objects.filter(pk=batch.pk).update(status=BatchSend.Status.FAILED, finished_at=timezone.now(),
                                                     emails_failed=failed_mail, error=f"{type(exc).__name__}: {exc}"[:2000])
        batch.refresh_from_db()
        return batch
    BatchSend.objects.filter(pk=batch.pk).update(status=BatchSend.Status.DONE, finished_at=timezone.now(),
                                                 emails_failed=failed_mail)
    batch.refresh_from_db()
    audit.record(batch.requested_by, "update", batch, changes={
        "status": [BatchSend.Status.QUEUED, batch.status], "invited": [None, batch.invited],
        "skipped": [None, batch.skipped]})
    return batch


def order_window(survey: Survey, now: datetime) -> tuple[datetime, datetime]:
    """Completed orders ordered in (start, end] are due: ``order_delay_days`` old, or up to
    ``CATCH_UP_DAYS`` older when a daily run was missed."""
    end = now - timedelta(days=survey.order_delay_days)
    return end - timedelta(days=CATCH_UP_DAYS), end


def due_orders(survey: Survey, now: datetime):
    """(order id, customer id) of the completed orders due for an invitation: in the window, with
    no invitation for that order, of a customer not invited to the survey in the last
    ``REINVITE_AFTER_DAYS`` days; newest first per customer."""
    from kehu.orders.models import Order

    start, end = order_window(survey, now)
    invited_for_order = Invitation.objects.filter(survey=survey, order_id=OuterRef("pk"))
    invited_lately = Invitation.objects.filter(survey=survey, customer_id=OuterRef("customer_id"),
                                               created_at__gte=now - timedelta(days=REINVITE_AFTER_DAYS))
    return (Order.objects.filter(status=Order.Status.COMPLETED, ordered_at__gt=start, ordered_at__lte=end,
                                 customer__merged_into__isnull=True)
            .exclude(Exists(invited_for_order)).exclude(Exists(invited_lately))
            .order_by("customer_id", "-ordered_at", "-id").values_list("pk", "customer_id"))


def invite_after_orders(now: datetime | None = None) -> list[BatchSend]:
    """The daily run: for each active after-order survey, invite the customers of the due
    orders (one invitation per customer and run, for their latest due order). A run that finds
    due orders is recorded as a ``BatchSend`` with its counts, and audited."""
    now = now or timezone.now()
    return [batch for survey in Survey.objects.filter(is_active=True, trigger=Survey.Trigger.ORDER)
            if (batch := _after_order_run(survey, now)) is not None]


def _after_order_run(survey: Survey, now: datetime) -> BatchSend | None:
    start, end = order_window(survey, now)
    batch = None
    failed_mail = 0
    order_of: dict[int, int] = {}

    def flush():
        nonlocal batch, failed_mail
        with transaction.atomic():
            if batch is None:
                batch = BatchSend.objects.create(
                    survey=survey, kind=BatchSend.Kind.ORDER, channel=survey.channel,
                    language=survey.default_language, status=BatchSend.Status.RUNNING,
                    filters={"ordered_after": start.isoformat(), "ordered_until": end.isoformat()})
            out = _invite_chunk(survey, list(order_of), channel=survey.channel, language=survey.default_language,
                                trigger=Invitation.Trigger.ORDER, batch=batch, orders=order_of)
            _add_counts(batch, out, len(order_of))
        failed_mail += deliver(out.outgoing)[1]
        order_of.clear()

    seen: set[int] = set()
    for order_id, customer_id in due_orders(survey, now).iterator(chunk_size=CHUNK_SIZE):
        if customer_id in seen:
            continue  # an older order of the same customer: one invitation per run
        seen.add(customer_id)
        order_of[customer_id] = order_id
        if len(order_of) >= CHUNK_SIZE:
            flush()
    if order_of:
        flush()
    if batch is None:
        return None
    BatchSend.objects.filter(pk=batch.pk).update(status=BatchSend.Status.DONE, finished_at=timezone.now(),
                                                 emails_failed=failed_mail)
    batch.refresh_from_db()
    audit.record(None, "create", batch, changes={"survey": [None, survey.pk], "invited": [None, batch.invited],
                                                 "skipped": [None, batch.skipped]})
    return batch


def any_after_order_survey() -> bool:
    return Survey.objects.filter(is_active=True, trigger=Survey.Trigger.ORDER).exists()


# --- the "SMS to send" list ------------------------------------------------------------------

def sms_to_send(user):
    """SMS invitations waiting for staff to send them, of the customers ``user`` sees."""
    access.check(user.has_perm(access.VIEW_INVITATIONS))
    return (access.visible_invitations(user).filter(channel=Survey.Channel.SMS, status=Invitation.Status.PENDING)
            .select_related("survey", "customer").order_by("-created_at", "-id"))


@transaction.atomic
def mark_sms_sent(actor, invitation_ids: list[int]) -> int:
    """Staff sent these SMS: mark them sent and forget their text (the link is no longer kept)."""
    if not (actor.has_perm(access.VIEW_INVITATIONS) and actor.has_perm(access.MARK_SMS_SENT)):
        raise PermissionDenied(_("You may not mark invitations as sent."))
    rows = list(sms_to_send(actor).select_for_update(of=("self",)).filter(pk__in=invitation_ids))
    now = timezone.now()
    for invitation in rows:
        invitation.status, invitation.sent_at, invitation.sms_text = Invitation.Status.SENT, now, ""
    Invitation.objects.bulk_update(rows, ["status", "sent_at", "sms_text"])
    for invitation in rows:
        audit.record(actor, "update", invitation, customer_id=invitation.customer_id,
                     changes={"status": [Invitation.Status.PENDING, Invitation.Status.SENT]})
    return len(rows)


def phones_of(customer_ids: list[int]) -> dict[int, str]:
    return contacts_of(customer_ids, Survey.Channel.SMS)

