"""Pages of the service app: staff queues and cases, and the public complaint form and status page."""

from django.urls import path

from kehu.service import views

app_name = "service"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("board/", views.board, name="board"),
    path("follow-ups/", views.follow_up_list, name="follow-ups"),
    path("follow-ups/<int:follow_up_pk>/done/", views.standalone_follow_up_done, name="follow-up-done"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/words/", views.case_words, name="case-words"),
    path("cases/<int:pk>/key-points/", views.case_key_points, name="case-key-points"),
    path("cases/<int:pk>/reply/", views.case_reply, name="case-reply"),
    path("cases/<int:pk>/note/", views.case_note, name="case-note"),
    path("cases/<int:pk>/propose/", views.case_propose, name="case-propose"),
    path("cases/<int:pk>/proposals/<int:proposal_pk>/answer/", views.proposal_answer, name="proposal-answer"),
    path("cases/<int:pk>/follow-up/", views.case_follow_up, name="case-follow-up"),
    path("cases/<int:pk>/follow-ups/<int:follow_up_pk>/done/", views.follow_up_done, name="case-follow-up-done"),
    path("cases/<int:pk>/move/", views.case_move, name="case-move"),
    path("cases/<int:pk>/link/", views.case_link_customer, name="case-link"),
    # public: no account
    path("complain/", views.complain, name="complain"),
    path("complain/thanks/<str:token>/", views.complain_thanks, name="complain-thanks"),
    path("status/<str:token>/", views.status, name="status"),
]
