"""`loads`: profile bytes of the current format, or of an older one upgraded on the way in."""

from __future__ import annotations

from mlcontinuum.profiles import serde, serde_v1
from mlcontinuum.profiles.errors import ProfileFormatError
from mlcontinuum.profiles.model import Profile


def loads(raw: bytes) -> Profile:
    header, body = serde.unpack(raw)
    try:
        if isinstance(header, dict) and header.get("type") == serde.V1_TYPE_KEY:
            return serde_v1.upgrade(header, body)
        return serde.read(header, body)
    except ProfileFormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError, AttributeError) as exc:
        raise ProfileFormatError(
            f"profile content is invalid ({type(exc).__name__}: {exc})"
        ) from exc
