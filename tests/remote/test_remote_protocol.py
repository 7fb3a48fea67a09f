"""The CLI's socket to the running app: the app's answer is exactly the in-process one, and
only a socket of this user's, closed to others, is ever talked to."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings
from mmdesk.core import remote
from mmdesk.core.library import Library

pytestmark = pytest.mark.skipif(not remote.supported(), reason="no Unix domain sockets")


@pytest.fixture()
def indexed(settings: Settings, photos: Path) -> Settings:
    with Library(settings) as lib:
        lib.index([photos])
    return settings


class Counting:
    """Wraps a server's handler to count the requests it really answered."""

    def __init__(self, server: remote.Server) -> None:
        self.calls = 0
        self.inner = server.handler
        server.handler = self

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return self.inner(request)


@pytest.fixture()
def server(indexed: Settings) -> Iterator[remote.LibraryServer]:
    running = remote.LibraryServer(indexed)
    if not running.start():
        pytest.skip("cannot listen on a socket here (path too long?)")
    yield running
    running.close()


def _request(settings: Settings, op: str, query: str, **filters: Any) -> dict[str, Any]:
    fields = {"limit": 3, **filters}
    return remote.make_request(op, query, fields, bool(fields.pop("group", False)), settings)


def test_the_app_answers_exactly_as_the_library_does(
    indexed: Settings, server: remote.LibraryServer, photos: Path
) -> None:
    counting = Counting(server)
    with Library(indexed) as lib:
        item = lib.item_for_path(next((photos / "red").iterdir()))
        requests = [
            _request(indexed, "search", "green"),
            _request(indexed, "search", "blue", under=[str(photos / "blue")], limit=5),
            _request(indexed, "search", "red", kinds=["image"], group=True),
            _request(indexed, "similar", str(item)),
            _request(indexed, "similar", str(next((photos / "green").iterdir()))),
        ]
        for request in requests:
            local = remote.answer(lib, request)
            assert remote.ask(server.path, request) == local
            assert local["results"], request
    assert counting.calls == len(requests)


def test_cli_output_is_the_same_from_the_app_and_in_process(
    server: remote.LibraryServer, capsys: pytest.CaptureFixture[str]
) -> None:
    counting = Counting(server)
    for argv in (["search", "green", "--limit", "3"], ["search", "blue", "--json"]):
        assert main([*argv, "--local"]) == 0
        local = capsys.readouterr()
        calls = counting.calls
        assert main(argv) == 0
        assert counting.calls == calls + 1  # the app answered this one
        assert capsys.readouterr() == local
    assert main(["search", "   "]) == 1  # the library's own error, said the same way
    from_app = capsys.readouterr().err
    assert main(["search", "   ", "--local"]) == 1
    assert capsys.readouterr().err == from_app and "type something" in from_app


def test_relative_folders_mean_the_callers_folder(
    server: remote.LibraryServer,
    photos: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(photos)
    assert main(["search", "green", "--under", "green", "--json", "--min-score", "0"]) == 0
    out = capsys.readouterr().out
    assert (
        main(["search", "green", "--under", "green", "--json", "--min-score", "0", "--local"]) == 0
    )
    assert capsys.readouterr().out == out and "/green/" in out and "/red/" not in out


def _dead_socket(path: Path) -> None:
    """A socket file nobody listens on, as a killed app leaves it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


def test_a_stale_socket_is_replaced_and_a_live_one_kept(indexed: Settings) -> None:
    path = remote.socket_path(indexed.data_dir)
    _dead_socket(path)
    assert remote.ask(path, {"v": remote.VERSION}) is None  # nobody there: answer in-process
    first = remote.LibraryServer(indexed)
    assert first.start()
    try:
        assert (os.lstat(path).st_mode & 0o777) == 0o600
        second = remote.LibraryServer(indexed)
        assert not second.start()  # another app answers there: it is not taken over
        assert path.exists()
    finally:
        first.close()
    assert not path.exists()


def test_a_socket_open_to_others_or_owned_by_another_user_is_refused(
    server: remote.LibraryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(server)
    request = _request(server.settings, "search", "green")
    assert remote.refusal(server.path) is None
    os.chmod(server.path, 0o666)
    assert "mode 666" in str(remote.refusal(server.path))
    assert remote.ask(server.path, request) is None
    os.chmod(server.path, 0o600)
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)
    assert "not by this user" in str(remote.refusal(server.path))
    assert remote.ask(server.path, request) is None
    monkeypatch.undo()
    assert counting.calls == 0
    assert remote.ask(server.path, request) is not None


@pytest.mark.allow_log("is in the way and is not a socket")
def test_something_else_in_the_way_is_neither_used_nor_removed(indexed: Settings) -> None:
    path = remote.socket_path(indexed.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a socket")
    assert remote.refusal(path) == "not a socket"
    server = remote.Server(path, lambda request: {}, [])
    assert not server.start()
    assert path.read_text() == "not a socket"


def test_a_mismatched_app_leaves_the_answer_to_the_cli(server: remote.LibraryServer) -> None:
    request = _request(server.settings, "search", "green")
    assert remote.ask(server.path, {**request, "plugins": ["/elsewhere"]}) is None
    assert remote.ask(server.path, {**request, "v": 99}) is None
    reply = remote.ask(server.path, {**request, "op": "drop tables"})
    assert reply is not None and reply["kind"] == "mmdesk"


def test_without_unix_sockets_the_cli_answers_itself(
    server: remote.LibraryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "supported", lambda: False)
    assert remote.ask(server.path, _request(server.settings, "search", "green")) is None


@pytest.mark.allow_log("answering a CLI request failed")
def test_an_answer_that_cannot_be_sent_leaves_the_answer_to_the_cli(indexed: Settings) -> None:
    plugins = [str(p) for p in indexed.plugin_dirs()]
    path = remote.socket_path(indexed.data_dir)
    broken = remote.Server(path, lambda request: {"v": remote.VERSION, "x": object()}, plugins)
    if not broken.start():
        pytest.skip("cannot listen on a socket here (path too long?)")
    try:
        request = _request(indexed, "search", "green")
        assert remote.ask(path, request) is None
        assert remote.ask(path, request) is None  # and the server is still there
    finally:
        broken.close()
