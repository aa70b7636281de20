"""What every `ida` command shares: the consoles, the settings (read once per process) and the province argument."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def lasting_objects() -> Iterator[None]:
    """Around imports that make objects living as long as the process (Dagster and dbt: some 400,000): no garbage
    collection while they are made, and none afterwards that walks them again (they are frozen). Python's
    collector would otherwise scan them all several times: 0.5 s of the start of `ida pipeline`."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


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
