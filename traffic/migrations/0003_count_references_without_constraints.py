"""The counts' references without foreign-key constraints (see TrafficCount's docstring): checked row by row, they
made the apply of a day's million rows several times slower; the apply takes each reference from a join."""

import django.db.models.deletion
from django.db import migrations, models

DROP = """
ALTER TABLE traffic_trafficcount DROP CONSTRAINT traffic_trafficcount_customer_id_fkey;
ALTER TABLE traffic_trafficcount DROP CONSTRAINT traffic_trafficcount_file_id_fkey;
ALTER TABLE traffic_trafficcount DROP CONSTRAINT traffic_trafficcount_flow_id_fkey;
ALTER TABLE traffic_trafficcount DROP CONSTRAINT traffic_trafficcount_sender_id_fkey;
"""
ADD = """
ALTER TABLE traffic_trafficcount ADD CONSTRAINT traffic_trafficcount_customer_id_fkey FOREIGN KEY (customer_id)
    REFERENCES connections_customer (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE traffic_trafficcount ADD CONSTRAINT traffic_trafficcount_file_id_fkey FOREIGN KEY (file_id)
    REFERENCES traffic_trafficfile (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE traffic_trafficcount ADD CONSTRAINT traffic_trafficcount_flow_id_fkey FOREIGN KEY (flow_id)
    REFERENCES plateaus_messageflow (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE traffic_trafficcount ADD CONSTRAINT traffic_trafficcount_sender_id_fkey FOREIGN KEY (sender_id)
    REFERENCES traffic_trafficsender (id) DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [("traffic", "0002_count_sender_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP, reverse_sql=ADD)],
            state_operations=[
                migrations.AlterField(
                    model_name="trafficcount",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="traffic_counts",
                        to="connections.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="trafficcount",
                    name="file",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="counts",
                        to="traffic.trafficfile",
                    ),
                ),
                migrations.AlterField(
                    model_name="trafficcount",
                    name="flow",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="traffic_counts",
                        to="plateaus.messageflow",
                    ),
                ),
                migrations.AlterField(
                    model_name="trafficcount",
                    name="sender",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="counts",
                        to="traffic.trafficsender",
                    ),
                ),
            ],
        ),
    ]
