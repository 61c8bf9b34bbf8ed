"""HTML forms: read the posted fields, validate them with the slice's pydantic schema, and keep
what the person typed together with one message per field, so a refused form comes back filled
in with the problem written next to each field (and listed on top)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy.orm import Session

from mlcontinuum.kernel.errors import ContinuumError, validation_failed

M = TypeVar("M", bound=BaseModel)


async def _posted(request: Request) -> dict[str, str]:
    # Starlette caches the parsed form, so the CSRF check and this read it only once.
    form = await request.form()
    # Browsers send text areas with CRLF line ends; stored text and its diffs use LF.
    return {
        key: value.replace("\r\n", "\n") for key, value in form.items() if isinstance(value, str)
    }


Posted = Annotated[dict[str, str], Depends(_posted)]


@dataclass
class Form:
    """The values shown in a form and the messages about them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Problems that belong to no field of this form (shown only in the list on top).
    general: list[str] = field(default_factory=list)
    status: int = 200

    @classmethod
    def of(cls, values: Mapping[str, object]) -> Form:
        """A form pre-filled from stored values (enums give their value, None gives "")."""
        return cls({key: "" if value is None else str(value) for key, value in values.items()})

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def parse(self, model: type[M], *, optional: Iterable[str] = ()) -> M:
        """Build `model` from the fields it declares; a blank `optional` field means None.

        Raises ValidationFailed naming each bad field, which `refuse` turns into messages.
        """
        blank = set(optional)
        data: dict[str, str | None] = {
            name: self.values[name] for name in model.model_fields if name in self.values
        }
        for name in blank & data.keys():
            if not (data[name] or "").strip():
                data[name] = None
        try:
            return model.model_validate(data)
        except ValidationError as err:
            raise validation_failed(err) from err

    def refuse(self, error: ContinuumError) -> Form:
        """Attach a refused change's problems to the fields they name."""
        self.status = error.status
        unplaced = not error.problems
        for problem in error.problems:
            name = problem.field.split(".", 1)[0]
            if name in self.values:
                self.errors.setdefault(name, problem.message)
            else:
                unplaced = True
        if unplaced:
            # The error's own sentence names whatever no field of this form can show.
            self.general.append(error.message)
        return self

    @property
    def problems(self) -> list[tuple[str | None, str]]:
        """Everything wrong, for the list on top: (field id or None, message)."""
        return [(name, message) for name, message in self.errors.items()] + [
            (None, message) for message in self.general
        ]


@contextmanager
def all_or_nothing(db: Session) -> Iterator[None]:
    """Run one change in a savepoint: a refused change leaves nothing half-written, and the
    request's transaction stays usable to render the form again."""
    with db.begin_nested():
        yield


def see_other(url: str) -> RedirectResponse:
    """POST-redirect-GET: reloading the next page does not send the form again."""
    return RedirectResponse(url, status_code=303)


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, human label) pairs for a select."""
    return [(member.value, str(getattr(member, "label", member.value))) for member in enum]


def form_error(error: ContinuumError) -> bool:
    """Errors a person fixes by changing the form (bad or conflicting values), as opposed to
    errors that end the request (not signed in, not allowed, gone)."""
    return error.status in (409, 422) or bool(error.problems)


def refuse_blank(field: str, message: str) -> Any:
    """A validator for a form's model: a blank `field` is refused with `message`, words a person
    acts on, rather than the schema's "at least 1 character". Use: `_given = refuse_blank(...)`
    in the class body."""

    def check(cls: type[BaseModel], value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError(message)
        return value

    return field_validator(field, mode="before")(classmethod(check))
