import datetime

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin(models.Model):
    """A name in Dutch and English; `name` gives the one of the active language."""

    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_for(translation.get_language())

    def name_for(self, language: str | None) -> str:
        """The name in this language (Dutch for "nl", English otherwise)."""
        return self.name_nl if language == "nl" else self.name_en


class Programme(BilingualNameMixin):
    """A migration programme: every connection must be live on HTG by its deadline."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    deadline = models.DateField(_("deadline"), help_text=_("Every connection live on HTG by the end of this day."))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["deadline"]


class GovernmentParty(BilingualNameMixin):
    """A government party that receives messages; it must be connected to HTG itself before its flows open."""

    class HtgStatus(models.TextChoices):
        NOT_CONNECTED = "not_connected", _("Not connected to HTG")
        CONNECTING = "connecting", _("Connecting to HTG")
        CONNECTED = "connected", _("Connected to HTG")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=20)
    htg_status = models.CharField(
        _("HTG connection status"), max_length=20, choices=HtgStatus.choices, default=HtgStatus.NOT_CONNECTED
    )
    htg_connected_on = models.DateField(_("connected to HTG on"), null=True, blank=True)

    class Meta:
        verbose_name = _("government party")
        verbose_name_plural = _("government parties")
        ordering = ["code"]

    @property
    def is_connected(self) -> bool:
        return self.htg_status == self.HtgStatus.CONNECTED


class Plateau(BilingualNameMixin):
    """A wave of the migration: its flows move in it, between planned (and actual) start and the deadline."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="plateaus")
    number = models.PositiveSmallIntegerField(_("number"))
    planned_start = models.DateField(_("planned start"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    production_start = models.DateField(_("production start"), null=True, blank=True)
    booking_window_start = models.DateField(_("booking window opens"), null=True, blank=True)
    booking_window_end = models.DateField(_("booking window closes"), null=True, blank=True)
    notes_nl = models.TextField(_("notes (Dutch)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)

    class Meta:
        verbose_name = _("plateau")
        verbose_name_plural = _("plateaus")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="plateau_number_unique_per_programme"),
            models.CheckConstraint(
                condition=models.Q(booking_window_end__isnull=True)
                | models.Q(booking_window_start__isnull=True)
                | models.Q(booking_window_end__gte=models.F("booking_window_start")),
                name="plateau_booking_window_ordered",
            ),
        ]

    @property
    def effective_start(self) -> datetime.date:
        return self.actual_start or self.planned_start

    @property
    def slip_days(self) -> int:
        """How many days the actual start came after the planned one (0 while not started)."""
        if self.actual_start is None:
            return 0
        return (self.actual_start - self.planned_start).days


class MessageFlow(BilingualNameMixin):
    """A message flow (AGS, NCTS, ...): a company's connection is one per flow."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    plateau = models.ForeignKey(Plateau, on_delete=models.PROTECT, related_name="flows")
    parties = models.ManyToManyField(GovernmentParty, related_name="flows", verbose_name=_("government parties"))

    class Meta:
        verbose_name = _("message flow")
        verbose_name_plural = _("message flows")
        ordering = ["plateau__number", "code"]

    def is_open_for_migration(self) -> bool:
        """Open once every government party of the flow is connected to HTG itself (one query unless prefetched)."""
        return all(party.is_connected for party in self.parties.all())
