"""The upload limits come from two settings, in one place: what a request may carry follows
from what an application may have, so that the page's promise is never cut off by the server."""
import pytest

from portal.config import ConfigError, load_settings

MB = 1024 * 1024


@pytest.mark.parametrize("file_mb, total_mb", [(10, 40), (25, 100), (5, 5)])
def test_a_request_may_carry_every_file_an_application_may_have(tmp_path, file_mb, total_mb):
    settings = load_settings(tmp_path, {"PORTAL_UPLOAD_MAX_FILE_MB": str(file_mb),
                                        "PORTAL_UPLOAD_MAX_SUBMISSION_MB": str(total_mb)})
    config = settings.flask_config()
    assert settings.uploads.max_file_bytes == file_mb * MB
    assert settings.uploads.max_submission_bytes == total_mb * MB
    # All files at once and the form around them, not one file only.
    assert total_mb * MB < config["MAX_CONTENT_LENGTH"] <= total_mb * MB + 2 * MB


def test_a_file_larger_than_the_whole_application_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_UPLOAD_MAX_FILE_MB"):
        load_settings(tmp_path, {"PORTAL_UPLOAD_MAX_FILE_MB": "50", "PORTAL_UPLOAD_MAX_SUBMISSION_MB": "40"})
