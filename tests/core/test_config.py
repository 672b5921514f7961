import os
import stat

import pytest

from core.config import ConfigError, database_url, load


def test_defaults_give_sqlite_in_instance_and_a_kept_secret(tmp_path):
    config = load(str(tmp_path / "instance"), str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'inspection.db'}"
    assert config["TIMEZONE"] == "Asia/Shanghai"
    assert config["UPLOAD_DIR"] == str(tmp_path / "uploads")
    key_file = tmp_path / "instance" / "secret_key"
    assert config["SECRET_KEY"] == key_file.read_text() and len(config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load(str(tmp_path / "instance"), str(tmp_path), env={})["SECRET_KEY"] == config["SECRET_KEY"]


def test_environment_overrides(tmp_path):
    env = {"DATABASE_URL": "postgresql://u@db/x", "SECRET_KEY": "s", "TIMEZONE": "UTC",
           "UPLOAD_DIR": str(tmp_path / "up")}
    config = load(str(tmp_path), str(tmp_path), env=env)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert (config["SECRET_KEY"], config["TIMEZONE"]) == ("s", "UTC")
    assert (tmp_path / "up").is_dir()


@pytest.mark.parametrize(("env", "named"), [
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"TOKEN_TTL_HOURS": "soon"}, "TOKEN_TTL_HOURS"),
    ({"MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB"),
    ({"UPLOAD_DIR": "/proc/no-such-place"}, "UPLOAD_DIR"),
    ({"LOGIN_RATE_LIMIT": "ten a minute"}, "LOGIN_RATE_LIMIT"),
    ({"LOGIN_ACCOUNT_RATE_LIMIT": "often"}, "LOGIN_ACCOUNT_RATE_LIMIT"),
    ({"RATE_LIMIT_STORAGE_URI": "redsi://127.0.0.1:6379"}, "RATE_LIMIT_STORAGE_URI"),
    ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ({"DEADLINE_MAX_DAYS_MAJOR": "0"}, "DEADLINE_MAX_DAYS_MAJOR"),
    ({"DEADLINE_DAYS_GENERAL": "30", "DEADLINE_MAX_DAYS_GENERAL": "20"}, "DEADLINE_MAX_DAYS_GENERAL"),
])
def test_invalid_settings_stop_start_up_naming_the_variable(tmp_path, env, named):
    with pytest.raises(ConfigError, match=named):
        load(str(tmp_path), str(tmp_path), env=env)


def test_postgres_urls_use_psycopg3():
    assert database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"


def test_app_module_exits_with_a_message_on_bad_config(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import app"], cwd=os.path.dirname(os.path.dirname(
        os.path.dirname(__file__))), env=os.environ | {"TIMEZONE": "Nowhere/City"}, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Configuration error: TIMEZONE='Nowhere/City'" in result.stderr


def test_login_and_deadline_limits_have_defaults_and_take_overrides(tmp_path):
    defaults = load(str(tmp_path), str(tmp_path), env={})
    assert (defaults["LOGIN_RATE_LIMIT"], defaults["LOGIN_ACCOUNT_RATE_LIMIT"]) == ("10 per minute", "50 per hour")
    assert (defaults["RATE_LIMIT_STORAGE_URI"], defaults["TRUSTED_PROXIES"]) == ("memory://", 0)
    assert (defaults["DEADLINE_MAX_DAYS_GENERAL"], defaults["DEADLINE_MAX_DAYS_MAJOR"]) == (60, 365)
    config = load(str(tmp_path), str(tmp_path), env={
        "RATE_LIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "TRUSTED_PROXIES": "1", "DEADLINE_MAX_DAYS_MAJOR": "180"})
    assert (config["RATE_LIMIT_STORAGE_URI"], config["TRUSTED_PROXIES"]) == ("redis://127.0.0.1:6379", 1)
    assert config["DEADLINE_MAX_DAYS_MAJOR"] == 180
