"""The autouse ``logfail`` fixture: unexpected mmdesk warnings fail a test, declared ones not."""

from __future__ import annotations

import logging
from typing import Any

import pytest

log = logging.getLogger("mmdesk.tests.logfail")
# tests/conftest.py's LogFailHandler; `import conftest` would be ambiguous (tests/*/conftest.py)
LogFailHandler = Any


def _record(level: int, message: str, name: str = "mmdesk.core.x") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_an_unexpected_warning_is_caught_by_the_live_fixture(logfail: LogFailHandler) -> None:
    log.warning("something odd")
    assert [r.getMessage() for r in logfail.unexpected] == ["something odd"]
    logfail.unexpected.clear()  # what the fixture would have failed this test for


def test_check_fails_naming_each_record(logfail: LogFailHandler) -> None:
    handler = type(logfail)([])
    handler.handle(_record(logging.ERROR, "disk on fire"))
    with pytest.raises(pytest.fail.Exception, match="ERROR mmdesk.core.x: disk on fire"):
        handler.check()


def test_info_records_and_other_loggers_pass(logfail: LogFailHandler) -> None:
    log.info("just saying")
    logging.getLogger("somelib").warning("not ours")
    assert logfail.unexpected == []


@pytest.mark.allow_log(r"cannot read folder \S+")
def test_a_declared_warning_passes(logfail: LogFailHandler) -> None:
    log.warning("cannot read folder %s: %s", "/x", "permission denied")
    assert logfail.unexpected == []


def test_only_matching_patterns_are_allowed(logfail: LogFailHandler) -> None:
    handler = type(logfail)([r"^expected"])
    handler.handle(_record(logging.WARNING, "expected and fine"))
    handler.handle(_record(logging.WARNING, "not expected"))
    assert [r.getMessage() for r in handler.unexpected] == ["not expected"]


def test_caplog_at_the_records_level_marks_it_expected(
    logfail: LogFailHandler, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        log.warning("CUDA was asked for")
    assert "CUDA was asked for" in caplog.text and logfail.unexpected == []
    with caplog.at_level(logging.INFO):
        log.warning("a warning the test did not ask about")
    assert len(logfail.unexpected) == 1
    logfail.unexpected.clear()
