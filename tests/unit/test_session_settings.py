import pytest

from portal.config import ConfigError, load_settings


def test_staff_idle_minutes_default_and_setting(tmp_path):
    base = {"PORTAL_SECRET_KEY": "k" * 40}
    assert load_settings(tmp_path, base).staff_idle_minutes == 30
    assert load_settings(tmp_path, {**base, "PORTAL_STAFF_IDLE_MINUTES": "10"}).staff_idle_minutes == 10
    for bad in ("0", "ten"):
        with pytest.raises(ConfigError, match="PORTAL_STAFF_IDLE_MINUTES"):
            load_settings(tmp_path, {**base, "PORTAL_STAFF_IDLE_MINUTES": bad})
