from django.contrib import admin
from django.urls import include, path

from connections.views.staff_sign_in import (
    StaffLoginView,
    StaffPasswordChangeView,
    StaffPasswordResetConfirmView,
    StaffPasswordResetDoneView,
    StaffPasswordResetView,
)

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", StaffLoginView.as_view(), name="login"),
    path("accounts/password_reset/", StaffPasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", StaffPasswordResetDoneView.as_view(), name="password_reset_done"),
    # Django's views with the project's forms (drawn by the project's templates, tests/test_form_rendering.py).
    path("accounts/password_change/", StaffPasswordChangeView.as_view(), name="password_change"),
    path("accounts/reset/<uidb64>/<token>/", StaffPasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The company's API tokens, a page of the portal that the api app owns (api/views/tokens.py).
    path("portal/api-tokens/", include("api.views.tokens")),
    # The company's webhooks, likewise (api/views/webhook_pages.py).
    path("portal/webhooks/", include("api.views.webhook_pages")),
    path("portal/", include("portal.urls")),
    path("api/", include("api.urls")),
    path("", include("community.urls")),
    path("", include("helpdesk.urls")),
    path("", include("reporting.urls")),
    path("", include("imports.urls")),
    path("", include("traffic.urls")),
    path("", include("connections.urls")),
]

# A path under /api/ that matches no route answers as the API does (problem details); any other, Django's own page.
handler403 = "connections.views.access.permission_denied"
handler404 = "api.views.not_found.not_found"
