"""Sales pages: pipeline."""

urlpatterns = []
