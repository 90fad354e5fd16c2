"""The benchmark's raw floors must work for every table the seed writes: a schema change must not break `make bench`."""

import pytest
from django.db import connection

from bench.run import raw_insert_seconds
from connections.models import Connection, ConnectionEvent, Contact, Customer, HtgNumberAllocation


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("model", [Customer, Contact, Connection, ConnectionEvent, HtgNumberAllocation])
def test_the_raw_insert_floor_writes_rows_of_every_seeded_table(model):
    # more rows than a small integer holds: a column filled with the row number must not overflow
    seconds = raw_insert_seconds(connection, model, 40_000)
    assert seconds > 0
