"""Pages of the surveys app."""

from django.urls import path

from kehu.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("from-template/", views.survey_from_template, name="from-template"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/active/", views.survey_toggle, name="toggle"),
    path("<int:pk>/delete/", views.survey_delete, name="delete"),
    path("<int:pk>/questions/new/", views.question_form, name="question-create"),
    path("<int:pk>/questions/<int:question_id>/", views.question_form, name="question-edit"),
    path("<int:pk>/questions/<int:question_id>/delete/", views.question_delete, name="question-delete"),
    path("<int:pk>/questions/<int:question_id>/move/", views.question_move, name="question-move"),
    path("<int:pk>/preview/", views.survey_preview, name="preview"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/invite/", views.survey_invite, name="invite"),
    path("<int:pk>/segment/", views.survey_segment, name="segment"),
    path("sends/<int:batch_id>/", views.batch_detail, name="batch"),
    path("sms/", views.sms_list, name="sms"),
    path("sms/sent/", views.sms_mark_sent, name="sms-sent"),
    path("responses/<int:response_id>/", views.response_detail, name="response"),
    # the respondent's link: no login
    path("r/<str:token>/", views.respond, name="respond"),
    path("r/<str:token>/thanks/", views.thanks, name="thanks"),
    path("r/<str:token>/opt-out/", views.opt_out, name="opt-out"),
]
