"""The platform's exceptions: one base, with the specific errors below it.

Every `IdaError` carries a Dutch message meant for the person who can act on it (a province, an
operator) and the exit code the `ida` command ends with; the CLI turns them into messages in one
place (cli/main.py). Internal exceptions that never reach a user (a bad cell value, an unreadable
file inside a report) stay where they are raised.
"""


class IdaError(Exception):
    """Something the user can act on; `str(error)` is the Dutch message."""

    exit_code = 1


class UsageError(IdaError):
    """A wrong setting or argument: fix the call and try again."""

    exit_code = 2


class NotPublished(IdaError):
    """The pipeline has not published a serving copy yet."""

    def __init__(self, where: object = None) -> None:
        super().__init__("Er zijn nog geen gegevens gepubliceerd. Draai eerst 'ida pipeline' (of make pipeline).")
        self.where = where


class NotAuthorised(IdaError):
    """A token that is unknown, or that may not do what was asked."""

    exit_code = 2


class NotFound(IdaError):
    """Asked for a record the platform does not hold (or no longer: withdrawn)."""
