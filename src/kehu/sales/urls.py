"""Pages of the sales app. Each area keeps its routes in its own module (``kehu.sales.views.*``
exposes ``urlpatterns``): leads and conversion, referrals and the lead score, the pipeline,
activities and the calendar, the dashboard."""

from kehu.sales.views import activities, customer, insight, leads, pipeline

app_name = "sales"
urlpatterns = [*customer.urlpatterns, *leads.urlpatterns, *pipeline.urlpatterns, *activities.urlpatterns,
               *insight.urlpatterns]
