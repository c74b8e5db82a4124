"""The floors of the code: apps import only downwards, so adding an app never edits another.

core ← accounts ← clinics ← patients ← every other domain app; `health_passport` is
configuration that nothing imports. Read from the source with `ast`, so a new import that runs
back up fails here before it reaches review.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"core": 0, "accounts": 1, "clinics": 2, "patients": 3}
DOMAIN_FLOOR = 4
CONFIGURATION = "health_passport"


def project_packages() -> list[str]:
    return sorted(
        p.parent.name
        for p in ROOT.glob("*/apps.py")
        if p.parent.name not in ("tests", "bench", "tools")
    )


def floor(package: str) -> int:
    return FLOORS.get(package, DOMAIN_FLOOR)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def source_files(package: str):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def test_every_app_has_a_floor_below_configuration():
    packages = project_packages()
    assert {"core", "accounts", "clinics", "patients", "labs"} <= set(packages)


@pytest.mark.parametrize("package", project_packages())
def test_imports_point_down_the_floors(package):
    """No app imports an app on its own floor or above it (domain apps stay independent)."""
    project = set(project_packages())
    upward = []
    for path in source_files(package):
        for imported in imported_packages(path) & (project | {CONFIGURATION}):
            if imported == package:
                continue
            if imported == CONFIGURATION or floor(imported) >= floor(package):
                upward.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert upward == []


def test_core_imports_no_app_of_the_project():
    project = set(project_packages()) - {"core"}
    offenders = [
        f"{path.relative_to(ROOT)}: {sorted(imported_packages(path) & project)}"
        for path in source_files("core")
        if imported_packages(path) & project
    ]
    assert offenders == []


def front_door_files():
    for package in project_packages():
        for path in source_files(package):
            parts = path.relative_to(ROOT / package).parts
            if parts[0] in ("views", "views.py", "api.py") or path.name == "api.py":
                yield path


def test_views_and_api_views_never_check_a_role_themselves():
    """They load records through one access call, or declare the permission of a page that
    loads none (`@staff_page(...)`, `required_permission`); `require()` belongs to services."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in front_door_files()
        if "require(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
