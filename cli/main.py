"""`ida`: the platform's command line. Each command is a thin shell around a library function; the
platform's errors become Dutch messages and exit codes here, in one place."""

from __future__ import annotations

import gc
import sys

import typer

from cli import agenda, curation, deliveries, digest, experiments, harvest, learning, platform
from cli.common import fail
from ida.errors import IdaError

app = typer.Typer(help="IDA Leerplatform: leveringen valideren en laden, de catalogus publiceren, het dashboard starten.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.command()(platform.pipeline)
app.command()(platform.status)
app.command()(deliveries.validate)
app.command()(deliveries.generate)
app.command("app")(platform.serve_app)
app.command()(deliveries.submit)
token_app = typer.Typer(help="Uploadtokens per provincie en coördinatortokens beheren.", no_args_is_help=True)
token_app.command("new")(deliveries.new_token)
app.add_typer(token_app, name="token")
app.command()(deliveries.template)
app.command("harvest-source")(harvest.harvest_source)
app.command("publish")(platform.publish)
app.command("search")(learning.search)
app.command("similar")(learning.similar)
app.command()(experiments.experiment)
app.command()(agenda.agenda)
app.command()(digest.digest)
app.command()(curation.classify)
app.command("demo-tokens")(curation.demo_tokens)


def run() -> None:
    """The `ida` console script: run a command, and turn a platform error into its message and exit code.

    The process ends with the command. Its objects are then frozen out of the garbage collector's sight: Python's
    exit would otherwise walk them all, several times (after `ida pipeline`, some 470,000 objects: 1.3 s)."""
    try:
        app(prog_name="ida")
    except IdaError as problem:
        fail(str(problem))
        sys.exit(problem.exit_code)
    finally:
        gc.freeze()
