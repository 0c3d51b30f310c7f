"""Cases that customers open themselves: the public complaint form and the service mailbox.

"Make complaining easy" (让顾客投诉变得简单): no account, any channel. The customer is linked when
the identity matcher is sure (an exact phone or email of one customer); otherwise the case keeps
the contact's details and its page proposes the likely customers for an agent to link (and
``link_unidentified`` links those that become sure later, e.g. after an import).

Mail is filed once (by Message-ID), replies thread into their case (by our Message-IDs in
In-Reply-To/References, or the ``[C-2026-000123]`` tag in the subject), and nothing an automaton
sends (auto-replies, bounces, mailing lists, our own mail) opens a case: an out-of-office answer to
our acknowledgement would otherwise open a case, be acknowledged, be answered … for ever.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage as OutgoingMail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.service import services
from kehu.service.models import Case, CaseCategory, CaseMessage

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"\[(C-\d{4}-\d{6,})\]")
NEW_CASES_PER_SENDER_PER_DAY = 5


# --- who is it ------------------------------------------------------------------------------------

def sure_customer(*, name: str = "", phone: str = "", email: str = ""):
    """The customer whose phone or email this is (an identity belongs to one customer), or the one
    the identity matcher is sure about; else None."""
    from kehu.customers.models import ChannelIdentity, Customer
    from kehu.customers.normalize import normalize_identity
    from kehu.identity.services import find_matches

    if not (phone or email):
        return None
    for channel, value in (("phone", phone), ("email", email)):
        if not value:
            continue
        try:
            normalized = normalize_identity(channel, value)
        except ValidationError:
            continue
        owner = (ChannelIdentity.objects.filter(channel=channel, normalized=normalized,
                                                customer__merged_into__isnull=True)
                 .values_list("customer_id", flat=True).first())
        if owner is not None:
            return Customer.objects.get(pk=owner)
    record = {"name": name, "phone": phone, "email": email}
    matches = [m for m in find_matches(record) if m.sure]
    if len(matches) != 1:
        return None
    return Customer.objects.filter(pk=matches[0].customer_id, merged_into__isnull=True).first()


def possible_customers(case: Case, limit: int = 3):
    """Likely customers of an unidentified case, for an agent to link (evidence included)."""
    from kehu.identity.services import find_matches

    if case.customer_id:
        return []
    record = {"name": case.contact_name, "phone": case.contact_phone, "email": case.contact_email}
    return find_matches(record)[:limit]


def link_unidentified(limit: int = 500) -> int:
    """Link open unidentified cases whose contact has become surely a customer; returns how many."""
    linked = 0
    for case in Case.objects.filter(customer__isnull=True).exclude(stage=Case.Stage.CLOSED)[:limit]:
        customer = sure_customer(name=case.contact_name, phone=case.contact_phone, email=case.contact_email)
        if customer is not None:
            services.update_case(None, case, expected_version=case.version, customer=customer)
            linked += 1
    return linked


# --- the public form ------------------------------------------------------------------------------

def file_public_complaint(*, name: str, phone: str, email: str, category: CaseCategory, words: str,
                          order_number: str = "", expectation: str = "", language: str = "") -> Case:
    """A complaint from the public form (already validated by the form); acknowledged by email,
    in the form's language, when the customer gave an address."""
    from kehu.orders.models import Order

    customer = sure_customer(name=name, phone=phone, email=email)
    orders = []
    if order_number and customer is not None:
        orders = list(Order.objects.filter(customer=customer, external_id=order_number)[:1])
    subject = words.strip().splitlines()[0][:80] if words.strip() else _("Complaint")
    with transaction.atomic():
        case = services.open_case(None, kind=Case.Kind.COMPLAINT, category=category, channel=Case.Channel.WEB,
                                  subject=subject, words=words, customer=customer, contact_name=name,
                                  contact_phone=phone, contact_email=email, orders=orders)
        if expectation.strip():
            case.expectation = expectation.strip()
            case.save(update_fields=["expectation"])
        if order_number and not orders:
            services.add_note(None, case, _("Order number given on the form: %(number)s") % {"number": order_number})
        if email:
            transaction.on_commit(lambda: acknowledge(case, email, None, language=language))
    return case


# --- the mailbox ------------------------------------------------------------------------------------

def is_automatic(message: EmailMessage) -> bool:
    """Mail no person wrote: auto-replies, bounces, lists, bulk, our own."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return True
    if (message.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id",
                                    "List-Unsubscribe")):
        return True
    if (message.get("Return-Path") or "").strip() == "<>":
        return True
    sender = parseaddr(message.get("From", ""))[1].lower()
    ours = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    local = sender.split("@", 1)[0]
    return not sender or sender == ours or local in ("mailer-daemon", "postmaster", "noreply", "no-reply",
                                                     "donotreply", "do-not-reply")


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        import html as html_lib

        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", text)))
    return text.strip()[:20000]


def _thread(message: EmailMessage) -> Case | None:
    ids = " ".join(filter(None, (message.get("In-Reply-To"), message.get("References")))).split()
    if ids:
        found = CaseMessage.objects.filter(message_id__in=[i.strip() for i in ids]).select_related("case").first()
        if found:
            return found.case
    tag = REFERENCE.search(message.get("Subject", ""))
    if tag:
        return Case.objects.filter(reference=tag.group(1)).first()
    return None


def file_email(message: EmailMessage) -> str:
    """File one incoming mail; returns what happened: "threaded", "opened", "automatic",
    "duplicate", "limited"."""
    message_id = (message.get("Message-ID") or "").strip() or None
    if message_id and CaseMessage.objects.filter(message_id=message_id).exists():
        return "duplicate"
    if is_automatic(message):
        return "automatic"
    name, address = parseaddr(message.get("From", ""))
    address = address.lower()
    body = _text(message)
    case = _thread(message)
    if case is not None:
        services.add_customer_message(case, body, channel=Case.Channel.EMAIL, from_address=address,
                                      message_id=message_id)
        return "threaded"
    since = timezone.now() - timedelta(days=1)
    if Case.objects.filter(channel=Case.Channel.EMAIL, created_at__gte=since,
                           messages__from_address=address).distinct().count() >= NEW_CASES_PER_SENDER_PER_DAY:
        logger.warning("mail from %s not filed: %d new cases from this address today", address,
                       NEW_CASES_PER_SENDER_PER_DAY)
        return "limited"
    category = CaseCategory.objects.filter(code="other", active=True).first() or CaseCategory.objects.filter(
        active=True).first()
    customer = sure_customer(name=name, email=address)
    subject = (message.get("Subject") or "").strip()[:200] or _("Email from %(address)s") % {"address": address}
    case = services.open_case(None, kind=Case.Kind.COMPLAINT, category=category, channel=Case.Channel.EMAIL,
                              subject=subject, words=body or subject, customer=customer, contact_name=name[:120],
                              contact_email=address, message_id=message_id, from_address=address)
    transaction.on_commit(lambda: acknowledge(case, address, message_id))
    return "opened"


def acknowledge(case: Case, to: str, in_reply_to: str | None, *, language: str = "") -> None:
    """The automatic "we have your complaint" mail: marked as automatic, so a well-behaved
    auto-responder does not answer it, and threaded, so one that does lands on the same case."""
    from email.utils import make_msgid

    with translation.override(language or settings.LANGUAGE_CODE):
        subject = f"{services.subject_tag(case)} {case.subject}"
        body = _("We have received your message and opened case %(reference)s. You can follow it here: "
                 "%(url)s") % {"reference": case.reference, "url": services.status_url(case)}
    message_id = make_msgid(domain=services._mail_domain())
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if in_reply_to:
        headers |= {"In-Reply-To": in_reply_to, "References": in_reply_to}
    CaseMessage.objects.create(case=case, direction=CaseMessage.Direction.OUTBOUND, channel=Case.Channel.EMAIL,
                               body=body, sent_at=timezone.now(), message_id=message_id)
    try:
        OutgoingMail(subject, body, to=[to], headers=headers).send()
    except OSError:
        logger.warning("could not send the acknowledgement of %s", case.reference, exc_info=True)


def recipients(message: EmailMessage) -> list[str]:
    return [a.lower() for _n, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]
