from django.urls import path

from kehu.identity import views

app_name = "identity"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("scan/", views.start_scan, name="scan"),
    path("<int:pk>/", views.compare, name="compare"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("compare/<int:a>/<int:b>/", views.compare_customers, name="compare-customers"),
    path("different/<int:a>/<int:b>/", views.not_duplicate, name="not-duplicate"),
    path("merges/<int:pk>/undo/", views.undo_merge, name="undo-merge"),
]
