"""/api/v1/: one router over every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kehu.customers import api as customers
from kehu.exports import api as exports
from kehu.identity import api as identity
from kehu.knowledge import api as knowledge
from kehu.orders import api as orders
from kehu.privacy import api as privacy
from kehu.sales import api as sales
from kehu.service import api as service
from kehu.surveys import api as surveys

router = DefaultRouter()
router.register("customers", customers.CustomerViewSet, basename="customer")
router.register("contacts", customers.ContactViewSet, basename="contact")
router.register("addresses", customers.AddressViewSet, basename="address")
router.register("identities", customers.IdentityViewSet, basename="channelidentity")
router.register("interactions", customers.InteractionViewSet, basename="interaction")
router.register("consents", privacy.ConsentViewSet, basename="consent")
router.register("products", orders.ProductViewSet, basename="product")
router.register("orders", orders.OrderViewSet, basename="order")
router.register("duplicates", identity.DuplicateViewSet, basename="duplicatecandidate")
router.register("merges", identity.MergeViewSet, basename="merge")
router.register("exports", exports.ExportJobViewSet, basename="exportjob")
router.register("surveys", surveys.SurveyViewSet, basename="survey")
router.register("survey-responses", surveys.SurveyResponseViewSet, basename="survey-response")
router.register("cases", service.CaseViewSet, basename="case")
router.register("knowledge-articles", knowledge.ArticleViewSet, basename="knowledge-article")
sales.register(router)

urlpatterns = [path("match/", identity.MatchView.as_view(), name="identity-match"), *router.urls]
