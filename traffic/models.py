"""The gateways' daily message traffic (docs/traffic-format.md): the files as received, the senders as the gateways
name them, the counts per sender, flow, environment and direction (a table partitioned by month), and the daily
rollup the dashboard reads."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from connections.models import Customer
from plateaus.models import MessageFlow, Plateau


class Gateway(models.TextChoices):
    HTG = "htg", "HTG"
    DIGIPOORT = "digipoort", "Digipoort"


class Environment(models.TextChoices):
    TEST = "test", _("test (BTE)")
    PRODUCTION = "production", _("production")


class Direction(models.TextChoices):
    IN = "in", _("in")
    OUT = "out", _("out")


class TrafficFile(models.Model):
    """One file of a gateway's traffic for one day, a row from the moment it arrives: checked as a whole in the
    worker (its report lists every error by line and field), then applied in one transaction. The later applied file
    for a gateway and day replaces the earlier one; the same content twice (same SHA-256) is recognised and not
    applied again."""

    class Source(models.TextChoices):
        INBOX = "inbox", _("inbox folder")
        UPLOAD = "upload", _("upload")
        API = "api", _("API")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        CHECKING = "checking", _("Checking")
        REJECTED = "rejected", _("Has errors: nothing applied")
        CHECKED = "checked", _("Checked: ready to apply")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        REPLACED = "replaced", _("Replaced by a later file")

    S = Status

    gateway = models.CharField(_("gateway"), max_length=20, choices=Gateway.choices, blank=True)
    # The day the file reports: known once checked (every row names the same day).
    day = models.DateField(_("day"), null=True, blank=True)
    name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="traffic_files"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    file = models.FileField(_("file"), upload_to="traffic/%Y/%m/", blank=True)
    status = FSMField(_("status"), default=S.RECEIVED, choices=Status.choices, protected=True, max_length=20)
    # [{"line": 12, "field": "messages", "message_en": "...", "message_nl": "..."}, ...] (the first 1,000)
    report = models.JSONField(_("check report"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced", verbose_name=_("replaced by")
    )
    # The earlier file with the same content, when this one is a copy (then never applied).
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("copy of")
    )

    class Meta:
        verbose_name = _("traffic file")
        verbose_name_plural = _("traffic files")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "day"], condition=Q(status="applied"), name="traffic_file_one_applied_per_day"
            ),
        ]
        indexes = [models.Index(fields=["gateway", "day"], name="traffic_file_gateway_day_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @transition(field=status, source=S.RECEIVED, target=S.CHECKING)
    def start_check(self) -> None:
        pass

    @transition(field=status, source=[S.RECEIVED, S.CHECKING, S.CHECKED, S.APPLYING], target=S.REJECTED)
    def reject(self) -> None:
        self.checked_at = timezone.now()

    @transition(field=status, source=S.CHECKING, target=S.CHECKED)
    def pass_check(self) -> None:
        self.checked_at = timezone.now()

    @transition(field=status, source=S.CHECKED, target=S.APPLYING)
    def start_apply(self) -> None:
        pass

    @transition(field=status, source=[S.CHECKED, S.APPLYING], target=S.APPLIED)
    def apply(self) -> None:
        self.applied_at = timezone.now()

    @transition(field=status, source=S.APPLIED, target=S.REPLACED)
    def replace(self, *, by: "TrafficFile") -> None:
        self.replaced_by = by


class TrafficSender(models.Model):
    """A sender as a gateway identifies it (HTG number on HTG; OIN or EORI on Digipoort), matched to a customer when
    one has that identifier. A sender that matches nobody is kept, for the team's list of unknown senders."""

    class Scheme(models.TextChoices):
        HTG = "htg", _("HTG number")
        OIN = "oin", "OIN"
        EORI = "eori", "EORI"
        OTHER = "other", _("other")

    gateway = models.CharField(_("gateway"), max_length=20, choices=Gateway.choices)
    scheme = models.CharField(_("identifier kind"), max_length=10, choices=Scheme.choices)
    identity = models.CharField(_("identifier"), max_length=100)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="traffic_senders"
    )
    first_seen = models.DateField(_("first seen"))
    last_seen = models.DateField(_("last seen"))
    messages_total = models.BigIntegerField(_("messages"), default=0)

    class Meta:
        verbose_name = _("traffic sender")
        verbose_name_plural = _("traffic senders")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "scheme", "identity"], name="traffic_sender_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} {self.scheme}:{self.identity}"


class TrafficCount(models.Model):
    """One sender's messages of one flow, environment and direction on one day through one gateway.

    The table is partitioned by range of `day`, one partition per month (traffic/services/partitions.py makes them
    on demand; an old month can be detached), so it is made by SQL in the migration; the ORM reads it as usual.
    Its references carry no foreign-key constraints: checked row by row they made the apply of a day's million rows
    several times slower, and its one writer (traffic/services/apply.py) takes every reference from a join to the
    referenced row in the same transaction; a file's counts go with the file (replaced), senders are never deleted."""

    pk = models.CompositePrimaryKey("id", "day")
    # An identity column in the database: the ORM leaves it to the database on insert.
    id = models.BigIntegerField(
        editable=False,
        db_default=models.Func(
            models.Value("traffic_trafficcount_id_seq"), function="nextval", output_field=models.BigIntegerField()
        ),
    )
    day = models.DateField(_("day"))
    file = models.ForeignKey(TrafficFile, on_delete=models.DO_NOTHING, related_name="counts", db_constraint=False)
    gateway = models.CharField(_("gateway"), max_length=20, choices=Gateway.choices)
    environment = models.CharField(_("environment"), max_length=20, choices=Environment.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    flow = models.ForeignKey(
        MessageFlow, on_delete=models.DO_NOTHING, related_name="traffic_counts", db_index=False, db_constraint=False
    )
    sender = models.ForeignKey(
        TrafficSender, on_delete=models.DO_NOTHING, related_name="counts", db_index=False, db_constraint=False
    )
    # Copied from the sender when the count is written, so that evidence per customer reads one index.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="traffic_counts",
        db_index=False,
        db_constraint=False,
    )
    messages = models.PositiveIntegerField(_("messages"))
    errors = models.PositiveIntegerField(_("errors"))
    first_at = models.DateTimeField(_("first message"), null=True, blank=True)
    last_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("traffic count")
        verbose_name_plural = _("traffic counts")
        indexes = [
            models.Index(
                fields=["customer", "flow", "gateway", "environment", "day"], name="traffic_count_evidence_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway} {self.flow_id} {self.messages}"


class TrafficDaily(models.Model):
    """The daily rollup the dashboard reads: messages, errors and senders per day, gateway, environment and flow
    (with the flow's plateau). Rebuilt for a gateway and day in the same transaction as each apply."""

    day = models.DateField(_("day"))
    gateway = models.CharField(_("gateway"), max_length=20, choices=Gateway.choices)
    environment = models.CharField(_("environment"), max_length=20, choices=Environment.choices)
    flow = models.ForeignKey(MessageFlow, on_delete=models.PROTECT, related_name="traffic_daily")
    plateau = models.ForeignKey(Plateau, on_delete=models.PROTECT, related_name="traffic_daily")
    messages = models.BigIntegerField(_("messages"))
    errors = models.BigIntegerField(_("errors"))
    senders = models.PositiveIntegerField(_("senders"))

    class Meta:
        verbose_name = _("daily traffic")
        verbose_name_plural = _("daily traffic")
        constraints = [
            models.UniqueConstraint(fields=["day", "gateway", "environment", "flow"], name="traffic_daily_unique"),
        ]
        indexes = [models.Index(fields=["day", "plateau"], name="traffic_daily_day_plateau_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.gateway} {self.environment} {self.flow_id}: {self.messages}"
