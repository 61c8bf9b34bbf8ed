"""Instance settings: one pydantic-settings class, built once by the caller and passed down.

Values come from `CONTINUUM_*` environment variables and, optionally, a TOML config file named by
`CONTINUUM_CONFIG` (environment wins over the file). Nothing here runs at import time.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SECRET_FILE_NAME = "session-secret"


class Settings(BaseSettings):
    """Every setting of a Continuum instance. See docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CONTINUUM_", extra="forbid")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the SQLite database, the session secret and stored artifacts.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: an SQLite file `continuum.db` in the data directory. "
        "PostgreSQL: `postgresql+psycopg://user@host:5432/dbname`.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    public_base_url: str | None = Field(
        default=None,
        description="URL users reach the server at, used in links and to mark cookies Secure "
        "when it is https. Default: http://HOST:PORT.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs CSRF tokens. Default: generated on first start and kept in "
        "DATA_DIR/session-secret with 0600 permissions.",
    )
    session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="How long a browser session lasts, in hours."
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body the API accepts, in bytes; larger bodies get 413.",
    )
    max_artifact_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="Largest model artifact or reference profile accepted for upload, in bytes.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins allowed per user name (and 4x that per client address) in "
        "the throttle window before further attempts get 429.",
    )
    login_window_minutes: int = Field(
        default=15, ge=1, description="Length of the login throttle window, in minutes."
    )

    monitor_max_batch_rows: int = Field(
        default=100_000,
        ge=1,
        description="Most predictions (rows) one monitoring batch may carry; more get 413 with "
        "the limit in the message. Split larger batches.",
    )
    monitor_max_request_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest monitoring request body (profile plus prediction ids and values, "
        "labels, KPI values), in bytes; larger bodies get 413.",
    )
    monitor_max_age_days: int = Field(
        default=400,
        ge=1,
        description="Oldest timestamp accepted for batches and KPI values, in days before now.",
    )
    monitor_max_clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        description="How far in the future a batch or KPI timestamp may lie (clock skew).",
    )
    ingest_max_concurrent: int = Field(
        default=8,
        ge=1,
        description="Monitoring writes handled at once; beyond that, and beyond the short queue "
        "of `ingest_max_waiting`, the server answers 503 with Retry-After instead of timing out.",
    )
    ingest_max_waiting: int = Field(
        default=16,
        ge=0,
        description="Monitoring writes allowed to wait for a free slot before new ones are shed.",
    )
    ingest_retry_after_seconds: int = Field(
        default=2, ge=1, description="The Retry-After value sent with shed requests, in seconds."
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="CIDR blocks webhooks may reach although they are loopback, link-local or "
        'private (for example ["10.20.0.0/16"]). Empty: every such address is refused.',
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Time limit of one webhook delivery attempt."
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Attempts per delivery before it is marked failed; the wait doubles after "
        "each failure, from `webhook_backoff_seconds`.",
    )
    webhook_backoff_seconds: float = Field(
        default=30.0, gt=0, description="Wait before the second attempt of a delivery."
    )
    background_workers: bool = Field(
        default=True,
        description="Run the window evaluator and the webhook outbox inside the server. Switch "
        "off to run them elsewhere with `continuum monitor evaluate` and `continuum webhooks "
        "deliver`.",
    )
    worker_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the background workers look for work."
    )

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _cidr_blocks(cls, value: list[str]) -> list[str]:
        # A typo here must stop the server at start, not fail every webhook delivery later.
        networks = []
        for entry in value:
            try:
                networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError as err:
                raise ValueError(f"'{entry}' is not a CIDR block such as 10.20.0.0/16") from err
        return networks

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("CONTINUUM_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'continuum.db').resolve()}"

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def secret_key(self) -> bytes:
        """The session secret: configured, or read from (or first written to) the data dir."""
        if self.session_secret is not None:
            return self.session_secret.get_secret_value().encode()
        path = self.data_dir / SECRET_FILE_NAME
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes starting at once must not overwrite each other's secret.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
        return path.read_text().strip().encode()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and config file), with explicit overrides on top."""
    return Settings(**overrides)
