"""Content-addressed artifact blobs: stored by SHA-256, never by a name a client chose.

A blob is streamed to a temporary file while it is hashed and counted, fsynced, and renamed into
`artifacts/sha256/<first two hex>/<hash>`; an upload over the limit is refused and leaves nothing
behind. The server stores and scans artifacts; it never deserialises them.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from mlcontinuum.kernel.errors import FieldProblem, PayloadTooLarge, ValidationFailed

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "sha256" / sha256[:2] / sha256

    async def save(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredBlob:
        """Stream `chunks` into the store; refuse (and keep nothing) past `max_bytes`."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, temp_name = tempfile.mkstemp(dir=incoming)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"the artifact is over the limit of {max_bytes} bytes "
                            "(setting CONTINUUM_MAX_ARTIFACT_BYTES)"
                        )
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if size == 0:
                raise ValidationFailed(
                    "the artifact is empty", [FieldProblem("artifact", "empty", "send the file")]
                )
            sha256 = digest.hexdigest()
            target = self.path_of(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)  # same content, same name: a second upload is harmless
            return StoredBlob(sha256, size, target)
        finally:
            temp.unlink(missing_ok=True)


def clean_filename(raw: str) -> str:
    """The file's name as metadata only. Names that try to climb or hide are refused outright:
    `../`, `%2e%2e/` and `%252e%252e/`, backslashes, absolute paths, drive letters, NUL bytes."""
    decoded = raw
    for _ in range(3):  # undo double (and triple) percent-encoding before judging the name
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    name = unicodedata.normalize("NFC", decoded)
    problems = []
    if not name or len(name) > 255:
        problems.append("give a file name of 1 to 255 characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problems.append("control characters (such as NUL) are not allowed")
    if "/" in name or "\\" in name:
        problems.append("a file name has no directories: no / or \\")
    if name in (".", "..") or name.startswith(".."):
        problems.append("'.' and '..' are not file names")
    if re.match(r"^[A-Za-z]:", name):
        problems.append("drive letters are not allowed")
    if problems:
        raise ValidationFailed(
            f"unsafe artifact file name {raw!r}: {'; '.join(problems)}",
            [FieldProblem("filename", "safe_name", "; ".join(problems))],
        )
    return name
