from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("kehu.web.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("customers/", include("kehu.customers.urls")),
    path("orders/", include("kehu.orders.urls")),
    path("value/", include("kehu.scoring.urls")),
    path("duplicates/", include("kehu.identity.urls")),
    path("exports/", include("kehu.exports.urls")),
    path("imports/", include("kehu.imports.urls")),
    path("service/", include("kehu.service.urls")),
    path("knowledge/", include("kehu.knowledge.urls")),
    path("surveys/", include("kehu.surveys.urls")),
    path("sales/", include("kehu.sales.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    re_path(r"^api/(?P<version>v1)/", include("kehu.api_urls")),
]
