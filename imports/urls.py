"""Import and export of the Digipoort registration list (namespace "imports")."""

from imports.views import urlpatterns

app_name = "imports"
__all__ = ["app_name", "urlpatterns"]
