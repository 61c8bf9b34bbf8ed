"""How names, keys and values of another tracking system become Continuum's (pure functions).

Keys Continuum refuses are skipped and reported rather than rewritten: a rewritten key can
collide with a real one (`auc:val` and `auc_val`) and would no longer match the source system.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from pydantic import TypeAdapter, ValidationError

from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.schemas import MAX_PARAM_VALUE, MODEL_NAME_MAX, Key

_KEY = TypeAdapter(Key)
_NOT_IN_MODEL_NAME = re.compile(r"[^a-z0-9_.-]+")
_GIT_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
MAX_MODEL_NAME = MODEL_NAME_MAX
MAX_STEP = 2**31 - 1

# MLflow statuses; SCHEDULED and RUNNING runs stay running in Continuum.
STATUSES = {
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}


def key_problem(key: str) -> str | None:
    """Why Continuum refuses a parameter, tag or metric key; None if it accepts it."""
    try:
        _KEY.validate_python(key)
    except ValidationError:
        return (
            "Continuum keys are 1 to 250 of A-Z a-z 0-9 _ - . / and space, "
            "with no empty, . or .. segment"
        )
    return None


def value_problem(value: str) -> str | None:
    if len(value) > MAX_PARAM_VALUE:
        return f"value longer than Continuum's {MAX_PARAM_VALUE} characters"
    return None


def git_commit(value: str | None) -> str | None:
    """The value if Continuum can store it as a run's commit (a hex commit id), else None."""
    return value if value and _GIT_COMMIT.match(value) else None


def model_name(name: str) -> str | None:
    """A registered-model name as a Continuum model name: accents dropped, lower case, every
    run of other characters replaced by '-', starting with a letter or digit, not ending in
    the '-' this adds; None if nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    mapped = _NOT_IN_MODEL_NAME.sub("-", ascii_name.lower()).lstrip("_.-")[:MAX_MODEL_NAME]
    return mapped.rstrip("-") or None


def from_millis(millis: int | None) -> datetime | None:
    return None if millis is None else datetime.fromtimestamp(millis / 1000, UTC)


def metric_value(value: float) -> float:
    """MLflow's database stores keep ±Infinity as ±the largest float; this undoes that."""
    if abs(value) == sys.float_info.max:
        return math.copysign(math.inf, value)
    return value


def without_password(uri: str) -> str:
    """The URI with its password masked: database URIs often carry one, and errors get logged."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
