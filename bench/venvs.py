"""One virtual environment per peer under bench/.venvs/, built once from pinned requirements.

Peers cannot share the product's environment (whylogs needs NumPy 1.26, Evidently pandas 2.2),
and they must never become product dependencies, so the bench builds their environments itself.
A stamp of the requirements file marks an environment as complete: an interrupted install or a
changed pin rebuilds it, an unchanged one is reused as is.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PEERS_DIR = BENCH_DIR / "peers"
VENVS_DIR = BENCH_DIR / ".venvs"
STAMP = ".requirements.sha256"


def requirements_file(peer: str) -> Path:
    return PEERS_DIR / f"requirements-{peer}.txt"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def venv_python(peer: str) -> Path:
    return VENVS_DIR / peer / "bin" / "python"


def ensure_venv(peer: str, log: Path) -> Path:
    """Return the peer environment's interpreter, creating the environment if needed."""
    requirements = requirements_file(peer)
    home = VENVS_DIR / peer
    stamp = home / STAMP
    if stamp.is_file() and stamp.read_text().strip() == _digest(requirements):
        return venv_python(peer)
    shutil.rmtree(home, ignore_errors=True)
    print(f"building the {peer} environment (one time, a few minutes) ...", file=sys.stderr)
    with log.open("a") as out:
        subprocess.run(
            [sys.executable, "-m", "venv", str(home)], check=True, stdout=out, stderr=out
        )
        subprocess.run(
            [
                str(venv_python(peer)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
            ],
            check=True,
            stdout=out,
            stderr=out,
        )
    stamp.write_text(_digest(requirements) + "\n")
    return venv_python(peer)
