"""The team's traffic files (namespace "traffic")."""

from django.urls import include, path

from traffic import api, views

app_name = "traffic"
urlpatterns = [*views.urlpatterns, path("api/v1/traffic/", include(api.urlpatterns))]
__all__ = ["app_name", "urlpatterns"]
