from django.contrib import admin
from django.urls import include, path

from connections.views.staff_sign_in import StaffLoginView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", StaffLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("portal/", include("connections.urls_portal")),
    path("", include("connections.urls")),
]
