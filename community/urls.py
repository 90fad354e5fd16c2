"""News and documents (namespace "community"): the team writes and sends news and publishes documents under /team/;
companies read them in the HTG Community area under /portal/community/."""

from django.urls import URLPattern, URLResolver

from community.views import documents, news, portal

app_name = "community"
urlpatterns: list[URLPattern | URLResolver] = [*news.urlpatterns, *documents.urlpatterns, *portal.urlpatterns]
