"""Pages of the knowledge app (mounted at /knowledge/); /knowledge/public/ needs no login."""

from django.urls import path

from kehu.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.article_create, name="create"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/publish/", views.article_publish, name="publish"),
    path("<int:pk>/feedback/", views.article_feedback, name="feedback"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.categories, name="category"),
    path("public/", views.public_home, name="public-home"),
    path("public/<int:pk>/", views.public_article, name="public-article"),
    path("public/<int:pk>/feedback/", views.public_feedback, name="public-feedback"),
]
