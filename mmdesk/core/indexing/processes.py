"""Decoding in background processes, for a process whose window must answer at once.

Decode threads hold Python's GIL between Pillow's and numpy's C calls, and on a small machine
two of them with the model's thread keep every CPU busy: the desktop app's window waited up to
~35 ms for a CPU while a library filled (bench/gui_stall.py). In the app (its registry's
``options.decode_processes``), an index run of at least :data:`MIN_FILES` files decodes in a
pool of spawned processes in the idle scheduling class instead: they share no GIL with the
window and take only CPUs it leaves. What runs there is
:func:`~mmdesk.core.indexing.prepare.decode` itself, with each encoder replaced by a
:class:`StandIn` that carries its preprocessing as a picklable function of its manifest
(``preprocessor()``); an encoder without one keeps the run in threads, as does a process pool
that cannot start. The model still runs in the indexing thread of this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmdesk.plugins.runtimes.helper_process import run_in_background

log = logging.getLogger(__name__)
MIN_FILES = 32  # fewer files (a folder watcher's few new photos): threads, no process start


@dataclass(frozen=True)
class StandInSpec:
    """What decoding reads of an encoder's spec."""

    id: str
    modality: str


@dataclass(frozen=True)
class StandIn:
    """An encoder as a decode process sees it: its id, modality and preprocessing."""

    spec: StandInSpec
    image: Callable[[Any], np.ndarray] | None = None
    audio: Callable[[np.ndarray, int], np.ndarray] | None = None

    def preprocess(self, image: Any) -> np.ndarray:
        assert self.image is not None
        return self.image(image)

    def preprocess_audio(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        assert self.audio is not None
        return self.audio(samples, sample_rate)


def stand_ins(encoders: list[Any]) -> dict[str, StandIn] | None:
    """Encoder id -> its stand-in, or None when one of them has no picklable preprocessing
    (decoding then stays in threads)."""
    out = {}
    for encoder in encoders:
        make = getattr(encoder, "preprocessor", None)
        function = make() if callable(make) else None
        if function is None:
            return None
        spec = StandInSpec(encoder.spec.id, encoder.spec.modality)
        audio = encoder.spec.modality == "audio"
        out[spec.id] = StandIn(spec, None if audio else function, function if audio else None)
    try:
        pickle.dumps(out)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.info("decoding stays in threads: an encoder's preprocessing cannot travel (%s)", exc)
        return None
    return out


def start_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` spawned decode processes in the idle scheduling class, or None
    (logged) where one cannot start."""
    pool = None
    try:
        context = multiprocessing.get_context("spawn")  # never fork a process with threads
        pool = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=context, initializer=run_in_background
        )
        pool.submit(int).result(timeout=60)  # started (and importable) before the run counts
    except Exception as exc:  # any failure to start: the run decodes in threads
        log.warning("decoding in threads: no decode processes (%s)", exc)
        if pool is not None:  # what did start is stopped, not left behind
            pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool
