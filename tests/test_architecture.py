"""Dependencies point one way (docs/architecture.md): plateaus <- connections -> webhooks -> notifications, and the
feature apps on top import from those four, never from each other and never the other way round. Every import
statement of the apps' code counts, also one inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"htg_migration"}  # settings and the few shared pieces (errors, clock, calendar)
CORE = {"plateaus", "connections", "webhooks", "notifications"}
FEATURES = {"portal", "helpdesk", "reporting", "imports", "community", "api", "traffic"}
ALLOWED = {
    "plateaus": {"plateaus"} | SHARED,
    "notifications": {"notifications"} | SHARED,
    # The event outbox knows companies and connections only as ids it is given; it e-mails through the outbox.
    "webhooks": {"webhooks", "notifications"} | SHARED,
    "connections": {"connections", "plateaus", "webhooks", "notifications"} | SHARED,
    **{feature: {feature} | CORE | SHARED for feature in FEATURES},
    # The API is the interface over every feature's services and selectors (STYLE.md, api/): it sits on top of the
    # feature apps, and none of them imports it. Which of their modules it may use: API_MAY_USE below.
    "api": {"api", "helpdesk", "reporting", "imports", "traffic"} | CORE | SHARED,
    # The dashboard and the weekly report read the gateways' traffic (its models: the daily rollup, the senders); the
    # traffic app never imports reporting.
    "reporting": {"reporting", "traffic"} | CORE | SHARED,
    # Of the shared package, only the modules that put the project together see the apps.
    "htg_migration": SHARED,
}
ASSEMBLY = {"htg_migration/urls.py", "htg_migration/settings/base.py", "htg_migration/celery.py"}
PROJECT_PACKAGES = CORE | FEATURES | SHARED


def _modules() -> list[Path]:
    return [
        path
        for app in ALLOWED
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in ASSEMBLY
    ]


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & PROJECT_PACKAGES


def test_every_app_imports_only_what_its_layer_may():
    wrong = []
    for path in _modules():
        app = path.relative_to(ROOT).parts[0]
        for package in sorted(_imported_packages(path) - ALLOWED[app]):
            wrong.append(f"{path.relative_to(ROOT)} imports {package}")
    assert wrong == []


# The parts of a feature app the API may use: its services, selectors and forms (the same rules and filters as its
# pages), never its views or internals.
API_MAY_USE = ("services", "selectors", "forms", "models")


def _feature_modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return {module for module in modules if module.split(".")[0] in FEATURES - {"api"}}


def test_the_api_uses_only_the_feature_apps_services_selectors_and_forms():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "api").rglob("*.py"))
        if "migrations" not in path.parts
        for module in sorted(_feature_modules_imported(path))
        if len(module.split(".")) < 2 or module.split(".")[1] not in API_MAY_USE
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("source", "app", "allowed"),
    [
        ("from portal.services.sign_in import x\n", "connections", False),
        ("def f():\n    from reporting.charts import chart_svg\n", "portal", False),
        ("import connections.models\n", "notifications", False),
        ("from connections.models import Customer\n", "helpdesk", True),
    ],
)
def test_the_rule_sees_top_level_and_function_level_imports(tmp_path, source, app, allowed):
    module = tmp_path / "module.py"
    module.write_text(source)
    assert (_imported_packages(module) <= ALLOWED[app]) is allowed
