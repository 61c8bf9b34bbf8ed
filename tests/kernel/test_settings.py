"""Settings: environment and config file, and a secret that is generated, private and stable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mlcontinuum.kernel.settings import SECRET_FILE_NAME, Settings, load_settings


def test_secret_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.secret_key()
    path = tmp_path / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).secret_key() == first


def test_two_instances_never_share_a_default_secret(tmp_path: Path) -> None:
    one = Settings(data_dir=tmp_path / "a").secret_key()
    two = Settings(data_dir=tmp_path / "b").secret_key()
    assert one != two


def test_loose_permissions_on_the_secret_are_tightened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.secret_key()
    path = tmp_path / SECRET_FILE_NAME
    path.chmod(0o644)
    settings.secret_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_environment_and_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "continuum.toml"
    config.write_text('port = 9100\nhost = "10.1.2.3"\n')
    monkeypatch.setenv("CONTINUUM_CONFIG", str(config))
    monkeypatch.setenv("CONTINUUM_PORT", "9200")
    settings = load_settings(data_dir=tmp_path)
    assert settings.host == "10.1.2.3"
    assert settings.port == 9200  # the environment wins over the file


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'continuum.db').resolve()}"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert not settings.secure_cookies
    assert Settings(data_dir=tmp_path, public_base_url="https://ml.example/").secure_cookies


def test_unknown_setting_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    monkeypatch.setenv("CONTINUUM_CONFIG", str(config))
    with pytest.raises(ValueError, match="prot"):
        load_settings(data_dir=tmp_path)
