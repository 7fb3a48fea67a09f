"""The helper process that runs dlib for the built-in face analyser (:mod:`.dlib_faces`).

dlib holds the GIL while it builds its detector, loads its models and embeds a face, so the
analyser runs it here, out of the way of the threads of the process that asked (a desktop
app's window among them). Started as ``python -m mmdesk.plugins.runtimes.dlib_worker``: it
reads a pickled ``{"settings", "threads"}``, loads the models and answers ``("ready",)``; then,
until its input closes, it reads a pickled list of picture shapes followed by the pictures'
raw RGB bytes and answers a pickled ``("faces", [[Face, ...], ...])``. A failure is answered
``("error", text)``. Nothing else is written to its output.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import IO, Any

import numpy as np


def _read_picture(stream: IO[bytes], shape: tuple[int, ...]) -> np.ndarray:
    picture = np.empty(shape, np.uint8)
    view = picture.data.cast("B")
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise EOFError("the input ended inside a picture")
        got += n
    return picture


def _reply(stream: IO[bytes], message: Any) -> None:
    pickle.dump(message, stream)
    stream.flush()


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer requests from ``source`` on ``sink`` until ``source`` ends."""
    from mmdesk.plugins.runtimes.dlib_faces import build_models, find_faces

    init = pickle.load(source)
    settings: dict[str, Any] = init["settings"]
    try:
        models = build_models(settings, int(init["threads"]))
    except Exception as exc:  # told to the analyser, which says so
        _reply(sink, ("error", f"{type(exc).__name__}: {exc}"))
        return
    _reply(sink, ("ready",))
    while True:
        try:
            shapes = pickle.load(source)
        except EOFError:
            return
        pictures = [_read_picture(source, tuple(shape)) for shape in shapes]
        try:
            answer: Any = ("faces", [find_faces(models, settings, p) for p in pictures])
        except Exception as exc:
            answer = ("error", f"{type(exc).__name__}: {exc}")
        _reply(sink, answer)


def main() -> None:
    if hasattr(os, "nice"):
        try:
            os.nice(8)  # background work, as the app's own worker threads are
        except OSError:
            pass
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    try:
        serve(source, sink)
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
