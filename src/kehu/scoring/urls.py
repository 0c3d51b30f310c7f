from django.urls import path

from kehu.scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("runs/", views.start_run, name="start-run"),
    path("runs/<int:pk>/", views.run_status, name="run-status"),
    path("customers/<int:pk>/card/", views.value_card, name="value-card"),
]
