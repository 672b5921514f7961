"""The alert settings in core.config: defaults and clear errors naming the variable."""

import pytest

from core.config import ConfigError, load


def _load(tmp_path, **env):
    return load(str(tmp_path), str(tmp_path), env=env)


def test_alert_defaults(tmp_path):
    config = _load(tmp_path)
    assert config["ALERT_REMINDER_DAYS"] == (1, 3) and config["ALERT_ESCALATION_DAYS"] == (7, 30)
    assert (config["DIGEST_HOUR"], config["RUN_SCHEDULER_IN_PROCESS"]) == (8, False)
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == ("", 25, False)
    assert config["MAIL_FROM"] == "alerts@localhost"
    assert (config["ALERT_WEBHOOK_URLS"], config["ALERT_WEBHOOK_FORMAT"]) == ((), "generic")
    assert config["ALERT_SEND_TIMEOUT"] == 10


def test_alert_settings_from_the_environment(tmp_path):
    config = _load(tmp_path, SMTP_HOST="mail.port.cn", SMTP_PORT="587", SMTP_USER="u", SMTP_PASSWORD="p",
                   SMTP_STARTTLS="true", MAIL_FROM="alerts@port.cn", ALERT_WEBHOOK_FORMAT="robot",
                   ALERT_WEBHOOK_URLS="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k, http://hook.local/x",
                   ALERT_REMINDER_DAYS="7,3,1", ALERT_ESCALATION_DAYS="14", DIGEST_HOUR="0",
                   RUN_SCHEDULER_IN_PROCESS="yes")
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == ("mail.port.cn", 587, True)
    assert config["ALERT_WEBHOOK_URLS"] == ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                                            "http://hook.local/x")
    assert config["ALERT_REMINDER_DAYS"] == (1, 3, 7) and config["ALERT_ESCALATION_DAYS"] == (14,)
    assert (config["DIGEST_HOUR"], config["RUN_SCHEDULER_IN_PROCESS"]) == (0, True)


@pytest.mark.parametrize(("env", "named"), [
    ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
    ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
    ({"MAIL_FROM": "alerts"}, "MAIL_FROM"),
    ({"SMTP_USER": "u"}, "SMTP_USER"),
    ({"ALERT_WEBHOOK_URLS": "ftp://x"}, "ALERT_WEBHOOK_URLS"),
    ({"ALERT_WEBHOOK_FORMAT": "xml"}, "ALERT_WEBHOOK_FORMAT"),
    ({"ALERT_REMINDER_DAYS": "3,soon"}, "ALERT_REMINDER_DAYS"),
    ({"ALERT_REMINDER_DAYS": "3,3"}, "ALERT_REMINDER_DAYS"),
    ({"ALERT_REMINDER_DAYS": "0"}, "ALERT_REMINDER_DAYS"),
    ({"ALERT_ESCALATION_DAYS": "1,7"}, "ALERT_ESCALATION_DAYS"),
    ({"DIGEST_HOUR": "24"}, "DIGEST_HOUR"),
    ({"DIGEST_HOUR": "8am"}, "DIGEST_HOUR"),
    ({"RUN_SCHEDULER_IN_PROCESS": "sometimes"}, "RUN_SCHEDULER_IN_PROCESS"),
    ({"ALERT_SEND_TIMEOUT": "0"}, "ALERT_SEND_TIMEOUT"),
])
def test_bad_alert_settings_stop_start_up_naming_the_variable(tmp_path, env, named):
    with pytest.raises(ConfigError, match=named):
        _load(tmp_path, **env)
