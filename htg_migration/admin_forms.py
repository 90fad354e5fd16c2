"""The admin's sign-in form (imported once the apps are ready: Django's auth forms load the User model)."""

from django.contrib.admin.forms import AdminAuthenticationForm

from htg_migration.forms import UserNameLengthChecked


class HtgAdminAuthenticationForm(UserNameLengthChecked, AdminAuthenticationForm):
    pass
