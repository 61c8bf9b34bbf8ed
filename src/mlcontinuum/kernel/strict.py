"""The base of every input shape: unknown fields are refused, so a typo is an error that names
the field instead of a value silently ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
