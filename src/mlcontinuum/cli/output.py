"""How every command talks to people: results on stdout, errors as one red line on stderr.

Exit codes, the same for every command: 0 done; 1 the command ran and found a failure, or the
server or database refused or failed; 2 the input was wrong (an option, a file, its content,
a name that does not exist). Expected errors never show a stack trace.

Command modules import services, the clients and the database layer inside their functions:
those imports take seconds on small machines, and `continuum --help` should not wait for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from mlcontinuum.kernel.errors import (
    Conflict,
    ContinuumError,
    FieldProblem,
    NotFound,
    ValidationFailed,
    problems_from_validation,
)

if TYPE_CHECKING:
    from mlcontinuum.remote.errors import ContinuumAPIError

EXIT_FAILURE = 1
EXIT_INPUT = 2


def out() -> Console:
    # Built per call: the test runner (and shells piping output) swap sys.stdout between calls.
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """Progress or context for people, on stderr, so stdout stays clean for pipes."""
    err().print(message)


def fail(message: str, code: int = EXIT_INPUT, problems: Sequence[FieldProblem] = ()) -> NoReturn:
    console = err()
    console.print(f"[red]error:[/red] {escape(message)}")
    for problem in problems:
        console.print(f"  {escape(problem.field)}: {escape(problem.message)} ({problem.rule})")
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the errors a command can expect into a red line and the right exit code."""
    import pydantic
    from sqlalchemy.exc import SQLAlchemyError

    from mlcontinuum.remote import errors as remote

    # Caused by what the user typed or supplied: exit 2. Anything else that is expected: 1.
    input_errors = (
        ValidationFailed,
        NotFound,
        Conflict,
        remote.ValidationError,
        remote.NotFoundError,
        remote.ConflictError,
    )
    try:
        yield
    except remote.ContinuumAPIError as error:
        code = EXIT_INPUT if isinstance(error, input_errors) else EXIT_FAILURE
        fail(_server_message(error), code, _unsaid(error.message, error.fields))
    except ContinuumError as error:
        code = EXIT_INPUT if isinstance(error, input_errors) else EXIT_FAILURE
        fail(error.message, code, _unsaid(error.message, error.problems))
    except pydantic.ValidationError as error:
        problems = problems_from_validation(error.errors())
        fail(f"invalid {error.title}", EXIT_INPUT, problems)
    except SQLAlchemyError as error:
        original = getattr(error, "orig", None) or error
        fail(f"database error: {str(original).strip().splitlines()[0]}", EXIT_FAILURE)
    except UnicodeDecodeError as error:
        fail(f"the input is not UTF-8 text ({error.reason} at byte {error.start})", EXIT_INPUT)
    except OSError as error:
        fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), EXIT_INPUT)


def _server_message(error: ContinuumAPIError) -> str:
    if error.status is None:  # nothing answered: the message says why
        return error.message
    return f"the server refused ({error.status} {error.code}): {error.message}"


def _unsaid(message: str, problems: Sequence[FieldProblem]) -> Sequence[FieldProblem]:
    """The field problems, unless the message already lists every one of them."""
    return () if all(p.message in message for p in problems) else problems
