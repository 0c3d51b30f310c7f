from django.urls import path

from kehu.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("products/", views.product_list, name="products"),
]
