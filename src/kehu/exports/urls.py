from django.urls import path

from kehu.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.my_exports, name="list"),
    path("customers/", views.export_customers, name="customers"),
    path("orders/", views.export_orders, name="orders"),
    path("customers/<int:pk>/", views.export_customer_file, name="customer-file"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
