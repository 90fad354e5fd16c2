from django.urls import path

from connections import views
from connections.views import customers, dashboard, documents, escalations, helpdesk, imports, news, slots, team

app_name = "connections"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    *dashboard.urlpatterns,
    *team.urlpatterns,
    *customers.urlpatterns,
    *slots.urlpatterns,
    *imports.urlpatterns,
    *helpdesk.urlpatterns,
    *escalations.urlpatterns,
    *news.urlpatterns,
    *documents.urlpatterns,
]
