"""The name search on the embedded PostgreSQL that `dev.py run` starts (README's first command), not only on a server:
the same migrations (pg_trgm, unaccent, the name key) and the same SQL, typos and accents forgiven there too."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from htg_migration.embedded_db import embedded_database_start, embedded_database_stop

ROOT = Path(__file__).resolve().parents[2]

# Run in the demo's settings against the embedded database: a register, then the lookups, printed as JSON.
SCRIPT = """
import json
from helpdesk.selectors import customer_lookup
from tests.connections.factories import CustomerFactory
for name in [
    "Bakker Forwarding Groningen B.V.", "Smits Forwarding Almere N.V.", "Müller Spedition Duisburg GmbH & Co. KG",
    "Mulder & Co. B.V.", "Holgate Logistics Liège BV", "Nedship Chemie Veghel B.V.", "Nedship Logistiek B.V.",
]:
    CustomerFactory(legal_name=name)
typed = ["Bakkr Forwarding", "Muller", "Liege", "nedship veghel", "veghel nedship"]
print(json.dumps({text: [customer.legal_name for customer in customer_lookup(text=text)][:1] for text in typed}))
"""


@pytest.fixture
def embedded_url(tmp_path):
    data = tmp_path / "postgres"
    url, _started = embedded_database_start(data=data)
    yield url
    embedded_database_stop(data=data)


def _manage(url: str, *arguments: str) -> str:
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "htg_migration.settings.local"}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


def test_a_misspelt_or_unaccented_name_finds_the_company_on_the_embedded_postgresql(embedded_url):
    # given: the embedded server of `dev.py run`, migrated as that command migrates it
    _manage(embedded_url, "migrate", "--no-input", "-v", "0")

    # when: the helpdesk's lookups there
    found = json.loads(_manage(embedded_url, "shell", "-c", SCRIPT).strip().splitlines()[-1])

    # then: each finds its company first, as on the PostgreSQL server the other tests run on
    assert found == {
        "Bakkr Forwarding": ["Bakker Forwarding Groningen B.V."],
        "Muller": ["Müller Spedition Duisburg GmbH & Co. KG"],
        "Liege": ["Holgate Logistics Liège BV"],
        "nedship veghel": ["Nedship Chemie Veghel B.V."],
        "veghel nedship": ["Nedship Chemie Veghel B.V."],
    }
