"""Sales pages: activities."""

urlpatterns = []
