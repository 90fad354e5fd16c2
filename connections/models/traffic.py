"""What the gateways' traffic says about a company's message flow: the facts the traffic app derives from its daily
counts (traffic/services/evidence.py, in the same transaction as each applied file), kept here so that the
connection page, the helpdesk card, the portal and the dashboard read them without knowing the traffic app.

One row per company and flow that has traffic; `connection` links it to the company's connection of that flow when
there is one (none: a company sending a flow nobody invited it for)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrafficEvidence(models.Model):
    """A company's traffic of one message flow, as facts: the first HTG test and production days, the last
    Digipoort days, and the Digipoort production volume after the day its connection went live."""

    customer = models.ForeignKey("connections.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    flow = models.ForeignKey("plateaus.MessageFlow", on_delete=models.CASCADE, related_name="+")
    connection = models.OneToOneField(
        "connections.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="traffic_evidence",
    )
    first_htg_test_on = models.DateField(_("first HTG test message"), null=True, blank=True)
    first_htg_production_on = models.DateField(_("first HTG production message"), null=True, blank=True)
    last_htg_production_on = models.DateField(_("last HTG production message"), null=True, blank=True)
    last_digipoort_on = models.DateField(_("last Digipoort message"), null=True, blank=True)
    last_digipoort_production_on = models.DateField(_("last Digipoort production message"), null=True, blank=True)
    digipoort_production_messages = models.BigIntegerField(_("Digipoort production messages"), default=0)
    # The live day the volume below counts from (the connection's, when the facts were derived): the volume is only
    # shown while the connection is still live since that day.
    live_on = models.DateField(_("live since"), null=True, blank=True)
    digipoort_since_live = models.BigIntegerField(_("Digipoort production messages after going live"), default=0)
    updated_at = models.DateTimeField(_("derived"))

    class Meta:
        verbose_name = _("traffic evidence")
        verbose_name_plural = _("traffic evidence")
        constraints = [
            models.UniqueConstraint(fields=["customer", "flow"], name="traffic_evidence_one_per_customer_and_flow"),
        ]
        indexes = [
            # The dashboard's lists, each over the few rows it can show: "live but still on Digipoort" (a volume
            # after going live, Digipoort seen recently) and "on Digipoort without a connection" (largest first).
            models.Index(
                fields=["last_digipoort_on"],
                name="evidence_since_live_idx",
                condition=models.Q(digipoort_since_live__gt=0),
            ),
            models.Index(
                models.F("digipoort_production_messages").desc(),
                name="evidence_unconnected_idx",
                condition=models.Q(connection__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.flow_id}"
