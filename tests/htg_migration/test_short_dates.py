"""Short dates in tables: the month abbreviated, lower case in Dutch ("14 mei 2020"), capitalised in English."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from connections.models import Connection
from connections.services.staff import staff_groups_sync
from tests.connections.factories import ConnectionFactory, CustomerFactory, team_member

MAY_14 = datetime.date(2020, 5, 14)


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [("nl", "14 mei 2020", "14 mei 2020 09:30"), ("en", "14 May 2020", "14 May 2020 09:30")],
)
def test_a_short_date_has_the_languages_month(language, date, moment):
    # when
    with translation.override(language):
        short_date = date_format(MAY_14, "SHORT_DATE_FORMAT")
        short_moment = date_format(datetime.datetime(2020, 5, 14, 9, 30), "SHORT_DATETIME_FORMAT")

    # then
    assert (short_date, short_moment) == (date, moment)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "due", "wrong"), [("nl", "14 mei 2020", "Mei"), ("en", "14 May 2020", "may")])
def test_the_connection_pages_table_of_the_companys_connections_writes_the_month_in_the_pages_language(
    client, language, due, wrong
):
    # given
    staff_groups_sync()
    connection = ConnectionFactory(customer=CustomerFactory(legal_name="Bakker Forwarding B.V."))
    Connection.objects.filter(pk=connection.pk).update(due_on=MAY_14)
    client.force_login(team_member())

    # when
    response = client.get(reverse("connections:connection_detail", args=[connection.pk]), HTTP_ACCEPT_LANGUAGE=language)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<td>{due}</td>" in page
    assert f"14 {wrong} 2020" not in page
