"""Sales pages: leads."""

urlpatterns = []
