"""Survey pages. Thin: permissions and visibility in ``access``, writes in ``services`` /
``invitations`` / ``answers``, numbers in ``results``.

Staff pages need a login; the response page (``/surveys/r/<token>/``) needs none, only a valid
link, and is rate limited per IP address.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from kehu.accounts.models import Team
from kehu.customers.access import visible_customers
from kehu.customers.api import search_customers
from kehu.customers.models import Customer
from kehu.env import env_str
from kehu.privacy.masking import can_view_pii, mask_identity
from kehu.scoring.presentation import segment_choices
from kehu.surveys import access, answers, invitations, results, services
from kehu.surveys.forms import InviteForm, QuestionForm, SendForm, SurveyForm
from kehu.surveys.models import BatchSend, Question, Survey, language_key
from kehu.surveys.questionnaires import TEMPLATES, template_label
from kehu.web.pagination import page_of
from kehu.web.templatetags.kehu import display_phone

PAGE_SIZE = 50
SEARCH_LIMIT = 20


def _page(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _form_errors(form, exc: ValidationError, aliases=None) -> None:
    aliases = aliases or {}
    for name, errors in exc.message_dict.items():
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- surveys ---------------------------------------------------------------------------------

@login_required
@require_GET
def survey_list(request):
    access.check(access.can_view_surveys(request.user))
    surveys, has_next = page_of(Survey.objects.order_by("-created_at", "-id"), _page(request), PAGE_SIZE)
    language = translation.get_language()
    return render(request, "surveys/list.html", {
        "surveys": surveys, "has_next": has_next, "page": _page(request), "query_string": "",
        "templates": [(key, template_label(key, language)) for key in TEMPLATES],
        "can_build": access.can_build(request.user),
        "can_see_sms": request.user.has_perm(access.VIEW_INVITATIONS), "nav": "surveys"})


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    access.check(access.can_build(request.user))
    form = SurveyForm(request.POST or None, initial={"default_language": language_key(translation.get_language())})
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Survey created. Now add its questions."))
            return redirect("surveys:detail", survey.pk)
    return render(request, "surveys/form.html", {"form": form, "nav": "surveys"},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def survey_from_template(request):
    access.check(access.can_build(request.user))
    try:
        survey = services.create_from_template(request.user, request.POST.get("template", ""))
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return redirect("surveys:list")
    messages.success(request, _("Survey created from the template. Check it, then activate it."))
    return redirect("surveys:detail", survey.pk)


@login_required
@require_GET
def survey_detail(request, pk):
    survey = access.access_survey(request.user, pk)
    questions = list(survey.questions.order_by("position", "id"))
    return render(request, "surveys/detail.html", {
        "survey": survey, "questions": questions, "can_build": access.can_build(request.user),
        "can_send": access.can_send(request.user), "can_send_segment": access.can_send_to_segment(request.user),
        "can_see_results": access.can_view_results(request.user),
        "batches": list(survey.batches.select_related("requested_by").order_by("-created_at", "-id")[:10]),
        "language": translation.get_language(), "nav": "surveys",
        # after a move, focus returns to the moved question's button (keyboard reordering)
        "moved": int(request.GET["moved"]) if request.GET.get("moved", "").isdigit() else None,
        "move_dir": request.GET.get("dir", "")})


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk):
    survey = access.access_survey(request.user, pk, for_change=True)
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(request.user, survey, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("surveys:detail", survey.pk)
    return render(request, "surveys/form.html", {"form": form, "survey": survey, "nav": "surveys"},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def survey_toggle(request, pk):
    survey = access.access_survey(request.user, pk, for_change=True)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(request.user, survey, active)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("The survey is active.") if active else _("The survey is closed."))
    return redirect("surveys:detail", survey.pk)


@login_required
@require_POST
def survey_delete(request, pk):
    survey = access.access_survey(request.user, pk, for_change=True)
    try:
        services.delete_survey(request.user, survey)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return redirect("surveys:detail", survey.pk)
    messages.success(request, _("Survey deleted."))
    return redirect("surveys:list")


# --- questions -------------------------------------------------------------------------------

def _question(survey, question_id) -> Question:
    try:
        return survey.questions.get(pk=question_id)
    except (Question.DoesNotExist, ValueError):
        raise Http404 from None


def _question_fields(form) -> dict:
    data = dict(form.cleaned_data)
    lines = {lang: data.pop(f"choices_{lang}", "") for lang in ("en", "zh_hans", "zh_hant")}
    data["choices"] = services.choices_from_lines(lines["en"], lines["zh_hans"], lines["zh_hant"],
                                                  existing=form.instance.choices if form.instance.pk else None)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def question_form(request, pk, question_id=None):
    survey = access.access_survey(request.user, pk, for_change=True)
    question = _question(survey, question_id) if question_id else None
    form = QuestionForm(request.POST or None, instance=question,
                        initial=None if question else {"required": True, "scale": 5})
    if request.method == "POST" and form.is_valid():
        try:
            if question is None:
                services.add_question(request.user, survey, **_question_fields(form))
            else:
                services.update_question(request.user, question, **_question_fields(form))
        except ValidationError as exc:
            _form_errors(form, exc, aliases={"choices": "choices_en"})
        else:
            messages.success(request, _("Question saved."))
            return redirect(reverse("surveys:detail", args=[survey.pk]) + "#questions")
    return render(request, "surveys/question_form.html", {
        "form": form, "survey": survey, "question": question, "nav": "surveys"},
        status=422 if form.errors else 200)


@login_required
@require_POST
def question_delete(request, pk, question_id):
    survey = access.access_survey(request.user, pk, for_change=True)
    try:
        services.delete_question(request.user, _question(survey, question_id))
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("Question deleted."))
    return redirect(reverse("surveys:detail", args=[survey.pk]) + "#questions")


@login_required
@require_POST
def question_move(request, pk, question_id):
    survey = access.access_survey(request.user, pk, for_change=True)
    direction = request.POST.get("direction", "")
    try:
        moved = services.move_question(request.user, _question(survey, question_id), direction)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return redirect("surveys:detail", survey.pk)
    # Back on the same button (autofocus), so a keyboard user can keep moving the question. No
    # #fragment: browsers skip autofocus when the address targets an element.
    return redirect(reverse("surveys:detail", args=[survey.pk]) + f"?moved={moved.pk}&dir={direction}")


@login_required
@require_http_methods(["GET", "POST"])
def survey_preview(request, pk):
    """The respondent's page, without a link: answers are checked, never saved."""
    survey = access.access_survey(request.user, pk)
    language = language_key(request.GET.get("lang") or request.POST.get("lang") or translation.get_language())
    questions = list(survey.questions.order_by("position", "id"))
    with translation.override(language):
        errors, checked = {}, False
        if request.method == "POST":
            _parsed, errors = answers.parse_answers(questions, request.POST)
            checked = not errors
        views = answers.question_views(questions, language, request.POST if request.method == "POST" else None,
                                       errors)
        return render(request, "surveys/public/respond.html", {
            "survey": survey, "questions": views, "language": language, "preview": True, "checked": checked,
            "errors": errors, "title": survey.title(language), "intro": survey.intro(language),
            "action": reverse("surveys:preview", args=[survey.pk]), "base_url": request.path},
            status=422 if errors else 200)


# --- results ---------------------------------------------------------------------------------

@login_required
@require_GET
def survey_results(request, pk):
    survey = access.access_survey(request.user, pk)
    access.check(access.can_view_results(request.user))
    f = results.Filters.from_params(request.GET)
    language = translation.get_language()
    questions = list(survey.questions.order_by("position", "id"))
    summary = results.summary(request.user, survey, f)
    gaps = results.gaps(request.user, survey, f, language)
    trend = results.trend(request.user, survey, f)
    verbatims, has_next = results.verbatims(request.user, survey, f, _page(request))
    query = f.as_params()
    return render(request, "surveys/results.html", {
        "survey": survey, "summary": summary, "gaps": gaps, "trend": trend,
        "distributions": results.distributions(request.user, survey, questions, f, language),
        "by_tier": results.by_tier(request.user, survey, f),
        "by_segment": results.by_segment(request.user, survey, f) if request.user.has_perm(
            "scoring.view_customerscore") else [],
        "verbatims": verbatims, "has_next": has_next, "page": _page(request),
        "query_string": "&".join(f"{k}={v}" for k, v in query.items()),
        "filters": f, "tiers": Customer.Tier.choices, "bands": results.band_choices(),
        "charts": results.chart_data(summary, gaps, trend), "language": language, "nav": "surveys"})


@login_required
@require_GET
def response_detail(request, response_id):
    response = access.access_response(request.user, response_id)
    language = translation.get_language()
    rows = list(response.answers.select_related("question").order_by("question__position", "question_id", "id"))
    for answer in rows:
        answer.question_text = answer.question.text(language)
        if answer.choice:
            answer.choice_label = answer.question.choice_label(answer.choice, language)
    return render(request, "surveys/response.html", {
        "response": response, "answers": rows, "title": response.survey.title(language), "nav": "surveys",
        "can_see_survey": access.can_view_surveys(request.user)})


# --- sending ---------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def survey_invite(request, pk):
    """Find a customer (name, phone, email or ID) and invite them."""
    survey = access.access_survey(request.user, pk)
    access.check(access.can_send(request.user))
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = invitations.invite_customer(
                    request.user, survey, form.cleaned_data["customer"], channel=form.cleaned_data["channel"],
                    language=form.cleaned_data["language"])
            except ValidationError as exc:
                messages.error(request, _messages_of(exc))
            else:
                if invitation.channel == Survey.Channel.SMS:
                    messages.success(request, _("Invitation created: it waits in the list of SMS to send."))
                else:
                    messages.success(request, _("Invitation sent by email to %(name)s.") % {
                        "name": invitation.customer.display_name})
        return redirect(reverse("surveys:invite", args=[survey.pk]) + "?q=" + request.POST.get("q", ""))
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        qs = visible_customers(request.user)
        by_id = query.lstrip("#")
        if by_id.isdigit() and (query.startswith("#") or len(by_id) < 7):  # a phone number is longer
            found = list(qs.filter(pk=int(by_id)))
        else:
            found = list(search_customers(qs, query).order_by("display_name", "id")[:SEARCH_LIMIT])
    return render(request, "surveys/invite.html", {
        "survey": survey, "query": query, "found": found, "channels": Survey.Channel.choices,
        "invite_languages": Survey.Language.choices, "default_language": survey.default_language,
        "form": InviteForm(initial={"channel": survey.channel, "language": survey.default_language}),
        "nav": "surveys"})


def _segment_context(request, survey, form, preview=None):
    return {"survey": survey, "form": form, "preview": preview, "filters": request.GET,
            "kinds": Customer.Kind.choices, "natures": Customer.Nature.choices, "stages": Customer.Stage.choices,
            "tiers": Customer.Tier.choices, "segments": segment_choices(), "teams": Team.objects.all(),
            "show_value": request.user.has_perm("scoring.view_customerscore"), "nav": "surveys"}


@login_required
@require_http_methods(["GET", "POST"])
def survey_segment(request, pk):
    """Pick customers with the customer list's filters, see how many will be invited, send."""
    survey = access.access_survey(request.user, pk)
    access.check(access.can_send_to_segment(request.user))
    data = request.POST if request.method == "POST" else (request.GET if "channel" in request.GET else None)
    form = SendForm(data, initial={"channel": survey.channel, "language": survey.default_language})
    preview = None
    if data is not None and form.is_valid():
        try:
            if request.method == "POST":
                batch = invitations.send_to_segment(request.user, survey, request.GET,
                                                    channel=form.cleaned_data["channel"],
                                                    language=form.cleaned_data["language"])
                if batch.status == BatchSend.Status.QUEUED:
                    messages.info(request, _("This segment is large: the invitations are being sent in the background."))
                return redirect("surveys:batch", batch.pk)
            preview = invitations.preview_segment(request.user, request.GET, form.cleaned_data["channel"])
        except ValidationError as exc:
            _form_errors(form, exc)
    return render(request, "surveys/segment.html", _segment_context(request, survey, form, preview),
                  status=422 if form.errors else 200)


@login_required
@require_GET
def batch_detail(request, batch_id):
    try:
        batch = BatchSend.objects.select_related("survey", "requested_by").get(pk=batch_id)
    except BatchSend.DoesNotExist:
        raise Http404 from None
    access.check(access.can_send(request.user) or access.can_build(request.user))
    if not (request.user.is_superuser or batch.requested_by_id in (None, request.user.pk)
            or access.can_build(request.user)):
        raise Http404
    return render(request, "surveys/batch.html", {"batch": batch, "nav": "surveys"})


@login_required
@require_GET
def sms_list(request):
    rows, has_next = page_of(invitations.sms_to_send(request.user), _page(request), PAGE_SIZE)
    phones = invitations.phones_of([r.customer_id for r in rows])
    pii = can_view_pii(request.user)
    for row in rows:
        phone = phones.get(row.customer_id, "")
        row.phone = (display_phone(phone) if pii else mask_identity("phone", phone)) if phone else ""
    return render(request, "surveys/sms.html", {
        "invitations": rows, "has_next": has_next, "page": _page(request), "query_string": "",
        "can_mark": request.user.has_perm(access.MARK_SMS_SENT), "pii": pii, "nav": "surveys"})


@login_required
@require_POST
def sms_mark_sent(request):
    ids = [int(i) for i in request.POST.getlist("invitation") if i.isdigit()]
    n = invitations.mark_sms_sent(request.user, ids)
    messages.success(request, _("%(n)s SMS marked as sent.") % {"n": n})
    return redirect("surveys:sms")


# --- the respondent's page (no login) --------------------------------------------------------

def _setting(name: str, default: str) -> str:
    """A Django setting if one is made (tests do), else the ``KEHU_*`` environment variable."""
    return getattr(settings, name, None) or env_str(name, default)


def _post_rate(group, request):
    return _setting("KEHU_SURVEY_POST_RATE", "10/m")


def _get_rate(group, request):
    return _setting("KEHU_SURVEY_GET_RATE", "120/m")


def _public_language(request, invitation) -> str:
    wanted = request.POST.get("lang") or request.GET.get("lang")
    return language_key(wanted) if wanted else invitation.language


def _public(request, template, context, *, status=200, language):
    response = render(request, f"surveys/public/{template}", {"language": language, **context}, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


def _limited(request, language):
    return _public(request, "limited.html", {}, status=429, language=language)


@ratelimit(key="ip", rate=_post_rate, method="POST", block=False)
@ratelimit(key="ip", rate=_get_rate, method=ratelimit.ALL, block=False)
@require_http_methods(["GET", "POST"])
def respond(request, token):
    invitation = invitations.find_invitation(token)
    if invitation is None:
        if getattr(request, "limited", False):
            return _limited(request, language_key(translation.get_language()))
        raise Http404("No survey matches this link.")
    language = _public_language(request, invitation)
    with translation.override(language):
        if getattr(request, "limited", False):
            return _limited(request, language)
        survey = invitation.survey
        context = {"survey": survey, "title": survey.title(language), "intro": survey.intro(language),
                   "token": token, "base_url": request.path}
        if invitation.answered_at is not None:
            return _public(request, "answered.html", context, status=409 if request.method == "POST" else 200,
                           language=language)
        if not survey.is_active:
            return _public(request, "closed.html", context, status=410, language=language)
        questions = list(survey.questions.order_by("position", "id"))
        errors = {}
        if request.method == "POST":
            try:
                answers.submit_response(invitation, request.POST, language=language)
            except answers.AlreadyAnswered:
                return _public(request, "answered.html", context, status=409, language=language)
            except answers.SurveyClosed:
                return _public(request, "closed.html", context, status=410, language=language)
            except ValidationError as exc:
                errors = {k: v[0] for k, v in exc.message_dict.items()}
            else:
                return redirect(reverse("surveys:thanks", args=[token]) + f"?lang={language}")
        views = answers.question_views(questions, language, request.POST if errors else None, errors)
        return _public(request, "respond.html", {
            **context, "questions": views, "errors": errors, "action": request.path,
            "opted_out": answers.has_opted_out(invitation), "channel": invitation.channel},
            status=422 if errors else 200, language=language)


@ratelimit(key="ip", rate=_get_rate, method=ratelimit.ALL, block=False)
@require_GET
def thanks(request, token):
    invitation = invitations.find_invitation(token)
    if invitation is None:
        raise Http404("No survey matches this link.")
    language = _public_language(request, invitation)
    if invitation.answered_at is None:
        return redirect(reverse("surveys:respond", args=[token]) + f"?lang={language}")
    with translation.override(language):
        if getattr(request, "limited", False):
            return _limited(request, language)
        return _public(request, "thanks.html", {"title": invitation.survey.title(language), "base_url": request.path},
                       language=language)


@ratelimit(key="ip", rate=_post_rate, method="POST", block=False)
@require_POST
def opt_out(request, token):
    invitation = invitations.find_invitation(token)
    if invitation is None:
        raise Http404("No survey matches this link.")
    language = _public_language(request, invitation)
    with translation.override(language):
        if getattr(request, "limited", False):
            return _limited(request, language)
        answers.opt_out(invitation)
        return _public(request, "opted_out.html", {
            "title": invitation.survey.title(language), "channel": invitation.channel,
            "answered": invitation.answered_at is not None, "token": token, "base_url": request.path},
            language=language)
