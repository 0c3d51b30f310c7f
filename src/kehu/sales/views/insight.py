"""Sales pages: insight."""

urlpatterns = []
