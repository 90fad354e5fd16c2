from django.urls import path

from connections import views

app_name = "connections"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
]
