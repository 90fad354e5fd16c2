from django.urls import path

from connections import views
from connections.views import customers, escalations, slots, team

app_name = "connections"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    *team.urlpatterns,
    *customers.urlpatterns,
    *slots.urlpatterns,
    *escalations.urlpatterns,
]
