"""Answering ``mmdesk search`` from the running desktop app, over a local socket.

A one-shot CLI query spends most of its time loading what the app already holds warm: the
text model and the vector index. When the app runs on the same library it listens on a Unix
domain socket at ``<data dir>/mmdesk.sock`` and the CLI asks it first, falling back to
answering in-process when nobody answers within :data:`CONNECT_TIMEOUT_S`.

Protocol: one JSON object per line, one request and one response per connection. A request is
``{"v": 1, "op": "search" | "similar", "query": str, "filters": {...}, "group": bool,
"plugins": [plugin folders]}`` (``filters`` holds :class:`Filters`' fields, limit included);
the response is ``{"v": 1, "results": [Result.to_json()...], "verdict": {"ok", "reason"} |
None}`` or ``{"v": 1, "error": str, "kind": "mmdesk" | "mismatch" | "unavailable" |
"unexpected"}``: the library's own error is said as it is; after the others the CLI answers
in-process. Both front ends build the response with :func:`answer`, so the CLI prints the same
either way.

Only the same user may talk to the app: the socket is created mode 0600 in the user's data
folder, the client refuses a socket file that is not a socket, is owned by someone else or is
open to group or others, and the server drops a peer whose uid differs (``SO_PEERCRED``, on
Linux). There is no network listener. On Windows this is off (:func:`supported` is False): a
named pipe would be needed, which is out of scope, so the CLI always answers in-process there.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import stat
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmdesk.errors import MmdeskError

if TYPE_CHECKING:
    from mmdesk.config import Settings
    from mmdesk.core.library import Library

log = logging.getLogger(__name__)
VERSION = 1
SOCKET_NAME = "mmdesk.sock"
CONNECT_TIMEOUT_S = 0.05  # an app that does not accept this fast is not there
ANSWER_TIMEOUT_S = 30.0  # a search of a huge library, queued behind the app's own
REQUEST_TIMEOUT_S = 5.0  # a client that connects and says nothing does not hold the server
MAX_MESSAGE = 32 << 20
OPS = ("search", "similar")
FILTER_KEYS = frozenset(
    (
        "kinds",
        "under",
        "tags",
        "predicted",
        "after",
        "before",
        "camera",
        "min_score",
        "limit",
        "sort",
    )
)
Handler = Callable[[dict[str, Any]], dict[str, Any]]
FALLBACK = ("mismatch", "unavailable", "unexpected")  # kinds after which the CLI answers itself


class Unavailable(Exception):
    """The app cannot answer now (closing, too busy): the CLI answers in-process."""


def supported() -> bool:
    """Whether this platform has the Unix domain sockets the protocol runs on."""
    return os.name != "nt" and hasattr(socket, "AF_UNIX")


def socket_path(data_dir: Path) -> Path:
    """Where the app of the library in ``data_dir`` listens."""
    return data_dir / SOCKET_NAME


def make_request(
    op: str, query: str, filters: dict[str, Any], group: bool, settings: Settings
) -> dict[str, Any]:
    """A request as both front ends answer it. Relative folders and file paths are made
    absolute here, as the app's working folder is not the caller's."""
    wanted = dict(filters)
    wanted["under"] = [os.path.abspath(u) for u in wanted.get("under", [])]
    if op == "similar" and not query.isdigit():
        query = os.path.abspath(query)
    plugins = [str(p) for p in settings.plugin_dirs()]
    return {
        "v": VERSION,
        "op": op,
        "query": query,
        "filters": wanted,
        "group": group,
        "plugins": plugins,
    }


def open_library(settings: Settings, *, one_shot: bool = True) -> Library:
    """The Library a CLI request is answered from, caching query vectors and optimised models
    in the cache folder (until the Registry passes that folder to its sessions itself).

    ``one_shot`` (a process that answers one request and ends): models load as fits that
    (``SessionOptions.for_one_shot``) and the store opens read-only without its integrity
    check (``Store``'s ``one_shot``; the app and every writing command keep the check): a
    damaged file then fails its first query, and the error that query raises inside the
    library's ``with`` block is said as the check would have said it."""
    import sqlite3

    from mmdesk.core.library import Library
    from mmdesk.store import diagnose

    class OneShotLibrary(Library):
        def __exit__(self, *exc: object) -> None:
            super().__exit__(*exc)
            if isinstance(exc[1], sqlite3.DatabaseError):
                said = diagnose.describe(exc[1], self.store.path)
                if said is not None:
                    raise said from exc[1]

    library = OneShotLibrary(settings, one_shot=True) if one_shot else Library(settings)
    options = library.registry.options
    options.cache_dir = settings.cache_dir
    if one_shot:
        library.registry.options = options.for_one_shot()
    return library


def answer(library: Library, request: dict[str, Any]) -> dict[str, Any]:
    """The response to ``request`` from ``library`` (raises MmdeskError as the library does)."""
    from mmdesk.core.search import Filters, group_moments

    op, query = request.get("op"), request.get("query")
    if op not in OPS or not isinstance(query, str):
        raise MmdeskError(f"unknown request {op!r}")
    raw = request.get("filters") or {}
    if not isinstance(raw, dict) or not set(raw) <= FILTER_KEYS:
        raise MmdeskError(f"unknown filters {sorted(set(raw) - FILTER_KEYS)}")
    wanted = Filters(**raw)
    group = bool(request.get("group"))
    asked = dataclasses.replace(wanted, limit=wanted.limit * 4) if group else wanted
    if op == "search":
        found = library.search(query, asked)
        verdict = library.last_verdict
    else:
        found, verdict = library.similar(query, asked), None
    if group:
        found = group_moments(found)[: wanted.limit]
    said = None if verdict is None else {"ok": verdict.ok, "reason": verdict.reason}
    return {"v": VERSION, "results": [r.to_json() for r in found], "verdict": said}


def respond(handler: Handler, request: dict[str, Any], plugins: list[str]) -> dict[str, Any]:
    """``handler(request)``, or the error response the client understands."""
    refused = mismatch(request, plugins)
    if refused is not None:
        return refused
    try:
        reply = handler(request)
        json.dumps(reply)  # what cannot be sent must not reach the socket half-written
        return reply
    except Exception as exc:  # every failure becomes a response
        return failure(exc)


def mismatch(request: dict[str, Any], plugins: list[str]) -> dict[str, Any] | None:
    """The response refusing a request this app cannot answer as the CLI would, or None."""
    if request.get("v") != VERSION:
        return {"v": VERSION, "error": "protocol version differs", "kind": "mismatch"}
    if request.get("plugins") != plugins:
        return {"v": VERSION, "error": "the app sees other plugin folders", "kind": "mismatch"}
    return None


def failure(exc: BaseException) -> dict[str, Any]:
    """The response for a failed request: the library's own errors are said as they are; an
    unexpected one is logged and the CLI answers in-process instead."""
    if isinstance(exc, MmdeskError):
        return {"v": VERSION, "error": str(exc), "kind": "mmdesk"}
    if isinstance(exc, Unavailable):
        return {"v": VERSION, "error": str(exc), "kind": "unavailable"}
    log.error("answering a CLI request failed", exc_info=exc)
    return {"v": VERSION, "error": repr(exc), "kind": "unexpected"}


# the client ---------------------------------------------------------------------------------
def refusal(path: Path) -> str | None:
    """Why the socket file at ``path`` must not be talked to, or None when it may."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"no socket ({exc.strerror})"
    if not stat.S_ISSOCK(info.st_mode):
        return "not a socket"
    if info.st_uid != os.getuid():
        return f"owned by uid {info.st_uid}, not by this user"
    if info.st_mode & 0o077:
        return f"mode {stat.S_IMODE(info.st_mode):o} lets other users in"
    return None


def ask(
    path: Path,
    request: dict[str, Any],
    connect_timeout: float = CONNECT_TIMEOUT_S,
    timeout: float = ANSWER_TIMEOUT_S,
) -> dict[str, Any] | None:
    """The app's response, or None when no app of this user answers it properly (the caller
    then answers in-process). An error the library raised comes back as a response."""
    if not supported():
        return None
    why = refusal(path)
    if why is not None:
        log.debug("not asking the app at %s: %s", path, why)
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(connect_timeout)
            sock.connect(str(path))
            sock.settimeout(timeout)
            send(sock, request)
            reply = receive(sock)
    except (OSError, ValueError) as exc:
        log.debug("the app at %s did not answer: %s", path, exc)
        return None
    if reply.get("v") != VERSION or reply.get("kind") in FALLBACK:
        log.debug("the app at %s could not answer: %s", path, reply.get("error"))
        return None
    return reply


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    """One message: compact JSON and a newline."""
    sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")


def receive(sock: socket.socket) -> dict[str, Any]:
    """One message; ValueError for one that is too long, cut short or not a JSON object."""
    chunks: list[bytes] = []
    size = 0
    while not chunks or not chunks[-1].endswith(b"\n"):
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ValueError("connection closed mid-message")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_MESSAGE:
            raise ValueError("message too long")
    message = json.loads(b"".join(chunks))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


# the server ---------------------------------------------------------------------------------
def claim(path: Path) -> bool:
    """Make ``path`` free to listen on: a stale socket (nobody accepts) is removed. False when
    another live app already answers there, or something other than a socket is in the way."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    if not stat.S_ISSOCK(info.st_mode):
        log.warning("not answering the CLI: %s is in the way and is not a socket", path)
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(CONNECT_TIMEOUT_S)
            probe.connect(str(path))
        log.info("another mmdesk app answers at %s; this one will not", path)
        return False
    except OSError:
        path.unlink(missing_ok=True)
        return True


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end (Linux), or None where it cannot be known."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def listen(path: Path) -> socket.socket | None:
    """A listening socket at ``path``, mode 0600, or None when it cannot be had."""
    if not supported() or not claim(path):
        return None
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:  # connecting needs write permission: with the usual umask others never have it
        server.bind(str(path))
        os.chmod(path, 0o600)
        server.listen(8)
    except OSError as exc:
        server.close()
        log.info("not answering the CLI at %s: %s", path, exc)
        return None
    return server


class Server:
    """Answers requests on a thread, one connection at a time, through ``handler`` (called on
    that thread only). The desktop app uses its own Qt front end to this protocol; this one
    serves tests and benchmarks, and any host without an event loop."""

    def __init__(self, path: Path, handler: Handler, plugins: list[str]) -> None:
        self.path, self.handler, self.plugins = path, handler, plugins
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> bool:
        """Listen; False when another app already answers or the socket cannot be made."""
        self._sock = listen(self.path)
        if self._sock is None:
            return False
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, name="mmdesk-cli-server", daemon=True)
        self._thread.start()
        return True

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(REQUEST_TIMEOUT_S)
            if peer_uid(conn) not in (None, os.getuid()):
                return
            request = receive(conn)
            conn.settimeout(ANSWER_TIMEOUT_S)
            send(conn, respond(self.handler, request, self.plugins))
        except (OSError, ValueError) as exc:
            log.debug("a CLI connection failed: %s", exc)

    def close(self) -> None:
        """Stop answering and remove the socket file."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            self.path.unlink(missing_ok=True)


class LibraryServer(Server):
    """A :class:`Server` answering from a Library of ``settings``, opened on its thread."""

    def __init__(self, settings: Settings) -> None:
        plugins = [str(p) for p in settings.plugin_dirs()]
        super().__init__(socket_path(settings.data_dir), self._handle, plugins)
        self.settings = settings
        self._library: Library | None = None

    def _handle(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._library is None:
            self._library = open_library(self.settings, one_shot=False)
        return answer(self._library, request)

    def close(self) -> None:
        super().close()
        if self._library is not None:
            self._library.close()
            self._library = None
