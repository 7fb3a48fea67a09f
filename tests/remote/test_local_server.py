"""The desktop app answers the CLI through its reader, never from the GUI thread, and stops
answering (socket removed) when its window closes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from mmdesk.config import Settings
from mmdesk.core import remote
from mmdesk.core.library import Library

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
pytestmark = pytest.mark.skipif(not remote.supported(), reason="no Unix domain sockets")


def _ask_in_thread(path: Path, request: dict[str, Any]) -> dict[str, Any]:
    """What a CLI process does, on a thread so the test's event loop keeps turning."""
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(reply=remote.ask(path, request)))
    thread.start()
    return box


def test_the_app_answers_through_its_reader_as_the_library_would(
    settings: Settings, photos: Path, qtbot: Any
) -> None:
    from mmdesk.gui.local_server import LocalServer
    from mmdesk.gui.tasks import TaskRunner

    with Library(settings) as lib:
        lib.index([photos])
    runner = TaskRunner(settings)
    server = LocalServer(settings, runner)
    path = remote.socket_path(settings.data_dir)
    try:
        if not server.listening:
            pytest.skip("cannot listen on a socket here (path too long?)")
        requests = [
            remote.make_request("search", "green", {"limit": 3}, False, settings),
            remote.make_request("search", "  ", {"limit": 3}, False, settings),
        ]
        for request in requests:
            box = _ask_in_thread(path, request)
            qtbot.waitUntil(lambda box=box: "reply" in box, timeout=20_000)
            with Library(settings) as lib:
                try:
                    expected = remote.answer(lib, request)
                except remote.MmdeskError as exc:
                    expected = remote.failure(exc)
            assert box["reply"] == expected
    finally:
        server.stop()
        runner.shutdown()
    assert not path.exists()


def test_the_window_listens_while_open(settings: Settings, qtbot: Any) -> None:
    from mmdesk.gui.window import MainWindow

    window = MainWindow(settings)
    path = remote.socket_path(settings.data_dir)
    try:
        listening = window.local_server.listening
        assert not listening or remote.refusal(path) is None
    finally:
        window.close()
        window.deleteLater()
    if not listening:
        pytest.skip("cannot listen on a socket here (path too long?)")
    assert not path.exists()
