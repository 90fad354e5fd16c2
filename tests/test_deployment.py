"""The production-shaped stack (docker-compose.yml): gunicorn is reached only through the TLS-terminating proxy, on
the internal network, and the forwarding headers the app trusts match what that proxy sends and where it sits.

There is no Docker engine in the test run: the file is read as YAML, and its web service's environment is given to
the production settings (as the container would have it) to check them."""

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "scheduler")
SECRET = "a-long-random-production-secret-" + "x7Qp2" * 8


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, as `docker compose` resolves them."""

    def resolve(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        if variables.get(name):
            return variables[name]
        if operator == ":?":
            raise AssertionError(f"docker compose would refuse to start without {name}: {argument}")
        return argument if operator == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", resolve, value)


def _environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    return {key: _interpolate(str(value), variables) for key, value in SERVICES[service]["environment"].items()}


def _networks(service: str) -> set[str]:
    networks = SERVICES[service].get("networks", [])
    return set(networks if isinstance(networks, list) else networks.keys())


def _proxy_address() -> str:
    return SERVICES["proxy"]["networks"]["backend"]["ipv4_address"]


def test_only_the_proxy_publishes_a_port():
    published = {name: service["ports"] for name, service in SERVICES.items() if service.get("ports")}

    assert set(published) == {"proxy"}, published
    assert SERVICES["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]


@pytest.mark.parametrize("service", ["web", "postgres", "redis"])
def test_gunicorn_and_the_data_stores_are_on_the_internal_network_alone(service):
    assert _networks(service) == {"backend"}
    assert "ports" not in SERVICES[service]
    assert COMPOSE["networks"]["backend"]["internal"] is True


def test_web_runs_gunicorn_that_the_proxy_reaches_by_name():
    # given
    command = SERVICES["web"]["command"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    directives = [line.strip() for line in caddyfile.splitlines() if line.strip() and not line.strip().startswith("#")]

    # then: gunicorn listens on 8000 inside the network, and the proxy sends every request there
    assert command[0] == "gunicorn"
    assert command[command.index("--bind") + 1] == "0.0.0.0:8000"
    assert "dynamic a web 8000" in directives
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]
    assert _networks("proxy") == {"edge", "backend"}
    # Caddy sets X-Forwarded-For/-Proto/-Host itself and ignores a client's unless told to trust a proxy before it:
    # nothing may tell it to, nor pass a client's header on.
    assert not [line for line in directives if line.startswith(("trusted_proxies", "header_up"))]


def test_the_app_trusts_exactly_the_proxy_address_on_the_internal_network():
    # given
    subnet = ipaddress.ip_network(COMPOSE["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    address = _proxy_address()

    # then
    assert ipaddress.ip_address(address) in subnet
    for service in APP_SERVICES:
        environment = _environment(service, {"DJANGO_SECRET_KEY": SECRET})
        assert environment["HTG_TRUSTED_PROXIES"] == address, service
        assert environment["DJANGO_BEHIND_TLS_PROXY"] == "true", service


def test_the_settings_from_the_compose_environment_read_the_proxy_headers_and_pass_check_deploy():
    # given: the web container's environment, with the two variables an operator sets
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "EMAIL_", "CELERY_", "HTG_"))
    }
    environment.update(_environment("web", {"DJANGO_SECRET_KEY": SECRET, "HTG_SITE_ADDRESS": "htg.example"}))
    environment.pop("DATABASE_URL")  # the check needs no database; the name "postgres" does not resolve here
    environment.pop("DJANGO_CACHE_URL")

    # when
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, _proxy_address()],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert check.returncode == 0, check.stdout + check.stderr
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {
        "allowed_hosts": ["htg.example"],
        "csrf_trusted_origins": ["https://htg.example"],
        # from the proxy: the scheme and the client's address it forwarded
        "from_proxy": {"secure": True, "client_ip": "203.0.113.7"},
        # anyone else is taken at its own address (X-Forwarded-Proto is believed from whoever reaches gunicorn: which is
        # why only the proxy can, the tests above)
        "from_elsewhere": {"client_ip": "172.30.0.99"},
    }


PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from htg_migration.client_ip import client_ip

def request_from(peer):
    return RequestFactory().get(
        "/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="htg.example",
    )

from_proxy = request_from(sys.argv[1])

print(json.dumps({
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "csrf_trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
    "from_proxy": {"secure": from_proxy.is_secure(), "client_ip": client_ip(from_proxy)},
    "from_elsewhere": {"client_ip": client_ip(request_from("172.30.0.99"))},
}))
"""


def test_web_worker_and_scheduler_have_health_checks_and_the_proxy_waits_for_a_healthy_web():
    assert "/readyz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert SERVICES["scheduler"]["healthcheck"]["test"][-1] == "scheduler"
    assert SERVICES["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the live server's own connection sees the rows
def test_the_health_check_script_reads_readyz_as_the_containers_do(live_server, settings):
    from connections.models import Heartbeat
    from connections.services.health import heartbeat_record

    script = [sys.executable, str(ROOT / "deploy" / "healthcheck.py")]
    environment = {**os.environ, "DJANGO_ALLOWED_HOSTS": "localhost"}

    def check(*arguments: str) -> int:
        return subprocess.run([*script, *arguments], env=environment, check=False, timeout=30).returncode

    heartbeat_record(Heartbeat.Name.WORKER)
    assert check(f"{live_server.url}/readyz") == 0
    assert check(f"{live_server.url}/readyz", "worker") == 0
    assert check(f"{live_server.url}/readyz", "scheduler") == 1  # never seen
    assert check("http://127.0.0.1:9/readyz") == 1  # nothing answers


@pytest.mark.django_db
def test_health_answers_are_not_redirected_to_https_but_pages_are(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/portal/").status_code == 301
