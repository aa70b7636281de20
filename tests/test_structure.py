"""The layout keeps its promises: imports between the top-level packages point one way (core ← catalog ←
orchestration ← CLI and apps), and only the settings module touches the environment."""

from __future__ import annotations

import ast
from pathlib import Path

from ida.settings import REPO_ROOT

PACKAGES = ("ida", "catalog", "orchestration", "cli", "apps")
# what each top-level package may import of the others
ALLOWED = {
    "ida": {"ida"},
    "catalog": {"ida", "catalog"},
    "orchestration": {"ida", "catalog", "orchestration"},
    "cli": {"ida", "catalog", "orchestration", "cli"},
    "apps": {"ida", "catalog", "orchestration", "apps"},
}
# Scripts up.sh runs inside CKAN's own virtualenv: the shell configures them through their environment.
STACK_SCRIPTS = {"catalog/ckan_stack/ckan_ini.py", "catalog/ckan_stack/provision_accounts.py",
                 "catalog/ckan_stack/wsgi.py"}
SETTINGS = "ida/settings.py"


def product_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO_ROOT / package).rglob("*.py"))


def imported_packages(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def test_imports_between_top_level_packages_point_one_way() -> None:
    wrong = []
    for path in product_files():
        package = path.relative_to(REPO_ROOT).parts[0]
        for target in sorted(imported_packages(ast.parse(path.read_text(encoding="utf-8"))) - ALLOWED[package]):
            wrong.append(f"{path.relative_to(REPO_ROOT)} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_itself_has_no_cycle() -> None:
    for package, allowed in ALLOWED.items():
        for other in allowed - {package}:
            assert package not in ALLOWED[other], f"{package} and {other} may import each other"


def environment_uses(tree: ast.AST) -> list[int]:
    """Lines that read or write the environment: os.environ, os.getenv, os.putenv, os.unsetenv, or any of
    them imported by name."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "putenv", "unsetenv") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                {a.name for a in node.names} & {"environ", "environb", "getenv", "putenv", "unsetenv"}:
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_touches_the_environment() -> None:
    found = []
    for path in product_files():
        name = path.relative_to(REPO_ROOT).as_posix()
        if name == SETTINGS or name in STACK_SCRIPTS:
            continue
        found += [f"{name}:{line}" for line in environment_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert not found, "read or write of the environment outside ida/settings.py: " + ", ".join(found)


def test_the_checks_above_would_notice() -> None:
    assert sorted(environment_uses(ast.parse("import os\nx = os.environ.get('A')\nos.environ['B'] = '1'"))) == [2, 3]
    assert environment_uses(ast.parse("from os import getenv\n")) == [1]
    assert imported_packages(ast.parse("from orchestration.pipeline import run\nimport cli.main")) == {"orchestration", "cli"}
