from django.urls import path

from kehu.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.my_imports, name="list"),
    path("new/", views.new_import, name="new"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/mapping/", views.configure, name="configure"),
    path("<int:pk>/back-to-mapping/", views.remap, name="remap"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/errors/", views.errors, name="errors"),
]
