"""Shared fixtures: isolated data folders, the toy colour-model plugin, generated photos,
the real offline default model and the sample library. Helpers live in mmdesk_testing.py."""

from __future__ import annotations

import gc
import logging
import os
import re
from pathlib import Path

import pytest
from mmdesk_testing import build_toy_plugin, make_photo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def toy_plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder holding the toy plugin (built once per test session)."""
    root = tmp_path_factory.mktemp("toy-plugins")
    build_toy_plugin(root / "toy")
    return root


def isolated_settings(
    tmp_path: Path, plugins: Path, monkeypatch: pytest.MonkeyPatch, threads: int = 0
):
    """Settings on an empty data folder whose only plugins are those in ``plugins``."""
    from mmdesk import config

    monkeypatch.setenv("MMDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMDESK_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(config, "BUNDLED_PLUGINS", tmp_path / "no-bundled-plugins")
    return config.Settings(threads=threads)


@pytest.fixture()
def settings(tmp_path: Path, toy_plugin_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings with an empty data folder, the toy plugin, and no bundled plugins."""
    return isolated_settings(tmp_path, toy_plugin_dir, monkeypatch, threads=1)


@pytest.fixture()
def photos(tmp_path: Path) -> Path:
    """A small library: 3 red, 3 green, 3 blue photos in sub-folders."""
    root = tmp_path / "photos"
    for n, colour in enumerate(["red", "green", "blue"] * 3):
        make_photo(root / colour / f"{colour}-{n}.png", colour, seed=n)
    return root


@pytest.fixture(scope="session")
def default_plugin_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder with the real offline default model, built once per test session."""
    pytest.importorskip("torch")
    default_model = pytest.importorskip("mmdesk.export.default_model")
    root = tmp_path_factory.mktemp("default-plugins")
    default_model.build_default(root / "default")
    return root


@pytest.fixture()
def default_settings(tmp_path: Path, default_plugin_root: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings with an empty data folder and only the real default model installed."""
    return isolated_settings(tmp_path, default_plugin_root, monkeypatch)


@pytest.fixture(scope="session")
def skimage_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library (scikit-image's real photos) written to a temporary folder."""
    pytest.importorskip("skimage")
    from mmdesk.core.sample import make_sample_library

    root = tmp_path_factory.mktemp("sample-library")
    make_sample_library(root)
    return root


# -- fail on unexpected warnings (qutebrowser's tests/helpers/logfail.py) ----------------------


class LogFailHandler(logging.Handler):
    """Collects WARNING-or-worse records from ``mmdesk.*`` loggers that no test expected.

    A record is expected when it matches an ``allow_log`` pattern, or when the test set the
    level of ``caplog`` (or of the record's logger) to exactly the record's level with
    ``caplog.at_level(...)``, as qutebrowser's handler does.
    Records are checked after the test, so code that catches broad exceptions (worker threads)
    cannot swallow the failure.
    """

    def __init__(self, allowed: list[str], node: pytest.Item | None = None) -> None:
        super().__init__(logging.WARNING)
        self.allowed = [re.compile(p) for p in allowed]
        self.node = node
        self.unexpected: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not self.expected(record):
            self.unexpected.append(record)

    def expected(self, record: logging.LogRecord) -> bool:
        levels = {logging.getLogger(record.name).level, self._caplog_level()}
        message = record.getMessage()
        return record.levelno in levels or any(p.search(message) for p in self.allowed)

    def _caplog_level(self) -> int:
        caplog = getattr(self.node, "funcargs", {}).get("caplog")
        return caplog.handler.level if caplog is not None else logging.NOTSET

    def check(self) -> None:
        """Fail with every unexpected record, one line each."""
        if self.unexpected:
            lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in self.unexpected]
            pytest.fail(
                "unexpected log records (mark the test allow_log(pattern)):\n" + "\n".join(lines),
                pytrace=False,
            )


def allowed_log_patterns(node: pytest.Item) -> list[str]:
    """The patterns of every ``allow_log`` mark on a test (its class and module included)."""
    return [str(p) for mark in node.iter_markers("allow_log") for p in mark.args]


@pytest.fixture(autouse=True)
def logfail(request: pytest.FixtureRequest):
    """Fail the test on a WARNING+ record from ``mmdesk.*`` that it did not declare."""
    handler = LogFailHandler(allowed_log_patterns(request.node), request.node)
    logger = logging.getLogger("mmdesk")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    handler.check()


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest):
    """In a Qt test, Python's collector runs on the test's (GUI) thread only, as in the app
    (mmdesk.gui.main_gc): a collection in a worker thread that frees a Qt object can deadlock
    with the GUI thread. Collected at the end of the test, then automatic again."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()
