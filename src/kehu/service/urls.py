"""Pages of the service app."""

app_name = "service"
urlpatterns = []
