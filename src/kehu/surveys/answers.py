"""Answering a survey through its link: the questions as the page shows them, validation of the
answers (a clear message per question), saving one response per link, and opting out.

Free text is stored as the plain text typed (only NUL characters, which PostgreSQL cannot store,
are dropped) and always rendered escaped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.privacy import audit
from kehu.privacy.models import Consent
from kehu.privacy.services import record_consent
from kehu.surveys import metrics
from kehu.surveys.invitations import CONSENT_CHANNEL, refused_ids
from kehu.surveys.models import Answer, Invitation, Question, Response, Survey
from kehu.surveys.signals import detractor_answered

logger = logging.getLogger(__name__)

MAX_TEXT = 2000


class AlreadyAnswered(Exception):
    """The link was used: one response per link."""


class SurveyClosed(Exception):
    """The survey was deactivated after the invitation was sent."""


# --- the questions as the page shows them ----------------------------------------------------

def _csat_labels():
    return [_("Very dissatisfied"), _("Dissatisfied"), _("Neither satisfied nor dissatisfied"),
            _("Satisfied"), _("Very satisfied")]


@dataclass
class Scale:
    name: str  # the form field
    legend: str  # e.g. "How important is this to you?" ("" for a single scale)
    options: list[tuple[str, str]]  # (value, label)
    low_hint: str = ""
    high_hint: str = ""
    value: str = ""


@dataclass
class QuestionView:
    question: Question
    number: int
    text: str
    kind: str
    required: bool
    scales: list[Scale] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # choice questions
    selected: list[str] = field(default_factory=list)
    value: str = ""  # free text
    error: str = ""

    @property
    def field_name(self) -> str:
        return field_name(self.question)

    @property
    def multiple(self) -> bool:
        return self.kind == Question.Kind.MULTIPLE


def field_name(question: Question, part: str = "") -> str:
    return f"q{question.pk}{'_' + part if part else ''}"


def _numbers(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


def question_views(questions: list[Question], language: str, data=None,
                   errors: dict[str, str] | None = None) -> list[QuestionView]:
    """What the form shows for each question (call inside ``translation.override(language)``)."""
    errors = errors or {}
    views = []
    for number, q in enumerate(questions, start=1):
        view = QuestionView(question=q, number=number, text=q.text(language), kind=q.kind, required=q.required,
                            error=errors.get(str(q.pk), ""))
        name = field_name(q)
        kind = Question.Kind
        if q.kind == kind.RATING:
            view.scales = [Scale(name, "", _numbers(1, 5), _("1 = very poor"), _("5 = excellent"))]
        elif q.kind == kind.CSAT:
            view.scales = [Scale(name, "", [(str(i), f"{i} · {label}") for i, label in enumerate(_csat_labels(), start=1)])]
        elif q.kind == kind.NPS:
            view.scales = [Scale(name, "", _numbers(0, 10), _("0 = not at all likely"), _("10 = extremely likely"))]
        elif q.kind == kind.PAIR:
            top = q.scale
            view.scales = [
                Scale(field_name(q, "e"), _("How important is this to you?"), _numbers(1, top),
                      _("1 = not important"), _("%(n)s = very important") % {"n": top}),
                Scale(field_name(q, "p"), _("How well did we do?"), _numbers(1, top),
                      _("1 = very poorly"), _("%(n)s = very well") % {"n": top}),
            ]
        elif q.kind in Question.CHOICE_KINDS:
            view.options = q.localized_choices(language)
        if data is not None:
            for scale in view.scales:
                scale.value = _get(data, scale.name)
            if q.kind in Question.CHOICE_KINDS:
                view.selected = _getlist(data, name)
            if q.kind == kind.TEXT:
                view.value = _get(data, name)
        views.append(view)
    return views


def _get(data, name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _getlist(data, name: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(name)]
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value])]


# --- validation ------------------------------------------------------------------------------

@dataclass
class Parsed:
    answers: list[Answer]
    nps: int | None = None
    csat: int | None = None

    @property
    def comment(self) -> str:
        return "\n\n".join(a.text for a in self.answers if a.text)


def _int_in(raw: str, low: int, high: int) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def parse_answers(questions: list[Question], data) -> tuple[Parsed, dict[str, str]]:
    """The answers in ``data`` (the posted form) and an error per question id that needs one."""
    parsed = Parsed([])
    errors: dict[str, str] = {}
    missing = _("Please answer this question.")
    for q in questions:
        name = field_name(q)
        key = str(q.pk)
        if q.kind in (Question.Kind.RATING, Question.Kind.CSAT, Question.Kind.NPS):
            raw = _get(data, name).strip()
            if not raw:
                if q.required:
                    errors[key] = missing
                continue
            value = _int_in(raw, q.low, q.high)
            if value is None:
                errors[key] = _("Choose a value from %(low)s to %(high)s.") % {"low": q.low, "high": q.high}
                continue
            parsed.answers.append(Answer(question=q, number=value))
            if q.kind == Question.Kind.NPS:
                parsed.nps = value
            elif q.kind == Question.Kind.CSAT:
                parsed.csat = value
        elif q.kind == Question.Kind.PAIR:
            raw_e, raw_p = _get(data, field_name(q, "e")).strip(), _get(data, field_name(q, "p")).strip()
            if not raw_e and not raw_p:
                if q.required:
                    errors[key] = _("Please say how important this is to you and how well we did.")
                continue
            expectation, perception = _int_in(raw_e, 1, q.scale), _int_in(raw_p, 1, q.scale)
            if not raw_e or not raw_p:
                errors[key] = _("Please answer both: how important this is to you and how well we did.")
            elif expectation is None or perception is None:
                errors[key] = _("Choose a value from %(low)s to %(high)s.") % {"low": 1, "high": q.scale}
            else:
                parsed.answers.append(Answer(question=q, number=perception, expectation=expectation))
        elif q.kind in Question.CHOICE_KINDS:
            chosen = [c for c in _getlist(data, name) if c]
            keys = {c["key"] for c in q.choices}
            if not chosen:
                if q.required:
                    errors[key] = _("Please choose an answer.") if q.kind == Question.Kind.SINGLE else _(
                        "Please choose at least one answer.")
                continue
            if any(c not in keys for c in chosen) or (q.kind == Question.Kind.SINGLE and len(chosen) > 1):
                errors[key] = _("Choose from the answers offered.")
                continue
            parsed.answers.extend(Answer(question=q, choice=c) for c in dict.fromkeys(chosen))
        elif q.kind == Question.Kind.TEXT:
            text = _get(data, name).replace("\x00", "").strip()
            if not text:
                if q.required:
                    errors[key] = missing
                continue
            if len(text) > MAX_TEXT:
                errors[key] = _("Please keep your answer under %(max)s characters.") % {"max": MAX_TEXT}
                continue
            parsed.answers.append(Answer(question=q, text=text))
    return parsed, errors


# --- submitting ------------------------------------------------------------------------------

def submit_response(invitation: Invitation, data, *, language: str | None = None) -> Response:
    """Save the answers to ``invitation``'s survey. One response per link: a used link raises
    ``AlreadyAnswered`` (also under a race: the invitation is claimed with a conditional UPDATE,
    and the response is one-to-one with it). Invalid answers raise ``ValidationError`` keyed by
    question id. A detractor answer sends ``signals.detractor_answered`` after commit."""
    with transaction.atomic():
        invitation = Invitation.objects.select_related("survey", "customer").get(pk=invitation.pk)
        if invitation.answered_at is not None:
            raise AlreadyAnswered
        survey: Survey = invitation.survey
        if not survey.is_active:
            raise SurveyClosed
        questions = list(survey.questions.order_by("position", "id"))
        parsed, errors = parse_answers(questions, data)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=now)
        if not claimed:
            raise AlreadyAnswered
        customer = invitation.customer
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    survey=survey, invitation=invitation, customer=customer,
                    language=language or invitation.language, submitted_at=now,
                    nps=parsed.nps, csat=parsed.csat, tier=customer.tier or "")
        except IntegrityError:
            raise AlreadyAnswered from None
        for answer in parsed.answers:
            answer.response = response
        Answer.objects.bulk_create(parsed.answers)
        audit.record(None, "create", response, customer_id=customer.pk, changes={
            "survey": [None, survey.pk], "nps": [None, parsed.nps], "csat": [None, parsed.csat],
            "answers": [None, len(parsed.answers)]})
        if metrics.is_detractor(parsed.nps, parsed.csat):
            _announce_detractor(response, customer.owner_id, parsed)
    return response


def _announce_detractor(response: Response, owner_id, parsed: Parsed) -> None:
    nps_detractor = parsed.nps is not None and parsed.nps <= metrics.DETRACTOR_NPS_MAX
    kwargs = {"response_id": response.pk, "customer_id": response.customer_id, "owner_id": owner_id,
              "score": parsed.nps if nps_detractor else parsed.csat, "comment": parsed.comment,
              "metric": "nps" if nps_detractor else "csat"}

    def send():
        for receiver, result in detractor_answered.send_robust(sender=Response, **kwargs):
            if isinstance(result, Exception):
                logger.error("detractor_answered receiver %r failed: %r", receiver, result)

    transaction.on_commit(send)


# --- opting out ------------------------------------------------------------------------------

def has_opted_out(invitation: Invitation) -> bool:
    return invitation.customer_id in refused_ids([invitation.customer_id], invitation.channel)


def opt_out(invitation: Invitation) -> Consent | None:
    """The respondent asks for no more service messages on the invitation's channel: a consent
    withdrawal recorded (and audited) by the privacy services. None if already withdrawn."""
    if has_opted_out(invitation):
        return None
    return record_consent(None, invitation.customer, purpose=Consent.Purpose.SERVICE,
                          channel=CONSENT_CHANNEL[invitation.channel], granted=False,
                          source=Consent.Source.WEB_FORM,
                          note=f"survey link (invitation #{invitation.pk}, survey #{invitation.survey_id})")
