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
    """ida/settings.py is the only reader of the environment (tests/test_structure.py): every name it reads."""
    source = (REPO_ROOT / "ida" / "settings.py").read_text(encoding="utf-8")
    used = set(re.findall(r"""(?:env\.get|path|number)\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    assert {"IDA_VAR_DIR", "CKAN_API_TOKEN", "IDA_MAX_FILE_MB"} <= used  # the pattern still finds them
    missing = sorted(v for v in used if f"`{v}`" not in README)
    assert not missing, f"not in README: {missing}"


def test_every_make_target_is_documented() -> None:
    targets = re.findall(r"^([a-z][a-z-]+):", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
    missing = [t for t in targets if t not in ("install", "clean") and f"make {t}" not in README]
    assert not missing, f"not in README: {missing}"


def _options(group, prefix="ida") -> dict[str, list[str]]:
    """Every command's long options, by the command's name as typed."""
    found = {}
    for name, command in get_command(group).commands.items():
        if getattr(command, "commands", None):
            for sub_name, sub in command.commands.items():
                found[f"{prefix} {name} {sub_name}"] = sub
        else:
            found[f"{prefix} {name}"] = command
    return {name: [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
            for name, command in found.items()}


def test_every_command_option_is_documented_with_its_command() -> None:
    missing = []
    for name, options in _options(app).items():
        documented = " ".join(line for line in README.splitlines() if f"`{name}" in line)
        missing += [f"{name} {option}" for option in options if option not in documented]
    assert not missing, f"options not in the README's line for their command: {missing}"
