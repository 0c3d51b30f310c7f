"""The questionnaire builder: validation, ordering, activation, templates, audit, permissions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.privacy.models import AuditEntry
from kehu.surveys import answers, services
from kehu.surveys.models import Question, Survey, in_language

SURVEY = {"name": "Card", "title_en": "Card", "default_language": "en", "trigger": "manual", "channel": "email",
          "order_delay_days": 3}


def test_a_survey_needs_a_name_and_a_title(manager):
    with pytest.raises(ValidationError) as err:
        services.create_survey(manager, **{**SURVEY, "name": " ", "title_en": ""})
    assert set(err.value.message_dict) == {"name", "title_en"}
    assert Survey.objects.count() == 0


def test_the_delay_after_an_order_is_bounded(manager):
    with pytest.raises(ValidationError) as err:
        services.create_survey(manager, **{**SURVEY, "order_delay_days": 400})
    assert list(err.value.message_dict) == ["order_delay_days"]


def test_a_title_in_one_language_is_enough_and_the_others_fall_back(manager):
    survey = services.create_survey(manager, **{**SURVEY, "title_en": "", "title_zh_hant": "顧客意見表"})
    assert survey.title("en") == "顧客意見表"
    assert survey.title("zh-hans") == "顧客意見表"
    question = services.add_question(manager, survey, kind="rating", text_zh_hans="服务速度", text_en="Speed")
    assert question.text("zh-hant") == "服务速度"  # no zh-Hant text: Simplified before English
    assert question.text("en") == "Speed"
    assert in_language(question, "text", "zh-TW") == "服务速度"


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "rating"}, "text_en"),
    ({"kind": "single", "text_en": "Pick", "choices": services.choices_from_lines("Only one", "", "")}, "choices"),
    ({"kind": "multiple", "text_en": "Pick", "choices": services.choices_from_lines("A\n", "\nB", "")}, "choices"),
    ({"kind": "pair", "text_en": "Queue", "scale": 6, "dimension": "responsiveness"}, "scale"),
    ({"kind": "pair", "text_en": "Queue", "scale": 7, "dimension": ""}, "dimension"),
    ({"kind": "pair", "text_en": "Queue", "scale": 7, "dimension": "custom"}, "custom_dimension"),
    ({"kind": "essay", "text_en": "?"}, "kind"),
])
def test_invalid_questions_are_refused_with_the_field_at_fault(manager, fields, field):
    survey = services.create_survey(manager, **SURVEY)
    with pytest.raises(ValidationError) as err:
        services.add_question(manager, survey, **fields)
    assert field in err.value.message_dict
    assert survey.questions.count() == 0


def test_a_survey_has_one_nps_question_at_most(manager):
    survey = services.create_survey(manager, **SURVEY)
    services.add_question(manager, survey, kind="nps", text_en="Recommend?")
    with pytest.raises(ValidationError) as err:
        services.add_question(manager, survey, kind="nps", text_en="Recommend again?")
    assert "kind" in err.value.message_dict
    assert survey.questions.count() == 1


def test_a_pair_keeps_its_dimension_and_other_kinds_drop_it(manager):
    survey = services.create_survey(manager, **SURVEY)
    pair = services.add_question(manager, survey, kind="pair", text_en="Parking", scale=7, dimension="custom",
                                 custom_dimension="Access")
    rating = services.add_question(manager, survey, kind="rating", text_en="Food", scale=7, dimension="empathy")
    assert (pair.scale, pair.dimension, pair.dimension_label()) == (7, "custom", "Access")
    assert (rating.scale, rating.dimension, rating.high) == (5, "", 5)


def test_choice_keys_survive_relabelling(manager):
    choices = services.choices_from_lines("Yes\nNo", "是\n否", "是\n否")
    assert [c["key"] for c in choices] == ["c1", "c2"]
    again = services.choices_from_lines("Yes, sure\nNo\nMaybe", "是\n否\n也许", "", existing=choices)
    assert again == [{"key": "c1", "en": "Yes, sure", "zh_hans": "是", "zh_hant": ""},
                     {"key": "c2", "en": "No", "zh_hans": "否", "zh_hant": ""},
                     {"key": "c3", "en": "Maybe", "zh_hans": "也许", "zh_hant": ""}]


def test_an_answered_question_keeps_its_shape(manager, small_survey, make_customer, respond):
    customer = make_customer(manager, phone="13800000001")
    respond(manager, small_survey, customer, nps=9, csat=4, pair=(4, 4), choice="c1")
    single = small_survey.questions.get(kind="single")
    with pytest.raises(ValidationError) as err:
        services.update_question(manager, single, kind="multiple")
    assert "kind" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.update_question(manager, single, choices=single.choices[:1])
    assert "choices" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.delete_question(manager, single)
    single.refresh_from_db()
    assert single.kind == "single" and len(single.choices) == 2
    # relabelling is fine
    relabelled = services.choices_from_lines("Yes!\nNo", "会\n不会", "", existing=single.choices)
    services.update_question(manager, single, choices=relabelled)
    single.refresh_from_db()
    assert single.choices[0]["en"] == "Yes!"


def test_questions_move_up_and_down_and_are_renumbered(manager):
    survey = services.create_survey(manager, **SURVEY)
    a, b, c = (services.add_question(manager, survey, kind="rating", text_en=t) for t in "ABC")
    services.move_question(manager, c, "up")
    assert [q.text_en for q in survey.questions.order_by("position")] == ["A", "C", "B"]
    services.move_question(manager, a, "up")  # already first: nothing moves
    services.move_question(manager, a, "down")
    assert list(survey.questions.order_by("position").values_list("text_en", "position")) == [
        ("C", 1), ("A", 2), ("B", 3)]
    assert AuditEntry.objects.filter(object_type="surveys.question", action="update").count() == 2


def test_activation_needs_questions_and_a_free_trigger(manager):
    survey = services.create_survey(manager, **{**SURVEY, "trigger": "case_closed"})
    with pytest.raises(ValidationError):
        services.set_active(manager, survey, True)
    services.add_question(manager, survey, kind="csat", text_en="Happy?")
    services.set_active(manager, survey, True)
    other = services.create_survey(manager, **{**SURVEY, "name": "Other", "trigger": "case_closed"})
    services.add_question(manager, other, kind="csat", text_en="Happy?")
    with pytest.raises(ValidationError) as err:
        services.set_active(manager, other, True)
    assert "trigger" in err.value.message_dict
    other.refresh_from_db()
    assert not other.is_active
    # manual surveys may be active side by side
    services.update_survey(manager, other, trigger="manual")
    services.set_active(manager, other, True)
    assert Survey.objects.filter(is_active=True).count() == 2


def test_every_change_is_audited(manager):
    survey = services.create_survey(manager, **SURVEY)
    services.update_survey(manager, survey, title_zh_hans="意见卡")
    question = services.add_question(manager, survey, kind="rating", text_en="Food")
    services.set_active(manager, survey, True)
    entries = list(AuditEntry.objects.order_by("id").values_list("object_type", "action", "actor_id"))
    assert entries == [("surveys.survey", "create", manager.pk), ("surveys.survey", "update", manager.pk),
                       ("surveys.question", "create", manager.pk), ("surveys.survey", "update", manager.pk)]
    update = AuditEntry.objects.filter(object_type="surveys.survey", action="update").order_by("id").first()
    assert update.changes == {"title_zh_hans": ["", "意见卡"]}
    assert AuditEntry.objects.get(object_type="surveys.question").object_id == str(question.pk)


@pytest.mark.parametrize("role", ["sales", "service"])
def test_only_builders_build(make_user, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        services.create_survey(user, **SURVEY)
    with pytest.raises(PermissionDenied):
        services.create_from_template(user, "bank")
    assert Survey.objects.count() == 0


def test_a_survey_with_invitations_is_not_deleted(manager, small_survey, make_customer, invite_sms):
    invite_sms(manager, small_survey, make_customer(manager, phone="13800000002"))
    with pytest.raises(ValidationError):
        services.delete_survey(manager, small_survey)
    assert Survey.objects.filter(pk=small_survey.pk).exists()
    empty = services.create_survey(manager, **SURVEY)
    services.delete_survey(manager, empty)
    assert not Survey.objects.filter(pk=empty.pk).exists()


# --- the three templates ------------------------------------------------------------------------

def _kinds(survey):
    return list(survey.questions.order_by("position").values_list("kind", flat=True))


def test_the_after_sales_card(manager):
    survey = services.create_from_template(manager, "after_sales")
    assert (survey.title("zh-hans"), survey.title("zh-hant"), survey.title("en")) == (
        "售后服务卡", "售後服務卡", "After-sales service card")
    assert survey.intro("en").startswith("Thank you for buying")
    assert _kinds(survey) == ["rating", "rating", "rating", "single", "csat", "nps", "text"]
    assert survey.trigger == "case_closed" and not survey.is_active
    first_time = survey.questions.get(kind="single")
    assert first_time.localized_choices("zh-hans") == [("c1", "是"), ("c2", "否，需要再次上门"), ("c3", "尚未解决")]


def test_the_restaurant_comment_card(manager):
    survey = services.create_from_template(manager, "restaurant")
    assert survey.title("zh-hans") == "顾客意见表"
    assert _kinds(survey) == ["rating"] * 5 + ["single", "csat", "text"]
    texts = [q.text("en") for q in survey.questions.order_by("position")]
    assert texts[:5] == ["Food quality: taste, temperature and freshness", "Speed of service",
                         "Cleanliness of the dining area and restrooms", "Friendliness of our staff", "Value for money"]
    assert texts[5] == "Would you come back?"
    assert (survey.trigger, survey.order_delay_days) == ("order", 1)


def test_the_bank_survey_pairs_the_five_servqual_dimensions(manager):
    survey = services.create_from_template(manager, "bank")
    assert survey.title("zh-hans") == "银行顾客满意度调查表"
    pairs = list(survey.questions.filter(kind="pair").order_by("position"))
    assert len(pairs) == 10
    assert {q.scale for q in pairs} == {7}
    assert [q.dimension for q in pairs] == ["tangibles", "tangibles", "reliability", "reliability", "responsiveness",
                                            "responsiveness", "assurance", "assurance", "empathy", "empathy"]
    assert _kinds(survey)[10:] == ["csat", "nps", "text"]


@pytest.mark.parametrize("key", ["after_sales", "restaurant", "bank"])
def test_templates_are_written_in_the_three_languages(manager, key):
    survey = services.create_from_template(manager, key)
    for field in ("title", "intro"):
        assert all(getattr(survey, f"{field}_{s}") for s in ("en", "zh_hans", "zh_hant")), field
    for question in survey.questions.all():
        assert question.text_en and question.text_zh_hans and question.text_zh_hant, question.pk
        for choice in question.choices:
            assert choice["en"] and choice["zh_hans"] and choice["zh_hant"], choice
    assert survey.template_key == key
    entry = AuditEntry.objects.get(object_type="surveys.survey", object_id=str(survey.pk))
    assert entry.changes["template_key"] == [None, key]


def test_a_template_survey_can_be_answered(manager, make_customer, invite_sms):
    """The bank template end to end through the services: every required question answered."""
    survey = services.set_active(manager, services.create_from_template(manager, "bank"), True)
    invitation, _token = invite_sms(manager, survey, make_customer(manager, phone="13800000003"))
    data = {}
    for q in survey.questions.all():
        if q.kind == Question.Kind.PAIR:
            data[f"q{q.pk}_e"], data[f"q{q.pk}_p"] = "7", "5"
        elif q.kind in (Question.Kind.NPS, Question.Kind.CSAT):
            data[f"q{q.pk}"] = "4"
    response = answers.submit_response(invitation, data)
    assert response.answers.count() == 12
    assert (response.nps, response.csat) == (4, 4)


def test_the_template_button_creates_the_survey(client, manager):
    client.force_login(manager)
    page = client.post("/surveys/from-template/", {"template": "restaurant"})
    survey = Survey.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/surveys/{survey.pk}/"
    assert survey.questions.count() == 8
    assert client.post("/surveys/from-template/", {"template": "nope"}).status_code == 302
    assert Survey.objects.count() == 1


def test_the_builder_pages_work_with_plain_forms(client, manager):
    client.force_login(manager)
    page = client.post("/surveys/new/", {**SURVEY, "title_zh_hans": "卡"})
    survey = Survey.objects.get()
    assert page.status_code == 302
    bad = client.post(f"/surveys/{survey.pk}/questions/new/", {"kind": "single", "text_en": "Pick one", "scale": 5,
                                                              "required": "on", "choices_en": "Only"})
    assert bad.status_code == 422
    assert "Give at least two choices." in bad.content.decode()
    ok = client.post(f"/surveys/{survey.pk}/questions/new/", {"kind": "single", "text_en": "Pick one", "scale": 5,
                                                             "required": "on", "choices_en": "A\nB",
                                                             "choices_zh_hans": "甲\n乙"})
    assert ok.status_code == 302
    question = survey.questions.get()
    assert question.choices == [{"key": "c1", "en": "A", "zh_hans": "甲", "zh_hant": ""},
                                {"key": "c2", "en": "B", "zh_hans": "乙", "zh_hant": ""}]
    client.post(f"/surveys/{survey.pk}/questions/new/", {"kind": "text", "text_en": "Why?", "scale": 5})
    moved = client.post(f"/surveys/{survey.pk}/questions/{question.pk}/move/", {"direction": "down"})
    assert moved.status_code == 302 and moved["Location"] == f"/surveys/{survey.pk}/?moved={question.pk}&dir=down"
    assert list(survey.questions.order_by("position").values_list("kind", flat=True)) == ["text", "single"]
    detail = client.get(moved["Location"])
    assert detail.status_code == 200
    assert "autofocus" in detail.content.decode()  # focus stays on the moved question's button
    assert client.post(f"/surveys/{survey.pk}/active/", {"active": "1"}).status_code == 302
    survey.refresh_from_db()
    assert survey.is_active
    preview = client.get(f"/surveys/{survey.pk}/preview/?lang=zh-hans")
    assert preview.status_code == 200 and "甲" in preview.content.decode()
    checked = client.post(f"/surveys/{survey.pk}/preview/", {"lang": "en"})
    assert checked.status_code == 422 and "Please choose an answer." in checked.content.decode()


def test_sales_reps_cannot_open_the_builder(client, rep, small_survey):
    client.force_login(rep)
    assert client.get("/surveys/new/").status_code == 403
    assert client.get(f"/surveys/{small_survey.pk}/edit/").status_code == 403
    assert client.post(f"/surveys/{small_survey.pk}/active/", {"active": "0"}).status_code == 403
    small_survey.refresh_from_db()
    assert small_survey.is_active
    assert client.get(f"/surveys/{small_survey.pk}/").status_code == 200  # may read it
