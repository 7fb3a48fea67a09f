"""Helper processes for runtimes that would hold Python's GIL in this process.

Some libraries keep the GIL through long stretches of their work: dlib (building its detector,
embedding a face), RapidOCR's text detection post-processing (OpenCV, shapely, pyclipper) and
the first import of OpenCV itself (~55 ms of C initialisation, ~0.25 s from a cold disk). Run
in the desktop app's process, each of those stretches freezes the window. A runtime instead
starts ``python -m mmdesk.plugins.runtimes.helper_process <its module>`` once and sends it
pictures: :class:`HelperProcess` is this side; on the helper's side :func:`main` calls the
module's ``helper_load(init)`` once and ``helper_answer(loaded, picture)`` for each picture.

The protocol, over the helper's stdin/stdout: an init message (a pickled dict) answered
``("ready",)`` once the helper's models are loaded; then, until its input closes, requests of a
pickled list of picture shapes followed by the pictures' raw uint8 bytes, each answered
``("done", [answer per picture])``. A failure is answered ``("error", text)``. Nothing else is
written to its output (a stray print goes to stderr). The helper runs as background work (the
idle scheduling class on Linux, niced elsewhere): the window's thread gets a CPU first.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from mmdesk.errors import PluginError

log = logging.getLogger(__name__)
NICE = 8


class HelperProcess:
    """A started helper for a runtime's module, answering requests about pictures.

    Args:
        process: the running helper.
        what: what it does, for messages ("face analysis").
    """

    def __init__(self, process: subprocess.Popen[bytes], what: str) -> None:
        self.process = process
        self.what = what
        self._finalizer = weakref.finalize(self, _stop, process)

    @classmethod
    def start(cls, module: str, init: dict[str, Any], what: str) -> HelperProcess | None:
        """A ready helper, or None (logged) where one cannot start or load its models: the
        runtime then works in this process."""
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[3])  # the folder holding mmdesk/
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            log.warning("%s runs in this process: no helper process (%s)", what, exc)
            return None
        helper = cls(process, what)
        try:
            helper._send(init)
            helper._answer()  # ("ready",) once the models are loaded
        except PluginError as exc:
            helper.close()
            log.warning("%s runs in this process: %s", what, exc)
            return None
        return helper

    def ask(self, pictures: list[np.ndarray]) -> list[Any]:
        """The helper's answer for each picture (uint8 arrays, any shape)."""
        arrays = [np.ascontiguousarray(p, dtype=np.uint8) for p in pictures]
        self._send([a.shape for a in arrays])
        stream = self.process.stdin
        assert stream is not None
        try:
            for array in arrays:  # straight from the arrays: nothing copied under the GIL
                stream.write(array.data.cast("B"))
            stream.flush()
        except OSError as exc:
            raise self._stopped(exc) from None
        answers: list[Any] = self._answer()[1]
        return answers

    def close(self) -> None:
        self._finalizer()

    def _send(self, message: object) -> None:
        stream = self.process.stdin
        assert stream is not None
        try:
            pickle.dump(message, stream)
            stream.flush()
        except OSError as exc:
            raise self._stopped(exc) from None

    def _answer(self) -> tuple[Any, ...]:
        stream = self.process.stdout
        assert stream is not None
        try:
            answer = pickle.load(stream)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise self._stopped(exc) from None
        if answer[0] == "error":
            raise PluginError(f"{self.what} failed: {answer[1]}")
        return tuple(answer)

    def _stopped(self, exc: BaseException) -> PluginError:
        self.close()
        return PluginError(f"the helper process for {self.what} stopped ({exc or 'no answer'})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Close the helper's input (it ends by itself), killing it if it does not."""
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The helper's side.


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


def serve(
    source: IO[bytes],
    sink: IO[bytes],
    load: Callable[[dict[str, Any]], Any],
    answer: Callable[[Any, np.ndarray], Any],
) -> None:
    """Answer requests from ``source`` on ``sink`` until ``source`` ends: ``load(init)`` once
    makes the models, ``answer(models, picture)`` answers for one picture."""
    init = pickle.load(source)
    try:
        models = load(init)
    except Exception as exc:  # told to the runtime, which says so
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
            reply: Any = ("done", [answer(models, p) for p in pictures])
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        _reply(sink, reply)


def run_in_background() -> None:
    """Run as background work: on Linux in the idle scheduling class (any thread of normal
    priority, the window's among them, takes a CPU from it at once; a niced process still
    held CPUs for 35 ms while the window's thread waited), elsewhere niced."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError:
            pass
    if hasattr(os, "nice"):
        try:
            os.nice(NICE)
        except OSError:
            pass


def main() -> None:
    """The helper: runs the ``helper_load`` / ``helper_answer`` of the module named by its
    argument at a lower priority, answering on stdout until stdin closes."""
    runtime = importlib.import_module(sys.argv[1])
    run_in_background()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    try:
        serve(source, sink, runtime.helper_load, runtime.helper_answer)
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
