"""Project-level promises: generated docs match the code, production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from connections.management.commands.state_diagram import state_diagram_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_the_state_diagram_in_docs_is_generated_from_the_current_code():
    assert (ROOT / "docs" / "state-diagram.md").read_text() == state_diagram_markdown()


def _production_check(extra_environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "EMAIL_", "CELERY_"))
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "htg_migration.settings.production", **extra_environment})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _production_check(
        {"DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2" * 8, "DJANGO_ALLOWED_HOSTS": "htg.example"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _production_check({"DJANGO_ALLOWED_HOSTS": "htg.example"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_every_page_title_is_plain_text_and_every_template_balances_its_divs():
    """A page's <title> holds text only (a stray `</div>` once stood in the dashboard's, read out by screen readers
    and shown in the browser's tab), and a template closes as many <div>s as it opens."""
    import re

    root = Path(__file__).resolve().parent.parent / "templates"
    titles, unbalanced = [], []
    for path in root.rglob("*.html"):
        text = path.read_text()
        for title in re.findall(r"{% block title %}(.*?){% endblock %}", text, re.S):
            if "<" in title:
                titles.append(f"{path.relative_to(root)}: {title!r}")
        if len(re.findall(r"<div\b", text)) != len(re.findall(r"</div>", text)):
            unbalanced.append(str(path.relative_to(root)))

    assert titles == []
    assert unbalanced == []


def test_make_bench_installs_every_package_the_benchmarks_import():
    """`make bench` right after `dev.py run` on a fresh clone: the bench environment (the app's dependencies and the
    `bench` extra, installed by `dev.py bench`) holds every third-party module bench/ imports (aiosmtpd was only a
    test dependency, so the bench failed)."""
    import ast
    import importlib.metadata
    import re

    import dev

    project = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    imported = set()
    for source in (ROOT / "bench").rglob("*.py"):  # bench/load/ too (`make load`: Locust)
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - project
    distributions = importlib.metadata.packages_distributions()
    installed = {re.split(r"[=<>\[ ]", requirement)[0].lower() for requirement in dev._requirements(["bench"])}
    missing = {
        module
        for module in third_party
        if not {name.lower() for name in distributions.get(module, [module])} & installed
    }
    assert {"aiosmtpd", "locust"} <= third_party
    assert missing == set()
    assert "python3.11 dev.py bench" in (ROOT / "Makefile").read_text().split("\nbench:")[1].split("\n\n")[0]
    assert "python3.11 dev.py load" in (ROOT / "Makefile").read_text().split("\nload:")[1].split("\n\n")[0]
