"""The README documents every command, Make target and environment variable the platform has."""

import re

from typer.main import get_command

from cli.main import app
from ida.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix="ida") -> list[str]:
    names = []
    for name, command in get_command(group).commands.items():
        sub = getattr(command, "commands", None)
        names += [f"{prefix} {name} {s}" for s in sub] if sub else [f"{prefix} {name}"]
    return names


def test_every_cli_command_is_documented() -> None:
    missing = [name for name in _commands(app) if f"`{name}" not in README]
    assert not missing, f"not in README: {missing}"


def test_every_environment_variable_is_documented() -> None:
    used = set()
    for path in [*REPO_ROOT.glob("ida/**/*.py"), *REPO_ROOT.glob("catalog/**/*.py"), *REPO_ROOT.glob("cli/**/*.py"), *REPO_ROOT.glob("orchestration/**/*.py"), *REPO_ROOT.glob("apps/**/*.py")]:
        used |= set(re.findall(r"""environ(?:\.get)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"""_path\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if f"`{v}`" not in README and v != "DAGSTER_IS_DEV_CLI")
    assert not missing, f"not in README: {missing}"


def test_every_make_target_is_documented() -> None:
    targets = re.findall(r"^([a-z][a-z-]+):", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
    missing = [t for t in targets if t not in ("install", "clean") and f"make {t}" not in README]
    assert not missing, f"not in README: {missing}"
