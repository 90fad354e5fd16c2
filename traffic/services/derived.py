"""What is derived from the counts, rebuilt for one gateway and day inside the apply's transaction (after the counts
are written): the daily rollup the dashboard reads, and (traffic's evidence module) the evidence per connection."""

import datetime

from django.db import connection

from traffic.services.evidence import evidence_refresh_for_file


def daily_rollup_refresh(*, gateway: str, day: datetime.date) -> int:
    """TrafficDaily for `gateway` and `day` made again from the counts; the number of rows it now has."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM traffic_trafficdaily WHERE gateway = %s AND day = %s", [gateway, day])
        cursor.execute(
            """
            INSERT INTO traffic_trafficdaily (day, gateway, environment, flow_id, plateau_id, messages, errors, senders)
            SELECT c.day, c.gateway, c.environment, c.flow_id, f.plateau_id,
                   sum(c.messages), sum(c.errors), count(DISTINCT c.sender_id)
            FROM traffic_trafficcount c JOIN plateaus_messageflow f ON f.id = c.flow_id
            WHERE c.gateway = %s AND c.day = %s
            GROUP BY c.day, c.gateway, c.environment, c.flow_id, f.plateau_id
            """,
            [gateway, day],
        )
        return cursor.rowcount


def refresh(*, gateway: str, day: datetime.date) -> None:
    """Everything derived from `gateway`'s counts of `day`, made again. Called by the apply inside its transaction,
    so a reader sees the old figures or the new ones, never a mix."""
    daily_rollup_refresh(gateway=gateway, day=day)
    evidence_refresh_for_file(gateway=gateway, day=day)
