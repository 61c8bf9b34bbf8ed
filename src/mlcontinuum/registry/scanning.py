"""Static safety scan of uploaded model files. Nothing here ever loads or runs a model.

Pickles (plain, compressed as joblib writes them, or inside zip archives such as PyTorch files)
are disassembled by fickling: a pickle that imports or calls anything outside the standard
library can run arbitrary code when loaded, so it is *unsafe*. skops files are judged by skops'
own schema check (types outside its trusted set are unsafe). safetensors holds only tensors.
Anything else is *not scanned*, with the reason, and never reported as safe.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from fickling.analysis import Severity, check_safety
from fickling.fickle import Pickled

from mlcontinuum.registry.enums import SKOPS_DATA_TYPES, ScanVerdict
from mlcontinuum.registry.schemas import ScanReport

MAX_FINDINGS = 20

# Compressed pickles as joblib writes them: magic bytes and a reader for the stream.
_COMPRESSIONS: tuple[tuple[bytes, str, Callable[[io.BytesIO], io.BufferedIOBase]], ...] = (
    (b"\x1f\x8b", "gzip", lambda raw: gzip.GzipFile(fileobj=raw)),
    (b"BZh", "bz2", bz2.BZ2File),
    (b"\xfd7zXZ\x00", "xz", lzma.LZMAFile),
    (b"\x78\x01", "zlib", lambda raw: _ZlibReader(raw)),
    (b"\x78\x9c", "zlib", lambda raw: _ZlibReader(raw)),
    (b"\x78\xda", "zlib", lambda raw: _ZlibReader(raw)),
)


def scan_file(path: Path, *, max_inflated: int) -> ScanReport:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"PK\x03\x04"):
        return _scan_zip(path, max_inflated)
    for magic, name, reader in _COMPRESSIONS:
        if head.startswith(magic):
            return _scan_compressed(path, name, reader, max_inflated)
    if _is_safetensors(path, head):
        return ScanReport(ScanVerdict.SAFE, "safetensors")
    data = path.read_bytes()
    return _scan_pickle(data, "pickle") or ScanReport(
        ScanVerdict.NOT_SCANNED,
        "unknown",
        [
            "format not recognised: pickle, joblib, skops, zip archives of pickles and safetensors "
            "are scanned; ONNX and other formats are stored unscanned"
        ],
    )


def _scan_pickle(data: bytes, fmt: str) -> ScanReport | None:
    """A report if `data` is a pickle, None if it is not one."""
    try:
        pickled = Pickled.load(io.BytesIO(data))
    except Exception:
        return None
    if len(pickled) == 0:
        return None
    results = check_safety(pickled)
    if results.severity == Severity.LIKELY_SAFE:
        return ScanReport(ScanVerdict.SAFE, fmt)
    findings = [line.strip() for line in str(results).splitlines() if line.strip()]
    return ScanReport(ScanVerdict.UNSAFE, fmt, findings[:MAX_FINDINGS] or [results.severity.name])


def _scan_compressed(
    path: Path, name: str, reader: Callable[[io.BytesIO], io.BufferedIOBase], max_inflated: int
) -> ScanReport:
    # Read one byte past the limit so that a small "bomb" is caught without inflating it whole.
    with reader(io.BytesIO(path.read_bytes())) as stream:
        try:
            data = stream.read(max_inflated + 1)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as err:
            return ScanReport(ScanVerdict.NOT_SCANNED, f"{name}-compressed", [f"damaged: {err}"])
    if len(data) > max_inflated:
        return ScanReport(
            ScanVerdict.NOT_SCANNED,
            f"{name}-compressed",
            [f"decompresses to more than {max_inflated} bytes"],
        )
    report = _scan_pickle(data, f"joblib ({name})")
    return report or ScanReport(
        ScanVerdict.NOT_SCANNED,
        f"{name}-compressed",
        [
            "the decompressed content is not a plain pickle (joblib's numpy array layout is not "
            "scanned); upload a skops or safetensors file instead"
        ],
    )


class _ZlibReader(io.BufferedIOBase):
    """zlib has no file-like reader in the standard library; joblib's default is zlib."""

    def __init__(self, raw: io.BytesIO) -> None:
        self._raw = raw

    def read(self, size: int | None = -1) -> bytes:
        inflater = zlib.decompressobj()
        return inflater.decompress(self._raw.read(), size if size and size > 0 else 0)


def _scan_zip(path: Path, max_inflated: int) -> ScanReport:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        return ScanReport(ScanVerdict.NOT_SCANNED, "zip", [f"damaged zip archive: {err}"])
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > max_inflated:
            return ScanReport(
                ScanVerdict.NOT_SCANNED, "zip", [f"expands to more than {max_inflated} bytes"]
            )
        names = [m.filename for m in members]
        if "schema.json" in names:
            return _scan_skops(path)
        findings: list[str] = []
        pickles = 0
        for member in members:
            if member.is_dir():
                continue
            report = _scan_pickle(archive.read(member), "pickle")
            if report is None:
                continue
            pickles += 1
            findings.extend(f"{member.filename}: {f}" for f in report.findings)
    if pickles == 0:
        return ScanReport(ScanVerdict.NOT_SCANNED, "zip", ["a zip archive holding no pickle"])
    if findings:
        return ScanReport(ScanVerdict.UNSAFE, "zip of pickles", findings[:MAX_FINDINGS])
    return ScanReport(ScanVerdict.SAFE, "zip of pickles")


def _scan_skops(path: Path) -> ScanReport:
    from skops.io import get_untrusted_types

    try:
        untrusted = get_untrusted_types(file=path)
    except Exception as err:
        return ScanReport(ScanVerdict.NOT_SCANNED, "skops", [f"unreadable skops schema: {err}"])
    untrusted = [t for t in untrusted if t not in SKOPS_DATA_TYPES]
    if untrusted:
        return ScanReport(
            ScanVerdict.UNSAFE,
            "skops",
            [f"type outside skops' trusted set: {t}" for t in untrusted[:MAX_FINDINGS]],
        )
    return ScanReport(ScanVerdict.SAFE, "skops")


def _is_safetensors(path: Path, head: bytes) -> bool:
    if len(head) < 9:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    if length <= 0 or length > 100_000_000 or head[8:9] != b"{":
        return False
    with path.open("rb") as handle:
        handle.seek(8)
        try:
            header = json.loads(handle.read(length))
        except (ValueError, UnicodeDecodeError):
            return False
    return isinstance(header, dict)
