"""Errors raised by the profile engine; callers catch `ProfileError` to handle all of them."""

from __future__ import annotations


class ProfileError(Exception):
    """Base class of every error the profile engine raises on purpose."""


class ProfileInputError(ProfileError):
    """The data handed to the engine cannot be profiled (empty, malformed, unreadable)."""


class ProfileFormatError(ProfileError):
    """Serialised profile bytes are not a profile this version can read."""


class NotComparable(ProfileError):
    """A drift method cannot compare two columns (e.g. one side has no valid values)."""
