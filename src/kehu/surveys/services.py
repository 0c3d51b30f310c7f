"""Building surveys: create, edit, order and (de)activate questionnaires, and make one from a
template. One write path: every change is validated here, saved in one transaction and audited.

Sending invitations is ``kehu.surveys.invitations``; answering is ``kehu.surveys.answers``;
reading results is ``kehu.surveys.results``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kehu.privacy import audit
from kehu.surveys import access
from kehu.surveys.models import LANGUAGE_FIELDS, Answer, Question, Survey
from kehu.surveys.questionnaires import TEMPLATES

SURVEY_FIELDS = ["name", "title_en", "title_zh_hans", "title_zh_hant", "intro_en", "intro_zh_hans",
                 "intro_zh_hant", "default_language", "trigger", "channel", "order_delay_days"]
QUESTION_FIELDS = ["kind", "text_en", "text_zh_hans", "text_zh_hant", "required", "scale", "dimension",
                   "custom_dimension", "choices"]
AUDITED_QUESTION_FIELDS = ["position", *QUESTION_FIELDS]
PAIR_SCALES = (5, 7)
MAX_CHOICES = 20
MAX_DELAY_DAYS = 365


def _check_builder(actor) -> None:
    if not access.can_build(actor):
        raise PermissionDenied(_("You may not build surveys."))


# --- surveys ---------------------------------------------------------------------------------

def _validate_survey(survey: Survey) -> None:
    errors: dict[str, list] = {}
    survey.name = (survey.name or "").strip()
    if not survey.name:
        errors["name"] = [_("Give the survey a name.")]
    if not any((getattr(survey, f"title_{suffix}") or "").strip() for suffix in LANGUAGE_FIELDS.values()):
        errors["title_en"] = [_("Give the survey a title in at least one language.")]
    if survey.trigger not in Survey.Trigger.values:
        errors["trigger"] = [_("Choose when the survey is sent.")]
    if survey.channel not in Survey.Channel.values:
        errors["channel"] = [_("Choose email or SMS.")]
    if survey.default_language not in Survey.Language.values:
        errors["default_language"] = [_("Choose a language.")]
    if survey.order_delay_days is None or not 0 <= survey.order_delay_days <= MAX_DELAY_DAYS:
        errors["order_delay_days"] = [_("Give a number of days from 0 to %(max)s.") % {"max": MAX_DELAY_DAYS}]
    if survey.is_active:
        _check_trigger_free(survey, errors)
    if errors:
        raise ValidationError(errors)


def _check_trigger_free(survey: Survey, errors: dict) -> None:
    """At most one active survey per automatic trigger (also a database constraint)."""
    if survey.trigger == Survey.Trigger.MANUAL:
        return
    other = Survey.objects.filter(is_active=True, trigger=survey.trigger).exclude(pk=survey.pk).first()
    if other is not None:
        errors.setdefault("trigger", []).append(
            _("“%(other)s” is already the active survey for this trigger: deactivate it first.")
            % {"other": other.name})


@transaction.atomic
def create_survey(actor, **fields) -> Survey:
    _check_builder(actor)
    survey = Survey(created_by=actor, **{k: v for k, v in fields.items() if k in SURVEY_FIELDS})
    survey.is_active = False
    _validate_survey(survey)
    survey.save()
    audit.record(actor, "create", survey, changes=audit.diff({}, audit.snapshot(survey, SURVEY_FIELDS)))
    return survey


@transaction.atomic
def update_survey(actor, survey: Survey, **fields) -> Survey:
    _check_builder(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    before = audit.snapshot(survey, SURVEY_FIELDS)
    for name, value in fields.items():
        if name in SURVEY_FIELDS:
            setattr(survey, name, value)
    _validate_survey(survey)
    changes = audit.diff(before, audit.snapshot(survey, SURVEY_FIELDS))
    if changes:
        survey.save()
        audit.record(actor, "update", survey, changes=changes)
    return survey


@transaction.atomic
def set_active(actor, survey: Survey, active: bool) -> Survey:
    """Open or close a survey. Opening needs questions and a free trigger; a closed survey's
    links show "this survey is closed"."""
    _check_builder(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.is_active == active:
        return survey
    if active:
        errors: dict[str, list] = {}
        if not survey.questions.exists():
            errors["__all__"] = [_("Add at least one question before activating the survey.")]
        _check_trigger_free(survey, errors)
        if errors:
            raise ValidationError(errors)
    survey.is_active = active
    survey.save(update_fields=["is_active", "updated_at"])
    audit.record(actor, "update", survey, changes={"is_active": [not active, active]})
    return survey


@transaction.atomic
def delete_survey(actor, survey: Survey) -> None:
    """Delete a survey nobody was invited to (one with invitations is deactivated instead)."""
    _check_builder(actor)
    if survey.invitations.exists():
        raise ValidationError({"__all__": [_("Customers were invited to this survey: deactivate it "
                                             "instead, so their answers stay.")]})
    audit.record(actor, "delete", survey, changes={"name": [survey.name, None]})
    survey.delete()


# --- questions -------------------------------------------------------------------------------

def choices_from_lines(en: str, zh_hans: str, zh_hant: str, existing: list | None = None) -> list[dict]:
    """Three texts with one label per line (a line per choice, aligned) → the choices list.
    Keys are kept by position, so relabelling a choice keeps the answers given to it."""
    columns = {"en": (en or "").splitlines(), "zh_hans": (zh_hans or "").splitlines(),
               "zh_hant": (zh_hant or "").splitlines()}
    for lang, lines in columns.items():
        while lines and not lines[-1].strip():
            lines.pop()
        columns[lang] = [line.strip() for line in lines]
    count = max(len(lines) for lines in columns.values())
    keys = [c.get("key") for c in (existing or [])]
    used = set(keys)
    out = []
    for i in range(count):
        key = keys[i] if i < len(keys) else None
        if key is None:
            n = i + 1
            while f"c{n}" in used:
                n += 1
            key = f"c{n}"
            used.add(key)
        out.append({"key": key, **{lang: lines[i] if i < len(lines) else "" for lang, lines in columns.items()}})
    return out


def _validate_question(question: Question, *, answered: Question | None) -> None:
    """``answered``: the question as saved, when it already has answers (its shape is fixed)."""
    errors: dict[str, list] = {}
    kinds = Question.Kind
    if question.kind not in kinds.values:
        errors["kind"] = [_("Choose a question type.")]
    for suffix in LANGUAGE_FIELDS.values():
        setattr(question, f"text_{suffix}", (getattr(question, f"text_{suffix}") or "").strip())
    if not question.text():
        errors["text_en"] = [_("Write the question in at least one language.")]
    if question.kind == kinds.PAIR:
        if question.scale not in PAIR_SCALES:
            errors["scale"] = [_("A pair is asked on a 5- or 7-point scale.")]
        if question.dimension not in Question.Dimension.values:
            errors["dimension"] = [_("Choose the service dimension this pair measures.")]
        question.custom_dimension = (question.custom_dimension or "").strip()
        if question.dimension == Question.Dimension.CUSTOM and not question.custom_dimension:
            errors["custom_dimension"] = [_("Name the custom dimension.")]
        if question.dimension != Question.Dimension.CUSTOM:
            question.custom_dimension = ""
    else:
        question.scale = 5
        question.dimension = question.custom_dimension = ""
    if question.kind in Question.CHOICE_KINDS:
        choices = question.choices if isinstance(question.choices, list) else []
        if len(choices) < 2:
            errors["choices"] = [_("Give at least two choices.")]
        elif len(choices) > MAX_CHOICES:
            errors["choices"] = [_("Give at most %(max)s choices.") % {"max": MAX_CHOICES}]
        elif any(any(c.get(s) for c in choices) and not all(c.get(s) for c in choices)
                 for s in LANGUAGE_FIELDS.values()):
            errors["choices"] = [_("Give every choice a label in each language you use, one per line in "
                                   "the same order.")]
    else:
        question.choices = []
    if question.kind in (kinds.NPS, kinds.CSAT):
        twin = question.survey.questions.filter(kind=question.kind).exclude(pk=question.pk).exists()
        if twin:
            errors["kind"] = [_("A survey has at most one NPS question and one CSAT question.")]
    if answered is not None:
        if question.kind != answered.kind or question.scale != answered.scale:
            errors["kind"] = [_("This question has answers: its type and scale can no longer change.")]
        elif question.kind in Question.CHOICE_KINDS and len(question.choices) < len(answered.choices):
            errors["choices"] = [_("This question has answers: choices can be renamed or added, not removed.")]
    if errors:
        raise ValidationError(errors)


def _has_answers(question: Question) -> bool:
    return question.pk is not None and Answer.objects.filter(question=question).exists()


@transaction.atomic
def add_question(actor, survey: Survey, **fields) -> Question:
    _check_builder(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question(survey=survey, position=position,
                        **{k: v for k, v in fields.items() if k in QUESTION_FIELDS})
    _validate_question(question, answered=None)
    question.save()
    audit.record(actor, "create", question,
                 changes=audit.diff({}, audit.snapshot(question, AUDITED_QUESTION_FIELDS)))
    return question


@transaction.atomic
def update_question(actor, question: Question, **fields) -> Question:
    _check_builder(actor)
    saved = Question.objects.select_for_update().select_related("survey").get(pk=question.pk)
    before = audit.snapshot(saved, AUDITED_QUESTION_FIELDS)
    question = Question.objects.select_related("survey").get(pk=saved.pk)
    for name, value in fields.items():
        if name in QUESTION_FIELDS:
            setattr(question, name, value)
    _validate_question(question, answered=saved if _has_answers(saved) else None)
    changes = audit.diff(before, audit.snapshot(question, AUDITED_QUESTION_FIELDS))
    if changes:
        question.save()
        audit.record(actor, "update", question, changes=changes)
    return question


@transaction.atomic
def delete_question(actor, question: Question) -> None:
    _check_builder(actor)
    if _has_answers(question):
        raise ValidationError({"__all__": [_("This question has answers and cannot be deleted.")]})
    audit.record(actor, "delete", question, changes={"text_en": [question.text_en, None],
                                                     "kind": [question.kind, None]})
    question.delete()


@transaction.atomic
def move_question(actor, question: Question, direction: str) -> Question:
    """Move a question one place ``up`` or ``down``; positions are renumbered 1…n."""
    _check_builder(actor)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move a question up or down.")]})
    Survey.objects.select_for_update().get(pk=question.survey_id)
    questions = list(Question.objects.filter(survey_id=question.survey_id).order_by("position", "id"))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(questions):
        return questions[index]
    old = questions[index].position
    questions[index], questions[target] = questions[target], questions[index]
    for position, q in enumerate(questions, start=1):
        q.position = position
    Question.objects.bulk_update(questions, ["position"])
    moved = questions[target]
    audit.record(actor, "update", moved, changes={"position": [old, moved.position]})
    return moved


# --- templates -------------------------------------------------------------------------------

@transaction.atomic
def create_from_template(actor, key: str) -> Survey:
    """A new (inactive) survey with the questions of one of the shipped templates."""
    _check_builder(actor)
    if key not in TEMPLATES:
        raise ValidationError({"template": [_("Unknown template.")]})
    template = TEMPLATES[key]
    survey = Survey(created_by=actor, template_key=key, is_active=False,
                    **{k: v for k, v in template["survey"].items() if k in SURVEY_FIELDS})
    _validate_survey(survey)
    survey.save()
    questions = []
    for position, spec in enumerate(template["questions"], start=1):
        question = Question(survey=survey, position=position, **spec)
        _validate_question(question, answered=None)
        questions.append(question)
    Question.objects.bulk_create(questions)
    audit.record(actor, "create", survey, changes={
        **audit.diff({}, audit.snapshot(survey, SURVEY_FIELDS)),
        "template_key": [None, key], "questions": [None, len(questions)]})
    return survey
