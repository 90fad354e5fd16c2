from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.validators import validate_eori, validate_kvk_number


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")


class Customer(models.Model):
    """A company that exchanges messages with the government through Digipoort and must move to HTG."""

    class Role(models.TextChoices):
        DIRECT = "direct", _("Direct user")
        HUB = "hub", _("Hub (intermediary)")
        SOFTWARE_SUPPLIER = "software_supplier", _("Software supplier")

    legal_name = models.CharField(_("legal name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk_number], help_text=_("8 digits")
    )
    eori = models.CharField(_("EORI number"), max_length=17, unique=True, validators=[validate_eori])
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DIRECT)
    hub = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        limit_choices_to={"role": Role.HUB},
        verbose_name=_("served through hub"),
    )
    htg_number = models.CharField(_("HTG number"), max_length=20, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["legal_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kvk_number"], condition=~Q(kvk_number=""), name="customer_kvk_unique"),
            models.CheckConstraint(condition=~Q(hub=models.F("id")), name="customer_not_its_own_hub"),
        ]
        indexes = [
            models.Index(fields=["role"], name="customer_role_idx"),
            models.Index(fields=["legal_name", "id"], name="customer_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.htg_number or self.eori})"


class PhoneDigits(models.Func):
    """The digits of a phone number ("+31 (0)10-123 45 67" -> "310101234567"): what the helpdesk's partial phone
    lookup compares. Migration 0011 refers to it by this name and module: keep both."""

    arity = 1
    output_field = models.CharField(max_length=30)
    template = "REGEXP_REPLACE(%(expressions)s, '[^0-9]+', '', 'g')"


# A company's contacts in order: the primary one first, then by name. "The" contact (step e-mails, reminders, news)
# is the first in this order.
CONTACT_ORDER = ("-is_primary", "name", "id")


class Contact(models.Model):
    """A person at a customer; e-mails go out in their preferred language."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Computed and stored by the database on every write (the import, the demo seed's COPY, the admin alike), so it
    # can never disagree with `phone`; a trigram index on it serves partial phone lookups.
    phone_digits = models.GeneratedField(
        expression=PhoneDigits("phone"),
        output_field=models.CharField(max_length=30),
        db_persist=True,
        verbose_name=_("phone digits"),
    )
    language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices, default=Language.DUTCH)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # Never chosen by hand: not editable, so no form, admin or import can set it; only
    # portal.services.sign_in.contact_user_ensure links a newly created company account.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="htg_contact",
        verbose_name=_("sign-in account"),
    )
    # Set when the retention job removed the person's details (connections.services.retention).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = list(CONTACT_ORDER)
        constraints = [
            models.UniqueConstraint("customer", Lower("email"), name="contact_email_unique_per_customer"),
        ]
        indexes = [
            models.Index(fields=["email"], name="contact_email_idx"),
            # The helpdesk's exact e-mail lookup compares UPPER(email) (Django's iexact).
            models.Index(Upper("email"), name="contact_email_upper_idx"),
            # A suppressed address (stored in lower case) finds its contacts: the dashboard's bounced companies.
            models.Index(Lower("email"), name="contact_email_lower_idx"),
            # The helpdesk finds a company by a contact's phone number.
            models.Index(fields=["phone"], name="contact_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class HtgNumberAllocation(models.Model):
    """The ledger of issued HTG numbers. Rows are never deleted, so a serial (the id) is never issued twice."""

    number = models.CharField(_("HTG number"), max_length=20, unique=True)
    customer = models.OneToOneField(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="htg_number_allocation"
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        verbose_name = _("HTG number allocation")
        verbose_name_plural = _("HTG number allocations")

    def __str__(self) -> str:
        return self.number
