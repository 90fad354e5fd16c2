"""The team's traffic files (namespace "traffic")."""

from traffic import views

app_name = "traffic"
urlpatterns = views.urlpatterns
__all__ = ["app_name", "urlpatterns"]
