from django.urls import path

from kehu.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/tab/<str:tab>/", views.customer_tab, name="tab"),
    path("<int:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("<int:pk>/add/<str:kind>/", views.child_create, name="child-create"),
    path("<int:pk>/interactions/new/", views.interaction_create, name="interaction-create"),
]
