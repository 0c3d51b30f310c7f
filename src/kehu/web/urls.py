from django.urls import path

from kehu.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
    path("healthz", views.healthz, name="healthz"),
]
