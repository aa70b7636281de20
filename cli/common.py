"""What every `ida` command shares: the consoles, the settings (read once per process) and the province argument."""

from __future__ import annotations

from functools import cache

import typer
from rich.console import Console
from rich.markup import escape

from ida.errors import UsageError
from ida.settings import Settings
from ida.standard.vocabularies import provinces

console = Console()
errors = Console(stderr=True)


@cache
def settings() -> Settings:
    """The platform settings, read from the environment once per command."""
    return Settings.from_env()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a Dutch error and return the Exit to raise."""
    errors.print(f"[bold red]Fout:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def province_code(value: str | None) -> str | None:
    """A CBS code for a code, name or alias; a usage error for anything else."""
    if value is None:
        return None
    code = provinces().resolve(value)
    if code is None:
        raise UsageError(f"Onbekende provincie '{value}'. Gebruik een CBS-code (PV20 … PV31) of de naam.")
    return code
